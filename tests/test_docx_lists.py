"""Word list paragraphs on files built here with python-docx (numbering
definitions added as raw numbering.xml): an auto-numbered label is never part
of the text extraction reads, list items stay paragraphs, and the report's
own numbered headings stay headings."""
from __future__ import annotations

import docx

from nianbao.extractors.extract import extract
from nianbao.ingest import parse

from test_docx_parser import _add_abstract, _add_num, _set_numpr


def _para(d, text, style=None, nid=None, ilvl=0, bold=False):
    p = d.add_paragraph(style=style)
    p.add_run(text).bold = bold or None
    if nid is not None:
        _set_numpr(p, nid, ilvl)
    return p


def test_auto_number_label_is_kept_out_of_the_text(tmp_path):
    d = docx.Document()
    _add_abstract(d, 70, [("decimal", "%1.", 1)])
    _add_abstract(d, 71, [("decimal", "%1", 1)])
    _add_num(d, 70, 70)
    _add_num(d, 71, 71)
    _para(d, "松川县职业中专2023年质量年度报告", "Title")
    _para(d, "一、办学基本情况", "Heading 1")
    _para(d, "学校全日制在校生2048人。")
    _para(d, "18个专业对接本县主导产业。", nid=70)        # shown as "1.18个专业…"
    _para(d, "合作企业37家共建实训基地。", nid=70)        # "2.合作企业37家…"
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "序号", "专业数"
    _set_numpr(t.cell(1, 0).paragraphs[0], 71)
    p = t.cell(1, 1).paragraphs[0]
    p.add_run("18")
    _set_numpr(p, 71)                                    # "2" + "18": never "218"
    path = tmp_path / "labels.docx"
    d.save(path)

    doc = parse(path)
    items = [(b.kind, b.number, b.text) for b in doc.blocks if b.list_item]
    assert items == [("paragraph", "1.", "18个专业对接本县主导产业。"),
                     ("paragraph", "2.", "合作企业37家共建实训基地。")]
    assert "1.18" not in doc.text and "2.合作" not in doc.text
    assert doc.tables()[0].grid()[1] == ["1", "2 18"]
    facts = extract(doc)
    majors = [m.value for m in facts.metrics if m.metric == "majors_count"]
    assert majors and set(majors) == {18}, majors
    assert {m.value for m in facts.metrics if m.metric == "partner_enterprises"} == {37}


def test_lists_and_numbered_headings(tmp_path):
    d = docx.Document()
    _add_abstract(d, 80, [("chineseCounting", "%1、", 1), ("chineseCounting", "（%2）", 1),
                          ("decimal", "%3.", 1)])
    _add_abstract(d, 81, [("decimal", "%1.", 1)])
    _add_abstract(d, 82, [("decimal", "(%1)", 1)])
    _add_abstract(d, 83, [("bullet", "\u2022", 1)])
    _add_abstract(d, 84, [("decimal", "%1)", 1)])
    for n in (80, 81, 82, 83, 84):
        _add_num(d, n, n)
    # the report's hierarchy, numbered by Word, in Normal style: headings
    _para(d, "办学条件", nid=80, ilvl=0, bold=True)
    _para(d, "校园设施", nid=80, ilvl=1, bold=True)
    _para(d, "实训教学条件", nid=80, ilvl=2, bold=True)         # 1. in bold with text under it
    _para(d, "学校建有实训室28个，工位1500个。")
    _para(d, "图书资料", nid=80, ilvl=2, bold=True)
    _para(d, "馆藏图书8万册。")
    # a numbered list in List Paragraph style, plain type, text between items
    _para(d, "晨读安排", "List Paragraph", nid=81)
    _para(d, "每周一至周五组织晨读。")
    _para(d, "午间活动", "List Paragraph", nid=81)
    _para(d, "开放阅览室与球场。")
    # short items that follow one another: a list
    for text in ("专业建设", "课程建设", "教材建设"):
        _para(d, text, nid=82)
    # items that read as sentences, with text between them: a list
    _para(d, "完善教学管理制度；", nid=84)
    _para(d, "说明文字。")
    _para(d, "健全质量评价体系。", nid=84)
    # bullets, from numPr and from the List Bullet style
    _para(d, "安全教育", nid=83)
    _para(d, "心理健康", "List Bullet")
    _para(d, "二、人才培养", "Heading 1")
    path = tmp_path / "lists.docx"
    d.save(path)

    doc = parse(path)
    heads = [(h.level, h.number, h.title) for h in doc.headings()]
    assert heads == [(1, "一、", "办学条件"), (2, "（一）", "校园设施"), (3, "1.", "实训教学条件"),
                     (3, "2.", "图书资料"), (1, "二、", "人才培养")]
    items = [(b.number, b.level, b.text) for b in doc.blocks if b.list_item]
    assert items == [("1.", 1, "晨读安排"), ("2.", 1, "午间活动"),
                     ("(1)", 1, "专业建设"), ("(2)", 1, "课程建设"), ("(3)", 1, "教材建设"),
                     ("1)", 1, "完善教学管理制度；"), ("2)", 1, "健全质量评价体系。"),
                     (None, 1, "安全教育"), (None, 1, "心理健康")]
    assert all(b.kind == "paragraph" for b in doc.blocks if b.list_item)
    assert doc.section_path_at(doc.text.index("馆藏图书")) == ("办学条件", "校园设施", "图书资料")
    assert doc.section_path_at(doc.text.index("教材建设")) == ("办学条件", "校园设施", "图书资料")


def test_list_item_round_trips_through_the_stored_model(tmp_path):
    d = docx.Document()
    _add_abstract(d, 60, [("decimal", "%1.", 1)])
    _add_num(d, 60, 60)
    _para(d, "开设专业9个。", nid=60)
    path = tmp_path / "one.docx"
    d.save(path)
    doc = parse(path)
    again = type(doc).from_dict(doc.to_dict())
    (item,) = [b for b in again.blocks if b.list_item]
    assert (item.number, item.level, item.text) == ("1.", 1, "开设专业9个。")


def test_typed_numbered_lines_that_follow_one_another_are_a_list(tmp_path):
    d = docx.Document()
    _para(d, "一、学校概况", "Heading 1")
    _para(d, "学校开设以下专业：")
    for text in ("1.数控技术应用", "2.会计事务", "3.汽车运用与维修"):     # typed, one after another
        _para(d, text)
    _para(d, "各专业均建有校内实训室。")
    _para(d, "（一）办学条件")
    _para(d, "学校占地120亩。")
    _para(d, "1.实训基地", bold=True)                                    # typed headings, bold,
    _para(d, "建有实训基地3个。")                                         # with text under them
    _para(d, "2.图书资料", bold=True)
    _para(d, "（1）纸质图书")
    _para(d, "藏书5万册。")
    _para(d, "①阅览室")
    _para(d, "②电子阅览室")
    path = tmp_path / "typed.docx"
    d.save(path)

    doc = parse(path)
    assert [(h.level, h.number, h.title) for h in doc.headings()] == [
        (1, "一、", "学校概况"), (2, "（一）", "办学条件"), (3, "1.", "实训基地"), (3, "2.", "图书资料"),
        (4, "（1）", "纸质图书")]
    assert [(b.number, b.text) for b in doc.blocks if b.list_item] == [
        ("1.", "数控技术应用"), ("2.", "会计事务"), ("3.", "汽车运用与维修"), ("①", "阅览室"), ("②", "电子阅览室")]


def test_one_numbering_for_headings_and_list_items(tmp_path):
    # WPS-style: one numbering definition numbers bold headings and the
    # plain sentences listed under them
    d = docx.Document()
    _add_abstract(d, 50, [("decimal", "%1.", 1)])
    _add_num(d, 50, 50)
    _para(d, "一、学校概况", "Heading 1")
    _para(d, "专业设置", nid=50, bold=True)
    _para(d, "学校开设专业11个。")
    _para(d, "对接县域主导产业。", nid=50)
    _para(d, "师资队伍", nid=50, bold=True)
    _para(d, "专任教师120人。")
    path = tmp_path / "shared_numbering.docx"
    d.save(path)
    doc = parse(path)
    assert [(h.level, h.number, h.title) for h in doc.headings()] == [
        (1, "一、", "学校概况"), (2, "1.", "专业设置"), (2, "3.", "师资队伍")]
    assert [(b.number, b.text) for b in doc.blocks if b.list_item] == [("2.", "对接县域主导产业。")]
