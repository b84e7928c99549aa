"""The PDF parser: text, outline, tables, running heads, broken and scanned files.

Seed tests read ../shared/seed/seed.pdf (skipped when absent); the others
build small PDFs with reportlab in tmp_path.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from nianbao.ingest import parse
from nianbao.ingest.errors import IngestError
from nianbao.ingest.headings import match_heading
from nianbao.ingest.model import PAGE_EMPTY, PAGE_GARBAGE, PAGE_OK
from nianbao.ingest.pdf_parser import join_lines, normalize_text, parse_pdf

from cjk_font import register as register_cjk_font

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
SEED_PDF = SEED / "seed.pdf"
SEED_TXT = SEED / "000_4256106acabc83b5.txt"
needs_seed = pytest.mark.skipif(not SEED_PDF.exists(), reason="../shared/seed is not available")


# -- text normalisation -------------------------------------------------------------

@pytest.mark.parametrize("raw, want", [
    ("在校生 3,276 人", "在校生3,276人"),
    ("2023 年", "2023年"),
    ("生师比 20.23:1，", "生师比20.23:1，"),
    ("就业率达 100 %。", "就业率达100%。"),
    ("开设 WPS Office 课程", "开设WPS Office课程"),
    ("前 言", "前言"),
    ("CA6140 车床 20 台", "CA6140车床20台"),
    ("a\u3000 b  c", "a b c"),
])
def test_normalize_text(raw, want):
    assert normalize_text(raw) == want


def test_join_lines():
    assert join_lines("学校对2023", "学年度各项") == "学校对2023学年度各项"
    assert join_lines("Microsoft", "Office") == "Microsoft Office"
    assert join_lines("共有", "120名") == "共有120名"
    assert join_lines("占比62.", "3%") == "占比62.3%"
    assert join_lines("共3,", "276人") == "共3,276人"
    assert join_lines("in 2023,", "the school") == "in 2023, the school"


# -- the seed report ----------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_doc():
    return parse(SEED_PDF)


def _expected_numbered_headings() -> list[tuple[str, str]]:
    out = []
    for line in SEED_TXT.read_text(encoding="utf-8").splitlines():
        if line.startswith("\t"):
            continue                      # flattened table cells
        s = line.strip()
        if re.match(r"^\d+(\.\d+)*\S", s):
            m = match_heading(s)
            if m and m.style in ("arabic", "dotted"):
                out.append((m.number.rstrip(".．"), m.title))
    return out


@needs_seed
def test_seed_outline(seed_doc):
    doc = seed_doc
    assert doc.format == "pdf" and doc.status == "ok"
    heads = doc.headings()
    top = [(h.number, h.title) for h in heads if h.level == 1]
    assert top == [(None, "前言"), ("1.", "基本情况"), ("2.", "人才培养质量"), ("3.", "服务贡献质量"),
                   ("4.", "文化传承质量"), ("5.", "国际合作质量"), ("6.", "产教融合质量"),
                   ("7.", "发展保障"), ("8.", "特色发展质量"), ("9.", "挑战与展望"), ("10.", "附表")]
    got = [(h.number.rstrip("."), h.title) for h in heads if h.number]
    assert got == _expected_numbered_headings()
    for h in heads:
        if h.number and h.number[0].isdigit():
            assert h.level == h.number.rstrip(".").count(".") + 1, h
    levels = [h.level for h in heads]
    assert levels.count(2) == 30 and levels.count(3) == 12
    # sections nest: 2.1.1 党建引领 sits under 2.人才培养质量 / 2.1学生发展
    sec = next(s for s in doc.sections() if s.title == "党建引领")
    assert sec.path == ("人才培养质量", "学生发展", "党建引领")


@needs_seed
def test_seed_text(seed_doc):
    doc = seed_doc
    assert "在校生1359人" in doc.text
    assert "生师比20.23:1" in doc.text
    assert "2023 年" not in doc.text and "\r" not in doc.text
    assert "共招生773人" in doc.text
    # a sentence wrapped over a page break is one paragraph (p1 → p2)
    assert any("以“礼健智诚德技并修”为学风。" in b.text for b in doc.blocks)
    # no heading glued to its paragraph, no bare page numbers left
    for b in doc.blocks:
        assert b.page and b.ref == f"p{b.page}"
        if b.kind == "paragraph":
            assert not re.fullmatch(r"[\d\s\-–—]+", b.text), b.text
            assert not b.text.startswith(("1.1学校概况", "2.1学生发展")), b.text
    title = [b for b in doc.blocks if b.meta.get("role") == "title"]
    assert title and title[0].text == "中等职业教育质量年度报告（2023年）"
    assert [p.status for p in doc.pages] == [PAGE_OK] * 41


@needs_seed
def test_seed_appendix_tables(seed_doc):
    doc = seed_doc
    by_title = {t.title: t for t in doc.tables()}
    for title in ("附表1人才培养质量计分卡", "附表3教学资源表", "附表4服务贡献表", "附表5国际影响表",
                  "附表6落实政策表"):
        assert title in by_title, sorted(by_title)
    t1 = by_title["附表1人才培养质量计分卡"]
    g = t1.grid()
    assert g[0] == ["序号", "指标", "单位", "2023年", "2022年"]
    assert ["1", "毕业生人数", "人", "252", "130"] in g
    assert t1.header_rows == 1
    # continued over p36 → p37, the row cut by the page break rejoined
    assert t1.meta["pages"] == [36, 37]
    assert ["", "其中：面向第一产业", "人", "0", "0"] in g
    assert g[-1] == ["7", "毕业三年晋升比例", "%", "15", "11"]
    t3 = by_title["附表3教学资源表"]
    assert ["1", "生师比*", ":", "20.23"] in t3.grid()
    # a merged cell spanning the whole row: text once, covered cells marked
    row = next(r for r in t3.rows if r[0].text.startswith("说明："))
    assert row[0].colspan == 4 and all(c.merged_from == (row[0].row, 0) for c in row[1:])
    assert doc.text.count("说明：请逐一列出学校专业群") == 1
    t6 = by_title["附表6落实政策表"]
    assert ["1", "全日制在校生人数*", "人", "1359"] in t6.grid()
    # table text is not repeated as paragraphs
    paras = " ".join(b.text for b in doc.blocks if b.kind != "table")
    for cell in ("毕业去向落实人数", "全日制在校生人数*", "年生均财政拨款水平"):
        assert cell not in paras
    # the body tables get their 表N titles from captions after them
    assert any(t.title and t.title.startswith("表三") for t in doc.tables())


@needs_seed
def test_seed_table_engines_agree():
    fast = parse_pdf(SEED_PDF)
    slow = parse_pdf(SEED_PDF, table_engine="pdfplumber")
    assert [t.grid() for t in fast.tables()] == [t.grid() for t in slow.tables()]
    assert len(fast.tables()) == 9


# -- generated PDFs -------------------------------------------------------------------

def _canvas_kit():
    """reportlab's canvas with a CJK TrueType font registered as "WQY": the
    font the tests build themselves (tests/cjk_font.py), so no PDF test
    depends on a font installed on the machine."""
    register_cjk_font("WQY")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    return canvas, A4


LEFT, RIGHT = 72.0, 523.0          # text block of an A4 page


def _wrap(text: str, width: float, size: float, first_indent: float) -> list[tuple[float, str]]:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    lines, cur, indent = [], "", first_indent
    for ch in text:
        if stringWidth(cur + ch, "WQY", size) > width - indent:
            lines.append((indent, cur))
            cur, indent = ch, 0.0
        else:
            cur += ch
    if cur:
        lines.append((indent, cur))
    return lines


def _write_page(c, items, y: float, size: float = 12.0) -> float:
    """items: ("h", text, font size) headings or ("p", text) body paragraphs."""
    for kind, text, *rest in items:
        if kind == "h":
            hs = rest[0] if rest else 14
            y -= hs * 1.8
            c.setFont("WQY", hs)
            c.drawString(LEFT, y, text)
            y -= 4
        else:
            c.setFont("WQY", size)
            for indent, line in _wrap(text, RIGHT - LEFT, size, 2 * size):
                y -= size * 1.6
                c.drawString(LEFT + indent, y, line)
    return y


BODY = ("学校现有在校生 3,276 人，其中全日制在校生 2,980 人，2023 年招生 1,024 人，毕业生 812 人，"
        "就业率达 98.5%。学校积极开展校企合作，与 56 家企业建立了合作关系，共建实训基地 12 个，"
        "开设 WPS Office 应用等课程，")
BODY2 = "教师队伍结构不断优化，专任教师 186 人，生师比 17.6:1，双师型教师占比 62.3%，全年培训教师 420 人次。"


@pytest.mark.parametrize("footer", ["- {n} -", "第 {n} 页 共 3 页", "{n}/3", "{n}"])
def test_running_heads_and_page_numbers_dropped(tmp_path, footer):
    canvas, A4 = _canvas_kit()
    w, h = A4
    path = tmp_path / "heads.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, 4):
        c.setFont("WQY", 9)
        c.drawCentredString(w / 2, h - 40, "乌苏职业技术学校 2023 年质量年度报告")
        c.drawCentredString(w / 2, 30, footer.format(n=n))
        _write_page(c, [("h", f"{n}.第{n}部分概况", 16), ("h", f"{n}.1 学生情况"), ("p", BODY + BODY2),
                        ("h", f"{n}.2 教师情况"), ("p", BODY2), ("p", BODY)], h - 72)
        c.showPage()
    c.save()

    doc = parse(path)
    assert doc.status == "ok" and [p.status for p in doc.pages] == [PAGE_OK] * 3
    assert "质量年度报告" not in doc.text
    assert not any(re.fullmatch(r"[\d\s/\-第页共]+", b.text) for b in doc.blocks)
    heads = [(h.level, h.number, h.title) for h in doc.headings()]
    assert heads[:3] == [(1, "1.", "第1部分概况"), (2, "1.1", "学生情况"), (2, "1.2", "教师情况")]
    assert len(heads) == 9
    paras = [b for b in doc.blocks if b.kind == "paragraph"]
    # wrapped lines joined, spaces around numbers removed, Latin words kept apart
    assert paras[0].text == normalize_text(BODY + BODY2)
    assert "在校生3,276人" in doc.text and "2023年招生1,024人" in doc.text
    assert "WPS Office应用" in doc.text
    assert "生师比17.6:1" in doc.text and "占比62.3%" in doc.text
    # the heading is never glued to the paragraph under it
    assert all(not p.text.startswith(("1.", "2.", "3.")) for p in paras)
    assert all(b.page and b.ref == f"p{b.page}" for b in doc.blocks)


def _tiny_image(tmp_path) -> str:
    Image = pytest.importorskip("PIL.Image")
    img = Image.new("RGB", (400, 560), "white")
    for x in range(40, 360):
        for y in (100, 101, 200, 201, 300, 301):
            img.putpixel((x, y), (0, 0, 0))
    p = tmp_path / "scan.png"
    img.save(p)
    return str(p)


def test_scanned_pdf_needs_ocr(tmp_path):
    canvas, A4 = _canvas_kit()
    w, h = A4
    img = _tiny_image(tmp_path)
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        c.drawImage(img, 0, 0, w, h)
        c.showPage()
    c.save()
    doc = parse(path)
    assert doc.status == "needs_ocr"
    assert [p.status for p in doc.pages] == [PAGE_EMPTY, PAGE_EMPTY]
    assert "scanned" in doc.pages[0].note
    assert doc.blocks == []
    assert any("OCR" in w for w in doc.warnings)


def test_scanned_page_among_text_pages(tmp_path):
    canvas, A4 = _canvas_kit()
    w, h = A4
    img = _tiny_image(tmp_path)
    path = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    _write_page(c, [("h", "1.基本情况", 16), ("p", BODY + BODY2)], h - 72)
    c.showPage()
    c.drawImage(img, 0, 0, w, h)
    c.showPage()
    c.save()
    doc = parse(path)
    assert doc.status == "ok"
    assert [p.status for p in doc.pages] == [PAGE_OK, PAGE_EMPTY]
    assert any("page 2" in w for w in doc.warnings)
    assert all(b.page == 1 for b in doc.blocks)


def test_garbage_text_layer(tmp_path):
    """A page whose font maps its glyphs to private-use code points (what a
    font without a usable ToUnicode map gives) is flagged, not stored."""
    canvas, A4 = _canvas_kit()
    w, h = A4
    path = tmp_path / "garbage.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, pageCompression=0)
    _write_page(c, [("h", "1.基本情况", 16), ("p", BODY + BODY2)], h - 72)
    c.showPage()
    odd = "甲乙丙丁戊己庚辛壬癸寅卯辰巳午未酉戌亥"
    assert not set(odd) & set(BODY + BODY2 + "1.基本情况")
    c.setFont("WQY", 12)
    for k in range(12):
        c.drawString(LEFT, h - 100 - 20 * k, odd)
    c.showPage()
    # one unreadable character among good text: kept visible as U+FFFD
    _write_page(c, [("h", "2.发展保障", 16), ("p", BODY2 + "经费12亥5万元。")], h - 72)
    c.showPage()
    c.save()
    # rewrite the ToUnicode entries of those glyphs to private-use code points
    data = path.read_bytes()
    for i, ch in enumerate(odd):
        old = f"> <{ord(ch):04X}>".encode()
        assert old in data
        data = data.replace(old, f"> <E0{i:02X}>".encode())
    path.write_bytes(data)

    doc = parse(path)
    assert doc.status == "ok"
    assert doc.pages[0].status == PAGE_OK
    assert doc.pages[1].status == PAGE_GARBAGE
    assert any("page 2" in w and "garbage" in w for w in doc.warnings)
    assert doc.blocks and not any(b.page == 2 for b in doc.blocks)
    assert "\ue000" not in doc.text
    assert doc.pages[2].status == PAGE_OK and "U+FFFD" in doc.pages[2].note
    assert "经费12\ufffd5万元" in doc.text


def test_encrypted_pdf(tmp_path):
    canvas, A4 = _canvas_kit()
    path = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, encrypt="secret")
    c.setFont("WQY", 12)
    c.drawString(72, 700, "加密的报告")
    c.save()
    with pytest.raises(IngestError) as e:
        parse_pdf(path)
    assert e.value.code == "encrypted"
    with pytest.raises(IngestError) as e:
        parse(path)
    assert e.value.code == "encrypted"


def test_owner_password_only_is_readable(tmp_path):
    canvas, A4 = _canvas_kit()
    from reportlab.lib.pdfencrypt import StandardEncryption
    path = tmp_path / "protected.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=StandardEncryption("", ownerPassword="owner"))
    _write_page(c, [("h", "1.基本情况", 16), ("p", BODY2)], A4[1] - 72)
    c.save()
    doc = parse(path)
    assert "生师比17.6:1" in doc.text


def _text_pdf(tmp_path, name="report.pdf") -> Path:
    canvas, A4 = _canvas_kit()
    path = tmp_path / name
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(3):
        _write_page(c, [("h", "1.基本情况", 16), ("p", BODY + BODY2), ("p", BODY2)], A4[1] - 72)
        c.showPage()
    c.save()
    return path


def test_truncated_pdf(tmp_path):
    path = _text_pdf(tmp_path)
    data = path.read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as e:
        parse_pdf(half)
    assert e.value.code == "truncated"
    with pytest.raises(IngestError) as e:
        parse(half)
    assert e.value.code == "truncated"
    # cut before its cross-reference table (objects may be lost): still cut
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: data.rfind(b"\nxref") + 1])
    with pytest.raises(IngestError) as e:
        parse_pdf(cut)
    assert e.value.code == "truncated"
    # only startxref and %%EOF lost: every object is there, read with the damage warning
    end = tmp_path / "end.pdf"
    end.write_bytes(data[: data.rfind(b"startxref")])
    doc = parse_pdf(end)
    assert doc.metadata["damaged"]["xref_rebuilt"] and len(doc.pages) == len(parse_pdf(path).pages)


def test_garbage_bytes_with_pdf_header(tmp_path):
    p = tmp_path / "junk.pdf"
    p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(IngestError) as e:
        parse(p)
    assert e.value.code == "truncated"


def _draw_table(c, data, x, y_top, spans=(), col_widths=None):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle
    style = [("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("FONT", (0, 0), (-1, -1), "WQY", 10.5)]
    style += [("SPAN", a, b) for a, b in spans]
    t = Table(data, colWidths=col_widths, style=TableStyle(style))
    _w, th = t.wrapOn(c, 450, 700)
    t.drawOn(c, x, y_top - th)
    return y_top - th


def test_table_with_merged_cell(tmp_path):
    canvas, A4 = _canvas_kit()
    w, h = A4
    path = tmp_path / "table.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _write_page(c, [("h", "10.附表", 16), ("p", BODY2)], h - 72)
    c.setFont("WQY", 12)
    c.drawString(LEFT + 24, y - 30, "附表1 人才培养质量计分卡")
    data = [["序号", "指标", "单位", "2023 年", "2022 年"],
            ["1", "毕业生人数", "人", "252", "130"],
            ["2", "毕业去向落实人数", "人", "252", "130"],
            ["说明：合并的单元格", "", "", "", ""],
            ["3", "月收入", "元", "3769", "3321"]]
    y = _draw_table(c, data, LEFT, y - 45, spans=[((0, 3), (4, 3))], col_widths=[50, 140, 60, 80, 80])
    c.setFont("WQY", 12)
    for k, line in enumerate(_wrap(BODY2, RIGHT - LEFT, 12, 24)):
        c.drawString(LEFT + line[0], y - 30 - 19 * k, line[1])
    c.showPage()
    c.save()

    for engine in ("fast", "pdfplumber"):
        doc = parse_pdf(path, table_engine=engine)
        from nianbao.ingest.structure import attach_captions
        attach_captions(doc)
        doc.finalize()
        tables = doc.tables()
        assert len(tables) == 1, engine
        t = tables[0]
        assert t.title == "附表1人才培养质量计分卡"
        assert t.header_rows == 1
        g = t.grid()
        assert g[0] == ["序号", "指标", "单位", "2023年", "2022年"]
        assert g[1] == ["1", "毕业生人数", "人", "252", "130"]
        assert g[3] == ["说明：合并的单元格", "", "", "", ""]
        assert t.rows[3][0].colspan == 5 and t.rows[3][4].merged_from == (3, 0)
        kinds = [b.kind for b in doc.blocks]
        assert kinds == ["heading", "paragraph", "caption", "table", "paragraph"], kinds
        paras = " ".join(b.text for b in doc.blocks if b.kind == "paragraph")
        assert "毕业生人数" not in paras and "3769" not in paras
        assert doc.text.count("毕业去向落实人数") == 1


def test_table_continued_over_page_break(tmp_path):
    canvas, A4 = _canvas_kit()
    w, h = A4
    path = tmp_path / "cont.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _write_page(c, [("h", "1.基本情况", 16), ("p", BODY + BODY2), ("p", BODY2)], h - 72)
    c.setFont("WQY", 12)
    c.drawString(LEFT + 24, y - 30, "表1 教职工情况")
    header = ["序号", "指标", "单位", "数值"]
    rows = [[str(i), f"指标{i}", "人", str(100 + i)] for i in range(1, 40)]
    # fill page 1 down to the bottom margin, the rest on page 2 under a repeated header
    first = [header] + rows[:22]
    _draw_table(c, first, LEFT, y - 40, col_widths=[50, 200, 60, 100])
    c.showPage()
    y2 = _draw_table(c, [header] + rows[22:], LEFT, h - 72, col_widths=[50, 200, 60, 100])
    c.setFont("WQY", 12)
    c.drawString(LEFT + 24, y2 - 30, "表后的正文段落。")
    c.showPage()
    c.save()
    doc = parse(path)
    tables = doc.tables()
    assert len(tables) == 1
    t = tables[0]
    assert t.meta["pages"] == [1, 2]
    g = t.grid()
    assert g[0] == header and g.count(header) == 1
    assert len(g) == 1 + 39 and g[-1] == ["39", "指标39", "人", "139"]
    assert t.title == "表1教职工情况"
    assert doc.blocks[-1].text == "表后的正文段落。" and doc.blocks[-1].page == 2


def test_pdfminer_warnings_stay_off_stderr():
    """A damaged stream makes pdfminer log "Data-loss while decompressing";
    nianbao records damage itself, so a script or the command's stderr does
    not get a line per stream (an application's own logging still sees them)."""
    import subprocess
    import sys
    warn = "logging.getLogger('pdfminer.pdftypes').warning('Data-loss while decompressing corrupted data')"
    quiet = f"import logging, nianbao.ingest.pdf_parser; {warn}"
    r = subprocess.run([sys.executable, "-c", quiet], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Data-loss" not in r.stderr
    configured = f"import logging, nianbao.ingest.pdf_parser; logging.basicConfig(); {warn}"
    shown = subprocess.run([sys.executable, "-c", configured], capture_output=True, text=True, timeout=120)
    assert "Data-loss" in shown.stderr          # configured by the application: delivered
