"""``nianbao ingest --cluster``: parsing and extraction on a Dask cluster
(a LocalCluster here), the database exactly as a plain run makes it, and a
file that fails on a cluster worker failing alone."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("distributed", reason="the [cluster] extra (Dask distributed) is not installed")

from nianbao import pipeline  # noqa: E402
from nianbao.ingest import workers  # noqa: E402

from conftest import CORPUS, copy_db  # noqa: E402
from fault_injection import faulty_runner  # noqa: E402

REPORTS = CORPUS / "reports"


def facts(db: Path) -> dict:
    """What a run stores, ids and timestamps aside, by file name."""
    con = sqlite3.connect(db)
    try:
        name = {i: Path(p).name for i, p in con.execute("select id, path from documents")}

        def rows(sql):
            return sorted((name[r[0]], *r[1:]) for r in con.execute(sql))
        return {
            "documents": rows("select id, sha256, format, pages, chars, school, year, level, region, title, "
                              "status, error, parser, rules_version, warnings from documents"),
            "metrics": rows("select document_id, metric, value, unit, year, page, section, sentence, start, rule "
                            "from metrics"),
            "awards": rows("select document_id, competition, level, event, prize, person, role, year, start "
                           "from awards"),
            "flags": rows("select document_id, kind, severity, metric, message from flags"),
            "sections": rows('select document_id, "order", level, title, path, page, text from sections'),
            "tables": rows('select document_id, "order", title, cells, merges from tables'),
            "models": rows("select document_id, model from document_models"),
        }
    finally:
        con.close()


def test_cluster_local_stores_what_a_plain_run_stores(tmp_path, corpus_db_master):
    """``nianbao ingest corpus/reports --cluster local`` gives the same
    documents, metrics, awards, flags, sections, tables and models as the
    plain run of the same files."""
    db = tmp_path / "cluster.db"
    res = CliRunner().invoke(pipeline.cli, ["ingest", str(REPORTS), "--db", str(db), "--cluster", "local",
                                             "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "失败 failed: 0" in res.output
    plain = facts(copy_db(corpus_db_master, tmp_path))
    assert plain["metrics"] and plain["documents"]
    assert facts(db) == plain


@pytest.mark.slow
def test_a_file_failing_on_a_cluster_worker_fails_alone(tmp_path, monkeypatch):
    """On the cluster as locally: a file that hangs, one that kills its
    worker, one that eats memory and a truncated PDF each get their error;
    the good files are stored, the run completes."""
    d = tmp_path / "in"
    d.mkdir()
    txt = REPORTS / "E_zhongzhi_2023_gb18030.txt"
    for i, stem in enumerate(("hang_me", "crash_me", "eat_memory")):
        (d / f"{stem}.txt").write_bytes(txt.read_bytes() + f"\n（副本 {i}）\n".encode("gb18030"))
    (d / "good.docx").write_bytes((REPORTS / "A_zhongzhi_2023.docx").read_bytes())
    pdf = REPORTS / "D_gaozhi_2024_reportlab.pdf"
    (d / "good.pdf").write_bytes(pdf.read_bytes())
    (d / "truncated.pdf").write_bytes(pdf.read_bytes()[: pdf.stat().st_size * 4 // 10])
    monkeypatch.setattr(workers, "run_task",
                        faulty_runner({"hang_me": "hang", "crash_me": "crash", "eat_memory": "memory"}))
    s = pipeline.ingest_paths([d], tmp_path / "n.db", workers=2, cluster="local", timeout=30, memory_limit_mb=900)
    errors = {Path(p.split("!/")[-1]).stem: e for p, e in s.failed}
    assert errors["hang_me"].startswith("timeout:")
    assert errors["crash_me"].startswith("crashed:")
    assert errors["eat_memory"].startswith("memory:") and "900 MB" in errors["eat_memory"]
    assert errors["truncated"].startswith("truncated:")
    assert sorted(Path(p).name for p in s.ingested) == ["good.docx", "good.pdf"]


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(pipeline.cli, ["ingest", str(REPORTS / "A_zhongzhi_2023.docx"), "--db",
                                             str(tmp_path / "x.db"), "--cluster", "tcp://127.0.0.1:9"])
    assert res.exit_code != 0
    assert "Dask" in res.output and "127.0.0.1:9" in res.output


def test_an_address_that_is_none_is_a_bad_option(tmp_path):
    """`--cluster bogus` or a host without its port: exit 2 with one line
    saying what an address looks like (not Dask's traceback); the API gets
    a ClusterError."""
    from nianbao.ingest.cluster import ClusterError
    for address in ("bogus", "127.0.0.1", "tcp://", "local host", "tls://127.0.0.1:8786", "ucx://127.0.0.1:8786",
                    "127.0.0.1:0", "tcp://127.0.0.1:99999", "tcp://host:８０"):
        res = CliRunner().invoke(pipeline.cli, ["ingest", str(REPORTS / "A_zhongzhi_2023.docx"), "--db",
                                                 str(tmp_path / "x.db"), "--cluster", address])
        assert res.exit_code == 2 and "tcp://HOST:PORT" in res.output and "Traceback" not in res.output, res.output
    with pytest.raises(ClusterError, match="cannot reach"):
        pipeline.ingest_paths([REPORTS / "A_zhongzhi_2023.docx"], tmp_path / "y.db", cluster="bogus")
