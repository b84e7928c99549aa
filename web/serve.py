"""``nianbao serve``: the database in Datasette, read-only.

:func:`make_datasette` builds the Datasette instance (tests use its client;
no server needed) with metadata generated here: Chinese and English
descriptions of every table, view and column (metric columns with their
units, from ``metric_defs``), facets on school, year, metric and flag kind,
Chinese full-text search on ``sections`` (the ``sections_fts`` index) and
canned queries 就业率排名, 缺失附表的学校, 同比变化 and 全文搜索.

The database is opened immutable (after a WAL checkpoint) so nothing can
change it and Datasette can cache counts; ``live=True`` opens it read-only
instead (``mode=ro``) so that a re-ingest shows up without a restart.

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
    "school_flags": ("审核问题及其学校、年度、文件（视图）/ review flags with school, year and file (view)", {
        "kind": "类型 / kind", "severity": "严重度 / severity", "message": "说明 / message"}),
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
}

HIDDEN = ("document_models", "_meta", FTS_TABLE)

_YEAR = "cast(coalesce(nullif(:year, ''), (select max(year) from metric_chosen)) as integer)"

QUERIES = {
    "就业率排名": {
        "title": "就业率排名 / employment rate ranking",
        "description": "某年度各校就业率（毕业去向落实率）由高到低；year 留空为最近年度；⚠ 表示报告中有不同数值 / schools by "
                       "employment rate for a year (empty = latest); ⚠ = conflicting values in the report",
        "sql": f"""select rank() over (order by value desc) as 名次, school as 学校, year as 年度, level as 层次,
       province as 省份, value as "就业率(%)",
       case when conflict = 1 then '⚠ ' || values_stated else '' end as 冲突,
       source_kind as 来源类型, page as 页, sentence as 原文, path as 文件
from metric_chosen
where metric = 'employment_rate' and year = {_YEAR}
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
        "description": "某指标（metric 为指标编号，默认 students_fulltime）各校本年与上年的数值和变化；上年数取上年报告，"
                       "没有上年报告时取本年报告所列的上年数 / a metric this year and last year per school: last "
                       "year from last year's report, else the previous-year figure quoted in this year's report",
        "sql": f"""with p as (select coalesce(nullif(:metric, ''), 'students_fulltime') as metric, {_YEAR} as year),
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
}


def database_name(db_path) -> str:
    return Path(db_path).stem


def build_metadata(db_path, defs=None) -> dict:
    """Datasette metadata for the database at ``db_path``."""
    if defs is None:
        store = open_for_reading(db_path)
        try:
            defs = metric_defs_from_db(store.db)
        finally:
            store.close()
    tables: dict[str, dict] = {}
    for name, (desc, cols) in TABLES.items():
        t = {"description": desc}
        if cols:
            t["columns"] = dict(cols)
        if name in FACETS:
            t["facets"] = list(FACETS[name])
        tables[name] = t
    wide_cols = tables["metric_wide"].setdefault("columns", {})
    for d in defs:
        wide_cols[d.id] = f"{d.name_zh}（{d.unit}）/ {d.name_en} ({d.unit_en})"
    for name in ("metric_values", "metric_chosen", "metric_wide", "school_flags"):
        base = dict(TABLES["metric_values"][1])
        base.update(tables[name].get("columns", {}))
        tables[name]["columns"] = base
    tables["sections"].update({"fts_table": FTS_TABLE, "fts_pk": "rowid", "label_column": "title"})
    tables["documents"]["label_column"] = "school"
    for h in HIDDEN:
        tables[h] = {"hidden": True}
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
    return escape_fts(q)


@hookimpl(trylast=True)
def prepare_connection(conn):
    """Datasette hook (this module is registered as the plugin ``nianbao``)."""
    conn.create_function("nianbao_fts", 1, _nianbao_fts)
    conn.create_function("nianbao_snippet", 2, _nianbao_snippet)
    # runs after Datasette's own (trylast): the search box on table pages
    conn.create_function("escape_fts", 1, _escape_fts)


def _register_plugin() -> None:
    import sys

    from datasette.plugins import pm
    if pm.get_plugin("nianbao") is None:
        pm.register(sys.modules[__name__], name="nianbao")


# ---------------------------------------------------------------------------
def prepare_database(db_path) -> None:
    """Upgrade the schema if needed, rebuild a missing or stale search index,
    and checkpoint the WAL so an immutable open sees every row."""
    store = open_for_reading(db_path)
    try:
        status = index_status(store.db.conn)
    finally:
        store.close()
    conn = sqlite3.connect(str(db_path), timeout=60)
    try:
        if status != "ok":
            rebuild(conn)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # a read-only file: nothing to checkpoint from here
            pass
    finally:
        conn.close()


def make_datasette(db_path, *, live: bool = False, settings: dict | None = None, prepare: bool = True):
    """The Datasette instance serving ``db_path`` read-only."""
    from datasette.app import Datasette
    db_path = str(Path(db_path).resolve())
    if prepare:
        prepare_database(db_path)
    _register_plugin()
    opts = {"sql_time_limit_ms": 5000, "default_page_size": 50, "allow_facet": True, "suggest_facets": False}
    opts.update(settings or {})
    return Datasette(files=[db_path] if live else [], immutables=[] if live else [db_path],
                     metadata=build_metadata(db_path), settings=opts)


def serve(db_path, *, host: str = "127.0.0.1", port: int = 8001, live: bool = False) -> None:
    """Run Datasette until interrupted."""
    import asyncio

    import uvicorn
    ds = make_datasette(db_path, live=live)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
