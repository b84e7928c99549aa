"""Plain-text reports (.txt) in UTF-8, UTF-16/32 (with a byte-order mark),
GB18030/GBK or Big5.

Text dumps of Word reports arrive with one paragraph per line and tables
flattened: every cell on its own line starting with a tab, rows separated by
blank lines.  This parser rebuilds those tables and recognises headings with
the shared patterns of ``rules/headings.yaml``.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import errors
from .headings import LevelAssigner
from .model import Document, PageInfo, make_table
from .structure import classify_line

_IMAGE = re.compile(r"^\s*\[image:[^\]]*\]")
_FORMFEED = "\f"
#: a line that is a report's title: it ends in 报告 (or 报告 and its year in brackets)
_TITLE_LINE = re.compile(r"报告(?:\s*[（(]\s*(?:19|20)\d\d\s*年?度?\s*[）)])?$")
#: a line ending with one of these ends its paragraph
_PARA_END = ("。", "！", "？", "!", "?", "；", ";", "：", ":", "…", "”", "」", "）", ")", "】")


#: byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE)
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x84\x31\x95\x33", "gb18030"), (b"\xef\xbb\xbf", "utf-8"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
#: Big5 as Windows writes it (cp950), then with the Hong Kong additions
_BIG5 = ("cp950", "big5hkscs")


def decode(data: bytes) -> tuple[str, str, str | None]:
    """Decode a text file: ``(text, encoding, warning or None)``.

    A byte-order mark decides (UTF-8, UTF-16/32 LE/BE, GB18030's
    ``84 31 95 33``) and is removed.  Without one: UTF-8, else GB18030 (a
    superset of GBK and GB2312) or Big5 — for bytes valid in both, the
    reading with more frequent characters wins (Big5 read as GB18030 is
    valid but mojibake; see :func:`_big5_reads_better`); a Big5 file is
    decoded as Big5 with a warning that its traditional characters may not
    match the (simplified) rules.  A UTF-8 or GB18030 file with a few
    damaged bytes is read with U+FFFD for them and a warning.  Anything
    else goes to charset-normalizer; IngestError ``encoding`` when nothing
    fits.  U+FEFF (a BOM left inside the text) is removed everywhere."""
    text, encoding, warning = _decode(data)
    return text.replace("\ufeff", ""), encoding, warning


def _decode(data: bytes) -> tuple[str, str, str | None]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body, cut = _whole_units(data[len(bom):], enc)
            try:
                return body.decode(enc), enc, cut
            except UnicodeDecodeError:
                break           # a stray BOM: detect the encoding below
    enc = utf16_encoding(data) if b"\x00" in data[:4096] else None
    if enc:                     # UTF-16 without a byte-order mark (some Windows tools write it)
        body, cut = _whole_units(data, enc)
        return body.decode(enc), enc, cut
    utf8 = _try(data, ("utf-8",))
    if utf8 and (utf8[0].isascii() or _has_cjk(utf8[0])):
        return utf8[0], utf8[1], None
    gb = _try(data, ("gb18030",))
    if utf8 and not (gb and _common_share(gb[0]) >= 0.9 and _has_cjk(gb[0])):
        # UTF-8 without CJK, not GBK either (a few GBK words are valid
        # UTF-8 too: 学校 = D1A7 D0A3 = "ѧУ")
        return utf8[0], utf8[1], None
    big5 = _try(data, _BIG5)
    if gb and big5 and not _big5_reads_better(data, gb[0], big5[0]):
        big5 = None
    if big5:
        return big5[0], big5[1], ("按 Big5（繁体中文）解码，繁体字词可能与规则不符 / decoded as Big5 (traditional "
                                  "Chinese): its terms may not match the simplified-Chinese rules")
    if gb:
        return gb[0], gb[1], None
    damaged = _nearly(data)
    if damaged:
        return damaged
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise errors.undecodable("neither UTF-8, GB18030 nor Big5")
    return str(best), best.encoding, (f"编码不确定，按 {best.encoding} 解码 / encoding guessed as {best.encoding}")


#: most bytes a damaged text file may have that decode to nothing: 4, or 1 in 1,000
DAMAGED_BYTES = (4, 0.001)


def _nearly(data: bytes) -> tuple[str, str, str] | None:
    """A UTF-8 or GB18030 file with a few damaged bytes (a flipped bit, a cut
    character): decoded with U+FFFD for them and a warning, rather than
    refused — a replaced byte never becomes a digit."""
    best = None
    for enc in ("utf-8", "gb18030"):
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(DAMAGED_BYTES[0], DAMAGED_BYTES[1] * len(text)) and (best is None or bad < best[2]):
            best = (text, enc, bad)
    if best is None:
        return None
    text, enc, bad = best
    return text, enc, (f"文本文件已损坏：{bad} 处字节无法按 {enc} 解码（显示为 �）/ the text file is damaged: {bad} "
                       f"place(s) cannot be decoded as {enc} (shown as �)")


def _whole_units(data: bytes, encoding: str) -> tuple[bytes, str | None]:
    """UTF-16/32 bytes cut to whole code units, and a warning when the file
    ended inside one (a download cut short); other encodings as they are."""
    unit = 4 if "32" in encoding else 2 if "16" in encoding else 1
    extra = len(data) % unit
    if not extra:
        return data, None
    return data[:-extra], (f"文本文件末尾不完整（{encoding} 少了 {unit - extra} 个字节），最后半个字符已舍去 / the text "
                           f"file ends inside a character ({encoding}): the last partial character was dropped")


def utf16_encoding(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for text in UTF-16 without a
    byte-order mark, else None: the bytes hold NULs (ASCII in UTF-16 does)
    or an even length, decode strictly, and the text is Chinese or plain
    text — at least 95% CJK, printable ASCII, full-width punctuation or
    spaces, with no control character but tabs and line breaks."""
    n = len(data) // 2 * 2
    if n < 4:
        return None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data[:n].decode(enc)
        except UnicodeDecodeError:
            continue
        plain = sum(1 for c in text if c in "\t\r\n\f" or " " <= c <= "~" or 0x3000 <= ord(c) <= 0x9FFF
                    or 0xFF00 <= ord(c) <= 0xFFEF)
        if plain >= 0.95 * len(text) and _has_cjk(text) and not any(c < " " and c not in "\t\r\n\f" for c in text):
            return enc
    return None


def _has_cjk(text: str) -> bool:
    return any(ord(c) >= 0x2E80 for c in text)


def _big5_reads_better(data: bytes, as_gb: str, as_big5: str) -> bool:
    """Bytes valid as both GB18030 and Big5: which reading is Chinese?  The
    share of frequent characters decides (mojibake is full of rare ones,
    kana and private-use characters); when it does not, charset-normalizer
    does (it is unreliable on a few words); GB18030 by default."""
    gb, b5 = _common_share(as_gb), _common_share(as_big5)
    if abs(gb - b5) >= 0.1:
        return b5 > gb
    from charset_normalizer import from_bytes
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    return best is not None and best.encoding == "big5"


def _common_share(text: str, sample: int = 3000) -> float:
    """Share of CJK characters (of the first ``sample``) that are frequent:
    level 1 of GB2312 (3,755 characters) or of Big5 (5,401)."""
    wide = [c for c in text if ord(c) >= 0x2E80][:sample]
    return sum(map(_frequent, wide)) / len(wide) if wide else 1.0


def _frequent(ch: str) -> bool:
    for enc, lo, hi in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E)):
        try:
            b = ch.encode(enc)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and lo <= (b[0] << 8 | b[1]) <= hi:
            return True
    return False


def _try(data: bytes, encodings) -> tuple[str, str] | None:
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return None


def parse_txt(path: str | Path) -> Document:
    """Read a .txt file (encoding detected by :func:`decode`) into a Document."""
    data = Path(path).read_bytes()
    text, encoding, warning = decode(data)
    return parse_text(text, path, encoding=encoding, warning=warning)


def parse_text(text: str, path: str | Path = "<text>", *, encoding: str = "utf-8",
               warning: str | None = None) -> Document:
    """Text already in memory → a Document, as :func:`parse_txt` reads a file
    (``path`` is only recorded; ``warning`` from decoding goes to the
    document's warnings).  Callers that need captions and sections finalize it
    as ``ingest.parse`` does.  Raises ``IngestError`` for NUL bytes (more
    than a damaged file's few) or no readable text."""
    text, warning = _replace_nuls(text, warning)
    doc = Document(path=str(path), format="txt", parser="text")
    doc.metadata["encoding"] = encoding
    if warning:
        doc.warnings.append(warning)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    pages, images = _read_lines(doc, lines)
    doc.pages = [PageInfo(number=k + 1) for k in range(pages)]
    doc.metadata["images"] = images
    doc.metadata["page_estimate"] = True
    if not any(b.text.strip() for b in doc.blocks):
        raise errors.empty(path) if not text.strip() else errors.undecodable("no readable text")
    for p in doc.pages:
        p.chars = 0
    doc.pages[0].chars = sum(len(b.text) for b in doc.blocks)
    return doc


def _replace_nuls(text: str, warning: str | None) -> tuple[str, str | None]:
    """A few NUL characters (a damaged file) become U+FFFD with a warning
    added; more raise ``IngestError`` (binary data, not text)."""
    nul = text.count("\x00")
    if nul > max(DAMAGED_BYTES[0], DAMAGED_BYTES[1] * len(text)):
        raise errors.undecodable("contains NUL characters: binary data, not text")
    if nul:   # a few: a damaged text file, not binary data
        text = text.replace("\x00", "\ufffd")
        warning = "; ".join(filter(None, [warning, f"文本文件已损坏：{nul} 个空字符（显示为 �）/ the text file is "
                                                   f"damaged: {nul} NUL character(s) (shown as �)"]))
    return text, warning


def _read_lines(doc: Document, lines: list[str]) -> tuple[int, int]:
    """Add the blocks of ``lines`` to ``doc``; returns (pages counted by form
    feeds, image placeholder lines skipped)."""
    assigner = LevelAssigner()
    page, images, i, n = 1, 0, 0, len(lines)
    while i < n:
        line = lines[i]
        if _FORMFEED in line:
            page += line.count(_FORMFEED)
            line = line.replace(_FORMFEED, "")
        if line.startswith("\t"):
            j, rows = _read_table(lines, i)
            doc.add(_table_block(rows, ref=f"line {i + 1}"))
            i = j
            continue
        rows = _tab_rows(lines, i)
        if rows:        # a row per line, cells between tabs (Word's "save as plain text")
            doc.add(_table_block(rows, ref=f"line {i + 1}"))
            i += len(rows)
            continue
        s = line.strip()
        if _IMAGE.match(s):
            images += 1
        elif s:
            block, i = _line_block(lines, i, s, assigner)
            doc.add(block)
        i += 1
    return page, images


def _line_block(lines: list[str], i: int, s: str, assigner: LevelAssigner):
    """The block of line ``i`` (stripped text ``s``), with the following
    lines of a paragraph wrapped mid-sentence joined to it — not a line that
    begins with a digit after one that ends with a digit (a row's figure and
    the next row's 序号 would make one number); returns (block, index of its
    last line)."""
    n = len(lines)
    block = classify_line(s, assigner, ref=f"line {i + 1}")
    if _TITLE_LINE.search(s) and len(s) <= 60:
        return block, i        # a report's title line ("…2023年质量年度报告") is a paragraph of its own
    # a line wrapped mid-sentence continues on the next line
    while (block.kind == "paragraph" and not s.endswith(_PARA_END) and i + 1 < n
           and lines[i + 1].strip() and not lines[i + 1].startswith("\t")
           and not (s[-1:].isdigit() and lines[i + 1].strip()[:1].isdigit())
           and classify_line(lines[i + 1].strip(), LevelAssigner()).kind == "paragraph"):
        i += 1
        s = lines[i].strip()
        block.text += s
    return block, i


def _read_table(lines: list[str], i: int) -> tuple[int, list[list[str]]]:
    """Read tab-led lines from ``i``: a row is a run of tab-led lines; blank
    lines separate rows; the table ends at the first line that is neither."""
    rows: list[list[str]] = []
    cur: list[str] = []
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("\t"):
            cur.append(line[1:].strip())
            i += 1
        elif not line.strip():
            if cur:
                rows.append(cur)
                cur = []
            # a blank line ends the table unless a tab line follows
            k = i
            while k < n and not lines[k].strip() and not lines[k].startswith("\t"):
                k += 1
            if k < n and lines[k].startswith("\t"):
                i = k
            else:
                i = k
                break
        else:
            break
    if cur:
        rows.append(cur)
    return i, rows


def _tab_rows(lines: list[str], i: int) -> list[list[str]]:
    """The rows of a table written a row per line with its cells between
    tabs, from line ``i``: at least two lines in a row, each with two filled
    cells or more, the same number of cells in most of them; ``[]`` when
    line ``i`` does not open one (prose lines ending in a stray tab do not)."""
    rows = []
    for k, line in enumerate(lines[i:]):
        if k and _FORMFEED in line:
            break                # a page break ends the table (its pages are counted by the caller)
        cells = [c.strip() for c in line.replace(_FORMFEED, "").rstrip("\r\n").split("\t")]
        while cells and not cells[-1]:
            cells.pop()          # a tab left at the end of a line makes no cell
        if sum(1 for c in cells if c) < 2 or line.startswith("\t"):
            break
        rows.append(cells)
    if len(rows) < 2:
        return []
    widths = [len(r) for r in rows]
    return rows if widths.count(max(set(widths), key=widths.count)) * 2 > len(rows) else []


def _table_block(rows: list[list[str]], ref: str):
    width = max(len(r) for r in rows)
    grid: list[list[str]] = []
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(rows):
        if len(row) == 1 and width > 1:
            spans[(r, 0)] = (1, width)          # a note spanning the whole table
        grid.append(row + [""] * (width - len(row)))
    b = make_table(grid, spans, ref=ref)
    b.meta["flattened"] = True
    return b
