"""Read ``rules/metrics.yaml`` into checked, ready-to-use rule objects.

Every mistake a rule author can make (an unknown kind, a template without
``{q}``, a bad regex, a duplicate id, a missing catalog metric) is reported
with the file and line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nianbao.rules import RULES_DIR

from .rules import RuleFileError, file_digest, load_yaml

#: metric kind → the kind of quantity (rules/units.yaml) it accepts
KIND_QUANTITY = {"persons": "persons", "count": "count", "percent": "percent", "yuan": "money",
                 "m2": "area", "ratio": "ratio", "volumes": "volumes"}
#: metric kind → canonical unit stored in metrics.unit
KIND_UNIT = {"persons": "persons", "count": "count", "percent": "percent", "yuan": "yuan", "m2": "m2",
             "ratio": "ratio", "volumes": "volumes"}

_Q = r"(?P<q>(?:约|近|超过|逾|达)?[\d０-９零〇一二两三四五六七八九十百千万亿][\d０-９零〇一二两三四五六七八九十百千万亿.,，．]*)"


def normalize_label(text: str) -> str:
    """A table row label as compared with ``table_labels``: no spaces, no
    ``*``, no quotation marks (“双师型”教师), no 其中： prefix, no leading
    numbering."""
    s = re.sub(r"[\s\u3000*＊※“”\"‘’「」]", "", text or "")
    s = re.sub(r"^(?:其中|含|包括)[:：,，]?", "", s)
    s = re.sub(r"^(?:[A-Za-z]类[:：]|\d{1,2}[.．、]|[（(]\d{1,2}[)）]|[①-⑩])", "", s)
    return s


@dataclass
class MetricRule:
    id: str
    name_zh: str
    kind: str
    terms: list[str] = field(default_factory=list)
    after_number: list[str] = field(default_factory=list)
    templates: list[re.Pattern] = field(default_factory=list)
    exclude_before: list[str] = field(default_factory=list)
    table_labels: set[str] = field(default_factory=set)
    #: words of the section titles where the metric is stated; figures found
    #: by ``after_number`` or ``templates`` elsewhere are not taken
    sections: list[str] = field(default_factory=list)
    range: tuple[float, float] = (float("-inf"), float("inf"))
    #: plausible range for a region (up to the whole country); used when the
    #: report is not one named school's
    region_range: tuple[float, float] | None = None
    #: words anywhere before the term in its clause that make it another thing
    exclude_in_clause: list[str] = field(default_factory=list)
    #: what must follow an after_number word (a compiled regex), or None
    after_number_end: re.Pattern | None = None
    #: what the clause before an after_number figure must end with (a
    #: compiled regex searched there), or None: "现有986名教职工" but not
    #: "资助了300名在校生"
    after_number_before: re.Pattern | None = None
    #: bare terms that name the metric only in a stock statement: term →
    #: (regex the clause before the term must match, regex the text after
    #: the term must match from its start — the figure ending its clause)
    bare_terms: dict[str, tuple[re.Pattern, re.Pattern]] = field(default_factory=dict)
    #: clause subjects (context.entities classes) whose figures are not this metric's
    exclude_subjects: list[str] = field(default_factory=list)
    #: terms that give way to the metric's other terms in the same paragraph
    #: (录取 gives way to 报到: the students who came, not those admitted)
    weak_terms: list[str] = field(default_factory=list)
    line: int | None = None

    @property
    def quantity_kind(self) -> str:
        return KIND_QUANTITY[self.kind]

    @property
    def unit(self) -> str:
        return KIND_UNIT[self.kind]


@dataclass
class MetricRules:
    version: str
    digest: str
    metrics: dict[str, MetricRule]
    context: dict
    not_metrics: list[str]
    path: str

    @property
    def label(self) -> str:
        """Stored with every value: the rules version and a digest of the file."""
        return f"{self.version}+{self.digest}"

    def by_label(self, label: str) -> MetricRule | None:
        key = normalize_label(label)
        for m in self.metrics.values():
            if key in m.table_labels:
                return m
        return None


def catalog_ids() -> list[str]:
    """Metric ids of the catalog copied into rules/metric-catalog.md."""
    text = (RULES_DIR / "metric-catalog.md").read_text(encoding="utf-8")
    return re.findall(r"^\|\s*([a-z_]+)\s*\|", text, flags=re.M)[1:] if "| id |" in text else \
        re.findall(r"^\|\s*([a-z][a-z_]+)\s*\|", text, flags=re.M)


def _fail(path, line, msg):
    raise RuleFileError(path, line, msg)


def _regex(path, line, metric: str, key: str, pattern) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        return re.compile(str(pattern))
    except re.error as e:
        _fail(path, line, f"metric '{metric}': {key} {pattern!r} is not a valid regex ({e})")


def _bare_terms(path, line, m: dict) -> dict[str, tuple[re.Pattern, re.Pattern]]:
    """``bare_terms: {term: [before regex, after regex]}``; every term must be among ``terms``."""
    v = m.get("bare_terms") or {}
    if not isinstance(v, dict):
        _fail(path, line, f"metric '{m['id']}': bare_terms must map a term to [before regex, after regex]")
    out = {}
    for term, pair in v.items():
        if term == "__line__":
            continue
        if str(term) not in [str(t) for t in m.get("terms") or []]:
            _fail(path, line, f"metric '{m['id']}': bare term {term!r} is not among its terms")
        if not (isinstance(pair, list) and len(pair) == 2):
            _fail(path, line, f"metric '{m['id']}': bare_terms {term!r} needs [before regex, after regex]")
        out[str(term)] = tuple(_regex(path, line, m["id"], f"bare_terms {term}", p) for p in pair)
    return out


def _template(path, line, metric: str, t: str, parts: dict[str, str]) -> re.Pattern:
    """A template regex: {q} is the figure, {name} a part of context.template_parts."""
    if "{q}" not in t:
        _fail(path, line, f"metric '{metric}': template {t!r} has no {{q}} for the figure")
    body = t
    for name in re.findall(r"\{([a-z_]+)\}", t):
        if name == "q":
            continue
        if name not in parts:
            _fail(path, line, f"metric '{metric}': template {t!r} uses {{{name}}}, not in context.template_parts")
        body = body.replace("{" + name + "}", f"(?:{parts[name]})")
    try:
        return re.compile(body.replace("{q}", _Q))
    except re.error as e:
        _fail(path, line, f"metric '{metric}': template {t!r} is not a valid regex ({e})")


_WORD_LISTS = ("difference_words", "to_level_words", "target_words", "subset_words", "cumulative_words",
               "per_unit_words", "range_marks", "current_words", "snapshot_words", "previous_year_words",
               "connectors", "subset_after_term", "part_openers", "compared_markers", "skip_tables",
               "addition_words")
_PATTERN_LISTS = ("cumulative_patterns", "breakdown_openers", "project_patterns", "unit_header_patterns")
_ENTITY_CLASSES = ("other", "part", "facility", "target", "region", "sector", "premises", "own", "none")


#: context keys (besides _WORD_LISTS) that hold lists of words
_CONTEXT_WORDS = _WORD_LISTS + ("target_reset_words", "history_words", "respectively_words", "from_words",
                                "from_state_words", "now_words", "same_year_words", "copula_words", "whole_groups",
                                "moved_words", "list_separators", "list_tail_words", "split_value_leads",
                                "average_words", "average_not_for", "upper_bound_words", "exact_leads", "not_places",
                                "system_sectors", "teacher_groups", "group_counted", "whole_staff",
                                "own_region_words", "one_school_words", "table_skip_columns", "table_actual_words",
                                "other_school_pronouns")
#: context keys that hold a regex or a list of regexes
_CONTEXT_PATTERNS = _PATTERN_LISTS + ("change_lead", "qualified_before", "target_noun_pattern",
                                      "target_list_pattern", "qualifier_ok", "modifier_after", "source_year_pattern",
                                      "split_value_before", "split_value_end", "subset_base_pattern", "place_pattern",
                                      "school_voice_pattern", "elliptic_clause", "one_school_head",
                                      "major_before_term", "standard_after",
                                      "compared_aside", "kept_floor", "set_apart")
#: the keys a metric may have
_METRIC_KEYS = frozenset({"id", "name_zh", "kind", "terms", "after_number", "templates", "exclude_before",
                          "table_labels", "sections", "range", "region_range", "weak_terms", "exclude_subjects",
                          "exclude_in_clause", "after_number_end", "after_number_before", "bare_terms", "__line__"})
#: metric keys that hold lists of words
_METRIC_WORDS = ("terms", "after_number", "exclude_before", "table_labels", "sections", "weak_terms",
                 "exclude_subjects", "exclude_in_clause")
#: context keys that must be present
_CONTEXT_REQUIRED = ("difference_words", "target_words", "subset_words", "cumulative_words",
                     "previous_year_words", "max_gap")


def _check_context(path, ctx: dict) -> None:
    """Word lists are lists of words, patterns compile, entity classes are
    known.  ``ctx``: the ``context`` mapping as read (with ``__line__``).
    Raises RuleFileError at the context's line (or the entities' line)."""
    line = ctx.get("__line__")
    _check_context_lists(path, line, ctx)
    _check_entity_patterns(path, line, ctx)
    for key in ("sector_levels", "voice_levels"):
        levels = ctx.get(key, {})
        if not isinstance(levels, dict) or any(k != "__line__" and not isinstance(v, list) for k, v in levels.items()):
            _fail(path, line, f"context: {key} must map 中职 / 高职 to word lists")
    _check_entities(path, line, ctx.get("entities", {}))


def _check_context_lists(path, line, ctx: dict) -> None:
    """The context's word lists hold words; its patterns compile."""
    for key in _CONTEXT_WORDS:
        v = ctx.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, (str, int)) for x in v):
            _fail(path, line, f"context: {key} must be a list of words")
    for key in _CONTEXT_PATTERNS:
        v = ctx.get(key, [])
        for p in ([v] if isinstance(v, str) else v):
            try:
                re.compile(p)
            except (re.error, TypeError) as e:
                _fail(path, line, f"context: {key}: {p!r} is not a valid regex ({e})")


def _check_entity_patterns(path, line, ctx: dict) -> None:
    """``entity_patterns`` maps a known entity class to a list of regexes that compile."""
    for cls, pats in (ctx.get("entity_patterns") or {}).items():
        if cls == "__line__":
            continue
        if cls not in _ENTITY_CLASSES or not isinstance(pats, list):
            _fail(path, line, f"context: entity_patterns: '{cls}' must be one of {', '.join(_ENTITY_CLASSES)} with a list")
        for p in pats:
            try:
                re.compile(p)
            except (re.error, TypeError) as e:
                _fail(path, line, f"context: entity_patterns: {p!r} is not a valid regex ({e})")


def _check_entities(path, line, ents) -> None:
    """``entities`` maps a known entity class (or sector_suffixes) to a list
    of words; errors are reported at the entities' own line when it has one."""
    if not isinstance(ents, dict):
        _fail(path, line, "context: entities must map other / part / region / own to word lists")
    for cls, words in ents.items():
        if cls == "__line__":
            continue
        if cls not in _ENTITY_CLASSES + ("sector_suffixes",):
            _fail(path, ents.get("__line__", line), f"context: entities: unknown class '{cls}' (allowed: {', '.join(_ENTITY_CLASSES)})")
        if not isinstance(words, list):
            _fail(path, ents.get("__line__", line), f"context: entities: {cls} must be a list of words")


@lru_cache(maxsize=None)
def load_metric_rules(path: str | None = None) -> MetricRules:
    """The checked rules of ``path`` (default rules/metrics.yaml), cached per
    path.  Raises RuleFileError (file, line, message) for any mistake in the
    file, and when a catalog metric (rules/metric-catalog.md) has no rule."""
    path = Path(path or RULES_DIR / "metrics.yaml")
    data = load_yaml(path, lines=True)
    _check_top(path, data)
    ctx = _context(path, data["context"])
    parts = {k: str(v) for k, v in (ctx.get("template_parts") or {}).items() if k != "__line__"}
    _check_context(path, data["context"])
    metrics: dict[str, MetricRule] = {}
    for m in data["metrics"]:
        rule = _metric_rule(path, m, metrics, parts)
        metrics[rule.id] = rule
    missing = [i for i in catalog_ids() if i not in metrics]
    if missing:
        _fail(path, None, f"catalog metrics without a rule: {missing}")
    not_metrics = [str(w) for group in data.get("not_metrics") or [] for w in group]
    return MetricRules(version=str(data["version"]), digest=file_digest(path), metrics=metrics,
                       context=ctx, not_metrics=not_metrics, path=str(path))


def _check_top(path, data) -> None:
    """The file is a mapping with version, metrics and context."""
    if not isinstance(data, dict):
        _fail(path, None, "top level must be a mapping with 'version' and 'metrics'")
    for key in ("version", "metrics", "context"):
        if key not in data:
            _fail(path, data.get("__line__"), f"missing key '{key}'")


def _context(path, raw: dict) -> dict:
    """The context as the extractors use it: ``raw`` without its line marks
    (nor those of its nested mappings).  Raises RuleFileError when a
    required key (_CONTEXT_REQUIRED) is missing."""
    ctx = {k: v for k, v in raw.items() if k != "__line__"}
    for key in ("entities", "entity_patterns", "template_parts", "sector_levels", "voice_levels"):
        if isinstance(ctx.get(key), dict):
            ctx[key] = {k: v for k, v in ctx[key].items() if k != "__line__"}
    for key in _CONTEXT_REQUIRED:
        if key not in ctx:
            _fail(path, raw.get("__line__"), f"context: missing '{key}'")
    return ctx


def _metric_rule(path, m, metrics: dict[str, MetricRule], parts: dict[str, str]) -> MetricRule:
    """One checked metric rule from its mapping ``m`` (``metrics``: the rules
    read so far, for duplicate ids; ``parts``: context.template_parts).
    Raises RuleFileError at the metric's line."""
    line = m.get("__line__") if isinstance(m, dict) else None
    _check_metric_head(path, line, m, metrics)
    templates = [_template(path, line, m["id"], t, parts) for t in m.get("templates") or []]
    rng = m.get("range") or [float("-inf"), float("inf")]
    _check_metric_values(path, line, m, rng)
    rule = _build_rule(path, line, m, templates, rng)
    if set(rule.exclude_subjects) - set(_ENTITY_CLASSES + ("project",)):
        _fail(path, line, f"metric '{m['id']}': exclude_subjects must be among "
                          f"{', '.join(_ENTITY_CLASSES + ('project',))}")
    unknown_weak = set(rule.weak_terms) - set(rule.terms)
    if unknown_weak:
        _fail(path, line, f"metric '{m['id']}': weak_terms {sorted(unknown_weak)} are not among its terms")
    return rule


def _check_metric_head(path, line, m, metrics: dict[str, MetricRule]) -> None:
    """A metric is a mapping with a new id, known keys, a known kind and a name_zh."""
    if not isinstance(m, dict) or "id" not in m:
        _fail(path, line, "each metric needs an 'id'")
    unknown = set(m) - _METRIC_KEYS
    if unknown:
        _fail(path, line, f"metric '{m['id']}': unknown key(s) {sorted(unknown)}; allowed: {sorted(_METRIC_KEYS - {'__line__'})}")
    if m["id"] in metrics:
        _fail(path, line, f"duplicate metric id '{m['id']}'")
    if m.get("kind") not in KIND_QUANTITY:
        _fail(path, line, f"metric '{m['id']}': kind must be one of {sorted(KIND_QUANTITY)}, not {m.get('kind')!r}")
    if not m.get("name_zh"):
        _fail(path, line, f"metric '{m['id']}': missing name_zh")


def _check_metric_values(path, line, m: dict, rng) -> None:
    """range and region_range (default: ``rng``) are [min, max]; the word keys are lists of words."""
    for key in ("range", "region_range"):
        r = m.get(key, rng)
        if not (isinstance(r, list) and len(r) == 2 and all(isinstance(x, (int, float)) for x in r)):
            _fail(path, line, f"metric '{m['id']}': {key} must be [min, max]")
    for key in _METRIC_WORDS:
        v = m.get(key) or []
        if not isinstance(v, list) or not all(isinstance(x, (str, int)) for x in v):
            _fail(path, line, f"metric '{m['id']}': {key} must be a list of words")


def _build_rule(path, line, m: dict, templates: list[re.Pattern], rng) -> MetricRule:
    """The MetricRule of a checked metric mapping; its regexes and bare terms
    are compiled here (RuleFileError when one is bad)."""
    return MetricRule(
        id=m["id"], name_zh=m["name_zh"], kind=m["kind"], terms=[str(t) for t in m.get("terms") or []],
        after_number=[str(t) for t in m.get("after_number") or []], templates=templates,
        exclude_before=[str(t) for t in m.get("exclude_before") or []],
        table_labels={normalize_label(str(t)) for t in m.get("table_labels") or []},
        sections=[str(t) for t in m.get("sections") or []],
        range=(float(rng[0]), float(rng[1])),
        region_range=tuple(float(x) for x in m["region_range"]) if m.get("region_range") else None,
        weak_terms=[str(t) for t in m.get("weak_terms") or []],
        exclude_subjects=[str(t) for t in m.get("exclude_subjects") or []],
        exclude_in_clause=[str(t) for t in m.get("exclude_in_clause") or []],
        after_number_end=_regex(path, line, m["id"], "after_number_end", m.get("after_number_end")),
        after_number_before=_regex(path, line, m["id"], "after_number_before", m.get("after_number_before")),
        bare_terms=_bare_terms(path, line, m), line=line)
