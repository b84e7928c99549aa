"""Tables without ruling lines: columns of text aligned across lines.

A 计分卡 set in aligned columns (指标 / 单位 / 2022年 / 2023年) with no rules
has no edges for pdfplumber's "lines" finder, and read line by line it is one
paragraph of run-together labels and numbers.  Here a block of consecutive
lines is a table when it really looks like one:

* at least ``MIN_ROWS`` lines in a row, each split by wide gaps into pieces
  (:attr:`ingest.pdf_parser.Line.segments`), at most ``MAX_ROW_GAP`` line
  heights apart;
* the pieces of all those lines fall into at least ``MIN_COLS`` columns —
  x ranges that no piece crosses (a paragraph's line crosses every gutter);
* at least ``MIN_NUMERIC_ROWS`` lines whose pieces after the first are mostly
  numbers (a table of figures, not a list of names laid out in columns).

The result is a :class:`ingest.pdf_tables.PdfTable` (one cell per row and
column, engine ``"text"``); the caller fills its cells from the characters as
for ruled tables.  Coordinates: lines in PDF user space (y up); the table in
"top" coordinates like the ruled ones.
"""
from __future__ import annotations

import re

from .pdf_tables import PdfTable

MIN_ROWS = 3
MIN_COLS = 3
MIN_NUMERIC_ROWS = 2
MAX_ROW_GAP = 2.6          # baseline distance, in font sizes, within one table

#: a 序号 cell; a unit column's cell
_SERIAL = re.compile(r"^\d{1,3}[.、．]?$")
_UNIT = re.compile(r"^(?:%|％|‰|人|名|个|门|家|项|所|元|万元|亿元|亩|平方米|万平方米|m²|m2|㎡|册|万册|台|套|人次|"
                   r"[（(][人%％个元亩册][)）]|—|－|-|/|／)$")
_NUMBER = re.compile(r"^[\s\-—–+±<>≤≥约近]*[\d０-９][\d０-９,，.．]*\s*(%|％|‰|万元|元|万|亿|人|个|名|项|台|套|册|m²|平方米|年)?\s*$")


def _pieces(ln, text: str) -> list[tuple[float, float, str]]:
    """(x0, x1, text) of each piece of the line."""
    if not ln.segments:
        return [(ln.x0, ln.x1, ln.text)]
    return [(x0, x1, text[a:b].strip()) for a, b, x0, x1 in ln.segments]


def _columns(rows: list[list[tuple[float, float, str]]]) -> list[tuple[float, float]]:
    """x ranges covered by pieces, merged where they overlap."""
    spans = sorted((x0, x1) for row in rows for x0, x1, _t in row)
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1] + 1.0:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(a, b) for a, b in cols]


def _numeric_row(row: list[tuple[float, float, str]]) -> bool:
    """The pieces after the row's label are mostly numbers.  A 序号 piece
    before the label, and unit pieces (人, %, 万元, —) in a unit column, are
    neither label nor figure."""
    pieces = [t for _x0, _x1, t in row if t]
    if len(pieces) > 2 and _SERIAL.match(pieces[0]):
        pieces = pieces[1:]
    rest = [t for t in pieces[1:] if not _UNIT.match(t)]
    return len(rest) >= 1 and sum(bool(_NUMBER.match(t)) for t in rest) * 2 > len(rest)


def _is_table(rows: list[list[tuple[float, float, str]]]) -> list[tuple[float, float]] | None:
    if len(rows) < MIN_ROWS or sum(len(r) >= 2 for r in rows) < MIN_ROWS:
        return None
    cols = _columns(rows)
    if len(cols) < MIN_COLS:
        return None
    if sum(_numeric_row(r) for r in rows) < MIN_NUMERIC_ROWS:
        return None
    return cols


def _runs(lines: list) -> list[list]:
    """Runs of consecutive lines (top to bottom) that are split into pieces
    and close enough to be rows of one table."""
    out: list[list] = []
    cur: list = []
    for ln in sorted(lines, key=lambda ln: -ln.y):
        if ln.segments and (not cur or 0 < cur[-1].y - ln.y <= MAX_ROW_GAP * ln.size):
            cur.append(ln)
            continue
        if len(cur) >= MIN_ROWS:
            out.append(cur)
        cur = [ln] if ln.segments else []
    if len(cur) >= MIN_ROWS:
        out.append(cur)
    return out


def find_borderless_tables(lines: list, text: str, page_no: int, page_height: float) -> list[PdfTable]:
    """Tables of aligned columns among the page's lines (those not inside a
    ruled table); see the module docstring."""
    tables = []
    for run in _runs(lines):
        rows = [_pieces(ln, text) for ln in run]
        cols = _is_table(rows)
        if cols is None:
            continue
        xs = [cols[0][0] - 1.0] + [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:])] + [cols[-1][1] + 1.0]
        tops = [page_height - ln.mid for ln in run]
        half = [0.75 * ln.size for ln in run]
        ys = [tops[0] - half[0]] + [(a + b) / 2 for a, b in zip(tops, tops[1:])] + [tops[-1] + half[-1]]
        origins = {(r, c): (1, 1) for r in range(len(run)) for c in range(len(cols))}
        tables.append(PdfTable(page=page_no, xs=xs, ys=ys, origins=origins, engine="text"))
    return tables
