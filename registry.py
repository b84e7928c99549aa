"""Registries, in spaCy's manner: extractors and review checks register
themselves by name, and ``rules/pipeline.yaml`` says which run, in what order.

>>> from nianbao.registry import checks
>>> @checks.register("my_check")
... def my_check(doc, facts):          # -> list[Flag]
...     return []

Adding a check is a registered function in a module of ``nianbao/review/``
(or an extractor in ``nianbao/extractors/``) plus its name in
``rules/pipeline.yaml``: the modules of those packages are imported when a
name is looked up, so no central list names them.

The three registries and what a registered function is:

``extractors``    ``fn(doc: Document, facts: Facts) -> None`` — adds to
                  ``facts`` (attributes, metrics, awards); run in the order
                  of ``pipeline.yaml`` ``extractors``.
``checks``        ``fn(doc: Document, facts: Facts) -> list[Flag]`` — the
                  review of one parsed document (``pipeline.yaml`` ``checks``).
``store_checks``  ``fn(conn: sqlite3.Connection) -> list[dict]`` — rows for
                  the ``flags`` table over the whole store, recomputed after
                  every ingest (``pipeline.yaml`` ``store_checks``).
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path
from typing import Callable

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, check_keys, line_of, load_yaml

PIPELINE_PATH = RULES_DIR / "pipeline.yaml"


class Registry:
    """Functions registered by name.  ``packages`` are imported (every module
    in them) before a name is looked up, so that their decorators have run."""

    def __init__(self, kind: str, packages: tuple[str, ...]):
        self.kind = kind
        self.packages = packages
        self._items: dict[str, Callable] = {}
        self._discovered = False

    def register(self, name: str) -> Callable[[Callable], Callable]:
        """Decorator: register ``fn`` under ``name`` (a name is registered once)."""
        def deco(fn: Callable) -> Callable:
            old = self._items.get(name)
            if old is not None and old is not fn and _qualname(old) != _qualname(fn):
                raise ValueError(f"{self.kind} '{name}' is registered twice: {_qualname(old)} and {_qualname(fn)}")
            self._items[name] = fn
            return fn
        return deco

    def discover(self) -> None:
        """Import every module of the registry's packages (once)."""
        if self._discovered:
            return
        for pkg_name in self.packages:
            pkg = importlib.import_module(pkg_name)
            for m in pkgutil.iter_modules(pkg.__path__):
                importlib.import_module(f"{pkg_name}.{m.name}")
        self._discovered = True

    def get(self, name: str) -> Callable:
        """The function registered as ``name``; KeyError naming the known ones."""
        if name not in self._items:
            self.discover()
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"no {self.kind} named '{name}'; registered: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        self.discover()
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        self.discover()
        return name in self._items


def _qualname(fn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"


extractors = Registry("extractor", ("nianbao.extractors",))
checks = Registry("check", ("nianbao.review",))
store_checks = Registry("store check", ("nianbao.review",))

REGISTRIES = {"extractors": extractors, "checks": checks, "store_checks": store_checks}


@lru_cache(maxsize=4)
def pipeline_config(path: str | None = None) -> dict[str, tuple[str, ...]]:
    """``rules/pipeline.yaml``: for each registry, the names that run, in order.
    An unknown name, a name listed twice or a missing list raises
    :class:`RulesError` with the file and line."""
    p = Path(path) if path else PIPELINE_PATH
    data = load_yaml(p, lines=True)
    check_keys(data, {"version": (str, int), **{k: list for k in REGISTRIES}}, p)
    out: dict[str, tuple[str, ...]] = {}
    for key, registry in REGISTRIES.items():
        names = data[key]
        for name in names:
            if not isinstance(name, str) or name not in registry:
                known = ", ".join(registry.names())
                raise RulesError(p, _line_of_item(p, key, name) or line_of(data),
                                 f"{key}: unknown {registry.kind} {name!r} (registered: {known})")
            if names.count(name) > 1:
                raise RulesError(p, _line_of_item(p, key, name) or line_of(data), f"{key}: {name!r} listed twice")
        out[key] = tuple(names)
    return out


def _line_of_item(path: Path, key: str, name) -> int | None:
    """The line of ``- name`` under ``key:`` (the YAML loader keeps lines of mappings only)."""
    inside = False
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            inside = True
        elif inside and line[:1] not in ("", " ", "#", "-"):
            inside = False
        elif inside and line.strip().lstrip("-").strip().split("#")[0].strip() == str(name):
            return i
    return None


def configured(key: str) -> list[tuple[str, Callable]]:
    """The (name, function) pairs of ``pipeline.yaml`` ``key``, in order."""
    registry = REGISTRIES[key]
    return [(name, registry.get(name)) for name in pipeline_config()[key]]
