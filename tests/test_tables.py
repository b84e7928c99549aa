"""Appendix tables → metrics (extractors/tables.py): the label column is found
by what its cells say, so a leading 类别 column does not hide the table, and
two-row headers (年度 over 2022年 / 2023年) are read — in Word (python-docx),
text (tab-flattened) and a PDF-like grid (merged header cells left empty)."""
from __future__ import annotations

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from nianbao.extractors.extract import extract
from nianbao.ingest import parse
from nianbao.ingest.model import PARAGRAPH, Block, Document, make_table

WANT = {("students_fulltime", 1612, 2023), ("students_fulltime", 1570, 2022), ("enrolment_new", 540, 2023),
        ("graduates_total", 498, 2023), ("employment_rate", 96.4, 2023), ("employment_rate", 95.1, 2022)}

ROWS = [("学生规模", "全日制在校生", "人", "1570", "1612"), ("学生规模", "招生人数", "人", "522", "540"),
        ("就业质量", "毕业生人数", "人", "471", "498"), ("就业质量", "就业率", "%", "95.1", "96.4")]


def _got(doc):
    return {(m.metric, m.value, m.year) for m in extract(doc).metrics if m.prov.source == "table"}


def _vmerge(cell, restart: bool):
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:vMerge {nsdecls("w")}'
                                                + (' w:val="restart"/>' if restart else "/>")))


def _docx_scorecard(path, *, two_rows: bool, category: bool = True):
    d = docx.Document()
    d.add_paragraph("石桥县职业教育中心2023年质量年度报告", style="Title")
    d.add_paragraph("附表", style="Heading 1")
    d.add_paragraph("附表1 人才培养质量计分卡")
    head = (["类别"] if category else []) + ["指标", "单位"]
    n_cols = len(head) + 2
    top = 2 if two_rows else 1
    t = d.add_table(rows=top + len(ROWS), cols=n_cols)
    for c, h in enumerate(head):
        t.cell(0, c).text = h
        if two_rows:
            _vmerge(t.cell(0, c), True)
            _vmerge(t.cell(1, c), False)
    if two_rows:
        t.cell(0, len(head)).merge(t.cell(0, len(head) + 1)).text = "年度"   # gridSpan over the years
    years_row = 1 if two_rows else 0
    t.cell(years_row, len(head)).text, t.cell(years_row, len(head) + 1).text = "2022年", "2023年"
    for r, row in enumerate(ROWS):
        cells = row if category else row[1:]
        for c, v in enumerate(cells):
            t.cell(top + r, c).text = v
    if category:   # 学生规模 / 就业质量 merged down their rows
        for r in range(len(ROWS)):
            _vmerge(t.cell(top + r, 0), r % 2 == 0)
            if r % 2:
                t.cell(top + r, 0)._tc.clear_content()
                t.cell(top + r, 0)._tc.append(parse_xml(f'<w:p {nsdecls("w")}/>'))
    d.save(path)
    return path


def test_word_category_column_and_two_row_header(tmp_path):
    doc = parse(_docx_scorecard(tmp_path / "two.docx", two_rows=True))
    (t,) = doc.tables()
    assert t.rows[2 + 1][0].merged_from == (2, 0)          # the category cell is merged
    assert _got(doc) >= WANT


def test_word_category_column_one_row_header(tmp_path):
    assert _got(parse(_docx_scorecard(tmp_path / "one.docx", two_rows=False))) >= WANT


def test_word_two_row_header_without_category(tmp_path):
    assert _got(parse(_docx_scorecard(tmp_path / "nocat.docx", two_rows=True, category=False))) >= WANT


def test_text_table_with_category_column(tmp_path):
    lines = ["石桥县职业教育中心2023年质量年度报告", "", "附表1 人才培养质量计分卡", ""]
    for row in [("类别", "指标", "单位", "2022年", "2023年")] + ROWS:
        lines += [f"\t{c}" for c in row] + [""]
    path = tmp_path / "scorecard.txt"
    path.write_text("\n".join(lines) + "\n正文结束。\n", encoding="utf-8")
    assert _got(parse(path)) >= WANT


def _grid_doc(grid, spans=None) -> Document:
    doc = Document(path="grid.pdf", format="pdf", parser="test")
    doc.add(Block(kind=PARAGRAPH, text="石桥县职业教育中心2023年质量年度报告", page=1))
    doc.add(make_table(grid, spans or {}, title="附表1人才培养质量计分卡", page=1))
    return doc.finalize()


def test_pdf_like_grid_two_row_header_with_empty_merged_cells():
    # a PDF table finder gives merged header cells as empty strings, no spans
    grid = [["类别", "指标", "单位", "年度", ""], ["", "", "", "2022年", "2023年"]] + [list(r) for r in ROWS]
    assert _got(_grid_doc(grid)) >= WANT


def test_category_repeated_in_every_row_and_label_column_on_the_right():
    grid = [["序号", "类别", "指标", "2022年", "2023年", "单位"]] + [
        [str(i + 1), cat, label, a, b, unit] for i, (cat, label, unit, a, b) in enumerate(ROWS)]
    assert _got(_grid_doc(grid)) >= WANT


def test_a_table_whose_cells_name_no_metric_yields_nothing():
    grid = [["类别", "项目", "2022年", "2023年"], ["学生规模", "篮球场", "3", "4"], ["就业质量", "食堂", "1", "2"]]
    assert _got(_grid_doc(grid)) == set()


def _docx_table(path, title: str, rows: list[list[str]], merge_top: tuple[int, int] | None = None):
    """A Word report (python-docx) with one table; ``merge_top`` merges two
    cells of the first row (gridSpan), as a group header over two columns."""
    d = docx.Document()
    d.add_paragraph("石桥县职业教育中心2024年质量年度报告", style="Title")
    d.add_paragraph("附表", style="Heading 1")
    d.add_paragraph(title)
    t = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text is not None:
                t.cell(r, c).text = text
    if merge_top:
        a, b = merge_top
        t.cell(0, a).merge(t.cell(0, b)).text = rows[0][a]
    d.save(path)
    return parse(path)


def test_target_and_benchmark_columns_under_a_group_header_are_not_values(tmp_path):
    """2024年 over 目标值 | 完成值: only 完成值 is the year's value; 本校 over
    2023年 | 2024年 beside 全省平均 (2024年): the province's column is not the
    school's."""
    doc = _docx_table(tmp_path / "a.docx", "表2 年度目标完成情况",
                      [["指标", "单位", "2024年", None], ["指标", "单位", "目标值", "完成值"],
                       ["招生人数", "人", "900", "874"], ["毕业生就业率", "%", "97", "97.8"]], merge_top=(2, 3))
    assert _got(doc) == {("enrolment_new", 874, 2024), ("employment_rate", 97.8, 2024)}
    doc = _docx_table(tmp_path / "b.docx", "表3 与全省平均水平比较",
                      [["指标", "单位", "本校", None, "全省平均"], ["指标", "单位", "2023年", "2024年", "2024年"],
                       ["就业率", "%", "96.2", "97.1", "95.4"], ["生师比", "—", "17.9", "17.3", "18.8"]],
                      merge_top=(2, 3))
    assert _got(doc) == {("employment_rate", 96.2, 2023), ("employment_rate", 97.1, 2024),
                         ("student_teacher_ratio", 17.9, 2023), ("student_teacher_ratio", 17.3, 2024)}


def test_year_headers_with_a_word_and_units_in_the_row_label(tmp_path):
    """2024年实际 is the year's value, 2025年计划 is none; a unit in brackets
    after the label converts the value; plain labels (在校生, “双师型”教师) are read."""
    doc = _docx_table(tmp_path / "c.docx", "表5 主要指标完成及计划",
                      [["指标", "单位", "2024年实际", "2025年计划"], ["全日制在校生数", "人", "2810", "3000"]])
    assert _got(doc) == {("students_fulltime", 2810, 2024)}
    doc = _docx_table(tmp_path / "d.docx", "表1 学校基本办学数据",
                      [["指标", "2024年"], ["在校生（人）", "2810"], ["占地面积（亩）", "150"],
                       ["教学仪器设备总值（万元）", "1,236.5"], ["“双师型”教师", "96"]])
    assert _got(doc) == {("students_fulltime", 2810, 2024), ("land_area", 100000.5, 2024),
                         ("equipment_value_total", 12365000, 2024), ("teachers_dual_qualified", 96, 2024)}


def test_one_row_per_year_with_the_metrics_across(tmp_path):
    """年份 | 招生数（人） | 在校生数（人） | 就业率（%） with a row per year: each
    row read with its own year; a cross-tab (metrics over years in two header
    rows) is not taken for one."""
    doc = _docx_table(tmp_path / "e.docx", "表1 近三年学生规模",
                      [["年份", "招生数（人）", "在校生数（人）", "就业率（%）"], ["2022", "990", "2870", "95.9"],
                       ["2023", "1021", "2930", "96.4"], ["2024", "1065", "3010", "97.0"]])
    got = _got(doc)
    assert {("enrolment_new", 1065, 2024), ("students_fulltime", 3010, 2024), ("employment_rate", 97.0, 2024),
            ("students_fulltime", 2930, 2023)} <= got
    assert not any(y == 2024 and v in (1021, 2930, 96.4) for _m, v, y in got)
    doc = _docx_table(tmp_path / "f.docx", "表4 各专业学生情况",
                      [["专业", "招生数（人）", "招生数（人）", "在校生数（人）", "在校生数（人）"],
                       ["专业", "2023年", "2024年", "2023年", "2024年"],
                       ["机电技术应用", "250", "266", "731", "760"], ["合计", "610", "655", "1790", "1842"]])
    assert ("students_fulltime", 1842, 2024) in _got(doc)


def test_a_caption_row_spanning_the_table_names_no_column(tmp_path):
    """A first row that reads the same in every cell (a caption merged over
    the table, "2024年目标任务完成情况") skips no year column; a group header
    over one column still does."""
    doc = _docx_table(tmp_path / "g.docx", "表6",
                      [["2024年目标任务完成情况"] * 4, ["指标", "单位", "2023年", "2024年"],
                       ["招生人数", "人", "880", "912"]])
    assert _got(doc) == {("enrolment_new", 880, 2023), ("enrolment_new", 912, 2024)}
