"""Bulk-ingest benchmark: one run, every figure (``make bench``).

    .venv/bin/python bench/bench.py [--n 200] [--workers 2] [--keep DIR]

Builds synthetic archives from the sample reports (``corpus/reports``, plus
``../shared/seed/seed.{pdf,docx}`` when present: a real 41-page report) by
copying each with a small byte change so that nothing is deduplicated — a
PDF gets a unique comment after ``%%EOF``, a .docx a unique ZIP comment — and
measures, with the real ``nianbao ingest`` code path:

1. a mixed archive (half PDF, half .docx): docs/s, pages/s, seconds per
   stage, peak RSS per worker, and per-format rates per core (pages or
   reports per CPU-second of the workers);
2. a PDF-only archive: end-to-end pages/s, set beside the raw text floor on
   the same PDFs (pypdfium2 text alone; pdftotext when installed);
3. re-runs: the unchanged archive, and 1,000 loose unchanged files.

This is a measuring script, not a test: it asserts nothing and prints the
targets beside the figures.  Extrapolations are labelled as such.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nianbao.ingest.batch import ingest_paths  # noqa: E402
from nianbao.ingest.workers import _peak_rss_mb  # noqa: E402


def sources(include_seed: bool = True) -> dict[str, list[Path]]:
    rep = ROOT / "corpus" / "reports"
    out = {"pdf": sorted(rep.glob("*.pdf")), "docx": sorted(rep.glob("*.docx"))}
    seed = ROOT.parent / "shared" / "seed"
    if include_seed:
        for fmt in ("pdf", "docx"):
            if (seed / f"seed.{fmt}").exists():
                out[fmt].append(seed / f"seed.{fmt}")
    return out


def variant(src: Path, i: int) -> bytes:
    """The bytes of ``src`` with a small unique change (so no two copies dedupe)."""
    data = src.read_bytes()
    if src.suffix.lower() == ".pdf":
        return data + f"\n% nianbao-bench copy {i}\n".encode()
    # .docx: same parts, a unique ZIP archive comment
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.comment = f"nianbao-bench copy {i}".encode()
    return buf.getvalue()


def build_archive(path: Path, files: list[Path], start: int = 0) -> dict:
    """Write ``files`` (with unique changes) into a ZIP; return the source of each member."""
    members = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, src in enumerate(files):
            name = f"报告/{k:04d}_{src.stem}{src.suffix}"
            zf.writestr(name, variant(src, start + k))
            members[f"{path}!/{name}"] = src
    return members


def page_count(pdf: Path) -> int:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def pdfium_floor(pdfs: list[Path], min_seconds: float = 2.0) -> tuple[float, int]:
    """pages/s of pypdfium2 text extraction alone (one core), repeated to last ``min_seconds``."""
    import pypdfium2 as pdfium
    pages = 0
    t0 = time.perf_counter()
    while True:
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
        if time.perf_counter() - t0 >= min_seconds:
            break
    return pages / (time.perf_counter() - t0), pages


def pdftotext_floor(pdfs: list[Path], min_seconds: float = 2.0) -> float | None:
    exe = shutil.which("pdftotext")
    if not exe:
        return None
    pages = 0
    t0 = time.perf_counter()
    counts = {f: page_count(f) for f in pdfs}
    while True:
        for f in pdfs:
            subprocess.run([exe, "-q", "-enc", "UTF-8", str(f), "-"], stdout=subprocess.DEVNULL, check=False)
            pages += counts[f]
        if time.perf_counter() - t0 >= min_seconds:
            break
    return pages / (time.perf_counter() - t0)


class Collector:
    """Progress callback: per-file results, to split the figures by format."""

    def __init__(self):
        self.events = []

    def __call__(self, ev):
        if ev.kind != "total":
            self.events.append(ev)


def run(paths, db: Path, workers: int, **kw):
    """One ingest; returns (summary, wall seconds, CPU seconds of this process and the workers)."""
    col = Collector()
    c0 = time.process_time()
    t0 = time.perf_counter()
    summary = ingest_paths(paths, db, workers=workers, progress=col, **kw)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0 + (summary.stages["worker_cpu"] if workers else 0.0)
    return summary, wall, cpu


class FtsTimer:
    """Time spent in the full-text indexing inside Store.save (the writer)."""

    def __init__(self):
        import nianbao.store.db as sdb
        self.sdb, self.real, self.seconds = sdb, getattr(sdb, "index_sections", None), 0.0

    def __enter__(self):
        if self.real is not None:
            def timed(*a, **k):
                t = time.perf_counter()
                try:
                    return self.real(*a, **k)
                finally:
                    self.seconds += time.perf_counter() - t
            self.sdb.index_sections = timed
        return self

    def __exit__(self, *a):
        if self.real is not None:
            self.sdb.index_sections = self.real


def loadavg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def fmt_rate(x: float | None, unit: str) -> str:
    return "n/a" if x is None else f"{x:,.1f} {unit}"


def vmhwm_self() -> float | None:
    return _peak_rss_mb()


def ocr_rate(pdf: Path, n_pages: int, work: Path) -> dict:
    """OCR pages per CPU-second: ``n_pages`` of ``pdf`` as an image-only scan,
    ingested in this process with one onnxruntime thread."""
    from nianbao.evaluate.scans import make_scan
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
    return {"source": pdf.name, "pages": n, "provider": provider(), "cpu_s_per_page": cpu / max(1, n),
            "wall_s_per_page": wall / max(1, n), "pages_per_cpu_s": n / cpu if cpu else 0.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="reports in the mixed archive (default 200)")
    ap.add_argument("--pdf-n", type=int, default=100, help="reports in the PDF-only archive (default 100)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                    help="worker processes (default: 2, or 1 on a one-core machine)")
    ap.add_argument("--ocr-pages", type=int, default=4,
                    help="pages of a scanned report (rendered here at 150 dpi) to read with OCR (default 4; 0: skip)")
    ap.add_argument("--no-seed", action="store_true", help="only corpus/reports, not ../shared/seed")
    ap.add_argument("--keep", type=Path, help="keep the archives and databases in this folder")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    src = sources(not args.no_seed)
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-")) if not args.keep else args.keep
    work.mkdir(parents=True, exist_ok=True)
    for f in work.glob("*.db*"):
        f.unlink()
    cores = os.cpu_count() or 1
    W = args.workers
    fig: dict = {"workers": W, "cores": cores, "python": sys.version.split()[0]}

    print(f"nianbao bench — {cores} CPU cores, load average {loadavg()} at start, {W} workers, sources: "
          f"{len(src['pdf'])} PDF + {len(src['docx'])} .docx "
          f"({', '.join(p.name for p in src['pdf'] + src['docx'])})")

    # -- 1. mixed archive -------------------------------------------------------------------
    half = args.n // 2
    mixed_files = [src["pdf"][i % len(src["pdf"])] for i in range(args.n - half)] + \
                  [src["docx"][i % len(src["docx"])] for i in range(half)]
    mixed = work / "mixed.zip"
    build_archive(mixed, mixed_files)
    db = work / "mixed.db"
    s, wall, cpu = run([mixed], db, W)
    n_ok = len(s.ingested)
    fig["mixed"] = {"docs": n_ok, "pages": s.pages, "seconds": wall, "cpu_seconds": cpu, "docs_per_s": n_ok / wall,
                    "pages_per_s": s.pages / wall, "failed": len(s.failed), "stages": s.stages,
                    "worker_peak_rss_mb": s.worker_peak_rss_mb, "main_peak_rss_mb": vmhwm_self()}
    print(f"\n1. mixed archive: {args.n} reports ({args.n - half} PDF, {half} .docx), {s.pages} pages, "
          f"{W} workers")
    print(f"   wall {wall:.1f} s → {n_ok / wall:.2f} docs/s, {s.pages / wall:.0f} pages/s end to end "
          f"(ingested {n_ok}, failed {len(s.failed)}); nianbao used {cpu / wall:.2f} of {cores} cores "
          f"({cpu:.1f} CPU-s: {s.pages / cpu:.0f} pages per CPU-second)")
    st = s.stages
    print(f"   stages (s): scan/unzip/hash {st['scan']:.1f} (main) · parse {st['parse']:.1f} · "
          f"segment+extract {st['extract']:.1f} (summed over workers, wall; worker CPU {st['worker_cpu']:.1f}) · "
          f"store {st['store']:.1f} (main, the one writer, incl. full-text index)")
    rss = ", ".join(f"{v:.0f}" for v in s.worker_peak_rss_mb.values())
    print(f"   peak RSS per worker (VmHWM): {rss} MB · main process {vmhwm_self():.0f} MB")

    # per format, per core: a one-worker in-process pass over one copy of each source gives
    # CPU-seconds per file without contention from other processes
    per = {}
    for fmt in ("pdf", "docx"):
        files = src[fmt]
        db1 = work / f"percore_{fmt}.db"
        tmpd = work / f"percore_{fmt}"
        tmpd.mkdir(exist_ok=True)
        copies = []
        for k in range(max(1, 20 // len(files))):
            for f in files:
                c = tmpd / f"{k:02d}_{f.name}"
                c.write_bytes(variant(f, 10_000 + len(copies)))
                copies.append(c)
        ingest_paths([copies[0]], work / f"warm_{fmt}.db", workers=0)  # warm imports, jieba
        c0 = time.process_time()
        t0 = time.perf_counter()
        with FtsTimer() as fts:
            s1 = ingest_paths(copies, db1, workers=0)
        cpu, w1 = time.process_time() - c0, time.perf_counter() - t0
        per[fmt] = {"docs": len(s1.ingested), "pages": s1.pages, "cpu": cpu, "wall": w1, "fts": fts.seconds,
                    "parse": s1.stages["parse"], "extract": s1.stages["extract"], "store": s1.stages["store"]}
    fig["per_core"] = per
    p, d = per["pdf"], per["docx"]
    print(f"   per core: one process, everything in it (parse, extract, store), {p['docs']} PDFs / {d['docs']} .docx:")
    for name, x in (("PDF  ", p), (".docx", d)):
        print(f"     {name} {x['pages'] / x['cpu']:.0f} pages/s, {x['docs'] / x['cpu']:.2f} reports/s per core   "
              f"(CPU {x['cpu']:.2f} s = parse {x['parse']:.2f} + segment+extract {x['extract']:.2f} + "
              f"store {x['store']:.2f}, of which full-text index {x['fts']:.2f})")
    print("     targets: PDF ≥ 100 pages/s per core incl. tables; .docx ≥ 5 reports/s per core")

    # -- 2. PDF-only archive and the raw floor ----------------------------------------------
    pdf_files = [src["pdf"][i % len(src["pdf"])] for i in range(args.pdf_n)]
    pdfzip = work / "pdf.zip"
    build_archive(pdfzip, pdf_files, start=100_000)
    s2, wall2, cpu2 = run([pdfzip], work / "pdf.db", W)
    pps = s2.pages / wall2
    floor, _ = pdfium_floor(src["pdf"])
    p2t = pdftotext_floor(src["pdf"])
    per_core_pdf = p["pages"] / p["cpu"]
    fig["pdf"] = {"docs": len(s2.ingested), "pages": s2.pages, "seconds": wall2, "pages_per_s": pps,
                  "pdfium_floor_pages_per_s": floor, "pdftotext_floor_pages_per_s": p2t}
    print(f"\n2. PDF-only archive: {len(s2.ingested)} PDFs, {s2.pages} pages, {W} workers: {wall2:.1f} s → "
          f"{pps:.0f} pages/s end to end; nianbao used {cpu2 / wall2:.2f} of {cores} cores, "
          f"{s2.pages / cpu2:.0f} pages per CPU-second")
    print(f"   raw text floor on the same PDFs, one core: pypdfium2 {floor:,.0f} pages/s"
          + (f", pdftotext {p2t:,.0f} pages/s (one process per file)" if p2t else ", pdftotext not installed"))
    print(f"   nianbao per core / pypdfium2 floor = {per_core_pdf / floor:.2f}"
          + (f" · / pdftotext = {per_core_pdf / p2t:.2f}" if p2t else ""))
    avg_pages = s2.pages / max(1, len(s2.ingested))
    est = 1000 * 40 / pps
    ideal = 1000 * 40 / (min(W, cores) * s2.pages / cpu2)
    fig["extrapolated_1000x40_seconds"] = est
    fig["extrapolated_1000x40_seconds_idle_machine"] = ideal
    print(f"   1,000 reports × 40 pages with {W} workers (EXTRAPOLATED, sample PDFs average {avg_pages:.0f} pages): "
          f"≈ {est / 60:.1f} min at this run's wall rate; ≈ {ideal / 60:.1f} min if {min(W, cores)} cores were "
          f"nianbao's alone ({s2.pages / cpu2:.0f} pages per CPU-second × {min(W, cores)})   target < 4 min")

    # -- 2b. scanned pages: OCR ----------------------------------------------------------------
    if args.ocr_pages:
        fig["ocr"] = ocr_rate(src["pdf"][0], args.ocr_pages, work)
        o = fig["ocr"]
        print(f"\n2b. scanned PDF ({o['pages']} pages of {o['source']} rendered at 150 dpi, image only), one process, "
              f"OCR on {o['provider']}: {o['pages_per_cpu_s']:.3f} OCR pages/s per core "
              f"({o['cpu_s_per_page']:.1f} CPU-s per page; wall {o['wall_s_per_page']:.1f} s per page) "
              f"beside {per_core_pdf:.0f} text-layer pages/s per core")

    # -- 3. unchanged re-runs -----------------------------------------------------------------
    s3, wall3, _ = run([mixed], db, W)
    fig["rerun_archive_seconds"] = wall3
    print(f"\n3. unchanged re-run of the mixed archive ({len(s3.unchanged)} unchanged, parsed {s3.parsed}): "
          f"{wall3:.2f} s")
    loose = work / "loose"
    if loose.exists():
        shutil.rmtree(loose)
    loose.mkdir()
    with zipfile.ZipFile(mixed) as zf:
        names = [i for i in zf.infolist() if not i.is_dir()]
        k = 0
        while k < 1000:
            for info in names:
                if k >= 1000:
                    break
                (loose / f"{k:04d}{Path(info.filename).suffix}").write_bytes(zf.read(info))
                k += 1
    s4, wall4, _ = run([loose], db, W)   # first time: same bytes as the archive → linked, not parsed
    s5, wall5, _ = run([loose], db, W)
    fig["loose_first_seconds"] = wall4
    fig["rerun_1000_seconds"] = wall5
    print(f"   1,000 loose files, first run (all duplicates of stored bytes: hashed and linked, "
          f"parsed {s4.parsed}): {wall4:.2f} s")
    print(f"   1,000 loose files, unchanged re-run ({len(s5.unchanged)} unchanged, parsed {s5.parsed}, "
          f"nothing read): {wall5:.2f} s   target < 10 s")

    # -- targets ------------------------------------------------------------------------------
    worst_rss = max(s.worker_peak_rss_mb.values() or [0])
    print("\ntargets (measured on this machine; no timed asserts):")
    print(f"   text PDFs ≥ 100 pages/s per core incl. tables ..... {per_core_pdf:.0f} pages/s per core "
          f"(one process), {s2.pages / cpu2:.0f} per CPU-second with workers")
    print(f"   1,000 × 40-page reports < 4 min with 2 workers .... ≈ {est / 60:.1f} min measured rate, "
          f"≈ {ideal / 60:.1f} min on idle cores (extrapolated)")
    print(f"   .docx ≥ 5 reports/s per core ....................... {d['docs'] / d['cpu']:.1f} reports/s")
    print(f"   peak RSS < 500 MB per worker ........................ {worst_rss:.0f} MB")
    print(f"   unchanged re-run of 1,000 files < 10 s .............. {wall5:.2f} s")
    print(f"\nload average at the end: {loadavg()} (other processes on the machine slow the wall-clock figures)")
    print(f"command: .venv/bin/python bench/bench.py --n {args.n} --pdf-n {args.pdf_n} --workers {W}"
          f"   (work folder: {work})")
    if args.json:
        args.json.write_text(json.dumps(fig, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
