"""The rows one document is stored as, built where the document is.

A worker process parses and extracts a file, then builds every row the
store will write for it (:func:`prepare`): the ``documents`` columns, pages,
sections with their full-text tokens, tables, metrics, awards, flags and the
packed document model (:func:`pack_model`).  It sends these rows — plain
lists of dicts, far cheaper to send and to read than the document model —
to the one writer (:meth:`nianbao.store.Store.save`), which only adds the
document id and inserts them.  ``workers=0`` builds the same rows in the
calling process, so the database does not depend on where they were made.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

from nianbao.ingest.model import PAGE_GARBAGE, TABLE, Document

#: the packed model: zlib over UTF-8 JSON (level 1: ≈ 10 % larger than level 6, three times faster)
MODEL_ZLIB_LEVEL = 1


def _j(obj) -> str | None:
    return None if obj is None else json.dumps(obj, ensure_ascii=False)


# -- the document model, packed ----------------------------------------------------------
def pack_model(doc: Document) -> bytes:
    """The document model as stored in ``document_models.model``: zlib over
    the UTF-8 JSON of :meth:`Document.to_dict`.  orjson serialises the
    dataclasses directly (≈ 0.3 ms for a 41-page report; ``asdict`` + json
    took ≈ 17 ms); a value orjson refuses falls back to the json module."""
    try:
        import orjson
        data = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
    except (ImportError, TypeError):
        data = json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8")
    return zlib.compress(data, MODEL_ZLIB_LEVEL)


def unpack_model(blob: bytes) -> Document:
    """The :class:`Document` of a packed model (any version nianbao wrote)."""
    try:
        import orjson
        d = orjson.loads(zlib.decompress(blob))
    except ImportError:
        d = json.loads(zlib.decompress(blob))
    return Document.from_dict(d)


# -- rows of the structure ----------------------------------------------------------------
def page_rows(doc: Document, document_id: int | None) -> list[dict]:
    return [{"document_id": document_id, "page": p.number, "chars": p.chars, "status": p.status,
             "note": p.note} for p in doc.pages]


def section_rows(doc: Document, document_id: int | None) -> list[dict]:
    """One row per heading: its place, path and the text directly under it
    (up to the next heading)."""
    heads = doc.headings()
    rows = []
    for i, s in enumerate(doc.sections()):   # one section per heading, in the same order
        h = heads[i]
        body_end = heads[i + 1].span[0] if i + 1 < len(heads) else len(doc.text)
        rows.append({"document_id": document_id, "order": s.order, "level": s.level, "number": s.number,
                     "title": s.title, "path": " > ".join(s.path), "page": s.page,
                     "start": s.start, "end": s.end, "text": doc.text[h.span[1]:body_end].strip()})
    return rows


def table_rows(doc: Document, document_id: int | None) -> list[dict]:
    rows = []
    for t in doc.blocks:
        if t.kind != TABLE:
            continue
        merges = [[c.row, c.col, c.rowspan, c.colspan] for r in t.rows or [] for c in r
                  if c.is_origin and (c.rowspan > 1 or c.colspan > 1)]
        rows.append({"document_id": document_id, "order": t.order, "page": t.page, "title": t.title,
                     "number": t.number, "section": " > ".join(doc.section_path_at(t.span[0])),
                     "n_rows": t.n_rows, "n_cols": t.n_cols, "header_rows": t.header_rows,
                     "cells": _j([[c.text if c.is_origin else None for c in r] for r in t.rows or []]),
                     "merges": _j(merges), "origin": t.meta.get("source") or "file",
                     "confidence": t.meta.get("confidence")})
    return rows


# -- rows of the facts --------------------------------------------------------------------
def metric_rows(facts, document_id: int | None) -> list[dict]:
    return [{
        "document_id": document_id, "metric": m.metric, "name_zh": m.name_zh, "value": m.value,
        "unit": m.unit, "year": m.year, "approximate": int(bool(m.approximate)), "raw": m.raw,
        "source": m.prov.source, "page": m.prov.page, "section": m.prov.section,
        "sentence": m.prov.sentence, "start": m.prov.start, "end": m.prov.end,
        "table_order": m.prov.table, "row": m.prov.row, "col": m.prov.col,
        "rule": m.prov.rule, "rules_version": facts.rules_version,
        "origin": m.prov.origin, "confidence": m.prov.confidence} for m in facts.metrics]


def candidate_rows(facts, document_id: int | None) -> list[dict]:
    """Review candidates: figures extraction did not store as values, with the reason."""
    return [{
        "document_id": document_id, "metric": c.metric, "name_zh": c.name_zh, "value": c.value, "unit": c.unit,
        "year": c.year, "reason": c.reason, "approximate": int(bool(c.approximate)), "raw": c.raw,
        "page": c.prov.page, "section": c.prov.section, "sentence": c.prov.sentence,
        "start": c.prov.start, "end": c.prov.end, "rule": c.prov.rule,
        "rules_version": facts.rules_version, "origin": c.prov.origin,
        "confidence": c.prov.confidence} for c in getattr(facts, "candidates", [])]


def award_rows(facts, document_id: int | None) -> list[dict]:
    return [{
        "document_id": document_id, "competition": a.competition, "level": a.level, "event": a.event,
        "prize": a.prize, "person": a.person, "role": a.role, "year": a.year, "page": a.prov.page,
        "section": a.prov.section, "sentence": a.prov.sentence, "start": a.prov.start,
        "end": a.prov.end, "rule": a.prov.rule,
        "origin": a.prov.origin, "confidence": a.prov.confidence} for a in facts.awards]


def flag_rows(facts, document_id: int | None) -> list[dict]:
    return [{
        "document_id": document_id, "kind": f.kind, "severity": f.severity, "metric": f.metric,
        "message": f.message, "source_a": _j(f.source_a), "source_b": _j(f.source_b),
        "rule": f.rule} for f in facts.flags]


@dataclass
class FactRows:
    """What extraction found, as rows (``document_id`` left None for the writer)."""
    attributes: dict = field(default_factory=dict)
    rules_version: str | None = None
    metrics: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)
    awards: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, facts) -> "FactRows":
        return cls(attributes=dict(facts.attributes), rules_version=facts.rules_version,
                   metrics=metric_rows(facts, None), candidates=candidate_rows(facts, None),
                   awards=award_rows(facts, None),
                   flags=flag_rows(facts, None))


@dataclass
class Prepared:
    """Everything :meth:`Store.save` writes for one parsed document but the
    ids and the path: ``record`` holds the ``documents`` columns taken from
    the document and its facts; ``rows`` the rows of ``pages``,
    ``sections`` and ``tables`` (``document_id`` None); ``search`` the
    full-text tokens of each section by its order; ``model`` the packed
    model; ``facts`` the fact rows (None when extraction did not run)."""
    record: dict
    rows: dict[str, list[dict]]
    search: dict[int, tuple[str, str]]
    model: bytes
    facts: FactRows | None = None
    page_count: int = 0
    garbage: bool = False      # a page's text layer is unreadable (needs_ocr for that reason)
    damaged: str | None = None  # the parser read a damaged file: the warning that says so
    ocr_pages: int = 0          # pages read by OCR (status 'ocr')

    @property
    def flagged(self) -> bool:
        return bool(self.facts and self.facts.flags)


def prepare(doc: Document, facts=None, *, model: bytes | None = None) -> Prepared:
    """The rows of a parsed document and its facts (see :class:`Prepared`)."""
    from .reports import fingerprint
    from .search import segment_rows
    attrs = facts.attributes if facts is not None else {}
    record = {"format": doc.format, "pages": doc.page_count, "chars": len(doc.text),
              "school": attrs.get("school"), "year": attrs.get("year"), "level": attrs.get("level"),
              "region": attrs.get("region"), "title": attrs.get("title"), "title_year": attrs.get("title_year"),
              "status": doc.status, "parser": doc.parser,
              "rules_version": facts.rules_version if facts is not None else None,
              "warnings": _j(doc.warnings) if doc.warnings else None,
              "fingerprint": fingerprint(doc.text) if doc.text else None}
    sections = section_rows(doc, None)
    return Prepared(record=record,
                    rows={"pages": page_rows(doc, None), "sections": sections, "tables": table_rows(doc, None)},
                    search=segment_rows(sections), model=model if model is not None else pack_model(doc),
                    facts=FactRows.of(facts) if facts is not None else None, page_count=doc.page_count,
                    garbage=any(p.status == PAGE_GARBAGE for p in doc.pages),
                    ocr_pages=sum(1 for p in doc.pages if p.status == "ocr"),
                    damaged=(next((w for w in doc.warnings if "damaged" in w), "damaged")
                             if doc.metadata.get("damaged") else None))
