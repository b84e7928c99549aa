"""Award lists (技能大赛获奖名单): the seed in its three formats, the corpus,
and small hand-written sentences and tables for every form the extractor
reads — and the ones it must not read (counts, units, schools)."""
from __future__ import annotations

import re

import pytest

from nianbao.extractors.awards import DEFAULT_AWARDS_PATH, extract_awards, load_award_rules
from nianbao.extractors.rules import RuleFileError
from nianbao.ingest import parse
from nianbao.ingest.model import CAPTION, HEADING, PARAGRAPH, Block, Document, make_table

from conftest import SEED, SEED_FILES, corpus_reports, expected_for, needs_seed


def _n(s: str | None) -> str:
    """Compared after removing spaces and quotes."""
    return re.sub(r"[\s“”\"'‘’《》]", "", s or "")


def _level(s: str | None) -> str:
    """Expected files write 省级 / 国家级 / 州级; the store writes 省 / 国家 / 地区."""
    s = (s or "").removesuffix("级")
    return {"州": "地区", "盟": "地区", "全国": "国家"}.get(s, s)


def _doc(*items, fmt="txt") -> Document:
    d = Document(path="test", format=fmt, parser="test")
    d.add(Block(kind=HEADING, text="技能大赛", level=1, title="技能大赛"))
    for it in items:
        d.add(Block(kind=PARAGRAPH, text=it) if isinstance(it, str) else it)
    return d.finalize()


def _rows(*items, year=2023, **kw):
    return extract_awards(_doc(*items), year, **kw)


def _pairs(awards):
    return {(a.person, a.prize) for a in awards}


# ---------------------------------------------------------------- the seed

@pytest.fixture(scope="module")
def seed_awards():
    if not SEED.exists():
        pytest.skip("../shared/seed not present")
    out = {}
    for fmt, p in SEED_FILES.items():
        doc = parse(p)
        out[fmt] = (doc, extract_awards(doc, 2023))
    return out


@needs_seed
@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_every_expected_award(seed_awards, seed_expected, fmt):
    doc, awards = seed_awards[fmt]
    expected = seed_expected["awards"]
    assert len(expected) == 16
    for e in expected:
        for person in e["persons"]:
            found = [a for a in awards if a.person == person and a.prize == e["prize"]
                     and _n(a.event) == _n(e["event"])]
            assert found, (fmt, person, e)
            a = found[0]
            assert a.role == e["role"], (fmt, person, a.role, e)
            assert _n(a.competition) == _n(e["competition"]), (fmt, person, a.competition, e)
            assert _level(a.level) == _level(e["level"]), (fmt, person, a.level, e)
            assert a.year == 2023


@needs_seed
@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_no_wrong_rows(seed_awards, seed_expected, fmt):
    """Every row is an expected award (a count, the school's 优秀组织奖, the
    students who only passed, a medal in a student's own account, a part-time
    teacher's CV: no rows), stated once."""
    _, awards = seed_awards[fmt]
    want = {(p, e["prize"], _n(e["event"])) for e in seed_expected["awards"] for p in e["persons"]}
    got = [(a.person, a.prize, _n(a.event)) for a in awards]
    assert set(got) <= want, set(got) - want
    assert len(got) == len(set(got)) == len(want)


@needs_seed
@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_provenance(seed_awards, fmt):
    doc, awards = seed_awards[fmt]
    for a in awards:
        p = a.prov
        span = re.sub(r"\s", "", doc.text[p.start:p.end]).replace("•", "·")
        assert a.person in span and a.prize in span, (a.person, span)
        assert a.person in re.sub(r"\s", "", p.sentence).replace("•", "·")
        assert p.rule.startswith("awards/") and p.source == "text"
        assert p.section
        if fmt == "pdf":
            assert p.page
    skills = [a for a in awards if a.competition.startswith("塔城地区第二届")]
    assert skills and all("技能大赛" in a.prov.section for a in skills)


@needs_seed
def test_seed_same_rows_in_every_format(seed_awards):
    keys = {fmt: sorted((a.person, a.prize, a.event, a.role, a.competition, a.level)
                        for a in awards) for fmt, (_, awards) in seed_awards.items()}
    assert keys["txt"] == keys["docx"] == keys["pdf"]


# ---------------------------------------------------------------- the corpus

CORPUS_PRECISION, CORPUS_RECALL = 0.95, 0.90     # measured: 1.00 / 1.00 on 11 reports


@pytest.fixture(scope="module")
def corpus_awards():
    out = {}
    for p in corpus_reports():
        exp = expected_for(p)
        if "awards" not in exp:
            continue
        out[p.name] = (exp, extract_awards(parse(p), exp.get("year")))
    return out


def test_corpus_precision_recall(corpus_awards):
    tp = fp = fn = 0
    for name, (exp, awards) in corpus_awards.items():
        got = _pairs(awards)
        want = {(p, e["prize"]) for e in exp["awards"] for p in e["persons"]}
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"awards (person, prize): precision {precision:.3f} recall {recall:.3f} ({tp} tp, {fp} fp, {fn} fn)")
    assert precision >= CORPUS_PRECISION and recall >= CORPUS_RECALL, (precision, recall)


def test_corpus_award_details(corpus_awards):
    """Found awards carry the expected competition, event, role and level."""
    checked = 0
    for name, (exp, awards) in corpus_awards.items():
        for e in exp["awards"]:
            for person in e["persons"]:
                found = [a for a in awards if a.person == person and a.prize == e["prize"]
                         and _n(a.event) == _n(e["event"])]
                if not found:
                    continue
                a = found[0]
                assert (_n(a.competition), a.role, _level(a.level)) == \
                    (_n(e["competition"]), e["role"], _level(e["level"])), (name, person)
                checked += 1
    assert checked


# ---------------------------------------------------------------- narrative forms

def test_enumeration_with_events_and_role_labels():
    aw = _rows("一是参加2023年自治区职业院校技能大赛：①汽车维修赛项，参赛教师：王建国获得自治区三等奖，"
               "参赛学生：艾力·买买提、张小龙获得自治区二等奖；②焊接赛项，参赛学生：刘明亮荣获三等奖。"
               "二是参加乌江市第三届职业技能竞赛：（1）烹饪项目：陈可欣优胜奖，（2）茶艺项目：罗佳佳获得优秀奖。")
    got = {(a.person, a.prize, a.event, a.role, a.competition, a.level) for a in aw}
    comp1, comp2 = "2023年自治区职业院校技能大赛", "乌江市第三届职业技能竞赛"
    assert got == {
        ("王建国", "三等奖", "汽车维修", "teacher", comp1, "自治区"),
        ("艾力·买买提", "二等奖", "汽车维修", "student", comp1, "自治区"),
        ("张小龙", "二等奖", "汽车维修", "student", comp1, "自治区"),
        ("刘明亮", "三等奖", "焊接", "student", comp1, "自治区"),
        ("陈可欣", "优胜奖", "烹饪", "student", comp2, "市"),
        ("罗佳佳", "优秀奖", "茶艺", "student", comp2, "市"),
    }


def test_names_with_dots_and_commas_then_one_prize():
    aw = _rows("参加全区“青春杯”演讲大赛团体赛决赛。参赛教师：周丽、孙海燕，参赛学生：古丽米拉·艾买提，获得地区三等奖。")
    assert {(a.person, a.prize, a.role, a.level) for a in aw} == {
        ("周丽", "三等奖", "team", "地区"), ("孙海燕", "三等奖", "team", "地区"),
        ("古丽米拉·艾买提", "三等奖", "team", "地区")}
    assert {a.competition for a in aw} == {"全区“青春杯”演讲大赛团体赛"}
    assert all(a.prov.rule == "awards/text/listed-names" for a in aw)


def test_participants_label_then_prize():
    aw = _rows("参赛学生：王小明、李华获得汽车维修赛项二等奖。")
    assert {(a.person, a.prize, a.event, a.role) for a in aw} == {
        ("王小明", "二等奖", "汽车维修", "student"), ("李华", "二等奖", "汽车维修", "student")}


def test_teacher_in_competition_wins():
    aw = _rows("教师王芳在2022年四川省职业院校教学能力比赛中获二等奖。")
    assert [(a.person, a.prize, a.role, a.level, a.year, a.competition) for a in aw] == [
        ("王芳", "二等奖", "teacher", "省", 2022, "2022年四川省职业院校教学能力比赛")]


def test_names_then_competition_then_prize():
    aw = _rows("2023年，我校学生张三、李四在全国职业院校技能大赛中获一等奖。")
    assert {(a.person, a.prize, a.level, a.competition) for a in aw} == {
        ("张三", "一等奖", "国家", "全国职业院校技能大赛"), ("李四", "一等奖", "国家", "全国职业院校技能大赛")}


def test_teams():
    aw = _rows("在2023年湖南省职业院校技能大赛教学能力比赛中，由王丽、孙建国、胡敏组成的团队获教学能力比赛一等奖。")
    assert {(a.person, a.prize, a.event, a.role) for a in aw} == {
        (p, "一等奖", "教学能力比赛", "team") for p in ("王丽", "孙建国", "胡敏")}
    aw = _rows("参赛选手：张一鸣，李思思，王五，获得团体二等奖。")
    assert {(a.person, a.role) for a in aw} == {("张一鸣", "team"), ("李思思", "team"), ("王五", "team")}
    # one "name" before a team word is a place or a school
    assert _rows("金华代表队获团体一等奖。") == []


def test_rank_before_names():
    aw = _rows("参加河西州第二届职业技能竞赛：①焊接赛项，参赛学生：第一名努尔兰·别克，第二名王强、马晓宇，"
               "第三名周雨桐其他选手全部考核达标并拿到中级工资格，阿依达·努尔别克、赵小军考核达标拿到中级工证书。")
    assert {(a.person, a.prize, a.event, a.level) for a in aw} == {
        ("努尔兰·别克", "第一名", "焊接", "地区"), ("王强", "第二名", "焊接", "地区"),
        ("马晓宇", "第二名", "焊接", "地区"), ("周雨桐", "第三名", "焊接", "地区")}
    aw = _rows("一等奖：张三、李四；二等奖：王五。")
    assert _pairs(aw) == {("张三", "一等奖"), ("李四", "一等奖"), ("王五", "二等奖")}


def test_names_joined_by_and():
    aw = _rows("张三和李四获得全国职业院校技能大赛一等奖，指导教师马六获优秀指导教师奖。")
    assert {(a.person, a.prize, a.role, a.competition) for a in aw} == {
        ("张三", "一等奖", "student", "全国职业院校技能大赛"), ("李四", "一等奖", "student", "全国职业院校技能大赛"),
        ("马六", "优秀指导教师奖", "teacher", "全国职业院校技能大赛")}


def test_more_phrasings():
    aw = _rows("张三、李四、王五三名同学获得一等奖。")
    assert _pairs(aw) == {("张三", "一等奖"), ("李四", "一等奖"), ("王五", "一等奖")}
    assert _pairs(_rows("张三获一等奖、李四获二等奖。")) == {("张三", "一等奖"), ("李四", "二等奖")}
    aw = _rows("在2023年全国职业院校技能大赛中，我校学生获一等奖1项、二等奖2项，"
               "其中汽车运用与维修专业学生李明、王刚获得“汽车技术”赛项一等奖。")
    assert {(a.person, a.prize, a.event, a.competition) for a in aw} == {
        ("李明", "一等奖", "汽车技术", "2023年全国职业院校技能大赛"),
        ("王刚", "一等奖", "汽车技术", "2023年全国职业院校技能大赛")}
    aw = _rows("我校选手张三荣获2023年山东省职业院校技能大赛（中职组）“电子商务”赛项一等奖。")
    assert [(a.person, a.event, a.level, a.competition) for a in aw] == [
        ("张三", "电子商务", "省", "2023年山东省职业院校技能大赛（中职组）")]
    # the teachers who coached are not the winners
    aw = _rows("我校教师张三、李四指导的学生王五获得全国一等奖。")
    assert [(a.person, a.role, a.level) for a in aw] == [("王五", "student", "国家")]
    aw = _rows("张三、李四获得教师组一等奖。")
    assert {a.role for a in aw} == {"teacher"}


def test_respectively():
    assert _pairs(_rows("张三、李四分别获一等奖、二等奖。")) == {("张三", "一等奖"), ("李四", "二等奖")}
    assert _pairs(_rows("张三、李四分别获得汽车维修赛项一等奖。")) == {("张三", "一等奖"), ("李四", "一等奖")}
    assert _pairs(_rows("张三获一等奖和最佳创意奖。")) == {("张三", "一等奖"), ("张三", "最佳创意奖")}
    # which of them won which is not said: no rows
    assert _rows("张三、李四获一等奖、二等奖。") == []
    assert _rows("张三、李四、王五分别获得一等奖和二等奖。") == []


def test_competition_list_and_organiser():
    aw = _rows("参加塔河地区第二届职业技能竞赛暨自治区第三届职业技能大赛选拔赛和2023年度“天池杯”电工职业技能竞赛的选手："
               "①焊接赛项，参赛学生：第一名艾尔肯·吐尔洪。")
    assert [(a.competition, a.level) for a in aw] == [("塔河地区第二届职业技能竞赛", "地区")]
    aw = _rows("三是参加地区教育局举办“奋进新征程”宣讲员大赛团体赛决赛，孟晓燕、程佳怡获得三等奖。")
    assert {(a.competition, a.event, a.role, a.level) for a in aw} == {
        ("“奋进新征程”宣讲员大赛团体赛", "宣讲", "team", "地区")}


@pytest.mark.parametrize("text, level", [
    ("在广州市第五届职业技能大赛中，林小红获得茶艺赛项金奖。", "市"),
    ("在贵州省职业院校技能大赛中，杨大伟获一等奖。", "省"),
    ("在北京市职业院校技能大赛中，刘洋获二等奖。", "省"),
    ("在伊犁州第三届职业技能竞赛中，赵永强获一等奖。", "地区"),
    ("在2023年全国职业院校技能大赛中，赵永强获一等奖。", "国家"),
    ("在学校第五届技能节中，赵永强获校级一等奖。", "校"),
])
def test_levels(text, level):
    aw = _rows(text)
    assert [a.level for a in aw] == [level]


@pytest.mark.parametrize("text", [
    "几年来学校共派出260名学生参加省级技能比赛，累计95名学生获得省级以上奖项。",
    "近三年来，学校在各级各类技能大赛中累计150名师生获奖，其中一等奖15项。",
    "在2023年山东省职业院校技能大赛中职组中，全市共获一等奖2项、二等奖5项。",
    "2024年共有87名学生在省级以上技能大赛中获奖，3名学生获一等奖。",
    "学校获得由地区就业工作领导小组办公室颁发的优秀组织奖。",
    "在这次比赛里我拿到一枚铜牌，虽然没有得到第一名，却学到了很多。",
    "张三带领学生参加比赛，获得一等奖。",
    "邵国平，本科，高级西式面点师，省级烹饪比赛金奖。",
    "连续三年获得一等奖，学生成功获得二等奖。",
    "李明老师指导的学生获一等奖。",
    "参赛选手在省赛中发挥稳定，取得了一等奖的好成绩。",
    "高新区代表队获一等奖，乌苏市职业技术学校获二等奖。",
    "获奖学生名单：张三、李四、王五。",
])
def test_counts_and_other_subjects_are_no_rows(text):
    assert _rows(text) == []


def test_year_is_the_report_year_unless_stated():
    assert [a.year for a in _rows("学生陈晨在省级技能大赛中荣获三等奖。", year=2024)] == [2024]
    assert [a.year for a in _rows("2022年，学生陈晨在省级技能大赛中荣获三等奖。", year=2024)] == [2022]
    assert [a.year for a in _rows("陈晨荣获2021年全国职业院校技能大赛三等奖。", year=2024)] == [2021]


def test_lead_in_competition_carries_to_item_paragraphs():
    aw = _rows("2023年，学校组织学生参加全国职业院校技能大赛：", "1.汽车维修赛项：张三获得二等奖；",
               "2.电子商务赛项：李四获得三等奖。", "学校对获奖师生给予表彰，王五获得一等奖。")
    comp = {a.person: a.competition for a in aw}
    assert comp == {"张三": "全国职业院校技能大赛", "李四": "全国职业院校技能大赛", "王五": ""}


def test_same_award_stated_twice_is_one_row_with_merged_details():
    aw = _rows("五是组织教师参加自治区第二届技能大赛决赛：①汽车机电维修项目：韩立新优胜奖。",
               "汽车机电维修项目：参赛教师韩立新优胜奖。")
    assert [(a.person, a.role, a.competition, a.event) for a in aw] == [
        ("韩立新", "teacher", "自治区第二届技能大赛决赛", "汽车机电维修")]


def test_span_points_at_the_name_and_prize():
    d = _doc("前文。在2023年全国职业院校技能大赛中，王 子涵获汽车维修赛项一等奖。")
    (a,) = extract_awards(d, 2023)
    assert a.person == "王子涵"
    assert d.text[a.prov.start:a.prov.end] == "王 子涵获汽车维修赛项一等奖"
    assert a.prov.sentence == "在2023年全国职业院校技能大赛中，王 子涵获汽车维修赛项一等奖。"
    assert a.prov.section == "技能大赛"


# ---------------------------------------------------------------- tables

def test_award_table_with_instructor_level_and_merged_competition():
    t = make_table([["序号", "比赛名称", "赛项", "获奖学生", "指导教师", "奖项", "级别"],
                    ["1", "2023年浙江省职业能力大赛", "汽车维修", "张三、李四", "王老师", "一等奖", "省级"],
                    ["2", None, "电子商务", "赵六", "钱七", "二等", "省级"]],
                   spans={(1, 1): (2, 1)}, header_rows=1)
    d = _doc(t)
    aw = extract_awards(d, 2023)
    assert {(a.person, a.prize, a.event, a.role, a.level, a.competition) for a in aw} == {
        ("张三", "一等奖", "汽车维修", "student", "省", "2023年浙江省职业能力大赛"),
        ("李四", "一等奖", "汽车维修", "student", "省", "2023年浙江省职业能力大赛"),
        ("赵六", "二等奖", "电子商务", "student", "省", "2023年浙江省职业能力大赛"),
        ("钱七", "二等奖", "电子商务", "teacher", "省", "2023年浙江省职业能力大赛"),
    }
    for a in aw:
        assert d.text[a.prov.start:a.prov.end] == a.person
        assert a.prov.source == "table" and a.prov.table is not None and a.prov.row in (1, 2)
    assert {a.prov.rule for a in aw if a.person == "钱七"} == {"awards/table/instructor"}


def test_award_table_role_column_continuation_and_caption():
    cap = Block(kind=CAPTION, text="表3 2023年全国职业院校技能大赛获奖情况")
    t1 = make_table([["序号", "赛项", "获奖等级", "获奖人员", "类别"],
                     ["1", "风电机组安装与调试", "三等奖", "刘子豪、叶尔兰·努尔兰", "学生"]], header_rows=1,
                    title="表3 2023年全国职业院校技能大赛获奖情况", number="表3")
    t2 = make_table([["2", "教学能力比赛", "二等奖", "陈立国、杨雪", "团体"]])    # next page, no header
    aw = extract_awards(_doc(cap, t1, t2), 2023)
    assert {(a.person, a.prize, a.role, a.competition, a.level) for a in aw} == {
        ("刘子豪", "三等奖", "student", "2023年全国职业院校技能大赛", "国家"),
        ("叶尔兰·努尔兰", "三等奖", "student", "2023年全国职业院校技能大赛", "国家"),
        ("陈立国", "二等奖", "team", "2023年全国职业院校技能大赛", "国家"),
        ("杨雪", "二等奖", "team", "2023年全国职业院校技能大赛", "国家"),
    }


def test_tables_that_are_not_award_lists():
    staff = make_table([["姓名", "职称", "专业"], ["张三", "讲师", "汽修"]], header_rows=1)
    counts = make_table([["获奖人", "获奖名称", "等次"], ["学校", "优秀组织奖", "一等"],
                         ["张三等5人", "全国职业院校技能大赛", "一等奖"]], header_rows=1)
    after_text = make_table([["1", "焊接", "三等奖", "王五", "学生"]])   # no header, not a continuation
    first = make_table([["序号", "赛项", "获奖等级", "获奖人员", "类别"]], header_rows=1)
    assert extract_awards(_doc(staff, counts, first, "正文。", after_text), 2023) == []


def test_narrative_and_table_of_the_same_awards_merge():
    t = make_table([["比赛名称", "赛项", "获奖等级", "获奖人员", "类别"],
                    ["2023年自治区职业院校技能大赛中职组", "汽车维修", "二等奖", "叶尔波拉提·哈那提、张文博", "学生"]],
                   header_rows=1)
    aw = _rows("在2023年自治区职业院校技能大赛中职组中，叶尔波拉提·哈那提、张文博获汽车维修赛项二等奖。", t)
    assert sorted(a.person for a in aw) == ["叶尔波拉提·哈那提", "张文博"]
    assert {a.prov.source for a in aw} == {"text"}


# ---------------------------------------------------------------- the rules file

def test_rules_extend_without_python(tmp_path):
    text = DEFAULT_AWARDS_PATH.read_text(encoding="utf-8")
    assert _rows("张三获得技能大赛金牌。") == []
    custom = tmp_path / "awards.yaml"
    custom.write_text(text.replace("  - {word: 优胜奖}", "  - {word: 优胜奖}\n  - {word: 金牌}"), encoding="utf-8")
    rules = load_award_rules(str(custom))
    assert _pairs(_rows("张三获得技能大赛金牌。", rules=rules)) == {("张三", "金牌")}


def test_rules_mistakes_name_the_line(tmp_path):
    text = DEFAULT_AWARDS_PATH.read_text(encoding="utf-8")
    bad = tmp_path / "awards.yaml"
    bad.write_text(text.replace("{word: 优秀指导教师奖, role: teacher}", "{word: 优秀指导教师奖, role: coach}"),
                   encoding="utf-8")
    with pytest.raises(RuleFileError) as e:
        load_award_rules(str(bad))
    line = next(i for i, ln in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "coach" in ln)
    assert e.value.line == line and "coach" in str(e.value)
    broken = tmp_path / "broken.yaml"
    broken.write_text("prizes: [\n", encoding="utf-8")
    with pytest.raises(RuleFileError):
        load_award_rules(str(broken))


def test_round8_phrasings_and_cells():
    """The event between the competition and the verb (在…大赛“…”赛项中获),
    组队 after the names, a county competition, and a winner's school in
    brackets after the name in a table cell."""
    aw = _rows("学生苏禾在2024年全省职业院校技能大赛“智能财税”赛项中获一等奖。",
               "学生宁远、方知秋组队获2024年全市中职学校技能大赛“网络搭建”赛项三等奖。",
               "学生秦岳在2024年全县职业技能竞赛中获得一等奖。", year=2024)
    assert {(a.person, a.prize, a.level, a.event) for a in aw} == {
        ("苏禾", "一等奖", "省", "智能财税"), ("宁远", "三等奖", "市", "网络搭建"),
        ("方知秋", "三等奖", "市", "网络搭建"), ("秦岳", "一等奖", "县", None)}
    t = make_table([["序号", "比赛名称", "获奖学生", "奖项"],
                    ["1", "2024年全市中职学校技能大赛", "柯望舒（鹿鸣市信息工程学校）", "二等奖"]], header_rows=1)
    assert {(a.person, a.prize) for a in extract_awards(_doc(t), 2024)} == {("柯望舒", "二等奖")}


def test_a_name_that_begins_like_a_common_word_in_a_person_column():
    t = make_table([["序号", "比赛名称", "获奖学生", "奖项"],
                    ["1", "2024年全市中职学校技能大赛", "甘露白", "一等奖"],
                    ["2", "2024年全市中职学校技能大赛", "成功", "二等奖"]], header_rows=1)
    got = {(a.person, a.prize) for a in extract_awards(_doc(t), 2024)}
    assert ("甘露白", "一等奖") in got
    # running text keeps the veto: "成功" after a verb is no winner
    assert _rows("学生成功获得2024年全市中职学校技能大赛一等奖。", year=2024) == []


def test_a_competition_name_starts_at_zai_before_a_year():
    """于 is a trigger word and a surname: in 学生于晚舟在2024年X大赛中… the
    competition is X大赛, not 晚舟在…"""
    aw = _rows("学生于晚舟在2024年沅澄省职业院校技能大赛“酒店服务”赛项中荣获一等奖；教师储明月、葛青芜组成的团队获二等奖。",
               year=2024)
    assert {a.competition for a in aw} == {"2024年沅澄省职业院校技能大赛"}
