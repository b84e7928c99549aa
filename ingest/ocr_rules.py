"""The OCR settings and noise vocabulary of ``rules/ocr.yaml``, checked on
load, and the text clean-up they drive.

Every replacement maps one character to one character, so a cleaned line
keeps the per-character positions and confidences the recogniser gave.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, check_keys, line_of, load_yaml, regex

_NUMBERS = ("render_dpi", "min_box_confidence", "low_confidence", "seconds_per_page",
            "skew_min_degrees", "orientation_vote", "thin_page_chars", "thin_page_image_share")


@dataclass(frozen=True)
class OcrRules:
    render_dpi: float
    min_box_confidence: float
    low_confidence: float
    seconds_per_page: float
    skew_min_degrees: float
    orientation_vote: float
    thin_page_chars: float
    thin_page_image_share: float
    replace: dict[str, str]
    digit_lookalikes: dict[str, str]
    thousands: tuple[str, ...]
    decimal: tuple[str, ...]
    page_numbers: tuple[re.Pattern, ...]


def _char_map(data: dict, key: str, path) -> dict[str, str]:
    m = data.get(key) or {}
    if not isinstance(m, dict):
        raise RulesError(path, line_of(data), f"'{key}' must be a mapping of one character to one character")
    m = {k: v for k, v in m.items() if k != "__line__"}
    for k, v in m.items():
        if not (isinstance(k, str) and isinstance(v, str) and len(k) == 1 and len(v) == 1):
            raise RulesError(path, line_of(data.get(key)), f"{key}: {k!r} → {v!r}: both sides must be one "
                             "character (positions and confidences stay per character)")
    return m


@lru_cache(maxsize=None)
def load_ocr_rules(path: str | None = None) -> OcrRules:
    """Read and check ``rules/ocr.yaml`` (or ``path``).  A mistake raises
    :class:`nianbao.rules.loader.RulesError` with the file and line."""
    p = Path(path) if path else RULES_DIR / "ocr.yaml"
    data = load_yaml(p, lines=True)
    check_keys(data, {**{k: (int, float) for k in _NUMBERS}, "replace": dict, "digit_lookalikes": dict,
                      "number_separators": dict, "page_number_patterns": list}, p)
    for key in _NUMBERS:
        if data[key] < 0:
            raise RulesError(p, line_of(data), f"'{key}' must be ≥ 0")
    seps = data["number_separators"]
    for key in ("thousands", "decimal"):
        if not isinstance(seps.get(key), list) or not all(isinstance(x, str) and len(x) == 1 for x in seps[key]):
            raise RulesError(p, line_of(seps), f"number_separators.{key}: must be a list of single characters")
    pages = tuple(regex(rx, p, line_of(data), "page_number_patterns") for rx in data["page_number_patterns"])
    return OcrRules(**{k: float(data[k]) for k in _NUMBERS},
                    replace=_char_map(data, "replace", p),
                    digit_lookalikes=_char_map(data, "digit_lookalikes", p),
                    thousands=tuple(seps["thousands"]), decimal=tuple(seps["decimal"]),
                    page_numbers=pages)


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9" or "０" <= ch <= "９"


def clean_text(text: str, rules: OcrRules | None = None) -> str:
    """OCR noise out of one recognised line, character for character (the
    result has the same length): look-alike characters (``丶`` → ``、``),
    letters inside digit runs (``1O5`` → ``105``), full-width separators
    inside numbers (``1，046`` → ``1,046``, ``12。5`` → ``12.5``)."""
    r = rules or load_ocr_rules()
    chars = [r.replace.get(c, c) for c in text]
    n = len(chars)
    # letters between digits; repeat so that "1OO5" becomes "1005"
    changed = True
    while changed:
        changed = False
        for i, c in enumerate(chars):
            if c in r.digit_lookalikes and 0 < i < n - 1:
                left = _is_digit(chars[i - 1])
                right = _is_digit(chars[i + 1]) or (chars[i + 1] in r.digit_lookalikes and i + 2 < n
                                                    and _is_digit(chars[i + 2]))
                if left and right:
                    chars[i] = r.digit_lookalikes[c]
                    changed = True
    for i, c in enumerate(chars):
        if 0 < i < n - 1 and _is_digit(chars[i - 1]):
            if c in r.thousands and _thousands_group(chars, i + 1):
                chars[i] = ","
            elif c in r.decimal and _short_fraction(chars, i + 1):
                chars[i] = "."
    return "".join(chars)


def _thousands_group(chars: list[str], j: int) -> bool:
    """Three digits from ``j``, and no fourth digit right after them."""
    group = chars[j:j + 3]
    return (len(group) == 3 and all(_is_digit(c) for c in group)
            and not (j + 3 < len(chars) and _is_digit(chars[j + 3])))


def _short_fraction(chars: list[str], j: int) -> bool:
    """One or two digits from ``j`` and no digit after them: ``12。5个`` is
    12.5, ``增长12。2023年`` is a sentence end before a year."""
    k = j
    while k < len(chars) and _is_digit(chars[k]):
        k += 1
    return 1 <= k - j <= 2
