"""Text that is safe in a spreadsheet cell.

A CSV or workbook cell whose text begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) is run as a formula by Excel, WPS
and LibreOffice: text taken from a report (a sentence, a file name) must
never do that.  :func:`neutralise` puts an apostrophe in front — the way
Excel itself marks "this is text" — and removes the control characters
spreadsheets refuse.  Numbers are left as they are (a negative number is a
number, not a formula).
"""
from __future__ import annotations

import re

#: characters a spreadsheet reads as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def neutralise(value):
    """``value`` made safe for a spreadsheet cell: text without control
    characters, with ``'`` in front when it would start a formula; other
    values unchanged."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value
