"""Phrasing kinds of real reports, each in sentences of our own (never a
real report's words): what is the report's own current figure, and what is
kept out of ``metrics`` — as a review candidate with its reason when a figure
is bound to a metric term.  Issue #9, round 2: the kinds that the first
round's rules missed on text they were not tuned on."""
from __future__ import annotations

import pytest

from nianbao.extractors.extract import extract
from nianbao.ingest.model import Document, PARAGRAPH, Block


def _facts(text: str, title: str = "某职业学校2023年质量年度报告"):
    """A passage under a neutral title, as the realdev harness writes it."""
    doc = Document(path="t.txt", format="txt", parser="test")
    doc.add(Block(kind=PARAGRAPH, text=title))
    doc.add(Block(kind=PARAGRAPH, text=text))
    doc.finalize()
    return extract(doc)


def _got(facts, metric):
    return sorted(m.value for m in facts.metrics if m.metric == metric)


def _why(facts, metric):
    return sorted((c.value, c.reason) for c in facts.candidates if c.metric == metric)


# -- what is kept ------------------------------------------------------------------

@pytest.mark.parametrize("text,metric,want", [
    # a count before its noun, after a word stating a stock
    ("学校现有986名教职工和12000余名在校生。", "staff_total", [986]),
    ("学校现有986名教职工和12000余名在校生。", "students_fulltime", [12000]),
    ("全县职教在校生共5120人、98个教学班，312名专任教师。", "teachers_fulltime", [312]),
    # N个…专业 with a short qualifier between
    ("学校开设了12个对应专业。", "majors_count", [12]),
    ("学院开设28个高职专业。", "majors_count", [28]),
    ("学院设有7大类46个专业。", "majors_count", [46]),
    # a plan named as the object of a verb is no plan for the figure
    ("学院制定了专业建设五年发展规划，开设专业总数达到21个。", "majors_count", [21]),
    # a count of campuses names them all: the whole school's figure
    ("学校现有东西两个校区，占地约300亩。", "land_area", [pytest.approx(200001)]),
    ("学校有三个校区，校园总面积52.4万平方米。", "land_area", [524000]),
    # a history clause opens the sentence: the figures are today's
    ("学校1990年建校。2005年易地新建，占地200亩，建筑面积8.2万平方米。", "building_area", [82000]),
    # area units written with ASCII
    ("学校建筑面积30050m^2。", "building_area", [30050]),
    ("学校建筑面积2.1万m2。", "building_area", [21000]),
    # jieba glues a term to the word after it (占地约)
    ("学校占地约300亩。", "land_area", [pytest.approx(200001)]),
    # a share right after the 双师 words
    ("学校双师素质教师达61%。", "teachers_dual_qualified_ratio", [61]),
    ("学校教职工800余人，双师素质占72%。", "teachers_dual_qualified_ratio", [72]),
    ("学校“双师型”专任教师154人，占专任教师61%。", "teachers_dual_qualified", [154]),
    # connectors 则为 / 基本达到
    ("同期高职毕业生就业率则为93.4%。", "employment_rate", [93.4]),
    ("学校生师比基本达到18.5:1。", "student_teacher_ratio", [18.5]),
    # a qualifier that names the whole population
    ("全县接受职业教育的在校生总计为6100人。", "students_fulltime", [6100]),
    ("职业学校毕业生的就业率为88%。", "employment_rate", [88]),
    # 教师 alone for the full-time teachers, in a stock statement only
    ("学院现有教师460人，其中包括高级职称120人。", "teachers_fulltime", [460]),
    ("学校有教职工900余人，其中教师700余人，有副高职称100余人。", "teachers_fulltime", [700]),
    ("学校现有教师总数300人，专任教师280人。", "teachers_fulltime", [280]),
    # a count before the graduates with a verb of graduating after it
    ("六月，1,240名学生顺利完成学业毕业了。", "graduates_total", [1240]),
    ("典礼上，900 多名应届毕业生依依告别校园。", "graduates_total", [900]),
    # a superscript flattened in the source
    ("学校建筑面积1.2万m~2。", "building_area", [12000]),
    # the inverse ratio 1:x, after a loose verb
    ("两年制在校生师生比基本达到1:16.8。", "student_teacher_ratio", [16.8]),
    # from … to with the starting state and "now" named
    ("学院在校生总数由不足3000名增加到目前的8200余名。", "students_fulltime", [8200]),
    ("校舍建筑面积由原来的6000多平方米,增加到12000多平方米。", "building_area", [12000]),
    # 同届: the cohort named before; the other sector's figure is another entity's
    ("报告显示，2022届本科毕业生就业率为91.2%，而同届高职毕业生就业率则为93.5%。", "employment_rate", [93.5]),
    # an evaluative qualifier keeps the whole group
    ("学校聘请技艺精湛、经验丰富的兼职教师26人。", "teachers_parttime", [26]),
    # sector words inside the term, another verb before 专业, a count after 毕业
    ("学院现有全日制高职学生4120人。", "students_fulltime", [4120]),
    ("学院常设专业38个，现有招生专业35个。", "majors_count", [38]),
    ("全市技工院校共计毕业2.1万名学生。", "graduates_total", [21000]),
    # a major named before ； is that statement's, not the next one's
    ("2022年共招生420人，各专业招生人数：机电专业120人，会计专业90人；2023年共招生450人。", "enrolment_new", [420, 450]),
    # a region's qualified subset is not the region; one that took part in an evaluation is
    ("2023年，全省参与评估的中职学校210所，在校生32.1万人。", "students_fulltime", [321000]),
])
def test_kept(text, metric, want):
    assert _got(_facts(text), metric) == want


# -- what is kept out, and why ------------------------------------------------------

@pytest.mark.parametrize("text,metric,value,reason", [
    # additions this year, not the total
    ("2023年新招聘专任教师24名、引进企业兼职教师6名。", "teachers_fulltime", 24, "change"),
    ("2023年新招聘专任教师24名、引进企业兼职教师6名。", "teachers_parttime", 6, "change"),
    # one major's figure
    ("机电专业共有毕业生420人，会计专业共有毕业生310人。", "graduates_total", 420, "part"),
    # a region's qualified subset
    ("全省民办中职学校56所，在校生4.2万人。", "students_fulltime", 42000, "part"),
    # sent out over the years; an average over years
    ("学院共向社会输送毕业生3万余名。", "graduates_total", 30000, "cumulative"),
    ("学院年度平均就业率达96%以上。", "employment_rate", 96, "cumulative"),
    # a construction built in phases: its building area is partly future
    ("学院新校区总建筑面积21万平方米，分两期建设。", "building_area", 210000, "target"),
    # a construction project's land
    ("学院建设项目占地450亩。", "land_area", pytest.approx(300001.5), "target"),
    # all kinds of students, not the full-time ones
])
def test_kept_out_as_candidates(text, metric, value, reason):
    f = _facts(text)
    assert value not in _got(f, metric)
    assert (value, reason) in _why(f, metric)


@pytest.mark.parametrize("text,metric", [
    ("学院各类在校生2.1万人。", "students_fulltime"),
    ("学校资助了300名在校生。", "students_fulltime"),
    ("学校组织45名专任教师参加培训。", "teachers_fulltime"),
    ("学院开设5个省级重点专业。", "majors_count"),
    ("在技能大赛中，教师3人获一等奖。", "teachers_fulltime"),
    ("学校骨干教师45人。", "teachers_fulltime"),
    ("共有300名学生毕业后升入高职。", "graduates_total"),
    ("首届“订单班”133名学生顺利毕业。", "graduates_total"),
])
def test_not_a_value(text, metric):
    assert _got(_facts(text), metric) == []


def test_a_phased_project_keeps_the_land_the_school_has():
    f = _facts("学院占地50公顷，总建筑面积21万平方米，分两期建设。")
    assert _got(f, "land_area") == [500000]
    assert _got(f, "building_area") == []
