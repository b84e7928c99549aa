"""Write transactions on the store: one of our own (``BEGIN IMMEDIATE`` …
``COMMIT``, rolled back whole on any error), or the caller's when one is
already open."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:                      # workers import this module and never load sqlite-utils
    import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database):
    """One write transaction; rolled back whole on any error."""
    with _own_transaction(db.conn) as conn:
        yield conn


@contextmanager
def joined_transaction(conn: sqlite3.Connection):
    """The caller's open transaction when there is one (its owner commits or
    rolls back), else one of our own, as :func:`transaction`."""
    if conn.in_transaction:
        yield conn
        return
    with _own_transaction(conn):
        yield conn


@contextmanager
def _own_transaction(conn: sqlite3.Connection):
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:   # SQLite may have rolled back already (a full disk, say)
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass   # the error that matters is the one being raised
        raise
    else:
        conn.execute("COMMIT")
