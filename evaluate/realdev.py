"""Accuracy on real published text: the realdev set (``../shared/realdev``).

The set holds real passages (``sentences.jsonl``: text, report year, level,
gold facts and labelled traps) and real titles (``titles.jsonl``: text and the
expected school, level and covered year).  Nobody here wrote them, so the
figures this module prints measure how nianbao reads text it was not written
on — unlike ``nianbao score`` on the corpus and the seed (in-sample).

Extraction runs in this process exactly as ``realdev/run_baseline.py`` runs
``nianbao extract FILE --json``: each passage becomes a .txt document whose
first line is the neutral title ``某职业学校{report_year}年质量年度报告`` (no year
when ``report_year`` is null), a blank line, then the passage; each title is a
document of its own.  The text is parsed in memory by the .txt parser (no
temporary files).

Scoring follows ``realdev/score_sentences.py`` (re-implemented here; a test
checks that both give the same figures for the same predictions):

* a predicted fact matches a gold fact of the same passage when the metric
  is equal, the year is equal (or one of ``year_alternatives``; a gold year of
  null accepts any), and the value is equal — exactly for counts of persons,
  items and volumes, within 0.011 for rates and ratios, within 0.5 % for
  money, area and per-student values; one-to-one;
* an unmatched prediction is a false positive; one whose value equals a
  labelled trap (as written, ×666.67 or ×10,000) is a *trap hit* of that kind;
* titles: school equal after removing whitespace (or an alternative; a gold
  null needs a null), level equal (gold null excluded), covered year equal
  (or an alternative).

API: ``evaluate(directory) -> Result``; ``Result.report(limit)`` gives the
printed lines, ``Result.summary()`` a JSON-ready dict.
Raises :class:`RealdevMissing` when the directory or its files are absent.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

#: integer metrics: matched exactly
INTEGER_IDS = frozenset({
    "enrolment_new", "students_fulltime", "graduates_total", "graduates_employed_direct",
    "graduates_further_study", "staff_total", "teachers_fulltime", "teachers_parttime",
    "teachers_dual_qualified", "teachers_senior_title", "majors_count", "courses_count",
    "books_total", "certificate_holders", "partner_enterprises"})
#: rates and ratios: within ABS_TOL (98.2 never passes for 98.5)
ABSOLUTE_IDS = frozenset({"employment_rate", "employment_match_rate", "teachers_dual_qualified_ratio",
                          "certificate_rate", "student_teacher_ratio"})
ABS_TOL = 0.011
REL_TOL = 0.005          # everything else (money, area, per-student values)
MU = 666.67              # 亩 → m²: a trap written in 亩 still counts as hit
SCHOOL_LEVELS = ("中职", "高职")


class RealdevMissing(FileNotFoundError):
    """The realdev directory or one of its files is not there."""


def default_dir() -> Path:
    """``../shared/realdev`` relative to the project root."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "realdev"


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_set(directory: str | Path | None = None) -> tuple[list[dict], list[dict]]:
    """(passages, titles) of the realdev set; :class:`RealdevMissing` when absent."""
    d = Path(directory) if directory else default_dir()
    files = (d / "sentences.jsonl", d / "titles.jsonl")
    for f in files:
        if not f.is_file():
            raise RealdevMissing(f"找不到 realdev 数据 / realdev set not found: {f} "
                                 f"(需要 sentences.jsonl 和 titles.jsonl / needs sentences.jsonl and titles.jsonl)")
    return load_jsonl(files[0]), load_jsonl(files[1])


# ---------------------------------------------------------------- extraction

def passage_document_text(passage: dict) -> str:
    """The text of the .txt document a passage becomes (as run_baseline.py writes it)."""
    year = passage.get("report_year")
    head = f"某职业学校{year}年质量年度报告" if year else "某职业学校质量年度报告"
    return head + "\n\n" + passage["text"] + "\n"


def extract_text(text: str, name: str):
    """Facts of one in-memory .txt document (parsed like ``nianbao extract``)."""
    from nianbao.extractors.extract import extract
    from nianbao.ingest.structure import attach_captions
    from nianbao.ingest.txt_parser import parse_text
    doc = parse_text(text, name)
    attach_captions(doc)
    return extract(doc.finalize())


def predict_passages(passages: list[dict]) -> list[dict]:
    """One ``{"id", "facts": [{metric, value, year, approximate, raw}]}`` per passage."""
    out = []
    for p in passages:
        facts = extract_text(passage_document_text(p), p["id"] + ".txt")
        out.append({"id": p["id"], "facts": [
            {"metric": m.metric, "value": m.value, "year": m.year, "approximate": m.approximate, "raw": m.raw}
            for m in facts.metrics]})
    return out


def predict_titles(titles: list[dict]) -> list[dict]:
    """One ``{"text", "school", "level", "year", "region"}`` per title."""
    out = []
    for i, t in enumerate(titles):
        a = extract_text(t["text"] + "\n", f"title_{i:03d}.txt").attributes
        out.append({"text": t["text"], "school": a.get("school"), "level": a.get("level"),
                    "year": a.get("year"), "region": a.get("region")})
    return out


# ---------------------------------------------------------------- scoring

def _num(x) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def value_match(metric: str, pred, gold) -> bool:
    p, g = _num(pred), _num(gold)
    if p is None or g is None:
        return False
    if metric in INTEGER_IDS:
        return abs(p - g) < 1e-6
    if metric in ABSOLUTE_IDS:
        return abs(p - g) <= ABS_TOL
    if g == 0:
        return abs(p) < 1e-9
    return abs(p - g) <= REL_TOL * abs(g)


def year_match(pred_year, gold: dict) -> bool:
    if gold.get("year") is None:
        return True
    return pred_year == gold["year"] or pred_year in (gold.get("year_alternatives") or [])


def _close(a: float, b: float) -> bool:
    return b != 0 and abs(a - b) <= REL_TOL * abs(b)


def trap_hit(pred: dict, not_facts: list[dict]) -> dict | None:
    """The first trap whose value (as written, ×666.67 or ×10,000) equals the prediction."""
    p = _num(pred.get("value"))
    if p is None:
        return None
    for nf in not_facts:
        v = _num(nf.get("value"))
        if v is not None and (_close(p, v) or _close(p, v * MU) or _close(p, v * 10000)):
            return nf
    return None


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass
class SentenceScore:
    overall: Tally = field(default_factory=Tally)
    per_metric: dict[str, Tally] = field(default_factory=dict)
    per_level: dict[str, Tally] = field(default_factory=dict)
    trap_kinds: Counter = field(default_factory=Counter)
    false_positives: list[dict] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)
    passages: int = 0

    def _count(self, what: str, metric: str, level: str) -> None:
        for t in (self.overall, self.per_metric.setdefault(metric, Tally()),
                  self.per_level.setdefault(level, Tally())):
            setattr(t, what, getattr(t, what) + 1)


def score_passages(gold_rows: list[dict], pred_rows: list[dict]) -> SentenceScore:
    """Score predictions against the gold passages (score_sentences.py's rules)."""
    preds: dict[str, list] = {}
    for r in pred_rows:
        preds.setdefault(r.get("id"), []).extend(r.get("facts") or [])
    s = SentenceScore(passages=len(gold_rows))
    for g in gold_rows:
        level = g.get("level") or "?"
        gold = list(g.get("facts") or [])
        used = [False] * len(gold)
        for p in preds.get(g["id"], []):
            m = p.get("metric")
            hit = next((i for i, gf in enumerate(gold) if not used[i] and gf["metric"] == m
                        and year_match(p.get("year"), gf) and value_match(m, p.get("value"), gf["value"])), None)
            if hit is not None:
                used[hit] = True
                s._count("tp", m, level)
                continue
            s._count("fp", m, level)
            item = {"id": g["id"], "level": level,
                    "pred": {"metric": m, "value": p.get("value"), "year": p.get("year")}}
            nf = trap_hit(p, g.get("not_facts") or [])
            if nf is not None:
                item["trap"] = {"figure": nf["figure"], "kind": nf["kind"], "near_metric": nf.get("near_metric")}
                s.trap_kinds[nf["kind"]] += 1
            s.false_positives.append(item)
        for i, gf in enumerate(gold):
            if not used[i]:
                s._count("fn", gf["metric"], level)
                s.misses.append({"id": g["id"], "level": level,
                                 "gold": {"metric": gf["metric"], "value": gf["value"], "year": gf.get("year")}})
    return s


def _norm_school(s) -> str | None:
    if s is None:
        return None
    return "".join(str(s).split()) or None


def score_titles(gold_rows: list[dict], pred_rows: list[dict]) -> dict:
    """School, level, covered-year and title-year accuracy, and the titles with a wrong field."""
    preds = {r.get("text"): r for r in pred_rows}
    c = Counter()
    misses = []
    for g in gold_rows:
        p = preds.get(g["text"], {})
        gs, ps = _norm_school(g.get("school")), _norm_school(p.get("school"))
        ok_s = (ps is None) if gs is None else (
            ps == gs or ps in {_norm_school(a) for a in g.get("school_alternatives", [])})
        c["school_n"] += 1
        c["school_ok"] += ok_s
        ok_l = None
        if g.get("level") is not None:
            ok_l = p.get("level") == g["level"]
            c["level_n"] += 1
            c["level_ok"] += ok_l
        alts, py = g.get("year_alternatives") or [], p.get("year")
        ok_y = (py is None or py in alts) if g.get("year") is None else (py == g["year"] or py in alts)
        c["year_n"] += 1
        c["year_ok"] += ok_y
        if "title_year" in g:
            c["title_year_n"] += 1
            c["title_year_ok"] += py in (g["title_year"], g.get("year"))
        if not (ok_s and ok_y and ok_l is not False):
            misses.append({"text": g["text"], "gold": [g.get("school"), g.get("level"), g.get("year")],
                           "pred": [p.get("school"), p.get("level"), p.get("year")]})

    def ratio(a, b):
        return c[a] / c[b] if c[b] else None
    return {"titles": len(gold_rows), "school_acc": ratio("school_ok", "school_n"),
            "level_acc": ratio("level_ok", "level_n"), "level_n": c["level_n"],
            "year_acc": ratio("year_ok", "year_n"), "title_year_acc": ratio("title_year_ok", "title_year_n"),
            "title_year_n": c["title_year_n"], "misses": misses}


# ---------------------------------------------------------------- result

@dataclass
class Result:
    directory: Path
    passages: list[dict]
    titles: list[dict]
    pred_passages: list[dict]
    pred_titles: list[dict]
    sentences: SentenceScore
    title_scores: dict

    def school_level(self) -> Tally:
        """中职 + 高职 passages together (the brief's school-level recall)."""
        t = Tally()
        for lv in SCHOOL_LEVELS:
            x = self.sentences.per_level.get(lv, Tally())
            t.tp, t.fp, t.fn = t.tp + x.tp, t.fp + x.fp, t.fn + x.fn
        return t

    def summary(self, limit: int = 0) -> dict:
        s = self.sentences
        out = {"directory": str(self.directory), "passages": s.passages, **s.overall.as_dict(),
               "school_level": self.school_level().as_dict(),
               "per_level": {k: v.as_dict() for k, v in sorted(s.per_level.items())},
               "per_metric": {k: v.as_dict() for k, v in sorted(s.per_metric.items())},
               "trap_hits": sum(s.trap_kinds.values()), "trap_hits_by_kind": dict(s.trap_kinds),
               "titles": {k: v for k, v in self.title_scores.items() if k != "misses"}}
        if limit:
            out["false_positives"] = s.false_positives[:limit]
            out["misses"] = s.misses[:limit]
            out["titles"]["misses"] = self.title_scores["misses"][:limit]
        return out

    def report(self, limit: int = 0) -> list[str]:
        """The printed report: overall, per level, per metric, traps, titles (and lists)."""
        s, t = self.sentences, self.title_scores
        lines = [f"realdev: {self.directory}",
                 f"== 段落 passages: {s.passages} ==",
                 "总体 overall  " + _prf(s.overall)]
        for lv, tl in sorted(s.per_level.items()):
            lines.append(f"  {lv:<4} " + _prf(tl))
        lines.append("  学校层面 school-level (中职+高职) " + _prf(self.school_level()))
        lines.append(f"误中陷阱 trap hits: {sum(s.trap_kinds.values())} "
                     + json.dumps(dict(sorted(s.trap_kinds.items())), ensure_ascii=False))
        lines.append(f"{'metric 指标':<32} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>7} {'R':>7}")
        for m, v in sorted(s.per_metric.items()):
            lines.append(f"{m:<32} {v.tp:>4} {v.fp:>4} {v.fn:>4} {_f(v.precision):>7} {_f(v.recall):>7}")
        lines.append(f"== 标题 titles: {t['titles']} ==")
        lines.append(f"学校 school {_f(t['school_acc'])} | 层次 level {_f(t['level_acc'])} (n={t['level_n']}) | "
                     f"覆盖年度 covered year {_f(t['year_acc'])} | "
                     f"标题年度 title year {_f(t['title_year_acc'])} (n={t['title_year_n']})")
        if limit:
            lines += self._lists(limit)
        return lines

    def _lists(self, limit: int) -> list[str]:
        s = self.sentences
        text = {p["id"]: p["text"] for p in self.passages}
        lines = [f"-- 误报 false positives (first {min(limit, len(s.false_positives))} of {len(s.false_positives)}) --"]
        for i in s.false_positives[:limit]:
            trap = f"  <- {i['trap']['kind']} «{i['trap']['figure']}»" if "trap" in i else ""
            lines.append(f"  {i['id']} [{i['level']}] {_fact(i['pred'])}{trap}")
            lines.append(f"      {text[i['id']][:160]}")
        lines.append(f"-- 漏报 missed (first {min(limit, len(s.misses))} of {len(s.misses)}) --")
        for i in s.misses[:limit]:
            lines.append(f"  {i['id']} [{i['level']}] {_fact(i['gold'])}")
            lines.append(f"      {text[i['id']][:160]}")
        misses = self.title_scores["misses"]
        lines.append(f"-- 标题错误 titles with a wrong field (first {min(limit, len(misses))} of {len(misses)}) "
                     "[school, level, year] gold / pred --")
        for m in misses[:limit]:
            lines.append(f"  {m['text'][:60].replace(chr(10), ' / ')}\n      gold {m['gold']}  pred {m['pred']}")
        return lines

    def write_predictions(self, outdir: str | Path) -> None:
        """pred_sentences.jsonl and pred_titles.jsonl, as run_baseline.py writes them."""
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        for name, rows in (("pred_sentences.jsonl", self.pred_passages), ("pred_titles.jsonl", self.pred_titles)):
            with open(outdir / name, "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _prf(t: Tally) -> str:
    return f"P={_f(t.precision)}  R={_f(t.recall)}  F1={_f(t.f1)}  (tp={t.tp} fp={t.fp} fn={t.fn})"


def _fact(d: dict) -> str:
    return f"{d['metric']}={d['value']} ({d.get('year')})"


def evaluate(directory: str | Path | None = None) -> Result:
    """Extract every realdev passage and title in this process and score them."""
    d = Path(directory) if directory else default_dir()
    passages, titles = load_set(d)
    pp, pt = predict_passages(passages), predict_titles(titles)
    return Result(d, passages, titles, pp, pt, score_passages(passages, pp), score_titles(titles, pt))
