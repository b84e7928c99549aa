"""Outline check: does a report have the parts and appendix tables its
official template requires?

The template is chosen by level (中职 / 高职 / 区域) and covered year from
``rules/templates/report-templates.yaml``.  Headings are matched to the
template's parts BY MEANING: titles are normalised (numbering, spaces,
quotes, suffixes 质量/工作/情况/建设/方面, prefixes 学校/本校/我校 removed — see
``rules/review.yaml``), then compared exact to the canonical title, exact to a
synonym, then by synonym substring.  A part may be matched by a level-2
heading when no level-1 heading matches it (seed: 9.1面临挑战), and — when
the parser missed a heading — by a short numbered line in the body
("2人才培养").  Appendix tables are matched by title, never by number.

The matcher works on simple records (:class:`HeadingRec`, :class:`TableRec`)
built either from a parsed :class:`~ingest.model.Document` or from the
``sections`` and ``tables`` rows of the database, so ``nianbao check`` runs on
a database and extraction runs it on the document: both give the same result.

Findings (flag kinds): ``missing_part``, ``missing_table``, ``empty_part``,
``part_order``.  A missing part or table is an error only when it is required
and both the template and the part are backed by evidence (provenance found
or seed); otherwise a warning.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from nianbao.extractors.facts import Flag
from nianbao.registry import checks

from .rules import review_rules, templates

RULE = "review/outline"


# ---------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------
@dataclass
class HeadingRec:
    order: int
    level: int
    number: str | None
    title: str
    text: str = ""               # body text directly under the heading (tables included)
    has_children: bool = False
    page: int | None = None

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}".strip() if self.number else self.title

    @property
    def has_body(self) -> bool:
        return bool(self.text.strip())


@dataclass
class TableRec:
    order: int
    title: str | None
    number: str | None = None
    page: int | None = None
    section: str = ""
    first_row: list[str] = field(default_factory=list)


def _with_children(heads: list[HeadingRec]) -> list[HeadingRec]:
    for i, h in enumerate(heads):
        nxt = heads[i + 1] if i + 1 < len(heads) else None
        h.has_children = bool(nxt and nxt.level > h.level)
    return heads


def records_from_rows(section_rows, table_rows) -> tuple[list[HeadingRec], list[TableRec]]:
    """Records from ``sections`` and ``tables`` rows (dicts with the columns
    of those tables; ``cells`` as stored, a JSON grid)."""
    heads = [HeadingRec(order=r["order"], level=r["level"] or 1, number=r["number"], title=r["title"] or "",
                        text=r["text"] or "", page=r["page"])
             for r in sorted(section_rows, key=lambda r: r["order"])]
    tabs = []
    for r in sorted(table_rows, key=lambda r: r["order"]):
        cells = r.get("cells")
        if isinstance(cells, str):
            try:
                cells = json.loads(cells)
            except ValueError:
                cells = None
        first = [c for c in (cells[0] if cells else []) if c]
        tabs.append(TableRec(order=r["order"], title=r.get("title"), number=r.get("number"), page=r.get("page"),
                             section=r.get("section") or "", first_row=first))
    return _with_children(heads), tabs


def records_from_document(doc) -> tuple[list[HeadingRec], list[TableRec]]:
    """Records from a parsed document — the same rows the store writes."""
    from nianbao.store.db import section_rows, table_rows
    return records_from_rows(section_rows(doc, 0), table_rows(doc, 0))


def records_from_db(db, document_id: int) -> tuple[list[HeadingRec], list[TableRec]]:
    """Records from the database (a sqlite_utils.Database or sqlite3 connection)."""
    conn = getattr(db, "conn", db)
    cur = conn.execute('select "order", level, number, title, text, page from sections '
                       'where document_id = ? order by "order"', (document_id,))
    cols = [d[0] for d in cur.description]
    sections = [dict(zip(cols, r)) for r in cur.fetchall()]
    cur = conn.execute('select "order", title, number, page, section, cells from tables '
                       'where document_id = ? order by "order"', (document_id,))
    cols = [d[0] for d in cur.description]
    tables = [dict(zip(cols, r)) for r in cur.fetchall()]
    return records_from_rows(sections, tables)


# ---------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------
class Normaliser:
    def __init__(self, cfg: dict):
        self.numbering = re.compile(cfg["numbering"])
        self.remove = [c.encode().decode("unicode_escape") if c.startswith("\\u") else c for c in cfg["remove"]]
        self.suffixes = sorted(cfg["strip_suffixes"], key=len, reverse=True)
        self.prefixes = sorted(cfg["strip_prefixes"], key=len, reverse=True)
        self.min_chars = int(cfg.get("min_chars", 2))

    def strip_number(self, title: str) -> str:
        return self.numbering.sub("", title or "", count=1)

    def __call__(self, title: str) -> str:
        t = self.strip_number(title)
        for c in self.remove:
            t = t.replace(c, "")
        t = re.sub(r"\s+", "", t)
        changed = True
        while changed:
            changed = False
            for s in self.suffixes:
                if t.endswith(s) and len(t) - len(s) >= self.min_chars:
                    t, changed = t[:-len(s)], True
            for p in self.prefixes:
                if t.startswith(p) and len(t) - len(p) >= self.min_chars:
                    t, changed = t[len(p):], True
        return t


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------
def choose_template(level: str | None, year: int | None, cfg: dict | None = None) -> tuple[dict | None, bool]:
    """The template for a document's level (中职 / 高职 / 区域) and covered year,
    and whether the year is one the template covers (False: nearest year
    used, findings warn only).  (None, False) when the level is unknown."""
    cfg = cfg or review_rules()
    key = (cfg.get("levels") or {}).get(level or "", None)
    cands = [t for t in templates() if t.get("level") == key]
    if not cands:
        return None, False
    if year is not None:
        for t in cands:
            if year in (t.get("years") or []):
                return t, True
        return min(cands, key=lambda t: min(abs(year - y) for y in t.get("years") or [0])), False
    return max(cands, key=lambda t: max(t.get("years") or [0])), False


@dataclass
class Part:
    id: str
    title: str
    required: bool
    provenance: str
    index: int
    names: list[str]             # normalised canonical title first, then synonyms
    weak: list[str]
    keywords: list[str]


def _parts(template: dict, norm: Normaliser, cfg: dict) -> list[Part]:
    extra = cfg.get("part_synonyms") or {}
    weak = cfg.get("weak_synonyms") or {}
    kw = cfg.get("body_keywords") or {}
    out = []
    for i, s in enumerate(template.get("sections") or []):
        names: list[str] = []
        for n in [s["title"], *(s.get("synonyms") or []), *(extra.get(s["id"]) or [])]:
            n = norm(str(n))
            if n and n not in names:
                names.append(n)
        out.append(Part(id=s["id"], title=s["title"], required=bool(s.get("required")),
                        provenance=str(s.get("provenance") or "inferred"), index=i, names=names,
                        weak=[norm(w) for w in weak.get(s["id"], [])], keywords=list(kw.get(s["id"], []))))
    return out


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
@dataclass
class Item:
    """One line of the checklist: a template part or appendix table."""
    kind: str                    # "part" / "table"
    id: str
    title: str
    required: bool
    provenance: str
    number: int | None = None    # official appendix number
    status: str = "missing"      # ok / missing / empty / order / body_line
    found: str = ""              # the heading, table title or line that matched
    page: int | None = None
    how: str = ""                # exact_canonical / exact_synonym / synonym_substring / weak / level2 / body_line
    severity: str | None = None  # of the finding, when there is one
    note: str = ""


@dataclass
class OutlineResult:
    template: str | None
    exact_year: bool
    level: str | None
    year: int | None
    items: list[Item] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    note: str = ""


# ---------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------
def _score(h: str, part: Part, sub_min: int) -> tuple[int, str]:
    if not h:
        return 0, ""
    if h == part.names[0]:
        return 3, "exact_canonical"
    if h in part.names[1:]:
        return 2, "exact_synonym"
    if any(len(n) >= sub_min and n in h for n in part.names):
        return 1, "synonym_substring"
    return 0, ""


def _weak(h: HeadingRec, hn: str, part: Part, sub_min: int) -> bool:
    if not part.weak or not part.keywords:
        return False
    if not any(hn == w or (len(w) >= sub_min and w in hn) for w in part.weak):
        return False
    return any(k in h.text for k in part.keywords)


def _match_level(heads: list[HeadingRec], level: int, parts: list[Part], norm: Normaliser,
                 sub_min: int) -> dict[str, tuple[HeadingRec, str]]:
    """Best heading of one level for each part.  A heading with an exact
    match serves only the parts it matches exactly."""
    cand: dict[str, list[tuple[int, int, HeadingRec, str]]] = {}
    for h in heads:
        if h.level != level:
            continue
        hn = norm(h.title)
        scored = [(p, *_score(hn, p, sub_min)) for p in parts]
        best = max((s for _, s, _ in scored), default=0)
        for p, s, how in scored:
            if s == 0 or (best >= 2 and s < 2):
                continue
            cand.setdefault(p.id, []).append((s, h.has_body or h.has_children, -h.order, h, how))
        if best == 0:
            for p in parts:
                if _weak(h, hn, p, sub_min):
                    cand.setdefault(p.id, []).append((0, True, -h.order, h, "weak_synonym"))
    # best score, then a heading with content (not a table-of-contents entry), then the first
    out = {}
    for pid, c in cand.items():
        best_c = max(c, key=lambda x: (x[0], x[1], x[2]))
        out[pid] = (best_c[3], best_c[4])
    return out


def _skip_section(h: HeadingRec, patterns) -> bool:
    t = re.sub(r"\s+", "", h.title or "")
    return any(p.search(t) for p in patterns)


def _body_line_match(heads, parts_left: list[Part], norm: Normaliser, cfg: dict) -> dict[str, tuple[HeadingRec, str]]:
    fb = cfg.get("body_line_fallback") or {}
    if not fb:
        return {}
    num = re.compile(fb["number"])
    skip = [re.compile(p) for p in fb.get("skip_sections", [])]
    max_chars = int(fb.get("max_chars", 30))
    out: dict[str, tuple[HeadingRec, str]] = {}
    for h in heads:
        if _skip_section(h, skip):
            continue
        for line in (h.text or "").split("\n"):
            s = line.strip()
            if not s or "\t" in line or len(s) > max_chars or not num.match(s):
                continue
            if re.search(r"(\.{3,}|…{2,}|·{3,})", s):
                continue
            ln = norm(s)
            for p in parts_left:
                if p.id not in out and ln in p.names:
                    out[p.id] = (h, s)
    return out


def _narrative_keyword(heads, part: Part, cfg: dict) -> tuple[HeadingRec, str, str] | None:
    """A keyword of the part in the narrative (table lines and appendix /
    contents sections excluded): the sentence it is in."""
    skip = [re.compile(p) for p in (cfg.get("body_line_fallback") or {}).get("skip_sections", [])]
    for h in heads:
        if _skip_section(h, skip):
            continue
        for line in (h.text or "").split("\n"):
            if "\t" in line:
                continue
            for k in part.keywords:
                i = line.find(k)
                if i >= 0:
                    a = max(line.rfind(c, 0, i) for c in "。；！？") + 1
                    ends = [j for j in (line.find(c, i) for c in "。；！？") if j >= 0]
                    b = min(ends) + 1 if ends else len(line)
                    return h, k, line[a:b].strip()[:200]
    return None


def _severity(required: bool, part_prov: str, template: dict, exact_year: bool, cfg: dict) -> str:
    evidence = set(cfg.get("evidence") or ["found", "seed"])
    if required and exact_year and str(template.get("provenance")) in evidence and part_prov in evidence:
        return "error"
    return "warning"


def _outline_summary(heads: list[HeadingRec]) -> str:
    tops = [h.label for h in heads if h.level == 1]
    return "；".join(tops)[:300]


def _lis(seq: list[int]) -> set[int]:
    """Indices of one longest non-decreasing subsequence of ``seq``."""
    n = len(seq)
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if seq[j] <= seq[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    if not n:
        return set()
    i = max(range(n), key=lambda k: best[k])
    keep = set()
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep


def _table_candidates(heads: list[HeadingRec], tables: list[TableRec], cfg: dict) -> list[tuple[str, int | None, str]]:
    """(text, page, where) of everything that may name an appendix table."""
    ap = cfg["appendix"]
    line_rx = re.compile(ap["candidate_line"])
    sec_rx = re.compile(ap["appendix_section"])
    out: list[tuple[str, int | None, str]] = []
    for t in tables:
        for s in (t.title, f"{t.number or ''}{t.title or ''}" if t.number and t.title and t.number not in t.title else None):
            if s:
                out.append((s, t.page, "table"))
        if len(t.first_row) == 1:
            out.append((t.first_row[0], t.page, "table_first_row"))
    for h in heads:
        label = f"{h.number or ''}{h.title}"
        if line_rx.match(label) or line_rx.match(h.title or ""):
            out.append((label, h.page, "heading"))
        for line in (h.text or "").split("\n"):
            s = line.strip()
            if s and "\t" not in line and len(s) <= 40 and line_rx.match(s):
                out.append((s, h.page, "line"))
    # headings under an appendix section (附表 > 人才培养质量计分卡)
    in_app = None
    for h in heads:
        if in_app is not None and h.level <= in_app:
            in_app = None
        if sec_rx.match(re.sub(r"\s+", "", h.title or "")):
            in_app = h.level
            continue
        if in_app is not None:
            out.append((h.title, h.page, "heading"))
    return out


def _table_title_norm(s: str, norm: Normaliser, cfg: dict) -> str:
    ap = cfg["appendix"]
    s = re.sub(r"\s+", "", s or "")
    s = re.sub(ap["number_prefix"], "", s, count=1)
    s = re.sub(ap["trailing_paren"], "", s)
    return norm(s)


@dataclass
class _Run:
    """One document checked against one template: what every step needs."""
    heads: list[HeadingRec]
    tables: list[TableRec]
    template: dict
    exact: bool
    cfg: dict
    norm: Normaliser
    sub_min: int
    res: OutlineResult

    @property
    def tid(self) -> str:
        return self.template["id"]

    def template_source(self, value) -> dict:
        """A flag's source pointing at the template (the official notice it is based on)."""
        return {"value": value, "page": None, "section": f"模板 template {self.tid}",
                "sentence": str(self.template.get("basis") or "")}

    def severity(self, provenance: str) -> str:
        return _severity(True, provenance, self.template, self.exact, self.cfg)


def check_outline(heads: list[HeadingRec], tables: list[TableRec], level: str | None, year: int | None,
                  cfg: dict | None = None) -> OutlineResult:
    """Check one document's outline against its template (chosen by level
    and covered year): an :class:`OutlineResult` with an :class:`Item` per
    part and appendix table of the template and the flags (missing_part,
    empty_part, part_order, missing_table)."""
    cfg = cfg or review_rules()
    template, exact = choose_template(level, year, cfg)
    res = OutlineResult(template=template.get("id") if template else None, exact_year=exact, level=level, year=year)
    if template is None:
        res.note = f"层次未知，未检查大纲 / level unknown ({level!r}): outline not checked"
        return res
    if not exact:
        res.note = (f"{year}年无对应模板，按 {template['id']} 检查，仅作提示 / no template covers {year}: "
                    f"checked against {template['id']}, findings are warnings only")
    run = _Run(heads, tables, template, exact, cfg, Normaliser(cfg["normalise"]),
               int(cfg["normalise"].get("substring_min_chars", 3)), res)
    parts = _parts(template, run.norm, cfg)
    placed = _check_parts(run, parts)
    _check_order(run, parts, placed)
    _check_tables(run)
    return res


def _check_parts(run: _Run, parts: list[Part]) -> dict[str, tuple[HeadingRec, str]]:
    """An item per part: found as a heading (top level, else the level
    below), as a body line, or missing.  Returns the parts found as headings."""
    heads = run.heads
    top = min((h.level for h in heads), default=1)
    matched = _match_level(heads, top, parts, run.norm, run.sub_min)
    level2 = _match_level(heads, top + 1, [p for p in parts if p.id not in matched], run.norm, run.sub_min)
    body = _body_line_match(heads, [p for p in parts if p.id not in matched and p.id not in level2], run.norm,
                            run.cfg)
    for p in parts:
        item = Item(kind="part", id=p.id, title=p.title, required=p.required, provenance=p.provenance)
        run.res.items.append(item)
        hit = matched.get(p.id) or level2.get(p.id)
        if hit:
            _part_found(run, p, item, hit, how=hit[1] if p.id in matched else f"level{top + 1}:{hit[1]}")
        elif p.id in body:
            h, line = body[p.id]
            item.status, item.found, item.page, item.how = "ok", line, h.page, "body_line"
            item.note = f"标题未被识别，见正文行 / heading not recognised, found as a body line under {h.label}"
        elif not p.required:
            item.status = "absent"
        else:
            _part_missing(run, p, item)
    return {**level2, **matched}


def _part_found(run: _Run, p: Part, item: Item, hit: tuple[HeadingRec, str], how: str) -> None:
    h = hit[0]
    item.status, item.found, item.page, item.how = "ok", h.label, h.page, how
    if h.has_body or h.has_children:
        return
    item.status, item.severity = "empty", "warning"
    item.note = "标题下没有内容 / heading with no text under it"
    run.res.flags.append(Flag(
        kind="empty_part", severity="warning", rule=f"{RULE}/empty_part",
        message=(f"部分“{p.title}”只有标题、没有内容（{h.label}）/ part {p.title} ({p.id}) has a heading "
                 f"but no text: {h.label}"),
        source_a={"value": h.label, "page": h.page, "section": h.label, "sentence": ""},
        source_b=run.template_source(p.title)))


def _part_missing(run: _Run, p: Part, item: Item) -> None:
    """A required part with no heading: an error where the template is backed
    by evidence, a warning when the text mentions the part's keywords."""
    sev = run.severity(p.provenance)
    kw = _narrative_keyword(run.heads, p, run.cfg) if p.keywords else None
    found_b = {"value": None, "page": None, "section": "大纲 outline", "sentence": _outline_summary(run.heads)}
    extra = ""
    if kw:
        sev = "warning"
        h, k, sentence = kw
        found_b = {"value": k, "page": h.page, "section": h.label, "sentence": sentence}
        extra = f"；正文提到“{k}”（{h.label}）/ the text mentions {k} under {h.label}"
        item.note = f"无此标题，但正文提到“{k}” / no heading, but the text mentions {k}"
    item.severity = sev
    run.res.flags.append(Flag(
        kind="missing_part", severity=sev, rule=f"{RULE}/missing_part",
        message=(f"缺少{'必备' if sev == 'error' else ''}部分：{p.title}{extra} / "
                 f"{'required ' if sev == 'error' else ''}part missing: {p.title} ({p.id}) "
                 f"[template {run.tid}, provenance {p.provenance}]"),
        source_a=run.template_source(p.title), source_b=found_b))


def _check_order(run: _Run, parts: list[Part], found: dict[str, tuple[HeadingRec, str]]) -> None:
    """Parts out of the template's order (outside the longest run in order): part_order warnings."""
    cfg_order = run.cfg.get("order") or {}
    placed = [(i, p) for i, p in enumerate(parts)
              if (p.required or not cfg_order.get("required_only", True)) and p.id in found]
    placed.sort(key=lambda ip: found[ip[1].id][0].order)
    keep = _lis([p.index for _, p in placed])
    for k, (_, p) in enumerate(placed):
        if k in keep:
            continue
        earlier = next((q for _, q in placed[:k] if q.index > p.index), None)
        later = next((q for _, q in placed[k + 1:] if q.index < p.index), None)
        _order_flag(run, p, found[p.id][0], earlier or later, found, bool(earlier))


def _order_flag(run: _Run, p: Part, h: HeadingRec, q: Part | None, found: dict, earlier: bool) -> None:
    hq = found[q.id][0] if q else None
    where_zh, where_en = ("之后", "after") if earlier else ("之前", "before")
    should_zh, should_en = ("前", "before") if earlier else ("后", "after")
    item = next(it for it in run.res.items if it.kind == "part" and it.id == p.id)
    if item.status == "ok":
        item.status = "order"
    item.severity = item.severity or "warning"
    item.note = (item.note + "；" if item.note else "") + "顺序与模板不同 / out of the template's order"
    run.res.flags.append(Flag(
        kind="part_order", severity="warning", rule=f"{RULE}/part_order",
        message=(f"部分顺序与模板不同：“{p.title}”（{h.label}）排在“{q.title if q else '?'}”"
                 f"（{hq.label if hq else '?'}）{where_zh}，模板中应在其{should_zh} / part {p.title} comes "
                 f"{where_en} {q.title if q else '?'}; template {run.tid} puts it {should_en}"),
        source_a={"value": h.label, "page": h.page, "section": h.label, "sentence": ""},
        source_b={"value": hq.label if hq else None, "page": hq.page if hq else None,
                  "section": hq.label if hq else "", "sentence": ""}))


def _check_tables(run: _Run) -> None:
    """An item per appendix table of the template, matched by title (never number)."""
    cfg, norm = run.cfg, run.norm
    syn = (cfg.get("appendix") or {}).get("title_synonyms") or {}
    cands = [(_table_title_norm(s, norm, cfg), s, page, where)
             for s, page, where in _table_candidates(run.heads, run.tables, cfg)]
    for t in run.template.get("appendix_tables") or []:
        names = []
        for n in [t["title"], *(t.get("synonyms") or []), *(syn.get(t["id"]) or [])]:
            n = _table_title_norm(str(n), norm, cfg)
            if n and n not in names:
                names.append(n)
        item = Item(kind="table", id=t["id"], title=t["title"], required=bool(t.get("required")),
                    provenance=str(t.get("provenance") or "inferred"), number=t.get("number"))
        run.res.items.append(item)
        hit = _table_hit(cands, names, run.sub_min)
        if hit:
            item.status, item.found, item.page, item.how = "ok", hit[0], hit[1], hit[2]
        elif not item.required:
            item.status = "absent"
        else:
            _table_missing(run, t, item, cands)


def _table_hit(cands, names: list[str], sub_min: int) -> tuple[str, int | None, str] | None:
    """The first candidate title equal to a name, else the first containing one."""
    hit = None
    for cn, raw, page, _ in cands:
        if not cn:
            continue
        if cn in names:
            return (raw, page, "exact")
        if hit is None and any(len(n) >= sub_min and n in cn for n in names):
            hit = (raw, page, "substring")
    return hit


def _table_missing(run: _Run, t: dict, item: Item, cands) -> None:
    sev = item.severity = run.severity(item.provenance)
    num = f"附表{t['number']} " if t.get("number") else ""
    present = "；".join(dict.fromkeys(raw for _, raw, _, where in cands if where == "table"))[:300]
    run.res.flags.append(Flag(
        kind="missing_table", severity=sev, rule=f"{RULE}/missing_table",
        message=(f"缺少附表：{num}{t['title']} / appendix table missing: {num}{t['title']} ({t['id']}) "
                 f"[template {run.tid}, provenance {item.provenance}]"),
        source_a=run.template_source(t["title"]),
        source_b={"value": None, "page": None, "section": "表格 tables", "sentence": present}))


def check_document(doc, level: str | None, year: int | None) -> OutlineResult:
    heads, tabs = records_from_document(doc)
    return check_outline(heads, tabs, level, year)


@checks.register("outline")
def outline_flags(doc, facts) -> list:
    """The registered check: the flags of :func:`check_document` for the
    document's level and covered year."""
    return check_document(doc, facts.attributes.get("level"), facts.attributes.get("year")).flags


def check_db(db, document_id: int) -> OutlineResult:
    conn = getattr(db, "conn", db)
    row = conn.execute("select level, year from documents where id = ?", (document_id,)).fetchone()
    level, year = (row[0], row[1]) if row else (None, None)
    heads, tabs = records_from_db(db, document_id)
    return check_outline(heads, tabs, level, year)
