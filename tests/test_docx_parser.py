"""The Word parser: body order, heading styles and outline levels, automatic
numbering, merged and nested tables, text boxes, tracked changes, headers and
footers, errors — on small files built here and on the seed report."""
from __future__ import annotations

import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from nianbao.ingest import IngestError, parse
from nianbao.ingest.docx_parser import format_number, parse_docx

from conftest import SEED_FILES, needs_seed

W = nsdecls("w")


# --------------------------------------------------------------------------
# helpers to build .docx files
# --------------------------------------------------------------------------
def _numbering(d):
    return d.part.numbering_part.element


def _add_abstract(d, aid: int, levels: list[tuple[str, str, int]], links: dict[int, str] | None = None):
    """levels: (numFmt, lvlText, start) per ilvl; links: ilvl → pStyle id."""
    links = links or {}
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        + (f'<w:pStyle w:val="{links[i]}"/>' if i in links else "")
        + f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, (fmt, text, start) in enumerate(levels))
    el = parse_xml(f'<w:abstractNum {W} w:abstractNumId="{aid}">'
                   f'<w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>')
    root = _numbering(d)
    first_num = root.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(el)
    else:
        root.append(el)


def _add_num(d, nid: int, aid: int, start_override: dict[int, int] | None = None):
    over = "".join(f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
                   for i, v in (start_override or {}).items())
    _numbering(d).append(parse_xml(f'<w:num {W} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>{over}</w:num>'))


def _set_numpr(paragraph, nid: int, ilvl: int | None = 0):
    ppr = paragraph._p.get_or_add_pPr()
    il = f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else ""
    ppr.append(parse_xml(f'<w:numPr {W}>{il}<w:numId w:val="{nid}"/></w:numPr>'))


def _append_xml(paragraph, xml: str):
    paragraph._p.append(parse_xml(xml))


def _texts(doc, kind=None):
    return [b.text for b in doc.blocks if kind is None or b.kind == kind]


# --------------------------------------------------------------------------
# number formats
# --------------------------------------------------------------------------
def test_format_number():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 21, 100, 105)] == \
        ["一", "十", "十一", "二十", "二十一", "一百", "一百零五"]
    assert format_number(1234, "chineseCountingThousand") == "一千二百三十四"
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(2, "decimalEnclosedCircle") == "②"
    assert format_number(28, "upperLetter") == "BB"
    assert format_number(4, "lowerRoman") == "iv"
    assert format_number(12, "chineseLegalSimplified") == "壹拾贰"
    assert format_number(7, "none") == ""


# --------------------------------------------------------------------------
# heading styles and outline levels
# --------------------------------------------------------------------------
def test_heading_styles_chinese_names_based_on_and_outline_level(tmp_path):
    d = docx.Document()
    styles = d.styles
    cn1 = styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)
    cn1.base_style = styles["Heading 1"]
    cn2 = styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)      # by name alone
    mine2 = styles.add_style("报告二级", WD_STYLE_TYPE.PARAGRAPH)
    mine2.base_style = cn2                                          # through basedOn
    lvl3 = styles.add_style("报告三级", WD_STYLE_TYPE.PARAGRAPH)
    lvl3.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="2"/>'))
    d.add_paragraph("某某职业技术学校质量年度报告", style="Title")
    d.add_paragraph("前言", style="Title")
    d.add_paragraph("学校坚持立德树人。")
    d.add_paragraph("一、基本情况", style="标题 1")
    d.add_paragraph("（一）学校概况", style="报告二级")
    d.add_paragraph("办学条件", style="报告三级")
    p = d.add_paragraph("专业建设")
    p._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="1"/>'))
    d.add_paragraph("（二）学生情况")          # typed numbering, no style: the assigner knows （一） = 2
    d.add_paragraph("二、人才培养")             # …and 一、 = 1
    path = tmp_path / "styles.docx"
    d.save(path)

    doc = parse(path)
    assert doc.format == "docx" and doc.parser == "python-docx"
    heads = [(h.level, h.number, h.title) for h in doc.headings()]
    assert doc.headings()[4].meta["level_source"] == "outline"
    assert heads == [(1, None, "前言"), (1, "一、", "基本情况"), (2, "（一）", "学校概况"),
                     (3, None, "办学条件"), (2, None, "专业建设"), (2, "（二）", "学生情况"),
                     (1, "二、", "人才培养")]
    title = doc.blocks[0]
    assert title.kind == "paragraph" and title.meta["role"] == "title"
    assert doc.metadata["title"] == "某某职业技术学校质量年度报告"
    assert all(b.page is None and b.ref.startswith("body/") for b in doc.blocks)
    assert doc.blocks[2].ref == "body/2"
    assert doc.pages and doc.metadata["page_estimate"] is True


# --------------------------------------------------------------------------
# automatic numbering
# --------------------------------------------------------------------------
def test_auto_numbered_headings_and_lists(tmp_path):
    d = docx.Document()
    numbered_h2 = d.styles.add_style("编号二级", WD_STYLE_TYPE.PARAGRAPH)
    numbered_h2.base_style = d.styles["Heading 2"]
    sid = numbered_h2.style_id
    _add_abstract(d, 90, [("chineseCounting", "%1、", 1), ("chineseCounting", "（%2）", 1)])
    _add_abstract(d, 91, [("decimal", "%1.", 1), ("decimal", "%1.%2", 1), ("decimal", "%1.%2.%3", 1)])
    _add_abstract(d, 92, [("chineseCounting", "第%1部分", 1)])
    _add_abstract(d, 93, [("decimal", "%1.", 1)])
    _add_abstract(d, 94, [("none", "", 1)])
    _add_abstract(d, 95, [("decimal", "%1.", 1), ("decimal", "%1.%2", 1)], links={1: sid})
    _add_abstract(d, 96, [("ideographTraditional", "%1.", 1), ("decimalEnclosedCircle", "%2", 1)])
    for nid, aid in ((90, 90), (91, 91), (92, 92), (93, 93), (94, 94), (95, 95), (96, 96)):
        _add_num(d, nid, aid)
    _add_num(d, 97, 93, start_override={0: 5})
    numbered_h2.element.get_or_add_pPr().append(parse_xml(f'<w:numPr {W}><w:numId w:val="95"/></w:numPr>'))

    def para(text, style=None, nid=None, ilvl=0):
        p = d.add_paragraph(text, style=style)
        if nid is not None:
            _set_numpr(p, nid, ilvl)
        return p

    para("基本情况", "Heading 1", 90, 0)
    para("学校概况", "Heading 2", 90, 1)
    para("学校坚持立德树人，各项工作取得显著成绩。")
    para("学生情况", "Heading 2", 90, 1)
    para("人才培养", "Heading 1", 90, 0)
    para("立德树人", "Heading 2", 90, 1)            # restarts after 二、
    para("党建引领", "Heading 3", 91, 1)            # parent level unused → its start
    para("思政课程", "Heading 3", 91, 1)
    para("附录", None, 92, 0)                       # numbered, no style: classified as a part
    para("学校坚持立德树人，全面推进各项工作。", None, 93, 0)   # a numbered list item, body text
    para("没有编号的列表项", None, 94, 0)
    para("重新起始的列表项，继续推进各项工作。", None, 97, 0)
    para("服务贡献", "Heading 1", 95, 0)
    para("服务行业企业", "编号二级")                  # numbering from the style, ilvl from pStyle link
    para("甲项内容，按计划推进。", None, 96, 0)
    para("圈号内容，按计划推进。", None, 96, 1)
    _add_abstract(d, 98, [("decimal", "%1", 1)])
    _add_num(d, 98, 98)
    t = d.add_table(rows=3, cols=2)
    for r, name in enumerate(("数控", "焊接", "汽修")):
        _set_numpr(t.cell(r, 0).paragraphs[0], 98, 0)   # an auto-numbered 序号 column
        t.cell(r, 1).text = name
    path = tmp_path / "numbering.docx"
    d.save(path)

    doc = parse(path)
    heads = [(h.level, h.number, h.title, h.text) for h in doc.headings()]
    assert heads[:7] == [
        (1, "一、", "基本情况", "一、基本情况"),
        (2, "（一）", "学校概况", "（一）学校概况"),
        (2, "（二）", "学生情况", "（二）学生情况"),
        (1, "二、", "人才培养", "二、人才培养"),
        (2, "（一）", "立德树人", "（一）立德树人"),
        (3, "1.1", "党建引领", "1.1党建引领"),
        (3, "1.2", "思政课程", "1.2思政课程"),
    ]
    # an auto-numbered Normal paragraph that reads as a heading becomes one
    # (its level is the shared LevelAssigner's: first "part" seen → one below)
    assert heads[7][1:] == ("第一部分", "附录", "第一部分附录")
    assert all(h.meta.get("numbering") == "auto" for h in doc.headings())
    assert heads[8][:3] == (1, "1.", "服务贡献")
    assert heads[9][:3] == (2, "1.1", "服务行业企业")
    paras = _texts(doc, "paragraph")
    assert "没有编号的列表项" in paras
    # numbered list items: the label Word displays is the item's number,
    # never part of its text
    items = [(b.number, b.level, b.text) for b in doc.blocks if b.list_item]
    assert items == [("1.", 1, "学校坚持立德树人，全面推进各项工作。"),
                     ("5.", 1, "重新起始的列表项，继续推进各项工作。"),
                     ("甲.", 1, "甲项内容，按计划推进。"),
                     ("①", 2, "圈号内容，按计划推进。")]
    assert all(b.kind == "paragraph" for b in doc.blocks if b.list_item)
    assert doc.tables()[0].grid() == [["1", "数控"], ["2", "焊接"], ["3", "汽修"]]


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------
def test_merged_cells_and_header_rows(tmp_path):
    d = docx.Document()
    d.add_paragraph("表1 学校基本情况")
    t = d.add_table(rows=4, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "横向合并表头"
    t.cell(0, 2).text = "2023年"
    t.cell(1, 0).text = "在校生"
    t.cell(1, 1).text = "人"
    t.cell(1, 2).merge(t.cell(3, 2)).text = "纵向合并值9876"
    t.cell(2, 0).text = "毕业生"
    t.cell(2, 1).text = "人"
    t.cell(3, 0).text = "教师"
    t.cell(3, 1).text = "人"
    t.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {W}/>'))
    path = tmp_path / "merged.docx"
    d.save(path)

    doc = parse(path)
    [tb] = doc.tables()
    assert tb.title == "表1学校基本情况"
    assert tb.header_rows == 1
    assert tb.n_rows == 4 and tb.n_cols == 3
    assert tb.grid() == [["横向合并表头", "", "2023年"],
                         ["在校生", "人", "纵向合并值9876"],
                         ["毕业生", "人", ""],
                         ["教师", "人", ""]]
    assert tb.rows[0][1].merged_from == (0, 0) and tb.rows[0][0].colspan == 2
    assert tb.rows[2][2].merged_from == (1, 2) and tb.rows[3][2].merged_from == (1, 2)
    assert tb.rows[1][2].rowspan == 3
    assert doc.text.count("纵向合并值9876") == 1 and doc.text.count("横向合并表头") == 1
    c = tb.rows[1][2]
    assert doc.text[c.span[0]:c.span[1]] == "纵向合并值9876"


def test_grid_before_after_and_raw_merges(tmp_path):
    d = docx.Document()
    d.add_paragraph("正文")
    tbl = parse_xml(
        f'<w:tbl {W}><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>'
        '<w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>大格</w:t></w:r></w:p></w:tc></w:tr>'
        '<w:tr><w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>'
        '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>'
        '<w:tc><w:p><w:r><w:t>丙</w:t></w:r></w:p></w:tc></w:tr>'
        '<w:tr><w:trPr><w:gridAfter w:val="2"/></w:trPr>'
        '<w:tc><w:p><w:r><w:t>丁</w:t></w:r></w:p></w:tc></w:tr>'
        '</w:tbl>')
    d.element.body.insert(len(d.element.body) - 1, tbl)
    path = tmp_path / "raw.docx"
    d.save(path)
    [tb] = parse(path).tables()
    assert tb.grid() == [["甲", "大格", ""], ["乙", "", ""], ["", "丙", ""], ["丁", "", ""]]
    big = tb.rows[0][1]
    assert (big.rowspan, big.colspan) == (2, 2)
    assert {tb.rows[r][c].merged_from for r, c in ((0, 2), (1, 1), (1, 2))} == {(0, 1)}
    assert tb.rows[2][0].merged_from is None and tb.rows[2][0].text == ""
    assert tb.ref == "body/1"


def test_nested_table(tmp_path):
    d = docx.Document()
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "项目"
    outer.cell(0, 1).text = "明细"
    outer.cell(1, 0).text = "实训基地"
    cell = outer.cell(1, 1)
    cell.text = "设备清单"
    inner = cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "数控车床"
    inner.cell(0, 1).text = "11台"
    inner.cell(1, 0).text = "加工中心"
    inner.cell(1, 1).text = "3台"
    d.add_paragraph("表后正文。")
    path = tmp_path / "nested.docx"
    d.save(path)

    doc = parse(path)
    parent, child = doc.tables()
    assert parent.n_rows == 2 and parent.n_cols == 2
    text = parent.rows[1][1].text
    assert "设备清单" in text and "数控车床 / 11台" in text and "加工中心 / 3台" in text
    assert child.order == parent.order + 1
    assert child.meta["nested_in"] == parent.order
    assert child.grid() == [["数控车床", "11台"], ["加工中心", "3台"]]
    assert doc.blocks[child.order + 1].text == "表后正文。"


# --------------------------------------------------------------------------
# text boxes, tracked changes, content controls, headers/footers, run text
# --------------------------------------------------------------------------
_TEXTBOX = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    ' xmlns:v="urn:schemas-microsoft-com:vml">'
    '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
    '<wp:extent cx="1000000" cy="500000"/><a:graphic><a:graphicData>'
    '<wps:wsp><wps:txbx><w:txbxContent>'
    '<w:p><w:r><w:t>文本框里的说明文字</w:t></w:r></w:p>'
    '<w:p><w:r><w:t>第二段文本框文字</w:t></w:r></w:p>'
    '</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
    '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>'
    '<w:p><w:r><w:t>文本框里的说明文字</w:t></w:r></w:p>'
    '<w:p><w:r><w:t>第二段文本框文字</w:t></w:r></w:p>'
    '</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')


def test_textbox_tracked_changes_sdt_and_headers(tmp_path):
    d = docx.Document()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "页眉学校名称ABC"
    sec.footer.paragraphs[0].text = "页脚第几页XYZ"
    anchor = d.add_paragraph("锚定段落。")
    _append_xml(anchor, _TEXTBOX)
    d.add_paragraph("文本框之后的段落。")
    p = d.add_paragraph("修订：")
    _append_xml(p, f'<w:ins {W} w:id="1" w:author="a" w:date="2024-01-01T00:00:00Z">'
                   '<w:r><w:t>插入的文字</w:t></w:r></w:ins>')
    _append_xml(p, f'<w:del {W} w:id="2" w:author="a" w:date="2024-01-01T00:00:00Z">'
                   '<w:r><w:delText>删除的文字</w:delText></w:r></w:del>')
    _append_xml(p, f'<w:r {W}><w:rPr><w:vanish/></w:rPr><w:t>隐藏的文字</w:t></w:r>')
    _append_xml(p, f'<w:r {W}><w:tab/><w:t>A</w:t><w:noBreakHyphen/><w:t>B</w:t></w:r>')
    sdt = parse_xml(f'<w:sdt {W}><w:sdtPr/><w:sdtContent>'
                    '<w:p><w:r><w:t>内容控件里的段落</w:t></w:r></w:p>'
                    '<w:p><w:r><w:t>表2 内容控件里的表</w:t></w:r></w:p>'
                    '</w:sdtContent></w:sdt>')
    d.element.body.insert(len(d.element.body) - 1, sdt)
    path = tmp_path / "misc.docx"
    d.save(path)

    doc = parse(path)
    texts = _texts(doc)
    i = texts.index("锚定段落。")
    assert texts[i + 1:i + 4] == ["文本框里的说明文字", "第二段文本框文字", "文本框之后的段落。"]
    assert doc.blocks[i + 1].meta["textbox"] is True and doc.blocks[i + 1].ref == doc.blocks[i].ref
    assert doc.text.count("文本框里的说明文字") == 1
    assert "修订：插入的文字 A-B" in texts
    assert "删除的文字" not in doc.text and "隐藏的文字" not in doc.text
    assert "内容控件里的段落" in texts
    cap = doc.blocks[texts.index("表2 内容控件里的表")]
    assert cap.kind == "caption"
    assert "页眉学校名称ABC" not in doc.text and "页脚第几页XYZ" not in doc.text
    assert doc.metadata["headers"] == ["页眉学校名称ABC"]
    assert doc.metadata["footers"] == ["页脚第几页XYZ"]


def test_page_breaks_estimate_pages(tmp_path):
    d = docx.Document()
    d.add_paragraph("第一页")
    p = d.add_paragraph("第二页开头")
    p._p.insert(1 if p._p.pPr is not None else 0,
                parse_xml(f'<w:r {W}><w:br w:type="page"/></w:r>'))
    d.add_paragraph("第二页正文")
    d.add_page_break()
    d.add_paragraph("第三页")
    d.add_section()                      # a next-page section break
    d.add_paragraph("第四页")
    path = tmp_path / "pages.docx"
    d.save(path)
    doc = parse(path)
    assert doc.metadata["page_estimate"] is True
    assert [pg.number for pg in doc.pages] == [1, 2, 3, 4]
    est = {b.text: b.meta["page_est"] for b in doc.blocks}
    assert est == {"第一页": 1, "第二页开头": 2, "第二页正文": 2, "第三页": 3, "第四页": 4}

    # Word's own layout breaks win when present
    d = docx.Document()
    d.add_paragraph("甲")
    p = d.add_paragraph("乙")
    p._p.insert(0, parse_xml(f'<w:r {W}><w:lastRenderedPageBreak/><w:t>丙</w:t></w:r>'))
    path = tmp_path / "rendered.docx"
    d.save(path)
    doc = parse(path)
    assert doc.metadata["page_source"] == "lastRenderedPageBreak"
    assert len(doc.pages) == 2 and doc.blocks[-1].meta["page_est"] == 2


def test_long_text_without_breaks_still_has_pages(tmp_path):
    d = docx.Document()
    for _ in range(120):
        d.add_paragraph("学校坚持立德树人根本任务，深化产教融合，提升人才培养质量。" * 3)
    path = tmp_path / "long.docx"
    d.save(path)
    doc = parse(path)
    assert len(doc.pages) > 3
    assert sum(p.chars for p in doc.pages) == sum(len(b.text) for b in doc.blocks)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
def _good_docx(tmp_path):
    d = docx.Document()
    d.add_paragraph("正文")
    path = tmp_path / "good.docx"
    d.save(path)
    return path


def test_broken_zip_is_truncated(tmp_path):
    good = _good_docx(tmp_path)
    bad = tmp_path / "cut.docx"
    bad.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(IngestError) as e:
        parse_docx(bad)
    assert e.value.code == "truncated"
    with pytest.raises(IngestError) as e:
        parse(bad)
    assert e.value.code == "truncated"


def test_missing_document_part_and_bad_xml(tmp_path):
    good = _good_docx(tmp_path)
    no_doc = tmp_path / "nodoc.docx"
    bad_xml = tmp_path / "badxml.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(no_doc, "w") as a, zipfile.ZipFile(bad_xml, "w") as b:
        for item in src.infolist():
            data = src.read(item)
            if item.filename != "word/document.xml":
                a.writestr(item, data)
                b.writestr(item, data)
            else:
                b.writestr(item, data[: len(data) // 2])
    for path in (no_doc, bad_xml):
        with pytest.raises(IngestError) as e:
            parse_docx(path)
        assert e.value.code == "truncated", path
    with pytest.raises(IngestError) as e:
        parse_docx(bad_xml)
    assert "XML" in str(e.value)
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(IngestError):
        parse_docx(junk)


# --------------------------------------------------------------------------
# the seed report
# --------------------------------------------------------------------------
@needs_seed
def test_seed_outline_tables_and_speed():
    path = SEED_FILES["docx"]
    doc = parse(path)   # its speed is measured by bench/, not asserted here
    assert doc.format == "docx"
    heads = doc.headings()
    assert (heads[0].title, heads[0].level) == ("前言", 1)
    top = [(h.number.rstrip("."), h.title) for h in heads if h.level == 1 and h.number]
    assert [n for n, _ in top] == [str(i) for i in range(1, 11)]
    assert top[0][1] == "基本情况" and top[-1][1] == "附表"
    assert [h.level for h in heads if h.number].count(2) == 30
    assert [h.level for h in heads if h.number].count(3) == 12
    sub = {(h.number, h.title, h.level) for h in heads}
    assert ("1.1", "学校概况", 2) in sub and ("2.1.1", "党建引领", 3) in sub
    assert ("2.4.2", "“双师型”教师队伍情况", 3) in sub
    assert len(heads) == 1 + 10 + 30 + 12
    assert all(h.meta.get("level_source") == "style" for h in heads if h.number)

    tables = {t.title: t for t in doc.tables()}
    assert len(doc.tables()) == 9
    t1 = tables["附表1人才培养质量计分卡"]
    assert t1.grid()[0] == ["序号", "指标", "单位", "2023年", "2022年"]
    assert ["1", "毕业生人数", "人", "252", "130"] in t1.grid()
    assert t1.header_rows == 1
    assert {"附表3教学资源表", "附表4服务贡献表", "附表5国际影响表", "附表6落实政策表"} <= set(tables)
    for b in doc.blocks:
        assert doc.text[b.span[0]:b.span[1]] == b.text
        assert b.ref.startswith("body/") and b.page is None
    cell = t1.rows[1][3]
    assert doc.text[cell.span[0]:cell.span[1]] == "252"
    assert doc.section_path_at(cell.span[0]) == ("附表",)
    assert any(b.meta.get("role") == "title" for b in doc.blocks)
    # footer page numbers stay out of the body; pages are estimated (the PDF has 41)
    assert doc.metadata["page_estimate"] is True
    assert 30 <= len(doc.pages) <= 55


def test_di_yi_jie_section_headings(tmp_path):
    d = docx.Document()
    _add_abstract(d, 77, [("chineseCounting", "第%1节", 1)])
    _add_num(d, 77, 77)
    d.add_paragraph("第一章 学校发展")                   # typed
    d.add_paragraph("第一节 办学定位")
    d.add_paragraph("学校面向县域经济办学。")
    d.add_paragraph("第二节 专业布局")
    d.add_paragraph("第二章 人才培养")
    p = d.add_paragraph("德育工作")                      # 第一节, numbered by Word, Normal style
    _set_numpr(p, 77)
    d.add_paragraph("第一节课后开展社团活动。")           # a sentence, not a heading
    path = tmp_path / "jie.docx"
    d.save(path)
    heads = [(h.level, h.number, h.title) for h in parse(path).headings()]
    assert heads == [(1, "第一章", "学校发展"), (2, "第一节", "办学定位"), (2, "第二节", "专业布局"),
                     (1, "第二章", "人才培养"), (2, "第一节", "德育工作")]
