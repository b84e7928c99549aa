"""Terminal rendering: what the ``nianbao`` commands print, made from the plain
data :class:`nianbao.Database` (and ``nianbao.parse`` / ``nianbao.extract``)
return.  Every function returns lines of text (no printing), except the
progress reporter, which writes to its stream.  Labels are Chinese beside
English; tables are aligned for Chinese (a wide character counts two columns).
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from .safe_text import terminal_text

OK, BAD, WARN, OPT = "✓", "✗", "⚠", "·"
CONFLICT_MARK = "⚠"
CORRECTED_MARK = "✎"
APPROX_MARK = "≈"
#: the quotes around a value in a flag's source line
VALUE_OPEN, VALUE_CLOSE = "«", "»"
#: marks a console that cannot show the ones above gets (GBK has these; ※ for a
#: correction, since a plain * already marks a previous-year figure)
NARROW_MARKS = {"OK": "√", "BAD": "×", "WARN": "！", "CONFLICT_MARK": "！", "CORRECTED_MARK": "※", "OPT": "·",
                "VALUE_OPEN": "「", "VALUE_CLOSE": "」"}


def use_marks_for(encoding: str) -> bool:
    """Switch to :data:`NARROW_MARKS` when ``encoding`` (a console's, e.g.
    GBK) cannot write the usual marks; returns True when it switched."""
    try:
        (OK + BAD + WARN + CONFLICT_MARK + CORRECTED_MARK + OPT + VALUE_OPEN + VALUE_CLOSE).encode(encoding or "utf-8")
        return False
    except (UnicodeEncodeError, LookupError):
        globals().update(NARROW_MARKS)
        return True


# ---------------------------------------------------------------------------
# numbers and plain-text tables
# ---------------------------------------------------------------------------
def fmt_number(v: float | None) -> str:
    """Thousands separators, no trailing zeros; '' for None."""
    if v is None:
        return ""
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def fmt_stated(values_stated: str | None) -> str:
    """The ``values_stated`` of ``metric_chosen`` ("4260,4180": SQL's list)
    as a reader reads it: "4,260、4,180"."""
    out = []
    for v in (values_stated or "").split(","):
        try:
            out.append(fmt_number(float(v)))
        except ValueError:
            out.append(v)
    return "、".join(x for x in out if x)


def fmt_value(v) -> str:
    """A number as written plainly (20, 20.23), anything else as text."""
    if isinstance(v, float):   # never an exponent: 17060000 元, not 1.706e+07
        return str(int(v)) if v.is_integer() else f"{v:.6f}".rstrip("0").rstrip(".")
    return str(v)


def display_width(s: str) -> int:
    """Terminal columns of ``s``: wide (CJK) characters count 2, combining 0."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(s))
    return gap + s if right else s + gap


def render_table(headers: list[list[str]], rows: list[list[str]], right: list[bool]) -> list[str]:
    """A plain-text table aligned for CJK.  ``headers``: per column, its
    header lines; ``right``: per column, whether it is right-aligned."""
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


def _sql_cell(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return blob_text(v)
    return terminal_text(v) if isinstance(v, str) else v


def blob_text(v) -> str:
    """A BLOB in a table or CSV cell: its size, not its bytes (the packed
    document model is zlib data; ``sql --json`` gives the bytes in base64)."""
    return f"<二进制 BLOB {len(bytes(v)):,} 字节 bytes>"


def sql_lines(columns: list[str], rows: list[tuple]) -> list[str]:
    """Rows of ``nianbao sql`` as a table (whole numbers without ``.0``; a
    newline or control character inside a value shown as an escape, so each
    row stays one line)."""
    from tabulate import tabulate
    rows = [[_sql_cell(v) for v in r] for r in rows]
    return tabulate(rows, headers=[terminal_text(c) for c in columns], tablefmt="simple",
                    floatfmt=".10g").splitlines()


# ---------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------
def fmt_cell(c) -> str:
    """A comparison cell: blank when the report states nothing (never 0); ≈
    for an approximate figure; ⚠ when the report states different values."""
    if c is None:
        return ""
    if getattr(c, "excluded", False):
        return f"— {CORRECTED_MARK}"
    if c.value is None:
        return ""
    s = (APPROX_MARK if c.approximate else "") + fmt_number(c.value)
    if getattr(c, "corrected", False):
        return f"{s} {CORRECTED_MARK}"
    return f"{s} {CONFLICT_MARK}" if c.conflict else s


def comparison_lines(comp) -> list[str]:
    """The ``nianbao compare`` table of a :class:`nianbao.store.compare.Comparison`."""
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
    lines.append(f"空白 = 报告未说明 / blank = not stated · {APPROX_MARK} = 约数 / approximate · {CONFLICT_MARK} = 报告中有"
                 f"不同数值，显示附表中的数值（无附表取首次出现的数值）/ the report states different values: the table "
                 f"value is shown (else the first one) · {CORRECTED_MARK} = 人工更正 / corrected by a person "
                 f"(— {CORRECTED_MARK} = 已剔除 / excluded) · 冲突 = 全部指标中数值不一致的个数（含未显示的列）/ conflicts: "
                 f"metrics with different values, columns not shown included — see `nianbao compare --xlsx` 来源 for "
                 f"every source")
    return lines


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------
def _page(p) -> str:
    return f" p.{p}" if p else ""


def _doc_label(d: dict) -> str:
    files = d.get("files") or [d["path"]]
    more = f"  (+ {', '.join(Path(f).name for f in files[1:])})" if len(files) > 1 else ""
    return (f"{d.get('school') or '(学校未知 school unknown)'} · {d.get('year') or '?'} · "
            f"{d.get('level') or '?'} · {d['path']}{more}")


def _item_name(it) -> str:
    return f"附表{it.number} {it.title}" if it.kind == "table" and it.number else it.title


def _item_line(it) -> str:
    """One part or appendix table of a checklist: ✓ found, ✗/⚠ missing, ⚠ empty or out of order."""
    name, tag = _item_name(it), "" if it.required else "（可选 optional）"
    if it.status == "missing":
        mark = BAD if it.severity == "error" else WARN
        text = f"{mark} {name}{tag} — 缺失 missing [{it.severity}]"
        return text + (f"：{it.note}" if it.note else "")
    mark = WARN if it.status in ("empty", "order") else OK if it.required else OPT
    text = f"{mark} {name}{tag} ← {it.found}{_page(it.page)}"
    return text + (f"  （{it.note}）" if it.note else "")


def checklist_lines(cl) -> list[str]:
    """One document's checklist (a :class:`nianbao.review.report.Checklist`)."""
    res = cl.outline
    lines = [_doc_label(cl.document)]
    if res.template is None:
        return lines + [f"  {WARN} {res.note}"]
    from nianbao.review.rules import templates
    basis = next((t.get("basis") for t in templates() if t.get("id") == res.template), "") or ""
    lines.append(f"  模板 template: {res.template}" + (f" — {basis}" if basis else ""))
    if res.note:
        lines.append(f"  {WARN} {res.note}")
    for kind, head in (("part", "部分 parts"), ("table", "附表 appendix tables")):
        items = [it for it in res.items if it.kind == kind and (it.required or it.status != "absent")]
        if items:
            lines.append(f"  {head}:")
            lines += [f"    {_item_line(it)}" for it in items]
    if cl.other_flags:
        lines.append("  其他提示 other flags: " + ", ".join(f"{k} {n}" for k, n in sorted(cl.other_flags.items()))
                     + "  (nianbao flags)")
    return lines


def check_lines(checklists) -> list[str]:
    """``nianbao check``: every checklist, then a summary of who misses what."""
    if not checklists:
        return ["没有符合条件的文档 / no documents match"]
    lines: list[str] = []
    missing: dict[tuple[str, str], list[str]] = {}
    warned: dict[tuple[str, str], list[str]] = {}
    for cl in checklists:
        lines += checklist_lines(cl) + [""]
        d = cl.document
        who = f"{d.get('school') or Path(d['path']).name}（{d.get('year') or '?'}，{Path(d['path']).name}）"
        for it in cl.outline.items:
            key = ("部分 part" if it.kind == "part" else "附表 table", _item_name(it))
            if it.status == "missing" and it.severity == "error":
                missing.setdefault(key, []).append(who)
            elif it.severity == "warning":
                warned.setdefault(key, []).append(who)
    lines.append(f"汇总 summary: {len(checklists)} 份报告 documents")
    if not missing and not warned:
        lines.append(f"  {OK} 未发现缺失 / nothing missing")
    for title, group, mark in (("缺失（错误）missing (errors)", missing, BAD), ("提示 warnings", warned, WARN)):
        if group:
            lines.append(f"  {title}:")
            lines += [f"    {mark} {kind} {name}: {'; '.join(whos)}" for (kind, name), whos in sorted(group.items())]
    return lines


# ---------------------------------------------------------------------------
# flags
# ---------------------------------------------------------------------------
def _short(s: str | None, n: int = 70) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[:n - 1] + "…"


def _needles(raw, value) -> list[str]:
    """The ways a figure may be written in its sentence: as written (its
    first part when it lists several), then the value plainly and with
    thousands separators."""
    out = []
    if raw:
        out += [str(raw), str(raw).split("、")[0]]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out += [fmt_value(float(value)), fmt_number(float(value))]
    return [x for x in out if x]


def window(sentence: str | None, raw=None, value=None, width: int = 30) -> str:
    """The part of ``sentence`` around its figure: up to ``width`` characters
    either side of the first place ``raw`` (or ``value``) is written, with …
    where text is left out — never cut before the figure.  A sentence where
    the figure cannot be found is shortened at its end."""
    s = " ".join((sentence or "").split())
    if len(s) <= 2 * width + 10:
        return s
    for needle in _needles(raw, value):
        i = s.find(needle)
        if i >= 0:
            a, b = max(0, i - width), min(len(s), i + len(needle) + width)
            return ("…" if a else "") + s[a:b] + ("…" if b < len(s) else "")
    return s[: 2 * width] + "…"


def _around(sentence: str, raw: str, n: int = 70) -> str:
    """A short piece of the sentence around the value (:func:`window`)."""
    return window(sentence, raw, None, width=max(10, (n - len(raw or "")) // 2))


def source_line(src) -> str:
    """A flag's source (dict or JSON text): page | section | «value» | sentence."""
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
        parts.append(f"{VALUE_OPEN}{fmt_value(v)}{VALUE_CLOSE}")
    if src.get("sentence"):
        parts.append(_around(src["sentence"], str(src.get("raw") or "")))
    return " | ".join(parts) or "—"


def flags_lines(rows: list[dict]) -> list[str]:
    """``nianbao flags``: each flag with both sources, then counts."""
    if not rows:
        return ["没有提示 / no flags"]
    lines = []
    for r in rows:
        metric = f" {r['metric']}" if r["metric"] else ""
        files = [f for f in (r.get("files") or r["path"]).split("; ") if f]
        kind_zh = f" {r['kind_zh']}" if r.get("kind_zh") and r["kind_zh"] != r["kind"] else ""
        lines.append(f"[{r['severity']}] {r['kind']}{kind_zh}{metric}  {r['school'] or '?'} {r['year'] or '?'}  "
                     f"{' + '.join(Path(f).name for f in files)}")
        lines.append(f"  {r['message']}")
        lines.append(f"  A: {source_line(r['source_a'])}")
        if r["source_b"]:
            lines.append(f"  B: {source_line(r['source_b'])}")
    by_sev, by_kind = _count(r["severity"] for r in rows), _count(r["kind"] for r in rows)
    lines.append("")
    lines.append(f"共 {len(rows)} 条 flags: " + ", ".join(f"{k} {by_sev[k]}" for k in ("error", "warning", "info")
                                                      if by_sev.get(k)) +
                 "   按类 by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    return lines


def _count(items) -> dict:
    out: dict = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


# ---------------------------------------------------------------------------
# report (one school)
# ---------------------------------------------------------------------------
def school_lines(page) -> list[str]:
    """``nianbao report SCHOOL`` without --html: the figures by year, each
    with its source, then flags and missing parts."""
    out = [f"{page.school} · {page.level or '?'} · {page.region or ''}"]
    for r in page.reports:
        out.append(f"  {r['year']}: " + " + ".join(Path(f).name for f in (r.get("files") or r["path"]).split("; ")))
    headers = [["指标", "metric"], ["单位", "unit"]] + [[str(y), ""] for y in page.years] + [["来源", "source"]]
    rows = []
    for d in page.metrics:
        figs = page.figures[d.id]
        cells = []
        for y in page.years:
            f = figs.get(y)
            if f is None:
                cells.append("")
            elif f.kind == "correction":
                cells.append(("—" if f.value is None else fmt_number(f.value)) + f" {CORRECTED_MARK}")
            else:
                cells.append((APPROX_MARK if f.approximate else "") + fmt_number(f.value)
                             + (f" {CONFLICT_MARK}" if f.conflict else "") + ("*" if f.kind == "quoted" else ""))
        last = figs[max(figs)]
        src = ("人工更正 corrected" if last.kind == "correction" else
               " ".join(x for x in (Path(last.path).name if last.path else "", f"p.{last.page}" if last.page else "",
                                    last.section or "") if x))
        rows.append([d.name_zh, d.unit, *cells, _short(src, 50)])
    out += render_table(headers, rows, [False, False] + [True] * len(page.years) + [False])
    out.append(f"* = 上年数，取自下一年的报告 / quoted by the next year's report · {CORRECTED_MARK} = 人工更正 corrected")
    out.append(f"提示 flags: {len(page.flags)}   缺失 missing: "
               + (", ".join(f"{m['year']} {m['title']}" for m in page.missing) or "—"))
    out.append("网页（含图表和全部来源）/ the page with charts and every source: nianbao report "
               f"{page.school} --html 报告.html")
    return out


# ---------------------------------------------------------------------------
# corrections
# ---------------------------------------------------------------------------
def correction_lines(rows: list[dict], *, header: bool = True) -> list[str]:
    """``nianbao corrections`` (and what ``correct`` confirms): one line per
    correction with who, when and the note."""
    if not rows:
        return ["没有更正 / no corrections"]
    out = []
    for r in rows:
        if r["field"] == "metric":
            what = f"{r.get('name_zh') or ''} {r['metric']}".strip()
            new = "剔除 excluded" if r["exclude"] else fmt_number(r["value"])
        else:
            what = r["field"]
            new = r["text"] if r["text"] is not None else (
                str(int(r["value"])) if r["field"] == "year" else fmt_number(r["value"]))
        stale = "" if r.get("matched", 1) else f"  {WARN} 没有对应的报告 / no report matches"
        out.append(f"{CORRECTED_MARK} #{r['id']} {r['school']} {r['year'] or ''}  {what} → {new}  "
                   f"({r.get('who') or '?'}, {r.get('at') or ''})" + (f"  {r['note']}" if r.get("note") else "")
                   + stale)
        for old in r.get("replaces") or []:
            was = "剔除 excluded" if old["exclude"] else (old["text"] if old["text"] is not None else fmt_number(old["value"]))
            out.append(f"  此前 was: {was}  ({old.get('who') or '?'}, {old.get('at') or ''})"
                       + (f"  {old['note']}" if old.get("note") else "") + "  → corrections_replaced")
        if r.get("also"):
            out.append(f"  同一报告的其他文件 also for the report's other files: "
                       + ", ".join(f"#{i}" for i in r["also"]))
    if header:
        out.append("")
        out.append(f"共 {len(rows)} 条更正 corrections · nianbao corrections --csv > 更正.csv 导出 export · "
                   "--import 更正.csv 导入 import · --remove ID 撤销 undo")
    return out


# ---------------------------------------------------------------------------
# one file: outline and extract
# ---------------------------------------------------------------------------
def outline_lines(doc) -> list[str]:
    """The recovered heading tree with pages and the tables under each heading."""
    lines = [f"{doc.path}  [{doc.format}, {doc.page_count} 页/pages, {len(doc.headings())} 标题/headings, "
             f"{len(doc.tables())} 表格/tables, parser {doc.parser}]"]
    if doc.status != "ok":
        lines.append(f"  状态 status: {doc.status}")
    if doc.status == "ocr":
        ocr = doc.metadata.get("ocr") or {}
        lines.append(f"  OCR: {len(ocr.get('pages') or [])} 页/pages, {ocr.get('provider', '')}, "
                     f"{ocr.get('seconds', 0)} s")
    lines += [f"  ! {w}" for w in doc.warnings]
    level = 0
    for b in doc.blocks:
        page = f"  p.{b.page}" if b.page else ""
        if b.kind == "heading":
            level = b.level or 1
            label = f"{b.number} {b.title}" if b.number else b.title
            lines.append(f"{'  ' * (level - 1)}{label}{page}")
        elif b.kind == "table":
            title = b.title or "(无标题 untitled)"
            lines.append(f"{'  ' * level}[表 table] {title}  {b.n_rows}×{b.n_cols}{page}")
    return lines


def facts_json(facts) -> dict:
    """``nianbao extract --json``: attributes, rules version, metrics and flags."""
    return {"attributes": facts.attributes, "rules_version": facts.rules_version,
            "metrics": [m.to_row() for m in facts.metrics], "flags": [f.to_row() for f in facts.flags],
            "candidates": [c.to_row() for c in facts.candidates]}


def facts_lines(facts) -> list[str]:
    """``nianbao extract``: attributes, a table of metrics with their sources, flags."""
    from tabulate import tabulate
    a = {k: "—" if v is None else v for k, v in facts.attributes.items()}   # — : not read from the file
    lines = [f"学校 school: {a.get('school', '—')}   年度 year: {a.get('year', '—')}   "
             f"层次 level: {a.get('level', '—')}   地区 region: {a.get('region', '—')}"]
    rows = [(m.metric, m.name_zh, fmt_value(float(m.value)), m.unit, m.year, "≈" if m.approximate else "",
             m.prov.source, m.prov.page or "", m.prov.sentence[:40]) for m in facts.metrics]
    lines += tabulate(rows, headers=["metric 指标", "名称", "value 数值", "unit 单位", "year 年", "约",
                                     "source 来源", "page 页", "sentence 原文"], **_AS_WRITTEN).splitlines()
    lines += [f"! {f.kind}: {f.message}" for f in facts.flags]
    if facts.candidates:
        from nianbao.extractors.facts import CANDIDATE_REASONS
        lines += ["", f"待审候选（未计入指标）review candidates (not in metrics): {len(facts.candidates)}"]
        rows = [(c.metric, c.name_zh, fmt_value(float(c.value)), c.unit, c.year or "", c.reason,
                 CANDIDATE_REASONS.get(c.reason, "").split(" ")[0], c.prov.page or "", c.prov.sentence[:40])
                for c in facts.candidates]
        lines += tabulate(rows, headers=["metric 指标", "名称", "value 数值", "unit 单位", "year 年",
                                         "reason 原因", "说明", "page 页", "sentence 原文"], **_AS_WRITTEN).splitlines()
    return lines


#: tabulate options for :func:`facts_lines`: values printed as :func:`fmt_value` wrote them
#: (tabulate would re-read "152000000" as a number and print 1.52e+08), right-aligned
_AS_WRITTEN = {"disable_numparse": True, "colalign": ("left", "left", "right", "left", "right")}


# ---------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------
def search_lines(query: str, hits) -> list[str]:
    """``nianbao search``: school, year, page, section, file and snippet per hit."""
    if not hits:
        return [f"没有找到 / no match: {query}"]
    lines = []
    for i, h in enumerate(hits, 1):
        page = f"p.{h.page}  " if h.page else ""
        more = f" +{len(h.copies)}" if h.copies else ""
        lines.append(f"{i}. {h.school} {h.year or ''}  {page}{h.section}  [{Path(h.path).name}{more}]")
        lines.append(f"   {h.snippet}")
    return lines


# ---------------------------------------------------------------------------
# ingest: summary and progress
# ---------------------------------------------------------------------------
def _nothing_read(s) -> bool:
    """Nothing was found to read (an empty folder or archive, only other formats)."""
    return not (s.ingested or s.unchanged or s.duplicates or s.needs_ocr or s.failed or s.reextracted)


def summary_lines(s) -> list[str]:
    """The end of ``nianbao ingest``: counts, then duplicates, needs_ocr and
    failures with their reasons (a :class:`nianbao.ingest.batch.Summary`)."""
    out = [f"已入库 ingested: {len(s.ingested)}   未变 unchanged: {len(s.unchanged)}   "
           f"重复 duplicates: {len(s.duplicates)}   需OCR needs_ocr: {len(s.needs_ocr)}   "
           f"失败 failed: {len(s.failed)}   "
           + (f"跳过 skipped: {len(s.skipped)}   " if getattr(s, "skipped", None) else "")
           + f"有标记 flagged: {len(s.flagged)}   "
           f"页 pages: {s.pages}   用时 time: {s.seconds:.1f}s"]
    if getattr(s, "ocr", None):
        out.append(f"OCR识别 read by OCR: {len(s.ocr)} 个文件 documents, {s.ocr_pages} 页 pages "
                   "(数值带 origin='ocr' 与置信度 / values carry origin 'ocr' and a confidence)")
    if s.reextracted:
        out.append(f"重新抽取 re-extracted: {len(s.reextracted)}")
    out += [f"  重复 duplicate  {p}  = {other}" for p, other in s.duplicates]
    for p in s.needs_ocr:
        why = ("文本层无法识别（字体缺少编码映射）/ the text layer is unreadable (fonts without a Unicode map)"
               if p in s.garbage else "没有文本层（扫描件）/ no text layer (scanned)")
        out.append(f"  需OCR needs_ocr  {p}: {why}")
    out += [f"  失败 failed  {p}: {err}" for p, err in s.failed]
    out += [f"  受损 damaged  {p}: {why}" for p, why in getattr(s, "damaged", [])]
    out += [f"  跳过 skipped  {p}: {why}" for p, why in getattr(s, "skipped", [])]
    unsupported = getattr(s, "unsupported", [])
    if unsupported:
        out.append(f"未读取 not read: {len(unsupported)} 个文件 files (类型不支持 unsupported type)")
        out += [f"  未读取 not read  {p}: {why}" for p, why in unsupported]
    out += [f"  已移除 removed  {p}（已不在文件夹中 / no longer in the folder）" for p in getattr(s, "removed", [])]
    if getattr(s, "reports", 0) or getattr(s, "not_reports", 0):
        out.append(f"报告 reports: {s.reports}（同一报告的 .docx/.pdf/.txt 计为一份 / copies of one report count once）"
                   + (f"；另有 {s.not_reports} 个文件不是质量报告 / {s.not_reports} more "
                      f"{'file is' if s.not_reports == 1 else 'files are'} no quality report "
                      "(nianbao flags --kind not_a_report)" if getattr(s, "not_reports", 0) else ""))
    elif _nothing_read(s):
        out.append("所给路径中没有可读取的报告文件 / no report files in the paths given (nianbao reads .pdf, .docx, "
                   ".txt, .doc and .wps, and .zip archives holding them)")
    if s.failed_unchanged:
        out.append(f"  ({s.failed_unchanged} 个失败文件自上次以来未变，未重试；--retry-failed 重试 / "
                   f"{s.failed_unchanged} failed files are unchanged since the last run and were not "
                   "retried; use --retry-failed)")
    return out


def _processes(n: int) -> str:
    return "process" if n == 1 else "processes"


class ProgressReporter:
    """A tqdm bar on a terminal (files, pages, failures, ETA); in a pipe or CI
    plain lines: one per file read, one per 100 unchanged files.  Call it
    with each :class:`nianbao.ingest.batch.Progress`; ``close()`` at the end."""

    LABELS = {"ingested": "入库 ingested", "unchanged": "未变 unchanged", "duplicate": "重复 duplicate",
              "failed": "失败 failed", "needs_ocr": "需OCR needs_ocr", "reextracted": "重抽 re-extracted"}

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.bar = None
        self.pages = 0
        self.unchanged = 0
        self.starting = False
        self.gone = False

    def _workers(self, ev) -> None:
        """Worker processes start: from the warm server (ready at once), on a
        Dask cluster, or warming first (a few seconds; how to skip that)."""
        if ev.cluster:
            text = (f"在 Dask 集群（{ev.cluster}）上处理 / reading on the Dask cluster ({ev.cluster})")
            bar = "入库 ingesting · Dask"
        elif ev.warm_server:
            text = (f"从常驻预热进程（pid {ev.warm_server}）启动 {ev.workers} 个工作进程，无需加载 / "
                    f"{ev.workers} worker {_processes(ev.workers)} from the warm server (pid {ev.warm_server}), ready at once")
            bar = f"入库 ingesting · 常驻预热进程 warm server {ev.warm_server}"
        elif ev.warm_skipped:
            zh = "仍在预热" if ev.warm_skipped_why == "warming up" else "已暂停"
            en = "is still warming up" if ev.warm_skipped_why == "warming up" else "is paused (SIGSTOP)"
            text = (f"常驻预热进程（pid {ev.warm_skipped}）{zh}，本次不使用；启动 {ev.workers} 个工作进程（加载词典，需数秒）/ "
                    f"the warm server (pid {ev.warm_skipped}) {en}, not used this time: starting {ev.workers} "
                    f"worker {_processes(ev.workers)} (loading dictionaries, a few seconds)")
            bar = (f"入库 ingesting · 启动工作进程 starting workers · 常驻预热进程 {ev.warm_skipped} {zh} "
                   f"warm server {ev.warm_skipped_why}")
        else:
            text = (f"启动 {ev.workers} 个工作进程（加载词典，需数秒；`nianbao warm start` 可预先加载）/ starting "
                    f"{ev.workers} worker {_processes(ev.workers)} (loading dictionaries, a few seconds; `nianbao warm start` "
                    f"keeps them loaded between runs)")
            bar = "入库 ingesting · 启动工作进程 starting workers"
        if self.tty and self.bar is not None:
            self.bar.set_description_str(bar)
            self.starting = not ev.warm_server and not ev.cluster   # the title says which, for the whole run
        else:
            print(text, file=self.stream, flush=True)

    def _warm_lost(self, ev) -> None:
        """The warm server stopped during the run: the run warms its own workers."""
        text = (f"常驻预热进程（pid {ev.warm_server}）已停止：其工作进程的文件重新排队，本次运行自行启动工作进程"
                f"（加载词典，需数秒）/ the warm server (pid {ev.warm_server}) stopped: its workers' files are queued "
                f"again and this run starts its own worker {_processes(ev.workers)} (loading dictionaries, a few seconds)")
        if self.tty and self.bar is not None:
            self.bar.set_description_str(f"入库 ingesting · 常驻预热进程 {ev.warm_server} 已停止 warm server stopped "
                                         "· 启动工作进程 starting workers")
            self.starting = True
        else:
            print(text, file=self.stream, flush=True)

    def __call__(self, ev) -> None:
        """Show ``ev``.  A stream whose reader went away (``2>&1 | head``)
        is written no more: the run goes on without its progress."""
        if self.gone:
            return
        try:
            self._show(ev)
        except BrokenPipeError:
            self.gone = True

    def _show(self, ev) -> None:
        if ev.kind == "total":
            return self._total(ev.total) if self.tty else None
        if ev.kind == "ocr_page":
            return self._ocr_page(ev)
        if ev.kind == "workers":
            return self._workers(ev)
        if ev.kind == "warm_lost":
            return self._warm_lost(ev)
        if self.starting and self.bar is not None:
            self.bar.set_description_str("入库 ingesting", refresh=False)
            self.starting = False
        self.pages += ev.pages
        if self.tty and self.bar is not None:
            self.bar.set_postfix_str(f"页 pages {self.pages} · 失败 failed {ev.failed}", refresh=False)
            self.bar.update(1)
            return
        line = self._line(ev)
        if line:   # a file name can hold a newline or an escape sequence: shown escaped
            print(terminal_text(line), file=self.stream, flush=True)

    def _total(self, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="file", desc="入库 ingesting", file=self.stream,
                            dynamic_ncols=True, smoothing=0.1)
        else:
            self.bar.total = total
            self.bar.refresh()

    def _line(self, ev) -> str | None:
        if ev.kind == "unchanged":
            self.unchanged += 1
            if self.unchanged % 100:
                return None
            return f"[{ev.done}/{ev.total}] {self.LABELS['unchanged']} ×{self.unchanged}"
        line = f"[{ev.done}/{ev.total}] {self.LABELS.get(ev.kind, ev.kind)}  {ev.path}"
        if ev.pages:
            line += f"  {ev.pages} 页/pages"
        if ev.seconds:
            line += f"  {ev.seconds:.1f}s"
        if ev.error:
            line += f"  {ev.error}"
        return line

    def _ocr_page(self, ev) -> None:
        """A file's scanned pages being read: ``OCR 3/41 页/pages``."""
        text = f"OCR {ev.ocr_done}/{ev.ocr_total} 页/pages"
        if self.tty and self.bar is not None:
            self.bar.set_postfix_str(f"页 pages {self.pages} · {text} · 失败 failed {ev.failed}")
        elif ev.ocr_done:
            print(f"  {text}  {ev.path}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            bar, self.bar = self.bar, None
            try:
                bar.close()
            except BrokenPipeError:
                self.gone = True
