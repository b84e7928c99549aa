"""Corrections a person makes: a value, an excluded value, or a report's
school name, level or year — kept in their own table, so re-ingesting
(``--force``) or re-extracting never loses them.

Table ``corrections`` (one row per report and field; a newer correction of
the same field replaces the older one and keeps its number):

=========  =================================================================
``id``     correction number (never reused)
``school`` the report's school as shown when the correction was made (for a
           correction of the school, level or year: as *extracted* — its
           file's path when none was read)
``year``   the report year, likewise
``field``  ``metric``, ``school``, ``level`` or ``year``
``metric`` the metric id (``field = 'metric'``)
``value``  the corrected number, in the metric's unit (人, %, 元 …) or the
           corrected year
``text``   the corrected school name or level
``exclude`` 1 = the value is left out (shown blank, marked), ``value`` NULL
``note``   why; ``who`` and ``at`` (UTC) who made it and when
=========  =================================================================

Table ``corrections_replaced`` keeps, whole, every correction a newer one
replaced (``why = 'replaced'``) or that was undone (``why = 'removed'``),
with ``replaced_at``.

Metric corrections are applied by the views (``metric_chosen`` and what is
built on it: ``metric_wide``, ``compare``, the workbook, Datasette) with
``corrected = 1``; school, level and year corrections are written into
``documents`` by :func:`apply_attributes` after every ingest (the extracted
values stay in ``school_orig``, ``year_orig``, ``level_orig``); a report
whose school or year changes takes its metric corrections with it.  Which
report ``--school`` / ``--year`` mean: :mod:`nianbao.store.correction_target`;
the CSV a reviewer edits: :mod:`nianbao.store.correction_csv`.
"""
from __future__ import annotations

import getpass
import re
import unicodedata

from .correction_target import CURRENT, CorrectionError, Target, find_report, refuse_merge

__all__ = ["CorrectionError", "add", "remove", "apply_attributes", "rows"]

#: the report fields a person may correct besides metrics: name → Chinese label
FIELDS = {"school": "学校", "level": "层次", "year": "年度"}
FIELD_ALIASES = {"学校": "school", "学校名称": "school", "层次": "level", "年度": "year", "报告年度": "year"}
LEVELS = ("中职", "高职", "区域")
#: what makes two corrections of one report and field the same (who and when do not)
_SUBSTANCE = ("value", "text", "exclude", "note")
_COLUMNS = ("id", "school", "year", "field", "metric", "value", "text", "exclude", "note", "who", "at")


def create_table(conn) -> None:
    conn.execute("""CREATE TABLE IF NOT EXISTS corrections (
        id INTEGER PRIMARY KEY, school TEXT NOT NULL, year INTEGER, field TEXT NOT NULL, metric TEXT,
        value REAL, text TEXT, exclude INTEGER NOT NULL DEFAULT 0, note TEXT, who TEXT, at TEXT)""")
    conn.execute("CREATE INDEX IF NOT EXISTS corrections_key ON corrections (school, year, field, metric)")


def create_history_table(conn) -> None:
    """``corrections_replaced``: the columns of ``corrections``, then
    ``replaced_at`` (UTC) and ``why`` (``replaced`` or ``removed``)."""
    conn.execute("""CREATE TABLE IF NOT EXISTS corrections_replaced (
        id INTEGER, school TEXT NOT NULL, year INTEGER, field TEXT NOT NULL, metric TEXT, value REAL, text TEXT,
        exclude INTEGER NOT NULL DEFAULT 0, note TEXT, who TEXT, at TEXT, replaced_at TEXT, why TEXT)""")
    if "why" not in {r[1] for r in conn.execute("PRAGMA table_info(corrections_replaced)")}:
        conn.execute("ALTER TABLE corrections_replaced ADD COLUMN why TEXT")


def resolve_field(conn, name: str) -> tuple[str, str | None]:
    """(field, metric id) for a field name (school/学校, level/层次,
    year/年度) or a metric id or Chinese name; CorrectionError otherwise."""
    key = FIELD_ALIASES.get(name, name)
    if key in FIELDS:
        return key, None
    row = conn.execute("select id from metric_defs where id = ? or name_zh = ?", (name, name)).fetchone()
    if row is None:
        raise CorrectionError(f"未知指标或字段 / unknown metric or field: {name} "
                              f"(字段 fields: school 学校, level 层次, year 年度; 指标见 metric_defs)")
    return "metric", row[0]


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _number(value) -> float:
    """A number as a person types it: full-width digits and ％ read as ASCII,
    thousands separators and a trailing % dropped; CorrectionError else."""
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("，", "").strip()
    text = text[:-1].strip() if text.endswith("%") else text
    if not _PLAIN_NUMBER.fullmatch(text):
        raise CorrectionError(f"不是数值 / not a number: {value}")
    return float(text)


def _checked_value(fld: str, value, exclude: bool) -> tuple[float | None, str | None]:
    """``(number, text)`` to store for ``field`` = ``fld`` (``metric`` /
    ``school`` / ``level`` / ``year``); CorrectionError when the value does
    not fit the field."""
    num = text = None
    if fld == "metric":
        if not exclude:
            if value in (None, ""):
                raise CorrectionError("需要数值或 --exclude / give a VALUE or --exclude")
            num = _number(value)
    elif exclude:
        raise CorrectionError("只能剔除指标数值 / only a metric's value can be excluded")
    elif fld == "year":
        num = _number(value)
        if not num.is_integer() or not 1990 <= num <= 2100:
            raise CorrectionError(f"年度不对 / not a year: {value}")
    elif fld == "level" and value not in LEVELS:
        raise CorrectionError(f"层次只能是 / level must be one of: {', '.join(LEVELS)}")
    elif not str(value or "").strip():
        raise CorrectionError("学校名称不能为空 / the school name cannot be empty")
    else:
        text = str(value).strip()
    return num, text


def _check_plausible(conn, metric: str, num: float, raw: str, target: Target) -> None:
    """A corrected value must fit its metric: a figure written with % only for
    a metric in %, and within the metric's plausible range (``range`` in
    rules/metrics.yaml; ``region_range`` for a region's report) — the same
    bounds extraction keeps to.  CorrectionError naming the unit or range."""
    from nianbao.extractors.metric_rules import load_metric_rules
    unit = (conn.execute("select unit from metric_defs where id = ?", (metric,)).fetchone() or [""])[0] or ""
    if unicodedata.normalize("NFKC", raw).strip().endswith("%") and unit != "%":
        raise CorrectionError(f"{metric} 的单位是「{unit}」，不是 % / the unit of {metric} is {unit or 'none'}, not %")
    rule = load_metric_rules().metrics.get(metric)
    if rule is None:
        return
    level = conn.execute(f"select max(level) from documents where {CURRENT} and coalesce(school, path) = ? "
                         "and year is ?", (target.school, target.year)).fetchone()[0]
    low, high = rule.region_range if level == "区域" and rule.region_range else rule.range
    if not low <= num <= high:
        raise CorrectionError(f"{metric} 的数值应在 {low:g}–{high:g} {unit} 之间 / {metric} must be within "
                              f"{low:g}–{high:g} {unit} (range in rules/metrics.yaml): {raw}")


def add(conn, *, school: str, year: int | None, field: str, value=None, exclude: bool = False,
        note: str | None = None, who: str | None = None, at: str | None = None) -> dict:
    """Record one correction (in its own transaction) and apply it; returns
    the stored row, with ``replaces``: the corrections it replaced (kept in
    ``corrections_replaced``).  ``field``: ``school`` / ``level`` /
    ``year`` or a metric id or Chinese name; ``value``: the corrected value
    (None with ``exclude``).  The same correction made again (a CSV
    imported twice) changes nothing.  A school or year correction applies to
    every file of the report, and is refused when it would give the report
    the name and year of another report with a different text
    (:func:`~nianbao.store.correction_target.refuse_merge`)."""
    from .db import now
    target = find_report(conn, school, year)
    fld, metric = resolve_field(conn, field)
    num, text = _checked_value(fld, value, exclude)
    if fld == "metric" and num is not None:
        _check_plausible(conn, metric, num, str(value), target)
    if fld in ("school", "year"):
        refuse_merge(conn, target, text if fld == "school" else target.school,
                     int(num) if fld == "year" else target.year)
    # a report field is keyed by the report as extracted (each identity of its files), a metric as shown
    keys = [(target.school, target.year)] if fld == "metric" else target.origs
    stored = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for school_key, year_key in keys:
            row = {"school": school_key, "year": year_key, "field": fld, "metric": metric, "value": num,
                   "text": text, "exclude": int(bool(exclude)), "note": note or None, "who": who or _user(),
                   "at": at or now()}
            stored.append(_store(conn, row))
        if fld != "metric":
            apply_attributes(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return {**stored[0], "also": [r["id"] for r in stored[1:]]}


def _store(conn, row: dict) -> dict:
    """Store ``row`` (in the caller's transaction), replacing a correction of
    the same report and field — which keeps its number, its old content
    going to ``corrections_replaced`` — unless it says the same already."""
    existing = _same_key(conn, row)
    if existing and all(all(e[k] == row[k] for k in _SUBSTANCE) for e in existing):
        return {**existing[0], "replaces": []}
    _keep(conn, existing, "replaced")
    conn.execute(f"DELETE FROM corrections WHERE id IN ({','.join('?' * len(existing))})",
                 [e["id"] for e in existing])
    stored = {"id": existing[0]["id"] if existing else _next_id(conn), **row}
    conn.execute(f"INSERT INTO corrections ({', '.join(stored)}) VALUES ({', '.join('?' for _ in stored)})",
                 tuple(stored.values()))
    return {**stored, "replaces": existing}


def _same_key(conn, row: dict) -> list[dict]:
    """The stored corrections of ``row``'s report and field."""
    cur = conn.execute(f"select {', '.join(_COLUMNS)} from corrections WHERE school = ? AND year IS ? AND "
                       "field = ? AND metric IS ? order by id", (row["school"], row["year"], row["field"],
                                                                 row["metric"]))
    return [dict(zip(_COLUMNS, r)) for r in cur.fetchall()]


def _next_id(conn) -> int:
    """A correction number never used before (neither now nor in the history)."""
    create_history_table(conn)
    return 1 + max(conn.execute("select coalesce(max(id), 0) from corrections").fetchone()[0],
                   conn.execute("select coalesce(max(id), 0) from corrections_replaced").fetchone()[0])


def _keep(conn, old: list[dict], why: str) -> None:
    """Keep corrections, whole, in ``corrections_replaced`` with the time and
    ``why`` (``replaced`` / ``removed``): who corrected what, when and why is
    never lost."""
    if not old:
        return
    from .db import now
    create_history_table(conn)
    for r in old:
        conn.execute(f"INSERT INTO corrections_replaced ({', '.join(_COLUMNS)}, replaced_at, why) "
                     f"VALUES ({', '.join('?' * (len(_COLUMNS) + 2))})", (*(r[c] for c in _COLUMNS), now(), why))


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:   # no user name in the environment (a service account)
        return "?"


def remove(conn, correction_id: int) -> bool:
    """Undo one correction (kept in ``corrections_replaced`` as ``removed``);
    False when there is none with that id."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(f"select {', '.join(_COLUMNS)} from corrections where id = ?", (correction_id,))
        old = [dict(zip(_COLUMNS, r)) for r in cur.fetchall()]
        _keep(conn, old, "removed")
        conn.execute("DELETE FROM corrections WHERE id = ?", (correction_id,))
        apply_attributes(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return bool(old)


def apply_attributes(conn) -> int:
    """Write the school, level and year corrections into ``documents`` (from
    the extracted ``*_orig`` values), then regroup the reports; returns the
    number of current reports.  A report whose school or year changes
    takes its metric corrections with it (:func:`_follow_reports`).  Runs
    in the caller's transaction."""
    from .reports import group_reports
    before = _shown(conn)
    conn.execute("UPDATE documents SET school = school_orig, year = year_orig, level = level_orig "
                 "WHERE status != 'failed'")
    for fld, school, year, value, text in conn.execute(
            "select field, school, year, value, text from corrections where field != 'metric' order by id"
    ).fetchall():
        new = int(value) if fld == "year" else text
        conn.execute(f"UPDATE documents SET {fld} = ? WHERE (school_orig = ? OR (school_orig IS NULL AND path = ?)) "
                     "AND year_orig IS ?", (new, school, school, year))
    _follow_reports(conn, before, _shown(conn))
    return group_reports(conn)


def _shown(conn) -> dict[int, tuple]:
    """Each readable document's (school, year) as shown now."""
    return {i: (s, y) for i, s, y in conn.execute(
        "select id, coalesce(school, path), year from documents where status in ('ok', 'ocr')")}


def _follow_reports(conn, before: dict[int, tuple], after: dict[int, tuple]) -> None:
    """Metric corrections are keyed by the report as shown (school, year):
    when a school or year correction (or its removal) moves a report to
    another key, its metric corrections move with it — unless the old key
    goes to more than one new key, or the new key has a correction of that
    metric already (then the old one stays, listed as matching no report)."""
    moves: dict[tuple, set] = {}
    for i, old in before.items():
        if i in after and after[i] != old:
            moves.setdefault(old, set()).add(after[i])
    for (school, year), new in moves.items():
        if len(new) != 1 or (school, year) in after.values():
            continue                     # ambiguous, or other files still show the old key
        (new_school, new_year), = new
        conn.execute(
            "UPDATE corrections SET school = ?, year = ? WHERE field = 'metric' AND school = ? AND year IS ? "
            "AND metric NOT IN (SELECT metric FROM corrections WHERE field = 'metric' AND school = ? AND year IS ?)",
            (new_school, new_year, school, year, new_school, new_year))


def rows(conn) -> list[dict]:
    """Every correction with the metric's Chinese name and whether a current
    report still matches it (``matched``), report fields first (so that a
    CSV of them, imported elsewhere, renames before it corrects values)."""
    cur = conn.execute(
        "select c.id, c.school, c.year, c.field, c.metric, md.name_zh, c.value, c.text, c.exclude, c.note, "
        "c.who, c.at, exists(select 1 from documents d where d.status in ('ok', 'ocr') and d.superseded_by is null and "
        "((c.field = 'metric' and coalesce(d.school, d.path) = c.school and d.year is c.year) or "
        "(c.field != 'metric' and coalesce(d.school_orig, d.path) = c.school and d.year_orig is c.year))) as matched "
        "from corrections c left join metric_defs md on md.id = c.metric "
        "order by c.field = 'metric', c.id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]

