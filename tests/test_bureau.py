"""Issue #13, what a bureau sees: one report counted once, corrections that
last, CSV/JSON, the workbook a clerk reads, Datasette, the report page,
unsupported files, exit statuses and a GBK console."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import nianbao
from nianbao.export.cells import neutralise
from nianbao.pipeline import cli

from conftest import CORPUS, ROOT, copy_db

REPORTS = CORPUS / "reports"
BAD = ROOT / "tests" / "fixtures" / "bad"


def _cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def corpus_db(tmp_path, corpus_db_master):
    return copy_db(corpus_db_master, tmp_path)


def _ingest(db, *paths, **kw):
    return nianbao.Database(db).ingest([str(p) for p in paths], workers=0, **kw)


# -- 1. one report, once ---------------------------------------------------------------
def test_copies_of_one_report_count_once(corpus_db):
    checks = json.loads(_cli("check", "--db", corpus_db, "--json").output)
    keys = [(c["school"], c["year"]) for c in checks]
    assert len(keys) == len(set(keys)) == 7          # 11 files, 7 reports
    a = next(c for c in checks if c["school"] == "青岚县职业技术教育中心")
    assert sorted(Path(f).name for f in a["files"]) == ["A_zhongzhi_2023.docx", "A_zhongzhi_2023.pdf"]
    assert a["files"][0].endswith(".pdf")             # the copy checked: the one with pages
    assert {"kind", "status", "title", "required"} <= set(a["items"][0])
    flags = json.loads(_cli("flags", "--db", corpus_db, "--json").output)
    keys = [(f["school"], f["year"], f["kind"], f["metric"], f["message"]) for f in flags]
    assert len(keys) == len(set(keys))
    b = [f for f in flags if f["school"] == "楚州工程职业技术学院" and f["kind"] == "conflict"]
    assert len(b) == 2 and all(len(f["files"]) == 2 and len(f["sources"]) == 2 for f in b)
    assert {"school", "year", "kind", "metric", "message", "sources"} <= set(flags[0])
    comp = json.loads(_cli("compare", "--db", corpus_db, "--json").output)
    keys = [(r["school"], r["year"]) for r in comp["rows"]]
    assert len(keys) == len(set(keys)) == 7


def test_the_value_comes_from_the_most_informative_copy(corpus_db):
    row = nianbao.Database(corpus_db).sql(
        "select path, page from metric_chosen where school like '青岚%' and metric = 'students_fulltime'").dicts()[0]
    assert row["path"].endswith(".pdf") and row["page"]


def test_a_newer_file_supersedes_the_older_and_history_is_kept(tmp_path):
    folder = tmp_path / "报告"
    folder.mkdir()
    old = folder / "果园_旧.txt"
    shutil.copyfile(REPORTS / "E_zhongzhi_2023_gb18030.txt", old)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    db = tmp_path / "n.db"
    _ingest(db, folder)
    text = old.read_bytes().decode("gb18030")
    assert "现有教职工" in text or "教职工" in text
    new = folder / "果园_修订.txt"          # the same school and year, revised: one figure differs
    new.write_bytes(text.replace("536", "541").encode("gb18030"))
    os.utime(new, (1_800_000_000, 1_800_000_000))
    s = _ingest(db, folder)
    assert s.reports == 1
    d = nianbao.Database(db)
    (rep,) = d.reports()
    assert rep["path"].endswith("果园_修订.txt") and rep["supersedes"].endswith("果园_旧.txt")
    assert len(d.documents()) == 2                      # history kept
    comp = d.compare()
    assert len(comp.rows) == 1 and comp.rows[0].files == [str(new)]
    assert d.sql("select count(*) from metric_values where path like '%旧%'").rows[0][0] == 0
    assert d.sql("select count(*) from metric_values_all where path like '%旧%'").rows[0][0] > 0


def test_prune_and_remove_take_out_files_that_left(tmp_path):
    folder = tmp_path / "报告"
    folder.mkdir()
    for name in ("A_zhongzhi_2023.docx", "E_zhongzhi_2023_gb18030.txt"):
        shutil.copyfile(REPORTS / name, folder / name)
    db = tmp_path / "n.db"
    _ingest(db, folder)
    (folder / "E_zhongzhi_2023_gb18030.txt").unlink()
    r = _cli("ingest", folder, "--db", db, "--prune", "-j", "0")
    assert r.exit_code == 0 and "已移除 removed" in r.output and "E_zhongzhi" in r.output
    d = nianbao.Database(db)
    assert [x["school"] for x in d.reports()] == ["青岚县职业技术教育中心"]
    r = _cli("remove", folder / "A_zhongzhi_2023.docx", "--db", db)
    assert r.exit_code == 0 and "已移除 removed" in r.output
    assert d.reports() == [] and d.documents() == []
    assert _cli("remove", folder / "nothing.pdf", "--db", db).exit_code == 1
    _ingest(db, folder)
    r = _cli("remove", folder / "typo.docx", folder / "A_zhongzhi_2023.docx", "--db", db)
    assert r.exit_code == 1 and "已移除 removed" in r.output and "no stored path matches" in r.output
    assert "typo.docx" in r.output.split("no stored path matches")[1] and d.documents() == []


def test_prune_keeps_the_reports_of_an_archive_that_cannot_be_opened_now(tmp_path):
    """A ZIP re-uploaded broken is still in the folder: --prune keeps the
    reports stored from it (this run and the next), and says nothing of
    them leaving."""
    import zipfile
    folder = tmp_path / "收件"
    folder.mkdir()
    z = folder / "各校.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(REPORTS / "E_zhongzhi_2023_gb18030.txt", "果园.txt")
    db = tmp_path / "n.db"
    _ingest(db, folder)
    z.write_bytes(z.read_bytes()[:100])
    for _ in range(2):
        r = _cli("ingest", folder, "--db", db, "--prune", "-j", "0")
        assert "已移除 removed" not in r.output and "truncated" in r.output, r.output
        assert [x["school"] for x in nianbao.Database(db).reports()] == ["果园县职业技术学校"]
    z.unlink()
    r = _cli("ingest", folder, "--db", db, "--prune", "-j", "0")
    assert "已移除 removed" in r.output and nianbao.Database(db).reports() == []


def test_a_broken_re_upload_does_not_wipe_the_report_read_before(tmp_path):
    """The same file name, overwritten by a truncated copy: the report read
    before stays (with its figures), the failure is listed — this run and
    the next, until the file is mended — and a good file again is read."""
    folder = tmp_path / "收件"
    folder.mkdir()
    f = folder / "青岚.pdf"
    good = (REPORTS / "A_zhongzhi_2023.pdf").read_bytes()
    f.write_bytes(good)
    db = tmp_path / "n.db"
    _ingest(db, folder)
    d = nianbao.Database(db)
    before = d.metrics(school="青岚")
    f.write_bytes(good[: len(good) // 3])
    for _ in range(2):
        r = _cli("ingest", folder, "--db", db, "-j", "0")
        assert "truncated" in r.output and "the version stored before is kept" in r.output, r.output
        assert d.metrics(school="青岚") == before and [x["status"] for x in d.documents()] == ["ok"]
    f.write_bytes(good)
    r = _cli("ingest", folder, "--db", db, "-j", "0")
    assert r.exit_code == 0 and "失败 failed: 0" in r.output and d.metrics(school="青岚") == before


def test_inside_a_zip_a_broken_member_stays_listed_and_a_broken_inner_zip_keeps_its_reports(tmp_path):
    """A member re-uploaded broken is listed every run (not "unchanged" from
    the second on); an inner ZIP that cannot be opened keeps its reports
    under --prune, run after run."""
    import zipfile
    folder = tmp_path / "收件"
    folder.mkdir()
    good = (REPORTS / "A_zhongzhi_2023.docx").read_bytes()
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("青岚.docx", good)
    pack = folder / "pack.zip"

    def write_pack(member: bytes, inner_bytes: bytes) -> None:
        with zipfile.ZipFile(pack, "w") as zf:
            zf.writestr("青岚.docx", member)
            zf.writestr("内层.zip", inner_bytes)
            zf.write(REPORTS / "E_zhongzhi_2023_gb18030.txt", "果园.txt")
    write_pack(good, inner.read_bytes())
    db = tmp_path / "n.db"
    _ingest(db, folder)
    write_pack(good[: len(good) // 3], inner.read_bytes()[:60])
    for _ in range(3):
        r = _cli("ingest", folder, "--db", db, "--prune", "-j", "0")
        assert f"{pack}!/青岚.docx" in r.output and "the version stored before is kept" in r.output, r.output
        assert "已移除 removed" not in r.output
        d = nianbao.Database(db)
        assert [x["status"] for x in d.documents(school="青岚")] == ["ok"]
        assert sorted(r[0] for r in d.sql("select path from document_paths where path like '%青岚.docx'").rows) == sorted(
            [f"{pack}!/青岚.docx", f"{pack}!/内层.zip!/青岚.docx"])


def test_a_report_is_shown_by_a_name_it_still_has_after_one_copy_left(tmp_path):
    """The same file in folders A and B; A's copy removed: the reports view,
    the values and the workbook's sources name B's, not the path gone."""
    a, b = tmp_path / "A", tmp_path / "B"
    for f in (a, b):
        f.mkdir()
        shutil.copyfile(REPORTS / "E_zhongzhi_2023_gb18030.txt", f / "报告.txt")
    db = tmp_path / "n.db"
    _ingest(db, a, b)
    (a / "报告.txt").unlink()
    assert _cli("ingest", a, "--db", db, "--prune", "-j", "0").exit_code == 0
    d = nianbao.Database(db)
    (rep,) = d.reports()
    assert rep["path"] == rep["files"] == str(b / "报告.txt")
    assert {m["path"] for m in d.metrics()} == {str(b / "报告.txt")}
    sheet = openpyxl.load_workbook(d.write_xlsx(tmp_path / "w.xlsx"))["来源"]
    assert str(a / "报告.txt") not in {c.value for row in sheet.iter_rows() for c in row}


# -- 2. corrections --------------------------------------------------------------------
def test_a_correction_survives_force_and_reextract(tmp_path):
    db = tmp_path / "n.db"
    _ingest(db, REPORTS / "A_zhongzhi_2023.docx", REPORTS / "A_zhongzhi_2023.pdf", REPORTS / "E_zhongzhi_2023_gb18030.txt")
    r = _cli("correct", "--db", db, "--school", "青岚", "--year", "2023", "就业率", "97.5", "--note", "以附表为准")
    assert r.exit_code == 0 and "97.5" in r.output
    assert _cli("correct", "--db", db, "--school", "果园", "graduates_total", "--exclude").exit_code == 0
    assert _cli("correct", "--db", db, "--school", "果园", "level", "高职").exit_code == 0
    d = nianbao.Database(db)
    for again in ({"force": True}, {"reextract": True}):
        _ingest(db, REPORTS / "A_zhongzhi_2023.docx", REPORTS / "A_zhongzhi_2023.pdf",
                REPORTS / "E_zhongzhi_2023_gb18030.txt", **again)
        cells = {r.school: r for r in d.compare(metrics="employment_rate,graduates_total").rows}
        a = cells["青岚县职业技术教育中心"].cells["employment_rate"]
        assert a.value == 97.5 and a.corrected and a.note == "以附表为准" and a.extracted == pytest.approx(97.3)
        e = cells["果园县职业技术学校"]
        assert e.cells["graduates_total"].excluded and e.cells["graduates_total"].value is None
        assert e.level == "高职"
    wide = d.sql("select corrected_metrics from metric_wide where school like '青岚%'").rows[0][0]
    assert wide == "employment_rate"
    out = _cli("compare", "--db", db, "--metrics", "employment_rate,graduates_total").output
    assert "97.5 ✎" in out and "— ✎" in out


def test_corrections_export_and_import_as_csv(tmp_path):
    db1, db2 = tmp_path / "a.db", tmp_path / "b.db"
    for db in (db1, db2):
        _ingest(db, REPORTS / "E_zhongzhi_2023_gb18030.txt")
    d1 = nianbao.Database(db1)
    d1.correct(school="果园", year=2023, field="招生人数", value="540", note="=1+1 核对原件", who="审核员")
    text = _cli("corrections", "--db", db1, "--csv").stdout_bytes.decode("utf-8")
    assert text.startswith("\ufeff") and "'=1+1" in text        # a note cannot run as a formula
    f = tmp_path / "更正.csv"
    f.write_bytes(text.encode("utf-8"))
    r = _cli("corrections", "--db", db2, "--import", f)
    assert r.exit_code == 0 and "已应用 applied: 1" in r.output
    (c,) = nianbao.Database(db2).corrections()
    assert (c["metric"], c["value"], c["note"], c["who"]) == ("enrolment_new", 540, "=1+1 核对原件", "审核员")
    assert nianbao.Database(db2).compare(metrics="enrolment_new").rows[0].cells["enrolment_new"].value == 540
    assert _cli("corrections", "--db", db2, "--remove", c["id"]).exit_code == 0
    assert nianbao.Database(db2).compare(metrics="enrolment_new").rows[0].cells["enrolment_new"].value == 536
    with pytest.raises(ValueError):
        d1.correct(school="不存在的学校", year=2023, field="招生人数", value=1)
    with pytest.raises(ValueError):
        d1.correct(school="果园", year=2023, field="no_such_metric", value=1)


def _shown(db, metric):
    return {r.school: (r.year, r.cells[metric].value, r.cells[metric].corrected)
            for r in nianbao.Database(db).compare(metrics=metric).rows}


def test_value_corrections_follow_a_renamed_report(tmp_path):
    """A school name or year corrected after a value: the value's correction
    stays with the report (and goes back with it when the rename is undone)."""
    db = tmp_path / "n.db"
    _ingest(db, REPORTS / "A_zhongzhi_2023.docx")
    assert _cli("correct", "--db", db, "--school", "青岚", "--year", "2023", "就业率", "97.5").exit_code == 0
    r = _cli("correct", "--db", db, "--school", "青岚", "--year", "2023", "学校", "青岚县职业中专")
    assert r.exit_code == 0
    r = _cli("correct", "--db", db, "--school", "青岚", "--year", "2023", "年度", "2024")
    assert r.exit_code == 0 and "year → 2024" in r.output            # a year, not "2,024"
    assert _shown(db, "employment_rate") == {"青岚县职业中专": (2024, 97.5, True)}
    rename = next(c["id"] for c in nianbao.Database(db).corrections() if c["field"] == "school")
    assert _cli("corrections", "--db", db, "--remove", rename).exit_code == 0
    assert _shown(db, "employment_rate") == {"青岚县职业技术教育中心": (2024, 97.5, True)}
    assert all(c["matched"] for c in nianbao.Database(db).corrections())


def test_a_report_whose_school_was_not_read_can_be_named(tmp_path):
    """A report without a readable school shows its file's path in compare;
    `correct --school` finds it by that path and gives it its name."""
    f = tmp_path / "年报2023.txt"
    f.write_text("2023年度质量报告\n\n一、基本情况\n\n学校坚持立德树人，办学条件持续改善。2023年，全日制在校生1250人，"
                 "专任教师86人。\n", encoding="utf-8")
    db = tmp_path / "n.db"
    _ingest(db, f)
    assert nianbao.Database(db).reports()[0]["school"] == str(f)
    r = _cli("correct", "--db", db, "--school", "年报2023", "学校", "示例县职业技术学校")
    assert r.exit_code == 0, r.output
    assert _cli("correct", "--db", db, "--school", "示例县", "专任教师", "88").exit_code == 0
    assert _shown(db, "teachers_fulltime") == {"示例县职业技术学校": (2023, 88, True)}
    _ingest(db, f, force=True)                         # lasts, as every correction does
    assert _shown(db, "teachers_fulltime") == {"示例县职业技术学校": (2023, 88, True)}


def test_a_replaced_correction_is_kept_and_numbers_stay(tmp_path):
    db = tmp_path / "n.db"
    _ingest(db, REPORTS / "E_zhongzhi_2023_gb18030.txt")
    d = nianbao.Database(db)
    first = d.correct(school="果园", year=2023, field="招生人数", value="540", note="以附表为准", who="审核员甲")
    d.correct(school="果园", year=2023, field="专任教师", value="70")
    r = _cli("correct", "--db", db, "--school", "果园", "招生人数", "541", "--by", "审核员乙")
    assert r.exit_code == 0 and f"#{first['id']} " in r.output and "此前 was: 540" in r.output
    assert "以附表为准" in r.output
    kept = d.sql("select id, value, note, who, why from corrections_replaced").rows
    assert kept == [(first["id"], 540, "以附表为准", "审核员甲", "replaced")]
    (row,) = d.compare(metrics="enrolment_new").rows
    assert row.cells["enrolment_new"].corrected_by.startswith("审核员乙, 20")   # the workbook's comment names them
    before = [(c["id"], c["metric"], c["value"]) for c in d.corrections()]
    assert (first["id"], "enrolment_new", 541) in before                   # the same number
    f = tmp_path / "更正.csv"
    f.write_bytes(_cli("corrections", "--db", db, "--csv").stdout_bytes)
    assert _cli("corrections", "--db", db, "--import", f).exit_code == 0   # imported again: nothing changes
    assert [(c["id"], c["metric"], c["value"]) for c in d.corrections()] == before
    assert d.sql("select count(*) from corrections_replaced").rows == [(1,)]


def _copy_read_under_another_name(tmp_path) -> Path:
    """A .txt copy of report A whose school name reads differently (A is ours)."""
    from nianbao.ingest import parse
    text = parse(REPORTS / "A_zhongzhi_2023.docx").text.replace("青岚县职业技术教育中心", "青岚职教中心")
    f = tmp_path / "A_copy.txt"
    f.write_text(text, encoding="utf-8")
    return f


def test_a_rename_reaches_every_file_of_a_joined_report(tmp_path):
    """Copies read under two names and joined by a rename: a later school or
    year correction moves all of their files, and their value corrections."""
    db = tmp_path / "n.db"
    _ingest(db, REPORTS / "A_zhongzhi_2023.docx", REPORTS / "A_zhongzhi_2023.pdf", _copy_read_under_another_name(tmp_path))
    d = nianbao.Database(db)
    assert len(d.reports(school="青岚")) == 2
    d.correct(school="青岚职教中心", year=2023, field="学校", value="青岚县职业技术教育中心")   # join the copy
    assert len(d.reports(school="青岚")) == 1
    d.correct(school="青岚县职业技术教育中心", year=2023, field="就业率", value=90)
    row = d.correct(school="青岚县职业技术教育中心", year=2023, field="学校", value="青岚县职教中心")
    assert len(row["also"]) == 1                     # one correction per name the files were read under
    assert _shown(db, "employment_rate") == {"青岚县职教中心": (2023, 90, True)}
    assert d.reports(school="青岚")[0]["n_files"] == 3
    d.correct(school="青岚县职教中心", year=2023, field="年度", value=2022)
    assert _shown(db, "employment_rate") == {"青岚县职教中心": (2022, 90, True)}


def test_a_rename_onto_another_school_is_refused(corpus_db):
    """Giving a report the name and year of another report with a different
    text would make one supersede the other: refused, nothing changes."""
    d = nianbao.Database(corpus_db)
    d.correct(school="青岚", year=2023, field="专任教师", value=200)
    with pytest.raises(ValueError, match="already has another report"):
        d.correct(school="青岚", year=2023, field="学校", value="果园县职业技术学校")
    shown = _shown(corpus_db, "teachers_fulltime")
    assert shown["青岚县职业技术教育中心"] == (2023, 200, True) and shown["果园县职业技术学校"][2] is False


def test_which_report_school_and_year_mean(corpus_db):
    """A whole name wins over names containing it; the year as shown wins over
    the year as extracted; % and _ are plain characters."""
    d = nianbao.Database(corpus_db)
    d.correct(school="果园", year=2023, field="学校", value="鹿鸣市职业学校")
    assert d.correct(school="鹿鸣市", year=2023, field="专任教师", value=2000)["school"] == "鹿鸣市"
    d.correct(school="楚州", year=2023, field="年度", value=2022)
    d.correct(school="滹阳", year=2023, field="学校", value="楚州工程职业技术学院附属中专")
    assert d.correct(school="楚州", year=2022, field="就业率", value=91)["school"] == "楚州工程职业技术学院"
    for wildcard in ("%", "_"):
        with pytest.raises(ValueError, match="no report"):
            d.correct(school=wildcard, year=2023, field="专任教师", value=10)


def test_every_school_filter_reads_percent_and_underscore_as_themselves(corpus_db):
    """``--school _`` or ``school="%"`` names no school: every filter (the
    API's lists, compare, search, check, flags, the report page) matches
    part of a name, with SQL's wildcards plain, as ``correct`` does."""
    d = nianbao.Database(corpus_db)
    assert d.reports(school="青岚") and d.metrics(school="青岚")
    for wildcard in ("%", "_", "青_", "%岚"):
        assert d.reports(school=wildcard) == [] and d.documents(school=wildcard) == []
        assert d.metrics(school=wildcard) == [] and d.candidates(school=wildcard) == []
        assert d.compare(schools=[wildcard]).rows == []
        assert d.search("就业", school=wildcard) == []
        for command in ("check", "flags", "compare"):
            result = _cli(command, "--db", corpus_db, "--school", wildcard)
            assert result.exit_code == 1 and "no report" in result.output, (command, wildcard, result.output)
        with pytest.raises(ValueError, match="no school matches"):
            d.report(wildcard)
    d.correct(school="青岚", year=2023, field="学校", value="青岚_100%职教中心")
    assert [r["school"] for r in d.reports(school="_100%")] == ["青岚_100%职教中心"]
    assert _cli("check", "--db", corpus_db, "--school", "_100%").exit_code == 0
    assert d.report("_100%").school == "青岚_100%职教中心"


def test_correction_numbers_are_never_reused_and_undone_ones_are_kept(corpus_db):
    d = nianbao.Database(corpus_db)
    assert d.sql("select count(*) from corrections_replaced").rows == [(0,)]     # there from the start
    first = d.correct(school="楚州", year=2023, field="就业率", value=90, note="初核")
    d.uncorrect(first["id"])
    second = d.correct(school="果园", year=2023, field="毕业生人数", value=400)
    assert second["id"] > first["id"]
    assert d.sql("select id, value, note, why from corrections_replaced").rows == [(first["id"], 90, "初核", "removed")]


def test_a_spreadsheet_round_trip_elsewhere_and_twice(tmp_path):
    """The CSV as a spreadsheet leaves it: renames first (so that another
    database renames before it corrects values), imported twice without
    `at` or `who` nothing changes, Excel's TRUE and 学校 in `text` read."""
    db1, db2 = tmp_path / "a.db", tmp_path / "b.db"
    for db in (db1, db2):
        _ingest(db, REPORTS / "E_zhongzhi_2023_gb18030.txt")
    d1, d2 = nianbao.Database(db1), nianbao.Database(db2)
    d1.correct(school="果园", year=2023, field="就业率", value="９８．５％")     # full-width, as typed in Chinese
    d1.correct(school="果园", year=2023, field="学校", value="果园县职业中学")
    text = d1.corrections_csv()
    assert text.splitlines()[1].split(",")[2] == "school"
    f = tmp_path / "c.csv"
    f.write_text(text, encoding="utf-8")
    assert _cli("corrections", "--db", db2, "--import", f).exit_code == 0
    assert _shown(db2, "employment_rate") == {"果园县职业中学": (2023, 98.5, True)}
    bare = "school,year,field,metric,value,text,exclude\r\n果园县职业中学,2023,metric,毕业生人数,,,TRUE\r\n"
    f.write_text(bare, encoding="utf-8")
    for _ in range(2):
        assert _cli("corrections", "--db", db2, "--import", f).exit_code == 0
    assert d2.sql("select count(*) from corrections_replaced").rows == [(0,)]
    assert [c["exclude"] for c in d2.corrections() if c["metric"] == "graduates_total"] == [1]
    f.write_text("school,year,field,text\r\n果园县职业中学,2023,学校,果园县第一职业中学\r\n", encoding="utf-8")
    assert _cli("corrections", "--db", db2, "--import", f).exit_code == 0
    assert [r["school"] for r in d2.reports()] == ["果园县第一职业中学"]


def test_an_implausible_correction_is_refused(tmp_path):
    db = tmp_path / "n.db"
    _ingest(db, REPORTS / "E_zhongzhi_2023_gb18030.txt")
    r = _cli("correct", "--db", db, "--school", "果园", "就业率", "150")
    assert r.exit_code == 1 and "0–100" in r.output
    r = _cli("correct", "--db", db, "--school", "果园", "招生人数", "97.5%")
    assert r.exit_code == 1 and "not %" in r.output
    assert nianbao.Database(db).corrections() == []


def test_a_csv_saved_by_excel_on_chinese_windows_imports(tmp_path):
    """Excel's "CSV (逗号分隔)" on a Chinese Windows is GBK and keeps blank
    rows; a line that cannot be applied makes the exit status 1."""
    db = tmp_path / "n.db"
    _ingest(db, REPORTS / "E_zhongzhi_2023_gb18030.txt")
    f = tmp_path / "更正.csv"
    f.write_bytes("school,year,field,metric,value,note\r\n果园,2023,metric,招生人数,538,核对原件\r\n,,,,,\r\n"
                  .encode("gbk"))
    r = _cli("corrections", "--db", db, "--import", f)
    assert r.exit_code == 0 and "已应用 applied: 1" in r.output and "not applied" not in r.output
    assert nianbao.Database(db).corrections()[0]["note"] == "核对原件"
    f.write_bytes("school,year,field,metric,value\r\n果园,2023,metric,招生人数,539\r\n无此校,2023,metric,招生人数,1\r\n"
                  .encode("gbk"))
    r = _cli("corrections", "--db", db, "--import", f)
    assert r.exit_code == 1 and "已应用 applied: 1" in r.output and "第3行 line 3" in r.output
    f.write_bytes(b"school,field\r\n\xff\xfe\x00\x81\r\n")
    r = _cli("corrections", "--db", db, "--import", f)
    assert r.exit_code == 1 and "not UTF-8 or GBK" in r.output and "Traceback" not in r.output


def test_an_unknown_school_or_year_is_an_error_not_all_clear(corpus_db):
    """A misspelled school (or a trailing space copied from Excel) or a year
    without reports: exit 1 naming it, never "no flags" or "all there"."""
    r = _cli("compare", "--db", corpus_db, "--xlsx", "对比.csv")
    assert r.exit_code == 1 and ".xlsx" in r.output and "school" not in r.output   # refused before the table
    for args in (("flags", "--school", "青兰"), ("check", "--school", "青兰"), ("compare", "--school", "青兰"),
                 ("search", "就业", "--school", "青兰"), ("check", "--year", "2019"),
                 ("report", "青岚", "--year", "2019")):
        r = _cli(*args, "--db", corpus_db)
        assert r.exit_code == 1 and "no report" in r.output, args
    r = _cli("check", "--school", "青岚 ", "--db", corpus_db)
    assert r.exit_code == 0 and "青岚县职业技术教育中心" in r.output


def test_conflicts_count_every_metric_not_only_the_columns_shown(corpus_db):
    d = nianbao.Database(corpus_db)
    every = {r.school: sum(1 for c in r.cells.values() if c.conflict) for r in d.compare(metrics="all").rows}
    assert any(every.values())
    for metrics in ("land_area", "employment_rate,teachers_fulltime"):
        assert {r.school: r.conflicts for r in d.compare(metrics=metrics).rows} == every
    lines = _cli("compare", "--db", corpus_db, "--metrics", "land_area").output.splitlines()
    school = next(s for s, n in every.items() if n)
    assert next(ln for ln in lines if ln.startswith(school)).split()[-1] == str(every[school])


# -- 3. the workbook -------------------------------------------------------------------
def test_workbook_a_clerk_trusts(corpus_db, tmp_path):
    out = tmp_path / "对比.xlsx"
    nianbao.Database(corpus_db).write_xlsx(out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "说明"
    legend = [r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)]
    assert "conflict" in legend and "error" in legend
    issues = wb["问题"]
    head = [c.value.split("\n")[0] for c in issues[1]]
    assert head[:6] == ["学校", "年度", "类型", "类型编号", "严重度", "严重度编号"]
    row = next(issues.iter_rows(min_row=2))
    assert row[1].value == 2023 and row[1].number_format == "0"            # a year, not 2,023
    assert row[2].value == "数值冲突" and row[3].value == "conflict" and row[4].value == "警告"
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1" and ws.sheet_properties.pageSetUpPr.fitToPage
    comp = wb["对比"]
    col = {c.value.split("\n")[1]: i for i, c in enumerate(comp[1])}
    d = next(r for r in comp.iter_rows(min_row=2) if r[0].value == "河西新能源职业技术学院")
    cell = d[col["income_total"]]
    assert cell.value == 286000000 and cell.number_format.startswith('"≈"') and "约数" in cell.comment.text
    src = wb["来源"]
    shead = [c.value.split("\n")[1] for c in src[1]]
    s = {h: i for i, h in enumerate(shead)}
    for r in src.iter_rows(min_row=2, values_only=True):
        if r[s["Source kind"]].startswith("正文") and r[s["As written"]]:
            assert r[s["As written"]] in r[s["Source text"]] or "…" not in r[s["Source text"]]


def test_the_source_window_never_cuts_before_the_figure():
    from nianbao.cli.render import window
    long = "学校" * 60 + "现有全日制在校生1,482人，" + "其他" * 60
    w = window(long, "1,482人", 1482, width=20)
    assert "1,482人" in w and w.startswith("…") and w.endswith("…")
    assert "1,482" in window(long, None, 1482.0, width=20)


# -- 4. machine-readable -----------------------------------------------------------------
def test_csv_opens_in_excel_and_cannot_run_formulas(corpus_db):
    raw = _cli("flags", "--db", corpus_db, "--csv").stdout_bytes
    assert raw.startswith("\ufeff学校".encode("utf-8")) and b"\r\n" in raw
    out = _cli("compare", "--db", corpus_db, "--csv", "--year", "2023").output
    assert out.startswith("\ufeff学校 school,年度 year") and "青岚县职业技术教育中心,2023" in out
    out = _cli("check", "--db", corpus_db, "--csv").output
    assert out.startswith("\ufeff") and "缺失" not in out.splitlines()[0]
    for bad in ("=HYPERLINK(1)", "+1", "-1+2", "@SUM(A1)", "\t=1"):
        assert neutralise(bad).startswith("'")
    assert neutralise(-5) == -5 and neutralise("正常文字") == "正常文字" and neutralise("a\x01b") == "ab"


def test_exit_status_on_failures_and_bad_options(tmp_path, corpus_db):
    db = tmp_path / "bad.db"
    r = _cli("ingest", BAD / "empty.pdf", BAD / "truncated.pdf", "--db", db, "-j", "0")
    assert r.exit_code == 1 and "失败 failed" in r.output
    r = _cli("flags", "--db", corpus_db, "--kind", "no_such_kind")
    assert r.exit_code == 2 and "no_such_kind" in r.output
    assert _cli("flags", "--db", corpus_db, "--kind", "conflict,sum_mismatch").exit_code == 0
    assert _cli("compare", "--db", corpus_db, "--metrics", "no_such_metric").exit_code == 1
    with pytest.raises(ValueError):
        nianbao.Database(corpus_db).flags(kind="no_such_kind")


# -- 5. Datasette --------------------------------------------------------------------------
def test_datasette_metadata_queries_chart_and_busy_port(corpus_db):
    import asyncio

    from urllib.parse import quote

    from datasette.utils import tilde_encode

    from nianbao.web.serve import ServeError, build_metadata, check_port, make_datasette
    tables = build_metadata(corpus_db)["databases"]["corpus"]["tables"]
    assert "sentence" in tables["metric_values"]["columns"]
    assert "sentence" not in tables["metric_wide"]["columns"] and "employment_rate" in tables["metric_wide"]["columns"]
    assert "value" not in tables["school_flags"]["columns"] and "kind_zh" in tables["school_flags"]["columns"]
    assert "corrected" in tables["metric_chosen"]["columns"]
    ds = make_datasette(corpus_db)

    def get(path):
        return asyncio.run(ds.client.get(path))
    rows = get(f"/corpus/{tilde_encode('就业率排名')}.json?_shape=array").json()
    latest = nianbao.Database(corpus_db).sql(
        "select max(year) from metric_chosen where metric = 'employment_rate'").rows[0][0]
    assert rows and {r["年度"] for r in rows} == {latest}
    rows = get(f"/corpus/{tilde_encode('同比变化')}.json?_shape=array&year=2023&metric={quote('招生人数')}").json()
    b = next(r for r in rows if r["学校"] == "楚州工程职业技术学院")
    assert b["指标"] == "招生人数" and (b["上年"], b["本年"]) == (4106, 4312)
    page = get("/-/chart?metric=" + quote("就业率"))
    assert page.status_code == 200 and "<svg" in page.text and "青岚县职业技术教育中心" in page.text
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        with pytest.raises(ServeError) as e:
            check_port("127.0.0.1", s.getsockname()[1])
    assert e.value.busy and "已被占用" in str(e.value) and "already in use" in str(e.value)
    with pytest.raises(ServeError) as e:
        check_port("no-such-host.invalid", 8001)
    assert not e.value.busy


# -- 6. the report page --------------------------------------------------------------------
def test_report_page_is_one_self_contained_page(corpus_db, tmp_path):
    out = tmp_path / "青岚.html"
    r = _cli("report", "青岚", "--db", corpus_db, "--html", out)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert "青岚县职业技术教育中心" in html and html.count("<svg") >= 4
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "<script" not in html
    assert "A_zhongzhi_2023.pdf" in html and "p.14" in html and "@media print" in html
    page = nianbao.Database(corpus_db).report("青岚")
    assert page.years == [2022, 2023] and page.figures["graduates_total"][2022].kind == "quoted"
    text = _cli("report", "青岚", "--db", corpus_db).output
    assert "全日制在校生" in text and "3,276" in text
    assert _cli("report", "职业", "--db", corpus_db).exit_code == 1       # several schools match


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="chromium not installed (apt-get install chromium)")
def test_report_page_in_a_real_browser(corpus_db, tmp_path):
    from PIL import Image
    out = tmp_path / "page.html"
    nianbao.Database(corpus_db).write_report_html(out, "青岚")
    png = tmp_path / "page.png"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1280,1600", f"--screenshot={png}", out.as_uri()],
                   capture_output=True, timeout=120, cwd=tmp_path)
    img = Image.open(png).convert("RGB")
    assert img.size == (1280, 1600)
    colours = img.getcolors(maxcolors=1 << 20) or []
    bar_blue = sum(n for n, c in colours if c == (0x4E, 0x79, 0xA7))     # the charts' bars were drawn
    assert len(colours) > 50 and bar_blue > 500


# -- 7. for people who do not use make -----------------------------------------------------
def test_unsupported_files_are_listed_with_the_reason(tmp_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    shutil.copyfile(REPORTS / "E_zhongzhi_2023_gb18030.txt", folder / "E.txt")
    for name in ("打包.rar", "统计表.xlsx", "公文.ofd", "扫描.jpg", "说明.xyz"):
        (folder / name).write_bytes(b"not read")
    r = _cli("ingest", folder, "--db", tmp_path / "n.db", "-j", "0")
    assert r.exit_code == 0
    listed = [line for line in r.output.splitlines() if "未读取 not read  " in line]
    assert len(listed) == 5
    assert any("打包.rar" in x and "解压" in x for x in listed) and any("公文.ofd" in x and "PDF" in x for x in listed)


NOT_REPORTS = {
    # a notice: no report word at all
    "通知.docx": (["关于举办秋季运动会的通知", "各班级：为丰富校园文化生活，学校定于十月举办秋季运动会，请各班做好报名工作。",
                 "联系人：体育组。"], "no report words"),
    # a listed company's 年度报告: the report word, but no school
    "年度报告.docx": (["示例科技股份有限公司2022年年度报告", "证券代码：000000　证券简称：示例科技",
                    "本公司董事会、监事会及董事、监事、高级管理人员保证年度报告内容的真实、准确、完整。"], "no school words"),
}


@pytest.mark.parametrize("name", sorted(NOT_REPORTS))
def test_a_document_that_is_no_report_is_flagged_not_compared(tmp_path, name):
    from docx import Document
    (heading, *paragraphs), why = NOT_REPORTS[name]
    doc = Document()
    doc.add_heading(heading, level=1)
    for text in paragraphs:
        doc.add_paragraph(text)
    path = tmp_path / name
    doc.save(path)
    db = tmp_path / "n.db"
    _ingest(db, path, REPORTS / "E_zhongzhi_2023_gb18030.txt")
    d = nianbao.Database(db)
    (flag,) = d.flags(kind="not_a_report")
    assert flag["path"].endswith(name) and why in flag["message"]
    assert [r.school for r in d.compare().rows] == ["果园县职业技术学校"]
    assert d.sql("select count(*) from metric_wide").rows[0][0] == 1


def test_python_m_nianbao_in_a_gbk_pipe(corpus_db):
    env = dict(os.environ, PYTHONIOENCODING="gbk")
    for args in (["check"], ["flags"], ["compare"], ["report", "青岚"]):
        p = subprocess.run([sys.executable, "-m", "nianbao", *args, "--db", str(corpus_db)], env=env,
                           capture_output=True, timeout=300)
        assert p.returncode == 0, p.stderr.decode("gbk", "replace")
        text = p.stdout.decode("gbk")
        assert "青岚县职业技术教育中心" in text or "果园县职业技术学校" in text
        if args == ["flags"]:     # a value is quoted with marks GBK has, not « » turned into '?'
            assert "「" in text and "?" not in text, text


def test_json_redirected_from_a_gbk_console_is_utf8(corpus_db):
    """`--json > file` on a Chinese Windows console (GBK): the file is UTF-8
    JSON, as CSV is, so json.load reads it; text output stays GBK."""
    env = dict(os.environ, PYTHONIOENCODING="gbk")
    for args in (["check", "--json"], ["flags", "--json"], ["compare", "--json"]):
        p = subprocess.run([sys.executable, "-m", "nianbao", *args, "--db", str(corpus_db)], env=env,
                           capture_output=True, timeout=300)
        assert p.returncode == 0, p.stderr.decode("gbk", "replace")
        data = json.loads(p.stdout.decode("utf-8"))
        assert data and ("青岚" in p.stdout.decode("utf-8") or "果园" in p.stdout.decode("utf-8"))


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_console_without_chinese_redirected_gets_utf8(tmp_path, encoding):
    """PYTHONIOENCODING=ascii (the C locale), or a Western Windows (cp1252)
    redirected to files: stdout and stderr are UTF-8, instead of '?' for
    every Chinese word (and, for ascii, beside a UTF-8 summary from click)."""
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    p = subprocess.run([sys.executable, "-m", "nianbao", "ingest", str(REPORTS / "E_zhongzhi_2023_gb18030.txt"),
                        "--db", str(tmp_path / "a.db"), "--workers", "0"], env=env, capture_output=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert "入库 ingested" in p.stderr.decode("utf-8") and "??" not in p.stderr.decode("utf-8")
    assert "已入库 ingested: 1" in p.stdout.decode("utf-8")


@pytest.mark.slow
def test_progress_shows_worker_start_up(tmp_path):
    import io

    from nianbao.cli.render import ProgressReporter
    stream = io.StringIO()
    nianbao.Database(tmp_path / "n.db").ingest([str(REPORTS / "E_zhongzhi_2023_gb18030.txt")], workers=1,
                                                progress=ProgressReporter(stream))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("启动 1 个工作进程") and "入库 ingested" in lines[1]
    assert "nianbao warm start" in lines[0]     # how to skip that wait next time


def test_a_terminal_shows_where_the_workers_come_from():
    """On a terminal the bar's title says which workers read the files: the
    warm server's (for the whole run), a Dask cluster's, or workers that
    are still loading (until the first file is read); in a pipe, one line."""
    import io

    from nianbao.cli.render import ProgressReporter
    from nianbao.ingest.batch import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    titles = {}
    for case, ev in (("warm", Progress(kind="workers", workers=2, warm_server=4321)),
                     ("cluster", Progress(kind="workers", workers=2, cluster="tcp://10.0.0.5:8786")),
                     ("cold", Progress(kind="workers", workers=2))):
        rep = ProgressReporter(Terminal())
        rep(Progress(kind="total", total=3))
        rep(ev)
        rep(Progress(kind="ingested", path="a.pdf", done=1, total=3, pages=4))
        titles[case] = rep.bar.desc
        rep.close()
    assert "warm server 4321" in titles["warm"] and "Dask" in titles["cluster"]
    assert titles["cold"] == "入库 ingesting"          # the "starting workers" title ends with the first file
    # a warm server that runs but is paused: named while the run's own workers warm up
    rep = ProgressReporter(Terminal())
    rep(Progress(kind="total", total=3))
    rep(Progress(kind="workers", workers=2, warm_skipped=4321, warm_skipped_why="paused"))
    assert "4321" in rep.bar.desc and "paused" in rep.bar.desc and "starting workers" in rep.bar.desc
    rep.close()
    pipe = io.StringIO()
    ProgressReporter(pipe)(Progress(kind="workers", workers=2, cluster="local"))
    assert "Dask" in pipe.getvalue() and "warm start" not in pipe.getvalue()


def test_an_inner_zip_readable_again_is_no_failure_left_behind(tmp_path):
    """An inner ZIP broken once and mended: its failure record goes when it
    is read again, and --prune does not announce it as having left."""
    import zipfile
    folder = tmp_path / "收件"
    folder.mkdir()
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.write(REPORTS / "E_zhongzhi_2023_gb18030.txt", "果园.txt")
    pack = folder / "pack.zip"

    def write_pack(inner_bytes: bytes) -> None:
        with zipfile.ZipFile(pack, "w") as zf:
            zf.writestr("内层.zip", inner_bytes)
    db = tmp_path / "n.db"
    write_pack(inner.read_bytes())
    _ingest(db, folder)
    write_pack(inner.read_bytes()[:50])
    assert "truncated" in _cli("ingest", folder, "--db", db, "--prune", "-j", "0").output
    write_pack(inner.read_bytes())
    r = _cli("ingest", folder, "--db", db, "--prune", "-j", "0")
    assert r.exit_code == 0 and "已移除 removed" not in r.output, r.output
    d = nianbao.Database(db)
    assert [x["status"] for x in d.documents()] == ["ok"] and [x["school"] for x in d.reports()] == ["果园县职业技术学校"]
