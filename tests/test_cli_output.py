"""Where the commands' output goes: a reader that stops early, a full disk,
an output file that cannot be written, consoles without UTF-8, BLOBs.

Each test runs ``python -m nianbao`` as a process (as a user's shell does),
on a copy of the bundled corpus ingested once.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import CORPUS, copy_db

REPORTS = CORPUS / "reports"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX pipes and devices")


@pytest.fixture()
def corpus_db(tmp_path, corpus_db_master):
    return copy_db(corpus_db_master, tmp_path)


def _nianbao(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "nianbao", *map(str, args)], capture_output=True, timeout=300,
                          env=dict(os.environ, **(env or {})), **kw)


def _closed_early(*args, env=None):
    """Run with a standard output whose reader goes away at once (``| head
    -c0``): (exit status, stderr)."""
    p = subprocess.Popen([sys.executable, "-m", "nianbao", *map(str, args)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=dict(os.environ, **(env or {})))
    p.stdout.close()
    err = p.stderr.read()
    return p.wait(timeout=300), err.decode("utf-8", "replace")


@POSIX
def test_a_reader_that_stops_early_is_no_error(corpus_db):
    """`nianbao … | head`: exit 0 and nothing on stderr (no traceback, no
    "Broken pipe"), for a long table and for every reading command."""
    for args in (["sql", "select * from metric_values"], ["check"], ["flags"], ["compare"], ["report", "青岚"],
                 ["search", "就业"], ["outline", REPORTS / "A_zhongzhi_2023.docx"]):
        code, err = _closed_early(*args, "--db", corpus_db) if args[0] != "outline" else _closed_early(*args)
        assert (code, err) == (0, ""), (args, code, err)


@POSIX
def test_ingest_goes_on_when_its_progress_reader_stops(tmp_path):
    """`nianbao ingest … 2>&1 | head -1`: the progress has no reader after
    the first line; every file is still stored and the exit status is 0."""
    db = tmp_path / "n.db"
    p = subprocess.Popen([sys.executable, "-m", "nianbao", "ingest", REPORTS, "--db", db, "--workers", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    p.stdout.readline()
    p.stdout.close()
    assert p.wait(timeout=600) == 0
    import nianbao
    assert len(nianbao.Database(db).documents()) == len([f for f in REPORTS.iterdir() if f.is_file()])


@POSIX
def test_the_workbook_is_written_before_the_table_meets_a_closed_pipe(corpus_db, tmp_path):
    out = tmp_path / "q.xlsx"
    code, err = _closed_early("compare", "--db", corpus_db, "--xlsx", out)
    assert code == 0 and err == ""
    assert "对比" in openpyxl.load_workbook(out).sheetnames


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_under_the_output_names_the_output_not_the_database(corpus_db):
    for args in (["compare"], ["check", "--json"], ["sql", "select 1"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([sys.executable, "-m", "nianbao", *args, "--db", str(corpus_db)], stdout=full,
                               stderr=subprocess.PIPE, timeout=300)
        err = p.stderr.decode("utf-8")
        assert p.returncode == 1 and "cannot write the output" in err and "database" not in err, (args, err)
    p = _nianbao("report", "青岚", "--db", corpus_db, "--html", "/dev/full")
    err = p.stderr.decode("utf-8")
    assert p.returncode == 1 and "cannot write /dev/full" in err and "database" not in err, err


def test_an_output_file_that_cannot_be_written_is_one_line(corpus_db, tmp_path):
    """A folder on the way that is a file: one line naming it, no traceback;
    a missing folder is made."""
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for args in (["compare", "--xlsx", blocker / "x.xlsx"], ["report", "青岚", "--html", blocker / "x.html"]):
        p = _nianbao(*args, "--db", corpus_db)
        err = p.stderr.decode("utf-8")
        assert p.returncode == 1 and "is a file, not a folder" in err and "Traceback" not in err, err
    p = _nianbao("compare", "--db", corpus_db, "--xlsx", tmp_path / "新文件夹" / "对比.xlsx")
    assert p.returncode == 0 and (tmp_path / "新文件夹" / "对比.xlsx").exists()


def test_sql_shows_a_blob_by_its_size_and_json_gives_its_bytes(corpus_db):
    p = _nianbao("sql", "--db", corpus_db, "--json", "select x'00ff41' as b, 1 as n")
    assert p.returncode == 0 and json.loads(p.stdout) == [{"b": {"$base64": True, "encoded": "AP9B"}, "n": 1}]
    p = _nianbao("sql", "--db", corpus_db, "select model from document_models limit 1")
    assert p.returncode == 0 and "BLOB" in p.stdout.decode("utf-8") and "\\x" not in p.stdout.decode("utf-8")
    p = _nianbao("sql", "--db", corpus_db, "--csv", "select x'00ff41' as b")
    assert p.stdout.decode("utf-8-sig").splitlines()[1] == "<二进制 BLOB 3 字节 bytes>"


def test_help_in_a_gbk_console_shows_the_narrow_marks():
    """The marks of the help texts (✓ ✗ ⚠ ✎) become √ × ！ ※ in GBK, as in
    the commands' output, not '?'."""
    for args in (["--help"], ["check", "--help"], ["compare", "--help"]):
        p = _nianbao(*args, env={"PYTHONIOENCODING": "gbk"})
        text = p.stdout.decode("gbk")
        assert p.returncode == 0 and "?" not in text and ("√" in text or "！" in text), (args, text)


@POSIX
def test_chinese_arguments_in_the_c_locale_without_utf8_mode(corpus_db):
    """`LC_ALL=C PYTHONUTF8=0`: the arguments are the UTF-8 they were typed in."""
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    p = _nianbao("report", "青岚", "--db", corpus_db, env=env)
    assert p.returncode == 0 and "青岚县职业技术教育中心" in p.stdout.decode("utf-8"), p.stderr
    p = _nianbao("search", "就业", "--json", "--db", corpus_db, env=env)
    assert p.returncode == 0 and json.loads(p.stdout)


def test_spaces_around_a_school_name_and_a_limit_of_nothing(corpus_db):
    p = _nianbao("report", " 青岚\t", "--db", corpus_db)
    assert p.returncode == 0 and "青岚县职业技术教育中心" in p.stdout.decode("utf-8")
    p = _nianbao("search", "就业", "--limit", "0", "--db", corpus_db)
    assert p.returncode == 2 and "0" in p.stderr.decode("utf-8")


@POSIX
def test_csv_on_a_gbk_screen_is_in_the_consoles_encoding(corpus_db):
    """`compare --csv` on a Chinese console (a terminal in GBK) is readable
    there; redirected it stays UTF-8 with a byte-order mark."""
    import pty
    leader, follower = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "nianbao", "compare", "--csv", "--db", str(corpus_db)],
                         stdout=follower, stderr=subprocess.PIPE, env=dict(os.environ, PYTHONIOENCODING="gbk"))
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:          # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert p.wait(timeout=300) == 0
    os.close(leader)
    assert "学校 school" in b"".join(chunks).decode("gbk")
    p = _nianbao("compare", "--csv", "--db", corpus_db, env={"PYTHONIOENCODING": "gbk"})
    assert p.stdout.startswith("\ufeff".encode("utf-8")) and "学校 school" in p.stdout.decode("utf-8-sig")


def test_metric_names_all_and_unknown(corpus_db):
    every = _nianbao("compare", "--csv", "--metrics", "all", "--db", corpus_db).stdout
    assert _nianbao("compare", "--csv", "--metrics", "ALL", "--db", corpus_db).stdout == every
    p = _nianbao("compare", "--metrics", "就业,招生人数", "--db", corpus_db)
    err = p.stderr.decode("utf-8")
    assert p.returncode == 1 and "unknown metric: 就业;" in err and "就业率 employment_rate" in err


def test_conflicting_values_read_as_a_list_and_a_rename_shows_on_the_page(corpus_db, tmp_path):
    import nianbao
    d = nianbao.Database(corpus_db)
    out = d.write_xlsx(tmp_path / "c.xlsx")
    comments = [c.comment.text for row in openpyxl.load_workbook(out)["对比"].iter_rows() for c in row if c.comment]
    stated = [t for t in comments if "conflicting values" in t]
    assert stated and all("、" in t.split("conflicting values: ")[1].split("；")[0] for t in stated), stated
    d.correct(school="青岚", year=2023, field="学校", value="青岚职教中心", note="简称")
    html = d.write_report_html(tmp_path / "p.html", "青岚职教中心").read_text(encoding="utf-8")
    assert "学校 school → 青岚职教中心" in html


def test_extract_shows_a_dash_for_what_was_not_read(tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("一段没有标题的文字。\n", encoding="utf-8")
    p = _nianbao("extract", f)
    first = p.stdout.decode("utf-8").splitlines()[0]
    assert p.returncode == 0 and "None" not in first and "学校 school: —" in first


def test_an_output_file_that_fails_half_way_leaves_no_half_file(tmp_path):
    """A full disk in the middle of writing: no broken file is left, and an
    older file of that name stays whole (written beside, then put in place)."""
    import errno
    from nianbao.export.output_file import OutputError, written
    target = tmp_path / "对比.xlsx"

    def half(path):
        path.write_bytes(b"PK half")
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OutputError, match="cannot write .*No space left"):
        written(target, half)
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"older")
    with pytest.raises(OutputError):
        written(target, half)
    assert target.read_bytes() == b"older" and list(tmp_path.iterdir()) == [target]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_help_into_a_full_disk_is_one_line():
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "nianbao", "--help"], stdout=full, stderr=subprocess.PIPE,
                           timeout=120)
    err = p.stderr.decode("utf-8")
    assert p.returncode == 1 and "cannot write the output" in err and "Traceback" not in err, err


@POSIX
def test_an_output_file_keeps_its_link_and_its_permissions_and_a_long_name_works(tmp_path):
    """Written beside then put in place — yet a symbolic link still names
    the file written, a private file stays private, a read-only one is
    refused, and a name near the 255-byte limit is written."""
    import stat as st
    from nianbao.export.output_file import OutputError, written
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    written(link, lambda p: p.write_text("new"))
    assert link.is_symlink() and real.read_text() == "new"
    private = tmp_path / "private.html"
    private.write_text("x")
    private.chmod(0o600)
    written(private, lambda p: p.write_text("y"))
    assert st.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "y"
    long = tmp_path / ("对" * 80 + ".html")        # 245 bytes
    written(long, lambda p: p.write_text("z"))
    assert long.read_text() == "z" and not list(tmp_path.glob(".*.part"))
    if os.geteuid() != 0:            # root may write anything
        frozen = tmp_path / "frozen.html"
        frozen.write_text("keep")
        frozen.chmod(0o444)
        with pytest.raises(OutputError, match="read-only"):
            written(frozen, lambda p: p.write_text("no"))
