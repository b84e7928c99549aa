"""Run every extractor on one document and collect the facts.

>>> from ingest import parse
>>> from extractors.extract import extract
>>> facts = extract(parse("report.pdf"))
>>> [(m.metric, m.value, m.year, m.prov.page) for m in facts.metrics]
"""
from __future__ import annotations

from functools import lru_cache

from nianbao.ingest.model import Document

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
    """Keep the first statement of each (metric, year, value, source)."""
    seen: list[Metric] = []
    for m in metrics:
        if any(s.metric == m.metric and s.year == m.year and s.prov.source == m.prov.source
               and _same(s.value, m.value) for s in seen):
            continue
        seen.append(m)
    return seen


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


def extract(doc: Document) -> Facts:
    """Document attributes, metrics (narrative and appendix tables) with
    provenance, and conflict flags."""
    rules, narrative, tables = _extractors()
    facts = Facts(rules_version=rules.label)
    facts.attributes = extract_attributes(doc)
    facts.attributes["format"] = doc.format
    year = facts.attributes.get("year")
    metrics = narrative.extract(doc, year) + tables.extract(doc, year)
    facts.metrics = dedupe(metrics)
    from .ocr_trust import mark_awards, mark_metrics
    ocr_flags = mark_metrics(doc, facts.metrics, _low_confidence()) if doc.status == "ocr" else []
    facts.flags = conflict_flags(facts.metrics, year) + ocr_flags
    from .awards import extract_awards
    facts.awards = extract_awards(doc, year)
    if doc.status == "ocr":
        mark_awards(doc, facts.awards)
    return facts


def _low_confidence() -> float:
    from nianbao.ingest.ocr_rules import load_ocr_rules
    return load_ocr_rules().low_confidence
