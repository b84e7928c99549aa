"""Award lists (技能大赛获奖名单) from the narrative and from award tables.

One :class:`~extractors.facts.Award` per person: competition, level, event
(赛项), prize, person, role, year, with provenance (page, section path,
sentence, character span in ``Document.text``, rule id).  The words are data
(``rules/awards.yaml``); this module only applies them.

>>> from nianbao.ingest import parse
>>> from nianbao.extractors.awards import extract_awards
>>> [(a.person, a.prize, a.event) for a in extract_awards(parse("report.docx"), 2023)][:2]
[('王子涵', '一等奖', '汽车机电维修'), ('李嘉豪', '一等奖', '汽车机电维修')]

How the narrative is read
-------------------------
A paragraph is cut into tokens — competition names (after a trigger word such
as 参加 / 在), prizes (with the level written before them: 自治区三等奖), role
words (参赛学生, 老师, 团队), award verbs (获得, 荣获), event markers (赛项,
项目), punctuation and enumeration markers (一是, ①, （1）) — and the text
between tokens, which is read as a list of person names when it is one.  A
prize goes to

* the names right before it or before its verb (``A、B获一等奖``,
  ``A优胜奖``, ``教师A在…比赛中获…``), rule ``awards/text/names-prize``;
* the names right after a rank or a prize that opens a clause
  (``第一名A，第二名B、C``, ``一等奖：A、B``), rule ``awards/text/prize-names``;
* every name listed since the sentence began when the award clause has no
  subject of its own (``参赛教师：A、B，参赛学生：C，获得地区三等奖``), rule
  ``awards/text/listed-names``.

Anything else — a count (``累计120名师生获奖``, ``共获一等奖2项``), a prize
with another subject (``学校获得优秀组织奖``), names with no prize — gives no
row: a missing row is better than a wrong one.  Rows that state the same
award twice (a narrative list and a table, a summary repeated in the teachers'
section) are merged, the more complete statement filling the other's gaps.

Award tables are recognised by their header (a person column and a prize
column, ``rules/awards.yaml`` ``table``); every name in a person cell is a row
(rule ``awards/table``, instructors ``awards/table/instructor``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nianbao.ingest.model import CAPTION, PARAGRAPH, TABLE, Block, Document
from nianbao import registry
from nianbao.rules import RULES_DIR

from .facts import Award, Provenance
from .rules import RuleFileError, file_digest, load_yaml

__all__ = ["extract_awards", "load_award_rules", "AwardRules", "DEFAULT_AWARDS_PATH"]

DEFAULT_AWARDS_PATH = RULES_DIR / "awards.yaml"

HAN = "\u4e00-\u9fa5"
_SPACE = re.compile(r"[\s\u3000\xa0\u200b]")
_STRONG = set("；;。！？!?")
_PUNCT = "，,；;：:。！？!?"
_YEAR_IN = re.compile(r"(?<![\d０-９])((?:19|20)\d\d)\s*年")
_SENT_YEAR = re.compile(r"(?<![\d０-９])((?:19|20)\d\d)年度?(?![底初末]?(?:以来|至今|起|以前|前))")
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》|\"[^\"]*\"|「[^」]*」")

ROLES = ("student", "teacher", "team")


def _lit(words) -> str:
    words = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in words) if words else "(?!)"


# ---------------------------------------------------------------- rules

@dataclass
class AwardRules:
    path: Path
    label: str
    prize_role: dict[str, str]                 # prize word → implied role
    prize_rx: re.Pattern                        # (?P<plevel>…)?(?P<prize>…)
    not_prizes: set[str]
    rank_prizes: set[str]
    count_after: re.Pattern
    level_words: list[tuple[str, str]]          # (word, level)
    level_rx: re.Pattern                        # every level word with its context checks
    level_places: list[tuple[str, str]]
    role_words: dict[str, str]                  # word → role
    team_comp_words: tuple[str, ...]
    teacher_comp_words: tuple[str, ...]
    default_role: str | None
    verbs: tuple[str, ...]
    filler_rx: re.Pattern                       # a gap made only of filler words
    fillers: tuple[str, ...]
    enum_top: list[re.Pattern]
    enum_sub: list[re.Pattern]
    enum_any: re.Pattern                        # matches where any of them does
    token_rx: re.Pattern
    comp_trigger_rx: re.Pattern
    comp_start_rx: re.Pattern
    comp_suffix_rx: re.Pattern
    comp_not_before: tuple[str, ...]
    inner_triggers: tuple[str, ...]
    generic_prefixes: tuple[str, ...]
    organiser_rx: re.Pattern
    list_joiners: tuple[str, ...]
    alias_joiner: str
    stage_words: tuple[str, ...]
    drop_stage_after: tuple[str, ...]
    comp_min: int
    comp_max: int
    event_suffixes: tuple[str, ...]
    event_max: int
    event_cut_after: tuple[str, ...]
    event_strip: list[re.Pattern]
    generic_events: set[str]
    dots: str
    plain_min: int
    plain_max: int
    dotted_part_max: int
    dotted_max: int
    surnames: set[str]
    compound_surnames: set[str]
    not_name_chars: set[str]
    not_dotted_chars: set[str]
    veto_min_freq: int
    veto_prefix_min_freq: int
    not_name_words: tuple[str, ...]
    leading: tuple[str, ...]
    followers: tuple[str, ...]
    subject_tails: tuple[str, ...]
    joiners: tuple[str, ...]
    respectively: str = ""        # names.respectively in awards.yaml
    follower_rx: re.Pattern = re.compile("(?!)")
    subject_tail_rx: re.Pattern = re.compile("(?!)")
    table: dict = field(default_factory=dict)
    name_sep_rx: re.Pattern = re.compile(r"[、，,；;/\s]+")
    name_suffix_rx: re.Pattern = re.compile("(?!)")   # cut off the end of a name in a table cell
    name_note_rx: re.Pattern = re.compile("(?!)")     # a note after a name in a cell: (its school)
    inner_trigger_rx: re.Pattern = re.compile("(?!)")  # competition.inner_trigger_pattern
    caption_strip: re.Pattern = re.compile(r"(?:获奖)?(?:情况|名单|一览表?|统计表?)+$")
    prize_aliases: dict = field(default_factory=dict)
    instructor_rows: bool = True
    #: the prize words alone: whether a paragraph holds a prize, ≈ 10× faster than
    #: ``prize_rx`` (whose optional level is tried at every position)
    prize_word_rx: re.Pattern = re.compile("(?!)")

    # -- names
    def norm_name(self, s: str) -> str:
        return re.sub(f"[{re.escape(self.dots)}]", "·", s)

    def is_name(self, s: str, in_cell: bool = False) -> bool:
        """A person's name: 2–4 Han characters starting with a surname, or a
        minority name with a middle dot (阿依达·努尔别克); never a unit, a
        school or an organisation.  ``in_cell``: the text of a table's
        person column, where a name that begins like a common word (单一禾,
        甘露白) is still a name."""
        if not s:
            return False
        if any(w in s for w in self.not_name_words):
            return False
        if any(d in s for d in self.dots):
            parts = re.split(f"[{re.escape(self.dots)}]", s)
            if not 2 <= len(parts) <= 3 or len(s) > self.dotted_max:
                return False
            return all(re.fullmatch(f"[{HAN}]{{1,{self.dotted_part_max}}}", p) for p in parts) \
                and not any(c in self.not_dotted_chars for c in s)
        if not re.fullmatch(f"[{HAN}]{{{self.plain_min},{self.plain_max}}}", s):
            return False
        if s[:2] in self.compound_surnames and len(s) >= 3:
            rest = s[2:]
        elif s[0] in self.surnames:
            rest = s[1:]
        else:
            return False
        if any(c in self.not_name_chars for c in rest):
            return False
        return in_cell or not self._common_word(s, compound=len(s) - len(rest) == 2)

    def _common_word(self, s: str, compound: bool = False) -> bool:
        if self.veto_min_freq <= 0:
            return False
        words = _jieba_words(min(self.veto_min_freq, self.veto_prefix_min_freq))
        freq = words.get(s)
        if freq is not None and freq >= self.veto_min_freq:
            return True
        if compound:
            return False
        for k in (2, 3):
            if k < len(s):
                freq = words.get(s[:k])
                if freq is not None and freq >= self.veto_prefix_min_freq:
                    return True
        return False


@lru_cache(maxsize=2)
def _jieba_words(min_freq: int = 0) -> dict[str, int]:
    """The common words of jieba's main dictionary: word → frequency for the
    words of 2–4 characters that are not names (part of speech ``nr…``) and
    occur at least ``min_freq`` times (the last line of a word counts), read
    as a file so that what other code adds to jieba at run time changes
    nothing.  With the veto's thresholds (≥ 100) that is ≈ 28,000 words
    (≈ 5 MB in every worker) rather than all 330,000."""
    try:
        import jieba

        from nianbao.ingest import warm_cache
        path = Path(jieba.__file__).with_name("dict.txt")
        key = warm_cache.make_key("jieba-words", jieba.__version__, warm_cache.file_stamp(path), min_freq)
        return warm_cache.cached(f"jieba-words-{min_freq}", key, lambda: _read_jieba_words(path, min_freq))
    except (ImportError, OSError, ValueError):      # pragma: no cover - jieba is a dependency
        return {}


def _read_jieba_words(path: Path, min_freq: int) -> dict[str, int]:
    """:func:`_jieba_words` read from jieba's dictionary file (≈ 0.4 s; kept in the warm cache)."""
    out: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and 2 <= len(parts[0]) <= 4:
                freq = int(parts[1])
                if freq >= min_freq and not parts[2].startswith("nr"):
                    out[parts[0]] = freq
                else:
                    out.pop(parts[0], None)
    return out


def _need(data: dict, key: str, path, kind=None, line=None):
    if key not in data:
        raise RuleFileError(path, line or data.get("__line__"), f"missing key '{key}'")
    v = data[key]
    if kind is not None and not isinstance(v, kind):
        raise RuleFileError(path, line or data.get("__line__"),
                            f"'{key}' must be a {getattr(kind, '__name__', kind)}")
    return v


def _words(data: dict, key: str, path) -> tuple[str, ...]:
    v = _need(data, key, path, list)
    for w in v:
        if not isinstance(w, str) or not w:
            raise RuleFileError(path, data.get("__line__"), f"'{key}' must be a list of words, got {w!r}")
    return tuple(v)


def _rx(pattern: str, path, line, what: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise RuleFileError(path, line, f"bad regex in {what}: {e}") from None


@lru_cache(maxsize=4)
def load_award_rules(path: str | None = None) -> AwardRules:
    """``rules/awards.yaml`` checked and compiled; a mistake raises
    :class:`extractors.rules.RuleFileError` with the file and line."""
    p = Path(path) if path else DEFAULT_AWARDS_PATH
    data = load_yaml(p, lines=True)
    if not isinstance(data, dict):
        raise RuleFileError(p, None, "expected a mapping at the top level")
    prizes, levels, roles = _prize_rules(data, p), _level_rules(data, p), _role_rules(data, p)
    verbs, fillers = _words(data, "verbs", p), _words(data, "fillers", p)
    comp = _competition_rules(data, p, verbs)
    event = _event_rules(data, p)
    # one scanner for every token kind; at a position the first alternative
    # that matches wins, so prizes beat the role words inside them
    # (优秀指导教师奖) and longer role words beat verbs (获奖学生 before 获)
    prize_alts = "|".join(prizes.pop("prize_alts"))
    prize_rx = f"(?P<plevel>(?:{levels.pop('level_alt')})级?)?(?P<prize>{prize_alts})"
    token_rx = re.compile(
        f"(?P<PRIZE>{prize_rx})"
        f"|(?P<ROLE>{_lit(roles['role_words'])})"
        f"|(?P<VERB>{_lit(verbs)})"
        f"|(?P<EVSUF>{_lit(event['event_suffixes'])})"
        f"|(?P<PUNCT>[{_PUNCT}])"
    )
    return AwardRules(
        path=p, label=f"awards.yaml@{file_digest(p)}", prize_rx=re.compile(prize_rx), token_rx=token_rx,
        prize_word_rx=re.compile(prize_alts),
        verbs=verbs, fillers=fillers, filler_rx=re.compile(f"(?:{_lit(fillers)})*"),
        team_comp_words=_words(data, "team_competition_words", p),
        teacher_comp_words=_words(data, "teacher_competition_words", p),
        **prizes, **levels, **roles, **comp, **event, **_enumeration_rules(data, p),
        **_name_rules(_need(data, "names", p, dict), p), **_table_rules(data, p))


def _line(item, data: dict) -> int | None:
    return getattr(item, "get", lambda k: None)("__line__") or data.get("__line__")


def _prize_rules(data: dict, p: Path) -> dict:
    """Prize words (and the role a prize implies), prize patterns, what is not a prize."""
    prize_role: dict[str, str] = {}
    for item in _need(data, "prizes", p, list):
        if not isinstance(item, dict) or not item.get("word"):
            raise RuleFileError(p, _line(item, data), f"a prize needs 'word': {item!r}")
        role = item.get("role")
        if role is not None and role not in ROLES:
            raise RuleFileError(p, item.get("__line__"), f"unknown role {role!r} (one of {', '.join(ROLES)})")
        prize_role[item["word"]] = role
    prize_alts = [_lit(prize_role)]
    for item in data.get("prize_patterns") or []:
        if not isinstance(item, dict) or "pattern" not in item:
            raise RuleFileError(p, getattr(item, "get", lambda k: None)("__line__"), "a prize pattern needs 'pattern'")
        _rx(item["pattern"], p, item.get("__line__"), "prize_patterns")
        prize_alts.insert(0, f"(?:{item['pattern']})")
    return {"prize_role": prize_role, "prize_alts": prize_alts,
            "not_prizes": set(_words(data, "not_prizes", p)), "rank_prizes": set(_words(data, "rank_prizes", p)),
            "count_after": _rx(_need(data, "count_after_prize", p, str), p, None, "count_after_prize")}


def _level_rules(data: dict, p: Path) -> dict:
    """Level words (国家级, 省级 …) with what may not stand before or after them."""
    level_words: list[tuple[str, str]] = []
    level_alts: list[tuple[str, str]] = []
    for item in _need(data, "levels", p, list):
        if not isinstance(item, dict) or "level" not in item or not isinstance(item.get("words"), list):
            raise RuleFileError(p, getattr(item, "get", lambda k: None)("__line__"), "a level needs 'level' and 'words'")
        nb = "".join(f"(?!{re.escape(x)})" for x in item.get("not_before") or [])
        na = "".join(f"(?<!{re.escape(x)})" for x in item.get("not_after") or [])
        for w in item["words"]:
            level_words.append((str(w), str(item["level"])))
            level_alts.append((str(w), f"{na}{re.escape(str(w))}{nb}"))
    level_alts.sort(key=lambda x: (-len(x[0]), x[0]))
    level_alt = "|".join(f"(?:{rx})" for _, rx in level_alts)
    level_places = [(w, lvl) for lvl, ws in (data.get("level_places") or {}).items() if lvl != "__line__"
                    for w in ws]
    return {"level_words": level_words, "level_alt": level_alt, "level_rx": re.compile(level_alt),
            "level_places": level_places}


def _role_rules(data: dict, p: Path) -> dict:
    roles = _need(data, "roles", p, dict)
    role_words: dict[str, str] = {}
    for role, ws in roles.items():
        if role == "__line__":
            continue
        if role not in ROLES:
            raise RuleFileError(p, roles.get("__line__"), f"unknown role {role!r} (one of {', '.join(ROLES)})")
        for w in ws:
            role_words[str(w)] = role
    default_role = data.get("default_role")
    if default_role is not None and default_role not in ROLES:
        raise RuleFileError(p, None, f"default_role must be one of {', '.join(ROLES)}")
    return {"role_words": role_words, "default_role": default_role}


def _enumeration_rules(data: dict, p: Path) -> dict:
    enum = _need(data, "enumeration", p, dict)
    top = [_rx(x, p, enum.get("__line__"), "enumeration.top") for x in enum.get("top") or []]
    sub = [_rx(x, p, enum.get("__line__"), "enumeration.sub") for x in enum.get("sub") or []]
    return {"enum_top": top, "enum_sub": sub, "enum_any": _any_of(top + sub)}


def _any_of(patterns: list[re.Pattern]) -> re.Pattern:
    """One pattern that matches where any of ``patterns`` does (a cheap test
    before trying them one by one); never matches when there are none, and
    matches everywhere when they cannot be joined (named groups twice)."""
    try:
        return re.compile("|".join(f"(?:{rx.pattern})" for rx in patterns) or "(?!)")
    except re.error:
        return re.compile("")


def _competition_rules(data: dict, p: Path, verbs) -> dict:
    """How a competition's name is found (triggers, suffixes, group) and cleaned."""
    comp = _need(data, "competition", p, dict)
    suffixes = _words(comp, "suffixes", p)
    group = _need(comp, "group_pattern", p, str)
    _rx(group, p, comp.get("__line__"), "competition.group_pattern")
    triggers = _words(comp, "triggers", p)
    quoted = "“[^”]{0,40}”|《[^》]{0,40}》|\"[^\"]{0,40}\""
    body = f"(?:{quoted}|[^{_PUNCT}“”《》\"获\\x00])*"
    name = f"(?P<name>{body}(?:{_lit(suffixes)}){group})"
    return {
        "comp_trigger_rx": re.compile(f"(?P<trig>{_lit(list(triggers) + list(verbs))}){name}"),
        "comp_start_rx": re.compile(f"(?:^|(?<=[{_PUNCT}]))(?P<name>{body}(?:{_lit(suffixes)}){group})(?=中|上)"),
        "comp_suffix_rx": re.compile(_lit(suffixes)),
        "comp_not_before": _words(comp, "not_before", p),
        "organiser_rx": _rx(_need(comp, "organiser_pattern", p, str), p, comp.get("__line__"), "organiser_pattern"),
        "inner_triggers": _words(comp, "inner_triggers", p), "generic_prefixes": _words(comp, "generic_prefixes", p),
        "inner_trigger_rx": _rx(str(comp.get("inner_trigger_pattern") or "(?!)"), p, comp.get("__line__"),
                                "competition.inner_trigger_pattern"),
        "list_joiners": _words(comp, "list_joiners", p), "alias_joiner": str(_need(comp, "alias_joiner", p, str)),
        "stage_words": _words(comp, "stage_words", p), "drop_stage_after": _words(comp, "drop_stage_after", p),
        "comp_min": int(comp.get("min_chars", 4)), "comp_max": int(comp.get("max_chars", 80)),
    }


def _event_rules(data: dict, p: Path) -> dict:
    ev = _need(data, "event", p, dict)
    return {"event_suffixes": _words(ev, "suffixes", p), "event_max": int(ev.get("max_chars", 24)),
            "event_strip": [_rx(x, p, ev.get("__line__"), "event.from_competition_strip")
                            for x in ev.get("from_competition_strip") or []],
            "event_cut_after": _words(ev, "cut_after", p), "generic_events": set(ev.get("generic_events") or [])}


def _name_rules(names: dict, p: Path) -> dict:
    """What a person's name looks like, and the words around names."""
    veto = names.get("common_word_veto") or {}

    def patterns(words_key: str, patterns_key: str) -> list[str]:
        return [_lit(_words(names, words_key, p))] + [
            f"(?:{_rx(x, p, names.get('__line__'), f'names.{patterns_key}').pattern})"
            for x in names.get(patterns_key) or []]
    return {
        "dots": str(_need(names, "dots", p, str)), "plain_min": int(names.get("plain_min", 2)),
        "plain_max": int(names.get("plain_max", 4)), "dotted_part_max": int(names.get("dotted_part_max", 8)),
        "dotted_max": int(names.get("dotted_max", 16)),
        "surnames": set(re.sub(r"\s", "", _need(names, "surnames", p, str))),
        "compound_surnames": set(names.get("compound_surnames") or []),
        "not_name_chars": set(str(names.get("not_name_chars") or "")),
        "not_dotted_chars": set(str(names.get("not_dotted_name_chars") or "")),
        "veto_min_freq": int(veto.get("min_freq", 0)), "veto_prefix_min_freq": int(veto.get("prefix_min_freq", 0)),
        "not_name_words": _words(names, "not_name_words", p), "leading": _words(names, "leading", p),
        "followers": _words(names, "followers", p), "subject_tails": _words(names, "subject_tails", p),
        "joiners": _words(names, "joiners", p), "respectively": str(_need(names, "respectively", p, str)),
        "follower_rx": re.compile("|".join(patterns("followers", "follower_patterns"))),
        "subject_tail_rx": re.compile("(?:" + "|".join(patterns("subject_tails", "subject_tail_patterns")) + ")+"),
    }


def _table_rules(data: dict, p: Path) -> dict:
    """How award tables' columns are recognised, and their cells split."""
    tbl = _need(data, "table", p, dict)
    for key in ("person", "instructor", "prize", "level", "event", "competition", "role", "year"):
        col = _need(tbl, key, p, dict)
        col.setdefault("exact", [])
        col.setdefault("contains", [])
    return {
        "table": tbl,
        "name_sep_rx": _rx(str(tbl.get("name_separators") or r"[、，,；;/\s]+"), p, tbl.get("__line__"),
                           "table.name_separators"),
        "name_suffix_rx": _rx(str(tbl.get("name_suffix_strip") or "(?!)"), p, tbl.get("__line__"),
                              "table.name_suffix_strip"),
        "name_note_rx": _rx(str(tbl.get("name_note_strip") or "(?!)"), p, tbl.get("__line__"),
                            "table.name_note_strip"),
        "instructor_rows": bool(tbl.get("instructor_rows", True)),
        "caption_strip": _rx(str(tbl.get("caption_strip") or r"(?:获奖)?(?:情况|名单)$"), p, tbl.get("__line__"),
                             "table.caption_strip"),
        "prize_aliases": {k: v for k, v in (tbl.get("prize_aliases") or {}).items() if k != "__line__"},
    }


# ---------------------------------------------------------------- competitions

@dataclass
class Competition:
    name: str                 # as stored: organiser, 暨 alias in lists and stage after a sub-contest removed
    level: str | None
    year: int | None
    team: bool
    teacher: bool


def _outside_quotes_split(s: str, seps: tuple[str, ...]) -> list[str]:
    """Split ``s`` at any of ``seps`` that is not inside quotes."""
    if not seps:
        return [s]
    masked = _QUOTED.sub(lambda m: "\x01" * len(m.group(0)), s)
    rx = re.compile(_lit(seps))
    out, last = [], 0
    for m in rx.finditer(masked):
        out.append(s[last:m.start()])
        last = m.end()
    out.append(s[last:])
    return out


def level_of(text: str, R: AwardRules) -> str | None:
    """The level named first in ``text`` (longest word at a position)."""
    if not text:
        return None
    bare = _QUOTED.sub(lambda m: "\x01" * len(m.group(0)), text)
    m = R.level_rx.search(bare)
    if m:
        return dict(R.level_words)[m.group(0)]
    for w, lvl in R.level_places:
        if w in bare:
            return lvl
    return None


def make_competition(raw: str, R: AwardRules) -> Competition | None:
    name = raw
    org = ""
    m = R.organiser_rx.match(name)
    if m:
        org, name = m.group("org"), name[m.end():]
    # a later trigger inside the phrase starts the name (在学校组织下参加X大赛)
    masked = _QUOTED.sub(lambda mm: "\x01" * len(mm.group(0)), name)
    trig = [mm.end() for mm in re.finditer(_lit(R.inner_triggers), masked)]
    trig += [mm.end() for mm in R.inner_trigger_rx.finditer(masked)]      # 于晚舟在2024年…大赛: 于 is a surname
    trig.sort()
    if trig:
        name = name[trig[-1]:]
    parts = _outside_quotes_split(name, R.list_joiners)
    if len(parts) > 1 and all(R.comp_suffix_rx.search(_QUOTED.sub("", x)) for x in parts):
        # several competitions in one phrase: the first one, without its 暨 alias
        name = _outside_quotes_split(parts[0], (R.alias_joiner,))[0]
    for st in R.stage_words:
        if name.endswith(st) and any(name[:-len(st)].endswith(x) for x in R.drop_stage_after):
            name = name[:-len(st)]
            break
    name = name.strip("，,、 ")
    core = _QUOTED.sub("", name)
    if len(name) < R.comp_min or len(name) > R.comp_max or len(re.findall(f"[{HAN}]", core)) < 3:
        return None
    # the suffix alone with a generic word before it is no name (参加比赛, 技能比赛)
    bare = re.sub(r"^(?:19|20)\d\d年度?", "", core)
    if re.fullmatch(f"(?:{_lit(R.generic_prefixes)})?(?:{R.comp_suffix_rx.pattern})", bare):
        return None
    ym = _YEAR_IN.search(name)
    lvl = level_of(name, R) or level_of(org, R)
    return Competition(name=name, level=lvl, year=int(ym.group(1)) if ym else None,
                       team=any(w in core for w in R.team_comp_words),
                       teacher=any(w in core for w in R.teacher_comp_words))


def event_from_competition(name: str, R: AwardRules) -> str | None:
    s = name
    for rx in R.event_strip:
        s = rx.sub("", s)
    s = s.strip("，,、·- ")
    if len(s) < 2 or s in R.generic_events or not re.fullmatch(f"[{HAN}A-Za-z0-9]+", s):
        return None
    return s


def _norm(s: str | None) -> str:
    return re.sub(r"[\s“”\"'‘’《》「」]", "", s or "")


def _norm_event(s: str | None, R: AwardRules) -> str:
    s = _norm(s)
    for suf in R.event_suffixes:
        if s.endswith(suf) and len(s) > len(suf):
            s = s[:-len(suf)]
    return s


# ---------------------------------------------------------------- text tokens

@dataclass
class Tok:
    kind: str                 # COMP PRIZE ROLE VERB EVSUF PUNCT TOP SUB GAP
    start: int                # offsets in the compact text
    end: int
    text: str
    data: object = None


@dataclass
class Person:
    name: str
    start: int
    end: int
    role: str | None = None
    role_src: str = ""        # label / suffix / team


@dataclass
class NameGroup:
    persons: list[Person]
    subject_ok: bool          # nothing but fillers after the names
    respectively: bool = False    # A、B分别获…


@dataclass
class Hit:
    person: Person
    prize: str
    pstart: int
    pend: int
    plevel: str | None
    comp: Competition | None
    event: str | None
    rule: str
    team: bool = False        # 获团体一等奖
    role_hint: str | None = None   # 获教师组一等奖


class _Compact:
    """A block's text without white space, with a map back to doc.text."""

    def __init__(self, text: str, base: int):
        chars, idx = [], []
        for i, ch in enumerate(text):
            if _SPACE.match(ch):
                continue
            chars.append(ch)
            idx.append(base + i)
        self.s = "".join(chars)
        self.idx = idx
        self.base = base

    def orig(self, i: int) -> int:
        if not self.idx:
            return self.base
        if i >= len(self.idx):
            return self.idx[-1] + 1
        return self.idx[i]

    def orig_end(self, i: int) -> int:
        """doc.text offset just after compact character ``i - 1``."""
        if i <= 0:
            return self.orig(0)
        return self.idx[min(i, len(self.idx)) - 1] + 1


class _Paragraph:
    """Reads one paragraph's award statements into hits."""

    def __init__(self, s: str, R: AwardRules, comp: Competition | None = None):
        self.s = s
        self.R = R
        self.hits: list[Hit] = []
        self.outer_comp = comp

    # -- tokens
    def _comps(self) -> list[tuple[int, int, Competition, bool]]:
        R, s = self.R, self.s
        out = []
        for m in R.comp_trigger_rx.finditer(s):
            a, b = m.span("name")
            after_verb = m.group("trig") in R.verbs
            if any(s.startswith(w, b) for w in R.comp_not_before):
                continue
            c = make_competition(m.group("name"), R)
            if c:
                out.append((a, b, c, after_verb))
        taken = [(a, b) for a, b, _, _ in out]
        for m in R.comp_start_rx.finditer(s):
            a, b = m.span("name")
            if any(x < b and a < y for x, y in taken):
                continue
            c = make_competition(m.group("name"), R)
            if c:
                out.append((a, b, c, False))
        return sorted(out, key=lambda t: t[0])

    def _enum_at(self, i: int, prev_boundary: bool):
        R, s = self.R, self.s
        for kind, pats in (("TOP", R.enum_top), ("SUB", R.enum_sub)):
            for rx in pats:
                m = rx.match(s, i)
                if not m or m.end() == i:
                    continue
                circled = m.group(0)[0] in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇❶❷❸❹❺❻❼❽❾❿"
                if circled or prev_boundary:
                    if m.group(0)[0].isdigit() and i > 0 and s[i - 1].isdigit():
                        continue
                    return kind, m.end()
        return None

    def tokens(self) -> list[Tok]:
        """The sentence as tokens in order: competitions (``COMP``), list
        markers (``TOP``/``SUB``), prizes, roles, verbs, event suffixes and
        punctuation, with the text between them as ``GAP`` tokens."""
        comps = self._comps()
        masked = list(self.s)
        for a, b, c, av in comps:
            for k in range(a, b):
                masked[k] = "\x00"
        specials = [Tok("COMP", a, b, self.s[a:b], (c, av)) for a, b, c, av in comps]
        specials += self._marker_tokens("".join(masked))
        specials.sort(key=lambda t: t.start)
        return self._with_gaps(specials)

    def _marker_tokens(self, masked: str) -> list[Tok]:
        """List markers and the tokens of ``token_rx`` outside the
        competitions (blanked to NUL in ``masked``)."""
        s = self.s
        any_enum = self.R.enum_any.match
        out: list[Tok] = []
        i = 0
        boundary = True
        while i < len(s):
            if masked[i] == "\x00":
                boundary = False
                i += 1
                continue
            e = self._enum_at(i, boundary) if any_enum(s, i) else None
            if e:
                kind, j = e
                out.append(Tok(kind, i, j, s[i:j]))
                boundary = True
                i = j
                continue
            m = self.R.token_rx.match(masked, i)
            if m:
                tok = self._rx_token(m, i)
                out.append(tok)
                boundary = tok.kind == "PUNCT"
                i = m.end()
                continue
            boundary = False
            i += 1
        return out

    @staticmethod
    def _rx_token(m, i: int) -> Tok:
        """The token of a ``token_rx`` match at ``i``: a role, verb, event
        suffix or punctuation, else a prize (with its level and start)."""
        kind = m.lastgroup if m.lastgroup in ("ROLE", "VERB", "EVSUF", "PUNCT") else "PRIZE"
        if kind == "PRIZE":
            prize = m.group("prize")
            return Tok("PRIZE", i, m.end(), m.group(0),
                       {"prize": prize, "plevel": m.group("plevel"), "pstart": m.start("prize")})
        return Tok(kind, i, m.end(), m.group(0))

    def _with_gaps(self, specials: list[Tok]) -> list[Tok]:
        """``specials`` (sorted by start) with ``GAP`` tokens for the text between them."""
        s = self.s
        toks: list[Tok] = []
        pos = 0
        for t in specials:
            if t.start > pos:
                toks.append(Tok("GAP", pos, t.start, s[pos:t.start]))
            toks.append(t)
            pos = t.end
        if pos < len(s):
            toks.append(Tok("GAP", pos, len(s), s[pos:]))
        return toks

    # -- names
    def parse_names(self, tok: Tok) -> NameGroup | None:
        R = self.R
        g = tok.text
        lead = len(g) - len(g.lstrip("、和与及"))
        for w in sorted(R.leading, key=len, reverse=True):
            if g.startswith(w, lead) and len(g) > lead + len(w):
                lead += len(w)
                break
        body = g[lead:]
        cuts = {len(body)}
        cuts.update(k for k in range(R.plain_min, len(body)) if R.follower_rx.match(body, k))
        for p in sorted(cuts, reverse=True):
            persons = self._split_list(body[:p], tok.start + lead)
            if persons:
                tail = body[p:]
                return NameGroup(persons, tail == "" or bool(R.subject_tail_rx.fullmatch(tail)),
                                 R.respectively in tail)
        return None

    def _split_list(self, text: str, base: int) -> list[Person] | None:
        R = self.R
        out: list[Person] = []
        pos = 0
        for item in text.split("、"):
            start = base + pos
            pos += len(item) + 1
            if R.is_name(item) and not self._swallows_follower(item):
                out.append(Person(R.norm_name(item), start, start + len(item)))
                continue
            if any(d in item for d in R.dots) or not R.joiners:
                return None
            sub = re.split(f"({_lit(R.joiners)})", item)
            names = sub[0::2]
            if len(names) < 2 or not all(R.is_name(n) and not self._swallows_follower(n) for n in names):
                return None
            off = start
            for k, n in enumerate(sub):
                if k % 2 == 0:
                    out.append(Person(R.norm_name(n), off, off + len(n)))
                off += len(n)
        return out or None

    def _swallows_follower(self, name: str) -> bool:
        """A plain name that runs into a following word (胡敏组成的团队)."""
        if any(d in name for d in self.R.dots):
            return False
        rest = name[1:]
        return any((m := self.R.follower_rx.match(rest, k)) and m.end() - k > 1 for k in range(len(rest)))

    def _is_filler(self, text: str) -> bool:
        return bool(self.R.filler_rx.fullmatch(text))

    # -- reading: one pass over the tokens, a handler per kind of token
    def run(self) -> list[Hit]:
        """The award hits of the paragraph.  The reading state: ``ctx`` (the
        competition and event of the enclosing enumeration items), the role
        label in force, names listed since the sentence began (``pending``),
        names found per token (``groups``), the open verb clause and a rank
        prize waiting for the names after it."""
        self.toks = self.tokens()
        self.ctx: list[dict] = [{"comp": self.outer_comp, "event": None}]
        self.role_label: str | None = None
        self.pending: list[Person] = []
        self.groups: dict[int, NameGroup] = {}     # token index → names found there
        self.suffix_roles: set[int] = set()        # ROLE tokens read as suffixes
        self.verb: dict | None = None
        self.rank: dict | None = None              # a prize waiting for the names after it
        handlers = {"PUNCT": self._on_punct, "TOP": self._on_enum, "SUB": self._on_enum, "COMP": self._on_comp,
                    "EVSUF": self._on_evsuf, "GAP": self._on_gap, "ROLE": self._on_role, "VERB": self._on_verb,
                    "PRIZE": self._on_prize}
        for i, t in enumerate(self.toks):
            handlers[t.kind](i, t)
        self._close_verb()
        return self.hits

    def _get(self, key):
        for c in reversed(self.ctx):
            if c.get(key) is not None:
                return c[key]
        return None

    def _emit(self, persons, prize_tok, rule, v=None) -> None:
        d = prize_tok.data
        comp = (v or {}).get("comp") or self._get("comp")
        event = (v or {}).get("event") or self._get("event")
        hint = (v or {}).get("role")
        for p in persons:
            self.hits.append(Hit(p, d["prize"], d["pstart"], prize_tok.end, d["plevel"], comp, event, rule,
                                 hint == "team", hint))

    def _close_verb(self) -> None:
        """The prizes of one verb: all to everyone when there is one prize or
        one winner; A、B分别获一等奖、二等奖 one each, in order; A、B获一等奖、二等奖
        is ambiguous: no rows."""
        verb = self.verb
        if not (verb and verb["deferred"]):
            return
        prizes, subj = verb["deferred"], verb["subject"]
        if len(prizes) == 1 or len(subj) == 1:
            for pt in prizes:
                self._emit(subj, pt, verb["rule"], verb)
        elif verb["resp"] and len(prizes) == len(subj):
            for p, pt in zip(subj, prizes):
                self._emit([p], pt, verb["rule"], verb)
        verb["deferred"] = []

    def _drop_pending(self, persons) -> None:
        self.pending = [p for p in self.pending if p not in persons]

    def _on_punct(self, i: int, t: Tok) -> None:
        self._close_verb()
        self.verb = None
        if t.text in _STRONG:
            self.ctx[-1]["event"] = None
            self.role_label, self.pending, self.rank = None, [], None
        elif t.text in "，,":
            self.rank = None

    def _on_enum(self, i: int, t: Tok) -> None:
        """An enumeration item (TOP: 一、 / 1.; SUB: （1） / ①) opens a new context."""
        keep = 1
        if t.kind == "SUB":
            tops = [x for x, c in enumerate(self.ctx) if c.get("kind") == "TOP"]
            keep = tops[-1] + 1 if tops else 1
        del self.ctx[keep:]
        self.ctx.append({"comp": None, "event": None, "kind": t.kind})
        self.role_label, self.pending, self.rank, self.verb = None, [], None, None

    def _on_comp(self, i: int, t: Tok) -> None:
        comp, after_verb = t.data
        if self.verb is not None and after_verb:
            cur = self._get("comp")
            if cur and _norm(comp.name) in _norm(cur.name):
                self.verb["event"] = comp.name          # 获教学能力比赛一等奖 inside that competition
            else:
                self.verb["comp"] = comp                # 荣获2023年全国…大赛一等奖: also names it
                self.ctx[-1]["comp"] = comp             # for the clauses that follow
        else:
            self.ctx[-1]["comp"] = comp
            self.ctx[-1]["event"] = None

    def _on_evsuf(self, i: int, t: Tok) -> None:
        """An event suffix (赛项, 项目 …): the gap before it names the event."""
        R, j = self.R, i - 1
        if j < 0 or self.toks[j].kind != "GAP" or j in self.groups:
            return
        # the event is what follows a trigger or verb in the gap (参加汽车维修赛项)
        ev = re.sub(f"^.*(?:{_lit(R.event_cut_after)})", "", self.toks[j].text)
        ev = ev.strip("的“”\"'《》「」")
        if 2 <= len(ev) <= R.event_max and re.fullmatch(f"[{HAN}A-Za-z0-9（）()“”\"·+＋-]+", ev):
            if self.verb is not None:
                self.verb["event"] = ev
            else:
                self.ctx[-1]["event"] = ev

    def _on_gap(self, i: int, t: Tok) -> None:
        """Text between known words: perhaps names."""
        toks = self.toks
        if (i + 1 < len(toks) and toks[i + 1].kind == "EVSUF") or self._is_filler(t.text):
            return
        grp = self.parse_names(t)
        if not grp:
            return
        self.groups[i] = grp
        # a role word right before the names, else the current label
        for p in grp.persons:
            p.role, p.role_src = (self.role_label, "label") if self.role_label else (None, "")
        if self.rank is not None and self.rank["tok_end"] == i:
            self._emit(grp.persons, self.rank["tok"], "awards/text/prize-names")
            self.rank = None
        elif grp.subject_ok:
            self.pending.extend(grp.persons)

    def _on_role(self, i: int, t: Tok) -> None:
        """A role word: of the verb's prize (获团体一等奖), a suffix of the names
        before it (赵老师), or a label for the names that follow."""
        role, j, toks, groups = self.R.role_words[t.text], i - 1, self.toks, self.groups
        if self.verb is not None and j >= 0 and toks[j].kind in ("VERB", "GAP") and j not in groups:
            if self.verb.get("role") != "team":
                self.verb["role"] = role          # 获团体一等奖 / 获教师组一等奖
            return
        if role == "team" and j in groups and len(groups[j].persons) == 1 \
                and toks[j].end == t.start and toks[j].text == groups[j].persons[0].name:
            # 金华代表队: one "name" before a team word is a place or a school
            self._drop_pending(groups.pop(j).persons)
            self.role_label = role
            return
        if j >= 0 and j in groups and groups[j].subject_ok and toks[j].end == t.start:
            for p in groups[j].persons:       # 赵立新老师 / 由A、B组成的团队
                p.role, p.role_src = role, ("team" if role == "team" else "suffix")
            self.suffix_roles.add(i)
        else:
            self.role_label = role

    def _on_verb(self, i: int, t: Tok) -> None:
        self._close_verb()
        subject, rule, resp = self._subject_before(i)
        self.verb = {"subject": subject, "rule": rule, "comp": None, "event": None, "tok": i,
                     "deferred": [], "resp": resp}

    def _subject_before(self, i: int) -> tuple[list[Person] | None, str, bool]:
        """The verb's subject: names right before it (fillers, a role suffix and
        在…大赛中 may stand between), else — when the verb opens its clause —
        the names listed since the sentence began.  Returns (persons, rule,
        whether 分别 was said)."""
        R, toks, groups = self.R, self.toks, self.groups
        subject: list[Person] | None = None
        rule, resp, j = "awards/text/names-prize", False, i - 1
        while j >= 0:
            tj = toks[j]
            if tj.kind == "GAP" and j in groups:
                subject = groups[j].persons if groups[j].subject_ok else None
                resp = resp or groups[j].respectively
                break
            if tj.kind == "GAP" and R.respectively in tj.text:
                resp = True
            if (tj.kind == "GAP" and self._is_filler(tj.text)) or tj.kind == "COMP" \
                    or (tj.kind == "ROLE" and j in self.suffix_roles):
                j -= 1
                continue
            if tj.kind == "EVSUF":      # A在…大赛“…”赛项中获: the event's name and 赛项 stand between
                j -= 1
                if j >= 0 and toks[j].kind == "GAP" and j not in groups:
                    j -= 1
                continue
            if tj.kind in ("PUNCT", "TOP", "SUB") and self.pending:
                subject, rule = list(self.pending), "awards/text/listed-names"
            break
        if j < 0 and self.pending:
            subject, rule = list(self.pending), "awards/text/listed-names"
        return subject, rule, resp

    def _on_prize(self, i: int, t: Tok) -> None:
        R, d = self.R, t.data
        if d["prize"] in R.not_prizes:
            return
        is_count = bool(R.count_after.match(self.s[t.end:t.end + 12]))
        if self.verb is not None:
            subj = self.verb["subject"]
            if subj and not (is_count and self.verb["rule"] == "awards/text/listed-names"):
                self._verb_event(i)
                self.verb["deferred"].append(t)
                self._drop_pending(subj)
            return
        j = i - 1
        if j >= 0 and j in self.groups and self.groups[j].subject_ok and self.toks[j].end == t.start:
            self._emit(self.groups[j].persons, t, "awards/text/names-prize")     # 韩立新优胜奖
            self._drop_pending(self.groups[j].persons)
        elif not is_count:
            self._rank_opens(i, t)

    def _verb_event(self, i: int) -> None:
        """A gap between the verb and its prize names the event (获教学能力比赛一等奖)."""
        R, verb = self.R, self.verb
        if verb["event"] is not None:
            return
        txt = "".join(x.text for x in self.toks[verb["tok"] + 1:i] if x.kind == "GAP")
        txt = re.sub(f"^(?:{_lit(R.fillers)})+", "", txt)
        if 2 <= len(txt) <= R.event_max and re.fullmatch(f"[{HAN}]+", txt) \
                and not self._is_filler(txt) and not level_of(txt, R):
            verb["event"] = txt

    def _rank_opens(self, i: int, t: Tok) -> None:
        """第一名A / 一等奖：A、B — a prize that opens a clause waits for the names after it."""
        toks, pj = self.toks, i - 1
        opens = pj < 0 or toks[pj].kind in ("PUNCT", "TOP", "SUB", "ROLE", "EVSUF") \
            or (toks[pj].kind == "GAP" and self._is_filler(toks[pj].text))
        if opens and (t.data["prize"] in self.R.rank_prizes or self.s[t.end:t.end + 1] in "：:"):
            nxt = i + 1
            if nxt < len(toks) and toks[nxt].kind == "PUNCT" and toks[nxt].text in "：:":
                nxt += 1
            self.rank = {"tok": t, "tok_end": nxt}


# ---------------------------------------------------------------- tables

def _col_kind(label: str, R: AwardRules) -> str | None:
    lab = _norm(re.sub(r"[（(][^）)]*[)）]", "", label))
    if not lab:
        return None
    order = ("instructor", "person", "competition", "event", "prize", "level", "role", "year")
    for key in order:
        if lab in R.table[key]["exact"]:
            return key
    for key in order:
        if any(w in lab for w in R.table[key]["contains"]):
            return key
    return None


def _header_map(rows: list[list[str]], R: AwardRules) -> tuple[int, dict[str, list[int]], list[str]] | None:
    best = None
    for r in range(min(2, len(rows))):
        cols: dict[str, list[int]] = {}
        for c, lab in enumerate(rows[r]):
            kind = _col_kind(lab, R)
            if kind:
                cols.setdefault(kind, []).append(c)
        if "person" in cols or "instructor" in cols:
            score = len(cols)
            if best is None or score > best[2]:
                best = (r, cols, score)
    if best is None:
        return None
    r, cols, _ = best
    if "prize" not in cols and "level" not in cols:
        return None
    return r, cols, list(rows[r])


def _role_from_text(text: str, R: AwardRules) -> str | None:
    for w in sorted(R.role_words, key=len, reverse=True):
        if w in text:
            return R.role_words[w]
    return None


# ---------------------------------------------------------------- rows

@dataclass
class _Row:
    award: Award
    role_src: str             # team / prize / explicit / hint / competition / default / memory


_ROLE_RANK = {"team": 5, "prize": 4, "explicit": 3, "memory": 2, "competition": 1, "default": 0, "": 0}


def _resolve_role(explicit: str | None, explicit_src: str, prize: str, comp: Competition | None,
                  R: AwardRules) -> tuple[str | None, str]:
    if (comp and comp.team) or explicit_src == "team" or explicit == "team":
        return "team", "team"
    if R.prize_role.get(prize):
        return R.prize_role[prize], "prize"
    if explicit:
        return explicit, "explicit"
    if comp and comp.teacher:
        return "teacher", "competition"
    return R.default_role, "default"


def _sentence_bounds(s: str, a: int, b: int) -> tuple[int, int]:
    start = max(s.rfind(ch, 0, a) for ch in "。！？!?") + 1
    ends = [x for x in (s.find(ch, b) for ch in "。！？!?") if x >= 0]
    end = min(ends) + 1 if ends else len(s)
    return start, end


def _sentence_year(text: str) -> int | None:
    years = {int(m.group(1)) for m in _SENT_YEAR.finditer(text)}
    return years.pop() if len(years) == 1 else None


def _paragraph_rows(doc: Document, block: Block, R: AwardRules, report_year: int | None,
                    carried: Competition | None) -> tuple[list[_Row], Competition | None]:
    cp = _Compact(block.text, block.span[0])
    s = cp.s
    para = _Paragraph(s, R, carried)
    hits = para.run()
    rows: list[_Row] = []
    for h in hits:
        a, b = min(h.person.start, h.pstart), max(h.person.end, h.pend)
        sa, sb = _sentence_bounds(s, a, b)
        comp = h.comp
        event = h.event or (event_from_competition(comp.name, R) if comp else None)
        level = level_of(h.plevel, R) if h.plevel else None
        level = level or (comp.level if comp else None)
        year = (comp.year if comp else None) or _sentence_year(s[sa:sb]) or report_year
        explicit, src0 = h.person.role, h.person.role_src
        if h.team:
            explicit, src0 = "team", "team"
        elif explicit is None and h.role_hint:
            explicit, src0 = h.role_hint, "hint"
        role, src = _resolve_role(explicit, src0, h.prize, comp, R)
        start, end = cp.orig(a), cp.orig_end(b)
        sent_a, sent_b = cp.orig(sa), cp.orig_end(sb)
        prov = Provenance(page=doc.page_at(start), section=" > ".join(doc.section_path_at(start)),
                          sentence=doc.text[sent_a:sent_b], start=start, end=end, rule=h.rule, source="text")
        rows.append(_Row(Award(competition=comp.name if comp else "", level=level, event=event, prize=h.prize,
                               person=h.person.name, role=role, year=year, prov=prov), src))
    # a lead-in that names a competition and ends with a colon carries it to
    # the enumerated items that follow as their own paragraphs
    carry = None
    if s.endswith(("：", ":")):
        comps = para._comps()
        if comps:
            carry = comps[-1][2]
    return rows, carry


def _table_rows(doc: Document, block: Block, header: tuple[int, dict[str, list[int]], list[str]],
                R: AwardRules, report_year: int | None, context: Competition | None) -> list[_Row]:
    """One row per person of an award table (``header``: header row, the
    columns of each kind, the header labels)."""
    return _AwardTable(doc, block, header, R, report_year, context).rows()


@dataclass
class _RowFacts:
    """What one table row says about its award (the same for every person in it)."""
    prize: str
    comp: Competition | None
    event: str | None
    level: str | None
    role: str | None
    year: int | None
    line: str


class _AwardTable:
    def __init__(self, doc, block, header, R: AwardRules, report_year, context):
        self.doc, self.block, self.R = doc, block, R
        self.hr, self.cols, self.labels = header
        self.grid = block.filled_grid()
        self.report_year, self.context = report_year, context

    def cell(self, r: int, c: int) -> str:
        return self.grid[r][c] if c < len(self.grid[r]) else ""

    def origin(self, r: int, c: int):
        cl = self.block.rows[r][c]
        if not cl.is_origin:
            rr, cc = cl.merged_from
            cl = self.block.rows[rr][cc]
        return cl

    def first(self, r: int, key: str) -> str:
        """The first non-empty cell of the row in a column of kind ``key``."""
        for c in self.cols.get(key, []):
            v = _norm(self.cell(r, c))
            if v:
                return v
        return ""

    def rows(self) -> list[_Row]:
        out: list[_Row] = []
        for r in range(self.hr + 1, len(self.grid)):
            facts = self.row_facts(r)
            if facts is None:
                continue
            for key in ("person", "instructor"):
                if key == "instructor" and not self.R.instructor_rows:
                    continue
                for c in self.cols.get(key, []):
                    out += self.persons(r, c, key, facts)
        return out

    def row_facts(self, r: int) -> _RowFacts | None:
        """Prize, competition, event, level, role and year of a row; None for
        a row without a prize."""
        R = self.R
        texts = [self.cell(r, c) for c in range(len(self.grid[r]))]
        if not any(texts):
            return None
        prize_text, level_text = self.first(r, "prize"), self.first(r, "level")
        prize_text = R.prize_aliases.get(prize_text, prize_text)
        pm = R.prize_rx.search(prize_text) or R.prize_rx.search(level_text)
        if not pm or pm.group("prize") in R.not_prizes:
            return None
        comp_text = self.first(r, "competition")
        comp = make_competition(comp_text, R) if comp_text else None
        if comp is None and comp_text and R.comp_suffix_rx.search(comp_text):
            comp = Competition(comp_text, level_of(comp_text, R), None, False, False)
        comp = comp or self.context
        event = _norm_event(self.first(r, "event"), R) or None
        if event is None and comp:
            event = event_from_competition(comp.name, R)
        level = level_of(level_text, R) or (level_of(pm.group("plevel"), R) if pm.group("plevel") else None) \
            or (comp.level if comp else None)
        role_text = self.first(r, "role")
        ym = re.search(r"(?:19|20)\d\d", self.first(r, "year"))
        year = int(ym.group(0)) if ym else (comp.year if comp and comp.year else self.report_year)
        return _RowFacts(pm.group("prize"), comp, event, level, _role_from_text(role_text, R) if role_text else None,
                         year, "\t".join(t for t in texts if t))

    def _head_role(self, c: int) -> str | None:
        head = _norm(self.labels[c]) if c < len(self.labels) else ""
        for w, rl in (self.R.table["person"].get("role") or {}).items():
            if w != "__line__" and w in head:
                return rl
        return None

    def persons(self, r: int, c: int, key: str, f: _RowFacts) -> list[_Row]:
        """The names in one person (or instructor) cell, each with its span in doc.text."""
        R, raw = self.R, self.cell(r, c)
        if not raw:
            return []
        if key == "instructor":
            explicit, src = "teacher", "explicit"
        else:
            explicit = f.role or self._head_role(c)
            src = "team" if explicit == "team" else "explicit"
        cl, out, pos = self.origin(r, c), [], 0
        for part in R.name_sep_rx.split(raw):
            at = raw.find(part, pos)
            pos = at + len(part)
            nm = R.name_suffix_rx.sub("", R.name_note_rx.sub("", part))    # 宓清越（栖云市信息工程学校）
            if not R.is_name(nm, in_cell=True):
                continue
            role, rsrc = ("teacher", "explicit") if key == "instructor" else \
                _resolve_role(explicit, src, f.prize, f.comp, R)
            start = (cl.span[0] + at) if cl.span else self.block.span[0]
            prov = Provenance(page=self.doc.page_at(start) or self.block.page,
                              section=" > ".join(self.doc.section_path_at(self.block.span[0])),
                              sentence=f.line, start=start, end=start + len(nm),
                              rule="awards/table/instructor" if key == "instructor" else "awards/table",
                              source="table", table=self.block.order, row=r, col=c)
            out.append(_Row(Award(competition=f.comp.name if f.comp else "", level=f.level, event=f.event,
                                  prize=f.prize, person=R.norm_name(nm), role=role, year=f.year, prov=prov), rsrc))
        return out


# ---------------------------------------------------------------- merging

def _compatible(a: Award, b: Award, R: AwardRules) -> bool:
    if a.person != b.person or a.prize != b.prize:
        return False
    ca, cb = _norm(a.competition), _norm(b.competition)
    ea, eb = _norm_event(a.event, R), _norm_event(b.event, R)
    return (ca == cb or not ca or not cb) and (ea == eb or not ea or not eb) and (ca or cb or ea == eb)


def _merge(rows: list[_Row], R: AwardRules) -> list[_Row]:
    """One row per award stated more than once.  The first statement is kept;
    a later one that names the competition the first left out becomes the
    anchor (its competition, year and provenance); each fills the other's
    missing event and level, and the more certain role wins."""
    out: list[_Row] = []
    for row in rows:
        same = next((o for o in out if _compatible(o.award, row.award, R)), None)
        if same is None:
            out.append(row)
            continue
        a, b = same.award, row.award
        if not a.competition and b.competition:
            a.competition, a.year, a.prov = b.competition, b.year, b.prov
            a.level = b.level or a.level
        if not a.event and b.event:
            a.event = b.event
        if not a.level and b.level:
            a.level = b.level
        if _ROLE_RANK.get(row.role_src, 0) > _ROLE_RANK.get(same.role_src, 0):
            a.role, same.role_src = b.role, row.role_src
    # a person named with a certain role elsewhere in the report keeps it
    known: dict[str, str] = {}
    for r in out:
        if r.role_src in ("explicit", "prize") and r.award.role in ("student", "teacher"):
            known.setdefault(r.award.person, r.award.role)
    for r in out:
        if r.role_src in ("default", "competition") and r.award.person in known:
            r.award.role, r.role_src = known[r.award.person], "memory"
    return out


# ---------------------------------------------------------------- entry point

@registry.extractors.register("awards")
def awards(doc: Document, facts) -> None:
    """The registered extractor: ``facts.awards`` for the covered year."""
    facts.awards = extract_awards(doc, facts.attributes.get("year"))


@dataclass
class _Walk:
    """What :func:`extract_awards` carries from block to block: the rows
    found, the competition an introducing paragraph names for the items
    after it, and the last award table's header (for its continuation on
    the next page) with its column count and competition."""
    doc: Document
    R: AwardRules
    report_year: int | None
    rows: list[_Row] = field(default_factory=list)
    carried: Competition | None = None
    last_table: tuple[int, dict[str, list[int]], list[str]] | None = None
    last_table_cols: int = 0
    last_context: Competition | None = None

    def paragraph(self, b: Block) -> None:
        """Rows of a paragraph listing prizes; a paragraph ending in a colon
        carries its last competition to the items after it."""
        R = self.R
        text = _SPACE.sub("", b.text)
        if not text:
            return
        self.last_table = None
        # a carried competition lasts while the paragraphs are enumerated items
        if self.carried is not None and not _starts_item(text[:4], R):
            self.carried = None
        carry = None
        if R.prize_word_rx.search(text):
            new, carry = _paragraph_rows(self.doc, b, R, self.report_year, self.carried)
            self.rows.extend(new)
        elif text.endswith(("：", ":")):
            comps = _Paragraph(text, R)._comps()
            carry = comps[-1][2] if comps else None
        if carry is not None:
            self.carried = carry

    def table(self, b: Block) -> None:
        """Rows of an award table, or of the continuation of the last one
        (same column count, no header of its own)."""
        R = self.R
        header = _header_map(b.grid(), R)
        context = None
        if header is None and self.last_table is not None and b.n_cols == self.last_table_cols:
            header = (-1, self.last_table[1], self.last_table[2])      # a table continued on the next page
            context = self.last_context
        if header is None:
            self.last_table = None
            return
        if context is None and "competition" not in header[1]:
            context = _caption_competition(b, R) or self.carried
        self.rows.extend(_table_rows(self.doc, b, header, R, self.report_year, context))
        self.last_table, self.last_table_cols, self.last_context = header, b.n_cols, context


def extract_awards(doc: Document, report_year: int | None, rules: AwardRules | None = None) -> list[Award]:
    """Every award row (one per person) in ``doc``: narrative lists and award
    tables, merged where the same award is stated twice."""
    R = rules or load_award_rules()
    walk = _Walk(doc, R, report_year)
    for b in doc.blocks:
        if b.kind == PARAGRAPH:
            walk.paragraph(b)
        elif b.kind == TABLE:
            walk.table(b)
        elif not (b.kind == CAPTION and re.match(r"\s*续表", b.text or "")):
            walk.carried = None
            walk.last_table = None
    return [r.award for r in _merge(walk.rows, R)]


def _caption_competition(block: Block, R: AwardRules) -> Competition | None:
    """The competition a table's caption names (表3 2023年全国职业院校技能大赛获奖情况)."""
    title = _SPACE.sub("", block.title or "")
    if block.number:
        title = title.replace(_SPACE.sub("", block.number), "", 1)
    title = re.sub(r"^(?:续?表|附表)[一二三四五六七八九十\d.\-－]*[：:、.]?", "", title)
    title = R.caption_strip.sub("", title)
    if not title or not R.comp_suffix_rx.search(title[-4:]):
        return None
    return make_competition(title, R)


def _starts_item(text: str, R: AwardRules) -> bool:
    return any(rx.match(text) for rx in R.enum_top + R.enum_sub)
