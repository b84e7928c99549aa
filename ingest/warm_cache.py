"""A disk cache for the parts of the warm state that take long to build and
depend only on their inputs' bytes (the rules, a library's dictionary file,
its version): jieba's dictionary with nianbao's domain words, and the common
words the awards extractor vetoes names with.

Each entry is one file ``<cache dir>/<name>.bin``: a magic tag, the SHA-256
of the body, then the body — ``marshal.dumps((key, value))`` of plain data
(dicts, strings, numbers).  :func:`cached` returns the stored value only
when the file is whole (the digest matches) and its key is the one asked
for; anything else — no file, another key (rules edited, jieba upgraded),
a truncated or corrupt file, a cache folder that cannot be written — builds
the value again, and writes it (atomically) when it can.  A broken cache
therefore costs time, never a wrong result.

The folder is ``$NIANBAO_CACHE_DIR`` when set (``off``: no cache), else the
user's cache folder (``platformdirs.user_cache_dir("nianbao")``, e.g.
``~/.cache/nianbao`` on Linux).  Deleting it is always safe.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

#: environment variable naming the cache folder (``off`` disables the cache)
CACHE_ENV = "NIANBAO_CACHE_DIR"
_MAGIC = b"NBWC1\n"
#: what was read from / written to the cache in this process: name → "hit" | "built"
EVENTS: dict[str, str] = {}


def cache_dir() -> Path | None:
    """The cache folder (None: caching is off)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env)
    try:
        import platformdirs
        return Path(platformdirs.user_cache_dir("nianbao", appauthor=False))
    except Exception:  # noqa: BLE001 - no home folder: no cache
        return None


def make_key(*parts) -> str:
    """A key over ``parts`` (their ``repr``) and this Python's marshal format."""
    h = hashlib.sha256(repr((sys.version_info[:2], marshal.version, parts)).encode())
    return h.hexdigest()


def file_stamp(path: str | Path) -> tuple[str, int, int]:
    """(path, size, mtime in ns) of a file a value was built from."""
    st = os.stat(path)
    return str(path), st.st_size, st.st_mtime_ns


def cached(name: str, key: str, build):
    """The value stored under ``name`` for ``key``, else ``build()`` (then
    stored).  Never raises for the cache's sake: errors of ``build`` itself
    propagate."""
    folder = cache_dir()
    path = folder / f"{name}.bin" if folder else None
    if path is not None:
        value = _read(path, key)
        if value is not None:
            EVENTS[name] = "hit"
            return value[0]
    value = build()
    EVENTS[name] = "built"
    if path is not None:
        _write(path, key, value)
    return value


def _read(path: Path, key: str):
    """``(value,)`` from the file when it is whole and made for ``key``, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if len(data) < head or not data.startswith(_MAGIC):
        return None
    body = data[head:]
    if hashlib.sha256(body).digest() != data[len(_MAGIC):head]:
        return None
    try:
        stored_key, value = marshal.loads(body)
    except Exception:  # noqa: BLE001 - another Python's format
        return None
    return (value,) if stored_key == key else None


def _write(path: Path, key: str, value) -> None:
    try:
        body = marshal.dumps((key, value))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + hashlib.sha256(body).digest() + body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):   # read-only or full disk, unmarshallable value: no cache
        pass
