"""Values read by OCR say so, with the recogniser's confidence, and a figure
read with low confidence is flagged for review.

The OCR layout (:mod:`ingest.ocr_layout`) gives every OCR block
``meta["source"] = "ocr"`` and one confidence (0–100) per character
(``meta["ocr_conf"]``; tables: ``meta["cell_conf"]`` per cell).  Here each
fact whose text span lies in such a block gets ``prov.origin = "ocr"`` and
``prov.confidence``: for a metric the lowest confidence of the figure's own
characters (its digits and decimal point; a thousands separator read as ， or , gives the same value) — a 0.99 line
whose one digit came back at 0.6 is a 0.6 figure.  A metric below
``low_confidence`` (``rules/ocr.yaml``) is kept and gets an
``ocr_low_confidence`` flag: never silently trusted.
"""
from __future__ import annotations

from nianbao.ingest.model import TABLE, Block, Document

from .facts import Award, Flag, Metric

OCR = "ocr"
_FIGURE = set("0123456789０１２３４５６７８９.．")


def _block_confs(doc: Document, block: Block, start: int, end: int, row, col) -> list[int] | None:
    """Confidences of the characters [start, end) of ``doc.text`` in ``block``."""
    if block.kind == TABLE:
        cells = block.meta.get("cell_conf") or {}
        if row is None or col is None:
            return [v for vs in cells.values() for v in vs] or None
        cell = block.rows[row][col] if block.rows and row < len(block.rows) and col < len(block.rows[row]) else None
        confs = cells.get(f"{row},{col}")
        if cell is None or confs is None or not cell.span:
            return confs
        a = max(0, start - cell.span[0])
        return confs[a:a + max(1, end - start)] or confs
    confs = block.meta.get("ocr_conf") or []
    a, b = start - block.span[0], end - block.span[0]
    return confs[max(0, a):max(0, b)] or None


def _figure_conf(doc: Document, start: int | None, end: int | None, row=None, col=None) -> float | None:
    """(lowest confidence of the figure characters in the span, 0–1) or None
    when the span is not in an OCR block."""
    if start is None:
        return None
    block = doc.block_at(start)
    if block is None or block.meta.get("source") != OCR:
        return None
    end = end if end is not None and end > start else start + 1
    confs = _block_confs(doc, block, start, end, row, col)
    if not confs:
        return float(block.meta.get("confidence") or 0.0)
    text = doc.text[start:start + len(confs)]
    figure = [c for ch, c in zip(text, confs) if ch in _FIGURE] or confs
    return min(figure) / 100


def mark_metrics(doc: Document, metrics: list[Metric], low: float) -> list[Flag]:
    """Set origin and confidence on every metric (or review candidate) from
    an OCR block; return an ``ocr_low_confidence`` flag for each one below
    ``low``."""
    from .extract import source_of
    flags = []
    for m in metrics:
        conf = _figure_conf(doc, m.prov.start, m.prov.end, m.prov.row, m.prov.col)
        if conf is None:
            continue
        m.prov.origin, m.prov.confidence = OCR, round(conf, 3)
        if conf < low:
            flags.append(Flag(
                kind="ocr_low_confidence", severity="warning", metric=m.metric, rule="ocr/low_confidence",
                message=(f"{m.name_zh}（{m.metric}）的数值 {m.raw} 由OCR识别，置信度 {conf:.2f} 低于 {low:.2f}，"
                         f"请核对原件 / {m.metric} = {m.raw} was read by OCR with confidence {conf:.2f} "
                         f"(below {low:.2f}): check it against the page"),
                source_a=source_of(m)))
    return flags


def mark_awards(doc: Document, awards: list[Award]) -> None:
    """Awards from OCR blocks: origin ``ocr`` and the block's confidence."""
    for a in awards:
        block = doc.block_at(a.prov.start) if a.prov.start is not None else None
        if block is not None and block.meta.get("source") == OCR:
            a.prov.origin = OCR
            a.prov.confidence = float(block.meta.get("confidence") or 0.0)
