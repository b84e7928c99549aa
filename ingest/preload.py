"""Imported by the worker pool's forkserver before it forks workers: warms
it once (:func:`nianbao.ingest.warm.preload`).  Import nothing from here."""
from nianbao.ingest.warm import preload

preload()
