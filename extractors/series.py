"""Several values of one metric in one sentence, each with its own year.

Reports state a metric for several years at once; each kind below gives the
figures after a metric term and the year of each, or nothing when the years
cannot be paired with the figures (then no figure is taken):

* respectively — "2021、2022、2023年毕业去向落实率分别为95.6%、96.3%、96.9%";
  over entities instead of years — "全国、全省和本校毕业生就业率分别为…"
  (:func:`respective_entities`: the caller takes the report's own one);
* from … to — "平均月收入由3,900元增至4,300元" (the level reached is the
  value; the starting one only when its year is stated: "从2021年的…",
  "2019年至2023年…由…增至…");
* a compared year in parentheses — "…为96.1%，比2022届(95.4%)高0.7个百分点";
* a year series — "2021年毕业生1,020人，2022年为1,064人，2023年达1,102人";
* items after a total that is another entity's, each naming its own entity
  without the metric's term — "全省高等学校专任教师5.2万人，其中，本科院校3.1万人；
  高职院校2.0万人" (the caller keeps the items whose entity is the report's).

The words are data (``rules/metrics.yaml`` context: ``respectively_words``,
``from_words``, ``to_level_words``, ``connectors``).  Every function takes the
paragraph text, where the term ends (or the first figure), the sentence's
quantities and the quantity kind of the metric; it returns ``(quantity, year)``
pairs, ``year`` None meaning "the year the clause gives".
"""
from __future__ import annotations

import re

_YEAR = r"(?:19|20)\d\d"
_YEAR_LIST = re.compile(rf"({_YEAR})\s*(?:年度|年|届|学年)?(?:\s*[、和及与,，]\s*({_YEAR})\s*(?:年度|年|届|学年)?)+")
_LIST_SEP = re.compile(r"^\s*(?:[、，,]|和|及|与|以及)\s*$")
_RANGE = re.compile(rf"({_YEAR})\s*年?\s*(?:至|到|—|–|-|~)\s*({_YEAR})\s*年")
_COMPARED_PAREN = re.compile(rf"(?:比|较|与|相比|同比)\s*({_YEAR})\s*(?:年度|年|届|学年)?\s*[（(]\s*$")
_SERIES_HEAD = re.compile(rf"^\s*({_YEAR})\s*(?:年度|年|届|学年)\s*(?:为|达|达到|是|共|有|共有|增至|增加到|增长到)?\s*$")


def _kind_ok(q, kind: str) -> bool:
    return q.kind == kind and not q.is_difference


def _after(quants, pos: int):
    return [q for q in quants if q.start >= pos]


def _respective_figures(text: str, term_end: int, quants, kind: str, words: re.Pattern):
    """The figures listed right after ``分别为`` following a term (``[]``
    when the words do not follow it, or a figure is of another kind)."""
    m = words.match(text, term_end)
    if not m:
        return []
    figures, pos = [], m.end()
    for q in _after(quants, pos):
        gap = text[pos:q.start]
        if (figures and not _LIST_SEP.match(gap)) or (not figures and gap.strip()):
            break
        if not _kind_ok(q, kind):
            return []
        figures.append(q)
        pos = q.end
    return figures


#: what may stand between a term and its first figure when 分别 came before the term
_FIRST_FIGURE = re.compile(r"\s*(?:为|达|达到|是|有|共)?\s*")

#: where the entities of a list before a term are cut ("全国、全省和本校毕业生…")
_ENTITY_SEP = re.compile(r"\s*(?:、|以及|和|及|与)\s*")


def respective_entities(text: str, term_start: int, term_end: int, clause_start: int, quants, kind: str,
                        words: re.Pattern) -> list[tuple[str, object]]:
    """'A、B和C + term + 分别为 a、b、c': (entity text, figure) pairs, one per
    entity named before the term in its clause, or ``[]`` when the numbers of
    entities and figures differ (or there are fewer than two).  The caller
    decides which entity is the report's own."""
    figures = _respective_figures(text, term_end, quants, kind, words)
    if len(figures) < 2:
        return []
    head = text[clause_start:term_start]
    items = [x for x in _ENTITY_SEP.split(head) if x.strip()]
    if len(items) != len(figures) or _YEAR_LIST.search(head) or _RANGE.search(head):
        return []
    return list(zip(items, figures))


def respectively(text: str, term_end: int, clause_start: int, quants, kind: str, words: re.Pattern,
                 period_start: int | None = None, term_start: int | None = None):
    """'YEARS … 分别为 a、b、c': one value per year, or nothing.  The years
    stand before the term in its clause, right after it ("招生人数2022年、2023年
    分别为…"), or open the sentence in a clause of their own ("2022年和2023年，
    …分别为…", from ``period_start``); a range ("2021—2023年") counts every
    year in it.  分别 may also stand before the term ("2022、2023年分别招收新生
    a人、b人").  The number of years must be the number of figures."""
    after_term = _YEAR_LIST.match(text, term_end) or _RANGE_YEARS.match(text, term_end)
    figures = _respective_figures(text, after_term.end() if after_term else term_end, quants, kind, words)
    if not figures and term_start is not None and text[max(clause_start, term_start - 2):term_start] == "分别":
        figures = _respective_figures(text, term_end, quants, kind, _FIRST_FIGURE)
    if not figures:
        return []
    years = _years_of(after_term) if after_term else None
    for start in (clause_start, period_start):
        if years or start is None:
            continue
        for ym in list(_YEAR_LIST.finditer(text, start, term_end)) + list(_RANGE_YEARS.finditer(text, start, term_end)):
            years = _years_of(ym)
        if start != clause_start and years and not re.fullmatch(r"[\s，,]*", text[_last_end(text, start, term_end):clause_start]):
            years = None        # the years must be the whole clause before
    if len(figures) < 2 or not years or len(years) != len(figures):
        return []
    return list(zip(figures, years))


_RANGE_YEARS = re.compile(rf"({_YEAR})\s*(?:年度|年|届)?\s*(?:至|到|—|–|-|~)\s*({_YEAR})\s*(?:年度|年|届)")


def _years_of(m: re.Match) -> list[int]:
    if m.re is _RANGE_YEARS:
        a, b = int(m.group(1)), int(m.group(2))
        return list(range(a, b + 1)) if 0 < b - a <= 10 else []
    return [int(y) for y in re.findall(_YEAR, m.group(0))]


def _last_end(text: str, start: int, end: int) -> int:
    """Where the last year list or range between ``start`` and ``end`` ends."""
    ends = [m.end() for rx in (_YEAR_LIST, _RANGE_YEARS) for m in rx.finditer(text, start, end)]
    return max(ends) if ends else start


def from_to(text: str, term_end: int, period_start: int, quants, kind: str, connector: re.Pattern,
            start_words: re.Pattern, to_words: re.Pattern, from_state: re.Pattern | None = None):
    """'由 a 增至 b': (b, end year or None), and (a, start year) when stated.
    ``to_words`` must match all of the text between a and b ("，增加到目前的");
    ``from_state`` the text between 由 and a when it names no year ("原来的")."""
    m = start_words.search(text, term_end, term_end + 8)     # "在校生总数由…": a connector may stand before 由
    if not m or not connector.match(text[term_end:m.start()]):
        return []
    later = _after(quants, m.end())
    if len(later) < 2:
        return []
    a, b = later[0], later[1]
    head = text[m.end():a.start]
    a_year = re.fullmatch(rf"\s*({_YEAR})\s*(?:年度|年|届)?\s*的?\s*", head)
    state = from_state is not None and from_state.fullmatch(head)
    between = text[a.end:b.start].strip()
    # "由2022年的1,680人增至2024年的1,912人": the year of the level reached
    b_year = re.search(rf"({_YEAR})\s*(?:年度|年|届)?(?:底|末)?\s*的?\s*$", between)
    if b_year:
        between = between[:b_year.start()].strip()
    if (head.strip() and not a_year and not state) or not to_words.fullmatch(between):
        return []
    if not (_kind_ok(a, kind) and _kind_ok(b, kind)):
        return []
    rng = None
    for r in _RANGE.finditer(text, period_start, term_end):
        rng = r
    if rng:
        return [(b, int(rng.group(2))), (a, int(rng.group(1)))]
    return [(b, int(b_year.group(1)) if b_year else None)] + ([(a, int(a_year.group(1)))] if a_year else [])


def compared_in_parentheses(text: str, after: int, s_end: int, quants, kind: str):
    """'…，比2022届(95.4%)高0.7个百分点': (95.4, 2022) for every such comparison."""
    out = []
    for q in _after(quants, after):
        if q.start >= s_end:
            break
        m = _COMPARED_PAREN.search(text, max(after, q.start - 16), q.start)
        if m and _kind_ok(q, kind) and re.match(r"\s*[)）]", text[q.end:]):
            out.append((q, int(m.group(1))))
    return out


def year_series(text: str, after: int, s_end: int, quants, kind: str, clause_break: re.Pattern, term_starts):
    """Clauses after a value that give the same metric for other years:
    '…，2022年为1,064人，2023年达1,102人'.  Stops at a clause naming a metric."""
    out = []
    for cb in clause_break.finditer(text, after, s_end):
        c_start = cb.end()
        c_end = next((x.start() for x in clause_break.finditer(text, c_start, s_end)), s_end)
        if any(c_start <= t < c_end for t in term_starts):
            break
        q = next((x for x in _after(quants, c_start) if x.start < c_end), None)
        if q is not None:
            m = _SERIES_HEAD.match(text[c_start:q.start])
            if m and _kind_ok(q, kind):
                out.append((q, int(m.group(1))))
    return out


def elided_items(text: str, after: int, period_end: int, quants, kind: str, item_break: re.Pattern,
                 term_starts, names_entity) -> list:
    """Clauses after a figure, up to the next metric term in the sentence
    period, that name an entity and give one figure of ``kind``:
    "…，其中，本科院校3.1万人；高职院校2.0万人".  ``names_entity(head)`` says
    whether the text before the figure names one."""
    out = []
    for cb in item_break.finditer(text, after, period_end):
        c_start = cb.end()
        c_end = next((x.start() for x in item_break.finditer(text, c_start, period_end)), period_end)
        if any(c_start <= t < c_end for t in term_starts):
            break
        q = next((x for x in _after(quants, c_start) if x.start < c_end), None)
        if q is None or not _kind_ok(q, kind):
            continue
        head = re.sub(r"^\s*其中\s*[，,：:]?", "", text[c_start:q.start])
        if head and len(head) <= 16 and names_entity(head):
            out.append(q)
    return out


def entity_list(text: str, clause_start: int, words_at: re.Match, term_hits, quants,
                list_sep: re.Pattern, tail: re.Pattern):
    """'A、B分别为a、b' — several metrics named before one 分别为, one figure
    each, in order.  ``words_at`` is the 分别为 match; ``term_hits`` the
    metric term hits of the sentence (TermHit: start, end).  Returns
    ``(slots, figures, clean)``: one entry per list item of the clause
    before 分别为 — its term hit, or None for an item that names no metric
    ("满意度") —, the figures after 分别为 (joined by 、，和…), and whether the
    list reads cleanly: every item holds at most one term, a term item is
    nothing but the term (the first may have a subject before it: "学校现有…";
    any a tail word after: "…人数"), an item without a term is a short word
    without digits.  Fewer than two terms: ``([], [], False)`` — one term
    with several years is :func:`respectively`'s."""
    head_end = words_at.start()
    terms = [h for h in term_hits if clause_start <= h.start and h.end <= head_end]
    if len(terms) < 2:
        return [], [], False
    items = _spans_between(text, clause_start, head_end, list_sep, terms)
    slots, clean = [], True
    for k, (a, b) in enumerate(items):
        inside = [h for h in terms if a <= h.start and h.end <= b]
        if len(inside) > 1 or (not inside and (len(text[a:b].strip()) > 8 or re.search(r"\d", text[a:b]))):
            clean = False
        h = inside[0] if len(inside) == 1 else None
        if h is not None and ((k and text[a:h.start].strip()) or not tail.fullmatch(text[h.end:b])):
            clean = False
        slots.append(h)
    if sum(1 for h in slots if h is not None) != len(terms):
        clean = False           # a term across a separator
    figures, pos = [], words_at.end()
    for q in _after(quants, pos):
        gap = text[pos:q.start]
        if (figures and not _LIST_SEP.match(gap)) or (not figures and gap.strip()):
            break
        figures.append(q)
        pos = q.end
    return slots, figures, clean


def _spans_between(text: str, start: int, end: int, sep: re.Pattern, hits) -> list[tuple[int, int]]:
    """The items of a list between ``start`` and ``end``; a separator inside
    a term ("教授、副教授") separates nothing."""
    out, pos = [], start
    for m in sep.finditer(text, start, end):
        if any(h.start < m.start() < h.end for h in hits):
            continue
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return [(a, b) for a, b in out if b > a]
