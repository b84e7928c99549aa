"""Part of a school's name as a filter: SQL ``LIKE`` with ``%`` and ``_`` plain.

Every ``--school`` filter (and the Python API's ``school=``) matches a name
that *contains* the text given.  In SQLite's ``LIKE`` the characters ``%``
and ``_`` are wildcards; a school name never means them so, and before this
module ``--school _`` matched every school while ``correct`` (which escaped
them) matched none.  Use ``f"school {CONTAINS}"`` with
``like_pattern(text)`` as its parameter.
"""
from __future__ import annotations

#: the SQL after a column: ``school LIKE ? ESCAPE '\'``
CONTAINS = "like ? escape '\\'"


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE … ESCAPE '\\'``, with ``%``, ``_`` and ``\\`` in
    ``text`` matched as themselves (str → str)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
