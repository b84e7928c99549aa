#!/usr/bin/env python3
"""Fault probe (issue #14): throw bad inputs and bad databases at the real
``nianbao`` command and count what went wrong.

    .venv/bin/python bench/fault_probe.py [--per-file 20] [--seed 14] [--workers 2]

Made here, from the corpus only (``corpus/reports``, ``tests/fixtures/bad``):

* fuzzed reports — every corpus report with random bit flips, truncations,
  zeroed or duplicated stretches (``--per-file`` each);
* hostile names and archives — GBK file names as ``unzip`` leaves them, names
  with newlines and escape sequences, a zip member flagged UTF-8 that is not,
  a zip bomb, a nested zip, a zip of fuzzed files, a broken zip;
* hostile content — XML over the safety limits (entity expansion, depth,
  huge attributes and text), a "sentence" of a million characters, 20,000
  paragraphs, the files of ``tests/fixtures/bad``;
* folder faults — links outside the folder, a dangling link, a loop;
* storage faults — a file that is not SQLite, a corrupt, a newer and another
  program's database, each under every command; ``nianbao sql`` with a
  runaway query, ATTACH and VACUUM INTO.

It runs ``nianbao ingest`` on the folder twice (the second run must read
nothing new) and prints: inputs tried, tracebacks, runs aborted, files lost
(an input that is neither stored — document or failure with its reason — nor
listed as skipped with its reason), and the outcomes by error code.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "corpus" / "reports"
BAD = ROOT / "tests" / "fixtures" / "bad"
NIANBAO = [sys.executable, "-m", "nianbao.pipeline"]


# -- inputs ------------------------------------------------------------------------------
def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    how = rng.choice(["flip", "flip", "flips", "cut", "zero", "dup"])
    if how == "flip":
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif how == "flips":
        for _ in range(rng.randint(2, 40)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif how == "cut":
        b = b[:rng.randrange(1, len(b))]
    elif how == "zero":
        a = rng.randrange(len(b))
        b[a:a + rng.randint(1, 4096)] = bytes(min(len(b) - a, rng.randint(1, 4096)))
    else:
        a = rng.randrange(len(b))
        b[a:a] = b[a:a + rng.randint(1, 2048)]
    return bytes(b)


def write_docx(path: Path, change) -> None:
    src = REPORTS / "A_zhongzhi_2023.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(data) if info.filename == "word/document.xml" else data)


def entities(d: bytes) -> bytes:
    dtd = b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
        for i in range(9)) + b"]>"
    return re.sub(rb"<w:t>", b"<w:t>&j;", d.replace(b"?>", b"?>" + dtd, 1), count=1)


def raw_name_zip(path: Path, members) -> None:
    orig = zipfile.ZipInfo._encodeFilenameFlags
    raw = {}
    zipfile.ZipInfo._encodeFilenameFlags = lambda self: raw[self.filename]
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for i, (name, flags, data) in enumerate(members):
                raw[f"m{i}"] = (name, flags)
                zf.writestr(f"m{i}", data)
    finally:
        zipfile.ZipInfo._encodeFilenameFlags = orig


def make_inputs(folder: Path, per_file: int, rng: random.Random) -> dict:
    """Write the bad inputs; return what a run must account for: ``files``
    (loose file displays), ``members`` (archive display → member count),
    ``skipped`` (paths that must be listed as skipped)."""
    reports = sorted(p for p in REPORTS.iterdir() if p.suffix in (".pdf", ".docx", ".txt"))
    fuzz = folder / "fuzz"
    fuzz.mkdir(parents=True)
    for src in reports:
        data = src.read_bytes()
        for i in range(per_file):
            (fuzz / f"{src.stem}_{i:03d}{src.suffix}").write_bytes(mutate(data, rng))
    names = folder / "names"
    names.mkdir()
    txt = (REPORTS / "E_zhongzhi_2023_gb18030.txt").read_bytes()
    for i, n in enumerate(["青岚县2023质量报告.txt", "果园县职业技术学校/年度报告.txt"]):
        raw = os.path.join(os.fsencode(names), n.split("/")[-1].encode("gbk"))
        Path(os.fsdecode(raw)).write_bytes(txt + f"\n{i}\n".encode())
    (names / "x\n已入库 ingested: 99   失败 failed: 0\x1b[2J.txt").write_bytes(txt + b"\nforged\n")
    zips = folder / "zips"
    zips.mkdir()
    members = {}
    raw_name_zip(zips / "bad_member_name.zip", [(b"bad\xff\xfe.txt", 0x800, txt + b"\nbad\n"),
                                                 ("好.txt".encode(), 0x800, txt + b"\ngood\n"),
                                                 ("旧.txt".encode("gbk"), 0, txt + b"\nold\n")])
    members[str(zips / "bad_member_name.zip")] = 3
    with zipfile.ZipFile(zips / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.txt", b"\0" * (16 << 20))
        zf.writestr("ok.txt", txt + b"\nbeside the bomb\n")
        zf.writestr("line\n已入库 ingested: 7.txt", txt + b"\nnewline member\n")
    members[str(zips / "bomb.zip")] = 3
    with zipfile.ZipFile(zips / "fuzzed.zip", "w") as zf:
        for src in reports:
            for i in range(3):
                zf.writestr(f"{src.stem}_{i}{src.suffix}", mutate(src.read_bytes(), rng))
    members[str(zips / "fuzzed.zip")] = 3 * len(reports)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("inner.txt", txt + b"\ninner\n")
    with zipfile.ZipFile(zips / "nested.zip", "w") as zf:
        zf.writestr("in.zip", inner.getvalue())
        zf.writestr("broken.zip", b"PK\x03\x04 not a zip")
    members[str(zips / "nested.zip")] = 2
    (zips / "broken.zip").write_bytes((zips / "nested.zip").read_bytes()[:60])
    hostile = folder / "hostile"
    hostile.mkdir()
    write_docx(hostile / "entities.docx", entities)
    write_docx(hostile / "deep.docx", lambda d: d.replace(b"<w:body>", b"<w:body>" + b"<w:sdt><w:sdtContent>" * 3000
                                                           + b"</w:sdtContent></w:sdt>" * 3000, 1))
    write_docx(hostile / "attribute.docx", lambda d: d.replace(b"<w:body>", b'<w:body><w:p w:rsidR="'
                                                               + b"A" * (12 << 20) + b'"/>', 1))
    (hostile / "long_sentence.txt").write_text("示例职业学校2023年质量年度报告\n一、基本情况\n学校" + "发展，" * 340_000
                                               + "全日制在校生1,845人。\n", encoding="utf-8")
    (hostile / "many_paragraphs.txt").write_text("示例职业学校2023年质量年度报告\n" + "".join(
        f"（{i // 20 + 1}）专业建设\n" * (i % 20 == 0) + f"第{i + 1}项工作中，学校开设{i % 50 + 3}个专业。\n"
        for i in range(20_000)), encoding="utf-8")
    if BAD.exists():
        for f in BAD.iterdir():
            if f.suffix != ".json":
                shutil.copyfile(f, hostile / f"fixture_{f.name}")
                if f.suffix == ".zip":
                    with zipfile.ZipFile(f) as z:
                        members[str(hostile / f"fixture_{f.name}")] = sum(not n.endswith("/") for n in z.namelist())
    links = folder / "links"
    links.mkdir()
    outside = folder.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_bytes(txt + b"\noutside\n")
    (links / "to_outside.txt").symlink_to(outside / "secret.txt")
    (links / "outside_dir").symlink_to(outside, target_is_directory=True)
    (links / "dangling.pdf").symlink_to(folder / "nowhere.pdf")
    (links / "loop").symlink_to(folder, target_is_directory=True)
    skipped = [str(links / "to_outside.txt"), str(links / "outside_dir"), str(links / "dangling.pdf")]
    from nianbao.ingest.walk import display_name
    files = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink() and str(p) not in members:
            files.append(display_name(p)[0])
    return {"files": files, "members": members, "skipped": skipped}


# -- running -------------------------------------------------------------------------------
#: environment of the ``nianbao`` runs (``--code DIR`` puts another checkout first, to compare)
ENV = dict(os.environ)


def run(args, **kw) -> subprocess.CompletedProcess:
    """``nianbao ARGS``; a run past its ``timeout`` (a server that started where it should have
    refused) is stopped and reported with return code -1."""
    try:
        return subprocess.run([*NIANBAO, *map(str, args)], capture_output=True, text=True, env=ENV, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, -1, e.stdout or "", (e.stderr or "") + "\n(timed out)")


def account(db: Path, expected: dict, output: str) -> tuple[int, int, list[str]]:
    """Inputs tried, inputs lost (neither stored nor listed as skipped with
    their reason; each archive member counts) and what was lost."""
    con = sqlite3.connect(db)
    paths = {p for (p,) in con.execute("select path from document_paths")}
    con.close()
    lost = [f for f in expected["files"] if f not in paths]
    n_lost = len(lost)
    for z, n in expected["members"].items():
        got = sum(1 for p in paths if p.startswith(z + "!/"))
        if got < n and z not in paths:
            lost.append(f"{z} ({n - got} members)")
            n_lost += n - got
    gone = [s for s in expected["skipped"] if f"跳过 skipped  {s}:" not in output]
    lost, n_lost = lost + gone, n_lost + len(gone)
    tried = len(expected["files"]) + sum(expected["members"].values()) + len(expected["skipped"])
    return tried, n_lost, lost


def storage_probe(work: Path, good: Path) -> tuple[int, int, int]:
    """Every command on every bad database: (tried, tracebacks, unclear)."""
    txt = REPORTS / "E_zhongzhi_2023_gb18030.txt"
    dbs = {}
    dbs["not_sqlite"] = work / "not_sqlite.db"
    dbs["not_sqlite"].write_text("学校,年度\n" * 200, encoding="utf-8")
    dbs["foreign"] = work / "foreign.db"
    con = sqlite3.connect(dbs["foreign"])
    con.execute("create table documents (id integer primary key, title text)")
    con.commit()
    con.close()
    for kind in ("newer_schema", "corrupt"):
        dbs[kind] = work / f"{kind}.db"
        shutil.copyfile(good, dbs[kind])
    con = sqlite3.connect(dbs["newer_schema"])
    con.execute("update _meta set value = '99' where key = 'schema_version'")
    con.commit()
    con.close()
    data = bytearray(dbs["corrupt"].read_bytes())
    size = int.from_bytes(data[16:18], "big")
    for page in range(2, len(data) // size):
        data[page * size + 8:page * size + 40] = b"\xa5" * 32
    dbs["corrupt"].write_bytes(bytes(data))
    commands = [["ingest", txt, "--workers", "0"], ["search", "产教"], ["compare"], ["check"], ["flags"], ["score"],
                ["sql", "select count(*) from documents"], ["serve", "--port", "0"]]
    tried = tracebacks = unclear = 0
    for kind, db in dbs.items():
        for c in commands:
            p = run([*c, "--db", db], timeout=120)
            tried += 1
            tracebacks += "Traceback" in p.stderr + p.stdout
            last = (p.stderr.strip().splitlines() or [""])[-1]
            unclear += not (p.returncode == 1 and last.startswith(f"Error: {kind}: "))
    for q in ["with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n",
              f"attach '{work / 'made.db'}' as x", f"vacuum into '{work / 'made2.db'}'"]:
        p = run(["sql", q, "--db", good, "--time-limit", "1"], timeout=300)
        tried += 1
        tracebacks += "Traceback" in p.stderr + p.stdout
        unclear += p.returncode != 1 or (work / "made.db").exists() or (work / "made2.db").exists()
    return tried, tracebacks, unclear


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-file", type=int, default=20, help="fuzzed variants of each corpus report")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", help="keep the inputs and database in this folder")
    ap.add_argument("--code", help="run the nianbao of this folder (a folder holding the package as "
                                   "nianbao/, e.g. an older commit's export) instead of this one")
    a = ap.parse_args()
    if a.code:
        ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(a.code).resolve()), ENV.get("PYTHONPATH")]))
    work = Path(a.keep or tempfile.mkdtemp(prefix="nianbao-probe-"))
    work.mkdir(parents=True, exist_ok=True)
    inputs = work / "inputs"
    expected = make_inputs(inputs, a.per_file, random.Random(a.seed))
    db = work / "probe.db"
    first = run(["ingest", inputs, "--db", db, "--workers", a.workers, "--timeout", 120], cwd=work)
    second = run(["ingest", inputs, "--db", db, "--workers", a.workers, "--timeout", 120], cwd=work)
    tried, n_lost, lost = account(db, expected, first.stdout)
    s_tried, s_tb, s_unclear = storage_probe(work, db)
    con = sqlite3.connect(db)
    codes = Counter((e or "ok").split(":")[0] if s != "needs_ocr" else "needs_ocr"
                    for s, e in con.execute("select status, error from documents"))
    damaged = con.execute("select count(*) from documents where warnings like '%damaged%'").fetchone()[0]
    con.close()
    tracebacks = sum("Traceback" in p.stdout + p.stderr for p in (first, second))
    aborted = sum(p.returncode != 0 for p in (first, second))
    reread = re.search(r"已入库 ingested: (\d+)", second.stdout)
    report = {
        "inputs tried": tried, "tracebacks": tracebacks, "runs aborted": aborted, "files lost": n_lost,
        "re-run read again": int(reread.group(1)) if reread else None,
        "outcomes": dict(sorted(codes.items())), "stored with a damage warning": damaged,
        "storage and SQL faults tried": s_tried, "storage tracebacks": s_tb, "storage outcomes unclear": s_unclear,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    for f in lost[:20]:
        print("LOST", f)
    if aborted or tracebacks:
        print(first.stderr[-3000:], second.stderr[-3000:])
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if (tracebacks or aborted or lost or s_tb or s_unclear) else 0


if __name__ == "__main__":
    sys.exit(main())
