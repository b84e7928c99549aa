"""Chinese segmentation and term matching.

jieba segments the text, with a domain dictionary (``rules/dict/domain.txt``
plus every term of ``rules/metrics.yaml``) so that 生师比, 双师型教师比例 or
全日制在校生 stay whole; spaCy's blank Chinese pipeline with the jieba
segmenter turns it into tokens and a ``PhraseMatcher`` finds the metric terms
on token boundaries, longest match first ("生均教学仪器设备值" is never read as
"教学仪器设备值").  One matcher is built per process and reused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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


def _load_dictionary(jieba, rules: MetricRules) -> None:
    path = RULES_DIR / "dict" / "domain.txt"
    if path.exists():
        jieba.load_userdict(str(path))
    words = set(rules.not_metrics)
    for m in rules.metrics.values():
        words.update(m.terms)
        words.update(m.after_number)
    for w in sorted(words):
        jieba.add_word(w)
        jieba.suggest_freq(w, tune=True)


class TermMatcher:
    def __init__(self, rules: MetricRules | None = None):
        import jieba
        import spacy
        from spacy.matcher import PhraseMatcher

        jieba.setLogLevel(60)
        self.rules = rules or load_metric_rules()
        _load_dictionary(jieba, self.rules)
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self.matcher = PhraseMatcher(self.nlp.vocab)
        for m in self.rules.metrics.values():
            if m.terms:
                self.matcher.add(f"{m.id}|term", [self.nlp.make_doc(t) for t in m.terms])
            if m.after_number:
                self.matcher.add(f"{m.id}|after", [self.nlp.make_doc(t) for t in m.after_number])
        if self.rules.not_metrics:
            self.matcher.add(NOT_METRIC, [self.nlp.make_doc(t) for t in self.rules.not_metrics])
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
        # a space a PDF left inside a term ("毕业去向落 实率") does not hide it
        self._fallback = re.compile("|".join(
            "[ \t\u3000]?".join(map(re.escape, t)) for t in sorted(self._fallback_keys, key=len, reverse=True)))

    def _inside_opener(self, text: str, a: int) -> bool:
        """Position ``a`` falls inside a part opener (rules context part_openers: 其中)."""
        return any(text[a - k:a - k + len(w)] == w for w in self._openers for k in range(1, len(w)) if a >= k)

    def tokens(self, text: str) -> list[str]:
        return [t.text for a, b in chunks(text) for t in self.nlp.make_doc(text[a:b])]

    def find(self, text: str) -> list[TermHit]:
        """Metric terms in ``text``: longest matches, no overlaps, in order.
        A text longer than :data:`CHUNK_CHARS` (a "sentence" of a million
        characters without 。, which spaCy refuses: E088) is read in pieces cut
        at punctuation or spaces."""
        if len(text) <= CHUNK_CHARS:
            return self._find(text)
        return [h.shifted(a) for a, b in chunks(text) for h in self._find(text[a:b])]

    def _find(self, text: str) -> list[TermHit]:
        from spacy.util import filter_spans
        doc = self.nlp.make_doc(text)
        spans = [doc[s:e] for _, s, e in self.matcher(doc)]
        labels: dict[tuple[int, int], set[str]] = {}
        for match_id, s, e in self.matcher(doc):
            labels.setdefault((s, e), set()).add(self.nlp.vocab.strings[match_id])
        hits = []
        covered = []
        for span in filter_spans(spans):
            keys = labels[(span.start, span.end)]
            a, b = span.start_char, span.end_char
            if self._inside_opener(text, a):
                continue         # jieba cut 其|中高级…: the word is 其中, the term starts after it
            if NOT_METRIC in keys:
                keys = {NOT_METRIC}
            for key in sorted(keys):
                hits.append(TermHit(a, b, key, text[a:b]))
            covered.append((a, b))
        # a term jieba glued to the word after it ("占地约" → 占地 + 约, "共招生达")
        for tok in doc:
            if (tok.idx, tok.idx + len(tok.text)) in covered or any(
                    x < tok.idx + len(tok.text) and tok.idx < y for x, y in covered):
                continue
            for k in range(len(tok.text) - 1, 1, -1):
                key = self._term_keys.get(tok.text[:k])
                if key and tok.text[k:] in self._glue:
                    hits.append(TermHit(tok.idx, tok.idx + k, key, tok.text[:k]))
                    covered.append((tok.idx, tok.idx + k))
                    break
        # fallback: a whole term that segmentation split inside other words;
        # it replaces shorter hits that lie inside it ("就业（含升学）率" over 升学)
        for m in self._fallback.finditer(text):
            a, b = m.span()
            inside = [(x, y) for x, y in covered if a <= x and y <= b and y - x < b - a]
            if any(x < b and a < y for x, y in covered if (x, y) not in inside):
                continue
            hits = [h for h in hits if (h.start, h.end) not in inside]
            covered = [c for c in covered if c not in inside]
            key = self._fallback_keys[re.sub(r"[ \t\u3000]", "", m.group(0))]
            hits.append(TermHit(a, b, key, m.group(0)))
            covered.append((a, b))
        hits.sort(key=lambda h: h.start)
        return hits


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
