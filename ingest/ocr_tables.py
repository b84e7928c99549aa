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
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ocr_engine import OcrBox, OcrPage
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
