"""The comparison as an Excel workbook (``nianbao compare --xlsx FILE``).

Sheets:

``说明`` (Legend)
    what each sheet holds, what the colours and marks mean, the flag kinds
    and severities in Chinese with their ids.
``对比`` (Compare)
    schools × metrics: one row per school and report year, one column per
    metric with its Chinese name, unit and id; numbers are numbers (blank
    where the report states nothing, never 0); a conflicting value is filled
    orange and carries a comment with every value stated and where; an
    approximate one (约, 近, 余) is shown ``≈1,200`` (still a number) on
    yellow; a value a person corrected (``nianbao correct``) is green with
    the note in its comment, an excluded one reads 已剔除.
``来源`` (Sources)
    every value of the selected schools, years and metrics — including the
    previous-year figures a report quotes — with document, page, section and
    source text, and whether it is the one shown on 对比.
``问题`` (Issues)
    the review flags (conflicts, out-of-range values …) except the missing
    ones, which are on
``缺失章节`` (Missing parts)
    flags of kinds missing_part / missing_table / empty_part.

Every sheet has a frozen header row with Chinese and English labels, an
auto-filter, column widths fitted to the content, years shown as years
(2023, not 2,023) and a print set-up: landscape, fitted to the page width,
the header row repeated on every page.  Kinds, severities and metrics are
named in Chinese with their ids beside.  Source text is the sentence
windowed around the figure.  Characters openpyxl cannot store (control
characters PDFs leave in text) are removed and text never runs as a
formula (:mod:`nianbao.export.cells`).
"""
from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from nianbao.cli.render import display_width, fmt_number, fmt_stated, window
from nianbao.export.cells import neutralise
from nianbao.export.output_file import written
from nianbao.store.compare import Comparison, _filters, display_rules, load_comparison, missing_kinds

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CONFLICT_FILL = PatternFill("solid", fgColor="FCE4D6")
APPROX_FILL = PatternFill("solid", fgColor="FFF2CC")
CORRECTED_FILL = PatternFill("solid", fgColor="E2EFDA")
YEAR_FORMAT = "0"
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
INT_FORMAT = "#,##0"
DEC_FORMAT = "#,##0.0#"
MAX_WIDTH = 60


def clean(value):
    """A value openpyxl can store: no illegal control characters."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _set(ws, row: int, col: int, value, number_format: str | None = None):
    """Write one cell: text stays text (never a formula: a cell starting
    = + - @ is stored as a string), numbers get ``number_format``."""
    cell = ws.cell(row=row, column=col)
    value = clean(value)
    cell.value = value
    if isinstance(value, str) and value != neutralise(value):
        cell.data_type = "s"
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format
    return cell


def print_setup(ws) -> None:
    """Landscape, fitted to the page width (any number of pages down), the
    header row repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _num_format(v: float) -> str:
    return INT_FORMAT if float(v).is_integer() else DEC_FORMAT


def _number(v):
    if v is None:
        return None
    return int(v) if float(v).is_integer() else float(v)


def _sheet(wb, title: str, headers: list[tuple[str, str]], rows: list[list], *,
           wide: dict[int, int] | None = None, formats: dict[int, str] | None = None, empty_note: str = ""):
    """A sheet with a frozen two-language header row, an auto-filter and
    fitted widths.  ``headers``: (中文, English); ``wide``: column → max width
    for long text columns (wrapped)."""
    ws = wb.create_sheet(title)
    for j, (zh, en) in enumerate(headers, 1):
        c = _set(ws, 1, j, f"{zh}\n{en}")
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[1].height = 32
    for i, r in enumerate(rows, 2):
        for j, v in enumerate(r, 1):
            fmt = (formats or {}).get(j) or (_num_format(v) if isinstance(v, (int, float))
                                             and not isinstance(v, bool) else None)
            c = _set(ws, i, j, v, fmt)
            if wide and j in wide:
                c.alignment = WRAP_TOP
    if not rows and empty_note:
        _set(ws, 2, 1, empty_note)
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"
    fit_widths(ws, headers, rows, wide or {})
    print_setup(ws)
    return ws


def fit_widths(ws, headers, rows, wide: dict[int, int]) -> None:
    for j in range(1, len(headers) + 1):
        head = max(display_width(x) for x in headers[j - 1])
        body = max((display_width(_as_text(r[j - 1])) for r in rows if j - 1 < len(r)), default=0)
        width = max(head, body) + 2
        cap = wide.get(j, MAX_WIDTH)
        ws.column_dimensions[get_column_letter(j)].width = max(6, min(width, cap))


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return fmt_number(v)
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _around(sentence: str | None, raw: str | None, value=None, width: int = 36) -> str:
    """The part of a long source sentence around the figure (never cut before it)."""
    return window(sentence, raw, value, width=width)


def _where_from(v) -> str:
    bits = [v.source_kind == "table" and "表格 table" or "正文 text", Path(v.path).name]
    if v.page:
        bits.append(f"p.{v.page}")
    if v.section:
        bits.append(v.section)
    return ", ".join(bits)


# ---------------------------------------------------------------------------
def write_workbook(db, path, *, year: int | None = None, metrics=None, schools=None,
                   comparison: Comparison | None = None) -> Path:
    """Write the comparison workbook for the schools, year and metrics given
    (all when None) and return its path: ``path``, with ``.xlsx`` added
    when it has no extension; ``ValueError`` for another extension (Excel
    would refuse a workbook named ``.csv`` or ``.xls``)."""
    path = workbook_path(path)
    conn = getattr(db, "conn", db)
    comp = comparison or load_comparison(conn, year=year, metrics=metrics, schools=schools)
    wb = Workbook()
    wb.remove(wb.active)
    _legend_sheet(wb)
    _compare_sheet(wb, comp)
    _sources_sheet(wb, conn, comp, year, schools)
    flags = _flag_rows(conn, comp, year, schools)
    issue_headers = [("学校", "School"), ("年度", "Year"), ("类型", "Kind"), ("类型编号", "Kind id"),
                     ("严重度", "Severity"), ("严重度编号", "Severity id"), ("指标名称", "Metric name"),
                     ("指标编号", "Metric id"), ("说明", "Message"), ("来源A", "Source A"), ("来源B", "Source B"),
                     ("规则", "Rule"), ("文件", "Documents")]
    wide = {9: 70, 10: 60, 11: 60, 13: 40}
    kinds = missing_kinds()
    _sheet(wb, "问题", issue_headers, [r for r in flags if r[3] not in kinds], wide=wide,
           formats={2: YEAR_FORMAT}, empty_note="没有问题记录 / no flags")
    _sheet(wb, "缺失章节", issue_headers, [r for r in flags if r[3] in kinds], wide=wide,
           formats={2: YEAR_FORMAT},
           empty_note="没有缺失记录（运行审核后填写）/ no missing_part, missing_table or empty_part flags "
                      "(written by the review)")
    return written(path, wb.save)


def workbook_path(path) -> Path:
    """``path`` as a workbook's file name: ``.xlsx`` added when it has no
    extension; ``ValueError`` for another one."""
    path = Path(path)
    if not path.suffix:
        return path.with_name(path.name + ".xlsx")
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"工作簿文件名须以 .xlsx 结尾 / the workbook's file name must end in .xlsx: {path}")
    return path


def _compare_sheet(wb, comp: Comparison) -> None:
    headers = [("学校", "School"), ("年度", "Year"), ("层次", "Level"), ("地区", "Region"), ("省份", "Province")]
    headers += [(f"{d.name_zh}({d.unit})", d.id) for d in comp.metrics]
    headers += [("冲突数", "Conflicts"), ("冲突指标", "Conflicting metrics"), ("人工更正", "Corrected"),
                 ("文件", "Documents")]
    first = 6
    rows, notes = [], {}
    for i, r in enumerate(comp.rows, 2):
        row = [r.school, r.year, r.level, r.region, r.province]
        for j, d in enumerate(comp.metrics, first):
            c = r.cells.get(d.id)
            if c and c.excluded:
                row.append("已剔除 excluded")
            else:
                row.append(_number(c.value) if c and c.value is not None else None)
            note = _cell_note(c) if c else None
            if note:
                notes[(i, j)] = note
        conflict_ids = [d.id for d in comp.metrics if r.cells.get(d.id) and r.cells[d.id].conflict]
        corrected = [d.id for d in comp.metrics if r.cells.get(d.id) and r.cells[d.id].corrected]
        row += [len(conflict_ids), ", ".join(conflict_ids) or None, ", ".join(corrected) or None,
                "\n".join(r.files or r.paths) or None]
        rows.append(row)
    ws = _sheet(wb, "对比", headers, rows, formats={2: YEAR_FORMAT},
                empty_note="没有符合条件的报告 / no report matches")
    ws.freeze_panes = "B2"
    for (i, j), (fill, text, approximate) in notes.items():
        cell = ws.cell(row=i, column=j)
        if fill is not None:
            cell.fill = fill
        if approximate and isinstance(cell.value, (int, float)):
            cell.number_format = f'"≈"{_num_format(cell.value)}'
        cell.comment = Comment(clean(text)[:2000], "nianbao", width=420, height=200)
    # metric headers: the name on the first line is what people read; keep them narrow
    for j in range(first, first + len(comp.metrics)):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = min(ws.column_dimensions[letter].width, 18)
    ws.row_dimensions[1].height = 45


def _cell_note(c) -> tuple | None:
    """(fill, comment text, approximate) for a 对比 cell that needs a mark:
    corrected (green), conflicting (orange) or approximate (yellow, ≈)."""
    lines, fill = [], None
    if c.corrected:
        fill = CORRECTED_FILL
        extracted = "" if c.extracted is None else f"；抽取值 extracted: {fmt_number(c.extracted)}"
        lines.append(("人工剔除 / excluded by a person" if c.excluded else "人工更正 / corrected by a person")
                     + extracted + (f"；更正人 by: {c.corrected_by}" if c.corrected_by else "")
                     + (f"；说明 note: {c.note}" if c.note else ""))
    elif c.value is None:
        return None
    if c.conflict and not c.corrected:
        fill = CONFLICT_FILL
        lines.append(f"报告中有不同数值 / conflicting values: {fmt_stated(c.values_stated)}；"
                     f"显示{'附表' if c.source_kind == 'table' else '首次出现'}的数值 / shown: "
                     f"{'table value' if c.source_kind == 'table' else 'first value'}")
    approximate = c.approximate and not c.corrected
    if approximate:
        fill = fill or APPROX_FILL
        lines.append("约数（报告写作“约”“近”“余”等）/ approximate figure")
    if not lines:
        return None
    for v in c.sources:
        lines.append(f"{fmt_number(v.value)} — {_where_from(v)}: {_around(v.sentence, v.raw, v.value)}")
    return fill, "\n".join(lines), approximate


LEGEND = [
    ("对比", "Compare", "每个学校、每个年度一行，每个指标一列（指标中文名(单位)，下为指标编号）。数值是数字，可直接求和、排序。"
                        "空白 = 报告未说明（不是 0）。/ one row per school and year, one column per metric; blank = "
                        "not stated"),
    ("来源", "Sources", "每个数值的出处：文件、页码、章节、原文（截取数值前后的文字）、原始写法；“采用”= 对比表中显示的那个。"
                        "/ every value with file, page, section and the text around it"),
    ("问题", "Issues", "审核发现的问题（数值冲突、分项之和超过总数 …），附两处来源。/ review flags with both sources"),
    ("缺失章节", "Missing parts", "按官方模板缺少的必备部分和附表。/ required parts and appendix tables missing"),
    ("", "", ""),
    ("橙色", "Orange", "报告中对同一指标写了不同数值：显示附表中的数值（无附表取首次出现的），批注列出所有数值和出处。"
                      "/ the report states different values; the comment lists them"),
    ("黄色 ≈", "Yellow ≈", "约数（报告写作“约”“近”“余”“多”）。/ an approximate figure"),
    ("绿色", "Green", "人工更正（nianbao correct），批注写明原抽取值、更正人和说明；“已剔除”= 人工剔除的数值。"
                     "/ corrected (or excluded) by a person; the comment has the note"),
    ("同一报告", "One report", "同一学校同一年度的 .docx / .pdf / .txt 计为一份报告，数值取信息最全的一份（有页码和表格）；"
                             "较新的文件取代较旧的。/ copies of one report count once"),
]


def _legend_sheet(wb) -> None:
    """说明: the sheets, the colours and marks, the flag kinds and severities."""
    shown = display_rules()
    rows = [list(r) for r in LEGEND]
    rows.append(["", "", ""])
    rows += [[zh, kind, "问题类型 / flag kind"] for kind, zh in shown["flag_kinds"].items()]
    rows += [[zh, sev, "严重度 / severity"] for sev, zh in shown["severities"].items()]
    ws = _sheet(wb, "说明", [("项目", "Item"), ("编号 / English", "Id / English"), ("含义", "Meaning")], rows,
                wide={3: 90})
    for i, (zh, _, _) in enumerate(LEGEND, 2):
        fill = {"橙色": CONFLICT_FILL, "黄色 ≈": APPROX_FILL, "绿色": CORRECTED_FILL}.get(zh)
        if fill:
            ws.cell(row=i, column=1).fill = fill


def _sources_sheet(wb, conn, comp: Comparison, year, schools) -> None:
    ids = [d.id for d in comp.metrics]
    headers = [("学校", "School"), ("报告年度", "Report year"), ("指标", "Metric"), ("指标名称", "Metric name"),
               ("数值", "Value"), ("单位", "Unit"), ("数值所属年度", "Value year"), ("约数", "Approximate"),
               ("采用", "Shown on 对比"), ("冲突", "Conflict"), ("来源类型", "Source kind"), ("文件", "Document"),
               ("页", "Page"), ("章节", "Section"), ("原文", "Source text"), ("原始写法", "As written"),
               ("规则", "Rule")]
    rows = []
    if ids:
        where, params = _filters(year, schools, "v")
        mq = ",".join("?" for _ in ids)
        sql = (f"SELECT v.school, v.year, v.metric, v.name_zh, v.value, v.unit, v.metric_year, v.approximate, "
               f"CASE WHEN c.value_id = v.value_id THEN 1 ELSE 0 END, coalesce(c.conflict, 0), v.source_kind, "
               f"v.path, v.page, v.section, v.sentence, v.raw, v.rule "
               f"FROM metric_values v LEFT JOIN metric_chosen c ON c.school = v.school AND c.year IS v.year "
               f"AND c.metric = v.metric AND v.is_report_year = 1 "
               f"LEFT JOIN metric_defs d ON d.id = v.metric "
               f"WHERE {where} AND v.metric IN ({mq}) "
               f"ORDER BY v.year, v.school, d.position, v.is_report_year DESC, v.document_id, v.value_id")
        yes = "是 yes"
        for r in conn.execute(sql, params + ids):
            r = list(r)
            r[4] = _number(r[4])
            r[7] = yes if r[7] else None
            r[8] = yes if r[8] else None
            r[9] = yes if r[9] else None
            r[10] = {"table": "表格 table", "text": "正文 text"}.get(r[10], r[10])
            r[14] = _around(r[14], r[15], r[4], width=40)
            rows.append(r)
    ws = _sheet(wb, "来源", headers, rows, wide={14: 40, 15: 80}, formats={2: "0", 7: "0", 13: "0"},
                empty_note="没有数值 / no values")
    for i, r in enumerate(rows, 2):
        if r[9]:
            ws.cell(row=i, column=5).fill = CONFLICT_FILL


def _render_source(raw) -> str | None:
    if not raw:
        return None
    try:
        s = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    if not isinstance(s, dict):
        return str(s)
    bits = []
    if s.get("value") is not None:
        bits.append(fmt_number(s["value"]) if isinstance(s["value"], (int, float)) else str(s["value"]))
    where = [x for x in (s.get("source"), s.get("page") and f"p.{s['page']}", s.get("section")) if x]
    if where:
        bits.append(f"（{', '.join(str(w) for w in where)}）")
    if s.get("sentence"):
        bits.append(f"：{window(s['sentence'], s.get('raw'), s.get('value'), width=40)}")
    rest = {k: v for k, v in s.items() if k not in ("value", "source", "page", "section", "sentence", "unit",
                                                     "raw", "start", "rule") and v not in (None, "")}
    if rest:
        bits.append(" " + json.dumps(rest, ensure_ascii=False))
    return "".join(bits) or None


def _flag_rows(conn, comp: Comparison, year, schools) -> list[list]:
    where, params = _filters(year, schools)
    ids = {d.id for d in comp.metrics}
    known = {r[0] for r in conn.execute("SELECT id FROM metric_defs")}
    out = []
    for (school, yr, kind, kind_zh, severity, severity_zh, metric, name_zh, message, a, b, rule, files) in conn.execute(
            f"SELECT school, year, kind, kind_zh, severity, severity_zh, metric, name_zh, message, source_a, "
            f"source_b, rule, files FROM school_flags WHERE {where} ORDER BY year, school, kind, flag_id", params):
        if metric and metric in known and metric not in ids:   # a metric not selected
            continue
        out.append([school, yr, kind_zh, kind, severity_zh, severity, name_zh, metric, message, _render_source(a),
                    _render_source(b), rule, (files or "").replace("; ", "\n")])
    return out
