"""Load and validate the YAML rules the extractors use.

The loader itself is :mod:`nianbao.rules.loader` (mistakes reported with the
file and line they are on); its names are re-exported here.  Loaded rules are
cached per process.
"""
from __future__ import annotations

from nianbao.rules.loader import RulesError, file_digest, load_yaml, strip_lines  # noqa: F401

# one error class for every rule file (units.yaml, metrics.yaml, …)
RuleFileError = RulesError
