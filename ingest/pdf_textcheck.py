"""Is a page's text layer readable?

Two kinds of unreadable text layers:

* **visibly broken** — ``(cid:N)`` codes, U+FFFD, private-use code points,
  control characters, or (with no Chinese at all) ASCII symbol soup: what a
  font without a Unicode map gives.  Measured by :func:`text_quality`.
* **wrong but valid Chinese** — a CID font without a usable ToUnicode map
  decodes to real characters that are not the ones printed (``Buyer：哾㦓``).
  Every character is valid, so only how plausible the sequence is as Chinese
  tells: :func:`implausible_chinese`.

Readable pages are kept: a symbol-font bullet at the start of a line (a
private-use code point like U+F06C) and dot leaders of a table of contents
(``……``, ``.....``) are not counted against the page.

Plausibility uses two measures, both from data already at hand:

* the share of Chinese characters in GB2312 level 1 (the 3,755 most common
  characters, tested with Python's ``gb2312`` codec): above 0.9 in running
  text (the seed's pages 0.98–1.0, the real passages of ``../shared/realdev``
  at least 0.93);
* only when that share is low: the share of adjacent character pairs that
  begin a word of jieba's dictionary (``jieba.dt.FREQ``, its words and their
  prefixes) — a wrong decode pairs characters no word has.

Text that is almost all Big5-encodable is Traditional Chinese, not a wrong
decode, and is not judged by these simplified-Chinese measures.
"""
from __future__ import annotations

import re

BAD_CHARS = re.compile("[\ufffd\ue000-\uf8ff]|\\(cid:\\d+\\)")
_SYMBOLS = re.compile(r"[!-/:-@\[-`{-~]")
_CTRL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f]")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
#: a symbol-font bullet: one private-use character opening a line
_BULLET = re.compile("(?m)^([ \t]*)[\ue000-\uf8ff](?=[ \t\u3000]|$)")
#: dot leaders of a table of contents
_LEADERS = re.compile(r"[.．·…‥•_\-—]{3,}")

#: GB2312 level-1 share below which a page's Chinese is looked at closer
COMMON_SHARE = 0.85
#: … and below which, with few word-like pairs, it is a wrong decode
GARBAGE_COMMON_SHARE = 0.6
GARBAGE_PAIR_SHARE = 0.25
#: characters of a page looked at first
SAMPLE = 400


def strip_bullets(text: str) -> str:
    """Symbol-font bullets (a private-use character opening a line) as •."""
    return _BULLET.sub(lambda m: m.group(1) + "•", text)


def text_quality(text: str) -> tuple[int, float, str]:
    """(number of visible characters, share of unreadable ones, reason)."""
    visible = sum(map(len, text.split()))   # split() and re's \s: the same (str.isspace) characters
    if not visible:
        return 0, 0.0, ""
    bad = sum(len(m) for m in BAD_CHARS.findall(text))
    ctrl = len(_CTRL.findall(text))
    share = (bad + ctrl) / visible
    if share > 0:
        kind = "cid codes" if "(cid:" in text else ("private-use characters" if re.search("[\ue000-\uf8ff]", text)
                                                    else "unmapped characters")
        return visible, share, kind
    # a font without a Unicode map often comes out as ASCII symbol soup
    if visible >= 40 and not _CJK.search(text):
        plain = _LEADERS.sub("", text)
        sym = len(_SYMBOLS.findall(plain)) / visible
        if sym > 0.35:
            return visible, sym, "symbols instead of characters (font without a Unicode map)"
    return visible, 0.0, ""


def _count(runs: re.Pattern, text: str) -> int:
    """How many characters of ``text`` a character class matches, given the
    class as a pattern of runs (``[…]+``): each such character lies in
    exactly one run, and a run is one match instead of one per character."""
    return sum(map(len, runs.findall(text)))


def _gb2312_class(first: int, last: int) -> re.Pattern:
    """A regex matching runs of the Han characters of GB2312 rows
    ``first``–``last`` (lead bytes; level 1 is 0xB0–0xD7, level 2 0xD8–0xF7)."""
    chars = []
    for b1 in range(first, last + 1):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.append(bytes((b1, b2)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return re.compile("[" + "".join(sorted(set(chars))) + "]+")


_LEVEL1 = _gb2312_class(0xB0, 0xD7)
_GB2312 = _gb2312_class(0xB0, 0xF7)


def _big5(ch: str) -> bool:
    try:
        ch.encode("big5")
        return True
    except UnicodeEncodeError:
        return False


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _word_pair_share(runs: list[str]) -> float | None:
    """Share of adjacent Han pairs that begin a word of jieba's dictionary;
    None when there is no pair."""
    pairs = [r[i:i + 2] for r in runs for i in range(len(r) - 1)]
    if not pairs:
        return None
    import jieba
    jieba.dt.check_initialized()
    freq = jieba.dt.FREQ
    return sum(p in freq for p in pairs) / len(pairs)


def implausible_chinese(text: str) -> str:
    """A reason when the page's Chinese reads as a wrong decode, else ""."""
    sample = text[:SAMPLE]          # a page decodes wrongly throughout, or not at all
    n = _count(_HAN, sample)
    if n < 2:
        return ""
    common = _count(_LEVEL1, sample) / n
    if common < COMMON_SHARE and len(sample) < len(text):
        text = text[:8 * SAMPLE]
        n = _count(_HAN, text)
        common = _count(_LEVEL1, text) / n
    if common >= COMMON_SHARE:
        return ""
    runs = _HAN.findall(text)
    chars = "".join(runs)
    if sum(map(_big5, chars)) >= 0.95 * n:
        return ""           # Traditional Chinese
    words = _word_pair_share(runs)
    in_gb = _count(_GB2312, chars) / n
    if n >= 8:
        bad = common < GARBAGE_COMMON_SHARE and (words is None or words < GARBAGE_PAIR_SHARE)
    else:
        bad = in_gb <= 0.5 and not words
    if not bad:
        return ""
    pairs = "" if words is None else f", {words:.0%} of character pairs form words"
    return (f"implausible Chinese: {common:.0%} of {n} characters are common ones{pairs} "
            "(a font without a usable Unicode map)")
