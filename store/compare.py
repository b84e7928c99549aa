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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.rules import RULES_DIR

#: bump when the SQL of the views below changes
VIEWS_REVISION = "1+implausible-last+ocr-origin"
VIEWS = ("metric_values", "metric_chosen", "metric_wide", "school_flags")

#: metric kind → unit shown in Chinese headers, and in English
UNIT_ZH = {"persons": "人", "count": "个", "percent": "%", "yuan": "元", "m2": "平方米", "ratio": ":1",
           "volumes": "册"}
UNIT_EN = {"persons": "persons", "count": "count", "percent": "%", "yuan": "yuan", "m2": "m²",
           "ratio": "x:1", "volumes": "volumes"}
#: metrics whose count is not of 个
UNIT_ZH_OVERRIDE = {"courses_count": "门", "partner_enterprises": "家"}

NAME_EN = {
    "enrolment_new": "new enrolment", "students_fulltime": "full-time students",
    "graduates_total": "graduates", "graduates_employed_direct": "graduates directly employed",
    "graduates_further_study": "graduates going on to further study", "employment_rate": "employment rate",
    "employment_match_rate": "employment in the field of study", "staff_total": "staff",
    "teachers_fulltime": "full-time teachers", "teachers_parttime": "part-time teachers",
    "teachers_dual_qualified": "dual-qualified teachers",
    "teachers_dual_qualified_ratio": "share of dual-qualified teachers",
    "teachers_senior_title": "teachers with a senior title", "student_teacher_ratio": "student-teacher ratio",
    "land_area": "land area", "building_area": "building floor area", "majors_count": "majors offered",
    "courses_count": "courses offered", "equipment_value_total": "teaching equipment value",
    "equipment_value_per_student": "equipment value per student", "books_total": "books",
    "books_per_student": "books per student", "income_total": "total income",
    "funding_per_student": "public funding per student", "certificate_holders": "certificate holders",
    "certificate_rate": "certificate rate", "graduates_monthly_income": "graduates' monthly income",
    "partner_enterprises": "partner enterprises",
}

#: the metrics ``nianbao compare`` shows in a terminal when none are named
DEFAULT_TERMINAL_METRICS = ("students_fulltime", "enrolment_new", "graduates_total", "employment_rate",
                            "teachers_fulltime", "student_teacher_ratio", "funding_per_student")

#: flag kinds listed on the 缺失章节 sheet (written by the review)
MISSING_KINDS = ("missing_part", "missing_table", "empty_part")

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


def _rules_files() -> tuple[Path, Path]:
    return RULES_DIR / "metrics.yaml", RULES_DIR / "metric-catalog.md"


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
    import yaml
    yaml_path, cat_path = _rules_files()
    catalog = _catalog(cat_path)
    data = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
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
        unit = UNIT_ZH_OVERRIDE.get(mid) or UNIT_ZH.get(kind, "")
        name_en = NAME_EN.get(mid, mid.replace("_", " "))
        desc = (f"{name_zh}（{unit}）：常见表述 {wording}。/ {name_en} ({UNIT_EN.get(kind, kind)}); "
                f"stored as {kind}.")
        defs.append(MetricDef(id=mid, position=len(defs) + 1, name_zh=name_zh or mid, kind=kind or "",
                              unit=unit, unit_en=UNIT_EN.get(kind, kind or ""), name_en=name_en,
                              description=desc))
    return defs


# ---------------------------------------------------------------------------
# the views
# ---------------------------------------------------------------------------
def _province(col: str) -> str:
    """SQL: the province-level part of a region (省 / 自治区 / 直辖市)."""
    return (f"CASE WHEN {col} IS NULL THEN NULL "
            f"WHEN instr({col}, '省') > 0 THEN substr({col}, 1, instr({col}, '省')) "
            f"WHEN instr({col}, '自治区') > 0 THEN substr({col}, 1, instr({col}, '自治区') + 2) "
            f"WHEN substr({col}, 1, 2) IN ('北京', '天津', '上海', '重庆') THEN substr({col}, 1, 2) || '市' "
            f"WHEN instr({col}, '特别行政区') > 0 THEN substr({col}, 1, instr({col}, '特别行政区') + 4) "
            f"ELSE {col} END")


def _fmt_value_sql(col: str) -> str:
    return (f"CASE WHEN {col} = CAST({col} AS INTEGER) THEN CAST(CAST({col} AS INTEGER) AS TEXT) "
            f"ELSE CAST({col} AS TEXT) END")


SCHOOL_SQL = "coalesce(d.school, d.path)"


def view_sql(metric_ids: list[str]) -> dict[str, str]:
    """CREATE VIEW statements, generated for the metric ids given."""
    values = f"""CREATE VIEW metric_values AS
SELECT {SCHOOL_SQL} AS school, d.year AS year, d.level AS level, d.region AS region,
       {_province('d.region')} AS province,
       m.metric AS metric, coalesce(md.name_zh, m.name_zh) AS name_zh, m.value AS value,
       coalesce(md.unit, m.unit) AS unit, m.unit AS unit_en, m.approximate AS approximate,
       d.path AS path, m.page AS page, m.section AS section, m.sentence AS sentence,
       m.source AS source_kind, m.document_id AS document_id, m.year AS metric_year,
       CASE WHEN m.year IS d.year THEN 1 ELSE 0 END AS is_report_year,
       m.raw AS raw, m.rule AS rule, m.id AS value_id, m.origin AS origin, m.confidence AS confidence
FROM metrics m
JOIN documents d ON d.id = m.document_id
LEFT JOIN metric_defs md ON md.id = m.metric
WHERE d.status != 'failed'"""

    chosen = f"""CREATE VIEW metric_chosen AS
WITH v AS (
  SELECT *, row_number() OVER (PARTITION BY school, year, metric
                               ORDER BY CASE WHEN EXISTS (
                                   SELECT 1 FROM flags f WHERE f.document_id = metric_values.document_id
                                   AND f.metric = metric_values.metric AND f.kind IN ('implausible', 'out_of_range')
                                   AND json_extract(f.source_a, '$.value') = metric_values.value) THEN 1 ELSE 0 END,
                                        CASE WHEN source_kind = 'table' THEN 0 ELSE 1 END, document_id, value_id) AS rn,
         count(*) OVER (PARTITION BY school, year, metric) AS n_values
  FROM metric_values WHERE is_report_year = 1
), n AS (
  SELECT school, year, metric, count(DISTINCT round(value, 6)) AS n_distinct,
         group_concat(DISTINCT {_fmt_value_sql('round(value, 6)')}) AS values_stated
  FROM metric_values WHERE is_report_year = 1 GROUP BY school, year, metric
)
SELECT v.school, v.year, v.level, v.region, v.province, v.metric, v.name_zh, v.value, v.unit, v.approximate,
       v.source_kind, v.path, v.page, v.section, v.sentence, v.document_id, v.value_id,
       v.n_values, n.n_distinct, CASE WHEN n.n_distinct > 1 THEN 1 ELSE 0 END AS conflict, n.values_stated,
       v.origin, v.confidence
FROM v JOIN n ON n.school = v.school AND n.year IS v.year AND n.metric = v.metric
WHERE v.rn = 1"""

    cols = ",\n       ".join(f"max(CASE WHEN c.metric = '{m}' THEN c.value END) AS \"{m}\"" for m in metric_ids)
    wide = f"""CREATE VIEW metric_wide AS
WITH g AS (
  SELECT {SCHOOL_SQL} AS school, d.year AS year, max(d.level) AS level, max(d.region) AS region,
         count(*) AS documents, group_concat(d.id) AS document_ids
  FROM documents d WHERE d.status != 'failed' GROUP BY 1, 2
)
SELECT g.school, g.year, g.level, g.region, {_province('g.region')} AS province, g.documents,
       {cols}{',' if cols else ''}
       coalesce(sum(c.conflict), 0) AS conflicts,
       group_concat(CASE WHEN c.conflict = 1 THEN c.metric END) AS conflict_metrics,
       g.document_ids
FROM g LEFT JOIN metric_chosen c ON c.school = g.school AND c.year IS g.year
GROUP BY g.school, g.year"""

    flags = f"""CREATE VIEW school_flags AS
SELECT {SCHOOL_SQL} AS school, d.year AS year, d.level AS level, d.region AS region,
       f.kind AS kind, f.severity AS severity, f.metric AS metric, md.name_zh AS name_zh,
       f.message AS message, f.source_a AS source_a, f.source_b AS source_b, f.rule AS rule,
       d.path AS path, f.document_id AS document_id, f.id AS flag_id
FROM flags f JOIN documents d ON d.id = f.document_id
LEFT JOIN metric_defs md ON md.id = f.metric"""
    return {"metric_values": values, "metric_chosen": chosen, "metric_wide": wide, "school_flags": flags}


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
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
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
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return True


# ---------------------------------------------------------------------------
# opening a database for reading
# ---------------------------------------------------------------------------
def open_for_reading(db_path):
    """A read-only Store, after upgrading the schema (views, index) once with a
    short writable connection when the database was made by an older nianbao."""
    from .db import Store
    from .schema import SCHEMA_VERSION, current_version
    if not Path(db_path).exists():
        raise FileNotFoundError(f"数据库不存在 / database not found: {db_path}")
    store = Store(db_path, readonly=True)
    if current_version(store.db) == SCHEMA_VERSION and derived_is_current(store.db.conn):
        return store
    store.close()
    Store(db_path).close()
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

    @property
    def conflicts(self) -> int:
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
    """``wanted``: None/"all", or ids / Chinese names (a list or a comma list)."""
    if wanted is None or wanted == "all" or wanted == ["all"]:
        return list(defs)
    if isinstance(wanted, str):
        wanted = [w for w in re.split(r"[,，\s]+", wanted) if w]
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
                         f"可用 / known: {', '.join(d.id for d in defs)}")
    return out


def _filters(year, schools, alias: str = "") -> tuple[str, list]:
    a = f"{alias}." if alias else ""
    where, params = [], []
    if year is not None:
        where.append(f"{a}year = ?")
        params.append(int(year))
    if schools:
        where.append("(" + " OR ".join(f"{a}school LIKE ?" for _ in schools) + ")")
        params += [f"%{s}%" for s in schools]
    return (" AND ".join(where) or "1"), params


def load_comparison(db, *, year: int | None = None, metrics=None, schools=None) -> Comparison:
    """Schools × metrics, from the ``metric_chosen`` view (see the module
    docstring for which value is chosen), with every source value."""
    conn = getattr(db, "conn", db)
    defs = resolve_metrics(metric_defs_from_db(conn), metrics)
    ids = [d.id for d in defs]
    where, params = _filters(year, schools)
    rows: dict[tuple, Row] = {}
    for school, yr, level, region, province, documents in conn.execute(
            f"SELECT school, year, level, region, province, documents FROM metric_wide WHERE {where} "
            f"ORDER BY year, school", params):
        rows[(school, yr)] = Row(school, yr, level, region, province, documents)
    if not ids or not rows:
        return Comparison(defs, list(rows.values()))
    mq = ",".join("?" for _ in ids)
    for school, yr, metric, value, approx, kind, stated, conflict in conn.execute(
            f"SELECT school, year, metric, value, approximate, source_kind, values_stated, conflict "
            f"FROM metric_chosen WHERE {where} AND metric IN ({mq})", params + ids):
        row = rows.get((school, yr))
        if row is not None:
            row.cells[metric] = Cell(value=value, approximate=bool(approx), conflict=bool(conflict),
                                     source_kind=kind, values_stated=stated)
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
    return Comparison(defs, list(rows.values()))


# ---------------------------------------------------------------------------
# terminal rendering
# ---------------------------------------------------------------------------
CONFLICT_MARK = "⚠"


def fmt_number(v: float | None) -> str:
    if v is None:
        return ""
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def fmt_cell(c: Cell | None) -> str:
    """Blank when the report states nothing (never 0); ≈ for an approximate
    figure; ⚠ when the report states different values."""
    if c is None or c.value is None:
        return ""
    s = ("≈" if c.approximate else "") + fmt_number(c.value)
    return f"{s} {CONFLICT_MARK}" if c.conflict else s


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(s))
    return gap + s if right else s + gap


def render_table(headers: list[list[str]], rows: list[list[str]], right: list[bool]) -> list[str]:
    """A plain-text table aligned for CJK (wide characters count 2).
    ``headers``: per column, its header lines."""
    n = len(headers)
    depth = max(len(h) for h in headers) if headers else 0
    widths = [max([display_width(x) for x in headers[i]] + [display_width(r[i]) for r in rows] + [1])
              for i in range(n)]
    out = []
    for k in range(depth):
        out.append("  ".join(_pad(headers[i][k] if k < len(headers[i]) else "", widths[i], right[i])
                             for i in range(n)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(_pad(r[i], widths[i], right[i]) for i in range(n)).rstrip())
    return out


def comparison_lines(comp: Comparison) -> list[str]:
    headers = [["学校", "school"], ["年度", "year"]]
    headers += [[d.name_zh, f"({d.unit})"] for d in comp.metrics]
    headers += [["冲突", "conflicts"]]
    rows = []
    for r in comp.rows:
        rows.append([r.school, "" if r.year is None else str(r.year)]
                    + [fmt_cell(r.cells.get(d.id)) for d in comp.metrics]
                    + [str(r.conflicts) if r.conflicts else ""])
    right = [False, False] + [True] * len(comp.metrics) + [True]
    lines = render_table(headers, rows, right)
    if not comp.rows:
        lines.append("（没有符合条件的报告 / no report matches）")
    lines.append("")
    lines.append(f"空白 = 报告未说明 / blank = not stated · ≈ = 约数 / approximate · {CONFLICT_MARK} = 报告中有不同数值，"
                 f"显示附表中的数值（无附表取首次出现的数值）/ the report states different values: the table value "
                 f"is shown (else the first one) — see `nianbao compare --xlsx` 来源 for every source")
    return lines
