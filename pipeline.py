"""nianbao's orchestrator and its command line.

Data flows one way: ingest (parse a file into the document model) →
extractors (facts with provenance) → store (SQLite) → queries.  The Python API
is the functions below; the ``nianbao`` command (click) is a thin layer over
them.  ``python pipeline.py …`` works from a checkout as well.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

if __package__ in (None, ""):
    def _bootstrap() -> None:
        """``python pipeline.py …`` from a checkout that is not installed: make
        this folder importable as the package ``nianbao`` (what ``pip install
        -e .`` maps it to), through a link in a temporary folder put on
        ``sys.path`` so that worker processes find it too."""
        import hashlib
        import importlib.util
        import tempfile
        root = Path(__file__).resolve().parent
        if importlib.util.find_spec("nianbao") is not None:
            return
        link_dir = Path(tempfile.gettempdir()) / f"nianbao-src-{hashlib.sha1(str(root).encode()).hexdigest()[:12]}"
        try:
            link_dir.mkdir(exist_ok=True)
            if not (link_dir / "nianbao").exists():
                (link_dir / "nianbao").symlink_to(root, target_is_directory=True)
            sys.path.insert(0, str(link_dir))
        except OSError:  # no symlinks (Windows without rights): this process only
            spec = importlib.util.spec_from_file_location("nianbao", root / "__init__.py",
                                                          submodule_search_locations=[str(root)])
            sys.modules["nianbao"] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(sys.modules["nianbao"])
    _bootstrap()

from nianbao.ingest import SUPPORTED_EXTENSIONS, IngestError, parse  # noqa: E402
from nianbao.ingest.model import Document  # noqa: E402
from nianbao.store import DEFAULT_DB, Store  # noqa: E402
from nianbao.workers import (FILE_TIMEOUT, MEMORY_LIMIT_MB, Outcome, RunLocked, Task, WorkerPool,  # noqa: E402,F401
                     _default_workers, _peak_rss_mb, _unreadable, extract_facts, process_file, run_lock,
                     run_task, sha256_file)


# ---------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------
@dataclass
class Summary:
    """What one ``ingest_paths`` run did.  Paths are as displayed (a member of an
    archive is ``archive.zip!/inner/path``)."""
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    needs_ocr: list[str] = field(default_factory=list)
    garbage: set[str] = field(default_factory=set)   # needs_ocr because the text layer is garbage
    ocr: list[str] = field(default_factory=list)     # stored with pages read by OCR (status 'ocr')
    ocr_pages: int = 0
    flagged: list[str] = field(default_factory=list)      # stored in this run with at least one flag
    reextracted: list[str] = field(default_factory=list)
    failed_unchanged: int = 0   # of ``failed``: unchanged since a run that failed them (not retried)
    parsed: int = 0             # files handed to the parser (0 on an unchanged re-run)
    pages: int = 0
    seconds: float = 0.0
    workers: int = 0            # worker processes started, replacements included (0: in this process)
    #: seconds per stage: scan (stat, hash, unzip; this process), parse and extract (summed over
    #: workers, wall time), worker_cpu (their CPU time), store (this process, the one writer)
    stages: dict = field(default_factory=lambda: {"scan": 0.0, "parse": 0.0, "extract": 0.0, "worker_cpu": 0.0,
                                                  "store": 0.0})
    worker_peak_rss_mb: dict = field(default_factory=dict)   # worker pid → peak RSS (MB)

    def lines(self) -> list[str]:
        out = [f"已入库 ingested: {len(self.ingested)}   未变 unchanged: {len(self.unchanged)}   "
               f"重复 duplicates: {len(self.duplicates)}   需OCR needs_ocr: {len(self.needs_ocr)}   "
               f"失败 failed: {len(self.failed)}   有标记 flagged: {len(self.flagged)}   "
               f"页 pages: {self.pages}   用时 time: {self.seconds:.1f}s"]
        if self.ocr:
            out.append(f"OCR识别 read by OCR: {len(self.ocr)} 个文件 documents, {self.ocr_pages} 页 pages "
                       "(数值带 origin='ocr' 与置信度 / values carry origin 'ocr' and a confidence)")
        if self.reextracted:
            out.append(f"重新抽取 re-extracted: {len(self.reextracted)}")
        for p, other in self.duplicates:
            out.append(f"  重复 duplicate  {p}  = {other}")
        for p in self.needs_ocr:
            why = ("文本层无法识别（字体缺少编码映射）/ the text layer is unreadable (fonts without a Unicode map)"
                   if p in self.garbage else "没有文本层（扫描件）/ no text layer (scanned)")
            out.append(f"  需OCR needs_ocr  {p}: {why}")
        for p, err in self.failed:
            out.append(f"  失败 failed  {p}: {err}")
        if self.failed_unchanged:
            out.append(f"  ({self.failed_unchanged} 个失败文件自上次以来未变，未重试；--retry-failed 重试 / "
                       f"{self.failed_unchanged} failed files are unchanged since the last run and were not "
                       "retried; use --retry-failed)")
        return out


@dataclass
class Progress:
    """One progress event: ``kind`` is ``total`` (the number of files to look
    at grew), or what happened to one file: ``ingested``, ``unchanged``,
    ``duplicate``, ``failed``, ``needs_ocr``, ``reextracted``."""
    kind: str
    path: str | None = None
    done: int = 0
    total: int = 0
    pages: int = 0
    failed: int = 0
    error: str | None = None
    seconds: float = 0.0
    #: ``ocr_page`` events (a file's scanned pages being read): pages done / to read
    ocr_done: int = 0
    ocr_total: int = 0


def iter_inputs(paths) -> list[tuple[str, Path]]:
    """Expand files and folders (recursively) into (display path, file path)
    pairs, in a stable order, each path once.  Files inside folders are kept
    when their extension is one nianbao reads, or ``.zip``; files named
    explicitly are always kept (so that a wrong one gets its clear error)."""
    out: list[tuple[str, Path]] = []
    seen: set[str] = set()
    wanted = tuple(SUPPORTED_EXTENSIONS) + (".zip",)
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files = [f for f in sorted(p.rglob("*"))
                     if f.is_file() and f.suffix.lower() in wanted and not f.name.startswith(("~$", "."))]
        else:
            files = [p]
        for f in files:
            if str(f) not in seen:
                seen.add(str(f))
                out.append((str(f), f))
    return out


# -- the ingest run ----------------------------------------------------------------------
@dataclass
class _Item:
    display: str
    path: Path | None
    sha256: str
    size: int
    mtime: float | None
    temp: bool = False                  # path is ours (an extracted member): delete when done
    archive: "_ArchiveState | None" = None


@dataclass
class _ArchiveState:
    display: str
    size: int
    mtime: float
    members: dict = field(default_factory=dict)   # member display → [size, crc]
    outstanding: int = 0
    listing: bool = True


class _IngestRun:
    """One run: decide what each file needs (skip, link, parse), hand parsing to
    the pool, and write — the only writer.  Every write is committed in input
    order (a result that arrives early waits for the ones before it), so
    document ids and the database content do not depend on the number of
    workers or on which file finished first."""

    def __init__(self, store: Store, summary: Summary, *, force: bool, retry_failed: bool, progress,
                 tmpdir: Path, window: int):
        self.store = store
        self.summary = summary
        self.force = force
        self.retry_failed = retry_failed
        self.progress = progress
        self.ocr = True              # read scanned pages with OCR (ingest_paths sets it)
        self.tmpdir = tmpdir
        self.window = window
        self.pool: WorkerPool | None = None
        self.index = store.path_index()
        self.shas = store.sha_index()
        self.pending: dict[str, tuple[_Item, list[_Item]]] = {}   # sha → (item parsing, same bytes waiting)
        self.parsed_shas: set[str] = set()
        self.failed_shas: dict[str, str] = {}
        self.stored_ids: set[int] = set()
        self.done = 0
        self.total = 0
        self._n = 0
        self._seq = 0          # next sequence number
        self._commit = 0       # next sequence number to commit
        self._ready: dict[int, object] = {}

    # -- ordered writes ---------------------------------------------------------------
    def _reserve(self) -> int:
        self._seq += 1
        return self._seq - 1

    def _act(self, fn, seq: int | None = None) -> None:
        """Run the write ``fn`` in its turn (now, when everything before it is written)."""
        self._ready[self._reserve() if seq is None else seq] = fn
        while self._commit in self._ready:
            self._ready.pop(self._commit)()
            self._commit += 1

    def throttle(self) -> None:
        """Keep at most ``window`` writes waiting (bounded memory behind a slow file)."""
        while self._seq - self._commit > self.window and self.pool is not None:
            self.pool.wait()

    # -- progress -------------------------------------------------------------------
    def add_total(self, n: int) -> None:
        self.total += n
        self._emit("total")

    def _emit(self, kind: str, path: str | None = None, *, pages: int = 0, error: str | None = None,
              seconds: float = 0.0) -> None:
        if kind != "total":
            self.done += 1
            self.total = max(self.total, self.done)
        if self.progress:
            self.progress(Progress(kind=kind, path=path, done=self.done, total=self.total, pages=pages,
                                   failed=len(self.summary.failed), error=error, seconds=seconds))

    def on_ocr(self, task: Task, context, done: int, n: int) -> None:
        """A worker reads scanned pages of ``task``'s file."""
        if self.progress:
            self.progress(Progress(kind="ocr_page", path=task.display, done=self.done, total=self.total,
                                   failed=len(self.summary.failed), ocr_done=done, ocr_total=n))

    # -- outcomes that need no parsing ---------------------------------------------------
    def _unchanged(self, display: str, size: int, mtime: float | None, crc_ok: bool = True) -> bool:
        """Skip a file whose (path, size, mtime) are as stored — without reading it."""
        rec = self.index.get(display)
        if self.force or rec is None or not crc_ok or rec["size"] != size or rec["mtime"] != mtime:
            return False
        if rec["status"] == "failed":
            if self.retry_failed:
                return False
            self.summary.failed.append((display, rec["error"] or "failed"))
            self.summary.failed_unchanged += 1
            self._emit("failed", display, error=rec["error"])
            return True
        self.summary.unchanged.append(display)
        self._emit("unchanged", display)
        return True

    def fail(self, display: str, size: int, mtime: float | None, error: str, sha256: str = "") -> None:
        """A file that failed before parsing (unreadable, refused member, broken archive)."""
        self._act(lambda: self._store_failure(display, size, mtime, error, sha256))

    def _store_failure(self, display, size, mtime, error, sha256) -> None:
        t0 = time.perf_counter()
        doc_id = self.store.save(path=display, sha256=sha256, size=size, mtime=mtime, doc=None, error=error,
                                 status="failed")
        self.summary.stages["store"] += time.perf_counter() - t0
        self.index[display] = {"size": size, "mtime": mtime, "sha256": sha256, "document_id": doc_id,
                               "status": "failed", "error": error}
        self.stored_ids.add(doc_id)
        self.summary.failed.append((display, error))
        self._emit("failed", display, error=error)

    def _store_link(self, item: _Item, doc: dict, unchanged: bool) -> None:
        rec = self.index.get(item.display)
        if rec is None or (rec["document_id"], rec["size"], rec["mtime"]) != (doc["id"], item.size, item.mtime):
            # a new name for stored bytes, or the same name touched: remember its size and
            # mtime, so that the next run skips it without reading it
            self.store.add_path(item.display, doc["id"], item.sha256, item.size, item.mtime)
            self.index[item.display] = {"size": item.size, "mtime": item.mtime, "sha256": item.sha256,
                                        "document_id": doc["id"], "status": doc["status"], "error": None}
        if unchanged:
            self.summary.unchanged.append(item.display)
            self._emit("unchanged", item.display)
        else:
            self.summary.duplicates.append((item.display, doc["path"]))
            self._emit("duplicate", item.display)

    # -- files ------------------------------------------------------------------------
    def add_file(self, display: str, path: Path) -> None:
        t0 = time.perf_counter()
        try:
            st = path.stat()
        except OSError as e:
            self.fail(display, 0, None, _unreadable(e))
            return
        if self._unchanged(display, st.st_size, st.st_mtime):
            self.summary.stages["scan"] += time.perf_counter() - t0
            return
        try:
            sha = sha256_file(path)
        except OSError as e:
            self.fail(display, st.st_size, st.st_mtime, _unreadable(e))
            return
        self.summary.stages["scan"] += time.perf_counter() - t0
        self.consider(_Item(display, path, sha, st.st_size, st.st_mtime))

    def consider(self, item: _Item) -> None:
        """Known bytes are linked, not parsed; new bytes go to a worker."""
        sha = item.sha256
        if sha in self.pending:   # the same bytes are being read: link (or fail) with them
            self.pending[sha][1].append(item)
            if item.archive:
                item.archive.outstanding += 1
            return
        if sha in self.failed_shas:
            self._cleanup(item)
            self.fail(item.display, item.size, item.mtime, self.failed_shas[sha], sha)
            return
        doc = self.shas.get(sha)
        if doc and (not self.force or sha in self.parsed_shas):
            rec = self.index.get(item.display)
            unchanged = bool(rec and rec["document_id"] == doc["id"]) and not self.force
            self._cleanup(item)
            self._act(lambda: self._store_link(item, doc, unchanged))
            return
        self.pending[sha] = (item, [])
        self.parsed_shas.add(sha)
        if item.archive:
            item.archive.outstanding += 1
        self.summary.parsed += 1
        seq = self._reserve()
        self.pool.submit(Task(display=item.display, path=str(item.path), sha256=sha, size=item.size,
                              mtime=item.mtime, ocr=self.ocr), (seq, item))
        self.throttle()

    def on_result(self, task: Task, context, out: Outcome) -> None:
        st = self.summary
        st.stages["parse"] += out.parse_seconds
        st.stages["extract"] += out.extract_seconds
        st.stages["worker_cpu"] += out.cpu_seconds
        if out.worker:
            st.worker_peak_rss_mb[out.worker] = max(st.worker_peak_rss_mb.get(out.worker, 0),
                                                    out.peak_rss_mb or 0)
        if task.model is not None:
            return self._store_facts(task, out)
        seq, item = context
        self._act(lambda: self._store_result(item, out), seq)

    def _store_result(self, item: _Item, out: Outcome) -> None:
        t0 = time.perf_counter()
        st = self.summary
        doc_id = self.store.save(path=item.display, sha256=item.sha256, size=item.size, mtime=item.mtime,
                                 doc=out.doc, facts=out.facts, error=out.error, status=out.status,
                                 model=out.model, search_tokens=out.search_tokens)
        self.stored_ids.add(doc_id)
        status = "failed" if out.error else out.status
        self.index[item.display] = {"size": item.size, "mtime": item.mtime, "sha256": item.sha256,
                                    "document_id": doc_id, "status": status, "error": out.error}
        pages = out.doc.page_count if out.doc else 0
        if out.error:
            st.failed.append((item.display, out.error))
            self.failed_shas[item.sha256] = out.error
            kind = "failed"
        else:
            self.shas[item.sha256] = {"id": doc_id, "path": item.display, "status": status}
            if status == "needs_ocr":
                garbage = out.doc is not None and any(p.status == "garbage" for p in out.doc.pages)
                st.needs_ocr.append(item.display)
                if garbage:
                    st.garbage.add(item.display)
                kind = "needs_ocr"
            else:
                st.ingested.append(item.display)
                st.pages += pages
                kind = "ingested"
                if status == "ocr":
                    st.ocr.append(item.display)
                    st.ocr_pages += sum(1 for p in out.doc.pages if p.status == "ocr")
            if out.facts is not None and getattr(out.facts, "flags", None):
                st.flagged.append(item.display)
        st.stages["store"] += time.perf_counter() - t0
        self._emit(kind, item.display, pages=pages, error=out.error, seconds=out.seconds)
        _, dups = self.pending.pop(item.sha256, (item, []))
        self._cleanup(item)
        self._resolved(item.archive)
        for dup in dups:   # the same bytes under other names, met while this one was read
            self._cleanup(dup)
            if out.error:
                self._store_failure(dup.display, dup.size, dup.mtime, out.error, dup.sha256)
            else:
                self._store_link(dup, self.shas[dup.sha256], False)
            self._resolved(dup.archive)

    def _cleanup(self, item: _Item) -> None:
        if item.temp and item.path is not None:
            try:
                item.path.unlink()
            except OSError:
                pass

    # -- archives ---------------------------------------------------------------------
    @staticmethod
    def _archive_key(display: str) -> str:
        return f"archive:{display}"

    def _archive_record(self, display: str) -> dict | None:
        raw = self.store.get_meta(self._archive_key(display))
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def count_archive(self, display: str, path: Path) -> int:
        """How many documents an archive holds (for the progress total), cheaply."""
        from nianbao.ingest.archive import list_members, open_archive
        try:
            st = path.stat()
            rec = self._archive_record(display)
            if rec and rec.get("size") == st.st_size and rec.get("mtime") == st.st_mtime:
                return max(1, len(rec.get("members", {})))
            with open_archive(path) as zf:
                return max(1, len(list_members(zf, display, extensions=SUPPORTED_EXTENSIONS)))
        except (OSError, IngestError):
            return 1

    def add_archive(self, display: str, path: Path) -> None:
        from nianbao.ingest.archive import list_members, open_archive
        t0 = time.perf_counter()
        try:
            st = path.stat()
        except OSError as e:
            self.fail(display, 0, None, _unreadable(e))
            return
        if self._unchanged(display, st.st_size, st.st_mtime):   # an archive that failed before
            return
        record = None if self.force else self._archive_record(display)
        if record and record.get("size") == st.st_size and record.get("mtime") == st.st_mtime:
            members = record.get("members", {})
            known = [self.index.get(m) for m in members]
            if all(known) and not (self.retry_failed and any(k["status"] == "failed" for k in known)):
                for m in members:   # the archive is as it was: nothing in it is read
                    self._unchanged(m, self.index[m]["size"], self.index[m]["mtime"])
                self.summary.stages["scan"] += time.perf_counter() - t0
                return
        old = (record or {}).get("members", {})
        key = self._archive_key(display)
        try:
            zf = open_archive(path)
        except IngestError as e:
            self._act(lambda: self.store.set_meta(key, None))
            self.fail(display, st.st_size, st.st_mtime, str(e))
            return
        state = _ArchiveState(display, st.st_size, st.st_mtime)
        try:
            try:
                members = list_members(zf, display, extensions=SUPPORTED_EXTENSIONS)
            except IngestError as e:
                self._act(lambda: self.store.set_meta(key, None))
                self.fail(display, st.st_size, st.st_mtime, str(e))
                return
            if display in self.index:   # it failed before; it is readable now
                self.index.pop(display, None)
                self._act(lambda: self.store.forget_path(display))
            self.summary.stages["scan"] += time.perf_counter() - t0
            for m in members:
                self._add_member(zf, m, state, old)
        finally:
            zf.close()
        state.listing = False
        self._act(lambda: self._resolved(state, done=False))

    def _add_member(self, zf, m, state: _ArchiveState, old: dict) -> None:
        from nianbao.ingest.archive import extract_member, list_members, open_archive
        t0 = time.perf_counter()
        crc_ok = old.get(m.display, [m.size, m.crc]) == [m.size, m.crc]
        if m.is_archive and not m.error:   # a ZIP inside the ZIP: read its members
            self._n += 1
            inner_path = None
            try:
                inner_path, _ = extract_member(zf, m, self.tmpdir, index=self._n)
                with open_archive(inner_path) as inner:
                    inner_members = list_members(inner, m.display, extensions=SUPPORTED_EXTENSIONS,
                                                 depth=m.depth + 1)
                    self.add_total(len(inner_members) - 1)
                    for im in inner_members:
                        self._add_member(inner, im, state, old)
            except IngestError as e:
                state.members[m.display] = [m.size, m.crc]
                if not self._unchanged(m.display, m.size, m.mtime, crc_ok):
                    self.fail(m.display, m.size, m.mtime, str(e))
            finally:
                if inner_path is not None:
                    inner_path.unlink(missing_ok=True)
            return
        state.members[m.display] = [m.size, m.crc]
        if self._unchanged(m.display, m.size, m.mtime, crc_ok):
            return
        if m.error:
            self.fail(m.display, m.size, m.mtime, m.error)
            return
        self._n += 1
        try:
            tmp, sha = extract_member(zf, m, self.tmpdir, index=self._n)
        except IngestError as e:
            self.fail(m.display, m.size, m.mtime, str(e))
            return
        self.summary.stages["scan"] += time.perf_counter() - t0
        self.consider(_Item(m.display, tmp, sha, m.size, m.mtime, temp=True, archive=state))

    def _resolved(self, state: _ArchiveState | None, *, done: bool = True) -> None:
        """Once every member of an archive is stored, remember the archive's
        size and mtime and its members' sizes and CRCs: an unchanged archive
        is then skipped without opening it, and a member whose size and CRC
        are unchanged is skipped without extracting it."""
        if state is None:
            return
        if done:
            state.outstanding -= 1
        if state.listing or state.outstanding > 0:
            return
        self.store.set_meta(self._archive_key(state.display), json.dumps(
            {"size": state.size, "mtime": state.mtime, "members": state.members}, ensure_ascii=False))

    # -- re-extraction ------------------------------------------------------------------
    def reextract(self) -> None:
        rows = self.store.db.execute(
            "select d.id, d.path, d.sha256 from documents d join document_models m on m.document_id = d.id "
            "where d.status in ('ok', 'ocr') order by d.id").fetchall()
        rows = [r for r in rows if r[0] not in self.stored_ids]
        self.add_total(len(rows))
        for doc_id, path, sha in rows:
            blob = self.store.model_blob(doc_id)
            if blob is not None:
                self.pool.submit(Task(display=path, sha256=sha or "", document_id=doc_id, model=blob))

    def _store_facts(self, task: Task, out: Outcome) -> None:
        st = self.summary
        if out.error:   # the stored document and its old facts stay as they were
            st.failed.append((task.display, out.error))
            self._emit("failed", task.display, error=out.error)
            return
        t0 = time.perf_counter()
        self.store.replace_facts(task.document_id, out.facts)
        st.stages["store"] += time.perf_counter() - t0
        st.reextracted.append(task.display)
        if getattr(out.facts, "flags", None):
            st.flagged.append(task.display)
        self._emit("reextracted", task.display, seconds=out.seconds)


def ingest_paths(paths=(), db_path: str | Path = DEFAULT_DB, *, force: bool = False, retry_failed: bool = False,
                 reextract: bool = False, workers: int | None = None, timeout: float = FILE_TIMEOUT,
                 memory_limit_mb: int | None = MEMORY_LIMIT_MB, lock_wait: float = 0.0,
                 progress=None, ocr: bool = True) -> Summary:
    """Ingest files, folders (recursive) and ZIP archives into the database;
    return a :class:`Summary`.

    * A file whose path, size and mtime are as stored is skipped without
      being read (unchanged); so is an archive whose size and mtime are as
      stored.  Otherwise the bytes are hashed: bytes already stored under
      another name are linked, not parsed again (duplicate).  ``force``
      re-parses everything; ``retry_failed`` re-reads unchanged files that
      failed before.
    * Parsing and extraction run in ``workers`` processes (default: one per
      CPU; 0: in this process), each file under a time limit (``timeout``
      seconds) and each worker under a memory limit (``memory_limit_mb``).
      This process is the only writer: each document is stored in one
      transaction, in input order (ids do not depend on ``workers``).
    * ``reextract``: afterwards, re-run extraction on every other stored
      document from its stored model, without re-parsing (after a rules change).
    * Another run on the same database: wait ``lock_wait`` seconds, then
      :class:`RunLocked`.
    * ``ocr``: scanned PDF pages and picture-only Word files are read with
      OCR (status ``ocr``); False leaves them ``needs_ocr``.  A file's time
      limit grows by ``seconds_per_page`` (rules/ocr.yaml) per page to OCR.
    * ``progress(Progress)`` is called for every file, and with ``ocr_page``
      events while a file's scanned pages are read."""
    t0 = time.perf_counter()
    summary = Summary()
    inputs = iter_inputs(paths)
    with run_lock(db_path, wait=lock_wait):
        store = Store(db_path)
        try:
            with tempfile.TemporaryDirectory(prefix="nianbao-") as tmp:
                n = _default_workers() if workers is None else max(0, int(workers))
                run = _IngestRun(store, summary, force=force, retry_failed=retry_failed, progress=progress,
                                 tmpdir=Path(tmp), window=max(16, 4 * n))
                run.ocr = ocr
                with WorkerPool(n, run.on_result, timeout=timeout, memory_limit_mb=memory_limit_mb,
                                on_ocr=run.on_ocr) as pool:
                    run.pool = pool
                    from nianbao.ingest.archive import is_archive_name
                    kinds = [(d, p, p.is_file() and is_archive_name(p.name)) for d, p in inputs]
                    run.add_total(sum(run.count_archive(d, p) if z else 1 for d, p, z in kinds))
                    for display, path, is_zip in kinds:
                        if is_zip:
                            run.add_archive(display, path)
                        else:
                            run.add_file(display, path)
                    pool.drain()
                    if reextract:
                        run.reextract()
                        pool.drain()
                    summary.workers = pool.started
        finally:
            store.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def outline_lines(doc: Document) -> list[str]:
    """The recovered heading tree with pages and the tables under each heading."""
    lines = [f"{doc.path}  [{doc.format}, {doc.page_count} 页/pages, {len(doc.headings())} 标题/headings, "
             f"{len(doc.tables())} 表格/tables, parser {doc.parser}]"]
    if doc.status != "ok":
        lines.append(f"  状态 status: {doc.status}")
    for w in doc.warnings:
        lines.append(f"  ! {w}")
    level = 0
    for b in doc.blocks:
        page = f"  p.{b.page}" if b.page else ""
        if b.kind == "heading":
            level = b.level or 1
            label = f"{b.number} {b.title}" if b.number else b.title
            lines.append(f"{'  ' * (level - 1)}{label}{page}")
        elif b.kind == "table":
            title = b.title or "(无标题 untitled)"
            lines.append(f"{'  ' * level}[表 table] {title}  {b.n_rows}×{b.n_cols}{page}")
    return lines


def run_sql(db_path, sql: str, params=None) -> tuple[list[str], list[tuple]]:
    """Run one statement on a read-only connection; return (columns, rows)."""
    store = Store(db_path, readonly=True)
    try:
        cur = store.db.execute(sql, params or [])
        cols = [d[0] for d in cur.description or []]
        return cols, cur.fetchall()
    finally:
        store.close()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
DB_OPTION = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
                         help="数据库文件 / SQLite database file")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nianbao", message="nianbao %(version)s")
def cli():
    """年报 nianbao — 把职业教育质量年度报告读入 SQLite 数据库。

    Read vocational schools' annual quality reports (.docx, .pdf, .txt) into a
    normalized SQLite database: structure, figures with their sources, review
    flags.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@DB_OPTION
@click.option("--force", is_flag=True, help="重新解析未变的文件 / re-parse files even when unchanged")
@click.option("--retry-failed", is_flag=True,
              help="重新读取上次失败、此后未变的文件 / re-read unchanged files that failed last time")
@click.option("--reextract", is_flag=True,
              help="用已存的文档模型对所有已存文档重新抽取，不重新解析（规则变更后）/ re-run extraction on every "
                   "stored document from its stored model, without re-parsing (after a rules change)")
@click.option("--workers", "-j", type=click.IntRange(min=0), default=None,
              help="工作进程数，默认为 CPU 核数；0 = 在本进程内、无时间与内存限制 / worker processes "
                   "(default: one per CPU; 0 = in this process, without time or memory limits)")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=FILE_TIMEOUT, show_default=True,
              help="每个文件的时间上限（秒）/ time limit per file, seconds")
@click.option("--memory-limit", type=click.IntRange(min=0), default=MEMORY_LIMIT_MB, show_default=True,
              help="每个工作进程的内存（地址空间）上限，MB；0 = 不限 / address-space limit per worker, MB (0: none)")
@click.option("--wait", "lock_wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="另一个入库任务占用数据库时等待的秒数，默认立即退出 / seconds to wait while another ingest run "
                   "holds the database (default: refuse at once)")
@click.option("--no-ocr", "no_ocr", is_flag=True,
              help="不做OCR：扫描页和纯图片Word文件记为 needs_ocr / skip OCR: scanned pages and picture-only "
                   "Word files are stored as needs_ocr")
def ingest(paths, db_path, force, retry_failed, reextract, workers, timeout, memory_limit, lock_wait, no_ocr):
    """入库：解析文件、文件夹（递归）和 ZIP 压缩包并存入数据库。

    Ingest files, folders (recursive) and .zip archives: parse, extract,
    store.  Unchanged files are skipped without being read, identical files
    stored once; parsing runs in worker processes (--workers), each file
    under a time and memory limit.  A progress bar on a terminal, plain lines
    in a pipe; a summary at the end: ingested, unchanged, duplicates,
    needs_ocr, failed (with reasons), flagged.  Scanned pages are read with
    OCR (offline; --no-ocr skips it), each file's time limit growing with its
    pages to OCR.  One run at a time per database: a second one waits --wait
    seconds, then stops.
    """
    if not paths and not reextract:
        raise click.UsageError("请给出文件或文件夹（或 --reextract）/ give files or folders (or --reextract)")
    reporter = _ProgressReporter(sys.stderr)
    try:
        summary = ingest_paths(paths, db_path, force=force, retry_failed=retry_failed, reextract=reextract,
                               workers=workers, timeout=timeout, memory_limit_mb=memory_limit or None,
                               lock_wait=lock_wait, progress=reporter, ocr=not no_ocr)
    except RunLocked as e:
        reporter.close()
        raise click.ClickException(str(e))
    except KeyboardInterrupt:
        reporter.close()
        click.echo("已中断：已存的文档完整，再次运行将继续 / interrupted: stored documents are complete; "
                   "run again to continue", err=True)
        sys.exit(130)
    reporter.close()
    for line in summary.lines():
        click.echo(line)
    click.echo(f"数据库 database: {db_path}")


class _ProgressReporter:
    """A tqdm bar on a terminal (files, pages, failures, ETA); in a pipe or CI
    plain lines: one per file read, one per 100 unchanged files."""

    LABELS = {"ingested": "入库 ingested", "unchanged": "未变 unchanged", "duplicate": "重复 duplicate",
              "failed": "失败 failed", "needs_ocr": "需OCR needs_ocr", "reextracted": "重抽 re-extracted"}

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.bar = None
        self.pages = 0
        self.unchanged = 0

    def __call__(self, ev: Progress) -> None:
        if ev.kind == "total":
            if self.tty:
                if self.bar is None:
                    from tqdm import tqdm
                    self.bar = tqdm(total=ev.total, unit="file", desc="入库 ingesting", file=self.stream,
                                    dynamic_ncols=True, smoothing=0.1)
                else:
                    self.bar.total = ev.total
                    self.bar.refresh()
            return
        if ev.kind == "ocr_page":
            self._ocr_page(ev)
            return
        self.pages += ev.pages
        if self.tty and self.bar is not None:
            self.bar.set_postfix_str(f"页 pages {self.pages} · 失败 failed {ev.failed}", refresh=False)
            self.bar.update(1)
            return
        if ev.kind == "unchanged":
            self.unchanged += 1
            if self.unchanged % 100:
                return
            line = f"[{ev.done}/{ev.total}] {self.LABELS['unchanged']} ×{self.unchanged}"
        else:
            line = f"[{ev.done}/{ev.total}] {self.LABELS.get(ev.kind, ev.kind)}  {ev.path}"
            if ev.pages:
                line += f"  {ev.pages} 页/pages"
            if ev.seconds:
                line += f"  {ev.seconds:.1f}s"
            if ev.error:
                line += f"  {ev.error}"
        print(line, file=self.stream, flush=True)

    def _ocr_page(self, ev: Progress) -> None:
        text = f"OCR {ev.ocr_done}/{ev.ocr_total} 页/pages"
        if self.tty and self.bar is not None:
            self.bar.set_postfix_str(f"页 pages {self.pages} · {text} · 失败 failed {ev.failed}")
        elif ev.ocr_done:
            print(f"  {text}  {ev.path}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def outline(file):
    """大纲：显示一个文件解析出的标题树、页码和表格。

    Show the heading tree recovered from FILE with page numbers and the tables
    found under each heading — the quickest way to see whether a report parsed
    well.  Reads the file directly; no database needed.
    """
    try:
        doc = parse(file)
    except IngestError as e:
        raise click.ClickException(str(e))
    for line in outline_lines(doc):
        click.echo(line)


@cli.command()
@click.argument("query")
@DB_OPTION
@click.option("--csv", "fmt", flag_value="csv", help="输出 CSV / output CSV")
@click.option("--json", "fmt", flag_value="json", help="输出 JSON / output JSON")
def sql(query, db_path, fmt):
    """查询：在只读连接上执行 SQL。

    Run a SELECT on a read-only connection and print the rows as a table, CSV
    or JSON.  Example: nianbao sql "select school, year from documents"
    """
    import sqlite3
    try:
        cols, rows = run_sql(db_path, query)
    except (sqlite3.Error, FileNotFoundError) as e:
        raise click.ClickException(f"SQL 错误 / SQL error: {e}")
    if fmt == "json":
        click.echo(json.dumps([dict(zip(cols, r)) for r in rows], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    else:
        from tabulate import tabulate
        rows = [[int(v) if isinstance(v, float) and v.is_integer() else v for v in r] for r in rows]
        click.echo(tabulate(rows, headers=cols, tablefmt="simple", floatfmt=".10g"))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / output JSON")
def extract(file, as_json):
    """抽取：打印一个文件的属性、指标（含来源）和冲突，不写数据库。

    Print one file's attributes, metrics (with page, section and source
    sentence) and conflict flags, without a database.
    """
    try:
        doc = parse(file)
    except IngestError as e:
        raise click.ClickException(str(e))
    if doc.status not in ("ok", "ocr"):
        raise click.ClickException(f"{doc.status}: 没有可用的文本层 / no usable text layer")
    facts = extract_facts(doc)
    if as_json:
        click.echo(json.dumps({"attributes": facts.attributes, "rules_version": facts.rules_version,
                               "metrics": [m.to_row() for m in facts.metrics],
                               "flags": [f.to_row() for f in facts.flags]}, ensure_ascii=False, indent=2))
        return
    a = facts.attributes
    click.echo(f"学校 school: {a.get('school')}   年度 year: {a.get('year')}   层次 level: {a.get('level')}   "
               f"地区 region: {a.get('region')}")
    from tabulate import tabulate
    rows = [(m.metric, m.name_zh, _fmt_value(m.value), m.unit, m.year, "≈" if m.approximate else "",
             m.prov.source, m.prov.page or "", m.prov.sentence[:40]) for m in facts.metrics]
    click.echo(tabulate(rows, headers=["metric 指标", "名称", "value 数值", "unit 单位", "year 年", "约",
                                       "source 来源", "page 页", "sentence 原文"]))
    for f in facts.flags:
        click.echo(f"! {f.kind}: {f.message}")


def _fmt_value(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def default_expected() -> list[Path]:
    root = Path(__file__).resolve().parent
    paths = sorted((root / "corpus" / "expected").glob("*.json"))
    seed = root.parent / "shared" / "seed" / "expected.json"
    return paths + ([seed] if seed.exists() else [])


@cli.command()
@click.argument("expected", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@DB_OPTION
def score(expected, db_path):
    """准确率：按期望值 JSON 给数据库中的指标打分（精确率、召回率、F1）。

    Score the metrics in the database against expected-values JSON files
    (default: corpus/expected/*.json and ../shared/seed/expected.json) and
    print precision, recall and F1 per format, per metric and overall.
    """
    from nianbao.store.accuracy import report_lines, score as run_score
    store = Store(db_path, readonly=True)
    try:
        results, problems = run_score(store.db, expected or default_expected())
    finally:
        store.close()
    for line in report_lines(results, problems):
        click.echo(line)


def _open_readonly(db_path) -> Store:
    try:
        return Store(db_path, readonly=True)
    except FileNotFoundError as e:
        raise click.ClickException(str(e))


@cli.command()
@DB_OPTION
@click.option("--school", help="学校名称（部分匹配）/ school name (substring)")
@click.option("--year", type=int, help="报告年度 / report year")
def check(db_path, school, year):
    """审阅：按官方模板逐份检查必备部分和附表（✓ 有 / ✗ 缺 / ⚠ 提示）。

    Check every stored report against its official template (by level and
    covered year): a checklist of the required parts and appendix tables
    (✓ present, ✗ missing, ⚠ warning: missing where the template is not
    evidence-backed, empty, out of order), then a summary of which schools
    miss what.  Works from the stored sections and tables.
    """
    from nianbao.review.report import check_report
    _echo_report(db_path, check_report, school=school, year=year)


@cli.command()
@DB_OPTION
@click.option("--kind", help="类型，可用逗号分隔多个 / flag kind(s), comma-separated: conflict, sum_mismatch, "
                             "implausible, out_of_range, derived_mismatch, yoy_jump, missing_part, missing_table, "
                             "empty_part, part_order")
@click.option("--school", help="学校名称（部分匹配）/ school name (substring)")
@click.option("--year", type=int, help="报告年度 / report year")
@click.option("--severity", type=click.Choice(["error", "warning", "info"]),
              help="最低严重程度 / minimum severity (error < warning < info)")
def flags(db_path, kind, school, year, severity):
    """提示：列出审阅提示及其两处来源（页码和原句）。

    List review flags: document (school, year, file), kind, severity, message
    and both sources (page, section, value and a short sentence).
    """
    from nianbao.review.report import flags_report
    _echo_report(db_path, flags_report, kind=kind, school=school, severity=severity, year=year)


def _echo_report(db_path, report, **kw) -> None:
    """Print the lines a report function makes from a read-only database."""
    store = _open_readonly(db_path)
    try:
        lines = report(store.db, **kw)
    finally:
        store.close()
    for line in lines:
        click.echo(line)


@cli.command()
@DB_OPTION
@click.option("--year", type=int, help="报告年度 / report year (default: every year)")
@click.option("--metrics", "metrics", metavar="ID,ID",
              help="指标编号或中文名，逗号分隔；all = 全部 / metric ids or Chinese names, comma-separated; all = every "
                   "metric (terminal default: a core set; workbook default: all)")
@click.option("--school", "schools", multiple=True, metavar="S",
              help="学校名称的一部分，可重复 / part of a school name; repeatable")
@click.option("--xlsx", type=click.Path(dir_okay=False), help="另存为 Excel 工作簿 / also write an Excel workbook")
def compare(db_path, year, metrics, schools, xlsx):
    """对比：各校指标对比表（空白 = 报告未说明，⚠ = 报告中有不同数值）。

    Compare schools: one row per school and report year, one column per
    metric with its Chinese name and unit.  Blank = the report states
    nothing; ⚠ = the report states different values (the table value is
    shown, else the first).  --xlsx writes sheets 对比, 来源 (every value with
    its source), 问题 and 缺失章节.
    Example: nianbao compare --year 2023 --metrics students_fulltime,employment_rate --xlsx 对比.xlsx
    """
    from nianbao.store.compare import DEFAULT_TERMINAL_METRICS, comparison_lines, load_comparison, open_for_reading
    try:
        store = open_for_reading(db_path)
    except FileNotFoundError as e:
        raise click.ClickException(str(e))
    try:
        try:
            comp = load_comparison(store.db, year=year, schools=schools,
                                   metrics=metrics or list(DEFAULT_TERMINAL_METRICS))
            for line in comparison_lines(comp):
                click.echo(line)
            if xlsx:
                from nianbao.store.export import write_workbook
                out = write_workbook(store.db, xlsx, year=year, schools=schools, metrics=metrics)
                click.echo(f"已写入 written: {out}")
        except ValueError as e:
            raise click.ClickException(str(e))
    finally:
        store.close()


@cli.command()
@click.argument("query", required=False)
@DB_OPTION
@click.option("--school", help="学校名称的一部分 / part of a school name")
@click.option("--year", type=int, help="报告年度 / report year")
@click.option("--limit", default=20, show_default=True, help="最多结果数 / most passages shown")
@click.option("--words-only", is_flag=True, help="只要完整的词（分词结果）/ whole jieba words only")
@click.option("--all-copies", is_flag=True,
              help="同一报告的多个文件（docx 与 pdf）分别列出 / list the same passage once per file of a report")
@click.option("--reindex", is_flag=True, help="重建全文索引 / rebuild the full-text index")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / output JSON")
def search(query, db_path, school, year, limit, words_only, all_copies, reindex, as_json):
    """搜索：在各报告章节正文中全文搜索中文（一个字、词或短语）。

    Full-text search of the reports' section text (SQLite FTS5 over single
    characters, so one- and two-character words and phrases are found;
    sections where the query is a whole jieba word come first).  Prints school, year, section path, page and a
    snippet with the hit in 【】.  Several words separated by spaces must
    all occur.  Example: nianbao search 产教融合 --year 2023
    """
    from nianbao.store.search import index_status, rebuild, search as run_search
    if not query and not reindex:
        raise click.UsageError("需要搜索词或 --reindex / give a QUERY or --reindex")
    if reindex:
        store = Store(db_path)
        try:
            n = rebuild(store.db.conn)
        finally:
            store.close()
        click.echo(f"已重建索引 reindexed: {n} 个章节 sections", err=bool(query))
        if not query:
            return
    from nianbao.store.compare import open_for_reading
    try:
        store = open_for_reading(db_path)
    except FileNotFoundError as e:
        raise click.ClickException(str(e))
    if index_status(store.db.conn) != "ok":
        store.close()
        click.echo("全文索引缺失或过期，正在重建 / the full-text index is missing or stale: rebuilding", err=True)
        w = Store(db_path)
        try:
            rebuild(w.db.conn)
        finally:
            w.close()
        store = Store(db_path, readonly=True)
    try:
        hits = run_search(store.db, query, school=school, year=year, limit=limit, words_only=words_only,
                          load_model=store.load_model, distinct=not all_copies)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([h.to_row() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"没有找到 / no match: {query}")
        return
    for i, h in enumerate(hits, 1):
        page = f"p.{h.page}  " if h.page else ""
        more = f" +{len(h.copies)}" if h.copies else ""
        click.echo(f"{i}. {h.school} {h.year or ''}  {page}{h.section}  [{Path(h.path).name}{more}]")
        click.echo(f"   {h.snippet}")


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to listen on")
@click.option("--port", default=8001, show_default=True, type=int, help="端口 / port")
@click.option("--live", is_flag=True,
              help="只读打开而非不可变，重新入库后无需重启 / open read-only instead of immutable, so re-ingests show")
def serve(db_path, host, port, live):
    """浏览：用 Datasette 只读浏览数据库（表格、分面、全文搜索、预设查询）。

    Browse the database read-only in Datasette: tables and views with
    Chinese/English descriptions, facets on school, year, metric and flag
    kind, Chinese full-text search on sections, and canned queries
    就业率排名, 缺失附表的学校, 同比变化, 全文搜索.
    Example: nianbao serve --db nianbao.db --port 8001
    """
    from nianbao.store.serve import serve as run_serve
    if not Path(db_path).exists():
        raise click.ClickException(f"数据库不存在 / database not found: {db_path}")
    click.echo(f"http://{host}:{port}/  (Ctrl+C 停止 / to stop)")
    run_serve(db_path, host=host, port=port, live=live)


def main():  # console-script entry point
    cli(prog_name="nianbao")


if __name__ == "__main__":
    # run through the importable module ``pipeline``, so that what worker
    # processes receive (tasks, results) is ``pipeline.Task``, not ``__main__.Task``
    import nianbao.pipeline as _pipeline
    _pipeline.main()
