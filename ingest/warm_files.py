"""Small files of our own, made at warm-up, that the warm process parses once
so that each format's parser has imported and compiled what it uses before
the first real file (:func:`nianbao.ingest.warm.warm_formats`).

- :func:`sample_pdf`: one page made with pypdfium2 (a standard font, so
  Latin text only): a title, numbered headings, a paragraph with figures,
  a page number and a ruled 3 × 3 table drawn as path objects.
- :func:`sample_docx`: the same words as a Word file made with python-docx,
  with a heading style and a table.

Neither is a fixture: they exist for a few milliseconds in a temporary
folder and only warm code paths (pdfium's page and text loading, the
damage check, line reading, the heading and running-line patterns, ruled
table detection, the .docx reader).
"""
from __future__ import annotations

import ctypes
from pathlib import Path

#: the lines of the sample page: (x, y from the bottom, font size, text)
PDF_LINES = (
    (72, 770, 16, "Sample Vocational School 2023 Annual Quality Report"),
    (72, 740, 12, "1. Basic Facts"),
    (72, 720, 10.5, "In 2023 the school had 1200 students, 80 teachers and 380 graduates (96.5%)."),
    (72, 700, 12, "2. Appendix Table 1"),
    (290, 40, 9, "- 1 -"),
)
#: the ruled table: column and row edges (points)
TABLE_X = (72, 222, 372, 522)
TABLE_Y = (680, 660, 640, 620)
TABLE_CELLS = (("Item", "Unit", "2023"), ("Students", "persons", "1200"), ("Ratio", "", "15:1"))


def sample_pdf(path: Path) -> Path:
    """Write the sample page to ``path`` (a one-page PDF, about 2 KB)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    pdf = pdfium.PdfDocument.new()
    try:
        page = pdf.new_page(595, 842)
        font = raw.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
        for x, y, size, text in PDF_LINES:
            _text(raw, pdf, page, font, x, y, size, text)
        for r, row in enumerate(TABLE_CELLS):
            for c, text in enumerate(row):
                if text:
                    _text(raw, pdf, page, font, TABLE_X[c] + 4, TABLE_Y[r] - 14, 9, text)
        _grid(raw, page)
        raw.FPDFPage_GenerateContent(page.raw)
        pdf.save(str(path))
    finally:
        pdf.close()
    return path


def _text(raw, pdf, page, font, x: float, y: float, size: float, text: str) -> None:
    obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, size)
    buf = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
    raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    raw.FPDFPage_InsertObject(page.raw, obj)


def _grid(raw, page) -> None:
    """The table's rules: one stroked path per edge."""
    edges = [((x, TABLE_Y[0]), (x, TABLE_Y[-1])) for x in TABLE_X]
    edges += [((TABLE_X[0], y), (TABLE_X[-1], y)) for y in TABLE_Y]
    for (x0, y0), (x1, y1) in edges:
        path = raw.FPDFPageObj_CreateNewPath(x0, y0)
        raw.FPDFPath_LineTo(path, x1, y1)
        raw.FPDFPageObj_SetStrokeColor(path, 0, 0, 0, 255)
        raw.FPDFPageObj_SetStrokeWidth(path, 0.75)
        raw.FPDFPath_SetDrawMode(path, 0, 1)     # no fill, stroke
        raw.FPDFPage_InsertObject(page.raw, path)


def sample_docx(path: Path) -> Path:
    """Write the same words as a Word file to ``path`` (python-docx's own
    template: styles, numbering, settings)."""
    import docx
    d = docx.Document()
    d.add_paragraph(PDF_LINES[0][3], style="Title")
    d.add_heading(PDF_LINES[1][3], level=1)
    d.add_paragraph(PDF_LINES[2][3])
    d.add_heading(PDF_LINES[3][3], level=1)
    table = d.add_table(rows=len(TABLE_CELLS), cols=len(TABLE_CELLS[0]))
    for r, row in enumerate(TABLE_CELLS):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.save(str(path))
    return path
