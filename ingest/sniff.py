"""Tell what a file really is from its first bytes, not from its name."""
from __future__ import annotations

import zipfile
from pathlib import Path

from . import errors

#: what each extension promises
EXT_FORMAT = {".pdf": "pdf", ".docx": "docx", ".docm": "docx", ".txt": "txt", ".text": "txt",
              ".doc": "doc", ".wps": "wps", ".zip": "zip"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(path: str | Path) -> str:
    """Return 'pdf', 'docx', 'zip', 'ole' (legacy .doc/.wps or an encrypted
    Office file), 'txt' or 'unknown'.  Raises IngestError for empty files."""
    p = Path(path)
    size = p.stat().st_size
    if size == 0:
        raise errors.empty(p)
    with open(p, "rb") as f:
        head = f.read(4096)
    # a ZIP first: one whose first member is a PDF stored uncompressed holds "%PDF-" near its start
    if not (head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")) and b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):
            return "zip_broken"   # a damaged directory (a bad version, a name that is not UTF-8 …)
        if "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names:
            return "ooxml_other"
        return "zip"
    if head.startswith(OLE_MAGIC):
        with open(p, "rb") as f:
            blob = f.read(min(size, 1 << 20))
        if "EncryptionInfo".encode("utf-16-le") in blob:
            return "ole_encrypted"
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):  # UTF-16/32 BOMs
        from .txt_parser import utf16_encoding
        return "txt" if utf16_encoding(head) else "unknown"     # UTF-16 text without a byte-order mark
    return "txt"


def describe(kind: str) -> str:
    return {"pdf": "PDF", "docx": "Word (.docx)", "zip": "ZIP archive", "ole": "legacy Office (.doc/.wps)",
            "ole_encrypted": "encrypted Office file", "txt": "text", "rtf": "RTF",
            "ooxml_other": "Office file that is not a Word document", "zip_broken": "broken ZIP/Office file",
            "unknown": "binary data"}.get(kind, kind)
