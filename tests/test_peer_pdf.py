"""The PDF files of ../shared/peer (other projects' test files), each checked
against what its README says a correct parser gives.  Read at run time;
skipped when ../shared is absent (a user's clone)."""
from __future__ import annotations

import re

import pytest

from conftest import SHARED
from nianbao.ingest import parse
from nianbao.ingest.model import PAGE_GARBAGE

PEER = SHARED / "peer"


def _doc(name: str):
    path = PEER / name
    if not path.exists():
        pytest.skip(f"../shared/peer/{name} not present")
    return parse(path, ocr=False)   # what the text layers give (OCR: tests/test_ocr.py)


def _cells(doc) -> list[str]:
    return [c for t in doc.tables() for row in t.grid() for c in row]


def test_issue_67_label_only_row_after_page_break_is_its_own_row():
    doc = _doc("issue-67-example.pdf")
    cells = _cells(doc)
    # 可供出售金融资产 ends page 10's part of the balance sheet; 持有至到期投资
    # opens page 11's with no figure: two rows, never one label
    assert not any("可供出售金融资产持有至到期投资" in c for c in cells)
    sheet = next(t for t in doc.tables() if any(r[0] == "可供出售金融资产" for r in t.grid()))
    labels = [r[0] for r in sheet.grid()]
    i = labels.index("可供出售金融资产")
    assert labels[i + 1] == "持有至到期投资"
    assert sheet.grid()[i + 1][1:] == ["", ""]
    assert sheet.grid()[i][1] == "31,760,858.70"
    # a label the page break did cut (filled to the cell's edge) is rejoined
    assert any(c.startswith("1.重新计量设定受益计划净负债") for c in cells)


def test_issue_67_sections_are_level_1_headings():
    doc = _doc("issue-67-example.pdf")
    top = [(h.number, h.title) for h in doc.headings() if h.level == 1]
    assert top == [("第一节", "重要提示"), ("第二节", "公司基本情况"), ("第三节", "重要事项"),
                   ("第四节", "财务报表")]
    sub = next(h for h in doc.headings() if h.title == "主要会计数据和财务指标")
    assert sub.level == 2 and sub.number == "一、"


def test_issue_461_rotated_page_table_reads_as_displayed():
    doc = _doc("issue-461-example.pdf")
    assert doc.pages[0].status == "ok"
    grids = [t.grid() for t in doc.tables()]
    header = next(g for g in grids if any("性别" in row[0] for row in g))
    assert len(header) == 4 and all(len(row) == 1 for row in header)
    assert header[1][0].startswith("性别") and header[2][0].startswith("住院/门诊号")
    assert header[3][0].startswith("临床诊断")
    # the result lines below the table read left to right
    assert "白细胞计数(WBC)仪器法" in doc.text


def test_issue_140_rotated_page_rows_read_as_displayed():
    doc = _doc("issue-140-example.pdf")
    grids = [t.grid() for t in doc.tables()]
    items = next(g for g in grids if g and g[0][:3] == ["Line no", "UPC code", "Location"])
    assert len(items) == 5 and len(items[0]) == 9
    assert items[1][1:5] == ["0085648100305", "CENTRAL KMA", "LILYS 40% SLTD ALMND CHOC", "637"]
    # the frame drawn around all four tables is no table of its own
    assert not any(len(g[0]) == 1 and "Associated claims" in g[1][0] for g in grids if len(g) > 1)


def test_issue_842_fake_bold_cover_text_once():
    doc = _doc("issue-842-example.pdf")
    text = doc.text
    assert text.count("2011年年度报告") == 1
    assert text.count("股票代码：300218") == 1
    assert "300218：300218" not in text and "年年年年" not in text


def test_birdisland_decimal_point_stays_in_its_cell():
    doc = _doc("birdisland.pdf")
    cells = _cells(doc)
    assert "55.3" in cells and "56.4" in cells
    assert "553" not in cells and "564" not in cells
    # no spurious row made of the decimal points
    for t in doc.tables():
        for row in t.grid():
            assert not any(c and set(c) <= {".", " "} for c in row), row


def test_contrib_566_wrong_decode_is_flagged_not_stored():
    doc = _doc("contrib_issue_566_test_1.pdf")
    assert doc.pages[0].status == PAGE_GARBAGE
    assert doc.status == "needs_ocr"
    assert "哾" not in doc.text and "㦓" not in doc.text
    assert any(re.search("page 1", w) and "wrong characters" in w for w in doc.warnings)
