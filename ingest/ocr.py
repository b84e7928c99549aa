"""OCR where a report has no usable text: scanned PDF pages and picture-only
Word files.

:func:`apply_ocr` is called by :func:`ingest.parse` after the parser: it
OCRs

* the PDF pages whose text layer is missing (``empty`` with a scanned image)
  or unreadable (``garbage``), or is only a stamped line over a page-sized
  picture (:func:`thin_pages`), rendered with pypdfium2 at ``render_dpi``
  (``rules/ocr.yaml``, 150 dpi); pages with a good text layer keep it;
* the pictures of a Word file the parser found to be pictures only
  (``needs_ocr``), one picture per page, in body order.

The blocks (:mod:`ingest.ocr_layout`) go where their pages stand among the
text-layer blocks.  An OCR'd page gets ``status = "ocr"`` and a note (lines,
mean confidence, rotation, straightening; no timing, so stored content does
not depend on the machine); the document gets
``status = "ocr"`` when any page was read by OCR (``ok`` stays for documents
read from their text alone), and ``metadata["ocr"]`` with the engine,
provider, pages and time.  Pages where OCR finds no text keep their status;
a document with no text at all stays ``needs_ocr``.
"""
from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Callable

from PIL import Image

from .headings import LevelAssigner
from .model import HEADING, PAGE_EMPTY, PAGE_GARBAGE, Block, Document, PageInfo
from .ocr_rules import OcrRules, load_ocr_rules

PAGE_OCR = "ocr"
STATUS_OCR = "ocr"

#: progress callback: (pages done, pages to OCR, seconds of the last page)
Progress = Callable[[int, int, float], None]


def pages_needing_ocr(doc: Document) -> list[int]:
    """Numbers of the pages OCR should read: for a PDF the scanned (empty with
    an image) and garbage pages; for a picture-only Word file all of its
    pictures (returned as [] here: they are counted by :func:`apply_ocr`)."""
    if doc.format != "pdf":
        return []
    return [p.number for p in doc.pages
            if (p.status == PAGE_GARBAGE and not (p.note or "").startswith(UNLOADABLE))
            or (p.status == PAGE_EMPTY and "scanned" in (p.note or ""))]


#: the note of a PDF page PDFium could not load or read (no picture to read either)
UNLOADABLE = ("page cannot be loaded", "page cannot be read")


def needs_ocr(doc: Document) -> bool:
    return bool(pages_needing_ocr(doc)) or doc.status == "needs_ocr"


def thin_pages(doc: Document, path: Path, rules: OcrRules | None = None) -> list[int]:
    """PDF pages whose text layer is only a stamped-on line (at most
    ``thin_page_chars`` characters of blocks; a page number, which is
    furniture, gives none) over a picture covering ``thin_page_image_share``
    of the page: a scan.  A cover title over a photo has more text, a photo
    page has margins."""
    rules = rules or load_ocr_rules()
    if doc.format != "pdf":
        return []
    text: dict[int, int] = {}
    for b in doc.blocks:
        text[b.page] = text.get(b.page, 0) + len(b.text) + sum(len(c.text) for r in (b.rows or []) for c in r)
    thin = [p.number for p in doc.pages if p.status == "ok" and text.get(p.number, 0) <= rules.thin_page_chars]
    if not thin:
        return []
    # the PDF parser notes each page's image share as it reads the file:
    # the pages need not be loaded and walked again
    known = getattr(doc, "_image_share", None)
    if known is not None and known[0] == str(path) and all(no in known[1] for no in thin):
        return [no for no in thin if known[1][no] >= rules.thin_page_image_share]
    import pypdfium2 as pdfium

    from .pdf_tables import scan_page_objects
    out = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for no in thin:
            page = pdf[no - 1]
            try:
                w, h = page.get_size()
                if scan_page_objects(page.raw, h, w * h).image_area >= rules.thin_page_image_share:
                    out.append(no)
            finally:
                page.close()
    finally:
        pdf.close()
    return out


def apply_ocr(doc: Document, path: str | Path, *, progress: Progress | None = None,
              rules: OcrRules | None = None) -> Document:
    """OCR what ``doc`` lacks (see the module doc); returns ``doc`` (not yet
    finalised).  Without the engine installed, a warning says so."""
    from .ocr_engine import available
    rules = rules or load_ocr_rules()
    if not needs_ocr(doc) and not thin_pages(doc, Path(path), rules):
        return doc
    if not available():
        doc.warnings.append("未安装OCR引擎 rapidocr-onnxruntime / the OCR engine (rapidocr-onnxruntime) "
                            "is not installed: scanned pages are not read")
        return doc
    if doc.format == "pdf":
        thin = thin_pages(doc, Path(path), rules)
        numbers = sorted(set(pages_needing_ocr(doc)) | set(thin))
        # the stamped line is read again with the rest of the page
        doc.blocks = [b for b in doc.blocks if b.page not in thin]
        images = _pdf_images(Path(path), numbers, rules)
        n = len(numbers)
    elif doc.format in ("docx", "doc", "wps") and doc.status == "needs_ocr":
        pics = _docx_pictures(Path(path))
        if not pics:
            doc.warnings.append("没有可供OCR的整页图片 / no picture large enough to hold a page of text")
            return doc
        n = len(pics)
        images = ((i + 1, img, _dpi(img)) for i, img in enumerate(pics))
    else:
        return doc
    return _read(doc, images, n, progress, rules)


def _read(doc: Document, images, n: int, progress: Progress | None, rules: OcrRules) -> Document:
    from .ocr_engine import engine
    from .ocr_layout import build_blocks
    engine()
    t0 = time.perf_counter()
    read, infos = _read_images(images, n, progress, rules)
    blocks = build_blocks(read, _assigner(doc), rules)
    chars = _chars_by_page(blocks)
    if doc.format != "pdf":
        _docx_pages(doc, [no for no, _, _ in read])
    _note_pages(doc, infos, chars)
    _insert(doc, blocks)
    _record_ocr(doc, chars, time.perf_counter() - t0, rules)
    return doc


def _read_images(images, n: int, progress: Progress | None, rules: OcrRules) -> tuple[list[tuple], dict[int, str]]:
    """OCR each ``(page number, image, dpi)``; returns ``[(page number, OCR
    page, ruled tables)]`` and each page's note; ``progress(done, n,
    seconds of the page)`` after each."""
    from .ocr_engine import read_image
    from .ocr_tables import find_tables
    read: list[tuple] = []
    infos: dict[int, str] = {}
    if progress:
        progress(0, n, 0.0)
    for done, (no, img, dpi) in enumerate(images, 1):
        page = read_image(img, rules=rules)
        tables = find_tables(page, dpi)
        read.append((no, page, tables))
        infos[no] = _note(page, tables)
        if progress:
            progress(done, n, page.seconds)
    return read, infos


def _chars_by_page(blocks) -> dict[int, int]:
    """Characters read per page number (paragraph text and table cells)."""
    chars: dict[int, int] = {}
    for b in blocks:
        chars[b.page] = chars.get(b.page, 0) + len(b.text) + sum(
            len(c.text) for row in (b.rows or []) for c in row)
    return chars


def _note_pages(doc: Document, infos: dict[int, str], chars: dict[int, int]) -> None:
    """Pages OCR read text from get the OCR status, character count and
    note; pages where it found none say so in their note."""
    for p in doc.pages:
        if p.number in infos and chars.get(p.number):
            p.status, p.chars, p.note = PAGE_OCR, chars[p.number], infos[p.number]
        elif p.number in infos:
            p.note = f"{p.note}; OCR found no text".lstrip("; ")


def _record_ocr(doc: Document, chars: dict[int, int], seconds: float, rules: OcrRules) -> None:
    """``metadata["ocr"]`` (engine, provider, pages, seconds, dpi), the
    document's status, parser and warning."""
    from .ocr_engine import provider
    doc.metadata["ocr"] = {"engine": _engine_version(), "provider": provider(),
                           "pages": sorted(chars), "seconds": round(seconds, 2),
                           "dpi": rules.render_dpi}
    if chars:
        doc.status = STATUS_OCR
        doc.parser = f"{doc.parser}+rapidocr"
        doc.warnings.append(f"{len(chars)} 页由OCR识别，数值需核对 / {len(chars)} page(s) read by OCR: "
                            "values carry source 'ocr' and their confidence")
    else:
        doc.warnings.append("OCR没有识别出文字 / OCR found no text")


def _note(page, tables) -> str:
    confs = [c for b in page.boxes for _, _, c in b.chars]
    confs += [v for t in tables for pieces in t.pieces.values() for *_, cf in pieces for v in cf]
    mean = sum(confs) / len(confs) if confs else 0.0
    parts = [f"OCR: {len(confs)} characters, confidence {mean:.2f}"]
    if tables:
        parts.append(f"{len(tables)} ruled table(s)")
    if page.rotation:
        parts.append(f"turned {page.rotation}°")
    if page.skew:
        parts.append(f"straightened {page.skew}°")
    return ", ".join(parts)  # no timing: stored content does not depend on the machine


def _assigner(doc: Document) -> LevelAssigner:
    """Heading levels continue those of the text-layer pages."""
    a = LevelAssigner()
    for b in doc.blocks:
        if b.kind == HEADING and b.meta.get("style") and b.level:
            a.observe(b.meta["style"], b.level)
    return a


def _insert(doc: Document, blocks: list[Block]) -> None:
    """Put OCR blocks before the first text-layer block of a later page."""
    if not blocks:
        return
    out: list[Block] = []
    pending = list(blocks)
    for b in doc.blocks:
        while pending and b.page is not None and pending[0].page is not None and pending[0].page < b.page:
            out.append(pending.pop(0))
        out.append(b)
    out.extend(pending)
    doc.blocks = out


# -- images ----------------------------------------------------------------------------------


def _pdf_images(path: Path, numbers: list[int], rules: OcrRules):
    """(page number, PIL image, dpi) for each page to OCR, rendered one at a time."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    try:
        for no in numbers:
            try:
                page = pdf[no - 1]
            except pdfium.PdfiumError:      # a damaged page: nothing to read; its note says so
                continue
            try:
                img = page.render(scale=rules.render_dpi / 72, grayscale=True).to_pil()
            except pdfium.PdfiumError:
                continue
            finally:
                page.close()
            yield no, img, rules.render_dpi
    finally:
        pdf.close()


_A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _docx_pictures(path: Path) -> list[Image.Image]:
    """The pictures of a Word body in order (DrawingML and VML), as images;
    pictures too small to hold a page of text (logos, stamps) are left out."""
    import docx
    d = docx.Document(str(path))
    part = d.part
    out: list[Image.Image] = []
    seen: set[str] = set()
    for el in d.element.body.iter(_A_BLIP, _V_IMAGEDATA):
        rid = el.get(_R_EMBED) or el.get(_R_ID)
        if not rid or rid in seen or rid not in part.related_parts:
            continue
        seen.add(rid)
        try:
            img = Image.open(io.BytesIO(part.related_parts[rid].blob))
            img.load()
        except Exception:
            continue
        if min(img.size) >= 300:
            out.append(img)
    return out


def _dpi(img: Image.Image) -> float:
    """Resolution of a pasted scan: the width of an A4 page (8.27 in) is
    assumed, which is what reports pasted into Word almost always are."""
    return max(36.0, img.size[0] / 8.27)


def _docx_pages(doc: Document, numbers: list[int]) -> None:
    """A picture-only Word file: one page per picture (the estimate from line
    counts meant nothing there)."""
    doc.pages = [PageInfo(number=n, status=PAGE_EMPTY, note="picture") for n in numbers]
    doc.metadata["page_estimate"] = False
    for b in doc.blocks:
        if b.page is None:
            b.page = 1


def _engine_version() -> str:
    try:
        from importlib.metadata import version
        return f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"
    except Exception:  # pragma: no cover
        return "rapidocr-onnxruntime"
