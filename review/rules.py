"""The review's rules, read from YAML (rules/review.yaml, rules/checks.yaml and
the official outlines in rules/templates/report-templates.yaml).  Loaded once
per process; pass another path to use another file."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from nianbao.rules import RULES_DIR

REVIEW_PATH = RULES_DIR / "review.yaml"
CHECKS_PATH = RULES_DIR / "checks.yaml"
TEMPLATES_PATH = RULES_DIR / "templates" / "report-templates.yaml"


def _read(path: Path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=4)
def review_rules(path: str | None = None) -> dict:
    return _read(Path(path) if path else REVIEW_PATH)


@lru_cache(maxsize=4)
def check_rules(path: str | None = None) -> dict:
    return _read(Path(path) if path else CHECKS_PATH)


@lru_cache(maxsize=4)
def templates(path: str | None = None) -> list[dict]:
    data = _read(Path(path) if path else TEMPLATES_PATH)
    if not isinstance(data, list):
        raise ValueError(f"{path or TEMPLATES_PATH}: expected a list of templates")
    return data


def rules_label() -> str:
    return f"review {review_rules().get('version', '?')} / checks {check_rules().get('version', '?')}"
