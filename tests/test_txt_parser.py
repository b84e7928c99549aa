"""The .txt parser on real files: encodings, flattened tables, headings."""
from __future__ import annotations

import pytest

from nianbao.ingest import IngestError, parse
from nianbao.ingest.txt_parser import decode

from conftest import SEED_FILES, needs_seed


def _numbered_top(doc):
    return [(h.number.rstrip(".．、"), h.title) for h in doc.headings() if h.level == 1 and h.number]


@needs_seed
def test_seed_txt_outline_and_tables():
    doc = parse(SEED_FILES["txt"])
    top = _numbered_top(doc)
    assert [n for n, _ in top] == [str(i) for i in range(1, 11)]
    assert top[0][1] == "基本情况" and top[-1][1] == "附表"
    levels = [h.level for h in doc.headings() if h.number]
    assert levels.count(2) == 30 and levels.count(3) == 12
    sub = [(h.number, h.title) for h in doc.headings() if h.level == 3]
    assert ("2.1.1", "党建引领") in sub and ("2.4.2", "“双师型”教师队伍情况") in sub
    tables = {t.title: t for t in doc.tables()}
    t1 = tables["附表1人才培养质量计分卡"]
    assert t1.grid()[0] == ["序号", "指标", "单位", "2023年", "2022年"]
    assert ["1", "毕业生人数", "人", "252", "130"] in t1.grid()
    assert t1.header_rows == 1
    assert {"附表3教学资源表", "附表4服务贡献表", "附表5国际影响表", "附表6落实政策表"} <= set(tables)
    # provenance: every block's span points at its own text in the flat text
    for b in doc.blocks:
        assert doc.text[b.span[0]:b.span[1]] == b.text
    cell = t1.rows[1][3]
    assert doc.text[cell.span[0]:cell.span[1]] == "252"
    assert doc.section_path_at(cell.span[0]) == ("附表",)


def test_gb18030_text_with_flattened_table(tmp_path):
    text = ("某某职业学校质量年度报告（2023年）\n\n一、学校概况\n\n（一）办学规模\n\n学校现有全日制在校生2,046人。\n\n"
            "表1 主要指标\n\n\t指标\n\t单位\n\t2023年\n\n\t在校生数\n\t人\n\t2046\n\n\t说明：数据截至年底\n\n"
            "二、人才培养\n\n毕业生就业率98.2%。\n")
    p = tmp_path / "gbk.txt"
    p.write_bytes(text.encode("gb18030"))
    doc = parse(p)
    assert doc.metadata["encoding"] == "gb18030"
    assert [(h.level, h.number, h.title) for h in doc.headings()] == [
        (1, "一、", "学校概况"), (2, "（一）", "办学规模"), (1, "二、", "人才培养")]
    (t,) = doc.tables()
    assert t.title == "表1主要指标"
    assert t.grid()[1] == ["在校生数", "人", "2046"]
    note = t.rows[2][0]
    assert note.text == "说明：数据截至年底" and note.colspan == 3
    assert t.rows[2][1].merged_from == (2, 0)
    assert "学校现有全日制在校生2,046人。" in doc.text


def test_decode_prefers_utf8_then_gb18030():
    assert decode("生师比".encode("utf-8"))[1] == "utf-8"
    assert decode("生师比".encode("gbk"))[1] == "gb18030"


@pytest.mark.parametrize("payload,code", [(b"", "empty"), (b"   \n\n", "empty")])
def test_empty_text_files(tmp_path, payload, code):
    p = tmp_path / "x.txt"
    p.write_bytes(payload)
    with pytest.raises(IngestError) as e:
        parse(p)
    assert e.value.code == code
