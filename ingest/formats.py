"""Why a file met in a folder is not read: ``rules/formats.yaml``
(extension → reason in Chinese and English), checked on load."""
from __future__ import annotations

from functools import lru_cache

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, check_keys, line_of, load_yaml, strip_lines

FORMATS_PATH = RULES_DIR / "formats.yaml"


@lru_cache(maxsize=2)
def reasons(path: str | None = None) -> dict[str, str]:
    """Extension (lower case, with the dot, or ``default``) → reason."""
    p = path or FORMATS_PATH
    data = check_keys(load_yaml(p, lines=True), {"version": int, "reasons": dict}, p)
    out = strip_lines(data)["reasons"]
    for ext, why in out.items():
        if not (ext == "default" or ext.startswith(".")) or not isinstance(why, str) or not why.strip():
            raise RulesError(p, line_of(data["reasons"]), f"reasons.{ext}: an extension '.xyz' (or default) "
                                                          "with a reason as text")
    if "default" not in out:
        raise RulesError(p, line_of(data["reasons"]), "reasons: missing key 'default'")
    return out


def unsupported_reason(suffix: str) -> str:
    """The reason a file with this extension is not read."""
    table = reasons()
    return table.get((suffix or "").lower(), table["default"])
