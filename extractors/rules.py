"""Load and validate the YAML rules in ``rules/``.

Mistakes are reported with the file and line they are on, so a domain expert
who edits a rule file sees exactly what to fix.  Loaded rules are cached per
process.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from .errors import RulesError


# one error class for every rule file (units.yaml, metrics.yaml, …)
RuleFileError = RulesError


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path, *, lines: bool = False):
    """Read a YAML file; syntax errors become RuleFileError with the line.
    With ``lines=True`` every mapping gets a ``__line__`` key."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=_LineLoader if lines else yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise RuleFileError(path, mark.line + 1 if mark else None, f"{e.problem or e}") from None
    except OSError as e:
        raise RuleFileError(path, None, f"cannot read ({e.strerror})") from None


def strip_lines(obj):
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != "__line__"}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


def file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:8]
