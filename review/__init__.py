"""Review a report as a bureau reviewer would.

* :mod:`review.outline` — the parts and appendix tables of the official
  template, matched by meaning (``missing_part``, ``missing_table``,
  ``empty_part``, ``part_order``);
* :mod:`review.checks` — contradictions inside one report (``sum_mismatch``,
  ``out_of_range``, ``implausible``, ``derived_mismatch``); same-metric
  ``conflict`` flags come from extraction;
* :mod:`review.store_checks` — across the reports of one school in the store
  (``yoy_jump``);
* :mod:`review.report` — the text of ``nianbao check`` and ``nianbao flags``.

Rules are YAML: ``rules/review.yaml``, ``rules/checks.yaml`` and
``rules/templates/report-templates.yaml``.

>>> from review import review_document
>>> facts.flags.extend(review_document(doc, facts))
"""
from __future__ import annotations

from nianbao.extractors.facts import Facts, Flag
from nianbao.ingest.model import Document


def review_document(doc: Document, facts: Facts) -> list[Flag]:
    """The review flags of one parsed document (outline and contradictions).
    A failing check becomes a ``review_error`` flag: review never stops an
    ingest."""
    from . import checks, outline
    level, year = facts.attributes.get("level"), facts.attributes.get("year")
    flags: list[Flag] = []
    for name, fn in (("outline", lambda: outline.check_document(doc, level, year).flags),
                     ("checks", lambda: checks.document_flags(doc, facts))):
        try:
            flags.extend(fn())
        except Exception as e:  # pragma: no cover - a review bug must not lose the document
            flags.append(Flag(kind="review_error", severity="info", rule=f"review/{name}",
                              message=f"审阅出错 / review {name} failed: {type(e).__name__}: {e}"))
    return flags


__all__ = ["review_document"]
