"""Pages set in two columns, read column by column.

pdfium (and a line builder working from character positions) puts text at
the same height on one line: on a two-column page the left column's line and
the right column's line beside it become one line, and the page reads across
the gutter.  Here a page is two columns when:

* an empty vertical strip (the gutter, at least ``MIN_GUTTER`` font sizes
  wide) lies in the middle half of the page, crossed by none of the pieces
  its lines are split into (:attr:`ingest.pdf_parser.Line.segments`) but a
  few lines spanning both columns (titles: at most ``MAX_CROSSING`` of them);
* each side holds at least ``MIN_LINES`` pieces side by side with the other's,
  and those pieces fill their column (prose, not a list of short labels and
  values).

Its lines are then cut at the gutter and ordered: spanning lines where they
stand, and between two of them the left column top to bottom, then the right
one.  Each piece knows its column's left and right edge (so a short line is
short for its column, not the page), and the first piece of a right column
is marked so that a sentence running on from the foot of the left column is
joined as over a page break.
"""
from __future__ import annotations

import statistics

MIN_GUTTER = 0.8
MIN_LINES = 3
FILL = 0.6
MAX_CROSSING = 0.15


def _pieces(lines: list) -> list[tuple]:
    """(line, segment index or -1, x0, x1) for every piece of every line."""
    out = []
    for ln in lines:
        if ln.segments:
            out.extend((ln, k, s[2], s[3]) for k, s in enumerate(ln.segments))
        else:
            out.append((ln, -1, ln.x0, ln.x1))
    return out


def _gutter(pieces: list[tuple], width: float, size: float) -> tuple[float, float] | None:
    """The widest strip in the middle half of the page crossed by at most
    ``MAX_CROSSING`` of the pieces (lines spanning both columns)."""
    step = 2.0
    n_bins = int(width / step) + 1
    diff = [0] * (n_bins + 1)
    for _ln, _k, x0, x1 in pieces:
        a, b = max(0, int(x0 / step)), min(n_bins - 1, int(x1 / step))
        if a <= b:
            diff[a] += 1
            diff[b + 1] -= 1
    count, run = [], 0
    for d in diff[:n_bins]:
        run += d
        count.append(run)
    lo, hi = int(0.25 * width / step), int(0.75 * width / step)
    if hi <= lo:
        return None
    limit = min(count[lo:hi + 1])
    if limit > max(1, int(MAX_CROSSING * len(pieces))):
        return None
    best, start = None, None
    for b in range(lo, hi + 2):
        free = b <= hi and count[b] <= limit
        if free and start is None:
            start = b
        elif not free and start is not None:
            if best is None or b - start > best[1] - best[0]:
                best = (start, b)
            start = None
    if best is None or (best[1] - best[0]) * step < MIN_GUTTER * size:
        return None
    return best[0] * step, best[1] * step


def split_columns(lines: list, width: float, make_piece) -> list:
    """The page's lines in column order (see the module docstring); the
    lines unchanged when the page is not two columns.  ``make_piece(line,
    k)`` returns a new line for segment ``k`` of ``line``."""
    if len(lines) < 2 * MIN_LINES:
        return lines
    pieces = _pieces(lines)
    # cheap test first: pieces wholly in each half of the page
    if (sum(x1 < 0.55 * width for _l, _k, _x0, x1 in pieces) < MIN_LINES
            or sum(x0 > 0.45 * width for _l, _k, x0, _x1 in pieces) < MIN_LINES):
        return lines
    size = statistics.median(ln.size for ln in lines)
    g = _gutter(pieces, width, size)
    if g is None:
        return lines
    g0, g1 = g
    left = [p for p in pieces if p[3] <= g0 + 0.5]
    right = [p for p in pieces if p[2] >= g1 - 0.5]
    if len(left) < MIN_LINES or len(right) < MIN_LINES:
        return lines
    l_edge = min(p[2] for p in left)
    r_edge = max(p[3] for p in right)
    if (statistics.median(p[3] - p[2] for p in left) < FILL * (g0 - l_edge)
            or statistics.median(p[3] - p[2] for p in right) < FILL * (r_edge - g1)):
        return lines
    ys_right = [p[0].y for p in right]
    beside = sum(1 for p in left if min(ys_right) - p[0].size <= p[0].y <= max(ys_right) + p[0].size)
    if beside < MIN_LINES:
        return lines
    return _ordered(lines, g0, g1, l_edge, r_edge, make_piece)


def _ordered(lines: list, g0: float, g1: float, l_edge: float, r_edge: float, make_piece) -> list:
    out: list = []
    band_left: list = []
    band_right: list = []

    def flush():
        out.extend(band_left)
        if band_right:
            band_right[0].column_start = True
        out.extend(band_right)
        band_left.clear()
        band_right.clear()

    for ln in sorted(lines, key=lambda ln: -ln.y):
        parts = [make_piece(ln, k) for k in range(len(ln.segments))] if ln.segments else [ln]
        if any(p.x0 < g0 - 0.5 and p.x1 > g1 + 0.5 for p in parts):
            flush()                   # spans the gutter: a title between column blocks
            out.append(ln)
            continue
        for p in parts:
            if p.x1 <= g0 + 0.5:
                p.col_left, p.col_right = l_edge, g0
                band_left.append(p)
            else:
                p.col_left, p.col_right = g1, r_edge
                band_right.append(p)
    flush()
    return out
