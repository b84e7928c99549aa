"""Corrections a person makes: a value, an excluded value, or a report's
school name, level or year — kept in their own table, so re-ingesting
(``--force``) or re-extracting never loses them.

Table ``corrections`` (one row per report and field; a newer correction of
the same field replaces the older one and keeps its number; the older one
is kept whole in ``corrections_replaced``, with ``replaced_at``):

=========  =================================================================
``id``     correction number
``school`` the report's school as shown when the correction was made (for a
           correction of the school, level or year: as *extracted*)
``year``   the report year, likewise
``field``  ``metric``, ``school``, ``level`` or ``year``
``metric`` the metric id (``field = 'metric'``)
``value``  the corrected number, in the metric's unit (人, %, 元 …) or the
           corrected year
``text``   the corrected school name or level
``exclude`` 1 = the value is left out (shown blank, marked), ``value`` NULL
``note``   why; ``who`` and ``at`` (UTC) who made it and when
=========  =================================================================

Metric corrections are applied by the views (``metric_chosen`` and what is
built on it: ``metric_wide``, ``compare``, the workbook, Datasette) with
``corrected = 1``; school, level and year corrections are written into
``documents`` by :func:`apply_attributes` after every ingest (the extracted
values stay in ``school_orig``, ``year_orig``, ``level_orig``).
"""
from __future__ import annotations

import csv
import getpass
import io
from dataclasses import dataclass

#: the report fields a person may correct besides metrics: name → Chinese label
FIELDS = {"school": "学校", "level": "层次", "year": "年度"}
FIELD_ALIASES = {"学校": "school", "学校名称": "school", "层次": "level", "年度": "year", "报告年度": "year"}
LEVELS = ("中职", "高职", "区域")
CSV_COLUMNS = ["school", "year", "field", "metric", "value", "text", "exclude", "note", "who", "at"]


class CorrectionError(ValueError):
    """A correction that cannot be made (message in Chinese and English)."""


def create_table(conn) -> None:
    conn.execute("""CREATE TABLE IF NOT EXISTS corrections (
        id INTEGER PRIMARY KEY, school TEXT NOT NULL, year INTEGER, field TEXT NOT NULL, metric TEXT,
        value REAL, text TEXT, exclude INTEGER NOT NULL DEFAULT 0, note TEXT, who TEXT, at TEXT)""")
    conn.execute("CREATE INDEX IF NOT EXISTS corrections_key ON corrections (school, year, field, metric)")


@dataclass
class Target:
    """The report a correction is for: as shown and as extracted."""
    school: str
    year: int | None
    school_orig: str
    year_orig: int | None


def find_report(conn, school: str, year: int | None) -> Target:
    """The one current report whose school (as shown or as extracted)
    contains ``school`` and whose year is ``year`` (any year when None); a
    report whose school could not be read is found, and keyed, by its file's
    path (as ``compare`` shows it).  CorrectionError when there is none or
    more than one."""
    rows = conn.execute(
        "select distinct coalesce(school, path), year, coalesce(school_orig, path), year_orig from documents "
        "where status in ('ok', 'ocr') and superseded_by is null and (school like ? or school_orig like ? "
        "or (school is null and path like ?)) and (? is null or year = ? or year_orig = ?) order by 1, 2",
        (f"%{school}%", f"%{school}%", f"%{school}%", year, year, year)).fetchall()
    if not rows:
        raise CorrectionError(f"没有找到该学校和年度的报告 / no report of school '{school}'"
                              + (f" for {year}" if year else ""))
    keys = {(r[0], r[1]) for r in rows}
    if len(keys) > 1:
        names = "; ".join(f"{s} {y}" for s, y in sorted(keys, key=str))
        raise CorrectionError(f"有多份报告符合，请写全学校名称或加 --year / several reports match: {names}")
    s, y, so, yo = rows[0]
    return Target(s, y, so or s, yo if yo is not None else y)


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


def _number(value) -> float:
    try:
        return float(str(value).replace(",", "").replace("，", "").strip().rstrip("%"))
    except ValueError:
        raise CorrectionError(f"不是数值 / not a number: {value}") from None


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


def _replace_correction(conn, row: dict) -> dict:
    """Store ``row`` in its own transaction and apply report-field
    corrections; returns the stored row with ``id`` and ``replaces`` (the
    correction of the same report and field it replaced — it keeps that
    one's number, and the old content goes to ``corrections_replaced`` —
    or []).  A row stored already as it is (a CSV imported twice) changes
    nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        existing = _same_key(conn, row)
        if existing and all(all(e[k] == v for k, v in row.items()) for e in existing):
            conn.execute("ROLLBACK")
            return {**row, "id": existing[0]["id"], "replaces": []}
        _keep_replaced(conn, existing)
        conn.execute("DELETE FROM corrections WHERE id IN (%s)" % ",".join("?" * len(existing)),
                     [e["id"] for e in existing])
        stored = {"id": existing[0]["id"], **row} if existing else dict(row)
        cur = conn.execute(f"INSERT INTO corrections ({', '.join(stored)}) VALUES ({', '.join('?' for _ in stored)})",
                           tuple(stored.values()))
        stored.update(id=cur.lastrowid, replaces=existing)
        if row["field"] != "metric":
            apply_attributes(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return stored


def _same_key(conn, row: dict) -> list[dict]:
    """The stored corrections of ``row``'s report and field."""
    cur = conn.execute("select * from corrections WHERE school = ? AND year IS ? AND field = ? AND metric IS ? "
                       "order by id", (row["school"], row["year"], row["field"], row["metric"]))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _check_plausible(conn, metric: str, num: float, raw: str, target: Target) -> None:
    """A corrected value must fit its metric: a figure written with % only for
    a metric in %, and within the metric's plausible range (``range`` in
    rules/metrics.yaml; ``region_range`` for a region's report) — the same
    bounds extraction keeps to.  CorrectionError naming the unit or range."""
    from nianbao.extractors.metric_rules import load_metric_rules
    unit = (conn.execute("select unit from metric_defs where id = ?", (metric,)).fetchone() or [""])[0] or ""
    if raw.strip().endswith(("%", "％")) and unit != "%":
        raise CorrectionError(f"{metric} 的单位是「{unit}」，不是 % / the unit of {metric} is {unit or 'none'}, not %")
    rule = load_metric_rules().metrics.get(metric)
    if rule is None:
        return
    level = conn.execute("select max(level) from documents where coalesce(school, path) = ? and year is ? "
                         "and status in ('ok', 'ocr') and superseded_by is null",
                         (target.school, target.year)).fetchone()[0]
    low, high = rule.region_range if level == "区域" and rule.region_range else rule.range
    if not low <= num <= high:
        raise CorrectionError(f"{metric} 的数值应在 {low:g}–{high:g} {unit} 之间 / {metric} must be within "
                              f"{low:g}–{high:g} {unit} (range in rules/metrics.yaml): {raw}")


def _keep_replaced(conn, replaced: list[dict]) -> None:
    """Keep the corrections a newer one replaced, whole, in
    ``corrections_replaced`` (their columns, then ``replaced_at``, UTC; the
    newer correction keeps the number ``id``): who corrected what first,
    when and why is never lost."""
    if not replaced:
        return
    from .db import now
    conn.execute("""CREATE TABLE IF NOT EXISTS corrections_replaced (
        id INTEGER, school TEXT NOT NULL, year INTEGER, field TEXT NOT NULL, metric TEXT, value REAL, text TEXT,
        exclude INTEGER NOT NULL DEFAULT 0, note TEXT, who TEXT, at TEXT, replaced_at TEXT)""")
    for r in replaced:
        conn.execute("INSERT INTO corrections_replaced VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (*(r[c] for c in ("id", "school", "year", "field", "metric", "value", "text", "exclude",
                                        "note", "who", "at")), now()))


def add(conn, *, school: str, year: int | None, field: str, value=None, exclude: bool = False,
        note: str | None = None, who: str | None = None, at: str | None = None) -> dict:
    """Record one correction (in its own transaction) and apply it; returns
    the stored row.  ``field``: ``school`` / ``level`` / ``year`` or a metric
    id or Chinese name; ``value``: the corrected value (None with
    ``exclude``).  A newer correction of the same report and field
    replaces the older one (kept in ``corrections_replaced``; the row's
    ``replaces`` lists them)."""
    from .db import now
    target = find_report(conn, school, year)
    fld, metric = resolve_field(conn, field)
    num, text = _checked_value(fld, value, exclude)
    if fld == "metric" and num is not None:
        _check_plausible(conn, metric, num, str(value), target)
    # a report field is keyed by the report as extracted, a metric by the report as shown
    school_key, year_key = ((target.school, target.year) if fld == "metric"
                            else (target.school_orig, target.year_orig))
    row = {"school": school_key, "year": year_key, "field": fld, "metric": metric, "value": num, "text": text,
           "exclude": int(bool(exclude)), "note": note or None, "who": who or _user(), "at": at or now()}
    return _replace_correction(conn, row)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:   # no user name in the environment (a service account)
        return "?"


def remove(conn, correction_id: int) -> bool:
    """Delete one correction (and undo it); False when there is none with that id."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        n = conn.execute("DELETE FROM corrections WHERE id = ?", (correction_id,)).rowcount
        apply_attributes(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return bool(n)


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
    report still matches it (``matched``)."""
    cur = conn.execute(
        "select c.id, c.school, c.year, c.field, c.metric, md.name_zh, c.value, c.text, c.exclude, c.note, "
        "c.who, c.at, exists(select 1 from documents d where d.status in ('ok', 'ocr') and d.superseded_by is null and "
        "((c.field = 'metric' and coalesce(d.school, d.path) = c.school and d.year is c.year) or "
        "(c.field != 'metric' and coalesce(d.school_orig, d.path) = c.school and d.year_orig is c.year))) as matched "
        "from corrections c left join metric_defs md on md.id = c.metric order by c.id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def to_csv(conn) -> str:
    """The corrections as CSV text (columns :data:`CSV_COLUMNS`), for a
    reviewer's spreadsheet; :func:`from_csv` reads it back."""
    from nianbao.export.cells import neutralise
    out = io.StringIO()
    w = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for r in rows(conn):
        w.writerow({k: ("" if r.get(k) is None else neutralise(r[k])) for k in CSV_COLUMNS})
    return out.getvalue()


def from_csv(conn, text: str) -> tuple[int, list[str]]:
    """Apply the corrections of a CSV (:func:`to_csv`'s columns; a leading
    byte-order mark and Excel's ``'`` before a formula-like cell are
    ignored): (number applied, problems as 'line N: why')."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"school", "field"} - set(reader.fieldnames or [])
    if missing:
        raise CorrectionError(f"CSV 缺少列 / CSV lacks columns: {', '.join(sorted(missing))}")
    done, problems = 0, []
    for i, r in enumerate(reader, 2):
        r = {k: (v or "").strip().lstrip("'") for k, v in r.items() if k}
        if not any(r.values()):
            continue            # a blank row (Excel keeps ",,,,," lines)
        try:
            fld = r["field"] if r["field"] != "metric" else r.get("metric", "")
            year = int(r["year"]) if r.get("year") else None
            exclude = r.get("exclude", "") in ("1", "true", "yes", "是")
            value = r.get("text") if r["field"] in ("school", "level") else r.get("value")
            # a report field is keyed by the report as extracted: match the extracted name exactly
            add(conn, school=r["school"], year=year, field=fld, value=value, exclude=exclude,
                note=r.get("note"), who=r.get("who"), at=r.get("at"))
            done += 1
        except (CorrectionError, ValueError) as e:
            problems.append(f"第{i}行 line {i}: {e}")
    return done, problems
