"""Read a Word (.docx) report into the document model.

python-docx opens the package (parts, relationships, styles, numbering); the
body is walked as raw XML so that nothing python-docx skips is lost and the
order of paragraphs and tables is kept:

* content controls (``w:sdt``), tracked insertions (``w:ins``, ``w:moveTo``)
  keep their text; tracked deletions (``w:del``, ``w:moveFrom``) and hidden
  runs are dropped;
* automatic numbering (``w:numPr`` → ``numbering.xml``) is resolved to the
  label Word displays ("1.1", "（一）", "一、", "第一部分")
  (:mod:`ingest.docx_numbering`; paragraph styles in :mod:`ingest.docx_styles`,
  XML names in :mod:`ingest.docx_xml`);
* heading levels come from heading styles (also through ``basedOn``), from
  outline levels, or else from typed numbering (:func:`classify_line`);
* numbered and bulleted paragraphs without a heading style or outline level
  are list items (``Block.list_item``, the label in ``number``, never glued
  to the text) unless their list reads as headings
  (:mod:`ingest.docx_lists`);
* ``w:altChunk`` parts (HTML, MHT, plain text, a whole .docx) are read where
  they stand (:mod:`ingest.docx_altchunk`, :mod:`ingest.html_blocks`); RTF
  ones are reported in ``warnings``;
* a document of pictures with (almost) no text is ``needs_ocr``;
* merged cells (``gridSpan``, ``vMerge``, ``hMerge``, ``gridBefore``/``After``)
  are expanded into a rectangular grid with the text at the origin only
  (:mod:`ingest.docx_tables`);
  nested tables are kept in their cell's text and emitted as table blocks of
  their own right after the parent;
* text boxes (``w:txbxContent``; one branch of ``mc:AlternateContent``) are
  emitted after the paragraph that anchors them;
* page headers and footers never become blocks (their text goes to
  ``metadata["headers"]`` / ``metadata["footers"]``).

Word files carry no fixed pages.  Page numbers are estimated from the breaks
Word recorded at its last layout (``w:lastRenderedPageBreak``) or, failing
that, from explicit breaks plus a line count derived from the page size and
the body font; ``metadata["page_estimate"]`` is then True and each block's
``meta["page_est"]`` holds its estimated page (``Block.page`` stays None).
"""
from __future__ import annotations

import math
import re
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from . import errors
from .errors import IngestError
from .docx_altchunk import DOCX, HTML, TEXT, chunk_content
from .docx_lists import list_paragraphs
from .docx_xml import (A_BLIP, MC_ALT, MC_CHOICE, MC_FALLBACK, M_OMATH, M_OMATHPARA, M_T, R_ID, V_IMAGEDATA,
    WP_EXTENT, W_ALTCHUNK, W_ANCHOR, W_B, W_BDO, W_BR, W_CHAR, W_CR, W_CUSTOMXML, W_DEL, W_DIR, W_DRAWING,
    W_FLDSIMPLE, W_FOOTERREF, W_HEADERREF, W_HYPERLINK, W_ILVL, W_INS, W_LRPB, W_MOVEFROM, W_MOVETO, W_NBH,
    W_NS, W_NUMID, W_NUMPR, W_OBJECT, W_OUTLINE, W_P, W_PBB, W_PICT, W_PPR, W_PSTYLE, W_PTAB, W_R, W_RPR,
    W_RUBY, W_RUBYBASE, W_SDT, W_SDTCONTENT, W_SDTPR, W_SECTPR, W_SMARTTAG, W_SYM, W_SZ, W_T, W_TAB, W_TBL,
    W_TXBX, W_TYPE, W_VAL, W_VANISH, w_tag, is_on, to_int)
from .docx_numbering import Numbering, format_number  # noqa: F401  (format_number re-exported: html_blocks, tests)
from .docx_styles import StyleInfo, Styles
from .docx_tables import TableGrid, cell_props, iter_cells, iter_rows, row_props, table_as_text
from .html_blocks import html_blocks
from .headings import LevelAssigner, match_caption, match_heading, word_list_rules
from .model import CAPTION, HEADING, PAGE_EMPTY, PAGE_OK, PARAGRAPH, TABLE, Block, Document, PageInfo
from .structure import classify_line

#: paragraphs with a numPr or a pStyle among the space-separated ``$ids``
_NUMBERED_P = etree.XPath(
    ".//w:p[w:pPr/w:numPr or contains($ids, concat(' ', w:pPr/w:pStyle/@w:val, ' '))]", namespaces={"w": W_NS})

# containers whose children are runs (or more containers) inside a paragraph
_INLINE_CONTAINERS = {W_HYPERLINK, W_SMARTTAG, W_CUSTOMXML, W_INS, W_MOVETO, W_FLDSIMPLE, W_DIR, W_BDO}
_INLINE_SKIPPED = {W_DEL, W_MOVEFROM, W_PPR}


# --------------------------------------------------------------------------
# the walker
# --------------------------------------------------------------------------
class _Para:
    """What one w:p holds."""
    __slots__ = ("text", "style", "num_id", "ilvl", "outline", "label", "fmt", "textboxes",
                 "br_before", "br_after", "rbr_before", "rbr_after", "toc", "image_pt", "sect",
                 "bold", "large", "emph_chars", "plain_chars", "pictures")

    def __init__(self) -> None:
        self.text = ""
        self.style: StyleInfo | None = None
        self.num_id = None
        self.ilvl = None
        self.outline = None
        self.label: str | None = None
        self.fmt: str | None = None
        self.textboxes: list = []
        self.br_before = self.br_after = 0     # explicit page breaks
        self.rbr_before = self.rbr_after = 0   # breaks at Word's last layout
        self.toc = False
        self.image_pt = 0.0
        self.sect = False
        self.bold = self.large = False         # the paragraph style's
        self.emph_chars = self.plain_chars = 0  # characters in bold/large runs, in others
        self.pictures = 0

    @property
    def emphasised(self) -> bool:
        """Set apart by its type: (nearly) all its characters bold or large."""
        return self.emph_chars > 0 and self.plain_chars <= 0.1 * (self.emph_chars + self.plain_chars)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_MULTI_NL = re.compile(r"\n{2,}")


def _units(text: str) -> float:
    """Width of a text in full-width character units."""
    wide = len(_CJK.findall(text))
    return wide + (len(text) - wide) * 0.5


class _Walker:
    def __init__(self, docx_doc, doc: Document) -> None:
        self.doc = doc
        self.part = docx_doc.part
        self.numbering = Numbering(self._related_root("numbering"))
        self.styles = Styles(self._related_root("styles"), self.numbering)
        self.assigner = LevelAssigner()
        self.lists: set = set()    # w:p elements that are list items
        self.pictures = 0          # paragraphs that hold a picture
        self.depth = 0             # .docx altChunks inside altChunks
        self._typed_run = None     # typed list being read: (style, assigner state before it, last item)
        self.ref = ""
        # page layout estimate
        self.rendered = 0          # lastRenderedPageBreak count (outside text boxes)
        self.explicit = 0
        self.page = 1              # page by explicit breaks + line count
        self.rpage = 1             # page by rendered breaks
        self.lines = 0.0
        self._last_rstart = 1
        self._layout_setup(docx_doc)

    # -- package helpers ------------------------------------------------------
    def _related_root(self, kind: str):
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        rt = {"numbering": RT.NUMBERING, "styles": RT.STYLES}[kind]
        try:
            part = self.part.part_related_by(rt)
        except (KeyError, ValueError):
            return None
        el = getattr(part, "element", None)
        if el is None:
            blob = getattr(part, "blob", None)
            if not blob:
                return None
            from lxml import etree
            el = etree.fromstring(blob)
        return el

    def _layout_setup(self, docx_doc) -> None:
        body = docx_doc.element.body
        sect = body.find(W_SECTPR)
        w, h = 11906, 16838
        top = bottom = 1440
        left = right = 1800
        pitch = None
        if sect is not None:
            for ch in sect:
                if ch.tag == w_tag("pgSz"):
                    w = to_int(ch.get(w_tag("w")), w)
                    h = to_int(ch.get(w_tag("h")), h)
                elif ch.tag == w_tag("pgMar"):
                    top = abs(to_int(ch.get(w_tag("top")), top))
                    bottom = abs(to_int(ch.get(w_tag("bottom")), bottom))
                    left = to_int(ch.get(w_tag("left")), left)
                    right = to_int(ch.get(w_tag("right")), right)
                elif ch.tag == w_tag("docGrid") and ch.get(W_TYPE) in ("lines", "linesAndChars", "snapToChars"):
                    pitch = to_int(ch.get(w_tag("linePitch")))
        font_pt, factor = self.styles.body_metrics()
        self.body_pt = font_pt
        width_pt = max(100.0, (w - left - right) / 20)
        height_pt = max(100.0, (h - top - bottom) / 20)
        single = (pitch / 20) if pitch else font_pt * 1.3
        self.line_pt = max(6.0, single * factor)
        self.cpl = max(8.0, width_pt / font_pt)              # characters per line
        self.lpp = max(5.0, height_pt / self.line_pt)        # lines per page

    # -- paragraphs -----------------------------------------------------------
    def para(self, p, *, count: bool = True) -> _Para:
        """Read one w:p: text, style, numbering label, text boxes, breaks,
        emphasis (bold or large type)."""
        info = _Para()
        pbb = self._props(p, info)
        st = info.style
        if pbb is None:
            pbb = st.break_before
        if pbb:
            info.br_before += 1
        if info.num_id is not None:
            got = self.numbering.label(info.num_id, info.ilvl, advance=count)
            if got:
                info.label, info.fmt = got
        parts: list[str] = []
        self._inline(p, parts, info)
        text = "".join(parts)
        if "\n" in text:
            text = _MULTI_NL.sub("\n", "\n".join(line.strip() for line in text.split("\n")))
        info.text = text.strip()
        if count:
            self.pictures += info.pictures
        return info

    def numbered_paragraphs(self, body) -> list:
        """The w:p elements under ``body``, in document order, that have a
        numPr or a paragraph style that numbers (one XPath query)."""
        if not self.numbering.nums:
            return []
        styles = self.styles.numbering_styles()
        if self.styles.default_para in styles:
            return list(body.iter(W_P))
        return _NUMBERED_P(body, ids=" " + " ".join(sorted(sid for sid in styles if " " not in sid)) + " ")

    def para_props(self, p) -> _Para:
        """Style, outline level and numbering of one w:p, without its text."""
        info = _Para()
        self._props(p, info)
        return info

    def _props(self, p, info: _Para) -> bool | None:
        """Paragraph properties into ``info``: style, outline level, numbering
        (the paragraph's numPr, else its style's; numId 0 = none).  Returns
        the paragraph's own pageBreakBefore (None when not set)."""
        ppr = p.find(W_PPR)
        pstyle = None
        pbb = None
        if ppr is not None:
            for ch in ppr:
                tag = ch.tag
                if tag == W_PSTYLE:
                    pstyle = ch.get(W_VAL)
                elif tag == W_NUMPR:
                    for n in ch:
                        if n.tag == W_NUMID:
                            info.num_id = n.get(W_VAL)
                        elif n.tag == W_ILVL:
                            info.ilvl = to_int(n.get(W_VAL), 0)
                elif tag == W_OUTLINE:
                    info.outline = to_int(ch.get(W_VAL))
                elif tag == W_PBB:
                    pbb = is_on(ch)
                elif tag == W_SECTPR:
                    info.sect = True
        st = self.styles.info(pstyle)
        info.style = st
        info.toc = st.toc
        info.bold = st.bold
        info.large = bool(st.font_pt and st.font_pt > self.body_pt * 1.1)
        num_id = info.num_id if info.num_id is not None else st.num_id
        if num_id is not None and num_id != "0":
            info.num_id = num_id
            if info.ilvl is None:
                info.ilvl = st.ilvl if st.ilvl is not None else 0
        else:
            info.num_id = None
        return pbb

    def _inline(self, el, parts: list[str], info: _Para) -> None:
        for ch in el:
            tag = ch.tag
            if tag == W_R:
                self._run(ch, parts, info)
            elif tag in _INLINE_CONTAINERS:
                if tag == W_HYPERLINK and (ch.get(W_ANCHOR) or "").startswith("_Toc"):
                    info.toc = True
                self._inline(ch, parts, info)
            elif tag == W_SDT:
                content = ch.find(W_SDTCONTENT)
                if content is not None:
                    self._inline(content, parts, info)
            elif tag == MC_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self._inline(branch, parts, info)
            elif tag == M_OMATHPARA or tag == M_OMATH:
                parts.append("".join(t.text or "" for t in ch.iter(M_T)))
            elif tag in _INLINE_SKIPPED:
                continue

    def _run(self, r, parts: list[str], info: _Para) -> None:
        emph = info.bold or info.large
        for ch in r:
            tag = ch.tag
            if tag == W_T:
                _run_text(ch.text, parts, info, emph)
            elif tag == W_RPR:
                if is_on(ch.find(W_VANISH)):
                    return
                emph = self._emphasis(ch, info)
            elif tag == W_DRAWING or tag == W_PICT or tag == W_OBJECT:
                self._graphic(ch, info)
            elif tag == MC_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self._run(branch, parts, info)
            elif tag == W_RUBY:
                base = ch.find(W_RUBYBASE)
                if base is not None:
                    self._inline(base, parts, info)
            else:
                _run_mark(ch, parts, info)

    def _emphasis(self, rpr, info: _Para) -> bool:
        """Is a run set bold or larger than the body text (its own rPr over
        its paragraph style's)?"""
        b = rpr.find(W_B)
        bold = is_on(b) if b is not None else info.bold
        sz = rpr.find(W_SZ)
        half = to_int(sz.get(W_VAL)) if sz is not None else None
        large = half / 2 > self.body_pt * 1.1 if half else info.large
        return bold or large

    def _graphic(self, el, info: _Para) -> None:
        _find_txbx(el, info.textboxes)
        for _ in el.iter(A_BLIP, V_IMAGEDATA):
            info.pictures += 1
            break
        if el.tag == W_DRAWING:
            for ext in el.iter(WP_EXTENT):
                cy = to_int(ext.get("cy"))
                if cy:
                    info.image_pt += cy / 12700
                break

    # -- layout estimate ------------------------------------------------------
    def _advance(self, lines: float, br_before: int, br_after: int, rbr_before: int, rbr_after: int) -> int:
        """Account one body element; return its estimated (start) page."""
        if br_before:
            if self.lines > 0:
                self.page += int((self.lines - 1e-9) // self.lpp) + br_before
            else:  # already at the top of a page: one break is absorbed
                self.page += br_before - 1
            self.lines = 0.0
            self.explicit += br_before
        self.rpage += rbr_before
        self.rendered += rbr_before + rbr_after
        start_page = self.page + int(self.lines // self.lpp)
        self._last_rstart = self.rpage
        self.lines += lines
        self.rpage += rbr_after
        if br_after:
            self.page += int((self.lines - 1e-9) // self.lpp) + br_after
            self.lines = 0.0
            self.explicit += br_after
        return start_page

    def _para_lines(self, info: _Para, heading: bool) -> float:
        if not info.text:
            n = 1.0
        else:
            n = sum(max(1, math.ceil((_units(line) + 2) / self.cpl)) for line in info.text.split("\n"))
        if heading:
            n = n * 1.3 + 0.8
        if info.image_pt:
            n += info.image_pt / self.line_pt
        return n

    def _table_lines(self, block: Block) -> float:
        cols = max(1, block.n_cols)
        cell_cpl = max(2.0, self.cpl / cols - 1)
        total = 0.0
        for row in block.rows or []:
            h = 1
            for c in row:
                if c.is_origin and c.text:
                    h = max(h, sum(math.ceil(_units(t) / (cell_cpl * c.colspan) or 1) for t in c.text.split("\n")))
            total += h * 0.85 + 0.25
        return total

    # -- body -----------------------------------------------------------------
    def walk_body(self, body, prefix: str = "body") -> None:
        self.lists = list_paragraphs(self, body)
        for i, el in enumerate(body):
            self.ref = f"{prefix}/{i}"
            self._block_level(el, toc=False)

    # -- altChunk: HTML / MHT / text / .docx merged into the body --------------
    def _alt_chunk(self, el) -> None:
        rid = el.get(R_ID)
        part = self.part.related_parts.get(rid) if rid else None
        if part is None:
            self.doc.warnings.append(f"{self.ref}: 嵌入内容缺失 / altChunk {rid!r} has no part")
            return
        try:
            kind, payload = chunk_content(getattr(part, "content_type", ""), part.blob)
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception as e:  # undecodable or malformed: the rest of the document still counts
            self.doc.warnings.append(f"{self.ref}: 嵌入内容无法读取 / altChunk cannot be read "
                                     f"({type(e).__name__}: {e})")
            return
        if kind == DOCX:
            self._alt_docx(payload)
        elif kind in (HTML, TEXT):
            blocks = (html_blocks(payload, self.assigner, ref=self.ref, page=None) if kind == HTML else
                      [classify_line(s, self.assigner, ref=self.ref, page=None)
                       for s in (line.strip() for line in payload.splitlines()) if s])
            base = len(self.doc.blocks)
            for b in blocks:
                if "nested_in" in b.meta:
                    b.meta["nested_in"] += base
                b.meta["alt_chunk"] = kind
                lines = self._table_lines(b) if b.kind == TABLE else self._text_lines(b.text, b.kind == HEADING)
                self._emit(b, self._advance(lines, 0, 0, 0, 0))
        else:
            self.doc.warnings.append(f"{self.ref}: 嵌入内容（{kind}）未读取 / embedded {kind} content "
                                     f"(altChunk, {getattr(part, 'content_type', '?')}) was not read")

    def _alt_docx(self, blob: bytes) -> None:
        """A whole .docx merged into the body: walked with its own styles and
        numbering, into this document, continuing its page estimate."""
        import io
        import docx
        if self.depth >= 3:
            self.doc.warnings.append(f"{self.ref}: .docx altChunk nested too deep, not read")
            return
        try:
            inner = docx.Document(io.BytesIO(blob))
        except MemoryError:   # the worker's to handle: the file fails with ``memory``
            raise
        except Exception as e:  # a broken embedded package must not lose the rest
            self.doc.warnings.append(f"{self.ref}: 嵌入的 Word 内容无法读取 / embedded .docx (altChunk) "
                                     f"cannot be read: {type(e).__name__}")
            return
        sub = _Walker(inner, self.doc)
        sub.depth = self.depth + 1
        sub.assigner = self.assigner
        sub.page, sub.rpage, sub.lines, sub._last_rstart = self.page, self.rpage, self.lines, self._last_rstart
        sub.walk_body(inner.element.body, prefix=f"{self.ref}/altChunk")
        self.page, self.lines, self.rpage = sub.page, sub.lines, sub.rpage
        self.rendered += sub.rendered
        self.explicit += sub.explicit
        self.pictures += sub.pictures

    def _text_lines(self, text: str, heading: bool) -> float:
        n = sum(max(1, math.ceil((_units(line) + 2) / self.cpl)) for line in text.split("\n"))
        return n * 1.3 + 0.8 if heading else n

    def _block_level(self, el, *, toc: bool, textbox: bool = False) -> None:
        tag = el.tag
        if tag == W_P:
            self._body_para(el, toc=toc, textbox=textbox)
        elif tag == W_TBL:
            self._body_table(el, textbox=textbox)
        elif tag == W_SDT:
            toc = toc or _sdt_is_toc(el)
            content = el.find(W_SDTCONTENT)
            if content is not None:
                for ch in content:
                    self._block_level(ch, toc=toc, textbox=textbox)
        elif tag == W_CUSTOMXML or tag == W_INS or tag == W_MOVETO:
            for ch in el:
                self._block_level(ch, toc=toc, textbox=textbox)
        elif tag == MC_ALT:
            branch = _alt_branch(el)
            if branch is not None:
                for ch in branch:
                    self._block_level(ch, toc=toc, textbox=textbox)
        elif tag == W_ALTCHUNK:
            self._alt_chunk(el)

    def _emit(self, block: Block, page: int) -> Block:
        block.meta["page_est"] = page
        block.meta["_rpage"] = self._last_rstart
        self.doc.add(block)
        return block

    def _body_para(self, p, *, toc: bool, textbox: bool) -> None:
        info = self.para(p)
        before = (dict(self.assigner.levels), self.assigner.last_level)
        block = self._para_block(info, toc=toc or info.toc, textbox=textbox, listed=p in self.lists)
        if block is not None and not textbox:
            self._typed_list(block, info, before)
        if textbox:
            page = self.page + int(self.lines // self.lpp)
            self._last_rstart = self.rpage
        else:
            page = self._advance(self._para_lines(info, block is not None and block.kind == HEADING),
                                 info.br_before, info.br_after + (1 if info.sect and self._sect_breaks(p) else 0),
                                 info.rbr_before, info.rbr_after)
        if block is not None:
            if textbox:
                block.meta["textbox"] = True
            self._emit(block, page)
        for tx in info.textboxes:
            for ch in tx:
                self._block_level(ch, toc=False, textbox=True)

    def _typed_list(self, block: Block, info: _Para, before: tuple) -> None:
        """Lines typed as 1. / (1) / ① (no Word numbering) that follow one
        another, of one style and in plain type, are a list: the second one
        turns itself and the first into list items and undoes what they told
        the level assigner (``before``: its state before the line)."""
        style = block.meta.get("style")
        typed = (block.kind == HEADING and style in word_list_rules().typed_list_styles
                 and "level_source" not in block.meta and "numbering" not in block.meta and not info.emphasised)
        run = self._typed_run
        if not typed:
            self._typed_run = None
            return
        if run is None or run[0] != style or not self.doc.blocks or self.doc.blocks[-1] is not run[2]:
            self._typed_run = (style, before, block)
            return
        self.assigner.levels, self.assigner.last_level = dict(run[1][0]), run[1][1]
        for b in (run[2], block):
            if b.kind == HEADING:
                b.kind, b.text, b.title, b.level, b.list_item = PARAGRAPH, b.title, None, 1, True
                b.meta.pop("style", None)
                b.meta["numbering"] = "typed"
        self._typed_run = (style, run[1], block)

    def _sect_breaks(self, p) -> bool:
        """Does the section that ends at this paragraph end with a page break?
        (The next section's w:type decides; default nextPage.)"""
        nxt = p.getnext()
        while nxt is not None:
            if nxt.tag == W_SECTPR:
                break
            if nxt.tag == W_P:
                ppr = nxt.find(W_PPR)
                s = ppr.find(W_SECTPR) if ppr is not None else None
                if s is not None:
                    nxt = s
                    break
            nxt = nxt.getnext()
        if nxt is None or nxt.tag != W_SECTPR:
            return False
        t = nxt.find(W_TYPE)
        return t is None or t.get(W_VAL, "nextPage") != "continuous"

    def _para_block(self, info: _Para, *, toc: bool, textbox: bool, listed: bool = False) -> Block | None:
        """The block for one paragraph (None when it has no text).  ``listed``:
        the paragraph is an item of a list level judged a list
        (:func:`ingest.docx_lists.list_paragraphs`)."""
        text = info.text
        label = info.label or ""
        kw = {"ref": self.ref, "page": None}
        st = info.style
        if not text:
            return None
        flat = text.replace("\n", "" if _CJK.search(text) else " ")
        if toc:
            return self._toc_block(flat, text, label, kw)
        level, source = _outline_level(info, flat)
        if level is not None:
            return self._styled_heading(flat, label, min(level, 9), st, source, **kw)
        if st is not None and st.role in ("title", "subtitle"):
            return self._title_block(flat, text, label, st, kw)
        if label or (listed and info.num_id is not None):
            return self._numbered_block(info, flat, listed=listed, textbox=textbox, **kw)
        if textbox or "\n" in text:
            return self._lines_block(flat, text, textbox, kw)
        b = classify_line(text, self.assigner, **kw)
        if st is not None and st.role == "caption" and b.kind == PARAGRAPH:
            b.meta["word_style"] = st.name
        return b

    def _toc_block(self, flat: str, text: str, label: str, kw: dict) -> Block:
        """A table-of-contents entry (a paragraph marked ``toc``), or the 目录 heading itself."""
        hm = match_heading(flat)
        if hm is not None and hm.style == "front":  # the 目录 heading itself
            return classify_line(flat, self.assigner, **kw)
        full = f"{label}{_sep(label, text)}{text}" if label else text
        return Block(kind=PARAGRAPH, text=full, meta={"toc": True}, **kw)

    def _title_block(self, flat: str, text: str, label: str, st: StyleInfo, kw: dict) -> Block:
        """A paragraph in a Title or Subtitle style: a front-matter heading
        when it reads as one, else a paragraph with its role."""
        b = classify_line(flat, self.assigner, **kw) if not label else None
        if b is not None and b.kind == HEADING and b.meta.get("style") == "front":
            b.meta["word_style"] = st.name
            return b
        return Block(kind=PARAGRAPH, text=f"{label}{_sep(label, text)}{text}" if label else text,
                     meta={"role": st.role, "word_style": st.name}, **kw)

    def _lines_block(self, flat: str, text: str, textbox: bool, kw: dict) -> Block:
        """A paragraph in a text box or of several lines: a caption, a short
        heading, else a paragraph keeping its line breaks."""
        cm = match_caption(flat)
        if cm:
            return classify_line(flat, self.assigner, **kw)
        if textbox:
            return Block(kind=PARAGRAPH, text=text, **kw)
        if len(flat) > 60:
            return Block(kind=PARAGRAPH, text=text, **kw)
        b = classify_line(flat, self.assigner, **kw)
        return b if b.kind != PARAGRAPH else Block(kind=PARAGRAPH, text=text, **kw)

    def _numbered_block(self, info: _Para, flat: str, *, listed: bool, textbox: bool, **kw) -> Block:
        """A paragraph numbered by Word (no heading style or outline level):
        a caption (表1 …), a heading when its list is not judged a list and
        it reads as one, else a list item."""
        label = info.label or ""
        if label:
            full = f"{label}{_sep(label, flat)}{flat}"
            cm = match_caption(full)
            if cm or not (listed or textbox):
                b = classify_line(full, self.assigner, **kw)
                if b.kind == CAPTION or (b.kind == HEADING and not textbox):
                    if b.kind == HEADING:
                        b.number, b.title = label, flat
                    b.meta["numbering"] = "auto"
                    return b
        return Block(kind=PARAGRAPH, text=info.text, number=label or None, level=(info.ilvl or 0) + 1,
                     list_item=True, meta={"numbering": "auto", "list_format": info.fmt}, **kw)

    def _styled_heading(self, text: str, label: str, level: int, st: StyleInfo | None, source: str,
                        **kw) -> Block:
        meta = {"word_style": st.name if st else None, "level_source": source}
        if label:
            full = f"{label}{_sep(label, text)}{text}"
            hm = match_heading(full, numbered_only=True)
            if hm is not None:
                self.assigner.observe(hm.style, level)
            else:
                self.assigner.observe("word_auto", level)
            meta["numbering"] = "auto"
            return Block(kind=HEADING, text=full, level=level, number=label, title=text, meta=meta, **kw)
        hm = match_heading(text)
        if hm is not None:
            self.assigner.observe(hm.style, level)
            if hm.style != "front":
                meta["style"] = hm.style
            return Block(kind=HEADING, text=text, level=level, number=hm.number, title=hm.title, meta=meta, **kw)
        self.assigner.observe("word_style", level)
        return Block(kind=HEADING, text=text, level=level, number=None, title=text, meta=meta, **kw)

    # -- tables ---------------------------------------------------------------
    def _body_table(self, tbl, *, textbox: bool) -> None:
        block, nested, rbr = self.table(tbl)
        if block is None:
            return
        if textbox:
            page = self.page + int(self.lines // self.lpp)
            self._last_rstart = self.rpage
            block.meta["textbox"] = True
        else:
            page = self._advance(self._table_lines(block), 0, 0, 0, rbr)
        self._emit_table(block, nested, page)

    def _emit_table(self, block: Block, nested: list, page: int) -> None:
        self._emit(block, page)
        parent = len(self.doc.blocks) - 1
        for child, grandchildren in nested:
            child.meta["nested_in"] = parent
            child.ref = self.ref
            self._emit_table(child, grandchildren, page)

    def table(self, tbl, depth: int = 0):
        """Read one w:tbl → (table block, [(nested block, its nested)…],
        rendered page breaks inside it)."""
        rows_el = list(iter_rows(tbl))
        grid = TableGrid()
        nested: list = []
        rbr = 0
        for tr in rows_el:
            before, after, is_header = row_props(tr)
            grid.start_row(before, is_header)
            row_rbr = 0
            for tc in iter_cells(tr):
                span, vmerge, hmerge = cell_props(tc)
                text, cell_nested, cell_rbr = self._cell(tc, depth)
                row_rbr = max(row_rbr, cell_rbr)
                nested.extend(cell_nested)
                grid.add_cell(text, span, vmerge, hmerge)
            grid.end_row(after)
            rbr += row_rbr
        block = grid.block(self.ref)
        if block is None:
            return None, [], 0
        if depth:
            block.meta["nested"] = True
        return block, nested, rbr

    def _cell(self, tc, depth: int):
        parts: list[str] = []
        nested: list = []
        rbr = 0

        def walk(container):
            nonlocal rbr
            for ch in container:
                tag = ch.tag
                if tag == W_P:
                    info = self.para(ch)
                    rbr += info.rbr_before + info.rbr_after
                    if info.text or info.label:
                        label = info.label or ""
                        parts.append(f"{label}{_sep(label, info.text)}{info.text}" if label and info.text
                                     else (label or info.text))
                    for tx in info.textboxes:
                        walk(tx)
                elif tag == W_TBL:
                    block, sub, _ = self.table(ch, depth + 1)
                    if block is not None:
                        parts.append(table_as_text(block))
                        nested.append((block, sub))
                elif tag in (W_SDT,):
                    content = ch.find(W_SDTCONTENT)
                    if content is not None:
                        walk(content)
                elif tag in (W_CUSTOMXML, W_INS, W_MOVETO):
                    walk(ch)
                elif tag == MC_ALT:
                    branch = _alt_branch(ch)
                    if branch is not None:
                        walk(branch)

        walk(tc)
        return "\n".join(p for p in parts if p), nested, rbr

    # -- headers and footers -------------------------------------------------
    def headers_footers(self, body) -> tuple[list[str], list[str]]:
        heads: list[str] = []
        foots: list[str] = []
        seen: set[str] = set()
        for sect in body.iter(W_SECTPR):
            for ref in sect:
                if ref.tag not in (W_HEADERREF, W_FOOTERREF):
                    continue
                rid = ref.get(R_ID)
                if not rid or rid in seen:
                    continue
                seen.add(rid)
                try:
                    part = self.part.related_parts[rid]
                except KeyError:
                    continue
                root = getattr(part, "element", None)
                if root is None:
                    continue
                lines = []
                for p in root.iter(W_P):
                    t = self.para(p, count=False).text
                    if t:
                        lines.append(t)
                text = "\n".join(lines).strip()
                target = heads if ref.tag == W_HEADERREF else foots
                if text and text not in target:
                    target.append(text)
        return heads, foots

    # -- pages ----------------------------------------------------------------
    def pages(self) -> list[PageInfo]:
        if self.rendered:
            n = self.rpage
            source = "lastRenderedPageBreak"
        else:
            n = self.page + int(max(self.lines - 1e-9, 0) // self.lpp)
            source = "breaks+lines" if self.explicit else "lines"
        n = max(1, n)
        chars = [0] * (n + 1)
        for b in self.doc.blocks:
            rpage = b.meta.pop("_rpage", None)
            pg = rpage if self.rendered else b.meta.get("page_est")
            pg = min(max(1, pg or 1), n)
            b.meta["page_est"] = pg
            if b.kind == TABLE:
                chars[pg] += sum(len(c.text) for r in b.rows or [] for c in r)
            else:
                chars[pg] += len(b.text)
        self.doc.metadata["page_source"] = source
        return [PageInfo(number=i, chars=chars[i], status=PAGE_OK if chars[i] else PAGE_EMPTY,
                         note="estimated") for i in range(1, n + 1)]


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------
def _outline_level(info: _Para, flat: str) -> tuple[int | None, str]:
    """(outline level 1–9 or None, "outline" or "style"): the paragraph's
    own outline level, else its style's; none for a title or for body text
    over 80 characters in a heading style."""
    st = info.style
    level = None
    source = "style"
    if info.outline is not None and 0 <= info.outline < 9:
        level, source = info.outline + 1, "outline"
    else:
        level = st.level if st is not None else None
    if st is not None and st.role == "title":
        level = None
    if level is not None and len(flat) > 80:
        level = None  # a heading style on body text
    return level, source


def _run_text(text: str | None, parts: list[str], info: _Para, emph: bool) -> None:
    """A w:t's text into ``parts``, its characters counted as emphasised or plain."""
    if text:
        parts.append(text)
        if emph:
            info.emph_chars += len(text)
        else:
            info.plain_chars += len(text)


def _run_mark(ch, parts: list[str], info: _Para) -> None:
    """Tabs, breaks, symbols and non-breaking hyphens of a run into
    ``parts``; page breaks (explicit and Word's rendered ones) counted in
    ``info`` as before or after the paragraph's text."""
    tag = ch.tag
    if tag == W_TAB or tag == W_PTAB:
        parts.append(" ")
    elif tag == W_BR:
        kind = ch.get(W_TYPE)
        if kind == "page":
            if any(s.strip() for s in parts):
                info.br_after += 1
            else:
                info.br_before += 1
        elif kind == "column":
            parts.append(" ")
        else:
            parts.append("\n")
    elif tag == W_CR:
        parts.append("\n")
    elif tag == W_LRPB:
        if any(s.strip() for s in parts):
            info.rbr_after += 1
        else:
            info.rbr_before += 1
    elif tag == W_SYM:
        code = _int_hex(ch.get(W_CHAR))
        if code is not None:
            if 0xF020 <= code <= 0xF0FF:
                code -= 0xF000
            parts.append(chr(code))
    elif tag == W_NBH:
        parts.append("-")


def _int_hex(v):
    try:
        return int(v, 16)
    except (TypeError, ValueError):
        return None


def _sep(label: str, text: str) -> str:
    """Separator between a numbering label and the text where both are shown
    together (headings, table cells): none before CJK, a space between two
    ASCII words and before a figure, so that "1." + "12个" never reads as
    1.12."""
    if not (label and text):
        return ""
    if text[0].isdigit() or (label[-1].isascii() and label[-1].isalnum() and text[0].isascii() and text[0].isalnum()):
        return " "
    return ""


def _alt_branch(alt):
    """One branch of mc:AlternateContent: the first Choice, else Fallback."""
    fallback = None
    for ch in alt:
        if ch.tag == MC_CHOICE:
            return ch
        if ch.tag == MC_FALLBACK:
            fallback = ch
    return fallback


def _find_txbx(el, out: list) -> None:
    for ch in el:
        tag = ch.tag
        if tag == W_TXBX:
            out.append(ch)
        elif tag == MC_ALT:
            branch = _alt_branch(ch)
            if branch is not None:
                _find_txbx(branch, out)
        elif isinstance(tag, str):
            _find_txbx(ch, out)


def _sdt_is_toc(sdt) -> bool:
    pr = sdt.find(W_SDTPR)
    if pr is None:
        return False
    for g in pr.iter(w_tag("docPartGallery")):
        if "table of contents" in (g.get(W_VAL) or "").lower():
            return True
    return False


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------
def parse_docx(path) -> Document:
    """Parse a .docx file into a :class:`Document` (not yet finalized:
    :func:`ingest.parse` attaches captions and finalizes)."""
    p = Path(path)
    try:
        return _parse(p)
    except (IngestError, MemoryError):   # a MemoryError is the worker's: ``memory``, never ``truncated``
        raise
    except zipfile.BadZipFile as e:
        raise errors.truncated("Word", f"the ZIP container cannot be opened: {e}") from None
    except (zlib.error, EOFError) as e:
        raise errors.truncated("Word", f"a compressed part cannot be read: {e}") from None
    except KeyError as e:
        raise errors.truncated("Word", f"a part is missing: {e}") from None
    except Exception as e:  # lxml XMLSyntaxError (safety limits too), python-docx errors, I/O, anything else
        from lxml import etree
        detail = f"XML parse error: {e}" if isinstance(e, etree.XMLSyntaxError) else ""
        raise errors.read_failure(e, "Word", detail) from None


def _parse(p: Path) -> Document:
    d = _open_package(p)
    doc = Document(path=str(p), format="docx", parser="python-docx")
    body = d.element.body
    walker = _Walker(d, doc)
    walker.walk_body(body)
    heads, foots = walker.headers_footers(body)
    if heads:
        doc.metadata["headers"] = heads
    if foots:
        doc.metadata["footers"] = foots
    doc.pages = walker.pages()
    doc.metadata["page_estimate"] = True
    titles = [b.text for b in doc.blocks if b.meta.get("role") == "title"]
    if titles:
        doc.metadata["title"] = titles[0]
    _core_properties(doc, d)
    _picture_only(doc, walker.pictures)
    if not doc.blocks:
        doc.warnings.append("正文没有文字 / no text found in the Word body")
    return doc


def _open_package(p: Path):
    """The python-docx Document of ``p``; IngestError ``truncated`` for a
    broken package, ``unsupported`` for Strict Open XML."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    names, head = _document_head(p)
    if b"purl.oclc.org/ooxml/wordprocessingml" in head:
        raise IngestError("unsupported",
                          "Strict Open XML 格式的 Word 文件，请另存为普通 .docx / "
                          "a Strict Open XML Word file: save it as a standard .docx")
    try:
        d = docx.Document(str(p))
    except PackageNotFoundError as e:
        raise errors.truncated("Word", f"not a Word package: {e}") from None
    except (KeyError, ValueError) as e:
        if "word/document.xml" not in names:
            raise errors.truncated("Word", "word/document.xml is missing") from None
        raise errors.truncated("Word", f"{type(e).__name__}: {e}") from None
    if d.element.body is None:
        raise errors.truncated("Word", "the document has no body")
    return d


def _document_head(p: Path) -> tuple[set[str], bytes]:
    """(part names in the ZIP, first 4 KB of word/document.xml or b"")."""
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            head = b""
            if "word/document.xml" in names:
                with z.open("word/document.xml") as f:
                    head = f.read(4096)
    except zipfile.BadZipFile as e:
        raise errors.truncated("Word", f"the ZIP container cannot be opened: {e}") from None
    except OSError as e:
        raise errors.read_failure(e, "Word", f"cannot read the file: {e}") from None
    return names, head


def _core_properties(doc: Document, d) -> None:
    """Title, author, created and modified of docProps/core.xml into
    ``metadata["core"]`` (skipped when core.xml is unreadable)."""
    try:
        cp = d.core_properties
        core = {k: v for k, v in (("title", cp.title), ("author", cp.author),
                                  ("created", cp.created.isoformat() if cp.created else None),
                                  ("modified", cp.modified.isoformat() if cp.modified else None)) if v}
        if core:
            doc.metadata["core"] = core
    except MemoryError:   # the worker's to handle: the file fails with ``memory``
        raise
    except Exception:  # core.xml is optional and sometimes malformed
        pass


def _picture_only(doc: Document, pictures: int) -> None:
    """A document of pictures with (almost) no text — a scanned report
    pasted into Word — needs OCR: fewer than 50 characters per picture,
    200 at most, is not a text layer."""
    if not pictures:
        return
    chars = sum(len(c.text) for b in doc.blocks for row in (b.rows or []) for c in row) + \
        sum(len(b.text) for b in doc.blocks if b.kind != TABLE)
    if chars < min(200, 50 * pictures):
        doc.status = "needs_ocr"
        doc.warnings.append(f"只有图片（{pictures} 张），没有可读的文字，需要OCR / the document is {pictures} "
                            f"picture(s) with {chars} characters of text: it needs OCR")

