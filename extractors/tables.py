"""Figures in indicator tables (附表: 计分卡, 教学资源表, 服务贡献表, 落实政策表 …).

These tables are laid out as 序号 / 指标 / 单位 / year columns, sometimes with
a 类别 column (学生规模 / 就业质量 …) before 指标 and a header of two rows (年度
over 2022年 / 2023年).  Row labels are mapped to metric ids through
``table_labels`` in ``rules/metrics.yaml`` (a trailing ``*`` or a "其中："
prefix still matches); the label column is the one whose cells name metrics,
wherever it stands; every year column is read and stored with its own year,
so the previous year's column is never taken for the report year; the unit
column converts the value (万元 → 元).
"""
from __future__ import annotations

import re

from nianbao.ingest.model import TABLE, Block, Document

from .facts import Metric, Provenance
from .metric_rules import MetricRules
from .numbers import find_quantities, normalize, parse_number

_YEAR_HEAD = re.compile(r"^(?:((?:19|20)\d\d)\s*[-—–~至]\s*)?((?:19|20)\d\d)\s*(?:年度|年|学年|届)?(?:数据|值)?$")
#: a year with a word after it: "2024年实际" (the year's value), "2025年计划" (not a value)
_YEAR_WORD_HEAD = re.compile(r"^((?:19|20)\d\d)\s*(?:年度|年|学年|届)\s*(\S+)$")
#: a trailing unit in a row label: "全日制在校生数（人）", "占地面积(亩)"
_LABEL_UNIT = re.compile(r"^(.+?)[（(]([^（）()]{1,6})[)）]$")
#: header words of the label column, strongest first (类别 names a category column)
_LABEL_HEADS = ("指标", "指标名称", "项目", "项目名称", "指标项目", "名称", "内容", "类别")
_VALUE_HEADS = ("数值", "数量", "指标值", "值", "本年", "当年", "本年度")
_TOTAL_ROWS = ("合计", "总计", "全校合计", "全院合计", "总数", "全校", "全院")
_NOT_FILLED = ("不填报", "不适用", "无", "—", "-", "/", "／", "——")


def _compact(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s or "")


def _columns(header: list[str], report_year: int | None, actual_words=()):
    """Find the label, unit and year columns of a header row; ``years`` is
    empty when the row is not a header row.  A year with a word after it is
    a year column when the word says the value is the year's own
    (``actual_words``: 2024年实际); any other word (2025年计划) makes it no
    value column."""
    label_col = unit_col = None
    label_rank = len(_LABEL_HEADS)
    years: dict[int, int] = {}
    suffixed = False
    for c, h in enumerate(header):
        h = _compact(h)
        m = _YEAR_HEAD.match(h)
        w = None if m else _YEAR_WORD_HEAD.match(h)
        if m:
            years[c] = int(m.group(2))
            suffixed = suffixed or not h.isdigit()
        elif w and w.group(2) in actual_words:
            years[c] = int(w.group(1))
            suffixed = True
        elif h in ("单位", "计量单位"):
            unit_col = c
        elif h in _LABEL_HEADS and (label_col is None or _LABEL_HEADS.index(h) < label_rank):
            label_col, label_rank = c, _LABEL_HEADS.index(h)
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
        if qs and qs[0].end >= len(t) - 1 and qs[0].kind != "number":      # a bare number: read below
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
        ctx = rules.context
        #: words in a year column's header that make it no value of the report's own
        #: (目标值, 全省平均 …), and words after a year that make it the year's value (实际)
        self.skip_columns = tuple(str(w) for w in ctx.get("table_skip_columns", []))
        self.actual_words = tuple(str(w) for w in ctx.get("table_actual_words", []))

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
        section = " > ".join(doc.section_path_at(t.span[0]))
        by_year = self._year_rows(doc, t, grid, section)
        if by_year is not None:
            return by_year
        heads = {r: h for r, row in enumerate(grid) if (h := _columns(row, report_year, self.actual_words))[2]}
        label_col = unit_col = None
        years: dict[int, int] = {}
        col_rules: dict = {}
        for r, row in enumerate(grid):
            if r in heads:
                label_col, unit_col, years = self._header(grid, r, heads)
                # a cross-tab: metrics in the row above, years below, totals in 合计
                col_rules = self._column_rules(grid[r - 1], years) if r > 0 else {}
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
            rule, unit = self._row_rule(row[label_col])
            if rule is None:
                continue
            if unit_col is not None and unit_col < len(row):
                unit = row[unit_col]
            for c, year in years.items():
                out.extend(self._emit(doc, t, grid, r, c, rule, unit, year, section, _compact(row[label_col])))
        return out

    def _year_rows(self, doc: Document, t: Block, grid: list[list[str]], section: str) -> list[Metric] | None:
        """A table with the metrics across its first row and one row per year
        (年份 | 招生数（人） | 在校生数（人） …, then 2023 | …): every year's
        row read with its own year; None when the table is not laid out so."""
        if not grid:
            return None
        head = grid[0]
        cols = {c: ru for c, h in enumerate(head) if (ru := self._row_rule(h))[0] is not None}
        if len(cols) < 2:
            return None
        out, found = [], False
        for r, row in enumerate(grid[1:], start=1):
            first = 1 if len(row) > 2 and re.fullmatch(r"\d{1,2}", _compact(row[0])) else 0    # after a 序号
            m = _YEAR_HEAD.match(_compact(row[first])) if row else None
            year = int(m.group(2)) if m else None
            if year is None:
                continue
            found = True
            for c, (rule, unit) in cols.items():
                out.extend(self._emit(doc, t, grid, r, c, rule, unit, year, section, _compact(head[c])))
        return out if found else None

    def _row_rule(self, label: str):
        """(metric rule, unit) a row label names: the unit in brackets after
        the label ("全日制在校生数（人）") when the label alone is a metric's."""
        rule = self.rules.by_label(label)
        if rule is not None:
            return rule, ""
        m = _LABEL_UNIT.match(_compact(label))
        if m and (rule := self.rules.by_label(m.group(1))) is not None:
            return rule, m.group(2)
        return None, ""

    def _value_columns(self, grid: list[list[str]], r: int, years: dict[int, int]) -> dict[int, int]:
        """The year columns of the header row ``r`` whose headers — the rows
        above it, and a row of words under it (2024年 over 目标值 | 完成值) —
        name no target or other entity (``table_skip_columns``: 目标值,
        全省平均 …)."""
        # (a row that reads the same in every cell is a caption spanning the table —
        # "2024年目标任务完成情况" — and says nothing of one column)
        stack = [grid[k] for k in range(max(0, r - 2), r) if len({_compact(x) for x in grid[k]}) > 1]
        if r + 1 < len(grid) and self._sub_header(grid[r + 1], years):
            stack.append(grid[r + 1])
        return {c: y for c, y in years.items()
                if not any(c < len(row) and any(w in _compact(row[c]) for w in self.skip_columns) for row in stack)}

    def _sub_header(self, row: list[str], years: dict[int, int]) -> bool:
        """A row of words under a header row: no metric label, and no figure in the year columns."""
        return not any(self.rules.by_label(x) for x in row) and not any(
            c < len(row) and parse_number(_compact(row[c])) is not None for c in years)

    def _header(self, grid: list[list[str]], r: int, heads: dict) -> tuple[int | None, int | None, dict]:
        """(label column, unit column, {column: year}) of the header row ``r``
        and the body under it.  A header of two rows (年度 over 2022年 /
        2023年) may name 指标 and 单位 only in the row above.  The label column
        is the one whose cells name metrics (a leading 类别 column of
        学生规模 / 就业质量 … names none); the header's own 指标 column wins a tie."""
        label_col, unit_col, years = heads[r]
        years = self._value_columns(grid, r, years)
        for above in grid[max(0, r - 2):r][::-1]:
            lc, uc, _ = _columns(above, None)
            label_col = label_col if label_col is not None else lc
            unit_col = unit_col if unit_col is not None else uc
        end = next((k for k in sorted(heads) if k > r), len(grid))
        by_content = self._label_column(grid[r + 1:end], years, unit_col, label_col)
        if by_content is not None:
            return by_content, unit_col, years
        if label_col is None:
            row = grid[r]
            label_col = 1 if len(row) > 2 and _compact(row[0]) in ("序号", "") else 0
        return label_col, unit_col, years

    def _label_column(self, body: list[list[str]], years: dict, unit_col, preferred) -> int | None:
        """The column whose cells name the most metrics (None when none does)."""
        n = max((len(row) for row in body), default=0)
        counts = {c: sum(1 for row in body if c < len(row) and self.rules.by_label(row[c]) is not None)
                  for c in range(n) if c not in years and c != unit_col}
        best = max(counts.values(), default=0)
        if not best:
            return None
        ties = [c for c, k in counts.items() if k == best]
        return preferred if preferred in ties else ties[-1]

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
