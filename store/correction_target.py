"""Which report a correction is for (``nianbao correct --school S --year Y``).

A report is found by part of its school name as shown, as extracted, or —
when no school could be read — by its file's path (as ``compare`` shows
it), and by its year as shown (the year as extracted only when no report
shows that year).  A name equal to a report's whole name wins over names
that merely contain it (鹿鸣市 is not 鹿鸣市职业学校).  ``%`` and ``_`` in a
name are plain characters.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .like import like_pattern

#: a readable, current document
CURRENT = "status in ('ok', 'ocr') and superseded_by is null"


class CorrectionError(ValueError):
    """A correction that cannot be made (message in Chinese and English)."""


@dataclass
class Target:
    """The report a correction is for: its school and year as shown, and the
    extracted identities (school — its file's path when none was read — and
    year) of its files: one for most reports, several for copies read with
    different names and joined by a correction."""
    school: str
    year: int | None
    origs: list[tuple[str, int | None]] = field(default_factory=list)
    doc_ids: list[int] = field(default_factory=list)


def find_report(conn, school: str, year: int | None) -> Target:
    """The one current report matching ``school`` (see the module docstring)
    and ``year`` (any year when None); CorrectionError naming the
    candidates when there is none or more than one."""
    school = (school or "").strip()
    pat = like_pattern(school)
    rows = conn.execute(
        f"select coalesce(school, path), year, school_orig, year_orig from documents where {CURRENT} and "
        "(school like ? escape '\\' or school_orig like ? escape '\\' or (school is null and path like ? escape '\\')) "
        "and (? is null or year = ? or year_orig = ?)", (pat, pat, pat, year, year, year)).fetchall()
    keys = sorted({(r[0], r[1]) for r in rows}, key=str)
    if year is not None and any(y == year for _, y in keys):
        keys = [k for k in keys if k[1] == year]            # the year as shown first
    exact = [k for k in keys if k[0] == school] or [
        k for k in keys if any(r[2] == school and (r[0], r[1]) == k for r in rows)]
    if len(keys) > 1 and exact:
        keys = exact
    if not keys:
        raise CorrectionError(f"没有找到该学校和年度的报告 / no report of school '{school}'"
                              + (f" for {year}" if year else ""))
    if len(keys) > 1:
        names = "; ".join(f"{s} {y}" for s, y in keys)
        raise CorrectionError(f"有多份报告符合，请写全学校名称或加 --year / several reports match: {names}")
    return report_at(conn, *keys[0])


def report_at(conn, school: str, year: int | None) -> Target:
    """The current report shown as ``school`` and ``year``, with its files'
    extracted identities."""
    docs = conn.execute(
        f"select id, coalesce(school_orig, path), year_orig from documents where {CURRENT} and "
        "coalesce(school, path) = ? and year is ? order by id", (school, year)).fetchall()
    origs = list(dict.fromkeys((s, y) for _, s, y in docs))
    return Target(school, year, origs, [i for i, _, _ in docs])


def refuse_merge(conn, target: Target, school: str, year: int | None) -> None:
    """A school or year correction that would give ``target`` the name and
    year of another current report with a different text: refused
    (CorrectionError), since one of the two would then supersede the other
    and leave every view.  Joining copies of one report (similar texts,
    ``store/reports.py``) is allowed."""
    from .reports import SIMILAR, similarity
    others = conn.execute(
        f"select id, fingerprint, path from documents where {CURRENT} and coalesce(school, path) = ? "
        "and year is ?", (school, year)).fetchall()
    others = [o for o in others if o[0] not in target.doc_ids]
    if not others:
        return
    mine = [fp for (fp,) in conn.execute(
        f"select fingerprint from documents where id in ({','.join('?' * len(target.doc_ids))})", target.doc_ids)]
    if any(similarity(a, o[1]) >= SIMILAR for a in mine for o in others):
        return                          # copies of one report: joining them is what the correction is for
    raise CorrectionError(
        f"「{school}」{year or ''} 已有另一份内容不同的报告（{others[0][2]}）：改名后其中一份会取代另一份 / "
        f"{school} {year or ''} already has another report with a different text ({others[0][2]}): one would "
        "supersede the other; if that file is wrong, remove it first (nianbao remove)")
