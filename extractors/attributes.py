"""Document attributes: school (or region), level, covered year, region.

Worked out from the content, never the file name, in this order of trust:

* **who** — the name in the title (:mod:`extractors.cover`): a school, or a
  region for a region's report (``全国`` for a national one); else a cover
  line that is a school's name (学校名称：… too); else the running header
  (Word); else a school's title quoted in the first paragraphs; else a
  bureau line on the cover (a region's report); else the school named most
  often as the subject of the first paragraphs (a school named in a clause
  about a merger or a visit, or after 与/赴/来自…, does not count).  An
  anonymised name (某校) and a generic or series title (职业学校质量报告)
  give no school.
* **level** — 区域 for a region or the country; else the title's words
  (中等职业教育 → 中职, 高等职业教育 → 高职); else the school's type word
  (技师学院 → 中职, 职业学院 → 高职; ``rules/attributes.yaml``).
* **covered year** — a title's year is often not the year it covers (titles
  were by publication year up to 2023, by covered year since; a 学年 spans
  two years).  A statement of the period reported on near the start
  (``对2022-2023学年…``) decides, else the cover date (a date before
  September covers the year before), else the title's year as written: a
  bare edition year (``2015中国…``, ``…报告2019``) covers the year before, a
  range its end year, ``（2023）`` the year the body talks about most, any
  other form the year itself.  Without a year in the title: the period
  statement, the cover date, then the year the body talks about most.
"""
from __future__ import annotations

import re
from collections import Counter

from nianbao.ingest.model import Document

from .attribute_rules import AttributeRules, load_attribute_rules, patterns
from .cover import YEAR_TOKEN, Cover, Name, classify_name, compact, read_cover

_Y = r"(?<!\d)((?:19|20)\d\d)(?!\d)"
_YEAR = re.compile(_Y + r"\s*(年度|年|届|学年)")
_SPAN_YEAR = re.compile(_Y + r"\s*[-—–~至到]\s*" + _Y + r"\s*学年")
_PERIOD = re.compile(
    _Y + r"[-—–~～至到]" + _Y + r"学年"                                    # 2022-2023学年
    + r"|" + _Y + r"年\d{1,2}月(?:\d{1,2}日)?[-—–~～至到]" + _Y + r"年\d{1,2}月"  # 2022年9月1日至2023年8月
    + r"|" + _Y + r"学年")                                                  # 2023学年(度)
_CLAUSES = re.compile(r"[。；！？\n，,;：:|]")


def extract_attributes(doc: Document) -> dict:
    """``{"title", "school", "level", "year", "region"}`` (+ ``"title_year"`` when
    the title prints another year than the one covered).  ``school`` is the
    region's name for a region's report; any value is None when the document
    does not tell it."""
    rules = load_attribute_rules()
    cover = read_cover(doc, rules)
    name, level = who(doc, cover, rules)
    year, title_year = covered_year(doc, cover, rules)
    region = find_region(doc, name.text, level, name.text if name.kind == "region" else None, rules)
    if name.kind == "national":
        region = name.text
    attrs = {"title": cover.title.text if cover.title else None, "school": name.text, "level": level,
             "year": year, "region": region}
    if title_year and title_year != year:
        attrs["title_year"] = title_year
    return attrs


# -- who the report is about -----------------------------------------------------

def who(doc: Document, cover: Cover, rules: AttributeRules) -> tuple[Name, str | None]:
    """The school or region (a :class:`Name`) and the level."""
    t = cover.title
    title_name = t.name if t else Name("none")
    sector = (t.sector if t else None) or (cover.header.sector if cover.header else None)
    name = title_name
    if name.kind not in ("school", "region", "national") or (name.generic and cover.school_line):
        name = _fallback_name(doc, cover, title_name, rules)
    elif name.kind == "region" and name.text is None and cover.bureau_region:
        name = classify_name(cover.bureau_region, rules)       # 关于全市…的报告 under 楚州市教育局
    if name.kind in ("region", "national"):
        return name, "区域"
    level = sector or name.level or title_name.level
    if name.kind == "school" and level is None:
        level = _body_level(doc, rules)
    return name, level


def _fallback_name(doc: Document, cover: Cover, title_name: Name, rules: AttributeRules) -> Name:
    if cover.school_line:
        return classify_name(cover.school_line, rules)
    if cover.header and cover.header.name.kind in ("school", "region", "national"):
        return cover.header.name
    if cover.quoted:
        return cover.quoted.name
    if cover.bureau_region:
        return classify_name(cover.bureau_region, rules)
    if title_name.kind == "anonymous":
        return title_name
    school = body_school(doc, rules)
    return classify_name(school, rules) if school else title_name


def _variants(raw: str, rules: AttributeRules) -> list[str]:
    """School names a raw match may stand for: the type word with 2, 3 …
    characters before it, as long as they hold no rejected word and no cut
    word after their first character (a place name may begin with one)."""
    rx = patterns(rules)
    typ = next(w for w, _ in rules.type_levels if raw.endswith(w))
    proper = raw[:-len(typ)]
    out = []
    for k in range(2, len(proper) + 1):
        p = proper[-k:]
        if rx["reject"].search(p) or rx["cut"].search(p[1:]):
            break
        out.append(p + typ)
    return out


def body_school(doc: Document, rules: AttributeRules) -> str | None:
    """The school the first paragraphs are about: the name found most often,
    as its longest well-formed spelling (a name opening its clause counts
    twice, a line of its own five more times); None when no name counts
    twice."""
    rx = patterns(rules)
    head = "\n".join(compact(b.text, rules) for b in doc.blocks[:80] if b.kind != "table")[:6000]
    head = YEAR_TOKEN.sub("|", head)
    support: Counter = Counter()
    for clause in _CLAUSES.split(head):
        if not clause or any(w in clause for w in rules.school_clause_cues):
            continue
        cue = min((clause.find(w) for w in rules.school_partner_cues if w in clause), default=len(clause))
        for m in rx["school"].finditer(clause):
            kinds = {v: classify_name(v, rules).kind for v in _variants(m.group(), rules)}
            if any(k in ("series", "national", "anonymous") for k in kinds.values()):
                continue        # 全国中等职业学校, 陕西省职业学校: a phrase, not a name
            names = [v for v, k in kinds.items() if k == "school"]
            if names and m.end() - len(names[0]) <= cue:
                support.update(names)
                if m.start() == 0 and names[-1] == m.group():
                    support[names[-1]] += 1         # the subject of its clause: 青禾县职业技术学校是…
    for line in head.split("\n")[:30]:
        if line in support:
            support[line] += 5
    support = Counter({n: c for n, c in support.items() if c >= 2})      # a school's own name recurs
    if not support:
        return None
    cut = rx["cut"]
    return max(support, key=lambda n: (support[n], not cut.match(n), len(n)))


def _body_level(doc: Document, rules: AttributeRules) -> str | None:
    """中职 / 高职 when the first paragraphs name one sector twice as often as
    the other (是一所公办中等职业学校 …)."""
    head = compact(doc.text[:3000], rules)
    counts = Counter({lv: sum(head.count(w) for w in words) for lv, words in rules.sector_words.items()})
    (top, n), *rest = counts.most_common() or [(None, 0)]
    other = rest[0][1] if rest else 0
    return top if n >= 1 and n >= 2 * other else None


# -- the covered year ------------------------------------------------------------

def covered_year(doc: Document, cover: Cover, rules: AttributeRules) -> tuple[int | None, int | None]:
    """(covered year, year printed in the title); see the module docstring."""
    t = cover.title if cover.title and cover.title.year else cover.header
    ty = t.year if t else None
    period = stated_period(doc, rules)
    dated = _date_year(cover, rules)
    if ty is None:
        return period or dated or body_year(doc, rules), None
    near = (ty.year - 1, ty.year)
    for y in (period, dated):
        if y in near:
            return y, ty.year
    if ty.kind == "edition":
        return ty.year - 1, ty.year
    if ty.kind == "paren":
        ev = _year_evidence(doc, rules)
        return max(near, key=lambda y: (ev.get(y, 0), y == ty.year)), ty.year
    return ty.year, ty.year


def _date_year(cover: Cover, rules: AttributeRules) -> int | None:
    if not cover.date:
        return None
    y, month = cover.date
    return y if month >= rules.cover_date_same_year_from_month else y - 1


def stated_period(doc: Document, rules: AttributeRules) -> int | None:
    """The year of a statement of the period reported on in the first
    paragraphs (``对2022-2023学年的办学情况…`` → 2023, ``数据统计口径为2022年9月1日至
    2023年8月31日`` → 2023, ``2023学年度`` → 2023)."""
    head = compact(doc.text[:4000], rules)
    for sentence in re.split(r"[。；！？\n]", head):
        if not any(c in sentence for c in rules.period_cues):
            continue
        m = _PERIOD.search(sentence)
        if m:
            return int(m.group(2) or m.group(4) or m.group(5))
    return None


def _year_evidence(doc: Document, rules: AttributeRules) -> Counter:
    """How often the body names each year (届 counts three times; a year after
    较/比/始建于 … or in a clause about the school's history — 建校, 易地新建,
    成为… — does not count)."""
    body = compact(doc.text[:200000], rules)
    skip = tuple(rules.year_skip_before)
    history = tuple(rules.year_skip_clause_words)
    evidence: Counter = Counter()
    for m in _YEAR.finditer(body):
        if body[max(0, m.start() - 3):m.start()].endswith(skip):
            continue
        clause_start = max((x.end() for x in _CLAUSES.finditer(body, max(0, m.start() - 40), m.start())),
                           default=max(0, m.start() - 40))
        clause_end = next((x.start() for x in _CLAUSES.finditer(body, m.end())), len(body))
        if any(w in body[clause_start:clause_end] for w in history):
            continue
        evidence[int(m.group(1))] += 3 if m.group(2) == "届" else 1
    for m in _SPAN_YEAR.finditer(body):
        evidence[int(m.group(2))] += 1
    return evidence


def body_year(doc: Document, rules: AttributeRules) -> int | None:
    """The year the body names most often, or None."""
    ev = _year_evidence(doc, rules)
    return ev.most_common(1)[0][0] if ev else None


# -- where -----------------------------------------------------------------------

def find_region(doc: Document, school: str | None, level: str | None, region_name: str | None,
                rules: AttributeRules) -> str | None:
    """Province + prefecture (+ county for a school): from the text's 位于…
    statement, the school's or region's own name and the province named
    most often in the first pages."""
    head = compact(doc.text[:20000], rules)
    province = _province(head, school, rules)
    if region_name:                      # a region's own report: its province + the region as named
        if province and (region_name in province or province in region_name):
            return province if len(province) >= len(region_name) else region_name
        return (province or "") + region_name
    loc = re.search(rules.location_pattern, head)
    if loc and loc.group("prov"):
        province = loc.group("prov")
    parts = [province] if province else []
    pref = loc.group("pref") if loc and loc.group("pref") else None
    if pref is None:
        m = re.search(rules.prefecture_pattern, (school or "") + "|" + (region_name or ""))
        pref = m.group(0) if m else None
    if pref and (not province or pref not in province):
        parts.append(pref)
    county = loc.group("county") if loc else None
    if county is None and school:
        m = re.match(rules.school_county_pattern, school)
        county = m.group("county") if m else None
    if county and county != pref and level != "区域":
        parts.append(county)
    return "".join(parts) or None


def _province(head: str, school: str | None, rules: AttributeRules) -> str | None:
    """The province named most often (full or short name; in the school's own
    name it counts most)."""
    scores = Counter()
    for full in rules.provinces:
        short = next((k for k, v in rules.province_short.items() if v == full), full[:-1])
        scores[full] = head.count(short) + (10 if school and short in school else 0)
    best = scores.most_common(1)
    return best[0][0] if best and best[0][1] > 0 else None
