"""Errors raised while reading nianbao's rule files (``rules/*.yaml``).

A rule file is written by a domain expert, not a programmer, so a mistake in
it must say which file and which line is wrong rather than surface as a
``KeyError`` deep inside an extractor.  The class lives with the one loader,
:mod:`nianbao.rules.loader`.
"""
from __future__ import annotations

from nianbao.rules.loader import RulesError

__all__ = ["RulesError"]
