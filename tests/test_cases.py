"""The bug-report cases of ``../shared/cases`` (``cases.json``), each ingested
as a user would (``nianbao ingest FILE``), then checked against what a correct
run stores (``expect``), what it must never store (``forbid``), the attributes
and the extra checks.  Skips when ``../shared`` is absent (a user's clone).

The cases are about what files' text layers hold, and the ones that expect
``needs_ocr`` were written for a run without OCR: they are ingested with
``ocr=False`` (scans read by OCR are tests/test_ocr.py's subject).

``KNOWN_FAILING`` lists the cases not yet fixed; each is a strict xfail, so a
fix that makes one pass fails this file until its id is taken off the list.
"""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from conftest import SHARED

CASES_DIR = SHARED / "cases"
CASES = json.loads((CASES_DIR / "cases.json").read_text(encoding="utf-8")) if CASES_DIR.exists() else []

# not yet passing (issue #10 / #9): take an id off when its case passes
KNOWN_FAILING: set[str] = set()

TOL = 0.011


def _close(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= max(TOL, 5e-3 * abs(float(b)) if abs(float(b)) > 1000 else TOL)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """case id → (database path, document row) after ingesting that case alone."""
    from nianbao.pipeline import ingest_paths
    out = {}

    def get(case):
        if case["id"] not in out:
            db = tmp_path_factory.mktemp(case["id"]) / "n.db"
            ingest_paths([str(CASES_DIR / case["file"])], db, workers=0, ocr=False)
            out[case["id"]] = db
        return out[case["id"]]
    return get


def _rows(db, sql, *args):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def _metrics(db):
    return _rows(db, "select metric, value, year, sentence from metrics")


def _has(metrics, metric, value, year=None):
    return any(m["metric"] == metric and _close(m["value"], value) and (year is None or m["year"] == year)
               for m in metrics)


def _check_extra(case, db, doc, metrics):
    chk = case["check"]
    if "status_in" in chk:
        assert doc["status"] in chk["status_in"], (doc["status"], doc["error"])
    if chk.get("want_warning"):
        assert doc["warnings"] and doc["warnings"] not in ("[]", "null"), doc
    if "page_status" in chk:
        statuses = {r["status"] for r in _rows(db, "select status from pages where document_id = ?", doc["id"])}
        assert chk["page_status"] in statuses, statuses
    if chk.get("no_metrics"):
        assert not metrics, metrics
    if chk.get("no_conflict"):
        conflicts = _rows(db, "select metric, message from flags where kind = 'conflict'")
        assert not conflicts, conflicts
    titles = [r["number"] + " " + r["title"] if r["number"] else r["title"]
              for r in _rows(db, 'select number, title from sections where level > 0 order by "order"')]
    for t in chk.get("outline_excludes", []):
        assert not any(t.replace(" ", "") in x.replace(" ", "") for x in titles), titles
    for t in chk.get("outline_contains", []):
        assert any(t.replace(" ", "") in x.replace(" ", "") for x in titles), (t, titles)
    if "outline_heading_count" in chk:
        assert len(titles) == chk["outline_heading_count"], titles
    if "sentence_excludes" in chk:
        assert not any(chk["sentence_excludes"] in (m["sentence"] or "") for m in metrics)
    if chk.get("title_no_bom"):
        assert not (doc["title"] or "").startswith("\ufeff") and "\ufeff" not in (doc["school"] or "")
    if "ingest_path_contains" in chk:
        paths = [r["path"] for r in _rows(db, "select path from document_paths")] + [doc["path"]]
        assert any(chk["ingest_path_contains"] in p for p in paths), paths
    if chk.get("xlsx"):
        _check_xlsx(db)
    for q in chk.get("search", []):
        r = CliRunner().invoke(_cli(), ["search", q, "--db", str(db)])
        assert r.exit_code == 0 and "Traceback" not in r.output, (q, r.output)


def _cli():
    from nianbao.pipeline import cli
    return cli


def _check_xlsx(db):
    import openpyxl
    out = db.with_suffix(".xlsx")
    r = CliRunner().invoke(_cli(), ["compare", "--db", str(db), "--xlsx", str(out)])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames


@pytest.mark.skipif(not CASES, reason="../shared/cases not present (fresh clone)")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, ingested, request):
    if case["id"] in KNOWN_FAILING:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known failing (see KNOWN_FAILING)"))
    db = ingested(case)
    docs = _rows(db, "select * from documents")
    assert len(docs) == 1, docs
    doc = docs[0]
    metrics = _metrics(db)
    accept = case["check"].get("accept_error")
    if accept and doc["status"] == "failed":
        assert (doc["error"] or "").startswith(accept), doc["error"]
        return
    assert doc["status"] != "failed" or "status_in" in case["check"], doc["error"]
    for e in case["expect"]:
        metric, value, year = (e + [None])[:3]
        assert _has(metrics, metric, value, year), (e, [m for m in metrics if m["metric"] == metric])
    for f in case["forbid"]:
        metric, value, year = (f + [None])[:3]
        assert not _has(metrics, metric, value, year), (f, [m for m in metrics if m["metric"] == metric])
    for k, v in case["attrs"].items():
        assert doc[k] == v, (k, doc[k], v)
    _check_extra(case, db, doc, metrics)
