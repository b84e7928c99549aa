"""Contradiction checks on one document (rules in ``rules/checks.yaml``).

Each check raises a :class:`~extractors.facts.Flag` citing both sources
(``source_a`` / ``source_b``: value, page, section, sentence):

``sum_mismatch``      parts that do not add up to their stated total, in the
                      narrative ("1359人（其中中职1214人、技工315人）"), and
                      appendix-table "其中" rows larger than their parent row
``out_of_range``      a percentage above 100 or below 0, a count that is not
                      whole, a negative figure
``implausible``       a magnitude implausible for a whole school (equipment
                      worth 2,749 yuan), or a total smaller than the same
                      thing per student
``derived_mismatch``  生师比 that disagrees with 在校生 ÷ 专任教师 beyond a
                      lenient tolerance

Same-metric conflicts are extraction's own (``extractors.extract.conflict_flags``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extractors.extract import source_of
from nianbao.extractors.facts import Facts, Flag, Metric
from nianbao.extractors.numbers import find_quantities, normalize, parse_number
from nianbao.ingest.model import PARAGRAPH, TABLE, Document
from nianbao.registry import checks

from .rules import check_rules

RULE = "review/checks"
_OPEN, _CLOSE = "（(", "）)"
_SENT_END = "。！？!?\n"


def _fmt(v: float) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")


def _sentence(text: str, a: int, b: int) -> str:
    s = max(text.rfind(c, 0, a) for c in "。！？!?；;\n") + 1
    ends = [j for j in (text.find(c, b) for c in "。！？!?；;\n") if j >= 0]
    e = min(ends) + 1 if ends else len(text)
    return text[s:e].strip()


# ---------------------------------------------------------------------------
# parts vs total, in the narrative
# ---------------------------------------------------------------------------
def _depth0(text: str, a: int, b: int) -> tuple[str, list[bool]]:
    """text[a:b] with nested parentheses removed, and a mask of depth-0 chars."""
    depth, out, mask = 0, [], []
    for ch in text[a:b]:
        if ch in _OPEN:
            depth += 1
            mask.append(False)
            continue
        if ch in _CLOSE:
            depth = max(0, depth - 1)
            mask.append(False)
            continue
        mask.append(depth == 0)
        if depth == 0:
            out.append(ch)
    return "".join(out), mask


def _in_number(text: str, j: int) -> bool:
    """A comma between digits is a thousands separator (1,106人), not a break."""
    return (text[j] in ",，" and 0 < j < len(text) - 1 and text[j - 1].isdigit()
            and text[j + 1:j + 4].isdigit())


def _enumeration(text: str, start: int, seps: str):
    """Clauses after the marker: [(a, b)], and whether the enumeration ended
    naturally (sentence end or the closing parenthesis of its group)."""
    i = start
    while i < len(text) and text[i] in "：:，, \t":
        i += 1
    clauses, depth, a = [], 0, i
    for j in range(i, len(text)):
        ch = text[j]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            if depth == 0:
                clauses.append((a, j))
                return clauses, j
            depth -= 1
        elif depth == 0 and ch in _SENT_END:
            clauses.append((a, j))
            return clauses, j
        elif depth == 0 and ch in seps and not _in_number(text, j):
            clauses.append((a, j))
            a = j + 1
    clauses.append((a, len(text)))
    return clauses, len(text)


def _complete_group(labels: list[str], groups: list[list[str]]) -> bool:
    for g in groups:
        if len(g) != len(labels):
            continue
        if all(any(lab.startswith(m) or lab.endswith(m) or m in lab for lab in labels) for m in g) and \
                all(sum(m in lab for m in g) == 1 for lab in labels):
            return True
    return False


@dataclass
class _SumRules:
    """``checks.yaml`` ``sum_mismatch``, compiled, and the document's text metrics by position."""
    cfg: dict
    gap_rx: re.Pattern
    seps: str
    kinds: set
    tol: dict
    metrics_at: dict

    @classmethod
    def make(cls, cfg: dict, facts: Facts | None) -> "_SumRules":
        metrics_at = {m.prov.start: m for m in (facts.metrics if facts else [])
                      if m.prov.source == "text" and m.prov.start is not None}
        return cls(cfg, re.compile(cfg["gap"]), "".join(cfg["separators"]), set(cfg["kinds"]),
                   cfg.get("tolerance") or {}, metrics_at)


def sum_mismatch_flags(doc: Document, facts: Facts | None = None, cfg: dict | None = None) -> list[Flag]:
    """``sum_mismatch`` in the narrative: a total, a marker (其中) and parts
    that exceed it (or fall short of a complete group such as 男/女)."""
    cfg = (cfg or check_rules())["sum_mismatch"]
    rules = _SumRules.make(cfg, facts)
    flags = []
    for b in doc.blocks:
        if b.kind != PARAGRAPH or not b.text or not any(mk in b.text for mk in cfg["markers"]):
            continue
        quants = [q for q in find_quantities(b.text) if q.kind not in ("year", "date")]
        for marker in cfg["markers"]:
            for mm in re.finditer(re.escape(marker), b.text):
                f = _sum_at(doc, b, mm.start(), mm.end(), quants, rules)
                if f:
                    flags.append(f)
    return flags


def _sum_at(doc, block, at: int, after: int, quants, rules: _SumRules) -> Flag | None:
    """The flag for the marker at ``block.text[at:after]``, if its parts do not add up."""
    text, cfg = block.text, rules.cfg
    total = _total_before(text, at, quants, rules)
    if total is None:
        return None
    clauses, end = _enumeration(text, after, rules.seps)
    region, _ = _depth0(text, after, end)
    if any(w in region for w in cfg["skip_words"]):
        return None
    found = _parts(text, clauses, quants, total, cfg)
    if found is None or len(found[0]) < int(cfg["min_parts"]):
        return None
    parts, labels, natural = found
    how = _mismatch(sum(q.value for q in parts), total, labels, natural, rules)
    return _sum_flag(doc, block, total, parts, labels, how, rules) if how else None


def _total_before(text: str, at: int, quants, rules: _SumRules):
    """The figure right before the marker, when it can be a total."""
    before = [q for q in quants if q.end <= at]
    if not before:
        return None
    total = before[-1]
    if (not rules.gap_rx.match(text[total.end:at]) or total.kind not in rules.kinds or total.approximate
            or total.is_difference):
        return None
    return total


def _parts(text: str, clauses, quants, total, cfg: dict):
    """(parts, labels, natural) of the enumeration: one figure per clause in
    the total's unit, with a short category label; None when a part is
    approximate or overlaps another (双师型 …).  ``natural``: every clause was
    a part (the enumeration was not cut short)."""
    parts, labels = [], []
    for a, b in clauses:
        clause, mask = _depth0(text, a, b)
        clause = clause.strip()
        if not clause:
            return parts, labels, False
        qs = [q for q in quants if a <= q.start < b and mask[q.start - a]]
        if (len(qs) != 1 or any(w in clause for w in cfg["stop_words"]) or len(clause) > cfg["max_part_chars"]
                or qs[0].canonical_unit != total.canonical_unit or qs[0].is_difference):
            return parts, labels, False
        q = qs[0]
        if q.approximate:
            return None
        label = clause.replace(q.text, "").strip("：:，,、 ")
        if not label or any(w in label for w in cfg["overlap_words"]):
            return None
        parts.append(q)
        labels.append(label)
    return parts, labels, True


def _mismatch(s: float, total, labels: list[str], natural: bool, rules: _SumRules) -> str | None:
    """``exceed`` (the parts exceed the total), ``short`` (a complete group
    falls short), or None (they agree within the tolerance)."""
    t, tol = total.value, rules.tol
    allowed = max(float(tol.get("default", 0.0)), float((tol.get("relative") or {}).get(total.kind, 0.0)) * abs(t))
    allowed = max(allowed, 1e-6 * max(abs(s), abs(t)))
    if s > t + allowed:
        return "exceed"
    if s < t - allowed and natural and _complete_group(labels, rules.cfg.get("complete_groups") or []):
        return "short"
    return None


def _sum_flag(doc, block, total, parts, labels, how: str, rules: _SumRules) -> Flag:
    text, base, s = block.text, block.span[0], sum(q.value for q in parts)
    metric = rules.metrics_at.get(base + total.start)
    sentence = _sentence(text, total.start, parts[-1].end)
    section = " > ".join(doc.section_path_at(base))
    # figures as written (1,106人, 4000万元); the sum in the total's unit
    norm = normalize(1.0, total.unit) if total.unit else None
    factor = norm[0] if norm else 1.0
    unit = total.unit if norm else ""
    plus = " + ".join(f"{lab}{q.text}" for lab, q in zip(labels, parts))
    s_txt = f"{_fmt(round(s / factor, 4))}{unit}"
    name = metric.name_zh if metric else text[max(0, total.start - 8):total.start].split("，")[-1]
    msg_zh = (f"{name}{total.text}：其中各部分 {plus} = {s_txt}，"
              f"{'超过' if how == 'exceed' else '不足'}总数 {total.text}")
    msg_en = (f"{metric.metric if metric else 'total'}: stated parts {plus} = {s_txt} do not add up to "
              f"{total.text}")
    return Flag(kind="sum_mismatch", severity=rules.cfg.get("severity", "warning"),
                metric=metric.metric if metric else None, rule=f"{RULE}/sum_mismatch",
                message=f"{msg_zh} / {msg_en}",
                source_a={"value": total.value, "raw": total.text, "page": block.page, "section": section,
                          "sentence": sentence[:300], "start": base + total.start},
                source_b={"value": s, "raw": "、".join(q.text for q in parts),
                          "parts": [{"label": lab, "value": q.value, "raw": q.text} for lab, q in zip(labels, parts)],
                          "page": block.page, "section": section, "sentence": sentence[:300],
                          "start": base + parts[0].start})


# ---------------------------------------------------------------------------
# appendix tables: "其中" rows against their parent row
# ---------------------------------------------------------------------------
def _compact(s: str) -> str:
    return re.sub(r"[\s\u3000*＊]+", "", s or "")


def _row_label(s: str, cfg: dict) -> str:
    """A row label without spaces, stars and the prefixes of ``row_label_strip`` (其中：…)."""
    s = _compact(s)
    for rx in cfg.get("row_label_strip") or ():
        s = re.sub(rx, "", s)
    return s


def table_child_flags(doc: Document, level: str | None, year: int | None, cfg: dict | None = None) -> list[Flag]:
    cfg = (cfg or check_rules()).get("table_children") or {}
    if not cfg.get("enabled") or year is None:
        return []
    from .outline import choose_template, Normaliser, _table_title_norm
    from .rules import review_rules
    template, _ = choose_template(level, year)
    if not template:
        return []
    rcfg = review_rules()
    norm = Normaliser(rcfg["normalise"])
    syn = rcfg["appendix"].get("title_synonyms") or {}
    units = set(cfg.get("units") or [])
    flags = []
    for t in doc.blocks:
        if t.kind != TABLE or not t.rows:
            continue
        tn = _table_title_norm(t.title or "", norm, rcfg)
        spec = None
        for at in template.get("appendix_tables") or []:
            names = {_table_title_norm(n, norm, rcfg) for n in [at["title"], *(at.get("synonyms") or []),
                                                                  *(syn.get(at["id"]) or [])]}
            if tn and tn in names:
                spec = at
                break
        if not spec or not any(i.get("parent") for i in spec.get("indicators") or []):
            continue
        flags.extend(_table_children(doc, t, spec, year, units, cfg))
    return flags


def _table_children(doc, t, spec, year, units, cfg) -> list[Flag]:
    """Rows of an appendix table that the template says are part of another
    row (``parent``), larger than that row in the report year."""
    grid = t.grid()
    cols = _header_columns(grid, year, cfg)
    if cols is None:
        return []
    rows = _indicator_rows(grid, spec, cfg, *cols)
    flags = []
    for ind in spec.get("indicators") or []:
        parent = ind.get("parent")
        if not parent or ind["name"] not in rows or parent not in rows:
            continue
        rc, uc, vc = rows[ind["name"]]
        rp, up, vp = rows[parent]
        if vc is None or vp is None or uc != up or uc not in units or not vc > vp * (1 + 1e-9):
            continue
        section = " > ".join(doc.section_path_at(t.span[0]))
        flags.append(Flag(
            kind="sum_mismatch", severity=cfg.get("severity", "warning"), rule=f"{RULE}/table_child",
            message=(f"{t.title or '附表'}：其中“{ind['name']}”{_fmt(vc)}{uc} 大于“{parent}”{_fmt(vp)}{up} / "
                     f"{ind['name']} {_fmt(vc)} exceeds its parent row {parent} {_fmt(vp)}"),
            source_a={"value": vp, "page": t.page, "section": section,
                      "sentence": f"{t.title or ''}: " + " | ".join(x for x in grid[rp] if x)},
            source_b={"value": vc, "page": t.page, "section": section,
                      "sentence": f"{t.title or ''}: " + " | ".join(x for x in grid[rc] if x)}))
    return flags


def _header_columns(grid, year, cfg: dict) -> tuple[int, int, int, int] | None:
    """(header row, label column, unit column, report-year column) from the
    first three rows (header words: ``checks.yaml`` ``table_children``), or
    None when one is missing."""
    ycol = lcol = ucol = hdr = None
    for r, row in enumerate(grid[:3]):
        for c, h in enumerate(row):
            h = _compact(h)
            if re.fullmatch(rf"{year}(年度|年)?", h) or h in cfg.get("year_headers", ()):
                ycol, hdr = c, r
            elif h in cfg.get("unit_headers", ()):
                ucol = c
            elif h in cfg.get("label_headers", ()):
                lcol = c
        if ycol is not None:
            break
    if ycol is None or ucol is None or lcol is None:
        return None
    return hdr, lcol, ucol, ycol


def _indicator_rows(grid, spec, cfg: dict, hdr: int, lcol: int, ucol: int, ycol: int) -> dict:
    """Indicator name → (row, unit, report-year value) for the template's indicators found in the table."""
    names = {}
    for ind in spec.get("indicators") or []:
        for n in [ind["name"], *(ind.get("synonyms") or [])]:
            names[_row_label(n, cfg)] = ind["name"]
    rows = {}
    for r in range(hdr + 1, len(grid)):
        row = grid[r]
        if max(lcol, ucol, ycol) >= len(row):
            continue
        key = names.get(_row_label(row[lcol], cfg))
        if key and key not in rows:
            v = parse_number(_compact(row[ycol]).replace(",", ""))
            rows[key] = (r, _compact(row[ucol]), v[0] if v else None)
    return rows


# ---------------------------------------------------------------------------
# stored metrics: range, plausibility, derived figures
# ---------------------------------------------------------------------------
def out_of_range_flags(metrics: list[Metric], cfg: dict | None = None) -> list[Flag]:
    cfg = (cfg or check_rules())["out_of_range"]
    pmin, pmax = cfg["percent"]["min"], cfg["percent"]["max"]
    may_exceed = set(cfg.get("percent_may_exceed") or [])
    whole = set(cfg.get("whole_units") or [])
    fractional = set(cfg.get("fractional_metrics") or [])
    flags, seen = [], set()
    for m in metrics:
        why = None
        if m.unit == "percent" and m.value > pmax and m.metric not in may_exceed:
            why = (f"比率超过{_fmt(pmax)}%", f"a rate above {_fmt(pmax)}%")
        elif m.unit == "percent" and m.value < pmin:
            why = (f"比率低于{_fmt(pmin)}%", f"a rate below {_fmt(pmin)}%")
        elif cfg.get("negative", True) and m.value < 0:
            why = ("数值为负", "a negative figure")
        elif m.unit in whole and m.metric not in fractional and abs(m.value - round(m.value)) > 1e-6:
            why = ("人数或个数不是整数", "a count that is not a whole number")
        if not why:
            continue
        key = (m.metric, m.year, m.value)
        if key in seen:
            continue
        seen.add(key)
        flags.append(Flag(kind="out_of_range", severity=cfg.get("severity", "warning"), metric=m.metric,
                          rule=f"{RULE}/out_of_range",
                          message=(f"{m.name_zh}（{m.metric}）{m.year}年为 {_fmt(m.value)}：{why[0]} / "
                                   f"{m.metric} for {m.year} is {_fmt(m.value)}: {why[1]}"),
                          source_a=source_of(m), source_b=None))
    return flags


def _distinct(ms: list[Metric]) -> list[Metric]:
    out: list[Metric] = []
    for m in ms:
        if not any(abs(m.value - o.value) <= 5e-4 * max(abs(m.value), abs(o.value), 1e-9) for o in out):
            out.append(m)
    return out


def implausible_flags(metrics: list[Metric], year: int | None, cfg: dict | None = None) -> list[Flag]:
    """``implausible``: a value outside the range ``checks.yaml`` gives for a
    whole school, and a total smaller than the same thing per student."""
    cfg = (cfg or check_rules())["implausible"]
    sev = cfg.get("severity", "warning")
    by: dict[str, list[Metric]] = {}
    for m in metrics:
        by.setdefault(m.metric, []).append(m)
    per_student = {p["total"]: p["per_student"] for p in cfg.get("total_vs_per_student") or []}
    flags, flagged = [], set()
    for metric, rng in (cfg.get("ranges") or {}).items():
        lo, hi = rng.get("min"), rng.get("max")
        for m in _distinct(by.get(metric, [])):
            if (lo is not None and m.value < lo) or (hi is not None and m.value > hi):
                flags.append(_range_flag(metric, m, rng, by, per_student, sev))
                flagged.add((metric, m.year, m.value))
    for tot, per in per_student.items():
        flags += _below_per_student(tot, per, by, flagged, sev)
    return flags


def _range_flag(metric: str, m: Metric, rng: dict, by: dict, per_student: dict, sev: str) -> Flag:
    """The flag of a value outside its range; the other source is the
    per-student value it falls below, else another statement of the same
    metric for the same year."""
    lo, hi = rng.get("min"), rng.get("max")
    ok = [o for o in _distinct(by.get(metric, [])) if (lo is None or o.value >= lo) and (hi is None or o.value <= hi)]
    bound = f"< {_fmt(lo)}" if lo is not None and m.value < lo else f"> {_fmt(hi)}"
    note_zh, _, note_en = str(rng.get("note") or "").partition(" / ")
    zh = (f"{m.name_zh}（{metric}）{m.year}年为 {_fmt(m.value)}{_unit_zh(m.unit)}，对一所学校不合理"
          f"（{bound}{'：' + note_zh if note_zh else ''}）")
    en = (f"{metric} for {m.year} is {_fmt(m.value)} {m.unit}, implausible for a whole school "
          f"({bound}{': ' + note_en if note_en else ''})")
    per = next((p for p in _distinct(by.get(per_student.get(metric, ""), []))
                if p.year == m.year and p.value > m.value), None)
    other = next((o for o in ok if o.year == m.year), None)
    if per is not None:
        zh += f"，且小于生均值 {_fmt(per.value)}"
        en += f", and smaller than the per-student {per.metric} {_fmt(per.value)}"
    if other is not None:
        zh += f"；同年另述为 {_fmt(other.value)}"
        en += f"; also stated as {_fmt(other.value)}"
    b = per if per is not None else other
    return Flag(kind="implausible", severity=sev, metric=metric, rule=f"{RULE}/implausible",
                message=f"{zh} / {en}", source_a=source_of(m), source_b=source_of(b) if b is not None else None)


def _below_per_student(tot: str, per: str, by: dict, flagged: set, sev: str) -> list[Flag]:
    """A total (equipment value …) smaller than its per-student value, the same year."""
    flags = []
    for m in _distinct(by.get(tot, [])):
        if (tot, m.year, m.value) in flagged:
            continue
        p = next((x for x in _distinct(by.get(per, [])) if x.year == m.year and x.value > m.value), None)
        if p is None:
            continue
        flags.append(Flag(kind="implausible", severity=sev, metric=tot, rule=f"{RULE}/total_vs_per_student",
                          message=(f"{m.name_zh}（{tot}）{m.year}年为 {_fmt(m.value)}，小于生均值 "
                                   f"{p.name_zh} {_fmt(p.value)} / {tot} for {m.year} ({_fmt(m.value)}) is "
                                   f"smaller than the per-student {per} ({_fmt(p.value)})"),
                          source_a=source_of(m), source_b=source_of(p)))
    return flags


def _unit_zh(u: str) -> str:
    """The Chinese unit shown for a metric unit kind (``rules/compare.yaml`` ``units``)."""
    from nianbao.store.compare import display_rules
    return display_rules()["units"].get(u, {}).get("zh", "")


def derived_flags(metrics: list[Metric], year: int | None, cfg: dict | None = None) -> list[Flag]:
    cfg = (cfg or check_rules())["derived"]
    if year is None:
        return []
    by: dict[str, list[Metric]] = {}
    for m in metrics:
        if m.year == year:
            by.setdefault(m.metric, []).append(m)
    flags = []
    for r in cfg.get("rules") or []:
        vals = {k: _distinct(by.get(r[k], [])) for k in ("metric", "numerator", "denominator")}
        if any(len(v) != 1 for v in vals.values()):
            continue      # not stated, or stated with conflicting values (already flagged)
        stated, num, den = vals["metric"][0], vals["numerator"][0], vals["denominator"][0]
        if den.value <= 0 or stated.value <= 0:
            continue
        hi = num.value / den.value
        lo = hi
        extra = r.get("denominator_extra")
        extra_ms = _distinct(by.get(extra, [])) if extra else []
        if extra_ms:
            lo = num.value / (den.value + max(m.value for m in extra_ms))
        tol = float(r.get("tolerance", 0.15))
        if lo * (1 - tol) <= stated.value <= hi * (1 + tol):
            continue
        calc = f"{_fmt(num.value)} ÷ {_fmt(den.value)} = {hi:.2f}"
        if extra_ms:
            calc += f"（含{extra} {lo:.2f}）"
        flags.append(Flag(kind="derived_mismatch", severity=cfg.get("severity", "warning"), metric=r["metric"],
                          rule=f"{RULE}/derived:{r['id']}",
                          message=(f"{stated.name_zh} {_fmt(stated.value)} 与计算值不符：{r.get('label', '')}，{calc}"
                                   f"（容差 {tol:.0%}）/ {r['metric']} {_fmt(stated.value)} disagrees with "
                                   f"{r['numerator']} ÷ {r['denominator']} = {hi:.2f} beyond {tol:.0%}"),
                          source_a=source_of(stated),
                          source_b={**source_of(num), "value": round(hi, 4),
                                    "parts": [source_of(num), source_of(den)]}))
    return flags


# -- registered checks (rules/pipeline.yaml ``checks`` says which run) -----------------
@checks.register("sum_mismatch")
def _sum_mismatch(doc: Document, facts: Facts) -> list[Flag]:
    return sum_mismatch_flags(doc, facts)


@checks.register("table_children")
def _table_children_check(doc: Document, facts: Facts) -> list[Flag]:
    return table_child_flags(doc, facts.attributes.get("level"), facts.attributes.get("year"))


@checks.register("out_of_range")
def _out_of_range(doc: Document, facts: Facts) -> list[Flag]:
    return out_of_range_flags(facts.metrics)


@checks.register("implausible")
def _implausible(doc: Document, facts: Facts) -> list[Flag]:
    return implausible_flags(facts.metrics, facts.attributes.get("year"))


@checks.register("derived_mismatch")
def _derived_mismatch(doc: Document, facts: Facts) -> list[Flag]:
    return derived_flags(facts.metrics, facts.attributes.get("year"))


@checks.register("not_a_report")
def not_a_report_flags(doc: Document, facts: Facts) -> list[Flag]:
    """One ``not_a_report`` flag when the document does not read as an annual
    quality report (``rules/checks.yaml`` ``not_a_report``): no report word
    in its title or opening text, or no school word there (a company's
    年度报告), and hardly any catalog figure."""
    cfg = check_rules()["not_a_report"]
    head = (facts.attributes.get("title") or "") + (doc.text or "")[: cfg["head_chars"]]
    head = "".join(head.split())
    reads_as_report = (any(w in head for w in cfg["report_words"])
                       and any(w in head for w in cfg["school_words"]))
    if reads_as_report or len(facts.metrics) > cfg["max_metrics"]:
        return []
    no_report = not any(w in head for w in cfg["report_words"])
    zh = f"“{cfg['report_words'][0]}”等字样" if no_report else f"“{cfg['school_words'][0]}”“{cfg['school_words'][1]}”等学校字样"
    en = "no report words" if no_report else "no school words"
    return [Flag(kind="not_a_report", severity=cfg["severity"], rule=f"{RULE}/not_a_report",
                 message=(f"不像职业教育质量年度报告：开头没有{zh}，只找到 "
                          f"{len(facts.metrics)} 个指标；对比和汇总中不列入 / does not read as an annual quality "
                          f"report ({en} at the start, {len(facts.metrics)} figures found); left out "
                          "of compare and the views"))]
