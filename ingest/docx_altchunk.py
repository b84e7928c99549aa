"""What a Word ``w:altChunk`` holds.

An altChunk is a part of the .docx package — HTML, MHT (a MIME "web
archive"), plain text, RTF or a whole other .docx — that Word merges into the
body where the ``w:altChunk`` element stands, and shows as ordinary content.
This module tells which of those a part is (by content type, then by its first
bytes) and decodes it; :mod:`ingest.docx_parser` turns the result into blocks
(:mod:`ingest.html_blocks` for HTML, its own walker for a .docx).
"""
from __future__ import annotations

HTML, TEXT, DOCX, RTF, UNKNOWN = "html", "text", "docx", "rtf", "unknown"

_BY_TYPE = {
    "text/html": HTML, "application/xhtml+xml": HTML,
    "message/rfc822": "mht", "multipart/related": "mht", "application/x-mimearchive": "mht",
    "text/plain": TEXT,
    "application/rtf": RTF, "text/rtf": RTF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.ms-word.document.macroEnabled.12": DOCX,
}


def chunk_content(content_type: str, blob: bytes) -> tuple[str, object]:
    """``(kind, payload)`` of an altChunk part: (``"html"``, str),
    (``"text"``, str), (``"docx"``, bytes), (``"rtf"``, None) or
    (``"unknown"``, None).  MHT is returned as its HTML part."""
    from .html_blocks import decode_html, mht_html
    kind = _BY_TYPE.get((content_type or "").split(";")[0].strip().lower()) or _sniff(blob)
    if kind == "mht":
        html = mht_html(blob)
        return (HTML, html) if html is not None else (UNKNOWN, None)
    if kind == HTML:
        return HTML, decode_html(blob)
    if kind == TEXT:
        from .txt_parser import decode
        return TEXT, decode(blob)[0]
    if kind == DOCX:
        return DOCX, blob
    return kind, None


def _sniff(blob: bytes) -> str:
    head = blob[:2048].lstrip(b"\xef\xbb\xbf\r\n\t ").lower()
    if head.startswith(b"pk\x03\x04"):
        return DOCX
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(b"mime-version") or b"\nmime-version:" in head[:1024]:
        return "mht"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head:
        return HTML
    return UNKNOWN
