"""A CJK TrueType font the PDF tests make for themselves (no font installed
by hand): every CJK ideograph, CJK punctuation, full-width form and ASCII
character is mapped to a simple outlined glyph, built with fontTools.  The
glyph shapes do not matter — the tests read text back from the PDF through
its ToUnicode map — but the metrics do: ideographs and full-width forms are
one em wide, ASCII half an em, like a real Chinese font."""
from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

EM = 1000
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2150, 0x218F), (0x2460, 0x24FF), (0x2500, 0x257F),
          (0x25A0, 0x25FF), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)]


def _box(width: int, height: int):
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    pen = TTGlyphPen(None)
    pen.moveTo((50, 0))
    pen.lineTo((50, height))
    pen.lineTo((width - 50, height))
    pen.lineTo((width - 50, 0))
    pen.closePath()
    return pen.glyph()


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Build the font once per test session; returns the path of the .ttf."""
    from fontTools.fontBuilder import FontBuilder
    glyphs = {".notdef": _box(500, 700), "half": _box(500, 700), "full": _box(EM, 800), "space": _box(500, 0)}
    cmap = {}
    for lo, hi in RANGES:
        for cp in range(lo, hi + 1):
            half = cp < 0x2000 or 0xFF61 <= cp <= 0xFFDC
            cmap[cp] = "space" if cp in (0x20, 0xA0) else "half" if half else "full"
    fb = FontBuilder(EM, isTTF=True)
    fb.setupGlyphOrder(list(glyphs))
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    metrics = {name: ((EM if name == "full" else 500), 0) for name in glyphs}
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "NianbaoTestCJK", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120,
                ulUnicodeRange2=1 << (59 - 32))   # CJK Unified Ideographs
    fb.setupPost()
    path = Path(tempfile.mkdtemp(prefix="nianbao-font-")) / "NianbaoTestCJK.ttf"
    fb.save(str(path))
    return path


def register(name: str = "WQY") -> str:
    """Register the font with reportlab under ``name`` (once); returns the name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    try:
        pdfmetrics.getFont(name)
    except KeyError:
        pdfmetrics.registerFont(TTFont(name, str(cjk_font_path())))
    return name
