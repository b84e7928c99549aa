"""The CLI reference in docs/cli.md is the commands' own --help."""
from __future__ import annotations

import importlib.util

from conftest import ROOT


def test_cli_reference_is_current():
    spec = importlib.util.spec_from_file_location("make_cli_reference", ROOT / "docs" / "make_cli_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == mod.render(), \
        "docs/cli.md is stale: run .venv/bin/python docs/make_cli_reference.py"
