"""Read a PDF report into the document model.

Text comes from pypdfium2 (≈1,000 pages/s): pdfium's own line breaking, plus
the position, size and font of a few characters per line.  From those:

* spurious spaces that PDF producers put around CJK characters and numbers
  (``在校生 3,276 人``, ``2023 年``) are removed; spaces between two Latin
  words are kept;
* running headers, footers and page numbers are page furniture, kept apart
  in ``metadata["furniture"]`` — lines in the top or bottom band that repeat
  across pages at one place and size once digits are ignored, and bare page
  numbers (``1``, ``- 2 -``, ``第 3 页``, ``3/41``); a cover title that a
  running header repeats stays body text;
* wrapped lines are joined into paragraphs; a paragraph ends at an indented
  line (the 2-character first-line indent of Chinese body text), after a short
  line or one ending a sentence, at a vertical gap, or at a change of font size
  or weight.  A line that looks like a heading or caption is never joined to
  the text after it;
* headings and captions are recognised with the shared patterns
  (:func:`ingest.structure.classify_line`, one :class:`LevelAssigner` per
  document): numbering decides the level, font size/weight only confirms (an
  unnumbered large title becomes a paragraph with ``meta["role"] = "title"``).

Ruled tables are found only on pages whose path objects hold both horizontal
and vertical rules (see :mod:`ingest.pdf_tables`); their text is taken out of
the running text and the table block is placed where it stands on the page.
A table that runs on over a page break is merged into one block.  Tables without
rules come from aligned columns (:mod:`ingest.pdf_borderless`); two-column
pages are read column by column (:mod:`ingest.pdf_columns`).

Pages pdfium's lines would get wrong — ``/Rotate`` pages, sideways text,
overprinted (fake bold) text pdfium kept twice, text objects pdfium cannot
place — are read character by character with pdfplumber, as displayed
(:mod:`ingest.pdf_chars`); ``pages.note`` says why.

Pages whose text layer is missing (scans) or unreadable (``(cid:``, U+FFFD,
private-use characters, Chinese that is a wrong decode: :mod:`ingest.pdf_textcheck`)
store no blocks; they get a status and a warning, and
a document with no usable page has ``status = "needs_ocr"``.
"""
from __future__ import annotations

import ctypes
import logging
import math
import re
import statistics
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import errors
from .headings import LevelAssigner, match_caption, match_heading
from .model import (HEADING, PAGE_EMPTY, PAGE_GARBAGE, PAGE_OK, PARAGRAPH, TABLE, Block,
                    Document, PageInfo, make_table)
from .pdf_borderless import find_borderless_tables
from .pdf_columns import split_columns
from .pdf_textcheck import BAD_CHARS as _BAD, implausible_chinese, strip_bullets, text_quality
from .pdf_tables import PdfTable, PlumberTables, find_tables_fast, scan_page_objects, table_from_cells
from .structure import classify_line, guess_header_rows, is_numeric

# pdfminer (under pdfplumber) logs what it meets in a damaged stream ("Data-loss while
# decompressing corrupted data") as warnings; with no handler configured Python prints
# them on stderr, a line per stream.  nianbao records damage itself (pdf_damage:
# Summary.damaged): a NullHandler keeps pdfminer quiet unless the application
# configures logging (the records still propagate to its handlers).
logging.getLogger("pdfminer").addHandler(logging.NullHandler())

PARSER_NAME = "pypdfium2+pdfplumber"

# -- text normalisation ----------------------------------------------------------

_CJK = ("\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u33ff\u3400-\u4dbf"
        "\u4e00-\u9fff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef"
        "\u2014-\u2027\u00b7")       # — ‘ ’ “ ” … · are Chinese punctuation here
_SP = r"[ \t\u00a0\u2002-\u200a\u3000]+"
_SPACE_AFTER_CJK = re.compile(f"(?<=[{_CJK}]){_SP}")
_SPACE_BEFORE_CJK = re.compile(f"{_SP}(?=[{_CJK}])")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=[\d.])[ \t\u00a0]+(?=[%％‰℃])")
_MULTI_SPACE = re.compile(r"[ \t\u00a0\u2002-\u200a]{2,}")
_INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u00ad\u200b-\u200d\u2060\ufeff\ufffe]")
_CJK_CHAR = re.compile(f"[{_CJK}]")
#: any character the substitutions below act on (spaces, line breaks, invisible characters)
_TO_NORMALIZE = re.compile("[\u0000-\u001f \u007f\u00a0\u00ad\u2002-\u200d\u2060\u3000\ufeff\ufffe]")


def normalize_text(s: str) -> str:
    """Remove the spaces PDF text layers put between CJK characters and around
    numbers and units; keep single spaces between Latin words."""
    if not s:
        return ""
    if not _TO_NORMALIZE.search(s):   # most lines: nothing to remove
        return s.strip()
    s = _INVISIBLE.sub("", s)
    s = s.replace("\r", " ").replace("\n", " ").replace("\u3000", " ")
    s = _SPACE_AFTER_CJK.sub("", s)
    s = _SPACE_BEFORE_CJK.sub("", s)
    if "%" in s or "％" in s or "‰" in s or "℃" in s:     # only then can a space before a unit be there
        s = _SPACE_BEFORE_UNIT.sub("", s)
    s = _MULTI_SPACE.sub(" ", s)
    return s.strip()


_WORD_END = re.compile(r"[A-Za-z0-9)\]%]$")
_PUNCT_END = re.compile(r"[A-Za-z0-9)\]][,.;:!?]$")
_WORD_START = re.compile(r"^[A-Za-z0-9(\[]")


def join_lines(a: str, b: str) -> str:
    """Join a wrapped line to the next: no space in Chinese text or inside a
    number (``62.`` + ``3%``), one space between two Latin words."""
    if not a:
        return b
    if not b:
        return a
    if _WORD_START.match(b):
        if _WORD_END.search(a) and not (a[-1].isdigit() and b[0].isdigit()):
            if a[-1].isalpha() or b[0].isalpha():
                return f"{a} {b}"
        elif _PUNCT_END.search(a) and b[0].isalpha():
            return f"{a} {b}"
    return a + b


# -- per-page text lines -----------------------------------------------------------


@dataclass
class Line:
    text: str            # normalised
    raw: str             # as pdfium gave it (trimmed)
    x0: float
    x1: float
    y: float             # baseline, PDF user space (grows upwards)
    size: float
    bold: bool
    font: str
    start: int           # pdfium char indices [start, end)
    end: int
    page: int = 0
    #: set by the layout pass
    dropped: str = ""
    #: pieces of the line set apart by a gap of at least a character's width
    #: (table columns, a second text column): (start, end, x0, x1) each,
    #: char indices like ``start``/``end``; empty when the line is one piece
    segments: list = field(default_factory=list)
    #: the width its characters need set solid (CJK one em, others ≈ 0.45 em)
    need: float = 0.0
    #: on a two-column page: the edges of the line's column, and whether it
    #: is the first line of a right column (:mod:`ingest.pdf_columns`)
    col_left: float | None = None
    col_right: float | None = None
    column_start: bool = False

    @property
    def mid(self) -> float:
        return self.y + 0.3 * self.size


@dataclass
class PageData:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[PdfTable] = field(default_factory=list)
    chars: int = 0
    status: str = PAGE_OK
    note: str = ""
    n_images: int = 0
    image_area: float = 0.0
    bad_chars: bool = False
    #: why the page was read character by character ("" = pdfium's lines)
    read_as: str = ""


_BOLD_FONT = re.compile(r"bold|heavy|black|semibold|demibold|medium|hei(?!ght)|黑|粗", re.I)
_TERMINAL = "。！？；：!?;:"
_CLOSERS = "”’」』）)】》\"' "


def _ends_sentence(text: str) -> bool:
    t = text.rstrip(_CLOSERS)
    return bool(t) and t[-1] in _TERMINAL


def _unconverted(fn):
    """pypdfium2's function ``fn`` (same library function, calling convention
    and result type) passing its arguments as given, with no argtypes:
    ctypes objects as they are, Python ints as C ints.  Converting the
    arguments costs as much as pdfium's own work in the per-character text
    calls below, made thousands of times a page; their callers pass only
    ctypes objects (the text page, pointers to buffers made once) and
    character indices (C int parameters)."""
    f = type(fn)(ctypes.cast(fn, ctypes.c_void_p).value)
    f.restype, f.argtypes = fn.restype, None
    return f


_LOOSE_BOX = _unconverted(pdfium_c.FPDFText_GetLooseCharBox)
_CHAR_BOX = _unconverted(pdfium_c.FPDFText_GetCharBox)
_CHAR_ORIGIN = _unconverted(pdfium_c.FPDFText_GetCharOrigin)
_FONT_SIZE = _unconverted(pdfium_c.FPDFText_GetFontSize)
_CHAR_MATRIX = _unconverted(pdfium_c.FPDFText_GetMatrix)
_FONT_INFO = _unconverted(pdfium_c.FPDFText_GetFontInfo)
_FONT_WEIGHT = _unconverted(pdfium_c.FPDFText_GetFontWeight)
_IS_GENERATED = _unconverted(pdfium_c.FPDFText_IsGenerated)
_CHAR_ANGLE = _unconverted(pdfium_c.FPDFText_GetCharAngle)


class _TextPageReader:
    """Small helpers around the raw pdfium text API (a few calls per line),
    and the buffers pdfium fills, made once with a pointer to each."""

    def __init__(self) -> None:
        self.rect = pdfium_c.FS_RECTF()
        self.rect_p = ctypes.pointer(self.rect)
        self.dx, self.dy = ctypes.c_double(), ctypes.c_double()
        self.dx_p, self.dy_p = ctypes.pointer(self.dx), ctypes.pointer(self.dy)
        self.buf = ctypes.create_string_buffer(256)
        self.buf_len = ctypes.c_ulong(256)
        self.flags = ctypes.c_int()
        self.flags_p = ctypes.pointer(self.flags)
        self.font_cache: dict[str, bool] = {}
        #: font name bytes as pdfium gives them → :meth:`_font_facts`
        self.by_raw_name: dict[bytes, tuple[str, bool, bool]] = {}
        #: font name as stored (subset prefix kept) → embedded in the file
        self.embedded: dict[str, bool] = {}
        #: a font that is not embedded was seen on the page being read
        self.page_has_foreign_font = False
        self.l, self.r, self.b, self.t = (ctypes.c_double() for _ in range(4))
        self.box_p = tuple(ctypes.pointer(v) for v in (self.l, self.r, self.b, self.t))

    def loose(self, tp, i):
        _LOOSE_BOX(tp, i, self.rect_p)
        return self.rect.left, self.rect.bottom, self.rect.right, self.rect.top

    def box(self, tp, i):
        _CHAR_BOX(tp, i, *self.box_p)
        return self.l.value, self.b.value, self.r.value, self.t.value

    def origin_y(self, tp, i) -> float:
        _CHAR_ORIGIN(tp, i, self.dx_p, self.dy_p)
        return self.dy.value

    def font(self, tp, i) -> tuple[str, bool]:
        n = _FONT_INFO(tp, i, self.buf, self.buf_len, self.flags_p)
        raw = self.buf.value if n else b""
        known = self.by_raw_name.get(raw)
        if known is None:
            known = self.by_raw_name[raw] = self._font_facts(raw, tp, i)
        name, bold, emb = known
        if not emb:
            self.page_has_foreign_font = True
        if not bold and _FONT_WEIGHT(tp, i) >= 600:
            bold = True
        return name, bold

    def _font_facts(self, raw: bytes, tp, i) -> tuple[str, bool, bool]:
        """For a font name as pdfium gives it: the name without its subset
        prefix, whether the name says bold, whether the font is embedded
        (asked of character ``i``'s font the first time the name is seen)."""
        name = raw.decode("utf-8", "replace")
        emb = self.embedded.get(name)
        if emb is None:
            emb = self.embedded[name] = _font_embedded(tp, i)
        name = name.split("+", 1)[-1]
        bold = self.font_cache.get(name)
        if bold is None:
            bold = bool(_BOLD_FONT.search(name))
            self.font_cache[name] = bold
        return name, bold, emb


def _font_embedded(tp, i) -> bool:
    obj = pdfium_c.FPDFText_GetTextObject(tp, i)
    font = pdfium_c.FPDFTextObj_GetFont(obj) if obj else None
    return bool(font) and bool(pdfium_c.FPDFFont_GetIsEmbedded(font))


class _PdfiumLayer:
    """pdfium's text page behind the accessors :class:`ingest.pdf_chars.CharLayer`
    also offers, so lines and cells are built the same way from either."""

    def __init__(self, tp, rd: _TextPageReader) -> None:
        self.tp, self.rd = tp, rd
        self.rect, self.rect_p = rd.rect, rd.rect_p
        self.matrix = pdfium_c.FS_MATRIX()
        self.matrix_p = ctypes.pointer(self.matrix)

    def loose(self, i):
        r = self.rect
        _LOOSE_BOX(self.tp, i, self.rect_p)
        return r.left, r.bottom, r.right, r.top

    def loose_range(self, a: int, b: int) -> list:
        """``loose(i)`` for each ``i`` in ``range(a, b)``, read in one loop:
        a method call per character costs as much as pdfium's own call."""
        tp, rect_p, r = self.tp, self.rect_p, self.rect
        out = []
        for i in range(a, b):
            _LOOSE_BOX(tp, i, rect_p)
            out.append((r.left, r.bottom, r.right, r.top))
        return out

    def box(self, i):
        return self.rd.box(self.tp, i)

    def origin_y(self, i) -> float:
        rd = self.rd
        _CHAR_ORIGIN(self.tp, i, rd.dx_p, rd.dy_p)
        return rd.dy.value

    def size(self, i) -> float:
        """The font size in points as drawn: the size set in the text
        object times the scale of its text matrix (a producer may set a
        180 pt font scaled by 0.05)."""
        return _FONT_SIZE(self.tp, i) * self.scale(i)

    def scale(self, i) -> float:
        m = self.matrix
        if _CHAR_MATRIX(self.tp, i, self.matrix_p):
            scale = abs(m.a * m.d - m.b * m.c) ** 0.5
            if scale > 0:
                return scale
        return 1.0

    def line_size(self, a, mid) -> float:
        """The larger font size of two characters of one line (one matrix
        read: a line's characters share it)."""
        return max(_FONT_SIZE(self.tp, a), _FONT_SIZE(self.tp, mid)) * self.scale(mid)

    def font(self, i) -> tuple[str, bool]:
        return self.rd.font(self.tp, i)

    def line_facts(self, a: int, last: int, mid: int) -> tuple:
        """What a line is read from, in one call (one per line): the left
        edge of character ``a``, the right edge of ``last``, ``a``'s
        baseline, :meth:`line_size` of ``a`` and ``mid`` and ``mid``'s
        :meth:`font` (name, bold)."""
        tp, rd, r = self.tp, self.rd, self.rect
        _LOOSE_BOX(tp, a, self.rect_p)
        x0 = r.left
        _LOOSE_BOX(tp, last, self.rect_p)
        x1 = r.right
        _CHAR_ORIGIN(tp, a, rd.dx_p, rd.dy_p)
        return (x0, x1, rd.dy.value, self.line_size(a, mid)) + rd.font(tp, mid)

    def is_generated(self, i) -> bool:
        """A space pdfium put in for a gap (not in the PDF's text)."""
        return _IS_GENERATED(self.tp, i) == 1

    def angle(self, i) -> float:
        """The character's rotation in degrees (0 = upright)."""
        a = _CHAR_ANGLE(self.tp, i)
        return math.degrees(a) if a >= 0 else 0.0


def _page_text(tp) -> str:
    n = pdfium_c.FPDFText_CountChars(tp)
    if n <= 0:
        return ""
    buf = (ctypes.c_ushort * (n + 1))()
    got = pdfium_c.FPDFText_GetText(tp, 0, n, buf)
    text = bytes(memoryview(buf)[:max(0, got - 1)]).decode("utf-16-le", "replace") if got > 0 else ""
    if len(text) != n:
        # surrogate pairs or excluded characters: build the text char by char
        # so that string positions stay pdfium char indices
        chars = []
        for i in range(n):
            u = pdfium_c.FPDFText_GetUnicode(tp, i)
            chars.append(chr(u) if 0 < u < 0x110000 and not 0xD800 <= u <= 0xDFFF else "\ufffd")
        text = "".join(chars)
    return text


_LINE_RX = re.compile(r"[^\r\n]+")
_SPACED_DIGIT = re.compile(r"(?<=\d) (?=\d)")
#: a gap below this many font sizes between two digits is letter spacing
LETTER_GAP = 0.6


def join_spaced_digits(layer, text: str) -> str:
    """``3 5 6人`` set with letter spacing is ``356人``: a space between two
    digits that the PDF does not hold (put in for the gap) and that is
    narrower than ``LETTER_GAP`` font sizes becomes a zero-width space, which
    text normalisation removes.  Positions stay those of the layer."""
    if not _SPACED_DIGIT.search(text):
        return text
    chars = list(text)
    for m in _SPACED_DIGIT.finditer(text):
        i = m.start()
        if not layer.is_generated(i):
            continue
        gap = layer.loose(i + 1)[0] - layer.loose(i - 1)[2]
        if gap < LETTER_GAP * max(layer.size(i - 1), 1.0):
            chars[i] = "\u200b"
    return "".join(chars)


def _read_lines(layer, text: str, page_no: int) -> list[Line]:
    lines = []
    for m in _LINE_RX.finditer(text):
        seg = m.group()
        stripped = seg.strip()
        if not stripped:
            continue
        a = m.start() + (len(seg) - len(seg.lstrip()))
        b = m.start() + len(seg.rstrip())           # exclusive
        mid = (a + b - 1) // 2
        if text[mid].isspace():
            mid = a
        x0, x1, y, size, font, bold = layer.line_facts(a, b - 1, mid)
        if bold and mid != a:
            bold = layer.font(a)[1]
        n = b - a
        wide = (len(stripped.encode("utf-8")) - n) / 2       # CJK: 3 bytes in UTF-8
        ln = Line(text=normalize_text(stripped), raw=stripped, x0=x0, x1=x1, y=y,
                  size=round(size, 1), bold=bold, font=font, start=a, end=b, page=page_no,
                  need=(wide + 0.45 * (n - wide)) * size)
        # only a line clearly wider than its text can hold a wide gap
        if x1 - x0 > ln.need + 0.8 * size and (" " in stripped or "\t" in stripped or "\u3000" in stripped):
            ln.segments = _segments(layer, text, ln)
        lines.append(ln)
    return lines


_GAP = re.compile(r"[ \t\u00a0\u2002-\u200a\u3000]+")
#: a gap this many font sizes wide separates two pieces of a line
SEGMENT_GAP = 1.0


def _segments(layer, text: str, ln: Line) -> list[tuple[int, int, float, float]]:
    """Split a line at wide gaps (see :attr:`Line.segments`); two character
    boxes are read per space run."""
    cuts = []
    for m in _GAP.finditer(text, ln.start, ln.end):
        left = layer.loose(m.start() - 1)[2]
        right = layer.loose(m.end())[0]
        if right - left >= SEGMENT_GAP * ln.size:
            cuts.append((m.start(), m.end(), left, right))
    if not cuts:
        return []
    out, start, x0 = [], ln.start, ln.x0
    for a, b, left, right in cuts:
        out.append((start, a, x0, left))
        start, x0 = b, right
    out.append((start, ln.end, x0, ln.x1))
    return out


# -- headers, footers, page numbers ----------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—_~·•\s]*\d{1,4}[-–—_~·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
    r"|[ivxlcdm]{1,6})$", re.I)
_DIGITS = re.compile(r"\d+")
_BAND = 0.09          # top/bottom share of the page where running heads live
_NUMBER_BAND = 0.12   # bare page numbers may sit a little further in


def _drop_running_lines(pages: list[PageData]) -> list[dict]:
    """Mark running headers/footers and page numbers as page furniture
    (``Line.dropped``) and return them, one dict per line (page, role, text)
    — a layer of their own, like Docling's furniture, not body text.

    A running line repeats in the top or bottom band of many pages at one
    place and size.  Text that only reads the same — the cover title set
    larger or elsewhere than the header that repeats it — stays body text."""
    text_pages = [p for p in pages if p.status == PAGE_OK and p.lines]
    seen: dict[str, list[Line]] = {}
    for p in text_pages:
        keys: dict[str, Line] = {}
        for ln in p.lines:
            if ln.y > p.height * (1 - _BAND) or ln.y < p.height * _BAND:
                keys.setdefault(_DIGITS.sub("#", ln.text), ln)
        for k, ln in keys.items():
            seen.setdefault(k, []).append(ln)
    need = max(2, int(0.3 * len(text_pages) + 0.999))
    usual = {k: (statistics.median(ln.y for ln in lns), statistics.median(ln.size for ln in lns))
             for k, lns in seen.items() if len(lns) >= need and k.strip("#")}
    furniture = []
    for p in text_pages:
        body = [ln for ln in p.lines if p.height * _NUMBER_BAND <= ln.y <= p.height * (1 - _NUMBER_BAND)]
        low = min((ln.y for ln in body), default=p.height * _NUMBER_BAND)
        high = max((ln.y for ln in body), default=p.height * (1 - _NUMBER_BAND))
        for ln in p.lines:
            top_band = ln.y > p.height * (1 - _BAND)
            bottom_band = ln.y < p.height * _BAND
            where = usual.get(_DIGITS.sub("#", ln.text)) if (top_band or bottom_band) else None
            if where and abs(ln.y - where[0]) <= 3 + 0.5 * ln.size and abs(ln.size - where[1]) < 1:
                ln.dropped = ("page_number" if _PAGE_NUMBER.match(ln.text.strip())
                              else "header" if top_band else "footer")
            elif ((ln.y < p.height * _NUMBER_BAND and ln.y <= low)      # where first: most lines are not there
                  or (ln.y > p.height * (1 - _NUMBER_BAND) and ln.y >= high)) and _PAGE_NUMBER.match(ln.text.strip()):
                ln.dropped = "page_number"
            if ln.dropped:
                furniture.append({"page": p.number, "role": ln.dropped, "text": ln.text})
    return furniture


# -- tables: cell text and placement -------------------------------------------------


def _fill_table_text(layer, text: str, page: PageData, tables: list[PdfTable] | None = None) -> None:
    """Give each table cell the characters whose centres fall inside it, and
    take those characters out of the running lines.  The centre is that of
    the character's font box (advance × font height), not of its ink: a
    decimal point or a comma sits on the baseline but belongs to the line of
    the digits beside it, never to the row below."""
    if tables is None:
        page.tables = tables = _drop_containers(page.tables)
    if not tables:
        return
    hits = _tables_hit(page, tables)
    page.lines = _take_cell_chars(layer, text, page.height, page.lines, hits)


def _tables_hit(page: PageData, tables: list[PdfTable]) -> list[list[PdfTable]]:
    """For each of the page's lines (same order), the tables whose box
    (widened by the line's font size up and down) the line's middle and
    extent fall in."""
    h = page.height
    boxes = [(t, t.bbox_top) for t in tables]
    hits: list[list[PdfTable]] = []
    for ln in page.lines:
        top_mid = h - ln.mid
        hits.append([t for t, (x0, top, x1, bottom) in boxes
                     if top - ln.size <= top_mid <= bottom + ln.size and ln.x1 >= x0 and ln.x0 <= x1])
    return hits


def _take_cell_chars(layer, text: str, h: float, lines: list[Line], hits: list[list[PdfTable]]) -> list[Line]:
    """Move the characters of ``lines`` into the cells of the tables each line
    ``hits`` (``PdfTable.texts``: cell → [(line id, char)]; ``ends``: cell →
    (right edge, font size) of its last character); a space goes with the
    character before it.  Returns the lines kept as running text: those
    hitting no table, and those with text left outside every cell (cut to
    that text).  ``h`` is the page height in points."""
    kept: list[Line] = []
    locators: dict[int, tuple] = {}      # one per table, not one per line
    for ln, hit in zip(lines, hits):
        if not hit:
            kept.append(ln)
            continue
        locs = [locators.get(id(t)) or locators.setdefault(id(t), t.locator()) for t in hit]
        outside = _place_line_chars(layer.loose_range(ln.start, ln.end), text, h, ln, locs)
        if outside and "".join(ch for _, ch in outside).strip():
            _cut_to_outside(layer, ln, outside)
            kept.append(ln)
    return kept


def _place_line_chars(boxes: list, text: str, h: float, ln: Line, locs: list[tuple]) -> list[tuple[int, str]]:
    """Put each character of ``ln`` (``boxes``: the loose box of each) into
    the first of the tables (``locs``: :meth:`PdfTable.locator`) whose cell
    holds its centre — ``owner_at`` inlined, as this runs once per character
    in a table; returns the characters left outside every cell as (index in
    the page text, char)."""
    outside: list[tuple[int, str]] = []
    last_owner = None
    lid, size = id(ln), ln.size
    for i, ch, (l, b, r, t_) in zip(range(ln.start, ln.end), text[ln.start:ln.end], boxes):
        if ch in "\r\n":
            continue
        if ch.isspace():
            if last_owner is not None:
                last_owner[0].setdefault(last_owner[1], []).append((lid, ch))
            else:
                outside.append((i, ch))
            continue
        cx, ctop = (l + r) / 2, h - (b + t_) / 2
        for _t, x0, x1, y0, y1, xs, ys, cover, texts, ends in locs:
            if x0 <= cx < x1 and y0 <= ctop < y1:
                cell = cover((bisect_right(ys, ctop) - 1, bisect_right(xs, cx) - 1))
                if cell is not None:
                    texts.setdefault(cell, []).append((lid, ch))
                    ends[cell] = (r, size)
                    last_owner = (texts, cell)
                    break
        else:
            outside.append((i, ch))
            last_owner = None
    return outside


def _cut_to_outside(layer, ln: Line, outside: list[tuple[int, str]]) -> None:
    """Make ``ln`` the text of its characters left outside every table cell
    (``outside``: (index in the page text, char)), from the first of them to
    the last."""
    raw = "".join(ch for _, ch in outside).strip()
    first = next(i for i, ch in outside if not ch.isspace())
    last = max(i for i, ch in outside if not ch.isspace())
    ln.raw, ln.text = raw, normalize_text(raw)
    ln.x0, ln.x1 = layer.loose(first)[0], layer.loose(last)[2]


def _drop_containers(tables: list[PdfTable]) -> list[PdfTable]:
    """Leave out a ruled frame drawn around other tables (a box around a
    form's sections): its text outside the inner tables stays running text."""
    def inside(a: PdfTable, b: PdfTable) -> bool:
        ax0, at, ax1, ab = a.bbox_top
        bx0, bt, bx1, bb = b.bbox_top
        return bx0 - 2 <= ax0 and ax1 <= bx1 + 2 and bt - 2 <= at and ab <= bb + 2 and a is not b
    return [t for t in tables if not any(inside(o, t) for o in tables)]


def _drop_empty_tables(page: PageData) -> None:
    """A grid of rules with no text in it (a barcode, a drawing) is no table."""
    page.tables = [t for t in page.tables if any(t.texts.values())]


def _cell_text(pieces: list[tuple[int, str]]) -> str:
    """A cell's text from its (line id, char) pieces: the characters of each
    line normalised, the lines joined (:func:`join_lines`)."""
    out = ""
    for _, run in groupby(pieces, key=itemgetter(0)):
        out = join_lines(out, normalize_text("".join(map(itemgetter(1), run))))
    return normalize_text(out)


def _table_grid(t: PdfTable) -> tuple[list[list[str | None]], dict]:
    grid: list[list[str | None]] = [[None] * t.n_cols for _ in range(t.n_rows)]
    spans = {}
    for (r, c), (rs, cs) in t.origins.items():
        grid[r][c] = _cell_text(t.texts.get((r, c), []))
        if rs > 1 or cs > 1:
            spans[(r, c)] = (rs, cs)
    for r in range(t.n_rows):
        for c in range(t.n_cols):
            if grid[r][c] is None:
                grid[r][c] = ""
    return grid, spans


# -- layout: lines → paragraphs --------------------------------------------------------


@dataclass
class _Stats:
    body_size: float
    left: dict          # page parity → left margin
    right: dict         # page parity → right margin
    pitch_ratio: float  # usual baseline distance / font size
    uses_indent: bool
    body_bold: bool = False   # body text set in a bold/hei font: boldness says nothing


def _doc_stats(pages: list[PageData]) -> _Stats:
    """The document's usual layout from its body lines (not page furniture):
    the commonest font size, margins per page parity, baseline pitch,
    whether paragraphs are indented and whether body text is bold."""
    body = _body_size(pages)
    lefts, rights, pitches = _body_geometry(pages, body)
    left = _both_parities({k: _left_margin(v) for k, v in lefts.items()})
    right = _both_parities({k: _right_margin(v) for k, v in rights.items()})
    pitch = statistics.median(pitches) if pitches else 1.5
    return _Stats(body_size=body, left=left, right=right, pitch_ratio=pitch,
                  uses_indent=_uses_indent(pages, left, body),
                  body_bold=_body_bold(pages, body))


def _body_size(pages: list[PageData]) -> float:
    """The font size (pt) most characters of the body lines are set in;
    12.0 when there are none."""
    sizes: Counter = Counter()
    for p in pages:
        for ln in p.lines:
            if not ln.dropped:
                sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def _body_bold(pages: list[PageData], body: float) -> bool:
    """Are more characters at the body size bold than not?"""
    bold_chars = plain_chars = 0
    for p in pages:
        for ln in p.lines:
            if not ln.dropped and abs(ln.size - body) < 0.6:
                if ln.bold:
                    bold_chars += len(ln.text)
                else:
                    plain_chars += len(ln.text)
    return bold_chars > plain_chars


def _body_geometry(pages: list[PageData], body: float) -> tuple[dict, dict, list[float]]:
    """Of the lines at the body size: left edges (rounded) and right edges
    by page parity (0 even, 1 odd), and the baseline distances between
    consecutive ones (under 3 × body size) as multiples of the body size."""
    lefts: dict[int, list[float]] = {0: [], 1: []}
    rights: dict[int, list[float]] = {0: [], 1: []}
    pitches: list[float] = []
    for p in pages:
        prev = None
        for ln in p.lines:
            if ln.dropped:
                continue
            if abs(ln.size - body) < 0.6:
                lefts[p.number % 2].append(round(ln.x0))
                rights[p.number % 2].append(ln.x1)
                if prev is not None and 0 < prev.y - ln.y < 3 * body:
                    pitches.append((prev.y - ln.y) / body)
                prev = ln
            else:
                prev = None
    return lefts, rights, pitches


def _left_margin(xs: list[float]) -> float | None:
    """The leftmost edge at least a tenth of the lines (and two) start at,
    else the commonest; None without lines."""
    if not xs:
        return None
    c = Counter(xs)
    floor = max(2, 0.1 * len(xs))
    frequent = [x for x, n in c.items() if n >= floor]
    return float(min(frequent) if frequent else c.most_common(1)[0][0])


def _right_margin(xs: list[float]) -> float | None:
    """The 90th percentile of the lines' right edges; None without lines."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.9 * len(xs)))]


def _both_parities(d: dict) -> dict:
    """A margin missing on even or odd pages taken from the other parity."""
    if d[0] is None:
        d[0] = d[1]
    if d[1] is None:
        d[1] = d[0]
    return d


def _uses_indent(pages: list[PageData], left: dict, body: float) -> bool:
    """Are paragraphs indented: do at least 3 % of the body-size lines (and
    two) start 1.5–2.6 font sizes right of the left margin?"""
    indented = total = 0
    for p in pages:
        lm = left[p.number % 2]
        if lm is None:
            continue
        for ln in p.lines:
            if not ln.dropped and abs(ln.size - body) < 0.6:
                total += 1
                if 1.5 * ln.size <= ln.x0 - lm <= 2.6 * ln.size:
                    indented += 1
    return total > 0 and indented >= max(2, 0.03 * total)


def _looks_structural(text: str) -> bool:
    return bool(match_caption(text) or match_heading(text))


class _Layout:
    def __init__(self, stats: _Stats, page: PageData) -> None:
        self.st = stats
        par = page.number % 2
        self.left = stats.left.get(par)
        self.right = stats.right.get(par)

    def short(self, ln: Line) -> bool:
        right = ln.col_right if ln.col_right is not None else self.right
        if right is None:
            return False
        return ln.x1 < right - 1.5 * ln.size

    def ragged(self, ln: Line) -> bool:
        """Short by a few characters only (under four font sizes): what a
        ragged right margin leaves at the end of a line in mid-sentence."""
        right = ln.col_right if ln.col_right is not None else self.right
        return right is not None and ln.x1 >= right - 4 * ln.size

    def indented(self, ln: Line) -> bool:
        left = ln.col_left if ln.col_left is not None else self.left
        if left is None:
            return False
        return ln.x0 > left + 0.75 * ln.size

    def font_differs(self, a: Line, b: Line) -> bool:
        return abs(a.size - b.size) >= 1 or a.bold != b.bold

    def special(self, ln: Line) -> bool:
        """Bigger or bolder than body text."""
        return ln.size >= self.st.body_size + 1 or (ln.bold and not self.st.body_bold)

    def breaks_before(self, prev: Line, cur: Line) -> bool:
        if self.font_differs(prev, cur):
            return True
        if cur.column_start:
            # the top of the right column: the paragraph at the foot of the
            # left one goes on when it stopped mid-sentence
            return (_ends_sentence(prev.text) or self.indented(cur) or _looks_structural(cur.text)
                    or (self.short(prev) and not _unfinished([prev, prev], cur)))
        if prev.y - cur.y < -0.5 * cur.size:              # went back up: another column/box
            return True
        step = prev.y - cur.y
        if step > self.st.pitch_ratio * cur.size * 1.3 + 1:   # a gap
            return True
        # a heading set in the body font, as wide as the text, is still set
        # apart by the space after it (a paragraph's lines are evenly spaced)
        if step > self.st.pitch_ratio * cur.size * 1.08 + 1 and match_heading(prev.text):
            return True
        if self.indented(cur):
            return True
        if self.short(prev) and not (self.ragged(prev) and _unfinished([prev, prev], cur)):
            return True          # (a line a little short that stops mid-sentence goes on: "…生均教学" / "仪器设备值…")
        if _ends_sentence(prev.text) and not self.st.uses_indent:
            return True
        # a line that is a heading or caption by its numbering stands alone
        # when it is short or set apart by its font
        if (self.short(cur) or self.special(cur)) and _looks_structural(cur.text):
            return True
        return False


def _group_page(page: PageData, stats: _Stats) -> list:
    """The page's items in reading order: lists of lines (one per paragraph)
    and tables."""
    lay = _Layout(stats, page)
    lines = [ln for ln in page.lines if not ln.dropped]
    # tables go before the first line that lies below their top edge
    tables = sorted(page.tables, key=lambda t: t.ys[0])
    items: list = []
    ti = 0
    for ln in lines:
        while ti < len(tables) and (page.height - ln.mid) > tables[ti].ys[0]:
            items.append(tables[ti])
            ti += 1
        items.append(ln)
    items.extend(tables[ti:])
    out: list = []
    group: list[Line] | None = None
    for it in items:
        if isinstance(it, PdfTable):
            if group:
                out.append(group)
            group = None
            out.append(it)
            continue
        if group and not lay.breaks_before(group[-1], it):
            group.append(it)
        else:
            if group:
                out.append(group)
            group = [it]
    if group:
        out.append(group)
    return out


def _continues_on_next_page(prev_group: list[Line], prev_page: PageData, nxt: Line,
                            next_page: PageData, stats: _Stats) -> bool:
    a = prev_group[-1]
    lay_a, lay_b = _Layout(stats, prev_page), _Layout(stats, next_page)
    if lay_a.font_differs(a, nxt):
        return False
    if lay_a.short(a) and not _unfinished(prev_group, nxt):
        return False
    if _ends_sentence(a.text) and not stats.uses_indent:
        return False
    if lay_b.indented(nxt) or lay_a.special(a):
        return False
    if _looks_structural(nxt.text) and (lay_b.short(nxt) or lay_b.special(nxt)):
        return False
    if len(prev_group) == 1 and _looks_structural(a.text):
        return False
    return True


#: the start of a line that goes on from the line before: a figure with its
#: unit (``1234人``), or punctuation that cannot open a sentence
_GOES_ON = re.compile(r"^(?:[\d０-９][\d０-９,，.．]*\s*(?:人|名|个|位|所|家|项|门|次|台|套|册|亩|元|万|亿|%|％|平方米)"
                      r"|[，。、；：,.;:）)”’」』】》])")


def _unfinished(group: list[Line], nxt: Line | None = None) -> bool:
    """Does the paragraph stop in mid-sentence, so that a page (or column)
    break cut it (``…现有全日制在校生`` / ``1234人，…``)?  Its last line ends
    with no sentence punctuation, and either the paragraph has several
    lines or the next line plainly goes on from it."""
    text = group[-1].text.rstrip()
    if not text or _ends_sentence(text) or text[-1] in "。.!！?？”’」』）)】》":
        return False
    if len(group) < 2 and not (nxt is not None and _GOES_ON.match(nxt.text)):
        return False
    return not _looks_structural(group[0].text)


# -- tables over page breaks ----------------------------------------------------------


def _same_columns(a: PdfTable, b: PdfTable, tol: float = 4.0) -> bool:
    return a.n_cols == b.n_cols and all(abs(x - y) <= tol for x, y in zip(a.xs, b.xs))


def _merge_table_grids(first: dict, second: dict) -> dict:
    """Append ``second`` (a table continued on the next page) to ``first``.
    Drops a repeated header row and rejoins a row split by the page break
    (see :func:`_split_row`)."""
    g1, g2 = first["grid"], second["grid"]
    s2 = dict(second["spans"])
    if g1 and g2 and [c or "" for c in g2[0]] == [c or "" for c in g1[0]] and any(g2[0]):
        g2, s2 = g2[1:], {(r - 1, c): v for (r, c), v in s2.items() if r > 0}
        first.setdefault("notes", []).append("repeated header dropped")
    elif g1 and g2 and _split_row(first, second):
        last, head = g1[-1], g2[0]
        g1[-1] = [join_lines(last[i], head[i]) if head[i] else last[i] for i in range(len(last))]
        g2, s2 = g2[1:], {(r - 1, c): v for (r, c), v in s2.items() if r > 0}
        first.setdefault("notes", []).append("row split by the page break rejoined")
    offset = len(g1)
    first["grid"] = g1 + g2
    first["spans"].update({(r + offset, c): v for (r, c), v in s2.items()})
    first["pages"].extend(p for p in second["pages"] if p not in first["pages"])
    return first


_ROW_START = re.compile(r"^(其中|合计|小计|总计|\d)")


def _split_row(first: dict, second: dict) -> bool:
    """Is the first row on the new page the rest of the last row before the
    break?  Only when the page shows it: the new row has text only where the
    last row has text, none of it a figure or a row of its own (其中…, 合计,
    a number), and each of those cells of the last row is filled to its
    right edge — the text was wrapped there.  A label-only row under a
    complete one (``可供出售金融资产 …`` / ``持有至到期投资``) is its own row."""
    last, head = first["grid"][-1], second["grid"][0]
    if any(r == 0 for (r, _c) in second["spans"]) or any(r == len(first["grid"]) - 1 for (r, _c) in first["spans"]):
        return False
    filled_head = [i for i, c in enumerate(head) if c]
    filled_last = {i for i, c in enumerate(last) if c}
    if not filled_head or not set(filled_head) <= filled_last:
        return False
    if any(is_numeric(head[i]) or _ROW_START.match(head[i]) for i in filled_head):
        return False
    t: PdfTable = first["table"]
    return all(t.text_fills(t.n_rows - 1, i) for i in filled_head)


# -- the parser -------------------------------------------------------------------------


def _open(path: Path):
    try:
        size = path.stat().st_size
    except OSError as e:
        raise errors.read_failure(e, "PDF", f"cannot read the file: {e}") from None
    if size == 0:
        raise errors.empty(path)
    try:
        with open(path, "rb") as f:
            f.seek(max(0, size - (1 << 20)))
            tail = f.read()
    except OSError as e:
        raise errors.read_failure(e, "PDF", f"cannot read the file: {e}") from None
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise errors.encrypted("PDF") from None
        if code == pdfium_c.FPDF_ERR_FILE:
            raise errors.truncated("PDF", "the file cannot be opened") from None
        raise errors.truncated("PDF", "PDFium cannot read its structure") from None
    except Exception as e:  # pragma: no cover - defensive
        raise errors.truncated("PDF", f"{type(e).__name__}: {e}") from None
    # pdfium repairs a file whose end is missing; the report is then incomplete —
    # unless only its last lines are lost (startxref, %%EOF): every object is there
    eof = tail.rfind(b"%%EOF")
    if (eof >= 0 and re.search(rb"\d+\s+\d+\s+obj\b", tail[eof:])) or (eof < 0 and not _only_the_end_lost(pdf, tail)):
        pdf.close()
        raise errors.truncated("PDF", "the file ends before its %%EOF marker")
    return pdf


def _only_the_end_lost(pdf, tail: bytes) -> bool:
    """A file without %%EOF whose cross-reference section is whole — the
    ``xref`` table and its ``trailer`` after the last object, or a last
    object that is the cross-reference stream — and whose every page loads:
    only ``startxref`` and ``%%EOF`` are lost, no object (the damage check
    then warns that the table was rebuilt)."""
    end = tail.rfind(b"endobj")
    if end < 0 or re.search(rb"\d+\s+\d+\s+obj\b", tail[end:]):
        return False
    after, last = tail[end:], tail[max(0, tail.rfind(b" obj", 0, end)):end]
    if not ((b"\nxref" in after and b"trailer" in after) or re.search(rb"/Type\s*/XRef\b", last)):
        return False
    try:
        for i in range(len(pdf)):
            pdf[i].close()
    except pdfium.PdfiumError:
        return False
    return len(pdf) > 0


def parse_pdf(path, *, table_engine: str = "fast") -> Document:
    """Parse a PDF into a :class:`Document` (blocks not yet finalised).

    ``table_engine``: ``"fast"`` (ruling lines from pypdfium2, pdfplumber's
    table algorithm) or ``"pdfplumber"`` (pdfplumber's own page parsing on the
    pages with ruling lines)."""
    path = Path(path)
    pdf = _open(path)
    doc = Document(path=str(path), format="pdf", parser=PARSER_NAME)
    _note_damage(path, doc)
    reading = _Reading(rd=_TextPageReader(), plumber=PlumberTables(path), table_engine=table_engine)
    try:
        pages = _read_pages(pdf, doc, reading)
        # for :func:`ingest.ocr.thin_pages` (not part of the model): which
        # file, and the share of each page read that images cover
        doc._image_share = (str(path), {p.number: p.image_area for p in pages if p.status == PAGE_OK})
        try:
            meta = pdf.get_metadata_dict(skip_empty=True)
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception:
            meta = {}
        doc.metadata.update({"page_count": len(pages), "table_engine": table_engine,
                             **{f"pdf_{k.lower()}": v for k, v in meta.items()
                                if k in ("Title", "Author", "Creator", "Producer", "CreationDate")}})
    finally:
        reading.plumber.close()
        pdf.close()

    for p in pages:
        doc.pages.append(PageInfo(number=p.number, chars=p.chars, status=p.status, note=p.note))
    usable = [p for p in pages if p.status == PAGE_OK]
    if not usable:
        doc.status = "needs_ocr"
        doc.warnings.append("没有可用的文本层，需要OCR / no page has a usable text layer: the PDF needs OCR"
                            if pages else "PDF没有页面 / the PDF has no pages")
        return doc

    furniture = _drop_running_lines(pages)
    if furniture:
        doc.metadata["furniture"] = furniture
        # as the Word parser gives them: each running header / footer once
        for role, key in (("header", "headers"), ("footer", "footers")):
            texts = list(dict.fromkeys(f["text"] for f in furniture if f["role"] == role))
            if texts:
                doc.metadata[key] = texts
    stats = _doc_stats(usable)
    _build_blocks(doc, usable, stats)
    return doc


def _note_damage(path: Path, doc: Document) -> None:
    """A file PDFium opened only by repairing it, or whose compressed streams
    are corrupt, gets a warning and ``metadata["damaged"]`` (never a silent ``ok``)."""
    from .pdf_damage import find_damage
    try:
        damage = find_damage(path.read_bytes())
    except OSError as e:
        raise errors.read_failure(e, "PDF", f"cannot read the file: {e}") from None
    if damage:
        doc.warnings.append(damage.warning())
        doc.metadata["damaged"] = {"streams": damage.streams, "xref_rebuilt": damage.xref}


@dataclass
class _Reading:
    """What reading one document's pages shares: pdfium helpers, pdfplumber
    opened on demand, and how often reading a page again with pdfplumber
    because of empty text objects found nothing pdfium had missed."""
    rd: _TextPageReader
    plumber: PlumberTables
    table_engine: str
    lost_hits: int = 0
    lost_misses: int = 0

    @property
    def trust_lost(self) -> bool:
        # empty text objects in fonts that are not embedded are also blank
        # glyphs (spaces): after two pages where pdfplumber found nothing more,
        # stop paying for it in this document
        return self.lost_hits > 0 or self.lost_misses < 2


def _read_pages(pdf, doc: Document, reading: _Reading) -> list[PageData]:
    pages: list[PageData] = []
    n_pages = len(pdf)
    for i in range(n_pages):
        no = i + 1
        try:
            page = pdf[i]
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception:
            pd = PageData(number=no, width=0, height=0, status=PAGE_GARBAGE, note="page cannot be loaded")
            doc.warnings.append(f"第{no}页无法读取 / page {no}: the page cannot be loaded")
            pages.append(pd)
            continue
        try:
            pages.append(_read_page(page, no, reading, doc))
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception as e:
            pd = PageData(number=no, width=0, height=0, status=PAGE_GARBAGE,
                          note=f"page cannot be read ({type(e).__name__})")
            doc.warnings.append(f"第{no}页无法读取 / page {no}: the page cannot be read ({type(e).__name__})")
            pages.append(pd)
        finally:
            page.close()
    return pages


def _read_page(page, no: int, reading: _Reading, doc: Document) -> PageData:
    width, height = page.get_size()
    pd = PageData(number=no, width=width, height=height)
    tp = page.get_textpage()
    try:
        layer = _PdfiumLayer(tp.raw, reading.rd)
        text = join_spaced_digits(layer, strip_bullets(_page_text(tp.raw)))
        reading.rd.page_has_foreign_font = False
        lines = _read_lines(layer, text, no)
        objects = _scan_objects(page, tp, pd, lines, text, reading.rd)
        why = _why_read_as_displayed(page, objects, layer, text, reading)
        if not why and _sideways(lines, layer):
            why = "sideways text"
        if why:
            displayed = _try_read_as_displayed(pd, no, reading, doc, why, text)
            if displayed is not None:
                return displayed
        if not _check_text(pd, text, doc, objects.n_images):
            return pd
        pd.lines = lines
        if pd.bad_chars:
            for ln in pd.lines:
                ln.text = _BAD.sub("\ufffd", ln.text)
        if objects.has_rulings:
            _add_ruled_tables(page, height, objects, layer, text, pd, reading, doc)
        _add_borderless_tables(layer, text, pd)
        _drop_empty_tables(pd)
        pd.lines = split_columns(pd.lines, pd.width, lambda ln, k: _piece(ln, k, text))
        return pd
    finally:
        tp.close()


def _scan_objects(page, tp, pd: PageData, lines: list[Line], text: str, rd: _TextPageReader):
    """The page's drawing objects (:func:`scan_page_objects`: rulings,
    images, lost or overprinted text), its image count and area set on
    ``pd``.  Call after :func:`_read_lines`, which notes a foreign font."""
    # the text objects are looked at one by one only where pdfium's text
    # gives a reason: a font that is not embedded, a line wider in text
    # than on the page (overprint), or fewer characters than objects
    inspect = (rd.page_has_foreign_font or _overprint_suspect(lines)
               or len(text) < 40)
    objects = scan_page_objects(page.raw, pd.height, pd.width * pd.height, tp.raw if inspect else None)
    pd.n_images, pd.image_area = objects.n_images, objects.image_area
    return objects


def _try_read_as_displayed(pd: PageData, no: int, reading: _Reading, doc: Document, why: str,
                           text: str) -> PageData | None:
    """The page read as displayed (:func:`_read_page_as_displayed`), or None
    — ``pd`` emptied again and a warning added — when pdfplumber fails on it
    and pdfium's ``text`` stands.  MemoryError is the worker's to handle."""
    try:
        return _read_page_as_displayed(pd, no, reading, doc, why, _visible(text))
    except MemoryError:   # the worker's to handle: the file fails with ``memory``
        raise
    except Exception as e:     # pdfplumber failed here: pdfium's reading stands
        pd.lines, pd.tables, pd.status, pd.note = [], [], PAGE_OK, ""
        doc.warnings.append(f"第{no}页无法按显示方式读取 / page {no}: could not be read as displayed "
                            f"({why}: {type(e).__name__}); pdfium's text is used")
        return None


def _add_ruled_tables(page, height: float, objects, layer, text: str, pd: PageData, reading: _Reading,
                      doc: Document) -> None:
    """Find the tables drawn with rules on the page (the fast engine over
    the scanned ``objects``, or pdfplumber at ``height`` pt) and fill their
    cells; when that fails the page keeps no ruled tables, its text stays
    running text and a warning is added.  MemoryError is the worker's."""
    no = pd.number
    try:
        if reading.table_engine == "pdfplumber":
            pd.tables = reading.plumber.find(no - 1, height, _mediabox_origin(page))
        else:
            pd.tables = find_tables_fast(objects, no)
        _fill_table_text(layer, text, pd)
    except MemoryError:   # the worker's to handle: the file fails with ``memory``
        raise
    except Exception as e:
        pd.tables = []
        doc.warnings.append(f"第{no}页表格无法识别 / page {no}: table detection failed "
                            f"({type(e).__name__}); its text is kept as paragraphs")


def _mediabox_origin(page) -> tuple[float, float]:
    """The lower-left corner (pt) of the page's media box; (0, 0) when it
    cannot be read."""
    ox, oy = 0.0, 0.0
    try:
        mb = page.get_mediabox()
        ox, oy = mb[0], mb[1]
    except MemoryError:   # the worker's to handle: the file fails with ``memory``
        raise
    except Exception:
        pass
    return ox, oy


def _piece(ln: Line, k: int, text: str) -> Line:
    """Segment ``k`` of a line as a line of its own."""
    a, b, x0, x1 = ln.segments[k]
    raw = text[a:b].strip()
    return Line(text=normalize_text(raw), raw=raw, x0=x0, x1=x1, y=ln.y, size=ln.size, bold=ln.bold,
                font=ln.font, start=a, end=b, page=ln.page, need=ln.need * len(raw) / max(1, len(ln.raw)))


def _add_borderless_tables(layer, text: str, pd: PageData) -> None:
    """Tables of aligned columns among the lines left outside ruled tables
    (:mod:`ingest.pdf_borderless`)."""
    found = find_borderless_tables(pd.lines, text, pd.number, pd.height)
    if found:
        pd.tables.extend(found)
        _fill_table_text(layer, text, pd, found)


def _check_text(pd: PageData, text: str, doc: Document, n_images: int) -> bool:
    """Set the page's status from its text layer; False when there is no
    usable text on it."""
    no = pd.number
    visible, bad_share, reason = text_quality(text)
    pd.chars = visible
    if visible == 0:
        pd.status = PAGE_EMPTY
        if n_images:
            pd.note = "no text layer: scanned image"
            doc.warnings.append(f"第{no}页没有文本层（扫描图像），需要OCR / page {no}: no text layer "
                                "(scanned image), needs OCR")
        else:
            pd.note = "blank page"
        return False
    if bad_share > 0.1:
        pd.status = PAGE_GARBAGE
        pd.note = f"text layer unreadable: {reason} ({bad_share:.0%})"
        doc.warnings.append(f"第{no}页文本层无法识别 / page {no}: text layer is garbage ({reason})")
        return False
    wrong = implausible_chinese(text)
    if wrong:
        pd.status = PAGE_GARBAGE
        pd.note = f"text layer decodes to wrong characters: {wrong}"
        doc.warnings.append(f"第{no}页文本层解码为错误的汉字，需要OCR / page {no}: the text layer decodes to "
                            f"wrong characters ({wrong}); the page needs OCR")
        return False
    if bad_share > 0:
        # kept as U+FFFD so that digits either side are never read as one number
        pd.bad_chars = True
        pd.note = f"{bad_share:.1%} unreadable characters ({reason}) shown as U+FFFD"
        doc.warnings.append(f"第{no}页有少量无法识别的字符 / page {no}: {bad_share:.1%} of the characters "
                            f"are unreadable ({reason}); they are shown as U+FFFD")
    return True


# -- pages read as displayed (pdfplumber) ---------------------------------------------


def _visible(text: str) -> int:
    """How many characters of ``text`` are not whitespace (``str.isspace``)."""
    return sum(map(len, text.split()))


def _why_read_as_displayed(page, objects, layer, text: str, reading: _Reading) -> str:
    """Why the page must be read character by character (see
    :mod:`ingest.pdf_chars`), or "" for the fast path."""
    rotation = page.get_rotation()
    if rotation:
        return f"page rotated {rotation}°"
    if objects.lost_text and reading.trust_lost:
        return "text objects pdfium cannot place"
    if objects.overprint and _duplicate_chars(layer, text):
        return "overprinted text"
    return ""


def _duplicate_chars(layer, text: str) -> int:
    """How many characters repeat one with the same text within 1 pt (fake
    bold pdfium kept twice)."""
    seen: dict[tuple[str, int, int], list[tuple[float, float]]] = {}
    dups = 0
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        l, b, _r, _t = layer.box(i)
        kx, ky = round(l), round(b)
        if any(abs(l - x) < 1 and abs(b - y) < 1
               for dx in (-1, 0, 1) for dy in (-1, 0, 1)
               for x, y in seen.get((ch, kx + dx, ky + dy), ())):
            dups += 1
        else:
            seen.setdefault((ch, kx, ky), []).append((l, b))
    return dups


_SIDEWAYS_SHARE = 0.5


def _overprint_suspect(lines: list[Line]) -> bool:
    """A line holding clearly more text than fits its width: characters
    drawn over each other (fake bold pdfium kept twice)."""
    return any(len(ln.raw) >= 4 and ln.need > 1.3 * (ln.x1 - ln.x0) + ln.size for ln in lines)



def _sideways(lines: list[Line], layer) -> bool:
    """Is most of the page's text turned by 90° or 270° (a table typeset
    sideways on a portrait page)?  Only lines far narrower than their text
    are asked, one character each."""
    total = sum(len(ln.text) for ln in lines)
    narrow = [ln for ln in lines if len(ln.raw) >= 2 and ln.x1 - ln.x0 < 0.4 * ln.need]
    if not total or sum(len(ln.text) for ln in narrow) <= _SIDEWAYS_SHARE * total:
        return False
    turned = sum(len(ln.text) for ln in narrow if 45 < layer.angle(ln.start) % 180 < 135)
    return turned > _SIDEWAYS_SHARE * total


def _read_page_as_displayed(pd: PageData, no: int, reading: _Reading, doc: Document,
                            why: str, pdfium_chars: int) -> PageData:
    sp = reading.plumber.special(no - 1)
    sp.layer.text = join_spaced_digits(sp.layer, strip_bullets(sp.layer.text))
    layer, text = sp.layer, sp.layer.text
    if why.startswith("text objects"):
        if _visible(text) > pdfium_chars:
            reading.lost_hits += 1
        else:
            reading.lost_misses += 1
    pd.width, pd.height = sp.width, sp.height
    pd.read_as = why
    pd.lines, pd.tables, pd.bad_chars = [], [], False
    if not _check_text(pd, text, doc, pd.n_images):
        return pd
    pd.lines = _read_lines(layer, text, no)
    if pd.bad_chars:
        for ln in pd.lines:
            ln.text = _BAD.sub("\ufffd", ln.text)
    for cells in sp.tables:
        t = table_from_cells(cells, no, "pdfplumber")
        if t is not None:
            pd.tables.append(t)
    if pd.tables:
        _fill_table_text(layer, text, pd)
    _add_borderless_tables(layer, text, pd)
    _drop_empty_tables(pd)
    pd.lines = split_columns(pd.lines, pd.width, lambda ln, k: _piece(ln, k, text))
    if sp.n_duplicates:
        why += f", {sp.n_duplicates} overprinted characters removed"
    pd.note = (pd.note + "; " if pd.note else "") + f"read as displayed ({why})"
    return pd


def _build_blocks(doc: Document, pages: list[PageData], stats: _Stats) -> None:
    """Add the document's blocks: each page's paragraphs (headings, titles)
    and tables in reading order, a paragraph running on over a page break
    joined, a table continued at the top of the next page merged."""
    per_page = [(p, _group_page(p, stats)) for p in pages]
    _join_across_pages(per_page, stats)
    builder = _BlockBuilder(doc, stats)
    for p, items in per_page:
        last = len(items) - 1
        for idx, it in enumerate(items):
            if isinstance(it, PdfTable):
                builder.table(p, it, idx == 0, idx == last)
            else:
                builder.paragraph(p, it)
    builder.finish_tables()


def _join_across_pages(per_page: list[tuple[PageData, list]], stats: _Stats) -> None:
    """Move the first paragraph of a page onto the last one of the page
    before when it runs on over the break (consecutive pages only)."""
    for k in range(len(per_page) - 1):
        p, items = per_page[k]
        q, nxt = per_page[k + 1]
        if q.number != p.number + 1 or not items or not nxt:
            continue
        if isinstance(items[-1], list) and isinstance(nxt[0], list):
            if _continues_on_next_page(items[-1], p, nxt[0][0], q, stats):
                items[-1] = items[-1] + nxt[0]
                nxt.pop(0)


def _paragraph_text(lines: list[Line]) -> str:
    """A paragraph's lines joined into one text, stripped."""
    text = lines[0].text
    for ln in lines[1:]:
        text = join_lines(text, ln.text)
    return text.strip()


class _BlockBuilder:
    """Adds one document's blocks in order: the heading levels so far, and
    the table blocks whose rows are made once every page is read (a table
    may go on over the next page)."""

    def __init__(self, doc: Document, stats: _Stats) -> None:
        self.doc, self.stats = doc, stats
        self.assigner = LevelAssigner()
        self.seen_numbered = False
        self.pending_tables: list[tuple[Block, dict]] = []

    def paragraph(self, p: PageData, lines: list[Line]) -> None:
        """A group of lines as a heading or paragraph block (none when blank)."""
        text = _paragraph_text(lines)
        if not text:
            return
        first = lines[0]
        stats = self.stats
        loud = bool(first.size >= stats.body_size + 1 or (first.bold and not stats.body_bold))
        emphasised = len(lines) == 1 and loud
        numbered = match_heading(text, emphasised=emphasised)
        if numbered and numbered.style != "front" and not self.seen_numbered:
            # front matter (前言) is a sibling of the first numbered part,
            # not its parent: let the first numbering style start at level 1
            if not self.assigner.levels:
                self.assigner.last_level = 0
        block = classify_line(text, self.assigner, emphasised=emphasised, page=p.number, ref=f"p{p.number}")
        if block.kind == HEADING and (block.meta.get("style") != "front"):
            self.seen_numbered = True
        _paragraph_meta(block, lines, text, loud, stats)
        self.doc.add(block)

    def table(self, p: PageData, t: PdfTable, first: bool, last: bool) -> None:
        """A table as a block, or merged into the previous page's last table
        when it is the first item on its page and continues that one."""
        grid, spans = _table_grid(t)
        if p.bad_chars:
            grid = [[_BAD.sub("\ufffd", c) if c else c for c in row] for row in grid]
        info = {"grid": grid, "spans": spans, "pages": [p.number], "table": t, "notes": []}
        if first and self._continued(p, t, info, last):
            return
        block = Block(kind=TABLE, page=p.number, ref=f"p{p.number}")
        info["last_on_page"] = last
        self.pending_tables.append((block, info))
        self.doc.add(block)

    def _continued(self, p: PageData, t: PdfTable, info: dict, last: bool) -> bool:
        """Merge ``info`` into the table that ended the last page when the
        document's last block is that table and ``t`` continues it."""
        if not (self.pending_tables and self.doc.blocks and self.doc.blocks[-1] is self.pending_tables[-1][0]):
            return False
        prev_info = self.pending_tables[-1][1]
        prev_t: PdfTable = prev_info["table"]
        if not (prev_info["last_on_page"] and prev_info["pages"][-1] == p.number - 1
                and _same_columns(prev_t, t) and _is_continuation(prev_info["grid"], info["grid"])):
            return False
        _merge_table_grids(prev_info, info)
        prev_info["table"] = t
        prev_info["last_on_page"] = last
        return True

    def finish_tables(self) -> None:
        """Give each table block its rows, engine, pages and notes."""
        for block, info in self.pending_tables:
            t = make_table(info["grid"], spans=info["spans"], page=block.page, ref=block.ref)
            block.rows = t.rows
            block.meta.update({"engine": info["table"].engine, "pages": info["pages"]})
            if info.get("notes"):
                block.meta["notes"] = info["notes"]


def _paragraph_meta(block: Block, lines: list[Line], text: str, loud: bool, stats: _Stats) -> None:
    """Note a paragraph block's font (size in pt, bold), the page it ends
    on when not its first, "title" role for a short line set large, and
    for a heading whether its font sets it apart (``loud``)."""
    first = lines[0]
    block.meta.update({"font_size": first.size, "bold": first.bold})
    if lines[-1].page != first.page:
        block.meta["end_page"] = lines[-1].page
    if block.kind == PARAGRAPH and len(text) <= 60 and len(lines) <= 2 and \
            first.size >= 1.3 * stats.body_size:
        block.meta["role"] = "title"
    if block.kind == HEADING:
        block.meta["font_confirmed"] = loud


def _is_continuation(g1: list[list[str]], g2: list[list[str]]) -> bool:
    """Does the table at the top of a page continue the previous page's?
    Yes when it repeats that table's header row, or has no header of its own."""
    if not g1 or not g2:
        return False
    if [c or "" for c in g2[0]] == [c or "" for c in g1[0]]:
        return True
    return guess_header_rows(g2) == 0
