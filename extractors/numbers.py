"""Numbers and units as Chinese reports write them, normalized.

The one place that knows that ``2259.88万元`` is 22,598,800 yuan, ``三百余人``
is about 300 persons, ``20.23∶1`` is a ratio of 20.23 and ``3.2个百分点`` is a
change of 3.2 points (not a percentage).  The units and approximation markers
are data (``rules/units.yaml``); this module only applies them.

>>> from nianbao.extractors.numbers import find_quantities, parse_number, normalize, as_stored
>>> [(q.value, q.canonical_unit, q.approximate) for q in find_quantities("共有教职工三百余人")]
[(300.0, 'persons', True)]
>>> parse_number("1.2万")
(12000.0, False)
>>> normalize(2259.88, "万元")
(22598800.0, 'yuan', 'money')
>>> as_stored(145334.06000000003)
145334.06

API
---
``parse_number(text) -> (value, approximate) | None``
    One number as written (Arabic, full-width, ``1,234``, Chinese numerals,
    ``1.2万``, ``三百余``, ``百分之九十六点二``); None if ``text`` is not exactly
    one number.  Units are not accepted here: use ``find_quantities``.
``find_quantities(text) -> list[Quantity]``
    Every number in a sentence with its unit, normalized, in text order.
    ``Quantity.kind`` is a kind from units.yaml (persons, count, money, area,
    volumes, percent, points, ratio, hours, …) or one of:
    ``"number"`` (an Arabic number without a unit, ``canonical_unit == ""``),
    ``"year"`` (``2023年``, ``2023届``, ``2022-2023学年``; value = first year) and
    ``"date"`` (``2023年9月``, ``9月1日``; value = the year, else the month or
    day).  Dates are reported so that their digits are never read as figures;
    filter on ``kind``.  Chinese numerals are read only with a unit.
``normalize(value, unit) -> (value, canonical_unit, kind) | None``
    One written value and unit (``"万元"``, ``"亩"``, ``"万人"``) to the canonical
    unit; None when units.yaml does not know the unit.
``as_stored(value) -> int | float``
    What the store keeps: int when integral (within 1e-6), else round(v, 4).
``load_units(path=None) -> UnitTable``
    The validated units file (cached); a malformed file raises
    ``extractors.errors.RulesError(path, line, message)``.  The functions
    above take ``table=`` to use another file.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import SafeLoader

from .errors import RulesError

__all__ = ["Quantity", "UnitDef", "UnitTable", "RulesError", "parse_number", "find_quantities",
           "normalize", "as_stored", "load_units", "DEFAULT_UNITS_PATH"]

DEFAULT_UNITS_PATH = RULES_DIR / "units.yaml"


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float            # normalized: yuan, m2, percent 0–100, persons …
    unit: str               # the unit as listed in units.yaml ("万元", "%", ":1"); "" for a bare number
    canonical_unit: str     # yuan / m2 / persons / percent / ratio / … ("" for a bare number)
    kind: str               # persons / money / area / … / number / year / date
    approximate: bool       # 约 / 近 / 余 / 多 / 左右 / 以上 …
    start: int              # offsets in the text, covering marker + number + unit
    end: int
    text: str               # text[start:end]
    is_difference: bool = False   # 个百分点: a change, not a level

    @property
    def stored(self) -> int | float:
        return as_stored(self.value)


@dataclass(frozen=True, slots=True)
class UnitDef:
    unit: str
    kind: str
    canonical: str
    factor: Decimal
    position: str = "after"       # after / before the number
    integer: bool = False
    difference: bool = False
    pattern: str | None = None
    not_before: tuple[str, ...] = ()
    line: int | None = None
    chinese_only: bool = False    # read only after a Chinese numeral (七成, never 8成)


# ---------------------------------------------------------------- characters

_FW_DIGITS = str.maketrans("０１２３４５６７８９．－", "0123456789.-")
_SP = r"[ \t\u3000\xa0]"                     # spaces and tabs, never line breaks
_D = r"[0-9０-９]"
_CND = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"   # Chinese digits
_CNU = "十拾百佰千仟万亿"                         # Chinese powers of ten
_MULT_VALUES = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000,
                "万": 10_000, "亿": 100_000_000}
# multipliers written after an Arabic number: 1.2万, 3千, 2.5亿, 3百万
_MULT = "百万|千万|万亿|[百千万亿]"

# An Arabic number: 1234, 1,234 / 1，234 / 3, 276 (a comma only before exactly
# three digits), 12.5, full-width digits.  Not part of a longer number, a
# dotted heading number (1.1.2) or a code (ISO9001), and not a rank (第1).
_ARABIC = (rf"(?<![0-9０-９A-Za-z.．])(?<!第)(?<!第 )(?<![0-9０-９][ \u00a0\u2009])"
           rf"(?:{_D}{{1,3}}[ \u00a0\u2009]{_D}{{3}}(?![0-9０-９.．]|[ \u00a0\u2009]{_D})"
           rf"|{_D}++(?:[,，][ \t]?{_D}{{3}}(?!{_D}))*+(?:[.．]{_D}++)?+(?![.．]?{_D}))")
# 13万2千, 1亿2千万: Arabic digits with more than one magnitude
_MIXED = (rf"(?<![0-9０-９A-Za-z.．])(?:{_D}++(?:[.．]{_D}++)?[万亿])(?:零?{_D}++[千百万]++)+")
_CN_BODY = rf"[{_CND}十拾][{_CND}{_CNU}]*+(?:点[{_CND}]++[{_CNU}]?)?+"
_CN_ANY = rf"[{_CND}{_CNU}][{_CND}{_CNU}]*+(?:点[{_CND}]++[{_CNU}]?)?+"
_YEAR = r"(?<![0-9０-９])(?:19|20|１９|２０)[0-9０-９]{2}(?![0-9０-９])"
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def _alt(items) -> str:
    return "|".join(items) if items else "(?!)"


def _lit(words) -> str:
    return _alt(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _decimal(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


@lru_cache(maxsize=4096)
def _cn_value(s: str) -> Decimal | None:
    """A Chinese numeral (三百零七, 二十万, 九十六点二, 千, 二点五亿) as a Decimal."""
    import cn2an

    tail = Decimal(1)
    if "点" in s:               # cn2an does not read 二点五亿: split off the multiplier
        while s and s[-1] in _MULT_VALUES:
            tail *= _MULT_VALUES[s[-1]]
            s = s[:-1]
    if s[:1] in "百佰千仟万亿":   # 千 → 一千, 百 (百分之百) → 一百
        s = "一" + s
    try:
        v = cn2an.cn2an(s, "normal")
    except MemoryError:   # the worker's to handle: the file fails with ``memory``
        raise
    except Exception:           # cn2an raises ValueError and friends on 十四五 etc.
        return None
    return Decimal(str(v)) * tail


def _mixed_value(s: str) -> Decimal | None:
    """Arabic digits with several magnitudes: 13万2千 → 132000, 1亿2千万 → 120000000."""
    total = Decimal(0)
    last = None
    for num, mags in re.findall(r"([0-9０-９]+(?:[.．][0-9０-９]+)?)([千百万亿]*)", s.replace("零", "")):
        mag = _mult_value(mags)
        if not mags or (last is not None and mag >= last):
            return None          # magnitudes must fall: 13万2千, never 2千13万
        total += Decimal(num.translate(_FW_DIGITS)) * mag
        last = mag
    return total


def _core_value(s: str) -> Decimal | None:
    """The number part as written (no multiplier after an Arabic number)."""
    s = s.strip()
    if not s:
        return None
    if s[0] in "0123456789０１２３４５６７８９-－−":
        t = re.sub(r"[,，\s]", "", s.translate(_FW_DIGITS)).replace("−", "-")
        try:
            return Decimal(t)
        except InvalidOperation:
            return None
    return _cn_value(s)


def _mult_value(m: str | None) -> Decimal:
    v = Decimal(1)
    for ch in m or "":
        v *= _MULT_VALUES[ch]
    return v


def _float(d: Decimal) -> float:
    return float(d)


# ---------------------------------------------------------------- the table

def _date_rx() -> str:
    """Years, year ranges and dates, each alternative in its named groups."""
    sp = _SP
    return (
        # 2023-09-01, 2023/9/1, 2023.9.1
        rf"(?P<iso>{_YEAR})[-/.．][0-9０-９]{{1,2}}[-/.．][0-9０-９]{{1,2}}(?![0-9０-９])"
        # 2022-2023学年, 2021至2023年
        rf"|(?P<yr1>{_YEAR}){sp}*+[-—–~～至到/]{sp}*+(?P<yr2>{_YEAR})(?:{sp}*+(?P<rsuf>学年度|学年|年度|年))?"
        # 2023届 / 2023学年 / 2023年度 / 2023年 / 2023年9月(1日)
        rf"|(?P<yr>{_YEAR}){sp}*+(?:(?P<ysuf>学年度|学年|年度|届|级)"
        rf"|年(?:{sp}*+(?P<ymo>{_D}{{1,2}}){sp}*+月(?:{sp}*+{_D}{{1,2}}{sp}*+[日号])?)?)"
        # 二〇二三年(九月)
        rf"|(?P<cyr>[〇零一二三四五六七八九]{{4}})年(?:[一二三四五六七八九十]{{1,2}}月"
        rf"(?:[一二三四五六七八九十]{{1,3}}[日号])?)?"
        # 9月(1日), 15日
        rf"|(?<![0-9０-９])(?P<mo>{_D}{{1,2}}){sp}*+月(?:{sp}*+{_D}{{1,2}}{sp}*+[日号])?"
        rf"|(?<![0-9０-９.．])(?P<dy>{_D}{{1,2}}){sp}*+日"
    )


def _prefixed_rx(pre: str, prefix: str, post: str) -> str:
    """A number after a unit written before it (百分之九十), markers around."""
    sp = _SP
    return (
        rf"(?:(?P<ppre>{pre}){sp}*+)?(?P<punit>{prefix}){sp}*+"
        rf"(?P<pnum>{_ARABIC}|{_CN_BODY}|百(?![{_CND}{_CNU}]))"
        rf"(?:{sp}*+(?P<ppost>{post}))?"
    )


def _bare_rx(pre: str, mid: str, post: str) -> str:
    """An Arabic number without a unit, its multiplier and markers."""
    sp = _SP
    return (
        rf"(?:(?P<bpre>{pre}){sp}*+)?(?P<bnum>{_ARABIC})(?![A-Za-z])"
        rf"(?:{sp}*+(?P<bmult>{_MULT}))?(?:(?P<bmid>{mid})(?P<bmult2>{_MULT})?)?(?:{sp}*+(?P<bpost>{post}))?"
    )


def _number_rx(pre: str, prefix: str, mid: str, post: str) -> str:
    """Exactly one number as ``parse_number`` reads it (for ``fullmatch``)."""
    sp = _SP
    return (
        rf"{sp}*(?:(?P<pre>{pre}){sp}*)?(?:(?P<punit>{prefix}){sp}*(?P<pnum>[-－−]?{_ARABIC}|{_CN_ANY})"
        rf"|(?P<num>[-－−]?{_ARABIC}|{_CN_ANY})(?:{sp}*(?P<mult>{_MULT}))?)"
        rf"{sp}*(?P<mid>{mid})?{sp}*(?P<post>{post})?{sp}*"
    )


class UnitTable:
    """units.yaml, validated, with the compiled scanner."""

    def __init__(self, path: Path, units: dict[str, UnitDef], kinds: dict[str, dict],
                 markers: dict[str, list[tuple[str, tuple[str, ...]]]], cn_not_after: list[str],
                 stop_phrases: list[str]):
        self.path = path
        self.units = units                     # unit as written → UnitDef
        self.kinds = kinds
        self.markers = markers                 # position → [(marker, not_after)]
        self.cn_not_after = cn_not_after
        self.stop_phrases = stop_phrases
        self._after = {u: d for u, d in units.items() if d.position == "after"}
        self._before = {u: d for u, d in units.items() if d.position == "before"}
        self._patterned = [(re.compile(d.pattern), d) for d in self._after.values() if d.pattern]
        self._build()

    # -- regexes
    def _marker_rx(self, position: str) -> str:
        items = sorted(self.markers.get(position, []), key=lambda m: (-len(m[0]), m[0]))
        out = []
        for marker, not_after in items:
            lb = "".join(f"(?<!{re.escape(x)})" for x in not_after)
            out.append(lb + re.escape(marker))
        return _alt(out)

    def _unit_rx(self, defs) -> str:
        out = []
        for d in sorted(defs, key=lambda d: (-len(d.unit), d.unit)):
            body = d.pattern if d.pattern else re.escape(d.unit)
            if d.not_before:
                body += "(?!" + _lit(d.not_before) + ")"
            if d.unit[-1:].isascii() and d.unit[-1:].isalnum():
                body += "(?![A-Za-z0-9])"
            out.append(body)
        return _alt(f"(?:{b})" for b in out)

    def _build(self) -> None:
        """Compile the scanner (``regex``), the one-number reader
        (``number_regex``) and ``stop_regex`` (None without stop phrases)."""
        pre, mid, post = (self._marker_rx(p) for p in ("before", "after", "after_unit"))
        units = self._unit_rx(self._after.values())
        prefix = self._unit_rx(self._before.values())
        self.regex = re.compile(
            rf"{self._guard_rx()}(?:(?P<DATE>{_date_rx()})|(?P<PFX>{_prefixed_rx(pre, prefix, post)})"
            rf"|(?P<MEAS>{self._measured_rx(pre, mid, units, post)})|(?P<BARE>{_bare_rx(pre, mid, post)}))")
        self.stop_regex = re.compile(_lit(self.stop_phrases)) if self.stop_phrases else None
        self.number_regex = re.compile(_number_rx(pre, prefix, mid, post))

    def _measured_rx(self, pre: str, mid: str, units: str, post: str) -> str:
        """A number (Arabic, mixed, Chinese) with a unit after it, markers around."""
        lb_chars = re.escape("".join(sorted(set(self.cn_not_after)))) if self.cn_not_after else ""
        cn_lb = f"(?<![{_CND}{_CNU}点{lb_chars}])"
        pre_last = re.escape("".join(sorted({m[-1] for m, _ in self.markers.get("before", [])}))) or "^\\s\\S"
        sp = _SP
        return (
            rf"(?:(?P<pre>{pre}){sp}*+)?"
            rf"(?:(?P<mix>{_MIXED})|(?P<ar>{_ARABIC})|{cn_lb}(?P<cn>{_CN_BODY})|(?<=[{pre_last}])(?P<cnb>[百佰千仟万亿][{_CND}{_CNU}]*+))"
            rf"(?:{sp}*+(?P<mult>{_MULT}))?{sp}*+(?:(?P<mid>{mid}){sp}*+(?P<mult2>{_MULT})?{sp}*+)?"
            rf"(?P<unit>{units})(?:{sp}*+(?P<post>{post}))?"
        )

    def _guard_rx(self) -> str:
        """A lookahead for the characters a match can start with: a digit, a
        numeral, a marker or a prefix unit."""
        # checking that first keeps the scan to one cheap test per character
        first = set("0123456789０１２３４５６７８９" + _CND + _CNU)
        first |= {m[0] for m, _ in self.markers.get("before", [])} | {u[0] for u in self._before}
        return "(?=[" + "".join(re.escape(c) for c in sorted(first)) + "])"

    # -- units
    def lookup(self, unit: str) -> tuple[UnitDef, Decimal]:
        """The definition of ``unit`` and an extra multiplier (万人 → 人, 10000)."""
        d = self.units.get(unit)
        if d is not None:
            return d, Decimal(1)
        for m in ("百万", "千万", "万亿", "百", "千", "万", "亿"):
            if unit.startswith(m) and unit[len(m):] in self.units:
                return self.units[unit[len(m):]], _mult_value(m)
        for d in self.units.values():          # a canonical name: "yuan", "persons"
            if d.canonical == unit and d.factor == 1:
                return d, Decimal(1)
        raise KeyError(f"unknown unit {unit!r} (not in {self.path})")

    def _unit_of(self, written: str) -> UnitDef:
        d = self._after.get(written)
        if d is not None:
            return d
        for rx, d in self._patterned:
            if rx.fullmatch(written):
                return d
        raise KeyError(written)  # pragma: no cover - the scanner only matches listed units

    def _apply(self, value: Decimal, d: UnitDef) -> Decimal:
        v = value * d.factor
        if d.integer:
            v = v.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return v

    def normalize(self, value, unit: str) -> tuple[float, str, str] | None:
        try:
            d, extra = self.lookup(unit)
        except KeyError:
            return None
        return _float(self._apply(_decimal(value) * extra, d)), d.canonical, d.kind

    # -- parsing
    def parse_number(self, text: str) -> tuple[float, bool] | None:
        m = self.number_regex.fullmatch(text or "")
        if not m:
            return None
        approx = bool(m["pre"] or m["mid"] or m["post"])
        if m["punit"]:
            v = _core_value(m["pnum"])
            if v is None:
                return None
            return _float(v * self._before[m["punit"]].factor), approx
        v = _core_value(m["num"])
        if v is None:
            return None
        return _float(v * _mult_value(m["mult"])), approx

    def find_quantities(self, text: str) -> list[Quantity]:
        out: list[Quantity] = []
        cn_spans = False
        for m in self.regex.finditer(text):
            kind = m.lastgroup
            if kind == "MEAS":
                q = self._measured(m, text)
                cn_spans = cn_spans or bool(q and (m["cn"] or m["cnb"]))
            elif kind == "BARE":
                q = self._bare(m, text)
            elif kind == "PFX":
                q = self._prefixed(m, text)
                cn_spans = cn_spans or bool(q and not m["pnum"][0].isdigit())
            else:
                q = self._date(m, text)
            if q is not None:
                out.append(q)
        if cn_spans and self.stop_regex is not None:
            stops = [s.span() for s in self.stop_regex.finditer(text)]
            if stops:
                out = [q for q in out
                       if not (q.kind not in ("number", "year", "date") and not _has_digit(q.text)
                               and any(a < q.end and q.start < b for a, b in stops))]
        return out

    def _measured(self, m: re.Match, text: str) -> Quantity | None:
        num = m["mix"] or m["ar"] or m["cn"] or m["cnb"]
        if m["cnb"] and not m["pre"]:
            return None          # 过千人 without its marker: not a figure we can read
        mult, unit = (m["mult"] or "") + (m["mult2"] or "") or None, m["unit"]
        if mult and (mult[-1] + unit) in self._after:
            # 2259.88万元, 1500多万元: read the 万 as part of the unit 万元 when units.yaml has it
            mult, unit = mult[:-1] or None, mult[-1] + unit
        elif (not m["mid"] and (m["cn"] or m["cnb"]) and len(num) > 1 and num[-1] in "万亿千"
              and (num[-1] + unit) in self._after and _core_value(num[:-1]) is not None
              and _core_value(num[:-1]) * _MULT_VALUES[num[-1]] == _core_value(num)):
            # 二十万元 → 二十 × 万元; never 一千二百万零三千元 → 一千二百万零三 × 千元
            num, unit = num[:-1], num[-1] + unit
        v = _mixed_value(num) if m["mix"] else _core_value(num)
        if v is None:
            return None
        d = self._unit_of(unit)
        if d.chinese_only and not (m["cn"] or m["cnb"]):
            return None          # 七成 is 70 %; "8成" is not read
        value = self._apply(v * _mult_value(mult), d)
        s, e = m.span()
        return Quantity(_float(value), d.unit, d.canonical, d.kind,
                        bool(m["pre"] or m["mid"] or m["post"]), s, e, text[s:e], d.difference)

    def _bare(self, m: re.Match, text: str) -> Quantity | None:
        v = _core_value(m["bnum"])
        if v is None:
            return None
        s, e = m.span()
        return Quantity(_float(v * _mult_value((m["bmult"] or "") + (m["bmult2"] or ""))), "", "", "number",
                        bool(m["bpre"] or m["bmid"] or m["bpost"]), s, e, text[s:e], False)

    def _prefixed(self, m: re.Match, text: str) -> Quantity | None:
        v = _core_value(m["pnum"])
        if v is None:
            return None
        d = self._before[m["punit"]]
        s, e = m.span()
        return Quantity(_float(self._apply(v, d)), d.unit, d.canonical, d.kind,
                        bool(m["ppre"] or m["ppost"]), s, e, text[s:e], d.difference)

    def _date(self, m: re.Match, text: str) -> Quantity | None:
        s, e = m.span()
        if m["iso"]:
            return _dateq(_core_value(m["iso"]), "date", "date", s, e, text)
        if m["yr1"]:
            return _dateq(_core_value(m["yr1"]), m["rsuf"] or "", "year", s, e, text)
        if m["yr"]:
            if m["ysuf"]:
                return _dateq(_core_value(m["yr"]), m["ysuf"], "year", s, e, text)
            if m["ymo"]:
                return _dateq(_core_value(m["yr"]), "date", "date", s, e, text)
            return _dateq(_core_value(m["yr"]), "年", "year", s, e, text)
        if m["cyr"]:
            y = Decimal(m["cyr"].translate(_CN_YEAR_DIGITS))
            if "月" in m.group(0):
                return _dateq(y, "date", "date", s, e, text)
            return _dateq(y, "年", "year", s, e, text)
        return _dateq(_core_value(m["mo"] or m["dy"]), "date", "date", s, e, text)


def _dateq(v: Decimal | None, unit: str, kind: str, s: int, e: int, text: str) -> Quantity | None:
    if v is None:  # pragma: no cover - the regex only matches digits
        return None
    return Quantity(_float(v), unit, kind, kind, False, s, e, text[s:e], False)


def _has_digit(s: str) -> bool:
    return any(ch.isdigit() for ch in s if ch.isascii() or "０" <= ch <= "９")


# ---------------------------------------------------------------- loading

_POSITIONS_UNIT = ("after", "before")
_POSITIONS_MARKER = ("before", "after", "after_unit")
_TOP_KEYS = {"version", "kinds", "units", "approximation", "cn_not_after", "stop_phrases"}
_KIND_KEYS = {"canonical", "integer", "difference"}
_UNIT_KEYS = {"unit", "kind", "canonical", "factor", "position", "pattern", "not_before", "numerals"}
_MARKER_KEYS = {"marker", "position", "not_after"}


class _Validator:
    """Walks the composed YAML nodes so every mistake can name its line."""

    def __init__(self, path: Path):
        self.path = path
        self._constructor = yaml.SafeLoader("")

    def fail(self, node, message: str):
        line = node.start_mark.line + 1 if node is not None and node.start_mark else None
        raise RulesError(self.path, line, message)

    def value(self, node):
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as e:
            self.fail(node, str(e.problem or e))

    def mapping(self, node, what: str, allowed: set[str] | None = None) -> dict[str, tuple]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping (key: value)")
        out: dict[str, tuple] = {}
        for k, v in node.value:
            key = self.value(k)
            if not isinstance(key, str):
                self.fail(k, f"{what}: keys must be text, got {key!r}")
            if key in out:
                self.fail(k, f"{what}: duplicate key '{key}'")
            if allowed is not None and key not in allowed:
                self.fail(k, f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
            out[key] = (k, v)
        return out

    def sequence(self, node, what: str) -> list:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list")
        return list(node.value)

    def text(self, node, what: str, *, one_char: bool = False) -> str:
        v = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(v, str) or not v.strip() or v != v.strip():
            self.fail(node, f"{what} must be non-empty text without surrounding spaces, got {v!r}")
        if one_char and len(v) != 1:
            self.fail(node, f"{what} must be one character, got {v!r}")
        return v

    def texts(self, node, what: str, **kw) -> tuple[str, ...]:
        return tuple(self.text(n, what, **kw) for n in self.sequence(node, what))

    def boolean(self, node, what: str) -> bool:
        v = self.value(node)
        if not isinstance(v, bool):
            self.fail(node, f"{what} must be true or false, got {v!r}")
        return v

    def factor(self, node, what: str) -> Decimal:
        v = self.value(node)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            self.fail(node, f"{what} must be a positive number, got {v!r}"
                            + (" (write 100000000, not 1e8)" if isinstance(v, str) else ""))
        return _decimal(v)


def _read(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(path, None, f"cannot read the units file ({e.strerror or e})") from None
    except UnicodeDecodeError as e:
        raise RulesError(path, None, f"not UTF-8 text ({e.reason})") from None
    try:
        return yaml.compose(text, Loader=SafeLoader)   # libyaml when built with it: 5× faster
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = f"YAML syntax error: {e.problem or e.context or e}"
        if e.problem and e.context and e.context_mark and e.context_mark.line != mark.line:
            message += f" ({e.context} on line {e.context_mark.line + 1})"
        raise RulesError(path, mark.line + 1 if mark else None, message) from None
    except yaml.YAMLError as e:
        raise RulesError(path, None, f"YAML error: {e}") from None


def _parse_table(path: Path) -> UnitTable:
    """The units file at ``path``, checked key by key, as a :class:`UnitTable`.
    Raises :class:`RulesError` (path, line, message) at the first mistake."""
    root = _read(path)
    v = _Validator(path)
    if root is None:
        raise RulesError(path, 1, "the units file is empty")
    top = _top_level(v, root)
    kinds = _read_kinds(v, top["kinds"][1])
    units = _read_units(v, top["units"][1], kinds)
    markers = _read_markers(v, top["approximation"][1]) if "approximation" in top \
        else {p: [] for p in _POSITIONS_MARKER}
    cn_not_after = list(v.texts(top["cn_not_after"][1], "cn_not_after", one_char=True)) \
        if "cn_not_after" in top else []
    stop_phrases = list(v.texts(top["stop_phrases"][1], "stop_phrases")) if "stop_phrases" in top else []
    return UnitTable(path, units, kinds, markers, cn_not_after, stop_phrases)


def _top_level(v: _Validator, root) -> dict[str, tuple]:
    """The top-level keys (key → (key node, value node)); the required ones
    present and ``version`` 1."""
    top = v.mapping(root, "the units file", _TOP_KEYS)
    for required in ("version", "kinds", "units"):
        if required not in top:
            v.fail(root, f"missing top-level key '{required}'")
    vn = top["version"][1]
    if v.value(vn) != 1:
        v.fail(vn, f"version must be 1, got {v.value(vn)!r}")
    return top


def _read_kinds(v: _Validator, node) -> dict[str, dict]:
    """``kinds``: name → {"canonical": str, "integer": bool, "difference": bool};
    number, year and date are reserved."""
    kinds: dict[str, dict] = {}
    for name, (kn, vn) in v.mapping(node, "kinds").items():
        spec = v.mapping(vn, f"kind '{name}'", _KIND_KEYS)
        if "canonical" not in spec:
            v.fail(vn, f"kind '{name}' needs a canonical unit")
        kinds[name] = {
            "canonical": v.text(spec["canonical"][1], f"kind '{name}': canonical"),
            "integer": v.boolean(spec["integer"][1], f"kind '{name}': integer") if "integer" in spec else False,
            "difference": v.boolean(spec["difference"][1], f"kind '{name}': difference")
            if "difference" in spec else False,
        }
    reserved = {"number", "year", "date"} & set(kinds)
    if reserved:
        v.fail(node, f"kinds: '{sorted(reserved)[0]}' is reserved for numbers without a unit and dates")
    return kinds


def _read_units(v: _Validator, node, kinds: dict[str, dict]) -> dict[str, UnitDef]:
    """``units``: unit as written → :class:`UnitDef`, each unit listed once."""
    units: dict[str, UnitDef] = {}
    for item in v.sequence(node, "units"):
        spec = v.mapping(item, "a unit", _UNIT_KEYS)
        for required in ("unit", "kind"):
            if required not in spec:
                v.fail(item, f"a unit needs '{required}'")
        unit = v.text(spec["unit"][1], "unit")
        if unit in units:
            v.fail(spec["unit"][1], f"unit '{unit}' is listed twice (first on line {units[unit].line})")
        units[unit] = _read_unit(v, spec, unit, kinds)
    return units


def _read_unit(v: _Validator, spec: dict[str, tuple], unit: str, kinds: dict[str, dict]) -> UnitDef:
    """One entry of ``units`` (its keys already read by ``v.mapping``)."""
    where = f"unit '{unit}'"
    kind = v.text(spec["kind"][1], f"{where}: kind")
    if kind not in kinds:
        v.fail(spec["kind"][1], f"{where}: unknown kind '{kind}' (kinds: {', '.join(kinds)})")
    canonical = kinds[kind]["canonical"]
    if "canonical" in spec:
        c = v.text(spec["canonical"][1], f"{where}: canonical")
        if c != canonical:
            v.fail(spec["canonical"][1], f"{where}: canonical '{c}' differs from kind '{kind}' ({canonical})")
    factor = v.factor(spec["factor"][1], f"{where}: factor") if "factor" in spec else Decimal(1)
    position = v.text(spec["position"][1], f"{where}: position") if "position" in spec else "after"
    if position not in _POSITIONS_UNIT:
        v.fail(spec["position"][1], f"{where}: position must be one of {', '.join(_POSITIONS_UNIT)}")
    pattern = _unit_pattern(v, spec["pattern"][1], where, position) if "pattern" in spec else None
    not_before = v.texts(spec["not_before"][1], f"{where}: not_before") if "not_before" in spec else ()
    numerals = v.text(spec["numerals"][1], f"{where}: numerals") if "numerals" in spec else "any"
    if numerals not in ("any", "chinese"):
        v.fail(spec["numerals"][1], f"{where}: numerals must be 'any' or 'chinese', not '{numerals}'")
    return UnitDef(unit, kind, canonical, factor, position, kinds[kind]["integer"],
                   kinds[kind]["difference"], pattern, not_before, spec["unit"][1].start_mark.line + 1,
                   numerals == "chinese")


def _unit_pattern(v: _Validator, node, where: str, position: str) -> str:
    """A unit's ``pattern``: a regex that compiles, has no groups, for a unit
    after the number."""
    pattern = v.text(node, f"{where}: pattern")
    try:
        rx = re.compile(pattern)
    except re.error as e:
        v.fail(node, f"{where}: bad regex: {e}")
    if rx.groups:
        v.fail(node, f"{where}: pattern must not contain groups; use (?:…)")
    if position == "before":
        v.fail(node, f"{where}: a pattern is only supported for units after the number")
    return pattern


def _read_markers(v: _Validator, node) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """``approximation``: position → [(marker, not_after)], in file order,
    each (marker, position) listed once."""
    markers: dict[str, list] = {p: [] for p in _POSITIONS_MARKER}
    seen = set()
    for item in v.sequence(node, "approximation"):
        spec = v.mapping(item, "an approximation marker", _MARKER_KEYS)
        for required in ("marker", "position"):
            if required not in spec:
                v.fail(item, f"an approximation marker needs '{required}'")
        marker = v.text(spec["marker"][1], "marker")
        position = v.text(spec["position"][1], f"marker '{marker}': position")
        if position not in _POSITIONS_MARKER:
            v.fail(spec["position"][1],
                   f"marker '{marker}': position must be one of {', '.join(_POSITIONS_MARKER)}")
        if (marker, position) in seen:
            v.fail(spec["marker"][1], f"marker '{marker}' ({position}) is listed twice")
        seen.add((marker, position))
        not_after = v.texts(spec["not_after"][1], f"marker '{marker}': not_after") if "not_after" in spec else ()
        markers[position].append((marker, not_after))
    return markers


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> UnitTable:
    return _parse_table(Path(path))


def load_units(path: str | os.PathLike | None = None) -> UnitTable:
    """The units table from ``path`` (default ``rules/units.yaml``), validated
    and cached until the file changes.  Raises :class:`RulesError`."""
    p = Path(path) if path is not None else DEFAULT_UNITS_PATH
    try:
        st = p.stat()
    except OSError as e:
        raise RulesError(p, None, f"cannot read the units file ({e.strerror or e})") from None
    return _load_cached(str(p), st.st_mtime_ns, st.st_size)


# ---------------------------------------------------------------- module API

_default: UnitTable | None = None


def _table(table: UnitTable | None) -> UnitTable:
    global _default
    if table is not None:
        return table
    if _default is None:
        _default = load_units()
    return _default


def parse_number(text: str, *, table: UnitTable | None = None) -> tuple[float, bool] | None:
    """One number as written → (value, approximate), or None.

    ``"1,234"`` → (1234.0, False); ``"三百余"`` → (300.0, True);
    ``"1.2万"`` → (12000.0, False); ``"百分之九十六点二"`` → (96.2, False);
    ``"1，23"`` → None (two numbers)."""
    return _table(table).parse_number(text)


def find_quantities(text: str, *, table: UnitTable | None = None) -> list[Quantity]:
    """Every number in ``text`` with its unit, normalized, in text order."""
    return _table(table).find_quantities(text)


def normalize(value, unit: str, *, table: UnitTable | None = None) -> tuple[float, str, str] | None:
    """``(value, unit as written)`` → ``(value, canonical_unit, kind)``.

    ``normalize(2259.88, "万元")`` → ``(22598800.0, "yuan", "money")``;
    ``normalize(1.2, "万人")`` → ``(12000.0, "persons", "persons")``.
    None for a unit units.yaml does not know."""
    return _table(table).normalize(value, unit)


def as_stored(value: float | int | None) -> int | float | None:
    """int when ``value`` is integral within 1e-6, else ``round(value, 4)``."""
    if value is None:
        return None
    r = round(value)
    if abs(value - r) < 1e-6:
        return int(r)
    return round(float(value), 4)
