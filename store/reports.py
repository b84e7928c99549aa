"""One report, once: which stored files are copies of one report, which
copy is the most informative, and which reports a newer file superseded.

A bureau receives the same report as .docx, .pdf and sometimes .txt, and
next month a revised file.  Files are grouped by their attributes (school
and report year, as extracted or corrected) and their content (a sketch of
the text, :func:`fingerprint`), never by their names:

* files of one school and year, in different formats, whose texts are alike
  (:data:`SIMILAR` or more of their character shingles shared) are **copies
  of one report** — one *edition*;
* a file of the same school and year that is not such a copy (same format
  as a file of the latest edition, or a different text) starts a new
  edition, which **supersedes** the earlier ones when its file is newer
  (file modification time, then order of ingest).  Superseded files stay in
  the database (``documents.superseded_by`` names the report that replaced
  them): history is kept, but ``check``, ``flags``, ``compare``, the
  workbook and the views show only current reports.

Within an edition the **primary** copy — the one whose values and flags are
shown — is the most informative: a PDF (real page numbers) before a Word
file before a text file, then more tables, then more values, then more
text.  ``documents.report_id`` is the primary copy's id for every file of
the report.  :func:`group_reports` recomputes both columns for the whole
store; ingest, ``remove`` and corrections call it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .transactions import joined_transaction

#: shingle length (characters) and sketch size of :func:`fingerprint`
SHINGLE = 5
SKETCH = 128
#: two texts sharing at least this share of shingles are copies of one report
SIMILAR = 0.7
#: format rank: the copy with real pages first
FORMAT_RANK = {"pdf": 3, "docx": 2, "doc": 2, "wps": 2, "txt": 1}

_KEEP = re.compile(r"[^\w]+")


def fingerprint(text: str) -> str:
    """A bottom-k sketch of ``text``: the :data:`SKETCH` smallest distinct
    CRC-32 values (``zlib.crc32`` of the UTF-8 bytes) of its
    :data:`SHINGLE`-character shingles, after removing spaces and
    punctuation (so a PDF's line breaks and a Word file's paragraphs read
    alike), computed with numpy (:mod:`nianbao.store.shingles`).  JSON
    text, stored in ``documents.fingerprint``."""
    from .shingles import bottom_k   # numpy: loaded where documents are parsed
    return json.dumps(bottom_k(_KEEP.sub("", text or ""), SHINGLE, SKETCH))


def similarity(a: str | None, b: str | None) -> float:
    """Estimated Jaccard similarity (0–1) of two :func:`fingerprint` sketches;
    0 when either is missing or empty."""
    try:
        x, y = set(json.loads(a or "[]")), set(json.loads(b or "[]"))
    except ValueError:
        return 0.0
    if not x or not y:
        return 0.0
    union = sorted(x | y)[:SKETCH]
    return sum(1 for h in union if h in x and h in y) / len(union)


@dataclass
class _Doc:
    id: int
    format: str
    fingerprint: str | None
    mtime: float
    rank: tuple


@dataclass
class _Edition:
    docs: list[_Doc] = field(default_factory=list)

    @property
    def primary(self) -> _Doc:
        return max(self.docs, key=lambda d: (d.rank, -d.id))

    def takes(self, doc: _Doc) -> bool:
        """A copy: a format this edition lacks, and a text like one of its files."""
        if any(d.format == doc.format for d in self.docs):
            return False
        return any(similarity(d.fingerprint, doc.fingerprint) >= SIMILAR for d in self.docs)


def _documents(conn) -> dict[tuple, list[_Doc]]:
    """Readable documents by (school, year), each with its newest file time."""
    rows = conn.execute(
        "select d.id, d.school, d.year, d.format, d.fingerprint, "
        "coalesce((select max(p.mtime) from document_paths p where p.document_id = d.id), 0), "
        "(select count(*) from tables t where t.document_id = d.id), "
        "(select count(*) from metrics m where m.document_id = d.id), coalesce(d.chars, 0) "
        "from documents d where d.status in ('ok', 'ocr') and d.school is not null and d.year is not null "
        "order by d.id").fetchall()
    groups: dict[tuple, list[_Doc]] = {}
    for i, school, year, fmt, fp, mtime, n_tables, n_metrics, chars in rows:
        rank = (FORMAT_RANK.get(fmt or "", 0), n_tables, n_metrics, chars)
        groups.setdefault((school, year), []).append(_Doc(i, fmt or "", fp, float(mtime or 0), rank))
    return groups


def editions(docs: list[_Doc]) -> list[_Edition]:
    """The editions of one school and year, oldest first (see the module docstring)."""
    out: list[_Edition] = []
    for d in sorted(docs, key=lambda d: (d.mtime, d.id)):
        if out and out[-1].takes(d):
            out[-1].docs.append(d)
        else:
            out.append(_Edition([d]))
    return out


def group_reports(conn) -> int:
    """Recompute ``documents.report_id`` and ``superseded_by`` for the whole
    store in the caller's transaction (or its own); returns the number of
    current reports.  Files that are not grouped (failed, unreadable, no
    school or year) are their own report."""
    with joined_transaction(conn):
        conn.execute("UPDATE documents SET report_id = id, superseded_by = NULL")
        current = conn.execute("select count(*) from documents where status in ('ok', 'ocr') and "
                               "(school is null or year is null)").fetchone()[0]
        for docs in _documents(conn).values():
            eds = editions(docs)
            latest = eds[-1].primary.id
            for ed in eds:
                ids = [d.id for d in ed.docs]
                marks = ",".join("?" for _ in ids)
                conn.execute(f"UPDATE documents SET report_id = ?, superseded_by = ? WHERE id IN ({marks})",
                             (ed.primary.id, None if ed is eds[-1] else latest, *ids))
            current += 1
    return current
