"""Bulk ingest (issue #5): archives, dedupe, incremental re-runs, worker
processes, error isolation, crash safety and the run lock — on real files."""
from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import nianbao.ingest.archive as archive
import nianbao.ingest.batch as batch
import nianbao.ingest.workers as workers
from nianbao import pipeline
from nianbao.ingest.legacy import find_soffice
from nianbao.store.rows import unpack_model

from conftest import CORPUS, ROOT
from fault_injection import faulty_runner

BAD = ROOT / "tests" / "fixtures" / "bad"
REPORTS = CORPUS / "reports"
TXT = REPORTS / "E_zhongzhi_2023_gb18030.txt"
DOCX = REPORTS / "A_zhongzhi_2023.docx"
PDF = REPORTS / "D_gaozhi_2024_reportlab.pdf"

GBK_NAMES = ["果园县职业技术学校2023年质量年度报告.txt", "滹阳县职教中心/2023年度质量报告.docx"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def variant(src: Path, i: int) -> bytes:
    """``src`` with a small unique change, so that copies are not duplicates."""
    data = src.read_bytes()
    if src.suffix == ".pdf":
        return data + f"\n% copy {i}\n".encode()
    if src.suffix == ".docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info, zin.read(info))
            zout.comment = f"copy {i}".encode()
        return buf.getvalue()
    return data + f"\n（副本 {i}）\n".encode("gb18030")


def write_zip(path: Path, members: dict, *, raw_names: bool = False) -> Path:
    """A ZIP of ``{name: bytes}``.  With ``raw_names`` the names are given as
    bytes and written without the UTF-8 flag, as Chinese Windows writes GBK."""
    orig = zipfile.ZipInfo._encodeFilenameFlags
    if raw_names:
        zipfile.ZipInfo._encodeFilenameFlags = lambda self: (self.filename.encode("cp437"), self.flag_bits)
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                if raw_names:
                    name = name.decode("cp437")
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 15, 9, 30, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    finally:
        zipfile.ZipInfo._encodeFilenameFlags = orig
    return path


def db_rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def dump(db: Path) -> dict:
    """The database content that must not depend on workers or interruptions
    (timestamps left out)."""
    return {
        "documents": db_rows(db, "select id, path, sha256, format, pages, chars, school, year, level, region, "
                                 "title, status, error, parser, size from documents order by id"),
        "paths": db_rows(db, "select path, document_id, sha256, size, mtime from document_paths order by path"),
        "sections": db_rows(db, 'select document_id, "order", level, number, title, page, text from sections '
                                'order by document_id, "order"'),
        "tables": db_rows(db, 'select document_id, "order", title, cells from tables order by 1, 2'),
        "metrics": db_rows(db, "select document_id, metric, value, unit, year, page, source, start from metrics "
                               "order by document_id, metric, start, value"),
        "flags": db_rows(db, "select document_id, kind, metric, message from flags order by 1, 2, 3, 4"),
        "awards": db_rows(db, "select document_id, competition, level, prize, person, start from awards "
                              "order by 1, 6, 2, 5"),
        "pages": [tuple(r) for r in
                  db_rows(db, "select document_id, page, chars, status, note from pages order by 1, 2")],
        "models": [(i, _untimed_model(m))
                   for i, m in db_rows(db, "select document_id, model from document_models order by 1")],
        "search": db_rows(db, 'select document_id, "order", chars from sections_fts order by 1, 2'),
    }


def _untimed_model(blob: bytes) -> str:
    """A stored document model as JSON, without the seconds OCR took (kept in
    the model's metadata as a diagnostic; page notes and warnings hold no timing)."""
    d = unpack_model(blob).to_dict()
    (d.get("metadata", {}).get("ocr") or {}).pop("seconds", None)
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def bad_files(folder: Path) -> dict[str, str | None]:
    """The bad fixtures (generated here when tests/fixtures/bad lacks them),
    with the error code each must get (None: stored with status needs_ocr;
    "ok": read as what its content is, with a warning)."""
    folder.mkdir(parents=True, exist_ok=True)
    want = {"empty.pdf": "empty", "truncated.pdf": "truncated", "encrypted.pdf": "encrypted",
            "pdf_named.docx": "ok", "notaword.docx": "wrong_extension", "scanned.pdf": None}
    for name in want:
        src = BAD / name
        if src.exists():
            (folder / name).write_bytes(src.read_bytes())
    made = {
        "empty.pdf": lambda: b"",
        "truncated.pdf": lambda: PDF.read_bytes()[: PDF.stat().st_size * 4 // 10],
        "pdf_named.docx": lambda: PDF.read_bytes(),
        "notaword.docx": lambda: "这不是 Word 文件。\n".encode("utf-8"),
    }
    for name, fn in made.items():
        if not (folder / name).exists():
            (folder / name).write_bytes(fn())
    return {n: code for n, code in want.items() if (folder / n).exists()}


# ---------------------------------------------------------------------------
# archives
# ---------------------------------------------------------------------------
def test_gbk_member_names_are_decoded(tmp_path):
    z = write_zip(tmp_path / "gbk.zip", {GBK_NAMES[0].encode("gbk"): TXT.read_bytes(),
                                         GBK_NAMES[1].encode("gbk"): DOCX.read_bytes()}, raw_names=True)
    with zipfile.ZipFile(z) as zf:
        assert all(not (i.flag_bits & 0x800) for i in zf.infolist())  # really written the Windows way
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([z], db, workers=0)
    assert sorted(s.ingested) == sorted(f"{z}!/{n}" for n in GBK_NAMES)
    paths = [p for (p,) in db_rows(db, "select path from document_paths order by path")]
    assert paths == sorted(f"{z}!/{n}" for n in GBK_NAMES)
    schools = {r[0] for r in db_rows(db, "select school from documents")}
    assert schools == {"果园县职业技术学校", "青岚县职业技术教育中心"}, schools


@pytest.mark.skipif(not (BAD / "gbk_names.zip").exists(), reason="fixture not generated")
def test_gbk_fixture_zip(tmp_path):
    z = BAD / "gbk_names.zip"
    s = pipeline.ingest_paths([z], tmp_path / "n.db", workers=0)
    names = sorted(s.ingested + [p for p, _ in s.duplicates])
    assert names == sorted(f"{z}!/{n}" for n in GBK_NAMES)


def test_utf8_names_and_unsafe_names_stay_inside(tmp_path):
    z = write_zip(tmp_path / "u.zip", {"../../escape.txt": TXT.read_bytes(),
                                       "/abs/报告.docx": DOCX.read_bytes(),
                                       "docs/readme.md": b"not a report"})
    outside = tmp_path.parent / "escape.txt"
    s = pipeline.ingest_paths([z], tmp_path / "n.db", workers=0)
    assert sorted(s.ingested) == [f"{z}!/abs/报告.docx", f"{z}!/escape.txt"]
    assert not outside.exists() and not Path("/abs").exists()


def test_zip_bombs_are_refused_and_the_rest_stored(tmp_path, monkeypatch):
    zeros = b"\0" * (8 << 20)        # 8 MB of zeros: ≈ 1,000:1
    z = write_zip(tmp_path / "bomb.zip", {"bomb.txt": zeros, "ok.txt": TXT.read_bytes()})
    s = pipeline.ingest_paths([z], tmp_path / "n.db", workers=0)
    assert s.ingested == [f"{z}!/ok.txt"]
    (path, err), = s.failed
    assert path == f"{z}!/bomb.txt" and err.startswith("zip_bomb:") and "ratio" in err
    # the size limit, and the total of an archive
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 100_000)
    z2 = write_zip(tmp_path / "big.zip", {"big.docx": DOCX.read_bytes() + b"\0" * 200_000,
                                          "small.txt": TXT.read_bytes()})
    s = pipeline.ingest_paths([z2], tmp_path / "n2.db", workers=0)
    assert s.ingested == [f"{z2}!/small.txt"] and s.failed[0][1].startswith("zip_bomb:")
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 10_000)
    s = pipeline.ingest_paths([z2], tmp_path / "n3.db", workers=0)
    assert s.failed == [(str(z2), s.failed[0][1])] and "in total" in s.failed[0][1]


def test_nested_zip_one_level(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("内层/report.docx", DOCX.read_bytes())
        deeper = io.BytesIO()
        with zipfile.ZipFile(deeper, "w") as z3:
            z3.writestr("x.txt", TXT.read_bytes())
        zf.writestr("deeper.zip", deeper.getvalue())
    z = write_zip(tmp_path / "outer.zip", {"a/inner.zip": inner.getvalue(), "b.pdf": PDF.read_bytes(),
                                           "broken.zip": b"PK\x03\x04 broken"})
    s = pipeline.ingest_paths([tmp_path], tmp_path / "n.db", workers=0)   # a zip inside a folder
    assert sorted(s.ingested) == sorted([f"{z}!/a/inner.zip!/内层/report.docx", f"{z}!/b.pdf"])
    errors = dict(s.failed)
    assert errors[f"{z}!/a/inner.zip!/deeper.zip"].startswith("unsupported:")
    assert errors[f"{z}!/broken.zip"].startswith("truncated:")


def test_broken_zip_gets_an_error(tmp_path):
    z = tmp_path / "broken.zip"
    with zipfile.ZipFile(z, "w") as zf:       # a real archive, cut short
        zf.write(TXT, "a.txt")
    z.write_bytes(z.read_bytes()[:100])
    good = tmp_path / "good.txt"
    good.write_bytes(TXT.read_bytes())
    s = pipeline.ingest_paths([tmp_path], tmp_path / "n.db", workers=0)
    assert s.ingested == [str(good)]
    assert s.failed[0][0] == str(z) and s.failed[0][1].startswith("truncated:")


# ---------------------------------------------------------------------------
# dedupe and incremental runs
# ---------------------------------------------------------------------------
def test_duplicates_stored_once_every_path_remembered(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.docx").write_bytes(DOCX.read_bytes())
    (d / "b 副本.docx").write_bytes(DOCX.read_bytes())
    write_zip(d / "z.zip", {"c.docx": DOCX.read_bytes()})
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([d], db, workers=2)
    assert s.parsed == 1 and len(s.ingested) == 1 and len(s.duplicates) == 2
    assert db_rows(db, "select count(*) from documents") == [(1,)]
    assert db_rows(db, "select count(distinct document_id), count(*) from document_paths") == [(1, 3)]
    metrics = db_rows(db, "select count(*) from metrics")[0][0]
    assert metrics > 0


def test_rerun_reads_nothing_and_changes_replace_rows(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    for i, src in enumerate([TXT, DOCX, PDF]):
        (d / f"{i}{src.suffix}").write_bytes(src.read_bytes())
    write_zip(d / "z.zip", {"m.txt": variant(TXT, 1), "n.pdf": variant(PDF, 2)})
    db = tmp_path / "n.db"
    first = pipeline.ingest_paths([d], db, workers=0)
    assert len(first.ingested) == 5
    before = dump(db)

    # an unchanged re-run: no parsing, no hashing, the zip not even opened
    def boom(*a, **k):
        raise AssertionError("must not be called on an unchanged re-run")
    monkeypatch.setattr(workers, "parse", boom)
    monkeypatch.setattr(batch, "sha256_file", boom)
    monkeypatch.setattr(archive, "open_archive", boom)
    s = pipeline.ingest_paths([d], db, workers=0)
    assert (s.parsed, len(s.unchanged), s.failed) == (0, 5, [])
    assert dump(db) == before
    monkeypatch.undo()

    # touched (same bytes, new mtime): hashed once, not parsed; then skipped without hashing
    os.utime(d / "0.txt", (time.time() + 10, time.time() + 10))
    s = pipeline.ingest_paths([d], db, workers=0)
    assert s.parsed == 0 and str(d / "0.txt") in s.unchanged
    monkeypatch.setattr(batch, "sha256_file", boom)
    assert pipeline.ingest_paths([d], db, workers=0).parsed == 0
    monkeypatch.undo()

    # a changed file replaces its rows (same document id, no duplicates)
    doc_id = db_rows(db, f"select document_id from document_paths where path = '{d / '0.txt'}'")[0][0]
    n_sections = db_rows(db, f"select count(*) from sections where document_id = {doc_id}")[0][0]
    (d / "0.txt").write_bytes(TXT.read_bytes() + "\n补充说明。\n".encode("gb18030"))
    s = pipeline.ingest_paths([d], db, workers=0)
    assert s.parsed == 1 and s.ingested == [str(d / "0.txt")]
    assert db_rows(db, f"select document_id from document_paths where path = '{d / '0.txt'}'")[0][0] == doc_id
    assert db_rows(db, f"select count(*) from sections where document_id = {doc_id}")[0][0] == n_sections
    assert db_rows(db, "select count(*) from documents")[0][0] == 5

    # a changed zip: only the new member is extracted; the others are skipped by size and CRC
    write_zip(d / "z.zip", {"m.txt": variant(TXT, 1), "n.pdf": variant(PDF, 2), "o.docx": variant(DOCX, 3)})
    extracted = []
    real = archive.extract_member
    monkeypatch.setattr(archive, "extract_member", lambda zf, m, *a, **k: extracted.append(m.name) or real(zf, m, *a, **k))
    s = pipeline.ingest_paths([d], db, workers=0)
    assert extracted == ["o.docx"] and s.ingested == [f"{d / 'z.zip'}!/o.docx"] and len(s.unchanged) == 5


def test_reextract_uses_stored_models(tmp_path, monkeypatch):
    db = tmp_path / "n.db"
    pipeline.ingest_paths([TXT, DOCX], db, workers=0)
    before = dump(db)["metrics"]
    con = sqlite3.connect(db)
    con.execute("delete from metrics")
    con.execute("update documents set school = null")
    con.commit()
    con.close()

    def boom(*a, **k):
        raise AssertionError("re-extraction must not re-parse")
    monkeypatch.setattr(workers, "parse", boom)
    r = CliRunner().invoke(pipeline.cli, ["ingest", "--reextract", "--db", str(db), "--workers", "0"])
    assert r.exit_code == 0, r.output
    assert "重新抽取 re-extracted: 2" in r.output
    assert dump(db)["metrics"] == before
    assert db_rows(db, "select count(*) from documents where school is not null") == [(2,)]


# ---------------------------------------------------------------------------
# errors: each bad file its error, the batch goes on
# ---------------------------------------------------------------------------
def test_each_bad_file_gets_its_error_and_good_files_are_stored(tmp_path):
    d = tmp_path / "in"
    want = bad_files(d / "bad")
    (d / "good.docx").write_bytes(DOCX.read_bytes())
    (d / "good.pdf").write_bytes(PDF.read_bytes())
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([d], db, workers=2, ocr=False)   # OCR: tests/test_ocr.py
    stored = sorted(Path(p).name for p in s.ingested + [dup for dup, _ in s.duplicates])
    assert stored == sorted(["good.docx", "good.pdf"] + [n for n, c in want.items() if c == "ok"])
    rows = {Path(p).name: (st, (e or "").split(":")[0] or None, w)
            for p, st, e, w in db_rows(db, "select d.path, d.status, d.error, d.warnings from document_paths p "
                                           "join documents d on d.id = p.document_id")}
    for name, code in want.items():
        if code is None:
            assert rows[name][:2] == ("needs_ocr", None), name
        elif code == "ok":       # a PDF named .docx is read as a PDF, and says so
            assert rows[name][:2] == ("ok", None) and "named .docx but the content is PDF" in rows[name][2], rows[name]
        else:
            assert rows[name][:2] == ("failed", code), (name, rows[name])
    assert len(s.failed) == sum(1 for c in want.values() if c and c != "ok")
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]


legacy_doc = pytest.mark.skipif(not (BAD / "legacy.doc").exists(), reason="legacy.doc fixture not generated")


@legacy_doc
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")
def test_legacy_doc_is_converted_with_libreoffice(tmp_path):
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([BAD / "legacy.doc"], db, workers=1)
    assert s.ingested == [str(BAD / "legacy.doc")], s.failed
    (fmt, parser, pages), = db_rows(db, "select format, parser, pages from documents")
    assert fmt == "doc" and parser.startswith("libreoffice+") and pages > 1
    assert db_rows(db, "select count(*) from sections")[0][0] > 5


@legacy_doc
def test_legacy_doc_without_libreoffice_says_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))   # no soffice, no libreoffice
    monkeypatch.delenv("NIANBAO_SOFFICE", raising=False)
    s = pipeline.ingest_paths([BAD / "legacy.doc", TXT], tmp_path / "n.db", workers=0)
    assert s.ingested == [str(TXT)]
    (path, err), = s.failed
    assert err.startswith("legacy_format:") and "LibreOffice" in err and "install" in err


@pytest.mark.slow
def test_hang_memory_and_crash_are_isolated(tmp_path, monkeypatch):
    """A file that hangs, one that eats memory and one that kills its worker
    each get their error; the good files are stored.  The memory limit is on
    resident memory: a worker that reserves far more address space than the
    limit, without using it, reads its file.  The time limit is generous
    (the hang is endless, so only the watchdog ends it) and no duration is
    asserted."""
    d = tmp_path / "in"
    d.mkdir()
    for i, name in enumerate(("hang_me", "crash_me", "eat_memory", "reserve_me")):
        (d / f"{name}.txt").write_bytes(variant(TXT, i))
    (d / "good.docx").write_bytes(DOCX.read_bytes())
    (d / "good.pdf").write_bytes(PDF.read_bytes())
    db = tmp_path / "n.db"
    monkeypatch.setattr(workers, "run_task",
                        faulty_runner({"hang_me": "hang", "crash_me": "crash", "eat_memory": "memory",
                                       "reserve_me": "reserve"}))
    s = pipeline.ingest_paths([d], db, workers=2, timeout=30, memory_limit_mb=900)
    errors = {Path(p).stem: e for p, e in s.failed}
    assert errors["hang_me"].startswith("timeout:") and "30 s" in errors["hang_me"]
    assert errors["crash_me"].startswith("crashed:")
    assert errors["eat_memory"].startswith("memory:") and "900 MB" in errors["eat_memory"]
    assert sorted(s.ingested) == [str(d / "good.docx"), str(d / "good.pdf"), str(d / "reserve_me.txt")]
    assert db_rows(db, "select count(*) from documents where status = 'failed'") == [(3,)]
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]


# ---------------------------------------------------------------------------
# parallel, crash-safe, one run at a time
# ---------------------------------------------------------------------------
def _batch(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    srcs = [p for p in sorted(REPORTS.glob("*")) if p.suffix in (".pdf", ".docx", ".txt")]
    for i in range(n):
        src = srcs[i % len(srcs)]
        (folder / f"{i:03d}_{src.name}").write_bytes(variant(src, i))
    return folder


@pytest.mark.slow
def test_workers_give_the_same_database(tmp_path):
    d = _batch(tmp_path / "in", 14)
    bad_files(d / "bad")
    zero, one, two = tmp_path / "zero.db", tmp_path / "one.db", tmp_path / "two.db"
    s0 = pipeline.ingest_paths([d], zero, workers=0)
    s1 = pipeline.ingest_paths([d], one, workers=1)
    s2 = pipeline.ingest_paths([d], two, workers=2)
    assert (len(s0.ingested), len(s0.failed)) == (len(s1.ingested), len(s1.failed)) == \
        (len(s2.ingested), len(s2.failed))
    assert s2.workers == 2
    assert dump(zero) == dump(one) == dump(two)


@pytest.mark.slow
def test_killed_run_leaves_a_consistent_database_and_the_next_run_completes(tmp_path):
    d = _batch(tmp_path / "in", 24)
    db = tmp_path / "killed.db"
    proc = subprocess.Popen([sys.executable, str(ROOT / "pipeline.py"), "ingest", str(d), "--db", str(db),
                             "--workers", "2"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline and proc.poll() is None:
        try:
            stored = db_rows(db, "select count(*) from documents")[0][0]
        except sqlite3.Error:
            stored = 0
        if stored >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    partial = db_rows(db, "select count(*) from documents")[0][0]
    assert 3 <= partial < 24
    # every stored document is whole: its model, pages and sections are there
    assert db_rows(db, "select count(*) from documents d where status = 'ok' and not exists "
                       "(select 1 from document_models m where m.document_id = d.id)") == [(0,)]
    s = pipeline.ingest_paths([d], db, workers=2)
    assert len(s.unchanged) == partial and s.parsed == 24 - partial
    full = tmp_path / "full.db"
    pipeline.ingest_paths([d], full, workers=2)
    assert dump(db) == dump(full)
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_run_lock_refuses_or_waits(tmp_path):
    db = tmp_path / "n.db"
    with pipeline.run_lock(db):
        r = CliRunner().invoke(pipeline.cli, ["ingest", str(TXT), "--db", str(db), "--workers", "0"])
        assert r.exit_code != 0
        assert "another ingest run holds this database" in r.output and f"pid {os.getpid()}" in r.output
        assert "另一个入库任务正在使用该数据库" in r.output
        with pytest.raises(pipeline.RunLocked):
            pipeline.ingest_paths([TXT], db, workers=0)

    # a run that waits gets the lock only once the holder let it go
    held, letting_go = threading.Event(), threading.Event()

    def hold():
        with pipeline.run_lock(db):
            held.set()
            time.sleep(1.0)
            letting_go.set()           # still inside the lock
    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(60)
    seen = []                          # at every progress event: had the holder let go?
    s = pipeline.ingest_paths([TXT], db, workers=0, lock_wait=120, progress=lambda ev: seen.append(letting_go.is_set()))
    t.join()
    assert s.ingested == [str(TXT)] and seen and all(seen)


def test_plain_progress_lines_and_summary_in_a_pipe(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_bytes(TXT.read_bytes())
    (d / "b.txt").write_bytes(TXT.read_bytes())
    (d / "empty.pdf").write_bytes(b"")
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(d), "--db", str(tmp_path / "n.db"), "--workers", "0"])
    assert r.exit_code == 0, r.output
    out = r.output
    assert f"[1/3] 入库 ingested  {d / 'a.txt'}" in out
    assert f"重复 duplicate  {d / 'b.txt'}" in out
    assert "已入库 ingested: 1" in out and "重复 duplicates: 1" in out and "失败 failed: 1" in out
    assert "有标记 flagged:" in out and "empty: 文件为空" in out


def test_work_for_later_runs_once_while_every_worker_is_busy():
    """``WorkerPool.when_busy``: what the run would do after the last result
    (loading the store checks) runs once, while both workers hold a file;
    an exception in it does not stop the run; with no worker process it
    runs at once."""
    files = sorted(p for p in REPORTS.iterdir() if p.suffix in (".docx", ".txt"))[:5]
    seen, results = [], []

    def later():
        seen.append(sorted(len(w.jobs) > 0 for w in pool.workers))
        raise RuntimeError("ignored: the same work after the last result would raise it")

    with workers.WorkerPool(2, lambda t, c, out: results.append(out.status)) as pool:
        pool.when_busy(later)
        for f in files:
            pool.submit(workers.Task(display=str(f), path=str(f), sha256=f.name, size=f.stat().st_size))
        pool.drain()
    assert seen == [[True, True]]
    assert results == ["ok"] * len(files)
    now = []
    workers.WorkerPool(0, None).when_busy(lambda: now.append(1))
    assert now == [1]


@pytest.mark.slow
def test_sigterm_unwinds_like_ctrl_c(tmp_path):
    """`kill`, `timeout` or a service manager stopping a run (SIGTERM): a
    one-line message, exit 143, no traceback, the archive's extracted
    members removed, a consistent database, and the next run completes."""
    members = {f"r{i:02d}_{src.name}": variant(src, i)
               for i, src in enumerate(p for p in sorted(REPORTS.glob("*")) * 3 if p.suffix == ".pdf")}
    arc = write_zip(tmp_path / "in.zip", members)
    db, tmp = tmp_path / "t.db", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "ingest", str(arc), "--db", str(db), "--workers", "1"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if db_rows(db, "select count(*) from documents")[0][0] >= 2:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err, err
    assert not list(tmp.glob("nianbao-*")), "extracted members left behind"
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    partial = db_rows(db, "select count(*) from documents")[0][0]
    s = pipeline.ingest_paths([arc], db, workers=1)
    assert len(s.ingested) + partial == len(members) and not s.failed


@pytest.mark.slow
def test_ctrl_c_while_the_workers_warm_up_prints_no_traceback(tmp_path):
    """Ctrl-C at a terminal reaches the whole process group, the forkserver
    in the middle of its warm-up included: one message, exit 130."""
    import psutil
    files = [p for p in sorted(REPORTS.glob("*")) if p.suffix in (".pdf", ".docx")]
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "ingest", *map(str, files), "--db", str(tmp_path / "c.db"),
                             "--workers", "1"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.time() + 60
    warming = False
    while time.time() < deadline and proc.poll() is None and not warming:
        try:
            warming = any("forkserver" in " ".join(c.cmdline()) for c in psutil.Process(proc.pid).children())
        except psutil.Error:
            pass
        time.sleep(0.02)
    assert warming, "no forkserver started"
    time.sleep(0.3)                       # inside its warm-up (imports, dictionaries)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err


def test_a_relative_path_is_stored_whole_so_two_folders_never_collide(tmp_path):
    """`cd 学校A; nianbao ingest 年报.docx`, then the same from 学校B: two
    reports, not the second replacing the first because both were typed
    `年报.docx`; and one file named three ways is one stored path."""
    import shutil
    for school, src in (("学校A", DOCX), ("学校B", REPORTS / "B_gaozhi_2023.docx")):
        (tmp_path / school).mkdir()
        shutil.copyfile(src, tmp_path / school / "年报.docx")
    db = tmp_path / "all.db"

    def ingest(cwd, *paths):
        p = subprocess.run([sys.executable, "-m", "nianbao", "ingest", *paths, "--db", str(db), "--workers", "0"],
                           cwd=cwd, capture_output=True, timeout=300)
        assert p.returncode == 0, p.stderr.decode("utf-8", "replace")

    ingest(tmp_path / "学校A", "年报.docx")
    ingest(tmp_path / "学校B", "年报.docx")
    ingest(tmp_path, "学校A/年报.docx", "./学校A/../学校A/年报.docx", str(tmp_path / "学校A" / "年报.docx"))
    with sqlite3.connect(db) as conn:
        paths = sorted(r[0] for r in conn.execute("select path from document_paths"))
        schools = sorted(r[0] for r in conn.execute("select school from documents"))
    assert paths == [str(tmp_path / "学校A" / "年报.docx"), str(tmp_path / "学校B" / "年报.docx")]
    assert len(schools) == 2 and schools[0] != schools[1]
    # `remove` takes the path as typed there
    r = subprocess.run([sys.executable, "-m", "nianbao", "remove", "年报.docx", "--db", str(db)],
                       cwd=tmp_path / "学校B", capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("select path from document_paths")] == [str(tmp_path / "学校A" / "年报.docx")]


@pytest.mark.parametrize("workers", [0, 2])
def test_a_failure_under_one_name_is_not_given_to_the_same_bytes_under_another(tmp_path, workers):
    """A text named .docx fails (wrong_extension); the same bytes named .txt
    beside it are a report, read and stored, whichever comes first — and a
    misnamed Word file is read as Word, with a warning."""
    d = tmp_path / "in"
    d.mkdir()
    text = (REPORTS / "E_zhongzhi_2023_gb18030.txt").read_bytes()
    (d / "a_报告.docx").write_bytes(text)
    (d / "b_报告.txt").write_bytes(text)
    (d / "c_报告.pdf").write_bytes(DOCX.read_bytes())
    s = pipeline.ingest_paths([d], tmp_path / "n.db", workers=workers, ocr=False)
    assert [Path(p).name for p, _ in s.failed] == ["a_报告.docx"] and s.failed[0][1].startswith("wrong_extension")
    assert sorted(Path(p).name for p in s.ingested) == ["b_报告.txt", "c_报告.pdf"]
    rows = db_rows(tmp_path / "n.db", "select id, path, status, warnings from documents order by id")
    assert [(i, Path(p).name, st) for i, p, st, _ in rows] == [
        (1, "a_报告.docx", "failed"), (2, "b_报告.txt", "ok"), (3, "c_报告.pdf", "ok")]
    assert "named .pdf but the content is Word (.docx)" in rows[2][3]


def test_what_an_archive_holds_besides_reports_is_listed_and_an_empty_input_says_so(tmp_path):
    """A ZIP's .xlsx, .jpg and .rar are listed as not read with their reason
    (as a folder's are), on the first run and on an unchanged re-run; an
    empty archive or folder says that no report was found; a file that is
    no quality report is not counted as a report."""
    z = tmp_path / "各校.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(REPORTS / "E_zhongzhi_2023_gb18030.txt", "a/果园.txt")
        zf.writestr("a/附表.xlsx", b"PK")
        zf.writestr("照片.jpg", b"\xff\xd8")
        zf.writestr(".DS_Store", b"x")
        zf.writestr("通知.txt", "关于开展春季运动会的通知。各班级按时报名参加。".encode("utf-8"))
    db = tmp_path / "n.db"
    for _ in range(2):
        r = CliRunner().invoke(pipeline.cli, ["ingest", str(z), "--db", str(db), "-j", "0"])
        assert r.exit_code == 0, r.output
        assert f"未读取 not read  {z}!/a/附表.xlsx" in r.output and f"{z}!/照片.jpg" in r.output
        assert ".DS_Store" not in r.output
        assert "报告 reports: 1" in r.output and "1 more file is no quality report" in r.output, r.output
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    (tmp_path / "空文件夹").mkdir()
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(empty), str(tmp_path / "空文件夹"), "--db",
                                          str(tmp_path / "m.db"), "-j", "0"])
    assert r.exit_code == 0 and "no report files in the paths given" in r.output, r.output


def test_housekeeping_files_and_nianbaos_own_database_are_passed_over(tmp_path, monkeypatch):
    """`nianbao ingest .` where nianbao.db lives, beside Windows' Thumbs.db,
    desktop.ini and a shortcut: none of them is listed as not read; a
    workbook still is (rules/formats.yaml `quiet`)."""
    (tmp_path / "报告.txt").write_bytes((REPORTS / "E_zhongzhi_2023_gb18030.txt").read_bytes())
    for name in ("Thumbs.db", "desktop.ini", "报告 - 快捷方式.lnk", "附表.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):         # the second run finds nianbao.db, its -wal and .lock files
        r = CliRunner().invoke(pipeline.cli, ["ingest", ".", "-j", "0"])
        assert r.exit_code == 0 and "未读取 not read: 1 个文件" in r.output and "附表.xlsx" in r.output, r.output


def test_a_zip_that_is_none_says_what_it_is(tmp_path):
    """A text named .zip, an empty .zip and a cut one: three different
    messages, not all "truncated"."""
    (tmp_path / "fake.zip").write_text("这不是压缩包。\n", encoding="utf-8")
    (tmp_path / "zero.zip").write_bytes(b"")
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.write(REPORTS / "E_zhongzhi_2023_gb18030.txt", "果园.txt")
    (tmp_path / "cut.zip").write_bytes(good.read_bytes()[:120])
    s = pipeline.ingest_paths([tmp_path / n for n in ("fake.zip", "zero.zip", "cut.zip")], tmp_path / "n.db",
                              workers=0)
    why = {Path(p).name: e for p, e in s.failed}
    assert why["fake.zip"].startswith("wrong_extension") and "not a ZIP archive" in why["fake.zip"]
    assert why["zero.zip"].startswith("empty")
    assert why["cut.zip"].startswith("truncated")


def test_a_memory_limit_below_a_workers_size_at_start_is_refused(tmp_path):
    """--memory-limit 50 would fail every file with a false message (a worker
    holds ≈ 200 MB from the start): exit 2 saying so; the API: ValueError."""
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(REPORTS / "E_zhongzhi_2023_gb18030.txt"), "--db",
                                          str(tmp_path / "n.db"), "--memory-limit", "50"])
    assert r.exit_code == 2 and "at least 256" in r.output
    with pytest.raises(ValueError, match="at least 256"):
        pipeline.ingest_paths([REPORTS / "E_zhongzhi_2023_gb18030.txt"], tmp_path / "m.db", workers=1,
                              memory_limit_mb=50)
    assert CliRunner().invoke(pipeline.cli, ["ingest", str(REPORTS / "E_zhongzhi_2023_gb18030.txt"), "--db",
                                             str(tmp_path / "n.db"), "--memory-limit", "0", "-j", "0"]).exit_code == 0


def test_copies_under_several_names_give_the_same_database_with_any_number_of_workers(tmp_path):
    """The same bytes under names that fail and names that read, among other
    files: ids, paths, outcomes and warnings as with --workers 0."""
    d = tmp_path / "in"
    d.mkdir()
    text = (REPORTS / "E_zhongzhi_2023_gb18030.txt").read_bytes()
    other = (REPORTS / "E_zhongzhi_2023_gb18030.txt").read_bytes() + "\n补充说明。\n".encode("gb18030")
    for name, data in (("a.docx", text), ("b.txt", text), ("c.txt", other), ("d.docx", text),
                       ("e.pdf", DOCX.read_bytes()), ("f.docx", DOCX.read_bytes()), ("g.txt", text)):
        (d / name).write_bytes(data)
    got = {}
    for n in (0, 2):
        db = tmp_path / f"w{n}.db"
        pipeline.ingest_paths([d], db, workers=n, ocr=False)
        got[n] = (db_rows(db, "select id, path, status, error, warnings from documents order by id"),
                  db_rows(db, "select path, document_id from document_paths order by path"))
    assert got[0] == got[2]
    docs, paths = got[0]
    assert [(Path(p).name, st) for _, p, st, _, _ in docs] == [
        ("a.docx", "failed"), ("b.txt", "ok"), ("c.txt", "ok"), ("d.docx", "failed"), ("e.pdf", "ok")]
    assert dict((Path(p).name, i) for p, i in paths)["g.txt"] == 2 and dict(
        (Path(p).name, i) for p, i in paths)["f.docx"] == 5


def test_a_report_named_zip_is_read_as_the_report_it_is(tmp_path):
    """A Word file (itself a ZIP inside) or a PDF named .zip, given or inside
    an archive: read as the report, with the rename warning — not opened as
    an archive of XML parts."""
    (tmp_path / "报告.zip").write_bytes(DOCX.read_bytes())
    (tmp_path / "报告2.zip").write_bytes(PDF.read_bytes())
    outer = tmp_path / "收件.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("改名.zip", (REPORTS / "B_gaozhi_2023.docx").read_bytes())
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([tmp_path / "报告.zip", tmp_path / "报告2.zip", outer], db, workers=0, ocr=False)
    assert sorted(s.ingested) == sorted([str(tmp_path / "报告.zip"), str(tmp_path / "报告2.zip"),
                                         f"{outer}!/改名.zip"]) and not s.failed and not s.unsupported
    warnings = [w for (w,) in db_rows(db, "select warnings from documents")]
    assert all("named .zip but the content is" in w for w in warnings), warnings


def test_an_archive_whose_first_member_is_a_stored_pdf_is_an_archive(tmp_path):
    """zip stores a PDF that does not shrink uncompressed, so "%PDF-" stands
    near the archive's start: it is still an archive, every member read."""
    z = tmp_path / "各校.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(PDF, "甲.pdf", compress_type=zipfile.ZIP_STORED)
        zf.write(DOCX, "乙.docx", compress_type=zipfile.ZIP_DEFLATED)
    s = pipeline.ingest_paths([z], tmp_path / "n.db", workers=0, ocr=False)
    assert sorted(s.ingested) == sorted([f"{z}!/甲.pdf", f"{z}!/乙.docx"]) and not s.failed


def test_force_reads_a_good_copy_after_a_failed_name_with_any_number_of_workers(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    text = (REPORTS / "E_zhongzhi_2023_gb18030.txt").read_bytes()
    (d / "e.docx").write_bytes(text)
    (d / "e.txt").write_bytes(text)
    counts = {}
    for n in (0, 2):
        db = tmp_path / f"w{n}.db"
        pipeline.ingest_paths([d], db, workers=n, ocr=False)
        s = pipeline.ingest_paths([d], db, workers=n, ocr=False, force=True)
        counts[n] = (s.ingested, s.duplicates, [p for p, _ in s.failed])
    assert counts[0] == counts[2] == ([str(d / "e.txt")], [], [str(d / "e.docx")])
