"""Figures stated in running text.

For each paragraph: the term matcher (jieba + spaCy) finds metric terms, the
number scanner (``extractors.numbers``) finds every figure with its unit, and
the rules of ``rules/metrics.yaml`` pair them — a term and the figure after it
in the same clause, a figure and the word after it ("11个专业"), or a
template.  The kind of the figure's unit must be the metric's kind.  A pairing
is dropped when the evidence around it (``extractors.cues``) says the figure is
a change (比上年增加…), a target (计划、可容纳…), a part (其中…, 新校区…, 从专业
大类看…), a total over several years (近三年…), another entity's (普通高中,
本科…; the region's, in a school's report), or out of the plausible range.
The year a figure refers to comes from the clause ("2022年…", "较2022年的…",
"上年…") or from the year the paragraph is about; otherwise it is the report
year.

``NarrativeExtractor(rules, matcher).extract(doc, report_year, scope)`` →
``list[Metric]``; ``scope`` is ``"school"`` (a named school's report: region
totals are not its figures), ``"region"`` or ``"open"`` (whose report is not
known: the passage's own subject counts).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Callable

from nianbao.ingest.model import PARAGRAPH, Document

from . import series
from .cues import Cues, _alt
from .facts import Candidate, Metric, Provenance
from .attribute_rules import load_attribute_rules
from .metric_rules import MetricRule, MetricRules
from .numbers import find_quantities, normalize
from .segment import TermMatcher

_PERIOD_END = re.compile(r"[。！？!?\n]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_BREAK = re.compile(r"[，,；;。：:（）()]")
_COMMA = re.compile(r"[，,；;]")
#: a clause that ends by closing an aside it opened: "（其中公办11所、民办4所）"
_CLOSED_ASIDE = re.compile(r"[（(][^（()）]*[)）][\s，,]*$")
#: the exact figure right after a rounded share ("六成，达到63.8%")
_EXACT_NEXT = re.compile(r"\s*[，,]\s*(?:达到|达|为|占|约为|是)?\s*\d")
_SUBJECT_BREAK = re.compile(r"[，,；;。：:]")
_ITEM_BREAK = re.compile(r"[，,；;、]")
# how far back in a paragraph a whole region named before a place is looked for (characters)
_LOOK_BACK = 2000
_LEAD_YEAR_WORD = re.compile(r"^(?:19|20)\d\d\s*(?:年度|年|届)\s*")
_FOOTNOTE = re.compile(r"\[\d{1,3}\]|［\d{1,3}］|[①-⑳]")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*(?:[-—–~至]\s*((?:19|20)\d\d)\s*)?(年度|年|届|学年)")
_LEAD_YEAR = re.compile(r"^\s*(截至|截止|到|在)?\s*((?:19|20)\d\d)\s*(?:[-—–~至]\s*((?:19|20)\d\d)\s*)?(年度|年|届|学年)")
# the previous-year words (上年, 去年 … from rules: previous_year_words) go in at {prev}
_COMPARE = r"(?:较|比|相比|同比|对比)(?:于)?\s*({prev}|((?:19|20)\d\d)\s*(?:年度|年|届|学年)?)(?:同期)?(的)?\s*$"
# "…97.3%，较2022年的95.8%": the previous year's value of the same metric
_FOLLOW = r"^[^。；;]{0,24}?(?:较|比|相比|同比)(?:于)?\s*({prev}|((?:19|20)\d\d)\s*(?:年度|年|届|学年)?)(?:同期)?的\s*"
# digits, then spaces right before a figure: the figure may be the tail of a
# number a PDF split with a space ("12 345 678人")
_SPLIT_NUMBER = re.compile(r"\d[ \t\u00a0\u2009]+$")
_NUMBER_NEXT = re.compile(r"[ \t\u00a0\u2009]+\d")
# a year after 较/比/与 is compared with, not talked about
_COMPARED = re.compile(r"(?:较|比|与|同|相比|对比)(?:于)?\s*$")
# "…4,235.6万元（上年3,986.2万元）"
_FOLLOW_PAREN = r"^\s*[（(，,]\s*({prev}|((?:19|20)\d\d)\s*(?:年度|年|届|学年))(?:同期)?(?:为|是)?\s*"
# 二〇二三年 → 2023年 (same length, so offsets hold)
_CN_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=\s*(?:年|届|学年))")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" "9")


@dataclass
class _Candidate:
    rule: MetricRule
    q: object          # numbers.Quantity
    anchor: int        # where the term (or template) starts
    rule_id: str
    term: str = ""     # the term that named the metric ("" for templates)
    anchor_end: int | None = None   # where the term ends
    year: int | None = None         # the year, when the phrasing gives it (series.py)
    #: one of several entities listed before the term, chosen as the report's own
    #: (_own_entity): the clause's subject, other entities and levels are the list's
    own_entity: bool = False


@dataclass
class _Paragraph:
    """One paragraph being read: its text, years readable as digits, the
    sentence periods and the subject of every clause."""
    text: str
    years: str                       # text with 二〇二三年 → 2023年
    periods: list[tuple[int, int]]
    # (period start, end) → its clauses: start, end, the subject it inherits,
    # whether it counts a part; worked out when first asked for
    clauses_of: Callable[[int, int], list[tuple[int, int, "_Subject", bool]]]
    accepted: list[tuple[str, int]] = field(default_factory=list)  # (metric, position) taken so far
    weak_at: set[int] = field(default_factory=set)                 # positions taken by a weak term (教师, 学生)
    terms: list[int] = field(default_factory=list)                 # where metric terms start
    not_terms: list[int] = field(default_factory=list)             # where not_metrics phrases start
    _clauses: dict = field(default_factory=dict)
    sentences: list[tuple[int, int]] = field(default_factory=list)   # up to ；
    quants: list = field(default_factory=list)                        # the paragraph's figures

    def period_of(self, pos: int) -> tuple[int, int]:
        return next((p for p in self.periods if p[0] <= pos < p[1]), (0, len(self.text)))

    def clause_of(self, pos: int) -> tuple[int, int, "_Subject", bool]:
        period = self.period_of(pos)
        if period not in self._clauses:
            self._clauses[period] = self.clauses_of(*period)
        return next((c for c in self._clauses[period] if c[0] <= pos < c[1]), (pos, pos, _Subject(), False))


#: the level a whole-region word names, by its last character (全国, 全省, 我市, 全县 …)
_REGION_LEVELS = "国省市州盟县区旗"


@dataclass(frozen=True)
class _Subject:
    """Whose figure a clause states: kind (other / part / facility / target /
    own / None) and whether a region scopes it ("全市…")."""
    kind: str | None = None
    regional: bool = False


@dataclass
class _Spot:
    """Where a candidate's figure sits in its paragraph, as character offsets
    into ``para.text``: the sentence start, the earlier of the term and the
    figure (``lo``), the start of the figure's clause and its sentence period."""
    para: _Paragraph
    c: _Candidate
    s_start: int
    lo: int
    clause_start: int
    p_start: int
    p_end: int

    @classmethod
    def of(cls, para: _Paragraph, s_start: int, c: _Candidate) -> "_Spot":
        q = c.q
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(para.text, s_start, q.start)), default=s_start)
        return cls(para, c, s_start, min(c.anchor, q.start), clause_start, *para.period_of(q.start))

    @property
    def text(self) -> str:
        return self.para.text


def _year_of(match: re.Match) -> int:
    return int(match.group(2) or match.group(1))


def _cn_years(text: str) -> str:
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), text)


def required_chars(pattern: re.Pattern) -> str:
    """Characters every match of ``pattern`` contains: its literal characters
    outside classes, optional parts and look-arounds, and those common to
    every alternative of a group ("" when unsure).  A text lacking one of
    them cannot match."""
    if pattern.flags & re.IGNORECASE:
        return ""
    from re import _parser     # the standard parser of the re module (Python ≥ 3.11)

    def walk(items) -> set[str]:
        out: set[str] = set()
        for op, av in items:
            if op is _parser.LITERAL:
                out.add(chr(av))
            elif op is _parser.SUBPATTERN:
                out |= walk(av[-1])
            elif op is _parser.BRANCH:
                out |= set.intersection(*(walk(alt) for alt in av[1]))
            elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT) and av[0] >= 1:
                out |= walk(av[2])
        return out
    try:
        return "".join(sorted(walk(_parser.parse(pattern.pattern, pattern.flags))))
    except Exception:  # noqa: BLE001 - another parser's shape: no shortcut, same results
        return ""

def _spans(text: str, rx: re.Pattern) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in list(rx.finditer(text)) + [None]:
        end = m.end() if m else len(text)
        if end > pos:
            out.append((pos, end))
        pos = end
    return out


def _kind_ok(q, rule: MetricRule) -> bool:
    """The unit's kind agrees with the metric's (人 → persons, % → percent …);
    "515.47万" without a unit counts as persons only after a persons term."""
    return q.kind == rule.quantity_kind or (rule.quantity_kind == "persons" and q.kind == "number"
                                            and any(ch in q.text for ch in "万亿"))


class NarrativeExtractor:
    #: whose report the document being read is (set by :meth:`extract`)
    _scope = "open"

    def __init__(self, rules: MetricRules, matcher: TermMatcher):
        self.rules = rules
        self.matcher = matcher
        ctx = rules.context
        self.cues = Cues(ctx)
        self.prev = tuple(ctx["previous_year_words"])
        prev = _alt(self.prev)
        self.compare, self.follow, self.follow_paren = (re.compile(rx.replace("{prev}", prev))
                                                        for rx in (_COMPARE, _FOLLOW, _FOLLOW_PAREN))
        self.current = tuple(ctx.get("current_words", []))
        self.same_year = tuple(ctx.get("same_year_words", []))
        self.whole_groups = tuple(ctx.get("whole_groups", []))
        self.moved = tuple(ctx.get("moved_words", []))
        self.max_gap = int(ctx["max_gap"])
        words = sorted(ctx.get("connectors", []), key=len, reverse=True)
        self.connector = re.compile("^(?:" + "|".join(map(re.escape, words)) + r"|\s)*$")
        # each template with the characters any match must contain: a block without
        # them is not searched (a template that begins with a character class scans slowly)
        self.templated = [(m, t, required_chars(t)) for m in rules.metrics.values() for t in m.templates]
        self.respectively = re.compile(r"\s*(?:" + _alt(ctx.get("respectively_words", [])) + r")\s*")
        self.from_words = re.compile(r"\s*(?:" + _alt(ctx.get("from_words", [])) + r")\s*")
        self.to_words = re.compile(r"[，,]?\s*(?:" + _alt(ctx.get("to_level_words", [])) + r")了?\s*(?:"
                                   + _alt(ctx.get("now_words", [])) + ")?")
        self.from_state = re.compile(r"\s*(?:" + _alt(ctx.get("from_state_words", [])) + r")?\s*")
        self.split_before = re.compile(ctx["split_value_before"]) if ctx.get("split_value_before") else None
        self.split_leads = re.compile(_alt(ctx.get("split_value_leads", ["共计"])))
        self.split_end = re.compile(ctx.get("split_value_end", r"$"))
        self.unit_header = re.compile("|".join(f"(?:{p})" for p in ctx.get("unit_header_patterns", [])) or "(?!)")
        self.exact_lead = re.compile(r"\s*[，,]\s*(?:" + _alt(ctx.get("exact_leads", [])) + r")\s*")
        self.list_sep = re.compile(_alt(ctx.get("list_separators", ["、"])))
        self.list_tail = re.compile(r"\s*(?:" + _alt(ctx.get("list_tail_words", [])) + r")?\s*")

    # ------------------------------------------------------------------
    def extract(self, doc: Document, report_year: int | None, scope: str = "open",
                candidates: list[Candidate] | None = None, level: str | None = None,
                region: str | None = None, school: str | None = None, title: str | None = None) -> list[Metric]:
        """The figures of every paragraph (see the module docstring).  When
        ``candidates`` is a list, the figures bound to a metric term that the
        evidence kept out are appended to it (one per metric and figure, none
        for a figure also taken as that metric), each with its reason.
        ``level`` (中职 / 高职): the school's, in a named school's report;
        ``region``: the region whose report it is (``"region"`` scope), whose
        own name as a clause's subject is no part of it; ``school``: the
        school whose report it is (``"school"`` scope), so that another
        school named as a clause's subject is another entity; ``title``: the
        report's title — in a region's report naming one level (中等职业教育),
        the other level's figures are another entity's."""
        out: list[Metric] = []
        self._rejected: list[Candidate] = []
        self._level = level
        self._region = "".join((region or "").split())
        self._school = "".join((school or "").split())
        self._scope = scope
        # a region's report on one level (…中等职业教育质量年度报告): that level is its own
        named = self.cues.title_levels(title or "") if scope == "region" else set()
        self._region_level = next(iter(named)) if len(named) == 1 else None
        for b in doc.blocks:
            if b.kind != PARAGRAPH or not b.text:
                continue
            out.extend(self._block(doc, b, report_year, scope))
        if candidates is not None:
            taken = {(m.metric, m.prov.start) for m in out}
            for c in self._rejected:
                key = (c.metric, c.prov.start)
                if key not in taken:
                    taken.add(key)
                    candidates.append(c)
        return out

    def _block(self, doc, block, report_year, scope) -> list[Metric]:
        text = block.text
        # figures first (a cheap scan): most prose has none, and only the
        # sentences that hold a figure need segmenting
        quants = [q for q in map(lambda q: self._header_unit(text, q), find_quantities(text))
                  if q.kind not in ("date", "year") and (q.kind != "number" or any(ch in q.text for ch in "万亿"))]
        if not quants:
            return []
        templ = [(m, t, x) for m, t, need in self.templated if all(c in text for c in need)
                 for x in t.finditer(text)]
        sentences = _spans(text, _SENTENCE_END)
        hits = []
        for s_start, s_end in sentences:
            if any(s_start <= q.start < s_end for q in quants):
                hits.extend(h.shifted(s_start) for h in self.matcher.find(text[s_start:s_end]))
        para = self._paragraph(text, hits, quants)
        para.sentences, para.quants = sentences, quants
        para.not_terms = [h.start for h in hits if h.metric is None and not self.cues.part_openers.fullmatch(h.text)]
        out = []
        year_ctx = None
        for s_start, s_end in sentences:
            sentence = para.years[s_start:s_end]
            lead = _LEAD_YEAR.match(sentence)
            if lead and self.cues.history.search(sentence[:next((m.start() for m in _SUBJECT_BREAK.finditer(sentence)),
                                                                len(sentence))]):
                lead = None        # "2005年易地新建，占地…": a date of the school's history, not the figures' year
            lead_year = _year_of_lead(lead) if lead else None
            # a sentence that opens with the report year or the year before sets
            # the year for the rest of the paragraph ("2022年毕业生…。就业率…")
            if lead_year and (report_year is None or report_year - 1 <= lead_year <= report_year
                              or (self.cues.is_snapshot(lead.group(1) or "") and lead_year == report_year + 1)):
                year_ctx = lead_year
            sq = [q for q in quants if s_start <= q.start < s_end]
            out.extend(self._sentence(doc, block, para, s_start, s_end, hits, templ, sq, report_year,
                                      year_ctx, lead, scope))
            # the year the paragraph is about after this sentence: the last
            # year it names (report year or the year before), or now for 现有…
            if report_year:
                named = [_year_of(m) for m in _YEAR.finditer(sentence)
                         if report_year - 1 <= _year_of(m) <= report_year
                         and not _COMPARED.search(sentence[max(0, m.start() - 4):m.start()])]
                if any(w in sentence for w in self.current):
                    year_ctx = report_year
                elif named:
                    year_ctx = named[-1]
        return _latest_dated(self._drop_weak(out), text, block.span[0])

    def _header_unit(self, text: str, q):
        """A bare number after a unit in parentheses or after a slash, as a
        flattened table writes it ("在校生数（人）3280", "占地面积（亩）156",
        "就业率/%：98.1"): the number in that unit (numbers.normalize); any
        other quantity as it is."""
        if q.kind != "number" or q.unit:
            return q
        m = self.unit_header.search(text, max(0, q.start - 14), q.start)
        unit = m and next((g for g in m.groups() if g), None)
        norm = normalize(q.value, unit.strip()) if unit else None
        if norm is None:
            return q
        value, canonical, kind = norm
        return dataclasses.replace(q, value=value, unit=unit.strip(), canonical_unit=canonical, kind=kind)

    def _paragraph(self, text, hits, quants) -> _Paragraph:
        """Sentence periods and what each clause inherits: the subject named
        in the head of the clause before it (the text before its first term),
        else what that clause inherited; and whether a breakdown ("从专业大类
        看…") makes the clause count a part."""
        marks = sorted(h.start for h in hits if h.metric is not None)
        # a clause head ends at the first term; a word after a figure ("…个专业") is no term
        heads = sorted(h.start for h in hits if h.metric is not None and h.role == "term")

        def clauses_of(p_start, p_end):
            out = []
            subject = _Subject()
            part = self.cues.opens_breakdown(text[p_start:p_end])
            for c_start, c_end in _spans(text[p_start:p_end], _SUBJECT_BREAK):
                a, b = p_start + c_start, p_start + c_end
                if a > p_start and text[a - 1] in "；;" and subject.kind in ("part", "facility"):
                    subject = _Subject(None, subject.regional)     # a part named before ； is that statement's
                out.append((a, b, subject, part))
                head_end = next((x for x in heads if a <= x < b), b)
                before, subject = subject, self._subject(text[a:head_end], subject, part)
                if subject.kind == "part" and _CLOSED_ASIDE.search(text, a, b):
                    subject = before       # "…15所（其中公办11所、民办4所），在校生…": the part was the aside's
                if subject.kind in ("part", "facility") and any(w in text[a:b] for w in self.moved):
                    subject = _Subject(None, subject.regional)   # "学校于2010年迁入新校区，现占地…": the whole school
            return out
        return _Paragraph(text, _cn_years(text), _spans(text, _PERIOD_END), clauses_of, terms=marks)

    def _subject(self, head: str, inherited: _Subject, part: bool) -> _Subject:
        kind, region = self.cues.subject(head)
        if kind in (None, "own") and self._scope == "region":
            if self._other_school(head) == "other_entity" or self.cues.names_one_school(head):
                kind = "other"      # "鹿源职业学院生师比…", "该校…" in a city's report: one school's, not the city's
            elif self._other_region_level(head):
                kind = "other"      # "全省…" in a city's report, "全市…" in a county's: a larger or smaller region
            elif self.cues.set_apart.search(head) and self.cues.sectors_named(head):
                kind = "other"      # "…，另有技工院校在校生…": schools outside the region's own count
            elif region or self._names_own_region(head):
                kind = "own"        # "…，全市双师型教师占比…": the region itself again, after a school
        if kind in (None, "own") and self._scope in ("school", "open") and self.cues.other_school_pronoun.search(head):
            kind = "other"          # "对口帮扶…职业技术学校，该学院…": the school spoken of, not the report's
        if kind is None and inherited.kind == "target" and self.cues.target_reset.search(head):
            return _Subject(None, inherited.regional if region is None else region)   # "可容纳…，现有在校生…"
        if part and kind in (None, "own", "premises"):
            kind = "part"
        if kind == "premises":      # 校舍…: the school's, unless a part or another entity is in scope
            kind = inherited.kind if inherited.kind in ("other", "part", "target") else "own"
        return _Subject(kind or inherited.kind, inherited.regional if region is None else region)

    def subject_at(self, para: _Paragraph, pos: int) -> _Subject:
        """The subject of the clause at ``pos``, as named before ``pos``."""
        a, _, inherited, part = para.clause_of(pos)
        return self._subject(para.text[a:pos], inherited, part)

    def _sentence(self, doc, block, para, s_start, s_end, hits, templ, sq, report_year, year_ctx,
                  lead, scope) -> list[Metric]:
        """The metrics of one sentence ``para.text[s_start:s_end]`` (``sq``: its
        figures): candidates from the listed terms, the terms, the words after a
        figure and the templates, in that order, then taken by position."""
        if not sq:
            return []
        text = para.text
        cands: list[_Candidate] = []
        s_hits = [h for h in hits if s_start <= h.start < s_end]
        listed = self._entity_lists(doc, block, para, s_start, s_end, s_hits, sq, cands, report_year, year_ctx, lead)
        for i, h in enumerate(s_hits):
            if h.metric is None or h.start in listed:
                continue
            rule = self.rules.metrics[h.metric]
            if h.role == "term":
                later = [x for x in s_hits[i + 1:] if x.start > h.start]
                cands.extend(self._term_candidates(doc, block, para, s_start, s_end, h, later, sq, rule,
                                                   (report_year, year_ctx, lead)))
            else:  # a word after the figure: "11个专业"
                cands.extend(self._after_candidate(text, s_start, h, sq, rule))
        cands.extend(self._template_candidates(templ, s_start, s_end, sq))
        cands.extend(self._elliptic_candidates(text, s_start, s_hits, sq, cands))
        return self._take(doc, block, para, s_start, s_end, hits, sq, cands, (report_year, year_ctx, lead), scope)

    def _term_candidates(self, doc, block, para, s_start, s_end, h, later, sq, rule, dating) -> list[_Candidate]:
        """The candidates a metric term ``h`` names: none when it may not stand
        bare or a word before it excludes it (then its figure is rejected as
        "excluded"), the values of several years, or the figure after it
        (``later``: the sentence's hits after it).  ``dating``: (report year,
        year context, lead) for _year."""
        text = para.text
        if not self._bare_ok(text, s_start, s_end, h, rule):
            return []
        if self._excluded_before(text, s_start, h.start, rule):
            # "计划招生…", "新增图书…": a word before the term makes it another thing
            q = self._figure_after(text, h, later, sq, rule)
            if q is not None:
                c = _Candidate(rule, q, h.start, f"{rule.id}/term:{h.text}", h.text, h.end)
                self._reject(doc, block, para, s_start, s_end, c, "excluded", self._year(para, s_start, c, *dating))
            return []
        several = self._several(para, s_start, h, sq, rule)
        if several:
            return several
        q = self._figure_after(text, h, later, sq, rule)
        return [] if q is None else [_Candidate(rule, q, h.start, f"{rule.id}/term:{h.text}", h.text, h.end)]

    def _after_candidate(self, text, s_start, h, sq, rule) -> list[_Candidate]:
        """The figure just before a word that names the metric after it
        ("11个专业"), when the rule's checks around it pass: [] or one."""
        q = next((q for q in sq if q.end == h.start), None)
        if q is not None and (rule.after_number_end is None or rule.after_number_end.match(text, h.end)) \
                and self._before_count_ok(text, s_start, q.start, rule) \
                and not self._excluded_before(text, s_start, q.start, rule):
            return [_Candidate(rule, q, q.start, f"{rule.id}/after:{h.text}")]
        return []

    def _elliptic_candidates(self, text, s_start, s_hits, sq, cands) -> list[_Candidate]:
        """"全省…平均就业率为95.3%，我校为97.9%": a figure no candidate names,
        whose clause holds only a subject and a copula (context.elliptic_clause),
        takes the metric of the last term before that clause in the sentence.
        Whose figure it is, the usual checks decide (the clause's subject)."""
        if self.cues.elliptic is None:
            return []
        named = {c.q.start for c in cands}
        out = []
        for q in sq:
            clause_start = max((m.end() for m in _COMMA.finditer(text, s_start, q.start)), default=s_start)
            if q.start in named or clause_start == s_start or not self.cues.elliptic.fullmatch(text, clause_start, q.start):
                continue
            h = next((h for h in reversed(s_hits) if h.metric and h.role == "term" and h.end <= clause_start), None)
            if h is not None:
                out.append(_Candidate(self.rules.metrics[h.metric], q, clause_start, f"{h.metric}/ellipsis:{h.text}",
                                      h.text, clause_start))
        return out

    @staticmethod
    def _template_candidates(templ, s_start, s_end, sq) -> list[_Candidate]:
        """The figures of the templates that match in the sentence (at or
        just after the template's ``q`` group)."""
        out = []
        for rule, t, m in templ:
            if s_start <= m.start() < s_end:
                qs = m.start("q")
                q = next((q for q in sq if q.start <= qs + 2 and q.end > qs), None)
                if q is not None:
                    out.append(_Candidate(rule, q, m.start(), f"{rule.id}/template", "", qs))
        return out

    def _take(self, doc, block, para, s_start, s_end, hits, sq, cands, dating, scope) -> list[Metric]:
        """Accept the candidates in order of position, one per (position,
        metric); after a value taken, its other years and a figure it is
        followed by; after another entity's total, its own items.
        ``dating``: (report year, year context, lead)."""
        report_year, year_ctx, lead = dating
        out: list[Metric] = []
        done: set[int] = set()
        queue = sorted(cands, key=lambda c: c.q.start)
        while queue:
            c = queue.pop(0)
            if (c.q.start, c.rule.id) in done:
                continue
            m, _ = self._accept(doc, block, para, s_start, s_end, c, report_year, year_ctx, lead, scope)
            if m is None:
                if c.term and c.year is None and self.subject_at(para, c.q.start).kind == "other":
                    out.extend(self._items(doc, block, para, hits, c, report_year, year_ctx, scope))
                continue
            out.append(m)
            done.add((c.q.start, c.rule.id))
            self._note_taken(para, c, m)
            if c.year is None:
                queue.extend(self._more_years(para, s_end, hits, sq, c))
                prev = self._follow(doc, block, para.text, s_end, c, m, sq, report_year)
                if prev is not None:
                    out.append(prev)
        return out

    @staticmethod
    def _note_taken(para: _Paragraph, c: _Candidate, m: Metric) -> None:
        """Record a taken value on the paragraph: its metric and position, and
        the position when a weak term named it."""
        para.accepted.append((m.metric, c.q.start))
        if c.term in c.rule.weak_terms:
            para.weak_at.add(c.q.start)

    def _items(self, doc, block, para, hits, c: _Candidate, report_year, year_ctx, scope) -> list[Metric]:
        """A total that is another entity's, broken down by entity without the
        term: the items whose entity is the report's own (series.elided_items)."""
        _, p_end = para.period_of(c.q.start)
        terms = [h.start for h in hits if h.metric is not None and h.start > c.q.end]
        found = series.elided_items(para.text, c.q.end, p_end, para.quants, c.rule.quantity_kind, _ITEM_BREAK, terms,
                                    lambda head: self.cues.subject(head)[0] is not None)
        out = []
        for q in found:
            s_start, s_end = next(((a, b) for a, b in para.sentences if a <= q.start < b), (q.start, p_end))
            item = _Candidate(c.rule, q, q.start, f"{c.rule_id}+item", "", q.start)
            m = self._accept(doc, block, para, s_start, s_end, item, report_year, year_ctx, None, scope)[0]
            if m is not None:
                out.append(m)
                para.accepted.append((m.metric, q.start))
        return out

    def _entity_lists(self, doc, block, para, s_start, s_end, s_hits, sq, cands, report_year, year_ctx,
                      lead) -> set[int]:
        """Several metrics before one 分别为 ("专任教师、兼职教师分别为210人、45人",
        series.entity_list): the k-th item takes the k-th figure (a term's
        is appended to ``cands``; an item naming no metric, "满意度", takes
        its figure and nothing more) when the list reads cleanly, the counts
        agree and every term's figure is of its metric's kind; otherwise the figures that fit are
        kept for review (``ambiguous_binding``), never guessed.  Returns where
        the listed terms start (they bind nothing else)."""
        text = para.text
        terms_all = [h for h in s_hits if h.metric is not None and h.role == "term"]
        listed: set[int] = set()
        for w in self.respectively.finditer(text, s_start, s_end):
            clause_start = max((m.end() for m in _SUBJECT_BREAK.finditer(text, s_start, w.start())), default=s_start)
            slots, figures, clean = series.entity_list(text, clause_start, w, terms_all, sq, self.list_sep,
                                                       self.list_tail)
            listed.update(h.start for h in slots if h is not None)
            by_item = clean and len(figures) == len(slots)
            # the k-th item's figure when the list reads cleanly; else, for review, the k-th term's
            pairs = [(h, self.rules.metrics[h.metric], k) for k, h in
                     (enumerate(slots) if by_item else enumerate(h for h in slots if h is not None)) if h is not None]
            fits = {k: k < len(figures) and _kind_ok(figures[k], r) for h, r, k in pairs}
            agree = by_item and all(fits.values())
            for h, r, k in pairs:
                if not fits[k]:
                    continue
                c = _Candidate(r, figures[k], h.start, f"{r.id}/term:{h.text}+list", h.text, h.end)
                if agree:
                    cands.append(c)
                else:
                    self._reject(doc, block, para, s_start, s_end, c, "ambiguous_binding",
                                 self._year(para, s_start, c, report_year, year_ctx, lead))
        return listed

    def _several(self, para, s_start, h, sq, rule) -> list[_Candidate]:
        """A term followed by values for several years: 分别为…, 由…增至…"""
        text, kind = para.years, rule.quantity_kind
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, h.start)), default=s_start)
        p_start, _ = para.period_of(h.start)
        out = []
        for how, pairs in (("respectively", series.respectively(text, h.end, clause_start, sq, kind, self.respectively,
                                                                p_start, h.start)),
                           ("from", series.from_to(text, h.end, p_start, sq, kind, self.connector, self.from_words,
                                                   self.to_words, self.from_state))):
            out += [_Candidate(rule, q, h.start, f"{rule.id}/term:{h.text}+{how}", h.text, h.end, y) for q, y in pairs]
        if not out:
            own = self._own_entity(series.respective_entities(text, h.start, h.end, clause_start, sq, kind,
                                                              self.respectively))
            if own is not None:
                out.append(_Candidate(rule, own, h.start, f"{rule.id}/term:{h.text}+respectively_entities", h.text,
                                      h.end, own_entity=True))
        return out

    def _own_entity(self, pairs):
        """Of (entity, figure) pairs ("全国、全省和本校…分别为…"), the figure of
        the report's own entity, or None (nothing is taken): in a school's
        report the one item naming the school itself (本校, 学校, its name —
        not 本校所在县); in a region's, the one item naming the region itself
        (全市, 本市, its name) and no school; else — a region's report, or
        whose is not known — the one item naming a vocational level among
        items naming none and no school ("普通高中和中职学校…" → 中职)."""
        if not pairs:
            return None
        if self._scope == "region":
            own = [q for item, q in pairs if self._names_own_region(item) and self._other_school(item) is None
                   and self.cues.subject(item)[0] not in ("other", "part", "target")
                   and not (len(pairs) > 1 and self.cues.sectors_named(item))]
        else:
            own = [q for item, q in pairs if self._names_the_school(item)]
        if len(own) == 1:
            return own[0]
        if self._scope == "school" or own or any(self._other_school(item) == "other_entity" for item, _ in pairs):
            return None
        if self._scope == "region" and any(self.cues.places_in(item) for item, _ in pairs):
            return None       # "东湖区、西林县、南坪县中职在校生分别为…": the region's parts, each its own
        vocational = [q for item, q in pairs if self.cues.sectors_named(item)]
        return vocational[0] if len(vocational) == 1 else None

    def _names_the_school(self, item: str) -> bool:
        """An item of a list that is the school itself: 本校, 学校, 我校 or its
        own name — with no place or region in it (本校所在县 is a county)."""
        item = item.strip()
        if self._school and item and item in self._school:
            return True
        return (self.cues.subject(item)[0] == "own" and not self.cues.sectors_named(item)
                and "所在" not in item and not self.cues.places_in(item) and not self.cues.names_whole_region(item))

    def _other_region_level(self, head: str) -> bool:
        """The last whole region ``head`` names as its subject (全国, 全省, 我市 …)
        is of another level than the report's own region (全省 in a city's
        report): another entity's figure.  False when the report's region is
        not known, or the region word names no level (各地)."""
        region = self._region
        if not region:
            return False
        words = self.cues.regions_named(head)
        level = next((w[-1] for w in reversed(words) if w[-1] in _REGION_LEVELS), None)
        own = "区" if region.endswith("自治区") else region[-1]
        return level is not None and own in _REGION_LEVELS and level != own and not (
            level == "区" and own in "省市")      # 全区: the autonomous region, or a district — not surely another

    def _only_own_region(self, name: str) -> bool:
        """``name`` (the words before a school type word) is the report's own
        region and nothing more (本市, 全市, the region's name, 各…):
        "鹭汀市商贸" names one school of the city, "鹭汀市" its schools."""
        if not self._names_own_region(name):
            return False
        rest = name.replace(self._region, "")
        for w in ("全", "本", "我"):
            rest = rest.replace(w + self._region[-1], "")
        return rest.strip("各所有全部的") == ""

    def _names_own_region(self, text: str) -> bool:
        """``text`` names the region whose report it is: 全市 / 本市 / 我市 (by
        the last character of its name) or the name itself."""
        region = self._region
        if not region:
            return False
        kind = region[-1]
        return region in text or any(w + kind in text for w in ("全", "本", "我"))

    def _more_years(self, para, s_end, hits, sq, c: _Candidate) -> list[_Candidate]:
        """After a value: the same metric for compared years in parentheses and
        in a year series (series.py)."""
        kind, rule = c.rule.quantity_kind, c.rule
        terms = [h.start for h in hits if h.metric is not None and h.start > c.q.end]
        pairs = [("compare", series.compared_in_parentheses(para.years, c.q.end, s_end, sq, kind)),
                 ("series", series.year_series(para.years, c.q.end, s_end, sq, kind, _SUBJECT_BREAK, terms))]
        return [_Candidate(rule, q, c.anchor, f"{c.rule_id}+{how}", c.term, c.anchor_end, y)
                for how, found in pairs for q, y in found]

    def _drop_weak(self, metrics: list[Metric]) -> list[Metric]:
        """A figure named by a weak term (录取) gives way to one named by
        another term of the metric (报到) for the same year — not to a term
        naming one level (全日制中职学生: a part of 在校生)."""
        strong = {(m.metric, m.year) for m in metrics if not self._weak(m)
                  and not self.cues.sectors_named(m.prov.rule.partition("/term:")[2].split("+")[0])}
        return [m for m in metrics if not (self._weak(m) and (m.metric, m.year) in strong)]

    def _weak(self, m: Metric) -> bool:
        rule = self.rules.metrics[m.metric]
        return bool(rule.weak_terms) and any(m.prov.rule == f"{rule.id}/term:{t}" for t in rule.weak_terms)

    def _follow(self, doc, block, text, s_end, c: _Candidate, m: Metric, quants, report_year) -> Metric | None:
        """A comparison right after a figure names the earlier year's value:
        "毕业去向落实率97.3%，较2022年的95.8%" → 95.8 for 2022."""
        q = c.q
        f = self.follow.match(text[q.end:s_end]) or self.follow_paren.match(text[q.end:s_end])
        if not f:
            return None
        at = q.end + f.end()
        nq = next((x for x in quants if x.start == at), None)
        if nq is None or nq.kind != c.rule.quantity_kind or nq.is_difference:
            return None
        year = int(f.group(2)) if f.group(2) else (m.year - 1 if m.year else None)
        if year is None or not (c.rule.range[0] <= nq.value <= c.rule.range[1]):
            return None
        return Metric(metric=m.metric, value=nq.value, unit=m.unit, year=year, raw=nq.text,
                      approximate=bool(nq.approximate), name_zh=m.name_zh,
                      prov=Provenance(page=block.page, section=m.prov.section, sentence=m.prov.sentence,
                                      start=block.span[0] + nq.start, end=block.span[0] + nq.end,
                                      rule=f"{c.rule_id}+compare", source="text"))

    # ------------------------------------------------------------------
    def _figure_after(self, text, hit, later_hits, quants, rule):
        """The first figure after a term in the same clause, when nothing but
        a short connector stands between them — or a change clause and a
        connector ("就业率比上年提高1.2个百分点，达到98.5%")."""
        nxt = next((h.start for h in later_hits if h.metric is not None), None)
        lead = self.cues.change_lead.match(text, hit.end) if self.cues.change_lead else None
        for q in quants:
            if q.start < hit.end:
                continue
            if nxt is not None and q.start >= nxt:
                return None
            gap = text[hit.end:q.start]
            if gap.startswith(tuple(self.rules.context.get("subset_after_term", []))):
                return None      # "毕业生中获得证书…人", "专任教师中具有…"
            if lead is not None and lead.end() <= q.start:
                gap = text[lead.end():q.start]
            elif lead is not None:
                continue         # the change itself
            gap = _FOOTNOTE.sub("", gap)      # "专任教师[3]1,280人": a note mark is no word
            gap = self.unit_header.sub("", gap)   # "在校生数（人）3280": the unit, no word
            if len(gap) > self.max_gap or not self.connector.match(gap):
                return q if lead is None and self._split_value(text, gap, q) and _kind_ok(q, rule) else None
            return self._exact_after(text, q, quants, rule) if _kind_ok(q, rule) else None
        return None

    def _exact_after(self, text, q, quants, rule):
        """A rounded figure followed by the exact one ("超过九成，达到93.4%"):
        the exact one, when it is of the same kind and ends its clause."""
        if not q.approximate:
            return q
        m = self.exact_lead.match(text, q.end)
        nq = next((x for x in quants if m and x.start == m.end()), None)
        if nq is not None and _kind_ok(nq, rule) and not nq.is_difference and self.split_end.match(text, nq.end):
            return nq
        return q

    def _split_value(self, text, gap: str, q) -> bool:
        """The term ends one clause and its figure the next ("学校现有在校生，
        共计3,280人", "专任教师队伍不断壮大，现有145人"): one comma between,
        before it nothing or a word on the group's state (split_value_before),
        after it a word that states a total or a level (split_value_leads) and
        connectors, and the figure ends its clause."""
        parts = re.split(r"[，,]", gap)
        if len(parts) != 2 or self.split_before is None:
            return False
        before, after = parts[0].strip(), parts[1].strip()
        if not (self.connector.match(before) or self.split_before.fullmatch(before)):
            return False
        after = _LEAD_YEAR_WORD.sub("", after)     # "学校毕业生，2023年共1,020人": the year is the figure's
        lead = self.split_leads.match(after)
        return bool(lead and self.connector.match(after[lead.end():])
                    and self.split_end.match(text, q.end))

    def _bare_ok(self, text, s_start, s_end, h, rule) -> bool:
        """A bare term (rule.bare_terms: 教师 for 专任教师) counts only where it
        opens its clause after a word stating a stock ("现有教师649人") and
        its figure ends the clause or list item ("教师3人获奖" does not)."""
        ctx = rule.bare_terms.get(h.text)
        if ctx is None:
            return True
        before, after = ctx
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, h.start)), default=s_start)
        if not before.search(text[clause_start:h.start]):
            return False
        return bool(after.match(text, h.end))

    def _before_count_ok(self, text, s_start, at, rule) -> bool:
        """A count before its noun ("986名教职工") is the stock only after a
        word that states one (rule.after_number_before), else anything goes."""
        if rule.after_number_before is None:
            return True
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, at)), default=s_start)
        return bool(rule.after_number_before.search(text[clause_start:at]))

    def _excluded_before(self, text, s_start, at, rule) -> bool:
        """A word of ``rule.exclude_before`` in the six characters before the
        term at ``at`` — or one that runs into it (非全日制 over the term
        全日制学历教育学生) — or a word of ``exclude_in_clause`` in its clause."""
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, at)), default=s_start)
        lo = max(clause_start, at - 6)
        return any(0 <= text.find(w, lo, at + len(w) - 1) < at for w in rule.exclude_before) \
            or any(w in text[clause_start:at] for w in rule.exclude_in_clause)

    def _disqualified(self, doc, block, para, s_start, c: _Candidate, scope, report_year=None) -> str | None:
        """Evidence that the figure is not the current value of the report's
        own entity: its kind (facts.CANDIDATE_REASONS), "unit" when the figure
        is not of the metric's kind at all, or None.  The checks run in a fixed
        order and the first reason found is the candidate's."""
        why = self._not_its_figure(doc, block, para.text, c)
        if why:
            return why
        at = _Spot.of(para, s_start, c)
        why = self._changed_or_bounded(at) or self._qualified(at, report_year)
        if why:
            return why
        if c.own_entity:
            return None        # "全国、全省和本校…分别为…": whose each figure is, the list says
        subject = self.subject_at(para, c.q.start)
        return (self._subject_reason(subject, c.rule, scope) or self._entity_reason(at, subject, scope)
                or self._other_level(at, scope) or ("subset" if self._part_of_stated(para, c, at.p_start) else None))

    def _not_its_figure(self, doc, block, text, c: _Candidate) -> str | None:
        """"unit" (not the metric's kind, or a difference), "split_number" or
        "section" (a loose pattern outside the metric's usual sections)."""
        q, rule = c.q, c.rule
        if not _kind_ok(q, rule) or q.is_difference:
            return "unit"
        if _SPLIT_NUMBER.search(text, max(0, q.start - 4), q.start) or (
                q.text[-1:].isdigit() and _NUMBER_NEXT.match(text, q.end)):
            # "345 678人": a number split by spaces, or a flattened row of several
            # years' figures ("在校生数（人） 3050 3280") — which one is it? Do not guess.
            return "split_number"
        if rule.sections and "/term:" not in c.rule_id:
            # the looser patterns count only where the metric is usually stated
            path = "".join(doc.section_path_at(block.span[0]))
            if path and not any(w in path for w in rule.sections):
                return "section"
        return None

    def _changed_or_bounded(self, at: _Spot) -> str | None:
        """The phrasing around the figure makes it a change, a range, a bound,
        a modified part or a per-unit figure."""
        text, q, c, cues = at.text, at.c.q, at.c, self.cues
        own_clause = text[max(at.lo, at.clause_start):q.start]
        if cues.is_change(own_clause) or any(w in text[q.end:q.end + 3] for w in ("的增长", "的增幅")):
            return "change"
        if cues.is_addition(text[at.clause_start:c.anchor]):
            return "change"            # 新招聘专任教师74名: the newcomers, not the staff
        if cues.is_range(text[q.end:q.end + 4]):
            return "range"
        if cues.is_upper_bound(q.text, text[max(at.clause_start, q.start - 3):q.start]):
            return "bound"             # 不足六成, 3000人以下: a bound, not the value
        if cues.standard_after.match(text, q.end):
            return "target"            # 按照生师比20:1测算: a standard in a calculation
        if cues.kept_floor.search(text, max(at.clause_start, q.start - 6), q.start) and q.text.endswith("以上"):
            return "bound"             # 就业率保持在97%以上: a floor kept over years, not the year's figure
        if q.text.endswith(("成", "半", "半数")) and _EXACT_NEXT.match(text, q.end):
            return "bound"             # 超过六成，达到63.8%: the rounded share, then the figure
        if cues.is_modifier(text[q.end:q.end + 20]):
            return "subset"
        if cues.is_per_unit(text[at.clause_start:q.start]):
            return "per_unit"
        return None

    def _qualified(self, at: _Spot, report_year) -> str | None:
        """The words before the figure make it a qualified or grouped part, a
        target, a cumulative total or an average."""
        text, q, c, cues, clause_start = at.text, at.c.q, at.c, self.cues, at.clause_start
        to_level = bool(cues.to_level.search(text[max(clause_start, at.lo):q.start]))
        if c.term and cues.is_qualified(text[clause_start:c.anchor]):
            return "qualified"
        if c.term and cues.names_a_major(text[clause_start:c.anchor] + c.term):
            return "part"              # 电子商务专业对口就业率: one major's rate
        if cues.compared_aside.search(text, max(at.s_start, q.start - 40), q.start):
            return "other_entity"      # 高于全省同类院校平均水平（占地680亩）: the compared one's figure
        if cues.names_a_group(text[max(at.s_start, c.anchor - 16):c.anchor]):
            return "subset"            # 青年教师中双师型教师占60%: that group's share
        if self._a_target(at, report_year):
            return "target"            # a plan, unless the phrasing gives a past year
        if any(w in text[c.anchor_end or at.lo:q.start] for w in cues.subset):
            return "subset"
        # (a cumulative word before a ； is that statement's: "近三年累计投入…；纸质图书86万册")
        statement = max(at.p_start, text.rfind("；", at.p_start, q.start) + 1, text.rfind(";", at.p_start, q.start) + 1)
        if not to_level and c.year is None and cues.is_cumulative(text[clause_start:q.start], text[statement:q.start]):
            return "cumulative"
        if cues.is_average(c.rule.id, text[clause_start:q.start]):
            return "average"
        return None

    def _a_target(self, at: _Spot, report_year) -> bool:
        """A plan's figure: target words before it, unless the phrasing gives a
        year no later than the report's."""
        text, q, c, cues = at.text, at.c.q, at.c, self.cues
        past = c.year is not None and (report_year is None or c.year <= report_year)
        return not past and (cues.is_target(text[at.s_start:q.start]) or cues.is_target(q.text)
                             or cues.target_list.search(text, at.p_start, q.start)
                             or ("project" in c.rule.exclude_subjects and cues.is_project(text[at.p_start:at.p_end])))

    @staticmethod
    def _subject_reason(subject: _Subject, rule: MetricRule, scope) -> str | None:
        """The subject of the figure's clause is another entity, a part (also
        a subject the rule excludes), a target or, in a school's report, a region."""
        if subject.kind == "other":
            return "other_entity"
        if subject.kind == "part":
            return "part"
        if subject.kind == "target":
            return "target"
        if subject.kind in rule.exclude_subjects:
            return "part"
        if subject.regional and scope == "school":
            return "region"
        return None

    def _entity_reason(self, at: _Spot, subject: _Subject, scope) -> str | None:
        """The words before the figure name another school, a region's sector
        or one sub-region of the report's region."""
        text, head_end = at.text, min(at.c.anchor, at.c.q.start)
        if scope == "school" and self._school:
            named = self._other_school(text[at.clause_start:head_end])
            if named:
                return named           # "鹿源职业学校在校生…" in 青禾's report; "楚南省中职学校…"
            places = self.cues.places_in(text[at.clause_start:head_end])
            if places and text[at.clause_start:head_end].rstrip(" ，,、：:").endswith(places[-1]):
                return "region"        # "青禾市双师型教师占比…": the city's, in a school's report
            if self._place_sector(text[at.clause_start:head_end]):
                return "region"        # "楚南省高职院校平均生师比…": the province's sector
        if scope == "open" and self._school_voice(at.para) and (
                subject.regional or self._place_sector(text[at.clause_start:head_end])):
            return "region"            # "全市中职学校…，学校…", "楚南省中职学校…": the passage is a school's
        if scope != "school" and self._sub_region(at.para, at.clause_start, head_end, scope):
            return "part"              # "全省…。A市中职学校在校生…": one city of the province
        return None

    def _other_level(self, at: _Spot, scope) -> str | None:
        """The figure is another school level's, a listed group's or the whole
        school system's."""
        text, q, c, cues, clause_start = at.text, at.c.q, at.c, self.cues, at.clause_start
        level = self._level if scope == "school" else self._region_level if scope == "region" else None
        if level in cues.sector_levels:
            named = cues.sectors_named(text[clause_start:q.start])
            if named and level not in named:
                return "other_entity"     # 中职在校生… in a 高职 school's report; 高职院校… in a city's 中职 report
        if c.rule.id in cues.group_counted and self._after_a_group(at.para, at.p_start, c.anchor):
            return "subset"            # "现有专业教师79人，…高级讲师53人": that group's
        if self._whole_system(at.para) and not cues.sectors_named(text[clause_start:q.start]):
            return "other_entity"      # "全县…幼儿园…小学…初中…。在编教职工…": all the schools'
        if scope == "open":
            return self._one_of_two_levels(at.para, clause_start, q.start, at.p_start, at.p_end) or None
        return None

    def _after_a_group(self, para, p_start, at) -> bool:
        """The sentence period opens its figures with a group of the teachers
        that is no catalog metric (专业教师, 专业课教师: context.teacher_groups)
        and states no whole-staff metric before ``at``: the counts listed
        after it are that group's."""
        text = para.text
        first = next((q for q in para.quants if p_start <= q.start < at and q.kind == "persons"), None)
        if first is None:
            return False
        head = text[p_start:first.start]
        if not any(g in head for g in self.cues.teacher_groups):
            return False
        return not any(metric in self.cues.whole_staff for metric, pos in para.accepted if p_start <= pos < at)

    def _whole_system(self, para) -> bool:
        """The paragraph is about a region's whole education system: it names
        at least context.system_min of the other sectors (幼儿园, 小学, 初中 …;
        context.system_sectors) and does not speak as a school."""
        if not hasattr(para, "_system"):
            para._system = sum(w in para.text for w in self.cues.system_sectors) >= self.cues.system_min \
                and not self._school_voice(para)
        return para._system

    def _one_of_two_levels(self, para, clause_start, at, p_start, p_end) -> str | None:
        """Whose report it is not known, and the sentence period names both
        levels (中职…，高职…): the figure of one level is the passage's own
        only when the passage speaks as a school of that level (学院 → 高职,
        学校 → 中职: context.voice_levels); of the other level it is another
        entity's ("other_entity"); with no such voice, one part of the
        whole ("subset")."""
        cues, text = self.cues, para.text
        named = cues.sectors_named(text[clause_start:at])
        if len(named) != 1 or len(cues.sectors_named(text[p_start:p_end])) < 2:
            return None
        voice = self._voice_level(para)
        if voice is None:
            return "subset"
        return None if voice in named else "other_entity"

    def _voice_level(self, para) -> str | None:
        m = para._voice if self._school_voice(para) else None
        if not m:
            return None
        word = re.sub(r"^[。；;，,：:\s]*", "", m.group(0))
        return next((lv for lv, words in self.cues.voice_levels.items() if any(word.endswith(w) for w in words)), None)

    def _other_school(self, head: str) -> str | None:
        """In a named school's report: a school's name other than the report's
        own in a clause head (a type word of rules/attributes.yaml with a
        name before it, not after 与/比 …) → "other_entity"; a place with a
        generic type word ("楚南省中职学校") → "region"; else None."""
        attr = load_attribute_rules()
        # in a region's report the name given is the region's, which begins many a school's name
        own = self._school if self._scope != "region" else ""
        for m in self._school_type().finditer(head):
            if self.cues.compared.search(head[:m.start()]):
                continue
            pre = re.search(r"[\u4e00-\u9fa5]{2,8}$", head[:m.start()])
            if not pre and self._scope == "region" and re.search(r"(?:^|[^\u4e00-\u9fa5])[市县区]$", head[:m.start()]):
                return "other_entity"      # 市职教中心, 县职中: the city's or county's one school, by its short name
            if not pre or len(name := pre.group(0).rsplit("的", 1)[-1]) < 2:
                continue          # (新建的鹭汀市智能制造职业学校: the name begins after 的)
            full = name + m.group(0)
            if (own and (full in own or own in full)) or any(w in name for w in attr.school_name_reject):
                continue          # (the school's own name, a place before it or not: 岚川市青松职业技术学校)
            places = self.cues.places_in(name)
            if m.group(0) in attr.generic_school_words and (
                    (places and "".join(places) == name) or (self._scope == "region" and self._only_own_region(name))):
                return "region"      # 楚南省中职学校; in a city's report 本市中职学校 too (not 本市商贸职业学校)
            if not own.startswith(name[:2]) or not own:
                return "other_entity"
        return None

    def _school_type(self) -> re.Pattern:
        if not hasattr(self, "_type_rx"):
            words = [w for w, _ in load_attribute_rules().type_levels]
            self._type_rx = re.compile(_alt(words))
        return self._type_rx

    def _place_sector(self, head: str) -> bool:
        """A province and a vocational sector named in a clause head ("楚南省中职学校");
        a city or county with one may be a school's own name (鹿源市中等职业学校)."""
        return any(p.endswith(("省", "自治区")) for p in self.cues.places_in(head)) \
            and bool(self.cues.sectors_named(head))

    def _school_voice(self, para) -> bool:
        """Whether the paragraph speaks as a school: a clause opens with the
        school itself (学校, 我校, 本院 …; context.school_voice_pattern)."""
        if not hasattr(para, "_voice"):
            para._voice = self.cues.school_voice.search(para.text)
        return bool(para._voice)

    def _sub_region(self, para, clause_start, head_end, scope) -> bool:
        """A place named in the head of the figure's clause ("A市中职学校…"):
        in a region's report, a place other than the region itself; else
        after a whole region was named earlier in the paragraph (全省, 全国,
        我省 …).  One part of the region, not its total (cues.places_in)."""
        text = para.text
        head = text[clause_start:head_end]
        places = self.cues.places_in(head)
        if not places or self.cues.names_whole_region(head):
            return False
        if scope == "region" and self._region:
            own = self._region
            return any(p not in own and own not in p and p[:2] != own[:2] for p in places)
        return self.cues.names_whole_region(text[max(0, clause_start - _LOOK_BACK):clause_start])

    def _part_of_stated(self, para, c: _Candidate, p_start: int) -> bool:
        """After 其中, a metric already stated in the paragraph is a part of
        it; and after a group that is no metric ("专业课教师64人，其中…"), a
        count of persons is that group's, not the school's."""
        opener = None
        for m in self.cues.part_openers.finditer(para.text, p_start, c.anchor):
            opener = m.start()
        if opener is None:
            return False
        # (a term naming one level, 全日制中职学生, is one part of all the students)
        strong = bool(c.term) and c.term not in c.rule.weak_terms and not self.cues.sectors_named(c.term)
        if any(metric == c.rule.id and pos < opener and not (strong and pos in para.weak_at)
               for metric, pos in para.accepted):
            return True       # (教师300人，其中专任教师260人: the strong term's figure is the value)
        # the clause that 其中 follows
        breaks = [m.start() for m in _SUBJECT_BREAK.finditer(para.text, p_start, opener)]
        end = breaks[-1] if breaks and not para.text[breaks[-1] + 1:opener].strip() else opener
        before = max((b + 1 for b in breaks if b < end), default=p_start)
        group = [q for q in para.quants if before <= q.start < end and q.kind == "persons"]
        if group and any(w in para.text[before:group[0].start] for w in self.whole_groups):
            return False      # 专兼职教师…，其中专任教师…: the school's own full-time teachers
        taken = {pos for _, pos in para.accepted}
        a = para.clause_of(c.anchor)[0]
        if self.cues.subject(para.text[a:c.anchor])[1] is False:
            return False      # "全县…2100人，其中学校招生1286人": the school's own share
        return c.rule.quantity_kind == "persons" and bool(group) and group[0].start not in taken \
            and any(before <= t < group[0].start for t in para.not_terms + para.terms) \
            and self.subject_at(para, group[0].start).kind not in ("other", "part")

    def _accept(self, doc, block, para, s_start, s_end, c: _Candidate, report_year, year_ctx,
                lead, scope) -> tuple[Metric | None, str | None]:
        """(the metric, None) when the figure is the report's own current value;
        else (None, the reason it is not — "unit" when it is not even of the
        metric's kind) with the figure kept on ``self._rejected`` for review."""
        why = self._disqualified(doc, block, para, s_start, c, scope, report_year)
        if why == "unit":
            return None, why
        q, rule, text = c.q, c.rule, para.text
        year = c.year if c.year is not None else self._year(para, s_start, c, report_year, year_ctx, lead)
        if why is None and year is False:
            why = "year"
        lo, hi = rule.range if scope == "school" or rule.region_range is None else rule.region_range
        if why is None and not (lo <= q.value <= hi):
            why = "out_of_range"
        if why is not None:
            self._reject(doc, block, para, s_start, s_end, c, why, year)
            return None, why
        return Metric(metric=rule.id, value=q.value, unit=rule.unit, year=year, raw=q.text,
                      approximate=bool(q.approximate), name_zh=rule.name_zh,
                      prov=self._prov(doc, block, para, s_start, s_end, c)), None

    def _prov(self, doc, block, para, s_start, s_end, c: _Candidate) -> Provenance:
        return Provenance(page=block.page, section=" > ".join(doc.section_path_at(block.span[0])),
                          sentence=para.text[s_start:s_end].strip(), start=block.span[0] + c.q.start,
                          end=block.span[0] + c.q.end, rule=c.rule_id, source="text")

    def _reject(self, doc, block, para, s_start, s_end, c: _Candidate, why: str, year) -> None:
        """Keep a figure bound to a metric term, but kept out, for review."""
        q, rule = c.q, c.rule
        self._rejected.append(Candidate(metric=rule.id, value=q.value, unit=rule.unit,
                                        year=year if type(year) is int else None, reason=why, raw=q.text,
                                        approximate=bool(q.approximate), name_zh=rule.name_zh,
                                        prov=self._prov(doc, block, para, s_start, s_end, c)))

    def _year(self, para, s_start, c: _Candidate, report_year, year_ctx, lead):
        """The year the figure refers to; False when it is a future year (a plan)
        or an unclear comparison."""
        q, ytext = c.q, para.years
        lo = min(c.anchor, q.start)
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(ytext, s_start, lo)), default=s_start)
        prefix = ytext[clause_start:q.start]
        fig_clause = max((m.end() for m in _CLAUSE_BREAK.finditer(ytext, s_start, q.start)), default=s_start)
        start_word = self.from_words.search(ytext, c.anchor_end or lo, q.start) if c.rule_id.endswith("+from") else None
        if start_word:
            prefix = ytext[clause_start:start_word.start()]     # "从2021年的…增至…": not the start's year
        elif c.anchor_end is not None and c.anchor_end <= fig_clause:
            # a change clause stood between term and figure: its years are compared with
            prefix = ytext[clause_start:c.anchor_end] + "，" + ytext[fig_clause:q.start]
        cmp = self.compare.search(prefix)
        if cmp:
            # "较2022年的95.8%" is the 2022 value; "较2022年1000人" is unclear
            if not cmp.group(3):
                return False
            year = int(cmp.group(2)) if cmp.group(2) else (report_year - 1 if report_year else None)
            return False if year is None else year
        if any(w in prefix for w in self.same_year):     # "…2022届…，而同届…": the year named before
            p_start, _ = para.period_of(clause_start)
            named = [_year_of(m) for m in _YEAR.finditer(ytext, p_start, clause_start)]
            if named and (report_year is None or named[-1] <= report_year):
                return named[-1]
        ys = [m for m in _YEAR.finditer(prefix) if not _COMPARED.search(prefix[max(0, m.start() - 4):m.start()])]
        lead_year = _year_of_lead(lead) if lead else None
        snapshot = bool(lead and lead.group(1) and self.cues.is_snapshot(lead.group(1)))
        if ys:
            y = _year_of(ys[-1])
            if report_year and y > report_year and not (snapshot and y == lead_year):
                return False          # a future year: a plan or a target
            return y
        if any(w in prefix for w in self.prev):
            return report_year - 1 if report_year else None
        if any(w in prefix for w in self.current):
            return report_year        # "现有…", "目前…": now, whatever the sentence began with
        earlier = self._period_year(para, clause_start, report_year)
        if earlier is not None:
            return earlier
        if lead_year and report_year and lead_year > report_year and not snapshot:
            return False
        return year_ctx or report_year


    def _period_year(self, para, clause_start, report_year) -> int | None:
        """The year that opens an earlier clause of the sentence period and
        scopes the clauses after it ("2022年全省共有…，年招生…"): the clause
        names no metric of its own, the year is not in parentheses, not a
        date of the school's history, not after the report year."""
        p_start, _ = para.period_of(clause_start)
        ytext = para.years
        source = None
        for source in self.cues.source_year.finditer(ytext, p_start, clause_start):
            pass
        if source is not None:       # "据《2022年…统计公报》，…": the bulletin's year
            y = int(source.group(1))
            return y if report_year is None or y <= report_year else None
        for m in reversed(list(_YEAR.finditer(ytext, p_start, clause_start))):
            a, b, _, _ = para.clause_of(m.start())
            opens = _LEAD_YEAR.match(ytext[a:b]) is not None
            if not opens or any(a <= pos < b for pos in para.terms) or self.cues.history.search(ytext[a:b]) \
                    or _depth(ytext[p_start:m.start()]) > 0:
                continue
            y = _year_of(m)
            return y if report_year is None or y <= report_year else None
        return None


_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def _latest_dated(metrics: list[Metric], text: str, offset: int) -> list[Metric]:
    """One metric stated for one year at several dates of that year ("9月1日…
    为86.3%，12月26日…为97.4%"): the latest date's value is the year's.
    ``offset``: where the paragraph starts in Document.text."""
    def date(m):
        return _clause_date(text, m.prov.start - offset)
    out = []
    for m in metrics:
        others = [o for o in metrics if o is not m and o.metric == m.metric and o.year == m.year
                  and o.prov.sentence == m.prov.sentence and o.value != m.value]
        if others and all(date(x) for x in others + [m]) and any(date(o) > date(m) for o in others):
            continue
        out.append(m)
    return out


def _clause_date(text: str, pos: int) -> tuple[int, int] | None:
    start = max((x.end() for x in _SUBJECT_BREAK.finditer(text, 0, pos)), default=0)
    d = None
    for d in _DAY.finditer(text, start, pos):
        pass
    return (int(d.group(1)), int(d.group(2))) if d else None


def _depth(text: str) -> int:
    """How many parentheses are open at the end of ``text``."""
    return sum(text.count(c) for c in "（(") - sum(text.count(c) for c in "）)")


def _year_of_lead(lead: re.Match) -> int:
    return int(lead.group(3) or lead.group(2))
