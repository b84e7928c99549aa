"""Storage faults as one clear message: :class:`StorageError`.

SQLite and the file system report a full disk, a failing disk, a read-only
file, a file that is not a database or is corrupt, each in its own words
(``database or disk is full``, ``disk I/O error``, ``file is not a
database`` …).  :func:`storage_error` turns those into a
:class:`StorageError` with a short ``code`` and one line in Chinese and
English saying what is wrong with the database and what to do; every
command prints that line instead of a traceback.
"""
from __future__ import annotations

import errno
import sqlite3
from contextlib import contextmanager

#: SQLite's primary result codes that mean the storage, not the statement, is at fault
_CODES = {13: "disk_full", 10: "io_error", 8: "read_only", 26: "not_sqlite", 11: "corrupt", 14: "cannot_open",
          3: "read_only"}
#: the same, from the message, for errors raised without a result code
_WORDS = (("database or disk is full", "disk_full"), ("disk i/o error", "io_error"),
          ("readonly database", "read_only"), ("file is not a database", "not_sqlite"),
          ("disk image is malformed", "corrupt"), ("unable to open database", "cannot_open"))
_ERRNO = {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EFBIG: "disk_full", errno.EIO: "io_error",
          errno.EROFS: "read_only", errno.EACCES: "read_only", errno.EPERM: "read_only",
          errno.ENOENT: "cannot_open", errno.ENOTDIR: "cannot_open", errno.EISDIR: "cannot_open"}

_TEXT = {
    "disk_full": ("磁盘已满，无法写入数据库", "the disk is full: the database cannot be written; free space and "
                                        "run again (documents already stored are complete)"),
    "io_error": ("磁盘读写错误", "disk I/O error: the disk or network share failed; check it and run again "
                            "(documents already stored are complete)"),
    "read_only": ("数据库或其文件夹只读，无法写入", "the database or its folder is read-only: it cannot be written "
                                          "(reading commands still work); use a writable --db"),
    "not_sqlite": ("该文件不是 SQLite 数据库", "the file is not an SQLite database; choose another --db"),
    "corrupt": ("数据库文件已损坏", "the database file is corrupt (database disk image is malformed); restore a "
                                "backup or ingest into a new --db"),
    "cannot_open": ("无法打开数据库", "the database cannot be opened (missing folder or no permission)"),
    "newer_schema": ("数据库版本比本程序新", "the database was made by a newer nianbao; upgrade nianbao"),
    "foreign": ("该数据库属于其他程序，nianbao 不会写入", "the database belongs to another program: nianbao will not "
                                               "read or write its tables; choose another --db"),
}


class StorageError(RuntimeError):
    """The database cannot be read or written.  ``code``: ``disk_full``,
    ``io_error``, ``read_only``, ``not_sqlite``, ``corrupt``,
    ``cannot_open``, ``newer_schema``, ``foreign``; ``path``: the database;
    ``detail``: what SQLite or the system said.  ``str()`` is one line,
    Chinese and English."""

    def __init__(self, code: str, path, detail: str = ""):
        self.code, self.path, self.detail = code, str(path), " ".join(str(detail).split())
        zh, en = _TEXT[code]
        extra = f" ({self.detail})" if self.detail else ""
        super().__init__(f"{code}: {zh} / {en}: {self.path}{extra}")


def classify(e: BaseException) -> str | None:
    """The storage fault ``e`` stands for (a key of ``StorageError`` codes), or
    None when it is not one (a mistake in an SQL statement, say)."""
    if isinstance(e, StorageError):
        return e.code
    if isinstance(e, sqlite3.Error):
        code = getattr(e, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in _CODES:
            return _CODES[code & 0xFF]
        text = str(e).lower()
        return next((c for words, c in _WORDS if words in text), None)
    if isinstance(e, OSError):
        return _ERRNO.get(e.errno)
    return None


def storage_error(e: BaseException, path) -> StorageError | None:
    """``e`` as a :class:`StorageError` about the database at ``path``, or None."""
    if isinstance(e, StorageError):
        return e
    if isinstance(e, OSError) and not isinstance(e, StorageError) and (
            not e.filename or not _about_database(e.filename, path)):
        return None             # a file written or read beside the database (a workbook, a JSON file …),
                                # or no file named: standard output (`> file` on a full disk)
    code = classify(e)
    if code is None:
        return None
    detail = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    return StorageError(code, path, detail)


def _about_database(filename, path) -> bool:
    """Whether ``filename`` is the database at ``path`` or one of its own files
    (``-wal``, ``-shm``, ``-journal``, ``.lock``) or folder."""
    import os
    name, db = os.path.abspath(os.fsdecode(filename)), os.path.abspath(os.fsdecode(path))
    return name == db or name == os.path.dirname(db) or (name.startswith(db) and name[len(db):] in (
        "-wal", "-shm", "-journal", ".lock"))


@contextmanager
def storage_errors(path):
    """Re-raise storage faults met inside the block as :class:`StorageError`."""
    try:
        yield
    except (sqlite3.Error, OSError) as e:
        err = storage_error(e, path)
        if err is None:
            raise
        raise err from e
