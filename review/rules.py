"""The review's rules, read from YAML (rules/review.yaml, rules/checks.yaml and
the official outlines in rules/templates/report-templates.yaml) through the
one rules loader: a mistake raises :class:`nianbao.rules.loader.RulesError`
with the file and line.  Loaded once per process; pass another path to use
another file."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, check_keys, line_of, load_yaml, regex, strip_lines, words

REVIEW_PATH = RULES_DIR / "review.yaml"
CHECKS_PATH = RULES_DIR / "checks.yaml"
TEMPLATES_PATH = RULES_DIR / "templates" / "report-templates.yaml"

_OPTIONAL_MAP = (dict, False)


@lru_cache(maxsize=4)
def review_rules(path: str | None = None) -> dict:
    """rules/review.yaml: levels, heading normalisation, synonyms, appendix tables."""
    p = Path(path) if path else REVIEW_PATH
    data = check_keys(load_yaml(p, lines=True), {
        "version": (str, int), "levels": dict, "normalise": dict, "appendix": dict, "evidence": (list, False),
        "part_synonyms": _OPTIONAL_MAP, "weak_synonyms": _OPTIONAL_MAP, "body_keywords": _OPTIONAL_MAP,
        "body_line_fallback": _OPTIONAL_MAP, "order": _OPTIONAL_MAP}, p)
    norm = data["normalise"]
    check_keys(norm, {"numbering": str, "remove": list, "strip_suffixes": list, "strip_prefixes": list}, p,
               where="normalise: ")
    regex(norm["numbering"], p, line_of(norm), "normalise.numbering")
    for key in ("strip_suffixes", "strip_prefixes"):
        words(norm, key, p)
    return strip_lines(data)


#: rules/checks.yaml: each check's section and the keys it must have
_CHECK_SECTIONS = {
    "sum_mismatch": {"gap": str, "markers": list, "separators": list, "stop_words": list, "skip_words": list,
                     "overlap_words": list, "max_part_chars": int, "min_parts": int, "kinds": list},
    "out_of_range": {"percent": dict},
    "implausible": {},
    "derived": {},
    "table_children": {"units": list, "label_headers": list, "unit_headers": list, "year_headers": list,
                       "row_label_strip": list},
    "yoy_jump": {},
    "not_a_report": {"report_words": list, "school_words": list, "head_chars": int, "max_metrics": int,
                     "severity": str},
}


@lru_cache(maxsize=4)
def check_rules(path: str | None = None) -> dict:
    """rules/checks.yaml: the contradiction checks' settings and word lists."""
    p = Path(path) if path else CHECKS_PATH
    data = check_keys(load_yaml(p, lines=True), {"version": (str, int), **{k: dict for k in _CHECK_SECTIONS}}, p)
    for section, spec in _CHECK_SECTIONS.items():
        check_keys(data[section], spec, p, where=f"{section}: ")
    sm = data["sum_mismatch"]
    regex(sm["gap"], p, line_of(sm), "sum_mismatch.gap")
    for key in ("markers", "separators", "stop_words", "skip_words", "overlap_words", "kinds"):
        words(sm, key, p)
    words(data["not_a_report"], "report_words", p)
    words(data["not_a_report"], "school_words", p)
    for rx in data["table_children"]["row_label_strip"]:
        regex(rx, p, line_of(data["table_children"]), "table_children.row_label_strip")
    check_keys(data["out_of_range"]["percent"], {"min": (int, float), "max": (int, float)}, p,
               where="out_of_range.percent: ")
    return strip_lines(data)


@lru_cache(maxsize=4)
def templates(path: str | None = None) -> list[dict]:
    """rules/templates/report-templates.yaml: the official outlines, a list of
    templates, each with ``id``, ``level``, ``years``, ``sections`` (each
    ``id`` and ``title``) and ``appendix_tables``."""
    p = Path(path) if path else TEMPLATES_PATH
    data = load_yaml(p, lines=True)
    if not isinstance(data, list):
        raise RulesError(p, line_of(data), "expected a list of templates")
    for t in data:
        check_keys(t, {"id": str, "level": str, "years": list, "sections": list,
                       "appendix_tables": (list, False)}, p, where="template: ")
        for item in [*t["sections"], *(t.get("appendix_tables") or [])]:
            check_keys(item, {"id": str, "title": str}, p, where=f"template {t['id']}: ", line=line_of(t))
    return strip_lines(data)


def rules_label() -> str:
    return f"review {review_rules().get('version', '?')} / checks {check_rules().get('version', '?')}"
