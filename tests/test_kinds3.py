"""Phrasing kinds of real reports, round 3 of issue #9, each in sentences of
our own (never a real report's words), through the real extractor: what is
the report's own current figure, and what is kept out of ``metrics`` as a
review candidate with its reason.  A few kinds also go through a .docx
written with python-docx and parsed by nianbao."""
from __future__ import annotations

import pytest

from nianbao.extractors.extract import extract
from nianbao.extractors.facts import CANDIDATE_REASONS
from nianbao.ingest.model import Document, PARAGRAPH, Block

from conftest import passage_facts, school_report_docx


_facts = passage_facts


def _got(facts, metric):
    return sorted((m.value, m.year) for m in facts.metrics if m.metric == metric)


def _why(facts, metric):
    return sorted((c.value, c.reason) for c in facts.candidates if c.metric == metric)


# -- 1. several metrics before one 分别为 ----------------------------------------

@pytest.mark.parametrize("text,want", [
    ("学校现有专任教师、兼职教师分别为210人、45人。",
     {"teachers_fulltime": [(210, 2023)], "teachers_parttime": [(45, 2023)]}),
    ("本年度招生数和在校生数分别为1200人、3650人。",
     {"enrolment_new": [(1200, 2023)], "students_fulltime": [(3650, 2023)]}),
    ("学校招生人数、毕业生人数、在校生人数分别是980人、860人和2900人。",
     {"enrolment_new": [(980, 2023)], "graduates_total": [(860, 2023)], "students_fulltime": [(2900, 2023)]}),
    ("学校就业率和对口就业率分别为97.5%和82.3%。",
     {"employment_rate": [(97.5, 2023)], "employment_match_rate": [(82.3, 2023)]}),
    ("专任教师和兼职教师人数分别达到186人和52人。",
     {"teachers_fulltime": [(186, 2023)], "teachers_parttime": [(52, 2023)]}),
    ("学校在校生、教职工分别有3280人和286人。",
     {"students_fulltime": [(3280, 2023)], "staff_total": [(286, 2023)]}),
    ("学校招生人数和毕业生人数依次为1200人、1020人。",
     {"enrolment_new": [(1200, 2023)], "graduates_total": [(1020, 2023)]}),
    # an item that names no metric takes its figure and nothing more
    ("学校就业率、满意度、对口就业率分别为97%、98%、85%。",
     {"employment_rate": [(97, 2023)], "employment_match_rate": [(85, 2023)]}),
    # each figure must be of its own metric's kind
    ("学校占地面积和建筑面积分别为200亩和8万平方米。",
     {"land_area": [(pytest.approx(133334, abs=1), 2023)], "building_area": [(80000, 2023)]}),
])
def test_a_list_of_metrics_takes_its_figures_in_order(text, want):
    f = _facts(text)
    for metric, values in want.items():
        assert _got(f, metric) == values, metric


@pytest.mark.parametrize("text,metrics", [
    # three figures for two terms: which is which?
    ("学校专任教师、兼职教师分别为210人、45人、30人。", ["teachers_fulltime", "teachers_parttime"]),
    # two years and two metrics: the pairing is unknown
    ("2022、2023年专任教师、兼职教师分别为210人、45人。", ["teachers_fulltime", "teachers_parttime"]),
    # an item of the list that names no metric
    ("学校在校生、毕业生和培训学员分别为3000人、900人。", ["students_fulltime", "graduates_total"]),
])
def test_a_list_that_does_not_pair_is_a_candidate_never_a_value(text, metrics):
    f = _facts(text)
    for metric in metrics:
        assert _got(f, metric) == [], metric
        assert {r for _, r in _why(f, metric)} == {"ambiguous_binding"}, metric
    assert "ambiguous_binding" in CANDIDATE_REASONS


@pytest.mark.parametrize("text", [
    "专任教师和兼职教师分别占62%和38%。",               # shares, not counts
    "学校专任教师和兼职教师比上年分别增加12人和5人。",   # changes
    "中职、高职在校生分别为3000人、5000人。",           # one term, two sectors: no total
])
def test_a_list_that_gives_no_value(text):
    f = _facts(text)
    assert not [m for m in f.metrics if m.metric in ("teachers_fulltime", "teachers_parttime", "students_fulltime")]


# -- 2. the term ends one clause, its figure the next ---------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("学校现有在校生，共计3280人。", "students_fulltime", [(3280, 2023)]),
    ("专任教师队伍不断壮大，现有145人。", "teachers_fulltime", [(145, 2023)]),
    ("在校生规模稳步扩大，目前达4200余人。", "students_fulltime", [(4200, 2023)]),
    ("学校教职工，共计312人，其中专任教师260人。", "staff_total", [(312, 2023)]),
    ("在校生人数稳定，达到3100人左右。", "students_fulltime", [(3100, 2023)]),
    ("学校在校生人数继续保持增长态势，达3280人。", "students_fulltime", [(3280, 2023)]),
    ("学校在校生规模稳定增长，现有3280人。", "students_fulltime", [(3280, 2023)]),
    ("学校毕业生，2022届共1020人。", "graduates_total", [(1020, 2022)]),
])
def test_a_figure_in_the_clause_after_its_term(text, metric, want):
    assert _got(_facts(text), metric) == want


@pytest.mark.parametrize("text,metric", [
    ("毕业生就业情况良好，共计1020人实现就业。", "graduates_total"),   # the figure counts something else
    ("教职工参加培训，共计560人。", "staff_total"),                    # an activity, not the group's state
    ("学校教职工积极参与，共计120人。", "staff_total"),
    ("毕业生人数逐年增加，共计增加120人。", "graduates_total"),         # a change
    ("学校毕业生，共有860人顺利毕业。", "graduates_total"),            # the figure does not end its clause
    ("学校毕业生，2023年有1020人实现就业。", "graduates_total"),
    ("学校在校生数量明显增加，增加了300人。", "students_fulltime"),     # a change
    ("学校在校生人数增长明显，较上年增加300人。", "students_fulltime"),
    ("学校现有全日制在校生，其中中职2100人。", "students_fulltime"),    # a part
])
def test_no_figure_from_the_next_clause(text, metric):
    assert _got(_facts(text), metric) == []


# -- 3. metrics named by phrases ------------------------------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("毕业生就业率（含升学）为98.1%。", "employment_rate", 98.1),
    ("学校图书藏量8.6万册。", "books_total", 86000),
    ("学校纸质藏书12万册。", "books_total", 120000),
    ("学校有学历教育学生2800人。", "students_fulltime", 2800),
    ("学校全日制学历教育在校生3400人。", "students_fulltime", 3400),
    ("学校在籍生3100人。", "students_fulltime", 3100),
    ("学校今年招录新生980人。", "enrolment_new", 980),
    ("学校新招学生900人。", "enrolment_new", 900),
    ("本届毕业人数860人。", "graduates_total", 860),
    ("学校校舍建筑总面积9万平方米。", "building_area", 90000),
    ("学校现有专业（方向）18个。", "majors_count", 18),
    ("学校在校生总规模4356人。", "students_fulltime", 4356),
    ("2023年度，学院共招收全日制高职新生3120人。", "enrolment_new", 3120),
    ("学校具有副高级以上专业技术职称的教师68人。", "teachers_senior_title", 68),
    ("学院具有高级专业技术职称教师68人。", "teachers_senior_title", 68),
])
def test_a_metric_named_by_a_phrase(text, metric, want):
    assert [v for v, _ in _got(_facts(text), metric)] == [want]


def test_a_phrase_keeps_its_exclusions():
    f = _facts("学校成人学历教育学生800人，函授在籍生300人。")
    assert _got(f, "students_fulltime") == []
    f = _facts("学校上学年毕业人数1030人。")
    assert _got(f, "graduates_total") == [(1030, 2022)]


# -- 4. a share or count of a group of the teachers -----------------------------

@pytest.mark.parametrize("text,metric,value", [
    ("学校青年教师中双师型教师占60%。", "teachers_dual_qualified_ratio", 60),
    ("学校兼职教师中双师素质教师比例为40%。", "teachers_dual_qualified_ratio", 40),
    ("学校女教师中双师型教师86人。", "teachers_dual_qualified", 86),
    ("学校35岁以下青年教师中，高级职称教师12人。", "teachers_senior_title", 12),
])
def test_a_group_of_the_teachers_gives_a_part(text, metric, value):
    f = _facts(text)
    assert _got(f, metric) == []
    assert _why(f, metric) == [(value, "subset")]


@pytest.mark.parametrize("text,metric,value", [
    ("学校专任教师中，双师型教师占比72%。", "teachers_dual_qualified_ratio", 72),
    ("学校双师型教师占专业课教师的比例为68%。", "teachers_dual_qualified_ratio", 68),
    ("学校双师型教师86人，占专任教师的62.3%。", "teachers_dual_qualified_ratio", 62.3),
])
def test_a_share_of_the_catalog_base_is_kept(text, metric, value):
    assert _got(_facts(text), metric) == [(value, 2023)]


# -- 5. a partner school's figures ----------------------------------------------

@pytest.mark.parametrize("text,metric", [
    ("对口支援的某县职业中学在校生1200人。", "students_fulltime"),
    ("帮扶学校专任教师56人。", "teachers_fulltime"),
    ("学校与某县职校结对帮扶，结对学校在校生860人。", "students_fulltime"),
    ("学校托管的某职业学校占地面积80亩。", "land_area"),
    ("兄弟院校就业率为92%。", "employment_rate"),
])
def test_a_partner_schools_figure_is_another_entitys(text, metric):
    f = _facts(text)
    assert _got(f, metric) == []
    assert {r for _, r in _why(f, metric)} == {"other_entity"}


@pytest.mark.parametrize("text", [
    "学校对口帮扶某县职业中学，选派教师12人，现有在校生3200人。",   # the partner is the object
    "学校作为对口支援学校，在校生3200人。",                         # what the school is
    "学校现有在校生3200人，对口帮扶某县职业中学。",
])
def test_the_school_that_helps_keeps_its_own_figure(text):
    assert _got(_facts(text), "students_fulltime") == [(3200, 2023)]


# -- 6. an average over schools is no total --------------------------------------

@pytest.mark.parametrize("text,metric", [
    ("全省中职学校平均在校生规模1500人。", "students_fulltime"),
    ("全省中职学校平均占地面积120亩。", "land_area"),
])
def test_an_average_is_no_total(text, metric):
    f = _facts(text, title="某省2023年中等职业教育质量年度报告")
    assert _got(f, metric) == []
    assert {r for _, r in _why(f, metric)} == {"average"}


def test_an_average_rate_is_the_rate():
    f = _facts("全省高职院校平均就业率为93.5%，平均生师比为17.2:1。", title="某省2023年高等职业教育质量年度报告")
    assert _got(f, "employment_rate") == [(93.5, 2023)]
    assert _got(f, "student_teacher_ratio") == [(17.2, 2023)]


# -- through a real producer: a .docx written with python-docx --------------------

DOCX_PARAGRAPHS = [
    "学校现有专任教师、兼职教师分别为212人、48人。",
    "本年度招生数和毕业生数分别为1180人、1020人、960人。",
    "学校教职工队伍不断壮大，现有318人。",
    "学校青年教师中双师型教师占55%。",
    "对口支援的某县职业中学在校生1300人。",
]


def test_round3_kinds_through_a_docx(tmp_path):
    from nianbao.ingest import parse
    path = school_report_docx(tmp_path / "qinghe_2023.docx", DOCX_PARAGRAPHS)
    f = extract(parse(path))
    assert _got(f, "teachers_fulltime") == [(212, 2023)]
    assert _got(f, "teachers_parttime") == [(48, 2023)]
    assert _got(f, "staff_total") == [(318, 2023)]
    assert _got(f, "enrolment_new") == [] and _got(f, "graduates_total") == []
    assert _why(f, "enrolment_new") == [(1180, "ambiguous_binding")]
    assert _why(f, "graduates_total") == [(1020, "ambiguous_binding")]
    assert _why(f, "teachers_dual_qualified_ratio") == [(55, "subset")]
    assert _got(f, "students_fulltime") == [] and _why(f, "students_fulltime") == [(1300, "other_entity")]


# -- 7. a change, then the level reached ---------------------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("与上年相比，学校在校生增加200人，达到3400人。", "students_fulltime", [(3400, 2023)]),
    ("学校在校生减少200人，降至3000人。", "students_fulltime", [(3000, 2023)]),
    ("学校在校生3300人，上年为3100人。", "students_fulltime", [(3100, 2022), (3300, 2023)]),
    ("学校上一年度毕业生1020人。", "graduates_total", [(1020, 2022)]),
])
def test_a_change_then_the_level(text, metric, want):
    assert _got(_facts(text), metric) == want


def test_a_change_alone_is_no_value():
    f = _facts("学校在校生增加200人，增幅6%。")
    assert _got(f, "students_fulltime") == []


# -- 8. a rounded figure, then the exact one; a bound is no value -------------------

@pytest.mark.parametrize("text,metric,want", [
    ("毕业生的专业对口率超过一半，达到57.3%。", "employment_match_rate", 57.3),
    ("学校双师型教师比例接近七成，为68.8%。", "teachers_dual_qualified_ratio", 68.8),
    ("学校就业率超过95%，达到97.2%。", "employment_rate", 97.2),
])
def test_the_exact_figure_after_a_rounded_one(text, metric, want):
    assert _got(_facts(text), metric) == [(want, 2023)]


@pytest.mark.parametrize("text,metric,value", [
    ("学校对口就业率不足六成。", "employment_match_rate", 60),
    ("学校在校生不足3000人。", "students_fulltime", 3000),
    ("学校在校生3000人以下。", "students_fulltime", 3000),
])
def test_an_upper_bound_is_a_candidate(text, metric, value):
    f = _facts(text)
    assert _got(f, metric) == []
    assert _why(f, metric) == [(value, "bound")]


def test_a_starting_bound_does_not_hide_the_level():
    assert _got(_facts("学校在校生由不足2000人增加到3500人。"), "students_fulltime") == [(3500, 2023)]


# -- 9. a region's report: the whole, not its parts or the whole system -----------

REGION = "某省2023年中等职业教育质量年度报告"


def test_a_place_after_the_whole_region_is_a_part():
    f = _facts("全省中职学校在校生45万人。赣北市中职学校在校生5.2万人，南岭县为1.1万人。", title=REGION)
    assert _got(f, "students_fulltime") == [(450000, 2023)]
    assert _why(f, "students_fulltime") == [(52000, "part")]


def test_a_place_alone_is_the_regions_own():
    assert _got(_facts("赣北市中职学校在校生5.2万人。", title=REGION), "students_fulltime") == [(52000, 2023)]
    # compared with, not talked about; 城市 is no place
    f = _facts("全省中职学校在校生45万人，比江西省多5万人。", title=REGION)
    assert _got(f, "students_fulltime") == [(450000, 2023)]
    f = _facts("全市共有中职学校12所，在城市中心区的学校在校生2.1万人。", title=REGION)
    assert _got(f, "students_fulltime") == [(21000, 2023)]


@pytest.mark.parametrize("text,metric,value", [
    ("全县各级各类学校教职工9361人。", "staff_total", 9361),
    ("全县各类学校和幼儿园共有教职工9361人。", "staff_total", 9361),
])
def test_the_whole_education_system_is_another_entity(text, metric, value):
    f = _facts(text, title=REGION)
    assert _got(f, metric) == []
    assert _why(f, metric) == [(value, "other_entity")]


def test_the_largest_school_is_a_part():
    f = _facts("各市中职学校在校生规模不一，规模最大的学校在校生1.2万人。", title=REGION)
    assert _got(f, "students_fulltime") == []


# -- 10. counts before their noun ------------------------------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("学校拥有一支由215名专任教师组成的教师队伍。", "teachers_fulltime", [(215, 2023)]),
    ("学校拥有215名专任教师的师资队伍。", "teachers_fulltime", [(215, 2023)]),
    ("今年学校共有412名毕业生升入高一级学校。", "graduates_further_study", [(412, 2023)]),
])
def test_a_count_before_its_noun(text, metric, want):
    assert _got(_facts(text), metric) == want


@pytest.mark.parametrize("text,metric", [
    ("学校由3名专任教师组成评审组。", "teachers_fulltime"),               # a panel, not the staff
    ("学校组建了由12名兼职教师构成的企业导师团。", "teachers_parttime"),
    ("学校有235名专任教师的学历达到本科。", "teachers_fulltime"),
    ("其中，升入本科院校260人，升入高职院校700人。", "graduates_further_study"),   # by destination: parts
])
def test_a_count_of_a_smaller_group(text, metric):
    assert _got(_facts(text), metric) == []


# -- 11. 学生 alone in a stock statement; a weak term gives way after 其中 ----------

@pytest.mark.parametrize("text,want", [
    ("学校现有学生3280人。", [(3280, 2023)]),
    ("学校共有学生3280名，教职工286名。", [(3280, 2023)]),
    ("学校现有学生3280人，其中全日制在校生2800人。", [(2800, 2023)]),
])
def test_students_alone_in_a_stock_statement(text, want):
    assert _got(_facts(text), "students_fulltime") == want


@pytest.mark.parametrize("text", [
    "学校现有学生党员120人。",
    "本次活动参与学生1058人。",
    "全校学生3280人参加了技能节。",
])
def test_students_alone_elsewhere_is_no_stock(text):
    assert _got(_facts(text), "students_fulltime") == []


def test_a_strong_term_after_a_weak_one_under_qizhong_is_the_value():
    f = _facts("学校现有教师300人，其中专任教师260人。")
    assert _got(f, "teachers_fulltime") == [(260, 2023)]


# -- 12. a unit before a bare number (a flattened table) --------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("全日制在校生数（人）3280，专任教师数（人）235。", "students_fulltime", 3280),
    ("全日制在校生数（人）3280，专任教师数（人）235。", "teachers_fulltime", 235),
    ("占地面积（亩）156，建筑面积（万平方米）6.8。", "building_area", 68000),
    ("就业率（%）98.1。", "employment_rate", 98.1),
    ("在校生数/人：3280。", "students_fulltime", 3280),
])
def test_a_unit_before_a_bare_number(text, metric, want):
    assert [v for v, _ in _got(_facts(text), metric)] == [pytest.approx(want)]


@pytest.mark.parametrize("text,metric", [
    ("培训人数（人次）3000。", "students_fulltime"),     # not a unit of persons
    ("在校生（见表1）3280。", "students_fulltime"),       # no unit at all
    ("就业率（人）98。", "employment_rate"),              # persons are no rate
])
def test_no_unit_no_figure(text, metric):
    assert _got(_facts(text), metric) == []


# -- through a real producer: a PDF written with reportlab -------------------------

def test_round3_kinds_through_a_pdf(tmp_path):
    pytest.importorskip("reportlab")
    from cjk_font import register
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    from nianbao.ingest import parse
    font = register("WQY")
    path = tmp_path / "region_2023.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = 780
    for line, size in [("楚南省2023年中等职业教育质量年度报告", 16),
                       ("全省中职学校在校生数（人）452000，专任教师数（人）21500。", 11),
                       ("全省中职学校平均在校生规模1500人。", 11),
                       ("赣北市中职学校在校生5.2万人。", 11),
                       ("楚南省中职学校毕业生14.1万人。", 11)]:
        c.setFont(font, size)
        c.drawString(60, y, line)
        y -= 28
    c.save()
    f = extract(parse(path))
    assert f.attributes.get("level") == "区域"
    # the region's totals; the average and the city's figure are candidates
    assert (452000, 2023) in _got(f, "students_fulltime")
    assert _got(f, "teachers_fulltime") == [(21500, 2023)]
    assert (1500, "average") in _why(f, "students_fulltime")
    assert (52000, "part") in _why(f, "students_fulltime")
    assert not {1500, 52000} & {v for v, _ in _got(f, "students_fulltime")}
    assert _got(f, "graduates_total") == [(141000, 2023)]      # the region itself


# -- 13. the previous year's figure after the value; 突破 -------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("学校就业率97.1%，上年度为96.5%。", "employment_rate", [(96.5, 2022), (97.1, 2023)]),
    ("学校在校生3280人，较上一年度的3100人增加180人。", "students_fulltime", [(3100, 2022), (3280, 2023)]),
    ("学校招生人数突破千人。", "enrolment_new", [(1000, 2023)]),
])
def test_previous_year_words_and_breakthroughs(text, metric, want):
    assert _got(_facts(text), metric) == want


def test_a_breakthrough_is_approximate():
    f = _facts("学校招生人数突破1500人。")
    assert [m.approximate for m in f.metrics if m.metric == "enrolment_new"] == [True]


# -- 14. another school, or the school's region, in a named school's report --------

SCHOOL = "青禾县职业技术学校2023年度质量报告"


@pytest.mark.parametrize("text,metric,value,reason", [
    ("鹿源职业学校在校生2100人。", "students_fulltime", 2100, "other_entity"),
    ("学校与鹿源职业学校合作，鹿源职业学校在校生2100人。", "students_fulltime", 2100, "other_entity"),
    ("楚南省中职学校毕业生就业率为96.2%。", "employment_rate", 96.2, "region"),
    ("青禾县中职学校共招生2100人，其中学校招生1286人。", "enrolment_new", 2100, "region"),
])
def test_another_school_or_the_region_in_a_schools_report(text, metric, value, reason):
    f = _facts(text, title=SCHOOL)
    assert value not in [v for v, _ in _got(f, metric)]
    assert (value, reason) in _why(f, metric)


@pytest.mark.parametrize("text,metric,want", [
    ("青禾县职业技术学校现有在校生3280人。", "students_fulltime", [(3280, 2023)]),
    ("青禾县中职学校共招生2100人，其中学校招生1286人。", "enrolment_new", [(1286, 2023)]),
    ("学校位于青禾县城区，占地面积156亩。", "land_area", [(pytest.approx(104000.52), 2023)]),
])
def test_the_school_itself_in_its_report(text, metric, want):
    assert _got(_facts(text, title=SCHOOL), metric) == want


def test_a_passage_that_speaks_as_a_school_keeps_the_regions_figure_out():
    # whose report it is is not known (a neutral title), but the passage is a school's
    f = _facts("全市中职学校在校生3.2万人，学校在校生3280人。")
    assert _got(f, "students_fulltime") == [(3280, 2023)]
    assert _why(f, "students_fulltime") == [(32000, "region")]
    # without the school's voice the region's figure is the passage's own
    assert _got(_facts("全市中职学校在校生3.2万人。"), "students_fulltime") == [(32000, 2023)]


def test_a_count_of_students_before_the_noun():
    assert _got(_facts("学校现有3280名学生、286名教职工。"), "students_fulltime") == [(3280, 2023)]
    assert _got(_facts("学校有1200名学生参加技能竞赛。"), "students_fulltime") == []


# -- 15. one sentence, both levels, whose report unknown ---------------------------

def test_both_levels_with_a_colleges_voice_keep_the_colleges_level():
    f = _facts("2023年，学院有教职工583人，高职在校生4700人，中职在校生2660人。")
    assert _got(f, "students_fulltime") == [(4700, 2023)]
    assert _why(f, "students_fulltime") == [(2660, "other_entity")]
    assert _got(f, "staff_total") == [(583, 2023)]


def test_both_levels_without_a_voice_are_parts():
    f = _facts("全省中职在校生45万人，高职在校生38万人。")
    assert _got(f, "students_fulltime") == []
    assert _why(f, "students_fulltime") == [(380000, "subset"), (450000, "subset")]


def test_one_level_alone_is_the_passages_own():
    assert _got(_facts("全省中职学校在校生45万人。"), "students_fulltime") == [(450000, 2023)]


# -- 16. a paragraph about a region's whole education system -----------------------

def test_the_whole_systems_figures_are_not_the_vocational_ones():
    text = ("全县共有幼儿园20所、小学35所、初中12所、普通高中3所、职业高中1所；职业高中在校生2100人。"
            "全县教职工6200人。")
    f = _facts(text, title=REGION)
    assert _got(f, "students_fulltime") == [(2100, 2023)]       # the vocational sector named
    assert _got(f, "staff_total") == [] and _why(f, "staff_total") == [(6200, "other_entity")]


def test_a_school_that_names_other_sectors_keeps_its_own_figure():
    f = _facts("学校与本地小学、初中、普通高中合作开展职业启蒙教育，学校现有在校生3200人。")
    assert _got(f, "students_fulltime") == [(3200, 2023)]


# -- 17. counts listed after a group of the teachers that is no metric -------------

def test_senior_titles_after_a_group_of_the_teachers_are_that_groups():
    f = _facts("学校现有专业教师79人，高级讲师53人，双师型教师52人。")
    assert _got(f, "teachers_senior_title") == [] and _why(f, "teachers_senior_title") == [(53, "subset")]
    # 双师型 teachers are specialised-subject teachers by definition: the school's count
    assert _got(f, "teachers_dual_qualified") == [(52, 2023)]


@pytest.mark.parametrize("text", [
    "学校现有教职工286人，专任教师235人，专业课教师150人，高级讲师68人。",
    "学校现有专任教师235人，高级讲师68人。",
    "学校现有专业教师79人。学校共有高级讲师68人。",
])
def test_senior_titles_of_the_school(text):
    assert [v for v, _ in _got(_facts(text), "teachers_senior_title")] == [68]


# -- 18. majors counted after 共有, ratios written with 比 --------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("学校共有18个专业。", "majors_count", 18),
    ("学校共有专业18个。", "majors_count", 18),
    ("学校设有专业18个。", "majors_count", 18),
    ("学校开设中职专业18个。", "majors_count", 18),
    ("学校共有18个专业，其中省级示范专业3个。", "majors_count", 18),
    ("学校生师比17.8比1。", "student_teacher_ratio", 17.8),
    ("学校师生比为1比17.8。", "student_teacher_ratio", 17.8),
])
def test_majors_and_ratios(text, metric, want):
    assert [v for v, _ in _got(_facts(text), metric)] == [pytest.approx(want)]


@pytest.mark.parametrize("text", [
    "学校的机电专业群共有5个专业。",          # a group of majors
    "财经大类共有6个专业。",                  # one category
    "学校共有3个专业群，涵盖12个专业。",      # the groups cover some of them
])
def test_majors_of_a_part(text):
    assert _got(_facts(text), "majors_count") == []


# -- 19. income and certificate phrases -------------------------------------------

@pytest.mark.parametrize("text,metric,want", [
    ("毕业生月平均工资3850元。", "graduates_monthly_income", 3850),
    ("毕业生平均薪资3850元/月。", "graduates_monthly_income", 3850),
    ("学生双证书获得率为96%。", "certificate_rate", 96),
    ("毕业生获得职业技能等级证书的比例为92%。", "certificate_rate", 92),
])
def test_income_and_certificate_phrases(text, metric, want):
    assert [v for v, _ in _got(_facts(text), metric)] == [want]


@pytest.mark.parametrize("text,metric", [
    ("学生1+X证书通过率为88%。", "certificate_rate"),          # one exam's pass rate
    ("本次鉴定合格率达100%。", "certificate_rate"),
    ("1520名学生获得职业资格证书。", "certificate_holders"),    # often one exam session
])
def test_exam_results_are_no_certificate_metric(text, metric):
    assert _got(_facts(text), metric) == []


# -- 20. the full-time students are the catalog's -----------------------------------

@pytest.mark.parametrize("text,want", [
    ("学校现有在校生4200人，其中全日制在校生3600人。", [(3600, 2023)]),
    ("学校现有在校生4200人，全日制在校生3600人。", [(3600, 2023)]),
    ("学校现有全日制在校生3600人，其中五年制在校生900人。", [(3600, 2023)]),
    ("学校现有在校生4200人，其中一年级在校生1400人。", [(4200, 2023)]),
])
def test_full_time_students_win_over_all_students(text, want):
    assert _got(_facts(text), "students_fulltime") == want


def test_a_named_provinces_figure_in_a_passage_that_speaks_as_a_school():
    f = _facts("学校现有在校生3280人。楚南省中职学校毕业生就业率为96.2%，学校就业率为98.1%。")
    assert _got(f, "employment_rate") == [(98.1, 2023)]
    assert _why(f, "employment_rate") == [(96.2, "region")]
    # alone, the province's figure is the passage's own (a province's report)
    assert _got(_facts("楚南省中职学校毕业生就业率为96.2%。"), "employment_rate") == [(96.2, 2023)]


def test_a_school_named_after_its_city_in_its_own_passage():
    f = _facts("鹿源市中等职业学校现有在校生3280人，学校占地156亩。")
    assert _got(f, "students_fulltime") == [(3280, 2023)]


# -- 21. titles: one school with two names ----------------------------------------

@pytest.mark.parametrize("title,school,level", [
    ("青禾学院（青禾技师学院）2023年质量报告", "青禾学院", "中职"),
    ("鹿源学院（鹿源职业技术学院）2023年度质量报告", "鹿源学院", "高职"),
])
def test_a_second_name_in_parentheses_gives_the_level(title, school, level):
    from nianbao.extractors.attributes import extract_attributes
    doc = Document(path="t.txt", format="txt", parser="test")
    doc.add(Block(kind=PARAGRAPH, text=title))
    doc.add(Block(kind=PARAGRAPH, text="学校坚持立德树人。"))
    a = extract_attributes(doc.finalize())
    assert (a.get("school"), a.get("level"), a.get("year")) == (school, level, 2023)


@pytest.mark.parametrize("text,want", [
    ("学校“双师型”教师168名，占比71.5%。", 71.5),
    ("学校双师型教师168人，双师比例达71.5%。", 71.5),
])
def test_a_dual_qualified_share_right_after_the_count(text, want):
    f = _facts(text)
    assert _got(f, "teachers_dual_qualified") == [(168, 2023)]
    assert _got(f, "teachers_dual_qualified_ratio") == [(want, 2023)]


def test_a_share_of_a_group_after_the_count_is_a_part():
    f = _facts("学校青年教师中“双师型”教师68名，占比41.5%。")
    assert _got(f, "teachers_dual_qualified_ratio") == []


# -- 22. several years with 分别为: years after the term, a range, a clause of years --

@pytest.mark.parametrize("text,metric,want", [
    ("学校招生人数2022年、2023年分别为1200人、1300人。", "enrolment_new", [(1200, 2022), (1300, 2023)]),
    ("学校2021—2023年招生人数分别为1100人、1200人、1300人。", "enrolment_new",
     [(1100, 2021), (1200, 2022), (1300, 2023)]),
    ("2022年和2023年，学校毕业生分别为1020人和1100人。", "graduates_total", [(1020, 2022), (1100, 2023)]),
])
def test_years_with_respectively(text, metric, want):
    assert _got(_facts(text), metric) == want


@pytest.mark.parametrize("text,metric", [
    ("学校2021—2023年招生人数分别为1100人、1200人。", "enrolment_new"),      # three years, two figures
    ("2022年和2023年学校规模扩大，毕业生分别为1020人和1100人。", "graduates_total"),
    ("近三年学校招生人数分别为1100人、1200人、1300人。", "enrolment_new"),     # which years?
])
def test_years_that_do_not_pair(text, metric):
    assert _got(_facts(text), metric) == []


# -- 23. part-time teachers counted before who they are and the role they take -----

@pytest.mark.parametrize("text,want", [
    ("学校聘请了45名企业技术骨干担任兼职教师。", [(45, 2023)]),
    ("学校还聘任20余位具有丰富经验的能工巧匠作为兼职教师。", [(20, 2023)]),
])
def test_part_time_teachers_before_their_role(text, want):
    assert _got(_facts(text), "teachers_parttime") == want


@pytest.mark.parametrize("text", [
    "本学年学校新聘请12名行业专家担任兼职教师。",      # newly hired: a change
    "学校聘请了3名专家担任技能大赛指导教师。",          # another role
])
def test_no_part_time_teachers_from_other_hires(text):
    assert _got(_facts(text), "teachers_parttime") == []


def test_one_levels_full_time_students_are_a_part_of_all_students():
    f = _facts("学校在校生4200人，其中全日制中职学生3000人，五年制高职学生1200人。")
    assert _got(f, "students_fulltime") == [(4200, 2023)]
    assert (3000, "subset") in _why(f, "students_fulltime")
    # without 其中 the all-students figure is not dropped for one level's
    f = _facts("学校在校生4200人，全日制中职学生3000人，五年制高职学生1200人。")
    assert (4200, 2023) in _got(f, "students_fulltime")
