"""Word content that is not ordinary paragraphs: ``w:altChunk`` parts (HTML,
MHT, plain text, a whole .docx; RTF reported), and documents made only of
pictures.  Files built here with python-docx; the altChunk parts and their
relationships are added through python-docx's package API."""
from __future__ import annotations

import io
import struct
import zlib

import docx
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm

from nianbao.extractors.extract import extract
from nianbao.ingest import parse

AFCHUNK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk"

HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<style>p {margin:0}</style></head><body>
<h2>（一）在校生规模</h2>
<p>学校现有全日制
在校生2360人，专任教师<b>142</b>人。</p>
<ol><li>开设专业15个。</li><li>合作企业48家。</li></ol>
<p>附表1 人才培养质量计分卡</p>
<table border="1">
<tr><th rowspan="2">类别</th><th rowspan="2">指标</th><th rowspan="2">单位</th><th colspan="2">年度</th></tr>
<tr><th>2022年</th><th>2023年</th></tr>
<tr><td rowspan="2">学生规模</td><td>全日制在校生</td><td>人</td><td>2290</td><td>2360</td></tr>
<tr><td>招生人数</td><td>人</td><td>801</td><td>826</td></tr>
</table></body></html>"""


def _alt_chunk(d, name: str, content_type: str, blob: bytes) -> None:
    """Add ``blob`` as an altChunk part and a w:altChunk where the body ends."""
    part = Part(PackURI(f"/word/{name}"), content_type, blob, d.part.package)
    rid = d.part.relate_to(part, AFCHUNK)
    d.element.body.sectPr.addprevious(parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{rid}"/>'))


def _report(*paras):
    d = docx.Document()
    d.add_paragraph("云岭县职业技术学校2023年质量年度报告", style="Title")
    d.add_paragraph("一、学校概况", style="Heading 1")
    for p in paras:
        d.add_paragraph(p)
    return d


def test_html_altchunk_is_read_in_place(tmp_path):
    d = _report()
    _alt_chunk(d, "afchunk1.htm", "text/html", HTML.encode("gb2312"))
    d.add_paragraph("二、人才培养", style="Heading 1")
    d.add_paragraph("毕业生就业率97.2%。")
    path = tmp_path / "html_chunk.docx"
    d.save(path)

    doc = parse(path)
    assert not [w for w in doc.warnings if "altChunk" in w]
    kinds = [(b.kind, b.level, b.number, b.text[:12]) for b in doc.blocks if b.kind != "table"]
    assert kinds == [
        ("paragraph", None, None, "云岭县职业技术学校202"), ("heading", 1, "一、", "一、学校概况"),
        ("heading", 2, "（一）", "（一）在校生规模"), ("paragraph", None, None, "学校现有全日制在校生23"),
        ("paragraph", 1, "1.", "开设专业15个。"), ("paragraph", 1, "2.", "合作企业48家。"),
        ("caption", None, "附表1", "附表1 人才培养质量计分"),
        ("heading", 1, "二、", "二、人才培养"), ("paragraph", None, None, "毕业生就业率97.2%。")]
    (t,) = doc.tables()
    assert t.title == "附表1人才培养质量计分卡"
    assert t.filled_grid()[1] == ["类别", "指标", "单位", "2022年", "2023年"]
    assert t.rows[3][0].merged_from == (2, 0)
    assert all(b.ref == "body/2" for b in doc.blocks if b.meta.get("alt_chunk"))
    facts = extract(doc)
    got = {(m.metric, m.value, m.year) for m in facts.metrics}
    assert {("students_fulltime", 2360, 2023), ("students_fulltime", 2290, 2022), ("enrolment_new", 826, 2023),
            ("teachers_fulltime", 142, 2023), ("majors_count", 15, 2023)} <= got


def test_mht_text_and_docx_altchunks(tmp_path):
    inner = docx.Document()
    inner.add_paragraph("三、师资队伍", style="Heading 1")
    inner.add_paragraph("专任教师142人，其中双师型教师98人。")
    buf = io.BytesIO()
    inner.save(buf)
    mht = ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b1\"\r\n\r\n--b1\r\n"
           "Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + __import__("base64").encodebytes("<p>学校占地面积12.5万平方米。</p>".encode("utf-8")).decode("ascii")
           + "\r\n--b1--\r\n").encode("ascii")
    d = _report()
    _alt_chunk(d, "afchunk1.mht", "message/rfc822", mht)
    _alt_chunk(d, "afchunk2.txt", "text/plain", "二、办学条件\r\n教学仪器设备总值1860万元。\r\n".encode("gb18030"))
    _alt_chunk(d, "afchunk3.docx",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document", buf.getvalue())
    _alt_chunk(d, "afchunk4.rtf", "application/rtf", b"{\\rtf1\\ansi hidden}")
    path = tmp_path / "chunks.docx"
    d.save(path)

    doc = parse(path)
    texts = [b.text for b in doc.blocks]
    assert texts[2:] == ["学校占地面积12.5万平方米。", "二、办学条件", "教学仪器设备总值1860万元。",
                         "三、师资队伍", "专任教师142人，其中双师型教师98人。"]
    assert [(h.level, h.title) for h in doc.headings()] == [(1, "学校概况"), (1, "办学条件"), (1, "师资队伍")]
    assert doc.blocks[-1].ref.startswith("body/4/altChunk/")
    assert len([w for w in doc.warnings if "rtf" in w.lower()]) == 1


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small grey PNG written by hand (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_pictures_only_needs_ocr(tmp_path):
    img = tmp_path / "page.png"
    img.write_bytes(_png())
    d = docx.Document()
    for _ in range(3):
        d.add_picture(str(img), width=Cm(15))
    path = tmp_path / "scanned.docx"
    d.save(path)
    doc = parse(path)
    assert doc.status == "needs_ocr"
    assert any("OCR" in w for w in doc.warnings)

    # pictures in a report with text: an ordinary document
    d = _report("学校现有全日制在校生2360人，专任教师142人，开设专业15个。" * 3)
    d.add_picture(str(img), width=Cm(15))
    path = tmp_path / "with_text.docx"
    d.save(path)
    assert parse(path).status == "ok"


def test_picture_only_docx_is_stored_as_needs_ocr(tmp_path):
    from nianbao.pipeline import ingest_paths
    img = tmp_path / "page.png"
    img.write_bytes(_png())
    d = docx.Document()
    d.add_picture(str(img), width=Cm(15))
    path = tmp_path / "scan.docx"
    d.save(path)
    summary = ingest_paths([str(path)], tmp_path / "n.db", workers=0)
    assert summary.needs_ocr == [str(path)] and not summary.ingested


def test_an_unreadable_altchunk_is_a_warning_not_a_failure(tmp_path):
    d = _report("学校现有全日制在校生2360人。")
    _alt_chunk(d, "afchunk1.htm", "text/html", b"\x00\x01\xfe\xff" * 64)     # binary, not text
    _alt_chunk(d, "afchunk2.mht", "message/rfc822", b"MIME-Version: 1.0\r\n\r\nno html here")
    d.add_paragraph("专任教师142人。")
    path = tmp_path / "bad_chunk.docx"
    d.save(path)
    doc = parse(path)
    assert [b.text for b in doc.blocks][-2:] == ["学校现有全日制在校生2360人。", "专任教师142人。"]
    assert len([w for w in doc.warnings if "altChunk" in w or "ALTCHUNK" in w.upper()]) == 2, doc.warnings


def test_word_html_list_labels_and_hidden_text(tmp_path):
    # HTML as Word writes it: list labels typed out in mso-list:Ignore spans
    html = ("<html><body><p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>"
            "<span style='mso-list:Ignore'>1.<span>&nbsp;&nbsp;&nbsp;</span></span>16个专业面向县域产业设置。</p>"
            "<p class=MsoNormal style='mso-list:l1 level1 lfo2'><span style='mso-list:Ignore'>（二）</span>实训条件</p>"
            "<p>专任教师<span style='display:none'>999</span>131人。</p></body></html>")
    d = _report()
    _alt_chunk(d, "afchunk1.htm", "text/html; charset=utf-8", html.encode("utf-8"))
    path = tmp_path / "word_html.docx"
    d.save(path)
    doc = parse(path)
    got = [(b.kind, b.number, b.list_item, b.text) for b in doc.blocks[2:]]
    assert got == [("paragraph", "1.", True, "16个专业面向县域产业设置。"),
                   ("heading", "（二）", False, "（二）实训条件"),
                   ("paragraph", None, False, "专任教师131人。")]
    facts = extract(doc)
    assert {m.value for m in facts.metrics if m.metric == "majors_count"} == {16}
    assert {m.value for m in facts.metrics if m.metric == "teachers_fulltime"} == {131}


# -- a Word file saved as a web page, named .doc ------------------------------------------------
_WEB_REPORT = """<html><head><meta charset="gb2312"><title>报告</title><style>p {margin:0}</style></head><body>
<h1>湖心县职业学校2023年质量年度报告</h1>
<h2>一、基本情况</h2>
<p>学校现有全日制在校生2,450人，专任教师138人。</p>
<table border="1"><tr><td>项目</td><td>数值</td></tr><tr><td>就业率</td><td>97.2%</td></tr></table>
</body></html>"""


def _web_mht(html: str) -> bytes:
    """An MHT ("web archive") holding ``html``, as Word saves one."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    msg = MIMEMultipart("related")
    msg.attach(MIMEText(html, "html", "utf-8"))
    return msg.as_bytes()


def test_a_web_page_named_doc_is_read_as_a_web_page(tmp_path):
    """HTML (in GB2312) and MHT saved by Word as .doc: headings, sentences
    and the table are read — no tag in any text, the figures found — with
    a warning that the file is a web page."""
    html_doc = tmp_path / "网页另存.doc"
    html_doc.write_bytes(_WEB_REPORT.encode("gb2312"))
    mht_doc = tmp_path / "单个网页.doc"
    mht_doc.write_bytes(_web_mht(_WEB_REPORT.replace("gb2312", "utf-8")))
    for f in (html_doc, mht_doc):
        doc = parse(f)
        assert doc.format == "doc" and "saved as a web page" in doc.warnings[0]
        assert not any("<" in b.text for b in doc.blocks)
        assert [h.title for h in doc.headings()] == ["湖心县职业学校2023年质量年度报告", "基本情况"]
        facts = extract(doc)
        got = {m.metric: m.value for m in facts.metrics}
        assert got == {"students_fulltime": 2450, "teachers_fulltime": 138, "employment_rate": 97.2}, got
        assert facts.attributes["school"] == "湖心县职业学校"
