"""WordprocessingML names for the .docx reader (:mod:`ingest.docx_parser`):
element and attribute names in Clark notation, and the two attribute
readers every part of it uses (:func:`is_on`, :func:`to_int`)."""
from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def w_tag(name: str) -> str:
    """The Clark name ``{w namespace}name`` of a WordprocessingML element or attribute."""
    return f"{{{W_NS}}}{name}"


W_P, W_TBL, W_SDT, W_SDTCONTENT, W_SDTPR = (
    w_tag("p"), w_tag("tbl"), w_tag("sdt"), w_tag("sdtContent"), w_tag("sdtPr"))
W_CUSTOMXML, W_SECTPR, W_ALTCHUNK = w_tag("customXml"), w_tag("sectPr"), w_tag("altChunk")
W_PPR, W_RPR, W_PSTYLE, W_NUMPR, W_ILVL, W_NUMID = (
    w_tag("pPr"), w_tag("rPr"), w_tag("pStyle"), w_tag("numPr"), w_tag("ilvl"), w_tag("numId"))
W_OUTLINE, W_PBB = w_tag("outlineLvl"), w_tag("pageBreakBefore")
W_R, W_T, W_TAB, W_PTAB, W_BR, W_CR, W_SYM = (
    w_tag("r"), w_tag("t"), w_tag("tab"), w_tag("ptab"), w_tag("br"), w_tag("cr"), w_tag("sym"))
W_NBH, W_LRPB = w_tag("noBreakHyphen"), w_tag("lastRenderedPageBreak")
W_DRAWING, W_PICT, W_OBJECT, W_TXBX = w_tag("drawing"), w_tag("pict"), w_tag("object"), w_tag("txbxContent")
W_HYPERLINK, W_SMARTTAG, W_INS, W_DEL, W_MOVETO, W_MOVEFROM = (
    w_tag("hyperlink"), w_tag("smartTag"), w_tag("ins"), w_tag("del"), w_tag("moveTo"), w_tag("moveFrom"))
W_FLDSIMPLE, W_DIR, W_BDO, W_RUBY, W_RUBYBASE = (
    w_tag("fldSimple"), w_tag("dir"), w_tag("bdo"), w_tag("ruby"), w_tag("rubyBase"))
W_VANISH, W_VAL, W_B, W_SZ = w_tag("vanish"), w_tag("val"), w_tag("b"), w_tag("sz")
W_TR, W_TC, W_TRPR, W_TCPR = w_tag("tr"), w_tag("tc"), w_tag("trPr"), w_tag("tcPr")
W_GRIDSPAN, W_VMERGE, W_HMERGE, W_GRIDBEFORE, W_GRIDAFTER, W_TBLHEADER = (
    w_tag("gridSpan"), w_tag("vMerge"), w_tag("hMerge"), w_tag("gridBefore"), w_tag("gridAfter"), w_tag("tblHeader"))
W_TYPE, W_ANCHOR, W_CHAR = w_tag("type"), w_tag("anchor"), w_tag("char")
W_HEADERREF, W_FOOTERREF = w_tag("headerReference"), w_tag("footerReference")
MC_ALT, MC_CHOICE, MC_FALLBACK = f"{{{MC_NS}}}AlternateContent", f"{{{MC_NS}}}Choice", f"{{{MC_NS}}}Fallback"
M_T, M_OMATH, M_OMATHPARA = f"{{{M_NS}}}t", f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara"
R_ID = f"{{{R_NS}}}id"
WP_EXTENT = f"{{{WP_NS}}}extent"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"

_FALSE = ("0", "false", "off")


def is_on(el) -> bool:
    """A w:ST_OnOff toggle element: present and not switched off."""
    return el is not None and el.get(W_VAL, "1").lower() not in _FALSE


def to_int(v, default=None):
    """``int(v)``, or ``default`` when ``v`` is not an integer (None, text)."""
    try:
        return int(v)
    except (TypeError, ValueError):
        return default
