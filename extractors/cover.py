"""A report's title and cover: the name it is about, its level words and the
years printed on it.

A title is read as *[year] name [year] report-words [year]*, for example
``2021年度 | 青禾县职业技术学校 | 质量年度报告``, ``楚州市 | 2023年 | 中等职业教育质量年度报告``
or ``2015 | 中国 | 高等职业教育质量年度报告``.  The name is what comes before the first
report word (``rules/attributes.yaml``: ``title_body_words``) and is classified
as a school, a region, the whole country, a series or generic name, or an
anonymised one (:func:`classify_name`).  The cover lines around the title add
the school's name on a line of its own, the publishing bureau and the date.

Every function here works on text with spaces removed; years written in
Chinese digits (``二〇二三年``, ``二O二二年``) are read as Arabic first.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache

from nianbao.ingest.model import Document

from .attribute_rules import AttributeRules, patterns

_Y = r"(?<!\d)(?:19|20)\d\d(?!\d)"
_CN_NUM = "一二三四五六七八九十"
_MONTH = rf"(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})"
YEAR_TOKEN = re.compile(
    rf"(?P<range>(?P<r1>{_Y})[-—–~～至到](?P<r2>{_Y})(?P<rk>学年度|学年|年度|年)?)"
    rf"|(?P<date>(?P<dy>{_Y})(?:年(?P<dm>{_MONTH}|元)月(?:{_MONTH}日)?|[.．/-](?P<dm2>\d{{1,2}})(?:[.．/-]\d{{1,2}})?(?!\d)))"
    rf"|[（(](?P<p>{_Y})(?P<pk>学年度|学年|年度|年)?[)）]"
    rf"|(?P<c>{_Y})(?P<ck>年度|年)?[)）]"
    rf"|(?P<w>{_Y})(?P<wk>学年度|学年|年度|年)"
    rf"|(?P<b>{_Y})(?![年月届])")
_SUFFIX = re.compile(rf"^[》〉」』”\"]*(?:\.(?:pdf|PDF|docx?|DOCX?|wps|txt))?(?:[（(][^（()）]{{0,14}}[)）]|{_Y}(?:年度|年)?[)）]?)?[》〉」』”\"]*")
_CLAUSE_MARKS = re.compile(r"[，。；！？,;]")
_BLANKS = re.compile(r"[\s\u3000\ufeff\u200b-\u200d]+")
_PARENS = re.compile(r"[（(]([^（()）]+)[)）]")
_PAREN_TAIL = re.compile(r"[（(][^（()）]*[)）]$")


@dataclass(frozen=True)
class TitleYear:
    """A year printed in a title: ``year`` (the end year of a range) and how
    it is written — ``edition`` (a bare ``2015`` before or after the name, an
    edition label), ``paren`` (``（2023）``), ``niandu`` (``2023年度``), ``nian``
    (``2023年``), ``xuenian`` (``2022学年``) or ``range`` (``2021-2022学年``)."""
    year: int
    kind: str


@dataclass(frozen=True)
class Name:
    """What a title's name is: ``kind`` is ``school``, ``region``, ``national``,
    ``series`` (a region plus a generic word such as 职业学校), ``anonymous``
    (某校) or ``none``; ``text`` the school or region as written (None for
    the last three); ``level`` the level the name alone gives (中职/高职/区域);
    ``generic`` marks a school named by nothing but a city or county and a
    generic word (楚州市职业学校), which a cover line naming a school overrides."""
    kind: str
    text: str | None = None
    level: str | None = None
    generic: bool = False       # a school named only by region + generic word (楚州市职业学校)


@dataclass(frozen=True)
class Title:
    """A report title read into its parts (see the module docstring)."""
    text: str
    name: Name
    year: TitleYear | None
    sector: str | None          # 中职 / 高职 from the title's words, else None
    tail: str = ""              # what followed the title on the same line


@dataclass
class Cover:
    """The title and the cover lines around it."""
    title: Title | None = None
    school_line: str | None = None          # a line that is a school's name
    bureau_region: str | None = None        # region of a publishing bureau line
    date: tuple[int, int] | None = None     # (year, month) of the cover date
    header: Title | None = None             # a running header read as a title
    quoted: Title | None = None             # a school's title quoted in the first paragraphs
    lines: list[str] = field(default_factory=list)


def compact(text: str, rules: AttributeRules) -> str:
    """Spaces, BOMs and zero-width characters removed; Chinese-digit years
    before 年 (二〇二三年, 二O二二年) written in Arabic digits."""
    s = patterns(rules)["field_code"].sub("", _BLANKS.sub("", text or ""))
    digits = rules.year_digits

    def arabic(m):
        y = "".join(digits[c] for c in m.group(1))
        return y if y[:2] in ("19", "20") else m.group(1)
    return patterns(rules)["cn_year"].sub(arabic, s)


def title_year(text: str) -> TitleYear | None:
    """The first year printed in a title (dates such as 2024年12月 skipped);
    a year written with 年度/年/学年 or as a range wins over a bare edition
    year before it ("2017X学校质量年度报告（2017年度）")."""
    years = [y for y in map(_token_year, YEAR_TOKEN.finditer(text)) if y]
    return next((y for y in years if y.kind != "edition"), years[0] if years else None)


def _token_year(m: re.Match) -> TitleYear | None:
    if m.group("date"):
        return None
    if m.group("range"):
        return TitleYear(int(m.group("r2")), "range")
    if m.group("p"):
        return TitleYear(int(m.group("p")), "xuenian" if "学年" in (m.group("pk") or "") else "paren")
    if m.group("c"):
        return TitleYear(int(m.group("c")), "paren")
    if m.group("w"):
        kind = {"年度": "niandu", "年": "nian"}.get(m.group("wk"), "xuenian")
        return TitleYear(int(m.group("w")), kind)
    return TitleYear(int(m.group("b")), "edition")


def cover_date(text: str) -> tuple[int, int] | None:
    """(year, month) of the first date in a line (2024年12月, 二〇一八年十二月二十六日,
    2024年元月, 2024.01)."""
    m = YEAR_TOKEN.search(text)
    while m and not m.group("date"):
        m = YEAR_TOKEN.search(text, m.end())
    if not m:
        return None
    mon = m.group("dm") or m.group("dm2")
    month = int(mon) if mon.isdigit() else _cn_month(mon)
    return (int(m.group("dy")), month) if 1 <= month <= 12 else None


_CN_MONTHS = {m: i + 1 for i, m in enumerate("一 二 三 四 五 六 七 八 九 十 十一 十二".split())} | {"元": 1}


def _cn_month(s: str) -> int:
    return _CN_MONTHS.get(s, 0)


def sector_of(text: str, rules: AttributeRules) -> str | None:
    """中职 / 高职 from the first sector word in ``text`` (中等职业教育, 高职生 …)."""
    best = None
    for level, words in rules.sector_words.items():
        for w in words:
            i = text.find(w)
            if i >= 0 and (best is None or (i, -len(w)) < best[0]):
                best = ((i, -len(w)), level)
    return best[1] if best else None


def _ends_with(name: str, words) -> str | None:
    return next((w for w in sorted(words, key=len, reverse=True) if name.endswith(w)), None)


def _region_prefix(name: str, rules: AttributeRules) -> str:
    """The region a name starts with: the longest prefix made of region units
    (楚州市 in 楚州市中等职业学校, 楚州市青禾县 in 楚州市青禾县职业技术学校)."""
    rx = patterns(rules)["region"]
    return next((name[:i] for i in range(len(name) - 1, 1, -1) if rx.fullmatch(name[:i])), "")


def _contained_level(name: str, rules: AttributeRules) -> str | None:
    """The level of the first type word inside a name (楚州职业大学艺术学院 → 高职)."""
    found = [(name.find(w), -len(w), lv) for w, lv in rules.type_levels if w in name]
    return min(found)[2] if found else None


def _is_province(region: str, rules: AttributeRules) -> bool:
    """A province-level region: a known one, or a single 省 / 自治区."""
    if region in rules.provinces or region in rules.province_short:
        return True
    return region.endswith(("省", "自治区")) and not _region_prefix(region[:-1], rules)


@lru_cache(maxsize=8192)
def classify_name(name: str, rules: AttributeRules) -> Name:
    """What a title's name is (see :class:`Name`)."""
    if not name:
        return Name("none")
    if name in rules.own_region_words:
        return Name("region", None, "区域")      # 我州: the writer's own region, not named
    generic_level = rules.level_of_name(name) or sector_of(name, rules)
    if name.startswith(tuple(rules.anonymous_prefixes)):
        return Name("anonymous", None, generic_level)
    for nat in rules.national_names:
        if name.startswith(nat) and (name == nat or name[len(nat):] in rules.generic_school_words):
            return Name("national", rules.national_label, "区域")
    rx = patterns(rules)
    bureau = rx["bureau"].match(name)
    if bureau and name.endswith(tuple(rules.bureau_words)) and bureau.group("region"):
        return classify_name(bureau.group("region"), rules)
    if rx["region"].fullmatch(name) or name in rules.province_short:
        return Name("region", name, "区域")
    region = _region_prefix(name, rules)
    rest = name[len(region):]
    if name in rules.generic_school_words or (rest in rules.generic_school_words and _is_province(region, rules)):
        return Name("series", None, generic_level)
    ending = _ends_with(name, [w for w, _ in rules.type_levels] + list(rules.institution_endings))
    if ending and len(name) - len(ending) >= 2:
        level = rules.level_of_name(name) or _contained_level(name, rules)
        return Name("school", name, level, generic=bool(region) and rest in rules.generic_school_words)
    return Name("none")


def _title_name(title: str, rules: AttributeRules) -> str:
    """The text before the first report word, years and marks taken out."""
    masked = YEAR_TOKEN.sub("|", title)
    masked = masked.translate({ord(c): "|" for c in rules.title_strip_chars})
    lead = masked.strip("|")
    rx = patterns(rules)
    for w in rules.title_lead_words:            # 关于2023年全市…的报告, 关于我州…的调查报告
        at = lead.find(w)
        if at == 0 or (at > 0 and rx["bureau"].fullmatch(lead[:at].strip("|"))):
            if at > 0:
                return lead[:at].strip("|")     # 楚州市教育局关于…的报告: the bureau's region
            lead = lead[len(w):].strip("|")
    schools = [m.span() for m in rx["school"].finditer(lead)]
    end = len(lead)
    for m in rx["body"].finditer(lead):
        if not any(a <= m.start() < b for a, b in schools):
            end = m.start()
            break
    name = lead[:end].split("|")[0]
    return _PAREN_TAIL.sub("", name)      # 楚州工程职业技术学院（楚州开放大学） → the first name


def read_title(line: str, rules: AttributeRules) -> Title | None:
    """A title read from one line (spaces already removed), or None when the
    line is not a report title: it must hold a report word (报告, 年报) and
    a title cue (质量, 年度 …) and not be a sentence about a report."""
    rx = patterns(rules)
    rep = rx["report"].search(line) or (rx["weak_report"].search(line) if title_year(line) else None)
    if not rep:
        return None
    head = line[:rep.end()]
    if _CLAUSE_MARKS.search(head) or rx["not_title"].search(head) or len(head) > 60:
        return None
    if not any(c in head for c in rules.title_cues):
        return None
    end = rep.end() + _SUFFIX.match(line[rep.end():]).end()
    text, tail = line[:end], line[end:]
    if len(line) > 60 and len(tail) > 30 and not re.match(r"[（(]附", tail):
        return None
    raw_name = _title_name(text, rules)
    name = classify_name(raw_name, rules)
    if name.kind == "none":             # 2023年度质量报告（青禾县职业技术学校）
        name = next((n for n in (classify_name(p, rules) for p in _PARENS.findall(text))
                     if n.kind in ("school", "region", "national")), name)
    if name.kind == "school" and name.level is None:      # 青禾学院（青禾技师学院）: one school, two names
        alias = next((n for n in (classify_name(p, rules) for p in _PARENS.findall(text))
                      if n.kind == "school" and n.level), None)
        if alias is not None:
            name = dataclasses.replace(name, level=alias.level)
    if name.kind == "series" and any(w in text for w in rules.region_report_words):
        region = _region_prefix(raw_name, rules)      # X省中等职业学校办学能力评估报告: the province's
        if region:
            name = Name("region", region, "区域")
    return Title(text=text, name=name, year=title_year(text), sector=sector_of(text, rules), tail=tail)


_YEAR_LINE = re.compile(rf"[（(]?{_Y}(?:年度|年)?[)）]?")


def _furniture(line: str, rules: AttributeRules) -> bool:
    """A cover line that is not part of the title: a date, a bureau, an editor."""
    if cover_date(line) or patterns(rules)["bureau"].search(line):
        return True
    editor = patterns(rules)["editor"]
    return bool(editor.search(line)) and classify_name(editor.sub("", line), rules).kind == "school"


def _with_neighbours(lines: list[str], i: int, t: Title, rules: AttributeRules) -> tuple[Title, int, int]:
    """Join a year line after the title, and name or year lines before it,
    when the title line alone lacks them.  Returns the title and the first
    and last lines it spans."""
    first, last = i, i
    if (t.year is None or t.year.kind == "edition") and i + 1 < len(lines) and _YEAR_LINE.fullmatch(lines[i + 1]):
        t2 = read_title(lines[i] + lines[i + 1], rules)
        if t2:
            t, last = t2, i + 1
    core = t
    for k in (1, 2):
        prev = lines[max(0, i - k):i]
        if len(prev) < k or any(len(p) > 30 or _CLAUSE_MARKS.search(p) or _furniture(p, rules) for p in prev):
            break
        t2 = read_title("".join(prev) + core.text, rules)
        if t2 is None:
            break
        better_name = t2.name.kind != "none" and t.name.kind == "none"
        if better_name or (t2.year and not t.year):
            t = Title(t2.text, t2.name if better_name or t.name.kind == "none" else t.name,
                      t2.year or t.year, t2.sector or t.sector, core.tail)
            first = i - k
    return t, first, last


def read_cover(doc: Document, rules: AttributeRules, max_blocks: int = 60) -> Cover:
    """The title (the first title line in the first ``max_blocks`` blocks,
    with its neighbours) and the cover lines around it: a line naming the
    school, a bureau line, the date; and the first running header (Word)
    that reads as a title."""
    lines = [s for s in _cover_lines(doc, rules, max_blocks) if s]
    cover = Cover(lines=lines)
    for h in doc.metadata.get("headers") or []:
        cover.header = read_title(compact(h, rules), rules)
        if cover.header:
            break
    found = next(((i, t) for i, t in ((i, read_title(s, rules)) for i, s in enumerate(lines)) if t), None)
    if found is None:
        lines, found = _wrapped_title(lines, rules)
        cover.lines = lines
    if found is None:
        window, used = lines[:8], set()
    else:
        cover.title, first, last = _with_neighbours(lines, found[0], found[1], rules)
        window, used = _window(lines, first, last), set(range(first, last + 1))
        window = [cover.title.tail] + [s for j, s in window if j not in used]
    _read_furniture(cover, [s for s in window if s and len(s) <= 40], rules)
    if not (cover.title and cover.title.name.kind in ("school", "region", "national")):
        cover.quoted = _quoted_title(doc, rules)
    return cover


def _wrapped_title(lines: list[str], rules: AttributeRules, reach: int = 12):
    """A title set large on a cover and wrapped over two lines
    ("…中等职业教育质量年度" / "报告（2024年度）"): the first two short
    neighbouring lines among the first ``reach`` that read as a title only
    together, joined.  Returns the lines (joined there) and (index, title),
    or the lines unchanged and None."""
    for i in range(min(len(lines) - 1, reach)):
        a, b = lines[i], lines[i + 1]
        if len(a) <= 40 and len(b) <= 40 and (t := read_title(a + b, rules)) is not None:
            return lines[:i] + [a + b] + lines[i + 2:], (i, t)
    return lines, None


def _cover_lines(doc: Document, rules: AttributeRules, max_blocks: int) -> list[str]:
    """The text of the first blocks, spaces removed; a table among the first
    ten blocks (a cover laid out as a table) gives one line per cell."""
    out = []
    for i, b in enumerate(doc.blocks[:max_blocks]):
        if b.kind != "table":
            out.append(compact(b.text, rules))
        elif i < 10:
            out.extend(compact(c.text, rules) for row in b.rows or [] for c in row if c.is_origin)
    return out


def _quoted_title(doc: Document, rules: AttributeRules) -> Title | None:
    """A report title quoted in the first paragraphs that names a school
    (…编制了《青禾县职业技术学校2023年度质量报告》)."""
    for m in re.finditer(r"《([^《》]{4,60})》", compact(doc.text[:3000], rules)):
        t = read_title(m.group(1), rules)
        if t and t.name.kind == "school":
            return t
    return None


def _window(lines: list[str], first: int, last: int) -> list[tuple[int, str]]:
    """Short lines around the title, up to 3 before and 6 after, stopping at
    running text."""
    out = []
    for j in range(first - 1, max(-1, first - 4), -1):
        if len(lines[j]) > 40:
            break
        out.append((j, lines[j]))
    for j in range(last + 1, min(len(lines), last + 7)):
        if len(lines[j]) > 40:
            break
        out.append((j, lines[j]))
    return out


def _read_furniture(cover: Cover, window: list[str], rules: AttributeRules) -> None:
    rx = patterns(rules)
    for s in window:
        bare = YEAR_TOKEN.sub("", s).strip(rules.title_strip_chars + "—－-_")
        date = cover_date(s)
        if date and cover.date is None and len(bare) <= 16 and not _CLAUSE_MARKS.search(s):
            cover.date = date           # a date line (maybe after a bureau's name), not a sentence
        b = rx["bureau"].search(bare)
        if b and cover.bureau_region is None:
            name = classify_name(b.group("region"), rules)
            if name.kind in ("region", "national"):
                cover.bureau_region = name.text
        if cover.school_line is None and not b:
            name = classify_name(rx["editor"].sub("", rx["label"].sub("", bare)), rules)
            if name.kind == "school":
                cover.school_line = name.text
