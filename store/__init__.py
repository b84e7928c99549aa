"""The SQLite store: schema, atomic writes, read-only queries.

The names below are imported on first use (PEP 562), so that a worker
process, which only builds rows (:mod:`nianbao.store.rows`), never loads
sqlite-utils and pandas."""
from __future__ import annotations

_NAMES = {"DEFAULT_DB": "db", "Store": "db", "connect": "db", "transaction": "db",
          "StorageError": "errors", "SCHEMA_VERSION": "schema", "ensure_schema": "schema"}

__all__ = list(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
