"""Read the text of one page image with RapidOCR (PP-OCR models run by
onnxruntime, shipped inside the ``rapidocr-onnxruntime`` wheel: nothing is
downloaded at run time).

:func:`read_image` turns a page image into an :class:`OcrPage`: text boxes in
pixels of the upright, straightened image, each with its text (cleaned as
``rules/ocr.yaml`` says), the recogniser's confidence (0–1) and the position
and confidence of every character.  Before recognition the page is turned
upright: a page set sideways (text lines taller than wide) is turned 90°, an
upside-down page (most lines classified 180° by the direction model) 180°,
and a tilted page (the median angle of its text boxes) is straightened.

The engine is loaded once per process (≈ 0.5 s).  A CUDA or DirectML
provider is used when onnxruntime offers one, the CPU otherwise.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image

from .ocr_rules import OcrRules, clean_text, load_ocr_rules


@dataclass
class OcrBox:
    """One detected text line.  Coordinates are pixels of the upright page
    image, y growing downwards."""
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float
    #: per character: (x0, x1, confidence); same length as ``text``
    chars: list[tuple[float, float, float]] = field(default_factory=list)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class OcrPage:
    width: int
    height: int
    boxes: list[OcrBox]
    image: Image.Image | None = None   # the upright page (grey), for ruling lines
    rotation: int = 0                  # degrees the page was turned (counter-clockwise)
    skew: float = 0.0                  # degrees it was straightened by
    seconds: float = 0.0
    dropped: int = 0                   # boxes dropped for low confidence


def providers() -> list[str]:
    """onnxruntime's execution providers on this machine, best first."""
    import onnxruntime
    return list(onnxruntime.get_available_providers())


def provider() -> str:
    """The provider OCR runs on: CUDA or DirectML when offered, else the CPU."""
    p = providers()
    for gpu in ("CUDAExecutionProvider", "DmlExecutionProvider"):
        if gpu in p:
            return gpu
    return "CPUExecutionProvider"


def available() -> bool:
    """Is the OCR engine installed?"""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:
        return False
    return True


@lru_cache(maxsize=1)
def engine():
    """The RapidOCR engine of this process (loaded on first use).  Threads:
    ``$NIANBAO_OCR_THREADS`` if set, else onnxruntime's default."""
    from rapidocr_onnxruntime import RapidOCR
    return RapidOCR(**engine_options(providers(), os.environ.get("NIANBAO_OCR_THREADS")))


def engine_options(available: list[str], threads: str | None = None) -> dict:
    """RapidOCR's options for onnxruntime's ``available`` providers: its
    three models (detection, orientation, recognition) on CUDA or DirectML
    when offered, else the CPU; ``threads`` (``$NIANBAO_OCR_THREADS``, a
    positive integer as text) caps onnxruntime's threads."""
    kw: dict = {"text_score": 0.0}
    if "CUDAExecutionProvider" in available:
        kw.update({"det_use_cuda": True, "cls_use_cuda": True, "rec_use_cuda": True})
    elif "DmlExecutionProvider" in available:
        kw.update({"det_use_dml": True, "cls_use_dml": True, "rec_use_dml": True})
    if threads and threads.isdigit() and int(threads) > 0:
        kw["intra_op_num_threads"] = int(threads)
    return kw


# -- orientation and skew ---------------------------------------------------------------


def _quads(img: np.ndarray) -> np.ndarray:
    boxes, _ = engine().text_det(img)
    return np.zeros((0, 4, 2)) if boxes is None else np.asarray(boxes, dtype=float)


def _probe(img: np.ndarray) -> np.ndarray:
    """Text boxes of a half-size copy (cheap: for orientation and skew only)."""
    h, w = img.shape[:2]
    small = np.asarray(Image.fromarray(img).resize((max(1, w // 2), max(1, h // 2))))
    return _quads(small)


def _sideways(quads: np.ndarray) -> bool:
    if len(quads) < 3:
        return False
    w = np.linalg.norm(quads[:, 1] - quads[:, 0], axis=1)
    h = np.linalg.norm(quads[:, 3] - quads[:, 0], axis=1)
    return int(np.sum(h > 2 * w)) > 0.6 * len(quads)


def _skew(quads: np.ndarray) -> float:
    """Median angle (degrees, positive = text rising to the right) of the
    wide text boxes."""
    if not len(quads):
        return 0.0
    d = quads[:, 1] - quads[:, 0]
    w = np.hypot(d[:, 0], d[:, 1])
    h = np.linalg.norm(quads[:, 3] - quads[:, 0], axis=1)
    wide = w > 4 * np.maximum(h, 1)
    if wide.sum() < 3:
        return 0.0
    return float(np.median(np.degrees(np.arctan2(-d[wide, 1], d[wide, 0]))))


def _upside_down(img: np.ndarray, quads: np.ndarray, rules: OcrRules) -> bool:
    """The direction model's vote over the widest lines."""
    if len(quads) < 3:
        return False
    eng = engine()
    widths = np.linalg.norm(quads[:, 1] - quads[:, 0], axis=1)
    pick = [quads[i].astype(np.float32) for i in np.argsort(-widths)[:12]]
    crops = eng.get_crop_img_list(img, pick)
    _, cls_res, _ = eng.text_cls(crops)
    turned = sum(1 for label, score in cls_res if label == "180" and score >= 0.9)
    return turned >= rules.orientation_vote * len(cls_res)


def _upright(img: Image.Image, rules: OcrRules) -> tuple[np.ndarray, int, float]:
    """The page turned upright and straightened: (RGB array, rotation, skew)."""
    rotation = 0
    arr = np.asarray(img)
    quads = _probe(arr)
    if _sideways(quads):
        img = img.rotate(90, expand=True, fillcolor="white")
        rotation = 90
        arr = np.asarray(img)
        quads = _probe(arr)
    # the direction vote crops the full-size page: the model needs detail
    if _upside_down(arr, quads * 2, rules):
        img = img.rotate(180, fillcolor="white")
        rotation = (rotation + 180) % 360
    skew = _skew(quads)
    if abs(skew) >= rules.skew_min_degrees:
        img = img.rotate(-skew, expand=False, fillcolor="white", resample=Image.BICUBIC)
    else:
        skew = 0.0
    arr = np.asarray(img)
    return arr, rotation, skew


# -- recognition --------------------------------------------------------------------------


def _box_chars(x0: float, x1: float, text: str, words, word_boxes, confs) -> list[tuple[float, float, float]]:
    """Per-character (x0, x1, confidence) from RapidOCR's word boxes; evenly
    spread over the box when they do not line up with the text."""
    n = len(text)
    out: list[tuple[float, float, float]] = []
    if words and word_boxes and sum(len(w) for w in words) == n and len(confs) == n:
        k = 0
        for w, wb in zip(words, word_boxes):
            xs = [p[0] for p in wb]
            a, b = float(min(xs)), float(max(xs))
            step = (b - a) / max(1, len(w))
            for j in range(len(w)):
                out.append((a + j * step, a + (j + 1) * step, float(confs[k])))
                k += 1
        return out
    step = (x1 - x0) / max(1, n)
    c = float(np.mean(confs)) if len(confs) else 0.0
    return [(x0 + j * step, x0 + (j + 1) * step, c) for j in range(n)]


def read_image(img: Image.Image, *, rules: OcrRules | None = None) -> OcrPage:
    """OCR one page image (any mode; read as RGB).  Returns the boxes in
    reading-independent order (layout is :mod:`ingest.ocr_layout`'s job)."""
    rules = rules or load_ocr_rules()
    t0 = time.perf_counter()
    img = img.convert("RGB")
    arr, rotation, skew = _upright(img, rules)
    res, _ = engine()(arr, use_cls=False, return_word_box=True, text_score=0.0)
    boxes: list[OcrBox] = []
    dropped = 0
    for item in res or []:
        quad, text, score = item[0], item[1], float(item[2])
        # with return_word_box: word boxes, words, per-character confidences
        word_boxes, words, confs = (item[3], item[4], item[5]) if len(item) >= 6 else (None, None, [])
        text = (text or "").strip()
        if not text or score < rules.min_box_confidence:
            dropped += 1
            continue
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        x0, x1 = float(min(xs)), float(max(xs))
        raw = item[1] or ""
        chars = _box_chars(x0, x1, raw, words, word_boxes, list(confs or []))
        lead = len(raw) - len(raw.lstrip())
        chars = chars[lead:lead + len(text)]
        boxes.append(OcrBox(text=clean_text(text, rules), x0=x0, y0=float(min(ys)), x1=x1, y1=float(max(ys)),
                            conf=score, chars=chars))
    grey = Image.fromarray(arr).convert("L")
    return OcrPage(width=arr.shape[1], height=arr.shape[0], boxes=boxes, image=grey, rotation=rotation,
                   skew=round(skew, 2), seconds=time.perf_counter() - t0, dropped=dropped)
