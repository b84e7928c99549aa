"""The SQLite schema, created and upgraded by code.

The column names of ``documents``, ``sections``, ``tables``, ``metrics``,
``awards`` and ``flags`` are a contract: users' SQL and other tools depend on
them.  Add columns; never rename or drop one.  Each schema change is one entry
in ``MIGRATIONS``; the version reached is kept in the ``_meta`` table.

A nianbao database says so in its header (``PRAGMA application_id`` =
:data:`APPLICATION_ID`).  A database of another program — tables but no
nianbao ``_meta`` — is refused (:func:`check_owner`), never written into.
"""
from __future__ import annotations

from .errors import StorageError
from .lib import sqlite_utils

SCHEMA_VERSION = 7

#: ``PRAGMA application_id`` of a nianbao database ("NBAO")
APPLICATION_ID = 0x4E42414F


def _v1(db: sqlite_utils.Database) -> None:
    """Version 1: the files, their text and the facts extracted."""
    _v1_files(db)
    _v1_text(db)
    _v1_facts(db)


def _v1_files(db: sqlite_utils.Database) -> None:
    """``documents``, ``document_paths``, ``document_models`` and ``pages``."""
    db["documents"].create({
        "id": int, "path": str, "sha256": str, "format": str, "pages": int, "chars": int,
        "school": str, "year": int, "level": str, "region": str, "title": str, "title_year": int,
        "status": str, "error": str, "parser": str, "rules_version": str, "size": int,
        "warnings": str, "ingested_at": str,
    }, pk="id", not_null={"path", "status"}, if_not_exists=True)
    db["documents"].create_index(["sha256"], if_not_exists=True)

    db["document_paths"].create({
        "path": str, "document_id": int, "sha256": str, "size": int, "mtime": float, "seen_at": str,
    }, pk="path", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db["document_paths"].create_index(["document_id"], if_not_exists=True)

    db["document_models"].create({"document_id": int, "model": bytes},
                                 pk="document_id", foreign_keys=[("document_id", "documents", "id")],
                                 if_not_exists=True)

    db["pages"].create({"document_id": int, "page": int, "chars": int, "status": str, "note": str},
                       pk=("document_id", "page"), foreign_keys=[("document_id", "documents", "id")],
                       if_not_exists=True)


def _v1_text(db: sqlite_utils.Database) -> None:
    """``sections`` and ``tables``."""
    db["sections"].create({
        "document_id": int, "order": int, "level": int, "number": str, "title": str, "path": str,
        "page": int, "start": int, "end": int, "text": str,
    }, pk=("document_id", "order"), foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)

    db["tables"].create({
        "document_id": int, "order": int, "page": int, "title": str, "number": str, "section": str,
        "n_rows": int, "n_cols": int, "header_rows": int, "cells": str, "merges": str,
    }, pk=("document_id", "order"), foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)


def _v1_facts(db: sqlite_utils.Database) -> None:
    """``metrics``, ``awards`` and ``flags``."""
    db["metrics"].create({
        "id": int, "document_id": int, "metric": str, "name_zh": str, "value": float, "unit": str,
        "year": int, "approximate": int, "raw": str, "source": str, "page": int, "section": str,
        "sentence": str, "start": int, "end": int, "table_order": int, "row": int, "col": int,
        "rule": str, "rules_version": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db["metrics"].create_index(["document_id"], if_not_exists=True)
    db["metrics"].create_index(["metric", "year"], if_not_exists=True)

    db["awards"].create({
        "id": int, "document_id": int, "competition": str, "level": str, "event": str, "prize": str,
        "person": str, "role": str, "year": int, "page": int, "section": str, "sentence": str,
        "start": int, "end": int, "rule": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db["awards"].create_index(["document_id"], if_not_exists=True)

    db["flags"].create({
        "id": int, "document_id": int, "kind": str, "severity": str, "metric": str, "message": str,
        "source_a": str, "source_b": str, "rule": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db["flags"].create_index(["document_id"], if_not_exists=True)


def _v2(db: sqlite_utils.Database) -> None:
    """Comparison and search: the ``metric_defs`` table, the views
    (``metric_values``, ``metric_chosen``, ``metric_wide``, ``school_flags``;
    re-created by ``refresh_derived`` when the rules change) and the Chinese
    full-text index ``sections_fts`` over the sections already stored."""
    from .compare import create_metric_defs_table
    from .search import create_index, rebuild
    create_metric_defs_table(db.conn)
    create_index(db.conn)
    rebuild(db.conn)   # the views are made by ensure_schema once every migration ran


def _v3(db: sqlite_utils.Database) -> None:
    """One report, once, and corrections: ``documents`` gains ``fingerprint``
    (a sketch of the text, ``store/reports.py``), ``report_id`` (the primary
    copy of its report), ``superseded_by`` (the report a newer file
    replaced it with) and ``school_orig`` / ``year_orig`` / ``level_orig``
    (the attributes as extracted, before a correction); the table
    ``corrections`` holds what a person corrected (``store/corrections.py``).
    Fingerprints of documents already stored are computed from their models."""
    from .corrections import create_table
    from .reports import fingerprint, group_reports
    cols = {c.name for c in db["documents"].columns}
    for name, typ in (("fingerprint", str), ("report_id", int), ("superseded_by", int), ("school_orig", str),
                      ("year_orig", int), ("level_orig", str)):
        if name not in cols:
            db["documents"].add_column(name, typ)
    db["documents"].create_index(["report_id"], if_not_exists=True)
    db.execute("UPDATE documents SET school_orig = school, year_orig = year, level_orig = level")
    from .db import unpack_model
    for doc_id, blob in db.execute("select document_id, model from document_models").fetchall():
        try:
            text = unpack_model(blob).text
        except Exception:   # a model this version cannot read: the document stays ungrouped
            continue
        db.execute("UPDATE documents SET fingerprint = ? WHERE id = ?", [fingerprint(text), doc_id])
    create_table(db.conn)
    group_reports(db.conn)


def _v4(db: sqlite_utils.Database) -> None:
    """Review candidates: figures bound to a metric term that extraction kept
    out of ``metrics`` (a change, a target, a part …), with the reason — for a
    reviewer, never in the comparison views."""
    db["candidates"].create({
        "id": int, "document_id": int, "metric": str, "name_zh": str, "value": float, "unit": str,
        "year": int, "reason": str, "approximate": int, "raw": str, "page": int, "section": str,
        "sentence": str, "start": int, "end": int, "rule": str, "rules_version": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db["candidates"].create_index(["document_id"], if_not_exists=True)
    db["candidates"].create_index(["metric", "reason"], if_not_exists=True)


def _v5(db: sqlite_utils.Database) -> None:
    """File names that are not UTF-8: ``document_paths.path_bytes``, the raw
    bytes of the name (hex) when they differ from ``path`` in UTF-8."""
    if "path_bytes" not in db["document_paths"].columns_dict:
        db.execute("ALTER TABLE document_paths ADD COLUMN path_bytes TEXT")


def _v6(db: sqlite_utils.Database) -> None:
    """OCR provenance: ``origin`` ('file' — text layer, Word XML, text file —
    or 'ocr') and ``confidence`` (the recogniser's, 0–1; NULL unless OCR) on
    ``metrics``, ``candidates``, ``awards`` and ``tables``.  Rows stored
    before are 'file'."""
    for table in ("metrics", "candidates", "awards", "tables"):
        cols = db[table].columns_dict
        if "origin" not in cols:
            db[table].add_column("origin", str)
            db.execute(f'UPDATE "{table}" SET origin = \'file\'')
        if "confidence" not in cols:
            db[table].add_column("confidence", float)


def _v7(db: sqlite_utils.Database) -> None:
    """Corrections' history: ``corrections_replaced`` keeps, whole, every
    correction a newer one of the same report and field replaced
    (``why = 'replaced'``) or that was undone (``why = 'removed'``), with
    ``replaced_at`` (``store/corrections.py``)."""
    from .corrections import create_history_table
    create_history_table(db.conn)


MIGRATIONS = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7}


def current_version(db: sqlite_utils.Database) -> int:
    if "_meta" not in db.table_names():
        return 0
    row = db.execute("select value from _meta where key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def check_owner(db: sqlite_utils.Database, path) -> int:
    """The schema version of a nianbao database (0: an empty file, a new
    database).  Raises :class:`StorageError` ``foreign`` for another
    program's database and ``newer_schema`` for one made by a newer nianbao."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = [t for t in db.table_names() if not t.startswith("sqlite_")]
    version = current_version(db)
    if app_id not in (0, APPLICATION_ID) or (tables and version == 0):
        shown = ", ".join(sorted(tables)[:5]) or f"application_id {app_id}"
        raise StorageError("foreign", path, f"tables: {shown}")
    if version > SCHEMA_VERSION:
        raise StorageError("newer_schema", path, f"schema version {version} > {SCHEMA_VERSION}")
    return version


def ensure_schema(db: sqlite_utils.Database, path="") -> int:
    """Create or upgrade the schema to SCHEMA_VERSION; return the version.
    Raises :class:`StorageError` (see :func:`check_owner`) before writing
    anything into a database that is not nianbao's."""
    version = check_owner(db, path)
    if version == SCHEMA_VERSION:
        _refresh_derived(db)
        return version
    with db.conn:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db["_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        for v in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[v](db)
        db["_meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
    from .compare import refresh_derived
    refresh_derived(db, force=True)
    return SCHEMA_VERSION


def _refresh_derived(db: sqlite_utils.Database) -> None:
    """metric_defs and the views follow rules/metrics.yaml (cheap when unchanged)."""
    from .compare import refresh_derived
    refresh_derived(db)
