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


# -- the examples of README.md and the user guide run on a fresh clone ------------------------
import os  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

DOCS = [ROOT / "README.md", ROOT / "docs" / "使用指南.md"]


def shell_examples(path: Path) -> list[str]:
    """The command lines of the ```sh blocks of a document, in order (```text
    blocks hold templates and output, not runnable examples)."""
    text = path.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        lines += [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return lines


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_example_is_a_valid_command(doc, tmp_path, monkeypatch):
    from nianbao.pipeline import cli
    lines = shell_examples(doc)
    assert lines, f"{doc.name} has no ```sh examples"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus" / "reports").mkdir(parents=True)
    for line in lines:
        for target in re.findall(r"> (\S+)", line):   # files an earlier example writes
            (tmp_path / target).write_text("", encoding="utf-8")
        words = shlex.split(line.split(" # ")[0].split(" > ")[0])
        assert words[0] == "nianbao", line
        cmd = cli.commands[words[1]]
        cmd.make_context(words[1], words[2:], resilient_parsing=False)   # raises on a bad option


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_examples_run_on_what_a_fresh_clone_has(doc, tmp_path):
    """Every ```sh line, in order, in a folder holding only the bundled
    corpus (no ../shared, no demo database): exit status 0, no error."""
    shutil.copytree(ROOT / "corpus" / "reports", tmp_path / "corpus" / "reports")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    lines = shell_examples(doc)
    if not lines[0].startswith("nianbao ingest"):
        lines.insert(0, "nianbao ingest corpus/reports")
    for line in lines:
        p = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, timeout=600)
        out = p.stdout.decode("utf-8", "replace")
        assert p.returncode == 0, f"{line}\n{out}\n{p.stderr.decode('utf-8', 'replace')}"
        assert "Error" not in out and "错误 /" not in out, line
    assert (tmp_path / "nianbao.db").exists()
