"""Shared fixtures: the corpus in the project, and ../shared/seed when present
(a user's fresh clone has no ../shared: those tests skip cleanly)."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# tests never fork from a warm server the developer may have running (`nianbao
# warm start`): their own, empty folder of servers (tests/test_resident.py makes its own)
os.environ["NIANBAO_WARM_DIR"] = tempfile.mkdtemp(prefix="nbw-")
atexit.register(shutil.rmtree, os.environ["NIANBAO_WARM_DIR"], True)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed"
SEED_FILES = {"txt": SEED / "000_4256106acabc83b5.txt", "docx": SEED / "seed.docx", "pdf": SEED / "seed.pdf"}

needs_seed = pytest.mark.skipif(not SEED.exists(), reason="../shared/seed not present (fresh clone)")


@pytest.fixture(scope="session")
def seed_expected():
    if not SEED.exists():
        pytest.skip("../shared/seed not present")
    return json.loads((SEED / "expected.json").read_text(encoding="utf-8"))


def corpus_reports():
    return sorted(p for p in (CORPUS / "reports").glob("*") if p.suffix in (".pdf", ".docx", ".txt"))


def expected_for(path: Path) -> dict:
    return json.loads((CORPUS / "expected" / f"{path.name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def corpus_db_master(tmp_path_factory):
    """The bundled corpus ingested once per test session (default workers).
    Modules take a copy (:func:`copy_db`), never this file."""
    from nianbao.ingest.batch import ingest_paths
    path = tmp_path_factory.mktemp("corpus-master") / "corpus.db"
    summary = ingest_paths([CORPUS / "reports"], path)
    assert not summary.failed, summary.failed
    return path


def copy_db(src: Path, folder: Path, name: str = "corpus.db") -> Path:
    """A private copy of a closed database (its WAL too, if one is left)."""
    import shutil
    dest = folder / name
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dest}{suffix}")
    return dest


def passage_facts(text: str, title: str = "某职业学校2023年质量年度报告"):
    """The facts of one passage of our own under a neutral title (a
    two-paragraph text document, as the realdev harness builds one)."""
    from nianbao.extractors.extract import extract
    from nianbao.ingest.model import Block, Document, PARAGRAPH
    doc = Document(path="t.txt", format="txt", parser="test")
    doc.add(Block(kind=PARAGRAPH, text=title))
    doc.add(Block(kind=PARAGRAPH, text=text))
    doc.finalize()
    return extract(doc)


def school_report_docx(path, paragraphs, title: str = "青禾县职业技术学校2023年度质量报告"):
    """A Word file made with python-docx: the report's title, one heading
    (一、基本情况) and ``paragraphs`` under it; returns ``path``."""
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph(title)
    d.add_heading("一、基本情况", level=1)
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(path)
    return path
