"""Recognise headings and captions in a line of text, and give headings their
level within one document.

The patterns are data (``rules/headings.yaml``); this module only applies
them.  Every parser that sees lines of text (PDF, .txt, Word paragraphs with
no heading style) uses the same :class:`HeadingClassifier`, so the three
formats of one report yield the same outline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nianbao.rules import RULES_DIR
from nianbao.rules.loader import check_keys, load_yaml


@dataclass(frozen=True)
class HeadingMatch:
    style: str          # part / dotted / arabic / cn / cn_paren / arabic_paren / circled / front
    number: str | None  # the numbering label as written ("1.1", "（一）", "一、")
    title: str
    depth: int = 1      # for dotted numbers: how many numbers (1.1 → 2)


@dataclass(frozen=True)
class CaptionMatch:
    kind: str           # table / figure / appendix
    number: str         # "表一", "图3", "附表1"
    title: str


_SPACES = re.compile(r"[\s\u3000]+")


@lru_cache(maxsize=None)
def _load(path: str | None = None) -> dict:
    p = path or RULES_DIR / "headings.yaml"
    data = check_keys(load_yaml(p), {"styles": list, "captions": (list, False)}, p)  # RulesError: file and line
    data["_styles"] = [(s["style"], re.compile(s["pattern"])) for s in data["styles"]]
    data["_emph"] = [(s["style"], re.compile(s["pattern"])) for s in data.get("styles_if_emphasised", [])]
    data["_reject"] = [re.compile(p) for p in data.get("reject_if_matches", [])]
    data["_front"] = [re.compile(p) for p in data.get("front_matter", [])]
    data["_captions"] = [(c["kind"], re.compile(c["pattern"])) for c in data.get("captions", [])]
    return data


def clean_line(line: str) -> str:
    return line.strip().strip("\u3000").strip()


def match_caption(line: str) -> CaptionMatch | None:
    s = clean_line(line)
    if not s or len(s) > 70:
        return None
    for kind, rx in _load()["_captions"]:
        m = rx.match(s)
        if m:
            title = m.group("title").strip()
            if title.endswith(("。", "；")):
                return None
            return CaptionMatch(kind, _SPACES.sub("", m.group("num")), title)
    return None


#: the last call of :func:`match_heading`: (rules, arguments, result) — a
#: parser often asks about one line twice in a row (the PDF parser before
#: :func:`ingest.structure.classify_line` asks again)
_LAST_MATCH: list = [None]


def match_heading(line: str, *, numbered_only: bool = False, emphasised: bool = False) -> HeadingMatch | None:
    """Classify one line as a heading, or return None for body text.
    ``emphasised``: the line is set in a larger or bold font, which allows the
    extra patterns of ``styles_if_emphasised``."""
    cfg = _load()
    args = (line, numbered_only, emphasised)
    last = _LAST_MATCH[0]
    if last is not None and last[0] is cfg and last[1] == args:
        return last[2]
    found = _match_heading(cfg, line, numbered_only, emphasised)
    _LAST_MATCH[0] = (cfg, args, found)
    return found


def _match_heading(cfg: dict, line: str, numbered_only: bool, emphasised: bool) -> HeadingMatch | None:
    """:func:`match_heading` with the rules ``cfg``."""
    s = clean_line(line)
    if not s or "\t" in line.lstrip(" ")[:1]:
        return None
    if not numbered_only:
        compact = _SPACES.sub("", s)
        for rx in cfg["_front"]:
            if rx.match(compact):
                return HeadingMatch("front", None, compact)
    # the first numbering style that matches, then the reject patterns: a
    # line no style matches (most body text) is not searched for them
    for style, rx in cfg["_styles"] + (cfg["_emph"] if emphasised else []):
        m = rx.match(s)
        if m:
            break
    else:
        return None
    for rx in cfg["_reject"]:
        if rx.search(s):
            return None
    title = m.group("title").strip()
    if len(title) > cfg["max_title_chars"] or title.endswith(tuple(cfg["reject_if_ends_with"])):
        return None
    if "。" in title:
        return None
    number = _SPACES.sub("", m.group("num"))
    depth = len(re.findall(r"\d+", number)) if style == "dotted" else 1
    return HeadingMatch(style, number, title, depth)


class LevelAssigner:
    """Give heading styles their levels within one document.

    A style seen for the first time sits one level below the heading before
    it; after that it keeps its level.  Dotted numbers sit one level per dot
    below the plain arabic style ("1." → L, "1.1" → L+1, "1.1.1" → L+2).
    Unnumbered front-matter headings (前言, 目录) are level 1.
    """

    def __init__(self) -> None:
        self.levels: dict[str, int] = {}
        self.last_level = 0

    def level(self, m: HeadingMatch) -> int:
        if m.style == "front":
            # front matter is level 1 but does not push the numbered parts
            # below it: the first numbering style after 前言 is level 1 too
            self.last_level = 0
            return 1
        if m.style == "dotted":
            base = self.levels.get("arabic")
            if base is None:
                # "1.1" seen before any "1." heading: anchor the arabic style
                # so that depth 2 lands below the last heading
                base = max(1, min(self.last_level + 2 - m.depth, 6))
                self.levels["arabic"] = base
            lvl = base + m.depth - 1
        else:
            lvl = self.levels.get(m.style)
            if lvl is None:
                lvl = min(self.last_level + 1, 6)
                self.levels[m.style] = lvl
        self.last_level = lvl
        return lvl

    def observe(self, style: str, level: int) -> None:
        """Record a level known from elsewhere (a Word heading style)."""
        if style != "front" and style != "dotted":
            self.levels.setdefault(style, level)
        self.last_level = level



@dataclass(frozen=True)
class WordListRules:
    """``word_lists`` of rules/headings.yaml: how Word list paragraphs are
    told from headings (see the comments there)."""
    hierarchy_styles: frozenset[str]
    typed_list_styles: frozenset[str]
    ends_sentence: tuple[str, ...]
    list_styles: tuple[re.Pattern, ...]
    max_title_chars: int


@lru_cache(maxsize=None)
def word_list_rules() -> WordListRules:
    """The ``word_lists`` section, checked; ValueError names the file and key."""
    cfg = _load()
    wl = cfg.get("word_lists")
    where = f"{RULES_DIR / 'headings.yaml'}: word_lists"
    if not isinstance(wl, dict):
        raise ValueError(f"{where}: missing or not a mapping")
    for key in ("hierarchy_styles", "typed_list_styles", "ends_sentence", "list_styles"):
        if not isinstance(wl.get(key), list) or not all(isinstance(x, str) for x in wl[key]):
            raise ValueError(f"{where}.{key}: must be a list of strings")
    known = {s for s, _ in cfg["_styles"]}
    for key in ("hierarchy_styles", "typed_list_styles"):
        unknown = set(wl[key]) - known
        if unknown:
            raise ValueError(f"{where}.{key}: unknown styles {sorted(unknown)} (known: {sorted(known)})")
    try:
        styles = tuple(re.compile(p, re.I) for p in wl["list_styles"])
    except re.error as e:
        raise ValueError(f"{where}.list_styles: bad pattern {e.pattern!r}: {e}") from None
    return WordListRules(frozenset(wl["hierarchy_styles"]), frozenset(wl["typed_list_styles"]),
                         tuple(wl["ends_sentence"]), styles, int(cfg["max_title_chars"]))
