"""Files a command writes for the user (``compare --xlsx``, ``report --html``).

:func:`written` makes the file's folder (missing folders are created, as
``nianbao compare --xlsx 导出/对比.xlsx`` expects) and writes the file; any
failure — a part of the folder path that is a file, no permission, a full
disk — is an :class:`OutputError` naming the file, one line in Chinese and
English, never a traceback and never a message about the database.
"""
from __future__ import annotations

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
    for folder in reversed(path.parents):
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"无法写入 {path}：{folder} 不是文件夹 / cannot write {path}: {folder} is a file, "
                              "not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as e:
        raise OutputError(f"无法写入文件 / cannot write {path}: {e.strerror or e}") from None
    return path
