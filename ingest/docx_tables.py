"""Word tables for the .docx reader: rows and cells (tracked deletions
left out; content controls and insertions entered) laid on the table's
grid with merged cells expanded (:class:`TableGrid`)."""
from __future__ import annotations

from .docx_xml import (W_CUSTOMXML, W_DEL, W_GRIDAFTER, W_GRIDBEFORE, W_GRIDSPAN, W_HMERGE, W_INS, W_MOVETO,
    W_SDT, W_SDTCONTENT, W_TBLHEADER, W_TC, W_TCPR, W_TR, W_TRPR, W_VAL, W_VMERGE, is_on, to_int)
from .model import Block, make_table


def row_props(tr) -> tuple[int, int, bool]:
    """(grid columns skipped before the row, after it, is a header row) of a w:tr."""
    trpr = tr.find(W_TRPR)
    before = after = 0
    is_header = False
    if trpr is not None:
        for ch in trpr:
            if ch.tag == W_GRIDBEFORE:
                before = to_int(ch.get(W_VAL), 0)
            elif ch.tag == W_GRIDAFTER:
                after = to_int(ch.get(W_VAL), 0)
            elif ch.tag == W_TBLHEADER:
                is_header = is_on(ch)
    return before, after, is_header


def cell_props(tc) -> tuple[int, str | None, str | None]:
    """(grid columns spanned, vMerge, hMerge) of a w:tc (a merge value is
    ``restart`` or ``continue``; None when the cell is not merged that way)."""
    span = 1
    vmerge = hmerge = None
    tcpr = tc.find(W_TCPR)
    if tcpr is not None:
        for ch in tcpr:
            if ch.tag == W_GRIDSPAN:
                span = max(1, to_int(ch.get(W_VAL), 1))
            elif ch.tag == W_VMERGE:
                vmerge = ch.get(W_VAL, "continue")
            elif ch.tag == W_HMERGE:
                hmerge = ch.get(W_VAL, "continue")
    return span, vmerge, hmerge


class TableGrid:
    """A w:tbl laid on its grid while it is read: the text at each merged
    area's origin (None elsewhere), the origin (row, col) each grid
    position belongs to, (rows, cols) spans by origin, and the header rows
    (``w:tblHeader``) at the top."""

    def __init__(self) -> None:
        self.texts: list[list[str | None]] = []
        self.owner: list[list[tuple[int, int] | None]] = []
        self.spans: dict[tuple[int, int], list[int]] = {}
        self.header_rows = 0
        self._header_run = True

    def start_row(self, before: int, is_header: bool) -> None:
        if self._header_run and is_header:
            self.header_rows += 1
        else:
            self._header_run = False
        self.texts.append([None] * before)
        self.owner.append([None] * before)

    def add_cell(self, text: str, span: int, vmerge: str | None, hmerge: str | None) -> None:
        """The next cell of the current row: ``span`` grid positions, the
        text at its origin unless it continues a merge."""
        r = len(self.texts) - 1
        row_texts, row_owner = self.texts[r], self.owner[r]
        c = len(row_owner)
        origin = self._origin(r, c, span, vmerge, hmerge)
        for k in range(span):
            row_owner.append(origin)
            row_texts.append(text if (origin == (r, c) and k == 0) else None)
        if origin == (r, c) and span > 1:
            o = self.spans.setdefault(origin, [1, 1])
            o[1] = max(o[1], span)

    def _origin(self, r: int, c: int, span: int, vmerge: str | None, hmerge: str | None) -> tuple[int, int]:
        """The origin of the merged area a cell at (r, c) continues (its span
        grown to cover the cell), else (r, c)."""
        row_owner = self.owner[r]
        if vmerge == "continue" and r > 0:
            above = self.owner[r - 1][c] if c < len(self.owner[r - 1]) else None
            if above is not None:
                o = self.spans.setdefault(above, [1, 1])
                o[0] = max(o[0], r - above[0] + 1)
                return above
        elif hmerge == "continue" and c > 0 and row_owner and row_owner[-1] is not None:
            left = row_owner[-1]
            if left[0] == r:
                o = self.spans.setdefault(left, [1, 1])
                o[1] = max(o[1], c + span - left[1])
                return left
        return (r, c)

    def end_row(self, after: int) -> None:
        self.texts[-1].extend([None] * after)
        self.owner[-1].extend([None] * after)

    def block(self, ref: str) -> Block | None:
        """The table block (rows padded to the widest; spans over one cell
        kept), None for a table without rows."""
        if not self.texts:
            return None
        texts = self.texts
        n_cols = max(len(t) for t in texts)
        for t in texts:
            t.extend([None] * (n_cols - len(t)))
        clean = {k: (v[0], v[1]) for k, v in self.spans.items() if v[0] > 1 or v[1] > 1}
        return make_table(texts, clean, header_rows=self.header_rows, ref=ref, page=None)


def iter_rows(tbl):
    """The rows (``w:tr``) of a table, through content controls, custom XML
    and tracked insertions; rows deleted with tracked changes left out."""
    for tr in _children(tbl, W_TR):
        trpr = tr.find(W_TRPR)
        if trpr is None or trpr.find(W_DEL) is None:
            yield tr


def iter_cells(tr):
    """The cells (``w:tc``) of a row, through the same wrappers as rows."""
    yield from _children(tr, W_TC)


def _children(node, tag):
    """Children of ``node`` with ``tag``, looking inside ``w:sdt`` content,
    ``w:customXml``, ``w:ins`` and ``w:moveTo`` wrappers."""
    for ch in node:
        if ch.tag == tag:
            yield ch
        elif ch.tag == W_SDT:
            content = ch.find(W_SDTCONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif ch.tag in (W_CUSTOMXML, W_INS, W_MOVETO):
            yield from _children(ch, tag)


def table_as_text(block: Block) -> str:
    lines = []
    for row in block.grid():
        cells = [c.replace("\n", " ") for c in row if c]
        if cells:
            lines.append(" / ".join(cells))
    return "\n".join(lines)
