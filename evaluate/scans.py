"""Make scans of our own: a PDF rendered to images and put back together as
an image-only PDF (no text layer), as a school that prints, stamps and scans
its report would send it.  Used by the OCR tests and ``make bench``.

>>> from nianbao.evaluate.scans import make_scan
>>> scan = make_scan("report.pdf", "scan.pdf", dpi=150, rotate={1: 180}, skew={2: 2.5})
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image


def render_pages(pdf_path: str | Path, dpi: float = 150, pages: list[int] | None = None) -> list[Image.Image]:
    """Pages (1-based numbers; all when None) of a PDF as greyscale images."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        numbers = pages or list(range(1, len(pdf) + 1))
        out = []
        for no in numbers:
            page = pdf[no - 1]
            out.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            page.close()
        return out
    finally:
        pdf.close()


def erase_rules(img: Image.Image) -> Image.Image:
    """The page with its ruling lines painted white: a table printed without
    rules (long thin runs of ink, found by a morphological opening)."""
    import cv2
    import numpy as np
    a = np.asarray(img.convert("L")).copy()
    ink = (a < 150).astype(np.uint8)
    for kernel in ((60, 1), (1, 40)):
        m = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        a[cv2.dilate(m, np.ones((3, 3), np.uint8)) > 0] = 255
    return Image.fromarray(a)


def make_scan(pdf_path: str | Path, out_path: str | Path, *, dpi: float = 150,
              pages: list[int] | None = None, rotate: dict[int, int] | None = None,
              skew: dict[int, float] | None = None, no_rules: set[int] | None = None) -> Path:
    """Write an image-only PDF of ``pdf_path`` at ``dpi``.  ``rotate`` maps a
    page number (of the output, 1-based) to 90 / 180 / 270 degrees
    (counter-clockwise, the page set sideways or upside down on the scanner);
    ``skew`` to a small angle in degrees (the sheet fed at a slant);
    ``no_rules``: pages whose ruling lines are erased (tables without rules)."""
    images = render_pages(pdf_path, dpi, pages)
    rotate, skew = rotate or {}, skew or {}
    for i, img in enumerate(images):
        no = i + 1
        if no in (no_rules or ()):
            img = erase_rules(img)
        if no in skew:
            img = img.rotate(skew[no], expand=True, fillcolor=255, resample=Image.BICUBIC)
        if no in rotate:
            img = img.rotate(rotate[no], expand=True, fillcolor=255)
        images[i] = img
    out = Path(out_path)
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out
