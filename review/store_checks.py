"""Checks across the reports in the store (rules in ``rules/checks.yaml``).

``yoy_jump``: for the same school, a metric that changes between one report
year and the next by more than a configurable factor (either way).  Only
report-year values are compared (each report's own year), and only when a
report states the metric with one value for its year (a conflict is already
flagged by extraction).  The flag goes to the later report; it cites both
reports' sentences.

:func:`run` runs after ingest over the whole store and replaces the earlier
yoy flags (re-ingesting a document drops its flags with its rows).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict

from nianbao.registry import configured, store_checks

from .rules import check_rules

RULE = "review/store/yoy_jump"


def _conn(db):
    """A sqlite3 connection from a Store, a sqlite_utils.Database, a
    connection or a path."""
    if hasattr(db, "db") and hasattr(db.db, "conn"):
        return db.db.conn, None
    if hasattr(db, "conn"):
        return db.conn, None
    if hasattr(db, "execute"):
        return db, None
    from nianbao.store import Store
    st = Store(db)
    return st.db.conn, st


def _school_key(s: str | None) -> str:
    return re.sub(r"[\s\u3000]+", "", s or "")


def _fmt(v: float) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")


@store_checks.register("yoy_jump")
def yoy_flags(conn, cfg: dict | None = None) -> list[dict]:
    """The yoy_jump flag rows (dicts for the flags table) for the whole store."""
    cfg = (cfg or check_rules())["yoy_jump"]
    max_gap = int(cfg.get("max_gap_years", 1))
    out = []
    for school, ds in _reports_by_school(conn).items():
        years = sorted({y for _, y, _ in ds})
        if len(years) < 2:
            continue
        values = _report_year_values(conn, ds)
        for y_prev, y in zip(years, years[1:]):
            if y - y_prev > max_gap:
                continue
            out += _year_pair_flags(values, y_prev, y, cfg)
    return out


def _reports_by_school(conn) -> dict[str, list[tuple[int, int, str]]]:
    """School (spaces removed) → [(document id, year, path)], one document
    per report: its primary copy, superseded files left out (store/reports.py)."""
    docs = conn.execute("select id, school, year, path from documents where status in ('ok', 'ocr') and school is not null "
                        "and year is not null and superseded_by is null and (report_id is null or id = report_id)"
                        ).fetchall()
    by_school: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for doc_id, school, year, path in docs:
        by_school[_school_key(school)].append((doc_id, year, path))
    return by_school


def _report_year_values(conn, ds: list[tuple[int, int, str]]) -> dict[tuple[int, str], list[tuple]]:
    """Per (year, metric): the value(s) stated for that year by that year's
    reports, as (document id, path, metric, value, unit, raw, page, section,
    sentence, source, name_zh)."""
    values: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for doc_id, year, path in ds:
        for row in conn.execute("select metric, value, unit, raw, page, section, sentence, source, name_zh "
                                "from metrics where document_id = ? and year = ?", (doc_id, year)):
            values[(year, row[0])].append((doc_id, path, *row))
    return values


def _year_pair_flags(values: dict[tuple[int, str], list[tuple]], y_prev: int, y: int, cfg: dict) -> list[dict]:
    """Flags for the metrics stated once (or consistently) in both years
    whose values differ by more than the metric's factor."""
    default = float(cfg.get("factor", 3.0))
    factors = cfg.get("factors") or {}
    skip = set(cfg.get("skip") or [])
    out = []
    metrics = {m for (yy, m) in values if yy == y} & {m for (yy, m) in values if yy == y_prev}
    for metric in sorted(metrics - skip):
        cur, prev = _single(values[(y, metric)]), _single(values[(y_prev, metric)])
        if cur is None or prev is None:
            continue
        a, b = prev[3], cur[3]
        if a <= 0 or b <= 0:
            continue
        factor = float(factors.get(metric, default))
        ratio = max(a, b) / min(a, b)
        if ratio > factor:
            out.append(_jump_flag(cfg, metric, (y_prev, prev), (y, cur), ratio, factor))
    return out


def _jump_flag(cfg: dict, metric: str, before: tuple[int, tuple], after: tuple[int, tuple],
               ratio: float, factor: float) -> dict:
    """One yoy_jump flag row; ``before``/``after``: (year, value row of
    :func:`_report_year_values`)."""
    (y_prev, prev), (y, cur) = before, after
    a, b = prev[3], cur[3]
    name = cur[10] or metric
    return {
        "document_id": cur[0], "kind": "yoy_jump", "severity": cfg.get("severity", "warning"),
        "metric": metric, "rule": RULE,
        "message": (f"{name}（{metric}）{y_prev}年 {_fmt(a)} → {y}年 {_fmt(b)}，变化 {ratio:.1f} 倍，"
                    f"超过 {factor:g} 倍 / {metric} jumps from {_fmt(a)} ({y_prev}) to {_fmt(b)} ({y}): "
                    f"×{ratio:.1f}, beyond ×{factor:g}"),
        "source_a": json.dumps(_src(prev, y_prev), ensure_ascii=False),
        "source_b": json.dumps(_src(cur, y), ensure_ascii=False),
    }


def _single(rows: list[tuple]):
    """The one value stated (all statements agree), else None."""
    if not rows:
        return None
    v0 = rows[0][3]
    if all(abs(r[3] - v0) <= 5e-4 * max(abs(v0), abs(r[3]), 1e-9) for r in rows):
        return next((r for r in rows if r[9] == "text"), rows[0])
    return None


def _src(r: tuple, year: int) -> dict:
    doc_id, path, metric, value, unit, raw, page, section, sentence, source, name_zh = r
    return {"value": value, "unit": unit, "raw": raw, "year": year, "document_id": doc_id, "path": path,
            "page": page, "section": section, "sentence": (sentence or "")[:300], "source": source}


#: the ``rule`` of every flag a store check writes starts with this
STORE_RULE_PREFIX = "review/store/"


def prepare() -> None:
    """Import and validate the store checks :func:`run` will call (``rules/pipeline.yaml``,
    every registry's modules): what an ingest does while its workers are busy."""
    configured("store_checks")


def run(db, cfg: dict | None = None) -> int:
    """Recompute the store-wide flags in one transaction: the flags of every
    store check named in ``rules/pipeline.yaml`` (``store_checks``) replace
    the earlier ones (those whose rule starts with ``review/store/``).
    Returns how many were raised.  ``cfg``: the checks' rules
    (default ``rules/checks.yaml``)."""
    conn, owned = _conn(db)
    try:
        rows = [r for _, fn in configured("store_checks") for r in fn(conn, cfg)]
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM flags WHERE rule LIKE ?", (STORE_RULE_PREFIX + "%",))
            for r in rows:
                cols = list(r)
                conn.execute(f'INSERT INTO flags ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})',
                             tuple(r[c] for c in cols))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return len(rows)
    finally:
        if owned is not None:
            owned.close()
