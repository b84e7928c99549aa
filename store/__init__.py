"""The SQLite store: schema, atomic writes, read-only queries."""
from .db import DEFAULT_DB, Store, connect, transaction
from .errors import StorageError
from .schema import SCHEMA_VERSION, ensure_schema

__all__ = ["DEFAULT_DB", "Store", "connect", "transaction", "SCHEMA_VERSION", "ensure_schema"]
