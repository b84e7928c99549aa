"""nianbao 年报 — read vocational schools' annual quality reports
(职业教育质量年度报告) into one SQLite database.

The front door, in the manner of pdfplumber and sqlite-utils::

    >>> import nianbao
    >>> doc = nianbao.parse("report.pdf")          # ingest: one document model
    >>> doc.headings()[1].title
    '基本情况'
    >>> facts = nianbao.extract(doc)               # extractors: figures with provenance
    >>> facts.metrics[0].metric, facts.metrics[0].value, facts.metrics[0].prov.page
    ('land_area', 145334.06, 2)
    >>> db = nianbao.Database("reports.db")        # store: ingest folders, query

This file is the package root: the repository's top-level folders
(``ingest/``, ``extractors/``, ``rules/``, ``review/``, ``store/`` …) are its
subpackages (``nianbao.ingest`` …), mapped by ``pyproject.toml``; see
``docs/api.md``.  Names are
imported lazily so that ``import nianbao`` stays cheap in worker processes.
"""
from __future__ import annotations

__version__ = "0.2.0"

_LAZY = {
    "parse": ("nianbao.ingest", "parse"),
    "Document": ("nianbao.ingest.model", "Document"),
    "IngestError": ("nianbao.ingest.errors", "IngestError"),
    "Facts": ("nianbao.extractors.facts", "Facts"),
    "Database": ("nianbao.database", "Database"),
    "Progress": ("nianbao.ingest.batch", "Progress"),
    "RunLocked": ("nianbao.ingest.workers", "RunLocked"),
    "StorageError": ("nianbao.store.errors", "StorageError"),
    "CorrectionError": ("nianbao.store.correction_target", "CorrectionError"),
    "OutputError": ("nianbao.export.output_file", "OutputError"),
}

__all__ = ["__version__", "extract", *_LAZY]


def extract(doc, *, review: bool = True):
    """The facts of one parsed document (:func:`nianbao.parse`): a
    :class:`nianbao.extractors.facts.Facts` with ``attributes`` (school,
    level, region, covered ``year``), ``metrics`` (value in the catalog unit,
    year it refers to, page, section, sentence, rule), ``awards`` and
    ``flags`` (``conflict``; with ``review`` also the outline and
    contradiction checks of ``rules/pipeline.yaml``).  What runs is
    ``rules/pipeline.yaml``; the rules are the YAML files of ``rules/``."""
    if review:
        from nianbao.review import extract_and_review
        return extract_and_review(doc)
    from nianbao.extractors.extract import extract as run
    return run(doc)


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'nianbao' has no attribute {name!r}") from None
    import importlib
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
