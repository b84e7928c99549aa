"""The evidence around a figure that says whether it is the current value of
the report's own school or region.

Every word list and pattern comes from the ``context`` section of
``rules/metrics.yaml``; this module only compiles them and says in which
stretch of text each kind of evidence is looked for:

* the figure's own clause — a change (比上年增加…), a per-unit figure
  (每个专业…), a range after the figure (16:1~20:1);
* the sentence up to ``；`` — a plan, standard or capacity (计划, 可容纳…);
* the sentence period up to ``。`` — a total over several years (近三年,
  2018年至2022年) unless a single year is named after it, the subject of
  the clause (another sector, a part, the region), a breakdown (从专业类别看,
  最多, 其次), a term qualified by a clause before 的 (自主创业的毕业生).

>>> from nianbao.extractors.cues import Cues
>>> from nianbao.extractors.metric_rules import load_metric_rules
>>> cues = Cues(load_metric_rules().context)
>>> cues.subject("普通高中在校生")
('other', None)
"""
from __future__ import annotations

import re

#: the priority of clause subjects: one "other" word makes the clause
#: another entity's, whatever else it names
SUBJECT_ORDER = ("other", "part", "facility", "target", "own", "premises")

_SINGLE_YEAR = r"(?:19|20)\d\d\s*(?:年|届)(?!\s*(?:至|到|—|–|-|~))"


def _alt(words) -> str:
    """An alternation, longest first; a word that starts or ends with a digit
    ("211") never matches inside a number."""
    words = sorted({str(w) for w in words}, key=len, reverse=True)
    out = []
    for w in words:
        body = re.escape(w)
        if w[:1].isdigit():
            body = r"(?<![\d.])" + body
        if w[-1:].isdigit():
            body += r"(?![\d.])"
        out.append(body)
    return "|".join(out) if out else "(?!)"


class Cues:
    """Compiled cue words and patterns of ``rules/metrics.yaml`` ``context``."""

    def __init__(self, ctx: dict):
        """``ctx``: the checked ``context`` of rules/metrics.yaml
        (MetricRules.context).  Raises KeyError when a required list is
        missing and re.error when a pattern does not compile."""
        self._read_figure_cues(ctx)
        self._read_entities(ctx)
        self._read_phrasing(ctx)
        self._read_levels_and_groups(ctx)

    def _read_figure_cues(self, ctx: dict) -> None:
        """Changes, targets, history, subsets, multi-year totals, per-unit
        figures, modifiers, ranges, snapshots, part openers and the change
        lead: cues in the figure's clause and sentence."""
        self.diff = re.compile(_alt(ctx["difference_words"]))
        self.to_level = re.compile("(?:" + _alt(ctx.get("to_level_words", [])) + r")了?\s*(?:"
                                   + _alt(ctx.get("now_words", [])) + r")?\s*$")
        self.target = re.compile(_alt(ctx["target_words"]))
        self.target_reset = re.compile(_alt(ctx.get("target_reset_words", [])))
        self.target_noun = re.compile(ctx.get("target_noun_pattern") or "(?!)")
        self.history = re.compile(_alt(ctx.get("history_words", [])))
        self.source_year = re.compile(ctx.get("source_year_pattern") or "(?!)")
        self.subset = tuple(ctx["subset_words"])
        self.cumulative = re.compile(_alt(ctx["cumulative_words"]))
        pats = list(ctx.get("cumulative_patterns", []))
        self.multi_year = re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None
        # a single year or "now" after a multi-year cue: the figure is that year's
        self.year_reset = re.compile(_SINGLE_YEAR + "|" + _alt(ctx.get("current_words", [])))
        self.per_unit = re.compile(_alt(ctx.get("per_unit_words", [])))
        self.modifier = re.compile(ctx.get("modifier_after") or "(?!)")
        self.range_after = re.compile(r"^\s*(?:" + _alt(ctx.get("range_marks", [])) + r")\s*(?:约|近)?[0-9０-９]")
        self.snapshot = tuple(ctx.get("snapshot_words", []))
        self.part_openers = re.compile(_alt(ctx.get("part_openers", [])))
        # matched at the term's end (re.match with pos: a leading ^ would never match there)
        self.change_lead = re.compile(ctx["change_lead"].removeprefix("^")) if ctx.get("change_lead") else None

    def _read_entities(self, ctx: dict) -> None:
        """The entity words by class (SUBJECT_ORDER, region, sector, none; a
        sector word with each sector suffix) and the entity patterns."""
        ents = ctx.get("entities", {})
        self._entity_class = {str(w): cls for cls in SUBJECT_ORDER + ("region", "sector", "none")
                              for w in ents.get(cls, [])}
        for w in ents.get("sector", []):
            for suffix in ents.get("sector_suffixes", []):
                self._entity_class.setdefault(f"{w}{suffix}", "sector")
        self.entity = re.compile(_alt(self._entity_class))
        self.entity_patterns = [(cls, re.compile(p)) for cls, pats in (ctx.get("entity_patterns") or {}).items()
                                for p in pats if cls != "none"]
        # "none" patterns: phrases that hold an entity word but name no entity
        self.masks = [re.compile(p) for p in (ctx.get("entity_patterns") or {}).get("none", [])]

    def _read_phrasing(self, ctx: dict) -> None:
        """Comparisons, copulas, breakdowns, additions, projects and qualifiers."""
        self.compared = re.compile("(?:" + _alt(ctx.get("compared_markers", [])) + r")[^，,；;。]{0,3}$")
        # "学院是…普通高等学校": what the subject is said to be describes it
        self.copula = re.compile("(?:" + _alt(ctx.get("copula_words", [])) + r")[^，,；;。]*$")
        self.breakdown = [re.compile(p) for p in ctx.get("breakdown_openers", [])]
        self.addition = re.compile(_alt(ctx.get("addition_words", [])))
        pats = list(ctx.get("project_patterns", []))
        self.project = re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None
        self.qualified = re.compile(ctx.get("qualified_before") or "(?!)")

    def _read_levels_and_groups(self, ctx: dict) -> None:
        """School levels, target lists, qualifiers, subset bases, averages,
        bounds, places, the school's voice, teacher groups, the school
        system's sectors and the whole region."""
        self.sector_levels = {str(lv): tuple(str(w) for w in ws) for lv, ws in (ctx.get("sector_levels") or {}).items()}
        self.target_list = re.compile(ctx.get("target_list_pattern") or "(?!)")
        self.qualifier_ok = re.compile(ctx.get("qualifier_ok") or "(?!)")
        self.subset_base = re.compile(ctx.get("subset_base_pattern") or "(?!)")
        self.average = re.compile(_alt(ctx.get("average_words", [])))
        self.upper_bound = tuple(ctx.get("upper_bound_words", []))
        self.place = re.compile(ctx.get("place_pattern") or "(?!)")
        self.school_voice = re.compile(ctx.get("school_voice_pattern") or "(?!)")
        self.teacher_groups = tuple(ctx.get("teacher_groups", []))
        self.group_counted = frozenset(ctx.get("group_counted", []))
        self.whole_staff = frozenset(ctx.get("whole_staff", []))
        self.system_sectors = tuple(ctx.get("system_sectors", []))
        self.system_min = int(ctx.get("system_min", 3))
        self.voice_levels = {str(lv): tuple(str(w) for w in ws) for lv, ws in (ctx.get("voice_levels") or {}).items()}
        self.not_place = tuple(ctx.get("not_places", []))
        self.whole_region = re.compile(_alt(list((ctx.get("entities") or {}).get("region", []))
                                            + list(ctx.get("own_region_words", []))))
        self.average_not_for = frozenset(ctx.get("average_not_for", []))
        self.one_school = re.compile(_alt(ctx.get("one_school_words", [])) or "(?!)")
        self.one_school_head = re.compile(ctx.get("one_school_head") or "(?!)")
        self.major_before_term = re.compile(ctx.get("major_before_term") or "(?!)")
        self.standard_after = re.compile(ctx.get("standard_after") or "(?!)")
        self.compared_aside = re.compile(ctx.get("compared_aside") or "(?!)")
        self.kept_floor = re.compile(ctx.get("kept_floor") or "(?!)")
        self.set_apart = re.compile(ctx.get("set_apart") or "(?!)")
        self.other_school_pronoun = re.compile(_alt(ctx.get("other_school_pronouns", [])) or "(?!)")
        self.elliptic = re.compile(ctx["elliptic_clause"]) if ctx.get("elliptic_clause") else None

    # -- clause evidence
    def is_change(self, before: str) -> bool:
        """``before``: the figure's clause up to the figure (from the term, if
        the term is in the clause).  True for "比上年增加"…, not for "增至"."""
        return bool(self.diff.search(before)) and not self.to_level.search(before)

    def is_addition(self, before_term: str) -> bool:
        """``before_term``: the clause up to the term.  "新招聘专任教师…",
        "引进…": the persons added this year, not the total."""
        return bool(self.addition.search(before_term))

    def is_project(self, period: str) -> bool:
        """``period``: the whole sentence period.  A construction built in
        phases ("分两期建设"): its figures are a project's, partly future."""
        return bool(self.project and self.project.search(period))

    def is_per_unit(self, before: str) -> bool:
        return bool(self.per_unit.search(before))

    def is_modifier(self, after: str) -> bool:
        """``after``: the text right after the figure ("的专业有5个")."""
        return bool(self.modifier.match(after))

    def is_range(self, after: str) -> bool:
        """``after``: the text right after the figure ("~20:1", "至20%")."""
        return bool(self.range_after.match(after))

    def is_target(self, before: str) -> bool:
        """A plan word before the figure, with no "实际…" after it; a plan
        named as the object of a verb ("制定了…发展规划，") is no plan for the
        figure."""
        nouns = [m.span() for m in self.target_noun.finditer(before)]
        last = None
        for m in self.target.finditer(before):
            if not any(a <= m.start() < b for a, b in nouns):
                last = m
        return last is not None and not self.target_reset.search(before, last.end())

    def is_cumulative(self, clause: str, period: str) -> bool:
        """A total or average over several years: a cumulative word in the
        figure's clause (累计…), or a multi-year cue in the sentence period
        before it (近三年来, 2018年至2022年) unless the figure's clause names a
        single year or "now" after the cue ("2020—2023年…，2021年为…")."""
        if self.cumulative.search(clause):
            return True
        last = None
        for m in self.multi_year.finditer(period) if self.multi_year else ():
            last = m
        if last is None:
            return False
        tail = period[max(last.end(), len(period) - len(clause)):]
        return not self.year_reset.search(tail)

    # -- subjects
    def subject(self, head: str) -> tuple[str | None, bool | None]:
        """What a clause head names: (class, region).

        class — other / part / facility / target / own (the school or the
        vocational sector) / premises (校舍, 校园: the school's unless a part
        or another entity is in scope), or None; region — True when a region (全国, 全市 …)
        is named after the last mention of the school itself, False when the
        school itself (本校, 学校 …) is named last, None when neither.  Words
        that follow 比, 较, 占, 居 … are compared with, not subjects, and
        words after 是, 系, 属于 … in the clause say what the subject is
        ("学院是…普通高等学校")."""
        found = set()
        region = None
        for p in self.masks:       # "两个校区": all the campuses, the whole school
            head = p.sub(lambda m: " " * len(m.group(0)), head)
        for m in self.entity.finditer(head):
            if self.compared.search(head[:m.start()]) or self.copula.search(head[:m.start()]):
                continue
            cls = self._entity_class[m.group(0)]       # "none": 本科学历 names no entity
            if cls == "region":
                region = True
            elif cls == "own":
                region = False
            found.add("own" if cls == "sector" else cls)
        found.update(cls for cls, p in self.entity_patterns if p.search(head))
        return next((c for c in SUBJECT_ORDER if c in found), None), region

    def sectors_named(self, head: str) -> set[str]:
        """The levels (中职 / 高职, ``context.sector_levels``) whose sector words
        ``head`` names as its subject — not after 升入, 比 … ("升入高职的…")."""
        out = set()
        for p in self.masks:
            head = p.sub(lambda m: " " * len(m.group(0)), head)
        for m in self.entity.finditer(head):
            if self._entity_class[m.group(0)] != "sector" or self.compared.search(head[:m.start()]):
                continue
            out.update(lv for lv, words in self.sector_levels.items() if m.group(0).startswith(tuple(words)))
        return out

    def title_levels(self, title: str) -> set[str]:
        """The levels (``sector_levels``) a report's title names: {"中职"} for
        …中等职业教育质量年度报告; none for 职业教育, both for 中高职."""
        t = "".join(title.split())
        if "中高职" in t or "中、高职" in t:
            return set(self.sector_levels)
        return {lv for lv, words in self.sector_levels.items() if any(w in t for w in words)}

    def opens_breakdown(self, period_head: str) -> bool:
        """A sentence period that opens with 从专业类别看, 按…统计 …"""
        return any(p.search(period_head) for p in self.breakdown)

    def is_qualified(self, before_term: str) -> bool:
        """``before_term``: the clause up to the term.  "…自主创业的" + term
        is a part of the population; "学校的", "2023届的", "毕业半年后的" are not."""
        m = self.qualified.search(before_term)
        return bool(m) and not self.qualifier_ok.fullmatch(before_term[:m.start()].strip())

    def names_a_major(self, clause_to_term_end: str) -> bool:
        """``clause_to_term_end``: the clause up to the end of a term that
        begins with 专业 (专业对口就业率).  A major's name right before it
        ("电子商务" + 专业对口就业率) makes the figure that major's
        (``major_before_term``); 毕业生, 学校, 2023届 … before it do not."""
        return bool(self.major_before_term.search(clause_to_term_end))

    def places_in(self, head: str) -> list[str]:
        """Place names (X市, X县, X省 …, ``place_pattern``) in a clause head,
        not after 比/较/高于 … and not words such as 城市 (``not_places``)."""
        return [m.group(0) for m in self.place.finditer(head)
                if not m.group(0).endswith(self.not_place) and not self.compared.search(head[:m.start()])]

    def regions_named(self, head: str) -> list[str]:
        """The whole-region words (``entities.region``) ``head`` names as its
        subject, in order: not after 比, 较, 高于 … nor 是, 为 …"""
        return [m.group(0) for m in self.whole_region.finditer(head)
                if not self.compared.search(head[:m.start()]) and not self.copula.search(head[:m.start()])]

    def names_one_school(self, head: str) -> bool:
        """该校, 该院 … (``one_school_words``), or a clause that opens with 学校
        (``one_school_head``): one school spoken of before, as the subject (in a
        region's report: a case paragraph about one of its schools)."""
        return bool(self.one_school.search(head) or self.one_school_head.match(head))

    def names_whole_region(self, text: str) -> bool:
        """全国, 全省, 我省, 本市 …: a whole region is named."""
        return bool(self.whole_region.search(text))

    def is_upper_bound(self, figure: str, before: str) -> bool:
        """``figure``: the figure's text with its markers; ``before``: a few
        characters before it.  不足六成, 不到300人, 3000人以下, 低于…: the value
        is below the figure, so the figure is no value."""
        w = self.upper_bound
        return bool(w) and (figure.startswith(w) or figure.endswith(w) or before.rstrip().endswith(w))

    def is_average(self, metric: str, clause: str) -> bool:
        """``clause``: the figure's clause up to the figure.  An average
        (平均, 校均) of a metric that is a total ("平均在校生规模…") is no total."""
        return metric in self.average_not_for and bool(self.average.search(clause))

    def names_a_group(self, before_term: str) -> bool:
        """``before_term``: the clause up to the term (or a template's base).
        "青年教师中", "女教师…": a group of the teachers, so the figure is a part."""
        return bool(self.subset_base.search(before_term))

    def is_snapshot(self, before_year: str) -> bool:
        return before_year.rstrip().endswith(self.snapshot) if self.snapshot else False
