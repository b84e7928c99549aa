"""Warming a process for parsing and extraction, once per run.

The worker pool's forkserver imports :mod:`nianbao.ingest.preload` (which
calls :func:`preload`) before it forks any worker (``set_forkserver_preload``).
So every worker — the first ones and every replacement after a time-out, a
crash or a memory kill — starts from a parent that has imported the parsers,
pypdfium2, pdfplumber and spaCy, loaded jieba's dictionary, read the rules,
built the term matcher and run the whole pipeline once on small documents
of its own — a model built in code, and a PDF and a .docx made at warm-up
(:mod:`nianbao.ingest.warm_files`) — so that nothing is left to load lazily
on the first real file.
The workers share those pages copy-on-write; a worker is ready within
milliseconds of its fork instead of seconds.

The rules are part of the warm state, so a worker checks on start that
``rules/`` is still what the forkserver read (:func:`is_current`); a
long-lived process whose rules were edited since then gets fresh workers
(see ``WorkerPool``).
"""
from __future__ import annotations

import gc

#: the rules digest the warm state was built from (None: this process was not preloaded)
WARMED_RULES: str | None = None


def warm_code() -> None:
    """Import what parsing and extraction use and load what does not depend
    on ``rules/``: cn2an's patterns.  (jieba's dictionary is read with the
    domain words by :func:`warm_rules`, from the warm cache when it can:
    :mod:`nianbao.ingest.warm_cache`.)"""
    import cn2an
    import jieba
    import pdfplumber  # noqa: F401
    import spacy  # noqa: F401
    from spacy.lang.zh import Chinese  # noqa: F401  (the language spacy.blank("zh") builds)

    import nianbao.ingest.docx_parser  # noqa: F401
    import nianbao.ingest.pdf_parser  # noqa: F401
    import nianbao.ingest.txt_parser  # noqa: F401
    import nianbao.store.rows  # noqa: F401
    from nianbao import review  # noqa: F401
    from nianbao.extractors import extract  # noqa: F401
    jieba.setLogLevel(60)
    cn2an.cn2an("三百零七", "normal")


def warm_rules() -> None:
    """Read the rules and build what depends on them (jieba's domain words,
    the metric rules, spaCy's PhraseMatcher, the units, the templates …) by
    extracting from :func:`sample_document` once."""
    from nianbao.extractors.awards import load_award_rules
    from nianbao.review import extract_and_review
    from nianbao.store.compare import display_rules
    from nianbao.store.rows import prepare
    doc = sample_document()
    prepare(doc, extract_and_review(doc))
    # the common words the awards extractor vetoes names with (read from jieba's dictionary file)
    load_award_rules()._common_word("示例")
    # the units' display names a review message may quote (rules/compare.yaml)
    display_rules()


def warm_formats() -> None:
    """Parse, extract and pack a small PDF and a small .docx made here
    (:mod:`nianbao.ingest.warm_files`), so that the parsers' lazy imports
    and patterns are loaded before the first real file (without this the
    first PDF of each worker took about 55 ms more CPU)."""
    import tempfile
    from pathlib import Path

    from nianbao.ingest import parse
    from nianbao.ingest.warm_files import sample_docx, sample_pdf
    from nianbao.review import extract_and_review
    from nianbao.store.rows import prepare
    with tempfile.TemporaryDirectory(prefix="nianbao-warm-") as tmp:
        for make, name in ((sample_pdf, "warm-up.pdf"), (sample_docx, "warm-up.docx")):
            doc = parse(make(Path(tmp) / name))
            prepare(doc, extract_and_review(doc))


def warm_up() -> None:
    """All three: a process ready to read its first file at full speed."""
    warm_code()
    warm_rules()
    warm_formats()


def sample_document():
    """A small report of our own words with a heading, a sentence with
    figures and an appendix table: enough to load every rule once."""
    from nianbao.ingest.model import HEADING, PARAGRAPH, Block, Document, PageInfo, make_table
    doc = Document(path="warm-up.txt", format="txt", parser="warm-up", pages=[PageInfo(number=1, chars=120)])
    doc.add(Block(kind=PARAGRAPH, text="示例职业技术学校2023年度质量报告", page=1))
    doc.add(Block(kind=HEADING, text="一、基本情况", level=1, number="一、", title="基本情况", page=1))
    doc.add(Block(kind=PARAGRAPH, page=1,
                  text="2023年，学校有全日制在校生1200人，其中一年级400人；专任教师80人，生师比15:1，"
                       "毕业生380人，就业率96.5%，获得省级技能大赛一等奖2项。"))
    doc.add(Block(kind=HEADING, text="附表", level=1, title="附表", page=1))
    doc.add(make_table([["指标", "单位", "2023年"], ["全日制在校生数", "人", "1200"], ["生师比", "", "15:1"]],
                       header_rows=1, title="附表1 计分卡", page=1))
    return doc.finalize()


def rules_now() -> str:
    """The digest of ``rules/`` as the files are now (not cached)."""
    from nianbao.rules.loader import rules_digest
    return rules_digest.__wrapped__()


def is_current() -> bool:
    """Whether this process's warm state was built from the rules as they
    are now (always True for a process that was not preloaded)."""
    return WARMED_RULES is None or WARMED_RULES == rules_now()


def preload() -> None:
    """Warm this process (never raises: a failure shows again, per file,
    when a worker reads one), remember the rules it read, and freeze the
    collector's view of what was loaded so that forked workers do not walk
    (and so copy) those pages."""
    global WARMED_RULES
    try:
        digest = rules_now()
        warm_up()
    except Exception:  # noqa: BLE001
        return
    WARMED_RULES = digest
    gc.freeze()
