"""Figures in indicator tables (附表: 计分卡, 教学资源表, 服务贡献表, 落实政策表 …).

These tables are laid out as 序号 / 指标 / 单位 / year columns.  Row labels are
mapped to metric ids through ``table_labels`` in ``rules/metrics.yaml`` (a
trailing ``*`` or a "其中：" prefix still matches); every year column is read
and stored with its own year, so the previous year's column is never taken for
the report year; the unit column converts the value (万元 → 元).
"""
from __future__ import annotations

import re

from nianbao.ingest.model import TABLE, Block, Document

from .facts import Metric, Provenance
from .metric_rules import MetricRules
from .numbers import find_quantities, normalize, parse_number

_YEAR_HEAD = re.compile(r"^(?:((?:19|20)\d\d)\s*[-—–~至]\s*)?((?:19|20)\d\d)\s*(?:年度|年|学年|届)?(?:数据|值)?$")
_LABEL_HEADS = ("指标", "项目", "名称", "内容", "类别")
_VALUE_HEADS = ("数值", "数量", "指标值", "值", "本年", "当年", "本年度")
_TOTAL_ROWS = ("合计", "总计", "全校合计", "全院合计", "总数", "全校", "全院")
_NOT_FILLED = ("不填报", "不适用", "无", "—", "-", "/", "／", "——")


def _compact(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s or "")


def _columns(header: list[str], report_year: int | None):
    """Find the label, unit and year columns of a header row; ``years`` is
    empty when the row is not a header row."""
    label_col = unit_col = None
    years: dict[int, int] = {}
    suffixed = False
    for c, h in enumerate(header):
        h = _compact(h)
        m = _YEAR_HEAD.match(h)
        if m:
            years[c] = int(m.group(2))
            suffixed = suffixed or not h.isdigit()
        elif h in ("单位", "计量单位"):
            unit_col = c
        elif label_col is None and (h in _LABEL_HEADS or h in ("指标名称", "项目名称", "指标项目")):
            label_col = c
        elif report_year and h in _VALUE_HEADS:
            years[c] = report_year
            suffixed = True
        elif report_year and h in ("上年", "上年度", "去年"):
            years[c] = report_year - 1
            suffixed = True
    if years and not (suffixed or label_col is not None or unit_col is not None):
        years = {}
    return label_col, unit_col, years


def _convert(cell_text: str, unit: str, kind: str):
    """The value of one cell in the rule's canonical unit, or None when the
    cell holds no figure or its unit does not fit the metric."""
    t = _compact(cell_text)
    if not t or any(t == w or t.startswith(w) for w in _NOT_FILLED):
        return None, False
    u = _compact(unit).replace("/生", "").replace("/人", "").replace("每生", "")
    if kind == "ratio":
        m = re.match(r"^(\d+(?:\.\d+)?)(?:[:：∶]1)?$", t)
        return (float(m.group(1)), False) if m else (None, False)
    if u in ("", "-", "—") or not u:
        qs = [q for q in find_quantities(t) if q.start == 0]
        if qs and qs[0].end >= len(t) - 1:
            return (qs[0].value, qs[0].approximate) if _kind_ok(qs[0].kind, kind) else (None, False)
        parsed = parse_number(t)
        if parsed is None or kind in ("yuan", "m2"):
            return None, False          # a bare amount of money or area is ambiguous
        return parsed[0], parsed[1]
    parsed = parse_number(t)
    if parsed is None:
        return None, False
    value, approx = parsed
    if u in ("%", "％"):
        return (value, approx) if kind == "percent" else (None, False)
    norm = normalize(value, u)
    if norm is None:
        return None, False
    v, _unit, qkind = norm
    return (v, approx) if _kind_ok(qkind, kind) else (None, False)


def _kind_ok(qkind: str, kind: str) -> bool:
    from .metric_rules import KIND_QUANTITY
    want = KIND_QUANTITY[kind]
    return qkind == want or {qkind, want} == {"persons", "count"}


class TableExtractor:
    def __init__(self, rules: MetricRules):
        self.rules = rules

    def extract(self, doc: Document, report_year: int | None) -> list[Metric]:
        out: list[Metric] = []
        for t in doc.blocks:
            if t.kind == TABLE and t.rows and not any(
                    w in (t.title or "") for w in self.rules.context.get("skip_tables", [])):
                out.extend(self._table(doc, t, report_year))
        return out

    def _table(self, doc: Document, t: Block, report_year) -> list[Metric]:
        grid = t.filled_grid()
        out = []
        label_col = unit_col = None
        years: dict[int, int] = {}
        col_rules: dict = {}
        section = " > ".join(doc.section_path_at(t.span[0]))
        for r, row in enumerate(grid):
            lc, uc, ys = _columns(row, report_year)
            if ys:
                label_col, unit_col, years = lc, uc, ys
                if label_col is None:
                    label_col = 1 if len(row) > 2 and _compact(row[0]) in ("序号", "") else 0
                # a cross-tab: metrics in the row above, years below, totals in 合计
                col_rules = self._column_rules(grid[r - 1], ys) if r > 0 else {}
                continue
            if not years:
                continue
            if col_rules and _compact(row[0]) in _TOTAL_ROWS:
                for c, (rule, unit) in col_rules.items():
                    out.extend(self._emit(doc, t, grid, r, c, rule, unit, years[c], section,
                                          f"{_compact(grid[r - 1][c]) if r else ''}合计"))
                continue
            if label_col is None or label_col >= len(row):
                continue
            rule = self.rules.by_label(row[label_col])
            if rule is None:
                continue
            unit = row[unit_col] if unit_col is not None and unit_col < len(row) else ""
            for c, year in years.items():
                out.extend(self._emit(doc, t, grid, r, c, rule, unit, year, section, _compact(row[label_col])))
        return out

    def _column_rules(self, above: list[str], years: dict[int, int]) -> dict:
        out = {}
        for c in years:
            if c >= len(above):
                continue
            m = re.match(r"^(.*?)[（(]([^）)]*)[)）]$", _compact(above[c]))
            label, unit = (m.group(1), m.group(2)) if m else (_compact(above[c]), "")
            rule = self.rules.by_label(label)
            if rule is not None:
                out[c] = (rule, unit)
        return out

    def _emit(self, doc, t, grid, r, c, rule, unit, year, section, label) -> list[Metric]:
        if c >= len(t.rows[r]):
            return []
        cell = t.rows[r][c]
        if not cell.is_origin:
            return []
        value, approx = _convert(cell.text, unit, rule.kind)
        if value is None:
            return []
        return [Metric(
            metric=rule.id, value=value, unit=rule.unit, year=year, raw=f"{cell.text}{_compact(unit)}",
            approximate=approx, name_zh=rule.name_zh,
            prov=Provenance(page=t.page, section=section,
                            sentence=f"{t.title or ''}: " + " | ".join(x for x in grid[r] if x),
                            start=cell.span[0] if cell.span else None, end=cell.span[1] if cell.span else None,
                            rule=f"{rule.id}/table:{label}", source="table", table=t.order, row=r, col=c))]
