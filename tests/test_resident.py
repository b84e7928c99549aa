"""The warm server (``nianbao warm start``, ingest/resident.py): workers
forked from a warmed process kept between commands — same results, the
caller's environment, never in the way when it is gone."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from nianbao.ingest import resident
from nianbao.ingest import workers

from conftest import CORPUS, ROOT

pytestmark = pytest.mark.skipif(resident.unsupported() is not None, reason="no forkserver here")

REPORTS = CORPUS / "reports"


@pytest.fixture
def warm_dir(monkeypatch):
    """A private folder for the servers of one test (short: a socket path
    has a length limit); every server in it is stopped afterwards."""
    d = tempfile.mkdtemp(prefix="nbw-")
    monkeypatch.setenv(resident.DIR_ENV, d)
    monkeypatch.setattr(resident, "_REFUSED", False)
    monkeypatch.setattr(resident, "_SERVER", None)
    yield Path(d)
    resident.stop()
    shutil.rmtree(d, ignore_errors=True)


def nianbao(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env or os.environ.copy())


def facts(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT d.path, m.metric, m.value, m.unit, m.year, m.page FROM metrics m "
                           "JOIN documents d ON d.id = m.document_id ORDER BY 1, 2, 3, 5, 6").fetchall()


def gone(pid: int, within: float = 60.0) -> bool:
    """Whether process ``pid`` ended (waiting up to ``within`` seconds for it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not resident.is_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_ingest_forks_its_workers_from_the_warm_server_with_the_same_results(warm_dir, tmp_path):
    started = nianbao("warm", "start", "--idle", "120")
    assert started.returncode == 0, started.stderr
    info = resident.find()
    assert info is not None and info.ready and f"pid {info.pid}" in started.stdout
    run = nianbao("ingest", str(REPORTS), "--db", str(tmp_path / "warm.db"), "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"warm server (pid {info.pid})" in run.stderr + run.stdout
    plain = nianbao("ingest", str(REPORTS), "--db", str(tmp_path / "plain.db"), "--workers", "0")
    assert plain.returncode == 0
    assert facts(tmp_path / "warm.db") == facts(tmp_path / "plain.db") != []
    # the same server is reported, not a second one
    again = nianbao("warm", "start")
    assert "already running" in again.stdout and len(resident.servers()) == 1
    stopped = nianbao("warm", "stop")
    assert str(info.pid) in stopped.stdout and gone(info.pid)
    assert "no warm server" in nianbao("warm", "status").stdout


def _report_env(path: str) -> None:
    """Runs in a worker: write what the worker sees of its environment and folder."""
    Path(path).write_text(json.dumps({"var": os.environ.get("NIANBAO_TEST_VAR"), "cwd": os.getcwd(),
                                      "parent": os.getppid(), "tmp": tempfile.gettempdir()}), encoding="utf-8")


def test_a_worker_gets_the_callers_environment_and_folder(warm_dir, tmp_path, monkeypatch):
    info, _ = resident.start(idle=120)
    monkeypatch.setenv("NIANBAO_TEST_VAR", "从调用方来 from the caller")
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))     # the server found another at its warm-up
    monkeypatch.chdir(tmp_path)
    ctx = workers._resident_context()
    assert ctx is not None and ctx.resident.pid == info.pid
    out = tmp_path / "env.json"
    with workers._main_module_hidden():
        p = ctx.Process(target=_report_env, args=(str(out),), daemon=True)
        p.start()
    p.join(60)
    assert p.exitcode == 0
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen == {"var": "从调用方来 from the caller", "cwd": str(tmp_path), "parent": info.pid,
                    "tmp": str(tmp_path / "tmp")}


def _fake_server(warm_dir: Path, key: str, code: str) -> subprocess.Popen:
    """A process that looks like a warm server (its command line names
    nianbao.ingest.resident) running ``code``, described as ready."""
    import psutil
    proc = subprocess.Popen([sys.executable, "-c", f"# nianbao.ingest.resident\n{code}"])
    _wait_exec(proc.pid)
    (warm_dir / f"{key}.json").write_text(json.dumps({
        "pid": proc.pid, "key": key, "socket": str(warm_dir / f"{key}.sock"), "idle": 60,
        "started": time.time(), "ready": True, "created": psutil.Process(proc.pid).create_time()}),
        encoding="utf-8")
    return proc


def _wait_exec(pid: int) -> None:
    """Until the new process's command line is readable (just after the fork it is empty)."""
    import psutil
    deadline = time.monotonic() + 30
    while not psutil.Process(pid).cmdline() and time.monotonic() < deadline:
        time.sleep(0.01)


def _two_reports(db: Path, progress=None):
    from nianbao.ingest.batch import ingest_paths
    return ingest_paths([REPORTS / "A_zhongzhi_2023.docx", REPORTS / "B_gaozhi_2023.docx"], db, workers=2,
                        progress=progress)


def _falls_back(proc: subprocess.Popen, db: Path) -> None:
    """With ``proc`` posing as this installation's server, an ingest of two
    reports reads both with its own forkserver."""
    try:
        assert resident.find() is not None
        summary = _two_reports(db)
    finally:
        proc.kill()
        proc.wait()
    assert not summary.failed and len(summary.ingested) == 2
    assert resident._REFUSED


def test_a_dead_or_refusing_server_is_not_in_the_way(warm_dir, tmp_path):
    key = resident.installation_key()
    # a description whose process is gone: ignored and cleaned up
    (warm_dir / f"{key}.json").write_text(json.dumps({
        "pid": 2 ** 22 + 12345, "key": key, "socket": str(warm_dir / f"{key}.sock"), "idle": 60,
        "started": time.time(), "ready": True}), encoding="utf-8")
    (warm_dir / f"{key}.sock").write_text("")
    assert resident.find() is None and resident.servers() == []
    assert not (warm_dir / f"{key}.json").exists()
    # a live server process behind a socket that refuses: the ingest falls back
    # to its own forkserver and reads every file
    proc = _fake_server(warm_dir, key, "import time; time.sleep(120)")
    (warm_dir / f"{key}.sock").write_text("")
    _falls_back(proc, tmp_path / "fallback.db")


def test_a_server_still_warming_up_is_skipped_and_the_run_says_so(warm_dir):
    """A server described as not ready yet (its warm-up runs): not used, and
    the start line of the run names it instead of suggesting `warm start`."""
    import io

    from nianbao.cli.render import ProgressReporter
    from nianbao.ingest.batch import Progress
    key = resident.installation_key()
    proc = _fake_server(warm_dir, key, "import time; time.sleep(120)")
    try:
        desc = warm_dir / f"{key}.json"
        desc.write_text(json.dumps({**json.loads(desc.read_text(encoding="utf-8")), "ready": False}),
                        encoding="utf-8")
        (warm_dir / f"{key}.sock").write_text("")
        assert resident.find() is None
        info, why = resident.SKIPPED
        assert (info.pid, why) == (proc.pid, "warming up")
        shown = io.StringIO()
        ProgressReporter(shown)(Progress(kind="workers", workers=2, warm_skipped=info.pid, warm_skipped_why=why))
        assert f"pid {proc.pid}" in shown.getvalue() and "still warming up" in shown.getvalue()
        assert "warm start" not in shown.getvalue()
    finally:
        proc.kill()
        proc.wait()
    assert resident.find() is None and resident.SKIPPED is None     # gone: nothing skipped


def test_a_reused_pid_is_never_taken_for_the_server(warm_dir):
    """The server died uncleanly and its pid now belongs to another process:
    not listed, not used, never signalled by `warm stop`."""
    key = resident.installation_key()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (warm_dir / f"{key}.json").write_text(json.dumps({
            "pid": other.pid, "key": key, "socket": str(warm_dir / f"{key}.sock"), "idle": 60,
            "started": time.time(), "ready": True}), encoding="utf-8")
        (warm_dir / f"{key}.sock").write_text("")
        assert resident.find() is None
        assert resident.stop() == [] and other.poll() is None
        assert not (warm_dir / f"{key}.json").exists()
    finally:
        other.kill()
        other.wait()


def test_a_server_that_does_not_answer_is_left_after_a_time_limit(warm_dir, tmp_path, monkeypatch):
    """A server that accepts the request and never answers (hung): the
    worker request gives up after ANSWER_SECONDS and the run uses its own
    forkserver; no file fails."""
    key = resident.installation_key()
    sock = warm_dir / f"{key}.sock"
    proc = _fake_server(warm_dir, key, "import socket, time\n"
                        f"s = socket.socket(socket.AF_UNIX); s.bind({str(sock)!r}); s.listen(8)\n"
                        "held = []\nwhile True: held.append(s.accept())")
    monkeypatch.setattr(resident, "ANSWER_SECONDS", 1.0)
    deadline = time.monotonic() + 30
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _falls_back(proc, tmp_path / "hung.db")


def test_a_paused_server_is_not_used_and_can_be_stopped(warm_dir, tmp_path):
    """SIGSTOP on the server (a paused job): ingest does not wait for it and
    says why its workers warm themselves (not "run `warm start`", which
    would refuse), `warm status` says so, `warm stop` still ends it."""
    import io
    import signal

    from nianbao.cli.render import ProgressReporter
    info, _ = resident.start(idle=120)
    os.kill(info.pid, signal.SIGSTOP)
    try:
        assert resident.find() is None and [s.pid for s in resident.servers()] == [info.pid]
        events = []
        summary = _two_reports(tmp_path / "paused.db", progress=events.append)
        assert not summary.failed and len(summary.ingested) == 2
        started = next(e for e in events if e.kind == "workers")
        assert (started.warm_server, started.warm_skipped, started.warm_skipped_why) == (0, info.pid, "paused")
        shown = io.StringIO()
        ProgressReporter(shown)(started)
        assert f"pid {info.pid}" in shown.getvalue() and "paused" in shown.getvalue()
        assert "warm start" not in shown.getvalue(), shown.getvalue()
        r = nianbao("warm", "status")
        assert r.returncode == 0 and "paused" in r.stdout, r.stdout
    finally:
        assert resident.stop() == [info.pid]
    assert gone(info.pid)


def test_another_installation_or_older_rules_get_their_own_server(warm_dir):
    info, _ = resident.start(idle=120)
    assert resident.find(info.key) is not None
    assert resident.find("0" * 16) is None      # another key: code, rules or Python differ


def test_status_says_what_changed_since_a_server_started(warm_dir, monkeypatch):
    """A server of this installation whose rules (or code, libraries,
    Python) changed since it started is not used; `warm status` says which."""
    from click.testing import CliRunner

    from nianbao.pipeline import cli
    info, _ = resident.start(idle=120)
    now = resident.installation_parts()
    assert info.parts == now and info.key == resident.installation_key(now)
    shown = CliRunner().invoke(cli, ["warm", "status"]).output
    assert f"pid {info.pid}  本安装 this installation" in shown
    edited = {**now, "rules": "0" * 8}               # as after an edit in rules/
    monkeypatch.setattr(resident, "installation_parts", lambda: edited)
    assert resident.find() is None                   # not used
    shown = CliRunner().invoke(cli, ["warm", "status"]).output
    assert "not used" in shown and "changed: 规则 rules (" in shown and "code" not in shown.split("changed:")[1]
    older = {**resident.asdict(info), "parts": {}}   # described by an older nianbao: no parts
    assert resident.changed_parts(resident.ServerInfo(**older), edited) == []


def test_the_server_exits_when_idle(warm_dir):
    info, started = resident.start(idle=1)
    assert started
    assert gone(info.pid), "the warm server should exit after 1 s without workers"
    assert resident.servers() == []


def test_the_folder_must_be_private(tmp_path, monkeypatch):
    d = tmp_path / "open"
    d.mkdir(mode=0o777)
    d.chmod(0o777)
    monkeypatch.setenv(resident.DIR_ENV, str(d))
    with pytest.raises(PermissionError, match="0700"):
        resident.server_dir()
    assert resident.find() is None


def test_a_server_stopped_during_a_run_loses_no_file(warm_dir):
    """`nianbao warm stop` while an ingest runs: the files its workers held go
    back to the queue and are read by workers of the run's own forkserver."""
    info, _ = resident.start(idle=120)
    files = sorted(p for p in REPORTS.iterdir() if p.suffix in (".docx", ".txt"))[:4]
    results = []

    def on_result(task, ctx, out):
        results.append((task.display, out.status, out.error))
        if len(results) == 1:
            resident.stop()                      # the server goes; its worker's exit code with it

    lost = []
    with workers.WorkerPool(1, on_result, on_warm_lost=lost.append) as pool:
        for f in files:
            pool.submit(workers.Task(display=str(f), path=str(f), sha256=f.name, size=f.stat().st_size))
        pool.drain()
    assert gone(info.pid) and lost == [info.pid]      # told once, with the server's pid
    assert sorted(d for d, _, _ in results) == sorted(map(str, files))
    assert [(s, e) for _, s, e in results] == [("ok", None)] * len(files)
    assert resident._REFUSED and pool.started >= 2


def test_a_run_says_when_its_warm_server_stops(warm_dir, tmp_path):
    """The warm server stopped in the middle of `nianbao ingest`: the run says
    so in one line (its own workers warm first, a few seconds) and still
    stores every file."""
    import io

    import nianbao
    from nianbao.cli.render import ProgressReporter
    info, _ = resident.start(idle=120)
    files = sorted(str(p) for p in REPORTS.iterdir() if p.suffix in (".docx", ".txt"))[:4]
    stream = io.StringIO()
    shown = ProgressReporter(stream)

    def progress(ev):
        shown(ev)
        if ev.kind == "ingested" and ev.done == 1:
            resident.stop()                      # `nianbao warm stop` from another console

    summary = nianbao.Database(tmp_path / "n.db").ingest(files, workers=1, progress=progress)
    assert gone(info.pid)
    lines = stream.getvalue().splitlines()
    assert f"from the warm server (pid {info.pid})" in lines[0]
    lost = [ln for ln in lines if "stopped" in ln]
    assert len(lost) == 1 and f"warm server (pid {info.pid}) stopped" in lost[0] and "已停止" in lost[0]
    assert len(summary.ingested) == len(files) and not summary.failed


def test_where_it_cannot_run_the_commands_say_so(monkeypatch):
    from click.testing import CliRunner

    from nianbao.pipeline import cli
    monkeypatch.setattr(resident, "unsupported", lambda: "此系统不支持（没有 fork）/ not available on this system (no fork)")
    for args in (["warm", "start"], ["warm", "status"]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 1 and "not available on this system" in r.output, r.output
    r = CliRunner().invoke(cli, ["warm", "stop"])
    assert r.exit_code == 0 and "no warm server" in r.output
    assert resident.find() is None and resident.servers() == []


def test_the_key_follows_the_installed_libraries(tmp_path, monkeypatch):
    """pip installing, upgrading or removing a library changes the key (the
    distributions' metadata folders name their versions), so no ingest uses
    a server warmed with the old library."""
    import site
    lib = tmp_path / "site-packages"
    (lib / "pdfplumber-0.11.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(lib)])
    monkeypatch.setattr(site, "ENABLE_USER_SITE", False)
    before = resident.installation_key()
    assert resident.installation_key() == before
    (lib / "pdfplumber-0.11.0.dist-info").rename(lib / "pdfplumber-0.11.9.dist-info")
    assert resident.installation_key() != before


def test_idle_inf_means_until_stopped(warm_dir):
    r = nianbao("warm", "start", "--idle", "inf")
    assert r.returncode == 0 and "never exits by itself" in r.stdout, r.stdout + r.stderr
    info = resident.find()
    assert info is not None and info.idle == float("inf")
    assert nianbao("warm", "start", "--idle", "nan").returncode == 2
    assert resident.stop() == [info.pid] and gone(info.pid)


def test_folder_problems_are_one_line_errors(tmp_path, monkeypatch):
    """`warm status|stop` on a folder others can open, or on a file: a
    clear message and exit 1, never a traceback; a relative folder is made
    absolute (the server runs in its own folder)."""
    bad = tmp_path / "open"
    bad.mkdir(mode=0o755)
    bad.chmod(0o755)
    env = {**os.environ, resident.DIR_ENV: str(bad)}
    for cmd in ("status", "stop"):
        r = nianbao("warm", cmd, env=env)
        assert r.returncode == 1 and "0700" in r.stderr and "Traceback" not in r.stderr, r.stderr
    (tmp_path / "file").write_text("")
    r = nianbao("warm", "status", env={**os.environ, resident.DIR_ENV: str(tmp_path / "file")})
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(resident.DIR_ENV, "rel")
    assert resident.server_dir() == tmp_path / "rel"


def test_stop_ends_this_installations_servers_unless_all(warm_dir):
    """`warm stop` ends the servers started from this installation (whatever
    rules they read); another installation's needs `--all`."""
    import psutil
    other = subprocess.Popen([sys.executable, "-c", "# nianbao.ingest.resident\nimport time; time.sleep(120)"])
    _wait_exec(other.pid)
    try:
        (warm_dir / "0123456789abcdef.json").write_text(json.dumps({
            "pid": other.pid, "key": "0123456789abcdef", "socket": str(warm_dir / "0123456789abcdef.sock"),
            "idle": 60, "started": time.time(), "ready": True, "root": "/elsewhere/nianbao",
            "created": psutil.Process(other.pid).create_time()}), encoding="utf-8")
        (warm_dir / "0123456789abcdef.sock").write_text("")
        info, _ = resident.start(idle=120)
        assert sorted(s.pid for s in resident.servers()) == sorted([info.pid, other.pid])
        r = nianbao("warm", "stop")
        assert r.returncode == 0 and str(info.pid) in r.stdout and str(other.pid) not in r.stdout
        assert gone(info.pid) and other.poll() is None
        r = nianbao("warm", "stop", "--all")
        assert r.returncode == 0 and str(other.pid) in r.stdout
        assert other.wait(30) is not None
    finally:
        other.kill()
        other.wait()


def _servers_in(d: Path) -> list[int]:
    """Pids of every server process serving folder ``d`` (described or not)."""
    import psutil
    out = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if "nianbao.ingest.resident import serve" in cmd and str(d) in cmd:
            out.append(p.pid)
    return out


def test_a_server_paused_during_a_run_does_not_hold_the_run(warm_dir, tmp_path):
    """SIGSTOP on the server while its workers read: the run stores every
    file and exits (it does not wait for exit codes only the paused server
    could report)."""
    import signal
    info, _ = resident.start(idle=120)
    db = tmp_path / "p.db"
    files = [str(p) for p in sorted(REPORTS.glob("*")) if p.suffix in (".pdf", ".docx")]
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "ingest", *files, "--db", str(db), "--workers", "2"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with sqlite3.connect(db) as con:
                    if con.execute("select count(*) from documents").fetchone()[0] >= 1:
                        break
            except sqlite3.Error:
                pass
            time.sleep(0.02)
        os.kill(info.pid, signal.SIGSTOP)
        out, err = proc.communicate(timeout=90)
    finally:
        os.kill(info.pid, signal.SIGCONT)
        proc.kill()
    assert proc.returncode == 0, err
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from documents where status = 'ok'").fetchone()[0] == len(files)


def test_start_beside_a_paused_server_says_so(warm_dir):
    import signal
    info, _ = resident.start(idle=120)
    os.kill(info.pid, signal.SIGSTOP)
    try:
        r = nianbao("warm", "start")
        assert r.returncode == 1 and "paused" in r.stderr and str(info.pid) in r.stderr, r.stderr
        assert _servers_in(warm_dir) == [info.pid]
    finally:
        os.kill(info.pid, signal.SIGCONT)


def test_two_starts_at_once_make_one_server(warm_dir):
    procs = [subprocess.Popen([sys.executable, "-m", "nianbao", "warm", "start", "--idle", "120"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    pids = {int(o.split("pid ")[1].split(",")[0]) for o, _ in outs}
    assert len(pids) == 1 and _servers_in(warm_dir) == list(pids) == [s.pid for s in resident.servers()]


def test_stopped_while_warming_up_says_so(warm_dir):
    """`warm stop` while `warm start` waits for the warm-up: one clear line,
    not a traceback-like 'no such file' about the server's log."""
    start = subprocess.Popen([sys.executable, "-m", "nianbao", "warm", "start"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list(warm_dir.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert nianbao("warm", "stop").returncode == 0
    out, err = start.communicate(timeout=120)
    assert start.returncode == 1, (out, err)
    assert "stopped while warming up" in err and "No such file" not in err, err
