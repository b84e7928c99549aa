"""HTML (and MHT, "web archive") content as document-model blocks.

Used for Word's ``w:altChunk`` parts — content pasted or merged into a .docx
as HTML, which Word shows as part of the body — and usable for any HTML
report.  lxml.html (already a python-docx dependency) parses the markup; this
module only maps it onto the model:

* ``h1``–``h6`` → headings of that level; ``p``, ``div`` and other blocks →
  paragraphs, classified with the shared heading patterns
  (``rules/headings.yaml``) like a Word paragraph without a heading style;
* ``ol``/``ul`` items → list items (``Block.list_item``, the label — ``1.``,
  ``a.`` — in ``number``, never in the text); so are paragraphs Word wrote
  with their list label typed out (``<span style="mso-list:Ignore">1.</span>``);
* ``table`` → a table block with ``rowspan``/``colspan`` expanded into the
  full grid (text at the origin only); a table inside a cell is kept in the
  cell's text and emitted as a table of its own after its parent;
* ``script``, ``style``, ``head``, comments and ``display:none`` elements are
  dropped; whitespace is
  collapsed as a browser does, and a line break in the source between two
  Chinese characters joins them.

Not handled: CSS beyond ``display:none`` (classes, generated numbering),
images (no OCR), forms.
"""
from __future__ import annotations

import email
import email.policy
import re

from .headings import LevelAssigner, match_heading, word_list_rules
from .model import HEADING, PARAGRAPH, Block, make_table
from .structure import classify_line

_SKIP = {"script", "style", "head", "title", "meta", "link", "noscript", "template", "object", "iframe"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {"p", "div", "blockquote", "pre", "section", "article", "header", "footer", "main", "body", "html",
           "center", "dl", "dt", "dd", "caption", "figure", "figcaption", "address", "nav", "aside", "form",
           "fieldset", "hr", "tbody", "thead", "tfoot", "tr", "td", "th"}
_LISTS = {"ul", "ol", "menu", "dir"}
_WS = re.compile(r"[ \t\r\n\f\u00a0]+")     # HTML whitespace (and &nbsp;)
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_MSO_LABEL = re.compile(r"mso-list\s*:\s*ignore", re.I)     # Word's HTML: the list label it typed out
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def decode_html(data: bytes) -> str:
    """HTML bytes to text: the charset the document declares (meta or XML
    declaration), else by byte-order mark / UTF-8 / GB18030 / Big5 as for
    text files."""
    m = _CHARSET.search(data[:4096])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    from .txt_parser import decode
    return decode(data)[0]


def mht_html(data: bytes) -> str | None:
    """The HTML part of an MHT (MIME "web archive"), decoded; None without one."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() in ("text/html", "application/xhtml+xml"):
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            if charset:
                try:
                    return payload.decode(charset)
                except (LookupError, UnicodeDecodeError):
                    pass
            return decode_html(payload)
    return None


def html_blocks(html: str, assigner: LevelAssigner | None = None, **kw) -> list[Block]:
    """The blocks of an HTML document, in reading order.  ``assigner`` gives
    typed-numbering headings their levels (share the document's); ``kw``
    (``ref``, ``page``) is passed to every block."""
    import lxml.html
    from lxml import etree
    if not html.strip():
        return []
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    walker = _HtmlWalker(assigner or LevelAssigner(), kw)
    walker.container(root)
    walker.flush()
    return walker.blocks


def _tag(el) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


class _HtmlWalker:
    def __init__(self, assigner: LevelAssigner, kw: dict) -> None:
        self.assigner = assigner
        self.kw = kw
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.label: str | None = None

    # -- text -----------------------------------------------------------------
    def flush(self) -> None:
        """The buffered text as one paragraph (a <br> stays a line break
        inside it), classified like a Word paragraph without a style; with a
        list label Word wrote before it (mso-list), a list item unless the
        label is of the report's hierarchy (一、/（一）) and the line a title."""
        text = _clean("".join(self.buf))
        label, self.buf, self.label = self.label, [], None
        if not text:
            return
        flat = text.replace("\n", "")
        if label:
            b = classify_line(f"{label}{flat}", self.assigner, **self.kw)
            if b.kind == HEADING and b.meta.get("style") in word_list_rules().hierarchy_styles:
                self.blocks.append(b)
            else:
                self.blocks.append(Block(kind=PARAGRAPH, text=text, number=label, level=1, list_item=True,
                                         meta={"html": "mso-list"}, **self.kw))
            return
        b = classify_line(flat, self.assigner, **self.kw) if "\n" not in text or len(flat) <= 60 else None
        self.blocks.append(b if b is not None and b.kind != PARAGRAPH else Block(kind=PARAGRAPH, text=text, **self.kw))

    def inline(self, el) -> None:
        """Text of an inline element (and of everything in it) into the buffer."""
        tag = _tag(el)
        if tag is None or tag in _SKIP or _hidden(el):
            return
        if tag == "br":
            self.buf.append("\n")
            return
        if _MSO_LABEL.search(el.get("style") or "") and not "".join(self.buf).strip():
            self.label = _clean(_text(el)).replace("\n", "") or None   # Word's list label
            return
        if tag in _BLOCKS or tag in _LISTS or tag in _HEADINGS or tag in ("table", "li"):
            self.block(el)
            return
        self.text(el.text)
        for ch in el:
            self.inline(ch)
            self.text(ch.tail)

    def text(self, s: str | None) -> None:
        """Source text: runs of whitespace (line breaks too) are one space."""
        if s:
            self.buf.append(_WS.sub(" ", s))

    # -- blocks ---------------------------------------------------------------
    def container(self, el) -> None:
        self.text(el.text)
        for ch in el:
            self.inline(ch)
            self.text(ch.tail)

    def block(self, el) -> None:
        tag = _tag(el)
        self.flush()
        if tag in _HEADINGS:
            self.heading(el, _HEADINGS[tag])
        elif tag in _LISTS:
            self.html_list(el, 1)
        elif tag == "table":
            self.table(el)
        else:
            self.container(el)
        self.flush()

    def heading(self, el, level: int) -> None:
        text = _clean(_text(el)).replace("\n", "")
        if not text:
            return
        hm = match_heading(text, numbered_only=True)
        self.assigner.observe(hm.style if hm else "html", level)
        self.blocks.append(Block(kind=HEADING, text=text, level=level, number=hm.number if hm else None,
                                 title=hm.title if hm else text, meta={"html": f"h{level}"}, **self.kw))

    def html_list(self, el, depth: int) -> None:
        ordered = _tag(el) == "ol"
        n = _int(el.get("start"), 1)
        fmt = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(el.get("type"),
                                                                                                "decimal")
        for li in el:
            if _tag(li) != "li":
                if _tag(li) in _LISTS:
                    self.html_list(li, depth + 1)
                continue
            n = _int(li.get("value"), n)
            label = None
            if ordered:
                from .docx_parser import format_number
                label = f"{format_number(n, fmt)}."
                n += 1
            self.list_item(li, label, depth)

    def list_item(self, li, label: str | None, depth: int) -> None:
        sub = _HtmlWalker(self.assigner, self.kw)
        nested = []
        sub.text(li.text)
        for ch in li:
            if _tag(ch) in _LISTS or _tag(ch) == "table":
                nested.append(ch)
            else:
                sub.inline(ch)
            sub.text(ch.tail)
        text = _clean("".join(sub.buf)).replace("\n", " ").strip()
        if text:
            self.blocks.append(Block(kind=PARAGRAPH, text=text, number=label, level=depth, list_item=True,
                                     meta={"html": "li"}, **self.kw))
        self.blocks.extend(sub.blocks)
        for ch in nested:
            if _tag(ch) in _LISTS:
                self.html_list(ch, depth + 1)
            else:
                self.table(ch)

    def table(self, el) -> None:
        grid: list[list[str | None]] = []
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        taken: set[tuple[int, int]] = set()
        nested: list = []
        for r, tr in enumerate(_rows(el)):
            grid.append([])
            c = 0
            for td in tr:
                if _tag(td) not in ("td", "th"):
                    continue
                while (r, c) in taken:
                    c += 1
                rs, cs = max(1, _int(td.get("rowspan"), 1)), max(1, _int(td.get("colspan"), 1))
                text, inner = _cell(td, self)
                nested.extend(inner)
                _put(grid, r, c, text)
                for dr in range(rs):
                    for dc in range(cs):
                        taken.add((r + dr, c + dc))
                if rs > 1 or cs > 1:
                    spans[(r, c)] = (rs, cs)
                c += cs
        n_rows = max([len(grid)] + [r + 1 for r, _ in taken])
        while len(grid) < n_rows:
            grid.append([])
        if not any(any(x for x in row) for row in grid):
            return
        block = make_table(grid, spans, **self.kw)
        block.meta["html"] = "table"
        parent = len(self.blocks)
        self.blocks.append(block)
        for tables in nested:
            offset = len(self.blocks)
            for b in tables:
                b.meta["nested_in"] = b.meta["nested_in"] + offset if "nested_in" in b.meta else parent
            self.blocks.extend(tables)


def _rows(table):
    for ch in table:
        tag = _tag(ch)
        if tag == "tr":
            yield ch
        elif tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in ch if _tag(tr) == "tr")


def _cell(td, parent: _HtmlWalker) -> tuple[str, list[list[Block]]]:
    """A cell's text (a nested table as ' / '-joined rows) and, per nested
    table, its block and those nested in it (``meta["nested_in"]`` relative
    to that list)."""
    sub = _HtmlWalker(parent.assigner, parent.kw)
    sub.container(td)
    sub.flush()
    lines: list[str] = []
    nested: list[list[Block]] = []
    where: dict[int, tuple[int, int]] = {}     # index in sub.blocks → (group, index in it)
    for i, b in enumerate(sub.blocks):
        if b.rows is None:
            lines.append(f"{b.number} {b.text}" if b.list_item and b.number else b.text)
        elif "nested_in" not in b.meta:
            lines.append("\n".join(" / ".join(c for c in row if c) for row in b.grid()))
            b.meta["nested"] = True
            where[i] = (len(nested), 0)
            nested.append([b])
        else:
            g, k = where[b.meta["nested_in"]]
            b.meta["nested_in"] = k
            where[i] = (g, len(nested[g]))
            nested[g].append(b)
    return "\n".join(x for x in lines if x), nested


def _put(grid: list[list[str | None]], r: int, c: int, text: str) -> None:
    row = grid[r]
    while len(row) <= c:
        row.append(None)
    row[c] = text


def _hidden(el) -> bool:
    return bool(_HIDDEN.search(el.get("style") or ""))


def _text(el) -> str:
    parts = [_WS.sub(" ", el.text or "")]
    for ch in el:
        tag = _tag(ch)
        if tag == "br":
            parts.append("\n")
        elif tag is not None and tag not in _SKIP and not _hidden(ch):
            parts.append(_text(ch))
        parts.append(_WS.sub(" ", ch.tail or ""))
    return "".join(parts)


def _clean(text: str) -> str:
    lines = [_CJK_GAP.sub("", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _int(v, default: int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default
