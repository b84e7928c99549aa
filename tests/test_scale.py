"""Scale (issue #12): extraction linear in document length, the packed model,
the warmed worker state, what a worker process loads.  No test times
anything: the rates are ``make bench``'s."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import zlib

import pytest

from nianbao.ingest import parse
from nianbao.ingest.model import HEADING, PARAGRAPH, Block, Document, make_table
from nianbao.store.rows import pack_model, unpack_model

from conftest import CORPUS

PDF = CORPUS / "reports" / "A_zhongzhi_2023.pdf"


def _long_document(n_sections: int, seed: int = 7) -> Document:
    """Headings of levels 1–3 in a random but valid order, each followed by
    a paragraph with figures, and a table now and then."""
    rnd = random.Random(seed)
    doc = Document(path="long.txt", format="txt", parser="test")
    level = 1
    for i in range(n_sections):
        level = rnd.randint(1, min(3, level + 1))
        doc.add(Block(kind=HEADING, text=f"标题{i}", level=level, number=f"{i}.", title=f"标题{i}"))
        doc.add(Block(kind=PARAGRAPH, text=f"第{i}部分：学校有专任教师{80 + i % 50}人，全日制在校生{1000 + i}人。"))
        if i % 25 == 0:
            doc.add(make_table([["指标", "数值"], ["专任教师", str(80 + i % 50)]], header_rows=1))
    return doc.finalize()


def _naive_path(doc: Document, offset: int) -> tuple[str, ...]:
    stack: list[tuple[int, str]] = []
    for b in doc.blocks:
        if b.kind != HEADING:
            continue
        if b.span[0] > offset:
            break
        while stack and stack[-1][0] >= (b.level or 1):
            stack.pop()
        stack.append((b.level or 1, b.title or b.text))
    return tuple(t for _, t in stack)


def test_section_lookups_match_a_scan_of_the_headings():
    doc = _long_document(300)
    for b in doc.blocks:
        for offset in (b.span[0], b.span[0] + 1, max(0, b.span[0] - 1)):
            assert doc.section_path_at(offset) == _naive_path(doc, offset)
    heads = doc.headings()
    for i, s in enumerate(doc.sections()):
        later = [h for h in heads[i + 1:] if (h.level or 1) <= (heads[i].level or 1)]
        assert s.end == (later[0].span[0] if later else len(doc.text))
        assert s.path == _naive_path(doc, heads[i].span[0])


def test_extraction_reads_the_heading_index_once(monkeypatch):
    """Extraction and the rows for the store look sections up per figure and
    per table: the headings are indexed once per document, not per look-up
    (which made extraction quadratic in the number of paragraphs)."""
    from nianbao import extract
    from nianbao.store.rows import prepare
    doc = _long_document(400)
    builds = []
    real = Document._build_heading_index
    monkeypatch.setattr(Document, "_build_heading_index", lambda self: builds.append(1) or real(self))
    doc._heads = None
    facts = extract(doc)
    prepare(doc, facts)
    assert len(facts.metrics) > 400
    assert len(builds) == 1


def test_the_index_follows_finalize_and_added_blocks():
    doc = _long_document(5)
    before = doc.section_path_at(len(doc.text))
    doc.add(Block(kind=HEADING, text="新标题", level=1, title="新标题"))
    doc.finalize()
    assert doc.section_path_at(len(doc.text)) == ("新标题",) != before


def test_packed_model_round_trip_and_the_older_format():
    doc = parse(PDF)
    blob = pack_model(doc)
    assert unpack_model(blob).to_dict() == doc.to_dict()
    # models stored by earlier versions (json module, zlib level 6) read the same
    old = zlib.compress(json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8"), 6)
    assert unpack_model(old).to_dict() == doc.to_dict()


def test_the_warm_up_document_loads_the_rules():
    """The forkserver warms by extracting from a small document of its own:
    it must reach the figures, the table and the review (else the first real
    file would still load rules lazily)."""
    from nianbao.ingest.warm import sample_document
    from nianbao.review import extract_and_review
    facts = extract_and_review(sample_document())
    got = {(m.metric, m.value, m.prov.source) for m in facts.metrics}
    assert ("students_fulltime", 1200, "text") in got
    assert ("students_fulltime", 1200, "table") in got
    assert ("student_teacher_ratio", 15, "text") in got
    assert facts.attributes.get("year") == 2023
    assert any(f.kind == "missing_part" for f in facts.flags)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_the_warm_up_files_reach_the_parsers_headings_and_tables(tmp_path, kind):
    """The files the warm process parses (made by pypdfium2 and python-docx)
    go through each parser's heading and table code, not a shortcut."""
    from nianbao.ingest.model import TABLE
    from nianbao.ingest.warm_files import TABLE_CELLS, sample_docx, sample_pdf
    make = sample_pdf if kind == "pdf" else sample_docx
    doc = parse(make(tmp_path / f"warm.{kind}"))
    assert doc.status == "ok" and doc.format == kind
    assert [b.title for b in doc.blocks if b.kind == HEADING] == ["Basic Facts", "Appendix Table 1"]
    tables = [b for b in doc.blocks if b.kind == TABLE]
    assert len(tables) == 1
    assert [[c.text for c in row] for row in tables[0].rows] == [list(r) for r in TABLE_CELLS]


def test_after_the_warm_up_a_report_loads_no_module():
    """What the warm-up exists for: the first real report of a worker (a
    PDF and a .docx of the corpus) imports nothing that was not loaded."""
    files = [str(CORPUS / "reports" / f"A_zhongzhi_2023.{ext}") for ext in ("pdf", "docx")]
    code = ("import sys; import nianbao.ingest.warm as w; w.warm_up(); "
            "from nianbao.ingest.workers import Task, run_task; before = set(sys.modules); "
            f"outs = [run_task(Task(display=f, path=f)) for f in {files!r}]; "
            "print([o.status for o in outs], sorted(set(sys.modules) - before - {'nianbao.ingest.workers'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "['ok', 'ok'] []", out.stderr[-2000:]


def test_a_worker_warmed_with_other_rules_is_stale(monkeypatch):
    from nianbao.ingest import warm, workers
    monkeypatch.setattr(warm, "WARMED_RULES", warm.rules_now())
    assert workers._warm_up() is True
    monkeypatch.setattr(warm, "WARMED_RULES", "00000000")
    assert workers._warm_up() is False


def test_a_worker_does_not_load_the_database_libraries():
    """Workers build rows, they never open the database: sqlite-utils (and
    the pandas it imports, ≈ 25 MB per process) stay out of them."""
    code = ("import sys; import nianbao.ingest.warm as w; w.warm_up(); "
            "print(sorted(m for m in ('sqlite_utils', 'pandas', 'nianbao.store.db') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["A_zhongzhi_2023.docx", "E_zhongzhi_2023_gb18030.txt"])
def test_prepared_rows_are_what_the_writer_would_build(tmp_path, name):
    """A worker's rows (``prepare``) and the writer's own (``Store.save(doc=…)``)
    store the same database rows."""
    import sqlite3

    from nianbao.review import extract_and_review
    from nianbao.store import Store
    from nianbao.store.rows import prepare
    doc = parse(CORPUS / "reports" / name)
    facts = extract_and_review(doc)
    dbs = []
    for k, kw in enumerate(({"doc": doc, "facts": facts}, {"prepared": prepare(doc, facts)})):
        st = Store(tmp_path / f"{k}.db")
        st.save(path=name, sha256="x", size=1, mtime=1.0, status="ok", **kw)
        st.close()
        dbs.append(tmp_path / f"{k}.db")
    for table in ("pages", "sections", "tables", "metrics", "awards", "flags", "document_models"):
        rows = [sqlite3.connect(db).execute(f'select * from "{table}" order by 1, 2').fetchall() for db in dbs]
        assert rows[0] == rows[1], table
        assert rows[0] or table in ("tables", "awards", "flags"), table


def _whole_sentence_spans(tm, text):
    """The term matcher's phrase matches on the whole text (what
    ``TermMatcher`` did before it segmented only windows)."""
    from spacy.util import filter_spans
    doc = tm.nlp.make_doc(text)
    matches = tm.matcher(doc)
    labels: dict = {}
    for match_id, s, e in matches:
        labels.setdefault((s, e), set()).add(tm.nlp.vocab.strings[match_id])
    return [(sp.start_char, sp.end_char, labels[(sp.start, sp.end)])
            for sp in filter_spans([doc[s:e] for _, s, e in matches])]


def _sentences(texts):
    import re
    return [s for t in texts for s in re.split(r"(?<=[。！？；;\n])", t) if s.strip()]


def test_segmenting_windows_finds_what_segmenting_the_sentence_finds():
    """jieba cuts each run of Han characters, letters and digits on its own,
    so the term matcher segments only the runs around places where a term's
    characters occur.  It must find exactly the phrase matches a
    segmentation of the whole sentence finds: on every sentence of the
    corpus, of ../shared (when present) and on made-up edge cases (spaces
    inside terms, terms with quotes and brackets, CR LF, terms touching
    digits and Latin letters)."""
    from conftest import SHARED, corpus_reports
    from nianbao.extractors.segment import term_matcher
    tm = term_matcher()
    texts = [b.text for f in corpus_reports() for b in parse(f).blocks if b.text]
    realdev = SHARED / "realdev" / "sentences.jsonl"
    if realdev.exists():
        texts += [json.loads(line)["text"] for line in realdev.read_text(encoding="utf-8").splitlines() if line]
    texts += ["学校“双师型”教师占比达到65%，生师比为18:1。", "毕业去向落 实率为97.3%\r\n专任教师126人",
              "全日制在校生 3,276人，就业（含升学）率98.2%，教授、副教授共12人。", "ABC专任教师12人x生均教学（科研）仪器设备值1.2万元",
              "其中高级职称教师45人。", "", "   ", "2023年"]
    sentences = _sentences(texts)
    assert len(sentences) > 500
    segmented = total = 0
    found = [tm.find(s) for s in sentences]
    for s in sentences:
        assert tm._phrase_spans(s) == _whole_sentence_spans(tm, s), s
        segmented += sum(b - a for a, b in tm.windows(s))
        total += len(s)
    assert segmented < 0.5 * total      # the point of it: most text is never segmented
    # and everything find() reads from the tokens, with the whole sentence as one window
    whole = TermMatcherWhole(tm)
    assert [whole.find(s) for s in sentences] == found


class TermMatcherWhole:
    """The term matcher with one window: the whole text (as before windows)."""

    def __init__(self, tm):
        self.tm = tm

    def find(self, text):
        real = self.tm.windows
        self.tm.windows = lambda t: [(0, len(t))] if t else []
        try:
            return self.tm.find(text)
        finally:
            self.tm.windows = real
