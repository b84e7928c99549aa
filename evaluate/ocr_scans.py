"""How well OCR'd scans give the figures of their text versions.

    python -m nianbao.evaluate.ocr_scans corpus/reports/A_zhongzhi_2023.pdf ../shared/seed/seed.pdf

Each PDF is rendered to an image-only PDF (``evaluate/scans.py``, 150 dpi)
under its own file name in a temporary folder, ingested with the real code
path (worker processes, OCR), and scored against its expected values
(``corpus/expected/NAME.json``, or ``expected.json`` beside the seed).
Prints, per file: expected metrics found with the right value, wrong and
missing ones, OCR pages and seconds per page, and any value stored from OCR
without ``origin = 'ocr'``.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def expected_json(pdf: Path) -> Path:
    own = ROOT / "corpus" / "expected" / f"{pdf.name}.json"
    return own if own.exists() else pdf.parent / "expected.json"


def measure(pdf: Path, workdir: Path, *, rotate=None, skew=None, workers: int = 1) -> dict:
    """Scan, ingest and score one PDF; a dict of the figures."""
    from nianbao.evaluate.scans import make_scan
    from nianbao.ingest.batch import ingest_paths
    from nianbao.evaluate.accuracy import score
    from nianbao.store.db import Store
    folder = workdir / pdf.stem
    folder.mkdir(parents=True, exist_ok=True)
    scan = make_scan(pdf, folder / pdf.name, rotate=rotate, skew=skew)
    db = workdir / f"{pdf.stem}.db"
    t0 = time.perf_counter()
    ingest_paths([str(scan)], db, workers=workers)
    seconds = time.perf_counter() - t0
    exp = expected_json(pdf)
    store = Store(db)
    results, problems = score(store.db, [exp])
    con = sqlite3.connect(db)
    pages = con.execute("select count(*) from pages where status = 'ocr'").fetchone()[0]
    not_ocr = con.execute("select count(*) from metrics where origin is not 'ocr'").fetchone()[0]
    low = con.execute("select count(*) from flags where kind = 'ocr_low_confidence'").fetchone()[0]
    status = con.execute("select status from documents").fetchone()
    con.close()
    wanted = json.loads(exp.read_text(encoding="utf-8"))["metrics"]
    found = {k: c for k, c in results.get("all", {}).items() if k in wanted}
    right = sum(1 for k in wanted if found.get(k) and found[k].tp)
    misses = [m for c in results.get("all", {}).values() for m in c.misses if m[1] in wanted]
    extras = [m for c in results.get("all", {}).values() for m in c.extras]
    return {"file": pdf.name, "status": status[0] if status else None, "expected": len(wanted), "right": right,
            "missed": misses, "wrong": extras, "ocr_pages": pages, "seconds": round(seconds, 1),
            "seconds_per_page": round(seconds / pages, 2) if pages else None,
            "values_without_ocr_origin": not_ocr, "low_confidence_flags": low, "problems": problems}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="+", type=Path)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as tmp:
        for pdf in a.pdfs:
            r = measure(pdf, Path(tmp), workers=a.workers)
            print(f"{r['file']}: {r['right']}/{r['expected']} expected metrics right, status {r['status']}, "
                  f"{r['ocr_pages']} OCR pages in {r['seconds']} s ({r['seconds_per_page']} s/page), "
                  f"{r['low_confidence_flags']} low-confidence flags, "
                  f"{r['values_without_ocr_origin']} values without origin 'ocr'", flush=True)
            for m in r["missed"]:
                print(f"  missed  {m[1]} {m[2]} = {m[3]:g}")
            for m in r["wrong"]:
                print(f"  wrong   {m[1]} {m[2]} = {m[3]:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
