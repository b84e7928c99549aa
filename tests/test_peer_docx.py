"""Peer projects' Word test files (``../shared/peer``, read at run time; skip
without ``../shared``): what ``../shared/peer/README.md`` says a correct
parser gives for ``docx_01.docx`` and ``docx_lists.docx``."""
from __future__ import annotations

import re

import pytest

from nianbao.ingest import parse

from conftest import SHARED

PEER = SHARED / "peer"


def _peer(name):
    path = PEER / name
    if not path.exists():
        pytest.skip(f"../shared/peer/{name} not present (fresh clone)")
    return parse(path)


def _numbered_body(doc):
    """Blocks numbered or bulleted by Word's list numbering."""
    return [b for b in doc.blocks if b.meta.get("numbering") == "auto" and not b.meta.get("toc")]


def test_docx_01_headings_from_list_numbering_and_body_items_stay_paragraphs():
    doc = _peer("docx_01.docx")
    heads = [(h.level, h.number, h.title) for h in doc.headings()]
    # headings numbered by list numbering (with outline levels) are headings
    assert (1, "1.", "有序列表构成的章节标题") in heads
    assert (2, "1.1.", "显式空白字符表示") in heads
    assert (1, "2.", "标题内包含公式 x=-b±b2-4ac2a") in heads
    assert [h for h in heads if h[1] and h[1].startswith("1.")][:4] == [
        (1, "1.", "有序列表构成的章节标题"), (2, "1.1.", "显式空白字符表示"),
        (2, "1.2.", "带格式正文"), (2, "1.3.", "多级列表")]
    # (1) (2) (3) … items inside the body are list paragraphs, not headings
    assert not [h for h in doc.headings() if re.match(r"^[(（]\d+[)）]|^\d+[)）]|^\[\d+\]", h.number or "")]
    items = {b.number: b for b in doc.blocks if b.list_item}
    for label in ("(1)", "(2)", "(3)", "1)", "4)", "[1]", "[12]"):
        assert items[label].kind == "paragraph", label
    assert items["(3)"].text.startswith("a2+b2=c2行内公式后接正文")
    assert items["(1)"].text == "如有未尽事宜，由双方依法订立补充合同。"   # the label is not in the text
    word = _word_numbered_texts(PEER / "docx_01.docx")
    assert len(word) >= 40
    # (python-docx leaves out inline equations, which the parser keeps:
    # compare the Chinese characters, or the words of an English item)
    def letters(t):
        return re.sub(r"[^\u4e00-\u9fff]", "", t) or re.sub(r"\s+", " ", t)
    items = [b.text for b in doc.blocks if b.list_item and b.kind == "paragraph"]
    missing = [t for t in word if not any(letters(t) in letters(x) or letters(t) in x for x in items)]
    assert not missing, missing
    # bulleted items too, whatever their type
    bullets = [b.text for b in doc.blocks if b.list_item and b.number is None]
    assert "Bold bullet 2" in bullets and "Italic bullet 1" in bullets
    assert any(t.startswith("无序列表项1") for t in bullets)
    for b in doc.blocks:
        assert doc.text[b.span[0]:b.span[1]] == b.text


def _word_numbered_texts(path) -> list[str]:
    """Texts of the paragraphs Word numbers or bullets (numPr, or a style
    that numbers) that have no heading style or outline level, read with
    python-docx independently of the parser."""
    import docx
    from docx.oxml.ns import qn
    d = docx.Document(str(path))
    out = []
    for p in d.paragraphs:
        style = p.style
        numbered = p._p.pPr is not None and p._p.pPr.numPr is not None
        while style is not None and not numbered:
            ppr = style.element.pPr
            numbered = ppr is not None and ppr.numPr is not None
            style = style.base_style
        heading = p.style.name.lower().startswith("heading") or (
            p._p.pPr is not None and p._p.pPr.find(qn("w:outlineLvl")) is not None)
        if numbered and not heading and p.text.strip():
            out.append(p.text.strip())
    return out


def test_docx_lists_numbered_and_bulleted_items_are_list_paragraphs():
    doc = _peer("docx_lists.docx")
    word = _word_numbered_texts(PEER / "docx_lists.docx")
    assert len(word) >= 40
    items = {b.text for b in doc.blocks if b.list_item and b.kind == "paragraph"}
    assert set(word) <= items, set(word) - items
    numbered = _numbered_body(doc)
    assert all(b.kind == "paragraph" and b.list_item for b in numbered), \
        [(b.kind, b.number, b.text) for b in numbered if b.kind != "paragraph" or not b.list_item]
    # the headings are the document's heading-styled lines only
    titles = [h.title for h in doc.headings()]
    assert titles[0] == "Test Document" and len(titles) == 10
    assert all(t.startswith("Test ") for t in titles)
    assert all(h.meta.get("level_source") == "style" for h in doc.headings())
    labels = [(b.number, b.level, b.text) for b in numbered if b.number]
    assert ("1.", 1, "List item a") in labels and ("3.", 1, "List item c") in labels
    assert ("1.", 1, "ORCHARD MAP AND GARDEN NOTES") in labels
    assert ("1.1", 2, "Morning Walk") in labels
    bullets = [b for b in numbered if b.number is None]
    assert {"List item 1", "List item 1.1", "First item", "Sub-item A"} <= {b.text for b in bullets}
    assert {b.level for b in bullets} == {1, 2, 3}
