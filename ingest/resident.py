"""The warm server (常驻预热进程): a warmed parent kept between commands.

Every ``nianbao ingest`` with workers starts a forkserver and warms it
(imports, spaCy, jieba's dictionary, the rules: ≈ 1.3 CPU-seconds, see
:mod:`nianbao.ingest.warm`) before its first worker can start.  A clerk who
runs ingest many times a day pays that each time.  ``nianbao warm start``
starts one warmed forkserver that outlives the command; while it runs,
every ``ingest`` of the same installation forks its workers from it, ready
at once (the first file's result in well under a second).

It is Python's own forkserver (``multiprocessing.forkserver.main``), run
detached, listening on a Unix socket in a folder only this user can open
(:func:`server_dir`).  It is opt-in and bounded:

* **one per installation and rules**: its key (:func:`installation_key`)
  covers the Python, the libraries installed beside it (the names and
  versions of the distributions in its site-packages), every ``.py`` file
  of nianbao (path, size, mtime) and the rules digest; an ingest uses only
  a server with its own key, so an edited rule or an upgrade never reads
  with stale code
  (workers also check the rules digest when they start: see
  :func:`nianbao.ingest.warm.is_current`);
* **idle time-out**: it exits after ``idle`` seconds (default 600) with no
  worker alive (``inf``: never by itself); ``nianbao warm stop`` ends it at
  once, and the workers it forked with it (an ingest using them goes on
  with its own forkserver: their files go back to its queue);
* **the caller's environment**: each worker takes the environment and
  working folder of the ingest that asked for it, not the server's;
* **never in the way**: no server, another key, a server that died, was
  stopped (SIGSTOP), refuses or does not answer within
  :data:`ANSWER_SECONDS` — ingest starts its own forkserver as before.  A
  description whose pid now belongs to another process (pid reuse) is
  ignored and removed, never signalled.  Not available on
  Windows (no fork) or on a Python whose forkserver protocol differs from
  the one this module was written for (:func:`unsupported`).
"""
from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

#: environment variable naming the folder of the servers' sockets (tests, several users)
DIR_ENV = "NIANBAO_WARM_DIR"
#: default idle time-out, seconds
IDLE_SECONDS = 600
#: how long ``start`` waits for the server to be warm, seconds
START_WAIT = 120.0
#: how long a worker request waits for the server's answer (the new worker's pid), seconds
ANSWER_SECONDS = 10.0
#: nianbao's subpackages (pyproject's package list): their code is part of the key
_SUBPACKAGES = ("ingest", "extractors", "rules", "review", "store", "evaluate", "web", "export", "cli")
#: set when a server refused a worker in this process: use none from now on
_REFUSED = False
#: what the last :func:`find` saw and did not use: (the server's description,
#: ``"paused"`` or ``"warming up"``), else None — so that a run can say why
#: its workers warm themselves although a warm server runs
SKIPPED: tuple[ServerInfo, str] | None = None


@dataclass
class ServerInfo:
    """A running warm server, as its ``<key>.json`` file describes it."""
    pid: int
    key: str
    socket: str
    idle: float
    started: float
    ready: bool = False
    root: str = ""
    #: the process's start time as the system counts it (psutil), to tell it from a later process with its pid
    created: float = 0.0
    #: :func:`installation_parts` of the installation that started it
    parts: dict = field(default_factory=dict)

    @property
    def uptime(self) -> float:
        """Seconds since the server started."""
        return time.time() - self.started


_INFO_FIELDS = {f.name for f in fields(ServerInfo)}


def unsupported() -> str | None:
    """Why a warm server cannot run here (a bilingual sentence), or None."""
    if os.name != "posix" or not hasattr(os, "fork"):
        return "此系统不支持（没有 fork）/ not available on this system (no fork)"
    from multiprocessing import forkserver, popen_forkserver
    params = list(inspect.signature(forkserver.main).parameters)
    if params != ["listener_fd", "alive_r", "preload", "main_path", "sys_path"] or \
            not hasattr(popen_forkserver.Popen, "_launch"):
        return (f"此 Python 版本的 forkserver 协议不同 / Python {sys.version.split()[0]}'s forkserver "
                "protocol differs from the one nianbao knows")
    return None


def server_dir() -> Path:
    """The folder of the servers' sockets and descriptions: ``$NIANBAO_WARM_DIR``
    or ``<temp>/nianbao-warm-<uid>``, made with mode 0700.  Raises
    ``PermissionError`` when it belongs to another user or others can open
    it, ``OSError`` where no warm server can run (:func:`unsupported`)."""
    why = unsupported()
    if why:
        raise OSError(why)
    d = Path(os.environ.get(DIR_ENV) or Path(tempfile.gettempdir()) / f"nianbao-warm-{os.getuid()}").absolute()
    if os.path.lexists(d) and (os.path.islink(d) or not os.path.isdir(d)):
        raise PermissionError(f"不安全的文件夹 / unsafe folder for the warm server: {d} "
                              f"({'a symbolic link' if os.path.islink(d) else 'not a folder'}; "
                              f"set {DIR_ENV} to a folder of this user, mode 0700)")
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"常驻预热进程的文件夹无法创建 / cannot make the warm server's folder {d} "
                      f"({e.strerror}; set {DIR_ENV} to a folder of this user)") from None
    st = os.lstat(d)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise PermissionError(f"不安全的文件夹 / unsafe folder for the warm server: {d} "
                              "(must be this user's, mode 0700)")
    return d


def installation_key(parts: dict[str, str] | None = None) -> str:
    """16 hex digits over what a warm worker's results depend on (the
    :func:`installation_parts`, computed now unless given)."""
    import hashlib
    parts = installation_parts() if parts is None else parts
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()[:16]


def installation_parts() -> dict[str, str]:
    """What a warm worker's results depend on, part by part, each as 8 hex
    digits: ``python`` (executable, version), ``libraries`` (the
    distributions installed in its site-packages: their ``*.dist-info``
    names carry the versions, so an install, upgrade or removal changes
    it), ``code`` (nianbao's folder and code files: path, size, mtime) and
    ``rules`` (the rules digest).  A server keeps its parts in its
    description, so that ``warm status`` can say which of them changed."""
    import hashlib

    import nianbao
    from nianbao.ingest.warm import rules_now
    root = Path(nianbao.__file__).resolve().parent
    stamps = []
    for folder in (root, *(root / sub for sub in _SUBPACKAGES)):
        for p in sorted(folder.glob("*.py")):
            st = p.stat()
            stamps.append((str(p), st.st_size, st.st_mtime_ns))
    parts = {"python": (sys.executable, sys.version), "libraries": _installed(),
             "code": (str(root), stamps), "rules": rules_now()}
    return {k: hashlib.sha256(repr(v).encode()).hexdigest()[:8] for k, v in parts.items()}


#: the parts of :func:`installation_parts`, named for ``warm status``
PART_NAMES = {"python": "Python", "libraries": "已安装的库 installed libraries",
              "code": "nianbao 代码 code", "rules": "规则 rules"}


def changed_parts(info: "ServerInfo", parts: dict[str, str]) -> list[str]:
    """The names (:data:`PART_NAMES`) of the parts in which the server
    ``info`` differs from ``parts`` (this installation now); empty for a
    server whose description keeps no parts (started by an older nianbao)."""
    if not info.parts:
        return []
    return [PART_NAMES.get(k, k) for k in parts if info.parts.get(k) != parts[k]]


def _installed() -> list[tuple[str, list[str]]]:
    """(site-packages folder, its distributions' metadata folder names) for this Python."""
    import site
    folders = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    out = []
    for f in dict.fromkeys(folders):
        try:
            out.append((f, sorted(n for n in os.listdir(f) if n.endswith((".dist-info", ".egg-info", ".egg-link")))))
        except OSError:
            pass
    return out


def is_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process of this user (an exited child
    not yet reaped — a zombie — is not)."""
    import psutil
    try:
        os.kill(pid, 0)
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, PermissionError, psutil.Error):   # gone, or another user's pid
        return False


def server_state(info: ServerInfo) -> str | None:
    """The state (psutil's ``status()``: ``running``, ``sleeping``, ``stopped`` …)
    of the process ``info`` describes, or None when that process is gone —
    exited, a zombie, another user's, or a later process that got its pid
    (its start time or command line is not the server's)."""
    import psutil
    try:
        p = psutil.Process(info.pid)
        state = p.status()
        if state in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return None
        if info.created and abs(p.create_time() - info.created) > 1.0:
            return None
        if not any("nianbao.ingest.resident" in a for a in p.cmdline()):
            return None
        return state
    except psutil.Error:
        return None


def usable(info: ServerInfo) -> bool:
    """A server an ingest may ask for workers: warm and not stopped (SIGSTOP)."""
    import psutil
    return info.ready and server_state(info) not in (None, psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)


def _read_info(path: Path) -> ServerInfo | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = ServerInfo(**{k: v for k, v in data.items() if k in _INFO_FIELDS})   # a newer nianbao's: its fields
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return info if server_state(info) is not None and os.path.exists(info.socket) else None


def servers() -> list[ServerInfo]:
    """Every running warm server of this user (any installation); the
    descriptions of dead ones are removed."""
    if unsupported():
        return []
    out = []
    for path in sorted(server_dir().glob("*.json")):
        info = _read_info(path)
        if info is None:
            _remove(path.with_suffix(""))
        else:
            out.append(info)
    return out


def find(key: str | None = None) -> ServerInfo | None:
    """The ready server for this installation (``key``: :func:`installation_key`), or None."""
    if unsupported() or _REFUSED:
        return None
    try:
        d = server_dir()
    except OSError:
        return None
    info = _read_info(d / f"{key or installation_key()}.json")
    global SKIPPED
    SKIPPED = None
    if info is not None and not usable(info):
        SKIPPED = (info, "warming up" if not info.ready else "paused")
        return None
    return info


def _remove(stem: Path, *, log: bool = False) -> None:
    for suffix in (".json", ".sock", *((".log",) if log else ())):
        try:
            os.unlink(str(stem) + suffix)
        except OSError:
            pass


def start(idle: float = IDLE_SECONDS) -> tuple[ServerInfo, bool]:
    """Start this installation's warm server, detached, and wait until it is
    warm.  Returns (its description, whether it was started now: False when
    one was running already).  Raises ``RuntimeError`` (bilingual) when it
    cannot run here or did not become ready within :data:`START_WAIT` s."""
    why = unsupported()
    if why:
        raise RuntimeError(why)
    parts = installation_parts()
    key = installation_key(parts)
    d = server_dir()
    with _start_lock(d, key):           # two `warm start` at once: the second finds the first
        running = find(key)
        if running:
            return running, False
        _refuse_if_paused(d, key)
        return _spawn_server(d, key, idle, parts), True


@contextmanager
def _start_lock(d: Path, key: str):
    """An exclusive lock on ``<key>.lock`` while a server of ``key`` is started."""
    import fcntl
    with open(d / f"{key}.lock", "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _refuse_if_paused(d: Path, key: str) -> None:
    """A paused (SIGSTOP) server of this key: say so rather than start a second one beside it."""
    info = _read_info(d / f"{key}.json")
    if info is not None and info.ready and not usable(info):
        raise RuntimeError(f"本安装的常驻预热进程已暂停 / this installation's warm server is paused (pid {info.pid}): "
                           f"resume it (kill -CONT {info.pid}) or stop it (nianbao warm stop)")


def _spawn_server(d: Path, key: str, idle: float, parts: dict[str, str]) -> ServerInfo:
    """Start the server process detached and wait until it describes itself as ready."""
    if len(str(d / f"{key}.sock")) > 100:     # AF_UNIX paths are limited to ≈ 104–108 bytes
        raise RuntimeError(f"文件夹路径太长 / folder path too long for a socket: {d} (set {DIR_ENV} to a shorter one)")
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")     # as the pool sets them before a forkserver (one thread per worker)
    # the server imports what this process imports (a checkout run as `python pipeline.py`
    # included), and runs in its own folder, so no file where `warm start` ran can shadow a module
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    log = open(d / f"{key}.log", "wb")
    with log:
        code = (f"from nianbao.ingest.resident import serve; "
                f"serve({str(d)!r}, {key!r}, float({str(float(idle))!r}), {json.dumps(parts)!r})")
        proc = subprocess.Popen([sys.executable, "-c", code],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=str(d),
                                start_new_session=True, close_fds=True)
    return _wait_ready(d, key, proc)


def _wait_ready(d: Path, key: str, proc: subprocess.Popen) -> ServerInfo:
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        info = _read_info(d / f"{key}.json")
        if info is not None and info.ready and info.pid == proc.pid:
            return info
        if proc.poll() is not None:
            if proc.returncode == 128 + signal.SIGTERM:    # `warm stop` during its warm-up (its log is gone too)
                raise RuntimeError("常驻预热进程在预热时被停止（warm stop）/ the warm server was stopped while "
                                   "warming up (warm stop)")
            try:
                tail = (d / f"{key}.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            except OSError:
                tail = []
            raise RuntimeError(f"常驻预热进程启动失败 / the warm server did not start (exit {proc.returncode}"
                               f"{': ' + tail[0] if tail else ''})")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"常驻预热进程 {START_WAIT:.0f} 秒内未就绪 / the warm server was not ready within "
                       f"{START_WAIT:.0f} s")


def stop(every: bool = True) -> list[int]:
    """Stop the warm servers of this user (``every``) or only this
    installation's — every server started from this installation's folder,
    whatever rules it read; returns their pids.  The workers a server forked end
    with it; an ingest that was using them goes on with its own forkserver
    (the files they held go back to its queue).  Only a process that is
    still the described server is signalled (:func:`server_state`)."""
    root = None if every else str(Path(__file__).resolve().parent.parent)
    stopped = []
    for info in servers():
        if (root is None or info.root == root) and info.pid != os.getpid():
            try:
                os.kill(info.pid, signal.SIGTERM)
                os.kill(info.pid, signal.SIGCONT)     # a stopped (SIGSTOP) server acts on it now
                stopped.append(info.pid)
            except OSError:
                pass
            _remove(Path(info.socket).with_suffix(""), log=True)
    return stopped


# -- the client side: a multiprocessing context whose processes the server forks ----------
try:
    import io
    from multiprocessing import context as _mpc
    from multiprocessing import forkserver as _forkserver
    from multiprocessing import popen_forkserver as _popen_forkserver
    from multiprocessing import reduction as _reduction
    from multiprocessing import resource_tracker as _resource_tracker
    from multiprocessing import spawn as _spawn
    from multiprocessing import util as _util
except ImportError:       # no forkserver here (Windows): unsupported() says so
    _popen_forkserver = None

#: the warm server this process's workers are forked from (set by :func:`context`)
_SERVER = None


def context(info: ServerInfo):
    """A multiprocessing context (``Pipe``, ``Process``) whose processes are
    forked by the warm server ``info``."""
    global _SERVER
    if _SERVER is None or _SERVER.info != info:
        _SERVER = _Server(info)
    return _Context()


if _popen_forkserver is not None:
    class _Server(_forkserver.ForkServer):
        """The client's end of a running warm server."""

        def __init__(self, info: ServerInfo) -> None:
            super().__init__()
            self.info = info
            self._forkserver_address = info.socket
            # the workers' sentinel of this process: the read end of a pipe whose
            # write end this process holds until it exits
            self._forkserver_alive_fd, self._keep_w = os.pipe()

        def ensure_running(self) -> None:   # the server runs already: only the resource tracker here
            _resource_tracker.ensure_running()

    class _Popen(_popen_forkserver.Popen):
        def _launch(self, process_obj):     # popen_forkserver.Popen._launch, with the warm server
            prep_data = _spawn.get_preparation_data(process_obj._name)
            buf = io.BytesIO()
            _mpc.set_spawning_popen(self)
            try:
                _reduction.dump(prep_data, buf)
                _reduction.dump(process_obj, buf)
            finally:
                _mpc.set_spawning_popen(None)
            # the caller's stdout and stderr go last: the worker writes where a
            # worker of its own forkserver would (worker_entry)
            self.sentinel, w = _SERVER.connect_to_new_process(self._fds + _std_fds())
            _parent_w = os.dup(w)
            self.finalizer = _util.Finalize(self, _util.close_fds, (_parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            from multiprocessing.connection import wait
            if not wait([self.sentinel], ANSWER_SECONDS):   # a hung server: the caller uses its own
                self.finalizer()
                raise OSError(f"常驻预热进程 {ANSWER_SECONDS:.0f} 秒内未应答 / the warm server did not answer "
                              f"within {ANSWER_SECONDS:.0f} s")
            self.pid = _forkserver.read_signed(self.sentinel)

        def wait(self, timeout=None):
            """As multiprocessing's, except that a worker of a server that is
            paused or gone is not waited for: only the server can report
            how it ended (the exit-time join of every child would hang)."""
            if self.returncode is None and not self.server_lost and timeout != 0.0:
                from multiprocessing.connection import wait
                if not wait([self.sentinel], 0) and not usable(_SERVER.info):
                    self.returncode, self.server_lost = 255, True
            return super().wait(timeout)

        def poll(self, flag=os.WNOHANG):
            """The exit code the server reports; 255 and ``server_lost`` when
            the server went away before reporting it."""
            if self.returncode is None and not self.server_lost:
                from multiprocessing.connection import wait
                if not wait([self.sentinel], 0 if flag == os.WNOHANG else ANSWER_SECONDS):
                    if flag == os.WNOHANG:
                        return None
                    self.returncode, self.server_lost = 255, True     # a hung server: not waited for
                    return self.returncode
                try:
                    self.returncode = _forkserver.read_signed(self.sentinel)
                except (OSError, EOFError):
                    self.returncode, self.server_lost = 255, True
            return self.returncode

        server_lost = False

    class _Process(_mpc.ForkServerProcess):
        @staticmethod
        def _Popen(process_obj):
            return _Popen(process_obj)

        @property
        def server_lost(self) -> bool:
            """Whether the warm server stopped before telling how this process ended."""
            self.is_alive()
            return bool(getattr(self._popen, "server_lost", False))

    class _Context(_mpc.ForkServerContext):
        @property
        def resident(self) -> ServerInfo:
            """The warm server this context's processes come from."""
            return _SERVER.info

        def Process(self, *, target, args=(), **kw):   # noqa: N802 - multiprocessing's name
            return _Process(target=worker_entry, args=(dict(os.environ), target, *args), **kw)


def _std_fds() -> list[int]:
    """This process's stdout and stderr (the null device for one that is closed)."""
    return [fd if _fd_open(fd) else os.open(os.devnull, os.O_WRONLY) for fd in (1, 2)]


def refused() -> None:
    """The server refused a worker (it died, its socket is gone): this
    process uses none from now on."""
    global _REFUSED
    _REFUSED = True


def worker_entry(env: dict, target, *args):
    """A worker forked by the server: the caller's environment, then ``target``."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    out, err = _forkserver.get_inherited_fds()[-2:]
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None          # the caller's TMPDIR, not the one the server found at warm-up
    return target(*args)


# -- the server side -------------------------------------------------------------------
def serve(d: str | Path, key: str, idle: float, parts: str = "{}") -> None:
    """Run the warm server: warm this process (:func:`nianbao.ingest.warm.preload`),
    describe it in ``<key>.json`` (with ``parts``, the JSON of the
    :func:`installation_parts` ``key`` was made from), then fork workers on
    request until idle."""
    import socket

    from multiprocessing import forkserver
    from nianbao.ingest import warm
    d = Path(d)
    sock = d / f"{key}.sock"
    stem = d / key
    other = _read_info(Path(str(stem) + ".json"))
    if other is not None and other.pid != os.getpid():
        raise SystemExit(f"another warm server of this installation runs (pid {other.pid})")
    _remove(stem)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock))
    os.chmod(sock, 0o600)
    listener.listen()
    import psutil
    info = ServerInfo(pid=os.getpid(), key=key, socket=str(sock), idle=idle, started=time.time(),
                      root=str(Path(__file__).resolve().parent.parent), created=psutil.Process().create_time(),
                      parts=json.loads(parts))
    _describe(stem, info)
    alive_r, alive_w = os.pipe()
    signal.signal(signal.SIGTERM, _exit_on_signal)   # `warm stop` during the warm-up: its temp files go too
    try:
        warm.preload()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _fork_once()
    _describe(stem, ServerInfo(**{**asdict(info), "ready": True}))
    _watch_idle(idle, alive_w)
    try:
        forkserver.main(listener.detach(), alive_r, [])
    finally:
        _remove_own(stem)           # a clean exit; after a crash the log stays


def _fork_once() -> None:
    """Fork one child that exits at once, before the server says it is
    ready.  Measured on this project's machine: the first ingest after
    `warm start` was ≈ 0.3 s slower than the next ones on the 60-report
    bench archive (6.2–6.6 s against 5.8–6.2 s, with more user CPU in its
    workers); after one fork done here the first ingest took 6.0–6.2 s
    (four fresh servers each way).  Costs ≈ 10 ms once."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _remove_own(stem: Path) -> None:
    """Remove the description, socket and log of this server — not those of
    another server that has taken the key since."""
    try:
        pid = json.loads(Path(str(stem) + ".json").read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        pid = os.getpid()
    if pid == os.getpid():
        _remove(stem, log=True)


def _describe(stem: Path, info: ServerInfo) -> None:
    tmp = Path(f"{stem}.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
    os.replace(tmp, str(stem) + ".json")


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _watch_idle(idle: float, alive_w: int) -> None:
    """Every few seconds (a timer signal: no thread in a process that forks),
    close ``alive_w`` once no worker has been alive for ``idle`` seconds: the
    forkserver loop then sees its end and exits."""
    import math

    import psutil
    if not math.isfinite(idle):
        return                  # --idle inf: only `nianbao warm stop` ends it
    me = psutil.Process()
    last = [time.monotonic()]

    def tick(*_):
        if me.children():
            last[0] = time.monotonic()
        elif time.monotonic() - last[0] > idle and _fd_open(alive_w):
            os.close(alive_w)

    signal.signal(signal.SIGALRM, tick)
    period = max(0.2, min(5.0, idle / 4))
    signal.setitimer(signal.ITIMER_REAL, period, period)
