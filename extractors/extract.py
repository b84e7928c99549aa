"""Run the registered extractors on one document and collect the facts.

>>> from nianbao.ingest import parse
>>> from nianbao.extractors.extract import extract
>>> facts = extract(parse("report.pdf"))
>>> [(m.metric, m.value, m.year, m.prov.page) for m in facts.metrics][:3]
[('land_area', 145334.06, 2023, 2), ('building_area', 86420.0, 2023, 2), ('majors_count', 14.0, 2023, 2)]
"""
from __future__ import annotations

import re
from functools import lru_cache

from nianbao import registry
from nianbao.ingest.model import Document
from nianbao.rules.loader import rules_digest

from .attributes import extract_attributes
from .facts import Facts, Flag, Metric
from .metric_rules import load_metric_rules


@lru_cache(maxsize=1)
def _extractors():
    from .narrative import NarrativeExtractor
    from .segment import term_matcher
    from .tables import TableExtractor
    rules = load_metric_rules()
    return rules, NarrativeExtractor(rules, term_matcher()), TableExtractor(rules)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-6, 5e-4 * max(abs(a), abs(b)))


def dedupe(metrics: list[Metric]) -> list[Metric]:
    """Keep the first statement of each (metric, year, value, source); values
    are compared within their (metric, year, source) group only."""
    kept: list[Metric] = []
    groups: dict[tuple, list[float]] = {}
    for m in metrics:
        values = groups.setdefault((m.metric, m.year, m.prov.source), [])
        if any(_same(v, m.value) for v in values):
            continue
        values.append(m.value)
        kept.append(m)
    return kept


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")


def source_of(m: Metric) -> dict:
    d = {"value": m.value, "unit": m.unit, "raw": m.raw, "source": m.prov.source, "page": m.prov.page,
         "section": m.prov.section, "sentence": m.prov.sentence[:300], "start": m.prov.start,
         "rule": m.prov.rule}
    if m.prov.origin != "file":
        d.update({"origin": m.prov.origin, "confidence": m.prov.confidence})
    return d


def conflict_flags(metrics: list[Metric], year: int | None) -> list[Flag]:
    """A metric stated for the report year with two different values."""
    flags = []
    by_metric: dict[str, list[Metric]] = {}
    for m in metrics:
        if m.year == year:
            by_metric.setdefault(m.metric, []).append(m)
    for metric, ms in by_metric.items():
        distinct: list[Metric] = []
        for m in ms:
            if not any(_same(m.value, d.value) for d in distinct):
                distinct.append(m)
        if len(distinct) < 2:
            continue
        a = next((d for d in distinct if d.prov.source == "text"), distinct[0])
        b = next((d for d in distinct if d is not a and d.prov.source != a.prov.source), None) or \
            next(d for d in distinct if d is not a)
        values = "、".join(_fmt(d.value) for d in distinct)
        flags.append(Flag(
            kind="conflict", severity="warning", metric=metric, rule="extract/conflict",
            message=(f"{a.name_zh}（{metric}）{year}年有不同数值：{values} / "
                     f"{metric} for {year} is stated with different values: {values}"),
            source_a=source_of(a), source_b=source_of(b)))
    return flags


def document_scope(attributes: dict) -> str:
    """Whose figures the report states: "school" (a 中职/高职 school its title
    names), "region" (a region's report) or "open" (not known — e.g. a passage
    under a neutral title: the passage's own subject counts)."""
    if attributes.get("level") == "区域":
        return "region"
    school = "".join((attributes.get("school") or "").split())
    # the title opens with the school's name (after a year, if any)
    title = re.sub(r"^[\d\s年度（）()《—-]+", "", "".join((attributes.get("title") or "").split()))
    if school and title.startswith(school) and attributes.get("level") in ("中职", "高职"):
        return "school"
    return "open"


# -- the registered extractors (rules/pipeline.yaml ``extractors`` says which run) -------
@registry.extractors.register("attributes")
def attributes(doc: Document, facts: Facts) -> None:
    facts.attributes = extract_attributes(doc)
    facts.attributes["format"] = doc.format


@registry.extractors.register("narrative")
def narrative(doc: Document, facts: Facts) -> None:
    facts.metrics += _extractors()[1].extract(doc, facts.attributes.get("year"), document_scope(facts.attributes),
                                              candidates=facts.candidates, level=facts.attributes.get("level"),
                                              region=facts.attributes.get("region"),
                                              school=facts.attributes.get("school"),
                                              title=facts.attributes.get("title"))


@registry.extractors.register("tables")
def tables(doc: Document, facts: Facts) -> None:
    facts.metrics += _extractors()[2].extract(doc, facts.attributes.get("year"))


def extract(doc: Document) -> Facts:
    """Run the extractors named in ``rules/pipeline.yaml`` on a parsed
    document, in order; then drop repeated statements and flag a metric
    stated with two values for the report year (``conflict``).

    Returns :class:`Facts`: ``attributes`` (school, level, region, year …),
    ``metrics`` (each with page, section, sentence and rule), ``awards`` and
    ``flags``; ``rules_version`` is the metrics rules' version and a digest
    of every file in ``rules/``."""
    rules = _extractors()[0]
    facts = Facts(rules_version=f"{rules.version}+{rules_digest()}")
    for _, fn in registry.configured("extractors"):
        fn(doc, facts)
    facts.metrics = dedupe(facts.metrics)
    ocr_flags = _mark_ocr(doc, facts)
    facts.flags = conflict_flags(facts.metrics, facts.attributes.get("year")) + facts.flags + ocr_flags
    return facts


def _mark_ocr(doc: Document, facts: Facts) -> list[Flag]:
    """Values read by OCR get origin 'ocr' and their confidence; low ones a
    flag (extractors/ocr_trust.py).  Nothing to do for a document read from
    text alone."""
    if doc.status != "ocr":
        return []
    from nianbao.ingest.ocr_rules import load_ocr_rules

    from .ocr_trust import mark_awards, mark_metrics
    mark_awards(doc, facts.awards)
    mark_metrics(doc, facts.candidates, 0.0)     # review candidates: marked, already for a reviewer
    return mark_metrics(doc, facts.metrics, load_ocr_rules().low_confidence)
