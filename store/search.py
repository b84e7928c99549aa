"""Chinese full-text search over section text (SQLite FTS5 + jieba).

SQLite's default FTS5 tokenizer (unicode61) sees a run of Han characters as
one token, so it finds no Chinese word inside a sentence; the trigram
tokenizer finds nothing shorter than three characters.  nianbao therefore
indexes every section in the FTS5 table ``sections_fts`` (rowid =
``sections.rowid``) with every character as its own token (column
``chars``): a phrase of characters there is an exact substring match,
whatever a segmenter would make of the text — one-character words (县),
words jieba cuts differently in context, and phrases of any length are all
found.

Whole words are judged with jieba at query time, on the matching sections
only: a section where a query term is a whole jieba word (with the domain
dictionary of ``rules/dict/domain.txt`` and the metric terms) ranks first,
and ``words_only`` keeps only those (成就业绩 is then not a hit for 就业).
Segmenting at query time instead of at ingest saves a quarter of the
per-report work of a bulk run (jieba runs at ≈ 300,000 characters/s).  The
table keeps a ``words`` column, left empty, so databases written by earlier
versions stay readable.

The index is written in the same transaction as the document
(``Store.save`` → :func:`index_document`); a trigger removes a section's
row when the section is deleted, so re-ingesting never leaves stale rows.
:func:`rebuild` re-creates it (``nianbao search --reindex``; also run on a
schema upgrade).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from .transactions import joined_transaction
from .like import CONTAINS, like_pattern

FTS_TABLE = "sections_fts"

#: bm25 weights for (words, chars, document_id, order)
_WEIGHTS = "0.0, 1.0, 0.0, 0.0"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_jieba = None


def create_index(conn: sqlite3.Connection) -> None:
    """Create the FTS5 table and the delete trigger (idempotent)."""
    conn.execute(f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        words, chars, document_id UNINDEXED, "order" UNINDEXED, tokenize = 'unicode61')""")
    conn.execute(f"""CREATE TRIGGER IF NOT EXISTS sections_fts_delete AFTER DELETE ON sections BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.rowid;
    END""")


def _segmenter():
    """jieba with nianbao's domain dictionary (loaded once per process)."""
    global _jieba
    if _jieba is None:
        import jieba
        jieba.setLogLevel(60)
        try:
            from nianbao.extractors.metric_rules import load_metric_rules
            from nianbao.extractors.segment import _load_dictionary
            _load_dictionary(jieba, load_metric_rules())
        except Exception:  # the index still works without the domain words
            pass
        _jieba = jieba
    return _jieba


def is_word_hit(text: str, term: str) -> bool:
    """Whether ``term`` stands in ``text`` as whole jieba words (not inside
    longer words): its own segmentation appears as consecutive tokens."""
    want = [t for t in _segmenter().lcut(term) if t.strip()]
    if not want:
        return False
    toks = [t for t in _segmenter().lcut_for_search(text or "") if t.strip()]
    n = len(want)
    return any(toks[i:i + n] == want for i in range(len(toks) - n + 1))


def segment_chars(text: str) -> str:
    """Every non-space character as its own token."""
    return " ".join("".join((text or "").split()))   # split(): the characters str.isspace() calls space


def _row_values(rowid: int, document_id: int, order: int, title: str | None, text: str | None) -> tuple:
    body = f"{title or ''}\n{text or ''}"
    return (rowid, "", segment_chars(body), document_id, order)


def segment_document(doc) -> dict[int, tuple[str, str]]:
    """The index tokens of every section of a parsed document, by section
    order — made in the worker process, so the one writer only inserts."""
    from .rows import section_rows
    return segment_rows(section_rows(doc, 0))


def segment_rows(sections: list[dict]) -> dict[int, tuple[str, str]]:
    """The index tokens (words, characters) of section rows, by section order."""
    return {r["order"]: ("", segment_chars(f"{r['title'] or ''}\n{r['text'] or ''}")) for r in sections}


def index_document(conn: sqlite3.Connection, document_id: int,
                   tokens: dict[int, tuple[str, str]] | None = None) -> int:
    """(Re-)index one document's sections; call inside the write transaction
    that stored them.  ``tokens`` are the segmented sections when a worker
    already made them (:func:`segment_document`).  Returns the number of
    sections indexed."""
    rows = conn.execute('SELECT rowid, document_id, "order", title, text FROM sections WHERE document_id = ?',
                        (document_id,)).fetchall()
    # normally none left: the trigger removed them with the old sections
    conn.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT rowid FROM sections WHERE document_id = ?)",
                 (document_id,))
    values = []
    for rowid, doc_id, order, title, text in rows:
        if tokens and order in tokens:
            values.append((rowid, *tokens[order], doc_id, order))
        else:
            values.append(_row_values(rowid, doc_id, order, title, text))
    conn.executemany(f'INSERT INTO {FTS_TABLE} (rowid, words, chars, document_id, "order") VALUES (?, ?, ?, ?, ?)',
                     values)
    return len(rows)


def rebuild(conn: sqlite3.Connection) -> int:
    """Re-create the whole index from ``sections``; returns the rows indexed.
    Runs in the caller's transaction when one is open, else in its own."""
    with joined_transaction(conn):
        create_index(conn)
        conn.execute(f"DELETE FROM {FTS_TABLE}")
        rows = conn.execute('SELECT rowid, document_id, "order", title, text FROM sections').fetchall()
        conn.executemany(
            f'INSERT INTO {FTS_TABLE} (rowid, words, chars, document_id, "order") VALUES (?, ?, ?, ?, ?)',
            [_row_values(*r) for r in rows])
    return len(rows)


def index_status(conn: sqlite3.Connection) -> str:
    """``ok``, ``missing`` (no FTS table) or ``stale`` (rows do not match the
    sections, e.g. after a VACUUM renumbered rowids or an old nianbao wrote
    the sections)."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone()
    if not exists:
        return "missing"
    n_sections = conn.execute("SELECT count(*) FROM sections").fetchone()[0]
    n_index = conn.execute(f"SELECT count(*) FROM {FTS_TABLE}").fetchone()[0]
    if n_sections != n_index:
        return "stale"
    bad = conn.execute(f'SELECT count(*) FROM {FTS_TABLE} f LEFT JOIN sections s ON s.rowid = f.rowid '
                       f'WHERE s.document_id IS NOT f.document_id OR s."order" IS NOT f."order"').fetchone()[0]
    return "stale" if bad else "ok"


# ---------------------------------------------------------------------------
# queries
# ---------------------------------------------------------------------------
def _terms(query: str) -> list[str]:
    return [t for t in re.split(r"\s+", (query or "").replace('"', " ").strip()) if t]


def _phrase(tokens) -> str:
    toks = [t.replace('"', "") for t in tokens if t.strip() and t.replace('"', "")]
    return '"' + " ".join(toks) + '"' if toks else ""


def fts_query(query: str, *, words_only: bool = False) -> str:
    """The FTS5 MATCH expression for a user's query: every whitespace-separated
    term must occur as a phrase of characters (a substring).  Whether it is
    also a whole word is judged by :func:`search` (``words_only``)."""
    parts = []
    for term in _terms(query):
        if not _CJK.search(term):
            p = _phrase(ch for ch in term if ch.isalnum())
            if p:
                parts.append(f"chars : {p}")
            continue
        chars = _phrase(ch for ch in term if not ch.isspace())
        parts.append(f"(chars : {chars})")   # whole words are judged afterwards (is_word_hit)
    return " AND ".join(parts)


def highlight_pattern(query: str) -> re.Pattern | None:
    """A regex for any query term with the index's own leniency: spaces and
    punctuation between characters are skipped (PDF text keeps spurious
    spaces; “1+X”证书 matches 1+X证书)."""
    alts = []
    for t in _terms(query):
        chars = [ch for ch in t if ch.isalnum()]
        if chars:
            alts.append(r"[\W_]*".join(re.escape(ch) for ch in chars))
    return re.compile("|".join(sorted(alts, key=len, reverse=True)), re.I) if alts else None


def snippet(text: str, pattern: re.Pattern | None, *, before: int = 30, after: int = 60,
            mark: tuple[str, str] = ("【", "】")) -> tuple[str, int | None]:
    """A passage around the first hit with every hit in it marked; returns the
    snippet and the hit's offset in ``text`` (None if no literal hit)."""
    text = text or ""
    m = pattern.search(text) if pattern else None
    if not m:
        return re.sub(r"\s+", " ", text[: before + after]).strip(), None
    a, b = max(0, m.start() - before), min(len(text), m.end() + after)
    piece = text[a:b]
    piece = pattern.sub(lambda x: f"{mark[0]}{x.group(0)}{mark[1]}", piece)
    piece = re.sub(r"\s+", " ", piece).strip()
    return ("…" if a > 0 else "") + piece + ("…" if b < len(text) else ""), m.start()


@dataclass
class Hit:
    document_id: int
    order: int
    school: str | None
    year: int | None
    path: str               # the document's file path
    section: str            # heading path
    page: int | None        # page of the hit (PDF), else of the heading
    snippet: str
    score: float
    hits: int = 0           # occurrences in the section
    whole: bool = False     # every query term stands as a whole jieba word
    copies: list[str] = field(default_factory=list)   # the same passage in other files of the report

    def to_row(self) -> dict:
        return {"school": self.school, "year": self.year, "section": self.section, "page": self.page,
                "snippet": self.snippet, "path": self.path, "document_id": self.document_id,
                "order": self.order, "hits": self.hits, "score": round(self.score, 3), "whole_word": self.whole, "copies": self.copies}


def _search_sql(match: str, school: str | None, year: int | None, limit: int,
                words_only: bool) -> tuple[str, list]:
    """The FTS5 query of :func:`search` and its parameters (more rows than
    ``limit``: whole-word filtering and merging copies drop some)."""
    where, params = [f"{FTS_TABLE} MATCH ?"], [match]
    if school:
        where.append(f"d.school {CONTAINS}")
        params.append(like_pattern(school))
    if year is not None:
        where.append("d.year = ?")
        params.append(int(year))
    sql = (f'SELECT s.document_id, s."order", d.school, d.year, d.path, s.path, s.title, s.page, s.start, s.text, '
           f'bm25({FTS_TABLE}, {_WEIGHTS}) AS score '
           f'FROM {FTS_TABLE} JOIN sections s ON s.rowid = {FTS_TABLE}.rowid '
           f'JOIN documents d ON d.id = s.document_id '
           f'WHERE {" AND ".join(where)} ORDER BY coalesce(s.text, \'\') = \'\', score, d.school, d.year, s.document_id, s."order" LIMIT ?')
    params.append(int(limit) * (20 if words_only else 5) + 50)
    return sql, params


def _hit_snippet(text: str, title: str | None, pattern, mark) -> tuple[str, int | None]:
    """The snippet of a section (the marked title first when only the title
    matches) and the offset of the hit in ``text`` (None if not in the text)."""
    snip, offset = snippet(text, pattern, mark=mark)
    if offset is None and title and pattern and pattern.search(title):
        head = pattern.sub(lambda x: f"{mark[0]}{x.group(0)}{mark[1]}", title)
        snip = f"{head} — {snip}" if snip else head
    return snip, offset


def _merge_copy(seen: dict[tuple, Hit], key: tuple, hit: Hit) -> bool:
    """Record ``hit`` as a copy of the same passage seen before under ``key``
    (the PDF copy's page, path and section kept); False when it is new."""
    first = seen.get(key)
    if first is None:
        return False
    first.copies.append(hit.path)
    if first.page is None and hit.page is not None:   # the PDF copy knows the page
        first.page, first.path, first.document_id, first.order = hit.page, hit.path, hit.document_id, hit.order
    return True


def search(db, query: str, *, school: str | None = None, year: int | None = None, limit: int = 20,
           words_only: bool = False, load_model=None, mark=("【", "】"), distinct: bool = True) -> list[Hit]:
    """Sections matching ``query``, best first.  With ``distinct`` the same
    passage of one report stored from several files (.docx and .pdf) is
    given once (``Hit.copies`` lists the other files; the PDF's page is kept).  ``db`` is a sqlite-utils
    Database or sqlite3 connection; ``school`` matches a substring of the
    school name; ``load_model(document_id)`` (optional) returns the stored
    Document so the page of the hit itself can be given for PDFs."""
    conn = getattr(db, "conn", db)
    match = fts_query(query, words_only=words_only)
    if not match:
        return []
    sql, params = _search_sql(match, school, year, limit, words_only)
    pattern = highlight_pattern(query)
    models: dict[int, object] = {}
    out: list[Hit] = []
    seen: dict[tuple, Hit] = {}
    for doc_id, order, sch, yr, dpath, spath, title, page, start, text, score in conn.execute(sql, params):
        text = text or ""
        snip, offset = _hit_snippet(text, title, pattern, mark)
        hit_page = page
        if offset is not None and page is not None and load_model is not None:
            hit_page = _page_of(models, load_model, doc_id, start, text, offset) or page
        whole = all(is_word_hit(f"{title or ''}\n{text}", t) for t in _terms(query) if _CJK.search(t))
        if words_only and not whole:
            continue
        hit = Hit(document_id=doc_id, order=order, school=sch, year=yr, path=dpath, section=spath or title or "",
                  page=hit_page, snippet=snip, score=-float(score), whole=whole,
                  hits=len(pattern.findall(text)) if pattern else 0)
        key = (sch, yr, hit.section, re.sub(r"[\s…]", "", snip))
        if distinct and _merge_copy(seen, key, hit):
            continue
        seen[key] = hit
        out.append(hit)
    # whole-word hits first, otherwise in the index's order (bm25)
    out.sort(key=lambda h: not h.whole)
    return out[:limit]


def _page_of(models, load_model, doc_id, start, text, offset) -> int | None:
    if doc_id not in models:
        try:
            models[doc_id] = load_model(doc_id)
        except Exception:
            models[doc_id] = None
    doc = models[doc_id]
    if doc is None or not text:
        return None
    base = doc.text.find(text[:60], start or 0)
    return doc.page_at(base + offset) if base >= 0 else None
