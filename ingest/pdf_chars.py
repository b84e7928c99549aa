"""Pages read character by character, as displayed.

The fast path (:mod:`ingest.pdf_parser`) takes pdfium's lines as they are.  A
few kinds of page need every character placed by hand instead:

* a page with ``/Rotate 90/180/270`` (a landscape appendix table): read in the
  displayed frame, so its rows are rows, not columns;
* text typeset sideways on a portrait page (a table turned 90°): the page is
  turned so that the text is upright before lines and cells are built;
* overprinted text ("fake bold": each glyph drawn 2–4 times a fraction of a
  point apart) that pdfium did not merge: duplicates are removed with
  pdfplumber's ``dedupe_chars`` (same text, font and size, within 1 pt);
* text pdfium cannot place (a one-glyph text object in a font that is not
  embedded and has no glyph on this machine has an empty box, and pdfium
  drops it — table units like ``人`` and glyph-by-glyph text vanish).

Those pages are read with pdfplumber (pdfminer's interpreter, which applies
``/Rotate`` and decodes characters from the font's CMap without needing its
glyphs).  The characters become a :class:`CharLayer`: the page text with a
line break after each visual line, and for every text position a box, a
baseline, a size and a font — the same accessors the fast path offers on
pdfium's text page, so lines, paragraphs and table cells are built by one
code path whatever the source.

Coordinates of a layer: ``x`` grows to the right, ``y`` upwards, in the
upright frame of the page as a reader holds it (width × height of that frame
are returned with the layer).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

_BOLD_NAME = re.compile(r"bold|heavy|black|semibold|demibold|hei(?!ght)|黑|粗", re.I)


@dataclass
class CharLayer:
    """A page's characters in reading order, with line breaks as ``\\r\\n``.

    ``boxes[i]`` is (left, bottom, right, top) of text position ``i`` (the
    character's font box: its advance width × the font's height), ``base[i]``
    its baseline, ``sizes[i]`` its font size in points, ``fonts[i]`` an index
    into ``font_names``."""
    text: str = ""
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    sizes: list[float] = field(default_factory=list)
    fonts: list[int] = field(default_factory=list)
    font_names: list[tuple[str, bool]] = field(default_factory=list)
    #: positions of spaces put in for a gap (not in the PDF's text)
    generated: set[int] = field(default_factory=set)

    # the accessors pdf_parser uses on either text source
    def loose(self, i: int):
        return self.boxes[i]

    def loose_range(self, a: int, b: int) -> list:
        return self.boxes[a:b]

    def box(self, i: int):
        return self.boxes[i]

    def origin_y(self, i: int) -> float:
        return self.base[i]

    def size(self, i: int) -> float:
        return self.sizes[i]

    def line_size(self, a: int, mid: int) -> float:
        return max(self.sizes[a], self.sizes[mid])

    def font(self, i: int) -> tuple[str, bool]:
        return self.font_names[self.fonts[i]]

    def line_facts(self, a: int, last: int, mid: int) -> tuple:
        """As ``pdf_parser._PdfiumLayer.line_facts``: (left edge of ``a``,
        right edge of ``last``, baseline of ``a``, line size, font, bold)."""
        return (self.boxes[a][0], self.boxes[last][2], self.base[a], self.line_size(a, mid)) + self.font(mid)

    def angle(self, i: int) -> float:
        return 0.0

    def is_generated(self, i: int) -> bool:
        return i in self.generated


# -- orientation ---------------------------------------------------------------


def char_direction(ch: dict) -> int:
    """Display direction of a pdfplumber char's baseline: 0 (left to right),
    90 (bottom to top), 180, 270 (top to bottom).  pdfminer has already
    applied the page's /Rotate to the char's matrix."""
    a, b = ch["matrix"][0], ch["matrix"][1]
    if a == 0 and b == 0:
        return 0
    deg = math.degrees(math.atan2(b, a)) % 360
    return int(((deg + 45) // 90) % 4) * 90


def dominant_direction(chars: list[dict]) -> int:
    """The direction most of the page's visible characters run in."""
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    for ch in chars:
        if ch["text"].strip():
            votes[char_direction(ch)] += 1
    best = max(votes, key=lambda k: (votes[k], k == 0))
    total = sum(votes.values())
    # turn the page only when most of its text asks for it
    return best if total and votes[best] > 0.5 * total else 0


def turn_box(box, direction: int, width: float, height: float):
    """A (x0, top, x1, bottom) box of the displayed page (top-down) in the
    frame turned so that text running in ``direction`` is upright."""
    x0, top, x1, bottom = box
    if direction == 90:        # reads bottom → top: turn the page clockwise
        pts = [(height - t, x) for x in (x0, x1) for t in (top, bottom)]
    elif direction == 270:     # reads top → bottom: turn it counter-clockwise
        pts = [(t, width - x) for x in (x0, x1) for t in (top, bottom)]
    elif direction == 180:
        pts = [(width - x, height - t) for x in (x0, x1) for t in (top, bottom)]
    else:
        return box
    xs = [p[0] for p in pts]
    ts = [p[1] for p in pts]
    return (min(xs), min(ts), max(xs), max(ts))


def turned_size(direction: int, width: float, height: float) -> tuple[float, float]:
    return (height, width) if direction in (90, 270) else (width, height)


# -- lines from characters ---------------------------------------------------------


@dataclass
class _Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: int

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Group characters into visual lines: vertical centres within 40% of the
    font size of the line's first character, then left to right."""
    out: list[list[_Char]] = []
    for c in sorted(chars, key=lambda c: (c.mid, c.x0)):
        if out:
            head = out[-1][0]
            if abs(c.mid - head.mid) <= 0.4 * max(min(c.size, head.size), 1.0):
                out[-1].append(c)
                continue
        out.append([c])
    for ln in out:
        ln.sort(key=lambda c: c.x0)
    return out


def build_layer(chars: list[_Char], font_names: list[tuple[str, bool]], height: float) -> CharLayer:
    """The layer of a page from its (deduplicated, upright) characters.  The
    PDF's own spaces are kept (one per run); a space is put in, marked
    generated, where a gap of more than a fifth of the font size separates
    two characters, as pdfium does."""
    layer = CharLayer(font_names=font_names)
    parts: list[str] = []

    def put(ch: str, c: _Char, x0: float, x1: float, generated: bool = False) -> None:
        if generated:
            layer.generated.add(len(parts))
        parts.append(ch)
        layer.boxes.append((x0, height - c.bottom, x1, height - c.top))
        layer.base.append(height - c.bottom + 0.12 * c.size)
        layer.sizes.append(c.size)
        layer.fonts.append(c.font)

    for n, line in enumerate(_lines([c for c in chars if c.text])):
        while line and not line[-1].text.strip():
            line.pop()
        while line and not line[0].text.strip():
            line.pop(0)
        if not line:
            continue
        if parts:
            last = line[0]
            put("\r", last, last.x0, last.x0)
            put("\n", last, last.x0, last.x0)
        prev = None
        for c in line:
            space = not c.text.strip()
            if space:
                if prev is not None and parts[-1] != " ":
                    put(" ", c, c.x0, c.x1)
                continue
            if prev is not None and parts[-1] != " " and c.x0 - prev.x1 > 0.2 * max(c.size, prev.size):
                put(" ", prev, prev.x1, c.x0, generated=True)
            put(c.text, c, c.x0, c.x1)
            prev = c
    layer.text = "".join(parts)
    return layer


# -- pdfplumber ------------------------------------------------------------------------


@dataclass
class SpecialPage:
    """A page read by pdfplumber: its layer, ruled-table cells (x0, top, x1,
    bottom in the upright frame, grouped per table) and the frame's size."""
    layer: CharLayer
    tables: list[list[tuple[float, float, float, float]]]
    width: float
    height: float
    direction: int
    n_duplicates: int


def dedupe_chars(chars: list[dict], tolerance: float = 1) -> list[dict]:
    """``pdfplumber.utils.dedupe_chars(chars, tolerance, extra_attrs=None)``:
    of the characters with the same text and orientation within
    ``tolerance`` of each other, the first by position, in page order.
    pdfplumber puts them in page order with ``chars.index`` (a scan of the
    page's characters, compared by value, for each one kept: seconds on a
    page of overprinted text); here by each character's place in ``chars``,
    the same order — a character equal to an earlier one by value lies in
    its clusters, so only the earlier one is kept."""
    from pdfplumber.utils import cluster_objects
    key, pos_key = itemgetter("upright", "text"), itemgetter("doctop", "x0")
    kept = []
    for _key, group in groupby(sorted(chars, key=key), key=key):
        for y_cluster in cluster_objects(list(group), itemgetter("doctop"), tolerance):
            for x_cluster in cluster_objects(y_cluster, itemgetter("x0"), tolerance):
                kept.append(sorted(x_cluster, key=pos_key)[0])
    place = {id(c): i for i, c in enumerate(chars)}
    kept.sort(key=lambda c: place[id(c)])
    return kept


def read_plumber_page(page, *, find_tables: bool = True) -> SpecialPage:
    """Read one pdfplumber page as displayed (see the module docstring)."""
    raw = page.chars
    # same text within 1 pt is one character whatever its font or size:
    # overprinted copies are often set in a slightly different size
    chars = dedupe_chars(raw, tolerance=1) if raw else []
    kept = {id(c) for c in chars}
    # the page without the duplicates (pdfplumber's ``page.dedupe_chars``)
    deduped = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in kept) if raw else page
    n_dup = len(raw) - len(chars)
    width, height = float(page.width), float(page.height)
    direction = dominant_direction(chars)
    fw, fh = turned_size(direction, width, height)
    fonts: dict[str, int] = {}
    font_names: list[tuple[str, bool]] = []
    out: list[_Char] = []
    x_off, t_off = float(page.bbox[0]), float(page.bbox[1])
    for ch in chars:
        if char_direction(ch) != direction and ch["text"].strip():
            # a line at another angle on a turned page (a stamp, a margin
            # note): kept, placed by its box
            pass
        name = ch.get("fontname") or ""
        name = name.split("+", 1)[-1]
        if name not in fonts:
            fonts[name] = len(font_names)
            font_names.append((name, bool(_BOLD_NAME.search(name))))
        box = (ch["x0"] - x_off, ch["top"] - t_off, ch["x1"] - x_off, ch["bottom"] - t_off)
        x0, top, x1, bottom = turn_box(box, direction, width, height)
        size = bottom - top if direction in (0, 180) or char_direction(ch) == direction else x1 - x0
        out.append(_Char(ch["text"], x0, x1, top, bottom, max(size, 0.1), fonts[name]))
    layer = build_layer(out, font_names, fh)
    tables = []
    if find_tables and page.edges:
        for t in deduped.find_tables():
            cells = [turn_box((c[0] - x_off, c[1] - t_off, c[2] - x_off, c[3] - t_off), direction, width, height)
                     for c in t.cells]
            tables.append(cells)
    return SpecialPage(layer=layer, tables=tables, width=fw, height=fh, direction=direction,
                       n_duplicates=n_dup)
