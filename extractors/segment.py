"""Chinese segmentation and term matching.

jieba segments the text, with a domain dictionary (``rules/dict/domain.txt``
plus every term of ``rules/metrics.yaml``) so that 生师比, 双师型教师比例 or
全日制在校生 stay whole; spaCy's blank Chinese pipeline with the jieba
segmenter turns it into tokens and a ``PhraseMatcher`` finds the metric terms
on token boundaries, longest match first ("生均教学仪器设备值" is never read as
"教学仪器设备值").  One matcher is built per process and reused.

Only the stretches of text where a term could stand are segmented
(:meth:`TermMatcher.windows`): jieba cuts every run of Han characters,
letters and digits on its own, so segmenting the runs around each place a
term's characters occur gives exactly the tokens the whole sentence would
have there — at a fraction of the cost.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nianbao.rules import RULES_DIR

from .metric_rules import MetricRules, load_metric_rules

NOT_METRIC = "NOT"


@dataclass(frozen=True)
class TermHit:
    start: int        # character offsets in the text given to find()
    end: int
    key: str          # "<metric id>|term", "<metric id>|after" or "NOT"
    text: str

    def shifted(self, offset: int) -> "TermHit":
        return TermHit(self.start + offset, self.end + offset, self.key, self.text)

    @property
    def metric(self) -> str | None:
        return None if self.key == NOT_METRIC else self.key.split("|")[0]

    @property
    def role(self) -> str:
        return "not" if self.key == NOT_METRIC else self.key.split("|")[1]


def _domain_words(rules: MetricRules) -> list[str]:
    words = set(rules.not_metrics)
    for m in rules.metrics.values():
        words.update(m.terms)
        words.update(m.after_number)
    return sorted(words)


def _load_dictionary(jieba, rules: MetricRules) -> None:
    path = RULES_DIR / "dict" / "domain.txt"
    if path.exists():
        jieba.load_userdict(str(path))
    for w in _domain_words(rules):
        jieba.add_word(w)
        jieba.suggest_freq(w, tune=True)


def _ready_jieba(jieba, rules: MetricRules) -> None:
    """jieba's dictionary with the domain words added (:func:`_load_dictionary`).
    Loading jieba's dictionary and adding the words takes ≈ 0.8 CPU-s; the
    result is kept in the warm cache (:mod:`nianbao.ingest.warm_cache`),
    keyed by jieba's version and dictionary file, ``domain.txt``'s bytes
    and the words, and read back in ≈ 0.2 s.  A process whose jieba is
    initialised already (a page's text check) only adds the words."""
    from jieba import finalseg

    from nianbao.ingest import warm_cache
    dt = jieba.dt
    if dt.initialized:
        _load_dictionary(jieba, rules)
        return
    domain = RULES_DIR / "dict" / "domain.txt"
    key = warm_cache.make_key("jieba", jieba.__version__, warm_cache.file_stamp(dt.dictionary or Path(jieba.__file__).with_name("dict.txt")),
                              domain.read_bytes() if domain.exists() else b"", _domain_words(rules))

    def build():
        dt.initialize()
        forced = set(finalseg.Force_Split_Words)
        _load_dictionary(jieba, rules)
        return dt.FREQ, dt.total, dt.user_word_tag_tab, sorted(finalseg.Force_Split_Words - forced)

    freq, total, tags, forced = warm_cache.cached("jieba-domain", key, build)
    if not dt.initialized:      # read from the cache: the state build() leaves
        dt.FREQ, dt.total = freq, total
        dt.user_word_tag_tab.update(tags)
        finalseg.Force_Split_Words.update(forced)
        dt.initialized = True


class TermMatcher:
    def __init__(self, rules: MetricRules | None = None):
        import jieba
        import spacy
        from spacy.matcher import PhraseMatcher

        jieba.setLogLevel(60)
        self.rules = rules or load_metric_rules()
        _ready_jieba(jieba, self.rules)
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self.matcher = PhraseMatcher(self.nlp.vocab)
        for m in self.rules.metrics.values():
            if m.terms:
                self.matcher.add(f"{m.id}|term", [self.nlp.make_doc(t) for t in m.terms])
            if m.after_number:
                self.matcher.add(f"{m.id}|after", [self.nlp.make_doc(t) for t in m.after_number])
        if self.rules.not_metrics:
            self.matcher.add(NOT_METRIC, [self.nlp.make_doc(t) for t in self.rules.not_metrics])
        # where a phrase could match: a pattern's characters, any spaces between them
        # (at each position the longest pattern that occurs there, so a match is inside)
        phrases = {re.sub(r"\s", "", t) for t in self.rules.not_metrics}
        for m in self.rules.metrics.values():
            phrases.update(re.sub(r"\s", "", t) for t in (*m.terms, *m.after_number))
        phrases.discard("")
        self._runs = jieba.re_han_default        # the runs jieba segments one by one
        first = "".join(sorted({re.escape(t[0]) for t in phrases}))   # a cheap test before the alternation
        self._may_match = re.compile(f"(?=[{first}])(?=(" + "|".join(
            r"\s*".join(map(re.escape, t)) for t in sorted(phrases, key=lambda t: (-len(t), t))) + "))") \
            if phrases else None
        self._openers = [str(w) for w in self.rules.context.get("part_openers", [])]
        # terms by text, and the words jieba may glue after a term (connectors: 约, 达, 为 …)
        self._term_keys = {t: f"{m.id}|term" for m in self.rules.metrics.values() for t in m.terms}
        self._glue = {str(w) for w in self.rules.context.get("connectors", [])} - {"", " "}
        # a plain-text fallback for terms jieba may cut differently in context
        self._fallback_keys: dict[str, str] = {}
        for m in self.rules.metrics.values():
            for t in m.terms:
                if len(t) >= 3:
                    self._fallback_keys.setdefault(t, f"{m.id}|term")
        for t in self.rules.not_metrics:
            self._fallback_keys[t] = NOT_METRIC
        # a space a PDF left inside a term ("毕业去向落 实率") does not hide it: the
        # text is read with tabs and ideographic spaces as plain ones (_TERM_GAPS), so
        # the gap is a literal " ?" (a character class per gap took 0.12 s to compile)
        self._fallback = re.compile("|".join(
            " ?".join(map(re.escape, t)) for t in sorted(self._fallback_keys, key=len, reverse=True)))

    def _inside_opener(self, text: str, a: int) -> bool:
        """Position ``a`` falls inside a part opener (rules context part_openers: 其中)."""
        return any(text[a - k:a - k + len(w)] == w for w in self._openers for k in range(1, len(w)) if a >= k)

    def tokens(self, text: str) -> list[str]:
        return [t.text for a, b in chunks(text) for t in self.nlp.make_doc(text[a:b])]

    def windows(self, text: str) -> list[tuple[int, int]]:
        """The stretches of ``text`` to segment, in order and disjoint: around
        every place where a term's characters occur, widened to whole jieba
        runs, so that their tokens are those of the whole text."""
        if self._may_match is None:
            return []
        runs = [(m.start(), m.end()) for m in self._runs.finditer(text)]
        starts = [a for a, _ in runs]
        out: list[list[int]] = []
        for m in self._may_match.finditer(text):
            a, b = m.span(1)
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0 and a < runs[i][1]:
                a = runs[i][0]
            j = bisect.bisect_right(starts, b - 1) - 1
            if j >= 0 and b < runs[j][1]:
                b = runs[j][1]
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        return [(a, b) for a, b in out]

    def _window_docs(self, text: str) -> list[tuple[int, object]]:
        """(offset, spaCy doc) of every window of ``text`` (:meth:`windows`)."""
        return [(w0, self.nlp.make_doc(text[w0:w1])) for w0, w1 in self.windows(text)]

    def _phrase_spans(self, text: str, docs=None) -> list[tuple[int, int, set[str]]]:
        """The PhraseMatcher's longest, non-overlapping matches (spaCy's
        ``filter_spans``) as (start, end, match keys), by start."""
        from spacy.util import filter_spans
        out = []
        for w0, doc in (self._window_docs(text) if docs is None else docs):
            matches = self.matcher(doc)
            labels: dict[tuple[int, int], set[str]] = {}
            for match_id, s, e in matches:
                labels.setdefault((s, e), set()).add(self.nlp.vocab.strings[match_id])
            for span in filter_spans([doc[s:e] for _, s, e in matches]):
                out.append((w0 + span.start_char, w0 + span.end_char, labels[(span.start, span.end)]))
        return out

    def find(self, text: str) -> list[TermHit]:
        """Metric terms in ``text``: longest matches, no overlaps, in order.
        A text longer than :data:`CHUNK_CHARS` (a "sentence" of a million
        characters without 。, which spaCy refuses: E088) is read in pieces cut
        at punctuation or spaces."""
        if len(text) <= CHUNK_CHARS:
            return self._find(text)
        return [h.shifted(a) for a, b in chunks(text) for h in self._find(text[a:b])]

    def _find(self, text: str) -> list[TermHit]:
        docs = self._window_docs(text)
        hits = []
        covered = []
        for a, b, keys in self._phrase_spans(text, docs):
            if self._inside_opener(text, a):
                continue         # jieba cut 其|中高级…: the word is 其中, the term starts after it
            if NOT_METRIC in keys:
                keys = {NOT_METRIC}
            for key in sorted(keys):
                hits.append(TermHit(a, b, key, text[a:b]))
            covered.append((a, b))
        # a term jieba glued to the word after it ("占地约" → 占地 + 约, "共招生达")
        # (a token that begins with a term lies in a window: the term's characters made one there)
        for w0, doc in docs:
            for tok in doc:
                t = tok.text
                if len(t) < 3:          # a term of two characters or more, then the glued word
                    continue
                i = w0 + tok.idx
                if any(x < i + len(t) and i < y for x, y in covered):
                    continue
                for k in range(len(t) - 1, 1, -1):
                    key = self._term_keys.get(t[:k])
                    if key and t[k:] in self._glue:
                        hits.append(TermHit(i, i + k, key, t[:k]))
                        covered.append((i, i + k))
                        break
        # fallback: a whole term that segmentation split inside other words;
        # it replaces shorter hits that lie inside it ("就业（含升学）率" over 升学)
        for m in self._fallback.finditer(text.translate(_TERM_GAPS)):
            a, b = m.span()
            inside = [(x, y) for x, y in covered if a <= x and y <= b and y - x < b - a]
            if any(x < b and a < y for x, y in covered if (x, y) not in inside):
                continue
            hits = [h for h in hits if (h.start, h.end) not in inside]
            covered = [c for c in covered if c not in inside]
            key = self._fallback_keys[re.sub(r"[ \t\u3000]", "", text[a:b])]
            hits.append(TermHit(a, b, key, text[a:b]))
            covered.append((a, b))
        hits.sort(key=lambda h: h.start)
        return hits


#: the gaps a PDF leaves inside a term, read as a plain space by the fallback (same length)
_TERM_GAPS = str.maketrans({"\t": " ", "\u3000": " "})
#: longest text handed to spaCy at once (its limit, ``nlp.max_length``, is 1,000,000)
CHUNK_CHARS = 100_000
#: where a long text may be cut: after punctuation or a space (a term never spans one)
_CUT = re.compile(r"[，、；：,;:\s。！？!?）)]")


def chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` pieces of ``text`` of at most ``size`` characters, each
    cut after the last punctuation or space in its final tenth (else at
    ``size``).  One piece for a text that fits."""
    out, a, n = [], 0, len(text)
    while n - a > size:
        b = a + size
        cut = None
        for m in _CUT.finditer(text, b - size // 10, b):
            cut = m.end()
        b = cut or b
        out.append((a, b))
        a = b
    out.append((a, n))
    return out


@lru_cache(maxsize=1)
def term_matcher() -> TermMatcher:
    return TermMatcher()
