"""ZIP archives of reports: safe listing and extraction.

>>> import tempfile
>>> from nianbao.ingest.archive import open_archive, list_members, extract_member
>>> tmpdir = tempfile.mkdtemp()
>>> with open_archive("reports.zip") as zf:
...     for m in list_members(zf, "reports.zip"):
...         path, sha256 = extract_member(zf, m, tmpdir, index=0)
...         print(m.name, len(sha256))
C_zhongzhi_2024title.docx 64
E_zhongzhi_2023_gb18030.txt 64

* Member names are decoded the way the archiver meant them: UTF-8 when the
  archive says so (flag bit 11) or gives an Info-ZIP Unicode Path field;
  otherwise the raw bytes are tried as UTF-8, then as GBK/GB18030 — Chinese
  Windows writes GBK names without the flag (CP936).
* A member is named ``archive.zip!/inner/path.docx`` everywhere (database,
  summary, errors).  A ZIP inside a ZIP is read one level deep
  (``a.zip!/b.zip!/c.pdf``); deeper ones get an error.
* Members are written only into a private temporary directory under
  generated names (``m000001.docx``): ``../`` or absolute names in an archive
  cannot write anywhere else, and no name from the archive reaches the file
  system.
* Zip bombs are refused, with a clear error for the member or the archive,
  by the limits below (declared sizes are checked before anything is
  extracted, and bytes are counted while extracting, since headers can lie).
"""
from __future__ import annotations

import calendar
import hashlib
import io
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import IngestError, is_transient, one_line, transient

#: separator between an archive's name and a member's name
SEP = "!/"

#: largest uncompressed member (bytes)
MAX_MEMBER_BYTES = 1 << 30
#: largest uncompressed total of one archive, nested members included (bytes)
MAX_ARCHIVE_BYTES = 8 << 30
#: most members in one archive
MAX_MEMBERS = 50_000
#: largest compression ratio (uncompressed / compressed) of a member larger than RATIO_MIN_BYTES;
#: reports compress 1–10×, text up to ≈ 20×; zip bombs 1,000× and more
MAX_RATIO = 200
RATIO_MIN_BYTES = 1 << 20
#: how deep ZIPs inside ZIPs are read (1: a ZIP in a ZIP, not a ZIP in a ZIP in a ZIP)
MAX_DEPTH = 1

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_EXTRA = 0x7075
_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(".zip")


# -- errors ----------------------------------------------------------------------------------
def zip_bomb(detail: str) -> IngestError:
    return IngestError("zip_bomb", f"压缩包超出安全限制，已拒绝解压 / refused to extract: {detail} "
                                   "(limits in ingest/archive.py)")


def broken_archive(detail: str) -> IngestError:
    return IngestError("truncated", f"ZIP 压缩包不完整或已损坏 / the ZIP archive is truncated or corrupt ({detail})")


def encrypted_member() -> IngestError:
    return IngestError("encrypted", "压缩包内的文件已加密，需要密码 / the file in the archive is encrypted "
                                    "(password protected)")


def too_deep() -> IngestError:
    return IngestError("unsupported", f"压缩包嵌套超过 {MAX_DEPTH} 层 / a ZIP nested more than {MAX_DEPTH} "
                                      "level deep is not read; unpack it first")


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB"


# -- names -----------------------------------------------------------------------------------
def _unicode_path_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), when it matches the raw name."""
    extra = info.extra or b""
    while len(extra) >= 4:
        tp, ln = struct.unpack("<HH", extra[:4])
        data = extra[4:4 + ln]
        if tp == _UNICODE_PATH_EXTRA and len(data) >= 5 and data[0] == 1:
            crc = struct.unpack("<L", data[1:5])[0]
            if crc == zlib.crc32(raw):
                try:
                    return data[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        extra = extra[4 + ln:]
    return None


def decode_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its archiver meant it (see the module docstring)."""
    if info.flag_bits & _UTF8_FLAG:
        name = info.filename
    else:
        # zipfile decoded the raw bytes as CP437, which maps every byte: undo it
        raw = info.orig_filename.encode("cp437")
        name = _unicode_path_extra(info, raw)
        if name is None:
            for enc in ("utf-8", "gb18030"):
                try:
                    name = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                name = info.filename
    return name.replace("\\", "/")


def clean_name(name: str) -> str:
    """A member name fit for display: no leading '/', './' or '../' parts."""
    parts = [p for p in name.split("/") if p not in ("", ".", "..")]
    return "/".join(parts)


def zip_time(info: zipfile.ZipInfo) -> float:
    """The member's timestamp as seconds (read as UTC, so it never depends on the time zone)."""
    try:
        return float(calendar.timegm((*info.date_time, 0, 0, 0)))
    except (ValueError, OverflowError):
        return 0.0


# -- listing ---------------------------------------------------------------------------------
@dataclass
class Member:
    """One file inside an archive."""
    display: str          # "archive.zip!/inner/path.docx"
    name: str             # decoded name inside its archive
    info: zipfile.ZipInfo
    size: int             # uncompressed bytes (as declared)
    compressed: int
    crc: int
    mtime: float          # the member's own timestamp
    depth: int            # 0: in a top-level archive, 1: in a ZIP inside it
    error: str | None = None   # refused before extraction (why)

    @property
    def is_archive(self) -> bool:
        return is_archive_name(self.name)

    @property
    def suffix(self) -> str:
        s = Path(self.name).suffix.lower()
        return s if _SAFE_SUFFIX.fullmatch(s) else ""


def open_archive(path) -> zipfile.ZipFile:
    """Open a ZIP; a broken one raises IngestError (``truncated``), a full or
    failing disk ``transient``.  Members whose names are flagged UTF-8 but
    are not (which makes :mod:`zipfile` refuse the whole archive) are listed
    with an ``encoding`` error of their own; the others are read."""
    try:
        return zipfile.ZipFile(path)
    except UnicodeDecodeError:
        return _open_despite_bad_names(path)
    except zipfile.BadZipFile as e:
        raise _not_a_zip(path) or broken_archive(str(e)) from None
    except OSError as e:
        if is_transient(e):
            raise transient(e, "reading the ZIP archive") from None
        raise broken_archive(f"{type(e).__name__}: {e}") from None
    except (EOFError, ValueError) as e:
        raise broken_archive(f"{type(e).__name__}: {e}") from None


def _not_a_zip(path) -> IngestError | None:
    """What a file :mod:`zipfile` refused is, when it is no broken ZIP at
    all: empty (0 bytes), or something else named .zip (no ZIP signature at
    its start and no end record: a text, a PDF …).  None for a ZIP that is
    truncated or corrupt."""
    from . import errors
    from .sniff import describe, sniff
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 65_557))
            tail = f.read()
    except OSError:
        return None
    if size == 0:
        return errors.empty(path)
    if head.startswith(b"PK") or b"PK\x05\x06" in tail:
        return None
    try:
        kind = describe(sniff(path))
    except IngestError:
        return None
    return IngestError("wrong_extension", f"扩展名为 .zip 但内容是 {kind}，不是 ZIP 压缩包 / named .zip but the "
                                          f"content is {kind}, not a ZIP archive")


def bad_name(raw: bytes) -> IngestError:
    return IngestError("encoding", "压缩包内文件名标为 UTF-8 但不是有效的 UTF-8，未读取该文件 / the member's name is "
                                   "marked UTF-8 but is not valid UTF-8; the file was not read (unpack the "
                                   f"archive with another tool); raw name bytes {raw.hex()}")


class _Overlay(io.RawIOBase):
    """A file whose bytes at ``offset`` read as ``data`` (the same length),
    and at each offset of ``more`` ((offset, data) pairs) as its data."""

    def __init__(self, f, offset: int, data: bytes, more=()):
        self.f = f
        self.patches = [(offset, data), *more]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.f.seek(pos, whence)

    def tell(self) -> int:
        return self.f.tell()

    def readinto(self, b) -> int:
        pos = self.f.tell()
        n = self.f.readinto(b)
        for offset, data in self.patches:
            lo, hi = max(pos, offset), min(pos + n, offset + len(data))
            if lo < hi:
                b[lo - pos:hi - pos] = data[lo - offset:hi - offset]
        return n

    def close(self) -> None:
        self.f.close()
        super().close()


class _LenientZip(zipfile.ZipFile):
    """A ZipFile read through an :class:`_Overlay`; ``bad_names`` holds the
    raw names that were flagged UTF-8 without being UTF-8."""
    bad_names: set = set()

    def close(self) -> None:
        fp = getattr(self, "_overlay", None)
        super().close()
        if fp is not None:
            fp.close()


def _open_despite_bad_names(path) -> zipfile.ZipFile:
    """Clear the UTF-8 flag of the central-directory entries whose names are
    not UTF-8 (in memory: the file is not changed), so the archive opens."""
    f = open(path, "rb")
    try:
        end = zipfile._EndRecData(f)   # the end-of-central-directory record, as zipfile reads it
        if not end:
            raise broken_archive("no end-of-central-directory record")
        size = end[zipfile._ECD_SIZE]
        start = end[zipfile._ECD_LOCATION] - size
        if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
            start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
        f.seek(start)
        cd = bytearray(f.read(size))
        bad = set()
        local = []        # the same flag cleared in each such entry's local header
        i = 0
        while i + 46 <= len(cd) and cd[i:i + 4] == b"PK\x01\x02":
            flags, n_name, n_extra, n_comment = struct.unpack("<H", cd[i + 8:i + 10])[0], *struct.unpack(
                "<HHH", cd[i + 28:i + 34])
            raw = bytes(cd[i + 46:i + 46 + n_name])
            if flags & _UTF8_FLAG:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    cd[i + 8:i + 10] = struct.pack("<H", flags & ~_UTF8_FLAG)
                    bad.add(raw)
                    local += _local_flag_cleared(f, struct.unpack("<I", cd[i + 42:i + 46])[0])
            i += 46 + n_name + n_extra + n_comment
        overlay = _Overlay(f, start, bytes(cd), local)
        zf = _LenientZip(overlay)
    except IngestError:
        f.close()
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as e:
        f.close()
        raise broken_archive(f"{type(e).__name__}: {e}") from None
    zf._overlay = overlay
    zf.bad_names = bad
    return zf


def _local_flag_cleared(f, header_offset: int) -> list:
    """[(offset, flag bytes)] clearing the UTF-8 flag of the local header at
    ``header_offset`` (so that opening the member does not decode its name
    as UTF-8 again); [] when no local header is there."""
    f.seek(header_offset)
    head = f.read(8)
    if len(head) < 8 or head[:4] != b"PK\x03\x04":
        return []
    flags = struct.unpack("<H", head[6:8])[0]
    return [(header_offset + 6, struct.pack("<H", flags & ~_UTF8_FLAG))]


def _gb18030(raw: bytes) -> str | None:
    """``raw`` read as GB18030 when it is that (Chinese characters, no
    control characters), else None."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return text if re.search("[\u4e00-\u9fff]", text) and not re.search("[\x00-\x1f\x7f]", text) else None


def _wanted(name: str, extensions) -> bool:
    base = name.rsplit("/", 1)[-1]
    if not base or base.startswith(("~$", ".")) or name.startswith("__MACOSX/") or "/__MACOSX/" in name:
        return False
    low = base.lower()
    return is_archive_name(low) or any(low.endswith(e) for e in extensions)


def list_members(zf: zipfile.ZipFile, display: str, *, extensions=(".pdf", ".docx", ".txt", ".doc", ".wps"),
                 depth: int = 0, others: list | None = None) -> list[Member]:
    """The report files (and ZIPs) in an archive, in archive order, with
    zip-bomb checks on their declared sizes.  Raises IngestError when the
    archive as a whole is over a limit.  ``others``: appended with the
    display path of every other file in it (.xlsx, .jpg, .rar …; not
    hidden files or Office's ``~$`` lock files), as a folder's are listed."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise zip_bomb(f"{len(infos):,} files in the archive > limit {MAX_MEMBERS:,}")
    total = sum(i.file_size for i in infos)
    if total > MAX_ARCHIVE_BYTES:
        raise zip_bomb(f"{_mb(total)} uncompressed in total > limit {_mb(MAX_ARCHIVE_BYTES)}")
    out: list[Member] = []
    seen: set[str] = set()
    bad_names = getattr(zf, "bad_names", set())
    for info in infos:
        if info.is_dir():
            continue
        link = stat.S_ISLNK(info.external_attr >> 16)     # its data is a path, not a report (zip -y)
        raw = info.orig_filename.encode("cp437") if bad_names and not info.flag_bits & _UTF8_FLAG else b""
        bad = raw in bad_names
        if bad and _gb18030(raw):           # flagged UTF-8 but GBK (a Chinese Windows tool): the name it means
            bad, name = False, clean_name(_gb18030(raw))
        else:
            name = clean_name(raw.decode("utf-8", "backslashreplace") if bad else decode_name(info))
        if not name or not _wanted(name, extensions):
            base = name.rsplit("/", 1)[-1]
            if others is not None and base and not base.startswith(("~$", ".")) and not link:
                others.append(f"{display}{SEP}{name}")
            continue
        shown = name
        n = 1
        while shown in seen:  # the same name twice in one archive
            n += 1
            shown = f"{name}#{n}"
        seen.add(shown)
        m = Member(display=f"{display}{SEP}{shown}", name=name, info=info, size=info.file_size,
                   compressed=info.compress_size, crc=info.CRC, mtime=zip_time(info), depth=depth)
        if link:
            m.error = str(IngestError("unsupported", "压缩包内的符号链接，未读取（链接不是文件内容）/ a symbolic link stored "
                                                     "in the archive: not read (it holds a path, not a report)"))
        elif bad:
            m.error = str(bad_name(raw))
        elif info.flag_bits & _ENCRYPTED_FLAG:
            m.error = str(encrypted_member())
        elif info.file_size > MAX_MEMBER_BYTES:
            m.error = str(zip_bomb(f"{_mb(info.file_size)} uncompressed > limit {_mb(MAX_MEMBER_BYTES)}"))
        elif info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            m.error = str(zip_bomb(f"compression ratio {ratio:,.0f}:1 > limit {MAX_RATIO}:1"))
        elif m.is_archive and depth >= MAX_DEPTH:
            m.error = str(too_deep())
        out.append(m)
    return out


# -- extraction ------------------------------------------------------------------------------
def extract_member(zf: zipfile.ZipFile, member: Member, dest_dir, *, index: int) -> tuple[Path, str]:
    """Write one member to ``dest_dir/m<index><suffix>`` and return (path, sha256).

    Bytes are counted as they are written: a member that inflates beyond its
    declared size or the limits raises IngestError (``zip_bomb``) and leaves
    nothing behind; a corrupt one raises ``truncated``."""
    if member.error:
        raise IngestError(member.error.split(":", 1)[0], member.error.split(": ", 1)[-1])
    dest = Path(dest_dir) / f"m{index:06d}{member.suffix}"
    limit = min(MAX_MEMBER_BYTES, member.size)
    h = hashlib.sha256()
    written = 0
    try:
        with zf.open(member.info) as src, open(dest, "xb") as out:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                written += len(chunk)
                if written > limit:
                    raise zip_bomb(f"the file inflates beyond its declared {_mb(member.size)}")
                h.update(chunk)
                out.write(chunk)
    except IngestError:
        dest.unlink(missing_ok=True)
        raise
    except NotImplementedError as e:  # e.g. a compression method zipfile lacks
        dest.unlink(missing_ok=True)
        raise IngestError("unsupported", f"压缩方法不支持 / unsupported compression method ({e})") from None
    except RuntimeError:  # zipfile: "File … is encrypted, password required"
        dest.unlink(missing_ok=True)
        raise encrypted_member() from None
    except OSError as e:   # a full or failing disk is not the archive's fault: the next run retries it
        dest.unlink(missing_ok=True)
        if is_transient(e):
            raise transient(e, "unpacking the file from the archive") from None
        raise broken_archive(f"{type(e).__name__}: {e}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
        dest.unlink(missing_ok=True)
        raise broken_archive(f"{type(e).__name__}: {one_line(e)}") from None
    return dest, h.hexdigest()
