"""Structure on real files: every corpus report yields its expected heading
tree, tables and pages; the seed's three formats yield the same outline."""
from __future__ import annotations

import re

import pytest

from nianbao.ingest import parse

from conftest import SEED, SEED_FILES, corpus_reports, expected_for, needs_seed


def _norm(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s or "")


@pytest.fixture(scope="module", params=[p.name for p in corpus_reports()])
def corpus_doc(request):
    path = next(p for p in corpus_reports() if p.name == request.param)
    return parse(path), expected_for(path)


def test_outline(corpus_doc):
    doc, exp = corpus_doc
    got = [(h.level, h.number, _norm(h.title)) for h in doc.headings()]
    want = [(lvl, num, _norm(title)) for lvl, num, title in exp["outline"]]
    assert got == want


def test_tables(corpus_doc):
    doc, exp = corpus_doc
    tables = {_norm(t.title): t for t in doc.tables() if t.title}
    for spec in exp["tables"]:
        t = tables.get(_norm(spec["title"]))
        assert t is not None, (spec["title"], list(tables))
        grid = [[_norm(c) for c in row] for row in t.filled_grid()]
        assert t.n_cols == spec["n_cols"]
        origins = [[_norm(c) for c in row] for row in t.grid()]
        assert [_norm(h) for h in spec["header"]] in (grid[0], origins[0]), (grid[0], origins[0])
        for row in spec["rows_contain"]:
            want = [_norm(c) for c in row]
            assert any(all(w in r for w in want) and _ordered(r, want) for r in grid), (spec["title"], row)


def _ordered(row, want):
    pos = -1
    for w in want:
        try:
            pos = row.index(w, pos + 1)
        except ValueError:
            return False
    return True


def test_pages(corpus_doc):
    doc, exp = corpus_doc
    if exp.get("pages"):
        assert doc.page_count == exp["pages"]
        assert all(b.page and 1 <= b.page <= exp["pages"] for b in doc.blocks)
    for b in doc.blocks:
        assert doc.text[b.span[0]:b.span[1]] == b.text


def test_merged_cells_are_not_repeated(corpus_doc):
    doc, exp = corpus_doc
    for t in doc.tables():
        for row in t.rows:
            for c in row:
                if c.merged_from is not None:
                    assert c.text == "" and c.span is None
                    r, k = c.merged_from
                    origin = t.rows[r][k]
                    assert origin.rowspan > 1 or origin.colspan > 1


@needs_seed
def test_seed_three_formats_same_outline():
    outlines = {}
    tables = {}
    for fmt, path in SEED_FILES.items():
        doc = parse(path)
        outlines[fmt] = [(h.level, (h.number or "").rstrip(".．、"), _norm(h.title)) for h in doc.headings()]
        tables[fmt] = {_norm(t.title): t for t in doc.tables() if t.title and t.title.startswith("附表")}
    assert outlines["txt"] == outlines["docx"] == outlines["pdf"]
    top = [(n, t) for lvl, n, t in outlines["pdf"] if lvl == 1 and n]
    assert [n for n, _ in top] == [str(i) for i in range(1, 11)]
    assert [t for _, t in top] == ["基本情况", "人才培养质量", "服务贡献质量", "文化传承质量", "国际合作质量",
                                   "产教融合质量", "发展保障", "特色发展质量", "挑战与展望", "附表"]
    assert sum(1 for lvl, n, _ in outlines["pdf"] if lvl == 2) == 30
    assert sum(1 for lvl, n, _ in outlines["pdf"] if lvl == 3) == 12
    want_tables = {"附表1人才培养质量计分卡", "附表3教学资源表", "附表4服务贡献表", "附表5国际影响表", "附表6落实政策表"}
    for fmt in SEED_FILES:
        assert set(tables[fmt]) == want_tables, fmt
        grid = tables[fmt]["附表1人才培养质量计分卡"].grid()
        assert grid[0] == ["序号", "指标", "单位", "2023年", "2022年"]
        assert ["1", "毕业生人数", "人", "252", "130"] in grid
        t6 = tables[fmt]["附表6落实政策表"].filled_grid()
        assert any(r[1:] == ["全日制在校生人数*", "人", "1359"] for r in t6), fmt


@needs_seed
def test_seed_pdf_text_is_clean():
    doc = parse(SEED_FILES["pdf"])
    assert doc.page_count == 41 and all(p.status == "ok" for p in doc.pages)
    assert "全日制在校生1359人" in doc.text and "生师比20.23:1" in doc.text
    assert "共招生773人" in doc.text
    # running page numbers are not in the body
    assert not any(re.fullmatch(r"\d{1,2}", b.text.strip()) for b in doc.blocks if b.kind == "paragraph")


def test_a_caption_whose_title_opens_with_a_year_keeps_its_number_apart(tmp_path):
    import docx
    from nianbao.ingest import parse
    d = docx.Document()
    d.add_paragraph("石桥县职业教育中心2024年质量年度报告", style="Title")
    d.add_paragraph("表1 2024年主要办学指标")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text, t.cell(1, 1).text = "指标", "2024年", "在校生数", "1200"
    d.save(tmp_path / "c.docx")
    (table,) = parse(tmp_path / "c.docx").tables()
    assert table.title == "表1 2024年主要办学指标" and table.number == "表1"
