"""Legacy Word (.doc) and WPS (.wps) files, converted to .docx by LibreOffice.

>>> from nianbao.ingest.docx_parser import parse_docx
>>> from nianbao.ingest.legacy import convert_legacy
>>> with convert_legacy("report.doc") as docx_path:    # doctest: +SKIP
...     doc = parse_docx(docx_path)                   # (the example needs LibreOffice and a .doc)

LibreOffice (``soffice`` or ``libreoffice`` on ``PATH``, or the program named
by ``$NIANBAO_SOFFICE``) runs headless in a subprocess with a time limit, in a
private temporary directory with its own user profile
(``-env:UserInstallation``), so conversions never touch a user's LibreOffice
settings, never collide with an open LibreOffice window and can run in
parallel.  Without LibreOffice the file gets the ``legacy_format`` error,
which says to install it.  Everything is removed when the ``with`` block ends.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from . import errors

#: seconds one conversion may take (LibreOffice's first start with a fresh profile takes a few)
CONVERT_TIMEOUT = float(os.environ.get("NIANBAO_SOFFICE_TIMEOUT", 120))

_NAMES = ("soffice", "libreoffice")


def find_soffice() -> str | None:
    """The LibreOffice program to run, or None when it is not installed."""
    explicit = os.environ.get("NIANBAO_SOFFICE")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _kind(path: Path) -> str:
    return ".wps" if path.suffix.lower() == ".wps" else ".doc"


@contextmanager
def convert_legacy(path: str | Path, *, timeout: float | None = None):
    """Convert a .doc/.wps file to .docx; yield the path of the .docx.

    Raises :class:`ingest.errors.IngestError` (``legacy_format``) when
    LibreOffice is missing, fails, or takes longer than ``timeout`` seconds."""
    src = Path(path)
    kind = _kind(src)
    exe = find_soffice()
    if exe is None:
        raise errors.legacy(kind)
    timeout = CONVERT_TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        tmp = Path(tmp)
        # a fixed ASCII name: LibreOffice names its output after the input
        inp = tmp / f"document{src.suffix.lower() or kind}"
        shutil.copyfile(src, inp)
        outdir = tmp / "out"
        cmd = [exe, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(inp)]
        env = dict(os.environ, HOME=str(tmp))  # LibreOffice may write dotfiles into $HOME
        # its own session, so that on a time-out the whole process group
        # (the launcher and soffice.bin) is killed
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, cwd=tmp, start_new_session=True)
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise errors.IngestError(
                "legacy_format",
                f"LibreOffice 转换 {kind} 超时（{timeout:.0f} 秒）/ LibreOffice did not convert the {kind} "
                f"file within {timeout:.0f} s; save it as .docx") from None
        except BaseException:
            _kill_group(proc)
            raise
        result = outdir / "document.docx"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = (err or b"").decode("utf-8", "replace").strip().splitlines()
            detail = "; ".join(line for line in detail if "javaldx" not in line)[:300]
            raise errors.IngestError(
                "legacy_format",
                f"LibreOffice 无法转换该 {kind} 文件 / LibreOffice could not convert the {kind} file "
                f"(exit code {proc.returncode}{': ' + detail if detail else ''}); save it as .docx")
        yield result


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError, OSError):
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass
