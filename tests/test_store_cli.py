"""The store and the command line on real files."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from nianbao import pipeline
from nianbao.store import SCHEMA_VERSION, Store

from conftest import SEED_FILES, needs_seed


def _cli(*args):
    r = CliRunner().invoke(pipeline.cli, list(args), catch_exceptions=False)
    return r


@needs_seed
def test_ingest_replaces_rows_and_records_failures(tmp_path, seed_expected):
    db = tmp_path / "n.db"
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    r = _cli("ingest", str(SEED_FILES["txt"]), str(bad), str(empty), "--db", str(db))
    assert r.exit_code == 0, r.output
    assert "已入库 ingested: 1" in r.output and "失败 failed: 2" in r.output
    con = sqlite3.connect(db)
    docs = con.execute("select path, status, error, format, school, year from documents order by id").fetchall()
    assert docs[0][1:] == ("ok", None, "txt", seed_expected["school"], 2023)
    errors = {p.split("/")[-1]: e for p, s, e, *_ in docs if s == "failed"}
    assert errors["empty.docx"].startswith("empty:")
    assert errors["broken.pdf"].split(":")[0] in ("truncated", "corrupt")
    n_sections = con.execute("select count(*) from sections").fetchone()[0]
    n_tables = con.execute("select count(*) from tables").fetchone()[0]
    assert n_sections >= 53 and n_tables >= 9
    # re-ingesting: unchanged is skipped; --force replaces its rows, never duplicated
    r = _cli("ingest", str(SEED_FILES["txt"]), "--db", str(db))
    assert "未变 unchanged: 1" in r.output
    r = _cli("ingest", str(SEED_FILES["txt"]), "--db", str(db), "--force")
    assert "已入库 ingested: 1" in r.output
    assert con.execute("select count(*) from sections").fetchone()[0] == n_sections
    assert con.execute("select count(*) from documents where status='ok'").fetchone()[0] == 1
    assert con.execute("select value from _meta where key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    cells = json.loads(con.execute("select cells from tables where title like '附表1%'").fetchone()[0])
    assert cells[1][1:] == ["毕业生人数", "人", "252", "130"]


@needs_seed
def test_sql_is_read_only_and_formats(tmp_path, seed_expected):
    db = tmp_path / "n.db"
    _cli("ingest", str(SEED_FILES["txt"]), "--db", str(db))
    r = _cli("sql", "select school, year, level from documents", "--db", str(db), "--json")
    assert json.loads(r.output) == [{"school": seed_expected["school"], "year": 2023, "level": "中职"}]
    r = _cli("sql", "select title from sections where level = 1 and number = '10.'", "--db", str(db), "--csv")
    assert r.output.splitlines() == ["\ufefftitle", "附表"]        # a byte-order mark: Excel reads UTF-8
    r = CliRunner().invoke(pipeline.cli, ["sql", "delete from documents", "--db", str(db)])
    assert r.exit_code != 0 and "read-only" in r.output.lower()
    assert Store(db).counts()["documents"] == 1


@needs_seed
def test_outline_command_shows_tree_with_tables():
    r = _cli("outline", str(SEED_FILES["txt"]))
    lines = r.output.splitlines()
    assert "1. 基本情况" in lines and "  1.1 学校概况" in lines and "    2.1.1 党建引领" in lines
    assert any("[表 table] 附表1人才培养质量计分卡  13×5" in line for line in lines)


def test_every_command_has_bilingual_help():
    for cmd in pipeline.cli.commands:
        r = _cli(cmd, "--help")
        assert r.exit_code == 0
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.output), cmd
        assert any(ch.isascii() and ch.isalpha() for ch in r.output), cmd


def test_unreadable_text_layers_are_marked_not_stored(tmp_path):
    """A PDF whose fonts have no Unicode map, and a scanned PDF: both stored
    as needs_ocr with their pages marked, no text taken from them, and the
    summary says which is which."""
    bad = pipeline.Path(__file__).resolve().parent / "fixtures" / "bad"
    db = tmp_path / "n.db"
    r = _cli("ingest", str(bad / "garbage_text.pdf"), str(bad / "scanned.pdf"), "--db", str(db), "--workers", "0",
             "--no-ocr")
    assert "需OCR needs_ocr: 2" in r.output
    assert "garbage_text.pdf: 文本层无法识别" in r.output and "scanned.pdf: 没有文本层" in r.output
    con = sqlite3.connect(db)
    rows = dict(con.execute("select path, status from documents"))
    assert set(rows.values()) == {"needs_ocr"}
    statuses = {s for (s,) in con.execute("select status from pages")}
    assert statuses <= {"garbage", "empty"} and "garbage" in statuses
    assert con.execute("select count(*) from metrics").fetchone()[0] == 0
    assert con.execute("select count(*) from sections").fetchone()[0] == 0


def test_the_store_runs_no_sqlite_utils_plugin(tmp_path):
    """A sqlite-utils plugin installed beside nianbao (its
    ``prepare_connection`` hook) is not run on nianbao's connections: the
    database a run writes does not depend on what else is installed."""
    from sqlite_utils import hookimpl
    from sqlite_utils.plugins import pm

    prepared = []

    class Plugin:
        @hookimpl
        def prepare_connection(self, conn):
            prepared.append(conn)
            conn.create_function("plugin_function", 0, lambda: 1)

    pm.register(Plugin(), name="nianbao-test-plugin")
    try:
        st = Store(tmp_path / "x.db")
        st.close()
        from nianbao.store.db import connect
        ro = connect(tmp_path / "x.db", readonly=True)
        try:
            ro.execute("select plugin_function()")
            raised = False
        except sqlite3.OperationalError:
            raised = True
        ro.conn.close()
    finally:
        pm.unregister(name="nianbao-test-plugin")
    assert prepared == [] and raised


def test_one_file_commands_on_an_archive_and_large_values(tmp_path):
    """`outline` / `extract` on a ZIP say it is an archive for `ingest` (not
    "named .zip but the content is ZIP"); `extract` prints 元 values whole."""
    import zipfile

    from conftest import CORPUS
    docx = CORPUS / "reports" / "B_gaozhi_2023.docx"
    z = tmp_path / "报告.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(docx, docx.name)
    for cmd in ("outline", "extract"):
        r = CliRunner().invoke(pipeline.cli, [cmd, str(z)])
        assert r.exit_code == 1 and "archive: " in r.output and "nianbao ingest" in r.output
    out = _cli("extract", str(docx)).output
    assert "e+0" not in out
    assert any(ln.startswith("equipment_value_total") and " 152000000 " in ln for ln in out.splitlines())


def test_the_api_takes_one_path_and_blames_the_right_file(tmp_path, monkeypatch):
    """An integrator's mistakes: one path as a string (never read letter by
    letter: "/" would be the whole disk), a workbook or an expected-values
    file that cannot be written or found (their own error, not the
    database's), `remove` on a database that does not exist (not made)."""
    import nianbao
    from conftest import CORPUS
    (tmp_path / "other.txt").write_text("不相关的文字。", encoding="utf-8")
    report = tmp_path / "x.txt"
    report.write_bytes((CORPUS / "reports" / "E_zhongzhi_2023_gb18030.txt").read_bytes())
    db = nianbao.Database(tmp_path / "n.db")
    monkeypatch.chdir(tmp_path)        # relative: read letter by letter, "." would be this folder (never "/")
    summary = db.ingest("x.txt", workers=0)
    assert summary.ingested == [str(report)] and not summary.failed
    assert [d["path"] for d in db.documents()] == [str(report)]
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(OSError) as e:
        db.write_xlsx(blocker / "对比.xlsx")
    assert not isinstance(e.value, nianbao.StorageError) and "a-file" in str(e.value)
    with pytest.raises(FileNotFoundError, match="no-such.json"):
        db.score([tmp_path / "no-such.json"])
    with pytest.raises(ValueError, match="unknown metric"):
        db.metrics(metric="no_such_metric")
    missing = tmp_path / "missing.db"
    with pytest.raises(FileNotFoundError):
        nianbao.Database(missing).remove([str(report)])
    assert sorted(p.name for p in tmp_path.glob("missing.db*")) == []


def test_one_version_everywhere():
    import importlib.metadata

    import nianbao
    assert importlib.metadata.version("nianbao") == nianbao.__version__
    assert _cli("--version").output.strip() == f"nianbao {nianbao.__version__}"
