"""Run every extractor on one document and collect the facts."""
from __future__ import annotations

from ingest.model import Document

from .attributes import extract_attributes
from .facts import Facts


def extract(doc: Document) -> Facts:
    """Document attributes, metrics (narrative and appendix tables), awards
    and the flags raised while extracting."""
    facts = Facts()
    facts.attributes = extract_attributes(doc)
    facts.attributes["format"] = doc.format
    return facts
