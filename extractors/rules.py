"""Load and validate the YAML rules the extractors use.

The loader itself is :mod:`nianbao.rules.loader` (mistakes reported with the
file and line they are on); its names are re-exported here.  Loaded rules are
cached per process.
"""
from __future__ import annotations

from functools import lru_cache

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, file_digest, load_yaml, strip_lines  # noqa: F401

# one error class for every rule file (units.yaml, metrics.yaml, …)
RuleFileError = RulesError


@lru_cache(maxsize=None)
def load_attributes(path: str | None = None) -> dict:
    data = load_yaml(path or RULES_DIR / "attributes.yaml")
    for key in ("school_pattern", "school_prefix_strip", "school_name_reject", "level_title_words", "level_school_suffixes",
                "region_title_pattern", "provinces", "province_short", "prefecture_pattern", "location_pattern"):
        if key not in data:
            raise RuleFileError(path or RULES_DIR / "attributes.yaml", None, f"missing key '{key}'")
    return data
