"""The bad-input suite (issue #14), part 2: faults of the database and of what
is printed.  Storage errors give one clear line in every command; reading
works on a read-only folder; ``serve`` is safe while an ingest rewrites the
database; ``nianbao sql`` has a time limit, honours Ctrl-C and refuses
ATTACH / VACUUM INTO; report text and file names cannot act on the terminal
or forge a summary line; CSV cells cannot run as formulas."""
from __future__ import annotations

import asyncio
import csv
import io
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao import Database, pipeline
from nianbao.store import StorageError

from conftest import CORPUS, copy_db
from faults_support import without_write_or_read_override

REPORTS = CORPUS / "reports"
TXT = REPORTS / "E_zhongzhi_2023_gb18030.txt"
NIANBAO = [sys.executable, "-m", "nianbao.pipeline"]

READING = [["search", "产教"], ["compare"], ["check"], ["flags"], ["score"], ["sql", "select count(*) from documents"]]
COMMANDS = [["ingest", str(TXT), "--workers", "0"], *READING, ["serve", "--port", "0"]]


def cli(*args):
    return CliRunner().invoke(pipeline.cli, [str(a) for a in args])


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def assert_one_clear_line(r, code: str, *, after_progress: bool = False) -> None:
    """The command failed with one line: ``Error: <code>: 中文 / English: path``
    (after the progress lines of the files already stored, for an ingest
    that stopped on the way)."""
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and not isinstance(r.exception, (sqlite3.Error, RuntimeError)), r.output
    lines = r.output.strip().splitlines()
    if after_progress:
        assert all(ln.startswith("[") for ln in lines[:-1]), r.output
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {code}: "), r.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]) and " / " in lines[0]


@pytest.fixture(scope="module")
def good_db(tmp_path_factory, corpus_db_master):
    return copy_db(corpus_db_master, tmp_path_factory.mktemp("storage"), "good.db")


def _bad_db(kind: str, good: Path, folder: Path) -> Path:
    path = folder / f"{kind}.db"
    if kind == "not_sqlite":
        path.write_text("学校,年度\n青岚县职业技术教育中心,2023\n" * 100, encoding="utf-8")
    elif kind == "foreign":
        con = sqlite3.connect(path)
        con.execute("create table documents (id integer primary key, title text, body blob)")
        con.execute("insert into documents (title) values ('另一个程序的文件 / another program')")
        con.commit()
        con.close()
    else:
        shutil.copyfile(good, path)
        if kind == "newer_schema":
            con = sqlite3.connect(path)
            con.execute("update _meta set value = '99' where key = 'schema_version'")
            con.commit()
            con.close()
        elif kind == "corrupt":
            data = bytearray(path.read_bytes())
            size = int.from_bytes(data[16:18], "big")
            for page in range(2, len(data) // size):
                data[page * size + 8:page * size + 40] = b"\xa5" * 32   # every page's header and cell pointers
            path.write_bytes(bytes(data))
    return path


# ---------------------------------------------------------------------------
# 3. storage errors: one clear line in every command
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["not_sqlite", "corrupt", "newer_schema", "foreign"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_storage_fault_is_one_clear_line_in_every_command(kind, command, good_db, tmp_path):
    db = _bad_db(kind, good_db, tmp_path)
    r = cli(*command, "--db", db)
    assert_one_clear_line(r, kind)


def test_another_programs_database_is_never_written(good_db, tmp_path):
    db = _bad_db("foreign", good_db, tmp_path)
    before = db.read_bytes()
    for command in COMMANDS:
        cli(*command, "--db", db)
    assert db.read_bytes() == before
    assert rows(db, "select name from sqlite_master") == [("documents",)]
    with pytest.raises(StorageError) as e:
        Database(db).ingest([TXT], workers=0)
    assert e.value.code == "foreign" and "documents" in str(e.value)


def test_a_new_database_is_marked_as_nianbaos(tmp_path):
    from nianbao.store.schema import APPLICATION_ID
    db = tmp_path / "n.db"
    Database(db).ingest([TXT], workers=0)
    assert rows(db, "pragma application_id") == [(APPLICATION_ID,)]


def test_full_disk_stops_the_run_with_one_line_and_loses_nothing(tmp_path, monkeypatch):
    """SQLite's own "database or disk is full" (a page limit on the writer's
    connection): the run stops with one line; what was stored is whole; the
    next run, with space, completes it."""
    real = sqlite3.connect

    def small_disk(database, *a, **k):
        con = real(database, *a, **k)
        if not str(database).startswith("file:"):          # the writer, not a read-only open
            pages = con.execute("pragma page_count").fetchone()[0]
            con.execute(f"pragma max_page_count = {max(pages, 60) + 40}")
        return con
    db = tmp_path / "n.db"
    monkeypatch.setattr(sqlite3, "connect", small_disk)
    r = cli("ingest", REPORTS, "--db", db, "--workers", "0")
    monkeypatch.undo()
    assert_one_clear_line(r, "disk_full", after_progress=True)
    assert rows(db, "pragma integrity_check") == [("ok",)]
    stored = rows(db, "select count(*) from documents")[0][0]
    s = Database(db).ingest([REPORTS], workers=0)
    assert len(s.unchanged) == stored and len(s.ingested) == len(list(REPORTS.glob("*.*"))) - stored - len(s.duplicates)
    assert rows(db, "select count(*) from document_paths")[0][0] == len(list(REPORTS.glob("*.*")))


@pytest.mark.slow
def test_disk_io_error_stops_the_run_with_one_line(tmp_path):
    """A file-size limit makes the database's writes fail (EFBIG): SQLite
    reports a disk I/O error or a full disk; the command says so in one line."""
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))
    db = tmp_path / "n.db"
    p = subprocess.run([*NIANBAO, "ingest", str(REPORTS), "--db", str(db), "--workers", "0"], preexec_fn=limited,
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith(("Error: io_error: 磁盘读写错误", "Error: disk_full: 磁盘已满")), p.stderr
    assert rows(db, "pragma integrity_check") == [("ok",)]


def _new_report(folder: Path) -> Path:
    new = folder / "new.txt"
    new.write_bytes(TXT.read_bytes() + "\n补充说明。\n".encode("gb18030"))
    return new


def test_read_only_database_file_reads_and_refuses_writes(good_db, tmp_path):
    db = tmp_path / "ro.db"
    shutil.copyfile(good_db, db)
    os.chmod(db, 0o444)
    new = _new_report(tmp_path)

    def run():
        out = {" ".join(c[:1]): (r.exit_code, r.output) for c in [["ingest", str(new), "--workers", "0"], *READING]
               for r in [cli(*c, "--db", db)]}
        # no read-only -wal / -shm made beside it: once the file is writable again, so is the database
        out["left"] = sorted(p.name for p in tmp_path.glob("ro.db-*"))
        os.chmod(db, 0o644)
        out["again"] = cli("ingest", str(new), "--workers", "0", "--db", db).exit_code
        return out
    out = without_write_or_read_override(run)
    code, text = out.pop("ingest")
    assert code == 1 and text.startswith("Error: read_only: 数据库或其文件夹只读") and "Traceback" not in text
    assert f"--db: {db} (" in text                       # names the file
    assert out.pop("left") == [] and out.pop("again") == 0
    assert all(code == 0 for code, _ in out.values()), out


def test_read_only_folder_reads_through_immutable_and_serves(good_db, tmp_path):
    """A read-only folder (as on a read-only file system or share): SQLite
    cannot keep its WAL there; every reading command still works, serve too."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "n.db"
    shutil.copyfile(good_db, db)
    os.chmod(db, 0o444)
    os.chmod(folder, 0o555)
    new = _new_report(tmp_path)

    def run():
        from nianbao.web.serve import database_name, make_datasette
        out = {c[0]: (r.exit_code, r.output) for c in [["ingest", str(new), "--workers", "0"], *READING]
               for r in [cli(*c, "--db", db)]}
        ds = make_datasette(db)
        resp = asyncio.run(ds.client.get(f"/{database_name(db)}/documents.json?_shape=array"))
        out["serve"] = (resp.status_code, len(resp.json()))
        return out
    try:
        out = without_write_or_read_override(run)
    finally:
        os.chmod(folder, 0o755)
    code, text = out.pop("ingest")
    assert code == 1 and "read_only" in text and "Traceback" not in text
    status, n = out.pop("serve")
    assert status == 200 and n == rows(good_db, "select count(*) from documents")[0][0]
    assert all(code == 0 for code, _ in out.values()), out
    assert sorted(os.listdir(folder)) == ["n.db"]                # nothing written beside it


# ---------------------------------------------------------------------------
# 6. serve while an ingest rewrites the database
# ---------------------------------------------------------------------------
@pytest.mark.slow
def test_serve_stays_correct_while_an_ingest_rewrites_the_database(good_db, tmp_path):
    from nianbao.web.serve import database_name, make_datasette
    db = tmp_path / "n.db"
    shutil.copyfile(good_db, db)
    ds = make_datasette(db)
    name = database_name(db)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_bytes(TXT.read_bytes() + "\n补充说明。\n".encode("gb18030"))
    proc = subprocess.Popen([*NIANBAO, "ingest", str(REPORTS), str(extra), "--db", str(db), "--force",
                             "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    answers = []

    async def ask():
        while proc.poll() is None:
            r = await ds.client.get(f"/{name}.json?sql=select+count(*)+as+n+from+documents&_shape=array")
            answers.append((r.status_code, r.text))
            await asyncio.sleep(0.05)
        r = await ds.client.get(f"/{name}.json?sql=select+count(*)+as+n+from+documents&_shape=array")
        answers.append((r.status_code, r.text))
    asyncio.run(ask())
    assert proc.wait() == 0, proc.stderr.read()
    assert len(answers) > 1 and all(code == 200 for code, _ in answers), answers[:3]
    assert not [t for _, t in answers if "malformed" in t]
    assert f'"n": {rows(db, "select count(*) from documents")[0][0]}' in answers[-1][1]   # no restart needed


# ---------------------------------------------------------------------------
# 7. SQL limits
# ---------------------------------------------------------------------------
FOREVER = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"


def test_sql_time_limit_stops_a_runaway_query(good_db):
    r = cli("sql", FOREVER, "--db", good_db, "--time-limit", "0.3")
    assert r.exit_code == 1 and "0.3 s" in r.output and "--time-limit" in r.output
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("statement", ["attach '{f}' as other", "vacuum into '{f}'"])
def test_attach_and_vacuum_into_are_refused_before_any_file_is_made(good_db, tmp_path, statement):
    target = tmp_path / "made.db"
    r = cli("sql", statement.format(f=target), "--db", good_db)
    assert r.exit_code == 1 and "ATTACH" in r.output and "refused" in r.output
    assert not target.exists()


@pytest.mark.slow
def test_ctrl_c_stops_nianbao_sql(good_db, tmp_path):
    proc = subprocess.Popen([*NIANBAO, "sql", FOREVER, "--db", str(good_db), "--time-limit", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    time.sleep(3)                    # let it start running the query
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err


# ---------------------------------------------------------------------------
# 8. output safety
# ---------------------------------------------------------------------------
FORGED = "x\n已入库 ingested: 99   失败 failed: 0\x1b[2J"


def test_file_and_member_names_cannot_forge_lines_or_send_escapes(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / f"{FORGED}.txt").write_bytes(TXT.read_bytes())
    with zipfile.ZipFile(d / "z.zip", "w") as zf:
        zf.writestr(f"{FORGED}\x9b31m.docx", b"not really a docx")
    r = cli("ingest", d, "--db", tmp_path / "n.db", "--workers", "0")
    assert r.exit_code == 0, r.output
    assert [ln for ln in r.output.splitlines() if ln.startswith("已入库 ingested:")] == [
        ln for ln in r.output.splitlines() if ln.startswith("已入库 ingested: 1 ")]
    assert "\x1b" not in r.output and "\x9b" not in r.output
    assert "x\\n已入库 ingested: 99" in r.output and "\\x1b[2J" in r.output


def test_report_text_with_escapes_is_shown_escaped_by_search_and_sql(tmp_path):
    f = tmp_path / "escape.txt"
    f.write_text("示例职业学校2023年质量年度报告\n一、基本情况\n学校推进产教融合\x1b]0;pwned\x07，"
                 "开设\x1b[31m专业\u202e12个。\n", encoding="utf-8")
    db = tmp_path / "n.db"
    Database(db).ingest([f], workers=0)
    for args in (["search", "产教融合"], ["sql", "select text from sections"],
                 ["sql", "select char(27) || '[31mred' as x, 'a' || char(10) || 'b' as y"]):
        r = cli(*args, "--db", db)
        assert r.exit_code == 0 and "\x1b" not in r.output and "\u202e" not in r.output and "\x07" not in r.output
        assert "\\x1b" in r.output, r.output
    r = cli("sql", "select 'a' || char(10) || 'b' as y", "--db", db)
    assert r.output.splitlines()[-1].strip() == "a\\nb"
    r = cli("search", "产教融合", "--db", db, "--json")
    assert "\x1b" not in r.output and "\u202e" not in r.output and "\\u202e" in r.output


def test_csv_cells_cannot_run_as_formulas(good_db):
    r = cli("sql", "select '=1+2' as a, '+1' as b, '-1' as c, '@SUM(A1)' as d, -1 as e, 'plain' as f",
            "--db", good_db, "--csv")
    header, row = list(csv.reader(io.StringIO(r.output)))
    assert row == ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "-1", "plain"]


def test_safe_text_helpers():
    from nianbao.cli.safe_text import json_text, terminal_text
    from nianbao.export.cells import neutralise
    assert terminal_text("青岚\n\x1b[31m\t\x9b\u202e") == "青岚\\n\\x1b[31m\\t\\x9b\\u202e"
    assert terminal_text("普通文字 plain") == "普通文字 plain"
    assert json_text('"\x9b\u2028"') == '"\\u009b\\u2028"'
    assert neutralise(-3) == -3 and neutralise("=A1") == "'=A1" and neutralise("学校") == "学校"
