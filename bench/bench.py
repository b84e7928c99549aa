"""nianbao's benchmark: every figure the README's Performance section states,
in one run, beside the text floor measured in the same run (``make bench``;
``make bench-large`` adds the 1,000-report run).

    .venv/bin/python bench/bench.py [--copies 60] [--repeat 3] [--large] [--json FILE] [--keep DIR]

What it does, on this machine, now (machine, date, commit and load average
are printed first):

0. floors: pypdfium2's text alone and pdfplumber's ``extract_text`` on the
   same PDF, one core;
1. the seed archive (``../shared/seed/seed.pdf``, a real 41-page report;
   without ``../shared`` the corpus PDFs): ``--copies`` copies, each changed
   by a few bytes so nothing is deduplicated, in one ZIP, ingested by the
   real command (``nianbao ingest``, a child process) with 2 workers, 1
   worker, in one process, and on a local Dask cluster, then with workers
   forked from a warm server: wall time, pages/s, pages/s per core, CPU
   time of every process of the run (descendants included), seconds until
   the first file's result, ratio to the floor.  The 2- and 1-worker rows
   are the median of ``--repeat`` runs (default 3) taken in turn, each
   run's wall time printed beside them, and the warm runs' CPU split
   between the command and the workers; then the floor again (a shared
   machine's cores can change speed during a run);
2. one report at a time in one warm process: CPU per stage, and the
   forkserver's warm-up;
3. memory: a 410-page report (the seed ten times) in one worker;
4. extraction against document length (linear);
5. a mixed archive of the corpus (PDF and .docx): .docx reports/s per core;
6. unchanged re-runs; 7. (``--large``) 1,000 reports; 8. an estimate for a
   national archive from the rates above.

It asserts nothing (tests never time anything); wall-clock figures move with
the machine's load, the per-CPU-second ones much less.
"""
from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import io
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED = ROOT.parent / "shared" / "seed"
NIANBAO = [sys.executable, str(ROOT / "pipeline.py")]

FIG: dict = {}


def say(text: str = "") -> None:
    print(text, flush=True)


# -- the machine ---------------------------------------------------------------------------
def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        import psutil
        mem = psutil.virtual_memory().total / (1 << 30)
    except ImportError:
        pass
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "cpu": cpu,
            "cores": os.cpu_count() or 1, "memory_gb": mem, "os": platform.platform(),
            "python": platform.python_version(), "commit": commit + ("+changes" if dirty else "")}


def loadavg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- inputs --------------------------------------------------------------------------------
def source_pdfs() -> tuple[list[Path], str]:
    if (SEED / "seed.pdf").exists():
        return [SEED / "seed.pdf"], "the seed (../shared/seed/seed.pdf, a real 41-page report)"
    pdfs = sorted((ROOT / "corpus" / "reports").glob("*.pdf"))
    return pdfs, "the corpus PDFs (../shared is absent)"


def variant(src: Path, i: int) -> bytes:
    """``src`` with a small unique change (so no two copies are deduplicated)."""
    data = src.read_bytes()
    if src.suffix.lower() == ".pdf":
        return data + f"\n% nianbao-bench copy {i}\n".encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.comment = f"nianbao-bench copy {i}".encode()
    return buf.getvalue()


def build_archive(path: Path, files: list[Path], start: int = 0) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for k, src in enumerate(files):
            zf.writestr(f"报告/{k:04d}_{src.stem}{src.suffix}", variant(src, start + k))
    return path


def page_count(pdf: Path) -> int:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def big_pdf(src: Path, times: int, out: Path) -> Path:
    """``src`` repeated ``times`` times as one PDF (pypdfium2 imports the pages)."""
    import pypdfium2 as pdfium
    s, d = pdfium.PdfDocument(str(src)), pdfium.PdfDocument.new()
    for _ in range(times):
        d.import_pages(s)
    d.save(str(out))
    d.close()
    s.close()
    return out


# -- floors ----------------------------------------------------------------------------------
def pdfium_floor(pdfs: list[Path], min_seconds: float = 3.0) -> float:
    """Pages per CPU-second of pypdfium2's text extraction alone."""
    import pypdfium2 as pdfium
    pages, c0 = 0, time.process_time()
    while time.process_time() - c0 < min_seconds:
        for f in pdfs:
            doc = pdfium.PdfDocument(str(f))
            for i in range(len(doc)):
                page = doc[i]
                tp = page.get_textpage()
                tp.get_text_range()
                tp.close()
                page.close()
                pages += 1
            doc.close()
    return pages / (time.process_time() - c0)


def pdfplumber_rate(pdf: Path, max_pages: int = 12) -> float:
    """Pages per CPU-second of pdfplumber's ``extract_text``."""
    import pdfplumber
    c0 = time.process_time()
    n = 0
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages[:max_pages]:
            page.extract_text()
            page.close()
            n += 1
    return n / (time.process_time() - c0)


# -- one command, all its processes -------------------------------------------------------------
def _subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux), so
    that the CPU time of the forkserver and the workers is counted."""
    try:
        return ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _children() -> set[int]:
    import psutil
    return {c.pid for c in psutil.Process().children()}


def _reap(own: set[int], patience: float = 60.0) -> None:
    """Wait for the command's orphaned descendants (its forkserver, workers,
    resource tracker), now children of this process; not for this
    process's own children (``own``)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        orphans = _children() - own
        if not orphans:
            return
        for pid in orphans:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def run_command(args: list[str], reaper: bool) -> dict:
    """Run ``nianbao …`` as a child process: wall seconds, CPU seconds of it and
    every descendant, seconds until its first "ingested" line, its output."""
    own = _children()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(NIANBAO + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         encoding="utf-8", cwd=ROOT)
    first, lines = None, []
    for line in p.stdout:
        if first is None and "入库 ingested" in line and line.startswith("["):
            first = time.perf_counter() - t0
        lines.append(line)
    p.wait()
    wall = time.perf_counter() - t0
    if reaper:
        _reap(own)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    out = "".join(lines)
    if p.returncode:
        raise SystemExit(f"nianbao {' '.join(args)} failed ({p.returncode}):\n{out[-3000:]}")
    m = re.search(r"页 pages: (\d+)", out)
    return {"wall": wall, "cpu": cpu if reaper else None, "first": first, "pages": int(m.group(1)) if m else 0,
            "failed": int(re.search(r"失败 failed: (\d+)", out).group(1)), "output": out}


def ingest_archive(archive: Path, db: Path, workers: int, reaper: bool, extra=()) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return run_command(["ingest", str(archive), "--db", str(db), "--workers", str(workers), *extra], reaper)


# -- sections of the report ----------------------------------------------------------------------
def floors(pdfs) -> None:
    say("\n0. floors, one core, the same PDF" + ("s" if len(pdfs) > 1 else ""))
    floor = pdfium_floor(pdfs)
    plumb = pdfplumber_rate(pdfs[0])
    FIG["floor"] = {"pypdfium2_pages_per_cpu_s": floor, "pdfplumber_pages_per_cpu_s": plumb}
    say(f"   pypdfium2 text alone ........ {floor:7,.0f} pages per CPU-second   (the floor)")
    say(f"   pdfplumber extract_text ..... {plumb:7,.1f} pages per CPU-second")


def seed_archive(pdfs, copies: int, work: Path, reaper: bool, cores: int, repeat: int = 3) -> None:
    files = [pdfs[i % len(pdfs)] for i in range(copies)]
    arc = build_archive(work / "seed.zip", files)
    pages = sum(page_count(f) for f in files)
    say(f"\n1. archive of {copies} reports ({pages:,} pages) in one ZIP, `nianbao ingest` (the whole command)")
    say(f"   the 2- and 1-worker rows: the median (by wall time) of {repeat} runs, taken in turn (2, 1, 2, 1 …) "
        f"so that a change in the machine's speed meets both; the other rows: one run")
    say("   run                    wall     pages/s  per core  CPU (all processes)  pages/CPU-s  first result  "
        "per core / floor")
    runs = {}
    ingest = lambda w, extra=(): ingest_archive(arc, work / "seed.db", w, reaper, extra)   # noqa: E731
    _median_rows((("2 workers", 2), ("1 worker", 1)), ingest, repeat, pages, cores, runs)
    for label, w, extra in (("in process (0)", 0, ()), ("--cluster local, 2", 2, ("--cluster", "local"))):
        _archive_row(label, w, ingest(w, extra), pages, cores, runs)
    FIG["seed_archive"] = {"copies": copies, "pages": pages, "runs": runs, "repeat": repeat}
    two, one = runs["2 workers"], runs["1 worker"]
    FIG["seed_archive"]["speedup_2_vs_1"] = one["wall"] / two["wall"]
    say(f"   2 workers / 1 worker: {one['wall'] / two['wall']:.2f}× faster (medians), each run warming its own "
        f"forkserver   (targets: ≥ 200 pages/s per core with 2 workers, ≈ 0.3 of the floor; 2 workers ≥ 1.8× one; "
        f"first result ≤ 1 s)")
    warm_server_runs(arc, pages, work, reaper, cores, runs, repeat)
    floor_again(pdfs, runs)
    if "2 workers, warm server" in runs:
        targets(runs)
    if not reaper:
        say("   (CPU of the worker processes is not counted on this system: no subreaper)")


def _median_rows(rows, ingest, repeat: int, pages: int, cores: int, runs: dict) -> None:
    """Run each (label, workers) of ``rows`` ``repeat`` times, in turn, and
    print the run of median wall time for each, with every run's wall time
    and the spread of the 2-worker / 1-worker ratio over the rounds."""
    tried: dict[str, list[dict]] = {label: [] for label, _ in rows}
    for _ in range(repeat):
        for label, w in rows:
            tried[label].append(ingest(w))
    for label, w in rows:
        ordered = sorted(tried[label], key=lambda r: r["wall"])
        _archive_row(label, w, ordered[len(ordered) // 2], pages, cores, runs)
        runs[label]["walls"] = [r["wall"] for r in tried[label]]
    (two, _), (one, _) = rows
    ratios = [b["wall"] / a["wall"] for a, b in zip(tried[two], tried[one])]
    say(f"   runs, in turn: {two} " + ", ".join(f"{r['wall']:.1f}" for r in tried[two]) + f" s; {one} "
        + ", ".join(f"{r['wall']:.1f}" for r in tried[one]) + " s; ratio per round "
        + ", ".join(f"{x:.2f}×" for x in ratios))


def warm_server_runs(arc: Path, pages: int, work: Path, reaper: bool, cores: int, runs: dict,
                     repeat: int = 3) -> None:
    """The same archive with workers forked from the warm server (``nianbao warm
    start``, started once here and stopped after): no warm-up in the run.
    The first run after the start is a 2-worker run, as a user's would be."""
    import psutil
    t0 = time.perf_counter()
    p = subprocess.run(NIANBAO + ["warm", "start", "--idle", "600"], capture_output=True, text=True,
                       encoding="utf-8", cwd=ROOT)
    m = re.search(r"pid (\d+)", p.stdout)
    if p.returncode or not m:
        say(f"   warm server: not available here ({(p.stderr or p.stdout).strip()[-200:]})")
        return
    server = psutil.Process(int(m.group(1)))
    start_wall, start_cpu = time.perf_counter() - t0, sum(server.cpu_times()[:2])

    def ingest(w: int) -> dict:
        before = server.cpu_times()
        r = ingest_archive(arc, work / "seed.db", w, reaper)
        _wait_no_children(server)
        after = server.cpu_times()
        if r["cpu"] is not None:   # the workers are the server's children: their CPU is counted there
            workers = (after.children_user - before.children_user) + (after.children_system - before.children_system)
            r["cpu_command"], r["cpu_workers"] = r["cpu"], workers
            r["cpu"] += workers
        return r

    try:
        _median_rows((("2 workers, warm server", 2), ("1 worker, warm server", 1)), ingest, repeat, pages,
                     cores, runs)
        _cpu_split(runs["2 workers, warm server"], runs["1 worker, warm server"], pages)
    finally:
        subprocess.run(NIANBAO + ["warm", "stop"], capture_output=True, cwd=ROOT)
        try:
            server.wait(30)     # our child (subreaper): reaped now, outside any measured run
        except psutil.Error:
            pass
    two, one = runs["2 workers, warm server"], runs["1 worker, warm server"]
    FIG["seed_archive"]["warm_server"] = {"start_wall": start_wall, "start_cpu": start_cpu,
                                         "speedup_2_vs_1": one["wall"] / two["wall"]}
    say(f"   with the warm server: 2 workers / 1 worker {one['wall'] / two['wall']:.2f}× (medians) · `nianbao warm "
        f"start` took {start_wall:.1f} s once ({start_cpu:.2f} CPU-s of warm-up), then serves every ingest until idle")


def _cpu_split(two: dict, one: dict, pages: int) -> None:
    """Where the CPU of the median warm-server runs went: the command itself
    (its start, reading the archive, the one writer) and the workers.  With
    one worker the command's work beside the worker runs on the idle core;
    with two it is taken from the workers' cores."""
    if two.get("cpu_workers") is None or one.get("cpu_workers") is None:
        return
    w, c = two["cpu_workers"], two["cpu_command"]
    reports = FIG["seed_archive"]["copies"] if "seed_archive" in FIG else None
    per = f" ({1000 * w / reports:.0f} ms per report)" if reports else ""
    say(f"   CPU of those median runs: 2 workers: the command {c:.2f} s, the workers {w:.1f} s{per}; 1 worker: "
        f"the command {one['cpu_command']:.2f} s, the workers {one['cpu_workers']:.1f} s (with two workers the "
        f"command's CPU comes from their cores)")


def floor_again(pdfs, runs: dict) -> None:
    """The floor measured again after section 1's runs: on a shared machine
    the speed of a core can change during a run, and this shows by how much
    (the per-core rates are compared with both floors)."""
    before = FIG["floor"]["pypdfium2_pages_per_cpu_s"]
    after = pdfium_floor(pdfs)
    FIG["floor"]["after_section_1"] = after
    warm = runs.get("2 workers, warm server")
    ratio = f"; 2 workers, warm server: {warm['per_core'] / after:.2f} of it" if warm else ""
    say(f"   the floor again, after these runs: {after:,.0f} pages per CPU-second ({after / before - 1:+.0%} against "
        f"section 0){ratio}")


def targets(runs: dict) -> None:
    """The three speed targets of issue #12, each for a run that warms its own
    forkserver and for runs forked from the warm server."""
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"
    say("   targets (#12)                       own forkserver          warm server")
    rows = (("≥ 200 pages/s per core, 2 workers", lambda a, b: a["per_core"], ">=", 200, "{:.0f}"),
            ("2 workers ≥ 1.8× one", lambda a, b: b["wall"] / a["wall"], ">=", 1.8, "{:.2f}×"),
            ("first result ≤ 1 s (2 workers)", lambda a, b: a["first"] or float("inf"), "<=", 1.0, "{:.2f} s"))
    modes = (("2 workers", "1 worker"), ("2 workers, warm server", "1 worker, warm server"))
    for label, fig, op, goal, fmt in rows:
        cells = []
        for two, one in modes:
            v = fig(runs[two], runs[one])
            ok = v >= goal if op == ">=" else v <= goal
            cells.append(f"{fmt.format(v)} {mark(ok)}")
        say(f"   {label:35s} {cells[0]:23s} {cells[1]}")


def _wait_no_children(proc, patience: float = 30.0) -> None:
    deadline = time.monotonic() + patience
    while proc.children() and time.monotonic() < deadline:
        time.sleep(0.02)


def _archive_row(label: str, w: int, r: dict, pages: int, cores: int, runs: dict) -> None:
    """Print one row of section 1 and keep its figures."""
    floor = FIG["floor"]["pypdfium2_pages_per_cpu_s"]
    used = min(max(w, 1), cores)
    pps = r["pages"] / r["wall"]
    per_core = pps / used
    cpu = f"{r['cpu']:6.1f} s" if r["cpu"] is not None else "   n/a"
    ppc = f"{r['pages'] / r['cpu']:6.0f}" if r["cpu"] else "   n/a"
    first = f"{r['first']:.2f} s" if r["first"] is not None else "n/a"
    say(f"   {label:22s} {r['wall']:5.1f} s  {pps:7.0f}  {per_core:7.0f}      {cpu}           {ppc}"
        f"       {first:>8s}      {per_core / floor:.2f}")
    if r["failed"] or r["pages"] != pages:
        say(f"   !! {r['failed']} failed, {r['pages']} pages stored")
    runs[label] = {k: v for k, v in r.items() if k != "output"} | {"pages_per_s": pps, "per_core": per_core}


def per_report(pdfs) -> None:
    """CPU per stage for one report in a warm process (min of 5 batches)."""
    from nianbao.ingest import parse
    from nianbao.ingest.warm import warm_up
    from nianbao.review import extract_and_review
    from nianbao.store import Store
    from nianbao.store.rows import prepare
    out = subprocess.run([sys.executable, "-c", "import time; c = time.process_time(); "
                          "from nianbao.ingest.warm import warm_up; warm_up(); print(time.process_time() - c)"],
                         capture_output=True, text=True, cwd=ROOT)
    warm_cpu = float(out.stdout.strip() or "nan")
    warm_up()
    f = pdfs[0]
    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    st = Store(tmp / "one.db")
    best: dict[str, float] = {}
    k = 0
    for _ in range(5):
        acc = dict.fromkeys(("parse", "extract", "rows", "store"), 0.0)
        for _ in range(3):
            c = time.process_time()
            doc = parse(f)
            acc["parse"] += time.process_time() - c
            c = time.process_time()
            facts = extract_and_review(doc)
            acc["extract"] += time.process_time() - c
            c = time.process_time()
            prep = prepare(doc, facts)
            acc["rows"] += time.process_time() - c
            c = time.process_time()
            st.save(path=f"{k}.pdf", sha256=str(k), size=1, mtime=1.0, prepared=prep, status=doc.status)
            acc["store"] += time.process_time() - c
            k += 1
        for key, v in acc.items():
            best[key] = min(best.get(key, 1e9), v / 3)
    st.close()
    shutil.rmtree(tmp, ignore_errors=True)
    pages = page_count(f)
    total = sum(best.values())
    FIG["per_report"] = {"pages": pages, **{k: v * 1000 for k, v in best.items()}, "warm_up_cpu_s": warm_cpu}
    say(f"\n2. one report ({pages} pages) in one warm process, CPU ms (best of 5): parse {best['parse'] * 1000:.0f}"
        f" · extract + review {best['extract'] * 1000:.0f} · rows + packed model {best['rows'] * 1000:.1f}"
        f" (worker) · store {best['store'] * 1000:.1f} (the writer) = {total * 1000:.0f} ms"
        f" → {pages / total:.0f} pages per CPU-second")
    say(f"   warm-up, once per run (the forkserver: imports, jieba, rules, small documents of its own): "
        f"{warm_cpu:.2f} CPU-s; each worker is forked from it ready")


def memory(pdfs, work: Path, reaper: bool) -> None:
    big = big_pdf(pdfs[0], 10, work / "big.pdf")
    n = page_count(big)
    from nianbao.ingest.batch import ingest_paths
    db = work / "big.db"
    res = {}
    for label, limit in (("no limit", None), ("--memory-limit 300", 300)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        s = ingest_paths([big], db, workers=1, memory_limit_mb=limit)
        res[label] = {"peak_rss_mb": max(s.worker_peak_rss_mb.values(), default=None),
                      "ingested": len(s.ingested), "failed": [e for _, e in s.failed]}
    FIG["memory"] = {"pages": n, **res}
    nl, lim = res["no limit"], res["--memory-limit 300"]
    say(f"\n3. a {n}-page report (the seed ten times), 1 worker: peak RSS of the worker "
        f"{nl['peak_rss_mb']:.0f} MB (target ≤ 300 MB); with --memory-limit 300 (resident memory): "
        + ("ingested" if lim["ingested"] else f"failed: {lim['failed'][0][:60]}"))


def linear(pdfs) -> None:
    import copy

    from nianbao.ingest import parse
    from nianbao.ingest.model import Document
    from nianbao.review import extract_and_review
    base = parse(pdfs[0])
    extract_and_review(base)
    out = []
    for k in (1, 8, 32):
        d = Document(path="long.pdf", format="pdf", parser="bench", pages=base.pages * k, metadata=base.metadata)
        for _ in range(k):
            for b in base.blocks:
                d.add(copy.deepcopy(b))
        d.finalize()
        c = time.process_time()
        extract_and_review(d)
        out.append((k, len(d.blocks), (time.process_time() - c) / k * 1000))
    FIG["linear"] = out
    say("\n4. extraction against length (the report's blocks repeated): "
        + " · ".join(f"×{k} ({n:,} blocks) {ms:.0f} ms per copy" for k, n, ms in out))


def mixed(work: Path, reaper: bool, n: int) -> Path:
    rep = ROOT / "corpus" / "reports"
    docx = sorted(rep.glob("*.docx")) + ([SEED / "seed.docx"] if (SEED / "seed.docx").exists() else [])
    pdf = sorted(rep.glob("*.pdf")) + ([SEED / "seed.pdf"] if (SEED / "seed.pdf").exists() else [])
    files = [pdf[i % len(pdf)] for i in range(n - n // 2)] + [docx[i % len(docx)] for i in range(n // 2)]
    arc = build_archive(work / "mixed.zip", files, start=10_000)
    r = ingest_archive(arc, work / "mixed.db", 2, reaper)
    # .docx alone, one process: reports per CPU-second
    d_arc = build_archive(work / "docx.zip", [docx[i % len(docx)] for i in range(20)], start=20_000)
    from nianbao.ingest.batch import ingest_paths
    ingest_paths([docx[0]], work / "warm.db", workers=0)
    c = time.process_time()
    s = ingest_paths([d_arc], work / "docx.db", workers=0)
    docx_rate = len(s.ingested) / (time.process_time() - c)
    FIG["mixed"] = {"reports": n, "wall": r["wall"], "pages": r["pages"], "cpu": r["cpu"], "docx_per_cpu_s": docx_rate}
    say(f"\n5. mixed archive: {n} reports (corpus + seed, half PDF, half .docx), 2 workers: {r['wall']:.1f} s, "
        f"{n / r['wall']:.1f} reports/s; .docx alone, one process: {docx_rate:.1f} reports per CPU-second "
        "(target ≥ 5)")
    return arc


def reruns(arc: Path, work: Path, reaper: bool) -> None:
    r = ingest_archive_again(arc, work / "mixed.db", reaper)
    loose = work / "loose"
    shutil.rmtree(loose, ignore_errors=True)
    loose.mkdir()
    with zipfile.ZipFile(arc) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        for k in range(1000):
            info = infos[k % len(infos)]
            (loose / f"{k:04d}{Path(info.filename).suffix}").write_bytes(zf.read(info))
    first = run_command(["ingest", str(loose), "--db", str(work / "mixed.db"), "--workers", "2"], reaper)
    again = run_command(["ingest", str(loose), "--db", str(work / "mixed.db"), "--workers", "2"], reaper)
    FIG["reruns"] = {"archive_unchanged": r["wall"], "loose_first_dupes": first["wall"], "loose_unchanged": again["wall"]}
    say(f"\n6. unchanged re-runs (whole command): the mixed archive {r['wall']:.2f} s; 1,000 loose copies of stored "
        f"files, first time (hashed and linked, none parsed) {first['wall']:.2f} s, again (nothing read) "
        f"{again['wall']:.2f} s (target < 10 s)")


def ingest_archive_again(arc: Path, db: Path, reaper: bool) -> dict:
    return run_command(["ingest", str(arc), "--db", str(db), "--workers", "2"], reaper)


def large(pdfs, work: Path, reaper: bool, n: int = 1000) -> None:
    files = [pdfs[i % len(pdfs)] for i in range(n)]
    arc = build_archive(work / "large.zip", files, start=100_000)
    db = work / "large.db"
    r = ingest_archive(arc, db, 2, reaper)
    con = sqlite3.connect(db)
    ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    docs = con.execute("select count(*) from documents where status = 'ok'").fetchone()[0]
    con.close()
    FIG["large"] = {"reports": n, "pages": r["pages"], "wall": r["wall"], "cpu": r["cpu"], "integrity": ok,
                    "documents": docs}
    say(f"\n7. {n:,} reports ({r['pages']:,} pages), 2 workers, `nianbao ingest`: {r['wall']:.0f} s "
        f"({r['wall'] / 60:.1f} min), {r['pages'] / r['wall']:.0f} pages/s ({r['pages'] / r['wall'] / min(2, os.cpu_count() or 1):.0f} "
        f"per core), {n / r['wall']:.1f} reports/s; "
        + (f"{r['cpu']:.0f} CPU-s in all processes ({r['pages'] / r['cpu']:.0f} pages per CPU-second); " if r["cpu"] else "")
        + f"{docs} documents stored, PRAGMA integrity_check {ok}   (target < 4 min)")


def ocr_rate(pdf: Path, n_pages: int, work: Path) -> None:
    """OCR pages per CPU-second: ``n_pages`` of ``pdf`` as an image-only scan,
    ingested in this process with one onnxruntime thread."""
    from nianbao.evaluate.scans import make_scan
    from nianbao.ingest.batch import ingest_paths
    from nianbao.ingest.ocr_engine import engine, provider
    os.environ["NIANBAO_OCR_THREADS"] = "1"
    engine.cache_clear()
    pages = list(range(1, min(n_pages, page_count(pdf)) + 1))
    scan = make_scan(pdf, work / "scan.pdf", pages=pages)
    engine()                                  # loading the models is not per page
    c0, t0 = time.process_time(), time.perf_counter()
    s = ingest_paths([scan], work / "ocr.db", workers=0)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    n = s.ocr_pages
    FIG["ocr"] = o = {"source": pdf.name, "pages": n, "provider": provider(), "cpu_s_per_page": cpu / max(1, n),
                      "wall_s_per_page": wall / max(1, n), "pages_per_cpu_s": n / cpu if cpu else 0.0}
    text = FIG["per_report"]["pages"] / sum(FIG["per_report"][k] for k in ("parse", "extract", "rows", "store")) * 1000
    say(f"\n2b. scanned PDF ({o['pages']} pages of {o['source']} rendered at 150 dpi, image only), one process, "
        f"OCR on {o['provider']}: {o['pages_per_cpu_s']:.3f} OCR pages per CPU-second "
        f"({o['cpu_s_per_page']:.1f} CPU-s per page; wall {o['wall_s_per_page']:.1f} s per page) "
        f"beside {text:.0f} text-layer pages per CPU-second")


def national(cores: int, ocr_seconds: float, scanned: float) -> None:
    runs = FIG["seed_archive"]["runs"]
    two = runs["2 workers"]
    ppc = two["pages"] / two["cpu"] if two.get("cpu") else two["per_core"]
    writer_ms = FIG["per_report"]["store"]
    reports, pages_each, provinces = 10_000, 40, 31
    pages = reports * pages_each * provinces
    text_core_h = pages * (1 - scanned) / ppc / 3600
    measured = FIG.get("ocr", {}).get("pages") and ocr_seconds is None
    if ocr_seconds is None:
        ocr_seconds = FIG["ocr"]["cpu_s_per_page"] if FIG.get("ocr", {}).get("pages") else 3.0
    ocr_core_h = pages * scanned * ocr_seconds / 3600
    writer_h = reports * provinces * writer_ms / 1000 / 3600
    FIG["national"] = {"pages": pages, "text_core_hours": text_core_h, "ocr_core_hours": ocr_core_h,
                       "writer_hours": writer_h, "pages_per_cpu_s": ppc}
    say(f"\n8. ESTIMATE, a national archive: {provinces} provinces × {reports:,} reports × {pages_each} pages = "
        f"{pages / 1e6:.1f} M pages a year")
    say(f"   text layers at {ppc:.0f} pages per CPU-second (run 1, 2 workers, all processes): "
        f"{text_core_h:,.0f} core-hours")
    say(f"   if {scanned:.0%} of pages are scans (ASSUMED) read by OCR at {ocr_seconds:.1f} CPU-s a page ("
        + ("measured in 2b" if measured else "ASSUMED, not measured in this run") + f"): {ocr_core_h:,.0f} core-hours more")
    for machines, per in ((1, cores), (10, 16), (50, 16)):
        hours = (text_core_h + ocr_core_h) / (machines * per)
        say(f"   {machines:3d} machine{'s' if machines > 1 else ' '} × {per:2d} cores: ≈ {hours:,.1f} h "
            f"({hours / 24:.1f} days)")
    say(f"   the one writer: {writer_ms:.1f} ms CPU per report → {writer_h:.1f} h for all reports, "
        f"≈ {1000 / writer_ms:.0f} reports/s at most: it limits a cluster beyond "
        f"≈ {1000 / writer_ms * pages_each / ppc:.0f} busy cores")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=60, help="reports in the seed archive (default 60)")
    ap.add_argument("--mixed", type=int, default=100, help="reports in the mixed archive (default 100)")
    ap.add_argument("--large", action="store_true", help="also the 1,000-report run (make bench-large)")
    ap.add_argument("--ocr-pages", type=int, default=4,
                    help="pages of a scanned report (rendered here at 150 dpi) to read with OCR (default 4; 0: skip)")
    ap.add_argument("--ocr-seconds", type=float, default=None,
                    help="CPU-seconds per scanned page for the national estimate (default: measured in 2b)")
    ap.add_argument("--scanned", type=float, default=0.1,
                    help="share of scanned pages assumed in the national estimate (default 0.1)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each 2- and 1-worker row of section 1; the median is shown (default 3)")
    ap.add_argument("--keep", type=Path, help="keep the archives and databases in this folder")
    ap.add_argument("--archive-only", action="store_true", help="only sections 0 and 1 (a quick check)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    m = machine()
    FIG["machine"] = m
    cores = m["cores"]
    reaper = _subreaper()
    pdfs, what = source_pdfs()
    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    say(f"nianbao bench · {m['date']} · commit {m['commit']}")
    say(f"machine: {m['cpu']}, {cores} cores, "
        + (f"{m['memory_gb']:.0f} GB, " if m["memory_gb"] else "") + f"{m['os']}, Python {m['python']}")
    say(f"load average at start: {loadavg()} (other processes slow the wall-clock figures; the CPU-second ones "
        f"much less) · reports: {what}")
    FIG["load_start"] = loadavg()

    # the runs use a warm server only where section 1 starts one, never the user's own
    os.environ["NIANBAO_WARM_DIR"] = tempfile.mkdtemp(prefix="nbw-")
    try:
        return _sections(args, pdfs, work, reaper, cores, argv)
    finally:
        shutil.rmtree(os.environ["NIANBAO_WARM_DIR"], ignore_errors=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _sections(args, pdfs, work: Path, reaper: bool, cores: int, argv) -> int:
    floors(pdfs)
    seed_archive(pdfs, args.copies, work, reaper, cores, max(1, args.repeat))
    if args.archive_only:
        return 0
    per_report(pdfs)
    if args.ocr_pages:
        ocr_rate(pdfs[0], args.ocr_pages, work)
    memory(pdfs, work, reaper)
    linear(pdfs)
    arc = mixed(work, reaper, args.mixed)
    reruns(arc, work, reaper)
    if args.large:
        large(pdfs, work, reaper)
    national(cores, args.ocr_seconds, args.scanned)

    FIG["load_end"] = loadavg()
    say(f"\nload average at the end: {loadavg()}")
    say(f"command: {' '.join(['.venv/bin/python', 'bench/bench.py', *(argv if argv is not None else sys.argv[1:])])}")
    if args.json:
        args.json.write_text(json.dumps(FIG, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
