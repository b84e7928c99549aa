"""Measured accuracy: score the metrics in the store against expected values.

An expected-values JSON (``corpus/expected/*.json``, ``../shared/seed/
expected.json``) lists, for one report, the report-year value of each metric
it states (``metrics``), the metrics stated twice with different values
(``conflicts``: both must be stored), values that may be stored only with a
flag (``also_stated``), previous-year values (``previous_year``) and trap
values that must never be stored for the report year (``decoy_values``).

Counting, per (document, metric):
- true positive: an expected value stored for the expected year;
- false negative: an expected value not stored;
- false positive: a value stored for the report year that is not expected
  (and not an ``also_stated`` value with a flag), for a metric the JSON
  scores — a metric it does not mention is not scored, except decoys.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.006, 5e-4 * max(abs(a), abs(b)))


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list = field(default_factory=list)
    extras: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.misses += other.misses
        self.extras += other.extras


def find_document(db, name: str, fmt: str | None = None) -> dict | None:
    """The stored document a JSON describes: by file name (any folder)."""
    rows = list(db.query(
        "select d.* from documents d join document_paths p on p.document_id = d.id "
        "where (p.path = :n or p.path like :suffix or p.path like :zsuffix) and d.status in ('ok', 'ocr')",
        {"n": name, "suffix": f"%/{name}", "zsuffix": f"%!/{name}"}))
    if fmt:
        rows = [r for r in rows if r["format"] == fmt] or rows
    return rows[0] if rows else None


def score_document(db, doc: dict, exp: dict) -> dict[str, Counts]:
    """Counts per metric id for one stored document (``doc``: its
    ``documents`` row) against one expected-values JSON (``exp``)."""
    year = exp.get("year") or doc["year"]
    stored = defaultdict(list)
    for r in db.query("select metric, value, year from metrics where document_id = ?", [doc["id"]]):
        stored[(r["metric"], r["year"])].append(r["value"])
    flagged = {r["metric"] for r in db.query("select metric from flags where document_id = ? and metric is not null",
                                             [doc["id"]])}
    out: dict[str, Counts] = defaultdict(Counts)
    expected = _expected_values(exp, year)
    label = exp.get("file") or exp.get("document")
    _count_expected(out, expected, stored, label)
    _count_extras(out, exp, year, expected, stored, flagged)
    return out


def _expected_values(exp: dict, year: int) -> dict[tuple[str, int], list[float]]:
    """(metric, year) → the values the JSON expects stored: the report
    year's values and conflicts, and the previous year's."""
    expected: dict[tuple[str, int], list[float]] = defaultdict(list)
    for k, v in exp.get("metrics", {}).items():
        expected[(k, year)].append(v)
    for k, vs in exp.get("conflicts", {}).items():
        expected[(k, year)].extend(vs)
    for k, v in exp.get("previous_year", {}).items():
        expected[(k, year - 1)].append(v)
    return expected


def _count_expected(out: dict[str, Counts], expected: dict, stored: dict, label: str | None) -> None:
    """True positives and misses: each expected value stored or not."""
    for (k, y), want in expected.items():
        have = stored.get((k, y), [])
        c = out[k]
        for w in set(want):
            if any(_same(w, h) for h in have):
                c.tp += 1
            else:
                c.fn += 1
                c.misses.append((label, k, y, w))


def _count_extras(out: dict[str, Counts], exp: dict, year: int, expected: dict, stored: dict,
                  flagged: set[str]) -> None:
    """False positives: values stored for a scored metric and the report
    year (or an expected year) that are not expected, unless an
    ``also_stated`` value carries a flag."""
    allowed = {k: vs for k, vs in exp.get("also_stated", {}).items()}
    scored = {k for k, _ in expected} | set(exp.get("decoy_values", {}))
    for (k, y), have in stored.items():
        if k not in scored or y != year and (k, y) not in expected:
            continue
        want = expected.get((k, y), [])
        for h in {round(v, 4) for v in have}:
            if any(_same(w, h) for w in want):
                continue
            if k in allowed and any(_same(a, h) for a in allowed[k]) and k in flagged:
                continue
            if y != year and not want:
                continue
            out[k].fp += 1
            out[k].extras.append((exp.get("file") or exp.get("document"), k, y, h))


def default_expected() -> list[Path]:
    """The expected values of the corpus (``corpus/expected/*.json``) and, when
    ``../shared`` is beside the checkout, of the seed report."""
    root = Path(__file__).resolve().parents[1]
    paths = sorted((root / "corpus" / "expected").glob("*.json"))
    seed = root.parent / "shared" / "seed" / "expected.json"
    return paths + ([seed] if seed.exists() else [])


def score(db, expected_paths) -> tuple[dict[str, dict[str, Counts]], list[str]]:
    """Score every JSON; returns ({format: {metric: Counts}}, problems)."""
    results: dict[str, dict[str, Counts]] = defaultdict(lambda: defaultdict(Counts))
    problems = []
    for p in expected_paths:
        p = Path(p)
        exp = json.loads(p.read_text(encoding="utf-8"))
        names = [exp["file"]] if exp.get("file") else []
        if not names:  # the seed's JSON: score each format stored beside it
            names = [exp.get("document"), "seed.docx", "seed.pdf"]
        found = False
        for name in filter(None, names):
            doc = find_document(db, name)
            if doc is None:
                continue
            found = True
            for k, c in score_document(db, doc, exp).items():
                results[doc["format"]][k].add(c)
                results["all"][k].add(c)
        if not found:
            problems.append(f"未入库 not in the store: {p.name} ({', '.join(filter(None, names))})")
    return results, problems


def report_lines(results, problems) -> list[str]:
    lines = []
    for fmt in sorted(results, key=lambda f: (f == "all", f)):
        per = results[fmt]
        total = Counts()
        for c in per.values():
            total.add(c)
        lines.append(f"== {fmt}: precision 精确率 {total.precision:.3f}  recall 召回率 {total.recall:.3f}  "
                     f"F1 {total.f1:.3f}  (tp {total.tp}, fp {total.fp}, fn {total.fn})")
        if fmt == "all":
            lines.append(f"{'metric 指标':34} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
            for k in sorted(per):
                c = per[k]
                lines.append(f"{k:34} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:4} {c.fp:4} {c.fn:4}")
            for m in total.misses:
                lines.append(f"  漏 missed   {m[0]}: {m[1]} {m[2]} = {m[3]:g}")
            for m in total.extras:
                lines.append(f"  错 wrong    {m[0]}: {m[1]} {m[2]} = {m[3]:g}")
    lines.extend(problems)
    return lines
