"""The one loader of nianbao's rule files, and the rules version.

Every YAML file in ``rules/`` is read through :func:`load_yaml`: a syntax
error, and every mistake a loader finds with :func:`need`, :func:`words`,
:func:`regex` or :func:`check_keys`, raises :class:`RulesError` naming the
file and the line, so a domain expert who edits a rule file sees exactly what
to fix.  :func:`rules_digest` is a digest of *every* rule file (YAML, the
metric catalog, the word lists): it is part of the rules version stored with
every extracted value.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

RULES_DIR = Path(__file__).resolve().parent

#: the files that make up the rules (everything a domain expert edits)
RULE_SUFFIXES = (".yaml", ".yml", ".md", ".txt")


class RulesError(ValueError):
    """A rule file is malformed: ``path``, 1-based ``line`` (or None) and ``message``.

    A ``ValueError``, so one ``except ValueError`` catches it."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        self.detail = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def __reduce__(self):  # keep it picklable across worker processes
        return (type(self), (self.path, self.line, self.message))


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (``__line__``)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path, *, lines: bool = False):
    """Read a YAML file.  A syntax error or an unreadable file raises
    :class:`RulesError` with the line.  With ``lines=True`` every mapping
    gets a ``__line__`` key (its 1-based line), for later messages."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=_LineLoader if lines else yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise RulesError(path, mark.line + 1 if mark else None, f"{e.problem or e}") from None
    except OSError as e:
        raise RulesError(path, None, f"cannot read ({e.strerror})") from None


def strip_lines(obj):
    """``obj`` without the ``__line__`` keys :func:`load_yaml` added."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != "__line__"}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


def line_of(data, default: int | None = None) -> int | None:
    return data.get("__line__", default) if isinstance(data, dict) else default


def need(data: dict, key: str, path, kind=None, line: int | None = None):
    """``data[key]``, which must exist (and be a ``kind``), else RulesError."""
    if not isinstance(data, dict):
        raise RulesError(path, line, f"expected a mapping with '{key}'")
    if key not in data:
        raise RulesError(path, line or line_of(data), f"missing key '{key}'")
    v = data[key]
    if kind is not None and not isinstance(v, kind):
        raise RulesError(path, line or line_of(data), f"'{key}' must be a {_kind_name(kind)}")
    return v


def words(data: dict, key: str, path, *, required: bool = True) -> tuple[str, ...]:
    """``data[key]`` as a tuple of non-empty strings."""
    if not required and key not in data:
        return ()
    v = need(data, key, path, list)
    for w in v:
        if not isinstance(w, str) or not w:
            raise RulesError(path, line_of(data), f"'{key}' must be a list of words, got {w!r}")
    return tuple(v)


def regex(pattern, path, line: int | None, what: str) -> re.Pattern:
    """A compiled regular expression, or RulesError naming ``what``."""
    if not isinstance(pattern, str):
        raise RulesError(path, line, f"{what} must be a regular expression (text), got {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as e:
        raise RulesError(path, line, f"bad regex in {what}: {e}") from None


def check_keys(data, spec: dict, path, *, where: str = "", line: int | None = None) -> dict:
    """Check a mapping against ``spec`` = {key: type, or (type, required)}:
    required keys present, every value of its type.  Returns ``data``."""
    if not isinstance(data, dict):
        raise RulesError(path, line, f"{where or 'the file'} must be a mapping")
    for key, kind in spec.items():
        kind, required = kind if isinstance(kind, tuple) and isinstance(kind[-1], bool) else (kind, True)
        if key not in data:
            if required:
                raise RulesError(path, line_of(data, line), f"{where}missing key '{key}'")
            continue
        if not isinstance(data[key], kind):
            raise RulesError(path, line_of(data, line), f"{where}'{key}' must be a {_kind_name(kind)}")
    return data


def _kind_name(kind) -> str:
    names = {dict: "mapping", list: "list", str: "text", int: "whole number", float: "number", bool: "yes/no"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, getattr(k, "__name__", str(k))) for k in kinds)


def rule_files(root: Path = RULES_DIR) -> list[Path]:
    """Every rule file under ``root`` (YAML, markdown, word lists), sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in RULE_SUFFIXES
                  and "__pycache__" not in p.parts)


def file_digest(*paths: Path) -> str:
    """First 8 hex digits of the SHA-256 of the files' bytes."""
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:8]


@lru_cache(maxsize=4)
def rules_digest(root: str | None = None) -> str:
    """First 8 hex digits of a SHA-256 over every rule file's name and bytes:
    any edit anywhere in ``rules/`` changes it (cached per process)."""
    base = Path(root) if root else RULES_DIR
    h = hashlib.sha256()
    for p in rule_files(base):
        h.update(p.relative_to(base).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:8]
