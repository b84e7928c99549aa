"""Word's automatic numbering (``numbering.xml``) for the .docx reader:
list counters rendered as Word shows them (:func:`format_number`) and the
running counters of a document (:class:`Numbering`)."""
from __future__ import annotations

import re

from .docx_xml import W_ILVL, W_NUMID, W_PSTYLE, W_VAL, is_on, to_int, w_tag


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
class Level:
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
            if tag == w_tag("start"):
                self.start = to_int(ch.get(W_VAL), 1)
            elif tag == w_tag("numFmt"):
                self.fmt = ch.get(W_VAL) or "decimal"
            elif tag == w_tag("lvlText"):
                self.text = ch.get(W_VAL)
            elif tag == w_tag("lvlRestart"):
                self.restart = to_int(ch.get(W_VAL))
            elif tag == w_tag("isLgl"):
                self.legal = is_on(ch)
            elif tag == W_PSTYLE:
                self.style = ch.get(W_VAL)


class Numbering:
    """Numbering definitions and the running counters of one document."""

    _PLACEHOLDER = re.compile(r"%([1-9])")

    def __init__(self, root) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.abstract_link: dict[str, str] = {}      # abstractNum → numStyleLink style id
        self.style_link: dict[str, str] = {}         # styleLink style id → abstractNum
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, Level]]] = {}
        self.counters: dict[object, list] = {}
        self.style_numid: dict[str, str] = {}        # filled by Styles for numbering styles
        if root is None:
            return
        for el in root:
            if el.tag == w_tag("abstractNum"):
                self._read_abstract(el)
            elif el.tag == w_tag("num"):
                self._read_num(el)

    def _read_abstract(self, el) -> None:
        """A w:abstractNum: its levels and its links to numbering styles."""
        aid = el.get(w_tag("abstractNumId"))
        levels = {}
        for ch in el:
            if ch.tag == w_tag("lvl"):
                levels[to_int(ch.get(W_ILVL), 0)] = Level(ch)
            elif ch.tag == w_tag("numStyleLink"):
                self.abstract_link[aid] = ch.get(W_VAL)
            elif ch.tag == w_tag("styleLink"):
                self.style_link[ch.get(W_VAL)] = aid
        self.abstract[aid] = levels

    def _read_num(self, el) -> None:
        """A w:num: its abstractNum, start overrides and level overrides."""
        nid = el.get(W_NUMID)
        aid = None
        starts: dict[int, int] = {}
        lvl_over: dict[int, Level] = {}
        for ch in el:
            if ch.tag == w_tag("abstractNumId"):
                aid = ch.get(W_VAL)
            elif ch.tag == w_tag("lvlOverride"):
                ilvl = to_int(ch.get(W_ILVL), 0)
                for o in ch:
                    if o.tag == w_tag("startOverride"):
                        starts[ilvl] = to_int(o.get(W_VAL), 1)
                    elif o.tag == w_tag("lvl"):
                        lvl_over[ilvl] = Level(o)
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
            _count(c, ilvl, levels, start)
        if lvl.fmt == "bullet" or lvl.text is None:
            return None, lvl.fmt
        label = self._PLACEHOLDER.sub(lambda m: _level_number(m, c, lvl, levels, start), lvl.text).strip()
        if not any(ch.isalnum() for ch in label):
            return None, lvl.fmt  # numFmt none or punctuation only: nothing to show
        return label, lvl.fmt


def _count(c: list, ilvl: int, levels: dict[int, Level], start) -> None:
    """Advance counter ``ilvl`` of the counters ``c`` (from ``start(ilvl)``
    the first time) and clear the deeper levels that restart after it."""
    c[ilvl] = start(ilvl) if c[ilvl] is None else c[ilvl] + 1
    for k in range(ilvl + 1, 9):
        r = levels[k].restart if k in levels else None
        if r is None or (r != 0 and ilvl < r):
            c[k] = None


def _level_number(m: re.Match, c: list, lvl: Level, levels: dict[int, Level], start) -> str:
    """The number a ``%n`` placeholder of ``lvl``'s text stands for, in level
    n's format (decimal for a legal-style level)."""
    k = int(m.group(1)) - 1
    n = c[k] if c[k] is not None else start(k)
    ref = levels.get(k)
    fmt = ref.fmt if ref else "decimal"
    if lvl.legal and fmt not in ("none",):
        fmt = "decimal"
    return format_number(n, fmt)
