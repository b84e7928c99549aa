"""The narrative extractor on sentences that carry the traps real reports
have: changes, targets, subsets, previous years, approximations, Chinese
numerals.  (The same traps on real files: tests/test_extraction.py.)"""
from __future__ import annotations

import pytest

from nianbao.extractors.extract import extract
from nianbao.ingest.model import Block, Document, HEADING, PARAGRAPH


def _facts(*paragraphs, year=2023):
    doc = Document(path="t.txt", format="txt", parser="test")
    doc.add(Block(kind=PARAGRAPH, text=f"某某职业技术学校{year}年度质量报告"))
    doc.add(Block(kind=HEADING, text="一、基本情况", level=1, number="一、", title="基本情况"))
    for p in paragraphs:
        doc.add(Block(kind=PARAGRAPH, text=p))
    doc.finalize()
    return extract(doc)


def _values(facts, metric, year=2023):
    return [(m.value, m.approximate) for m in facts.metrics if m.metric == metric and m.year == year]


@pytest.mark.parametrize("text,metric,want", [
    ("2023年共招生1,126人，比上年增加120人。", "enrolment_new", [(1126, False)]),
    ("全日制在校生3,276人，其中女生1,530人。", "students_fulltime", [(3276, False)]),
    ("毕业去向落实率97.3%，较2022年提高1.5个百分点。", "employment_rate", [(97.3, False)]),
    ("学校与60余家企业建立了稳定的合作关系。", "partner_enterprises", [(60, True)]),
    ("其中，直接就业三百八十六人，升学612人。", "graduates_employed_direct", [(386, False)]),
    ("学校占地面积218亩，校舍建筑面积8.6万平方米。", "land_area", [(145334.06, False)]),
    ("学校占地面积218亩，校舍建筑面积8.6万平方米。", "building_area", [(86000, False)]),
    ("现有教学仪器设备总值2,356.8万元，生均教学仪器设备值7,192元。", "equipment_value_total", [(23568000, False)]),
    ("生师比为17.6∶1。", "student_teacher_ratio", [(17.6, False)]),
    ("就业率达到百分之九十六。", "employment_rate", [(96, False)]),
    ("纸质图书18.6万册，生均图书57册。", "books_total", [(186000, False)]),
])
def test_current_values(text, metric, want):
    assert _values(_facts(text), metric) == want


@pytest.mark.parametrize("text,metric", [
    ("计划2024年招生1,200人。", "enrolment_new"),
    ("力争到2025年双师型教师比例达到75%。", "teachers_dual_qualified_ratio"),
    ("学校累计150名师生获奖，累计培养毕业生2万余人。", "graduates_total"),
    ("学校核定编制60个，其中管理岗10个。", "staff_total"),
    ("当年新增实训设备320万元。", "equipment_value_total"),
    ("招标采购纸质图书23000册，电子图书100000册。", "books_total"),
    ("专任教师中具有硕士学位的有45人。", "teachers_fulltime"),
    ("达到“生均图书不少于30册”的标准。", "books_per_student"),
])
def test_traps_are_not_values(text, metric):
    assert _values(_facts(text), metric) == []


def test_previous_year_values_keep_their_year():
    f = _facts("2023届毕业生总数1,045人，毕业去向落实率97.3%（较2022年的95.8%有所提升）。",
               "2022年毕业生总数998人。毕业生就业980人。就业率达98.2%。",
               "2023年学校总收入4,235.6万元（上年3,986.2万元）。")
    assert _values(f, "graduates_total") == [(1045, False)]
    assert _values(f, "employment_rate") == [(97.3, False)]
    assert (95.8, False) in _values(f, "employment_rate", 2022)
    assert (98.2, False) in _values(f, "employment_rate", 2022)
    assert _values(f, "graduates_total", 2022) == [(998, False)]
    assert _values(f, "income_total") == [(42356000, False)]
    assert _values(f, "income_total", 2022) == [(39862000, False)]


def test_conflicting_statements_raise_a_flag_with_both_sources():
    f = _facts("学校开设专业11个。", "学校现有专业数量9个。")
    (flag,) = [x for x in f.flags if x.kind == "conflict"]
    assert flag.metric == "majors_count"
    assert {flag.source_a["value"], flag.source_b["value"]} == {11, 9}
    assert "开设专业11个" in flag.source_a["sentence"] + flag.source_b["sentence"]


def test_section_hints_limit_the_looser_patterns():
    def facts_under(title, text):
        doc = Document(path="t.txt", format="txt", parser="test")
        doc.add(Block(kind=PARAGRAPH, text="某某职业技术学校2023年度质量报告"))
        doc.add(Block(kind=HEADING, text=f"一、{title}", level=1, number="一、", title=title))
        doc.add(Block(kind=PARAGRAPH, text=text))
        return extract(doc.finalize())
    text = "学校面向区域产业开设11个专业。"
    assert _values(facts_under("基本情况", text), "majors_count") == [(11, False)]
    assert _values(facts_under("国际合作", text), "majors_count") == []
    # a term names the metric wherever it stands
    assert _values(facts_under("国际合作", "学校开设专业数11个。"), "majors_count") == [(11, False)]


def test_a_space_between_thousands_is_one_number_but_longer_runs_are_not_guessed():
    # statistical bulletins separate thousands with a (thin) space
    f = _facts("全日制在校生3 276人，生师比为17.6:1。")
    assert _values(f, "students_fulltime") == [(3276, False)]
    assert _values(f, "student_teacher_ratio") == [(17.6, False)]
    f = _facts("全日制在校生3, 276 人。")
    assert _values(f, "students_fulltime") == [(3276, False)]
    # three groups could be three table columns: nothing is taken
    f = _facts("全日制在校生12 345 678人。")
    assert _values(f, "students_fulltime") == []
