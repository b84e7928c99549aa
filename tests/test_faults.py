"""The bad-input suite (issue #14), part 1: faults in the inputs.  Each test
is one repro of the issue — file names, zip members, transient disk faults,
error codes, damaged PDFs, folder walking, pathological text — and checks a
clear, specific outcome with nothing lost.  Storage, serve, SQL and output
safety are in ``test_faults_storage.py``."""
from __future__ import annotations

import errno
import io
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import nianbao.ingest.archive as archive
import nianbao.ingest.batch as batch
import nianbao.ingest.workers as workers
from nianbao import pipeline
from nianbao.ingest import IngestError, parse
from nianbao.ingest.walk import raw_path

from conftest import CORPUS, ROOT
from fault_injection import faulty_runner

REPORTS = CORPUS / "reports"
TXT = REPORTS / "E_zhongzhi_2023_gb18030.txt"
DOCX = REPORTS / "A_zhongzhi_2023.docx"
PDF = REPORTS / "D_gaozhi_2024_reportlab.pdf"
BAD = ROOT / "tests" / "fixtures" / "bad"
GBK_NAME = "青岚县2023质量报告.txt"


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def one_line(error: str) -> bool:
    return "\n" not in error and "\r" not in error and "Traceback" not in error


def zip_with_raw_names(path: Path, members: list[tuple[bytes, int, bytes]]) -> Path:
    """A ZIP whose member names are the given raw bytes, with the given flag
    bits (0x800: "the name is UTF-8"), as a broken archiver writes them."""
    orig = zipfile.ZipInfo._encodeFilenameFlags
    raw = {}

    def encode(self):
        return raw[self.filename]
    zipfile.ZipInfo._encodeFilenameFlags = encode
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for i, (name, flags, data) in enumerate(members):
                key = f"m{i}"
                raw[key] = (name, flags)
                zf.writestr(zipfile.ZipInfo(key, date_time=(2024, 3, 1, 8, 0, 0)), data)
    finally:
        zipfile.ZipInfo._encodeFilenameFlags = orig
    return path


# ---------------------------------------------------------------------------
# 1. file names that are not UTF-8
# ---------------------------------------------------------------------------
def _gbk_folder(tmp_path: Path) -> tuple[Path, str]:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.docx").write_bytes(DOCX.read_bytes())
    gbk = os.path.join(os.fsencode(d), GBK_NAME.encode("gbk"))     # what unzip leaves from a Windows zip
    with open(gbk, "wb") as f:
        f.write(TXT.read_bytes())
    return d, os.fsdecode(gbk)


@pytest.mark.parametrize("n_workers", [0, pytest.param(2, marks=pytest.mark.slow)])
def test_non_utf8_file_name_is_stored_losslessly_and_the_run_goes_on(tmp_path, n_workers):
    d, gbk_path = _gbk_folder(tmp_path)
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([d], db, workers=n_workers)
    shown = str(d / GBK_NAME)                               # decoded as GBK for display
    assert sorted(s.ingested) == sorted([str(d / "a.docx"), shown]) and not s.failed
    (path, hexed), = rows(db, "select path, path_bytes from document_paths where path_bytes is not null")
    assert path == shown and bytes.fromhex(hexed) == os.fsencode(gbk_path)     # the raw bytes, kept
    assert Path(raw_path(hexed)).read_bytes() == TXT.read_bytes()              # …enough to find the file again
    assert rows(db, "select school from documents where path = ?", [shown]) == [("果园县职业技术学校",)]
    again = pipeline.ingest_paths([d], db, workers=n_workers)                   # a re-run reads nothing
    assert again.parsed == 0 and sorted(again.unchanged) == sorted(s.ingested)


def test_a_decoded_name_equal_to_a_real_name_keeps_both(tmp_path):
    d, gbk_path = _gbk_folder(tmp_path)
    (d / GBK_NAME).write_bytes(TXT.read_bytes() + "补充。\n".encode("gb18030"))   # the same name in UTF-8
    s = pipeline.ingest_paths([d], tmp_path / "n.db", workers=0)
    assert sorted(s.ingested) == sorted([str(d / "a.docx"), str(d / GBK_NAME), f"{d / GBK_NAME}#2"])


def test_non_utf8_archive_name_keeps_its_bytes_for_members(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    z = os.path.join(os.fsencode(d), "各校报告.zip".encode("gbk"))
    with open(z, "wb") as f, zipfile.ZipFile(f, "w") as zf:
        zf.writestr("a.txt", TXT.read_bytes())
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([d], db, workers=0)
    member = f"{d / '各校报告.zip'}!/a.txt"
    assert s.ingested == [member]
    (hexed,), = rows(db, "select path_bytes from document_paths where path = ?", [member])
    assert bytes.fromhex(hexed) == z + b"!/a.txt"


# ---------------------------------------------------------------------------
# 2. one bad zip member
# ---------------------------------------------------------------------------
def test_a_member_flagged_utf8_with_invalid_bytes_fails_alone(tmp_path):
    z = zip_with_raw_names(tmp_path / "mixed.zip", [
        (b"bad\xff\xfe\xc0name.txt", 0x800, TXT.read_bytes() + b"\n"),      # flag says UTF-8; it is not
        ("好的报告.txt".encode("utf-8"), 0x800, TXT.read_bytes()),
        ("另一份.docx".encode("gbk"), 0, DOCX.read_bytes()),                  # GBK without the flag
    ])
    with pytest.raises(UnicodeDecodeError):
        zipfile.ZipFile(z)                          # what made the whole archive "truncated" before
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([z], db, workers=0)
    assert sorted(s.ingested) == sorted([f"{z}!/好的报告.txt", f"{z}!/另一份.docx"])
    (path, error), = s.failed
    assert path == f"{z}!/bad\\xff\\xfe\\xc0name.txt"                     # the raw bytes shown, escaped
    assert error.startswith("encoding:") and "626164fffec0" in error and one_line(error)
    assert rows(db, "select count(*) from documents where error like 'truncated%'") == [(0,)]


def test_a_gbk_name_flagged_utf8_is_read_under_the_name_it_means(tmp_path):
    """Some Chinese Windows tools write GBK names with the UTF-8 flag set:
    the member is read, and shown under its Chinese name (not escapes)."""
    z = zip_with_raw_names(tmp_path / "gbk_flag.zip", [
        ("白沙县职业学校2023.txt".encode("gbk"), 0x800, TXT.read_bytes()),
        ("好的报告.docx".encode("utf-8"), 0x800, DOCX.read_bytes()),
    ])
    s = pipeline.ingest_paths([z], tmp_path / "n.db", workers=0)
    assert sorted(s.ingested) == sorted([f"{z}!/白沙县职业学校2023.txt", f"{z}!/好的报告.docx"]) and not s.failed


# ---------------------------------------------------------------------------
# 4. transient faults: a full disk while unpacking, an I/O error while reading
# ---------------------------------------------------------------------------
class _FullDisk:
    """``open`` for the archive module: writing fails with ENOSPC once
    ``budget`` bytes were written in all (a disk that fills up)."""

    def __init__(self, budget: int):
        self.left = budget

    def __call__(self, path, mode="r", *a, **k):
        f = open(path, mode, *a, **k)
        if "w" not in mode and "x" not in mode:
            return f
        outer = self
        real_write = f.write

        def write(b):
            if len(b) > outer.left:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            outer.left -= len(b)
            return real_write(b)
        f.write = write
        return f


def test_full_disk_while_unpacking_is_transient_and_retried_without_retry_failed(tmp_path, monkeypatch):
    members = {}
    for i in range(11):                      # 11 different reports (a few bytes changed: no duplicates)
        src = (TXT, DOCX, PDF)[i % 3]
        data = src.read_bytes()
        data = _docx_variant(data, str(i)) if src is DOCX else data + f"\n% {i}\n".encode()
        members[f"{i:02d}{src.suffix}"] = data
    z = tmp_path / "eleven.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    db = tmp_path / "n.db"
    monkeypatch.setattr(archive, "open", _FullDisk(3 * max(len(v) for v in members.values())), raising=False)
    s = pipeline.ingest_paths([z], db, workers=0)
    transient = [(p, e) for p, e in s.failed if e.startswith("transient:")]
    assert transient and len(transient) == len(s.failed) and len(s.ingested) + len(s.failed) == 11
    assert all("No space left on device" in e and one_line(e) for _, e in transient)
    monkeypatch.undo()                       # space freed
    again = pipeline.ingest_paths([z], db, workers=0)                 # no --retry-failed
    assert sorted(again.ingested) == sorted(p for p, _ in transient) and not again.failed
    assert len(again.unchanged) == len(s.ingested)
    assert rows(db, "select count(*) from documents where status = 'ok'") == [(11,)]


def _docx_variant(data: bytes, tag: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.comment = tag.encode()
    return buf.getvalue()


def test_io_error_while_reading_is_transient_and_retried(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_bytes(TXT.read_bytes())
    (d / "b.docx").write_bytes(DOCX.read_bytes())
    real = batch.sha256_file

    def eio(path):
        if str(path).endswith("a.txt"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(path)
    monkeypatch.setattr(batch, "sha256_file", eio)
    db = tmp_path / "n.db"
    s = pipeline.ingest_paths([d], db, workers=0)
    (path, error), = s.failed
    assert path == str(d / "a.txt") and error.startswith("transient:") and "Input/output error" in error
    monkeypatch.undo()
    again = pipeline.ingest_paths([d], db, workers=0)
    assert again.ingested == [str(d / "a.txt")] and again.unchanged == [str(d / "b.docx")]


def test_a_file_fault_is_still_not_retried(tmp_path):
    """Only transient failures are retried: a truncated file stays failed until it changes."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "cut.pdf").write_bytes(PDF.read_bytes()[:5000])
    db = tmp_path / "n.db"
    pipeline.ingest_paths([d], db, workers=0)
    s = pipeline.ingest_paths([d], db, workers=0)
    assert s.failed_unchanged == 1 and s.parsed == 0


# ---------------------------------------------------------------------------
# 5. error codes tell causes apart; one line each
# ---------------------------------------------------------------------------
def _hostile_docx(path: Path, change) -> Path:
    with zipfile.ZipFile(DOCX) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(data) if info.filename == "word/document.xml" else data)
    return path


def _entities(d: bytes) -> bytes:
    dtd = b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
        for i in range(9)) + b"]>"
    return re.sub(rb"<w:t>", b"<w:t>&j;", d.replace(b"?>", b"?>" + dtd, 1), count=1)


HOSTILE_XML = {
    "entity_expansion": _entities,
    "depth": lambda d: d.replace(b"<w:body>", b"<w:body>" + b"<w:sdt><w:sdtContent>" * 3000
                                 + b"</w:sdtContent></w:sdt>" * 3000, 1),
    "huge_attribute": lambda d: d.replace(b"<w:body>", b'<w:body><w:p w:rsidR="' + b"A" * (12 << 20) + b'"/>', 1),
    "huge_text": lambda d: d.replace(b"<w:body>", b"<w:body><w:p><w:r><w:t>" + "字".encode() * (4 << 20)
                                     + b"</w:t></w:r></w:p>", 1),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_XML))
def test_xml_over_the_safety_limits_is_unsafe_xml_never_truncated(tmp_path, kind):
    f = _hostile_docx(tmp_path / f"{kind}.docx", HOSTILE_XML[kind])
    with pytest.raises(IngestError) as e:
        parse(f)
    assert e.value.code == "unsafe_xml" and one_line(str(e.value)), str(e.value)


def test_memory_error_inside_a_parser_is_memory_not_truncated(tmp_path, monkeypatch):
    from nianbao.ingest import docx_parser

    def oom(*a, **k):
        raise MemoryError
    monkeypatch.setattr(docx_parser, "_parse", oom)
    out = workers.process_file(str(DOCX), DOCX)
    assert out.error.startswith("memory:") and out.recycle and one_line(out.error)


@pytest.mark.slow
def test_memory_error_in_a_worker_replaces_the_worker(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_oom_me.docx").write_bytes(DOCX.read_bytes())       # first: the files after it need a worker
    (d / "good.txt").write_bytes(TXT.read_bytes())
    (d / "good.pdf").write_bytes(PDF.read_bytes())
    monkeypatch.setattr(workers, "run_task", faulty_runner({"oom_me": "parser_memory"}))
    s = pipeline.ingest_paths([d], tmp_path / "n.db", workers=1)
    (path, error), = s.failed
    assert path.endswith("oom_me.docx") and error.startswith("memory:")
    assert sorted(s.ingested) == [str(d / "good.pdf"), str(d / "good.txt")]
    assert s.workers == 2                         # the worker that ran out was replaced


def test_parser_exception_messages_are_one_line(tmp_path, monkeypatch):
    from nianbao.ingest import txt_parser

    def boom(*a, **k):
        raise ValueError("first line\nsecond line\r\nthird")
    monkeypatch.setattr(txt_parser, "parse_txt", boom)
    out = workers.process_file(str(TXT), TXT)
    assert out.error.startswith("parse_failed:") and one_line(out.error) and "second line" in out.error


# ---------------------------------------------------------------------------
# 9. damaged but readable PDFs
# ---------------------------------------------------------------------------
def _flip_in_largest_stream(data: bytes) -> bytes:
    """One bit flipped in the middle of the PDF's largest compressed stream."""
    best = max(re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S), key=lambda m: len(m.group(1)))
    pos = best.start(1) + len(best.group(1)) // 2
    out = bytearray(data)
    out[pos] ^= 0x10
    return bytes(out)


def test_a_bit_flip_in_a_pdf_gives_a_warning_not_a_silent_ok(tmp_path):
    src = REPORTS / "B_gaozhi_2023.pdf"
    bad = tmp_path / "flipped.pdf"
    bad.write_bytes(_flip_in_largest_stream(src.read_bytes()))
    doc = parse(bad)
    assert doc.metadata.get("damaged") and any("damaged" in w and "损坏" in w for w in doc.warnings)
    s = pipeline.ingest_paths([bad, src], tmp_path / "n.db", workers=0)
    assert s.damaged and s.damaged[0][0] == str(bad) and sorted(s.ingested) == sorted([str(bad), str(src)])
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(bad), "--db", str(tmp_path / "m.db"), "--workers", "0"])
    assert "受损 damaged" in r.output and r.exit_code == 0


@pytest.mark.parametrize("pdf", sorted(REPORTS.glob("*.pdf")), ids=lambda p: p.name)
def test_healthy_pdfs_carry_no_damage_warning(pdf):
    from nianbao.ingest.pdf_damage import find_damage
    assert not find_damage(pdf.read_bytes())


def test_a_broken_cross_reference_table_is_reported():
    from nianbao.ingest.pdf_damage import find_damage
    data = PDF.read_bytes()
    m = list(re.finditer(rb"startxref\s+(\d+)", data))[-1]
    wrong = data[:m.start(1)] + str(int(m.group(1)) + 7).encode() + data[m.end(1):]
    assert find_damage(wrong).xref and not find_damage(data).xref


def test_a_text_file_with_a_few_damaged_bytes_is_read_with_a_warning(tmp_path):
    data = bytearray(TXT.read_bytes())
    data[len(data) // 2] = 0xFF                    # never valid in GB18030 or UTF-8
    data[len(data) // 3] = 0x00                    # a NUL inside the text
    f = tmp_path / "damaged.txt"
    f.write_bytes(bytes(data))
    doc = parse(f)
    assert doc.status == "ok" and "\ufffd" in doc.text and "\x00" not in doc.text
    assert any("damaged" in w and "损坏" in w for w in doc.warnings), doc.warnings
    f.write_bytes(TXT.read_bytes().replace("。".encode("gb18030"), b"\xff", 50))
    with pytest.raises(IngestError) as e:          # many: not this file's text any more
        parse(f)
    assert e.value.code == "encoding"


def test_damaged_containers_get_file_errors_not_parser_failures(tmp_path):
    data = bytearray(DOCX.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 6] = 148                              # "version needed to extract" 14.8 in the central directory
    f = tmp_path / "version.docx"
    f.write_bytes(bytes(data))
    with pytest.raises(IngestError) as e:
        parse(f)
    assert e.value.code == "truncated"


# ---------------------------------------------------------------------------
# 10. folder walking: links, loops, unreadable folders
# ---------------------------------------------------------------------------
def _linked_tree(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(TXT.read_bytes())
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "a.docx").write_bytes(DOCX.read_bytes())
    (d / "to_outside.txt").symlink_to(outside / "secret.txt")
    (d / "outside_dir").symlink_to(outside, target_is_directory=True)
    (d / "dangling.pdf").symlink_to(tmp_path / "nowhere.pdf")
    (d / "sub" / "loop").symlink_to(d, target_is_directory=True)
    (d / "inside.docx").symlink_to(d / "a.docx")
    return d, outside


def test_links_outside_the_folder_are_not_followed_and_are_listed(tmp_path):
    d, outside = _linked_tree(tmp_path)
    s = pipeline.ingest_paths([d], tmp_path / "n.db", workers=0)
    assert s.ingested == [str(d / "a.docx")] and s.duplicates == [(str(d / "inside.docx"), str(d / "a.docx"))]
    why = dict(s.skipped)
    assert "outside" in why[str(d / "to_outside.txt")] and "--follow-symlinks" in why[str(d / "outside_dir")]
    assert "dangling" in why[str(d / "dangling.pdf")]
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(d), "--db", str(tmp_path / "m.db"), "--workers", "0"])
    assert r.exit_code == 0 and f"跳过 skipped  {d / 'dangling.pdf'}" in r.output and "跳过 skipped: 3" in r.output


def test_follow_symlinks_reads_them_and_cuts_loops(tmp_path):
    d, outside = _linked_tree(tmp_path)
    s = pipeline.ingest_paths([d], tmp_path / "n.db", workers=0, follow_symlinks=True)
    read = set(s.ingested) | {p for p, _ in s.duplicates}
    assert {str(d / "to_outside.txt"), str(d / "outside_dir" / "secret.txt")} <= read
    why = dict(s.skipped)
    assert "loop" in why[str(d / "sub" / "loop")] and "dangling" in why[str(d / "dangling.pdf")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX pipes")
def test_pipes_devices_and_self_links_are_listed_not_read(tmp_path):
    """A pipe named like a report would block the run for ever (reading it
    waits for a writer), a link to /dev/zero never ends, a link to itself
    loops: each is listed as skipped with its reason, the rest is read;
    named on the command line too."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "ok.txt").write_bytes(TXT.read_bytes())
    os.mkfifo(d / "管道.txt")
    (d / "零.pdf").symlink_to("/dev/zero")
    (d / "自环").symlink_to(d / "自环")
    (d / "环.zip").symlink_to(d / "环.zip")
    s = pipeline.ingest_paths([d, d / "管道.txt"], tmp_path / "n.db", workers=0, follow_symlinks=True)
    assert s.ingested == [str(d / "ok.txt")] and not s.failed
    why = dict(s.skipped)
    assert "a pipe" in why[str(d / "管道.txt")] and "a pipe" in why[str(d / "零.pdf")]
    assert "itself" in why[str(d / "自环")] and "itself" in why[str(d / "环.zip")]


def test_unreadable_folder_and_file_are_listed_with_their_reason(tmp_path):
    from faults_support import without_write_or_read_override
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "locked" / "x.txt").write_bytes(TXT.read_bytes())
    (d / "secret.docx").write_bytes(DOCX.read_bytes())
    (d / "ok.txt").write_bytes(TXT.read_bytes() + b"\n")
    os.chmod(d / "locked", 0)
    os.chmod(d / "secret.docx", 0)
    try:
        s = without_write_or_read_override(lambda: pipeline.ingest_paths([d], tmp_path / "n.db", workers=0))
    finally:
        os.chmod(d / "locked", 0o755)
        os.chmod(d / "secret.docx", 0o644)
    assert s["ingested"] == [str(d / "ok.txt")]
    assert dict(s["skipped"])[str(d / "locked")].startswith("无法读取文件夹") and "Permission denied" in str(s)
    assert dict(s["failed"])[str(d / "secret.docx")].startswith("unreadable:")


# ---------------------------------------------------------------------------
# 11. pathological text
# ---------------------------------------------------------------------------
def test_long_texts_are_cut_at_punctuation_for_spacy():
    from nianbao.extractors.segment import CHUNK_CHARS, chunks
    text = ("学校" * 40 + "，") * 20_000
    pieces = chunks(text)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text) and len(pieces) > 1
    assert all(b - a <= CHUNK_CHARS for a, b in pieces)
    assert all(text[b - 1] == "，" for a, b in pieces[:-1])                  # cut after punctuation
    assert all(x[1] == y[0] for x, y in zip(pieces, pieces[1:]))            # nothing left out


@pytest.mark.slow
def test_a_sentence_of_a_million_characters_does_not_fail_the_document(tmp_path):
    f = tmp_path / "long.txt"
    f.write_text("示例职业学校2023年质量年度报告\n一、基本情况\n学校" + "发展，" * 340_000
                 + "全日制在校生1,845人。\n", encoding="utf-8")
    out = workers.process_file(str(f), f)
    assert out.error is None and out.status == "ok"
    assert [(m.metric, m.value) for m in out.facts.metrics] == [("students_fulltime", 1845.0)]


class _CountingBlocks(list):
    """The document's block list, counting every block handed out by iteration."""
    visits = 0

    def __iter__(self):
        for b in super().__iter__():
            _CountingBlocks.visits += 1
            yield b


def _paragraph_report(n: int):
    from nianbao.ingest.model import Block, Document
    doc = Document(path="gen.txt", format="txt", parser="test")
    doc.blocks.append(Block(kind="heading", text="示例职业学校2023年质量年度报告", level=1, title="示例职业学校2023年质量年度报告"))
    for i in range(n):
        if i % 20 == 0:
            doc.blocks.append(Block(kind="heading", text=f"（{i // 20 + 1}）专业建设", level=2,
                                    title="专业建设", number=f"（{i // 20 + 1}）"))
        doc.blocks.append(Block(kind="paragraph", text=f"第{i + 1}项工作中，学校开设{(i % 50) + 3}个专业。"))
    return doc.finalize()


def _block_visits(n: int) -> int:
    from nianbao.extractors.extract import extract
    doc = _paragraph_report(n)
    doc.blocks = _CountingBlocks(doc.blocks)
    _CountingBlocks.visits = 0
    extract(doc)
    return _CountingBlocks.visits


@pytest.mark.slow
def test_extraction_is_linear_in_the_number_of_paragraphs():
    """20,000 paragraphs with a figure each: the blocks visited grow with the
    document (×10 paragraphs → ≈ ×10 visits), not with its square (× 100)."""
    small, large = _block_visits(2_000), _block_visits(20_000)
    assert large <= 12 * small, (small, large)


# ---------------------------------------------------------------------------
# 12. the hostile files of tests/fixtures/bad and corpus/make_bad.py
# ---------------------------------------------------------------------------
@pytest.mark.skipif(not (BAD / "manifest.json").exists(), reason="bad fixtures not generated")
def test_every_hostile_fixture_gets_its_outcome_through_the_command(tmp_path):
    import json
    manifest = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(BAD), "--db", str(tmp_path / "n.db"), "--workers", "0"])
    assert r.exit_code == 0 and "Traceback" not in r.output
    got = {Path(p).name: (s, (e or "").split(":")[0] or None)
           for p, s, e in rows(tmp_path / "n.db", "select path, status, error from documents")}
    for name, spec in manifest.items():
        if name.endswith(".zip") or (name == "legacy.doc" and spec["error"] and got.get(name, ("ok",))[0] == "ok"):
            continue   # members are named archive!/member; a .doc converts where LibreOffice is installed
        status, code = got[name]
        assert code == spec["error"] or (spec["error"] is None and status in ("ok", "needs_ocr")), (name, got[name])
    assert all(one_line(e) for (e,) in rows(tmp_path / "n.db", "select error from documents where error is not null"))


def test_damage_scan_finds_the_header_a_full_scan_finds():
    """``_last_header`` (from the end) gives the header a left-to-right scan of
    the whole window gives last — for headers cut by where it looks, long
    digit or space runs, ``endobj`` and ``objx`` (random pieces, fixed seed)."""
    import random

    from nianbao.ingest.pdf_damage import _OBJ, _last_header
    pieces = [b"obj", b" ", b"\n", b"1", b"23", b"0", b"endobj", b"<<", b">>", b"x", b"objx", b"/Length 5",
              b"  ", b"9" * 70, b" " * 70, b"\t"]
    rnd = random.Random(12)
    for _ in range(20000):
        head = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        full = None
        for full in _OBJ.finditer(head):
            pass
        got = _last_header(head)
        want = (full.group(1), full.end()) if full else None
        assert ((got.group(1), got.end()) if got else None) == want, head


def test_a_path_that_does_not_exist_is_listed_and_the_others_are_read(tmp_path):
    """A typo among the paths: the others are ingested, the missing one is
    listed (not stored as a failed document), and the exit status is 1."""
    db = tmp_path / "n.db"
    r = CliRunner().invoke(pipeline.cli, ["ingest", str(TXT), str(tmp_path / "typo_dir"), "--db", str(db),
                                          "--workers", "0"])
    assert r.exit_code == 1 and "已入库 ingested: 1" in r.output, r.output
    assert "no such file or folder" in r.output and "no such path" in r.output
    assert rows(db, "select count(*) from documents where status = 'failed'") == [(0,)]


def test_a_file_of_another_format_named_on_the_command_line_gets_the_folders_advice(tmp_path):
    """A .rar or a .csv given by name fails with the same reason and advice
    as in a folder (rules/formats.yaml), Chinese beside English."""
    (tmp_path / "备份.rar").write_bytes(b"Rar!\x1a\x07\x00" + bytes(range(256)))
    (tmp_path / "表.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    s = pipeline.ingest_paths([tmp_path / "备份.rar", tmp_path / "表.csv"], tmp_path / "n.db", workers=0)
    why = {Path(p).name: e for p, e in s.failed}
    assert why["备份.rar"].startswith("unsupported: RAR 压缩包不支持") and "unpack it first" in why["备份.rar"]
    assert why["表.csv"].startswith("unsupported: 表格数据") and "not a report text" in why["表.csv"]


def test_a_pdf_cut_after_its_trailer_is_read_as_damaged_one_cut_inside_an_object_is_truncated(tmp_path):
    """Only the last lines lost (``startxref`` and ``%%EOF``): every object
    and page is there, so the file is read — with the damage warning; cut
    inside its objects, it is refused as truncated (pages would be missing)."""
    data = (CORPUS / "reports" / "D_gaozhi_2024_reportlab.pdf").read_bytes()
    tail_cut = tmp_path / "尾部缺失.pdf"
    tail_cut.write_bytes(data[:data.rfind(b"startxref")])
    mid = data.rfind(b"endobj", 0, len(data) // 2)
    mid_cut = tmp_path / "截断.pdf"
    mid_cut.write_bytes(data[:mid - 30])
    s = pipeline.ingest_paths([tail_cut, mid_cut], tmp_path / "n.db", workers=0)
    assert s.ingested == [str(tail_cut)] and dict(s.damaged)[str(tail_cut)]
    assert [(p, e.split(":")[0]) for p, e in s.failed] == [(str(mid_cut), "truncated")]
    assert rows(tmp_path / "n.db", "select pages from documents where path = ?", (str(tail_cut),)) == [(11,)]


@pytest.mark.skipif(not (BAD / "legacy.doc").exists(), reason="legacy.doc fixture not generated")
def test_a_word_97_file_named_docx_gets_the_legacy_advice(tmp_path):
    """An old-format Word file named .docx (or .pdf) is what it is: converted
    where LibreOffice is installed (with the rename warning), else the same
    legacy_format advice as under its own name — not wrong_extension."""
    from nianbao.ingest.legacy import find_soffice
    for name in ("旧版.docx", "旧版.pdf"):
        (tmp_path / name).write_bytes((BAD / "legacy.doc").read_bytes())
    s = pipeline.ingest_paths([tmp_path / "旧版.docx", tmp_path / "旧版.pdf"], tmp_path / "n.db", workers=0)
    if find_soffice() is None:
        assert [e.split(":")[0] for _, e in s.failed] == ["legacy_format", "legacy_format"]
    else:
        assert len(s.ingested) + len(s.duplicates) == 2


def test_a_symbolic_link_stored_in_a_zip_is_listed_not_dropped(tmp_path):
    """`zip -y` stores a link as its target path: a member named like a
    report that is a link fails alone with that reason (it was dropped
    without a word); the archive's other reports are read."""
    import stat
    z = tmp_path / "links.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(TXT, "果园.txt")
        info = zipfile.ZipInfo("链接.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    s = pipeline.ingest_paths([z], tmp_path / "n.db", workers=0)
    assert s.ingested == [f"{z}!/果园.txt"]
    (path, error), = s.failed
    assert path == f"{z}!/链接.txt" and error.startswith("unsupported") and "symbolic link" in error
