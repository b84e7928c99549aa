"""``nianbao.Database``: one SQLite database of annual quality reports, in the
manner of sqlite-utils' ``Database``.

>>> import nianbao
>>> db = nianbao.Database("reports.db")
>>> summary = db.ingest(["报告/", "各校报告.zip"], workers=2)
>>> len(summary.ingested), summary.reports        # 4 files; a .docx and its .pdf are one report
(4, 3)
>>> [(m["school"][:2], m["metric_year"], m["value"]) for m in db.metrics(metric="employment_rate", year=2023)]
[('果园', 2023, 98.3), ('果园', 2022, 97.1), ('楚州', 2023, 93.42), ('瓯江', 2023, 98.58), ('瓯江', 2022, 97.86)]
>>> len(db.metrics(metric="employment_rate", year=2023, report_year_only=True))   # without 2022's figures
3
>>> [(r.school, r.cells["students_fulltime"].value)
...  for r in db.compare(year=2023, metrics="students_fulltime,employment_rate").rows]
[('果园县职业技术学校', 1482.0), ('楚州工程职业技术学院', 12865.0), ('瓯江市鹿源区职业中等专业学校', 2214.0)]
>>> [f["metric"] for f in db.flags(kind="sum_mismatch")]
['students_fulltime']
>>> db.check(school="楚州")[0].outline.template
'gaozhi-2023'
>>> db.search("产教融合")[0].school
'果园县职业技术学校'
>>> db.sql("select count(*) as n from documents").dicts()
[{'n': 4}]

Every query opens the database read-only for its own duration and returns
plain Python data (lists of dicts, dataclasses); only :meth:`Database.ingest`,
:meth:`~Database.remove`, :meth:`~Database.reindex` and the corrections
(:meth:`~Database.correct`, :meth:`~Database.uncorrect`,
:meth:`~Database.import_corrections`) write.  The ``nianbao`` command is a thin layer
over these methods (``pipeline.py``); ``docs/api.md`` has runnable examples.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nianbao.ingest.workers import FILE_TIMEOUT, MEMORY_LIMIT_MB
from nianbao.store import DEFAULT_DB
from nianbao.store.errors import storage_errors
from nianbao.store.like import like_pattern


def path_list(paths) -> list:
    """``paths`` as a list: one ``str`` or ``Path`` is one path (never its
    characters, one by one — ``"/"`` would be the whole disk); ``TypeError``
    for anything that is neither a path nor an iterable of paths."""
    if paths is None:
        return []
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    try:
        return list(paths)
    except TypeError:
        raise TypeError(f"paths: a path or a list of paths, not {type(paths).__name__}") from None


@dataclass
class QueryResult:
    """The result of :meth:`Database.sql`: column names and rows (tuples)."""
    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict]:
        """The rows as dicts keyed by column name."""
        return [dict(zip(self.columns, r)) for r in self.rows]


class Database:
    """The database at ``path`` (created on the first :meth:`ingest`).

    Queries on a database that does not exist raise ``FileNotFoundError``
    (message in Chinese and English); a database made by an older nianbao is
    upgraded (schema, views, search index) the first time it is read.  A
    database that cannot be read or written — a full or failing disk, a
    read-only file, a file that is not SQLite or is corrupt, a newer schema,
    another program's database — raises :class:`nianbao.store.StorageError`
    (``code`` and a one-line message in Chinese and English).  On a read-only
    folder or file system reading still works."""

    def __init__(self, path: str | Path = DEFAULT_DB):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"<nianbao.Database {str(self.path)!r}>"

    # -- writing ---------------------------------------------------------------------
    def ingest(self, paths=(), *, force: bool = False, retry_failed: bool = False, reextract: bool = False,
               workers: int | None = None, timeout: float = FILE_TIMEOUT,
               memory_limit_mb: int | None = MEMORY_LIMIT_MB, lock_wait: float = 0.0, progress=None,
               prune: bool = False, follow_symlinks: bool = False,
               ocr: bool = True, cluster: str | None = None):
        """Parse, extract, review and store files, folders (recursive) and .zip
        archives; return a :class:`nianbao.ingest.batch.Summary` (``ingested``,
        ``unchanged``, ``duplicates``, ``failed`` as (path, reason),
        ``needs_ocr``, ``flagged``, ``pages``, ``seconds`` …).

        Unchanged files (same path, size and mtime) are skipped unread; bytes
        already stored are linked, not parsed.  ``workers``: processes (None =
        one per CPU, 0 = this process); ``timeout`` seconds and
        ``memory_limit_mb`` MB of resident memory per worker; ``reextract`` re-runs extraction on
        every stored document from its stored model.  Another run holding
        the database: wait ``lock_wait`` s, then ``RunLocked``.  Symbolic
        links leading out of a folder are followed only with
        ``follow_symlinks``; what was not read is in ``Summary.skipped``.
        ``prune``: forget stored files under the folders (and archives) given
        that have left them (``Summary.removed``).  Copies of one report
        (.docx/.pdf/.txt) are grouped and a newer file of the same school and
        year supersedes the older (``Summary.reports`` counts the current
        reports).  ``ocr``: scanned PDF pages and picture-only Word files are
        read by OCR (status ``ocr``; False: stored ``needs_ocr``), each such
        file's time limit growing by 60 s per page.  ``cluster``: a Dask
        scheduler address (or ``local``) whose workers parse and extract;
        this process still writes (the same database).  ``progress(Progress)``
        is called for every file, and with ``ocr_page`` events while scanned
        pages are read."""
        from nianbao.ingest.batch import ingest_paths
        return ingest_paths(path_list(paths), self.path, force=force, retry_failed=retry_failed, reextract=reextract,
                            workers=workers, timeout=timeout, memory_limit_mb=memory_limit_mb,
                            lock_wait=lock_wait, progress=progress, prune=prune,
                            follow_symlinks=follow_symlinks, ocr=ocr, cluster=cluster)

    def remove(self, paths) -> list[str]:
        """Forget stored files: each of ``paths`` is a stored path, or a folder
        or archive whose stored files are all forgotten (whether or not they
        still exist).  A document goes with its last path; corrections stay.
        Returns the paths forgotten (``[]`` when none matched);
        ``FileNotFoundError`` when the database does not exist."""
        from nianbao.ingest.workers import run_lock
        from nianbao.store import Store
        from nianbao.store.db import _under
        paths = path_list(paths)
        if not self.path.exists():        # before the lock file is made beside it
            raise FileNotFoundError(f"数据库不存在 / database not found: {self.path}")
        with storage_errors(self.path), run_lock(self.path):
            store = Store(self.path)
            try:
                stored = [r[0] for r in store.db.execute("select path from document_paths order by path")]
                # as stored (absolute), and as typed (relative paths stored by nianbao before 0.2)
                roots = sorted({str(Path(p)) for p in paths} | {os.path.abspath(p) for p in paths})
                gone = [p for p in stored if any(_under(p, r) for r in roots)]
                for p in gone:
                    store.forget_path(p)
                if gone:
                    store.settle()
                    from nianbao.review import store_checks
                    store_checks.run(store)
                return gone
            finally:
                store.close()

    def correct(self, *, school: str, year: int | None, field: str, value=None, exclude: bool = False,
                note: str | None = None, who: str | None = None) -> dict:
        """Record a correction of one report (``school``: part of its name,
        ``year``: its report year): ``field`` a metric id or Chinese name (the
        corrected ``value`` in the metric's unit — 人, %, 元 … — or
        ``exclude=True`` to leave the extracted value out), or ``school`` /
        ``level`` / ``year``.  Kept in the table ``corrections`` with ``who``
        (default: the login name), when and ``note``; it survives
        ``ingest --force`` and re-extraction.  Returns the stored row (its
        ``replaces``: the corrections it replaced, kept whole in the table
        ``corrections_replaced``); raises
        :class:`nianbao.store.corrections.CorrectionError` (a ``ValueError``)
        for an unknown school, field, or a bad value."""
        from nianbao.store import Store
        from nianbao.store.corrections import add
        store = self._writable()
        try:
            return add(store.db.conn, school=school, year=year, field=field, value=value, exclude=exclude,
                       note=note, who=who)
        finally:
            store.close()

    def uncorrect(self, correction_id: int) -> bool:
        """Delete one correction by its id (undoing it); False when there is none."""
        from nianbao.store.corrections import remove
        store = self._writable()
        try:
            return remove(store.db.conn, int(correction_id))
        finally:
            store.close()

    def import_corrections(self, text: str) -> tuple[int, list[str]]:
        """Apply the corrections of CSV text (the columns of
        :meth:`corrections_csv`); returns (number applied, problems)."""
        from nianbao.store.correction_csv import from_csv
        store = self._writable()
        try:
            return from_csv(store.db.conn, text)
        finally:
            store.close()

    def _writable(self):
        from nianbao.store import Store
        if not self.path.exists():
            raise FileNotFoundError(f"数据库不存在 / database not found: {self.path}")
        return Store(self.path)

    def reindex(self) -> int:
        """Rebuild the full-text index of section text; returns the number of sections."""
        from nianbao.store import Store
        from nianbao.store.search import rebuild
        with storage_errors(self.path):
            store = Store(self.path)
            try:
                return rebuild(store.db.conn)
            finally:
                store.close()

    # -- reading ---------------------------------------------------------------------
    @contextmanager
    def _reading(self):
        """A read-only store, upgraded first when made by an older nianbao."""
        from nianbao.store.compare import open_for_reading
        with storage_errors(self.path):
            store = open_for_reading(self.path)
            try:
                yield store
            finally:
                store.close()

    def sql(self, query: str, params=None, *, time_limit: float | None = None) -> QueryResult:
        """Run one SQL statement on a read-only connection.  ``params``: a
        sequence for ``?`` or a dict for ``:name`` placeholders.
        ``time_limit``: seconds (None: none; ``nianbao sql`` gives 5).
        Raises ``sqlite3.Error`` for a bad statement,
        :class:`nianbao.store.sql_guard.SqlRefused` for a write, ``ATTACH``
        or ``VACUUM INTO`` (refused before any file is made),
        :class:`nianbao.store.sql_guard.SqlTimeLimit` past the time limit and
        ``KeyboardInterrupt`` on Ctrl-C."""
        from nianbao.store.sql_guard import guarded
        with self._reading() as store, guarded(store.db.conn, time_limit):
            cur = store.db.execute(query, params or [])
            return QueryResult([d[0] for d in cur.description or []], cur.fetchall())

    def documents(self, *, school: str | None = None, year: int | None = None) -> list[dict]:
        """The stored files: ``id``, ``path``, ``format``, ``pages``, ``school``,
        ``year`` (report year), ``level``, ``region``, ``status``, ``error``.
        ``school``: part of the name."""
        sql = ("select id, path, format, pages, school, year, level, region, status, error from documents "
               "where (? is null or school like ? escape '\\') and (? is null or year = ?) order by id")
        return self.sql(sql, [school, _contains(school), year, year]).dicts()

    def metrics(self, *, metric: str | None = None, school: str | None = None, year: int | None = None,
                report_year_only: bool = False) -> list[dict]:
        """Every extracted value with its source: the rows of the view
        ``metric_values`` — ``school``, ``year`` (report year), ``metric``,
        ``name_zh``, ``value`` (a number in ``unit``: 人, %, 元, 平方米 …),
        ``metric_year`` (the year the value refers to), ``approximate``,
        ``path``, ``page``, ``section``, ``sentence``, ``source_kind`` (text /
        table), ``raw`` (as written), ``rule`` …  ``metric``: an id of
        ``rules/metrics.yaml`` or its Chinese name (``ValueError`` for one
        that is neither); ``report_year_only``: leave out the previous-year
        figures a report quotes.  The ``unit`` is the display unit (人,
        平方米); ``unit_en`` is the unit id that :func:`nianbao.extract`'s
        ``Metric.unit`` carries (persons, m2)."""
        metric = self._metric_id(metric)
        sql = ("select * from metric_values where (? is null or metric = ?) "
               "and (? is null or school like ? escape '\\') and (? is null or year = ?) "
               "and (? = 0 or is_report_year = 1) order by school, year, metric, document_id, value_id")
        return self.sql(sql, [metric, metric, school, _contains(school), year, year, int(report_year_only)]).dicts()

    def _metric_id(self, metric: str | None) -> str | None:
        """A metric id from an id or a Chinese name; ``ValueError`` for neither."""
        if metric is None:
            return None
        rows = self.sql("select id from metric_defs where id = ? or name_zh = ?", [metric, metric]).rows
        if not rows:
            raise ValueError(f"未知指标 / unknown metric: {metric} (ids and names: the table metric_defs)")
        return rows[0][0]

    def candidates(self, *, metric: str | None = None, reason: str | None = None, school: str | None = None,
                   year: int | None = None) -> list[dict]:
        """Review candidates: figures bound to a metric term that extraction
        kept out of ``metrics`` because a cue made them unsure — rows of
        ``candidates`` with their document: ``metric``, ``name_zh``,
        ``value`` (normalized, in ``unit``), ``year`` (the year it would
        refer to, or None), ``reason`` (change, target, subset, part,
        other_entity, region, cumulative …; labels in
        ``nianbao.extractors.facts.CANDIDATE_REASONS``), ``raw``, ``page``,
        ``section``, ``sentence``, ``rule``, ``school``, ``report_year``,
        ``path``.  Never part of ``compare``.  ``school``: part of a name;
        ``year``: the report year."""
        metric = self._metric_id(metric)
        sql = ("select c.*, d.school, d.year as report_year, d.path from candidates c "
               "join documents d on d.id = c.document_id "
               "where (? is null or c.metric = ?) and (? is null or c.reason = ?) "
               "and (? is null or d.school like ? escape '\\') and (? is null or d.year = ?) "
               "order by d.school, d.year, c.document_id, c.start")
        return self.sql(sql, [metric, metric, reason, reason, school, _contains(school), year, year]).dicts()

    def compare(self, *, year: int | None = None, metrics=None, schools=None):
        """Schools × metrics: a :class:`nianbao.store.compare.Comparison` with
        ``metrics`` (definitions: id, Chinese name, unit) and ``rows`` (one per
        school and report year; ``cells[metric_id]`` has ``value`` — the
        appendix-table value if any, else the first stated — ``conflict``,
        ``approximate`` and every source).  ``metrics``: None/"all", ids or
        Chinese names (list or comma text; an unknown one raises
        ``ValueError``); ``schools``: parts of names."""
        from nianbao.store.compare import load_comparison
        with self._reading() as store:
            return load_comparison(store.db, year=year, metrics=metrics, schools=schools)

    def write_xlsx(self, path, *, year: int | None = None, metrics=None, schools=None) -> Path:
        """Write the comparison workbook (sheets 对比, 来源, 问题, 缺失章节) to
        ``path`` (``.xlsx`` added when it has no extension; missing folders
        made); returns the path written.  Filters as :meth:`compare`.
        ``ValueError`` for another extension; ``OutputError`` (an
        ``OSError``, :mod:`nianbao.export.output_file`) naming the file
        when it cannot be written (a folder on the way is a file, no
        permission, a full disk)."""
        from nianbao.export.xlsx import write_workbook
        with self._reading() as store:
            return Path(write_workbook(store.db, path, year=year, schools=schools, metrics=metrics))

    def flags(self, *, kind: str | None = None, school: str | None = None, year: int | None = None,
              severity: str | None = None) -> list[dict]:
        """Review flags with their document: ``kind``, ``severity``,
        ``metric``, ``message``, ``source_a`` / ``source_b`` (JSON text: value,
        page, section, sentence), ``rule``, ``school``, ``year``, ``path``.
        ``kind``: one kind or a comma list; ``severity``: the least severe
        kept (error < warning < info)."""
        from nianbao.review.report import select_flags
        with self._reading() as store:
            return select_flags(store.db, kind, school, severity, year)

    def check(self, *, school: str | None = None, year: int | None = None) -> list:
        """Every stored report against its official template: a list of
        :class:`nianbao.review.report.Checklist` (``document``, ``outline``
        with each part and appendix table found / missing / empty / out of
        order, ``other_flags`` counts)."""
        from nianbao.review.report import checklists
        with self._reading() as store:
            return checklists(store.db, school, year)

    def corrections(self) -> list[dict]:
        """Every correction: ``id``, ``school``, ``year``, ``field``, ``metric``,
        ``name_zh``, ``value``, ``text``, ``exclude``, ``note``, ``who``, ``at``,
        ``matched`` (1 while a current report matches it)."""
        from nianbao.store.corrections import rows
        with self._reading() as store:
            return rows(store.db.conn)

    def corrections_csv(self) -> str:
        """The corrections as CSV text (``school, year, field, metric, value,
        text, exclude, note, who, at``), for :meth:`import_corrections`."""
        from nianbao.store.correction_csv import to_csv
        with self._reading() as store:
            return to_csv(store.db.conn)

    def reports(self, *, school: str | None = None, year: int | None = None) -> list[dict]:
        """The current reports, copies counted once (view ``reports``):
        ``report_id`` (the primary copy), ``school``, ``year``, ``level``,
        ``region``, ``path`` (the primary copy), ``files`` (every copy, '; '),
        ``n_files``, ``supersedes`` (older files it replaced), ``is_report``."""
        sql = ("select * from reports where (? is null or school like ? escape '\\') "
               "and (? is null or year = ?) order by school, year")
        return self.sql(sql, [school, _contains(school), year, year]).dicts()

    def report(self, school: str, *, year: int | None = None):
        """One school's page: a :class:`nianbao.export.report_page.SchoolPage`
        — ``school``, ``level``, ``region``, ``years``, ``reports`` (files),
        ``metrics``, ``figures`` (metric → year → value with its source),
        ``flags``, ``missing`` parts, ``corrections``.  ``school``: part of
        the name, matching one school (else ``ValueError``)."""
        from nianbao.export.report_page import load_school
        with self._reading() as store:
            return load_school(store.db.conn, school, year)

    def write_report_html(self, path, school: str, *, year: int | None = None) -> Path:
        """Write :meth:`report` as one printable, self-contained HTML page
        (inline SVG charts, no network); returns the path written.
        ``ValueError`` when ``school`` matches no school or several;
        ``OutputError`` (an ``OSError``) naming the file when it cannot be
        written."""
        from nianbao.export.output_file import written
        from nianbao.export.report_page import render_html
        html = render_html(self.report(school, year=year))
        return written(path, lambda p: p.write_text(html, encoding="utf-8"))

    def index_status(self) -> str:
        """``ok``, or why the full-text index needs rebuilding (``missing``, ``stale`` …)."""
        from nianbao.store.search import index_status
        with self._reading() as store:
            return index_status(store.db.conn)

    def search(self, query: str, *, school: str | None = None, year: int | None = None, limit: int = 20,
               words_only: bool = False, all_copies: bool = False) -> list:
        """Chinese full-text search of section text: a list of
        :class:`nianbao.store.search.Hit` (``school``, ``year``, ``section``,
        ``page`` of the hit, ``snippet`` with the hit in 【】, ``path``,
        ``copies``), best first.  Several words separated by spaces must all
        occur; ``words_only`` keeps whole jieba words only; the same passage
        in the .docx and .pdf of one report is one hit unless ``all_copies``.
        A missing or stale index is rebuilt first."""
        from nianbao.store.search import search
        if self.index_status() != "ok":
            self.reindex()
        with self._reading() as store:
            return search(store.db, query, school=school, year=year, limit=limit, words_only=words_only,
                          load_model=store.load_model, distinct=not all_copies)

    def score(self, expected=None) -> tuple[dict, list[str]]:
        """Precision and recall of the stored metrics against expected-values
        JSON files (default: ``corpus/expected/*.json`` and the seed's when
        present): ({format: {metric: Counts}}, problems).  ``FileNotFoundError``
        for an expected-values file that does not exist, or when none is given
        and none is found (an installed nianbao has no ``corpus/``)."""
        from nianbao.evaluate.accuracy import default_expected, score
        files = [Path(p) for p in path_list(expected)] or list(default_expected())
        if not files:
            raise FileNotFoundError("没有期望值文件 / no expected-values files: corpus/expected/ is part of a "
                                    "source checkout; pass the JSON files to score")
        missing = [str(p) for p in files if not Path(p).is_file()]
        if missing:
            raise FileNotFoundError(f"期望值文件不存在 / expected-values file not found: {missing[0]}")
        with self._reading() as store:
            return score(store.db, files)


def _contains(school: str | None) -> str | None:
    """The ``LIKE`` pattern of a ``school=`` filter (part of the name, ``%``
    and ``_`` plain: :mod:`nianbao.store.like`); None for no filter."""
    return None if school is None else like_pattern(school)
