"""sqlite-utils, imported without pandas and numpy.

sqlite-utils imports pandas and numpy, when they are installed, only to
recognise their value types in rows it is given (``sqlite_utils/db.py``,
``pd`` and ``np``).  nianbao hands it Python values only (``str``, ``int``,
``float``, ``bytes``, ``None``), so the store imports it with the two hidden:
that saves ≈ 0.4 s at the start of every command (``python -X importtime``).
A process that imported numpy or pandas before is left as it is.
"""
from __future__ import annotations

import importlib
import sys

#: imported by sqlite-utils only for their types: hidden while it is imported
_OPTIONAL = ("pandas", "numpy")


def _import():
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    hidden = [name for name in _OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None          # importing it raises ImportError: sqlite-utils goes without
    try:
        return importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


sqlite_utils = _import()
