"""Review candidates: a figure bound to a metric term that a cue makes unsure
(a change, a plan, a part, another entity …) is kept out of ``metrics`` and
recorded with its reason in ``Facts.candidates`` and the ``candidates``
table — never in the views that compare schools.  The report is written
here with python-docx, in our own words."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from nianbao import Database, pipeline
from nianbao.extractors.extract import extract
from nianbao.extractors.facts import CANDIDATE_REASONS
from nianbao.ingest import parse

from conftest import school_report_docx

PARAGRAPHS = [
    "学校现有全日制在校生2,460人，专任教师138人。",
    "今年学校新聘专任教师12名、新进兼职教师5名。",
    "学校北校区占地面积120亩。",
    "全市中职学校在校生共3.1万人。",
    "学院新校区分两期建设，总建筑面积9.2万平方米。",
    "建校以来累计培养毕业生2万余人。",
    "学校计划招生600人。",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return school_report_docx(tmp_path_factory.mktemp("cand") / "qinghe_2023.docx", PARAGRAPHS)


def _by_value(candidates):
    return {(c.metric, c.value): c.reason for c in candidates}


def test_unsure_figures_are_candidates_with_their_reason(report):
    facts = extract(parse(report))
    got = {(m.metric, m.value) for m in facts.metrics}
    assert ("students_fulltime", 2460) in got and ("teachers_fulltime", 138) in got
    cands = _by_value(facts.candidates)
    assert cands[("teachers_fulltime", 12)] == "change"
    assert cands[("teachers_parttime", 5)] == "change"
    assert any(m == "land_area" and r == "part" for (m, _), r in cands.items())
    assert cands[("students_fulltime", 31000)] == "region"
    assert cands[("building_area", 92000)] == "target"
    assert cands[("graduates_total", 20000)] == "cumulative"
    assert cands[("enrolment_new", 600)] == "excluded"      # 计划 before the term (exclude_before)
    # a candidate is never a metric too, and every reason has a label
    assert not {(c.metric, c.value) for c in facts.candidates} & got
    assert {c.reason for c in facts.candidates} <= set(CANDIDATE_REASONS)
    c = next(c for c in facts.candidates if c.metric == "students_fulltime")
    assert c.prov.sentence.startswith("全市中职学校") and c.raw == "3.1万人" and c.year == 2023


def test_candidates_are_stored_apart_and_never_compared(report, tmp_path):
    db_path = tmp_path / "c.db"
    db = Database(db_path)
    db.ingest([report], workers=0)
    rows = db.candidates()
    assert {(r["metric"], r["reason"]) for r in rows} >= {("teachers_fulltime", "change"),
                                                          ("students_fulltime", "region")}
    assert all(r["school"] == "青禾县职业技术学校" and r["report_year"] == 2023 and r["sentence"] for r in rows)
    assert [r["value"] for r in db.candidates(metric="students_fulltime")] == [31000]
    assert db.candidates(reason="cumulative")[0]["metric"] == "graduates_total"
    con = sqlite3.connect(db_path)
    compared = {(m, v) for m, v in con.execute("select metric, value from metric_values")}
    assert ("students_fulltime", 2460) in compared
    assert not {(r["metric"], r["value"]) for r in rows} & compared
    wide = con.execute("select students_fulltime, teachers_fulltime from metric_wide").fetchone()
    assert wide == (2460, 138)
    # re-extraction replaces them, never duplicates
    n = len(rows)
    db.ingest([], reextract=True)
    assert len(db.candidates()) == n


def test_extract_command_shows_candidates_apart(report):
    r = CliRunner().invoke(pipeline.cli, ["extract", str(report)])
    assert r.exit_code == 0, r.output
    head, _, tail = r.output.partition("待审候选")
    assert "2460" in head and "31000" not in head
    assert "31000" in tail and "region" in tail
    r = CliRunner().invoke(pipeline.cli, ["extract", str(report), "--json"])
    data = json.loads(r.output)
    assert {c["reason"] for c in data["candidates"]} >= {"change", "region", "target", "cumulative"}
    assert all(c["metric"] != "students_fulltime" or c["value"] != 2460 for c in data["candidates"])
