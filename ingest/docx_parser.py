"""Read a Word (.docx) report into the document model.

python-docx opens the package (parts, relationships, styles, numbering); the
body is walked as raw XML so that nothing python-docx skips is lost and the
order of paragraphs and tables is kept:

* content controls (``w:sdt``), tracked insertions (``w:ins``, ``w:moveTo``)
  keep their text; tracked deletions (``w:del``, ``w:moveFrom``) and hidden
  runs are dropped;
* automatic numbering (``w:numPr`` → ``numbering.xml``) is resolved to the
  label Word displays ("1.1", "（一）", "一、", "第一部分");
* heading levels come from heading styles (also through ``basedOn``), from
  outline levels, or else from typed numbering (:func:`classify_line`);
* numbered and bulleted paragraphs without a heading style or outline level
  are list items (``Block.list_item``, the label in ``number``, never glued
  to the text) unless their list reads as headings
  (:mod:`ingest.docx_lists`);
* ``w:altChunk`` parts (HTML, MHT, plain text, a whole .docx) are read where
  they stand (:mod:`ingest.docx_altchunk`, :mod:`ingest.html_blocks`); RTF
  ones are reported in ``warnings``;
* a document of pictures with (almost) no text is ``needs_ocr``;
* merged cells (``gridSpan``, ``vMerge``, ``hMerge``, ``gridBefore``/``After``)
  are expanded into a rectangular grid with the text at the origin only;
  nested tables are kept in their cell's text and emitted as table blocks of
  their own right after the parent;
* text boxes (``w:txbxContent``; one branch of ``mc:AlternateContent``) are
  emitted after the paragraph that anchors them;
* page headers and footers never become blocks (their text goes to
  ``metadata["headers"]`` / ``metadata["footers"]``).

Word files carry no fixed pages.  Page numbers are estimated from the breaks
Word recorded at its last layout (``w:lastRenderedPageBreak``) or, failing
that, from explicit breaks plus a line count derived from the page size and
the body font; ``metadata["page_estimate"]`` is then True and each block's
``meta["page_est"]`` holds its estimated page (``Block.page`` stays None).
"""
from __future__ import annotations

import math
import re
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from . import errors
from .errors import IngestError
from .docx_altchunk import DOCX, HTML, TEXT, chunk_content
from .docx_lists import list_paragraphs
from .html_blocks import html_blocks
from .headings import LevelAssigner, match_caption, match_heading, word_list_rules
from .model import CAPTION, HEADING, PAGE_EMPTY, PAGE_OK, PARAGRAPH, TABLE, Block, Document, PageInfo, make_table
from .structure import classify_line

# --------------------------------------------------------------------------
# XML names
# --------------------------------------------------------------------------
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


W_P, W_TBL, W_SDT, W_SDTCONTENT, W_SDTPR = _w("p"), _w("tbl"), _w("sdt"), _w("sdtContent"), _w("sdtPr")
W_CUSTOMXML, W_SECTPR, W_ALTCHUNK = _w("customXml"), _w("sectPr"), _w("altChunk")
W_PPR, W_RPR, W_PSTYLE, W_NUMPR, W_ILVL, W_NUMID = _w("pPr"), _w("rPr"), _w("pStyle"), _w("numPr"), _w("ilvl"), _w("numId")
W_OUTLINE, W_PBB = _w("outlineLvl"), _w("pageBreakBefore")
W_R, W_T, W_TAB, W_PTAB, W_BR, W_CR, W_SYM = _w("r"), _w("t"), _w("tab"), _w("ptab"), _w("br"), _w("cr"), _w("sym")
W_NBH, W_LRPB = _w("noBreakHyphen"), _w("lastRenderedPageBreak")
W_DRAWING, W_PICT, W_OBJECT, W_TXBX = _w("drawing"), _w("pict"), _w("object"), _w("txbxContent")
W_HYPERLINK, W_SMARTTAG, W_INS, W_DEL, W_MOVETO, W_MOVEFROM = (
    _w("hyperlink"), _w("smartTag"), _w("ins"), _w("del"), _w("moveTo"), _w("moveFrom"))
W_FLDSIMPLE, W_DIR, W_BDO, W_RUBY, W_RUBYBASE = _w("fldSimple"), _w("dir"), _w("bdo"), _w("ruby"), _w("rubyBase")
W_VANISH, W_VAL, W_B, W_SZ = _w("vanish"), _w("val"), _w("b"), _w("sz")
W_TR, W_TC, W_TRPR, W_TCPR = _w("tr"), _w("tc"), _w("trPr"), _w("tcPr")
W_GRIDSPAN, W_VMERGE, W_HMERGE, W_GRIDBEFORE, W_GRIDAFTER, W_TBLHEADER = (
    _w("gridSpan"), _w("vMerge"), _w("hMerge"), _w("gridBefore"), _w("gridAfter"), _w("tblHeader"))
W_TYPE, W_ANCHOR, W_CHAR = _w("type"), _w("anchor"), _w("char")
W_HEADERREF, W_FOOTERREF = _w("headerReference"), _w("footerReference")
MC_ALT, MC_CHOICE, MC_FALLBACK = f"{{{MC_NS}}}AlternateContent", f"{{{MC_NS}}}Choice", f"{{{MC_NS}}}Fallback"
M_T, M_OMATH, M_OMATHPARA = f"{{{M_NS}}}t", f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara"
R_ID = f"{{{R_NS}}}id"
WP_EXTENT = f"{{{WP_NS}}}extent"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"

_FALSE = ("0", "false", "off")

#: paragraphs with a numPr or a pStyle among the space-separated ``$ids``
_NUMBERED_P = etree.XPath(
    ".//w:p[w:pPr/w:numPr or contains($ids, concat(' ', w:pPr/w:pStyle/@w:val, ' '))]", namespaces={"w": W_NS})

# containers whose children are runs (or more containers) inside a paragraph
_INLINE_CONTAINERS = {W_HYPERLINK, W_SMARTTAG, W_CUSTOMXML, W_INS, W_MOVETO, W_FLDSIMPLE, W_DIR, W_BDO}
_INLINE_SKIPPED = {W_DEL, W_MOVEFROM, W_PPR}


def _on(el) -> bool:
    """A w:ST_OnOff toggle element: present and not switched off."""
    return el is not None and el.get(W_VAL, "1").lower() not in _FALSE


def _int(v, default=None):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


# --------------------------------------------------------------------------
# number formats
# --------------------------------------------------------------------------
_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _cn_count(n: int, digits: str = _CN_DIGITS, units: str = "十百千", *, short_ten: bool = True) -> str:
    if n <= 0:
        return "〇" if n == 0 else str(n)
    if n >= 10000:
        hi, lo = divmod(n, 10000)
        rest = _cn_count(lo, digits, units, short_ten=False) if lo else ""
        if lo and lo < 1000:
            rest = digits[0] + rest
        return _cn_count(hi, digits, units, short_ten=short_ten) + "万" + rest
    parts = []
    zero = False
    for i, unit in ((3, units[2]), (2, units[1]), (1, units[0]), (0, "")):
        d = (n // 10 ** i) % 10
        if d == 0:
            if parts:
                zero = True
            continue
        if zero:
            parts.append(digits[0])
            zero = False
        parts.append(digits[d] + unit)
    s = "".join(parts)
    if short_ten and 10 <= n < 20 and s.startswith(digits[1] + units[0]):
        s = s[1:]
    return s


def _letters(n: int, upper: bool) -> str:
    if n <= 0:
        return str(n)
    ch = chr(ord("A" if upper else "a") + (n - 1) % 26)
    return ch * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                 (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


def _circled(n: int) -> str:
    if 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if 21 <= n <= 35:
        return chr(0x3251 + n - 21)
    if 36 <= n <= 50:
        return chr(0x32B1 + n - 36)
    return str(n)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: ``w:numFmt`` → how Word renders a counter n (any other format: the decimal number)
_NUMBER_FORMATS = {
    **dict.fromkeys(("decimal", "decimalHalfWidth", None, ""), str),
    **dict.fromkeys(("chineseCounting", "chineseCountingThousand", "japaneseCounting",
                     "taiwaneseCounting", "taiwaneseCountingThousand", "koreanCounting"), _cn_count),
    **dict.fromkeys(("chineseLegalSimplified", "japaneseLegal"),
                    lambda n: _cn_count(n, _CN_LEGAL, "拾佰仟", short_ten=False)),
    **dict.fromkeys(("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"),
                    lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n))),
    "ideographTraditional": lambda n: _TIANGAN[n - 1] if 1 <= n <= 10 else str(n),
    "ideographZodiac": lambda n: _DIZHI[n - 1] if 1 <= n <= 12 else str(n),
    **dict.fromkeys(("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"), _circled),
    "decimalEnclosedParen": lambda n: chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})",
    "decimalEnclosedFullstop": lambda n: chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}.",
    **dict.fromkeys(("decimalFullWidth", "decimalFullWidth2"),
                    lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n))),
    "decimalZero": lambda n: f"{n:02d}",
    "upperLetter": lambda n: _letters(n, True),
    "lowerLetter": lambda n: _letters(n, False),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "ordinal": _ordinal,
    "none": lambda n: "",
}


def format_number(n: int, fmt: str) -> str:
    """Render a list counter the way Word does for ``w:numFmt``."""
    return _NUMBER_FORMATS.get(fmt, str)(n)


# --------------------------------------------------------------------------
# numbering.xml
# --------------------------------------------------------------------------
class _Level:
    __slots__ = ("start", "fmt", "text", "restart", "legal", "style")

    def __init__(self, el) -> None:
        self.start = 1
        self.fmt = "decimal"
        self.text: str | None = None
        self.restart: int | None = None
        self.legal = False
        self.style: str | None = None
        for ch in el:
            tag = ch.tag
            if tag == _w("start"):
                self.start = _int(ch.get(W_VAL), 1)
            elif tag == _w("numFmt"):
                self.fmt = ch.get(W_VAL) or "decimal"
            elif tag == _w("lvlText"):
                self.text = ch.get(W_VAL)
            elif tag == _w("lvlRestart"):
                self.restart = _int(ch.get(W_VAL))
            elif tag == _w("isLgl"):
                self.legal = _on(ch)
            elif tag == W_PSTYLE:
                self.style = ch.get(W_VAL)


class _Numbering:
    """Numbering definitions and the running counters of one document."""

    _PLACEHOLDER = re.compile(r"%([1-9])")

    def __init__(self, root) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.abstract_link: dict[str, str] = {}      # abstractNum → numStyleLink style id
        self.style_link: dict[str, str] = {}         # styleLink style id → abstractNum
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        self.counters: dict[object, list] = {}
        self.style_numid: dict[str, str] = {}        # filled by _Styles for numbering styles
        if root is None:
            return
        for el in root:
            if el.tag == _w("abstractNum"):
                aid = el.get(_w("abstractNumId"))
                levels = {}
                for ch in el:
                    if ch.tag == _w("lvl"):
                        levels[_int(ch.get(W_ILVL), 0)] = _Level(ch)
                    elif ch.tag == _w("numStyleLink"):
                        self.abstract_link[aid] = ch.get(W_VAL)
                    elif ch.tag == _w("styleLink"):
                        self.style_link[ch.get(W_VAL)] = aid
                self.abstract[aid] = levels
            elif el.tag == _w("num"):
                nid = el.get(W_NUMID)
                aid = None
                starts: dict[int, int] = {}
                lvl_over: dict[int, _Level] = {}
                for ch in el:
                    if ch.tag == _w("abstractNumId"):
                        aid = ch.get(W_VAL)
                    elif ch.tag == _w("lvlOverride"):
                        ilvl = _int(ch.get(W_ILVL), 0)
                        for o in ch:
                            if o.tag == _w("startOverride"):
                                starts[ilvl] = _int(o.get(W_VAL), 1)
                            elif o.tag == _w("lvl"):
                                lvl_over[ilvl] = _Level(o)
                if aid is not None:
                    self.nums[nid] = (aid, starts, lvl_over)

    def _abstract_id(self, aid: str) -> str:
        # an abstractNum that only points at a numbering style: follow the style
        # to its num, then to the abstractNum that holds the levels
        seen = set()
        while aid in self.abstract_link and aid not in seen:
            seen.add(aid)
            style = self.abstract_link[aid]
            target = self.style_link.get(style)
            if target is None:
                nid = self.style_numid.get(style)
                target = self.nums[nid][0] if nid in self.nums else None
            if target is None:
                break
            aid = target
        return aid

    def level_for_style(self, num_id: str, style_id: str) -> int | None:
        """The ilvl whose w:pStyle links it to ``style_id``."""
        entry = self.nums.get(num_id)
        if not entry:
            return None
        for ilvl, lvl in self.abstract.get(self._abstract_id(entry[0]), {}).items():
            if lvl.style == style_id:
                return ilvl
        return None

    def list_key(self, num_id: str | None) -> tuple | None:
        """Which running list a numId belongs to: numIds that share an
        abstractNum continue one list unless they override its levels."""
        if not num_id or num_id == "0" or num_id not in self.nums:
            return None
        aid, starts, lvl_over = self.nums[num_id]
        return ("num", num_id) if (starts or lvl_over) else ("abs", self._abstract_id(aid))

    def label(self, num_id: str | None, ilvl: int, *, advance: bool = True) -> tuple[str | None, str] | None:
        """Advance the counters for one numbered paragraph and return
        (label, numFmt) as Word would display it — label None for a bullet
        or a level that shows no number — or None without a numbering
        definition."""
        key = self.list_key(num_id)
        if key is None:
            return None
        aid, starts, lvl_over = self.nums[num_id]
        aid = self._abstract_id(aid)
        levels = dict(self.abstract.get(aid, {}))
        levels.update(lvl_over)
        ilvl = max(0, min(ilvl, 8))
        lvl = levels.get(ilvl)
        if lvl is None:
            return None

        def start(k: int) -> int:
            if k in starts:
                return starts[k]
            return levels[k].start if k in levels else 1

        c = self.counters.get(key)
        if c is None:
            c = self.counters[key] = [None] * 9
        if advance:
            c[ilvl] = start(ilvl) if c[ilvl] is None else c[ilvl] + 1
            for k in range(ilvl + 1, 9):
                r = levels[k].restart if k in levels else None
                if r is None or (r != 0 and ilvl < r):
                    c[k] = None
        text = lvl.text
        if lvl.fmt == "bullet" or text is None:
            return None, lvl.fmt

        def repl(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            n = c[k] if c[k] is not None else start(k)
            ref = levels.get(k)
            fmt = ref.fmt if ref else "decimal"
            if lvl.legal and fmt not in ("none",):
                fmt = "decimal"
            return format_number(n, fmt)

        label = self._PLACEHOLDER.sub(repl, text).strip()
        if not any(ch.isalnum() for ch in label):
            return None, lvl.fmt  # numFmt none or punctuation only: nothing to show
        return label, lvl.fmt


# --------------------------------------------------------------------------
# styles.xml
# --------------------------------------------------------------------------
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$")
_TOC_NAME = re.compile(r"^(?:toc|目录)\s*[1-9]$")


class _StyleInfo:
    __slots__ = ("name", "level", "role", "num_id", "ilvl", "break_before", "toc", "font_pt", "bold")

    def __init__(self) -> None:
        self.name = ""
        self.level: int | None = None   # 1-based outline level
        self.role: str | None = None    # title / subtitle / caption
        self.num_id: str | None = None
        self.ilvl: int | None = None
        self.break_before = False
        self.toc = False
        self.font_pt: float | None = None
        self.bold = False


class _Styles:
    def __init__(self, root, numbering: _Numbering) -> None:
        self.raw: dict[str, dict] = {}
        self.default_para: str | None = None
        self.defaults = {"sz": None, "line": None, "rule": None}
        self.cache: dict[str, _StyleInfo] = {}
        self.numbering = numbering
        if root is None:
            return
        for el in root:
            if el.tag == _w("docDefaults"):
                self._read_defaults(el)
            if el.tag != _w("style"):
                continue
            sid = el.get(_w("styleId"))
            d = _style_dict(el)
            self.raw[sid] = d
            if d["type"] == "paragraph" and el.get(_w("default")) in ("1", "true", "on"):
                self.default_para = sid
            if d["type"] == "numbering" and d["num_id"]:
                numbering.style_numid[sid] = d["num_id"]

    def _read_defaults(self, el) -> None:
        """Font size (half-points) and line spacing of ``w:docDefaults``."""
        for sz in el.iter(_w("sz")):
            self.defaults["sz"] = _int(sz.get(W_VAL))
            break
        for sp in el.iter(_w("spacing")):
            if sp.get(_w("line")):
                self.defaults["line"] = _int(sp.get(_w("line")))
                self.defaults["rule"] = sp.get(_w("lineRule"), "auto")

    def _chain(self, sid: str | None):
        seen = set()
        while sid and sid in self.raw and sid not in seen:
            seen.add(sid)
            yield sid, self.raw[sid]
            sid = self.raw[sid]["based"]

    def info(self, sid: str | None) -> _StyleInfo:
        """What a paragraph style gives (through ``basedOn``): outline level,
        role, numbering, page break before, font size, bold; the default
        paragraph style's for an unknown or missing id.  Cached."""
        if sid is None or sid not in self.raw:
            sid = self.default_para
        key = sid or ""
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        si = _StyleInfo()
        chain = [d for _, d in self._chain(sid)]
        if chain:
            si.name = chain[0]["name"]
        _chain_level(si, chain)
        _chain_role(si, chain)
        _chain_numbering(si, chain)
        _chain_format(si, chain)
        if si.role == "title":
            si.level = None  # the document title is never an outline heading
        if si.num_id is not None and si.ilvl is None and sid:
            si.ilvl = self.numbering.level_for_style(si.num_id, sid)
        self.cache[key] = si
        return si

    def numbering_styles(self) -> set[str]:
        """Ids of the styles that number their paragraphs (a numPr of their
        own or through ``basedOn``)."""
        out = {sid for sid, d in self.raw.items() if d["num_id"] is not None}
        grew = bool(out)
        while grew:
            more = {sid for sid, d in self.raw.items() if sid not in out and d["based"] in out}
            out |= more
            grew = bool(more)
        return {sid for sid in out if self.info(sid).num_id not in (None, "0")}

    def body_metrics(self) -> tuple[float, float]:
        """(font size pt, line spacing factor) of the default paragraph style."""
        sz = line = rule = None
        for _, d in self._chain(self.default_para):
            sz = sz or d["sz"]
            if line is None and d["line"]:
                line, rule = d["line"], d["rule"]
        sz = sz or self.defaults["sz"] or 21
        if line is None:
            line, rule = self.defaults["line"], self.defaults["rule"]
        factor = 1.0
        if line and (rule in (None, "auto")):
            factor = max(0.8, min(line / 240, 3.0))
        return sz / 2, factor


def _style_dict(el) -> dict:
    """One ``w:style`` as a dict: type, name, basedOn, outline level,
    numbering, pageBreakBefore, font size, line spacing, bold."""
    d = {"type": el.get(W_TYPE, "paragraph"), "name": "", "based": None, "outline": None, "num_id": None,
         "ilvl": None, "pbb": None, "sz": None, "line": None, "rule": None, "b": None}
    for ch in el:
        tag = ch.tag
        if tag == _w("name"):
            d["name"] = (ch.get(W_VAL) or "").strip()
        elif tag == _w("basedOn"):
            d["based"] = ch.get(W_VAL)
        elif tag == W_PPR:
            _style_ppr(ch, d)
        elif tag == W_RPR:
            for rr in ch:
                if rr.tag == _w("sz"):
                    d["sz"] = _int(rr.get(W_VAL))
                elif rr.tag == W_B:
                    d["b"] = _on(rr)
    return d


def _style_ppr(ppr, d: dict) -> None:
    """A style's paragraph properties into its dict ``d``."""
    for pp in ppr:
        if pp.tag == W_OUTLINE:
            d["outline"] = _int(pp.get(W_VAL))
        elif pp.tag == W_NUMPR:
            for n in pp:
                if n.tag == W_NUMID:
                    d["num_id"] = n.get(W_VAL)
                elif n.tag == W_ILVL:
                    d["ilvl"] = _int(n.get(W_VAL), 0)
        elif pp.tag == W_PBB:
            d["pbb"] = _on(pp)
        elif pp.tag == _w("spacing") and pp.get(_w("line")):
            d["line"] = _int(pp.get(_w("line")))
            d["rule"] = pp.get(_w("lineRule"), "auto")


#: style names (lower case) that give a paragraph its role
_ROLE_NAMES = {"title": "title", "标题": "title", "subtitle": "subtitle", "副标题": "subtitle",
               "caption": "caption", "题注": "caption"}


def _chain_level(si: _StyleInfo, chain: list[dict]) -> None:
    """The outline level of the first style in ``chain`` (the style, then
    what it is based on) named Heading n or with an outline level."""
    for d in chain:
        m = _HEADING_NAME.match(d["name"].lower())
        if m:
            si.level = int(m.group(1))
            return
        if d["outline"] is not None:
            si.level = d["outline"] + 1 if 0 <= d["outline"] < 9 else None
            return


def _chain_role(si: _StyleInfo, chain: list[dict]) -> None:
    """Title, subtitle, caption or table of contents, from the first style
    in ``chain`` whose name says one."""
    for d in chain:
        name = d["name"].lower()
        if name in _ROLE_NAMES:
            si.role = _ROLE_NAMES[name]
            return
        if _TOC_NAME.match(name):
            si.toc = True
            return


def _chain_numbering(si: _StyleInfo, chain: list[dict]) -> None:
    """numId of the first style in ``chain`` that has one, and the first
    ilvl up to it."""
    for d in chain:
        if si.ilvl is None and d["ilvl"] is not None:
            si.ilvl = d["ilvl"]
        if d["num_id"] is not None:
            si.num_id = d["num_id"]
            return


def _chain_format(si: _StyleInfo, chain: list[dict]) -> None:
    """Page break before, font size (pt) and bold: each from the first style
    in ``chain`` that sets it."""
    si.break_before = next((d["pbb"] for d in chain if d["pbb"] is not None), si.break_before)
    sz = next((d["sz"] for d in chain if d["sz"]), None)
    if sz:
        si.font_pt = sz / 2
    si.bold = next((d["b"] for d in chain if d["b"] is not None), si.bold)


# --------------------------------------------------------------------------
# the walker
# --------------------------------------------------------------------------
class _Para:
    """What one w:p holds."""
    __slots__ = ("text", "style", "num_id", "ilvl", "outline", "label", "fmt", "textboxes",
                 "br_before", "br_after", "rbr_before", "rbr_after", "toc", "image_pt", "sect",
                 "bold", "large", "emph_chars", "plain_chars", "pictures")

    def __init__(self) -> None:
        self.text = ""
        self.style: _StyleInfo | None = None
        self.num_id = None
        self.ilvl = None
        self.outline = None
        self.label: str | None = None
        self.fmt: str | None = None
        self.textboxes: list = []
        self.br_before = self.br_after = 0     # explicit page breaks
        self.rbr_before = self.rbr_after = 0   # breaks at Word's last layout
        self.toc = False
        self.image_pt = 0.0
        self.sect = False
        self.bold = self.large = False         # the paragraph style's
        self.emph_chars = self.plain_chars = 0  # characters in bold/large runs, in others
        self.pictures = 0

    @property
    def emphasised(self) -> bool:
        """Set apart by its type: (nearly) all its characters bold or large."""
        return self.emph_chars > 0 and self.plain_chars <= 0.1 * (self.emph_chars + self.plain_chars)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_MULTI_NL = re.compile(r"\n{2,}")


def _units(text: str) -> float:
    """Width of a text in full-width character units."""
    wide = len(_CJK.findall(text))
    return wide + (len(text) - wide) * 0.5


class _Walker:
    def __init__(self, docx_doc, doc: Document) -> None:
        self.doc = doc
        self.part = docx_doc.part
        self.numbering = _Numbering(self._related_root("numbering"))
        self.styles = _Styles(self._related_root("styles"), self.numbering)
        self.assigner = LevelAssigner()
        self.lists: set = set()    # w:p elements that are list items
        self.pictures = 0          # paragraphs that hold a picture
        self.depth = 0             # .docx altChunks inside altChunks
        self._typed_run = None     # typed list being read: (style, assigner state before it, last item)
        self.ref = ""
        # page layout estimate
        self.rendered = 0          # lastRenderedPageBreak count (outside text boxes)
        self.explicit = 0
        self.page = 1              # page by explicit breaks + line count
        self.rpage = 1             # page by rendered breaks
        self.lines = 0.0
        self._last_rstart = 1
        self._layout_setup(docx_doc)

    # -- package helpers ------------------------------------------------------
    def _related_root(self, kind: str):
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        rt = {"numbering": RT.NUMBERING, "styles": RT.STYLES}[kind]
        try:
            part = self.part.part_related_by(rt)
        except (KeyError, ValueError):
            return None
        el = getattr(part, "element", None)
        if el is None:
            blob = getattr(part, "blob", None)
            if not blob:
                return None
            from lxml import etree
            el = etree.fromstring(blob)
        return el

    def _layout_setup(self, docx_doc) -> None:
        body = docx_doc.element.body
        sect = body.find(W_SECTPR)
        w, h = 11906, 16838
        top = bottom = 1440
        left = right = 1800
        pitch = None
        if sect is not None:
            for ch in sect:
                if ch.tag == _w("pgSz"):
                    w = _int(ch.get(_w("w")), w)
                    h = _int(ch.get(_w("h")), h)
                elif ch.tag == _w("pgMar"):
                    top = abs(_int(ch.get(_w("top")), top))
                    bottom = abs(_int(ch.get(_w("bottom")), bottom))
                    left = _int(ch.get(_w("left")), left)
                    right = _int(ch.get(_w("right")), right)
                elif ch.tag == _w("docGrid") and ch.get(W_TYPE) in ("lines", "linesAndChars", "snapToChars"):
                    pitch = _int(ch.get(_w("linePitch")))
        font_pt, factor = self.styles.body_metrics()
        self.body_pt = font_pt
        width_pt = max(100.0, (w - left - right) / 20)
        height_pt = max(100.0, (h - top - bottom) / 20)
        single = (pitch / 20) if pitch else font_pt * 1.3
        self.line_pt = max(6.0, single * factor)
        self.cpl = max(8.0, width_pt / font_pt)              # characters per line
        self.lpp = max(5.0, height_pt / self.line_pt)        # lines per page

    # -- paragraphs -----------------------------------------------------------
    def para(self, p, *, count: bool = True) -> _Para:
        """Read one w:p: text, style, numbering label, text boxes, breaks,
        emphasis (bold or large type)."""
        info = _Para()
        pbb = self._props(p, info)
        st = info.style
        if pbb is None:
            pbb = st.break_before
        if pbb:
            info.br_before += 1
        if info.num_id is not None:
            got = self.numbering.label(info.num_id, info.ilvl, advance=count)
            if got:
                info.label, info.fmt = got
        parts: list[str] = []
        self._inline(p, parts, info)
        text = "".join(parts)
        if "\n" in text:
            text = _MULTI_NL.sub("\n", "\n".join(line.strip() for line in text.split("\n")))
        info.text = text.strip()
        if count:
            self.pictures += info.pictures
        return info

    def numbered_paragraphs(self, body) -> list:
        """The w:p elements under ``body``, in document order, that have a
        numPr or a paragraph style that numbers (one XPath query)."""
        if not self.numbering.nums:
            return []
        styles = self.styles.numbering_styles()
        if self.styles.default_para in styles:
            return list(body.iter(W_P))
        return _NUMBERED_P(body, ids=" " + " ".join(sorted(sid for sid in styles if " " not in sid)) + " ")

    def para_props(self, p) -> _Para:
        """Style, outline level and numbering of one w:p, without its text."""
        info = _Para()
        self._props(p, info)
        return info

    def _props(self, p, info: _Para) -> bool | None:
        """Paragraph properties into ``info``: style, outline level, numbering
        (the paragraph's numPr, else its style's; numId 0 = none).  Returns
        the paragraph's own pageBreakBefore (None when not set)."""
        ppr = p.find(W_PPR)
        pstyle = None
        pbb = None
        if ppr is not None:
            for ch in ppr:
                tag = ch.tag
                if tag == W_PSTYLE:
                    pstyle = ch.get(W_VAL)
                elif tag == W_NUMPR:
                    for n in ch:
                        if n.tag == W_NUMID:
                            info.num_id = n.get(W_VAL)
                        elif n.tag == W_ILVL:
                            info.ilvl = _int(n.get(W_VAL), 0)
                elif tag == W_OUTLINE:
                    info.outline = _int(ch.get(W_VAL))
                elif tag == W_PBB:
                    pbb = _on(ch)
                elif tag == W_SECTPR:
                    info.sect = True
        st = self.styles.info(pstyle)
        info.style = st
        info.toc = st.toc
        info.bold = st.bold
        info.large = bool(st.font_pt and st.font_pt > self.body_pt * 1.1)
        num_id = info.num_id if info.num_id is not None else st.num_id
        if num_id is not None and num_id != "0":
            info.num_id = num_id
            if info.ilvl is None:
                info.ilvl = st.ilvl if st.ilvl is not None else 0
        else:
            info.num_id = None
        return pbb

    def _inline(self, el, parts: list[str], info: _Para) -> None:
        for ch in el:
            tag = ch.tag
            if tag == W_R:
                self._run(ch, parts, info)
            elif tag in _INLINE_CONTAINERS:
                if tag == W_HYPERLINK and (ch.get(W_ANCHOR) or "").startswith("_Toc"):
                    info.toc = True
                self._inline(ch, parts, info)
            elif tag == W_SDT:
                content = ch.find(W_SDTCONTENT)
                if content is not None:
                    self._inline(content, parts, info)
            elif tag == MC_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self._inline(branch, parts, info)
            elif tag == M_OMATHPARA or tag == M_OMATH:
                parts.append("".join(t.text or "" for t in ch.iter(M_T)))
            elif tag in _INLINE_SKIPPED:
                continue

    def _run(self, r, parts: list[str], info: _Para) -> None:
        emph = info.bold or info.large
        for ch in r:
            tag = ch.tag
            if tag == W_T:
                _run_text(ch.text, parts, info, emph)
            elif tag == W_RPR:
                if _on(ch.find(W_VANISH)):
                    return
                emph = self._emphasis(ch, info)
            elif tag == W_DRAWING or tag == W_PICT or tag == W_OBJECT:
                self._graphic(ch, info)
            elif tag == MC_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self._run(branch, parts, info)
            elif tag == W_RUBY:
                base = ch.find(W_RUBYBASE)
                if base is not None:
                    self._inline(base, parts, info)
            else:
                _run_mark(ch, parts, info)

    def _emphasis(self, rpr, info: _Para) -> bool:
        """Is a run set bold or larger than the body text (its own rPr over
        its paragraph style's)?"""
        b = rpr.find(W_B)
        bold = _on(b) if b is not None else info.bold
        sz = rpr.find(W_SZ)
        half = _int(sz.get(W_VAL)) if sz is not None else None
        large = half / 2 > self.body_pt * 1.1 if half else info.large
        return bold or large

    def _graphic(self, el, info: _Para) -> None:
        _find_txbx(el, info.textboxes)
        for _ in el.iter(A_BLIP, V_IMAGEDATA):
            info.pictures += 1
            break
        if el.tag == W_DRAWING:
            for ext in el.iter(WP_EXTENT):
                cy = _int(ext.get("cy"))
                if cy:
                    info.image_pt += cy / 12700
                break

    # -- layout estimate ------------------------------------------------------
    def _advance(self, lines: float, br_before: int, br_after: int, rbr_before: int, rbr_after: int) -> int:
        """Account one body element; return its estimated (start) page."""
        if br_before:
            if self.lines > 0:
                self.page += int((self.lines - 1e-9) // self.lpp) + br_before
            else:  # already at the top of a page: one break is absorbed
                self.page += br_before - 1
            self.lines = 0.0
            self.explicit += br_before
        self.rpage += rbr_before
        self.rendered += rbr_before + rbr_after
        start_page = self.page + int(self.lines // self.lpp)
        self._last_rstart = self.rpage
        self.lines += lines
        self.rpage += rbr_after
        if br_after:
            self.page += int((self.lines - 1e-9) // self.lpp) + br_after
            self.lines = 0.0
            self.explicit += br_after
        return start_page

    def _para_lines(self, info: _Para, heading: bool) -> float:
        if not info.text:
            n = 1.0
        else:
            n = sum(max(1, math.ceil((_units(line) + 2) / self.cpl)) for line in info.text.split("\n"))
        if heading:
            n = n * 1.3 + 0.8
        if info.image_pt:
            n += info.image_pt / self.line_pt
        return n

    def _table_lines(self, block: Block) -> float:
        cols = max(1, block.n_cols)
        cell_cpl = max(2.0, self.cpl / cols - 1)
        total = 0.0
        for row in block.rows or []:
            h = 1
            for c in row:
                if c.is_origin and c.text:
                    h = max(h, sum(math.ceil(_units(t) / (cell_cpl * c.colspan) or 1) for t in c.text.split("\n")))
            total += h * 0.85 + 0.25
        return total

    # -- body -----------------------------------------------------------------
    def walk_body(self, body, prefix: str = "body") -> None:
        self.lists = list_paragraphs(self, body)
        for i, el in enumerate(body):
            self.ref = f"{prefix}/{i}"
            self._block_level(el, toc=False)

    # -- altChunk: HTML / MHT / text / .docx merged into the body --------------
    def _alt_chunk(self, el) -> None:
        rid = el.get(R_ID)
        part = self.part.related_parts.get(rid) if rid else None
        if part is None:
            self.doc.warnings.append(f"{self.ref}: 嵌入内容缺失 / altChunk {rid!r} has no part")
            return
        try:
            kind, payload = chunk_content(getattr(part, "content_type", ""), part.blob)
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception as e:  # undecodable or malformed: the rest of the document still counts
            self.doc.warnings.append(f"{self.ref}: 嵌入内容无法读取 / altChunk cannot be read "
                                     f"({type(e).__name__}: {e})")
            return
        if kind == DOCX:
            self._alt_docx(payload)
        elif kind in (HTML, TEXT):
            blocks = (html_blocks(payload, self.assigner, ref=self.ref, page=None) if kind == HTML else
                      [classify_line(s, self.assigner, ref=self.ref, page=None)
                       for s in (line.strip() for line in payload.splitlines()) if s])
            base = len(self.doc.blocks)
            for b in blocks:
                if "nested_in" in b.meta:
                    b.meta["nested_in"] += base
                b.meta["alt_chunk"] = kind
                lines = self._table_lines(b) if b.kind == TABLE else self._text_lines(b.text, b.kind == HEADING)
                self._emit(b, self._advance(lines, 0, 0, 0, 0))
        else:
            self.doc.warnings.append(f"{self.ref}: 嵌入内容（{kind}）未读取 / embedded {kind} content "
                                     f"(altChunk, {getattr(part, 'content_type', '?')}) was not read")

    def _alt_docx(self, blob: bytes) -> None:
        """A whole .docx merged into the body: walked with its own styles and
        numbering, into this document, continuing its page estimate."""
        import io
        import docx
        if self.depth >= 3:
            self.doc.warnings.append(f"{self.ref}: .docx altChunk nested too deep, not read")
            return
        try:
            inner = docx.Document(io.BytesIO(blob))
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception as e:  # a broken embedded package must not lose the rest
            self.doc.warnings.append(f"{self.ref}: 嵌入的 Word 内容无法读取 / embedded .docx (altChunk) "
                                     f"cannot be read: {type(e).__name__}")
            return
        sub = _Walker(inner, self.doc)
        sub.depth = self.depth + 1
        sub.assigner = self.assigner
        sub.page, sub.rpage, sub.lines, sub._last_rstart = self.page, self.rpage, self.lines, self._last_rstart
        sub.walk_body(inner.element.body, prefix=f"{self.ref}/altChunk")
        self.page, self.lines, self.rpage = sub.page, sub.lines, sub.rpage
        self.rendered += sub.rendered
        self.explicit += sub.explicit
        self.pictures += sub.pictures

    def _text_lines(self, text: str, heading: bool) -> float:
        n = sum(max(1, math.ceil((_units(line) + 2) / self.cpl)) for line in text.split("\n"))
        return n * 1.3 + 0.8 if heading else n

    def _block_level(self, el, *, toc: bool, textbox: bool = False) -> None:
        tag = el.tag
        if tag == W_P:
            self._body_para(el, toc=toc, textbox=textbox)
        elif tag == W_TBL:
            self._body_table(el, textbox=textbox)
        elif tag == W_SDT:
            toc = toc or _sdt_is_toc(el)
            content = el.find(W_SDTCONTENT)
            if content is not None:
                for ch in content:
                    self._block_level(ch, toc=toc, textbox=textbox)
        elif tag == W_CUSTOMXML or tag == W_INS or tag == W_MOVETO:
            for ch in el:
                self._block_level(ch, toc=toc, textbox=textbox)
        elif tag == MC_ALT:
            branch = _alt_branch(el)
            if branch is not None:
                for ch in branch:
                    self._block_level(ch, toc=toc, textbox=textbox)
        elif tag == W_ALTCHUNK:
            self._alt_chunk(el)

    def _emit(self, block: Block, page: int) -> Block:
        block.meta["page_est"] = page
        block.meta["_rpage"] = self._last_rstart
        self.doc.add(block)
        return block

    def _body_para(self, p, *, toc: bool, textbox: bool) -> None:
        info = self.para(p)
        before = (dict(self.assigner.levels), self.assigner.last_level)
        block = self._para_block(info, toc=toc or info.toc, textbox=textbox, listed=p in self.lists)
        if block is not None and not textbox:
            self._typed_list(block, info, before)
        if textbox:
            page = self.page + int(self.lines // self.lpp)
            self._last_rstart = self.rpage
        else:
            page = self._advance(self._para_lines(info, block is not None and block.kind == HEADING),
                                 info.br_before, info.br_after + (1 if info.sect and self._sect_breaks(p) else 0),
                                 info.rbr_before, info.rbr_after)
        if block is not None:
            if textbox:
                block.meta["textbox"] = True
            self._emit(block, page)
        for tx in info.textboxes:
            for ch in tx:
                self._block_level(ch, toc=False, textbox=True)

    def _typed_list(self, block: Block, info: _Para, before: tuple) -> None:
        """Lines typed as 1. / (1) / ① (no Word numbering) that follow one
        another, of one style and in plain type, are a list: the second one
        turns itself and the first into list items and undoes what they told
        the level assigner (``before``: its state before the line)."""
        style = block.meta.get("style")
        typed = (block.kind == HEADING and style in word_list_rules().typed_list_styles
                 and "level_source" not in block.meta and "numbering" not in block.meta and not info.emphasised)
        run = self._typed_run
        if not typed:
            self._typed_run = None
            return
        if run is None or run[0] != style or not self.doc.blocks or self.doc.blocks[-1] is not run[2]:
            self._typed_run = (style, before, block)
            return
        self.assigner.levels, self.assigner.last_level = dict(run[1][0]), run[1][1]
        for b in (run[2], block):
            if b.kind == HEADING:
                b.kind, b.text, b.title, b.level, b.list_item = PARAGRAPH, b.title, None, 1, True
                b.meta.pop("style", None)
                b.meta["numbering"] = "typed"
        self._typed_run = (style, run[1], block)

    def _sect_breaks(self, p) -> bool:
        """Does the section that ends at this paragraph end with a page break?
        (The next section's w:type decides; default nextPage.)"""
        nxt = p.getnext()
        while nxt is not None:
            if nxt.tag == W_SECTPR:
                break
            if nxt.tag == W_P:
                ppr = nxt.find(W_PPR)
                s = ppr.find(W_SECTPR) if ppr is not None else None
                if s is not None:
                    nxt = s
                    break
            nxt = nxt.getnext()
        if nxt is None or nxt.tag != W_SECTPR:
            return False
        t = nxt.find(W_TYPE)
        return t is None or t.get(W_VAL, "nextPage") != "continuous"

    def _para_block(self, info: _Para, *, toc: bool, textbox: bool, listed: bool = False) -> Block | None:
        """The block for one paragraph (None when it has no text).  ``listed``:
        the paragraph is an item of a list level judged a list
        (:func:`ingest.docx_lists.list_paragraphs`)."""
        text = info.text
        label = info.label or ""
        kw = {"ref": self.ref, "page": None}
        st = info.style
        if not text:
            return None
        flat = text.replace("\n", "" if _CJK.search(text) else " ")
        if toc:
            return self._toc_block(flat, text, label, kw)
        level, source = _outline_level(info, flat)
        if level is not None:
            return self._styled_heading(flat, label, min(level, 9), st, source, **kw)
        if st is not None and st.role in ("title", "subtitle"):
            return self._title_block(flat, text, label, st, kw)
        if label or (listed and info.num_id is not None):
            return self._numbered_block(info, flat, listed=listed, textbox=textbox, **kw)
        if textbox or "\n" in text:
            return self._lines_block(flat, text, textbox, kw)
        b = classify_line(text, self.assigner, **kw)
        if st is not None and st.role == "caption" and b.kind == PARAGRAPH:
            b.meta["word_style"] = st.name
        return b

    def _toc_block(self, flat: str, text: str, label: str, kw: dict) -> Block:
        """A table-of-contents entry (a paragraph marked ``toc``), or the 目录 heading itself."""
        hm = match_heading(flat)
        if hm is not None and hm.style == "front":  # the 目录 heading itself
            return classify_line(flat, self.assigner, **kw)
        full = f"{label}{_sep(label, text)}{text}" if label else text
        return Block(kind=PARAGRAPH, text=full, meta={"toc": True}, **kw)

    def _title_block(self, flat: str, text: str, label: str, st: _StyleInfo, kw: dict) -> Block:
        """A paragraph in a Title or Subtitle style: a front-matter heading
        when it reads as one, else a paragraph with its role."""
        b = classify_line(flat, self.assigner, **kw) if not label else None
        if b is not None and b.kind == HEADING and b.meta.get("style") == "front":
            b.meta["word_style"] = st.name
            return b
        return Block(kind=PARAGRAPH, text=f"{label}{_sep(label, text)}{text}" if label else text,
                     meta={"role": st.role, "word_style": st.name}, **kw)

    def _lines_block(self, flat: str, text: str, textbox: bool, kw: dict) -> Block:
        """A paragraph in a text box or of several lines: a caption, a short
        heading, else a paragraph keeping its line breaks."""
        cm = match_caption(flat)
        if cm:
            return classify_line(flat, self.assigner, **kw)
        if textbox:
            return Block(kind=PARAGRAPH, text=text, **kw)
        if len(flat) > 60:
            return Block(kind=PARAGRAPH, text=text, **kw)
        b = classify_line(flat, self.assigner, **kw)
        return b if b.kind != PARAGRAPH else Block(kind=PARAGRAPH, text=text, **kw)

    def _numbered_block(self, info: _Para, flat: str, *, listed: bool, textbox: bool, **kw) -> Block:
        """A paragraph numbered by Word (no heading style or outline level):
        a caption (表1 …), a heading when its list is not judged a list and
        it reads as one, else a list item."""
        label = info.label or ""
        if label:
            full = f"{label}{_sep(label, flat)}{flat}"
            cm = match_caption(full)
            if cm or not (listed or textbox):
                b = classify_line(full, self.assigner, **kw)
                if b.kind == CAPTION or (b.kind == HEADING and not textbox):
                    if b.kind == HEADING:
                        b.number, b.title = label, flat
                    b.meta["numbering"] = "auto"
                    return b
        return Block(kind=PARAGRAPH, text=info.text, number=label or None, level=(info.ilvl or 0) + 1,
                     list_item=True, meta={"numbering": "auto", "list_format": info.fmt}, **kw)

    def _styled_heading(self, text: str, label: str, level: int, st: _StyleInfo | None, source: str,
                        **kw) -> Block:
        meta = {"word_style": st.name if st else None, "level_source": source}
        if label:
            full = f"{label}{_sep(label, text)}{text}"
            hm = match_heading(full, numbered_only=True)
            if hm is not None:
                self.assigner.observe(hm.style, level)
            else:
                self.assigner.observe("word_auto", level)
            meta["numbering"] = "auto"
            return Block(kind=HEADING, text=full, level=level, number=label, title=text, meta=meta, **kw)
        hm = match_heading(text)
        if hm is not None:
            self.assigner.observe(hm.style, level)
            if hm.style != "front":
                meta["style"] = hm.style
            return Block(kind=HEADING, text=text, level=level, number=hm.number, title=hm.title, meta=meta, **kw)
        self.assigner.observe("word_style", level)
        return Block(kind=HEADING, text=text, level=level, number=None, title=text, meta=meta, **kw)

    # -- tables ---------------------------------------------------------------
    def _body_table(self, tbl, *, textbox: bool) -> None:
        block, nested, rbr = self.table(tbl)
        if block is None:
            return
        if textbox:
            page = self.page + int(self.lines // self.lpp)
            self._last_rstart = self.rpage
            block.meta["textbox"] = True
        else:
            page = self._advance(self._table_lines(block), 0, 0, 0, rbr)
        self._emit_table(block, nested, page)

    def _emit_table(self, block: Block, nested: list, page: int) -> None:
        self._emit(block, page)
        parent = len(self.doc.blocks) - 1
        for child, grandchildren in nested:
            child.meta["nested_in"] = parent
            child.ref = self.ref
            self._emit_table(child, grandchildren, page)

    def table(self, tbl, depth: int = 0):
        """Read one w:tbl → (table block, [(nested block, its nested)…],
        rendered page breaks inside it)."""
        rows_el = list(_iter_rows(tbl))
        grid = _Grid()
        nested: list = []
        rbr = 0
        for tr in rows_el:
            before, after, is_header = _row_props(tr)
            grid.start_row(before, is_header)
            row_rbr = 0
            for tc in _iter_cells(tr):
                span, vmerge, hmerge = _cell_props(tc)
                text, cell_nested, cell_rbr = self._cell(tc, depth)
                row_rbr = max(row_rbr, cell_rbr)
                nested.extend(cell_nested)
                grid.add_cell(text, span, vmerge, hmerge)
            grid.end_row(after)
            rbr += row_rbr
        block = grid.block(self.ref)
        if block is None:
            return None, [], 0
        if depth:
            block.meta["nested"] = True
        return block, nested, rbr

    def _cell(self, tc, depth: int):
        parts: list[str] = []
        nested: list = []
        rbr = 0

        def walk(container):
            nonlocal rbr
            for ch in container:
                tag = ch.tag
                if tag == W_P:
                    info = self.para(ch)
                    rbr += info.rbr_before + info.rbr_after
                    if info.text or info.label:
                        label = info.label or ""
                        parts.append(f"{label}{_sep(label, info.text)}{info.text}" if label and info.text
                                     else (label or info.text))
                    for tx in info.textboxes:
                        walk(tx)
                elif tag == W_TBL:
                    block, sub, _ = self.table(ch, depth + 1)
                    if block is not None:
                        parts.append(_table_as_text(block))
                        nested.append((block, sub))
                elif tag in (W_SDT,):
                    content = ch.find(W_SDTCONTENT)
                    if content is not None:
                        walk(content)
                elif tag in (W_CUSTOMXML, W_INS, W_MOVETO):
                    walk(ch)
                elif tag == MC_ALT:
                    branch = _alt_branch(ch)
                    if branch is not None:
                        walk(branch)

        walk(tc)
        return "\n".join(p for p in parts if p), nested, rbr

    # -- headers and footers -------------------------------------------------
    def headers_footers(self, body) -> tuple[list[str], list[str]]:
        heads: list[str] = []
        foots: list[str] = []
        seen: set[str] = set()
        for sect in body.iter(W_SECTPR):
            for ref in sect:
                if ref.tag not in (W_HEADERREF, W_FOOTERREF):
                    continue
                rid = ref.get(R_ID)
                if not rid or rid in seen:
                    continue
                seen.add(rid)
                try:
                    part = self.part.related_parts[rid]
                except KeyError:
                    continue
                root = getattr(part, "element", None)
                if root is None:
                    continue
                lines = []
                for p in root.iter(W_P):
                    t = self.para(p, count=False).text
                    if t:
                        lines.append(t)
                text = "\n".join(lines).strip()
                target = heads if ref.tag == W_HEADERREF else foots
                if text and text not in target:
                    target.append(text)
        return heads, foots

    # -- pages ----------------------------------------------------------------
    def pages(self) -> list[PageInfo]:
        if self.rendered:
            n = self.rpage
            source = "lastRenderedPageBreak"
        else:
            n = self.page + int(max(self.lines - 1e-9, 0) // self.lpp)
            source = "breaks+lines" if self.explicit else "lines"
        n = max(1, n)
        chars = [0] * (n + 1)
        for b in self.doc.blocks:
            rpage = b.meta.pop("_rpage", None)
            pg = rpage if self.rendered else b.meta.get("page_est")
            pg = min(max(1, pg or 1), n)
            b.meta["page_est"] = pg
            if b.kind == TABLE:
                chars[pg] += sum(len(c.text) for r in b.rows or [] for c in r)
            else:
                chars[pg] += len(b.text)
        self.doc.metadata["page_source"] = source
        return [PageInfo(number=i, chars=chars[i], status=PAGE_OK if chars[i] else PAGE_EMPTY,
                         note="estimated") for i in range(1, n + 1)]


# --------------------------------------------------------------------------
# table grids
# --------------------------------------------------------------------------
def _row_props(tr) -> tuple[int, int, bool]:
    """(grid columns skipped before the row, after it, is a header row) of a w:tr."""
    trpr = tr.find(W_TRPR)
    before = after = 0
    is_header = False
    if trpr is not None:
        for ch in trpr:
            if ch.tag == W_GRIDBEFORE:
                before = _int(ch.get(W_VAL), 0)
            elif ch.tag == W_GRIDAFTER:
                after = _int(ch.get(W_VAL), 0)
            elif ch.tag == W_TBLHEADER:
                is_header = _on(ch)
    return before, after, is_header


def _cell_props(tc) -> tuple[int, str | None, str | None]:
    """(grid columns spanned, vMerge, hMerge) of a w:tc (a merge value is
    ``restart`` or ``continue``; None when the cell is not merged that way)."""
    span = 1
    vmerge = hmerge = None
    tcpr = tc.find(W_TCPR)
    if tcpr is not None:
        for ch in tcpr:
            if ch.tag == W_GRIDSPAN:
                span = max(1, _int(ch.get(W_VAL), 1))
            elif ch.tag == W_VMERGE:
                vmerge = ch.get(W_VAL, "continue")
            elif ch.tag == W_HMERGE:
                hmerge = ch.get(W_VAL, "continue")
    return span, vmerge, hmerge


class _Grid:
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


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------
def _outline_level(info: _Para, flat: str) -> tuple[int | None, str]:
    """(outline level 1–9 or None, "outline" or "style"): the paragraph's
    own outline level, else its style's; none for a title or for body text
    over 80 characters in a heading style."""
    st = info.style
    level = None
    source = "style"
    if info.outline is not None and 0 <= info.outline < 9:
        level, source = info.outline + 1, "outline"
    else:
        level = st.level if st is not None else None
    if st is not None and st.role == "title":
        level = None
    if level is not None and len(flat) > 80:
        level = None  # a heading style on body text
    return level, source


def _run_text(text: str | None, parts: list[str], info: _Para, emph: bool) -> None:
    """A w:t's text into ``parts``, its characters counted as emphasised or plain."""
    if text:
        parts.append(text)
        if emph:
            info.emph_chars += len(text)
        else:
            info.plain_chars += len(text)


def _run_mark(ch, parts: list[str], info: _Para) -> None:
    """Tabs, breaks, symbols and non-breaking hyphens of a run into
    ``parts``; page breaks (explicit and Word's rendered ones) counted in
    ``info`` as before or after the paragraph's text."""
    tag = ch.tag
    if tag == W_TAB or tag == W_PTAB:
        parts.append(" ")
    elif tag == W_BR:
        kind = ch.get(W_TYPE)
        if kind == "page":
            if any(s.strip() for s in parts):
                info.br_after += 1
            else:
                info.br_before += 1
        elif kind == "column":
            parts.append(" ")
        else:
            parts.append("\n")
    elif tag == W_CR:
        parts.append("\n")
    elif tag == W_LRPB:
        if any(s.strip() for s in parts):
            info.rbr_after += 1
        else:
            info.rbr_before += 1
    elif tag == W_SYM:
        code = _int_hex(ch.get(W_CHAR))
        if code is not None:
            if 0xF020 <= code <= 0xF0FF:
                code -= 0xF000
            parts.append(chr(code))
    elif tag == W_NBH:
        parts.append("-")


def _int_hex(v):
    try:
        return int(v, 16)
    except (TypeError, ValueError):
        return None


def _sep(label: str, text: str) -> str:
    """Separator between a numbering label and the text where both are shown
    together (headings, table cells): none before CJK, a space between two
    ASCII words and before a figure, so that "1." + "12个" never reads as
    1.12."""
    if not (label and text):
        return ""
    if text[0].isdigit() or (label[-1].isascii() and label[-1].isalnum() and text[0].isascii() and text[0].isalnum()):
        return " "
    return ""


def _alt_branch(alt):
    """One branch of mc:AlternateContent: the first Choice, else Fallback."""
    fallback = None
    for ch in alt:
        if ch.tag == MC_CHOICE:
            return ch
        if ch.tag == MC_FALLBACK:
            fallback = ch
    return fallback


def _find_txbx(el, out: list) -> None:
    for ch in el:
        tag = ch.tag
        if tag == W_TXBX:
            out.append(ch)
        elif tag == MC_ALT:
            branch = _alt_branch(ch)
            if branch is not None:
                _find_txbx(branch, out)
        elif isinstance(tag, str):
            _find_txbx(ch, out)


def _sdt_is_toc(sdt) -> bool:
    pr = sdt.find(W_SDTPR)
    if pr is None:
        return False
    for g in pr.iter(_w("docPartGallery")):
        if "table of contents" in (g.get(W_VAL) or "").lower():
            return True
    return False


def _iter_rows(tbl):
    for ch in tbl:
        tag = ch.tag
        if tag == W_TR:
            trpr = ch.find(W_TRPR)
            if trpr is not None and trpr.find(W_DEL) is not None:
                continue  # a tracked deleted row
            yield ch
        elif tag == W_SDT:
            content = ch.find(W_SDTCONTENT)
            if content is not None:
                yield from _iter_rows(content)
        elif tag in (W_CUSTOMXML, W_INS, W_MOVETO):
            yield from _iter_rows(ch)


def _iter_cells(tr):
    for ch in tr:
        tag = ch.tag
        if tag == W_TC:
            yield ch
        elif tag == W_SDT:
            content = ch.find(W_SDTCONTENT)
            if content is not None:
                yield from _iter_cells(content)
        elif tag in (W_CUSTOMXML, W_INS, W_MOVETO):
            yield from _iter_cells(ch)


def _table_as_text(block: Block) -> str:
    lines = []
    for row in block.grid():
        cells = [c.replace("\n", " ") for c in row if c]
        if cells:
            lines.append(" / ".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------
def parse_docx(path) -> Document:
    """Parse a .docx file into a :class:`Document` (not yet finalized:
    :func:`ingest.parse` attaches captions and finalizes)."""
    p = Path(path)
    try:
        return _parse(p)
    except (IngestError, MemoryError):   # a MemoryError is the worker's: ``memory``, never ``truncated``
        raise
    except zipfile.BadZipFile as e:
        raise errors.truncated("Word", f"the ZIP container cannot be opened: {e}") from None
    except (zlib.error, EOFError) as e:
        raise errors.truncated("Word", f"a compressed part cannot be read: {e}") from None
    except KeyError as e:
        raise errors.truncated("Word", f"a part is missing: {e}") from None
    except Exception as e:  # lxml XMLSyntaxError (safety limits too), python-docx errors, I/O, anything else
        from lxml import etree
        detail = f"XML parse error: {e}" if isinstance(e, etree.XMLSyntaxError) else ""
        raise errors.read_failure(e, "Word", detail) from None


def _parse(p: Path) -> Document:
    d = _open_package(p)
    doc = Document(path=str(p), format="docx", parser="python-docx")
    body = d.element.body
    walker = _Walker(d, doc)
    walker.walk_body(body)
    heads, foots = walker.headers_footers(body)
    if heads:
        doc.metadata["headers"] = heads
    if foots:
        doc.metadata["footers"] = foots
    doc.pages = walker.pages()
    doc.metadata["page_estimate"] = True
    titles = [b.text for b in doc.blocks if b.meta.get("role") == "title"]
    if titles:
        doc.metadata["title"] = titles[0]
    _core_properties(doc, d)
    _picture_only(doc, walker.pictures)
    if not doc.blocks:
        doc.warnings.append("正文没有文字 / no text found in the Word body")
    return doc


def _open_package(p: Path):
    """The python-docx Document of ``p``; IngestError ``truncated`` for a
    broken package, ``unsupported`` for Strict Open XML."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    names, head = _document_head(p)
    if b"purl.oclc.org/ooxml/wordprocessingml" in head:
        raise IngestError("unsupported",
                          "Strict Open XML 格式的 Word 文件，请另存为普通 .docx / "
                          "a Strict Open XML Word file: save it as a standard .docx")
    try:
        d = docx.Document(str(p))
    except PackageNotFoundError as e:
        raise errors.truncated("Word", f"not a Word package: {e}") from None
    except (KeyError, ValueError) as e:
        if "word/document.xml" not in names:
            raise errors.truncated("Word", "word/document.xml is missing") from None
        raise errors.truncated("Word", f"{type(e).__name__}: {e}") from None
    if d.element.body is None:
        raise errors.truncated("Word", "the document has no body")
    return d


def _document_head(p: Path) -> tuple[set[str], bytes]:
    """(part names in the ZIP, first 4 KB of word/document.xml or b"")."""
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            head = b""
            if "word/document.xml" in names:
                with z.open("word/document.xml") as f:
                    head = f.read(4096)
    except zipfile.BadZipFile as e:
        raise errors.truncated("Word", f"the ZIP container cannot be opened: {e}") from None
    except OSError as e:
        raise errors.read_failure(e, "Word", f"cannot read the file: {e}") from None
    return names, head


def _core_properties(doc: Document, d) -> None:
    """Title, author, created and modified of docProps/core.xml into
    ``metadata["core"]`` (skipped when core.xml is unreadable)."""
    try:
        cp = d.core_properties
        core = {k: v for k, v in (("title", cp.title), ("author", cp.author),
                                  ("created", cp.created.isoformat() if cp.created else None),
                                  ("modified", cp.modified.isoformat() if cp.modified else None)) if v}
        if core:
            doc.metadata["core"] = core
    except MemoryError:   # the worker's to handle: the file fails with ``memory``
        raise
    except Exception:  # core.xml is optional and sometimes malformed
        pass


def _picture_only(doc: Document, pictures: int) -> None:
    """A document of pictures with (almost) no text — a scanned report
    pasted into Word — needs OCR: fewer than 50 characters per picture,
    200 at most, is not a text layer."""
    if not pictures:
        return
    chars = sum(len(c.text) for b in doc.blocks for row in (b.rows or []) for c in row) + \
        sum(len(b.text) for b in doc.blocks if b.kind != TABLE)
    if chars < min(200, 50 * pictures):
        doc.status = "needs_ocr"
        doc.warnings.append(f"只有图片（{pictures} 张），没有可读的文字，需要OCR / the document is {pictures} "
                            f"picture(s) with {chars} characters of text: it needs OCR")

