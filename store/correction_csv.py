"""The corrections as CSV, for a reviewer's spreadsheet, and back.

Columns :data:`CSV_COLUMNS`.  Written as text (the caller adds the
byte-order mark); read from what a spreadsheet saves: a byte-order mark,
Excel's ``'`` before a formula-like cell, blank rows, ``TRUE`` for a
boolean, columns in any order and extra ones are all accepted.
"""
from __future__ import annotations

import csv
import io

from .correction_target import CorrectionError
from .corrections import FIELD_ALIASES, add, rows

CSV_COLUMNS = ["school", "year", "field", "metric", "value", "text", "exclude", "note", "who", "at"]
#: what a spreadsheet writes for "yes" in the exclude column
_YES = {"1", "true", "yes", "y", "是", "√"}


def to_csv(conn) -> str:
    """The corrections as CSV text (report fields first: imported elsewhere,
    a school is renamed before its values are corrected); :func:`from_csv`
    reads it back."""
    from nianbao.export.cells import neutralise
    out = io.StringIO()
    w = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for r in rows(conn):
        w.writerow({k: ("" if r.get(k) is None else neutralise(r[k])) for k in CSV_COLUMNS})
    return out.getvalue()


def from_csv(conn, text: str) -> tuple[int, list[str]]:
    """Apply the corrections of a CSV: (number applied, problems as 'line N: why')."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"school", "field"} - set(reader.fieldnames or [])
    if missing:
        raise CorrectionError(f"CSV 缺少列 / CSV lacks columns: {', '.join(sorted(missing))}")
    done, problems = 0, []
    for i, r in enumerate(reader, 2):
        r = {k: (v or "").strip().lstrip("'") for k, v in r.items() if k}
        if not any(r.values()):
            continue            # a blank row (Excel keeps ",,,,," lines)
        try:
            add(conn, **_correction(r))
            done += 1
        except (CorrectionError, ValueError) as e:
            problems.append(f"第{i}行 line {i}: {e}")
    return done, problems


def _correction(r: dict) -> dict:
    """The keyword arguments of :func:`nianbao.store.corrections.add` for one CSV row."""
    field = FIELD_ALIASES.get(r["field"], r["field"])
    name = r.get("metric", "") if field == "metric" else field
    value = (r.get("text") or r.get("value")) if field in ("school", "level") else r.get("value")
    return {"school": r["school"], "year": int(r["year"]) if r.get("year") else None, "field": name,
            "value": value, "exclude": r.get("exclude", "").lower() in _YES, "note": r.get("note"),
            "who": r.get("who"), "at": r.get("at")}
