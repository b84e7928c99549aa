"""extractors.numbers: numbers and units as reports write them, normalized."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from nianbao.extractors.errors import RulesError
from nianbao.extractors.numbers import (DEFAULT_UNITS_PATH, Quantity, as_stored, find_quantities, load_units,
                                normalize, parse_number)

MEASURE_KINDS = {"persons", "person_times", "count", "money", "area", "volumes", "percent", "points",
                 "ratio", "hours", "days", "weeks", "months"}


def measures(text: str) -> list[Quantity]:
    """Quantities with a unit (not bare numbers, years or dates)."""
    return [q for q in find_quantities(text) if q.kind in MEASURE_KINDS]


def only(text: str) -> Quantity:
    qs = find_quantities(text)
    assert len(qs) == 1, qs
    return qs[0]


# ------------------------------------------------------------------ parse_number

@pytest.mark.parametrize("text, value, approx", [
    ("773", 773, False),
    ("１２３", 123, False),                 # full-width digits
    ("1,234", 1234, False),
    ("1，234", 1234, False),                # full-width comma before exactly 3 digits
    ("1,234,567", 1234567, False),
    ("3, 276", 3276, False),                # PDF space after the separator
    ("３，２７６", 3276, False),
    ("12.5", 12.5, False),
    ("2259.88", 2259.88, False),
    ("１２．５", 12.5, False),
    ("三百零七", 307, False),
    ("两千", 2000, False),
    ("一千二百三十四", 1234, False),
    ("十二", 12, False),
    ("十", 10, False),
    ("二十万", 200000, False),
    ("一万二千", 12000, False),
    ("九十六点二", 96.2, False),
    ("二点五亿", 250000000, False),
    ("千", 1000, False),
    ("百分之九十六点二", 96.2, False),
    ("百分之九十六", 96, False),
    ("百分之百", 100, False),
    ("1.2万", 12000, False),
    ("12.3万", 123000, False),
    ("2.5亿", 250000000, False),
    ("3百万", 3000000, False),
    ("3千余", 3000, True),
    ("三百余", 300, True),
    ("50余", 50, True),
    ("300多", 300, True),
    ("约300", 300, True),
    ("近千", 1000, True),
    ("300左右", 300, True),
    ("超过1000", 1000, True),
    ("  42 ", 42, False),
    ("-3.5", -3.5, False),
])
def test_parse_number(text, value, approx):
    got = parse_number(text)
    assert got is not None, text
    assert got[0] == pytest.approx(value)
    assert got[1] is approx
    assert isinstance(got[0], float)


@pytest.mark.parametrize("text", ["", "abc", "1，23", "1,23", "773人", "96%", "一带一路", "1.1.2", "2023年"])
def test_parse_number_rejects(text):
    assert parse_number(text) is None


# ------------------------------------------------------------------ find_quantities: one quantity

@pytest.mark.parametrize("text, value, canonical, kind, approx", [
    ("773人", 773, "persons", "persons", False),
    ("773 人", 773, "persons", "persons", False),
    ("773\t人", 773, "persons", "persons", False),
    ("773\u3000人", 773, "persons", "persons", False),
    ("12名", 12, "persons", "persons", False),
    ("5位", 5, "persons", "persons", False),
    ("1，234人", 1234, "persons", "persons", False),
    ("3,276 人", 3276, "persons", "persons", False),
    ("3, 276人", 3276, "persons", "persons", False),
    ("１２３人", 123, "persons", "persons", False),
    ("1.2万人", 12000, "persons", "persons", False),
    ("二十万人", 200000, "persons", "persons", False),
    ("一千二百三十四名", 1234, "persons", "persons", False),
    ("三百零七人", 307, "persons", "persons", False),
    ("三百余人", 300, "persons", "persons", True),
    ("近千人", 1000, "persons", "persons", True),
    ("超过千人", 1000, "persons", "persons", True),
    ("约300人", 300, "persons", "persons", True),
    ("约 300 人", 300, "persons", "persons", True),
    ("300人左右", 300, "persons", "persons", True),
    ("1000人以上", 1000, "persons", "persons", True),
    ("300多人", 300, "persons", "persons", True),
    ("2万余人次", 20000, "person_times", "person_times", True),
    ("50余家", 50, "count", "count", True),
    ("12门", 12, "count", "count", False),
    ("36项", 36, "count", "count", False),
    ("两所", 2, "count", "count", False),
    ("3个", 3, "count", "count", False),
    ("96%", 96, "percent", "percent", False),
    ("96％", 96, "percent", "percent", False),
    ("96.5%", 96.5, "percent", "percent", False),
    ("98.5 %", 98.5, "percent", "percent", False),
    ("百分之九十六", 96, "percent", "percent", False),
    ("百分之九十六点二", 96.2, "percent", "percent", False),
    ("约百分之九十以上", 90, "percent", "percent", True),
    ("90%以上", 90, "percent", "percent", True),
    ("3.2个百分点", 3.2, "points", "points", False),
    ("20.23:1", 20.23, "ratio", "ratio", False),
    ("20.23∶1", 20.23, "ratio", "ratio", False),
    ("17:1", 17, "ratio", "ratio", False),
    ("17.5：1", 17.5, "ratio", "ratio", False),
    ("17.5 : 1", 17.5, "ratio", "ratio", False),
    ("2259.88万元", 22598800, "yuan", "money", False),
    ("2259.88 万元", 22598800, "yuan", "money", False),
    ("1.2万元", 12000, "yuan", "money", False),
    ("2.5亿元", 250000000, "yuan", "money", False),
    ("350千元", 350000, "yuan", "money", False),
    ("12,345.67元", 12345.67, "yuan", "money", False),
    ("三百余万元", 3000000, "yuan", "money", True),
    ("二十万元", 200000, "yuan", "money", False),
    ("1万余元", 10000, "yuan", "money", True),
    ("145275.85平方米", 145275.85, "m2", "area", False),
    ("3000㎡", 3000, "m2", "area", False),
    ("3000m2", 3000, "m2", "area", False),
    ("3000 m²", 3000, "m2", "area", False),
    ("4.8万平方米", 48000, "m2", "area", False),
    ("218亩", 145334.06, "m2", "area", False),
    ("12公顷", 120000, "m2", "area", False),
    ("12.3万册", 123000, "volumes", "volumes", False),
    ("3千余册", 3000, "volumes", "volumes", True),
    ("85600册", 85600, "volumes", "volumes", False),
    ("64课时", 64, "hours", "hours", False),
    ("32学时", 32, "hours", "hours", False),
    ("12个月", 12, "months", "months", False),
])
def test_find_one_quantity(text, value, canonical, kind, approx):
    q = only(text)
    assert q.value == pytest.approx(value)
    assert (q.canonical_unit, q.kind, q.approximate) == (canonical, kind, approx)
    assert (q.start, q.end, q.text) == (0, len(text), text)   # marker + number + unit
    assert q.is_difference is (kind == "points")


@pytest.mark.parametrize("text, unit", [
    ("2259.88万元", "万元"), ("12.3万册", "万册"), ("4.8万平方米", "万平方米"), ("96％", "％"),
    ("百分之九十", "百分之"), ("20.23∶1", ":1"), ("3.2个百分点", "个百分点"), ("773人", "人"),
])
def test_unit_as_listed(text, unit):
    assert only(text).unit == unit


def test_exact_values_after_factors():
    assert only("218亩").value == 145334.06
    assert only("2259.88万元").value == 22598800.0
    assert only("145275.85平方米").value == 145275.85
    assert only("12.3万册").value == 123000.0


def test_percentage_points_are_a_difference_not_a_percent():
    q = only("较上年提高3.2个百分点")
    assert q.is_difference is True
    assert q.kind == "points" and q.canonical_unit != "percent"
    assert not [x for x in find_quantities("较上年提高3.2个百分点") if x.kind == "percent"]
    assert only("就业率96.5%").is_difference is False


def test_sentence_offsets():
    text = "学校在校生 3,276 人，生师比17.5：1，就业率达96.5%。"
    qs = find_quantities(text)
    assert [(q.kind, q.value) for q in qs] == [("persons", 3276), ("ratio", 17.5), ("percent", 96.5)]
    for q in qs:
        assert text[q.start:q.end] == q.text
    assert qs[0].text == "3,276 人"


def test_every_number_of_a_report_sentence():
    text = "2023年，学校招生1,286人，毕业生307人，占地面积218亩，校舍建筑面积4.8万平方米，纸质图书12.3万册，教学仪器设备总值2259.88万元。"
    got = [(q.kind, as_stored(q.value)) for q in find_quantities(text)]
    assert got == [("year", 2023), ("persons", 1286), ("persons", 307), ("area", 145334.06),
                   ("area", 48000), ("volumes", 123000), ("money", 22598800)]


def test_unit_not_across_line_break():
    assert measures("773\n人") == []
    assert measures("773\r\n人") == []
    assert [q.kind for q in find_quantities("773\n人")] == ["number"]


def test_comma_with_two_digits_is_a_list_separator():
    qs = find_quantities("1，23人")
    assert [(q.kind, q.value) for q in qs] == [("number", 1), ("persons", 23)]
    assert only("1，234人").value == 1234


@pytest.mark.parametrize("text, kind, value", [
    ("2023年", "year", 2023),
    ("2023 年", "year", 2023),
    ("2023年度", "year", 2023),
    ("2023届", "year", 2023),
    ("2023级", "year", 2023),
    ("2022-2023学年", "year", 2022),
    ("2022—2023学年", "year", 2022),
    ("2021至2023年", "year", 2021),
    ("二〇二三年", "year", 2023),
    ("2023年9月", "date", 2023),
    ("2023 年 9 月 1 日", "date", 2023),
    ("2023-09-01", "date", 2023),
    ("9月1日", "date", 9),
])
def test_dates_are_not_figures(text, kind, value):
    q = only(text)
    assert (q.kind, q.value, q.text) == (kind, value, text)
    assert q.kind not in MEASURE_KINDS


def test_year_then_figure():
    qs = find_quantities("2023届毕业生307人")
    assert [(q.kind, q.value) for q in qs] == [("year", 2023), ("persons", 307)]


@pytest.mark.parametrize("text", [
    "一带一路", "推进一带一路建设", "一体化", "一是加强党建，二是提升质量", "第一", "统一", "统一门户网站",
    "全省第一名", "第1名", "第 3 名", "唯一", "之一", "三位一体", "一门式服务", "实行一人一档", "十四五期间",
    "每一位教师", "签约", "学校位于", "近三年", "家长", "1.1.2 学校概况", "5G基站", "ISO9001",
])
def test_no_figures_in_words(text):
    assert measures(text) == []


def test_chinese_numerals_need_a_unit():
    assert find_quantities("三百零七") == []
    assert find_quantities("二是提升质量") == []
    assert only("三百零七人").value == 307


@pytest.mark.parametrize("text", ["300家长", "300本科生", "建校60周年"])
def test_unit_char_starting_a_word_is_not_a_unit(text):
    assert measures(text) == []


def test_marker_inside_a_word_is_not_approximation():
    assert only("与30家企业签约").approximate is False
    assert [q.approximate for q in measures("签约30家企业")] == [False]
    assert [q.approximate for q in measures("节约资金300万元")] == [False]


def test_bare_numbers_are_reported_as_numbers():
    q = only("毕业生总数：307")
    assert (q.kind, q.unit, q.canonical_unit, q.value) == ("number", "", "", 307)
    assert only("收入2.5亿").value == 250000000


def test_quantity_is_frozen_and_stored_property():
    q = only("218亩")
    assert q.stored == 145334.06
    with pytest.raises(Exception):
        q.value = 1  # type: ignore[misc]


# ------------------------------------------------------------------ normalize / as_stored

@pytest.mark.parametrize("value, unit, expected", [
    (2259.88, "万元", (22598800, "yuan", "money")),
    (2.5, "亿元", (250000000, "yuan", "money")),
    (350, "千元", (350000, "yuan", "money")),
    (1200, "元", (1200, "yuan", "money")),
    (218, "亩", (145334.06, "m2", "area")),
    (4.8, "万平方米", (48000, "m2", "area")),
    (12, "公顷", (120000, "m2", "area")),
    (100, "㎡", (100, "m2", "area")),
    (100, "m2", (100, "m2", "area")),
    (12.3, "万册", (123000, "volumes", "volumes")),
    (96.5, "%", (96.5, "percent", "percent")),
    (96.5, "％", (96.5, "percent", "percent")),
    (3.2, "个百分点", (3.2, "points", "points")),
    (20.23, ":1", (20.23, "ratio", "ratio")),
    (773, "人", (773, "persons", "persons")),
    (1.2, "万人", (12000, "persons", "persons")),
    (1.23456, "万人", (12346, "persons", "persons")),   # persons are whole
    (5, "yuan", (5, "yuan", "money")),
])
def test_normalize(value, unit, expected):
    v, canonical, kind = normalize(value, unit)
    assert isinstance(v, float)
    assert (v, canonical, kind) == (pytest.approx(expected[0]), expected[1], expected[2])


def test_normalize_unknown_unit():
    assert normalize(1, "furlongs") is None
    assert normalize(1, "") is None


@pytest.mark.parametrize("value, stored", [
    (145275.85, 145275.85),
    (218 * 666.67, 145334.06),
    (22598800.000000004, 22598800),
    (2259.88 * 10000, 22598800),
    (96.5, 96.5),
    (3.0, 3),
    (0.123456, 0.1235),
    (12.3 * 10000, 123000),
])
def test_as_stored(value, stored):
    got = as_stored(value)
    assert got == stored
    assert type(got) is type(stored)


def test_as_stored_none():
    assert as_stored(None) is None


# ------------------------------------------------------------------ units.yaml

@pytest.mark.parametrize("unit, kind, canonical, factor", [
    ("人", "persons", "persons", 1), ("名", "persons", "persons", 1), ("位", "persons", "persons", 1),
    ("个", "count", "count", 1), ("门", "count", "count", 1), ("家", "count", "count", 1),
    ("项", "count", "count", 1), ("所", "count", "count", 1),
    ("元", "money", "yuan", 1), ("万元", "money", "yuan", 10000), ("亿元", "money", "yuan", 100000000),
    ("千元", "money", "yuan", 1000),
    ("平方米", "area", "m2", 1), ("㎡", "area", "m2", 1), ("m2", "area", "m2", 1), ("m²", "area", "m2", 1),
    ("万平方米", "area", "m2", 10000), ("亩", "area", "m2", 666.67), ("公顷", "area", "m2", 10000),
    ("册", "volumes", "volumes", 1), ("万册", "volumes", "volumes", 10000),
    ("%", "percent", "percent", 1), ("％", "percent", "percent", 1), ("百分之", "percent", "percent", 1),
    ("个百分点", "points", "points", 1), (":1", "ratio", "ratio", 1),
    ("人次", "person_times", "person_times", 1), ("课时", "hours", "hours", 1), ("学时", "hours", "hours", 1),
])
def test_units_file_lists(unit, kind, canonical, factor):
    d = load_units().units[unit]
    assert (d.kind, d.canonical, float(d.factor)) == (kind, canonical, factor)


def test_units_file_markers():
    table = load_units()
    before = {m for m, _ in table.markers["before"]}
    assert {"近", "约", "超过", "逾", "将近", "大约"} <= before
    assert {"余", "多"} <= {m for m, _ in table.markers["after"]}
    assert {"左右", "以上"} <= {m for m, _ in table.markers["after_unit"]}


def test_load_units_is_cached():
    assert load_units() is load_units(DEFAULT_UNITS_PATH)


GOOD = DEFAULT_UNITS_PATH.read_text(encoding="utf-8")


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in GOOD, old
    text = GOOD.replace(old, new, 1)
    p = tmp_path / "units.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


@pytest.mark.parametrize("old, new, needle, message", [
    # YAML syntax: an unclosed flow mapping
    ("  - {unit: 亩, kind: area, factor: 666.67}", "  - {unit: 亩, kind: area, factor: 666.67",
     None, "YAML syntax error"),
    ("  - {unit: 册, kind: volumes}", "  - {unit: 册, kind: volume}", "{unit: 册, kind: volume}", "unknown kind"),
    ("  - {unit: 亿元, kind: money, factor: 100000000}", "  - {unit: 亿元, kind: money, factor: 1e8}",
     "factor: 1e8", "factor must be a positive number"),
    ("  - {unit: 公顷, kind: area, factor: 10000}", "  - {unit: 公顷, kind: area, factor: -1}",
     "factor: -1", "factor must be a positive number"),
    ("  - {unit: 门, kind: count, not_before: [户, 诊]}", "  - {unit: 人, kind: count}",
     "{unit: 人, kind: count}", "listed twice"),
    ("  - {unit: 百分之, kind: percent, position: before}", "  - {unit: 百分之, kind: percent, position: front}",
     "position: front", "position must be one of"),
    ("  - {unit: 篇, kind: count}", "  - {unit: 篇, kind: count, pattern: '篇(('}", "pattern: '篇(('", "bad regex"),
    ("  - {unit: 篇, kind: count}", "  - {unit: 篇, kind: count, pattern: '(篇)'}", "pattern: '(篇)'",
     "must not contain groups"),
    ("  - {unit: 篇, kind: count}", "  - {unit: 篇, kind: count, factr: 2}", "factr: 2", "unknown key 'factr'"),
    ("  - {unit: 篇, kind: count}", "  - {unit: 篇, kind: money, canonical: count}", "{unit: 篇, kind: money",
     "differs from kind"),
    ("  - {unit: 篇, kind: count}", "  - {kind: count}", "  - {kind: count}", "needs 'unit'"),
    ("  - {marker: 逾, position: before}", "  - {marker: 逾, position: inside}", "position: inside",
     "position must be one of"),
    ("cn_not_after: [第, 统,", "cn_not_after: [第一, 统,", "cn_not_after: [第一", "must be one character"),
    ("  persons:      {canonical: persons, integer: true}", "  persons:      {canonical: persons, integer: yes please}",
     "integer: yes please", "must be true or false"),
])
def test_broken_units_file_reports_file_and_line(tmp_path, old, new, needle, message):
    p = _broken(tmp_path, old, new)
    with pytest.raises(RulesError) as ei:
        load_units(p)
    err = ei.value
    assert err.path == str(p)
    assert message in err.message
    assert isinstance(err, ValueError)
    if needle is not None:
        assert err.line == _line_of(p, needle)
    else:
        assert err.line is not None and err.line >= _line_of(p, "{unit: 亩")
    assert str(err).startswith(f"{p}:{err.line}: ")


def test_missing_units_file(tmp_path):
    p = tmp_path / "nope.yaml"
    with pytest.raises(RulesError) as ei:
        load_units(p)
    assert ei.value.path == str(p) and ei.value.line is None


def test_empty_units_file(tmp_path):
    p = tmp_path / "units.yaml"
    p.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(RulesError, match="empty"):
        load_units(p)


def test_units_file_is_data(tmp_path):
    """A unit added to the YAML is found without code changes."""
    p = tmp_path / "units.yaml"
    p.write_text(GOOD.replace("  # time\n", "  # time\n  - {unit: 倍, kind: count}\n", 1), encoding="utf-8")
    table = load_units(p)
    assert [(q.unit, q.value) for q in find_quantities("增长3倍", table=table)] == [("倍", 3)]
    assert [q.kind for q in find_quantities("增长3倍")] == ["number"]


# ------------------------------------------------------------------ speed

@pytest.mark.slow   # a benchmark with a generous bound: the slow tier
def test_speed_one_pass_per_sentence():
    sentences = [
        "2023年，学校招生1,286人，毕业生307人，就业率96.5%，较上年提高3.2个百分点。",
        "学校占地面积218亩，校舍建筑面积4.8万平方米，纸质图书12.3万册，教学仪器设备总值2259.88万元。",
        "学校坚持立德树人根本任务，深化产教融合、校企合作，服务一带一路建设，一是加强党建，二是提升质量。",
        "现有专任教师三百余人，其中双师型教师占比百分之六十五，生师比为17.5：1，合作企业50余家。",
        "学校围绕区域产业发展需求，优化专业结构，推进三教改革，构建德智体美劳全面培养的教育体系。",
    ]
    text = "".join(sentences * 200)[:25000]
    parts = [s + "。" for s in text.split("。") if s]
    find_quantities(parts[0])
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for s in parts:
            find_quantities(s)
        best = min(best, time.perf_counter() - t)
    per_1000 = best / (len(text) / 1000)
    assert per_1000 < 0.005, f"{per_1000 * 1000:.2f} ms per 1,000 chars"


# ------------------------------------------------------------------ colloquial magnitudes (issue #9)

@pytest.mark.parametrize("text, value, kind, approx", [
    ("13万2千册", 132000, "volumes", False),          # Arabic digits, two magnitudes
    ("4万5千人", 45000, "persons", False),
    ("1亿2千万元", 120000000, "money", False),
    ("一千二百万零三千元", 12003000, "money", False),   # never 一千二百万零三 × 千元
    ("三万零五百元", 30500, "money", False),
    ("七成", 70, "percent", False),                   # a tenth: 七成 = 70 %
    ("八成以上", 80, "percent", True),
    ("1500多万元", 15000000, "money", True),          # 多 before the multiplier
    ("4600余万人", 46000000, "persons", True),
    ("3千余万元", 30000000, "money", True),
    ("生均42.65册", 42.65, "volumes", False),         # decimals kept (a per-student value)
    ("5 208人", 5208, "persons", False),              # thousands separated by a space
])
def test_colloquial_magnitudes(text, value, kind, approx):
    qs = [q for q in find_quantities(text) if q.kind not in ("number", "year", "date")]
    assert len(qs) == 1, qs
    assert qs[0].value == pytest.approx(value)
    assert (qs[0].kind, qs[0].approximate) == (kind, approx)


@pytest.mark.parametrize("text", ["一成不变", "8成", "组成员5名同学的7成员"])
def test_cheng_is_a_tenth_only_after_a_chinese_numeral(text):
    assert not [q for q in find_quantities(text) if q.kind == "percent"]


def test_space_groups_longer_than_one_are_not_read_as_one_number():
    assert not [q for q in find_quantities("12 345 678人") if q.value > 1000]
