"""Test-only fault injection for the worker pool's watchdog: a task runner
that misbehaves on chosen files, put in place of ``run_task`` with
monkeypatch.  The pool hands its runner to the worker processes by
reference, so they import this module; nothing here ships in nianbao."""
from __future__ import annotations

import functools
import os
import time

from nianbao.ingest import workers


def faulty_runner(faults: dict[str, str]):
    """A picklable runner: for a file whose name contains a key of ``faults``,
    the parser is replaced by that fault (``hang``, ``memory``, ``crash``,
    ``parser_memory``: a MemoryError raised inside the Word parser);
    everything else is the real :func:`nianbao.ingest.workers.run_task`."""
    return functools.partial(_run, tuple(sorted(faults.items())))


def _run(faults: tuple, task):
    base = task.display.replace("\\", "/").rsplit("/", 1)[-1]
    kind = next((k for name, k in faults if name in base), None)
    if kind == "parser_memory":          # a MemoryError inside the real parser, below its own handlers
        return _with_parser_memory_error(task)
    fault = {"hang": _hang, "memory": _eat_memory, "crash": _crash}.get(kind)
    if fault is None:
        return workers.run_task(task)
    real = workers.process_file
    workers.process_file = fault        # inside the real task, where the real handlers are
    try:
        return workers.run_task(task)
    finally:
        workers.process_file = real


def _hang(*a, **k):
    while True:                          # until the watchdog kills the worker
        time.sleep(1)


def _crash(*a, **k):
    os.kill(os.getpid(), 9)


def _eat_memory(*a, **k):
    """Allocate until the worker's address-space limit raises MemoryError."""
    import resource
    if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
        raise AssertionError("the worker has no memory limit")
    hog = []
    while True:
        hog.append(bytearray(64 << 20))


def _with_parser_memory_error(task):
    from nianbao.ingest import docx_parser

    def oom(*a, **k):
        raise MemoryError
    real = docx_parser._parse
    docx_parser._parse = oom
    try:
        return workers.run_task(task)
    finally:
        docx_parser._parse = real
