"""The one document model that every parser fills and every later stage reads.

A :class:`Document` is an ordered list of :class:`Block` objects — headings,
paragraphs (some of them list items, ``Block.list_item``), tables and
captions — plus per-page information.  After a parser
has appended its blocks it calls :meth:`Document.finalize`, which lays every
block out in one flat text (``Document.text``) and gives each block (and each
table cell) its character span in that text.  Any value found later can then
point back to its page, its section path and the exact text it came from.

Table text in the flat text is one line per row, cells separated by a tab;
positions covered by a merged cell contribute an empty string so that columns
stay aligned, and only the merged cell's origin carries the text (so a value
is never repeated as if it were several values).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, asdict
from typing import Iterator

HEADING, PARAGRAPH, TABLE, CAPTION = "heading", "paragraph", "table", "caption"
BLOCK_KINDS = (HEADING, PARAGRAPH, TABLE, CAPTION)

PAGE_OK, PAGE_EMPTY, PAGE_GARBAGE = "ok", "empty", "garbage"


@dataclass
class Cell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    #: for a grid position covered by a merged cell: (row, col) of its origin
    merged_from: tuple[int, int] | None = None
    #: character span of the cell text in ``Document.text`` (origin cells only)
    span: tuple[int, int] | None = None

    @property
    def is_origin(self) -> bool:
        return self.merged_from is None


@dataclass
class Block:
    kind: str
    text: str = ""
    page: int | None = None
    #: where the block is in its source: "p12" (PDF page), "body/45" (Word body
    #: element), "line 120" (text file)
    ref: str = ""
    # heading fields (for a list item: ``level`` is its list level, 1 = outermost,
    # and ``number`` the label Word displays before it — "1.", "（3）", "a)")
    level: int | None = None
    number: str | None = None
    title: str | None = None
    #: a paragraph that is an item of a numbered or bulleted list.  Its label
    #: is in ``number`` (None for bullets), never in ``text``: the flat text
    #: that extraction reads holds only what was typed ("12个专业…", not
    #: "1.12个专业…")
    list_item: bool = False
    # table fields: a full rectangular grid; merged positions carry merged_from
    rows: list[list[Cell]] | None = None
    header_rows: int = 0
    # filled by Document.finalize()
    order: int = -1
    span: tuple[int, int] = (0, 0)
    #: parser hints (font size, bold, style name, numbering source …)
    meta: dict = field(default_factory=dict)

    # -- tables -------------------------------------------------------------
    def grid(self) -> list[list[str]]:
        """The table as a grid of strings; covered merged positions are ''."""
        return [[c.text if c.is_origin else "" for c in row] for row in (self.rows or [])]

    def filled_grid(self) -> list[list[str]]:
        """The table as a grid of strings with merged cells' text repeated in
        every position they cover (for label look-ups, never for values)."""
        out = []
        for row in self.rows or []:
            line = []
            for c in row:
                if c.is_origin:
                    line.append(c.text)
                else:
                    r, k = c.merged_from
                    line.append(self.rows[r][k].text)
            out.append(line)
        return out

    @property
    def n_rows(self) -> int:
        return len(self.rows or [])

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows or []), default=0)


@dataclass
class PageInfo:
    number: int
    chars: int = 0
    status: str = PAGE_OK
    note: str = ""


@dataclass
class Section:
    """A heading with the span of everything under it (until the next heading
    of the same or a higher level)."""
    order: int            # block order of the heading
    level: int
    number: str | None
    title: str
    page: int | None
    start: int            # span of the whole section in Document.text
    end: int
    path: tuple[str, ...]  # titles from the top level down to this heading


@dataclass
class Document:
    path: str
    format: str
    parser: str
    blocks: list[Block] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    text: str = ""
    warnings: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    #: "ok", or "needs_ocr" when no page has a usable text layer
    status: str = "ok"

    # -- building -------------------------------------------------------------
    def add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block

    def finalize(self) -> "Document":
        """Lay the blocks out in one flat text and give every block and cell
        its span.  Idempotent."""
        parts: list[str] = []
        pos = 0
        for i, b in enumerate(self.blocks):
            b.order = i
            if b.kind == TABLE:
                b.text = self._layout_table(b, pos)
            start = pos
            parts.append(b.text)
            pos += len(b.text)
            b.span = (start, pos)
            parts.append("\n")
            pos += 1
        self.text = "".join(parts)
        self._starts = [b.span[0] for b in self.blocks]
        self._heads = None
        return self

    @staticmethod
    def _layout_table(b: Block, pos: int) -> str:
        lines = []
        for row in b.rows or []:
            cells = []
            for c in row:
                t = c.text if c.is_origin else ""
                t = t.replace("\n", " ").replace("\t", " ")
                if c.is_origin:
                    c.span = (pos, pos + len(t))
                else:
                    c.span = None
                cells.append(t)
                pos += len(t) + 1  # the tab or newline after it
            lines.append("\t".join(cells))
            if not row:
                pos += 1
        return "\n".join(lines)

    # -- reading --------------------------------------------------------------
    @property
    def page_count(self) -> int:
        return len(self.pages)

    def headings(self) -> list[Block]:
        """The heading blocks in order (a new list; the scan is done once per
        :meth:`finalize`)."""
        return list(self._heading_index()[1])

    def _heading_index(self) -> tuple[int, list[Block], list[int], list[tuple[str, ...]]]:
        """(blocks counted, headings, their start offsets, the section path at
        each), built once after :meth:`finalize` (or when blocks were added
        since), so that a look-up per figure costs a bisection, not a scan."""
        idx = getattr(self, "_heads", None)
        if idx is not None and idx[0] == len(self.blocks):
            return idx
        heads = [b for b in self.blocks if b.kind == HEADING]
        paths: list[tuple[str, ...]] = []
        stack: list[tuple[int, str]] = []
        for h in heads:
            while stack and stack[-1][0] >= (h.level or 1):
                stack.pop()
            stack.append((h.level or 1, h.title or h.text))
            paths.append(tuple(t for _, t in stack))
        self._heads = idx = (len(self.blocks), heads, [h.span[0] for h in heads], paths)
        return idx

    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == TABLE]

    def iter_kind(self, kind: str) -> Iterator[Block]:
        return (b for b in self.blocks if b.kind == kind)

    def sections(self) -> list[Section]:
        """One :class:`Section` per heading, in order; a section ends where the
        next heading of the same or a higher level starts (one pass)."""
        _, heads, _, paths = self._heading_index()
        ends = [len(self.text)] * len(heads)
        open_: list[int] = []          # indexes of headings whose section is still open
        for i, h in enumerate(heads):
            while open_ and (heads[open_[-1]].level or 1) >= (h.level or 1):
                ends[open_.pop()] = h.span[0]
            open_.append(i)
        return [Section(order=h.order, level=h.level or 1, number=h.number, title=h.title or h.text,
                        page=h.page, start=h.span[0], end=ends[i], path=paths[i])
                for i, h in enumerate(heads)]

    def block_at(self, offset: int) -> Block | None:
        if not self.blocks:
            return None
        starts = getattr(self, "_starts", None) or [b.span[0] for b in self.blocks]
        i = bisect.bisect_right(starts, offset) - 1
        return self.blocks[i] if i >= 0 else None

    def page_at(self, offset: int) -> int | None:
        b = self.block_at(offset)
        return b.page if b else None

    def section_path_at(self, offset: int) -> tuple[str, ...]:
        """Titles of the headings that enclose ``offset``, top level first
        (a bisection in the heading index: O(log headings))."""
        _, _, starts, paths = self._heading_index()
        i = bisect.bisect_right(starts, offset)
        return paths[i - 1] if i > 0 else ()

    # -- serialisation --------------------------------------------------------
    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("_starts", None)
        d.pop("_heads", None)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Document":
        blocks = []
        for b in d.get("blocks", []):
            b = dict(b)
            if b.get("rows") is not None:
                b["rows"] = [[Cell(**{**c, "merged_from": tuple(c["merged_from"]) if c.get("merged_from") else None,
                                      "span": tuple(c["span"]) if c.get("span") else None})
                              for c in row] for row in b["rows"]]
            b["span"] = tuple(b.get("span") or (0, 0))
            blocks.append(Block(**b))
        doc = cls(path=d["path"], format=d["format"], parser=d["parser"], blocks=blocks,
                  pages=[PageInfo(**p) for p in d.get("pages", [])],
                  warnings=list(d.get("warnings", [])), metadata=dict(d.get("metadata", {})),
                  status=d.get("status", "ok"))
        return doc.finalize()


def make_table(grid: list[list[str | None]], spans: dict[tuple[int, int], tuple[int, int]] | None = None,
               header_rows: int = 0, **kw) -> Block:
    """Build a table block from a grid of texts.

    ``spans`` maps an origin (row, col) to its (rowspan, colspan); positions it
    covers are marked ``merged_from`` whatever text the grid holds there.  A
    ``None`` in the grid with no span given stays an empty cell.
    """
    spans = spans or {}
    n_cols = max((len(r) for r in grid), default=0)
    rows = [[Cell(text=(grid[r][c] if c < len(grid[r]) and grid[r][c] is not None else "").strip(),
                  row=r, col=c) for c in range(n_cols)] for r in range(len(grid))]
    for (r0, c0), (rs, cs) in spans.items():
        if r0 >= len(rows) or c0 >= n_cols:
            continue
        origin = rows[r0][c0]
        origin.rowspan, origin.colspan = rs, cs
        for r in range(r0, min(r0 + rs, len(rows))):
            for c in range(c0, min(c0 + cs, n_cols)):
                if (r, c) != (r0, c0):
                    rows[r][c] = Cell(text="", row=r, col=c, merged_from=(r0, c0))
    return Block(kind=TABLE, rows=rows, header_rows=header_rows, **kw)
