"""Damage PDFium repairs silently: find it, so the document says so.

PDFium opens a damaged PDF without an error: it rebuilds a broken
cross-reference table and draws what it can of a content stream whose
compressed bytes are corrupt — one flipped bit can drop a page's second half
(and its figures) while every page still reads ``ok``, or change a digit.
:func:`find_damage` reads the file's bytes once and reports

* compressed (``/FlateDecode``) streams that do not decompress to their end
  with a correct checksum (zlib: invalid data, a wrong checksum, the stream
  cut short) — page content, fonts, object streams alike;
* a ``startxref`` offset that does not point at a cross-reference section
  (PDFium then rebuilt the table by scanning the file).

It costs one pass of zlib over the compressed streams (a few milliseconds
for a report).  Encrypted files are not checked (their streams are
ciphertext).
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

_STREAM = re.compile(rb"stream\r?\n")
_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)\b(?!\s+\d+\s+R)")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")
#: how far back from ``stream`` the object's dictionary may start
_DICT_WINDOW = 4096
#: an object header ending at a given ``obj``; how far back it is looked for
_OBJ_END = re.compile(rb"(\d+)\s+(\d+)\s+obj\Z")
_WORD = re.compile(rb"\w")
_DIGITS_SPACES = re.compile(rb"[\d\s]*\Z")
_HEADER_REACH = 64


@dataclass
class Damage:
    """What :func:`find_damage` found: ``streams`` (object numbers of broken
    compressed streams, or -1 when unknown) and whether the cross-reference
    table had to be rebuilt (``xref``)."""
    streams: list[int] = field(default_factory=list)
    xref: bool = False

    def __bool__(self) -> bool:
        return bool(self.streams) or self.xref

    def warning(self) -> str:
        """One line, Chinese and English."""
        parts = []
        if self.streams:
            objs = ", ".join(str(n) for n in self.streams[:8] if n >= 0) or "?"
            more = " …" if len(self.streams) > 8 else ""
            parts.append(f"{len(self.streams)} 个压缩数据流已损坏 / {len(self.streams)} compressed stream(s) are "
                         f"corrupt (objects {objs}{more})")
        if self.xref:
            parts.append("交叉引用表已损坏，已重建 / the cross-reference table is damaged and was rebuilt")
        return ("PDF 文件已损坏，部分文字或数字可能缺失或有误 / the PDF file is damaged: some text or figures may be "
                "missing or wrong — " + "; ".join(parts))


def _inflates(raw: bytes) -> bool:
    d = zlib.decompressobj()
    try:
        d.decompress(raw)
        d.flush()
    except zlib.error:
        return False
    return d.eof


def _last_header(head: bytes):
    """The last ``N G obj`` in ``head`` (the match ``_OBJ.finditer`` would
    give last), found from the end: each ``obj`` from the last one back is
    tried as the end of a header, in the :data:`_HEADER_REACH` bytes before
    it; a header that may reach further is read by the full scan."""
    k = len(head)
    while (k := head.rfind(b"obj", 0, k)) >= 0:
        end = k + 3
        if end < len(head) and _WORD.match(head, end):   # "objx": not a header's end (``\b``)
            k = end - 1
            continue
        lo = max(0, k - _HEADER_REACH)
        m = _OBJ_END.search(head, lo, end)
        if lo > 0 and (m.start() == lo if m else _DIGITS_SPACES.match(head, lo, k)):
            last = None   # a header that may begin before the bytes looked at: the full scan
            for last in _OBJ.finditer(head):
                pass
            return last
        if m is not None:
            return m
        k = end - 1
    return None


def _streams(data: bytes):
    """(object number, dictionary bytes, stream bytes) of every stream."""
    for m in _STREAM.finditer(data):
        head = data[max(0, m.start() - _DICT_WINDOW):m.start()]
        obj = _last_header(head)
        if obj is None or not head.rstrip().endswith(b">>"):
            continue   # the word "stream" inside other data
        dict_bytes = head[obj.end():]
        length = _LENGTH.search(dict_bytes)
        start = m.end()
        if length:
            end = start + int(length.group(1))
        else:
            end = data.find(b"endstream", start)
            end = len(data) if end < 0 else end
        yield int(obj.group(1)), dict_bytes, data[start:end]


def _xref_broken(data: bytes) -> bool:
    tail = data[-2048:]
    m = None
    for m in re.finditer(rb"startxref\s+(\d+)", tail):
        pass
    if m is None:
        return True
    at = int(m.group(1))
    here = data[at:at + 64].lstrip()
    return not (here.startswith(b"xref") or _OBJ.match(here))


def find_damage(data: bytes) -> Damage:
    """The damage in a PDF's bytes (empty when none is seen)."""
    dmg = Damage()
    if re.search(rb"/Encrypt\b", data):
        return dmg
    for num, head, raw in _streams(data):
        if not _FLATE.search(head) or re.search(rb"/Filter\s*\[\s*/(?!FlateDecode|Fl\b)", head):
            continue   # not Flate first (images in DCT, …): not ours to judge
        if not _inflates(raw):   # bytes after the compressed data's end (an end of line) are ignored
            dmg.streams.append(num)
    dmg.xref = _xref_broken(data)
    return dmg
