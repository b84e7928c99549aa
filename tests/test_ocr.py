"""OCR of scanned reports (issue #11), on scans we make ourselves: corpus
PDFs (and the seed, from ../shared at run time) rendered to image-only PDFs
at 150 dpi with evaluate/scans.py.

Fast tier: the clean-up rules, the trust pass on a model built by hand, and
ONE scanned page read end to end (engine, layout, ruled table, extraction,
store).  Slow tier (``make test-all``): whole scanned reports against their
expected values, and rotated and skewed scans.
"""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from nianbao import pipeline
from nianbao.evaluate.scans import make_scan
from nianbao.extractors.facts import Metric, Provenance
from nianbao.extractors.ocr_trust import mark_metrics
from nianbao.ingest import parse
from nianbao.ingest.model import Block, Document, PageInfo
from nianbao.ingest.ocr_rules import clean_text, load_ocr_rules

from conftest import CORPUS, SEED

REPORT = CORPUS / "reports" / "A_zhongzhi_2023.pdf"
REPORT_EXPECTED = CORPUS / "expected" / "A_zhongzhi_2023.pdf.json"


# -- clean-up rules (no engine) ---------------------------------------------------------------


@pytest.mark.parametrize("raw, clean", [
    ("在校生1，046人", "在校生1,046人"),        # full-width thousands comma
    ("共12。5万元", "共12.5万元"),              # full-width stop as decimal point
    ("增长12。2023年", "增长12。2023年"),        # a sentence end before a year stays
    ("列举3，12，45项", "列举3，12，45项"),      # a list of numbers is no thousands group
    ("1O5人", "105人"), ("2l0个", "210个"), ("1OO5", "1005"),   # letters inside digit runs
    ("OK班", "OK班"), ("Office", "Office"),      # letters outside numbers stay
    ("国家级丶省级", "国家级、省级"),            # look-alike enumeration comma
])
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean
    assert len(clean_text(raw)) == len(raw)      # per-character confidences stay aligned


def test_ocr_rules_are_checked(tmp_path):
    bad = tmp_path / "ocr.yaml"
    text = (CORPUS.parent / "rules" / "ocr.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace('"丶": "、"', '"丶": "、、"'), encoding="utf-8")
    with pytest.raises(ValueError, match=r"ocr\.yaml:\d+: replace"):
        load_ocr_rules(str(bad))
    bad.write_text(text.replace("low_confidence: 0.85", "low_confidence: high"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"low_confidence"):
        load_ocr_rules(str(bad))


@pytest.mark.parametrize("offered, wanted", [
    (["CUDAExecutionProvider", "CPUExecutionProvider"], {"cfg_use_cuda": True, "cfg_use_dml": False}),
    (["DmlExecutionProvider", "CPUExecutionProvider"], {"cfg_use_cuda": False, "cfg_use_dml": True}),
    (["CPUExecutionProvider"], {"cfg_use_cuda": False, "cfg_use_dml": False}),
])
def test_a_gpu_provider_is_asked_for_when_offered(offered, wanted):
    """The options reach RapidOCR's three onnxruntime sessions (it ignores
    unknown options silently, so a misspelt one would not show otherwise);
    with no GPU on the machine the sessions fall back to the CPU."""
    from rapidocr_onnxruntime import RapidOCR

    from nianbao.ingest.ocr_engine import engine_options
    ocr = RapidOCR(**engine_options(offered))
    for part in (ocr.text_det, ocr.text_cls, ocr.text_rec):
        session = getattr(part, "infer", None) or part.session     # the recogniser names it session
        assert {k: getattr(session, k) for k in wanted} == wanted
        assert "CPUExecutionProvider" in session.session.get_providers()
    assert engine_options(offered, "2")["intra_op_num_threads"] == 2
    assert "intra_op_num_threads" not in engine_options(offered, "many")


def _ocr_doc(text: str, confs: list[int]) -> Document:
    doc = Document(path="x.pdf", format="pdf", parser="test", status="ocr",
                   pages=[PageInfo(number=1, status="ocr")])
    doc.add(Block(kind="paragraph", text=text, page=1,
                  meta={"source": "ocr", "confidence": sum(confs) / len(confs) / 100, "ocr_conf": confs}))
    return doc.finalize()


def test_low_confidence_digit_is_stored_and_flagged():
    """A figure is as sure as its least sure digit: a 0.99 line whose one
    digit came back at 0.40 gives a stored value with a review flag."""
    text = "学校有在校生1,046人，教师88人。"
    confs = [99] * len(text)
    confs[text.index("046") + 1] = 40          # the 4
    doc = _ocr_doc(text, confs)
    s1, s2 = text.index("1,046"), text.index("88")
    metrics = [Metric("students_fulltime", 1046, "persons", 2023, raw="1,046人", name_zh="在校生",
                      prov=Provenance(page=1, start=s1, end=s1 + 6)),
               Metric("teachers_fulltime", 88, "persons", 2023, raw="88人", name_zh="专任教师",
                      prov=Provenance(page=1, start=s2, end=s2 + 3))]
    flags = mark_metrics(doc, metrics, low=0.85)
    assert [m.prov.origin for m in metrics] == ["ocr", "ocr"]
    assert metrics[0].prov.confidence == pytest.approx(0.40)
    assert metrics[1].prov.confidence == pytest.approx(0.99)
    assert [(f.kind, f.metric) for f in flags] == [("ocr_low_confidence", "students_fulltime")]
    assert flags[0].source_a["origin"] == "ocr" and "0.40" in flags[0].message


def test_text_layer_values_are_not_marked():
    doc = Document(path="x.pdf", format="pdf", parser="test")
    doc.add(Block(kind="paragraph", text="在校生500人", page=1))
    doc.finalize()
    m = Metric("students_fulltime", 500, "persons", 2023, raw="500人", prov=Provenance(page=1, start=3, end=7))
    assert mark_metrics(doc, [m], low=0.85) == []
    assert m.prov.origin == "file" and m.prov.confidence is None


# -- one scanned page, end to end ----------------------------------------------------------------


@pytest.fixture(scope="module")
def one_page(tmp_path_factory):
    """Page 3 of a corpus report (a numbered heading, figures in sentences, a
    ruled table with a caption) as a 150 dpi image-only PDF, ingested."""
    d = tmp_path_factory.mktemp("scan")
    scan = make_scan(REPORT, d / "scan_p3.pdf", pages=[3])
    db = d / "n.db"
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(scan), "--db", str(db), "--workers", "0"])
    assert r.exit_code == 0, r.output
    return scan, db, r.output


def test_scan_has_no_text_layer(one_page):
    scan, _, _ = one_page
    doc = parse(scan, ocr=False)
    assert doc.status == "needs_ocr" and doc.blocks == []


def test_scanned_page_is_read(one_page):
    _, db, output = one_page
    con = sqlite3.connect(db)
    assert con.execute("select status, parser from documents").fetchone() == ("ocr", "pypdfium2+pdfplumber+rapidocr")
    status, note = con.execute("select status, note from pages").fetchone()
    assert status == "ocr" and "confidence" in note and "ruled table" in note
    assert "OCR识别 read by OCR: 1" in output
    titles = [t for (t,) in con.execute("select title from sections where level is not null")]
    assert "教师队伍" in titles and "学生情况" in titles


def test_scanned_table_is_rebuilt(one_page):
    _, db, _ = one_page
    con = sqlite3.connect(db)
    title, cells, origin = con.execute("select title, cells, origin from tables").fetchone()
    grid = json.loads(cells)
    assert title.startswith("表1") and origin == "ocr"
    assert grid[0][:3] == ["类别", "项目", "人数(人)"]
    assert ["双师", "双师型教师", "132", "70.97"] in grid


def test_scanned_values_match_the_text_version(one_page):
    """Every figure of the page as the text layer gives it, from the scan
    too, and each says it came from OCR, with its confidence."""
    _, db, _ = one_page
    con = sqlite3.connect(db)
    rows = con.execute("select metric, value, origin, confidence from metrics where year = 2023").fetchall()
    assert rows and all(o == "ocr" and c is not None and 0 < c <= 1 for _, _, o, c in rows)
    got = {(m, v) for m, v, _, _ in rows}
    text_doc = parse(REPORT)
    text_doc.blocks = [b for b in text_doc.blocks if b.page == 3]
    text_doc.finalize()
    from nianbao.extractors.extract import extract
    want = {(m.metric, m.value) for m in extract(text_doc).metrics if m.year == 2023}
    assert want and want <= got, want - got
    # no value from the scan lacks its origin: metrics, review candidates, awards, tables
    for table in ("metrics", "candidates", "awards", "tables"):
        assert con.execute(f"select count(*) from {table} where origin is not 'ocr'").fetchone() == (0,), table


def test_no_ocr_leaves_scans_needing_ocr(one_page, tmp_path):
    scan, _, _ = one_page
    db = tmp_path / "n.db"
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(scan), "--db", str(db), "--workers", "0", "--no-ocr"])
    assert r.exit_code == 0 and "需OCR needs_ocr: 1" in r.output
    con = sqlite3.connect(db)
    assert con.execute("select status from documents").fetchone() == ("needs_ocr",)
    assert con.execute("select count(*) from metrics").fetchone() == (0,)
    # the next run with OCR reads it, as the guide says (no --force needed); the one after skips it
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(scan), "--db", str(db), "--workers", "0"])
    assert r.exit_code == 0 and "OCR识别 read by OCR: 1" in r.output, r.output
    assert con.execute("select status from documents").fetchone() == ("ocr",)
    assert con.execute("select count(*) from metrics").fetchone()[0] > 0
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(scan), "--db", str(db), "--workers", "0"])
    assert "未变 unchanged: 1" in r.output
    # the same inside a ZIP (an archive as it was is otherwise not opened again)
    import zipfile
    z = tmp_path / "扫描.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(scan, "扫描件.pdf")
    db2 = tmp_path / "z.db"
    CliRunner().invoke(pipeline.cli, ["ingest", str(z), "--db", str(db2), "--workers", "0", "--no-ocr"])
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(z), "--db", str(db2), "--workers", "0"])
    assert "OCR识别 read by OCR: 1" in r.output, r.output


# -- whole scanned reports (slow) -----------------------------------------------------------------


def _measure(pdf, tmp_path, **kw):
    from nianbao.evaluate.ocr_scans import measure
    return measure(pdf, tmp_path, **kw)


@pytest.mark.slow
def test_scanned_corpus_report(tmp_path):
    """A corpus report as a scan: ≥ 90% of its expected metrics, right, all
    of them from OCR."""
    r = _measure(REPORT, tmp_path)
    assert r["status"] == "ocr" and r["ocr_pages"] == 15
    assert r["right"] >= 0.9 * r["expected"], r
    assert r["values_without_ocr_origin"] == 0


@pytest.mark.slow
def test_scanned_seed(tmp_path):
    """The real seed report (../shared, read at run time) as a scan: at least
    17 of its 21 expected metrics with the right values."""
    if not SEED.exists():
        pytest.skip("../shared/seed not present")
    r = _measure(SEED / "seed.pdf", tmp_path)
    assert r["right"] >= 17, r
    assert r["values_without_ocr_origin"] == 0


@pytest.mark.slow
def test_rotated_and_skewed_pages(tmp_path):
    """Pages fed upside down, sideways and at a slant are turned and
    straightened; their figures come out as from the straight scan."""
    from nianbao.extractors.extract import extract
    figures, notes = [], []
    for name, kw in (("upside_down", {"rotate": {1: 180}}), ("sideways", {"rotate": {1: 90}}),
                     ("slanted", {"skew": {1: 2.5}})):
        doc = parse(make_scan(REPORT, tmp_path / f"{name}.pdf", pages=[3], **kw))
        assert doc.status == "ocr", name
        notes.append(doc.pages[0].note)
        figures.append({(m.metric, m.value) for m in extract(doc).metrics})
    assert "turned 180°" in notes[0] and "turned 270°" in notes[1] and "straightened" in notes[2], notes
    per_page = dict(enumerate(figures, 1))
    assert per_page[1] and per_page[1] == per_page[2] == per_page[3], per_page


@pytest.mark.slow
def test_picture_only_word_file(tmp_path):
    """A report pasted into Word as page pictures: each picture is read as a
    page, its figures stored from OCR."""
    import docx
    from docx.shared import Cm

    from nianbao.evaluate.scans import render_pages
    img = tmp_path / "page3.png"
    render_pages(REPORT, 150, [3])[0].save(img)
    d = docx.Document()
    d.add_picture(str(img), width=Cm(16))
    path = tmp_path / "pasted.docx"
    d.save(path)
    assert parse(path, ocr=False).status == "needs_ocr"
    doc = parse(path)
    assert doc.status == "ocr" and [p.status for p in doc.pages] == ["ocr"]
    from nianbao.extractors.extract import extract
    got = {(m.metric, m.value, m.prov.origin) for m in extract(doc).metrics}
    assert ("teachers_fulltime", 186, "ocr") in got and ("student_teacher_ratio", 17.6, "ocr") in got


@pytest.mark.slow
def test_garbage_text_layer_is_read_by_ocr():
    """A PDF whose fonts have no Unicode map (its text layer is symbol soup)
    is read from its rendered pages instead."""
    doc = parse(CORPUS.parent / "tests" / "fixtures" / "bad" / "garbage_text.pdf")
    assert doc.status == "ocr" and {p.status for p in doc.pages} == {"ocr"}
    assert any(b.kind == "heading" and b.title == "基本情况" for b in doc.blocks)
    from nianbao.extractors.extract import extract
    got = {(m.metric, m.value) for m in extract(doc).metrics if m.prov.origin == "ocr"}
    assert ("students_fulltime", 1845) in got and ("teachers_fulltime", 104) in got


@pytest.mark.slow
def test_two_column_page_is_read_column_by_column(tmp_path):
    """Two report pages set side by side as the columns of one scanned sheet:
    each column's paragraphs come out whole, the left column first."""
    from PIL import Image

    from nianbao.evaluate.scans import render_pages
    left, right = (im.crop((150, 150, 1100, 1600)) for im in render_pages(REPORT, 150, [3, 4]))
    sheet = Image.new("L", (left.width * 2 + 60, left.height), 255)
    sheet.paste(left, (0, 0))
    sheet.paste(right, (left.width + 60, 0))
    scan = tmp_path / "columns.pdf"
    sheet.save(scan, "PDF", resolution=150)
    doc = parse(scan)
    one_col = parse(REPORT)
    want = {p: [b.text for b in one_col.blocks if b.page == p and b.kind == "paragraph" and len(b.text) > 40]
            for p in (3, 4)}
    got = [b.text for b in doc.blocks if b.kind == "paragraph"]
    # every long paragraph of either page is one paragraph of the sheet, in order
    order = [got.index(t) for t in want[3] + want[4] if t in got]
    assert len(order) >= 0.8 * len(want[3] + want[4]), (want, got)
    assert order == sorted(order)


@pytest.mark.slow
def test_scanned_page_among_text_pages(tmp_path):
    """A report whose page 3 was scanned and put back among its text pages:
    pages 1–2 keep their text layer (origin 'file'), page 3 is read by OCR
    (origin 'ocr') and its blocks stand between page 2's and page 4's."""
    import pypdfium2 as pdfium
    scan = make_scan(REPORT, tmp_path / "p3.pdf", pages=[3])
    mixed = pdfium.PdfDocument.new()
    text, scanned = pdfium.PdfDocument(str(REPORT)), pdfium.PdfDocument(str(scan))
    mixed.import_pages(text, [0, 1])
    mixed.import_pages(scanned, [0])
    mixed.import_pages(text, [3])
    mixed.save(str(tmp_path / "mixed.pdf"))
    for d in (mixed, text, scanned):
        d.close()
    doc = parse(tmp_path / "mixed.pdf")
    assert doc.status == "ocr" and [p.status for p in doc.pages] == ["ok", "ok", "ocr", "ok"]
    pages = [b.page for b in doc.blocks]
    assert pages == sorted(pages) and 3 in pages
    assert all((b.meta.get("source") == "ocr") == (b.page == 3) for b in doc.blocks)
    from nianbao.extractors.extract import extract
    origins = {(m.prov.page, m.prov.origin) for m in extract(doc).metrics}
    assert (3, "ocr") in origins and (2, "file") in origins
    assert not {(p, o) for p, o in origins if (p == 3) != (o == "ocr")}


@pytest.mark.slow
def test_appendix_table_without_rules(tmp_path):
    """An appendix table printed without ruling lines (序号 / 指标 / 单位 /
    2023年 in aligned columns) is rebuilt from the text boxes, a label
    wrapped in its cell kept in its row, and its figures read as table values."""
    doc = parse(make_scan(REPORT, tmp_path / "no_rules.pdf", pages=[14], no_rules={1}))
    table = next(t for t in doc.tables() if (t.title or "").startswith("附表6"))
    grid = table.grid()
    assert grid[0] == ["序号", "指标", "单位", "2023年"] and table.meta["source"] == "ocr"
    assert ["1", "全日制在校生人数*", "人", "3,276"] in grid
    assert any(r[1] == "职业技能等级证书（含职业资格证书）获取人数" and r[3] == "903" for r in grid)
    from nianbao.extractors.extract import extract
    got = {(m.metric, m.value) for m in extract(doc).metrics if m.prov.source == "table" and m.prov.origin == "ocr"}
    assert {("students_fulltime", 3276), ("teachers_fulltime", 186), ("certificate_holders", 903)} <= got


@pytest.mark.slow
def test_scan_with_a_stamped_page_number(tmp_path):
    """A scanned page with a page number written over it as text: the text
    layer is a number, the page is read by OCR."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from nianbao.evaluate.scans import render_pages
    img = tmp_path / "p3.png"
    render_pages(REPORT, 150, [3])[0].save(img)
    path = tmp_path / "stamped.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(str(img), 0, 0, *A4)
    c.setFont("Helvetica", 10)
    c.drawString(A4[0] / 2, 20, "- 3 -")
    c.showPage()
    c.save()
    assert parse(path, ocr=False).pages[0].status == "ok"
    doc = parse(path)
    assert doc.status == "ocr" and doc.pages[0].status == "ocr"
    assert any(b.kind == "heading" and b.title == "教师队伍" for b in doc.blocks)


def test_a_page_pdfium_cannot_load_is_not_sent_to_ocr():
    """A damaged page that cannot even be loaded has no picture to read:
    OCR leaves it (its note says why) instead of failing the whole file."""
    from nianbao.ingest.model import Document, PageInfo
    from nianbao.ingest.ocr import pages_needing_ocr
    doc = Document(path="x.pdf", format="pdf", parser="test")
    doc.pages = [PageInfo(number=1, status="garbage", note="page cannot be loaded"),
                 PageInfo(number=2, status="garbage", note="page cannot be read (PdfiumError)"),
                 PageInfo(number=3, status="garbage", note="text layer is garbage (unmapped characters)"),
                 PageInfo(number=4, status="empty", note="no text: scanned page")]
    assert pages_needing_ocr(doc) == [3, 4]
