"""Format-independent structure steps every parser shares: table titles from
captions, header rows of tables."""
from __future__ import annotations

import re

from .model import CAPTION, TABLE, Block, Document

_NUMERIC = re.compile(r"^[\s\-—–+]*[\d０-９][\d０-９,，.．%％:：\s]*$")
_HEADER_WORDS = ("序号", "指标", "单位", "项目", "名称", "类别", "年", "内容", "姓名", "编号", "专业", "备注", "合计")


def is_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(text or ""))


def guess_header_rows(grid: list[list[str]]) -> int:
    """How many leading rows of a table are header rows.

    A leading row is a header when none of its cells is a bare number and it
    holds a typical header word (序号, 指标, 单位, 2023年 …) or the rows below it
    hold numbers.  At most two header rows are recognised."""
    if len(grid) < 2:
        return 0
    n = 0
    for row in grid[:2]:
        cells = [c.strip() for c in row if c and c.strip()]
        if not cells or any(is_numeric(c) for c in cells):
            break
        worded = sum(any(w in c for w in _HEADER_WORDS) for c in cells)
        below_numeric = any(is_numeric(c) for r in grid[n + 1:n + 4] for c in r if c)
        if worded >= max(1, len(cells) // 2) or (n == 0 and below_numeric and worded):
            n += 1
        else:
            break
    return n


def attach_captions(doc: Document) -> None:
    """Give each table the title of its caption: the 表N / 附表N caption just
    before it, or a 表N caption just after it (Word reports put them either
    side).  Also fill header_rows where the parser left it unset."""
    blocks = doc.blocks
    used: set[int] = set()
    for i, b in enumerate(blocks):
        if b.kind != TABLE:
            continue
        if not b.header_rows and b.rows:
            b.header_rows = guess_header_rows(b.grid())
        if b.title:
            continue
        cap = _caption_near(blocks, i, used)
        if cap is not None:
            used.add(id(cap))
            title = cap.title or ""
            # "表1 2024年…": a space keeps the number apart from a title that opens with a digit (not 表12024年)
            b.title = f"{cap.number}{' ' if cap.number[-1:].isdigit() and title[:1].isdigit() else ''}{title}"
            b.number = cap.number
            b.meta.setdefault("caption_kind", cap.meta.get("caption_kind"))


def _caption_near(blocks: list[Block], i: int, used: set[int]) -> Block | None:
    # before: skip empty paragraphs, at most two blocks back
    for j in range(i - 1, max(-1, i - 3), -1):
        c = blocks[j]
        if c.kind == CAPTION and c.meta.get("caption_kind") in ("table", "appendix") and id(c) not in used:
            return c
        if c.kind == TABLE or (c.kind != CAPTION and c.text.strip()):
            break
    if i + 1 < len(blocks):
        c = blocks[i + 1]
        if c.kind == CAPTION and c.meta.get("caption_kind") == "table" and id(c) not in used:
            return c
    return None


def classify_line(text: str, assigner, *, emphasised: bool = False, **kw) -> Block:
    """Turn one line of text into a caption, heading or paragraph block,
    using the shared patterns in rules/headings.yaml."""
    from .headings import match_caption, match_heading
    from .model import HEADING, PARAGRAPH
    s = text.strip()
    cm = match_caption(s)
    if cm:
        return Block(kind=CAPTION, text=s, number=cm.number, title=cm.title,
                     meta={"caption_kind": cm.kind}, **kw)
    hm = match_heading(s, emphasised=emphasised)
    if hm:
        return Block(kind=HEADING, text=s, level=assigner.level(hm), number=hm.number,
                     title=hm.title, meta={"style": hm.style}, **kw)
    return Block(kind=PARAGRAPH, text=s, **kw)
