"""PDFs read as a person sees them (issue #10, PDF part), on PDFs written
here with reportlab, in our own words:

* rotated pages (/Rotate 90) and tables typeset sideways on a portrait page;
* tables over a page break (no repeated header; a label-only row; a label cut
  by the break);
* tables without ruling lines;
* page flow: a sentence over a page break, two columns, letter-spaced digits,
  a running header that repeats the cover title;
* fake bold / overprint, and a decimal point at a row's edge;
* headings: 第一节, a heading in the body font, a heading over two lines;
* text layers that decode to wrong characters, symbol bullets, dot leaders.

Chinese text is set in reportlab's built-in CID font STSong-Light (not
embedded).  Where this machine has no CJK font, pdfium cannot place some of
its glyphs and those pages are read with pdfplumber (what the parser does for
any such file); the fast pdfium path is exercised with DejaVu, an embedded
TrueType font, where the test needs it (skipped when DejaVu is absent).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.extractors.extract import extract
from nianbao.ingest import parse
from nianbao.ingest.model import PAGE_GARBAGE, PAGE_OK
from nianbao.ingest.pdf_textcheck import implausible_chinese, strip_bullets, text_quality

pytest.importorskip("reportlab")

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
from reportlab.platypus import Table, TableStyle  # noqa: E402

SONG = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(SONG))
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
W, H = A4
LEFT, RIGHT = 72.0, 523.0

SCHOOL = "松岭县职业技术学校"
TITLE = f"{SCHOOL}2023年度质量报告"
FILLER = ("学校坚持立德树人根本任务，推进产教融合与校企合作，持续改善办学条件，"
          "不断完善内部治理体系，教育教学质量稳步提升，社会服务能力明显增强。")
SCORE_ROWS = [["指标", "单位", "2022年", "2023年"],
              ["全日制在校生", "人", "1406", "1532"],
              ["招生人数", "人", "471", "518"],
              ["毕业生人数", "人", "389", "402"],
              ["就业率", "%", "96.2", "97.4"]]


def _dejavu() -> str:
    if not DEJAVU.exists():
        pytest.skip("DejaVu TrueType font not present")
    from reportlab.pdfbase.ttfonts import TTFont
    try:
        pdfmetrics.getFont("DejaVu")
    except KeyError:
        pdfmetrics.registerFont(TTFont("DejaVu", str(DEJAVU)))
    return "DejaVu"


def _wrap(text: str, size: float, width: float = RIGHT - LEFT, font: str = SONG) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if cur and stringWidth(cur + ch, font, size) > width:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    return lines + ([cur] if cur else [])


def _para(c, text: str, y: float, size: float = 12, x: float = LEFT, width: float = RIGHT - LEFT) -> float:
    c.setFont(SONG, size)
    for line in _wrap(text, size, width):
        y -= size * 1.6
        c.drawString(x, y, line)
    return y


def _grid(c, rows, x: float, y_top: float, widths, font: str = SONG, size: float = 10.5) -> float:
    t = Table(rows, colWidths=widths, style=TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("FONT", (0, 0), (-1, -1), font, size)]))
    _w, th = t.wrapOn(c, 500, 800)
    t.drawOn(c, x, y_top - th)
    return y_top - th


def _metrics(path) -> list[tuple[str, float, int | None]]:
    return [(m.metric, m.value, m.year) for m in extract(parse(path)).metrics]


def _has(metrics, metric, value, year) -> bool:
    return any(m == metric and abs(v - value) < 0.01 and y == year for m, v, y in metrics)


def _cover(c) -> None:
    c.setFont(SONG, 18)
    c.drawString(LEFT, H - 100, TITLE)
    y = _para(c, "一、学校基本情况", H - 140, 14)
    _para(c, FILLER + "学校各项指标见附表1。", y)


# -- rotated pages and sideways tables --------------------------------------------------


def _scorecard_page(c, x: float, top: float) -> None:
    """附表1 and its ruled table, drawn in the current frame."""
    c.setFont(SONG, 12)
    c.drawString(x, top, "附表1 人才培养质量计分卡")
    _grid(c, SCORE_ROWS, x, top - 12, [200, 60, 100, 100])


def test_rotated_page_table_reads_as_displayed(tmp_path):
    """A landscape appendix page: portrait media box with /Rotate 90, the
    content drawn turned so that it shows upright."""
    path = tmp_path / "rotated.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    _cover(c)
    c.showPage()
    c.setPageRotation(90)
    c.saveState()
    c.translate(W, 0)
    c.rotate(90)                       # now x runs along the displayed width (842)
    _scorecard_page(c, 80, W - 80)
    c.restoreState()
    c.showPage()
    c.save()

    doc = parse(path)
    assert doc.pages[1].status == PAGE_OK and "page rotated 90" in doc.pages[1].note
    t = doc.tables()[0]
    assert t.grid() == SCORE_ROWS
    assert t.title == "附表1人才培养质量计分卡"
    m = _metrics(path)
    assert _has(m, "students_fulltime", 1532, 2023) and _has(m, "employment_rate", 97.4, 2023)
    assert not _has(m, "students_fulltime", 1406, 2023)


def test_sideways_table_on_portrait_page(tmp_path):
    """The same table typeset sideways (text running upwards) on a portrait
    page with no /Rotate: the page is turned before it is read."""
    path = tmp_path / "sideways.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    _cover(c)
    c.showPage()
    c.saveState()
    c.translate(W, 0)
    c.rotate(90)
    _scorecard_page(c, 80, W - 80)
    c.restoreState()
    c.showPage()
    c.save()

    doc = parse(path)
    assert "read as displayed" in doc.pages[1].note
    assert doc.tables()[0].grid() == SCORE_ROWS
    m = _metrics(path)
    assert _has(m, "enrolment_new", 518, 2023) and _has(m, "graduates_total", 402, 2023)


def test_sideways_table_fast_path(tmp_path):
    """Sideways text in an embedded font (pdfium places every glyph): found
    from the angle of pdfium's characters, then read turned upright."""
    font = _dejavu()
    rows = [["Item", "Unit", "2022", "2023"], ["Students", "p", "1406", "1532"],
            ["Teachers", "p", "97", "103"], ["Rate", "%", "96.2", "97.4"]]
    path = tmp_path / "sideways_latin.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.saveState()
    c.translate(W, 0)
    c.rotate(90)
    c.setFont(font, 12)
    c.drawString(80, W - 80, "Table 1 Scorecard of the school year")
    _grid(c, rows, 80, W - 92, [200, 60, 100, 100], font=font)
    c.restoreState()
    c.showPage()
    c.save()

    doc = parse(path)
    assert "sideways text" in doc.pages[0].note
    assert doc.tables()[0].grid() == rows


# -- tables over page breaks ---------------------------------------------------------------


def _cell_rows(c, rows, x: float, top: float, widths, row_h: float = 20.0, size: float = 10.5) -> float:
    """A ruled table drawn cell by cell: each row a list of cell texts, each
    cell text a list of lines (so a label can be cut where we want)."""
    xs = [x]
    for w in widths:
        xs.append(xs[-1] + w)
    y = top
    c.setLineWidth(0.6)
    for row in rows:
        n = max(len(cell) for cell in row)
        h = row_h + (n - 1) * size * 1.3
        for k, cell in enumerate(row):
            for j, line in enumerate(cell):
                c.setFont(SONG, size)
                c.drawString(xs[k] + 4, y - 14 - j * size * 1.3, line)
        c.line(xs[0], y, xs[-1], y)
        for xv in xs:
            c.line(xv, y, xv, y - h)
        y -= h
    c.line(xs[0], y, xs[-1], y)
    return y


def test_table_over_page_break_keeps_columns_and_rows(tmp_path):
    """A ruled 计分卡 starts at the foot of page 1 and goes on at the top of
    page 2 with no repeated header: one table, its year columns kept; a
    label-only row on page 2 is its own row; a label cut by the break (its
    cell filled to the edge) is one label again."""
    path = tmp_path / "across.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    y = H - 80
    c.setFont(SONG, 18)
    c.drawString(LEFT, y, TITLE)
    for _ in range(9):
        y = _para(c, FILLER, y - 6)
    c.setFont(SONG, 12)
    c.drawString(LEFT, y - 30, "附表1 人才培养质量计分卡")
    widths = [120, 60, 100, 100]
    first = [[["指标"], ["单位"], ["2022年"], ["2023年"]],
             [["全日制在校生"], ["人"], ["1406"], ["1532"]],
             [["招生人数"], ["人"], ["471"], ["518"]],
             [["其中：面向本地生源的"], ["人"], ["302"], ["344"]]]  # label cut at the page foot
    _cell_rows(c, first, LEFT, y - 40, widths)
    c.showPage()
    second = [[["招生人数"], [""], [""], [""]],                      # … and its rest
              [["毕业生人数"], ["人"], ["389"], ["402"]],
              [["升学与就业情况"], [""], [""], [""]],                  # a label-only row
              [["就业率"], ["%"], ["96.2"], ["97.4"]]]
    y2 = _cell_rows(c, second, LEFT, H - 72, widths)
    _para(c, "表后的说明文字。", y2 - 20)
    c.showPage()
    c.save()

    doc = parse(path)
    t = next(t for t in doc.tables() if t.title == "附表1人才培养质量计分卡")
    assert t.meta["pages"] == [1, 2]
    g = t.grid()
    assert g[0] == ["指标", "单位", "2022年", "2023年"]
    assert ["其中：面向本地生源的招生人数", "人", "302", "344"] in g
    assert ["升学与就业情况", "", "", ""] in g
    assert g[-1] == ["就业率", "%", "96.2", "97.4"]
    m = _metrics(path)
    assert _has(m, "graduates_total", 402, 2023) and _has(m, "employment_rate", 97.4, 2023)
    assert not _has(m, "graduates_total", 389, 2023) and not _has(m, "employment_rate", 96.2, 2023)


# -- tables without ruling lines ---------------------------------------------------------


def test_borderless_scorecard_is_a_table(tmp_path):
    path = tmp_path / "borderless.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    _cover(c)
    y = H - 330
    c.setFont(SONG, 12)
    c.drawString(LEFT, y, "附表1 人才培养质量计分卡")
    for row in SCORE_ROWS:
        y -= 20
        for x, cell in zip((LEFT, 250, 330, 420), row):
            c.drawString(x, y, cell)
    # prose after it, with figures, that must stay prose
    _para(c, "学校设有实训室28个，实训工位1260个，校外实训基地35个。" + FILLER, y - 20)
    c.showPage()
    c.save()

    doc = parse(path)
    tables = doc.tables()
    assert len(tables) == 1
    assert tables[0].grid() == SCORE_ROWS and tables[0].meta["engine"] == "text"
    assert any("实训工位1260个" in b.text for b in doc.blocks if b.kind == "paragraph")
    m = _metrics(path)
    for metric, v22, v23 in (("students_fulltime", 1406, 1532), ("enrolment_new", 471, 518),
                             ("employment_rate", 96.2, 97.4)):
        assert _has(m, metric, v23, 2023) and not _has(m, metric, v22, 2023)


def test_three_line_table_with_serial_and_unit_columns(tmp_path):
    """A 三线表 (rules above and below the header and under the body, no
    vertical rules) with a 序号 and a 单位 column: its rows are a table, and
    a row's figure never runs into the next row's 序号."""
    path = tmp_path / "three_line.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    _cover(c)
    y = H - 330
    c.setFont(SONG, 12)
    c.drawString(LEFT, y, "附表2 学生发展主要指标")
    rows = [["序号", "指标", "单位", "2023年"], ["1", "毕业生人数", "人", "463"], ["2", "就业率", "%", "97.6"],
            ["3", "对口就业率", "%", "82.4"], ["4", "毕业生月收入", "元", "3,920"]]
    for k, row in enumerate(rows):
        y -= 20
        if k in (0, 1):
            c.line(LEFT, y + 15, 500, y + 15)
        for x, cell in zip((LEFT, 110, 300, 380), row):
            c.drawString(x, y, cell)
    c.line(LEFT, y - 6, 500, y - 6)
    c.showPage()
    c.save()
    doc = parse(path)
    assert [t.grid() for t in doc.tables()] == [rows]
    assert not any("97.63" in b.text or "82.44" in b.text for b in doc.blocks)
    m = _metrics(path)
    assert _has(m, "employment_rate", 97.6, 2023) and _has(m, "employment_match_rate", 82.4, 2023)
    assert _has(m, "graduates_total", 463, 2023)


def test_a_ragged_right_line_in_mid_sentence_goes_on(tmp_path):
    """Text set flush left without justification: a line a character or two
    short that stops mid-term (``…生均教学`` / ``仪器设备值8,384元``) is no
    paragraph end, so the term stays whole and the figure is its own."""
    path = tmp_path / "ragged.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    _cover(c)
    y = _para(c, FILLER, H - 330)
    c.setFont(SONG, 12)
    full = int((RIGHT - LEFT) // 12)       # ideographs in a full line
    pad = "学校持续改善办学条件，建设校内外实训基地，更新实训设备，" * 2
    first = pad[: full - 2 - 4] + "生均教学"   # two characters short of the margin
    for line in (first, "仪器设备值8,384元。" + FILLER[:20]):
        y -= 19
        c.drawString(LEFT, y, line)
    c.showPage()
    c.save()
    doc = parse(path)
    assert any("生均教学仪器设备值8,384元" in b.text for b in doc.blocks)
    m = _metrics(path)
    assert _has(m, "equipment_value_per_student", 8384, 2023) and not _has(m, "equipment_value_total", 8384, 2023)


def test_aligned_text_without_figures_is_not_a_table(tmp_path):
    """Names laid out in columns (no figures) stay text."""
    path = tmp_path / "names.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    y = _para(c, "学校成立了专业建设指导委员会，成员如下：", H - 80)
    c.setFont(SONG, 12)
    for row in (["主任委员", "校长", "学校"], ["副主任委员", "副校长", "学校"], ["委员", "教研室主任", "合作企业"]):
        y -= 20
        for x, cell in zip((LEFT, 250, 400), row):
            c.drawString(x, y, cell)
    c.showPage()
    c.save()
    assert parse(path).tables() == []


# -- page flow ----------------------------------------------------------------------------


def test_sentence_over_page_break_is_joined(tmp_path):
    """The page ends inside a sentence on a short line: ``…学校现有全日制在校生``
    / ``1532人，…`` is one paragraph, and the figure is found."""
    path = tmp_path / "flow.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.setFont(SONG, 18)
    c.drawString(LEFT, H - 80, TITLE)
    c.setFont(SONG, 12)
    lines = _wrap(FILLER * 8, 12)
    y = H - 110
    for line in lines:
        y -= 19
        c.drawString(LEFT, y, line)
    y -= 19
    c.drawString(LEFT, y, "截至年底，学校现有全日制在校生")      # the page ends here
    c.showPage()
    _para(c, "1532人，专任教师103人。" + FILLER, H - 60)
    c.showPage()
    c.save()

    doc = parse(path)
    para = next(b for b in doc.blocks if "全日制在校生1532人" in b.text)
    assert para.page == 1 and para.meta.get("end_page") == 2
    assert _has(_metrics(path), "students_fulltime", 1532, None) or any(
        m == "students_fulltime" and v == 1532 for m, v, _y in _metrics(path))


def _two_columns(path: Path, interleaved: bool) -> None:
    left = "一、学校概况|" + "学校位于松岭县城东，占地面积185亩，建筑面积6.2万平方米，现有全日制在校生1532人，专任教师103人。" + FILLER
    right = "二、人才培养|" + "2023年学校招生518人，毕业生402人，毕业生就业率为97.4%，双证书获取率为95%。" + FILLER
    col_w = 215

    def col(text):
        head, body = text.split("|")
        return [(14, head)] + [(12, ln) for ln in _wrap(body, 12, col_w)]
    a, b = col(left), col(right)
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.setFont(SONG, 18)
    c.drawString(LEFT, H - 80, TITLE)
    y0 = H - 120
    rows = range(max(len(a), len(b)))
    order = [(k, side) for k in rows for side in (0, 1)] if interleaved else \
        [(k, 0) for k in rows] + [(k, 1) for k in rows]
    for k, side in order:
        items = a if side == 0 else b
        if k < len(items):
            size, text = items[k]
            c.setFont(SONG, size)
            c.drawString(LEFT if side == 0 else LEFT + col_w + 21, y0 - k * 19, text)
    c.showPage()
    c.save()


@pytest.mark.parametrize("interleaved", [False, True], ids=["column_order", "row_order"])
def test_two_columns_read_column_by_column(tmp_path, interleaved):
    path = tmp_path / "twocol.pdf"
    _two_columns(path, interleaved)
    doc = parse(path)
    heads = [h.title for h in doc.headings()]
    assert heads == ["学校概况", "人才培养"]
    text = doc.text
    assert "现有全日制在校生1532人，专任教师103人。" in text
    assert "毕业生就业率为97.4%" in text
    assert text.index("专任教师103人") < text.index("人才培养") < text.index("招生518人")
    m = _metrics(path)
    assert any(x == "students_fulltime" and v == 1532 for x, v, _y in m)
    assert any(x == "enrolment_new" and v == 518 for x, v, _y in m)


def test_letter_spaced_digits_are_one_number(tmp_path):
    path = tmp_path / "spaced.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    t = c.beginText(LEFT, H - 100)
    t.setFont(SONG, 12)
    t.textOut("学校现有全日制在校生")
    t.setCharSpace(3)
    t.textOut("1532")
    t.setCharSpace(0)
    t.textOut("人，专任教师103人，")
    t.textOut("2022年 2023年两年招生合计989人。")
    c.drawText(t)
    c.showPage()
    c.save()
    text = parse(path).text
    assert "在校生1532人" in text
    assert "2022年2023年" in text or "2022年 2023年" in text


def test_running_header_does_not_delete_the_cover_title(tmp_path):
    """The running header repeats the report title; on the cover the title is
    set large at the top: the cover title stays, the headers are furniture."""
    path = tmp_path / "header.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.setFont(SONG, 20)
    c.drawCentredString(W / 2, H - 58, TITLE)
    c.showPage()
    for n in range(2, 6):
        c.setFont(SONG, 9)
        c.drawCentredString(W / 2, H - 36, TITLE)
        c.drawCentredString(W / 2, 30, f"- {n} -")
        y = _para(c, f"{'一二三四'[n - 2]}、第{n - 1}部分", H - 90, 14)
        _para(c, "学校现有全日制在校生1532人。" + FILLER, y)
        c.showPage()
    c.save()
    doc = parse(path)
    assert doc.blocks[0].text == TITLE and doc.blocks[0].page == 1
    assert doc.text.count(TITLE) == 1
    furniture = doc.metadata["furniture"]
    assert sum(f["role"] == "header" for f in furniture) == 4
    assert sum(f["role"] == "page_number" for f in furniture) == 4
    assert doc.metadata["headers"] == [TITLE]
    assert extract(doc).attributes["school"] == SCHOOL


# -- fake bold / overprint ------------------------------------------------------------------


def test_fake_bold_text_is_read_once(tmp_path):
    """Each glyph drawn twice 0.3 pt apart (simulated bold), a line drawn
    four times: every character once, every figure whole."""
    path = tmp_path / "bold.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.setFont(SONG, 18)
    c.drawString(LEFT, H - 80, TITLE)
    c.setFont(SONG, 12)
    x = LEFT
    for ch in "学校现有全日制在校生1532人，专任教师103人。":
        c.drawString(x, H - 120, ch)
        c.drawString(x + 0.3, H - 120, ch)
        x += stringWidth(ch, SONG, 12)
    for dx, dy in ((0, 0), (0.2, 0), (0, 0.2), (0.2, 0.2)):
        c.drawString(LEFT + dx, H - 145 + dy, "2023年招生518人，毕业生402人。")
    c.showPage()
    c.save()
    doc = parse(path)
    assert "学校现有全日制在校生1532人，专任教师103人。" in doc.text
    assert doc.text.count("2023年招生518人") == 1
    m = _metrics(path)
    assert any(x == "students_fulltime" and v == 1532 for x, v, _y in m)
    assert not any(v in (11553322, 15321532) for _x, v, _y in m)


def test_decimal_point_stays_in_its_row(tmp_path):
    """A cramped ruled table whose baselines sit just under the row rule, in
    an embedded font (pdfium's fast path): the decimal point's ink lies below
    the rule, its character cell does not — ``55.3`` stays in its row."""
    font = _dejavu()
    path = tmp_path / "cramped.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    xs = [72, 200, 300]
    top, step = H - 100, 14.0
    rows = [("Yield", "Moisture"), ("55.3", "7.6"), ("54.5", "7.7"), ("53.6", "8.2")]
    c.setLineWidth(0.5)
    for k in range(len(rows) + 1):
        c.line(xs[0], top - k * step, xs[-1], top - k * step)
    for x in xs:
        c.line(x, top, x, top - len(rows) * step)
    c.setFont(font, 10)
    for k, (a, b) in enumerate(rows):
        base = top - (k + 1) * step - 1.0        # 1 pt under the rule below row k
        c.drawString(xs[0] + 4, base, a)
        c.drawString(xs[1] + 4, base, b)
    c.showPage()
    c.save()
    doc = parse(path)
    cells = [cell for t in doc.tables() for row in t.grid() for cell in row]
    assert "55.3" in cells and "553" not in cells
    assert not any(cell.strip(" .") == "" and "." in cell for cell in cells)


# -- headings --------------------------------------------------------------------------------


def test_headings_jie_body_font_and_wrapped(tmp_path):
    path = tmp_path / "heads.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    y = H - 60
    long_head = "二、学校深入推进教师教材教法改革并全面提升教育教学质量与社会服务能力和人才培养水平"
    for kind, text, size in (("h", "第一节 学校基本情况", 16), ("p", FILLER, 12),
                             ("h", "一、办学条件", 12), ("p", FILLER, 12),
                             ("h", long_head, 12), ("p", FILLER, 12),
                             ("h", "（一）教学改革持续深化与课程体系建设、教材建设和实训基地建设全面推进", 15),
                             ("p", FILLER, 12),
                             ("h", "第二节 人才培养", 16), ("p", FILLER, 12)):
        y = _para(c, text, y - (6 if kind == "h" else 2), size)
        y -= 6 if kind == "h" else 0          # space after a heading
    c.showPage()
    c.save()
    heads = [(h.level, h.number, h.title) for h in parse(path).headings()]
    assert heads == [(1, "第一节", "学校基本情况"), (2, "一、", "办学条件"),
                     (2, "二、", long_head[2:]),
                     (3, "（一）", "教学改革持续深化与课程体系建设、教材建设和实训基地建设全面推进"),
                     (1, "第二节", "人才培养")]


# -- text layers ----------------------------------------------------------------------------


def test_wrong_decode_page_is_garbage(tmp_path):
    """The CID font re-declared Identity-H with no ToUnicode: valid but wrong
    characters (or cid codes).  The page is garbage, the document needs OCR,
    no figure is stored."""
    path = tmp_path / "identity.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    y = _para(c, TITLE, H - 80, 16)
    _para(c, "学校现有全日制在校生1532人，专任教师103人。" + FILLER, y)
    c.showPage()
    c.save()
    data = path.read_bytes()
    assert b"/UniGB-UCS2-H" in data
    path.write_bytes(data.replace(b"/UniGB-UCS2-H", b"/Identity-H  "))

    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    raw = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert "学校" not in raw and implausible_chinese(raw)     # what pdfium decodes

    doc = parse(path, ocr=False)       # the text layer's verdict (with OCR the page is read from its image)
    assert doc.pages[0].status == PAGE_GARBAGE and doc.status == "needs_ocr"
    assert not extract(doc).metrics


@pytest.mark.parametrize("text", [
    "学校现有全日制在校生1532人，专任教师103人，生师比14.9:1。",
    "松岭县职业技术学校2023年度质量报告",
    "學校現有全日制在校生1532人，專任教師103人。",          # Traditional Chinese
    "联系人：张喆  电话：0000-1234567",
])
def test_plausible_chinese_is_kept(text):
    assert implausible_chinese(text) == ""


def test_symbol_bullets_and_dot_leaders_keep_a_page_readable():
    page = "\n".join(["\uf06c 学校现有全日制在校生1532人；", "\uf06c 专任教师103人；"] * 3)
    cleaned = strip_bullets(page)
    assert "\uf06c" not in cleaned and cleaned.startswith("• 学校")
    assert text_quality(cleaned)[1] == 0
    toc = "\n".join(f"Part {k} Overview ........................................ {k}" for k in range(1, 9))
    assert text_quality(toc)[1] == 0


def test_a_cover_title_wrapped_over_two_lines(tmp_path):
    """A long title set large on the cover wraps: "…中等职业教育质量年度" /
    "报告（2023年度）".  It is read as one title, so the report is the
    school's own (its own figures, another school's not)."""
    path = tmp_path / "cover.pdf"
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.setFont(SONG, 24)
    c.drawCentredString(W / 2, H - 200, f"{SCHOOL}中等职业教育质量年度")     # centred, as a cover is
    c.drawCentredString(W / 2, H - 236, "报告（2023年度）")
    c.setFont(SONG, 16)
    c.drawCentredString(W / 2, H - 330, SCHOOL)
    c.drawCentredString(W / 2, H - 400, "2024年1月")
    c.showPage()
    _para(c, "学校与鹿源职业技术学院开展中高职贯通培养，该学院全日制在校生7,900人。学校全日制在校生3,150人。" + FILLER, H - 80)
    c.showPage()
    c.save()
    from nianbao.review import extract_and_review
    facts = extract_and_review(parse(path))
    assert facts.attributes["title"] == f"{SCHOOL}中等职业教育质量年度报告（2023年度）"
    assert facts.attributes["year"] == 2023 and facts.attributes["level"] == "中职"
    assert [m.value for m in facts.metrics if m.metric == "students_fulltime"] == [3150]
