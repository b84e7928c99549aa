"""One printable HTML page per school (``nianbao report SCHOOL --html FILE``):
its figures across years with a chart, the source of every figure, its
review flags, the parts its reports miss and the corrections made.

:func:`load_school` reads what the page shows from the database (the views
``reports``, ``metric_chosen``, ``metric_values``, ``school_flags`` and the
checklists of ``nianbao check``) into a :class:`SchoolPage`;
:func:`render_html` turns it into one self-contained page: inline SVG
charts (:mod:`nianbao.web.charts`), inline CSS with print rules, no script
and nothing fetched from the network.

Years: each report year's figure is the one ``compare`` shows; a year
without a report of its own is filled from the previous-year figures the
next report quotes (marked 上年数 / quoted), so a school with one report
still shows two years where its appendix tables have a previous-year
column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from nianbao.cli.render import fmt_number, fmt_stated, window
from nianbao.store.compare import default_terminal_metrics, metric_defs_from_db
from nianbao.store.corrections import FIELDS
from nianbao.store.like import CONTAINS, like_pattern


@dataclass
class Figure:
    """One value on the page: ``value`` (in ``unit``), its ``year``, how it
    was found (``kind``: table / text / correction / quoted), and its source
    (``path``, ``page``, ``section``, ``sentence`` windowed around it)."""
    value: float | None
    year: int
    kind: str
    path: str | None = None
    page: int | None = None
    section: str | None = None
    sentence: str | None = None
    approximate: bool = False
    conflict: bool = False
    values_stated: str | None = None
    note: str | None = None


@dataclass
class SchoolPage:
    school: str
    level: str | None
    region: str | None
    years: list[int]
    reports: list[dict]                                  # rows of the view ``reports``
    metrics: list                                        # MetricDef, in catalog order, those with a figure
    figures: dict[str, dict[int, Figure]] = field(default_factory=dict)   # metric → year → figure
    flags: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)   # report year, item title, kind, severity
    corrections: list[dict] = field(default_factory=list)


def _one_school(conn, school: str) -> str:
    school = school.strip()        # a name copied from Excel keeps its spaces and tabs
    names = [r[0] for r in conn.execute(
        f"select distinct school from reports where is_report = 1 and school {CONTAINS} order by school",
        (like_pattern(school),))]
    if school in names:
        return school
    if not names:
        raise ValueError(f"没有找到学校 / no school matches: {school}")
    if len(names) > 1:
        raise ValueError(f"有多所学校符合，请写全名称 / several schools match: {'; '.join(names)}")
    return names[0]


def load_school(conn, school: str, year: int | None = None) -> SchoolPage:
    """The page's data for the one school whose name contains ``school``
    (ValueError when none or several do); ``year``: that report year only."""
    conn = getattr(conn, "conn", conn)
    name = _one_school(conn, school)
    yq = "" if year is None else " and year = ?"
    args = [name] + ([] if year is None else [year])
    reports = _dicts(conn, f"select * from reports where school = ?{yq} order by year", args)
    report_years = [r["year"] for r in reports if r["year"] is not None]
    figures = _chosen_figures(conn, yq, args)
    _add_quoted_figures(conn, yq, args, report_years, figures)
    defs = [d for d in metric_defs_from_db(conn) if d.id in figures]
    years = sorted({y for f in figures.values() for y in f} | set(report_years))
    flags = _dicts(conn, f"select kind, kind_zh, severity, severity_zh, metric, name_zh, message, source_a, "
                         f"source_b, year, files from school_flags where school = ?{yq} "
                         f"and kind not in ('missing_part', 'missing_table', 'empty_part', 'part_order') "
                         f"order by year, severity, kind", args)
    missing = _missing_parts(conn, name, year)
    corrections = _dicts(conn, f"select c.id, c.year, c.field, c.metric, md.name_zh, c.value, c.text, c.exclude, "
                               f"c.note, c.who, c.at from corrections c left join metric_defs md on md.id = c.metric "
                               f"where (c.school = ? or c.school in (select school_orig from documents "
                               f"where school = ? and school_orig is not null)){yq.replace('year', 'c.year')} "
                               f"order by c.id", [name] + args)
    first = reports[0] if reports else {}
    return SchoolPage(name, first.get("level"), first.get("region"), years, reports, defs, figures, flags,
                      missing, corrections)


def _chosen_figures(conn, yq: str, args: list) -> dict[str, dict[int, Figure]]:
    """metric id → report year → the ``metric_chosen`` value, with a window
    of its sentence (none for a correction)."""
    figures: dict[str, dict[int, Figure]] = {}
    for (metric, yr, value, kind, path, page, section, sentence, approx, conflict, stated, note,
         raw) in conn.execute(
            f"select c.metric, c.year, c.value, c.source_kind, c.path, c.page, c.section, c.sentence, "
            f"c.approximate, c.conflict, c.values_stated, c.correction_note, v.raw from metric_chosen c "
            f"left join metrics v on v.id = c.value_id where c.school = ?{yq.replace('year', 'c.year')}", args):
        figures.setdefault(metric, {})[yr] = Figure(
            value, yr, kind, path, page, section, None if kind == "correction" else window(sentence, raw, value, 40),
            bool(approx), bool(conflict), stated, note)
    return figures


def _add_quoted_figures(conn, yq: str, args: list, report_years: list[int],
                        figures: dict[str, dict[int, Figure]]) -> None:
    """Add the previous year's figures a report quotes (kind ``quoted``) for
    years with no report and no value of their own."""
    for metric, my, value, kind, path, page, section, sentence, raw, approx in conn.execute(
            f"select metric, metric_year, value, source_kind, path, page, section, sentence, raw, approximate "
            f"from metric_values where school = ?{yq} and is_report_year = 0 and metric_year = year - 1 "
            f"order by source_kind = 'table' desc, document_id, value_id", args):
        if my in report_years or my in figures.get(metric, {}):
            continue
        figures.setdefault(metric, {})[my] = Figure(value, my, "quoted", path, page, section,
                                                    window(sentence, raw, value, 40), bool(approx))


def _missing_parts(conn, name: str, year: int | None) -> list[dict]:
    """The template's required parts and tables (or those with a severity)
    missing or empty in the school's reports, from the review checklists."""
    from nianbao.review.report import checklists
    missing = []
    for cl in checklists(conn, name, year):
        if cl.document.get("school") != name:
            continue
        for it in cl.outline.items:
            if it.status in ("missing", "empty") and (it.required or it.severity):
                missing.append({"year": cl.document.get("year"), "title": it.title, "kind": it.kind,
                                "number": it.number, "status": it.status, "severity": it.severity})
    return missing


def _dicts(conn, sql: str, args) -> list[dict]:
    cur = conn.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", sans-serif;
       margin: 24px; color: #222; font-size: 13px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; border-bottom: 2px solid #4e79a7;
       padding-bottom: 2px; margin-top: 22px; }
.meta { color: #555; margin-bottom: 8px; } .files { font-size: 12px; color: #444; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccc; padding: 3px 6px;
       vertical-align: top; } th { background: #ddebf7; text-align: left; }
td.num { text-align: right; white-space: nowrap; } .src { font-size: 11px; color: #444; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; } .charts svg { border: 1px solid #eee; }
.conflict { background: #fce4d6; } .approx { background: #fff2cc; } .corrected { background: #e2efda; }
.quoted { color: #666; font-style: italic; } .sev-error { color: #b00; font-weight: bold; }
.legend { font-size: 11px; color: #555; } .empty { color: #666; }
@page { size: A4 landscape; margin: 12mm; }
@media print { body { margin: 0; } h2 { break-after: avoid; } tr, .charts svg { break-inside: avoid; } }
"""


def _value_html(f: Figure | None, unit: str) -> str:
    if f is None:
        return '<td class="num"></td>'
    if f.kind == "correction":
        text = "已剔除 ✎" if f.value is None else f"{fmt_number(f.value)} ✎"
        return f'<td class="num corrected" title="{escape(f.note or "人工更正")}">{text}</td>'
    cls = "conflict" if f.conflict else "approx" if f.approximate else "quoted" if f.kind == "quoted" else ""
    text = ("≈" if f.approximate else "") + fmt_number(f.value) + (" ⚠" if f.conflict else "")
    title = f' title="报告中有不同数值 / values stated: {escape(fmt_stated(f.values_stated))}"' if f.conflict else ""
    return f'<td class="num {cls}"{title}>{escape(text)}</td>'


def _source_html(f: Figure) -> str:
    if f.kind == "correction":
        return f"{f.year}：人工更正 corrected" + (f"（{escape(f.note)}）" if f.note else "")
    where = [Path(f.path).name if f.path else "", f"p.{f.page}" if f.page else "", f.section or ""]
    label = {"table": "表格", "text": "正文", "quoted": "上年数 quoted"}.get(f.kind, f.kind or "")
    return (f"{f.year}：{escape(label)} · {escape(' · '.join(w for w in where if w))}"
            + (f" — «{escape(f.sentence)}»" if f.sentence else ""))


def _charts_html(page: SchoolPage) -> str:
    from nianbao.web.charts import bar_chart
    core = [m for m in default_terminal_metrics() if m in page.figures]
    shown = core + [d.id for d in page.metrics if d.id not in core][: max(0, 8 - len(core))]
    by_id = {d.id: d for d in page.metrics}
    out = []
    for mid in shown:
        d = by_id[mid]
        vals = {y: f.value for y, f in page.figures[mid].items() if f.value is not None}
        marks = {(d.name_zh, y): ("≈" if f.approximate else "✎" if f.kind == "correction" else "")
                 for y, f in page.figures[mid].items()}
        svg = bar_chart([(d.name_zh, vals)], title=f"{d.name_zh}（{d.unit}）", unit=d.unit, width=250, height=200,
                        marks=marks)
        if svg:
            out.append(svg)
    return "".join(out)


def render_html(page: SchoolPage, *, generated: str | None = None) -> str:
    """The page as one self-contained HTML document (UTF-8)."""
    generated = generated or datetime.now().strftime("%Y-%m-%d %H:%M")
    h = _head_html(page)
    h.append("<h2>主要指标 Key figures</h2>")
    charts = _charts_html(page)
    h.append(f'<div class="charts">{charts}</div>' if charts else '<p class="empty">没有数值 / no figures</p>')
    h.append('<p class="legend">≈ 约数 approximate · ⚠ 报告中有不同数值（显示附表数值）conflicting values · ✎ 人工更正 '
             'corrected · <span class="quoted">斜体</span> = 上年数，取自下一年报告 / quoted by the next report</p>')
    h += _figures_table_html(page)
    h += _flags_html(page)
    h += _missing_html(page)
    h += _corrections_html(page)
    h.append(f'<p class="legend">由 nianbao 生成 generated {escape(generated)}</p></body></html>')
    return "\n".join(h)


def _head_html(page: SchoolPage) -> list[str]:
    """The document head, the school's name, level, region, report years and files."""
    h = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
         f"<title>{escape(page.school)} — 质量年度报告摘要</title><style>{CSS}</style></head><body>",
         f"<h1>{escape(page.school)}</h1>",
         f'<div class="meta">{escape(page.level or "")} · {escape(page.region or "")} · 报告年度 report years: '
         f'{escape(", ".join(str(r["year"]) for r in page.reports))}</div>']
    for r in page.reports:
        files = " ＋ ".join(escape(Path(f).name) for f in (r.get("files") or r["path"]).split("; "))
        sup = f"；取代 supersedes: {escape(r['supersedes'])}" if r.get("supersedes") else ""
        h.append(f'<div class="files">{r["year"]} 年报告文件 files: {files}{sup}</div>')
    return h


def _figures_table_html(page: SchoolPage) -> list[str]:
    """Every figure by year, with its sources."""
    years = page.years
    h = ["<h2>全部指标及来源 Every figure and its source</h2><table><tr><th>指标 metric</th><th>单位</th>"
         + "".join(f"<th>{y}</th>" for y in years) + "<th>来源 source</th></tr>"]
    for d in page.metrics:
        figs = page.figures[d.id]
        cells = "".join(_value_html(figs.get(y), d.unit) for y in years)
        src = "<br>".join(_source_html(figs[y]) for y in sorted(figs))
        h.append(f"<tr><td>{escape(d.name_zh)}<br><span class=\"src\">{escape(d.id)}</span></td>"
                 f"<td>{escape(d.unit)}</td>{cells}<td class=\"src\">{src}</td></tr>")
    h.append("</table>")
    return h


def _flags_html(page: SchoolPage) -> list[str]:
    """The review flags section."""
    h = ["<h2>审核提示 Review flags</h2>"]
    if page.flags:
        h.append("<table><tr><th>年度</th><th>类型 kind</th><th>严重度</th><th>说明 message</th></tr>")
        for f in page.flags:
            h.append(f"<tr><td>{f['year']}</td><td>{escape(f['kind_zh'] or '')}<br><span class=\"src\">"
                     f"{escape(f['kind'])}</span></td><td class=\"sev-{escape(f['severity'])}\">"
                     f"{escape(f['severity_zh'] or f['severity'])}</td><td>{escape(f['message'])}</td></tr>")
        h.append("</table>")
    else:
        h.append('<p class="empty">没有提示 / no flags</p>')
    return h


def _missing_html(page: SchoolPage) -> list[str]:
    """The missing parts section."""
    h = ["<h2>缺失部分 Missing parts</h2>"]
    if page.missing:
        h.append("<ul>" + "".join(
            f"<li>{m['year']}：{'附表' + str(m['number']) + ' ' if m['kind'] == 'table' and m['number'] else ''}"
            f"{escape(m['title'])} — {'缺失 missing' if m['status'] == 'missing' else '无内容 empty'}"
            f" [{escape(m['severity'] or '')}]</li>" for m in page.missing) + "</ul>")
    else:
        h.append('<p class="empty">模板要求的部分和附表都有 / every required part and table is there</p>')
    return h


def _corrections_html(page: SchoolPage) -> list[str]:
    """The corrections section (nothing when there are none)."""
    if not page.corrections:
        return []
    h = ["<h2>人工更正 Corrections</h2><ul>"]
    for c in page.corrections:
        what = c["name_zh"] or c["metric"] or f"{FIELDS.get(c['field'], '')} {c['field']}".strip()
        new = "剔除 excluded" if c["exclude"] else (c["text"] or fmt_number(c["value"]))
        h.append(f"<li>✎ {c['year']} {escape(what)} → {escape(new)}（{escape(c['who'] or '')}，"
                 f"{escape(c['at'] or '')}）{escape(c['note'] or '')}</li>")
    h.append("</ul>")
    return h
