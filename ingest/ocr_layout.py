"""OCR'd pages → blocks of the document model.

Text boxes (from :mod:`ingest.ocr_engine`) become lines, lines become
paragraphs, and paragraphs become headings, captions or paragraphs through the
same patterns as every other parser (:func:`ingest.structure.classify_line`
with one :class:`ingest.headings.LevelAssigner` per document):

* a page with a gutter down its middle that no box crosses is read left
  column first, then right; a box that spans the gutter (a title) ends the
  band of columns above it;
* boxes whose vertical extents overlap by half form one line;
* a paragraph ends at an indented line, after a short line or one ending a
  sentence, at a vertical gap, at a change of text height, and around any
  line that is a heading or caption by its numbering;
* lines in the top and bottom bands that repeat across pages (digits
  ignored), and bare page numbers there, are dropped;
* a paragraph that stops mid-sentence at the foot of a page continues on the
  next when that page starts with an unindented line;
* ruled tables and tables of aligned columns (:mod:`ingest.ocr_tables`)
  stand where their top edge is; a table that ends one page and whose
  columns go on at the top of the next is one table (a repeated header row
  dropped).

Every block gets ``meta["source"] = "ocr"``, ``meta["confidence"]`` (the
mean character confidence, 0–1) and ``meta["ocr_conf"]``: one integer 0–100
per character of its text (for a table, ``meta["cell_conf"]``:
``"row,col"`` → one integer per character of that cell), which is how a
figure's own confidence is found later (:mod:`extractors.ocr_trust`).
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from .headings import LevelAssigner, match_caption, match_heading
from .model import HEADING, PARAGRAPH, TABLE, Block, make_table
from .ocr_engine import OcrBox, OcrPage
from .ocr_rules import OcrRules, load_ocr_rules
from .ocr_tables import OcrTable, find_borderless
from .structure import classify_line

SOURCE = "ocr"
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2014-\u2027]")
_LATIN_END = re.compile(r"[A-Za-z0-9%)\]]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9(\[]")
_TERMINAL = "。！？；!?;"
_CLOSERS = "”’」』）)】》\"' "
_BAND = 0.08
_DIGITS = re.compile(r"\d+")


@dataclass
class Text:
    """A piece of text with one confidence (0–100) per character."""
    text: str = ""
    conf: list[int] = field(default_factory=list)

    def add(self, other: "Text", sep: str = "") -> None:
        if sep:
            self.text += sep
            self.conf.extend([100] * len(sep))
        self.text += other.text
        self.conf.extend(other.conf)

    def join(self, other: "Text") -> None:
        """Append the next line: no space in Chinese text, one between two
        Latin words."""
        a, b = self.text, other.text
        sep = " " if a and b and _LATIN_END.search(a) and _LATIN_START.match(b) and \
            (a[-1].isalpha() or b[0].isalpha()) else ""
        self.add(other, sep)


def _box_text(box: OcrBox) -> Text:
    """The box's text with spaces next to Chinese characters removed."""
    out = Text()
    t = box.text
    for i, ch in enumerate(t):
        if ch.isspace():
            prev = t[i - 1] if i else ""
            nxt = t[i + 1] if i + 1 < len(t) else ""
            if not prev or not nxt or _CJK.match(prev) or _CJK.match(nxt) or (out.text.endswith(" ")):
                continue
            ch = " "
        out.text += ch
        out.conf.append(int(round(100 * (box.chars[i][2] if i < len(box.chars) else box.conf))))
    return out


@dataclass
class Line:
    boxes: list[OcrBox]
    page: int
    col: int = 0          # 0: the page's one column (or a line across both), 1: left, 2: right

    @property
    def x0(self) -> float:
        return min(b.x0 for b in self.boxes)

    @property
    def x1(self) -> float:
        return max(b.x1 for b in self.boxes)

    @property
    def y0(self) -> float:
        return min(b.y0 for b in self.boxes)

    @property
    def y1(self) -> float:
        return max(b.y1 for b in self.boxes)

    @property
    def size(self) -> float:
        return statistics.median(b.height for b in self.boxes)

    def text(self) -> Text:
        out = Text()
        prev = None
        for b in self.boxes:
            t = _box_text(b)
            if prev is not None and out.text and t.text:
                gap = b.x0 - prev.x1
                wide = gap > 1.5 * self.size
                latin = _LATIN_END.search(out.text) and _LATIN_START.match(t.text)
                out.add(t, " " if (wide or latin) else "")
            else:
                out.add(t)
            prev = b
        return out

    @property
    def plain(self) -> str:
        return self.text().text


# -- lines and columns -------------------------------------------------------------------


def _lines(boxes: list[OcrBox], page: int, col: int = 0) -> list[Line]:
    """Boxes → lines (vertical overlap of at least half the smaller box), top
    to bottom, boxes left to right."""
    lines: list[Line] = []
    for b in sorted(boxes, key=lambda b: (b.cy, b.x0)):
        for ln in reversed(lines[-3:]):
            overlap = min(ln.y1, b.y1) - max(ln.y0, b.y0)
            if overlap >= 0.5 * min(b.height, ln.y1 - ln.y0):
                ln.boxes.append(b)
                break
        else:
            lines.append(Line([b], page, col))
    for ln in lines:
        ln.boxes.sort(key=lambda b: b.x0)
    return lines


def _gutter(boxes: list[OcrBox], width: float) -> float | None:
    """x of a gap between two columns of text, or None for one column."""
    body = [b for b in boxes if b.x1 - b.x0 < 0.6 * width]
    if len(body) < 8:
        return None
    cover = [0] * (int(width) + 1)
    for b in body:
        for x in range(max(0, int(b.x0)), min(len(cover), int(b.x1) + 1)):
            cover[x] += 1
    lo, hi = int(0.3 * width), int(0.7 * width)
    best, run, start = None, 0, 0
    for x in range(lo, hi):
        if cover[x] == 0:
            if run == 0:
                start = x
            run += 1
            if run >= 0.02 * width and (best is None or run > best[1]):
                best = (start, run)
        else:
            run = 0
    if best is None:
        return None
    g = best[0] + best[1] / 2
    # columns of text: lines a quarter of the page wide on both sides (the
    # narrow cells of a table without rules leave gaps too)
    left = sum(1 for b in body if b.x1 <= g and b.x1 - b.x0 >= 0.25 * width)
    right = sum(1 for b in body if b.x0 >= g and b.x1 - b.x0 >= 0.25 * width)
    return g if left >= 3 and right >= 3 else None


def page_lines(page: OcrPage, number: int) -> list[Line]:
    """The page's lines in reading order (columns read one after the other)."""
    g = _gutter(page.boxes, page.width)
    if g is None:
        return _lines(page.boxes, number)
    out: list[Line] = []
    band: list[OcrBox] = []
    for b in sorted(page.boxes, key=lambda b: b.cy):
        if b.x0 < g < b.x1:           # spans the gutter: a title between bands
            out.extend(_read_band(band, g, number))
            band = []
            out.extend(_lines([b], number))
        else:
            band.append(b)
    out.extend(_read_band(band, g, number))
    return out


def _read_band(boxes: list[OcrBox], g: float, number: int) -> list[Line]:
    left = [b for b in boxes if b.x1 <= g]
    right = [b for b in boxes if b.x0 >= g]
    return _lines(left, number, 1) + _lines(right, number, 2)


# -- running heads and page numbers -------------------------------------------------------


def drop_running(pages: list[tuple[int, OcrPage, list[Line]]], rules: OcrRules) -> None:
    """Take out lines in the top/bottom bands that repeat on ≥ 30% of the
    pages (digits ignored) and bare page numbers there."""
    seen: Counter = Counter()
    for _, pg, lines in pages:
        seen.update({_DIGITS.sub("#", ln.plain.strip()) for ln in lines if _in_band(ln, pg)})
    need = max(2, int(0.3 * len(pages) + 0.999))
    for _, pg, lines in pages:
        keep = []
        for ln in lines:
            if _in_band(ln, pg):
                t = ln.plain.strip()
                key = _DIGITS.sub("#", t)
                if (seen[key] >= need and key.strip("# ")) or any(rx.match(t) for rx in rules.page_numbers):
                    continue
            keep.append(ln)
        lines[:] = keep


def _in_band(ln: Line, pg: OcrPage) -> bool:
    return ln.y1 < _BAND * pg.height or ln.y0 > (1 - _BAND) * pg.height


# -- paragraphs ------------------------------------------------------------------------------


@dataclass
class _Stats:
    size: float          # body text height (px)
    margins: dict        # column (Line.col) → (left, right) edges of body text (px)
    pitch: float         # usual distance between baselines (px)

    def left(self, ln: Line) -> float:
        return self.margins.get(ln.col, self.margins[0])[0]

    def right(self, ln: Line) -> float:
        return self.margins.get(ln.col, self.margins[0])[1]

    def short(self, ln: Line) -> bool:
        """Ends well before the right margin.  Generous (2.5 characters):
        box edges move by a few pixels between scans, and a new paragraph is
        told by its indent anyway."""
        return ln.x1 < self.right(ln) - 2.5 * self.size


def _stats(lines: list[Line], width: float) -> _Stats:
    if not lines:
        return _Stats(20.0, {0: (0.0, width)}, 30.0)
    size = statistics.median(ln.size for ln in lines)
    body = [ln for ln in lines if abs(ln.size - size) < 0.25 * size]
    margins = {}
    for col in sorted({ln.col for ln in body} | {0}):
        mine = [ln for ln in body if ln.col == col] or body
        lefts, rights = sorted(ln.x0 for ln in mine), sorted(ln.x1 for ln in mine)
        margins[col] = (lefts[int(0.1 * (len(lefts) - 1))], rights[int(0.9 * (len(rights) - 1))])
    pitches = [b.y0 - a.y0 for a, b in zip(body, body[1:]) if 0 < b.y0 - a.y0 < 3 * size]
    return _Stats(size=size, margins=margins, pitch=statistics.median(pitches) if pitches else 1.5 * size)


def _ends_sentence(text: str) -> bool:
    t = text.rstrip(_CLOSERS)
    return bool(t) and t[-1] in _TERMINAL


def _structural(text: str) -> bool:
    return bool(match_caption(text) or match_heading(text))


def _breaks(prev: Line, cur: Line, st: _Stats, ptext: str, ctext: str) -> bool:
    if cur.col != prev.col:
        # left column → right column: a paragraph may run on, as over a page break
        return not (prev.col == 1 and cur.col == 2 and _runs_on(prev, cur, st, ptext, ctext))
    if cur.y0 < prev.y0 - 0.5 * st.size:                      # back up: another column
        return True
    if cur.y0 - prev.y0 > 1.45 * st.pitch:                     # a gap
        return True
    if _other_height(prev, cur):                               # another text height
        return True
    if cur.col != prev.col:                                    # the other column
        return True
    if cur.x0 > st.left(cur) + 0.9 * st.size:                  # indented
        return True
    if st.short(prev) or _ends_sentence(ptext):                # short or finished
        return True
    if _structural(ctext) or (_structural(ptext) and prev.x1 < st.right(prev) - st.size):
        return True
    return False


def _other_height(a: Line, b: Line) -> bool:
    """Set in another font size: a third taller.  (Box heights vary by a few
    pixels with what a line holds — digits, brackets, a colon — so smaller
    differences say nothing.)"""
    return max(a.size, b.size) > 1.35 * min(a.size, b.size)


def _runs_on(last: Line, first: Line, st: _Stats, ltext: str, ftext: str) -> bool:
    """Does the paragraph ending with ``last`` go on with ``first`` (the top
    of the next column or page)?"""
    return not (_ends_sentence(ltext) or st.short(last)
                or first.x0 > st.left(first) + 0.9 * st.size or _structural(ftext)
                or _other_height(last, first))


def _paragraphs(lines: list[Line], st: _Stats) -> list[list[Line]]:
    out: list[list[Line]] = []
    for ln in lines:
        if out and not _breaks(out[-1][-1], ln, st, out[-1][-1].plain, ln.plain):
            out[-1].append(ln)
        else:
            out.append([ln])
    return out


# -- blocks ---------------------------------------------------------------------------------


def _meta(t: Text) -> dict:
    return {"source": SOURCE, "confidence": round(sum(t.conf) / len(t.conf) / 100, 3) if t.conf else 0.0,
            "ocr_conf": list(t.conf)}


def _table_block(t: OcrTable, page: int) -> Block | None:
    grid_t = t.grid
    grid: list[list[str | None]] = [[None] * grid_t.n_cols for _ in range(grid_t.n_rows)]
    spans, cell_conf = {}, {}
    confs: list[int] = []
    for (r, c), (rs, cs) in grid_t.origins.items():
        txt = Text()
        pieces = sorted(t.pieces.get((r, c), []), key=lambda p: (p[0], p[1]))
        last_y = None
        for y, _x, s, cf in pieces:
            piece = Text(s, [int(round(100 * v)) for v in cf])
            if last_y is not None and abs(y - last_y) < 8:
                txt.add(piece)                 # same line, next box
            else:
                txt.join(piece)
            last_y = y
        text = txt.text.strip()
        lead = len(txt.text) - len(txt.text.lstrip())
        grid[r][c] = text
        cell_conf[f"{r},{c}"] = txt.conf[lead:lead + len(text)]
        confs.extend(cell_conf[f"{r},{c}"])
        if rs > 1 or cs > 1:
            spans[(r, c)] = (rs, cs)
    if not any(g for row in grid for g in row):
        return None
    block = make_table(grid, spans=spans, page=page, ref=f"p{page}")
    block.meta.update({"source": SOURCE, "engine": "ocr",
                       "confidence": round(sum(confs) / len(confs) / 100, 3) if confs else 0.0,
                       "cell_conf": cell_conf, "pages": [page], "col_x": [round(x, 1) for x in grid_t.xs]})
    return block


def _spans(b: Block) -> dict:
    return {(c.row, c.col): (c.rowspan, c.colspan) for row in b.rows or [] for c in row
            if c.is_origin and (c.rowspan > 1 or c.colspan > 1)}


def _continues(a: Block, b: Block) -> bool:
    """Is table ``b`` (first on its page) the rest of table ``a`` (last on
    the page before)?  Same columns at the same places (within 6 pt)."""
    xa, xb = a.meta.get("col_x") or [], b.meta.get("col_x") or []
    return (b.page == (a.meta.get("pages") or [a.page])[-1] + 1 and len(xa) == len(xb)
            and all(abs(p - q) <= 6 for p, q in zip(xa, xb)))


def _merge_tables(a: Block, b: Block) -> Block:
    """One table from ``a`` and its continuation ``b``; a header row that
    ``b`` repeats is dropped."""
    ga = [[c.text if c.is_origin else None for c in row] for row in a.rows]
    gb = [[c.text if c.is_origin else None for c in row] for row in b.rows]
    sa, sb = _spans(a), _spans(b)
    ca, cb = dict(a.meta.get("cell_conf") or {}), dict(b.meta.get("cell_conf") or {})
    skip = 1 if gb and ga and gb[0] == ga[0] and not any(r == 0 for r, _ in sb) else 0
    off = len(ga) - skip
    spans = {**sa, **{(r + off, c): v for (r, c), v in sb.items() if r >= skip}}
    for key, v in cb.items():
        r, c = (int(x) for x in key.split(","))
        if r >= skip:
            ca[f"{r + off},{c}"] = v
    t = make_table(ga + gb[skip:], spans=spans, page=a.page, ref=a.ref)
    t.meta = {**a.meta, "cell_conf": ca, "pages": (a.meta.get("pages") or [a.page]) + [b.page],
              "confidence": round((a.meta.get("confidence", 0) + b.meta.get("confidence", 0)) / 2, 3)}
    return t


def merge_page_break_tables(blocks: list[Block]) -> list[Block]:
    """Join a table that runs on over a page break into one block."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == TABLE and b.kind == TABLE and _continues(prev, b):
            out[-1] = _merge_tables(prev, b)
        else:
            out.append(b)
    return out


def build_blocks(pages: list[tuple[int, OcrPage, list[OcrTable]]], assigner: LevelAssigner | None = None,
                 rules: OcrRules | None = None) -> list[Block]:
    """Blocks for the OCR'd ``pages`` ((page number, page, its tables)), in
    reading order.  ``assigner`` carries heading levels across a document."""
    rules = rules or load_ocr_rules()
    assigner = assigner or LevelAssigner()
    per_page = [(no, pg, page_lines(pg, no)) for no, pg, _ in pages]
    drop_running(per_page, rules)
    all_lines = [ln for _, _, lines in per_page for ln in lines]
    st = _stats(all_lines, max((pg.width for _, pg, _ in pages), default=1000))
    items: list[tuple[int, list]] = []
    for (no, pg, lines), (_, _, tables) in zip(per_page, pages):
        borderless, lines = find_borderless(lines, 72.0 / _dpi(pg, tables, rules))
        paras = _paragraphs(lines, st)
        flow: list = []
        ts = sorted(tables + borderless, key=lambda t: t.top_px)
        for para in paras:
            while ts and para[0].y0 > ts[0].top_px:
                flow.append(ts.pop(0))
            flow.append(para)
        flow.extend(ts)
        items.append((no, flow))
    _join_page_breaks(items, st)
    blocks: list[Block] = []
    for no, flow in items:
        for it in flow:
            if isinstance(it, OcrTable):
                b = _table_block(it, no)
            else:
                b = _text_block(it, st, assigner, no)
            if b is not None:
                blocks.append(b)
    return merge_page_break_tables(blocks)


def _dpi(pg: OcrPage, tables: list[OcrTable], rules: OcrRules) -> float:
    """The page's resolution: its ruled tables know it, else the rendering's."""
    return 72.0 / tables[0].k if tables else rules.render_dpi


def _join_page_breaks(items: list[tuple[int, list]], st: _Stats) -> None:
    for (no, flow), (nxt_no, nxt) in zip(items, items[1:]):
        if nxt_no != no + 1 or not flow or not nxt:
            continue
        a, b = flow[-1], nxt[0]
        if not (isinstance(a, list) and isinstance(b, list)):
            continue
        last, first = a[-1], b[0]
        if not _runs_on(last, first, st, last.plain, first.plain) or (len(a) == 1 and _structural(last.plain)):
            continue
        flow[-1] = a + b
        nxt.pop(0)


def _text_block(lines: list[Line], st: _Stats, assigner: LevelAssigner, page: int) -> Block | None:
    t = Text()
    for ln in lines:
        t.join(ln.text())
    text = t.text.strip()
    if not text:
        return None
    lead = len(t.text) - len(t.text.lstrip())
    t = Text(text, t.conf[lead:lead + len(text)])
    emphasised = len(lines) == 1 and lines[0].size >= 1.15 * st.size
    block = classify_line(text, assigner, emphasised=emphasised, page=page, ref=f"p{page}")
    block.meta.update(_meta(t))
    block.meta["height_px"] = round(lines[0].size, 1)
    if lines[-1].page != page:
        block.meta["end_page"] = lines[-1].page
    if block.kind == PARAGRAPH and len(text) <= 60 and len(lines) <= 2 and lines[0].size >= 1.3 * st.size:
        block.meta["role"] = "title"
    if block.kind == HEADING:
        block.meta["font_confirmed"] = emphasised
    return block
