"""Parse .docx, .pdf and .txt reports into one document model.

>>> from nianbao.ingest import parse
>>> doc = parse("report.pdf")
>>> [(h.level, h.number, h.title, h.page) for h in doc.headings()][:3]
[(1, None, '前言', 2), (1, '一、', '基本情况', 2), (2, '（一）', '学校概况', 2)]

``parse`` raises :class:`ingest.errors.IngestError` with a clear, specific
reason for a file it cannot read; it never lets a parser's traceback escape.
"""
from __future__ import annotations

from pathlib import Path

from . import errors
from .errors import IngestError
from .model import Block, Cell, Document, PageInfo, Section, make_table
from .sniff import EXT_FORMAT, describe, sniff
from .structure import attach_captions

__all__ = ["parse", "IngestError", "Document", "Block", "Cell", "PageInfo", "Section", "make_table",
           "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".pdf", ".docx", ".txt", ".doc", ".wps")


def parse(path: str | Path, *, display_path: str | None = None, ocr: bool = True,
          ocr_progress=None) -> Document:
    """Parse one file into a :class:`Document` (format detected from content).

    ``ocr``: read scanned PDF pages and picture-only Word files with OCR
    (:mod:`ingest.ocr`; ``False`` leaves them ``needs_ocr``).
    ``ocr_progress``: called as ``(pages done, pages to OCR, seconds)``."""
    opts = {"ocr": ocr, "ocr_progress": ocr_progress}
    p = Path(path)
    ext = p.suffix.lower()
    kind = sniff(p)
    expected = EXT_FORMAT.get(ext)
    if kind == "ole_encrypted":
        raise errors.encrypted("Office")
    if kind == "ole":      # a Word 97–2003 or WPS file, whatever its name says: LibreOffice converts it
        from .legacy import convert_legacy
        with convert_legacy(p) as converted:
            doc = _parse_as("docx", converted, **opts)
            doc.parser = f"libreoffice+{doc.parser}"
            doc.format = expected if expected in ("doc", "wps") else "doc"
            doc.path = display_path or str(p)
            if expected not in ("doc", "wps", None):
                doc.warnings.insert(0, errors.misnamed_warning(ext, describe(kind)))
            return doc
    if kind in ("zip_broken",):
        raise errors.truncated(expected or "ZIP", "the ZIP container cannot be opened")
    if kind == "zip" and expected == "zip":      # `outline` / `extract` read one file; ingest opens archives
        raise errors.archive()
    if kind in ("zip", "ooxml_other", "rtf", "unknown"):
        if expected and expected not in ("txt",):
            raise errors.mismatch(ext, describe(kind))
        raise errors.unsupported(p, describe(kind))
    misnamed = expected in ("pdf", "docx", "txt", "zip") and kind in ("pdf", "docx") and kind != expected
    if expected in ("pdf", "docx", "txt") and kind != expected and not misnamed:
        raise errors.mismatch(ext, describe(kind))
    if expected is None and kind == "txt":
        raise errors.unsupported(p)
    if kind == "txt" and expected in ("doc", "wps"):
        web = _web_page(p, expected, **opts)      # Word's "save as web page" under a .doc name
        if web is not None:
            if display_path:
                web.path = display_path
            return web
    # (a .doc or .wps that is really a .docx or .pdf is read as what it is, as is a
    # .pdf that is a Word file or the other way round: with a warning)
    doc = _parse_as(kind, p, **opts)
    if not ocr and doc.status == "needs_ocr":
        doc.metadata["ocr_skipped"] = True    # read without OCR (--no-ocr): a run with OCR reads it again
    if misnamed:
        doc.warnings.insert(0, errors.misnamed_warning(ext, describe(kind)))
    if display_path:
        doc.path = display_path
    return doc


def _web_page(p: Path, fmt: str, **opts) -> Document | None:
    """The document of an HTML or MHT file named .doc / .wps, or None when
    the text is no web page (:mod:`ingest.web_page`)."""
    from .web_page import kind_of, parse_web_page
    with open(p, "rb") as f:
        kind = kind_of(f.read(4096))
    if kind is None:
        return None
    doc = parse_web_page(p, kind, fmt=fmt)
    attach_captions(doc)
    return doc.finalize()


def _parse_as(kind: str, p: Path, *, ocr: bool = True, ocr_progress=None) -> Document:
    if kind == "pdf":
        from .pdf_parser import parse_pdf
        doc = parse_pdf(p)
    elif kind == "docx":
        from .docx_parser import parse_docx
        doc = parse_docx(p)
    elif kind == "txt":
        from .txt_parser import parse_txt
        doc = parse_txt(p)
    else:  # pragma: no cover - guarded by parse()
        raise errors.unsupported(p, kind)
    if ocr:
        from .ocr import apply_ocr
        apply_ocr(doc, p, progress=ocr_progress)
    attach_captions(doc)
    return doc.finalize()
