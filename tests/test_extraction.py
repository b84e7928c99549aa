"""Extraction on real files: the seed in its three formats and the corpus,
against their expected-values JSONs; rule files that report their mistakes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nianbao.extractors.extract import extract
from nianbao.extractors.metric_rules import load_metric_rules, normalize_label
from nianbao.rules.loader import rules_digest
from nianbao.extractors.rules import RuleFileError
from nianbao.ingest import parse
from nianbao.store import Store
from nianbao.evaluate.accuracy import Counts, score

from conftest import CORPUS, SEED, SEED_FILES, corpus_reports, expected_for, needs_seed, copy_db


def _close(a, b):
    return abs(a - b) <= max(0.006, 5e-4 * max(abs(a), abs(b)))


@pytest.fixture(scope="module")
def seed_facts():
    if not SEED.exists():
        pytest.skip("../shared/seed not present")
    return {fmt: extract(parse(p)) for fmt, p in SEED_FILES.items()}


@needs_seed
@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_metrics_conflicts_and_decoys(seed_facts, seed_expected, fmt):
    facts = seed_facts[fmt]
    a = facts.attributes
    assert (a["school"], a["year"], a["level"], a["region"]) == (
        seed_expected["school"], seed_expected["year"], seed_expected["level"], seed_expected["region"])
    year = seed_expected["year"]
    stored = {}
    for m in facts.metrics:
        if m.year == year:
            stored.setdefault(m.metric, []).append(m)
    # every expected metric is found with its value, and only that value
    # (but for values the report itself states twice)
    allowed_extra = seed_expected["also_stated"]
    for metric, value in seed_expected["metrics"].items():
        values = [m.value for m in stored.get(metric, [])]
        assert any(_close(v, value) for v in values), (metric, value, values)
        wrong = [v for v in values if not _close(v, value) and not any(_close(v, x) for x in allowed_extra.get(metric, []))]
        assert not wrong, (metric, wrong)
    for metric in seed_expected["approximate"]:
        assert all(m.approximate for m in stored[metric])
    # every listed conflict is stored with both values and flagged
    flagged = {f.metric: f for f in facts.flags if f.kind == "conflict"}
    for metric, values in seed_expected["conflicts"].items():
        have = [m.value for m in stored.get(metric, [])]
        assert all(any(_close(v, h) for h in have) for v in values), (metric, values, have)
        f = flagged[metric]
        assert f.source_a["sentence"] and f.source_b["sentence"]
        if len(values) == 2:
            assert {round(f.source_a["value"], 2), round(f.source_b["value"], 2)} == {round(v, 2) for v in values}
    # also_stated values come with a flag
    for metric in allowed_extra:
        assert metric in flagged
    # decoys: previous-year figures, changes, purchases, quotas, allocations
    bad = {"graduates_total": [196, 195], "employment_rate": [99.4], "graduates_further_study": [14],
           "equipment_value_total": [25670000, 5000000], "books_total": [23000, 100000],
           "funding_per_student": [1982000], "staff_total": [60]}
    for metric, values in bad.items():
        for m in stored.get(metric, []):
            assert not any(_close(m.value, v) for v in values), (metric, m.value, m.prov.sentence)
    # the previous year's column is stored with its own year
    prev = {(m.metric, m.value) for m in facts.metrics if m.year == year - 1}
    assert ("graduates_total", 130) in prev and ("graduates_monthly_income", 3321) in prev


@needs_seed
def test_seed_provenance_points_at_source(seed_facts):
    doc = parse(SEED_FILES["pdf"])
    facts = extract(doc)
    m = next(m for m in facts.metrics if m.metric == "student_teacher_ratio" and m.prov.source == "text")
    assert doc.text[m.prov.start:m.prov.end].replace(" ", "") == "20.23:1"
    assert m.prov.page == 2 and m.prov.section == "基本情况 > 教师队伍"
    assert "生师比20.23:1" in m.prov.sentence
    t = next(m for m in facts.metrics if m.metric == "graduates_total" and m.prov.source == "table" and m.year == 2023)
    assert doc.text[t.prov.start:t.prov.end] == "252" and t.prov.page in (36, 37)
    assert facts.rules_version == f"{load_metric_rules().version}+{rules_digest()}"


def test_corpus_files_each_have_expected_json():
    reports = corpus_reports()
    assert len(reports) >= 6
    for p in reports:
        exp = expected_for(p)
        assert exp["file"] == p.name


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory, corpus_db_master):
    return copy_db(corpus_db_master, tmp_path_factory.mktemp("corpus"))


def test_corpus_accuracy_targets(corpus_db):
    store = Store(corpus_db, readonly=True)
    results, problems = score(store.db, sorted((CORPUS / "expected").glob("*.json")))
    store.close()
    assert not problems, problems
    total = Counts()
    for c in results["all"].values():
        total.add(c)
    assert total.tp > 100
    assert total.precision >= 0.99, total.extras
    assert total.recall >= 0.95, total.misses


def test_corpus_attributes(corpus_db):
    store = Store(corpus_db, readonly=True)
    for p in corpus_reports():
        exp = expected_for(p)
        row = next(store.db.query("select * from documents where path like ?", [f"%/{p.name}"]))
        assert (row["school"], row["year"], row["level"]) == (exp["school"], exp["year"], exp["level"]), p.name
        if exp.get("title_year"):
            assert row["title_year"] == exp["title_year"]
    store.close()


def test_table_labels_normalised():
    assert normalize_label("其中：专任教师总数*") == "专任教师总数"
    assert normalize_label(" 生师比 * ") == "生师比"
    rules = load_metric_rules()
    assert rules.by_label("全日制在校生人数*").id == "students_fulltime"
    assert rules.by_label("毕业生本省去向落实率") is None


def test_rule_file_errors_name_file_and_line(tmp_path):
    src = (Path(load_metric_rules().path)).read_text(encoding="utf-8")
    bad = tmp_path / "metrics.yaml"
    bad.write_text(src.replace("kind: ratio", "kind: fraction"), encoding="utf-8")
    with pytest.raises(RuleFileError) as e:
        load_metric_rules(str(bad))
    line = next(i for i, l in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1)
                if "id: student_teacher_ratio" in l)
    assert e.value.line == line and "fraction" in str(e.value) and str(bad) in str(e.value)
    bad.write_text(src.replace("  - id: land_area", "  - id: land_area\n    colour: red"), encoding="utf-8")
    with pytest.raises(RuleFileError, match="unknown key"):
        load_metric_rules(str(bad))
    bad.write_text(src + "\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as e:
        load_metric_rules(str(bad))
    assert e.value.line is not None


def test_extract_command_json(tmp_path):
    from click.testing import CliRunner
    from nianbao import pipeline
    report = next(p for p in corpus_reports() if p.suffix == ".docx")
    r = CliRunner().invoke(pipeline.cli, ["extract", str(report), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    exp = expected_for(report)
    got = {m["metric"]: m["value"] for m in data["metrics"] if m["year"] == exp["year"]}
    for metric, value in exp["metrics"].items():
        assert _close(got[metric], value), metric
    assert all(m["page"] is None or m["page"] >= 1 for m in data["metrics"])
