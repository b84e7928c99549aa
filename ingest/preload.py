"""Imported by the worker pool's forkserver before it forks workers: warms
it once (:func:`nianbao.ingest.warm.preload`).  Import nothing from here.

Ctrl-C at a terminal reaches the forkserver too (it is in the command's
process group); the command handles it and the forkserver ends with the
command, so it ignores SIGINT — as Python's forkserver does right after
this import — instead of printing a traceback from the middle of its
warm-up.  SIGTERM during the warm-up (``timeout`` signals the whole
group) ends it through its ``finally`` blocks, so the warm-up's temporary
files go with it; afterwards SIGTERM acts as usual."""
import signal


def _exit(signum, frame):
    raise SystemExit(128 + signum)


signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, _exit)
try:
    from nianbao.ingest.warm import preload  # noqa: E402

    preload()
finally:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
