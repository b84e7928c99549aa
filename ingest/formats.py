"""Why a file met in a folder is not read: ``rules/formats.yaml``
(extension → reason in Chinese and English), checked on load."""
from __future__ import annotations

from functools import lru_cache

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, check_keys, line_of, load_yaml, strip_lines

FORMATS_PATH = RULES_DIR / "formats.yaml"


@lru_cache(maxsize=2)
def _table(path: str | None = None) -> dict:
    p = path or FORMATS_PATH
    return check_keys(load_yaml(p, lines=True), {"version": int, "reasons": dict, "quiet": (list, False)}, p)


@lru_cache(maxsize=2)
def reasons(path: str | None = None) -> dict[str, str]:
    """Extension (lower case, with the dot, or ``default``) → reason."""
    p = path or FORMATS_PATH
    data = _table(path)
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


@lru_cache(maxsize=2)
def quiet_patterns(path: str | None = None) -> tuple[str, ...]:
    """``quiet`` of rules/formats.yaml: file names (shell patterns, any case)
    passed over without a word — Windows' Thumbs.db, shortcuts, a database
    of nianbao's own and its -wal, -shm and .lock files."""
    return tuple(str(x).lower() for x in strip_lines(_table(path)).get("quiet", []))


def not_read_reason(name: str) -> str | None:
    """Why the file ``name`` (a file name or path) is not read, or None when
    it is passed over without a word (:func:`quiet_patterns`)."""
    from fnmatch import fnmatchcase
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if any(fnmatchcase(base.lower(), q) for q in quiet_patterns()):
        return None
    return unsupported_reason("." + base.rsplit(".", 1)[-1] if "." in base else "")
