"""Files a command writes for the user (``compare --xlsx``, ``report --html``).

:func:`written` makes the file's folder (missing folders are created, as
``nianbao compare --xlsx 导出/对比.xlsx`` expects) and writes the file —
beside it first, then in its place, so that a full disk leaves no broken
half file and an older file stays whole; any
failure — a part of the folder path that is a file, no permission, a full
disk — is an :class:`OutputError` naming the file, one line in Chinese and
English, never a traceback and never a message about the database.
"""
from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path
from typing import Callable


class OutputError(OSError):
    """The output file cannot be written (``str()``: one line, Chinese and
    English, naming the file); an ``OSError``, as the system's own would be."""


def written(path, write: Callable[[Path], None]) -> Path:
    """Call ``write(path)`` after making the folder of ``path``; returns
    ``path`` (a :class:`Path`).  OutputError when a folder on the way is a
    file, or when the system refuses (permission, full disk …)."""
    path = Path(path)
    if path.is_symlink():      # the file the link names is the one written (the link stays)
        path = Path(os.path.realpath(path))
    for folder in reversed(path.parents):
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"无法写入 {path}：{folder} 不是文件夹 / cannot write {path}: {folder} is a file, "
                              "not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法写入文件 / cannot write {path}: {e.strerror or e}") from None
    if not _regular_or_new(path):      # a device (/dev/stdout): written as it is
        return _write_through(path, write)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"无法写入文件 / cannot write {path}: 文件只读 / the file is read-only")
    # written beside it under another (short) name, then put in its place: a full disk
    # leaves no half file; the file keeps its permissions
    part = path.with_name(f".nianbao-{os.getpid()}-{secrets.token_hex(3)}.part")
    try:
        write(part)
        if path.exists():
            shutil.copymode(path, part)
        os.replace(part, path)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise OutputError(f"无法写入文件 / cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path


def _regular_or_new(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return True


def _write_through(path: Path, write) -> Path:
    try:
        write(path)
    except OSError as e:
        raise OutputError(f"无法写入文件 / cannot write {path}: {e.strerror or e}") from None
    return path
