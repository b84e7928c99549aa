"""Parsing and extraction on a Dask cluster; the one writer stays here.

``nianbao ingest PATH… --cluster ADDRESS`` (or ``ingest_paths(...,
cluster=ADDRESS)``) hands every file to the workers of a Dask distributed
cluster (``tcp://scheduler:8786``; ``local`` starts a ``LocalCluster`` on
this machine) through :class:`ClusterPool`, which the bulk ingest uses in
place of the local :class:`~nianbao.ingest.workers.WorkerPool`.  The calling
process still scans, hashes, unzips and is the only writer, committing in
input order: the database is the one a local run makes.

On each Dask worker a task (:func:`run_remote`) writes the file's bytes to a
temporary file and reads it in that worker's own nianbao worker process — a
:class:`~nianbao.ingest.workers.WorkerPool` of one, forked from a warmed
forkserver — so a file that hangs, needs too much memory or crashes its
parser fails alone with the same ``timeout:``, ``memory:`` or ``crashed:``
error as in a local run, and the Dask worker lives on.  The rows come back
ready to insert (:class:`~nianbao.store.rows.Prepared`).

Dask (``pip install nianbao[cluster]``) is imported only here.  Every worker
must run the same nianbao version with the same ``rules/`` as the caller:
checked when the run starts and for every file.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from nianbao.ingest.workers import FILE_TIMEOUT, MEMORY_LIMIT_MB, Outcome, Task, _main_module_hidden

#: files in flight per Dask worker thread (the one being read and the next)
IN_FLIGHT_PER_THREAD = 2
#: file bytes above this size are sent to a worker with ``scatter`` rather than inside the task
SCATTER_BYTES = 4 << 20

NEEDS_DASK = ("--cluster 需要 Dask：pip install 'nianbao[cluster]' / --cluster needs Dask: "
              "pip install 'nianbao[cluster]'")


#: a scheduler address nianbao passes to Dask: local, HOST:PORT or tcp://HOST:PORT (tls:// needs
#: certificates nianbao does not take, ucx:// a library it does not install)
ADDRESS = re.compile(r"local|(?:tcp://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+):([0-9]{1,5})")


def check_address(address: str) -> str | None:
    """Why ``address`` is no scheduler address (one line, Chinese and
    English), or None when it is one."""
    m = ADDRESS.fullmatch(address.strip())
    if m and (m.group(1) is None or 1 <= int(m.group(1)) <= 65535):
        return None
    return (f"调度器地址应为 tcp://主机:端口（或 主机:端口）或 local，而不是「{address}」/ the scheduler address is "
            f"tcp://HOST:PORT (or HOST:PORT) or local, not '{address}'")


class ClusterError(RuntimeError):
    """The cluster cannot be used (not reachable, no workers, another nianbao)."""


def identity() -> dict:
    """What must be the same on the caller and every worker: nianbao's
    version and the digest of ``rules/``."""
    import nianbao
    from nianbao.rules.loader import rules_digest
    return {"version": nianbao.__version__, "rules": rules_digest.__wrapped__()}


# -- on the Dask workers --------------------------------------------------------------
_pool = None                   # this Dask worker process's nianbao worker pool
_pool_lock = threading.Lock()


class _Collect:
    def __init__(self):
        self.out = None

    def __call__(self, task, context, outcome):
        self.out = outcome


def _worker_pool(timeout: float, memory_limit_mb: int | None, runner=None):
    """This Dask worker's own nianbao worker process (one; made on first use,
    replaced by the pool after a time-out, a memory kill or a crash)."""
    import multiprocessing

    from nianbao.ingest.workers import WorkerPool
    import pickle
    global _pool
    key = (timeout, memory_limit_mb, pickle.dumps(runner))
    if _pool is None or _pool.key != key:
        if _pool is not None:
            _pool.close()
        # Dask starts its worker processes as daemons, which multiprocessing does not let
        # have children; this process waits for its one child and stops it when it stops
        multiprocessing.current_process().daemon = False
        collect = _Collect()
        _pool = WorkerPool(1, collect, timeout=timeout, memory_limit_mb=memory_limit_mb, runner=runner)
        _pool.collect, _pool.key = collect, key
    return _pool


def run_remote(task: Task, data, suffix: str, expected: dict, timeout: float,
               memory_limit_mb: int | None, runner=None) -> Outcome:
    """The task a Dask worker runs for one file: ``data`` (the file's bytes)
    is written to a temporary file named with ``suffix`` and read by this
    worker's nianbao worker process under the time and memory limits.
    Never raises for a bad file: the reason is in ``Outcome.error``."""
    mine = identity()
    if mine != expected:
        return Outcome(path=task.display, sha256=task.sha256, size=task.size, mtime=task.mtime,
                       document_id=task.document_id, status="failed",
                       error=f"parse_failed: 集群工作进程的 nianbao 版本或规则不同 / the cluster worker runs "
                             f"another nianbao or other rules ({mine} ≠ {expected})")
    with _pool_lock:     # one file at a time per Dask worker process, whatever its threads
        pool = _worker_pool(timeout, memory_limit_mb, runner)
        tmp = None
        try:
            if data is not None:
                fd, tmp = tempfile.mkstemp(prefix="nianbao-", suffix=suffix)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                task = Task(display=task.display, path=tmp, sha256=task.sha256, size=task.size,
                            mtime=task.mtime, ocr=task.ocr)
            pool.collect.out = None
            pool.submit(task)
            pool.drain()
            out = pool.collect.out
        finally:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
    return out


def warm_worker(timeout: float = FILE_TIMEOUT, memory_limit_mb: int | None = MEMORY_LIMIT_MB, runner=None) -> dict:
    """Start this Dask worker's nianbao worker process now (its forkserver
    warms while the caller scans), and say who it is (:func:`identity`)."""
    with _pool_lock:
        pool = _worker_pool(timeout, memory_limit_mb, runner)
        if not pool.workers:
            pool._spawn()
    return identity()


# -- on the caller ------------------------------------------------------------------
class ClusterPool:
    """The interface of :class:`~nianbao.ingest.workers.WorkerPool`
    (``submit``, ``wait``, ``drain``, ``close``, ``started``) over a Dask
    cluster: ``address`` is a scheduler (``tcp://host:8786``) or ``local``
    (a ``LocalCluster`` of ``n_local`` single-threaded worker processes on
    this machine).  Results reach ``on_result(task, context, outcome)`` as
    they arrive; a task that raises (its Dask worker died too often:
    ``KilledWorker``) gives its file a ``crashed:`` error."""

    def __init__(self, address: str, on_result, *, timeout: float = FILE_TIMEOUT,
                 memory_limit_mb: int | None = MEMORY_LIMIT_MB, n_local: int | None = None, on_ocr=None):
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError(NEEDS_DASK) from None
        self.on_result = on_result
        self.on_ocr = on_ocr      # OCR progress stays on the worker (its time limit grows there)
        self.timeout = timeout
        self.memory_limit_mb = memory_limit_mb
        self.cluster = None
        self.address = address
        self._hidden = None
        if address == "local":
            # its worker processes are spawned (now, and again after a death): the
            # caller's script must not run again in them
            self._hidden = _main_module_hidden()
            self._hidden.__enter__()
            self.cluster = _local_cluster(n_local)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=10)
            except (OSError, TimeoutError, ValueError) as e:   # ValueError: an address Dask cannot read
                raise ClusterError(f"无法连接集群 / cannot reach the Dask scheduler at {address} ({e})") from None
        from nianbao.ingest import workers
        self.runner = workers.run_task    # looked up now (a test may put its own in place)
        self.expected = identity()
        self.futures: dict = {}          # future → (task, context)
        self.order: deque = deque()      # futures in the order they were submitted
        self.started = 0
        try:
            self._check_workers()
        except BaseException:
            self.close()
            raise

    def _check_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=60)
        except (TimeoutError, OSError):
            raise ClusterError(f"集群没有工作进程 / the Dask cluster at {self.address} has no workers") from None
        ids = self.client.run(warm_worker, self.timeout, self.memory_limit_mb, self.runner)
        other = {w: i for w, i in ids.items() if i != self.expected}
        if other:
            raise ClusterError("集群工作进程的 nianbao 版本或规则不同 / cluster workers run another nianbao or "
                               f"other rules: {other} (here: {self.expected})")
        self.started = len(ids)

    @property
    def n(self) -> int:
        """Worker processes of the cluster (as ``WorkerPool.n``)."""
        return self.started

    @property
    def capacity(self) -> int:
        threads = sum(self.client.nthreads().values()) or 1
        return IN_FLIGHT_PER_THREAD * threads

    # -- the pool interface ---------------------------------------------------------
    def submit(self, task: Task, context=None) -> None:
        data = suffix = None
        if task.model is None:
            data = Path(task.path).read_bytes()
            suffix = Path(task.display.split("!/")[-1]).suffix or Path(task.path).suffix
            task = Task(display=task.display, sha256=task.sha256, size=task.size, mtime=task.mtime, ocr=task.ocr)
        arg = self.client.scatter(data, hash=False) if data is not None and len(data) > SCATTER_BYTES else data
        fut = self.client.submit(run_remote, task, arg, suffix, self.expected, self.timeout, self.memory_limit_mb,
                                 self.runner, pure=False, key=f"nianbao-{len(self.futures)}-{time.monotonic_ns()}")
        self.futures[fut] = (task, context)
        self.order.append(fut)
        while len(self.futures) >= self.capacity:
            self.wait()

    def wait(self) -> None:
        """Handle at least one finished file (if any is in flight)."""
        from distributed import wait
        if not self.futures:
            return
        done, _ = wait(list(self.futures), return_when="FIRST_COMPLETED")
        for fut in [f for f in self.order if f in done]:
            self._finish(fut)

    def drain(self) -> None:
        while self.futures:
            self.wait()

    def close(self) -> None:
        for fut in self.futures:
            fut.cancel()
        self.futures.clear()
        if getattr(self, "client", None) is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self._hidden is not None:
            self._hidden.__exit__(None, None, None)
            self._hidden = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- internals ------------------------------------------------------------------
    def _finish(self, fut) -> None:
        task, context = self.futures.pop(fut)
        self.order.remove(fut)
        try:
            out = fut.result()
        except Exception as e:  # noqa: BLE001 - the Dask worker died (KilledWorker) or the task failed
            out = Outcome(path=task.display, sha256=task.sha256, size=task.size, mtime=task.mtime,
                          document_id=task.document_id, status="failed",
                          error=f"crashed: 集群工作进程出错 / the cluster worker failed on this file "
                                f"({type(e).__name__}: {e})")
        self.on_result(task, context, out)


def _local_cluster(n: int | None):
    """A ``LocalCluster`` of ``n`` (default: one per CPU) single-threaded
    worker processes, no dashboard, each file retried at most once after a
    worker death."""
    import dask
    from distributed import LocalCluster
    n = n or os.cpu_count() or 1
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.worker.daemon": False}):
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                            memory_limit=0)
