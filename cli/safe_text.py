"""Text from reports and file names made safe to print or to open in Excel.

Report text, titles, file names and zip member names come from outside: a
PDF can hold escape sequences, a file name a newline.  Printed as they are,
they could move the cursor, recolour or clear the terminal, or forge a line
of the ingest summary.  Opened in Excel, a CSV cell beginning ``=`` ``+``
``-`` or ``@`` runs as a formula.

* :func:`terminal_text` — control characters (C0, DEL, C1), line and
  paragraph separators and bidirectional overrides shown as visible escapes
  (``\\n``, ``\\x1b``, ``\\u202e``): one line in, one line out.
* :func:`json_text` — the same characters escaped inside JSON text that
  ``json.dumps(..., ensure_ascii=False)`` made (still valid JSON, same value).
* CSV and workbook cells are made formula-safe by
  :func:`nianbao.export.cells.neutralise` (a leading apostrophe).
"""
from __future__ import annotations

import re

#: characters a terminal acts on instead of showing
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: the ones ``json.dumps`` leaves as they are (it escapes C0 already)
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def terminal_text(value) -> str:
    """``value`` as text a terminal shows as is: every control character as
    a visible escape (``\\n``, ``\\x1b`` …); text without any is unchanged."""
    s = value if isinstance(value, str) else str(value)
    return UNSAFE.sub(_escape, s) if UNSAFE.search(s) else s


def json_text(dumped: str) -> str:
    """JSON text (from ``json.dumps(ensure_ascii=False)``) with DEL, C1 and
    bidirectional controls written as ``\\uXXXX`` escapes."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
