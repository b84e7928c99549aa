"""Document attributes: school name, covered year, level, region.

Worked out from the content, not from the file name: the cover and title
lines, the first paragraphs, and the years the body talks about.  A report's
title year is often not the year it covers (titles were by publication year up
to 2023, by covered year since; a 学年 spans two years), so the covered year
is decided by evidence in the body.
"""
from __future__ import annotations

import re
from collections import Counter

from nianbao.ingest.model import Document

from .rules import load_attributes

_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)\s*(年度|年|届|学年)")
_TITLE_YEAR = re.compile(r"(?:[（(]\s*((?:19|20)\d\d)\s*(?:年度|年)?\s*[)）])|((?:19|20)\d\d)\s*(?:年度|年)")
_SPAN_YEAR = re.compile(r"((?:19|20)\d\d)\s*[-—–~至]\s*((?:19|20)\d\d)\s*学年")


def _compact(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s)


def find_title(doc: Document) -> str | None:
    """The report title: the first short line near the top naming a 质量报告."""
    blocks = doc.blocks[:60]
    for i, b in enumerate(blocks):
        t = _compact(b.text)
        if len(t) <= 60 and "报告" in t and ("质量" in t or "年报" in t):
            # a title set on two lines: "…质量年度报告" / "（2023年度）"
            if i + 1 < len(blocks) and re.fullmatch(r"[（(]?(?:19|20)\d\d\s*年?度?[)）]?", _compact(blocks[i + 1].text)):
                t += _compact(blocks[i + 1].text)
            return t
    return None


def find_school(doc: Document, title: str | None, cfg: dict) -> str | None:
    rx = re.compile(cfg["school_pattern"])
    head = "\n".join(_compact(b.text) for b in doc.blocks[:80] if b.kind != "table")[:6000]
    counts = Counter()
    first_pos = {}
    for m in rx.finditer(head):
        name = m.group("name")
        # drop a leading verb/preposition swallowed by the pattern
        name = re.sub(cfg["school_prefix_strip"], "", name)
        if len(name) < 4 or re.search(cfg["school_name_reject"], name):
            continue
        counts[name] += 1
        first_pos.setdefault(name, m.start())
    # a line that is nothing but a school name is the cover: it counts most
    for b in doc.blocks[:30]:
        t = _compact(b.text)
        m = rx.fullmatch(t)
        if m and not re.search(cfg["school_name_reject"], t):
            counts[t] += 5
            first_pos.setdefault(t, 0)
    if title:
        m = rx.search(title)
        if m:
            counts[re.sub(cfg["school_prefix_strip"], "", m.group("name"))] += 3
    if not counts:
        return None
    # prefer the longest name among the most frequent ones ("XX职业技术学校" over "职业技术学校")
    best = max(counts, key=lambda n: (counts[n] + sum(c for o, c in counts.items() if o != n and o in n), len(n),
                                      -first_pos.get(n, 0)))
    return best


def find_level(doc: Document, title: str | None, school: str | None, cfg: dict) -> str | None:
    t = title or ""
    for level, words in cfg["level_title_words"].items():
        if any(w in t for w in words):
            if level in ("中职", "高职") and not school and _region_from_title(t, cfg):
                return "区域"
            return level
    if school:
        for level, ends in cfg["level_school_suffixes"].items():
            if school.endswith(tuple(ends)):
                return level
    return None


def _region_from_title(title: str, cfg: dict) -> str | None:
    m = re.match(cfg["region_title_pattern"], title)
    return m.group("region") if m else None


def find_year(doc: Document, title: str | None) -> tuple[int | None, int | None]:
    """Return (covered year, title year)."""
    title_year = None
    if title:
        m = _TITLE_YEAR.search(title)
        if m:
            title_year = int(m.group(1) or m.group(2))
    body = doc.text[:200000]
    evidence = Counter()
    for m in _YEAR.finditer(body):
        y, kind = int(m.group(1)), m.group(2)
        before = body[max(0, m.start() - 3):m.start()]
        if any(w in before for w in ("较", "比", "与", "至", "和")):
            continue
        evidence[y] += 3 if kind == "届" else 1
    for m in _SPAN_YEAR.finditer(body):
        evidence[int(m.group(2))] += 1
    if title_year is None:
        return (evidence.most_common(1)[0][0] if evidence else None), None
    cands = [title_year, title_year - 1]
    covered = max(cands, key=lambda y: (evidence.get(y, 0), y == title_year))
    if title and "年度" in title and evidence.get(title_year, 0) >= evidence.get(title_year - 1, 0) / 2:
        covered = title_year
    return covered, title_year


def find_region(doc: Document, school: str | None, level: str | None, title: str | None, cfg: dict) -> str | None:
    head = _compact(doc.text[:20000])
    # the province mentioned most (full or short name; the school's own name counts most)
    scores = Counter()
    for full in cfg["provinces"]:
        short = next((k for k, v in cfg["province_short"].items() if v == full), full[:-1])
        scores[full] = head.count(short) + (10 if school and short in school else 0)
    province = None
    if scores and scores.most_common(1)[0][1] > 0:
        province = scores.most_common(1)[0][0]
    loc = re.search(cfg["location_pattern"], head)
    if loc and loc.group("prov"):
        province = loc.group("prov")
    parts = [province] if province else []
    pref = loc.group("pref") if loc and loc.group("pref") else None
    if pref is None:
        src = (school or "") + "|" + (_region_from_title(title or "", cfg) or "")
        m = re.search(cfg["prefecture_pattern"], src)
        pref = m.group(0) if m else None
    if pref and (not province or pref not in province):
        parts.append(pref)
    county = loc.group("county") if loc else None
    if county is None and school:
        m = re.match(cfg["school_county_pattern"], school)
        county = m.group("county") if m else None
    if county and county != pref and level != "区域":
        parts.append(county)
    return "".join(parts) or None


def extract_attributes(doc: Document) -> dict:
    cfg = load_attributes()
    title = find_title(doc)
    school = find_school(doc, title, cfg)
    level = find_level(doc, title, school, cfg)
    year, title_year = find_year(doc, title)
    # a title that opens with a region directly followed by 职业教育 is the
    # region's own report, whatever school names the text mentions
    if level == "区域" or (title and _region_from_title(title, cfg)):
        level = "区域"
        school = _region_from_title(title or "", cfg) or school
    region = find_region(doc, school, level, title, cfg)
    attrs = {"title": title, "school": school, "level": level, "year": year, "region": region}
    if title_year and title_year != year:
        attrs["title_year"] = title_year
    return attrs
