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


# ------------------------------------------------------------------ phrasing kinds of real reports (issue #9)
# Every sentence below is invented for the kind it stands for.

def _titled(title, *paragraphs):
    doc = Document(path="t.txt", format="txt", parser="test")
    doc.add(Block(kind=PARAGRAPH, text=title))
    for p in paragraphs:
        doc.add(Block(kind=PARAGRAPH, text=p))
    return extract(doc.finalize())


@pytest.mark.parametrize("text,metric,want", [
    # shares of 双师型 teachers: 占…的x%, …中双师型占x%, 比例达, 占比, 七成
    ("学校有专任教师210人，双师型教师126人，占专任教师总数的60%。", "teachers_dual_qualified_ratio", [(60, False)]),
    ("“双师型”教师88名，占专业课教师的73.3%。", "teachers_dual_qualified_ratio", [(73.3, False)]),
    ("专业课教师中双师型教师占81%。", "teachers_dual_qualified_ratio", [(81, False)]),
    ("学校“双师”素质教师比例为76.5%。", "teachers_dual_qualified_ratio", [(76.5, False)]),
    ("全校双师素质教师占比为64.2%。", "teachers_dual_qualified_ratio", [(64.2, False)]),
    ("双师型教师约占专任教师总数的六成。", "teachers_dual_qualified_ratio", [(60, False)]),
    # a change clause before the value
    ("毕业生就业率比上年提高0.6个百分点，达到97.2%。", "employment_rate", [(97.2, False)]),
    # admitted, then actually enrolled: the students who came
    ("学校计划招生650人，实际录取642人，实际报到618人。", "enrolment_new", [(618, False)]),
    ("今年新生录取532人。", "enrolment_new", [(532, False)]),
    # other words for the school's own figures
    ("学校在册生2,460人，教职工188人。", "students_fulltime", [(2460, False)]),
    ("现有全日制学生5,300余人，另有成人学历教育学员1,200人。", "students_fulltime", [(5300, True)]),
    ("学校校园占地180亩，建筑面积6.2万平方米。", "building_area", [(62000, False)]),
    ("毕业生平均月收入为4,150元。", "graduates_monthly_income", [(4150, False)]),
    ("学校与本地65家企业签订了校企合作协议。", "partner_enterprises", [(65, False)]),
    ("学校现有教职工260人，高级讲师57人。", "teachers_senior_title", [(57, False)]),
    ("学校拥有价值2,500多万元的实训设备。", "equipment_value_total", [(25000000, True)]),
    ("今年共有312名毕业生升入高职院校，升入本科院校的毕业生为46人。", "graduates_further_study", [(46, False)]),
    # the school's year stated as a snapshot after the year covered
    ("截至2024年8月31日，学校专任教师163人。", "teachers_fulltime", [(163, False)]),
])
def test_real_phrasing_kinds(text, metric, want):
    year = 2024 if text.startswith("截至2024") else 2023
    got = [(m.value, m.approximate) for m in _facts(text, year=2023).metrics if m.metric == metric
           and m.year in (2023, year)]
    assert got == want


@pytest.mark.parametrize("text,metric", [
    # parts: a campus, a phase, a building, a breakdown, a qualified population, 其中 + the same metric
    ("学校新校区占地面积300亩，建筑面积9万平方米。", "land_area"),
    ("一期工程占地120亩。", "land_area"),
    ("学校图书馆建筑面积3,200平方米。", "building_area"),
    ("机电实训室8间，建筑面积960平方米。", "building_area"),
    ("从专业类别看，信息技术类就业率最高，为99.1%。", "employment_rate"),
    ("全校毕业生中，自主创业的毕业生为41人。", "graduates_total"),
    ("各专业就业率均达95%以上。", "employment_rate"),
    ("学校有中高级教师96人。", "teachers_senior_title"),
    # targets and capacities, also carried to the next clause
    ("新校区建成后可容纳在校生6,000人。", "students_fulltime"),
    ("新校区设计规模为80个教学班，在校生3,600人。", "students_fulltime"),
    ("生师比应为16:1~18:1。", "student_teacher_ratio"),
    # several years together
    ("2019年至2023年，学校毕业去向落实率平均为97.5%。", "employment_rate"),
    ("近三年来，学校毕业去向落实率一直在96%以上。", "employment_rate"),
    # per unit, not the whole
    ("每个专业均有专任教师6人。", "teachers_fulltime"),
    # another population: income three years after graduation, staff who retired
    ("校友离校三年后的平均月收入达6,200元。", "graduates_monthly_income"),
    ("学校离退休教职工85人。", "staff_total"),
    ("学校专兼职教师合计142人。", "teachers_parttime"),
    # admitted to a college: further study, not this school's enrolment
    ("被各类高职院校录取138人。", "enrolment_new"),
])
def test_real_trap_kinds(text, metric):
    assert _values(_facts(text), metric) == []


def test_other_sectors_and_the_region_are_not_the_school():
    f = _titled("青禾县职业技术学校2023年度质量报告",
                "全市普通高中在校生12,300人，中职学校在校生8,450人。",
                "本科院校毕业生就业率为91%。")
    assert _values(f, "students_fulltime") == []          # a named school's report: the city's figures are not its own
    assert _values(f, "employment_rate") == []
    # a region's own report: the region's vocational figures are its own, other sectors are not
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "全市普通高中在校生12,300人，中职学校在校生8,450人。",
                "全市有本科院校2所，招生5,600人；中等职业学校12所，招生3 120人。")
    assert _values(f, "students_fulltime") == [(8450, False)]
    assert _values(f, "enrolment_new") == [(3120, False)]


def test_a_school_named_in_a_regions_report_is_not_the_region():
    """In a city's report, one named school's figures (and those of the
    clauses after it) are that school's: candidates, not the city's values;
    the city's own figures in the same paragraph stay."""
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "全市中职学校生师比为17.4:1，双师型教师比例为55%。",
                "据表2，鹿源职业技术学院生师比为16.2:1，双师型教师比例为42%。",
                "全市共有中职学校12所，在校生23,400人，其中青禾县职业技术学校在校生3,100人。")
    assert _values(f, "student_teacher_ratio") == [(17.4, False)]
    assert _values(f, "teachers_dual_qualified_ratio") == [(55, False)]
    assert _values(f, "students_fulltime") == [(23400, False)]
    assert {(c.metric, c.value, c.reason) for c in f.candidates} >= {
        ("student_teacher_ratio", 16.2, "other_entity"), ("teachers_dual_qualified_ratio", 42, "other_entity")}
    # a school's own report naming itself keeps its figures, with its city before the name too
    f = _titled("鹿源职业技术学院2023年质量年度报告", "鹿源职业技术学院生师比为16.2:1，双师型教师比例为42%。")
    assert _values(f, "student_teacher_ratio") == [(16.2, False)]
    assert _values(f, "teachers_dual_qualified_ratio") == [(42, False)]
    f = _titled("青禾县职业技术学校2023年度质量报告", "鹿鸣市青禾县职业技术学校现有全日制在校生3,200人，专任教师190人。")
    assert _values(f, "students_fulltime") == [(3200, False)] and _values(f, "teachers_fulltime") == [(190, False)]
    # a school named after the city, or by its short name, is a school of the city; the city again
    # after a school is the city
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "鹿鸣市第一职业中学生均财政拨款21,000元。",
                "鹿鸣市高级技工学校毕业生1,200人。", "城南职校招生人数900人。",
                "鹿源职业技术学院双师型教师占比70%，全市双师型教师占比62%。")
    assert [m.metric for m in f.metrics if m.metric != "teachers_dual_qualified_ratio"] == []
    assert _values(f, "teachers_dual_qualified_ratio") == [(62, False)]
    # the city by its name after a school, and 本市 + a generic school word, are the city
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "鹿鸣市第一职业中学双师型教师占比70%，鹿鸣市双师型教师占比63%。")
    assert _values(f, "teachers_dual_qualified_ratio") == [(63, False)]
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "本市中职学校双师型教师占比64%。")
    assert _values(f, "teachers_dual_qualified_ratio") == [(64, False)]
    # in a school's report, a clause whose subject is a place is the region's
    f = _titled("鹿鸣市职业技术学校2023年质量年度报告", "鹿鸣市双师型教师占比62%，学校双师型教师占比71%。")
    assert _values(f, "teachers_dual_qualified_ratio") == [(71, False)]


def test_respectively_over_entities_takes_the_reports_own():
    """"A、B和本校…分别为 a、b、c": the figure paired with the report's own
    entity — the school itself in a school's report, the vocational level
    among other sectors in a region's — and nothing when that is unclear."""
    f = _facts("全国、全省和本校毕业生就业率分别为93.1%、95.2%和98.4%。")
    assert _values(f, "employment_rate") == [(98.4, False)]
    f = _facts("本校、全省、全国毕业生就业率分别为98.4%、95.2%、93.1%。")
    assert _values(f, "employment_rate") == [(98.4, False)]
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "全市普通高中和中职学校在校生分别为32,000人和18,000人。")
    assert _values(f, "students_fulltime") == [(18000, False)]
    for text in ("本科院校、高职院校、中职学校毕业生平均月收入分别为5,200元、4,100元和3,600元。",   # two vocational levels
                 "全省、全国毕业生就业率分别为95.2%、93.1%。",                                  # none is the school
                 "全国、全省和本校毕业生就业率分别为93.1%和95.2%。"):                            # three entities, two figures
        assert not [m for m in _facts(text).metrics if m.metric in ("employment_rate", "graduates_monthly_income")], text
    # in a school's report, a sector item is another entity, even alone among others
    f = _titled("青禾县职业技术学校2023年度质量报告", "全省中职学校、全国中职学校就业率分别为95.2%、93.1%。")
    assert _values(f, "employment_rate") == []
    # 本校所在县 is a county, not the school
    for text in ("全省和本校所在县毕业生就业率分别为95.2%和96.0%。", "全国、全省和本校所在市毕业生就业率分别为93.1%、95.2%和96.0%。"):
        assert _values(_titled("青禾县职业技术学校2023年度质量报告", text), "employment_rate") == [], text
    # in a region's report: the region itself, never a school of it nor another sector
    for text, want in (("全市和城南职校毕业生就业率分别为96.0%和99.0%。", 96.0),
                       ("城南职校和全市毕业生就业率分别为99.0%和96.0%。", 96.0),
                       ("全省和全市中职毕业生就业率分别为94.0%和96.0%。", 96.0),
                       ("全市中职学校和普通高中在校生分别为18,000人和32,000人。", 18000)):
        f = _titled("鹿鸣市2023年中等职业教育质量年度报告", text)
        metric = "students_fulltime" if "在校生" in text else "employment_rate"
        assert _values(f, metric) == [(want, False)], text


def test_a_year_opening_the_sentence_scopes_its_clauses():
    f = _titled("鹿鸣市2024年中等职业教育质量年度报告",
                "据统计，2023年全市中等职业学校12所，年招生8,120人，在校生23,400人。")
    assert [(m.metric, m.value, m.year) for m in f.metrics if m.metric in ("enrolment_new", "students_fulltime")] == [
        ("enrolment_new", 8120, 2023), ("students_fulltime", 23400, 2023)]


def test_subset_after_qiZhong_only_for_a_metric_already_stated():
    f = _facts("全日制在校生4,200人。其中，三年制中职在校生3,100人。", "教职工230人，其中专任教师185人。")
    assert _values(f, "students_fulltime") == [(4200, False)]
    assert _values(f, "teachers_fulltime") == [(185, False)]


def _by_year(facts, metric):
    return sorted((m.year, m.value) for m in facts.metrics if m.metric == metric)


def test_several_years_in_one_sentence():
    # respectively, with a list of years
    f = _facts("2021、2022、2023年学校毕业生就业率分别为96.4%、97.1%、97.9%。")
    assert _by_year(f, "employment_rate") == [(2021, 96.4), (2022, 97.1), (2023, 97.9)]
    # respectively without years to pair: nothing
    f = _facts("机电、财经两个专业的就业率分别为96%和98%。")
    assert _by_year(f, "employment_rate") == []
    # from … to: the level reached; the start only with its own year
    f = _facts("毕业生平均月收入由3,900元增至4,300元。")
    assert _by_year(f, "graduates_monthly_income") == [(2023, 4300)]
    f = _facts("毕业生起薪从2022年的3,950元提高到4,280元。")
    assert _by_year(f, "graduates_monthly_income") == [(2022, 3950), (2023, 4280)]
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "2019年至2023年，全市中职学校专任教师由1,820人增至2,130人。")
    assert _by_year(f, "teachers_fulltime") == [(2019, 1820), (2023, 2130)]
    # a compared year in parentheses
    f = _facts("2023届毕业生就业率为97.6%，比2022届(96.9%)高0.7个百分点，比2021届(95.8%)高1.8个百分点。")
    assert _by_year(f, "employment_rate") == [(2021, 95.8), (2022, 96.9), (2023, 97.6)]
    # a year series after a value
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "2021年全市中职毕业生5,120人，2022年为5,340人，比上年增加220人，2023年达5,610人。")
    assert _by_year(f, "graduates_total") == [(2021, 5120), (2022, 5340), (2023, 5610)]


def test_one_metric_at_two_dates_keeps_the_later():
    f = _facts("2023届学生8月31日的毕业去向落实率是88.2%，到12月20日毕业去向落实率是97.6%。")
    assert _values(f, "employment_rate") == [(97.6, False)]


def test_a_space_inside_a_term_does_not_hide_it():
    f = _facts("学校毕业去向落 实率为97.6%。")
    assert _values(f, "employment_rate") == [(97.6, False)]


def test_a_bulletin_named_as_the_source_gives_the_data_year():
    f = _titled("鹿鸣市2024年中等职业教育质量年度报告",
                "据《2023年鹿鸣市教育统计公报》，全市中职学校生师比为16.2:1。")
    assert _by_year(f, "student_teacher_ratio") == [(2023, 16.2)]


@pytest.mark.parametrize("text,metric,want", [
    # a region named as a rank of the school is not a region's figure
    ("学校是全市唯一的国家级重点中职学校，在校生3,000人。", "students_fulltime", [(3000, False)]),
    ("学校在全省率先开展学分制改革，专任教师186人。", "teachers_fulltime", [(186, False)]),
    # the school's premises after a room named in the clause before
    ("学校建有实训室50间，校舍建筑面积8.2万平方米。", "building_area", [(82000, False)]),
    # "for many years" in another clause does not make a total of years
    ("多年来学校坚持产教融合，全日制在校生2,950人。", "students_fulltime", [(2950, False)]),
    ("学校现有的专任教师中，高级职称教师64人。", "teachers_senior_title", [(64, False)]),
])
def test_school_report_phrasings_are_kept(text, metric, want):
    assert _values(_facts(text), metric) == want


@pytest.mark.parametrize("text,want", [
    ("学校16个专业面向县域产业设置。", [(16, False)]),
    ("学院设有8个专业教学系。", []),
    ("5个专业签约率均为100%。", []),
    ("12个专业教学资源库建成上线。", []),
])
def test_majors_counted_after_the_figure_unless_another_noun_follows(text, want):
    assert _values(_facts(text), "majors_count") == want


@pytest.mark.parametrize("text,metric,want", [
    # the figure before the persons it counts
    ("9月初，1,260余名新生入校报到。", "enrolment_new", [(1260, True)]),
    ("学校迎来了980名2023级新同学。", "enrolment_new", [(980, False)]),
    ("学校圆满完成了1,450人的招生计划。", "enrolment_new", [(1450, False)]),
    ("全校1,020名直接就业的毕业生中，本地就业占六成。", "graduates_employed_direct", [(1020, False)]),
    ("今年有318名应届毕业生被省内各类高职院校录取。", "graduates_further_study", [(318, False)]),
])
def test_figures_before_their_persons(text, metric, want):
    assert _values(_facts(text), metric) == want


def test_new_students_as_a_group_are_not_the_intake():
    assert _values(_facts("学校为600名新生代表举行开学典礼。"), "enrolment_new") == []


def test_items_after_another_entitys_total_keep_the_reports_own():
    f = _titled("鹿鸣市2023年职业教育质量年度报告",
                "全市高等学校专任教师5.2万人，其中，本科院校3.1万人；高职院校2.0万人；成人高校0.1万人。")
    assert _values(f, "teachers_fulltime") == [(20000, False)]
    # a report on 中等职业教育 alone: the 高职 item is another level's
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "全市高等学校专任教师5.2万人，其中，本科院校3.1万人；高职院校2.0万人；成人高校0.1万人。")
    assert _values(f, "teachers_fulltime") == []
    # the school's own total: its parts are not read as the total
    f = _facts("全日制在校生2,460人（其中中职1,900人、技工560人）。")
    assert _values(f, "students_fulltime") == [(2460, False)]


def test_a_note_mark_between_term_and_figure():
    assert _values(_facts("专任教师[3]186人。"), "teachers_fulltime") == [(186, False)]


def test_persons_counted_within_a_group_that_is_no_metric():
    # "专业课教师" is not a catalog metric: its 其中 items are that group's
    f = _facts("学校现有专业课教师64人，其中高级讲师20人。")
    assert _values(f, "teachers_senior_title") == []
    # after a metric's total they are the school's
    f = _facts("学校现有教职工188人，其中高级讲师41人。")
    assert _values(f, "teachers_senior_title") == [(41, False)]


@pytest.mark.parametrize("text,metric", [
    # one group of the population, named before the term (by sex, nationality, origin)
    ("女生就业率为97.6%。", "employment_rate"),
    ("学校毕业生中，男生毕业生540人，女生毕业生466人。", "graduates_total"),
    ("学校毕业生就业率为97.9%，少数民族毕业生就业率为95.1%。", None),
    ("面向退役军人等社会人员招生143人。", "enrolment_new"),
    ("与邻县职教中心联合举办中高职贯通班，在校生210人。", "students_fulltime"),
    # added this year, not the stock
    ("本年度新增专任教师31人。", "teachers_fulltime"),
    ("今年新增工业机器人技术等2个专业。", "majors_count"),
    # other bodies: a vocational education group's members, enterprises' staff
    ("学校牵头的职教集团成员单位教职工0.9万人。", "staff_total"),
    ("合作企业一线员工平均月薪6,100元。", "graduates_monthly_income"),
    # a term inside a longer one that negates it; a rate of one destination
    ("全日制在校生2,900人，非全日制学历教育学生410人。", None),
    ("直接就业率为48.7%。", "employment_rate"),
    # a design capacity; a band of a distribution
    ("学校设计办学规模为在校生2500人。", "students_fulltime"),
    ("毕业生月收入5000元以上的占41%。", "graduates_monthly_income"),
])
def test_groups_additions_and_other_bodies_are_not_values(text, metric):
    f = _facts(text)
    if metric is None:      # only the whole's figure is the metric
        assert _values(f, "students_fulltime") + _values(f, "employment_rate") in ([(2900, False)], [(97.9, False)])
    else:
        assert _values(f, metric) == []


def test_the_stock_after_a_capacity_is_the_value():
    f = _facts("学校按设计规模可容纳在校生3600人，现有在校生3,050人。")
    assert _values(f, "students_fulltime") == [(3050, False)]


def test_a_larger_or_smaller_region_in_a_regions_report_is_another_entity():
    """全省 / 全国 in a city's report and 全市 in a county's are not the
    report's own region; the report's own level keeps its figures."""
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "全省中职学校在校生达到61.2万人。", "全国中职学校生师比为18.9:1，全市中职学校生师比为16.8:1。")
    assert _values(f, "students_fulltime") == []
    assert _values(f, "student_teacher_ratio") == [(16.8, False)]
    f = _titled("青禾县2023年职业教育质量年度报告", "全市中职学校在校生28,400人，全县中职在校生3,950人。")
    assert _values(f, "students_fulltime") == [(3950, False)]
    # in a school's report, 我市 is the city, not the school
    f = _titled("青禾县职业技术学校2023年度质量报告", "我市中职学校专任教师2,180人，学校专任教师196人。")
    assert _values(f, "teachers_fulltime") == [(196, False)]


def test_one_school_of_the_region_is_not_the_region():
    """A school named by the region's name and a word of its own (鹿鸣市商贸
    职业学校), a case paragraph's 该校, or the private schools alone are
    not the region's figures."""
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "全县有中职学校3所，其中鹿鸣市商贸职业学校在校生1,380人，全市中职在校生共9,600人。",
                "鹿鸣市智能制造职业学校占地面积300亩。",
                "该校现有专任教师212人，毕业生就业率98.1%。",
                "民办中职学校专任教师318人。")
    assert _values(f, "students_fulltime") == [(9600, False)]
    assert _values(f, "land_area") == [] and _values(f, "employment_rate") == []
    assert _values(f, "teachers_fulltime") == []


def test_a_flattened_row_of_two_years_figures_is_not_guessed():
    """"在校生数（人） 3050 3280" under "指标 2023年 2024年": which figure is
    the year's is not known from the line — a candidate, never the first."""
    f = _facts("指标 2022年 2023年 全日制在校生数（人） 2980 3140")
    assert _values(f, "students_fulltime") == []
    assert ("students_fulltime", 2980, "split_number") in {(c.metric, c.value, c.reason) for c in f.candidates}


@pytest.mark.parametrize("text,metric", [
    ("智能制造工程系现有专任教师38人，双师型教师30人。", "teachers_fulltime"),
    ("学校财经专业部有“双师型”教师27人。", "teachers_dual_qualified"),
    ("护理分院现有在校生1,460人。", "students_fulltime"),
    ("数控专业2023届毕业生就业率为98.6%。", "employment_rate"),
])
def test_one_department_or_major_is_a_part(text, metric):
    assert _values(_facts(text), metric) == []


def test_departments_a_school_has_are_not_the_subject():
    f = _facts("学校设有机电工程系、信息技术系、财经商贸系等3个系部，开设专业18个。")
    assert _values(f, "majors_count") == [(18, False)]


def test_a_new_school_named_after_its_city_in_a_regions_report():
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "新建的鹿鸣市现代农业职业学校占地面积260亩，计划明年招生。")
    assert _values(f, "land_area") == []


@pytest.mark.parametrize("text,metric,want", [
    # from last year's figure to this year's
    ("学校专任教师由上年的231人增加到248人。", "teachers_fulltime", [(248, False)]),
    ("学院生师比由上年的21:1优化为18.4:1。", "student_teacher_ratio", [(18.4, False)]),
    ("学校开设专业由上年的14个调整为13个。", "majors_count", [(13, False)]),
    # a change with a thousands separator, then the level reached
    ("学校在校生比上年增加1,150人，达到12,900人。", "students_fulltime", [(12900, False)]),
    # the term, a comma, then 目前已达到
    ("专任教师数量稳步增长，目前已达到207人。", "teachers_fulltime", [(207, False)]),
    # the region's figure with the term, then the school's with only 我校为
    ("全省中职毕业生平均就业率为94.8%，我校为97.2%。", "employment_rate", [(97.2, False)]),
    ("全市中职学校生师比平均为19.5:1，学校为16.9:1。", "student_teacher_ratio", [(16.9, False)]),
])
def test_from_to_changes_and_a_figure_after_the_regions(text, metric, want):
    assert _values(_facts(text), metric) == want


def test_a_bracketed_level_then_its_figure_is_not_the_schools():
    f = _facts("高职院校在校生平均规模为9100人，其中，本科学校为12800人，高职（专科）学校为5700人。")
    assert _values(f, "students_fulltime") == []


def test_a_rounded_share_then_the_exact_figure():
    """"超过六成，达到63.8%": the exact figure is the value, never 60."""
    f = _facts("学校“双师型”教师占专任教师比例超过六成，达到64.2%。")
    assert _values(f, "teachers_dual_qualified_ratio") == [(64.2, False)]


def test_a_school_by_its_short_name_in_a_regions_report():
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "市一职专在校生4,120人，市职教中心专任教师265人，县职中专任教师118人。",
                "全市中职学校在校生21,300人，专任教师1,460人。")
    assert _values(f, "students_fulltime") == [(21300, False)]
    assert _values(f, "teachers_fulltime") == [(1460, False)]


def test_a_case_paragraph_about_one_school_in_a_regions_report():
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告", "学校与当地9家企业共建订单班，现有在校生2,040人，毕业生就业率为98.2%。",
                "全市中职学校毕业生就业率为97.1%。")
    assert _values(f, "students_fulltime") == []
    assert _values(f, "employment_rate") == [(97.1, False)]


@pytest.mark.parametrize("text,want", [
    ("汽车运用与维修专业对口就业率为91.3%。", []),
    ("学校毕业生专业对口就业率为86.5%。", [(86.5, False)]),
    ("2023届专业对口就业率为84.9%。", [(84.9, False)]),
])
def test_one_majors_match_rate_is_a_part(text, want):
    assert _values(_facts(text), "employment_match_rate") == want


def test_region_reports_other_levels_parts_and_standards():
    """In a city's report on 中等职业教育: 高职 figures, all upper-secondary
    schools, districts listed with 分别为, a standard used in a calculation
    and a shortage are not the city's own figures; a breakdown in brackets
    does not make the rest of the sentence a part."""
    f = _titled("鹿鸣市2023年中等职业教育质量年度报告",
                "全市中职学校全日制在校生3.95万人；市属高职院校全日制在校生2.31万人。",
                "全市高中阶段招生4,020人，其中中职招生1,730人。",
                "东湖区、西林县中职招生分别为2,210人、1,980人。",
                "按照生师比20:1测算，全市中职学校尚缺专任教师约360人。",
                "全市现有中等职业学校14所（其中公办10所、民办4所），专任教师2,240人。")
    assert _values(f, "students_fulltime") == [(39500, False)]
    assert _values(f, "enrolment_new") == [(1730, False)]
    assert _values(f, "student_teacher_ratio") == []
    assert _values(f, "teachers_fulltime") == [(2240, False)]


@pytest.mark.parametrize("text,want", [
    ("毕业生获取职业技能等级证书（含职业资格证书）1,870人，其中获得1+X证书640人。", [(1870, False)]),
    ("共有1,028名学生获得职业技能等级证书。", [(1028, False)]),
    ("学生考取职业技能等级证书共计956人。", [(956, False)]),
    ("学校获得1+X证书的学生312人。", []),
])
def test_certificate_holders_and_not_one_kind_of_certificate(text, want):
    assert _values(_facts(text), "certificate_holders") == want


@pytest.mark.parametrize("text,want", [
    ("其中直接就业402人，升入高一级学校517人。", [(517, False)]),
    ("其中491人通过春季高考、单招等途径升入高一级学校。", [(491, False)]),
])
def test_further_study_to_the_next_level_of_school(text, want):
    assert _values(_facts(text), "graduates_further_study") == want


def test_a_figure_in_brackets_after_what_the_school_is_compared_with():
    f = _facts("学校占地面积1,150亩，均高于全省同类院校平均水平（占地640亩）。")
    assert [round(v) for v, _ in _values(f, "land_area")] == [766670]      # 1,150 亩, not 640 亩 as well


@pytest.mark.parametrize("text,metric,want", [
    ("学校教学仪器设备总值1,026.4万元，生均6,580元。", "equipment_value_per_student", [(6580, False)]),
    ("合作企业投入设备价值740万元。", "equipment_value_total", []),
    ("面向社会开展技能培训，培训后就业率达到84.2%。", "employment_rate", []),
    ("职业技能等级证书（含职业资格证书）获取人数964人。", "certificate_holders", [(964, False)]),
    ("“双师型”教师人数58人，占专任教师的56.3%。", "teachers_dual_qualified_ratio", [(56.3, False)]),
    ("具有副高级以上专业技术职务的214人。", "teachers_senior_title", [(214, False)]),
    ("毕业生对口率78.4%。", "employment_match_rate", [(78.4, False)]),
    ("开设幼儿保育等专业，开设课程128门。", "courses_count", [(128, False)]),
    ("学校现有专任教师410人，其中副高级职称131人，高级职称教师合计176人。", "teachers_senior_title", [(176, False)]),
    ("近三年累计投入设备资金1,180万元；纸质图书82万册，生均80.6册。", "books_per_student", [(80.6, False)]),
])
def test_whole_report_probe_kinds(text, metric, want):
    assert _values(_facts(text), metric) == want


def test_another_school_spoken_of_as_gai_xueyuan_in_a_schools_report():
    f = _titled("青禾县职业技术学校2023年度质量报告", "学校与鹿源职业技术学院开展中高职贯通培养，该学院全日制在校生7,900人。",
                "学校全日制在校生3,150人。")
    assert _values(f, "students_fulltime") == [(3150, False)]


def test_from_a_years_figure_to_another_years():
    f = _facts("学校全日制在校生由2021年的1,590人增至2023年的1,840人。")
    assert _values(f, "students_fulltime") == [(1840, False)]
    assert _values(f, "students_fulltime", year=2021) == [(1590, False)]


def test_years_then_fenbie_before_the_term():
    f = _facts("2021、2022、2023年分别招收新生3,870人、4,010人、4,205人。")
    assert _values(f, "enrolment_new") == [(4205, False)]
    assert _values(f, "enrolment_new", year=2021) == [(3870, False)]


def test_a_named_provinces_sector_in_a_schools_report():
    f = _titled("鹿源职业技术学院2023年质量年度报告", "学院生师比为17.6:1，楚南省高职院校平均生师比为18.4:1。")
    assert _values(f, "student_teacher_ratio") == [(17.6, False)]


def test_a_floor_kept_over_years_is_a_bound():
    f = _facts("毕业生就业率保持在96%以上。")
    assert _values(f, "employment_rate") == []
    assert ("employment_rate", 96, "bound") in {(c.metric, c.value, c.reason) for c in f.candidates}
    assert _values(_facts("学校毕业生就业率达96%以上。"), "employment_rate") == [(96, True)]


def test_schools_set_apart_from_the_regions_count():
    f = _titled("鹿鸣市2023年职业教育质量年度报告", "全市中职学校在校生3.48万人，另有技工院校在校生0.96万人。")
    assert _values(f, "students_fulltime") == [(34800, False)]


def test_the_clause_after_one_majors_cohort_is_that_majors():
    f = _facts("汽修专业2023届毕业生就业率为98.8%，对口就业率为91.7%。")
    assert _values(f, "employment_rate") == [] and _values(f, "employment_match_rate") == []
