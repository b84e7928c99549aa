"""The text of ``nianbao check`` and ``nianbao flags`` (the CLI prints these
lines; everything here reads the database only)."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from .outline import OutlineResult, check_db

OK, BAD, WARN, OPT = "✓", "✗", "⚠", "·"
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def _conn(db):
    return getattr(db, "conn", db)


def select_documents(db, school: str | None = None, year: int | None = None) -> list[dict]:
    sql = "select id, path, school, year, level from documents where status in ('ok', 'ocr')"
    sql, args = _school_year(sql, [], school, year, prefix="")
    return _rows(db, sql + " order by school, year, path", args)


def _school_year(sql: str, args: list, school, year, *, prefix: str) -> tuple[str, list]:
    """Add the --school (substring) and --year filters to a query."""
    if school:
        sql += f" and {prefix}school like ?"
        args.append(f"%{school}%")
    if year is not None:
        sql += f" and {prefix}year = ?"
        args.append(year)
    return sql, args


def _rows(db, sql: str, args: list) -> list[dict]:
    cur = _conn(db).execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _page(p) -> str:
    return f" p.{p}" if p else ""


def _doc_label(d: dict) -> str:
    return f"{d.get('school') or '(学校未知 school unknown)'} · {d.get('year') or '?'} · {d.get('level') or '?'} · {d['path']}"


def checklist_lines(d: dict, res: OutlineResult, other: Counter | None = None) -> list[str]:
    """One document's checklist."""
    lines = [_doc_label(d)]
    if res.template is None:
        lines.append(f"  {WARN} {res.note}")
        return lines
    from .rules import templates
    basis = next((t.get("basis") for t in templates() if t.get("id") == res.template), "") or ""
    lines.append(f"  模板 template: {res.template}" + (f" — {basis}" if basis else ""))
    if res.note:
        lines.append(f"  {WARN} {res.note}")
    for kind, head in (("part", "部分 parts"), ("table", "附表 appendix tables")):
        items = [it for it in res.items if it.kind == kind and (it.required or it.status != "absent")]
        if not items:
            continue
        lines.append(f"  {head}:")
        for it in items:
            name = f"附表{it.number} {it.title}" if kind == "table" and it.number else it.title
            tag = "" if it.required else "（可选 optional）"
            if it.status in ("missing",):
                mark = BAD if it.severity == "error" else WARN
                text = f"{mark} {name}{tag} — 缺失 missing [{it.severity}]"
                if it.note:
                    text += f"：{it.note}"
            else:
                mark = OK if it.required else OPT
                if it.status in ("empty", "order"):
                    mark = WARN
                text = f"{mark} {name}{tag} ← {it.found}{_page(it.page)}"
                if it.note:
                    text += f"  （{it.note}）"
            lines.append(f"    {text}")
    if other:
        lines.append("  其他提示 other flags: " + ", ".join(f"{k} {n}" for k, n in sorted(other.items()))
                     + "  (nianbao flags)")
    return lines


def check_report(db, school: str | None = None, year: int | None = None) -> list[str]:
    """Checklists of the selected documents and a summary of who misses what."""
    docs = select_documents(db, school, year)
    if not docs:
        return ["没有符合条件的文档 / no documents match"]
    lines: list[str] = []
    missing: dict[tuple[str, str], list[str]] = defaultdict(list)
    warned: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d in docs:
        res = check_db(db, d["id"])
        other = Counter(r[0] for r in _conn(db).execute(
            "select kind from flags where document_id = ? and kind not in "
            "('missing_part', 'missing_table', 'empty_part', 'part_order')", (d["id"],)))
        lines += checklist_lines(d, res, other)
        lines.append("")
        who = f"{d.get('school') or Path(d['path']).name}（{d.get('year') or '?'}，{Path(d['path']).name}）"
        for it in res.items:
            name = f"附表{it.number} {it.title}" if it.kind == "table" and it.number else it.title
            key = ("部分 part" if it.kind == "part" else "附表 table", name)
            if it.status == "missing" and it.severity == "error":
                missing[key].append(who)
            elif it.severity == "warning":
                warned[key].append(who)
    lines.append(f"汇总 summary: {len(docs)} 份报告 documents")
    if not missing and not warned:
        lines.append(f"  {OK} 未发现缺失 / nothing missing")
    for title, group in (("缺失（错误）missing (errors)", missing), ("提示 warnings", warned)):
        if not group:
            continue
        lines.append(f"  {title}:")
        for (kind, name), whos in sorted(group.items()):
            lines.append(f"    {BAD if group is missing else WARN} {kind} {name}: {'; '.join(whos)}")
    return lines


# ---------------------------------------------------------------------------
# flags
# ---------------------------------------------------------------------------
def _short(s: str | None, n: int = 70) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[:n - 1] + "…"


def source_line(src) -> str:
    if not src:
        return "—"
    if isinstance(src, str):
        try:
            src = json.loads(src)
        except ValueError:
            return _short(src)
    parts = []
    if src.get("page"):
        parts.append(f"p.{src['page']}")
    if src.get("section"):
        parts.append(_short(src["section"], 40))
    v = src.get("raw") or src.get("value")
    if v not in (None, ""):
        parts.append(f"«{_fmt(v)}»")
    if src.get("sentence"):
        parts.append(_around(src["sentence"], str(src.get("raw") or "")))
    return " | ".join(parts) or "—"


def _around(sentence: str, raw: str, n: int = 70) -> str:
    """A short piece of the sentence, centred on the value when it is far in."""
    s = " ".join(sentence.split())
    first = raw.split("、")[0] if raw else ""
    i = s.find(first) if first else -1
    if len(s) <= n or i < n - 30:
        return _short(s, n)
    a = max(0, i - 25)
    return "…" + _short(s[a:], n - 1)


def _fmt(v) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:g}"
    return str(v)


def select_flags(db, kind: str | None = None, school: str | None = None, severity: str | None = None,
                 year: int | None = None) -> list[dict]:
    sql = ("select f.id, f.kind, f.severity, f.metric, f.message, f.source_a, f.source_b, f.rule, "
           "d.id as document_id, d.school, d.year, d.path from flags f join documents d on d.id = f.document_id "
           "where 1 = 1")
    args: list = []
    if kind:
        kinds = [k.strip() for k in kind.split(",") if k.strip()]
        sql += f" and f.kind in ({', '.join('?' for _ in kinds)})"
        args += kinds
    sql, args = _school_year(sql, args, school, year, prefix="d.")
    rows = _rows(db, sql + " order by d.school, d.year, d.path, f.id", args)
    if severity:
        top = SEVERITY_RANK.get(severity, 2)
        rows = [r for r in rows if SEVERITY_RANK.get(r["severity"], 2) <= top]
    return rows


def flags_report(db, kind: str | None = None, school: str | None = None, severity: str | None = None,
                 year: int | None = None) -> list[str]:
    rows = select_flags(db, kind, school, severity, year)
    if not rows:
        return ["没有提示 / no flags"]
    lines = []
    for r in rows:
        metric = f" {r['metric']}" if r["metric"] else ""
        lines.append(f"[{r['severity']}] {r['kind']}{metric}  {r['school'] or '?'} {r['year'] or '?'}  "
                     f"{Path(r['path']).name}")
        lines.append(f"  {r['message']}")
        lines.append(f"  A: {source_line(r['source_a'])}")
        if r["source_b"]:
            lines.append(f"  B: {source_line(r['source_b'])}")
    by_sev = Counter(r["severity"] for r in rows)
    by_kind = Counter(r["kind"] for r in rows)
    lines.append("")
    lines.append(f"共 {len(rows)} 条 flags: " + ", ".join(f"{k} {by_sev[k]}" for k in ("error", "warning", "info")
                                                      if by_sev.get(k)) +
                 "   按类 by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    return lines
