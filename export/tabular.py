"""``--json`` and ``--csv`` of ``check``, ``flags`` and ``compare``: plain
data for scripts, and CSV that opens in Excel with the Chinese intact.

CSV is UTF-8 with a byte-order mark (Excel and WPS then read it as UTF-8,
not as the system's GBK), CRLF line ends, and every text cell passed
through :func:`nianbao.export.cells.neutralise` (no cell can run as a
formula).  JSON is UTF-8, Chinese as characters, numbers as numbers.
"""
from __future__ import annotations

import csv
import io
import json

from .cells import neutralise

BOM = "\ufeff"


def _json_source(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return {"text": str(raw)}


def _files(value) -> list[str]:
    if isinstance(value, list):
        return value
    return [f for f in (value or "").split("; ") if f]


# -- flags ---------------------------------------------------------------------------
def flags_records(rows: list[dict]) -> list[dict]:
    """``flags --json``: one object per flag — ``school``, ``year``, ``kind``,
    ``kind_zh``, ``severity``, ``metric``, ``metric_zh``, ``message``,
    ``sources`` (the flag's sources: value, page, section, sentence …),
    ``files`` (every file of the report) and ``path`` (the file it was read from)."""
    out = []
    for r in rows:
        out.append({"school": r["school"], "year": r["year"], "kind": r["kind"], "kind_zh": r.get("kind_zh"),
                    "severity": r["severity"], "metric": r["metric"], "metric_zh": r.get("name_zh"),
                    "message": r["message"],
                    "sources": [s for s in (_json_source(r["source_a"]), _json_source(r["source_b"])) if s],
                    "files": _files(r.get("files") or r.get("path")), "path": r["path"]})
    return out


FLAG_COLUMNS = [("学校", "school"), ("年度", "year"), ("类型", "kind_zh"), ("类型编号", "kind"),
                ("严重度", "severity"), ("指标", "metric_zh"), ("指标编号", "metric"), ("说明", "message"),
                ("来源A", "source_a"), ("来源B", "source_b"), ("文件", "files")]


def _source_text(s: dict | None) -> str:
    if not s:
        return ""
    bits = [f"p.{s['page']}" if s.get("page") else "", s.get("section") or "",
            str(s.get("raw") or s.get("value") or ""), s.get("sentence") or ""]
    return " | ".join(b for b in bits if b)


def flags_table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """``flags --csv``: header (Chinese / id) and rows."""
    recs = flags_records(rows)
    table = []
    for r in recs:
        src = r["sources"] + [None, None]
        table.append([r["school"], r["year"], r["kind_zh"], r["kind"], r["severity"], r["metric_zh"], r["metric"],
                      r["message"], _source_text(src[0]), _source_text(src[1]), "; ".join(r["files"])])
    return [f"{zh} {en}" for zh, en in FLAG_COLUMNS], table


# -- check ---------------------------------------------------------------------------
def check_records(checklists) -> list[dict]:
    """``check --json``: one object per report — ``school``, ``year``,
    ``level``, ``files`` (every copy, the one checked first), ``template``,
    ``is_report``, ``items`` (each part and appendix table: ``kind`` part /
    table, ``id``, ``title``, ``number``, ``required``, ``status`` ok / missing /
    empty / order / absent, ``severity``, ``found``, ``page``, ``note``),
    ``missing`` (titles of the missing required items), ``other_flags``
    (kind → count)."""
    out = []
    for cl in checklists:
        d, res = cl.document, cl.outline
        items = [{"kind": it.kind, "id": it.id, "title": it.title, "number": it.number,
                  "required": it.required, "status": it.status, "severity": it.severity,
                  "found": it.found or None, "page": it.page, "note": it.note or None} for it in res.items]
        out.append({"school": d.get("school"), "year": d.get("year"), "level": d.get("level"),
                    "files": _files(d.get("files") or d.get("path")), "template": res.template,
                    "is_report": bool(d.get("is_report", 1)), "note": res.note or None, "items": items,
                    "missing": [i["title"] for i in items if i["status"] == "missing" and i["required"]],
                    "other_flags": dict(cl.other_flags)})
    return out


def check_table(checklists) -> tuple[list[str], list[list]]:
    """``check --csv``: one row per report and template item."""
    head = ["学校 school", "年度 year", "层次 level", "模板 template", "类别 kind", "项目 item", "必备 required",
            "状态 status", "严重度 severity", "找到 found", "页 page", "文件 files"]
    rows = []
    for r in check_records(checklists):
        for it in r["items"] or [{}]:
            rows.append([r["school"], r["year"], r["level"], r["template"], it.get("kind"),
                         it.get("title"), "是" if it.get("required") else "", it.get("status"),
                         it.get("severity"), it.get("found"), it.get("page"), "; ".join(r["files"])])
    return head, rows


# -- compare -------------------------------------------------------------------------
def compare_records(comp) -> dict:
    """``compare --json``: ``metrics`` (id, name_zh, unit) and ``rows``, one
    per school and report year: ``school``, ``year``, ``level``, ``region``,
    ``files``, ``values`` (metric id → number or null) and ``cells`` (metric
    id → ``value``, ``approximate``, ``conflict``, ``values_stated``,
    ``corrected``, ``excluded``, ``note``, ``source`` of the value shown:
    file, page, section, sentence)."""
    rows = []
    for r in comp.rows:
        cells = {}
        for d in comp.metrics:
            c = r.cells.get(d.id)
            if c is None:
                continue
            src = c.shown_source()
            cells[d.id] = {"value": c.value, "approximate": c.approximate, "conflict": c.conflict,
                           "values_stated": c.values_stated, "corrected": c.corrected, "excluded": c.excluded,
                           "note": c.note,
                           "source": None if src is None else {"file": src.path, "page": src.page,
                                                               "section": src.section, "sentence": src.sentence,
                                                               "kind": src.source_kind}}
        rows.append({"school": r.school, "year": r.year, "level": r.level, "region": r.region,
                     "files": r.files or r.paths, "values": {d.id: (r.cells[d.id].value if d.id in r.cells else None)
                                                             for d in comp.metrics}, "cells": cells})
    return {"metrics": [{"id": d.id, "name_zh": d.name_zh, "unit": d.unit} for d in comp.metrics], "rows": rows}


def compare_table(comp) -> tuple[list[str], list[list]]:
    """``compare --csv``: school, year, level, then one column per metric
    (``名称(单位) id``), numbers as numbers, blank where not stated."""
    head = ["学校 school", "年度 year", "层次 level"] + [f"{d.name_zh}({d.unit}) {d.id}" for d in comp.metrics]
    head += ["冲突 conflicts", "人工更正 corrected", "文件 files"]
    rows = []
    for r in comp.rows:
        vals = [r.cells[d.id].value if d.id in r.cells else None for d in comp.metrics]
        vals = [int(v) if isinstance(v, float) and v.is_integer() else v for v in vals]
        corrected = [d.id for d in comp.metrics if d.id in r.cells and r.cells[d.id].corrected]
        rows.append([r.school, r.year, r.level, *vals, r.conflicts or "", ", ".join(corrected),
                     "; ".join(r.files or r.paths)])
    return head, rows


# -- writers -------------------------------------------------------------------------
def csv_text(header: list[str], rows: list[list], *, bom: bool = True) -> str:
    """CSV text: a byte-order mark (Excel reads UTF-8 then), CRLF, every text
    cell neutralised (:func:`nianbao.export.cells.neutralise`)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for r in rows:
        w.writerow(["" if v is None else _csv_cell(v) for v in r])
    return (BOM if bom else "") + out.getvalue()


def _csv_cell(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        from nianbao.cli.render import blob_text
        return blob_text(v)
    return neutralise(v)


def json_text(data) -> str:
    """JSON, Chinese as is, with DEL, C1 and bidirectional controls from
    report text escaped (:func:`nianbao.cli.safe_text.json_text`)."""
    from nianbao.cli.safe_text import json_text as escaped
    return escaped(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(v):
    """A BLOB (``sql --json`` of ``document_models``) as Datasette writes one:
    ``{"$base64": true, "encoded": "…"}``."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        import base64
        return {"$base64": True, "encoded": base64.b64encode(bytes(v)).decode("ascii")}
    raise TypeError(f"Object of type {type(v).__name__} is not JSON serializable")
