"""Limits on a user's SQL (``nianbao sql``, :meth:`nianbao.Database.sql`).

:func:`guarded` puts three things on a read-only connection for one query:

* an authorizer (``sqlite3.Connection.set_authorizer``) that refuses
  ``ATTACH`` and ``DETACH`` — and so ``VACUUM INTO``, which attaches its
  target — and every write, *before* SQLite opens or creates a file;
* a time limit (``set_progress_handler``): past ``time_limit`` seconds the
  query stops with :class:`SqlTimeLimit`;
* Ctrl-C: SQLite's loop checks a flag set by the SIGINT handler, so a
  runaway query (a recursive CTE) stops at once with ``KeyboardInterrupt``.
"""
from __future__ import annotations

import signal
import sqlite3
import threading
import time
from contextlib import contextmanager

#: the default time limit of ``nianbao sql``, seconds
SQL_TIME_LIMIT = 5.0
#: SQLite virtual-machine steps between two looks at the clock
_STEPS = 10_000

_REFUSED_FILES = {sqlite3.SQLITE_ATTACH: "ATTACH", sqlite3.SQLITE_DETACH: "DETACH"}
_WRITES = {getattr(sqlite3, n) for n in dir(sqlite3) if n.startswith(("SQLITE_CREATE_", "SQLITE_DROP_"))} | {
    sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_ALTER_TABLE,
    sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE}


class SqlRefused(sqlite3.OperationalError):
    """The statement would attach a file or write: refused before it ran."""


class SqlTimeLimit(sqlite3.OperationalError):
    """The query ran longer than its time limit and was stopped."""


def _refusal(what: str) -> str:
    if what in ("ATTACH", "DETACH"):
        return (f"不允许 {what}（包括 VACUUM INTO）：nianbao sql 只读取本数据库，不创建文件 / {what} (and VACUUM INTO) "
                "is refused: nianbao sql only reads this database and creates no file")
    return "nianbao sql 只读，不能修改数据库 / nianbao sql is read-only: statements that change the database are refused"


@contextmanager
def guarded(conn: sqlite3.Connection, time_limit: float | None = SQL_TIME_LIMIT):
    """Run the block's statements on ``conn`` under the authorizer, the time
    limit (seconds; None or 0: none) and Ctrl-C.  Raises
    :class:`SqlRefused`, :class:`SqlTimeLimit` or ``KeyboardInterrupt``."""
    refused: list[str] = []
    stop = {"sigint": False}
    deadline = time.monotonic() + time_limit if time_limit else None

    def authorize(action, *_):
        if action in _REFUSED_FILES:
            refused.append(_REFUSED_FILES[action])
            return sqlite3.SQLITE_DENY
        if action in _WRITES:
            refused.append("write")
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def progress():
        return 1 if stop["sigint"] or (deadline is not None and time.monotonic() > deadline) else 0

    conn.set_authorizer(authorize)
    conn.set_progress_handler(progress, _STEPS)
    old = _catch_sigint(stop)
    try:
        yield
    except sqlite3.DatabaseError as e:
        if refused:
            raise SqlRefused(_refusal(refused[0])) from None
        if stop["sigint"]:
            raise KeyboardInterrupt from None
        if "interrupted" in str(e) and deadline is not None:
            raise SqlTimeLimit(f"查询超过 {time_limit:g} 秒，已停止 / the query ran longer than {time_limit:g} s and "
                               "was stopped (--time-limit allows more)") from None
        raise
    else:
        if stop["sigint"]:   # Ctrl-C while the last rows came: still an interruption
            raise KeyboardInterrupt
    finally:
        conn.set_authorizer(None)
        conn.set_progress_handler(None, _STEPS)
        if old is not None:
            signal.signal(signal.SIGINT, old)


def _catch_sigint(stop: dict):
    """Let Ctrl-C set ``stop['sigint']`` (in the main thread; elsewhere the
    default handling stays).  Returns the handler to put back."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        stop["sigint"] = True

    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:  # pragma: no cover - not the main interpreter
        return None
