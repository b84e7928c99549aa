"""Figures stated in running text.

For each paragraph: the term matcher (jieba + spaCy) finds metric terms, the
number scanner (``extractors.numbers``) finds every figure with its unit, and
the rules of ``rules/metrics.yaml`` pair them — a term and the figure after it
in the same clause, a figure and the word after it ("11个专业"), or a
template.  A pairing is dropped when the figure is a change (比上年增加…),
a target (计划、目标…), a subset (其中…), a cumulative total, or of the wrong
kind or magnitude.  The year a figure refers to comes from the clause
("2022年…", "较2022年的…", "上年…") or from the year the paragraph is about;
otherwise it is the report year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.ingest.model import PARAGRAPH, Document

from .facts import Metric, Provenance
from .metric_rules import MetricRule, MetricRules
from .numbers import find_quantities
from .segment import TermMatcher

_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_BREAK = re.compile(r"[，,；;。：:（）()]")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*(?:[-—–~至]\s*((?:19|20)\d\d)\s*)?(年度|年|届|学年)")
_LEAD_YEAR = re.compile(r"^\s*(?:截至|截止|到|在)?\s*((?:19|20)\d\d)\s*(?:[-—–~至]\s*((?:19|20)\d\d)\s*)?(年度|年|届|学年)")
_COMPARE = re.compile(r"(?:较|比|相比|同比|对比)(?:于)?\s*(上年|去年|上一年|上一学年|前一年|((?:19|20)\d\d)\s*(?:年度|年|届|学年)?)(?:同期)?(的)?\s*$")
# "…97.3%，较2022年的95.8%": the previous year's value of the same metric
_FOLLOW = re.compile(r"^[^。；;]{0,24}?(?:较|比|相比|同比)(?:于)?\s*(上年|去年|上一年|上一学年|前一年|((?:19|20)\d\d)\s*(?:年度|年|届|学年)?)(?:同期)?的\s*")
# digits, then spaces right before a figure: the figure may be the tail of a
# number a PDF split with a space ("3 276人")
_SPLIT_NUMBER = re.compile(r"\d[ \t\u00a0\u2009]+$")
# a year after 较/比/与 is compared with, not talked about
_COMPARED = re.compile(r"(?:较|比|与|同|相比|对比)(?:于)?\s*$")
# "…4,235.6万元（上年3,986.2万元）"
_FOLLOW_PAREN = re.compile(r"^\s*[（(，,]\s*(上年|去年|上一年|上一学年|前一年|((?:19|20)\d\d)\s*(?:年度|年|届|学年))(?:同期)?(?:为|是)?\s*")


@dataclass
class _Candidate:
    rule: MetricRule
    q: object          # numbers.Quantity
    anchor: int        # where the term (or template) starts
    rule_id: str


def _year_of(match: re.Match) -> int:
    return int(match.group(2) or match.group(1))


class NarrativeExtractor:
    def __init__(self, rules: MetricRules, matcher: TermMatcher):
        self.rules = rules
        self.matcher = matcher
        ctx = rules.context
        self.diff = tuple(ctx["difference_words"])
        self.target = tuple(ctx["target_words"])
        self.subset = tuple(ctx["subset_words"])
        self.cumul = tuple(ctx["cumulative_words"])
        self.prev = tuple(ctx["previous_year_words"])
        self.current = tuple(ctx.get("current_words", []))
        self.max_gap = int(ctx["max_gap"])
        words = sorted(ctx.get("connectors", []), key=len, reverse=True)
        self.connector = re.compile("^(?:" + "|".join(map(re.escape, words)) + r"|\s)*$")
        self.templated = [(m, t) for m in rules.metrics.values() for t in m.templates]

    # ------------------------------------------------------------------
    def extract(self, doc: Document, report_year: int | None) -> list[Metric]:
        out: list[Metric] = []
        for b in doc.blocks:
            if b.kind != PARAGRAPH or not b.text:
                continue
            out.extend(self._block(doc, b, report_year))
        return out

    def _block(self, doc, block, report_year) -> list[Metric]:
        text = block.text
        # figures first (a cheap scan): most prose has none, and only the
        # sentences that hold a figure need segmenting
        quants = [q for q in find_quantities(text) if q.kind not in ("date", "year", "number")]
        if not quants:
            return []
        templ = [(m, t, x) for m, t in self.templated for x in t.finditer(text)]
        sentences = []
        pos = 0
        for sm in list(_SENTENCE_END.finditer(text)) + [None]:
            s_end = sm.end() if sm else len(text)
            if s_end > pos:
                sentences.append((pos, s_end))
            pos = s_end
        hits = []
        for s_start, s_end in sentences:
            if any(s_start <= q.start < s_end for q in quants):
                hits.extend(h.shifted(s_start) for h in self.matcher.find(text[s_start:s_end]))
        out = []
        year_ctx = None
        for s_start, s_end in sentences:
            sentence = text[s_start:s_end]
            lead = _LEAD_YEAR.match(sentence)
            lead_year = _year_of(lead) if lead else None
            # a sentence that opens with the report year or the year before sets
            # the year for the rest of the paragraph ("2022年毕业生…。就业率…")
            if lead_year and (report_year is None or report_year - 1 <= lead_year <= report_year):
                year_ctx = lead_year
            sq = [q for q in quants if s_start <= q.start < s_end]
            out.extend(self._sentence(doc, block, text, s_start, s_end, hits, templ, sq, report_year,
                                      year_ctx, lead_year))
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
        return out

    def _sentence(self, doc, block, text, s_start, s_end, hits, templ, sq, report_year, year_ctx,
                  lead_year) -> list[Metric]:
        out: list[Metric] = []
        if not sq:
            return out
        cands: list[_Candidate] = []
        s_hits = [h for h in hits if s_start <= h.start < s_end]
        for i, h in enumerate(s_hits):
            if h.metric is None:
                continue
            rule = self.rules.metrics[h.metric]
            if h.role == "term":
                q = self._figure_after(text, h, [x for x in s_hits[i + 1:] if x.start > h.start], sq, rule)
                if q is not None and not self._excluded_before(text, s_start, h.start, rule):
                    cands.append(_Candidate(rule, q, h.start, f"{rule.id}/term:{h.text}"))
            else:  # a word after the figure: "11个专业"
                q = next((q for q in sq if q.end == h.start), None)
                if q is not None and not self._excluded_before(text, s_start, q.start, rule):
                    cands.append(_Candidate(rule, q, q.start, f"{rule.id}/after:{h.text}"))
        for rule, t, m in templ:
            if s_start <= m.start() < s_end:
                qs = m.start("q")
                q = next((q for q in sq if q.start <= qs + 2 and q.end > qs), None)
                if q is not None:
                    cands.append(_Candidate(rule, q, m.start(), f"{rule.id}/template"))
        for c in cands:
            m = self._accept(doc, block, text, s_start, s_end, c, report_year, year_ctx, lead_year)
            if m is not None:
                out.append(m)
                prev = self._follow(doc, block, text, s_end, c, m, sq, report_year)
                if prev is not None:
                    out.append(prev)
        return out

    def _follow(self, doc, block, text, s_end, c: _Candidate, m: Metric, quants, report_year) -> Metric | None:
        """A comparison right after a figure names the earlier year's value:
        "毕业去向落实率97.3%，较2022年的95.8%" → 95.8 for 2022."""
        q = c.q
        f = _FOLLOW.match(text[q.end:s_end]) or _FOLLOW_PAREN.match(text[q.end:s_end])
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
        a short connector stands between them."""
        nxt = next((h.start for h in later_hits), None)
        for q in quants:
            if q.start < hit.end:
                continue
            if nxt is not None and q.start >= nxt:
                return None
            gap = text[hit.end:q.start]
            if gap.startswith(tuple(self.rules.context.get("subset_after_term", []))):
                return None      # "毕业生中获得证书…人", "专任教师中具有…"
            if len(gap) > self.max_gap or not self.connector.match(gap):
                return None
            if q.kind in ("date", "year"):
                continue
            return q if q.kind == rule.quantity_kind else None
        return None

    def _excluded_before(self, text, s_start, at, rule) -> bool:
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, at)), default=s_start)
        before = text[max(clause_start, at - 6):at]
        return any(w in before for w in rule.exclude_before)

    def _accept(self, doc, block, text, s_start, s_end, c: _Candidate, report_year, year_ctx,
                lead_year) -> Metric | None:
        q, rule = c.q, c.rule
        if q.kind != rule.quantity_kind or getattr(q, "is_difference", False):
            return None
        if _SPLIT_NUMBER.search(text, max(0, q.start - 4), q.start):
            return None      # "3 276人": a number split by a space — which one is it? Do not guess.
        if rule.sections and "/term:" not in c.rule_id:
            # the looser patterns count only where the metric is usually stated
            path = "".join(doc.section_path_at(block.span[0]))
            if not any(w in path for w in rule.sections):
                return None
        lo = min(c.anchor, q.start)
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, lo)), default=s_start)
        between = text[lo:q.start]
        prefix = text[clause_start:q.start]
        if any(w in between for w in self.diff) or any(w in text[q.end:q.end + 3] for w in ("的增长", "的增幅")):
            return None
        if any(w in text[s_start:q.start] or w in q.text for w in self.target):
            return None
        if any(w in between for w in self.subset) or any(w in prefix for w in self.cumul):
            return None
        # the year the figure refers to
        year = None
        cmp = _COMPARE.search(text[clause_start:q.start])
        if cmp:
            # "较2022年的95.8%" is the 2022 value; "较2022年1000人" is unclear
            if not cmp.group(3):
                return None
            year = int(cmp.group(2)) if cmp.group(2) else (report_year - 1 if report_year else None)
            if year is None:
                return None
        else:
            ys = list(_YEAR.finditer(text, clause_start, q.start))
            if ys:
                y = _year_of(ys[-1])
                if report_year and y > report_year:
                    return None          # a future year: a plan or a target
                year = y
            elif any(w in prefix for w in self.prev):
                year = report_year - 1 if report_year else None
            elif any(w in prefix for w in self.current):
                year = report_year          # "现有…", "目前…": now, whatever the sentence began with
            elif lead_year and report_year and lead_year > report_year:
                return None
            else:
                year = year_ctx or report_year
        value = q.value
        if not (rule.range[0] <= value <= rule.range[1]):
            return None
        sentence = text[s_start:s_end].strip()
        start = block.span[0] + q.start
        return Metric(metric=rule.id, value=value, unit=rule.unit, year=year, raw=q.text,
                      approximate=bool(q.approximate), name_zh=rule.name_zh,
                      prov=Provenance(page=block.page, section=" > ".join(doc.section_path_at(block.span[0])),
                                      sentence=sentence, start=start, end=block.span[0] + q.end,
                                      rule=c.rule_id, source="text"))
