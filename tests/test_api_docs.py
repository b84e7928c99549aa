"""docs/api.md stays true: every ```python block in it runs, in order, in one
namespace, from a folder where ``corpus/`` is the bundled corpus."""
from __future__ import annotations

import re

from conftest import ROOT

API_DOC = ROOT / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", API_DOC.read_text(encoding="utf-8"), flags=re.S)


def test_api_examples_run(tmp_path, monkeypatch, capsys):
    blocks = _blocks()
    assert len(blocks) >= 8
    (tmp_path / "corpus").symlink_to(ROOT / "corpus", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_api"}
    try:
        for i, code in enumerate(blocks, 1):
            exec(compile(code, f"docs/api.md block {i}", "exec"), namespace)
    finally:
        from nianbao.registry import checks
        checks._items.pop("doc_example_short_report", None)   # the example check is not for other tests
    assert "果园县职业技术学校" in capsys.readouterr().out


def test_front_door_from_outside_the_checkout(tmp_path):
    """``import nianbao`` works from anywhere; no generic top-level module is installed."""
    import subprocess
    import sys
    code = ("import importlib.util, nianbao; nianbao.parse; nianbao.extract; nianbao.Database; "
            "print([m for m in ('ingest', 'store', 'rules', 'review', 'extractors', 'pipeline', 'workers') "
            "if importlib.util.find_spec(m) is not None])")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
