"""Which Word list paragraphs are list items and which are headings.

Word numbers list items and headings with one machinery (``numbering.xml``),
so a numbered paragraph without a heading style or outline level can be
either: ``一、学校概况`` set in Normal style is a heading, ``1. 12个专业面向…``
is a list item.  The items of one list level are judged together, before the
body is walked, by the rules in ``rules/headings.yaml`` (``word_lists``): the
list's numbering format, whether any item reads as a sentence, whether items
follow one another with no other text between them, the paragraph style
(List Paragraph …) and the type (bold, larger).

A list item becomes a paragraph block with ``list_item=True`` and its label
in ``number`` (never in its text); see :mod:`ingest.docx_parser`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .headings import match_heading, word_list_rules

W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


@dataclass
class _Item:
    p: object              # the w:p element
    label: str | None
    text: str
    sentence: bool         # reads as a sentence, not as a title
    list_style: bool       # set in a list style (List Paragraph …)
    emphasised: bool       # bold or large type


@dataclass
class _Group:
    key: tuple
    fmt: str | None
    items: list[_Item] = field(default_factory=list)


def list_paragraphs(walker, body) -> set:
    """The ``w:p`` elements of ``body`` (tables and text boxes included) that
    are list items.  ``walker`` is the docx walker: it resolves styles,
    numbering and paragraph text (``walker.para(p, count=False)``)."""
    rules = word_list_rules()
    groups: dict[tuple, _Group] = {}
    keys: dict = {}                      # w:p → its list
    for p in walker.numbered_paragraphs(body):
        info = walker.para_props(p)
        key = walker.numbering.list_key(info.num_id) if _candidate(info) else None
        if key is None:
            continue
        full = walker.para(p, count=False)
        text = full.text.replace("\n", "")
        if not text:
            continue
        style_name = (info.style.name or "") if info.style else ""
        keys[p] = key
        group = groups.setdefault((key, info.ilvl), _Group(key, full.fmt))
        group.items.append(_Item(p=p, label=full.label, text=text, sentence=_sentence(text, rules),
                                 list_style=any(rx.search(style_name) for rx in rules.list_styles),
                                 emphasised=full.emphasised))
    out = set()
    for group in groups.values():
        if _is_list(group, keys, rules):
            out.update(i.p for i in group.items if not _stands_out(i, group))
    return out


def _stands_out(item: _Item, group: _Group) -> bool:
    """A short title in bold or large type among plain items of a list (one
    numbering definition used for headings and list items alike) is judged
    on its own."""
    return (group.fmt != "bullet" and item.emphasised and not item.sentence
            and not all(i.emphasised for i in group.items))


def _candidate(info) -> bool:
    """Numbered, and no heading style, outline level, title style or TOC."""
    if info.num_id is None or info.toc:
        return False
    if info.outline is not None and 0 <= info.outline < 9:
        return False
    st = info.style
    return st is None or (st.level is None and st.role not in ("title", "subtitle"))


def _has_text(el) -> bool:
    return any(t.text and t.text.strip() for t in el.iter(W_T))


def _adjacent(a, b, key, keys: dict) -> bool:
    """Does ``b`` follow ``a`` in the same container with no text between
    them but items of the same list (its deeper levels)?"""
    for x in a.itersiblings():
        if x is b:
            return True
        if keys.get(x) == key:
            continue
        if isinstance(x.tag, str) and _has_text(x):
            return False
    return False


def _sentence(text: str, rules) -> bool:
    return len(text) > rules.max_title_chars or "。" in text or text.endswith(rules.ends_sentence)


def _is_list(group: _Group, keys: dict, rules) -> bool:
    items = group.items
    if group.fmt == "bullet":
        return True
    label = next((i.label for i in items if i.label), None)
    if label is not None:
        hm = match_heading(f"{label}标题", numbered_only=True)
        if hm is not None and hm.style in rules.hierarchy_styles:
            return False        # 一、 / （一） / 第一节: judged item by item
    if any(i.sentence for i in items):
        return True
    if all(i.list_style for i in items) and not all(i.emphasised for i in items):
        return True
    pairs = list(zip(items, items[1:]))
    adjacent = sum(_adjacent(a.p, b.p, group.key, keys) for a, b in pairs)
    return bool(pairs) and adjacent * 2 > len(pairs)
