"""Chinese full-text search: one-, two- and four-character words across
documents, the index kept in sync with the sections, rebuilt on upgrade."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from nianbao import pipeline
from nianbao.store import Store
from nianbao.store.compare import open_for_reading
from nianbao.store.search import fts_query, index_status, search

from conftest import CORPUS, copy_db


def _cli(*args):
    return CliRunner().invoke(pipeline.cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def db(tmp_path_factory, corpus_db_master):
    return copy_db(corpus_db_master, tmp_path_factory.mktemp("search"))


def _hits(db, q, **kw):
    store = open_for_reading(db)
    try:
        return search(store.db, q, load_model=store.load_model, **kw)
    finally:
        store.close()


@pytest.mark.parametrize("word,min_schools", [("县", 3), ("就业", 5), ("产教融合", 3), ("双师型", 4)])
def test_words_of_any_length_are_found_across_documents(db, word, min_schools):
    hits = _hits(db, word, limit=200)
    schools = {h.school for h in hits}
    assert len(schools) >= min_schools, (word, schools)
    for h in hits:
        assert h.section and h.year and h.path
        assert f"【{word}】" in h.snippet or "【" in h.snippet, h.snippet


def test_a_substring_jieba_does_not_cut_out_is_found_and_words_only_excludes_it(db):
    # 业率 is never a jieba word (就业率 is), but it is in the text
    assert _hits(db, "业率")
    assert not _hits(db, "业率", words_only=True)
    assert _hits(db, "就业率", words_only=True)
    assert 'chars : "就 业 率"' in fts_query("就业率")


def test_filters_pages_and_copies(db):
    hits = _hits(db, "生师比", school="青岚", year=2023)
    assert hits and all(h.school == "青岚县职业技术教育中心" and h.year == 2023 for h in hits)
    # the .docx and the .pdf of one report give one hit; the PDF's page is kept
    assert any(h.copies for h in hits)
    assert any(h.page for h in hits)
    assert _hits(db, "生师比", year=1999) == []
    assert _hits(db, "没有这个词语组合") == []


def test_search_command(db):
    r = _cli("search", "产教融合", "--db", str(db), "--limit", "3")
    assert r.exit_code == 0, r.output
    assert "【产教融合】" in r.output and r.output.startswith("1. ")
    r = _cli("search", "县", "--db", str(db), "--json", "--limit", "50")
    rows = json.loads(r.output)
    assert rows and {"school", "year", "section", "page", "snippet"} <= set(rows[0])
    assert len({x["school"] for x in rows}) >= 3
    r = _cli("search", "--reindex", "--db", str(db))
    assert "reindexed" in r.output


def test_index_follows_reingest_and_upgrade(db, tmp_path):
    con = sqlite3.connect(db)
    n = con.execute("select count(*) from sections").fetchone()[0]
    assert con.execute("select count(*) from sections_fts").fetchone()[0] == n
    # --force re-ingest replaces the rows in the same transaction: no stale or duplicated index rows
    one = CORPUS / "reports" / "E_zhongzhi_2023_gb18030.txt"
    pipeline.ingest_paths([one], db, force=True)
    assert con.execute("select count(*) from sections_fts").fetchone()[0] == n
    store = Store(db, readonly=True)
    assert index_status(store.db.conn) == "ok"
    store.close()
    # a database of schema 1 (no index, no views) is upgraded and indexed when opened
    old = tmp_path / "old.db"
    pipeline.ingest_paths([one], old)
    c = sqlite3.connect(old)
    for v in ("metric_wide", "metric_chosen", "school_flags", "metric_values"):
        c.execute(f"drop view {v}")
    c.execute("drop table metric_defs")
    c.execute("drop trigger sections_fts_delete")
    c.execute("drop table sections_fts")
    c.execute("update _meta set value = '1' where key = 'schema_version'")
    c.commit()
    c.close()
    assert _hits(old, "果园")
    c = sqlite3.connect(old)
    assert c.execute("select count(*) from metric_wide").fetchone()[0] == 1
    assert c.execute("select count(*) from sections_fts").fetchone()[0] == \
        c.execute("select count(*) from sections").fetchone()[0]
