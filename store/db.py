"""The store: one SQLite database (default ``./nianbao.db``).

Writes of one document happen in one ``BEGIN IMMEDIATE`` transaction: its old
rows are deleted and the new ones inserted, so a document is never duplicated
and never half-written, whatever happens to the process.  Schema creation and
reads go through sqlite-utils; the bulk writes use ``executemany`` inside the
transaction (sqlite-utils' own write helpers commit on their own).
"""
from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from nianbao.ingest.model import Document

from .errors import StorageError, storage_errors
from .lib import sqlite_utils
from .rows import (FactRows, Prepared, _j, award_rows, flag_rows, metric_rows, pack_model, page_rows,  # noqa: F401
                   prepare, section_rows, table_rows, unpack_model)
from .schema import check_owner, ensure_schema
from .search import index_document as index_sections
from .transactions import transaction  # noqa: F401  (the one write transaction, re-exported)

DEFAULT_DB = "nianbao.db"

#: tables whose rows belong to one document
DOCUMENT_TABLES = ("pages", "sections", "tables", "metrics", "candidates", "awards", "flags", "document_models")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(path: str | Path = DEFAULT_DB, *, readonly: bool = False, timeout: float = 60.0) -> sqlite_utils.Database:
    """Open the database; a read-only connection cannot change anything.

    Read-only opens use ``mode=ro``, so an ingest writing at the same time is
    seen consistently; where SQLite cannot open it so — a read-only folder or
    file system, where the WAL's shared-memory file cannot be made — the file
    is opened ``immutable=1`` (nobody can be writing it there).  Raises
    ``FileNotFoundError`` for a missing read-only database and
    :class:`nianbao.store.StorageError` for a file that is not a (nianbao) database, a
    newer schema, a read-only or full disk."""
    path = str(path)
    with storage_errors(path):
        if readonly:
            return _connect_readonly(path, timeout)
        refuse_unwritable(path)
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        try:
            check_owner(_database(conn), path)   # before anything is written
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            db = _database(conn)
            ensure_schema(db, path)
        except BaseException:
            conn.close()
            raise
        return db


def refuse_unwritable(path: str) -> None:
    """Refuse to open for writing a database file, or its WAL and
    shared-memory files, that this user cannot write — before SQLite opens
    it: SQLite would make ``-wal`` and ``-shm`` files as read-only as the
    database, and they would keep it read-only after its own permissions
    were fixed.  ``StorageError`` ``read_only`` naming the file."""
    import os
    for suffix in ("", "-wal", "-shm"):
        f = path + suffix
        if os.path.exists(f) and not os.access(f, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
            what = "the file's permissions" if not suffix else (
                f"{Path(f).name} is read-only — left by an earlier run on a read-only database: make it writable "
                f"(chmod u+w)")
            raise StorageError("read_only", path, what)


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils' ``Database`` over ``conn``, without sqlite-utils plugins:
    what the store reads and writes does not depend on what else is
    installed (and opening it does not scan every installed package's entry
    points, 12–19 ms at each command's start)."""
    return sqlite_utils.Database(conn, execute_plugins=False)


def _connect_readonly(path: str, timeout: float) -> sqlite_utils.Database:
    if not Path(path).exists():
        raise FileNotFoundError(f"数据库不存在 / database not found: {path}")
    uri = Path(path).resolve().as_uri()
    modes = ["mode=ro", "immutable=1"] if writable_place(path) else ["immutable=1"]
    for i, mode in enumerate(modes):
        conn = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA query_only = 1")
            db = _database(conn)
            check_owner(db, path)
            return db
        except sqlite3.OperationalError as e:   # cannot open the WAL here: a read-only place
            conn.close()
            if i + 1 == len(modes) or "unable to open" not in str(e) and "readonly" not in str(e):
                raise
        except BaseException:
            conn.close()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def writable_place(path: str) -> bool:
    """Whether SQLite can keep a WAL beside ``path`` (folder and file writable)."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.access(folder, os.W_OK) and os.access(path, os.W_OK)


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0].keys())
    sql = (f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
           f'VALUES ({", ".join("?" for _ in cols)})')
    conn.executemany(sql, [tuple(map(r.get, cols)) for r in rows])


def delete_document_rows(conn: sqlite3.Connection, document_id: int) -> None:
    for t in DOCUMENT_TABLES:
        conn.execute(f'DELETE FROM "{t}" WHERE document_id = ?', (document_id,))


def _with_id(rows: list[dict], document_id: int) -> list[dict]:
    for r in rows:
        r["document_id"] = document_id
    return rows


_NO_RECORD = {"format": None, "pages": None, "chars": None, "parser": None, "warnings": None}


def _document_record(path: str, sha256: str, size: int, p: Prepared | None, error, status: str | None) -> dict:
    """The ``documents`` row of one file, column → value: the worker's record
    (format, pages, chars, parser, warnings, fingerprint) and the extracted
    attributes (school, year, level, …; their ``*_orig`` copies too).  The
    status is ``status`` when given, else ``failed`` with an ``error``, else
    the record's own; ``ingested_at`` is now (UTC)."""
    base = p.record if p is not None else _NO_RECORD
    facts = p.facts if p is not None else None
    attrs = facts.attributes if facts is not None else {}
    return {
        "path": path, "sha256": sha256, "size": size,
        "format": base["format"] or attrs.get("format"), "pages": base["pages"], "chars": base["chars"],
        "school": attrs.get("school"), "year": attrs.get("year"), "level": attrs.get("level"),
        "region": attrs.get("region"), "title": attrs.get("title"), "title_year": attrs.get("title_year"),
        "status": status or ("failed" if error is not None else (base.get("status") or "failed")),
        "error": str(error) if error is not None else None,
        "parser": base["parser"],
        "rules_version": facts.rules_version if facts is not None else None,
        "warnings": base["warnings"],
        "ingested_at": now(),
        "school_orig": attrs.get("school"), "year_orig": attrs.get("year"), "level_orig": attrs.get("level"),
        "fingerprint": base.get("fingerprint"),
    }


def _write_document(conn: sqlite3.Connection, old_id: int | None, record: dict) -> int:
    """Write the ``documents`` row and return its id: over ``old_id`` (its
    other rows deleted first) when the file replaces a stored document,
    else a new row.  Runs inside the caller's transaction."""
    if old_id is not None:
        delete_document_rows(conn, old_id)
        sets = ", ".join(f'"{k}" = ?' for k in record)
        conn.execute(f"UPDATE documents SET {sets} WHERE id = ?", (*record.values(), old_id))
        return old_id
    cur = conn.execute(
        f'INSERT INTO documents ({", ".join(chr(34) + k + chr(34) for k in record)}) '
        f'VALUES ({", ".join("?" for _ in record)})', tuple(record.values()))
    return cur.lastrowid


def _under(path: str, root: str) -> bool:
    """Whether the display path ``path`` is ``root`` or lies under it
    (a folder, or an archive's members ``root!/…``)."""
    root = root.rstrip("/\\")
    return path == root or path.startswith((root + "/", root + "\\", root + "!/"))


class Store:
    """Python API over the database; the CLI is a thin layer over this."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, readonly: bool = False):
        self.path = str(path)
        self.db = connect(path, readonly=readonly)

    def close(self) -> None:
        self.db.conn.close()

    # -- look-ups ---------------------------------------------------------------
    def document_by_sha(self, sha256: str) -> dict | None:
        rows = list(self.db.query("select * from documents where sha256 = ? and status != 'failed'", [sha256]))
        return rows[0] if rows else None

    def path_record(self, path: str) -> dict | None:
        rows = list(self.db.query("select * from document_paths where path = ?", [path]))
        return rows[0] if rows else None

    def load_model(self, document_id: int) -> Document | None:
        blob = self.model_blob(document_id)
        return unpack_model(blob) if blob is not None else None

    def model_blob(self, document_id: int) -> bytes | None:
        """The stored document model, still packed (see :func:`unpack_model`)."""
        row = self.db.execute("select model from document_models where document_id = ?",
                              [document_id]).fetchone()
        return row[0] if row else None

    # -- bulk look-ups for incremental runs (one query each, not one per file) -----
    def path_index(self) -> dict[str, dict]:
        """Every remembered path → its size, mtime, sha256, document id and the
        document's status and error."""
        cur = self.db.execute(
            "select p.path, p.size, p.mtime, p.sha256, p.document_id, d.status, d.error "
            "from document_paths p join documents d on d.id = p.document_id")
        return {r[0]: {"size": r[1], "mtime": r[2], "sha256": r[3], "document_id": r[4], "status": r[5],
                       "error": r[6]} for r in cur}

    def sha_index(self) -> dict[str, dict]:
        """sha256 → the stored (not failed) document with those bytes."""
        cur = self.db.execute("select sha256, id, path, status from documents where status != 'failed' "
                              "and sha256 is not null order by id desc")
        return {r[0]: {"id": r[1], "path": r[2], "status": r[3]} for r in cur}

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("select value from _meta where key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) one ``_meta`` entry in its own transaction."""
        with transaction(self.db) as conn:
            if value is None:
                conn.execute("DELETE FROM _meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)", (key, value))

    # -- writes -----------------------------------------------------------------
    def save(self, *, path: str, sha256: str, size: int, mtime: float | None,
             doc: Document | None = None, facts=None, error=None, status: str | None = None,
             model: bytes | None = None, prepared: Prepared | None = None, path_bytes: str | None = None) -> int:
        """Store one file's outcome in one transaction and return its document id.

        ``prepared`` holds the rows a worker built (:func:`nianbao.store.rows.prepare`);
        without it they are built here from ``doc`` (the parsed document),
        ``facts`` (what extraction found) and ``model`` (the packed model, if
        already made).  No document (``error`` says why): only the
        ``documents`` and ``document_paths`` rows.  ``path_bytes`` is the hex
        of the file name's raw bytes when it is not UTF-8.  Rows the document
        had before are replaced, never duplicated."""
        if prepared is None and doc is not None:
            prepared = prepare(doc, facts, model=model)
        with transaction(self.db) as conn:
            doc_id = self._save(conn, path=path, sha256=sha256, size=size, mtime=mtime, prepared=prepared,
                                error=error, status=status, path_bytes=path_bytes)
        return doc_id

    def _document_id(self, conn, path: str, sha256: str, failed: bool) -> int | None:
        """The stored document these bytes (or this path) replace, if any."""
        row = None
        if not failed:
            row = conn.execute("select id from documents where sha256 = ? and status != 'failed'",
                               (sha256,)).fetchone()
        if row is None:
            # the document this path held before, when no other path shares it
            row = conn.execute(
                "select p.document_id from document_paths p where p.path = ? and "
                "(select count(*) from document_paths q where q.document_id = p.document_id) = 1",
                (path,)).fetchone()
        return row[0] if row else None

    def _save(self, conn, *, path, sha256, size, mtime, prepared: Prepared | None, error, status,
              path_bytes=None) -> int:
        old_id = self._document_id(conn, path, sha256, error is not None)
        record = _document_record(path, sha256, size, prepared, error, status)
        doc_id = _write_document(conn, old_id, record)
        self._link_path(conn, path, doc_id, sha256, size, mtime, path_bytes)
        if prepared is not None:
            self._insert_prepared(conn, doc_id, prepared)
        return doc_id

    def _insert_prepared(self, conn, doc_id: int, p: Prepared) -> None:
        """A parsed document's rows: pages, sections and their search index,
        tables, the packed model and, when extracted, its facts."""
        _insert(conn, "pages", _with_id(p.rows["pages"], doc_id))
        _insert(conn, "sections", _with_id(p.rows["sections"], doc_id))
        index_sections(conn, doc_id, p.search)  # Chinese full-text index, same transaction
        _insert(conn, "tables", _with_id(p.rows["tables"], doc_id))
        conn.execute("INSERT INTO document_models (document_id, model) VALUES (?, ?)", (doc_id, p.model))
        if p.facts is not None:
            self._insert_facts(conn, doc_id, p.facts)

    def _insert_facts(self, conn, doc_id: int, facts: FactRows) -> None:
        _insert(conn, "metrics", _with_id(facts.metrics, doc_id))
        _insert(conn, "candidates", _with_id(facts.candidates, doc_id))
        _insert(conn, "awards", _with_id(facts.awards, doc_id))
        _insert(conn, "flags", _with_id(facts.flags, doc_id))

    def _link_path(self, conn, path, doc_id, sha256, size, mtime, path_bytes=None) -> None:
        old = conn.execute("select document_id from document_paths where path = ?", (path,)).fetchone()
        conn.execute("INSERT OR REPLACE INTO document_paths (path, document_id, sha256, size, mtime, seen_at, "
                     "path_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (path, doc_id, sha256, size, mtime, now(), path_bytes))
        if old and old[0] != doc_id:
            self._drop_if_orphan(conn, old[0])

    def _drop_if_orphan(self, conn, doc_id: int) -> None:
        """After a name of document ``doc_id`` was forgotten: the document goes
        when no name holds it; else, when the forgotten name was the one it
        is shown by (``documents.path``: the views, compare, the workbook),
        it is shown by a name it still has (the first remembered)."""
        left = conn.execute("select path from document_paths where document_id = ? order by rowid",
                            (doc_id,)).fetchall()
        if not left:
            delete_document_rows(conn, doc_id)
            conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            return
        conn.execute("UPDATE documents SET path = ? WHERE id = ? AND path NOT IN "
                     "(select path from document_paths where document_id = ?)", (left[0][0], doc_id, doc_id))

    def add_path(self, path: str, document_id: int, sha256: str, size: int, mtime: float | None,
                 path_bytes: str | None = None) -> None:
        """Remember another name for a document already stored (same bytes)."""
        with transaction(self.db) as conn:
            self._link_path(conn, path, document_id, sha256, size, mtime, path_bytes)

    def forget_path(self, path: str) -> None:
        """Forget one name; its document goes too when no other name holds it."""
        with transaction(self.db) as conn:
            old = conn.execute("select document_id from document_paths where path = ?", (path,)).fetchone()
            if old:
                conn.execute("DELETE FROM document_paths WHERE path = ?", (path,))
                self._drop_if_orphan(conn, old[0])

    def replace_facts(self, document_id: int, facts) -> None:
        """Re-extraction: replace a document's facts (:class:`Facts`, or the
        :class:`FactRows` a worker built), keep its structure."""
        if not isinstance(facts, FactRows):
            facts = FactRows.of(facts)
        with transaction(self.db) as conn:
            for t in ("metrics", "candidates", "awards", "flags"):
                conn.execute(f'DELETE FROM "{t}" WHERE document_id = ?', (document_id,))
            a = facts.attributes
            conn.execute("UPDATE documents SET school=?, year=?, level=?, region=?, title=?, title_year=?, "
                         "rules_version=?, school_orig=?, year_orig=?, level_orig=? WHERE id=?",
                         (a.get("school"), a.get("year"), a.get("level"), a.get("region"), a.get("title"),
                          a.get("title_year"), facts.rules_version, a.get("school"), a.get("year"),
                          a.get("level"), document_id))
            self._insert_facts(conn, document_id, facts)

    def settle(self) -> int:
        """After a run: write the school, level and year corrections into
        ``documents`` and regroup the copies and editions of each report
        (``store/reports.py``); returns the number of current reports."""
        from .corrections import apply_attributes
        with transaction(self.db) as conn:
            return apply_attributes(conn)

    def forget_under(self, roots, keep, unreadable_archives=()) -> list[str]:
        """Forget every remembered path under the folders or archives
        ``roots`` (display paths) that is not in ``keep`` and no longer
        exists on disk; returns the paths forgotten.  The members of
        ``unreadable_archives`` (archives still there that could not be
        opened this run: a bad re-upload) are kept."""
        gone = []
        kept = tuple(f"{a}!/" for a in unreadable_archives)
        for (path,) in self.db.execute("select path from document_paths order by path").fetchall():
            if path in keep or not any(_under(path, r) for r in roots) or (kept and path.startswith(kept)):
                continue
            if "!/" in path or not Path(path).exists():
                self.forget_path(path)
                gone.append(path)
        return gone

    # -- summaries ----------------------------------------------------------------
    def counts(self) -> dict:
        return {t: self.db[t].count for t in ("documents", "sections", "tables", "metrics", "awards", "flags")}
