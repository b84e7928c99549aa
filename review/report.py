"""What ``nianbao check`` and ``nianbao flags`` show, read from the database:
plain data (``nianbao.cli.render`` turns it into text)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from nianbao.store.like import CONTAINS, like_pattern

from .outline import OutlineResult, check_db

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
#: flag kinds the outline check writes (the checklist shows them; the others are counted)
OUTLINE_KINDS = ("missing_part", "missing_table", "empty_part", "part_order")


@dataclass
class Checklist:
    """One stored report checked against its template.

    ``document``: ``id``, ``path`` (the report's primary copy), ``school``,
    ``year``, ``level``, ``files`` (every copy of the report, primary first),
    ``is_report`` (0 when flagged ``not_a_report``); ``outline``: the template's parts and appendix tables,
    each ok / missing / empty / out of order (from the stored ``sections``
    and ``tables``); ``other_flags``: flag kind → count of the report's other
    flags (conflict, sum_mismatch …)."""
    document: dict
    outline: OutlineResult
    other_flags: dict[str, int] = field(default_factory=dict)


def flag_kinds() -> dict[str, str]:
    """Flag kind → Chinese label (``rules/compare.yaml`` ``flag_kinds``)."""
    from nianbao.store.compare import display_rules
    return dict(display_rules()["flag_kinds"])


def _conn(db):
    return getattr(db, "conn", db)


def select_documents(db, school: str | None = None, year: int | None = None) -> list[dict]:
    """The current readable reports (status ok, or ocr: read by OCR; copies of one report once,
    by their primary copy; superseded files left out), by school, year and
    path; ``school`` is a part of the name, ``year`` the report year."""
    sql = ("select r.report_id as id, r.path, r.school, r.year, r.level, r.files, r.is_report from reports r "
           "join documents d on d.id = r.report_id where d.status in ('ok', 'ocr')")
    sql, args = _school_year(sql, [], school, year, prefix="r.")
    rows = _rows(db, sql + " order by r.school, r.year, r.path", args)
    for r in rows:
        r["files"] = (r["files"] or r["path"]).split("; ")
    return rows


def _school_year(sql: str, args: list, school, year, *, prefix: str) -> tuple[str, list]:
    """Add the --school (substring) and --year filters to a query."""
    if school:
        sql += f" and {prefix}school {CONTAINS}"
        args.append(like_pattern(school))
    if year is not None:
        sql += f" and {prefix}year = ?"
        args.append(year)
    return sql, args


def _rows(db, sql: str, args: list) -> list[dict]:
    cur = _conn(db).execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def checklists(db, school: str | None = None, year: int | None = None) -> list[Checklist]:
    """A :class:`Checklist` per selected document (see :func:`select_documents`)."""
    out = []
    marks = ", ".join(f"'{k}'" for k in OUTLINE_KINDS)
    for d in select_documents(db, school, year):
        other = Counter(r[0] for r in _conn(db).execute(
            f"select kind from school_flags where report_id = ? and kind not in ({marks})", (d["id"],)))
        out.append(Checklist(d, check_db(db, d["id"]), dict(other)))
    return out


def select_flags(db, kind: str | None = None, school: str | None = None, severity: str | None = None,
                 year: int | None = None) -> list[dict]:
    """Review flags of the current reports (the view ``school_flags``: a
    flag found in several copies of one report once, superseded files left
    out): ``id``, ``kind``, ``kind_zh``, ``severity``, ``severity_zh``,
    ``metric``, ``name_zh``, ``message``, ``source_a`` / ``source_b`` (JSON
    text: value, page, section, sentence), ``rule``, ``document_id``,
    ``school``, ``year``, ``path``, ``files`` (every file of the report).
    ``kind``: one kind or a comma list (an unknown kind raises
    ``ValueError``); ``severity``: the least severe kept (error < warning <
    info)."""
    sql = ("select flag_id as id, kind, kind_zh, severity, severity_zh, metric, name_zh, message, source_a, "
           "source_b, rule, document_id, school, year, path, files from school_flags where 1 = 1")
    args: list = []
    if kind:
        kinds = [k.strip() for k in kind.split(",") if k.strip()]
        unknown = [k for k in kinds if k not in flag_kinds()]
        if unknown:
            raise ValueError(f"未知类型 / unknown flag kind: {', '.join(unknown)}; "
                             f"可用 / known: {', '.join(flag_kinds())}")
        sql += f" and kind in ({', '.join('?' for _ in kinds)})"
        args += kinds
    sql, args = _school_year(sql, args, school, year, prefix="")
    rows = _rows(db, sql + " order by school, year, path, flag_id", args)
    if severity:
        if severity not in SEVERITY_RANK:
            raise ValueError(f"未知严重度 / unknown severity: {severity}; 可用 / known: {', '.join(SEVERITY_RANK)}")
        top = SEVERITY_RANK[severity]
        rows = [r for r in rows if SEVERITY_RANK.get(r["severity"], 2) <= top]
    return rows
