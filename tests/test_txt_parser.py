"""The .txt parser on real files: encodings, flattened tables, headings."""
from __future__ import annotations

import pytest

from nianbao.ingest import IngestError, parse
from nianbao.ingest.txt_parser import decode

from conftest import SEED_FILES, needs_seed


def _numbered_top(doc):
    return [(h.number.rstrip(".．、"), h.title) for h in doc.headings() if h.level == 1 and h.number]


@needs_seed
def test_seed_txt_outline_and_tables():
    doc = parse(SEED_FILES["txt"])
    top = _numbered_top(doc)
    assert [n for n, _ in top] == [str(i) for i in range(1, 11)]
    assert top[0][1] == "基本情况" and top[-1][1] == "附表"
    levels = [h.level for h in doc.headings() if h.number]
    assert levels.count(2) == 30 and levels.count(3) == 12
    sub = [(h.number, h.title) for h in doc.headings() if h.level == 3]
    assert ("2.1.1", "党建引领") in sub and ("2.4.2", "“双师型”教师队伍情况") in sub
    tables = {t.title: t for t in doc.tables()}
    t1 = tables["附表1人才培养质量计分卡"]
    assert t1.grid()[0] == ["序号", "指标", "单位", "2023年", "2022年"]
    assert ["1", "毕业生人数", "人", "252", "130"] in t1.grid()
    assert t1.header_rows == 1
    assert {"附表3教学资源表", "附表4服务贡献表", "附表5国际影响表", "附表6落实政策表"} <= set(tables)
    # provenance: every block's span points at its own text in the flat text
    for b in doc.blocks:
        assert doc.text[b.span[0]:b.span[1]] == b.text
    cell = t1.rows[1][3]
    assert doc.text[cell.span[0]:cell.span[1]] == "252"
    assert doc.section_path_at(cell.span[0]) == ("附表",)


def test_gb18030_text_with_flattened_table(tmp_path):
    text = ("某某职业学校质量年度报告（2023年）\n\n一、学校概况\n\n（一）办学规模\n\n学校现有全日制在校生2,046人。\n\n"
            "表1 主要指标\n\n\t指标\n\t单位\n\t2023年\n\n\t在校生数\n\t人\n\t2046\n\n\t说明：数据截至年底\n\n"
            "二、人才培养\n\n毕业生就业率98.2%。\n")
    p = tmp_path / "gbk.txt"
    p.write_bytes(text.encode("gb18030"))
    doc = parse(p)
    assert doc.metadata["encoding"] == "gb18030"
    assert [(h.level, h.number, h.title) for h in doc.headings()] == [
        (1, "一、", "学校概况"), (2, "（一）", "办学规模"), (1, "二、", "人才培养")]
    (t,) = doc.tables()
    assert t.title == "表1主要指标"
    assert t.grid()[1] == ["在校生数", "人", "2046"]
    note = t.rows[2][0]
    assert note.text == "说明：数据截至年底" and note.colspan == 3
    assert t.rows[2][1].merged_from == (2, 0)
    assert "学校现有全日制在校生2,046人。" in doc.text


def test_decode_prefers_utf8_then_gb18030():
    assert decode("生师比".encode("utf-8"))[1] == "utf-8"
    assert decode("生师比".encode("gbk"))[1] == "gb18030"


@pytest.mark.parametrize("payload,code", [(b"", "empty"), (b"   \n\n", "empty")])
def test_empty_text_files(tmp_path, payload, code):
    p = tmp_path / "x.txt"
    p.write_bytes(payload)
    with pytest.raises(IngestError) as e:
        parse(p)
    assert e.value.code == code


REPORT = "云岭县职业技术学校2023年质量年度报告\n一、学校概况\n学校现有全日制在校生2360人，专任教师142人。\n"


@pytest.mark.parametrize("encoding,bom", [
    ("gb18030", b"\x84\x31\x95\x33"), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
    ("utf-16-be", b"\xfe\xff"), ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_byte_order_marks_decide_and_are_removed(tmp_path, encoding, bom):
    p = tmp_path / "bom.txt"
    p.write_bytes(bom + REPORT.replace("\n", "\r\n").encode(encoding))
    doc = parse(p)
    assert doc.metadata["encoding"] == encoding
    assert doc.blocks[0].text == "云岭县职业技术学校2023年质量年度报告"
    assert "\ufeff" not in doc.text and not doc.warnings


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    """Some Windows tools write UTF-16 with no BOM: it is text, not "binary
    data", and its encoding is found; GBK and UTF-8 files stay what they are."""
    p = tmp_path / "nobom.txt"
    p.write_bytes(REPORT.replace("\n", "\r\n").encode(encoding))
    doc = parse(p)
    assert doc.metadata["encoding"] == encoding and doc.blocks[0].text == "云岭县职业技术学校2023年质量年度报告"
    for other in ("gb18030", "utf-8"):
        p.write_bytes(REPORT.encode(other))
        assert parse(p).metadata["encoding"] == other


@pytest.mark.parametrize("bom", [b"", b"\xff\xfe"])
def test_utf16_cut_inside_a_character_is_read_with_a_warning(tmp_path, bom):
    """A UTF-16 file that lost its last byte (a cut download): read up to
    the last whole character, with a warning — not a UnicodeDecodeError."""
    p = tmp_path / "cut.txt"
    p.write_bytes(bom + REPORT.replace("\n", "\r\n").encode("utf-16-le")[:-1])
    doc = parse(p)
    assert doc.blocks[0].text == "云岭县职业技术学校2023年质量年度报告"
    assert any("ends inside a character" in w for w in doc.warnings)


def test_a_title_line_is_not_joined_to_the_text_after_it(tmp_path):
    """The first line "…质量年度报告" with the text on the next line (no blank
    line between): two paragraphs, the title's own, so the report's school
    and figures are read as in a file with a blank line."""
    p = tmp_path / "t.txt"
    p.write_text("云岭职业技术学校2023年质量年度报告\n学校全日制在校生2,360人\n专任教师142人。\n", encoding="utf-8")
    doc = parse(p)
    assert [b.text for b in doc.blocks] == ["云岭职业技术学校2023年质量年度报告", "学校全日制在校生2,360人专任教师142人。"]


def test_big5_is_decoded_as_big5_with_a_warning(tmp_path):
    trad = "雲嶺縣職業技術學校2023年質量年度報告\n一、學校概況\n學校現有全日制在校生2360人，專任教師142人。\n"
    p = tmp_path / "big5.txt"
    p.write_bytes(trad.encode("big5"))
    doc = parse(p)
    assert doc.metadata["encoding"] in ("cp950", "big5hkscs")
    assert doc.blocks[0].text == "雲嶺縣職業技術學校2023年質量年度報告"
    assert [h.title for h in doc.headings()] == ["學校概況"]
    assert any("Big5" in w for w in doc.warnings)


@pytest.mark.parametrize("words", ["学校", "就业率", "专任教师", "生师比为", "学校现有在校生"])
def test_short_gbk_is_not_taken_for_big5_or_utf8(words):
    # 学校 in GBK is also valid UTF-8 ("ѧУ") and valid Big5
    assert decode(words.encode("gbk"))[:2] == (words, "gb18030")


@pytest.mark.parametrize("words", ["學校", "就業率", "專任教師", "生師比", "學校現有在校生"])
def test_short_big5(words):
    text, encoding, warning = decode(words.encode("big5"))
    assert (text, encoding) == (words, "cp950") and warning


def test_section_headings_di_yi_jie(tmp_path):
    p = tmp_path / "jie.txt"
    p.write_text("某职业学校2023年质量年度报告\n第一节 学校概况\n学校始建于1985年。\n第二节 人才培养\n"
                 "（一）德育工作\n开展主题班会40次。\n第三节 服务贡献\n", encoding="utf-8")
    heads = [(h.level, h.number, h.title) for h in parse(p).headings()]
    assert heads == [(1, "第一节", "学校概况"), (1, "第二节", "人才培养"), (2, "（一）", "德育工作"),
                     (1, "第三节", "服务贡献")]


def test_a_rows_figure_is_not_joined_to_the_next_rows_number(tmp_path):
    """A flattened table without tabs: "…（人） 2960" then "2 专任教师数…" must
    not read as 29602; each row's figure stays its own."""
    from nianbao.extractors.extract import extract
    p = tmp_path / "r.txt"
    p.write_text("石桥县职业教育中心2024年质量年度报告\n\n一、基本情况\n\n序号 指标 数值\n"
                 "1 全日制在校生数（人） 2960\n2 专任教师数（人） 170\n", encoding="utf-8")
    doc = parse(p)
    assert not any("29602" in b.text for b in doc.blocks)
    got = {(m.metric, m.value) for m in extract(doc).metrics}
    assert ("students_fulltime", 2960) in got and not any(v == 29602 for _, v in got)


def test_a_bare_appendix_line_is_a_heading(tmp_path):
    """附表 on a line of its own opens the appendix part: its tables sit under
    it, not under the last numbered part."""
    p = tmp_path / "a.txt"
    p.write_text("石桥县职业教育中心2024年质量年度报告\n\n七、面临挑战\n\n学校面临的挑战。\n\n附表\n\n附表1 计分卡\n\n"
                 "\t指标\n\t2024年\n\n\t在校生数\n\t1200\n", encoding="utf-8")
    doc = parse(p)
    assert [b.text for b in doc.headings()][-1] == "附表"
    t = doc.tables()[0]
    assert doc.section_path_at(t.span[0])[-1] == "附表"


def test_rows_with_cells_between_tabs_are_a_table(tmp_path):
    """Word's "save as plain text" writes a table a row per line, the cells
    between tabs: a table, each year column read with its year."""
    from nianbao.extractors.extract import extract
    p = tmp_path / "t.txt"
    p.write_text("石桥县职业教育中心2024年质量年度报告\n\n附表\n\n附表1 计分卡\n指标\t单位\t2023年\t2024年\n"
                 "毕业生人数\t人\t431\t458\n就业率\t%\t98.1\t98.6\n\n学校将继续努力。\n", encoding="utf-8")
    doc = parse(p)
    assert [t.grid() for t in doc.tables()] == [[["指标", "单位", "2023年", "2024年"], ["毕业生人数", "人", "431", "458"],
                                                  ["就业率", "%", "98.1", "98.6"]]]
    got = {(m.metric, m.value, m.year) for m in extract(doc).metrics}
    assert {("graduates_total", 458, 2024), ("graduates_total", 431, 2023), ("employment_rate", 98.6, 2024)} <= got
    # prose lines that end in a stray tab stay prose
    p.write_text("石桥县职业教育中心2024年质量年度报告\t\n一、学校概况\t\n学校现有在校生1,200人。\t\n", encoding="utf-8")
    doc = parse(p)
    assert doc.tables() == [] and [b.title for b in doc.headings()] == ["学校概况"]


def test_a_page_break_ends_a_tab_table_and_is_counted(tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("石桥县职业教育中心2024年质量年度报告\n\n附表1 计分卡\n指标\t单位\t2024年\n毕业生人数\t人\t458\n"
                 "\f就业率\t%\t98.6\n招生人数\t人\t512\n", encoding="utf-8")
    doc = parse(p)
    assert len(doc.pages) == 2 and not any("\f" in c for t in doc.tables() for row in t.grid() for c in row)
