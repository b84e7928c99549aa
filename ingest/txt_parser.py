"""Plain-text reports (.txt) in UTF-8 or GB18030/GBK.

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
#: a line ending with one of these ends its paragraph
_PARA_END = ("。", "！", "？", "!", "?", "；", ";", "：", ":", "…", "”", "」", "）", ")", "】")


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), else GB18030 (a superset
    of GBK and GB2312), else whatever charset-normalizer is sure of."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError:
            continue
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise errors.undecodable("neither UTF-8 nor GB18030")
    return str(best), best.encoding


def parse_txt(path: str | Path) -> Document:
    """Read a .txt file (encoding detected by :func:`decode`) into a Document."""
    data = Path(path).read_bytes()
    text, encoding = decode(data)
    return parse_text(text, path, encoding=encoding)


def parse_text(text: str, path: str | Path = "<text>", *, encoding: str = "utf-8") -> Document:
    """Text already in memory → a Document, as :func:`parse_txt` reads a file
    (``path`` is only recorded).  Callers that need captions and sections
    finalize it as ``ingest.parse`` does.  Raises ``IngestError`` for NUL
    bytes or no readable text."""
    if "\x00" in text:
        raise errors.undecodable("contains NUL characters: binary data, not text")
    doc = Document(path=str(path), format="txt", parser="text")
    doc.metadata["encoding"] = encoding
    assigner = LevelAssigner()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    page = 1
    i = 0
    n = len(lines)
    images = 0
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
        s = line.strip()
        if _IMAGE.match(s):
            images += 1
            i += 1
            continue
        if s:
            block = classify_line(s, assigner, ref=f"line {i + 1}")
            # a line wrapped mid-sentence continues on the next line
            while (block.kind == "paragraph" and not s.endswith(_PARA_END) and i + 1 < n
                   and lines[i + 1].strip() and not lines[i + 1].startswith("\t")
                   and classify_line(lines[i + 1].strip(), LevelAssigner()).kind == "paragraph"):
                i += 1
                s = lines[i].strip()
                block.text += s
            doc.add(block)
        i += 1
    doc.pages = [PageInfo(number=k + 1) for k in range(page)]
    doc.metadata["images"] = images
    doc.metadata["page_estimate"] = True
    if not any(b.text.strip() for b in doc.blocks):
        raise errors.empty(path) if not text.strip() else errors.undecodable("no readable text")
    for p in doc.pages:
        p.chars = 0
    doc.pages[0].chars = sum(len(b.text) for b in doc.blocks)
    return doc


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
