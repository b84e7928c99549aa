"""Write docs/cli.md from the commands' own --help (so the reference is never
out of date; tests/test_docs.py checks it).

    .venv/bin/python docs/make_cli_reference.py          # rewrite docs/cli.md
    .venv/bin/python docs/make_cli_reference.py --check  # exit 1 when stale
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from nianbao import pipeline  # noqa: E402

OUT = ROOT / "docs" / "cli.md"


def render() -> str:
    runner = CliRunner()
    parts = ["# nianbao command reference / 命令参考\n",
             "Generated from each command's `--help` by `docs/make_cli_reference.py`; do not edit by hand.\n"]
    top = runner.invoke(pipeline.cli, ["--help"], prog_name="nianbao", terminal_width=100)
    parts.append(f"## nianbao\n\n```\n{top.output.rstrip()}\n```\n")
    for name in sorted(pipeline.cli.commands):
        r = runner.invoke(pipeline.cli, [name, "--help"], prog_name="nianbao", terminal_width=100)
        parts.append(f"## nianbao {name}\n\n```\n{r.output.rstrip()}\n```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print("docs/cli.md is out of date: run .venv/bin/python docs/make_cli_reference.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
