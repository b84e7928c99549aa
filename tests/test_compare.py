"""Comparing schools: the views, `nianbao compare` and its Excel workbook,
checked against the expected values of corpus/expected/*.json."""
from __future__ import annotations

import json
import shutil
import sqlite3

import openpyxl
import pytest
from click.testing import CliRunner

from nianbao import pipeline
from nianbao.cli.render import CONFLICT_MARK
from nianbao.store.compare import (load_comparison, load_metric_defs, open_for_reading,
                           resolve_metrics)
from nianbao.export.xlsx import write_workbook

from conftest import CORPUS, copy_db


def _cli(*args):
    return CliRunner().invoke(pipeline.cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory, corpus_db_master):
    return copy_db(corpus_db_master, tmp_path_factory.mktemp("cmp"))


def _expected() -> list[dict]:
    """One expected record per school and year (the .docx and .pdf of a
    report expect the same values)."""
    out = {}
    for p in sorted((CORPUS / "expected").glob("*.json")):
        e = json.loads(p.read_text(encoding="utf-8"))
        out.setdefault((e["school"], e["year"]), e)
    return list(out.values())


def test_metric_defs_follow_the_rules(corpus_db):
    con = sqlite3.connect(corpus_db)
    defs = {r[0]: r[1:] for r in con.execute("select id, name_zh, unit, kind, description from metric_defs")}
    ids = [d.id for d in load_metric_defs()]
    assert list(defs) == ids or set(defs) == set(ids)
    assert defs["students_fulltime"][:3] == ("全日制在校生", "人", "persons")
    assert defs["student_teacher_ratio"][2] == "ratio" and defs["employment_rate"][1] == "%"
    wide_cols = [r[1] for r in con.execute("pragma table_info(metric_wide)")]
    assert all(i in wide_cols for i in ids) and "conflicts" in wide_cols


def test_views_hold_the_expected_values(corpus_db):
    con = sqlite3.connect(corpus_db)
    con.row_factory = sqlite3.Row
    wide = {(r["school"], r["year"]): r for r in con.execute("select * from metric_wide")}
    for e in _expected():
        row = wide[(e["school"], e["year"])]
        for metric, value in e["metrics"].items():
            assert row[metric] == pytest.approx(value), (e["file"], metric)
        for metric in e.get("conflicts", {}):
            assert metric in (row["conflict_metrics"] or "").split(","), (e["file"], metric)
        assert row["conflicts"] == len(e.get("conflicts", {}))
    # metric_values: every value with its source; the comparison uses report-year values
    n_all, n_year = con.execute("select count(*), sum(is_report_year) from metric_values").fetchone()
    assert n_all > n_year > 0
    r = con.execute("select * from metric_values where school = '青岚县职业技术教育中心' and metric = 'students_fulltime' "
                    "and source_kind = 'table' and path like '%.pdf'").fetchone()
    assert r["value"] == 3276 and r["unit"] == "人" and r["page"] and "全日制在校生" in r["sentence"]
    assert r["metric_year"] == r["year"] == 2023 and r["document_id"]


def test_compare_prints_chinese_headers_blanks_and_conflicts(corpus_db):
    # a metric some report does not state: its cell must be blank, never 0
    unstated = next((e, m) for e in _expected() for m in ("courses_count", "income_total", "books_per_student",
                                                            "teachers_parttime")
                    if m not in e["metrics"] and m not in e.get("conflicts", {}))
    e, metric = unstated
    r = _cli("compare", "--db", str(corpus_db), "--metrics", f"students_fulltime,{metric}",
             "--school", e["school"], "--year", str(e["year"]))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert "全日制在校生" in lines[0] and "(人)" in lines[1]
    row = next(line for line in lines if line.startswith(e["school"]))
    cells = row.split()
    assert cells[0] == e["school"] and cells[1] == str(e["year"])
    assert cells[2] == f"{e['metrics']['students_fulltime']:,}"
    assert len(cells) == 3, f"the unstated {metric} must be blank: {row!r}"
    assert " 0" not in row
    # a conflict is marked
    b = next(x for x in _expected() if "majors_count" in x.get("conflicts", {}))
    r = _cli("compare", "--db", str(corpus_db), "--metrics", "majors_count", "--school", b["school"])
    row = next(line for line in r.output.splitlines() if line.startswith(b["school"]))
    assert CONFLICT_MARK in row and "开设专业数" in r.output
    # unknown metric: a clear error
    r = CliRunner().invoke(pipeline.cli, ["compare", "--db", str(corpus_db), "--metrics", "nope"])
    assert r.exit_code != 0 and "unknown metric" in r.output


def test_workbook_values_sources_and_sheets(corpus_db, tmp_path):
    out = tmp_path / "对比.xlsx"
    r = _cli("compare", "--db", str(corpus_db), "--xlsx", str(out))
    assert r.exit_code == 0 and out.exists(), r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明", "对比", "来源", "问题", "缺失章节"]
    ws = wb["对比"]
    assert ws.freeze_panes == "B2"
    head = [c.value for c in ws[1]]
    assert head[0] == "学校\nSchool"
    col = {h.split("\n")[1]: i for i, h in enumerate(head) if h}
    assert head[col["students_fulltime"]] == "全日制在校生(人)\nstudents_fulltime"
    rows = {(row[0].value, row[1].value): row for row in ws.iter_rows(min_row=2)}
    for e in _expected():
        row = rows[(e["school"], e["year"])]
        for metric, value in e["metrics"].items():
            assert row[col[metric]].value == pytest.approx(value), (e["file"], metric)
        for metric in col:
            if metric in e["metrics"] or metric in e.get("conflicts", {}) or metric in (
                    "School", "Year", "Level", "Region", "Province", "Conflicts", "Conflicting metrics",
                    "Corrected", "Documents"):
                continue
            if metric in {d.id for d in load_metric_defs()}:
                assert row[col[metric]].value is None, (e["file"], metric)   # blank, not 0
        for metric, values in e.get("conflicts", {}).items():
            cell = row[col[metric]]
            assert cell.value in values and cell.comment is not None
            assert all(f"{v:,}" in cell.comment.text or str(v) in cell.comment.text for v in values)
        assert row[col["Conflicts"]].value == len(e.get("conflicts", {}))
    a = rows[("青岚县职业技术教育中心", 2023)]
    assert a[col["students_fulltime"]].value == 3276 and a[col["students_fulltime"]].number_format == "#,##0"
    assert a[col["employment_rate"]].value == pytest.approx(97.3)

    src = wb["来源"]
    shead = [c.value.split("\n")[1] for c in src[1]]
    s = {h: i for i, h in enumerate(shead)}
    found = [r for r in src.iter_rows(min_row=2, values_only=True)
             if r[s["School"]] == "青岚县职业技术教育中心" and r[s["Metric"]] == "students_fulltime"]
    assert found and all(r[s["Value"]] == 3276 for r in found if r[s["Value year"]] == 2023)
    table_pdf = [r for r in found if r[s["Document"]].endswith(".pdf") and r[s["Source kind"]].startswith("表格")]
    assert table_pdf and table_pdf[0][s["Page"]] and table_pdf[0][s["Section"]]
    assert "全日制在校生" in table_pdf[0][s["Source text"]]
    assert any(r[s["Shown on 对比"]] for r in found)
    assert src.freeze_panes == "A2" and src.column_dimensions["O"].width >= 40

    issues = wb["问题"]
    kinds = {r[3] for r in issues.iter_rows(min_row=2, values_only=True)}
    assert "conflict" in kinds
    missing = wb["缺失章节"]
    mk = {r[3] for r in missing.iter_rows(min_row=2, values_only=True) if r[3]}
    assert mk <= {"missing_part", "missing_table", "empty_part"}


def test_workbook_survives_control_characters(corpus_db, tmp_path):
    db = tmp_path / "dirty.db"
    shutil.copy(corpus_db, db)
    con = sqlite3.connect(db)
    con.execute("update metrics set sentence = sentence || '\x01\x0b\x1f末' where metric = 'students_fulltime'")
    con.execute("update flags set message = '=\x02' || message")
    con.commit()
    con.close()
    store = open_for_reading(db)
    try:
        out = write_workbook(store.db, tmp_path / "dirty.xlsx", metrics=["students_fulltime"])
    finally:
        store.close()
    wb = openpyxl.load_workbook(out)
    texts = [r[14] for r in wb["来源"].iter_rows(min_row=2, values_only=True)]
    assert texts and all(t.endswith("末") and "\x01" not in t for t in texts)
    msgs = [r[8] for r in wb["问题"].iter_rows(min_row=2, values_only=True) if r[8]]
    assert msgs and all(m.startswith("=") for m in msgs)   # kept as text, not a formula


def test_comparison_api_filters(corpus_db):
    store = open_for_reading(corpus_db)
    try:
        comp = load_comparison(store.db, year=2024, metrics="students_fulltime,就业率")
        assert [d.id for d in comp.metrics] == ["students_fulltime", "employment_rate"]
        assert [r.school for r in comp.rows] == ["河西新能源职业技术学院"]
        assert comp.rows[0].cells["students_fulltime"].value == 7936
        with pytest.raises(ValueError):
            resolve_metrics(comp.metrics, ["bogus"])
    finally:
        store.close()
