"""Bulk ingest: files, folders and ZIP archives into one database.

:func:`ingest_paths` walks the inputs (folders recursively, archives member by
member), decides what each file needs (skip an unchanged file, link bytes
already stored, parse new bytes), hands parsing and extraction to the worker
processes of :mod:`nianbao.ingest.workers`, and is the one writer: every
document is stored in one transaction, in input order.  It returns a
:class:`Summary`.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.ingest import SUPPORTED_EXTENSIONS, IngestError
from nianbao.ingest.archive import is_archive_name
from nianbao.ingest.walk import walk_inputs
from nianbao.ingest.workers import (FILE_TIMEOUT, MEMORY_LIMIT_MB, Outcome, Task, WorkerPool, _default_workers,
                                    _unreadable, run_lock, sha256_file)
from nianbao.store import DEFAULT_DB, Store
from nianbao.store.errors import storage_errors

#: the error code of a failure that is the machine's, not the file's: retried by the next run
TRANSIENT = "transient:"


def _transient(error: str | None) -> bool:
    return bool(error) and error.startswith(TRANSIENT)


@dataclass
class Summary:
    """What one ``ingest_paths`` run did.  Paths are as displayed and stored:
    absolute and normalised (a member of an archive is
    ``/abs/archive.zip!/inner/path``)."""
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # not read, with why (links, unreadable folders)
    damaged: list[tuple[str, str]] = field(default_factory=list)   # stored, but the file is damaged (why)
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
    store_flags: int = 0        # flags of the store-wide checks (yoy_jump …) after this run
    unsupported: list[tuple[str, str]] = field(default_factory=list)  # files in folders not read: (path, reason)
    removed: list[str] = field(default_factory=list)   # remembered paths forgotten by ``prune``
    reports: int = 0            # current reports in the store after this run (copies counted once)
    not_reports: int = 0        # current files in the store flagged not_a_report (no quality report)


@dataclass
class Progress:
    """One progress event: ``kind`` is ``total`` (the number of files to look
    at grew), ``workers`` (``workers`` processes are starting: each loads
    the dictionaries, a few seconds, before the first file is read), or what
    happened to one file: ``ingested``, ``unchanged``, ``duplicate``,
    ``failed``, ``needs_ocr``, ``reextracted``; or ``warm_lost`` (the warm
    server ``warm_server`` stopped during the run: its workers' files go
    back to the queue, and the run's own workers warm first)."""
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
    workers: int = 0
    #: ``workers`` events: pid of the warm server they are forked from (0: none, they warm first)
    warm_server: int = 0
    #: ``workers`` events: the Dask cluster they run on (``--cluster``), else ""
    cluster: str = ""
    #: ``workers`` events: a warm server of this installation that runs but was
    #: not used — its pid and why ("paused", "warming up") — else 0 and ""
    warm_skipped: int = 0
    warm_skipped_why: str = ""


def _skipped_server():
    """(description, why) of a warm server the pool saw and did not use, or None."""
    from nianbao.ingest import resident
    return resident.SKIPPED


def iter_inputs(paths, skipped: list | None = None, *, follow_symlinks: bool = False) -> list[tuple[str, Path]]:
    """Expand files and folders (recursively) into (display path, file path)
    pairs, in a stable order, each path once (see
    :func:`nianbao.ingest.walk.walk_inputs`, which also says what it did not
    read and why).  Files inside folders are kept when their extension is
    one nianbao reads, or ``.zip``; the others are appended to ``skipped`` as
    (path, reason) (``rules/formats.yaml``), except hidden files and
    Office's ``~$`` lock files.  Files named explicitly are always kept (so
    that a wrong one gets its clear error)."""
    inputs = _walk(paths, follow_symlinks)
    if skipped is not None:
        skipped.extend(inputs.unsupported)
    return inputs.files


_WANTED = tuple(SUPPORTED_EXTENSIONS) + (".zip",)


def _walk(paths, follow_symlinks: bool):
    from nianbao.ingest.formats import not_read_reason
    return walk_inputs(paths, _WANTED, follow_symlinks=follow_symlinks, unsupported=not_read_reason)


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

    @property
    def key(self) -> tuple[str, str]:
        """The bytes and the name's extension: what a parse's outcome depends
        on (a .docx named .pdf fails as ``wrong_extension``; the same bytes
        named .docx are read)."""
        return self.sha256, Path(self.display).suffix.lower()


@dataclass
class _ArchiveState:
    display: str
    size: int
    mtime: float
    members: dict = field(default_factory=dict)   # member display → [size, crc]
    others: list = field(default_factory=list)    # members of a format nianbao does not read (display paths)
    outstanding: int = 0
    listing: bool = True


class _IngestRun:
    """One run: decide what each file needs (skip, link, parse), hand parsing to
    the pool, and write — the only writer.  Every write is committed in input
    order (a result that arrives early waits for the ones before it), so
    document ids and the database content do not depend on the number of
    workers or on which file finished first."""

    def __init__(self, store: Store, summary: Summary, *, force: bool, retry_failed: bool, progress,
                 tmpdir: Path, window: int, raw_names: dict | None = None):
        self.store = store
        self.raw_names = raw_names or {}   # display → raw bytes (hex) of names that are not UTF-8
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
        #: sha → (item parsing, [(the same bytes met meanwhile, its turn)])
        self.pending: dict[str, tuple[_Item, list[tuple[_Item, int]]]] = {}
        self.read_shas: set[str] = set()     # read and stored in this run (not failed)
        self.failed_shas: dict[tuple[str, str], str] = {}   # (sha, extension) → why it failed this run
        self.stored_ids: set[int] = set()
        self._skipped_ocr: dict[int, bool] = {}    # document id → stored by a run without OCR
        self.unreadable_archives: list[str] = []   # archives (and archives in archives) that could not be opened
        self.done = 0
        self.total = 0
        self._n = 0
        self._seq = 0          # next sequence number
        self._commit = 0       # next sequence number to commit
        self._ready: dict[int, object] = {}
        self._workers_announced = False

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
    def submit(self, task: Task, context=None) -> None:
        """Hand one task to the pool; the first time, tell the progress
        display that the worker processes are starting."""
        if not self._workers_announced and self.pool.n > 0:
            self._workers_announced = True
            if self.progress:
                server = getattr(self.pool, "warm_server", lambda: None)()
                cluster = getattr(self.pool, "address", "") or ""
                # a cluster run never looks for a warm server: nothing was skipped (not an earlier run's finding)
                skipped = _skipped_server() if server is None and not cluster else None
                self.progress(Progress(kind="workers", done=self.done, total=self.total, workers=self.pool.n,
                                       warm_server=server.pid if server else 0, cluster=cluster,
                                       warm_skipped=skipped[0].pid if skipped else 0,
                                       warm_skipped_why=skipped[1] if skipped else ""))
        self.pool.submit(task, context)

    def add_total(self, n: int) -> None:
        self.total += n
        self._emit("total")

    def on_warm_lost(self, pid: int) -> None:
        """The warm server (``pid``) stopped during the run: its workers' files go
        back to the queue and the run warms its own workers (a few seconds)."""
        if self.progress:
            self.progress(Progress(kind="warm_lost", done=self.done, total=self.total,
                                   failed=len(self.summary.failed), workers=self.pool.n, warm_server=pid))

    def on_ocr(self, task: Task, context, done: int, n: int) -> None:
        """A worker reads scanned pages of ``task``'s file."""
        if self.progress:
            self.progress(Progress(kind="ocr_page", path=task.display, done=self.done, total=self.total,
                                   failed=len(self.summary.failed), ocr_done=done, ocr_total=n))

    def _emit(self, kind: str, path: str | None = None, *, pages: int = 0, error: str | None = None,
              seconds: float = 0.0) -> None:
        if kind != "total":
            self.done += 1
            self.total = max(self.total, self.done)
        if self.progress:
            self.progress(Progress(kind=kind, path=path, done=self.done, total=self.total, pages=pages,
                                   failed=len(self.summary.failed), error=error, seconds=seconds))

    def path_bytes(self, display: str) -> str | None:
        """The raw bytes (hex) of a name that is not UTF-8 — a file's, or the
        archive's part of a member's name — else None."""
        from nianbao.ingest.archive import SEP
        if display in self.raw_names:
            return self.raw_names[display]
        outer = display.split(SEP, 1)[0]
        if outer != display and outer in self.raw_names:
            return (bytes.fromhex(self.raw_names[outer]) + display[len(outer):].encode("utf-8")).hex()
        return None

    # -- outcomes that need no parsing ---------------------------------------------------
    def _unchanged(self, display: str, size: int, mtime: float | None, crc_ok: bool = True) -> bool:
        """Skip a file whose (path, size, mtime) are as stored — without reading it.
        A file that failed is skipped too (listed again), unless ``retry_failed``
        or its failure was transient (a full or failing disk)."""
        rec = self.index.get(display)
        if self.force or rec is None or not crc_ok or rec["size"] != size or rec["mtime"] != mtime:
            return False
        if rec["status"] == "needs_ocr" and self._ocr_was_skipped(rec["document_id"]):
            return False     # stored by a run without OCR (--no-ocr): this run reads its scans
        if rec["status"] == "failed":
            if self.retry_failed or _transient(rec["error"]):
                return False
            if is_archive_name(display):
                self.unreadable_archives.append(display)     # prune keeps what it held before
            self.summary.failed.append((display, rec["error"] or "failed"))
            self.summary.failed_unchanged += 1
            self._emit("failed", display, error=rec["error"])
            return True
        self.summary.unchanged.append(display)
        self._emit("unchanged", display)
        return True

    def _ocr_was_skipped(self, document_id: int) -> bool:
        """A document stored ``needs_ocr`` by a run without OCR (``--no-ocr``),
        while this run reads scans: it is read again."""
        if not self.ocr:
            return False
        if document_id not in self._skipped_ocr:
            doc = self.store.load_model(document_id)
            self._skipped_ocr[document_id] = bool(doc and doc.metadata.get("ocr_skipped"))
        return self._skipped_ocr[document_id]

    def fail(self, display: str, size: int, mtime: float | None, error: str, sha256: str = "") -> None:
        """A file that failed before parsing (unreadable, refused member, broken archive)."""
        self._act(lambda: self._store_failure(display, size, mtime, error, sha256))

    def _keeps_last_good(self, display: str, error: str) -> bool:
        """A file whose new bytes fail while the report read from it before
        is stored: that report stays (nothing stored is lost to a broken
        re-upload), the path keeps its old record — so the next run reads
        the file again — and the failure is listed, saying so.  True then."""
        rec = self.index.get(display)
        if rec is None or rec["status"] == "failed":
            return False
        error = f"{error}（此前入库的完好版本仍保留 / the version stored before is kept）"
        self.summary.failed.append((display, error))
        self._emit("failed", display, error=error)
        return True

    def _store_failure(self, display, size, mtime, error, sha256) -> None:
        if self._keeps_last_good(display, error):
            return
        t0 = time.perf_counter()
        doc_id = self.store.save(path=display, sha256=sha256, size=size, mtime=mtime, doc=None, error=error,
                                 status="failed", path_bytes=self.path_bytes(display))
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
            self.store.add_path(item.display, doc["id"], item.sha256, item.size, item.mtime,
                                self.path_bytes(item.display))
            self.index[item.display] = {"size": item.size, "mtime": item.mtime, "sha256": item.sha256,
                                        "document_id": doc["id"], "status": doc["status"], "error": None}
        if unchanged:
            self.summary.unchanged.append(item.display)
            self._emit("unchanged", item.display)
        else:
            self.summary.duplicates.append((item.display, doc["path"]))
            self._emit("duplicate", item.display)

    # -- files ------------------------------------------------------------------------
    def _stat(self, display: str, path: Path):
        """``path.stat()``, or None after storing the file as unreadable."""
        try:
            return path.stat()
        except OSError as e:
            self.fail(display, 0, None, _unreadable(e))
            return None

    def add_file(self, display: str, path: Path) -> None:
        t0 = time.perf_counter()
        st = self._stat(display, path)
        if st is None:
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
        if sha in self.pending:   # the same bytes are being read: wait for them, in this item's turn
            self.pending[sha][1].append((item, self._reserve()))
            if item.archive:
                item.archive.outstanding += 1
            return
        if item.key in self.failed_shas:
            self._cleanup(item)
            self.fail(item.display, item.size, item.mtime, self.failed_shas[item.key], sha)
            return
        doc = self.shas.get(sha)
        again = self.force or (doc and doc["status"] == "needs_ocr" and self._ocr_was_skipped(doc["id"]))
        if doc and (not again or sha in self.read_shas):
            rec = self.index.get(item.display)
            unchanged = bool(rec and rec["document_id"] == doc["id"]) and not self.force
            self._cleanup(item)
            self._act(lambda: self._store_link(item, doc, unchanged))
            return
        if item.archive:
            item.archive.outstanding += 1
        self._parse(item, self._reserve())
        self.throttle()

    def _parse(self, item: _Item, seq: int, waiting=()) -> None:
        """Hand ``item`` to a worker; its outcome is written in turn ``seq``
        (and the same bytes met meanwhile, ``waiting``, after it)."""
        self.pending[item.sha256] = (item, list(waiting))
        self.summary.parsed += 1
        self.submit(Task(display=item.display, path=str(item.path), sha256=item.sha256, size=item.size,
                         mtime=item.mtime, ocr=self.ocr), (seq, item))

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
        if out.error and self._keeps_last_good(item.display, out.error):
            return self._release(item, out)
        t0 = time.perf_counter()
        prep = out.prepared if not out.error else None
        doc_id = self.store.save(path=item.display, sha256=item.sha256, size=item.size, mtime=item.mtime,
                                 prepared=prep, error=out.error, status=out.status,
                                 path_bytes=self.path_bytes(item.display))
        self.stored_ids.add(doc_id)
        status = "failed" if out.error else out.status
        self.index[item.display] = {"size": item.size, "mtime": item.mtime, "sha256": item.sha256,
                                    "document_id": doc_id, "status": status, "error": out.error}
        pages = prep.page_count if prep else 0
        if out.error:
            kind = self._count_failed(item, out.error)
        else:
            self.shas[item.sha256] = {"id": doc_id, "path": item.display, "status": status}
            self.read_shas.add(item.sha256)
            kind = self._count_stored(item.display, status, prep, pages)
        self.summary.stages["store"] += time.perf_counter() - t0
        self._emit(kind, item.display, pages=pages, error=out.error, seconds=out.seconds)
        self._release(item, out)

    def _count_failed(self, item: _Item, error: str) -> str:
        """Count a file that failed in the summary; its bytes are not read
        again this run unless the fault was transient.  Returns "failed"."""
        self.summary.failed.append((item.display, error))
        if not _transient(error):   # a disk fault says nothing about the bytes
            self.failed_shas[item.key] = error
        return "failed"

    def _count_stored(self, display: str, status: str, prep, pages: int) -> str:
        """Count a stored file in the summary (needs OCR, ingested, OCR'd,
        flagged, damaged) and return the progress event's kind:
        "needs_ocr" or "ingested"."""
        st = self.summary
        if status == "needs_ocr":
            st.needs_ocr.append(display)
            if prep is not None and prep.garbage:
                st.garbage.add(display)
            kind = "needs_ocr"
        else:
            st.ingested.append(display)
            st.pages += pages
            kind = "ingested"
            if status == "ocr":
                st.ocr.append(display)
                st.ocr_pages += prep.ocr_pages if prep is not None else 0
        if prep is not None and prep.flagged:
            st.flagged.append(display)
        if prep is not None and prep.damaged:
            st.damaged.append((display, prep.damaged))
        return kind

    def _release(self, item: _Item, out: Outcome) -> None:
        """After a parsed file is stored: take it off the pending list, delete
        its temporary copy, count it done in its archive, and store the same
        bytes met under other names while it was read (failed or linked)."""
        _, dups = self.pending.pop(item.sha256, (item, []))
        self._cleanup(item)
        self._resolved(item.archive)
        # the same bytes under other names, met while this one was read, each written in its
        # own turn: linked to it, or failed with it — unless the failure was its name's (a
        # text named .docx): a copy under another extension is then read on its own
        other = [(d, q) for d, q in dups if out.error and d.key != item.key]
        if other:
            self._parse(other[0][0], other[0][1], other[1:])
        for dup, seq in dups:
            if (dup, seq) not in other:
                self._act(lambda dup=dup: self._settle_copy(dup, out), seq)

    def _settle_copy(self, dup: _Item, out: Outcome) -> None:
        """The same bytes as a file just read, under another name: linked to
        its document, or failed with it."""
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
        from nianbao.ingest.archive import open_archive
        if _report_named_zip(path):
            return self.add_file(display, path)     # a Word file or PDF named .zip: read it, with a warning
        t0 = time.perf_counter()
        st = self._stat(display, path)
        if st is None:
            return
        if self._unchanged(display, st.st_size, st.st_mtime):   # an archive that failed before
            self.unreadable_archives.append(display)
            return
        record = None if self.force else self._archive_record(display)
        if self._archive_as_before(record, st, t0):
            return
        old = (record or {}).get("members", {})
        try:
            zf = open_archive(path)
        except IngestError as e:
            self._archive_failed(display, st.st_size, st.st_mtime, e)
            return
        state = _ArchiveState(display, st.st_size, st.st_mtime)
        try:
            listed = self._add_members(zf, state, old, t0)
        finally:
            zf.close()
        self._not_read(state.others)
        if listed:
            state.listing = False
            self._act(lambda: self._resolved(state, done=False))

    def _archive_as_before(self, record: dict | None, st, t0: float) -> bool:
        """Is the archive the one last stored (same size and mtime as
        ``record``, every member known and none to retry)?  Then each member
        is counted unchanged and True returned: nothing in it is read."""
        if not (record and record.get("size") == st.st_size and record.get("mtime") == st.st_mtime):
            return False
        members = record.get("members", {})
        known = [self.index.get(m) for m in members]
        retry = [k for k in known if k and k["status"] == "failed" and (self.retry_failed or _transient(k["error"]))]
        # a member whose stored record is not its present bytes (a broken re-upload kept the
        # report read before) is read again, and so is a scan stored by a run without OCR
        stale = [m for m, k in zip(members, known) if k and (k["size"] != members[m][0] or (
            k["status"] == "needs_ocr" and self._ocr_was_skipped(k["document_id"])))]
        if not all(known) or retry or stale:
            return False
        for m in members:   # the archive is as it was: nothing in it is read
            self._unchanged(m, self.index[m]["size"], self.index[m]["mtime"])
        self._not_read(record.get("others", []))
        self.summary.stages["scan"] += time.perf_counter() - t0
        return True

    def _not_read(self, displays: list[str]) -> None:
        """Members of an archive in a format nianbao does not read: listed
        with their reason, as a folder's files are (``Summary.unsupported``)."""
        from nianbao.ingest.formats import not_read_reason
        reasons = [(d, not_read_reason(d)) for d in displays]
        self.summary.unsupported += [(d, why) for d, why in reasons if why]

    def _archive_failed(self, display: str, size: int, mtime: float, error: IngestError) -> None:
        """An archive that cannot be opened or listed: forget its members'
        record and store it as failed."""
        key = self._archive_key(display)
        self.unreadable_archives.append(display)      # its members stored before are kept by prune
        self._act(lambda: self.store.set_meta(key, None))
        self.fail(display, size, mtime, str(error))

    def _add_members(self, zf, state: _ArchiveState, old: dict, t0: float) -> bool:
        """List the open archive ``zf`` and consider each member; False (the
        archive stored as failed) when it cannot be listed."""
        from nianbao.ingest.archive import list_members
        display = state.display
        try:
            members = list_members(zf, display, extensions=SUPPORTED_EXTENSIONS, others=state.others)
        except IngestError as e:
            self._archive_failed(display, state.size, state.mtime, e)
            return False
        if display in self.index:   # it failed before; it is readable now
            self.index.pop(display, None)
            self._act(lambda: self.store.forget_path(display))
        self.summary.stages["scan"] += time.perf_counter() - t0
        for m in members:
            self._add_member(zf, m, state, old)
        return True

    def _add_member(self, zf, m, state: _ArchiveState, old: dict) -> None:
        from nianbao.ingest.archive import extract_member, list_members, open_archive
        t0 = time.perf_counter()
        crc_ok = old.get(m.display, [m.size, m.crc]) == [m.size, m.crc]
        if m.is_archive and not m.error:   # a ZIP inside the ZIP: read its members
            self._n += 1
            inner_path = None
            try:
                inner_path, sha = extract_member(zf, m, self.tmpdir, index=self._n)
                if _report_named_zip(inner_path):   # a report named .zip: read as one
                    state.members[m.display] = [m.size, m.crc]
                    if not self._unchanged(m.display, m.size, m.mtime, crc_ok):
                        self.consider(_Item(m.display, inner_path, sha, m.size, m.mtime, temp=True, archive=state))
                        inner_path = None      # the worker reads it; it is deleted when stored
                    return
                with open_archive(inner_path) as inner:
                    inner_members = list_members(inner, m.display, extensions=SUPPORTED_EXTENSIONS,
                                                 depth=m.depth + 1, others=state.others)
                    if (self.index.get(m.display) or {}).get("status") == "failed":   # readable again
                        self.index.pop(m.display)
                        self._act(lambda d=m.display: self.store.forget_path(d))
                    self.add_total(len(inner_members) - 1)
                    for im in inner_members:
                        self._add_member(inner, im, state, old)
            except IngestError as e:
                state.members[m.display] = [m.size, m.crc]
                self.unreadable_archives.append(m.display)
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
            {"size": state.size, "mtime": state.mtime, "members": state.members, "others": state.others},
            ensure_ascii=False))

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
                self.submit(Task(display=path, sha256=sha or "", document_id=doc_id, model=blob))

    def _store_facts(self, task: Task, out: Outcome) -> None:
        st = self.summary
        if out.error:   # the stored document and its old facts stay as they were
            st.failed.append((task.display, out.error))
            self._emit("failed", task.display, error=out.error)
            return
        t0 = time.perf_counter()
        self.store.replace_facts(task.document_id, out.prepared)
        st.stages["store"] += time.perf_counter() - t0
        st.reextracted.append(task.display)
        if out.prepared.flags:
            st.flagged.append(task.display)
        self._emit("reextracted", task.display, seconds=out.seconds)


def _report_named_zip(path: Path) -> bool:
    """A file named .zip that is a report (a Word file — itself a ZIP — or
    a PDF), not an archive of reports."""
    from nianbao.ingest.sniff import sniff
    try:
        return sniff(path) in ("docx", "pdf")
    except (OSError, IngestError):
        return False


def _run_store_checks(store: Store, summary: Summary) -> None:
    """After the documents of this run are stored: corrections of school,
    level and year applied, copies and editions of each report grouped
    (``store/reports.py``), then the checks over the whole store
    (``rules/pipeline.yaml`` ``store_checks``)."""
    from nianbao.review import store_checks
    t0 = time.perf_counter()
    summary.reports = store.settle()
    summary.store_flags = store_checks.run(store)
    summary.stages["store"] += time.perf_counter() - t0


def _prepare_store_checks() -> None:
    """Load and check what :func:`_run_store_checks` runs (``rules/pipeline.yaml``
    ``store_checks``) while the workers read the first files, not after the
    last one."""
    from nianbao.review import store_checks
    store_checks.prepare()


def _pool(run: _IngestRun, n: int, cluster: str | None, **limits):
    """The local worker processes, or a Dask cluster's workers."""
    if cluster:
        from nianbao.ingest.cluster import ClusterPool
        return ClusterPool(cluster, run.on_result, n_local=n or None, **limits)
    return WorkerPool(n, run.on_result, on_warm_lost=run.on_warm_lost, **limits)


def ingest_paths(paths=(), db_path: str | Path = DEFAULT_DB, *, force: bool = False, retry_failed: bool = False,
                 reextract: bool = False, workers: int | None = None, timeout: float = FILE_TIMEOUT,
                 memory_limit_mb: int | None = MEMORY_LIMIT_MB, lock_wait: float = 0.0,
                 progress=None, prune: bool = False, follow_symlinks: bool = False,
                 ocr: bool = True, cluster: str | None = None) -> Summary:
    """Ingest files, folders (recursive) and ZIP archives into the database;
    return a :class:`Summary`.

    * A file whose path, size and mtime are as stored is skipped without
      being read (unchanged); so is an archive whose size and mtime are as
      stored.  Otherwise the bytes are hashed: bytes already stored under
      another name are linked, not parsed again (duplicate).  ``force``
      re-parses everything; ``retry_failed`` re-reads unchanged files that
      failed before (a ``transient`` failure — a full or failing disk — is
      retried anyway).
    * Folders: symbolic links leading outside are followed only with
      ``follow_symlinks``; what is not read is in ``Summary.skipped`` with
      its reason.  File names that are not UTF-8 are stored decoded, their
      raw bytes in ``document_paths.path_bytes``.
    * Parsing and extraction run in ``workers`` processes (default: one per
      CPU; 0: in this process), each file under a time limit (``timeout``
      seconds) and each worker under a memory limit (``memory_limit_mb``).
      This process is the only writer: each document is stored in one
      transaction, in input order (ids do not depend on ``workers``).
    * ``cluster``: parse and extract on the workers of a Dask cluster
      (a scheduler address, or ``local`` for a ``LocalCluster`` of
      ``workers`` processes here: :mod:`nianbao.ingest.cluster`); this
      process stays the only writer, so the database is the same.
    * ``reextract``: afterwards, re-run extraction on every other stored
      document from its stored model, without re-parsing (after a rules change).
    * Another run on the same database: wait ``lock_wait`` seconds, then
      :class:`RunLocked`.  A database that cannot be written (full or
      failing disk, read-only, not nianbao's): :class:`nianbao.store.StorageError`.
    * ``prune``: afterwards, forget the remembered files under the folders
      and archives given that have left them (``Summary.removed``).
    * Files in folders that nianbao does not read (.rar, .xlsx, .ofd …) are
      listed in ``Summary.unsupported`` with the reason (``rules/formats.yaml``).
    * ``ocr``: scanned PDF pages and picture-only Word files are read with
      OCR (status ``ocr``); False leaves them ``needs_ocr``.  A file's time
      limit grows by ``seconds_per_page`` (rules/ocr.yaml) per page to OCR.
    * ``progress(Progress)`` is called for every file, and with ``ocr_page``
      events while a file's scanned pages are read."""
    t0 = time.perf_counter()
    summary = Summary()
    inputs = _walk(paths, follow_symlinks)
    # (a path given both by name and inside a folder given is listed once)
    summary.skipped, summary.unsupported = list(dict.fromkeys(inputs.skipped)), list(dict.fromkeys(inputs.unsupported))
    with storage_errors(db_path), run_lock(db_path, wait=lock_wait):
        store = Store(db_path)
        try:
            run = _run(store, summary, inputs, force=force, retry_failed=retry_failed, reextract=reextract,
                       workers=workers, timeout=timeout, memory_limit_mb=memory_limit_mb, progress=progress, ocr=ocr,
                       cluster=cluster)
            if prune:
                seen = {p for p in summary.ingested + summary.unchanged + summary.needs_ocr}
                seen |= {p for p, _ in summary.duplicates + summary.failed}
                summary.removed = store.forget_under([os.path.abspath(p) for p in paths], seen,
                                                     unreadable_archives=run.unreadable_archives)
            if run.stored_ids or summary.reextracted or summary.removed:
                _run_store_checks(store, summary)
            summary.reports, summary.not_reports = store.db.execute(
                "select count(*) filter (where is_report = 1), count(*) filter (where is_report = 0) "
                "from reports").fetchone()
        finally:
            store.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _run(store: Store, summary: Summary, inputs, *, force, retry_failed, reextract, workers, timeout,
         memory_limit_mb, progress, ocr: bool = True, cluster=None) -> "_IngestRun":
    """Read every input (and re-extract, when asked) with the worker pool; the run, for what it stored."""
    with tempfile.TemporaryDirectory(prefix="nianbao-") as tmp:
        n = _default_workers() if workers is None else max(0, int(workers))
        run = _IngestRun(store, summary, force=force, retry_failed=retry_failed, progress=progress,
                         tmpdir=Path(tmp), window=max(16, 4 * n), raw_names=inputs.raw)
        run.ocr = ocr
        with _pool(run, n, cluster, timeout=timeout, memory_limit_mb=memory_limit_mb, on_ocr=run.on_ocr) as pool:
            run.pool = pool
            if hasattr(pool, "when_busy"):
                pool.when_busy(_prepare_store_checks)
            run.window = max(run.window, 2 * getattr(pool, "capacity", 0))
            kinds = [(d, p, p.is_file() and is_archive_name(p.name)) for d, p in inputs.files]
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
    return run
