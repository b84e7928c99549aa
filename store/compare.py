"""Comparing schools: the ``metric_defs`` table, the comparison views and
the ``nianbao compare`` table.

The views live in the database (any SQLite tool can use them) and are
re-created by :func:`refresh_derived` whenever ``rules/metrics.yaml`` or
``rules/metric-catalog.md`` change (``ensure_schema`` calls it on every
writable connection; it does nothing when they are unchanged):

``metric_values``
    every extracted value with its school, report year (``year``), the year
    the value refers to (``metric_year``), unit and source (document path,
    page, section, sentence, ``source_kind`` text/table).
    ``is_report_year`` = 1 when ``metric_year`` equals the report year —
    the values a comparison uses; the others are previous-year figures a
    report quotes.
``metric_chosen``
    one value per school, report year and metric, among the report-year
    values of every document of that school and year (a report ingested as
    both .docx and .pdf counts once): a value the review flagged as
    implausible or out of range comes last; then **the value from an
    appendix table if there is one, else the first one found** (lowest document id, then the
    order of extraction, i.e. the first in the text).  Tables are preferred
    because they are the form the ministry prescribes and their labels are
    unambiguous; narrative sentences more often quote a subset or a rounded
    figure.  ``n_distinct`` counts the different values stated, and
    ``conflict`` is 1 when there is more than one (``values_stated`` lists
    them) — the report contradicts itself and a person should look.
``metric_wide``
    one row per school and report year, one column per metric id of
    ``rules/metrics.yaml`` (the ``metric_chosen`` value; NULL where the
    report states nothing), plus ``conflicts`` (how many metrics have
    conflicting values) and ``conflict_metrics`` (their ids).
``school_flags``
    review flags with the school, year and file they belong to.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, check_keys, line_of, load_yaml, strip_lines, words
from .transactions import joined_transaction
from .like import CONTAINS, like_pattern

#: bump when the SQL of the views below changes
VIEWS_REVISION = "3+reports+corrections+ocr-origin"
VIEWS = ("metric_values_all", "metric_values", "metric_chosen", "metric_wide", "school_flags", "reports")

COMPARE_PATH = RULES_DIR / "compare.yaml"


@lru_cache(maxsize=4)
def display_rules(path: str | None = None) -> dict:
    """``rules/compare.yaml``: units by metric kind, English names, the
    terminal's default metrics, the missing-part flag kinds and how a region
    gives its province.  Checked on load (RulesError with file and line)."""
    p = Path(path) if path else COMPARE_PATH
    data = load_yaml(p, lines=True)
    check_keys(data, {"units": dict, "unit_overrides": dict, "names_en": dict, "terminal_metrics": list,
                      "missing_kinds": list, "province_suffixes": list, "municipalities": list,
                      "flag_kinds": dict, "severities": dict}, p)
    for key in ("flag_kinds", "severities"):
        for code, label in data[key].items():
            if code != "__line__" and not isinstance(label, str):
                raise RulesError(p, line_of(data[key]), f"{key}.{code} 应为文字 / must be text")
    for kind, u in data["units"].items():
        if kind != "__line__":
            check_keys(u, {"zh": str, "en": str}, p, where=f"units.{kind}: ", line=line_of(data["units"]))
    for key in ("terminal_metrics", "missing_kinds", "province_suffixes", "municipalities"):
        words(data, key, p)
    return strip_lines(data)


def default_terminal_metrics() -> list[str]:
    """The metrics ``nianbao compare`` shows in a terminal when none are named."""
    return list(display_rules()["terminal_metrics"])


def missing_kinds() -> tuple[str, ...]:
    """Flag kinds listed on the workbook's 缺失章节 sheet (written by the review)."""
    return tuple(display_rules()["missing_kinds"])


_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


# ---------------------------------------------------------------------------
# metric definitions
# ---------------------------------------------------------------------------
@dataclass
class MetricDef:
    id: str
    position: int
    name_zh: str
    kind: str
    unit: str          # Chinese display unit (人, %, 元 …)
    unit_en: str
    name_en: str
    description: str

    @property
    def header(self) -> str:
        """e.g. 全日制在校生(人)"""
        return f"{self.name_zh}({self.unit})"

    def to_row(self) -> dict:
        return {"id": self.id, "position": self.position, "name_zh": self.name_zh, "unit": self.unit,
                "kind": self.kind, "description": self.description, "unit_en": self.unit_en,
                "name_en": self.name_en}


def _rules_files() -> tuple[Path, ...]:
    """The files metric_defs and the views are made from."""
    return RULES_DIR / "metrics.yaml", RULES_DIR / "metric-catalog.md", COMPARE_PATH


def _catalog(path: Path) -> dict[str, tuple[str, str]]:
    """id → (typical wording, unit kind) from the catalog's markdown table."""
    out = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and _ID_RE.match(cells[0]) and cells[0] != "id":
            out[cells[0]] = (cells[1], cells[2])
    return out


def load_metric_defs() -> list[MetricDef]:
    """The metrics of ``rules/metrics.yaml`` (in its order), then any catalog
    metric the rules do not have yet."""
    yaml_path, cat_path, _ = _rules_files()
    catalog = _catalog(cat_path)
    data = load_yaml(yaml_path) or {}
    shown = display_rules()
    units, overrides, names_en = shown["units"], shown["unit_overrides"], shown["names_en"]
    defs, seen = [], set()
    entries = [(m.get("id"), m.get("name_zh"), m.get("kind"), m.get("terms") or [])
               for m in data.get("metrics") or []]
    entries += [(i, w.split("/")[0].strip(), k, []) for i, (w, k) in catalog.items()]
    for mid, name_zh, kind, terms in entries:
        if not mid or mid in seen or not _ID_RE.match(str(mid)):
            continue
        seen.add(mid)
        kind = kind or (catalog.get(mid, ("", ""))[1])
        wording = catalog.get(mid, ("", ""))[0] or " / ".join(terms[:4])
        unit = overrides.get(mid) or units.get(kind, {}).get("zh", "")
        unit_en = units.get(kind, {}).get("en", kind or "")
        name_en = names_en.get(mid, mid.replace("_", " "))
        desc = (f"{name_zh}（{unit}）：常见表述 {wording}。/ {name_en} ({unit_en or kind}); "
                f"stored as {kind}.")
        defs.append(MetricDef(id=mid, position=len(defs) + 1, name_zh=name_zh or mid, kind=kind or "",
                              unit=unit, unit_en=unit_en, name_en=name_en,
                              description=desc))
    return defs


# ---------------------------------------------------------------------------
# the views
# ---------------------------------------------------------------------------
def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _province(col: str) -> str:
    """SQL: the province-level part of a region (``rules/compare.yaml``: up to
    the first 省 / 自治区 / 特别行政区, or a municipality's name + 市)."""
    shown = display_rules()
    whens = [f"WHEN instr({col}, {_sql_text(x)}) > 0 THEN substr({col}, 1, instr({col}, {_sql_text(x)}) + {len(x) - 1})"
             for x in shown["province_suffixes"]]
    whens += [f"WHEN substr({col}, 1, {len(m)}) = {_sql_text(m)} THEN {_sql_text(m + '市')}"
              for m in shown["municipalities"]]
    return f"CASE WHEN {col} IS NULL THEN NULL {' '.join(whens)} ELSE {col} END"


def _fmt_value_sql(col: str) -> str:
    return (f"CASE WHEN {col} = CAST({col} AS INTEGER) THEN CAST(CAST({col} AS INTEGER) AS TEXT) "
            f"ELSE CAST({col} AS TEXT) END")


SCHOOL_SQL = "coalesce(d.school, d.path)"

#: a document that counts: readable, not superseded by a newer file, not flagged as no quality report
CURRENT_SQL = ("d.status != 'failed' AND d.superseded_by IS NULL AND NOT EXISTS (SELECT 1 FROM flags nr "
               "WHERE nr.document_id = d.id AND nr.kind = 'not_a_report')")
#: every current file of d's report, the primary copy first, separated by '; '
FILES_SQL = ("((SELECT p0.path FROM documents p0 WHERE p0.id = coalesce(d.report_id, d.id)) || "
             "coalesce('; ' || (SELECT group_concat(f2.path, '; ') FROM documents f2 "
             "WHERE f2.report_id = d.report_id AND f2.superseded_by IS NULL AND f2.id != d.report_id), ''))")


def _labels_sql(col: str, labels: dict) -> str:
    """SQL: the Chinese label of a code (``rules/compare.yaml``), else the code."""
    whens = " ".join(f"WHEN {_sql_text(k)} THEN {_sql_text(v)}" for k, v in labels.items())
    return f"CASE {col} {whens} ELSE {col} END" if whens else col


def _value_cols_sql() -> str:
    """SQL: the select list shared by ``metric_values_all`` and ``metric_values``."""
    return f"""{SCHOOL_SQL} AS school, d.year AS year, d.level AS level, d.region AS region,
       {_province('d.region')} AS province,
       m.metric AS metric, coalesce(md.name_zh, m.name_zh) AS name_zh, m.value AS value,
       coalesce(md.unit, m.unit) AS unit, m.unit AS unit_en, m.approximate AS approximate,
       d.path AS path, m.page AS page, m.section AS section, m.sentence AS sentence,
       m.source AS source_kind, m.document_id AS document_id, m.year AS metric_year,
       CASE WHEN m.year IS coalesce(d.year_orig, d.year) THEN 1 ELSE 0 END AS is_report_year,
       m.raw AS raw, m.rule AS rule, m.id AS value_id, d.report_id AS report_id,
       m.origin AS origin, m.confidence AS confidence"""


def _values_all_sql() -> str:
    """CREATE VIEW ``metric_values_all``: every value of a document that did not fail."""
    value_cols = _value_cols_sql()
    return f"""CREATE VIEW metric_values_all AS
SELECT {value_cols},
       CASE WHEN d.id = d.report_id THEN 1 ELSE 0 END AS is_primary, d.superseded_by AS superseded_by
FROM metrics m
JOIN documents d ON d.id = m.document_id
LEFT JOIN metric_defs md ON md.id = m.metric
WHERE d.status != 'failed'"""


def _values_sql() -> str:
    """CREATE VIEW ``metric_values``: the values of current documents, one report's files counted once."""
    value_cols = _value_cols_sql()
    return f"""CREATE VIEW metric_values AS
SELECT {value_cols}, {FILES_SQL} AS files
FROM metrics m
JOIN documents d ON d.id = m.document_id
LEFT JOIN metric_defs md ON md.id = m.metric
WHERE {CURRENT_SQL}
  AND (d.id IS d.report_id OR NOT EXISTS (SELECT 1 FROM metrics p WHERE p.document_id = d.report_id
                                          AND p.metric = m.metric AND p.year IS m.year))"""


def _chosen_ranked_sql() -> str:
    """SQL: the start of ``metric_chosen`` — the CTEs ranking values (``v``) and counting distinct ones (``n``)."""
    return f"""CREATE VIEW metric_chosen AS
WITH v AS (
  SELECT *, row_number() OVER (PARTITION BY school, year, metric
                               ORDER BY CASE WHEN EXISTS (
                                   SELECT 1 FROM flags f WHERE f.document_id = metric_values.document_id
                                   AND f.metric = metric_values.metric AND f.kind IN ('implausible', 'out_of_range')
                                   AND json_extract(f.source_a, '$.value') = metric_values.value) THEN 1 ELSE 0 END,
                                        CASE WHEN source_kind = 'table' THEN 0 ELSE 1 END,
                                        CASE WHEN document_id IS report_id THEN 0 ELSE 1 END,
                                        document_id, value_id) AS rn,
         count(*) OVER (PARTITION BY school, year, metric) AS n_values
  FROM metric_values WHERE is_report_year = 1
), n AS (
  SELECT school, year, metric, count(DISTINCT round(value, 6)) AS n_distinct,
         group_concat(DISTINCT {_fmt_value_sql('round(value, 6)')}) AS values_stated
  FROM metric_values WHERE is_report_year = 1 GROUP BY school, year, metric
"""


def _chosen_sql() -> str:
    """CREATE VIEW ``metric_chosen``: one value per school, year and metric, corrections applied."""
    return _chosen_ranked_sql() + f"""), base AS (
  SELECT v.school, v.year, v.level, v.region, v.province, v.metric, v.name_zh, v.value, v.unit, v.approximate,
         v.source_kind, v.path, v.page, v.section, v.sentence, v.document_id, v.value_id,
         v.n_values, n.n_distinct, CASE WHEN n.n_distinct > 1 THEN 1 ELSE 0 END AS conflict, n.values_stated,
         v.files, v.origin, v.confidence
  FROM v JOIN n ON n.school = v.school AND n.year IS v.year AND n.metric = v.metric
  WHERE v.rn = 1
), r AS (
  SELECT {SCHOOL_SQL} AS school, d.year AS year, max(d.level) AS level, max(d.region) AS region,
         group_concat(d.path, '; ') AS files
  FROM documents d WHERE {CURRENT_SQL} GROUP BY 1, 2
)
SELECT base.*, 0 AS corrected, 0 AS excluded, NULL AS correction_id, NULL AS correction_note,
       NULL AS extracted_value
FROM base WHERE NOT EXISTS (SELECT 1 FROM corrections c WHERE c.field = 'metric' AND c.school = base.school
                            AND c.year IS base.year AND c.metric = base.metric)
UNION ALL
SELECT r.school, r.year, r.level, r.region, {_province('r.region')}, c.metric, md.name_zh,
       CASE WHEN c.exclude = 1 THEN NULL ELSE c.value END, md.unit, 0, 'correction', NULL, NULL, NULL,
       c.note, NULL, NULL, coalesce(b.n_values, 0), coalesce(b.n_distinct, 0), 0, b.values_stated, r.files,
       'correction', NULL, 1, c.exclude, c.id, c.note, b.value
FROM corrections c JOIN r ON r.school = c.school AND r.year IS c.year
LEFT JOIN metric_defs md ON md.id = c.metric
LEFT JOIN base b ON b.school = c.school AND b.year IS c.year AND b.metric = c.metric
WHERE c.field = 'metric'"""


def _wide_sql(metric_ids: list[str]) -> str:
    """CREATE VIEW ``metric_wide``: one row per school and year, one column per metric id."""
    cols = ",\n       ".join(f"max(CASE WHEN c.metric = '{m}' THEN c.value END) AS \"{m}\"" for m in metric_ids)
    return f"""CREATE VIEW metric_wide AS
WITH g AS (
  SELECT {SCHOOL_SQL} AS school, d.year AS year, max(d.level) AS level, max(d.region) AS region,
         count(*) AS documents, group_concat(d.id) AS document_ids, group_concat(d.path, '; ') AS files
  FROM documents d WHERE {CURRENT_SQL} GROUP BY 1, 2
)
SELECT g.school, g.year, g.level, g.region, {_province('g.region')} AS province, g.documents,
       {cols}{',' if cols else ''}
       coalesce(sum(c.conflict), 0) AS conflicts,
       group_concat(CASE WHEN c.conflict = 1 THEN c.metric END) AS conflict_metrics,
       group_concat(CASE WHEN c.corrected = 1 THEN c.metric END) AS corrected_metrics,
       g.document_ids, g.files
FROM g LEFT JOIN metric_chosen c ON c.school = g.school AND c.year IS g.year
GROUP BY g.school, g.year"""


def _flags_sql() -> str:
    """CREATE VIEW ``school_flags``: review flags with school, year and files, labels from ``rules/compare.yaml``."""
    shown = display_rules()
    return f"""CREATE VIEW school_flags AS
SELECT {SCHOOL_SQL} AS school, d.year AS year, d.level AS level, d.region AS region,
       f.kind AS kind, {_labels_sql('f.kind', shown['flag_kinds'])} AS kind_zh,
       f.severity AS severity, {_labels_sql('f.severity', shown['severities'])} AS severity_zh,
       f.metric AS metric, md.name_zh AS name_zh,
       f.message AS message, f.source_a AS source_a, f.source_b AS source_b, f.rule AS rule,
       d.path AS path, f.document_id AS document_id, f.id AS flag_id, d.report_id AS report_id,
       {FILES_SQL} AS files
FROM flags f JOIN documents d ON d.id = f.document_id
LEFT JOIN metric_defs md ON md.id = f.metric
WHERE d.status != 'failed' AND d.superseded_by IS NULL
  AND (d.id IS d.report_id OR NOT EXISTS (SELECT 1 FROM flags p WHERE p.document_id = d.report_id
                                          AND p.kind = f.kind AND p.metric IS f.metric AND p.message = f.message))"""


def _reports_sql() -> str:
    """CREATE VIEW ``reports``: one row per current report (its primary file)."""
    return f"""CREATE VIEW reports AS
SELECT d.report_id AS report_id, {SCHOOL_SQL} AS school, d.year AS year, d.level AS level, d.region AS region,
       d.path AS path, d.format AS format, d.pages AS pages, {FILES_SQL} AS files,
       (SELECT count(*) FROM documents c WHERE c.report_id = d.id AND c.superseded_by IS NULL) AS n_files,
       (SELECT group_concat(o.path, '; ') FROM documents o WHERE o.superseded_by = d.id) AS supersedes,
       CASE WHEN EXISTS (SELECT 1 FROM flags nr WHERE nr.document_id = d.id AND nr.kind = 'not_a_report')
            THEN 0 ELSE 1 END AS is_report
FROM documents d
WHERE d.status != 'failed' AND d.superseded_by IS NULL AND d.id IS d.report_id"""


def view_sql(metric_ids: list[str]) -> dict[str, str]:
    """CREATE VIEW statements, generated for the metric ids given."""
    return {"metric_values_all": _values_all_sql(), "metric_values": _values_sql(), "metric_chosen": _chosen_sql(),
            "metric_wide": _wide_sql(metric_ids), "school_flags": _flags_sql(), "reports": _reports_sql()}


def create_metric_defs_table(conn) -> None:
    conn.execute("""CREATE TABLE IF NOT EXISTS metric_defs (
        id TEXT PRIMARY KEY, position INTEGER, name_zh TEXT, unit TEXT, kind TEXT, description TEXT,
        unit_en TEXT, name_en TEXT)""")


def _digest() -> str:
    h = hashlib.sha256(VIEWS_REVISION.encode())
    for p in _rules_files():
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def derived_is_current(conn) -> bool:
    conn = getattr(conn, "conn", conn)
    try:
        row = conn.execute("SELECT value FROM _meta WHERE key = 'derived_digest'").fetchone()
    except Exception:
        return False
    if not row or row[0] != _digest():
        return False
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    return all(v in have for v in VIEWS)


def refresh_derived(db, *, force: bool = False) -> bool:
    """Fill ``metric_defs`` and (re-)create the views when the rules changed.
    Returns True when something was written."""
    conn = getattr(db, "conn", db)
    if not force and derived_is_current(conn):
        return False
    defs = load_metric_defs()
    with joined_transaction(conn):
        create_metric_defs_table(conn)
        conn.execute("DELETE FROM metric_defs")
        conn.executemany(
            "INSERT INTO metric_defs (id, position, name_zh, unit, kind, description, unit_en, name_en) "
            "VALUES (:id, :position, :name_zh, :unit, :kind, :description, :unit_en, :name_en)",
            [d.to_row() for d in defs])
        for v in reversed(VIEWS):
            conn.execute(f"DROP VIEW IF EXISTS {v}")
        for sql in view_sql([d.id for d in defs]).values():
            conn.execute(sql)
        conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES ('derived_digest', ?)", (_digest(),))
    return True


# ---------------------------------------------------------------------------
# opening a database for reading
# ---------------------------------------------------------------------------
def open_for_reading(db_path):
    """A read-only Store, after upgrading the schema (views, index) once with a
    short writable connection when the database was made by an older nianbao."""
    from .db import Store
    from .errors import StorageError
    from .schema import SCHEMA_VERSION, current_version
    if not Path(db_path).exists():
        raise FileNotFoundError(f"数据库不存在 / database not found: {db_path}")
    store = Store(db_path, readonly=True)
    if current_version(store.db) == SCHEMA_VERSION and derived_is_current(store.db.conn):
        return store
    try:
        Store(db_path).close()
    except StorageError as e:
        if e.code not in ("read_only", "cannot_open"):
            store.close()
            raise
        return store   # a read-only place: read it as it is
    store.close()
    return Store(db_path, readonly=True)


# ---------------------------------------------------------------------------
# the comparison
# ---------------------------------------------------------------------------
@dataclass
class Value:
    value: float
    source_kind: str
    path: str
    page: int | None
    section: str | None
    sentence: str | None
    approximate: bool
    metric_year: int | None
    document_id: int
    value_id: int
    raw: str | None = None


@dataclass
class Cell:
    value: float | None = None
    approximate: bool = False
    conflict: bool = False
    source_kind: str | None = None
    values_stated: str | None = None
    sources: list[Value] = field(default_factory=list)   # every report-year value
    corrected: bool = False      # a person corrected (or excluded) the value: ``note`` says why
    excluded: bool = False       # a person left the extracted value out (``value`` is None)
    note: str | None = None
    extracted: float | None = None   # the value extracted, when corrected
    corrected_by: str | None = None  # who corrected it and when (UTC): "审核员甲, 2026-11-30T08:00:00+00:00"
    value_id: int | None = None      # the metrics.id of the value shown

    def shown_source(self) -> "Value | None":
        """The source of the value shown (None for a corrected value)."""
        return next((v for v in self.sources if v.value_id == self.value_id), None)


@dataclass
class Row:
    school: str
    year: int | None
    level: str | None
    region: str | None
    province: str | None
    documents: int
    paths: list[str] = field(default_factory=list)
    cells: dict[str, Cell] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)   # every current file of the report
    #: metrics of the report with different values stated, over every metric
    #: (``metric_wide.conflicts``), whichever columns were chosen; None: count the cells
    all_conflicts: int | None = None

    @property
    def conflicts(self) -> int:
        """Metrics of the report whose values differ — every metric, not only
        the columns shown (a blank must never read as "no conflicts")."""
        if self.all_conflicts is not None:
            return self.all_conflicts
        return sum(1 for c in self.cells.values() if c.conflict)


@dataclass
class Comparison:
    metrics: list[MetricDef]
    rows: list[Row]


def metric_defs_from_db(db) -> list[MetricDef]:
    conn = getattr(db, "conn", db)
    rows = conn.execute("SELECT id, position, name_zh, kind, unit, unit_en, name_en, description FROM metric_defs "
                        "ORDER BY position").fetchall()
    return [MetricDef(*r) for r in rows]


def resolve_metrics(defs: list[MetricDef], wanted) -> list[MetricDef]:
    """``wanted``: None/"all"/"全部" (any case), or ids / Chinese names (a
    list, or one text separated by commas, 、 or spaces)."""
    if isinstance(wanted, str):
        wanted = [w for w in re.split(r"[,，、\s]+", wanted) if w]
    if wanted is None or [w.lower() for w in wanted] in (["all"], ["全部"]):
        return list(defs)
    by_key = {d.id: d for d in defs} | {d.name_zh: d for d in defs}
    out, unknown = [], []
    for w in wanted:
        d = by_key.get(w)
        if d is None:
            unknown.append(w)
        elif d not in out:
            out.append(d)
    if unknown:
        raise ValueError(f"未知指标 / unknown metric: {', '.join(unknown)}; "
                         f"可用 / known: {'、'.join(f'{d.name_zh} {d.id}' for d in defs)}")
    return out


def _filters(year, schools, alias: str = "") -> tuple[str, list]:
    a = f"{alias}." if alias else ""
    where, params = [], []
    if year is not None:
        where.append(f"{a}year = ?")
        params.append(int(year))
    if schools:
        where.append("(" + " OR ".join(f"{a}school {CONTAINS}" for _ in schools) + ")")
        params += [like_pattern(s) for s in schools]
    return (" AND ".join(where) or "1"), params


def load_comparison(db, *, year: int | None = None, metrics=None, schools=None) -> Comparison:
    """Schools × metrics, from the ``metric_chosen`` view (see the module
    docstring for which value is chosen), with every source value."""
    conn = getattr(db, "conn", db)
    defs = resolve_metrics(metric_defs_from_db(conn), metrics)
    ids = [d.id for d in defs]
    where, params = _filters(year, schools)
    rows: dict[tuple, Row] = {}
    for school, yr, level, region, province, documents, files, conflicts in conn.execute(
            f"SELECT school, year, level, region, province, documents, files, conflicts FROM metric_wide "
            f"WHERE {where} ORDER BY year, school", params):
        rows[(school, yr)] = Row(school, yr, level, region, province, documents,
                                 files=[f for f in (files or "").split("; ") if f], all_conflicts=conflicts)
    if not ids or not rows:
        return Comparison(defs, list(rows.values()))
    _add_chosen_cells(conn, rows, where, params, ids)
    _add_source_values(conn, rows, where, params, ids)
    return Comparison(defs, list(rows.values()))


def _add_chosen_cells(conn, rows: dict[tuple, Row], where: str, params: list, ids: list[str]) -> None:
    """Each row's cell per metric id: the ``metric_chosen`` value, conflict and correction."""
    mq = ",".join("?" for _ in ids)
    by = {i: f"{who or '?'}, {at or ''}" for i, who, at in conn.execute("SELECT id, who, at FROM corrections")}
    for (school, yr, metric, value, approx, kind, stated, conflict, corrected, excluded, note, extracted,
         value_id, correction_id) in conn.execute(
            f"SELECT school, year, metric, value, approximate, source_kind, values_stated, conflict, corrected, "
            f"excluded, correction_note, extracted_value, value_id, correction_id "
            f"FROM metric_chosen WHERE {where} AND metric IN ({mq})", params + ids):
        row = rows.get((school, yr))
        if row is not None:
            row.cells[metric] = Cell(value=value, approximate=bool(approx), conflict=bool(conflict),
                                     source_kind=kind, values_stated=stated, corrected=bool(corrected),
                                     excluded=bool(excluded), note=note, extracted=extracted, value_id=value_id,
                                     corrected_by=by.get(correction_id))


def _add_source_values(conn, rows: dict[tuple, Row], where: str, params: list, ids: list[str]) -> None:
    """Every report-year value stated (``metric_values``) under its cell's
    ``sources``, and the files they come from under the row's ``paths``."""
    mq = ",".join("?" for _ in ids)
    for (school, yr, metric, value, kind, path, page, section, sentence, approx, myear, doc_id,
         value_id, raw) in conn.execute(
            f"SELECT school, year, metric, value, source_kind, path, page, section, sentence, approximate, "
            f"metric_year, document_id, value_id, raw FROM metric_values WHERE {where} AND is_report_year = 1 "
            f"AND metric IN ({mq}) ORDER BY document_id, value_id", params + ids):
        row = rows.get((school, yr))
        if row is None:
            continue
        if path not in row.paths:
            row.paths.append(path)
        row.cells.setdefault(metric, Cell()).sources.append(
            Value(value, kind, path, page, section, sentence, bool(approx), myear, doc_id, value_id, raw))
