"""Load and check ``rules/attributes.yaml``: the words and patterns that tell
a report's school (or region), level and covered year.

Every key is checked for its shape (a word list, a level → words mapping, a
regex that compiles …); a mistake raises :class:`RulesError` with the file
and the line of the key, and an unknown or missing key is an error too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

import yaml

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import SafeLoader

from .errors import RulesError

LEVELS = ("中职", "高职")

# key → shape
_SHAPES = {
    "version": "int",
    "school_types": "levels", "institution_endings": "words", "generic_school_words": "words",
    "anonymous_prefixes": "words", "school_name_reject": "words", "school_prefix_cut": "words",
    "school_clause_cues": "words", "school_partner_cues": "words",
    "region_units": "words", "national_names": "words", "national_label": "text",
    "provinces": "words", "province_short": "names", "bureau_words": "words", "cover_labels": "words",
    "prefecture_pattern": "pattern", "location_pattern": "pattern", "school_county_pattern": "pattern",
    "report_words": "words", "title_cues": "words", "not_title_words": "words", "editor_words": "words", "title_body_words": "words", "sector_words": "levels",
    "title_strip_chars": "text",
    "year_digits": "digits", "cover_date_same_year_from_month": "month", "period_cues": "words",
    "year_skip_before": "words", "year_skip_clause_words": "words",
    "field_code_pattern": "pattern", "weak_report_words": "words", "region_report_words": "words",
    "own_region_words": "words", "title_lead_words": "words",
}


@dataclass(frozen=True, eq=False)
class AttributeRules:
    """The checked contents of ``rules/attributes.yaml`` (see the file for
    what each list means) plus regexes built from them."""
    data: dict

    def __getattr__(self, key):
        if key == "data":
            raise AttributeError(key)
        try:
            return self.data[key]
        except KeyError:
            raise AttributeError(key) from None

    # -- built from the word lists -------------------------------------------------
    @property
    def type_levels(self) -> list[tuple[str, str]]:
        """(type word, level), longest word first."""
        pairs = [(w, lv) for lv, words in self.school_types.items() for w in words]
        return sorted(pairs, key=lambda p: -len(p[0]))

    def level_of_name(self, name: str) -> str | None:
        """The level given by the type word a name ends with (技师学院 → 中职)."""
        for word, level in self.type_levels:
            if name.endswith(word):
                return level
        return None


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=None)
def patterns(rules: AttributeRules) -> dict[str, re.Pattern]:
    """Regexes built from the word lists (cached per rules object)."""
    units = _alt(rules.region_units)
    han = r"\u4e00-\u9fa5"
    return {
        # a school name in running text: up to 24 characters, then a type word
        "school": re.compile(rf"[{han}（）()·]{{1,24}}?(?:{_alt(w for w, _ in rules.type_levels)})"),
        # a name made only of region units: 青禾省楚州市, 鹿源区
        "region": re.compile(rf"(?:[{han}]{{1,10}}?(?:{units}))+"),
        "bureau": re.compile(rf"^(?P<region>.*?)(?:{_alt(rules.bureau_words)})"),
        "report": re.compile(_alt(rules.report_words)),
        # a weak report word ending the line (…发展情况分析), the line holding a year
        "weak_report": re.compile(rf"(?:{_alt(rules.weak_report_words)})$"),
        "field_code": re.compile(rules.field_code_pattern),
        "body": re.compile(_alt(rules.title_body_words)),
        "not_title": re.compile(_alt(rules.not_title_words)),
        "editor": re.compile(rf"(?:{_alt(rules.editor_words)})$"),
        "label": re.compile(rf"^(?:{_alt(rules.cover_labels)})[:：]?"),
        "cn_year": re.compile("([" + re.escape("".join(rules.year_digits)) + "]{4})(?=年)"),
        "cut": re.compile(_alt(rules.school_prefix_cut)),
        "reject": re.compile(_alt(rules.school_name_reject)),
    }


def _line(node) -> int:
    return node.start_mark.line + 1


def _check(path: Path, key: str, node, shape: str):
    """The value of ``key`` (a YAML node) checked against its ``shape`` from
    ``_SHAPES``: a list of words → list[str]; text / pattern → str; int /
    month → int; levels → {level: [words]}; names → {short: full name};
    digits → {character: "0"…"9"}.  Raises :class:`RulesError` (path, line,
    ``'key': message``)."""
    check = _ValueCheck(path, key)
    if shape == "words":
        return check.words(node)
    if shape in ("text", "pattern", "int", "month"):
        return check.scalar(node, shape)
    return check.mapping(node, shape)


class _ValueCheck:
    """Checks one key's value; every failure names the file, the line and the key."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = path, key

    def fail(self, msg: str, at) -> NoReturn:
        raise RulesError(self.path, _line(at), f"'{self.key}': {msg}")

    def words(self, n) -> list[str]:
        """A non-empty list of non-empty words."""
        if not isinstance(n, yaml.SequenceNode) or not n.value:
            self.fail("expected a non-empty list of words", n)
        for item in n.value:
            if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
                self.fail("every entry must be a non-empty word", item)
        return [str(i.value) for i in n.value]

    def scalar(self, node, shape: str) -> str | int:
        """One value: text, a regex that compiles, a whole number, a month 1–12."""
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            self.fail("expected a single value", node)
        if shape == "pattern":
            try:
                re.compile(node.value)
            except re.error as e:
                self.fail(f"not a valid regex ({e})", node)
        if shape in ("int", "month"):
            if not node.value.isdigit() or (shape == "month" and not 1 <= int(node.value) <= 12):
                self.fail("expected a whole number" + (" from 1 to 12" if shape == "month" else ""), node)
            return int(node.value)
        return node.value

    def mapping(self, node, shape: str) -> dict[str, list[str] | str]:
        """A mapping of levels to words, short names to full names or
        characters to digits."""
        if not isinstance(node, yaml.MappingNode):
            self.fail("expected a mapping", node)
        out = {}
        for k, v in node.value:
            name = str(k.value)
            if shape == "levels":
                if name not in LEVELS:
                    self.fail(f"unknown level '{name}' (expected one of {', '.join(LEVELS)})", k)
                out[name] = self.words(v)
            elif shape == "names":
                if not isinstance(v, yaml.ScalarNode) or not v.value:
                    self.fail(f"'{name}' needs a full name", v)
                out[name] = v.value
            elif shape == "digits":
                if len(name) != 1 or not isinstance(v, yaml.ScalarNode) or v.value not in tuple("0123456789"):
                    self.fail(f"'{name}': expected one character mapped to a digit 0–9", k)
                out[name] = v.value
        return out


def load_attribute_rules(path: str | Path | None = None) -> AttributeRules:
    """Read and check ``rules/attributes.yaml`` (or ``path``).

    Raises :class:`RulesError` (file, line, message) on a YAML syntax error, a
    missing or unknown key, or a value of the wrong shape."""
    path = Path(path or RULES_DIR / "attributes.yaml")
    return _load(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=4)
def _load(path_s: str, _mtime: int) -> AttributeRules:
    path = Path(path_s)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise RulesError(path, mark.line + 1 if mark else None, str(e.problem or e)) from None
    except OSError as e:
        raise RulesError(path, None, f"cannot read ({e.strerror})") from None
    if not isinstance(root, yaml.MappingNode):
        raise RulesError(path, 1, "expected a mapping of keys")
    data = {}
    for k, v in root.value:
        key = str(k.value)
        if key not in _SHAPES:
            raise RulesError(path, _line(k), f"unknown key '{key}'")
        data[key] = _check(path, key, v, _SHAPES[key])
    missing = [k for k in _SHAPES if k not in data]
    if missing:
        raise RulesError(path, 1, f"missing key(s): {', '.join(missing)}")
    return AttributeRules(data)
