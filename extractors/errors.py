"""Errors raised while reading nianbao's rule files (``rules/*.yaml``).

A rule file is written by a domain expert, not a programmer, so a mistake in
it must say which file and which line is wrong rather than surface as a
``KeyError`` deep inside an extractor.
"""
from __future__ import annotations

from pathlib import Path


class RulesError(ValueError):
    """A rule file is malformed: ``path``, 1-based ``line`` (or None) and ``message``.

    A ``ValueError`` like ``extractors.rules.RuleFileError``, so one
    ``except ValueError`` catches both."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        self.detail = message  # same name as RuleFileError.detail
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def __reduce__(self):  # keep it picklable across worker processes
        return (type(self), (self.path, self.line, self.message))
