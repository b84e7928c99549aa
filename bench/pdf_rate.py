"""Pages per second of ``ingest.pdf_parser.parse_pdf`` on the given PDFs.

    .venv/bin/python bench/pdf_rate.py ../shared/seed/seed.pdf [more.pdf …] [--repeat 5] [--engine fast|pdfplumber]

Each file is parsed ``--repeat`` times in this one process (the first run
warms imports and caches and is reported separately); the rate is total pages
over total wall time of the later runs, CPU time alongside.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nianbao.ingest.errors import IngestError  # noqa: E402
from nianbao.ingest.pdf_parser import parse_pdf  # noqa: E402
from nianbao.ingest.structure import attach_captions  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--engine", default="fast", choices=("fast", "pdfplumber"))
    args = ap.parse_args(argv)

    total_pages = 0
    total_wall = total_cpu = 0.0
    for f in args.files:
        try:
            t0 = time.perf_counter()
            doc = parse_pdf(f, table_engine=args.engine)
            attach_captions(doc)
            doc.finalize()
            first = time.perf_counter() - t0
        except IngestError as e:
            print(f"{f}: {e}")
            continue
        n = len(doc.pages)
        runs = max(1, args.repeat - 1)
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(runs):
            d = parse_pdf(f, table_engine=args.engine)
            attach_captions(d)
            d.finalize()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        total_pages += n * runs
        total_wall += wall
        total_cpu += cpu
        print(f"{f}: {n} pages, {len(doc.tables())} tables, {len(doc.headings())} headings; "
              f"first run {first:.3f} s; {n * runs / wall:.0f} pages/s wall, {n * runs / cpu:.0f} pages/s CPU")
    if total_wall and len(args.files) > 1:
        print(f"all: {total_pages / total_wall:.0f} pages/s wall, {total_pages / total_cpu:.0f} pages/s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
