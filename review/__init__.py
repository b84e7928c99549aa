"""Review a report as a bureau reviewer would.

* :mod:`review.outline` — the parts and appendix tables of the official
  template, matched by meaning (``missing_part``, ``missing_table``,
  ``empty_part``, ``part_order``);
* :mod:`review.checks` — contradictions inside one report (``sum_mismatch``,
  ``out_of_range``, ``implausible``, ``derived_mismatch``); same-metric
  ``conflict`` flags come from extraction;
* :mod:`review.store_checks` — across the reports of one school in the store
  (``yoy_jump``);
* :mod:`review.report` — what ``nianbao check`` and ``nianbao flags`` show,
  read from the database (``nianbao.cli.render`` prints it).

Each check is registered by name (:mod:`nianbao.registry`) and
``rules/pipeline.yaml`` lists which run.  Their rules are YAML:
``rules/review.yaml``, ``rules/checks.yaml`` and
``rules/templates/report-templates.yaml``.

>>> from nianbao.ingest import parse
>>> from nianbao.extractors.extract import extract
>>> from nianbao.review import review_document
>>> doc = parse("report.pdf")
>>> facts = extract(doc)
>>> facts.flags.extend(review_document(doc, facts))
"""
from __future__ import annotations

from nianbao.extractors.facts import Facts, Flag
from nianbao.ingest.model import Document


def review_document(doc: Document, facts: Facts) -> list[Flag]:
    """The review flags of one parsed document: every check named in
    ``rules/pipeline.yaml`` (``checks``), in order, each a function
    registered with ``@nianbao.registry.checks.register(name)``.  A failing
    check becomes a ``review_error`` flag: review never stops an ingest."""
    from nianbao.registry import configured
    flags: list[Flag] = []
    for name, fn in configured("checks"):
        try:
            flags.extend(fn(doc, facts))
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception as e:  # a review bug must not lose the document
            flags.append(Flag(kind="review_error", severity="info", rule=f"review/{name}",
                              message=f"审阅出错 / review {name} failed: {type(e).__name__}: {e}"))
    return flags


def extract_and_review(doc: Document) -> Facts:
    """Extraction (:func:`nianbao.extractors.extract.extract`), then this
    review's flags added to ``facts.flags``: what ingest stores for a document."""
    from nianbao.extractors.extract import extract
    facts = extract(doc)
    facts.flags.extend(review_document(doc, facts))
    return facts


__all__ = ["review_document", "extract_and_review"]
