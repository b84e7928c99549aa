"""``nianbao serve``: the database in Datasette, read-only.

:func:`make_datasette` builds the Datasette instance (tests use its client;
no server needed) with metadata generated here: Chinese and English
descriptions of every table, view and column (metric columns with their
units, from ``metric_defs``), facets on school, year, metric and flag kind,
Chinese full-text search on ``sections`` (the ``sections_fts`` index) and
canned queries 就业率排名, 缺失附表的学校, 同比变化 and 全文搜索.

The database is opened read-only (``mode=ro``) by default: an ingest may
rewrite it while Datasette serves it (SQLite's WAL gives every request a
consistent snapshot, and new documents show without a restart).  Where the
WAL cannot be shared — a read-only folder or file system, where nobody can
be writing — it is opened ``immutable=1``; ``immutable=True`` asks for that
(after a WAL checkpoint) when no ingest will run, so Datasette can cache
counts.  Either way nothing is written through Datasette.

A small in-process plugin registers two SQL functions, ``nianbao_fts(q)``
(a user's query → the FTS5 expression of ``store/search.py``) and
``nianbao_snippet(text, q)``, and makes Datasette's own ``escape_fts`` —
used by the search box on table pages — hand queries containing Han
characters to ``nianbao_fts``, so the search box finds 县, 就业 or 产教融合
inside sentences.  Queries without Han characters are escaped as Datasette
always does.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from datasette import hookimpl

from nianbao.store.compare import metric_defs_from_db, open_for_reading
from nianbao.store.search import _CJK, FTS_TABLE, fts_query, highlight_pattern, index_status, rebuild, snippet

TITLE = "年报 nianbao — 职业教育质量年度报告 / vocational schools' annual quality reports"

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "documents": ("报告文件：每个文件一行（学校、年度、层次、地区、解析状态）/ one row per report file: school, "
                  "report year, level, region, parse status", {
                      "id": "文件编号 / document id", "path": "文件路径 / file path",
                      "sha256": "内容哈希 / content hash", "format": "格式 / format (docx, pdf, txt)",
                      "pages": "页数 / pages (PDF)", "chars": "字符数 / characters",
                      "school": "学校 / school", "year": "报告年度（报告所覆盖的年份）/ report year (the year covered)",
                      "level": "层次：中职 / 高职 / 区域 / level", "region": "地区 / region",
                      "title": "标题 / title", "title_year": "标题中的年份 / year in the title",
                      "status": "状态：ok / ocr（含OCR识别页）/ failed / needs_ocr / status", "error": "失败原因 / why it failed",
                      "parser": "解析器 / parser", "rules_version": "规则版本 / rules version",
                      "size": "字节数 / bytes", "warnings": "解析警告 / parser warnings",
                      "ingested_at": "入库时间（UTC）/ ingested at (UTC)"}),
    "document_paths": ("文件名：同一内容见过的每个路径 / every path a document was seen under", {}),
    "pages": ("页面：每页字符数与状态（ok / empty / garbage / ocr）/ pages: characters and status", {}),
    "sections": ("章节：标题、层级、编号、页码和标题下的正文；可全文搜索（中文分词）/ sections: heading, level, "
                 "numbering, page and the text under it; full-text searchable (Chinese)", {
                     "document_id": "文件编号 / document id", "order": "块序号 / block order",
                     "level": "标题层级 / heading level", "number": "编号（如 一、（一）1.1）/ numbering as written",
                     "title": "标题 / heading", "path": "章节路径 / heading path", "page": "页码 / page",
                     "start": "起始位置 / start offset", "end": "结束位置 / end offset",
                     "text": "标题下的正文 / the text directly under the heading"}),
    "tables": ("表格：完整单元格（JSON）/ tables with their full grid of cells (JSON)", {}),
    "metrics": ("指标数值：每个抽取的数值及其来源 / every extracted figure with its source", {
        "metric": "指标编号 / metric id (see metric_defs)", "name_zh": "指标名称 / metric name",
        "value": "数值（已规范化）/ normalized value", "unit": "规范单位 / canonical unit",
        "year": "数值所属年度 / the year the value refers to", "approximate": "约数 1 / approximate",
        "raw": "原始写法 / as written", "source": "来源类型：text 正文 / table 表格 / source kind",
        "page": "页码 / page", "section": "章节路径 / heading path", "sentence": "原文 / source text",
        "origin": "读取方式：file 文本 / ocr 图像识别 / how the text was read",
        "confidence": "OCR置信度（0–1，数字中最低）/ OCR confidence (lowest of the figure's digits)"}),
    "candidates": ("待审候选：与指标词相连、但因线索（变化量、计划、部分、其他主体…）未计入指标的数值；不参与对比 / review "
                   "candidates: figures bound to a metric term but kept out of metrics by a cue (a change, a "
                   "target, a part, another entity …); never compared", {
                       "metric": "指标编号 / metric id", "value": "数值（已规范化）/ normalized value",
                       "unit": "规范单位 / canonical unit", "year": "数值所属年度 / the year the value would refer to",
                       "reason": "未计入的原因 / why it was kept out (change, target, subset, part, other_entity, "
                                 "region, cumulative …)",
                       "raw": "原始写法 / as written", "page": "页码 / page", "section": "章节路径 / heading path",
                       "sentence": "原文 / source text", "rule": "规则 / rule"}),
    "awards": ("获奖：竞赛、级别、奖项、人员 / awards: competition, level, prize, person", {
        "competition": "竞赛 / competition", "level": "级别：国家 / 省 / 市 … / level", "event": "赛项 / event",
        "prize": "奖项 / prize", "person": "获奖人 / person", "role": "角色 / role",
        "year": "年度 / year", "sentence": "原文 / source text"}),
    "flags": ("审核问题：冲突、缺失章节、缺失附表、超出范围 … / review flags", {
        "kind": "类型 / kind (conflict, missing_part, missing_table, empty_part, out_of_range …)",
        "severity": "严重度 / severity", "metric": "指标 / metric", "message": "说明 / message",
        "source_a": "来源A（JSON）/ source A", "source_b": "来源B（JSON）/ source B", "rule": "规则 / rule"}),
    "metric_defs": ("指标定义：编号、中文名称、单位、类别、说明 / metric definitions (rules/metrics.yaml + catalog)", {
        "id": "指标编号 / metric id", "position": "顺序 / order", "name_zh": "中文名称 / Chinese name",
        "unit": "单位（中文）/ unit", "kind": "类别 / kind", "description": "说明 / description",
        "unit_en": "单位（英文）/ unit (English)", "name_en": "英文名称 / English name"}),
    "metric_values": ("每个数值及其学校、年度与来源（视图）/ every value with school, year and source (view)", {
        "school": "学校 / school", "year": "报告年度 / report year", "level": "层次 / level",
        "region": "地区 / region", "province": "省份 / province", "metric": "指标编号 / metric id",
        "name_zh": "指标名称 / metric name", "value": "数值 / value", "unit": "单位 / unit",
        "unit_en": "规范单位 / canonical unit", "approximate": "约数 1 / approximate",
        "path": "文件 / document path", "page": "页码 / page", "section": "章节 / section",
        "sentence": "原文 / source text", "source_kind": "来源类型：text 正文 / table 表格",
        "document_id": "文件编号 / document id", "metric_year": "数值所属年度 / year the value refers to",
        "is_report_year": "1 = 数值年度即报告年度（用于对比）/ the value is for the report year",
        "raw": "原始写法 / as written", "rule": "规则 / rule", "value_id": "metrics.id",
        "origin": "读取方式：file 文本 / ocr 图像识别 / how the text was read",
        "confidence": "OCR置信度 / OCR confidence"}),
    "metric_chosen": ("每个学校、年度、指标一个数值：有附表取附表，否则取首次出现；conflict = 报告中有不同数值（视图）/ one "
                      "value per school, year and metric: the table value if any, else the first; conflict = "
                      "the report states different values (view)", {
                          "n_values": "该年度数值个数 / values stated for the year",
                          "n_distinct": "不同数值个数 / distinct values",
                          "conflict": "1 = 冲突 / conflicting values", "values_stated": "所有不同数值 / every value"}),
    "metric_wide": ("学校对比表：每个学校和年度一行，每个指标一列（空 = 报告未说明）（视图）/ schools × metrics: one row per "
                    "school and year, one column per metric (empty = not stated) (view)", {
                        "school": "学校 / school", "year": "报告年度 / report year", "level": "层次 / level",
                        "region": "地区 / region", "province": "省份 / province",
                        "documents": "文件数 / documents", "conflicts": "冲突指标数 / metrics with conflicting values",
                        "conflict_metrics": "冲突指标 / conflicting metrics", "document_ids": "文件编号 / document ids"}),
    "school_flags": ("审核问题及其学校、年度、文件；同一报告的多个文件只列一次（视图）/ review flags with school, year "
                     "and files; a flag found in several copies of one report once (view)", {
                         "kind": "类型编号 / kind id", "kind_zh": "类型 / kind (Chinese)",
                         "severity": "严重度编号 / severity id", "severity_zh": "严重度 / severity (Chinese)",
                         "message": "说明 / message", "name_zh": "指标名称 / metric name",
                         "flag_id": "flags.id", "report_id": "报告编号（主文件的 documents.id）/ report id"}),
    "metric_values_all": ("所有文件的全部数值，含同一报告的其他副本和被取代的旧文件（视图）/ every value of every file, "
                          "copies and superseded files included (view)", {
                              "is_primary": "1 = 该报告信息最全的文件 / the report's primary copy",
                              "superseded_by": "被哪份报告取代（documents.id）/ superseded by report"}),
    "reports": ("报告：同一学校同一年度的 .docx/.pdf/.txt 计为一份，较新的文件取代较旧的（视图）/ reports: copies of "
                "one report counted once; a newer file supersedes the older (view)", {
                    "report_id": "报告编号（主文件的 documents.id）/ report id (its primary copy)",
                    "path": "主文件：信息最全的一份（有页码和表格）/ primary copy", "format": "主文件格式 / format",
                    "pages": "页数 / pages", "files": "该报告的全部文件 / every file of the report",
                    "n_files": "文件数 / files", "supersedes": "被取代的旧文件 / older files it superseded",
                    "is_report": "0 = 不像质量年报 / not a quality report"}),
    "corrections": ("人工更正：数值、剔除、学校名称、层次、年度；重新入库后仍然有效 / corrections made by a person; "
                    "they survive re-ingesting", {
                        "school": "学校 / school", "year": "报告年度 / report year",
                        "field": "字段：metric 指标 / school / level / year", "metric": "指标编号 / metric id",
                        "value": "更正后的数值 / corrected value", "text": "更正后的文字（学校、层次）/ corrected text",
                        "exclude": "1 = 剔除该数值 / value excluded", "note": "说明 / note",
                        "who": "更正人 / who", "at": "时间（UTC）/ when (UTC)"}),
    "corrections_replaced": ("被新更正替换的旧更正（原样保留）/ corrections as they were before a newer one of the "
                             "same report and field replaced them", {
                                 "id": "更正编号（新更正沿用）/ correction number (the newer one keeps it)",
                                 "replaced_at": "被替换的时间（UTC）/ when it was replaced (UTC)"}),
}

#: columns of the views added by corrections (metric_chosen and metric_wide)
CORRECTION_COLUMNS = {
    "corrected": "1 = 人工更正 ✎ / corrected by a person", "excluded": "1 = 人工剔除 / excluded by a person",
    "correction_id": "corrections.id", "correction_note": "更正说明 / note of the correction",
    "extracted_value": "更正前抽取的数值 / the value extracted", "files": "该报告的全部文件 / every file of the report",
    "corrected_metrics": "人工更正的指标 / corrected metrics",
}

FACETS = {
    "documents": ["school", "year", "level", "status"],
    "metric_values": ["school", "year", "metric", "source_kind"],
    "metric_chosen": ["school", "year", "metric", "conflict"],
    "metric_wide": ["year", "level", "province"],
    "school_flags": ["kind", "school", "year", "severity"],
    "flags": ["kind", "severity", "metric"],
    "awards": ["level", "prize"],
    "metrics": ["metric", "source"],
    "candidates": ["metric", "reason"],
    "reports": ["year", "level"],
}

HIDDEN = ("document_models", "_meta", FTS_TABLE)

def _latest_year(metric_sql: str) -> str:
    """SQL: the ``year`` parameter, or the latest report year with a value of the metric."""
    return (f"cast(coalesce(nullif(:year, ''), (select max(year) from metric_chosen where metric = {metric_sql} "
            f"and value is not null)) as integer)")


#: SQL: the metric parameter as an id — an id or a Chinese name (就业率), default students_fulltime
_METRIC = ("coalesce((select id from metric_defs where id = trim(:metric) or name_zh = trim(:metric)), "
           "case when trim(:metric) = '' then 'students_fulltime' end)")

QUERIES = {
    "就业率排名": {
        "title": "就业率排名 / employment rate ranking",
        "description": "某年度各校就业率（毕业去向落实率）由高到低；year 留空为有就业率数据的最近年度；⚠ 表示报告中有不同"
                       "数值，✎ 表示人工更正 / schools by employment rate for a year (empty = the latest year with "
                       "employment rates); ⚠ = conflicting values in the report, ✎ = corrected",
        "sql": f"""select rank() over (order by value desc) as 名次, school as 学校, year as 年度, level as 层次,
       province as 省份, value as "就业率(%)",
       case when corrected = 1 then '✎ ' || coalesce(correction_note, '人工更正')
            when conflict = 1 then '⚠ ' || values_stated else '' end as 标记,
       source_kind as 来源类型, page as 页, sentence as 原文, files as 文件
from metric_chosen
where metric = 'employment_rate' and value is not null and year = {_latest_year("'employment_rate'")}
order by value desc, school""",
    },
    "缺失附表的学校": {
        "title": "缺失附表的学校 / schools missing an appendix table",
        "description": "审核标记为缺少附表（missing_table）的报告 / reports the review flagged missing_table",
        "sql": """select school as 学校, year as 年度, level as 层次, message as 说明, max(severity) as 严重度,
       count(*) as 文件数, group_concat(path, '; ') as 文件
from school_flags where kind = 'missing_table'
group by school, year, message
order by year desc, school, message""",
    },
    "同比变化": {
        "title": "同比变化 / year-on-year change",
        "description": "某指标（metric 填指标编号或中文名，如 招生人数、enrolment_new，默认 全日制在校生）各校本年与上年的"
                       "数值和变化；year 留空为有该指标数据的最近年度；上年数取上年报告，没有上年报告时取本年报告所列的上年数 / a "
                       "metric (id or Chinese name) this year and last year per school: last year from last year's "
                       "report, else the previous-year figure quoted in this year's report",
        "sql": f"""with m as (select {_METRIC} as metric),
p as (select m.metric, {_latest_year("(select metric from m)")} as year from m),
cur as (select c.school, c.name_zh, c.unit, c.value from metric_chosen c, p
        where c.metric = p.metric and c.year = p.year),
prev_report as (select c.school, c.value from metric_chosen c, p
                where c.metric = p.metric and c.year = p.year - 1),
prev_quoted as (select school, value from (
    select v.school, v.value, row_number() over (partition by v.school
           order by case when v.source_kind = 'table' then 0 else 1 end, v.document_id, v.value_id) as rn
    from metric_values v, p where v.metric = p.metric and v.year = p.year and v.metric_year = p.year - 1)
  where rn = 1)
select cur.school as 学校, cur.name_zh as 指标, cur.unit as 单位,
       coalesce(pr.value, pq.value) as 上年, cur.value as 本年,
       round(cur.value - coalesce(pr.value, pq.value), 2) as 变化,
       round(100.0 * (cur.value - coalesce(pr.value, pq.value)) / coalesce(pr.value, pq.value), 1) as "变化率(%)",
       case when pr.value is not null then '上年报告 / last year''s report'
            when pq.value is not null then '本年报告所列上年数 / quoted in this report' end as 上年数来源
from cur left join prev_report pr on pr.school = cur.school left join prev_quoted pq on pq.school = cur.school
order by "变化率(%)" is null, "变化率(%)", cur.school""",
    },
    "全文搜索": {
        "title": "全文搜索 / full-text search",
        "description": "在各报告章节正文中搜索中文词语或短语（一个字、两个字或更长均可），多个词用空格分开 / search the "
                       "reports' section text for Chinese words or phrases of any length",
        "sql": f"""select d.school as 学校, d.year as 年度, s.path as 章节, s.page as 页,
       nianbao_snippet(s.text, :q) as 摘要, d.path as 文件, s.document_id, s."order"
from {FTS_TABLE} f join sections s on s.rowid = f.rowid join documents d on d.id = s.document_id
where {FTS_TABLE} match nianbao_fts(:q)
order by bm25({FTS_TABLE}, 2.0, 1.0, 0.0, 0.0), d.school limit 100""",
    },
    "人工更正": {
        "title": "人工更正 / corrections",
        "description": "人工更正或剔除的数值，及更正前抽取的数值、更正人、时间和说明 / values corrected or excluded by a "
                       "person, with the value extracted, who, when and the note",
        "sql": """select c.school as 学校, c.year as 年度, coalesce(md.name_zh, c.field) as 指标,
       case when c.exclude = 1 then '剔除 excluded' else coalesce(c.text, c.value) end as 更正为,
       (select ch.extracted_value from metric_chosen ch where ch.correction_id = c.id) as 抽取值,
       c.note as 说明, c.who as 更正人, c.at as 时间
from corrections c left join metric_defs md on md.id = c.metric
order by c.id""",
    },
}


def database_name(db_path) -> str:
    return Path(db_path).stem


def table_columns(db_path) -> dict[str, list[str]]:
    """Table or view → its columns, read from the database (or from a new
    empty one in memory when ``db_path`` does not exist), so every view's
    metadata describes the columns it has."""
    from nianbao.store.db import connect
    try:
        db = connect(db_path, readonly=True) if Path(db_path).exists() else connect(":memory:")
    except Exception:   # an unreadable file: describe what TABLES lists
        return {}
    try:
        return {name: [r[1] for r in db.conn.execute(f'PRAGMA table_info("{name}")')] for name in TABLES}
    finally:
        db.conn.close()


def build_metadata(db_path, defs=None) -> dict:
    """Datasette metadata for the database at ``db_path``."""
    if defs is None:
        store = open_for_reading(db_path)
        try:
            defs = metric_defs_from_db(store.db)
        finally:
            store.close()
    tables = _tables_metadata(table_columns(db_path), _column_texts(defs))
    units = "；".join(f"{d.name_zh} {d.unit}" for d in defs)
    return {
        "title": TITLE,
        "description": ("学校对比请看 metric_wide（每校每年一行）和 metric_values（每个数值及其来源）；数值已规范化："
                        f"{units}。/ Compare schools in metric_wide; every value and its source is in "
                        "metric_values.  Values are normalized: money in yuan, areas in m², percentages 0–100, "
                        "ratios as x of x:1."),
        "databases": {database_name(db_path): {
            "description": "职业教育质量年度报告数据库 / annual quality reports database",
            "tables": tables,
            "queries": {k: dict(v) for k, v in QUERIES.items()},
        }},
    }


def _column_texts(defs) -> dict[str, str]:
    """Every column description by column name (the first table's text wins),
    for views that share a column; metric ids described by their names and units."""
    known: dict[str, str] = {}
    for _, cols in TABLES.values():
        for c, text in cols.items():
            known.setdefault(c, text)
    known.update({c: t for c, t in CORRECTION_COLUMNS.items() if c not in known})
    known.update({d.id: f"{d.name_zh}（{d.unit}）/ {d.name_en} ({d.unit_en})" for d in defs})
    return known


def _tables_metadata(present: dict[str, list[str]], known: dict[str, str]) -> dict[str, dict]:
    """Datasette's per-table metadata: description, the described columns
    present in the database, facets, search and label columns, hidden tables."""
    tables: dict[str, dict] = {}
    for name, (desc, own) in TABLES.items():
        t = {"description": desc}
        cols = {c: own.get(c) or known.get(c) for c in present.get(name, own)}
        cols = {c: text for c, text in cols.items() if text}
        if cols:
            t["columns"] = cols
        if name in FACETS:
            t["facets"] = list(FACETS[name])
        tables[name] = t
    tables["sections"].update({"fts_table": FTS_TABLE, "fts_pk": "rowid", "label_column": "title"})
    tables["documents"]["label_column"] = "school"
    for h in HIDDEN:
        tables[h] = {"hidden": True}
    return tables


# ---------------------------------------------------------------------------
# the plugin: SQL functions for Chinese full-text search
# ---------------------------------------------------------------------------
def _nianbao_fts(q):
    expr = fts_query(q or "")
    return expr or '"nianbao_empty_query"'


def _nianbao_snippet(text, q):
    s, _ = snippet(text or "", highlight_pattern(q or ""))
    return s


def _escape_fts(q):
    from datasette.utils import escape_fts
    if q and _CJK.search(q):
        return _nianbao_fts(q)
    # a query of quotes alone escapes to nothing, which FTS5 refuses: no rows instead
    return escape_fts(q or "").strip() or '"nianbao_empty_query"'


@hookimpl(trylast=True)
def prepare_connection(conn):
    """Datasette hook (this module is registered as the plugin ``nianbao``)."""
    conn.create_function("nianbao_fts", 1, _nianbao_fts)
    conn.create_function("nianbao_snippet", 2, _nianbao_snippet)
    # runs after Datasette's own (trylast): the search box on table pages
    conn.create_function("escape_fts", 1, _escape_fts)


@hookimpl
def asgi_wrapper():
    """Datasette hook: a blank search box (``?_search=`` or spaces) is no
    search — the table as without one, not "Invalid SQL"."""
    def wrap(app):
        async def blank_search_dropped(scope, receive, send):
            if scope.get("type") == "http" and b"_search" in scope.get("query_string", b""):
                scope = dict(scope, query_string=_without_blank_search(scope["query_string"]))
            await app(scope, receive, send)
        return blank_search_dropped
    return wrap


def _without_blank_search(query_string: bytes) -> bytes:
    """The query string without ``_search`` / ``_search_COLUMN`` parameters
    whose value is blank."""
    from urllib.parse import parse_qsl, urlencode
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs
            if not (k.startswith("_search") and k != "_searchmode" and not v.strip())]
    return query_string if len(kept) == len(pairs) else urlencode(kept, encoding="latin-1").encode("latin-1")


@hookimpl
def register_routes():
    """Datasette hook: the chart page ``/-/chart?metric=…`` (a metric id or
    Chinese name): the metric across schools and years as an SVG bar chart
    (:mod:`nianbao.web.charts`), no script and nothing from the network."""
    return [(r"^/-/chart$", chart_page)]


async def chart_page(request, datasette):
    from html import escape

    from datasette.utils.asgi import Response

    from nianbao.web.charts import bar_chart
    db = datasette.get_database()
    want = (request.args.get("metric") or "employment_rate").strip()
    defs = (await db.execute("select id, name_zh, unit from metric_defs order by position")).rows
    metric = next((d for d in defs if want in (d["id"], d["name_zh"])), None)
    links = " · ".join(f'<a href="?metric={escape(d["id"])}">{escape(d["name_zh"])}</a>' for d in defs)
    body = "<p>未知指标 / unknown metric</p>"
    if metric is not None:
        rows = (await db.execute("select school, year, value, corrected, approximate from metric_chosen "
                                 "where metric = ? and value is not null order by school, year",
                                 [metric["id"]])).rows
        groups: dict[str, dict] = {}
        marks = {}
        for r in rows:
            groups.setdefault(r["school"], {})[r["year"]] = r["value"]
            marks[(r["school"], r["year"])] = "✎" if r["corrected"] else "≈" if r["approximate"] else ""
        svg = bar_chart(list(groups.items()), title=f"{metric['name_zh']}（{metric['unit']}）",
                        unit=metric["unit"], width=max(720, 110 * len(groups)), height=340, marks=marks)
        body = svg or "<p>没有数值 / no values</p>"
    html = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>图表 chart</title></head>'
            f'<body style="font-family:sans-serif;margin:20px"><h1>各校指标图表 / a metric across schools and years'
            f'</h1><p><a href="/">← 返回 back</a></p>{body}<p style="font-size:12px;line-height:1.8">{links}</p>'
            f"</body></html>")
    return Response.html(html)


def _register_plugin() -> None:
    import sys

    from datasette.plugins import pm
    if pm.get_plugin("nianbao") is None:
        pm.register(sys.modules[__name__], name="nianbao")


# ---------------------------------------------------------------------------
def prepare_database(db_path, *, checkpoint: bool = False) -> None:
    """Upgrade the schema if needed and rebuild a missing or stale search
    index, where the database can be written; with ``checkpoint``, fold the
    WAL into the file so an immutable open sees every row."""
    from nianbao.store.db import writable_place
    from nianbao.store.errors import storage_errors
    with storage_errors(db_path):
        store = open_for_reading(db_path)
        try:
            status = index_status(store.db.conn)
        finally:
            store.close()
        if not writable_place(str(db_path)) or (status == "ok" and not checkpoint):
            return
        conn = sqlite3.connect(str(db_path), timeout=60)
        try:
            if status != "ok":
                rebuild(conn)
            if checkpoint:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def open_immutable(db_path, requested: bool = False) -> bool:
    """Whether to serve ``db_path`` immutable: when asked, or when its folder
    or file cannot be written (no ingest can run there, and SQLite cannot
    share a WAL there)."""
    from nianbao.store.db import writable_place
    return requested or not writable_place(str(db_path))


def make_datasette(db_path, *, immutable: bool = False, settings: dict | None = None, prepare: bool = True,
                   live: bool | None = None):
    """The Datasette instance serving ``db_path`` read-only: ``mode=ro``
    (safe while an ingest writes), or immutable when ``immutable`` or where
    the database cannot be written (see :func:`open_immutable`).  ``live``:
    the former name of the default (``live=False`` = ``immutable=True``).
    Raises :class:`nianbao.store.StorageError` for a database that cannot be read."""
    from datasette.app import Datasette
    if live is not None:
        immutable = not live
    db_path = str(Path(db_path).resolve())
    frozen = open_immutable(db_path, immutable)
    if prepare:
        prepare_database(db_path, checkpoint=frozen)
    _register_plugin()
    _plain_error_log()
    opts = {"sql_time_limit_ms": 5000, "default_page_size": 50, "allow_facet": True, "suggest_facets": False}
    opts.update(settings or {})
    return Datasette(files=[] if frozen else [db_path], immutables=[db_path] if frozen else [],
                     metadata=build_metadata(db_path), settings=opts)


def _plain_error_log() -> None:
    """A request Datasette answers with an error page (a 404 for
    ``/robots.txt``, a bad filter) prints no 170-line ``rich`` traceback to
    the console — ``rich`` comes with ``typer``, and Datasette uses it when
    it is installed; a real failure (500) still prints Python's traceback."""
    from datasette import handle_exception
    handle_exception.rich = None


class ServeError(OSError):
    """The server cannot listen: ``busy`` is True when the port is taken."""

    def __init__(self, message: str, busy: bool = False):
        super().__init__(message)
        self.busy = busy


def check_port(host: str, port: int) -> None:
    """Raise :class:`ServeError` when nothing can listen on ``host:port``: a
    port another program holds (``busy``), or any other reason (a wrong
    address, a port that needs rights), in Chinese and English."""
    import errno
    import socket
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ServeError(f"无法识别的地址 / unknown address {host}: {e}") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        if hasattr(socket, "SO_REUSEADDR") and not hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
                raise ServeError(f"端口 {port} 已被占用（也许 nianbao serve 已在运行），请换一个端口：--port {port + 1} / "
                                 f"port {port} is already in use (is nianbao serve already running?); choose "
                                 f"another with --port", busy=True) from None
            raise ServeError(f"无法在 {host}:{port} 监听 / cannot listen on {host}:{port}: {e.strerror or e}") from None


def serve(db_path, *, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False, ready=None) -> None:
    """Run Datasette until interrupted (see :func:`make_datasette`);
    :class:`ServeError` when it cannot listen on ``host:port`` (checked
    before the database is prepared); ``ready()`` is called once the
    database has been opened."""
    import asyncio

    import uvicorn
    check_port(host, port)
    ds = make_datasette(db_path, immutable=immutable)
    if ready:
        ready()
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
