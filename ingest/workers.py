"""The work on one file, and the processes that do it.

``process_file`` parses and extracts one file (never raising for a bad
file: the reason is in ``Outcome.error``); ``WorkerPool`` runs that work in
long-lived worker processes under a per-file watchdog (time limit, memory
limit, crashes), while the caller — ``nianbao.ingest.batch.ingest_paths``,
the one writer — stores the results; ``run_lock`` keeps two ingest runs off one
database.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nianbao.ingest import IngestError, parse
from nianbao.ingest.errors import is_transient, one_line, transient
from nianbao.ingest.model import Document

#: seconds one file may take in a worker (parse + extract) before the worker is killed
FILE_TIMEOUT = 300.0
#: resident memory (RSS) one worker process may use, MB (a file that needs more fails with ``memory:``)
MEMORY_LIMIT_MB = 3072
#: how often the watchdog reads the workers' resident memory, seconds
MEMORY_POLL = 0.1
#: the smallest --memory-limit (MB): a worker holds about 200 MB from the start
#: (the dictionaries, spaCy, pdfium), so a lower limit would fail every file
MIN_MEMORY_LIMIT_MB = 256
#: a worker process is replaced after this many files (bounds slow leaks in parser libraries)
MAX_TASKS_PER_WORKER = 500
#: files waiting in this process for a free worker, per worker (bounds the extracted temp files)
QUEUE_PER_WORKER = 2

RUN_LOCKED = "另一个入库任务正在使用该数据库 / another ingest run holds this database"



@dataclass
class Outcome:
    """What processing one file produced (picklable, so workers can send it)."""
    path: str
    sha256: str
    size: int
    mtime: float | None
    doc: Document | None = None
    facts: object | None = None
    error: str | None = None
    status: str = "ok"
    seconds: float = 0.0
    parse_seconds: float = 0.0
    extract_seconds: float = 0.0
    cpu_seconds: float = 0.0          # CPU time of the whole task in its process
    #: the rows to store (:func:`nianbao.store.rows.prepare`), built in the worker: the
    #: writer only inserts them; ``doc`` and ``facts`` are then dropped (not sent back)
    prepared: object | None = None
    document_id: int | None = None    # re-extraction: the stored document
    worker: int | None = None         # pid of the worker process
    peak_rss_mb: float | None = None  # that worker's peak resident memory so far
    recycle: bool = False             # the worker should be replaced (after MemoryError)


class RunLocked(RuntimeError):
    """Another ingest run holds the database."""

    def __init__(self, db_path, pid: int | None):
        self.pid = pid
        super().__init__(f"{RUN_LOCKED} (pid {pid if pid else '?'}): {db_path}.lock")


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_facts(doc: Document):
    """Run the extractors on a parsed document, then review it (outline and
    contradiction flags: review/)."""
    from nianbao.review import extract_and_review
    return extract_and_review(doc)


def _stat_hash(display: str, path: Path) -> Outcome:
    try:
        st = path.stat()
        return Outcome(path=display, sha256=sha256_file(path), size=st.st_size, mtime=st.st_mtime)
    except OSError as e:
        return Outcome(path=display, sha256="", size=0, mtime=None, status="failed",
                       error=_unreadable(e))


def _unreadable(e: OSError, doing: str = "reading the file") -> str:
    """The error of a file that cannot be read: ``transient`` (retried by the
    next run) for a full or failing disk, else ``unreadable``."""
    if is_transient(e):
        return str(transient(e, doing))
    return f"unreadable: 无法读取文件 / cannot read the file ({one_line(e.strerror or e)})"


def process_file(display: str, path: Path, *, extract: bool = True, out: Outcome | None = None,
                 ocr: bool = True, on_ocr=None) -> Outcome:
    """Parse and extract one file.  Never raises for a bad file: the reason is
    in ``Outcome.error``.  ``ocr``: read scanned pages with OCR; ``on_ocr``
    is called as (pages done, pages to OCR, seconds) while it runs."""
    t0 = time.perf_counter()
    out = out or _stat_hash(display, path)
    if out.error:
        return out
    try:
        doc = parse(path, display_path=display, ocr=ocr, ocr_progress=on_ocr)
        out.doc = doc
        out.status = doc.status
        out.parse_seconds = time.perf_counter() - t0
        if extract and doc.status in ("ok", "ocr"):
            t1 = time.perf_counter()
            out.facts = extract_facts(doc)
            out.extract_seconds = time.perf_counter() - t1
    except IngestError as e:
        out.error, out.status = str(e), "failed"
    except MemoryError:
        out.doc = out.facts = None
        out.error, out.status, out.recycle = _memory_error(), "failed", True
    except OSError as e:   # the file went away, or the disk failed while it was read
        out.error, out.status = _unreadable(e), "failed"
    except Exception as e:  # a parser bug must not stop the batch (RecursionError included)
        out.error = f"parse_failed: 解析出错 / the parser failed ({type(e).__name__}: {one_line(e)})"
        out.status = "failed"
    if out.error:
        out.doc = out.facts = None
    out.seconds = time.perf_counter() - t0
    return out


def memory_limit_message(limit_mb: int) -> str:
    """Why a ``--memory-limit`` below :data:`MIN_MEMORY_LIMIT_MB` is refused (one line)."""
    return (f"内存上限 {limit_mb} MB 太低：工作进程启动时已占约 200 MB（词典、模型），至少 {MIN_MEMORY_LIMIT_MB} MB；"
            f"0 = 不限 / a memory limit of {limit_mb} MB is below what a worker holds from the start (about "
            f"200 MB: dictionaries, models): give at least {MIN_MEMORY_LIMIT_MB} (0: no limit)")


def _memory_error(limit_mb: int | None = None) -> str:
    lim = f" ({limit_mb} MB)" if limit_mb else ""
    return (f"memory: 内存超出上限{lim}，已放弃该文件 / the file needs more memory than the limit{lim}; "
            "see --memory-limit")


def _timeout_error(seconds: float) -> str:
    return (f"timeout: 处理超过 {seconds:g} 秒，已中止 / reading the file took longer than {seconds:g} s and "
            "was stopped; see --timeout")


def _crash_error(code) -> str:
    return (f"crashed: 工作进程意外退出（{code}）/ the worker process died while reading the file "
            f"(exit code {code}; possibly out of memory)")


# -- the run lock ------------------------------------------------------------------------
@contextmanager
def run_lock(db_path, *, wait: float = 0.0):
    """Hold ``<db>.lock`` for one ingest run.  A second run on the same
    database waits up to ``wait`` seconds, then raises :class:`RunLocked`
    naming the holder's pid.  The operating system drops the lock when the
    holder exits, however it exits (``kill -9`` included); the file stays."""
    lock_path = Path(f"{db_path}.lock")
    f = open(lock_path, "a+")
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while not _try_lock(f):
            if time.monotonic() >= deadline:
                f.seek(0)
                text = f.read().strip()
                raise RunLocked(db_path, int(text) if text.isdigit() else None)
            time.sleep(0.2)
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield lock_path
        finally:
            f.seek(0)
            f.truncate()
            f.flush()
            _unlock(f)
    finally:
        f.close()


def _try_lock(f) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt
        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except (BlockingIOError, PermissionError):
        return False


def _unlock(f) -> None:
    try:
        import fcntl
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except ImportError:  # pragma: no cover - Windows
        import msvcrt
        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)


# -- worker processes --------------------------------------------------------------------
@dataclass
class Task:
    """One unit of work for a worker: parse+extract a file, or re-extract a
    stored model."""
    display: str
    path: str | None = None
    sha256: str = ""
    size: int = 0
    mtime: float | None = None
    document_id: int | None = None
    model: bytes | None = None
    ocr: bool = True              # read scanned pages with OCR


#: called as (pages done, pages to OCR, seconds) while a task's file is read by OCR
_ocr_listener = None


def set_ocr_listener(fn) -> None:
    """Who hears of OCR pages in this process: the worker sends them to the
    pool (which extends the file's time limit); with ``workers=0`` the pool's
    ``on_ocr`` hears them directly."""
    global _ocr_listener
    _ocr_listener = fn


def _notify_ocr(done: int, n: int, seconds: float) -> None:
    if _ocr_listener is not None:
        _ocr_listener(done, n, seconds)


def run_task(task: Task) -> Outcome:
    """Do one task (in a worker, or in this process with ``workers=0``):
    parse + extract a file, or re-extract a stored model.  The pool calls the
    ``runner`` it was given, this function by default.  OCR pages are
    reported through :func:`set_ocr_listener`."""
    c0 = time.process_time()
    try:
        if task.model is not None:
            out = _reextract_task(task)
        else:
            out = Outcome(path=task.display, sha256=task.sha256, size=task.size, mtime=task.mtime)
            out = process_file(task.display, Path(task.path), out=out, ocr=task.ocr, on_ocr=_notify_ocr)
            if out.doc is not None:
                from nianbao.store.rows import prepare
                out.prepared = prepare(out.doc, out.facts)
                out.doc = out.facts = None
    except MemoryError:   # anywhere in the task: the file fails, the worker is replaced
        out = Outcome(path=task.display, sha256=task.sha256, size=task.size, mtime=task.mtime,
                      document_id=task.document_id, status="failed", error=_memory_error(), recycle=True)
    out.cpu_seconds = time.process_time() - c0
    return out


def _reextract_task(task: Task) -> Outcome:
    from nianbao.store.rows import unpack_model
    out = Outcome(path=task.display, sha256=task.sha256, size=0, mtime=None, document_id=task.document_id)
    t0 = time.perf_counter()
    try:
        doc = unpack_model(task.model)
        out.parse_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        from nianbao.store.rows import FactRows
        out.prepared = FactRows.of(extract_facts(doc))
        out.extract_seconds = time.perf_counter() - t1
    except MemoryError:
        out.error, out.status, out.recycle = _memory_error(), "failed", True
    except Exception as e:
        out.error = f"extract_failed: 抽取出错 / extraction failed ({type(e).__name__}: {one_line(e)})"
        out.status = "failed"
    out.seconds = time.perf_counter() - t0
    return out


def _peak_rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
        r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return r / (1 << 20) if sys.platform == "darwin" else r / 1024
    except Exception:  # pragma: no cover
        return None


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process, MB (None when it is gone)."""
    try:
        import psutil
        return psutil.Process(pid).memory_info().rss / (1 << 20)
    except Exception:  # noqa: BLE001 - gone, or not readable here
        return None


def _warm_up() -> bool:
    """Ready the worker.  Forked from the warmed forkserver it is ready
    already — unless ``rules/`` changed since the forkserver read it: then
    False (the pool starts a fresh forkserver).  Otherwise (spawned, or the
    preload failed) it warms itself."""
    from nianbao.ingest import warm
    if warm.WARMED_RULES is not None:
        return warm.is_current()
    try:
        warm.warm_up()
    except Exception:  # noqa: BLE001 - the error shows again, per file, in the tasks
        pass
    return True


def _worker_main(conn, memory_limit_mb, runner) -> None:
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops us
    try:
        conn.send(("ready" if _warm_up() else "stale", os.getpid()))
    except OSError:
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the main process is gone
        if task is None:
            return
        set_ocr_listener(lambda done, n, secs: conn.send(("ocr", (done, n, secs))))
        out = runner(task)
        if out.error and out.error.startswith("memory:"):
            out.error = _memory_error(memory_limit_mb)
        out.worker, out.peak_rss_mb = os.getpid(), _peak_rss_mb()
        try:
            conn.send(("result", out))
        except (BrokenPipeError, EOFError, ConnectionError):
            return
        except Exception as e:  # the result could not be pickled or was too big
            error = (_memory_error(memory_limit_mb) if isinstance(e, MemoryError) else
                     f"parse_failed: 结果无法传回 / the result could not be sent back ({type(e).__name__}: "
                     f"{one_line(e)})")
            fail = Outcome(path=out.path, sha256=out.sha256, size=out.size, mtime=out.mtime, status="failed",
                           document_id=out.document_id, worker=out.worker, peak_rss_mb=out.peak_rss_mb,
                           error=error, recycle=isinstance(e, MemoryError))
            try:
                conn.send(("result", fail))
            except Exception:
                return
            out = fail
        if out.recycle:
            return


@contextmanager
def _main_module_hidden():
    """Start workers without re-running the caller's main script in them.

    multiprocessing (spawn/forkserver) imports the parent's ``__main__`` in
    every child, so a script that calls :func:`ingest_paths` without an
    ``if __name__ == "__main__":`` guard would run again in each worker.
    Workers need only this module, so the main module is hidden while they
    start."""
    main = sys.modules.get("__main__")
    if main is None or main.__dict__.get("__name__") != "__main__":
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.update(saved)
        if "__file__" not in saved:
            main.__dict__.pop("__file__", None)


def _worker_target():
    # the function from the importable module ``workers``, never ``__main__._worker_main``
    import importlib
    return importlib.import_module("nianbao.ingest.workers")._worker_main


class _Worker:
    def __init__(self, ctx, memory_limit_mb, runner):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_target(), args=(child, memory_limit_mb, runner), daemon=True,
                                name="nianbao-worker")
        self.proc.start()
        child.close()
        self.ready = False
        self.jobs: deque = deque()   # (task, context) sent, in order; the first is being worked on
        self.started = 0.0           # when the first job started
        self.done = 0
        self.extra = 0.0             # seconds the current file may take beyond the timeout (OCR pages)
        self.asked_to_stop = False

    @property
    def job(self):
        return self.jobs[0] if self.jobs else None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except Exception:
            pass
        self.proc.join(5)
        self.conn.close()

    def ask_to_stop(self) -> None:
        """Tell the worker to exit after its current file (no wait)."""
        if not self.asked_to_stop:
            self.asked_to_stop = True
            try:
                self.conn.send(None)
            except Exception:
                pass

    def stop(self) -> None:
        self.ask_to_stop()
        self.proc.join(2)
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


class WorkerPool:
    """Long-lived worker processes that parse and extract; the caller (the one
    writer) gets every result through ``on_result(task, context, outcome)``.

    Workers are forked from a forkserver warmed once (:mod:`nianbao.ingest.warm`).
    Each worker holds its current file and the next one (so it never waits
    for the writer).  Each file runs under a watchdog: past ``timeout``
    seconds its worker is killed, the file gets a ``timeout:`` error, the
    file queued behind it goes back to the queue and a fresh worker takes
    over.  The watchdog reads every busy worker's resident memory (RSS)
    every ``MEMORY_POLL`` seconds: above ``memory_limit_mb`` the worker is
    killed and its file gets a ``memory:`` error (a MemoryError inside a
    worker does the same).  A worker that dies gives its file a
    ``crashed:`` error.  With ``n == 0`` tasks run in this process (no
    limits).  ``runner(task) -> Outcome`` is the work (default :func:`run_task`)."""

    #: files held by one worker: the one it reads and the next
    PER_WORKER = 2

    def __init__(self, n: int, on_result, *, timeout: float = FILE_TIMEOUT,
                 memory_limit_mb: int | None = MEMORY_LIMIT_MB, max_tasks: int = MAX_TASKS_PER_WORKER,
                 runner=None, on_ocr=None, on_warm_lost=None):
        self.n = max(0, int(n))
        self.on_result = on_result
        #: ``on_ocr(task, context, done, n)``: a worker reports OCR pages of its file
        self.on_ocr = on_ocr
        #: ``on_warm_lost(pid)``: the warm server the workers came from stopped during
        #: the run; from now on they come from this run's own forkserver (warmed first)
        self.on_warm_lost = on_warm_lost
        self.timeout = timeout
        if memory_limit_mb and memory_limit_mb < MIN_MEMORY_LIMIT_MB:
            raise ValueError(memory_limit_message(memory_limit_mb))
        self.memory_limit_mb = memory_limit_mb
        self.max_tasks = max_tasks
        # what a worker runs per task: a picklable top-level function (looked up
        # now, so that a test can put its own in place of ``run_task``)
        self.runner = runner or run_task
        self.queue: deque = deque()
        self.workers: list[_Worker] = []
        self.started = 0
        self.early_deaths = 0
        self._ctx = None
        self._when_busy: list = []

    # -- public ---------------------------------------------------------------------
    def submit(self, task: Task, context=None) -> None:
        if self.n == 0:
            set_ocr_listener((lambda done, n, secs: self.on_ocr(task, context, done, n)) if self.on_ocr else None)
            try:
                out = self.runner(task)
            finally:
                set_ocr_listener(None)
            self.on_result(task, context, out)
            return
        self.queue.append((task, context))
        self._dispatch()
        while len(self.queue) > self.n * QUEUE_PER_WORKER:
            self.wait()

    def drain(self) -> None:
        while self.queue or any(w.jobs for w in self.workers):
            self.wait()

    def close(self) -> None:
        idle = [w for w in self.workers if not w.jobs]
        for w in idle:            # all told first: they exit together
            w.ask_to_stop()
        for w in self.workers:
            if w.jobs:
                w.kill()
            else:
                w.stop()
        self.workers.clear()

    def when_busy(self, fn) -> None:
        """Run ``fn()`` once, the first time this process waits while every
        worker has a file (so that its work overlaps theirs); with no worker
        processes, now.  For work that would otherwise be done after the
        last result (e.g. loading what the store checks need); an exception
        in ``fn`` is ignored (the same work done later raises it)."""
        if self.n == 0:
            _quietly(fn)
        else:
            self._when_busy.append(fn)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *a):
        if exc_type is not None:
            for w in self.workers:
                w.kill()
            self.workers.clear()
        self.close()
        return False

    # -- internals ------------------------------------------------------------------
    def _context(self):
        if self._ctx is None:
            import multiprocessing as mp
            # one BLAS/OpenMP thread per worker: the parallelism is the workers
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(var, "1")
            # OCR (onnxruntime) threads: the CPUs shared among the workers
            os.environ.setdefault("NIANBAO_OCR_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, self.n))))
            methods = mp.get_all_start_methods()
            # forkserver/spawn: workers inherit no open database, lock or threads
            fork = "forkserver" in methods and not _STALE_FORKSERVER
            self._ctx = _resident_context() if fork else None
            if self._ctx is not None:
                return self._ctx   # workers forked by the warm server (`nianbao warm start`)
            self._ctx = mp.get_context("forkserver" if fork else "spawn")
            if fork:
                # the forkserver warms once (imports, jieba's dictionary) and every
                # worker is forked from it warm (nianbao.ingest.warm)
                self._ctx.set_forkserver_preload(["nianbao.ingest.preload"])
        return self._ctx

    def _spawn(self) -> None:
        ctx = self._context()
        with _main_module_hidden():
            try:
                self.workers.append(_Worker(ctx, self.memory_limit_mb, self.runner))
            except OSError:
                if getattr(ctx, "resident", None) is None:
                    raise
                self._lose_warm_server()   # the warm server is gone: our own forkserver from now on
                self.workers.append(_Worker(self._context(), self.memory_limit_mb, self.runner))
        self.started += 1

    def _warm_server_gone(self, w: _Worker) -> bool:
        """The warm server ``w`` came from has stopped (``nianbao warm stop``
        during a run): its exit code is lost with it, not its files.  From now
        on workers come from our own forkserver."""
        if not getattr(w.proc, "server_lost", False):
            return False
        self._lose_warm_server()
        return True

    def _lose_warm_server(self) -> None:
        """Use no warm server from now on (this process's own forkserver
        instead) and tell ``on_warm_lost`` once, with the server's pid."""
        from nianbao.ingest import resident
        info = getattr(self._ctx, "resident", None)
        resident.refused()
        self._ctx = None
        if info is not None and self.on_warm_lost:
            self.on_warm_lost(info.pid)

    def warm_server(self):
        """The warm server (``nianbao warm start``, :mod:`nianbao.ingest.resident`)
        the workers are forked from: its ``ServerInfo``, or None."""
        return getattr(self._context(), "resident", None) if self.n > 0 else None

    def _dispatch(self) -> None:
        for depth in range(1, self.PER_WORKER + 1):
            for w in self.workers:
                if not self.queue:
                    return
                if w.ready and len(w.jobs) < depth and w.done + len(w.jobs) < self.max_tasks:
                    task, ctx = self.queue.popleft()
                    try:
                        w.conn.send(task)
                    except (BrokenPipeError, OSError):
                        self.queue.appendleft((task, ctx))
                        continue  # the dead worker is noticed by wait()
                    if not w.jobs:
                        w.started = time.monotonic()
                    w.jobs.append((task, ctx))
        starting = sum(1 for w in self.workers if not w.ready)
        while len(self.workers) < self.n and starting < len(self.queue):
            self._spawn()
            starting += 1

    def _finish(self, w: _Worker, out: Outcome) -> None:
        task, ctx = w.jobs.popleft()
        w.done += 1
        w.extra = 0.0
        # the next file (already in the worker's pipe) started when this one ended
        w.started = time.monotonic()
        self.on_result(task, ctx, out)

    def _abandon(self, w: _Worker, error: str) -> None:
        """The worker is gone: its current file fails with ``error``; the files
        queued behind it go back to the front of the queue."""
        if w in self.workers:
            self.workers.remove(w)
        w.kill()
        if not w.jobs:
            return
        (task, ctx), rest = w.jobs[0], list(w.jobs)[1:]
        w.jobs.clear()
        self.queue.extendleft(reversed(rest))
        self.on_result(task, ctx, Outcome(path=task.display, sha256=task.sha256, size=task.size, mtime=task.mtime,
                                          document_id=task.document_id, status="failed", error=error,
                                          seconds=time.monotonic() - w.started))

    def _retire(self, w: _Worker) -> None:
        """Stop a worker that has no more work (recycled); anything queued on it goes back."""
        if w in self.workers:
            self.workers.remove(w)
        if w.jobs:
            self.queue.extendleft(reversed(list(w.jobs)))
            w.jobs.clear()
            w.kill()
        else:
            w.stop()

    def _read(self, w: _Worker) -> bool:
        """Read everything a worker sent; False when its end of the pipe is closed."""
        try:
            while w.conn.poll():
                kind, payload = w.conn.recv()
                if kind == "ready":
                    w.ready = True
                    self.early_deaths = 0
                elif kind == "stale":   # rules/ changed since the forkserver read it
                    self.workers.remove(w)
                    w.stop()
                    _forkserver_is_stale()
                    self._ctx = None      # the next workers are spawned fresh
                    return False
                elif kind == "ocr":
                    if w.jobs:
                        self._ocr(w, *payload)
                elif w.jobs:
                    self._finish(w, payload)
                    if payload.recycle or w.done >= self.max_tasks:
                        self._retire(w)
                        return False
        except (EOFError, OSError):
            return False
        return True

    def _ocr(self, w: _Worker, done: int, n: int, _seconds: float) -> None:
        """The worker's file needs OCR for ``n`` pages: its time limit grows
        by ``seconds_per_page`` (rules/ocr.yaml) for each."""
        from nianbao.ingest.ocr_rules import load_ocr_rules
        w.extra = n * load_ocr_rules().seconds_per_page
        if self.on_ocr:
            task, ctx = w.jobs[0]
            self.on_ocr(task, ctx, done, n)

    def wait(self) -> None:
        """Handle at least one event: a worker ready, a result, a death or a time-out."""
        from multiprocessing.connection import wait
        self._dispatch()
        if not self.workers:
            return
        handles = {}
        for w in self.workers:
            handles[w.conn] = w
            handles[w.proc.sentinel] = w
        if self._when_busy and len(self.workers) == self.n and all(w.jobs for w in self.workers):
            while self._when_busy:
                _quietly(self._when_busy.pop(0))
        ready = wait(list(handles), self._wait_timeout())
        for w in {handles[h] for h in ready}:
            if w not in self.workers:
                continue
            alive = self._read(w)  # results first: a worker may send its last result, then exit
            if w not in self.workers:
                continue  # retired on purpose
            if not (alive and w.proc.is_alive()):
                self._ended(w)
        self._watchdog()
        self._dispatch()

    def _wait_timeout(self) -> float | None:
        """Seconds until the next time-out of a busy worker (or the next memory poll)."""
        busy = [w for w in self.workers if w.jobs]
        if not busy:
            return None
        timeout = max(0.0, min(w.started + self.timeout + w.extra for w in busy) - time.monotonic()) + 0.01
        return min(timeout, MEMORY_POLL) if self.memory_limit_mb else timeout

    def _ended(self, w: _Worker) -> None:
        """Worker ``w`` exited: its file fails as crashed (unless only its warm server went away)."""
        w.proc.join(1)
        code = w.proc.exitcode
        was_ready = w.ready
        if self._warm_server_gone(w):
            self._retire(w)   # its files go back to the queue, for workers of our own forkserver
            return
        self._abandon(w, _crash_error(code))
        if not was_ready:
            self.early_deaths += 1
            if self.early_deaths > 3:
                raise RuntimeError(f"工作进程无法启动 / worker processes cannot start (exit code {code}); "
                                   "try --workers 0")

    def _watchdog(self) -> None:
        """Stop the workers past their time limit or above the memory limit."""
        now = time.monotonic()
        for w in list(self.workers):
            if w.jobs and now - w.started > self.timeout + w.extra:
                # a hung parser cannot be interrupted otherwise: stop the whole worker
                self._abandon(w, _timeout_error(self.timeout + w.extra))
            elif w.jobs and self.memory_limit_mb and (_rss_mb(w.proc.pid) or 0) > self.memory_limit_mb:
                self._abandon(w, _memory_error(self.memory_limit_mb))


def _quietly(fn) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001  (see WorkerPool.when_busy)
        pass


def _resident_context():
    """The context of this installation's running warm server, or None."""
    from nianbao.ingest import resident
    info = resident.find()
    return resident.context(info) if info is not None else None


#: the forkserver's warm state is older than ``rules/``: spawn workers from now on
_STALE_FORKSERVER = False


def _forkserver_is_stale() -> None:
    """The forkserver warmed itself before ``rules/`` was edited (a
    long-lived process): it runs until this process ends, so from now on
    workers are spawned and warm themselves (slower to start, never stale)."""
    global _STALE_FORKSERVER
    _STALE_FORKSERVER = True


def _default_workers() -> int:
    return os.cpu_count() or 1


