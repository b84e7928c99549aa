"""The examples in the modules' docstrings run, as written, and give what
they show.

They name files a user would have (``report.pdf``, ``reports.zip``, a
folder ``报告/`` …); the test makes those from the corpus in a temporary
folder and runs every module's examples there, in one fresh process (the
registry example registers a check, which must not leak into other tests).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPORTS = Path(__file__).resolve().parent.parent / "corpus" / "reports"

#: every module whose docstrings hold examples (a module added with examples
#: and not listed here fails test_every_module_with_examples_is_listed)
MODULES = [
    "nianbao", "nianbao.database", "nianbao.registry", "nianbao.ingest", "nianbao.ingest.archive",
    "nianbao.ingest.legacy", "nianbao.extractors.extract", "nianbao.extractors.numbers",
    "nianbao.extractors.cues", "nianbao.extractors.awards", "nianbao.review", "nianbao.evaluate.scans",
]

RUNNER = """
import doctest, importlib, sys
failed = 0
for name in sys.argv[1:]:
    r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    print(name, r.attempted, r.failed)
    failed += r.failed
sys.exit(1 if failed else 0)
"""


def _user_folder(tmp_path: Path) -> Path:
    """The files the examples name, made from the corpus."""
    shutil.copyfile(REPORTS / "A_zhongzhi_2023.pdf", tmp_path / "report.pdf")
    shutil.copyfile(REPORTS / "A_zhongzhi_2023.docx", tmp_path / "report.docx")
    (tmp_path / "报告").mkdir()
    for name in ("B_gaozhi_2023.docx", "B_gaozhi_2023.pdf"):
        shutil.copyfile(REPORTS / name, tmp_path / "报告" / name)
    with zipfile.ZipFile(tmp_path / "各校报告.zip", "w") as z:
        for name in ("C_zhongzhi_2024title.docx", "E_zhongzhi_2023_gb18030.txt"):
            z.write(REPORTS / name, name)
    shutil.copyfile(tmp_path / "各校报告.zip", tmp_path / "reports.zip")
    return tmp_path


def test_module_examples_run_as_written(tmp_path):
    folder = _user_folder(tmp_path)
    r = subprocess.run([sys.executable, "-c", RUNNER, *MODULES], cwd=folder, capture_output=True,
                       text=True, encoding="utf-8", timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    ran = {line.split()[0]: int(line.split()[1]) for line in r.stdout.splitlines() if line.strip()}
    assert all(ran[m] > 0 for m in MODULES), ran          # every listed module has examples that ran
    assert (folder / "scan.pdf").exists() and (folder / "reports.db").exists()


def test_every_module_with_examples_is_listed():
    root = REPORTS.parent.parent
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] in {"tests", "corpus", "bench", "docs", ".venv", "build"} or ".venv" in rel.parts:
            continue
        if ">>> " in path.read_text(encoding="utf-8"):
            parts = ["nianbao", *rel.with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found.add(".".join(parts))
    assert found == set(MODULES)
