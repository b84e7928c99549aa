"""A Word file saved as a web page: HTML or MHT content under a .doc name.

Word's "save as web page" (and many portal downloads) leave HTML or an MHT
"web archive" named ``.doc``; Word opens it, so a bureau receives it as a
Word report.  Read as text it would keep every tag and lose its headings.
:func:`parse_web_page` reads it with :mod:`ingest.html_blocks` (headings,
paragraphs, lists, tables) into the document model.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import errors
from .model import Document, PageInfo

#: the start of an HTML document (after a byte-order mark, spaces or an XML declaration)
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.I | re.S)
#: the headers an MHT file (a MIME message) opens with
_MHT_START = re.compile(rb"^(?:\s*[A-Za-z-]+:[^\n]*\n)*?\s*(?:MIME-Version|Content-Type):", re.I)


def kind_of(head: bytes) -> str | None:
    """``"html"``, ``"mht"`` or None for the first bytes of a file."""
    if _HTML_START.match(head):
        return "html"
    low = head.lower()
    if _MHT_START.match(head) and (b"multipart/related" in low or b"text/html" in low):
        return "mht"
    return None


def parse_web_page(path: str | Path, kind: str, *, fmt: str = "doc") -> Document:
    """The blocks of the web page at ``path`` (``kind``: html or mht) as a
    Document of format ``fmt`` (the name's: doc, wps), with a warning that
    it is a web page.  IngestError (``empty``) when it holds no text."""
    from .html_blocks import decode_html, html_blocks, mht_html
    data = Path(path).read_bytes()
    html = mht_html(data) if kind == "mht" else decode_html(data)
    blocks = html_blocks(html or "")
    if not any(b.text.strip() for b in blocks):
        raise errors.empty(path)
    doc = Document(path=str(path), format=fmt, parser=f"lxml.html ({kind})")
    for b in blocks:
        doc.add(b)
    doc.pages = [PageInfo(number=1, chars=sum(len(b.text) for b in blocks))]
    doc.metadata["page_estimate"] = True
    doc.warnings.append(f"这是另存为网页的 Word 文件（{kind.upper()}），按网页读取 / a Word file saved as a web page "
                        f"({kind.upper()}): read as one")
    return doc
