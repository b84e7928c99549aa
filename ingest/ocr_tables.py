"""Ruled tables in a scanned page: ruling lines found in the image, cells
built by pdfplumber's table algorithm, cell text from the OCR characters.

The ruling lines are long thin runs of ink: a morphological opening with a
long flat (or tall thin) kernel keeps only them (OpenCV, installed with
RapidOCR).  Each line becomes a pdfplumber-style edge in page points
(pixels × 72 / dpi, so pdfplumber's tolerances keep their meaning) and
:func:`ingest.pdf_tables.find_tables_fast` — the same algorithm that builds
the cells of text-layer PDFs — turns them into grids with merged cells.  Every
recognised character goes to the cell that holds its centre, so a text box
that runs across a ruling is split where the ruling is.

Tables without ruling lines (columns of figures aligned across lines) are
found among the OCR lines with the same test as for text layers
(:mod:`ingest.pdf_borderless`: at least three rows of pieces, three columns
no piece crosses, two rows of figures — a unit column such as 人 / 万元 not
counted against a row); the recogniser's boxes are the pieces, since it
splits a line at wide gaps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ocr_engine import OcrBox, OcrPage
from .pdf_borderless import _NUMBER, MAX_ROW_GAP, MIN_COLS, MIN_NUMERIC_ROWS, MIN_ROWS, _columns
from .pdf_tables import PageObjects, PdfTable, find_tables_fast

#: ink darker than this (0–255) can be a ruling
_INK = 150
#: a ruling is at most this thick (pixels) …
_MAX_THICK = 8
#: … and lines are lengthened by this much at both ends (pixels) so that a
#: stroke stopping just short of the line it meets still meets it
_REACH = 4


@dataclass
class OcrTable:
    grid: PdfTable                      # in points (see module doc)
    k: float = 0.48                     # points per pixel of its page
    #: (row, col) → [(y, x0, text, confidences)] pieces of text, in pixels
    pieces: dict[tuple[int, int], list] = field(default_factory=dict)

    @property
    def top_px(self) -> float:
        return self.grid.ys[0] / self.k


def _edges(grey: np.ndarray, k: float) -> list[dict]:
    """Horizontal and vertical ruling lines as pdfplumber edges, in points
    (``k`` = points per pixel)."""
    import cv2
    ink = (grey < _INK).astype(np.uint8)
    h, w = ink.shape
    out: list[dict] = []
    for orient, kernel in (("h", (max(30, w // 25), 1)), ("v", (1, max(30, h // 50)))):
        mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, bw, bh, _area in stats[1:n]:
            if orient == "h" and bh <= _MAX_THICK:
                top = (y + bh / 2) * k
                x0, x1 = (x - _REACH) * k, (x + bw + _REACH) * k
                out.append({"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": top,
                            "bottom": top, "doctop": top, "width": x1 - x0, "height": 0.0})
            elif orient == "v" and bw <= _MAX_THICK:
                x_ = (x + bw / 2) * k
                top, bottom = (y - _REACH) * k, (y + bh + _REACH) * k
                out.append({"object_type": "line", "orientation": "v", "x0": x_, "x1": x_, "top": top,
                            "bottom": bottom, "doctop": top, "width": 0.0, "height": bottom - top})
    return out


def find_tables(page: OcrPage, dpi: float) -> list[OcrTable]:
    """The ruled tables of an OCR'd page, with their text; the boxes (or the
    parts of boxes) that went into a table are taken out of ``page.boxes``."""
    if page.image is None:
        return []
    k = 72.0 / dpi
    objects = PageObjects(edges=_edges(np.asarray(page.image), k))
    if not objects.has_rulings:
        return []
    tables = [OcrTable(grid=t, k=k) for t in find_tables_fast(objects, 0)]
    tables = [t for t in tables if t.grid.n_rows >= 1 and t.grid.n_cols >= 2]
    if not tables:
        return []
    kept: list[OcrBox] = []
    for box in page.boxes:
        rest = _distribute(box, tables, k)
        if rest is not None:
            kept.append(rest)
    page.boxes = kept
    return tables


def _distribute(box: OcrBox, tables: list[OcrTable], k: float) -> OcrBox | None:
    """Give each character of ``box`` to the table cell under its centre;
    return what lies outside every table (None if nothing)."""
    cy = box.cy * k
    hit = [t for t in tables if t.grid.ys[0] <= cy < t.grid.ys[-1]
           and box.x1 * k > t.grid.xs[0] and box.x0 * k < t.grid.xs[-1]]
    if not hit:
        return box
    outside: list[int] = []
    runs: dict[tuple[int, tuple[int, int]], list[int]] = {}
    for i, (a, b, _c) in enumerate(box.chars):
        cx = (a + b) / 2 * k
        owner = None
        for ti, t in enumerate(hit):
            cell = t.grid.owner_at(cx, cy)
            if cell is not None:
                owner = (ti, cell)
                break
        if owner is None:
            outside.append(i)
        else:
            runs.setdefault(owner, []).append(i)
    for (ti, cell), idx in runs.items():
        text = "".join(box.text[i] for i in idx).strip()
        if text:
            hit[ti].pieces.setdefault(cell, []).append(
                (box.cy, box.chars[idx[0]][0], text, [box.chars[i][2] for i in idx]))
    if not outside or not "".join(box.text[i] for i in outside).strip():
        return None
    chars = [box.chars[i] for i in outside]
    return OcrBox(text="".join(box.text[i] for i in outside), x0=chars[0][0], y0=box.y0, x1=chars[-1][1],
                  y1=box.y1, conf=min(c for _, _, c in chars), chars=chars)


def find_borderless(lines: list, k: float) -> tuple[list[OcrTable], list]:
    """Tables of aligned columns among a page's OCR lines
    (:class:`ingest.ocr_layout.Line`, in reading order); returns the tables
    and the lines that are not in one.  A one-box line without figures
    inside a run (a label wrapped in its cell) belongs to the row above."""
    tables: list[OcrTable] = []
    rest: list = []
    run: list = []

    def close() -> None:
        while run and len(run[-1].boxes) < 2:      # a run ends on a row, not a wrapped label
            tail = run.pop()
            close()
            rest.append(tail)
            return
        t = _borderless(run, k) if sum(len(ln.boxes) >= 2 for ln in run) >= MIN_ROWS else None
        if t is None:
            rest.extend(run)
        else:
            tables.append(t)
        run.clear()

    for ln in lines:
        near = bool(run) and ln.col == run[-1].col and 0 < ln.y0 - run[-1].y0 <= MAX_ROW_GAP * ln.size
        wrapped = near and len(ln.boxes) == 1 and len(ln.plain) <= 20 and not any(c.isdigit() for c in ln.plain)
        if (len(ln.boxes) >= 2 and (not run or near)) or wrapped:
            run.append(ln)
            continue
        close()
        if len(ln.boxes) >= 2:
            run.append(ln)
        else:
            rest.append(ln)
    close()
    order = {id(ln): i for i, ln in enumerate(lines)}
    rest.sort(key=lambda ln: order[id(ln)])
    return tables, rest


def _rows(run: list) -> list[list]:
    """Lines grouped into table rows: a one-box line joins the row above."""
    rows: list[list] = []
    for ln in run:
        if len(ln.boxes) < 2 and rows:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return rows


def _numeric_row(row: list[tuple[float, float, str]]) -> bool:
    """The pieces after the label are mostly figures; a short word without
    digits (a unit: 人, 万元, %) does not count either way."""
    rest = [t for _x0, _x1, t in row[1:] if t and not (len(t) <= 3 and not any(c.isdigit() for c in t))]
    return bool(rest) and sum(bool(_NUMBER.match(t)) for t in rest) * 2 >= len(rest) + (len(rest) > 1)


def _is_table(rows: list[list[tuple[float, float, str]]]) -> list[tuple[float, float]] | None:
    if len(rows) < MIN_ROWS:
        return None
    cols = _columns(rows)
    if len(cols) < MIN_COLS or sum(_numeric_row(r) for r in rows) < MIN_NUMERIC_ROWS:
        return None
    return cols


def _borderless(run: list, k: float) -> OcrTable | None:
    groups = _rows(run)
    cols = _is_table([[(b.x0, b.x1, b.text) for b in g[0].boxes] for g in groups])
    if cols is None:
        return None
    lo, hi = min(ln.x0 for ln in run), max(ln.x1 for ln in run)
    xs = [min(lo, cols[0][0]) - 1.0] + [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:])] + \
        [max(hi, cols[-1][1]) + 1.0]
    ys = [groups[0][0].y0 - 2.0] + [(a[-1].y1 + b[0].y0) / 2 for a, b in zip(groups, groups[1:])] + \
        [max(ln.y1 for ln in groups[-1]) + 2.0]
    origins = {(r, c): (1, 1) for r in range(len(groups)) for c in range(len(cols))}
    t = OcrTable(grid=PdfTable(page=0, xs=[x * k for x in xs], ys=[y * k for y in ys], origins=origins,
                               engine="ocr-text"), k=k)
    for ln in run:
        for box in ln.boxes:
            _distribute(box, [t], k)
    return t
