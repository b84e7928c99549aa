"""`nianbao serve`: Datasette answers through its in-process test client."""
from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import pytest

from nianbao.web.serve import QUERIES, build_metadata, database_name, make_datasette

from conftest import CORPUS, copy_db


@pytest.fixture(scope="module")
def served(tmp_path_factory, corpus_db_master):
    path = copy_db(corpus_db_master, tmp_path_factory.mktemp("serve"), "nianbao.db")
    return make_datasette(path), database_name(path)


def _get(ds, path):
    from datasette.utils import tilde_encode
    # Datasette redirects non-ASCII table and query names to their ~-encoded form
    parts = path.split("?", 1)
    segs = []
    for seg in parts[0].split("/"):
        if any(ord(ch) > 127 for ch in seg):
            stem, dot, ext = seg.rpartition(".") if seg.endswith(".json") else (seg, "", "")
            seg = tilde_encode(stem) + dot + ext
        segs.append(seg)
    url = "/".join(segs) + ("?" + parts[1] if len(parts) > 1 else "")
    return asyncio.run(ds.client.get(url))


def test_index_table_pages_and_metadata(served):
    ds, name = served
    assert _get(ds, "/").status_code == 200
    r = _get(ds, f"/{name}")
    assert r.status_code == 200 and "metric_wide" in r.text and "就业率排名" in r.text
    r = _get(ds, f"/{name}/metric_wide")
    assert r.status_code == 200 and "学校对比表" in r.text
    r = _get(ds, f"/{name}/metric_values.json?_shape=objects&metric=students_fulltime&school="
                 + quote("青岚县职业技术教育中心"))
    data = r.json()
    assert r.status_code == 200 and {row["value"] for row in data["rows"] if row["is_report_year"]} == {3276}
    assert {"school", "year", "metric"} <= set(data.get("facet_results", {}))
    r = _get(ds, f"/{name}/school_flags.json")
    assert "kind" in r.json().get("facet_results", {})
    dbs = _get(ds, "/-/databases.json").json()
    assert dbs[0]["is_mutable"] is True       # mode=ro: read-only, safe while an ingest writes
    r = _get(ds, f"/{name}.json?sql=" + quote("delete from documents"))
    assert r.status_code == 400 and "documents" in _get(ds, f"/{name}").text


def test_canned_queries(served):
    ds, name = served
    assert set(QUERIES) >= {"就业率排名", "缺失附表的学校", "同比变化"}
    rows = _get(ds, f"/{name}/就业率排名.json?year=2023&_shape=array").json()
    assert rows and rows[0]["名次"] == 1
    rates = [r["就业率(%)"] for r in rows]
    assert rates == sorted(rates, reverse=True)
    expected = json.loads((CORPUS / "expected" / "A_zhongzhi_2023.docx.json").read_text(encoding="utf-8"))
    a = next(r for r in rows if r["学校"] == expected["school"])
    assert a["就业率(%)"] == pytest.approx(expected["metrics"]["employment_rate"])
    r = _get(ds, f"/{name}/缺失附表的学校")
    assert r.status_code == 200
    rows = _get(ds, f"/{name}/缺失附表的学校.json?_shape=array").json()
    flagged = _get(ds, f"/{name}/school_flags.json?kind=missing_table&_shape=array").json()
    assert {r["学校"] for r in rows} == {f["school"] for f in flagged}   # whatever the review found
    rows = _get(ds, f"/{name}/同比变化.json?metric=enrolment_new&year=2023&_shape=array").json()
    b = next(r for r in rows if r["学校"] == "楚州工程职业技术学院")
    assert (b["上年"], b["本年"]) == (4106, 4312) and b["变化"] == 206
    rows = _get(ds, f"/{name}/全文搜索.json?q={quote('产教融合')}&_shape=array").json()
    assert len({r["学校"] for r in rows}) >= 3 and all("【" in r["摘要"] for r in rows if r["摘要"])


def test_search_box_finds_chinese(served):
    ds, name = served
    for q in ("县", "就业", "产教融合", "直接就业"):
        r = _get(ds, f"/{name}/sections.json?_search={quote(q)}&_shape=array")
        assert r.status_code == 200 and r.json(), q
    # a query without Han characters is escaped as Datasette always does
    r = _get(ds, f"/{name}/sections.json?_search=1%2BX&_shape=array")
    assert r.status_code == 200


def test_a_blank_search_is_no_search_and_errors_print_no_rich_traceback(served, capsys):
    ds, name = served
    every = _get(ds, f"/{name}/sections.json?_shape=array&_size=max").json()
    for blank in ("", "%20%20"):
        r = _get(ds, f"/{name}/sections.json?_search={blank}&_shape=array&_size=max")
        assert r.status_code == 200 and len(r.json()) == len(every), blank
    r = _get(ds, f"/{name}/sections.json?_search=%22&_shape=array")       # quotes alone: no rows, no error
    assert r.status_code == 200 and r.json() == [], r.text[:600]
    r = _get(ds, f"/{name}/sections?_search=&_sort=page")                  # the HTML page keeps its other parameters
    assert r.status_code == 200
    capsys.readouterr()
    assert _get(ds, "/robots.txt").status_code == 404
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and len((out.out + out.err).splitlines()) <= 1


def test_metadata_describes_columns_with_units(tmp_path):
    md = build_metadata(tmp_path / "x.db", defs=[])
    t = md["databases"]["x"]["tables"]
    assert t["sections"]["fts_table"] == "sections_fts"
    assert "school" in t["metric_values"]["facets"] and "kind" in t["school_flags"]["facets"]
    assert "/" in t["metric_values"]["columns"]["value"]       # Chinese / English
