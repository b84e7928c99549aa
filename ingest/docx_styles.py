"""Paragraph styles (``styles.xml``) for the .docx reader: what a style
gives a paragraph through its ``basedOn`` chain (:class:`Styles`)."""
from __future__ import annotations

import re

from .docx_numbering import Numbering
from .docx_xml import (W_B, W_ILVL, W_NUMID, W_NUMPR, W_OUTLINE, W_PBB, W_PPR, W_RPR, W_TYPE, W_VAL, w_tag,
    is_on, to_int)


_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$")
_TOC_NAME = re.compile(r"^(?:toc|目录)\s*[1-9]$")


class StyleInfo:
    __slots__ = ("name", "level", "role", "num_id", "ilvl", "break_before", "toc", "font_pt", "bold")

    def __init__(self) -> None:
        self.name = ""
        self.level: int | None = None   # 1-based outline level
        self.role: str | None = None    # title / subtitle / caption
        self.num_id: str | None = None
        self.ilvl: int | None = None
        self.break_before = False
        self.toc = False
        self.font_pt: float | None = None
        self.bold = False


class Styles:
    def __init__(self, root, numbering: Numbering) -> None:
        self.raw: dict[str, dict] = {}
        self.default_para: str | None = None
        self.defaults = {"sz": None, "line": None, "rule": None}
        self.cache: dict[str, StyleInfo] = {}
        self.numbering = numbering
        if root is None:
            return
        for el in root:
            if el.tag == w_tag("docDefaults"):
                self._read_defaults(el)
            if el.tag != w_tag("style"):
                continue
            sid = el.get(w_tag("styleId"))
            d = _style_dict(el)
            self.raw[sid] = d
            if d["type"] == "paragraph" and el.get(w_tag("default")) in ("1", "true", "on"):
                self.default_para = sid
            if d["type"] == "numbering" and d["num_id"]:
                numbering.style_numid[sid] = d["num_id"]

    def _read_defaults(self, el) -> None:
        """Font size (half-points) and line spacing of ``w:docDefaults``."""
        for sz in el.iter(w_tag("sz")):
            self.defaults["sz"] = to_int(sz.get(W_VAL))
            break
        for sp in el.iter(w_tag("spacing")):
            if sp.get(w_tag("line")):
                self.defaults["line"] = to_int(sp.get(w_tag("line")))
                self.defaults["rule"] = sp.get(w_tag("lineRule"), "auto")

    def _chain(self, sid: str | None):
        seen = set()
        while sid and sid in self.raw and sid not in seen:
            seen.add(sid)
            yield sid, self.raw[sid]
            sid = self.raw[sid]["based"]

    def info(self, sid: str | None) -> StyleInfo:
        """What a paragraph style gives (through ``basedOn``): outline level,
        role, numbering, page break before, font size, bold; the default
        paragraph style's for an unknown or missing id.  Cached."""
        if sid is None or sid not in self.raw:
            sid = self.default_para
        key = sid or ""
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        si = StyleInfo()
        chain = [d for _, d in self._chain(sid)]
        if chain:
            si.name = chain[0]["name"]
        _chain_level(si, chain)
        _chain_role(si, chain)
        _chain_numbering(si, chain)
        _chain_format(si, chain)
        if si.role == "title":
            si.level = None  # the document title is never an outline heading
        if si.num_id is not None and si.ilvl is None and sid:
            si.ilvl = self.numbering.level_for_style(si.num_id, sid)
        self.cache[key] = si
        return si

    def numbering_styles(self) -> set[str]:
        """Ids of the styles that number their paragraphs (a numPr of their
        own or through ``basedOn``)."""
        out = {sid for sid, d in self.raw.items() if d["num_id"] is not None}
        grew = bool(out)
        while grew:
            more = {sid for sid, d in self.raw.items() if sid not in out and d["based"] in out}
            out |= more
            grew = bool(more)
        return {sid for sid in out if self.info(sid).num_id not in (None, "0")}

    def body_metrics(self) -> tuple[float, float]:
        """(font size pt, line spacing factor) of the default paragraph style."""
        sz = line = rule = None
        for _, d in self._chain(self.default_para):
            sz = sz or d["sz"]
            if line is None and d["line"]:
                line, rule = d["line"], d["rule"]
        sz = sz or self.defaults["sz"] or 21
        if line is None:
            line, rule = self.defaults["line"], self.defaults["rule"]
        factor = 1.0
        if line and (rule in (None, "auto")):
            factor = max(0.8, min(line / 240, 3.0))
        return sz / 2, factor


def _style_dict(el) -> dict:
    """One ``w:style`` as a dict: type, name, basedOn, outline level,
    numbering, pageBreakBefore, font size, line spacing, bold."""
    d = {"type": el.get(W_TYPE, "paragraph"), "name": "", "based": None, "outline": None, "num_id": None,
         "ilvl": None, "pbb": None, "sz": None, "line": None, "rule": None, "b": None}
    for ch in el:
        tag = ch.tag
        if tag == w_tag("name"):
            d["name"] = (ch.get(W_VAL) or "").strip()
        elif tag == w_tag("basedOn"):
            d["based"] = ch.get(W_VAL)
        elif tag == W_PPR:
            _style_ppr(ch, d)
        elif tag == W_RPR:
            for rr in ch:
                if rr.tag == w_tag("sz"):
                    d["sz"] = to_int(rr.get(W_VAL))
                elif rr.tag == W_B:
                    d["b"] = is_on(rr)
    return d


def _style_ppr(ppr, d: dict) -> None:
    """A style's paragraph properties into its dict ``d``."""
    for pp in ppr:
        if pp.tag == W_OUTLINE:
            d["outline"] = to_int(pp.get(W_VAL))
        elif pp.tag == W_NUMPR:
            for n in pp:
                if n.tag == W_NUMID:
                    d["num_id"] = n.get(W_VAL)
                elif n.tag == W_ILVL:
                    d["ilvl"] = to_int(n.get(W_VAL), 0)
        elif pp.tag == W_PBB:
            d["pbb"] = is_on(pp)
        elif pp.tag == w_tag("spacing") and pp.get(w_tag("line")):
            d["line"] = to_int(pp.get(w_tag("line")))
            d["rule"] = pp.get(w_tag("lineRule"), "auto")


#: style names (lower case) that give a paragraph its role
_ROLE_NAMES = {"title": "title", "标题": "title", "subtitle": "subtitle", "副标题": "subtitle",
               "caption": "caption", "题注": "caption"}


def _chain_level(si: StyleInfo, chain: list[dict]) -> None:
    """The outline level of the first style in ``chain`` (the style, then
    what it is based on) named Heading n or with an outline level."""
    for d in chain:
        m = _HEADING_NAME.match(d["name"].lower())
        if m:
            si.level = int(m.group(1))
            return
        if d["outline"] is not None:
            si.level = d["outline"] + 1 if 0 <= d["outline"] < 9 else None
            return


def _chain_role(si: StyleInfo, chain: list[dict]) -> None:
    """Title, subtitle, caption or table of contents, from the first style
    in ``chain`` whose name says one."""
    for d in chain:
        name = d["name"].lower()
        if name in _ROLE_NAMES:
            si.role = _ROLE_NAMES[name]
            return
        if _TOC_NAME.match(name):
            si.toc = True
            return


def _chain_numbering(si: StyleInfo, chain: list[dict]) -> None:
    """numId of the first style in ``chain`` that has one, and the first
    ilvl up to it."""
    for d in chain:
        if si.ilvl is None and d["ilvl"] is not None:
            si.ilvl = d["ilvl"]
        if d["num_id"] is not None:
            si.num_id = d["num_id"]
            return


def _chain_format(si: StyleInfo, chain: list[dict]) -> None:
    """Page break before, font size (pt) and bold: each from the first style
    in ``chain`` that sets it."""
    si.break_before = next((d["pbb"] for d in chain if d["pbb"] is not None), si.break_before)
    sz = next((d["sz"] for d in chain if d["sz"]), None)
    if sz:
        si.font_pt = sz / 2
    si.bold = next((d["b"] for d in chain if d["b"] is not None), si.bold)
