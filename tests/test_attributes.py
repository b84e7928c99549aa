"""School (or region), level and covered year of a report, read from its
title, cover, running header and first paragraphs (extractors/attributes.py,
extractors/cover.py, rules/attributes.yaml).

Every title here is invented (青禾县, 楚州, 鹿源 are not real places); one
test reads the real titles of ../shared/realdev at run time and skips
without it.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import SHARED
from nianbao.extractors.attribute_rules import load_attribute_rules
from nianbao.extractors.attributes import extract_attributes
from nianbao.extractors.cover import classify_name, read_title, compact
from nianbao.extractors.errors import RulesError
from nianbao.ingest import parse
from nianbao.ingest.model import Block, Cell, Document, HEADING, PARAGRAPH, TABLE

REALDEV = SHARED / "realdev"


def _doc(*lines: str, headers: list[str] | None = None) -> Document:
    doc = Document(path="t.txt", format="txt", parser="test")
    for line in lines:
        if line.startswith("#"):
            doc.add(Block(kind=HEADING, text=line[1:], level=1, title=line[1:]))
        else:
            doc.add(Block(kind=PARAGRAPH, text=line))
    if headers:
        doc.metadata["headers"] = headers
    return doc.finalize()


def _who(*lines, **kw):
    a = extract_attributes(_doc(*lines, **kw))
    return a["school"], a["level"], a["year"]


# (cover lines) → (school or region, level, covered year)
KINDS = [
    # a school's title, year before / after / in brackets, 年度 / 年 / 学年
    (["青禾县职业技术学校2023年度质量报告"], ("青禾县职业技术学校", "中职", 2023)),
    (["2021年度青禾县职业技术学校质量年度报告"], ("青禾县职业技术学校", "中职", 2021)),
    (["青禾县职业技术学校质量年度报告（2023年度）"], ("青禾县职业技术学校", "中职", 2023)),
    (["楚州工程职业技术学院2024年高等职业教育质量年度报告"], ("楚州工程职业技术学院", "高职", 2024)),
    (["2021-2022学年青禾县职业技术学校质量年度报告"], ("青禾县职业技术学校", "中职", 2022)),
    (["楚州工程职业技术学院质量年度报告（2022—2023学年）"], ("楚州工程职业技术学院", "高职", 2023)),
    (["二〇二三年度青禾县职业技术学校质量报告"], ("青禾县职业技术学校", "中职", 2023)),
    (["青禾县职业技术学校2023年质量年报"], ("青禾县职业技术学校", "中职", 2023)),
    (["青 禾 县 职 业 技 术 学 校 2 0 2 3 年 度 质 量 报 告"], ("青禾县职业技术学校", "中职", 2023)),
    (["《楚州工程职业技术学院高等职业教育质量年度报告（2024）》"], ("楚州工程职业技术学院", "高职", 2024)),
    (["楚州工程职业技术学院 · 高等职业教育质量年度报告（2023年度）"], ("楚州工程职业技术学院", "高职", 2023)),
    (["楚州工程职业技术学院（楚州开放大学）2023年度质量报告"], ("楚州工程职业技术学院", "高职", 2023)),
    # level from the type word: technician schools are 中职
    (["楚州技师学院2023年度质量报告"], ("楚州技师学院", "中职", 2023)),
    (["青禾县技工学校质量年度报告（2023年度）"], ("青禾县技工学校", "中职", 2023)),
    (["楚州医学高等专科学校质量年度报告（2023年度）"], ("楚州医学高等专科学校", "高职", 2023)),
    (["楚州职业大学2023年度质量报告"], ("楚州职业大学", "高职", 2023)),
    (["青禾县职业教育中心质量年度报告（2023年度）"], ("青禾县职业教育中心", "中职", 2023)),
    (["楚州交通职业学院教育质量年度报告（2024年度）"], ("楚州交通职业学院", "高职", 2024)),
    # an institution name without a vocational type word: level from the title's words
    (["楚州工学院高等职业教育质量年度报告（2024年度）"], ("楚州工学院", "高职", 2024)),
    (["楚州工程职业技术学院艺术设计学院2023年度质量报告"], ("楚州工程职业技术学院艺术设计学院", "高职", 2023)),
    # a region's report: 区域, the region as its name
    (["楚州市中等职业教育质量年度报告（2023年度）"], ("楚州市", "区域", 2023)),
    (["2022年楚州市中等职业教育质量年度报告"], ("楚州市", "区域", 2022)),
    (["楚州市青禾县2023年中等职业教育质量报告"], ("楚州市青禾县", "区域", 2023)),
    (["青禾省职业教育质量报告（2023年度）"], ("青禾省", "区域", 2023)),
    (["青禾省高职教育发展报告（2016—2022）"], ("青禾省", "区域", 2022)),
    (["鹿源自治州中等职业教育2021年度质量报告"], ("鹿源自治州", "区域", 2021)),
    (["楚州市教育局2023年中等职业教育质量年度报告"], ("楚州市", "区域", 2023)),
    # national: 全国
    (["中国中等职业教育质量报告（2021年度）"], ("全国", "区域", 2021)),
    (["全国中等职业学校毕业生就业报告"], ("全国", "区域", None)),
    # a bare edition year before or after the name: published that year, covers the one before
    (["2016中国高等职业教育质量年度报告"], ("全国", "区域", 2015)),
    (["青禾省教育质量监测报告2020"], ("青禾省", "区域", 2019)),
    (["2020高等职业教育质量年度报告"], (None, "高职", 2019)),
    # generic, series and anonymised titles name no school
    (["高等职业教育质量年度报告（2022）"], (None, "高职", 2022)),
    (["2019年度中等职业学校质量年度报告"], (None, "中职", 2019)),
    (["青禾省职业学校质量报告（2023年度）"], (None, "中职", 2023)),
    (["某某职业技术学校质量年度报告（2023年度）"], (None, "中职", 2023)),
    (["职业教育质量年报（2022年度）"], (None, None, 2022)),
    (["校企合作育人年度报告（2020）"], (None, None, 2020)),
    # a cover set on several lines
    (["青禾县职业技术学校", "中等职业教育质量年度报告", "（2023年度）", "青禾县职业技术学校 编", "二〇二四年一月"],
     ("青禾县职业技术学校", "中职", 2023)),
    (["楚州市2022年中等职业教育", "质量年度报告", "楚州市教育局", "二O二一年十二月"], ("楚州市", "区域", 2021)),
    (["青禾省职业学校质量报告（2023年度）", "楚州市青禾县职业教育中心", "2023年12月"],
     ("楚州市青禾县职业教育中心", "中职", 2023)),
    (["青禾县职业技术学校", "楚州市职业学校质量年度报告（2023年度）"], ("青禾县职业技术学校", "中职", 2023)),
    (["中等职业教育质量年度报告（2023年度）", "楚州市教育局", "二〇二四年一月"], ("楚州市", "区域", 2023)),
    (["楚州工程职业技术学院", "2024年度", "质量报告"], ("楚州工程职业技术学院", "高职", 2024)),
    (["2024年度", "质量报告", "学校名称：楚州工程职业技术学院", "2024.12"], ("楚州工程职业技术学院", "高职", 2024)),
    (["质量年度报告（2023年度）", "编制单位：青禾县职业技术学校", "二〇二四年元月"], ("青禾县职业技术学校", "中职", 2023)),
    (["质量年度报告", "2023年11月"], (None, None, 2023)),
    (["青禾县职业技术学校2023年度质量报告", "#前言", "2023年6月，学校通过验收。"], ("青禾县职业技术学校", "中职", 2023)),
    (["2023年度质量报告（青禾县职业技术学校）"], ("青禾县职业技术学校", "中职", 2023)),
    (["高等职业教育质量年度报告（2024年度）——楚州工程职业技术学院"], ("楚州工程职业技术学院", "高职", 2024)),
    # a title quoted in the preface names the school
    (["#前言", "为全面总结办学成效，学校编制了《青禾县职业技术学校2023年度质量报告》。"],
     ("青禾县职业技术学校", "中职", 2023)),
    # a (year) title dated in the year before covers that year
    (["楚州工程职业技术学院", "", "高等职业教育质量年度报告", "2019年）", "二〇一八年十二月二十六日"],
     ("楚州工程职业技术学院", "高职", 2018)),
    # round 2 kinds: an explicit 年度 year wins over a bare year before the name
    (["2022青禾县职业技术学校质量年度报告.pdf", "（2022 年度）"], ("青禾县职业技术学校", "中职", 2022)),
    # Word field codes left on the cover
    (["PAGE", "PAGE2", "2022年度青禾县职业中等专业学校质量年度报告"], ("青禾县职业中等专业学校", "中职", 2022)),
    # a province's evaluation of its schools is the province's report, not a series
    (["青禾省职业院校专项督导评估报告（2021年）"], ("青禾省", "区域", 2021)),
    # an analysis titled without 报告, a national one
    (["2021年全国职业院校发展情况分析"], ("全国", "区域", 2021)),
    # 关于…的调查报告 about the writer's own region
    (["关于我市中等职业教育发展的调查报告"], (None, "区域", None)),
    # an official letter: a bureau's report 关于 its region's schools
    (["楚州市教育局关于2023年全市中等职业教育质量的报告"], ("楚州市", "区域", 2023)),
    (["关于2023年全市中等职业教育质量的报告", "楚州市教育局", "2024年1月"], ("楚州市", "区域", 2023)),
    # more type words
    (["青禾县职业中专2023年度质量报告"], ("青禾县职业中专", "中职", 2023)),
    (["楚州幼儿师范高等专科学校高等职业教育质量年度报告（2024）"], ("楚州幼儿师范高等专科学校", "高职", 2024)),
    (["楚州技师学院2023-2024学年质量报告"], ("楚州技师学院", "中职", 2024)),
    # a sentence citing a notice is not the title
    (["#前言", "根据《关于做好2024年度职业教育质量报告编制工作的通知》要求，学校编制本报告。",
      "青禾县职业技术学校", "2023年度质量报告"], ("青禾县职业技术学校", "中职", 2023)),
]


@pytest.mark.parametrize("lines,want", KINDS, ids=[k[0][0][:18] for k in KINDS])
def test_title_kinds(lines, want):
    assert _who(*[line for line in lines if line]) == want


def test_title_year_differs_from_covered_year():
    a = extract_attributes(_doc("2016中国高等职业教育质量年度报告"))
    assert (a["year"], a["title_year"]) == (2015, 2016)
    a = extract_attributes(_doc("青禾县职业技术学校2023年度质量报告"))
    assert a["year"] == 2023 and "title_year" not in a


def test_stated_period_decides_the_covered_year():
    # a (2024) title whose preface says which school year it reports on
    a = extract_attributes(_doc("楚州市鹿源区职业中等专业学校", "质量年度报告（2024）", "#前言",
                                "学校对2022-2023学年的办学情况进行了总结，形成本报告。"))
    assert (a["school"], a["year"], a["title_year"]) == ("楚州市鹿源区职业中等专业学校", 2023, 2024)
    a = extract_attributes(_doc("楚州工程职业技术学院2024年度质量报告", "#前言",
                                "本报告数据统计口径为2023年9月1日至2024年8月31日。"))
    assert a["year"] == 2024


def test_a_year_title_keeps_its_year_whatever_the_body_quotes():
    # the neutral first line the realdev runner puts before a passage
    a = extract_attributes(_doc("某职业学校2023年质量年度报告", "",
                                "2022届毕业生就业率为96.2%，比2021届提高0.4个百分点，2020届为95.1%。"))
    assert (a["school"], a["year"]) == (None, 2023)


def test_without_a_title_year_the_body_decides():
    a = extract_attributes(_doc("青禾县职业技术学校质量年度报告", "#一、学校概况",
                                "青禾县职业技术学校始建于1978年。2023年，学校招生412人。2023年，学校获批省级示范校。"))
    assert a["year"] == 2023


def test_a_school_in_a_merger_or_visit_sentence_is_not_the_school():
    school, level, _ = _who(
        "高等职业教育质量年度报告（2022）", "#一、学院概况",
        "经省政府批准，决定青禾县农业学校整体并入楚州工程职业技术学院。",
        "青禾县农业学校原有专业全部划转，青禾县农业学校教师全部并入。",
        "楚州工程职业技术学院是楚州市人民政府举办的公办高等职业院校。")
    assert (school, level) == ("楚州工程职业技术学院", "高职")
    school, _, _ = _who(
        "质量年度报告（2024年度）", "#前言",
        "青禾县职业技术学校地处青禾县城区。",
        "学校与楚州工程职业技术学院开展中高职贯通培养，楚州工程职业技术学院专家来校指导。",
        "赴楚州工程职业技术学院跟岗学习。")
    assert school == "青禾县职业技术学校"


def test_a_cover_laid_out_as_a_table():
    doc = Document(path="t.docx", format="docx", parser="test")
    cells = [["学校名称", "青禾县职业技术学校"], ["报告名称", "2023年度质量报告"]]
    doc.add(Block(kind=TABLE, rows=[[Cell(text=t, row=r, col=c) for c, t in enumerate(row)]
                                    for r, row in enumerate(cells)]))
    doc.add(Block(kind=HEADING, text="一、学校概况", level=1, title="学校概况"))
    doc.add(Block(kind=PARAGRAPH, text="学校开设8个专业。"))
    a = extract_attributes(doc.finalize())
    assert (a["school"], a["level"], a["year"]) == ("青禾县职业技术学校", "中职", 2023)


def test_phrases_about_schools_in_general_are_no_school():
    school, level, year = _who("中等职业教育质量年度报告（2023年度）", "#一、发展概况",
                               "全市不断优化中等职业学校布局，推动职业学校特色发展。",
                               "推动职业学校与企业深度合作，各类职业学校办学条件持续改善。")
    assert (school, level, year) == (None, "中职", 2023)


def test_running_header_names_the_school():
    a = extract_attributes(_doc("#前言", "学校坚持立德树人根本任务。",
                                headers=["楚州工程职业技术学院2023年度质量报告"]))
    assert (a["school"], a["level"], a["year"]) == ("楚州工程职业技术学院", "高职", 2023)


@pytest.mark.parametrize("line,year,kind", [
    ("2016中国高等职业教育质量年度报告", 2016, "edition"),
    ("青禾省教育质量监测报告2020", 2020, "edition"),
    ("高等职业教育质量年度报告（2022）", 2022, "paren"),
    ("高等职业教育质量年度报告2019年）", 2019, "paren"),
    ("青禾县职业技术学校2023年度质量报告", 2023, "niandu"),
    ("2022年楚州市中等职业教育质量年度报告", 2022, "nian"),
    ("青禾县职业技术学校2022学年质量报告", 2022, "xuenian"),
    ("2021-2022学年青禾县职业技术学校质量年度报告", 2022, "range"),
    ("二O二三年度青禾县职业技术学校质量报告", 2023, "niandu"),
])
def test_title_year_kinds(line, year, kind):
    rules = load_attribute_rules()
    t = read_title(compact(line, rules), rules)
    assert (t.year.year, t.year.kind) == (year, kind)


@pytest.mark.parametrize("name,kind,text,level", [
    ("青禾县职业技术学校", "school", "青禾县职业技术学校", "中职"),
    ("楚州技师学院", "school", "楚州技师学院", "中职"),
    ("楚州工程职业技术学院", "school", "楚州工程职业技术学院", "高职"),
    ("楚州市", "region", "楚州市", "区域"),
    ("青禾省鹿源自治州", "region", "青禾省鹿源自治州", "区域"),
    ("中国", "national", "全国", "区域"),
    ("全国中等职业学校", "national", "全国", "区域"),
    ("河北省职业学校", "series", None, "中职"),
    ("中等职业学校", "series", None, "中职"),
    ("某中职学校", "anonymous", None, "中职"),
    ("校企合作育人", "none", None, None),
])
def test_classify_name(name, kind, text, level):
    n = classify_name(name, load_attribute_rules())
    assert (n.kind, n.text, n.level) == (kind, text, level)


@pytest.mark.parametrize("line", [
    "根据《关于做好2024年度职业教育质量报告编制工作的通知》要求，学校编制本报告。",
    "按照上级要求编制质量年度报告",
    "学校坚持立德树人，全面提升质量，形成本年度报告。",
])
def test_sentences_about_a_report_are_not_titles(line):
    rules = load_attribute_rules()
    assert read_title(compact(line, rules), rules) is None


# -- real files ---------------------------------------------------------------------

def test_docx_cover_lines_and_running_header(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for line in ("楚州工程职业技术学院", "高等职业教育质量年度报告", "（2024）", "二〇二四年一月"):
        d.add_paragraph(line)
    d.add_heading("前言", level=1)
    d.add_paragraph("2023年，学院与青禾县职业技术学校联合开展中高职衔接培养。")
    path = tmp_path / "cover.docx"
    d.save(path)
    a = extract_attributes(parse(path))
    assert (a["school"], a["level"], a["year"], a["title_year"]) == ("楚州工程职业技术学院", "高职", 2023, 2024)

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "青禾县职业技术学校质量年度报告（2023年度）"
    d.add_heading("一、学校概况", level=1)
    d.add_paragraph("学校占地面积120亩，开设8个专业。")
    path = tmp_path / "header.docx"
    d.save(path)
    a = extract_attributes(parse(path))
    assert (a["school"], a["level"], a["year"]) == ("青禾县职业技术学校", "中职", 2023)


def test_pdf_region_cover(tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    font = "STSong-Light"                 # reportlab's built-in CJK font (not embedded)
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    path = tmp_path / "region.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = 700
    for text, size in (("楚州市2022年中等职业教育", 22), ("质量年度报告", 22), ("楚州市教育局", 14), ("二〇二一年十二月", 14)):
        c.setFont(font, size)
        c.drawString(120, y, text)
        y -= 60
    c.showPage()
    c.setFont(font, 12)
    c.drawString(72, 760, "全市共有中等职业学校12所，在校生28415人。")
    c.save()
    a = extract_attributes(parse(path))
    assert (a["school"], a["level"], a["year"], a["title_year"]) == ("楚州市", "区域", 2021, 2022)


def test_gb18030_text_title(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("2021年度楚州技师学院质量年度报告\n\n一、学校概况\n\n学校开设12个专业。\n".encode("gb18030"))
    a = extract_attributes(parse(path))
    assert (a["school"], a["level"], a["year"]) == ("楚州技师学院", "中职", 2021)


# -- the rule file ------------------------------------------------------------------

def _broken_rules(tmp_path, old: str, new: str) -> Path:
    from nianbao.rules import RULES_DIR
    text = (RULES_DIR / "attributes.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "attributes.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_rule_file_mistakes_name_file_and_line(tmp_path):
    path = _broken_rules(tmp_path, "  高职: [职业技术学院", "  本科: [职业技术学院")
    with pytest.raises(RulesError, match="unknown level '本科'") as e:
        load_attribute_rules(path)
    assert e.value.path == str(path) and e.value.line is not None
    line = path.read_text(encoding="utf-8").splitlines()[e.value.line - 1]
    assert "本科" in line
    with pytest.raises(RulesError, match="not a valid regex"):
        load_attribute_rules(_broken_rules(tmp_path, "prefecture_pattern: '[", "prefecture_pattern: '(["))
    with pytest.raises(RulesError, match="unknown key 'school_typez'"):
        load_attribute_rules(_broken_rules(tmp_path, "school_types:", "school_typez:"))
    with pytest.raises(RulesError, match="from 1 to 12"):
        load_attribute_rules(_broken_rules(tmp_path, "cover_date_same_year_from_month: 9",
                                           "cover_date_same_year_from_month: 13"))


# -- real titles, read at run time ----------------------------------------------------

def _realdev_scorer():
    spec = importlib.util.spec_from_file_location("realdev_score", REALDEV / "score_sentences.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.score_titles


@pytest.mark.skipif(not (REALDEV / "titles.jsonl").exists(), reason="../shared/realdev not present (fresh clone)")
def test_realdev_titles_accuracy_floor(tmp_path):
    gold = [json.loads(line) for line in (REALDEV / "titles.jsonl").read_text(encoding="utf-8").splitlines() if line]
    preds = []
    for i, g in enumerate(gold):
        path = tmp_path / f"title_{i:03d}.txt"           # as realdev/run_baseline.py writes them
        path.write_text(g["text"] + "\n", encoding="utf-8")
        a = extract_attributes(parse(path))
        preds.append({"text": g["text"], "school": a["school"], "level": a["level"], "year": a["year"]})
    res = _realdev_scorer()(gold, preds, 100)
    misses = res["_misses"]
    assert res["school_acc"] >= 0.98, misses
    assert res["level_acc"] >= 0.97, misses
    assert res["year_acc"] >= 0.96, misses


def test_a_kind_of_place_is_no_county(tmp_path):
    """学校地处山区县: the kind of place it is, not a county's name; the
    county in the school's own name stands."""
    from nianbao.ingest import parse
    p = tmp_path / "r.txt"
    p.write_text("青梧县职业技术学校2024年质量年度报告\n\n一、学校概况\n\n学校地处山区县，是一所公办中职学校，现有在校生1,200人。\n",
                 encoding="utf-8")
    assert extract_attributes(parse(p))["region"] == "青梧县"
