#!/usr/bin/env python3
"""Write the broken / awkward input files of tests/fixtures/bad/.

Run by ``corpus/generate.py`` after the corpus is built (it reuses corpus
files), or alone: ``.venv/bin/python corpus/make_bad.py``.  Needs reportlab,
Pillow and, for legacy.doc, LibreOffice.  ``manifest.json`` beside the files
says what each one is and how a reader should fail or what it should flag.
"""
from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "reports"
BAD = HERE.parent / "tests" / "fixtures" / "bad"
WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

# invented sample text (figures of no corpus report)
SAMPLE = [
    "示例职业学校质量年度报告（2023年度）",
    "一、基本情况",
    "学校占地面积120亩，校舍建筑面积46,800平方米。",
    "2023年共招生612人，全日制在校生1,845人。",
    "学校现有专任教师104人，其中双师型教师72人。",
    "2023届毕业生538人，毕业去向落实率96.8%。",
    "二、人才培养",
    "学校坚持立德树人，深化产教融合，人才培养质量稳步提升。",
    "学校与42家企业开展校企合作，共建实训基地6个。",
]


def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", WQY, subfontIndex=0))


def _text_pdf(path_or_buf, encrypt=None, compress=1, pages=1) -> None:
    from reportlab.pdfgen import canvas
    from reportlab.lib.pagesizes import A4
    _font()
    c = canvas.Canvas(path_or_buf, pagesize=A4, encrypt=encrypt, pageCompression=compress, invariant=1)
    for pg in range(pages):
        y = 780
        for i, line in enumerate(SAMPLE):
            c.setFont("WQY", 16 if i == 0 else (14 if "、" in line[:3] else 11))
            c.drawString(60, y, line)
            y -= 30
        c.setFont("WQY", 9)
        c.drawCentredString(A4[0] / 2, 40, f"第 {pg + 1} 页")
        c.showPage()
    c.save()


def empty_pdf(out: Path):
    out.write_bytes(b"")


def truncated_pdf(out: Path):
    src = REPORTS / "D_gaozhi_2024_reportlab.pdf"
    data = src.read_bytes()
    out.write_bytes(data[: int(len(data) * 0.4)])
    return src.name


def encrypted_pdf(out: Path):
    from reportlab.lib.pdfencrypt import StandardEncryption
    enc = StandardEncryption("nianbao-user", ownerPassword="nianbao-owner", canPrint=0, canCopy=0)
    _text_pdf(str(out), encrypt=enc)


def pdf_named_docx(out: Path):
    buf = io.BytesIO()
    _text_pdf(buf)
    out.write_bytes(buf.getvalue())


def notaword_docx(out: Path):
    rng = random.Random(20240101)
    words = ["质量", "报告", "学校", "lorem", "ipsum", "数据", "2023", "docx", "表格", "附件"]
    lines = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(40)]
    out.write_text("这不是一个Word文件。\n" + "\n".join(lines) + "\n", encoding="utf-8")


def legacy_doc(out: Path):
    src = REPORTS / "G_zhongzhi_2023_incomplete.docx"
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        print("   (soffice missing: legacy.doc not rebuilt)")
        return src.name
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(prefix="nianbao-lo-") as prof:
        subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to",
                        "doc:MS Word 97", "--outdir", tmp, str(src)], check=True, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.move(str(Path(tmp) / (src.stem + ".doc")), out)
    return src.name


def scanned_pdf(out: Path):
    """Two pages that are only pictures of text: no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.pdfgen import canvas
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    font = ImageFont.truetype(WQY, 26, index=0)
    big = ImageFont.truetype(WQY, 34, index=0)
    c = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    for pg in range(2):
        img = Image.new("L", (992, 1403), 255)       # A4 at 120 dpi
        d = ImageDraw.Draw(img)
        y = 110
        for i, line in enumerate(SAMPLE if pg == 0 else SAMPLE[6:] + SAMPLE[2:6]):
            d.text((100, y), line, font=big if i == 0 else font, fill=0)
            y += 62
        d.text((470, 1320), f"— {pg + 1} —", font=font, fill=0)
        img = img.rotate(0.4, fillcolor=255)          # a slightly skewed scan
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=55)
        buf.seek(0)
        c.drawImage(ImageReader(buf), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()


def garbage_text_pdf(out: Path):
    """Chinese text whose font has no ToUnicode map: extractors get (cid:N) or
    control characters for the Han characters while digits survive."""
    buf = io.BytesIO()
    _text_pdf(buf, compress=0, pages=2)
    data = buf.getvalue()
    data = re.sub(rb"/ToUnicode \d+ 0 R", lambda m: b" " * len(m.group()), data)  # keeps xref offsets
    out.write_bytes(data)


class _GBKInfo(zipfile.ZipInfo):
    """A member whose name is stored as raw GBK bytes without the UTF-8 flag
    (bit 11), as zip tools on Chinese Windows write them."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(out: Path):
    members = [
        ("果园县职业技术学校2023年质量年度报告.txt", REPORTS / "E_zhongzhi_2023_gb18030.txt"),
        ("滹阳县职教中心/2023年度质量报告.docx", REPORTS / "G_zhongzhi_2023_incomplete.docx"),
    ]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, src in members:
            zi = _GBKInfo(name, date_time=(2024, 1, 15, 9, 30, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0          # MS-DOS, like a Windows zip tool
            z.writestr(zi, src.read_bytes())
    # verify: names decode only as GBK and the UTF-8 flag is clear
    with zipfile.ZipFile(out, metadata_encoding="gbk") as z:
        names = z.namelist()
        assert names == [m[0] for m in members], names
        assert all(not (i.flag_bits & 0x800) for i in z.infolist())
    return [m[1].name for m in members]


FILES = [
    ("empty.pdf", empty_pdf, {"kind": "empty", "error": "empty",
                              "note": "0 bytes"}),
    ("truncated.pdf", truncated_pdf, {"kind": "truncated", "error": "truncated",
                                      "note": "first 40% of corpus/reports/D_gaozhi_2024_reportlab.pdf (no xref, no %%EOF)"}),
    ("encrypted.pdf", encrypted_pdf, {"kind": "encrypted", "error": "encrypted",
                                      "note": "reportlab StandardEncryption, user password 'nianbao-user' (owner 'nianbao-owner'); opening without a password fails"}),
    ("pdf_named.docx", pdf_named_docx, {"kind": "wrong_extension", "error": "wrong_extension",
                                        "note": "a valid 1-page PDF named .docx; sniffing the bytes says pdf"}),
    ("notaword.docx", notaword_docx, {"kind": "not_a_document", "error": "wrong_extension",
                                      "note": "UTF-8 text named .docx (not a zip); sniff says txt - reject it as a .docx (wrong_extension or unsupported)"}),
    ("legacy.doc", legacy_doc, {"kind": "legacy", "error": "legacy_format",
                                "note": "Word 97 .doc made by LibreOffice from corpus/reports/G_zhongzhi_2023_incomplete.docx; readable only after soffice --convert-to docx (then it should give G's outline and figures)"}),
    ("scanned.pdf", scanned_pdf, {"kind": "no_text_layer", "error": None,
                                  "note": "2 pages that are JPEG images of Chinese text, no text layer; pages should be flagged empty / needs OCR, no figures stored"}),
    ("garbage_text.pdf", garbage_text_pdf, {"kind": "garbage_text", "error": None,
                                            "note": "2 pages of Chinese text in a TrueType subset without ToUnicode: Han characters extract as control characters or (cid:N), digits survive; pages should be flagged garbage and no figures stored from them"}),
    ("gbk_names.zip", gbk_zip, {"kind": "zip_gbk_names", "error": None,
                                "note": "zip with 2 members whose names are GBK bytes without the UTF-8 flag: open with metadata_encoding='gbk'; members are corpus E (txt) and G (docx)",
                                "members": ["果园县职业技术学校2023年质量年度报告.txt", "滹阳县职教中心/2023年度质量报告.docx"]}),
]


def main():
    BAD.mkdir(parents=True, exist_ok=True)
    manifest = {}
    print(f"\n{'tests/fixtures/bad':34} {'bytes':>9}")
    for name, fn, info in FILES:
        out = BAD / name
        src = fn(out)
        entry = dict(info)
        if src and not isinstance(src, list):
            entry["source"] = src
        manifest[name] = entry
        print(f"{name:34} {out.stat().st_size:>9}")
    (BAD / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")


if __name__ == "__main__":
    main()
