"""Test support for the bad-input suite: run a piece of the test where file
permissions really apply.

Tests run as root here and in CI, and root ignores ``chmod``: a read-only
file or folder is still writable to it.  :func:`without_write_or_read_override`
runs a function in a forked child that drops the capabilities that let root
do so (``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``, ``CAP_FOWNER``; as
another user nothing needs dropping), and hands back its result.  Nothing
here ships in nianbao.
"""
from __future__ import annotations

import ctypes
import dataclasses
import os
import pickle
import tempfile
import traceback

import pytest

_CAPS = (1, 2, 3)                 # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
_VERSION_3 = 0x20080522


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_override() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    head, data = _Header(_VERSION_3, 0), (_Data * 2)()
    if libc.capget(ctypes.byref(head), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    mask = ~sum(1 << c for c in _CAPS) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    data[0].inheritable &= mask
    if libc.capset(ctypes.byref(head), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _enforced() -> bool:
    with tempfile.NamedTemporaryFile(delete=False) as f:
        name = f.name
    os.chmod(name, 0o444)
    try:
        open(name, "a").close()
        return False
    except PermissionError:
        return True
    finally:
        os.chmod(name, 0o644)
        os.unlink(name)


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool, bytes, type(None))):
        return value
    return repr(value)


#: how long the child may take before it is killed (a safeguard, not a measurement)
CHILD_LIMIT = 600


def _read_all(fd: int, pid: int) -> bytes:
    """Everything the child writes, until it closes the pipe or passes CHILD_LIMIT (then killed)."""
    import select
    import signal
    import time
    deadline, chunks = time.monotonic() + CHILD_LIMIT, []
    with os.fdopen(fd, "rb", buffering=0) as inp:
        while True:
            ready, _, _ = select.select([inp], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return b""
            chunk = inp.read(1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def without_write_or_read_override(fn):
    """``fn()`` run in a forked child where ``chmod`` is obeyed; its result
    (dataclasses as dicts) is returned and its exception re-raised as an
    AssertionError with the child's traceback.  Skips the test when
    permissions cannot be enforced on this machine."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child
        os.close(r)
        try:
            _drop_override()
            result = ("skip", "permissions are not enforced here") if not _enforced() else ("ok", _plain(fn()))
        except BaseException:
            result = ("error", traceback.format_exc())
        with os.fdopen(w, "wb") as out:
            try:
                out.write(pickle.dumps(result))
            except Exception:
                out.write(pickle.dumps(("error", traceback.format_exc())))
        os._exit(0)
    os.close(w)
    blob = _read_all(r, pid)
    os.waitpid(pid, 0)
    kind, value = pickle.loads(blob) if blob else ("error", "the child process died")
    if kind == "skip":
        pytest.skip(value)
    if kind == "error":
        raise AssertionError(f"in the child process:\n{value}")
    return value
