"""Ruled tables in PDF pages.

Two engines find the same tables:

* ``fast`` (default): the ruling lines are read from pypdfium2's path objects
  of the page (already loaded for the text), and pdfplumber's own table
  algorithm (``merge_edges`` → ``edges_to_intersections`` →
  ``intersections_to_cells`` → ``cells_to_tables``, default "lines" settings)
  turns them into cells.  No second PDF parser runs, so a table page costs a
  few milliseconds instead of pdfplumber's ≈40 ms of pdfminer layout.
* ``pdfplumber``: pdfplumber opens the document once (lazily) and runs
  ``page.find_tables()`` only on the pages that have ruling lines; every page
  it opens is closed again (pdfplumber keeps all objects otherwise).

Either way the result is a list of :class:`PdfTable` — a grid of column and
row boundaries with each cell's origin and span — and the cell text is filled
from pypdfium2's characters by the caller, so both engines share one text
path.  Coordinates: ``x`` is PDF user space; vertical positions are "top"
values (page height − y, growing downwards) like pdfplumber's.
"""
from __future__ import annotations

import bisect
import ctypes
from itertools import repeat
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

# pdfplumber's default table settings for the "lines" strategy
SNAP_TOL = 3
JOIN_TOL = 3
EDGE_MIN_LENGTH = 3
EDGE_MIN_LENGTH_PREFILTER = 1
INTERSECTION_TOL = 3

#: give up reading path geometry past this many segments on one page
#: (charts and drawings; tables need far fewer)
MAX_SEGMENTS = 20000

_OBJ_TEXT = pdfium_c.FPDF_PAGEOBJ_TEXT
_OBJ_PATH = pdfium_c.FPDF_PAGEOBJ_PATH
_OBJ_IMAGE = pdfium_c.FPDF_PAGEOBJ_IMAGE
_OBJ_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
_SEG_LINETO = pdfium_c.FPDF_SEGMENT_LINETO
_SEG_MOVETO = pdfium_c.FPDF_SEGMENT_MOVETO


@dataclass
class PageObjects:
    """What a cheap walk over a page's objects found."""
    edges: list[dict] = field(default_factory=list)   # pdfplumber-style edges
    n_paths: int = 0
    n_images: int = 0
    image_area: float = 0.0       # share of the page covered by image bounds
    truncated_geometry: bool = False
    n_text: int = 0               # text objects
    #: text objects pdfium may leave out of its text page: an empty box (glyphs
    #: the font cannot draw on this machine) in a font that is not embedded
    lost_text: int = 0
    #: text objects drawn again over an earlier one (fake bold) that pdfium's
    #: own check did not merge
    overprint: int = 0

    @property
    def has_rulings(self) -> bool:
        """At least two horizontal and two vertical edges: worth looking for a
        table.  (A page with only horizontal rules — a title underline — is not.)"""
        h = v = 0
        for e in self.edges:
            if e["orientation"] == "h":
                h += 1
            else:
                v += 1
            if h >= 2 and v >= 2:
                return True
        return False


def _mul(m1, m2):
    """Compose two PDF matrices (a, b, c, d, e, f): first m1, then m2."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2,
            c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _by_address(fn, restype, argtypes):
    """pypdfium2's function ``fn`` returning a handle as a plain address
    (int): its own prototype makes a pointer object for every handle it
    returns, which costs more than pdfium's call itself on a page of
    thousands of text objects.  Same library function and calling convention
    (the pointer is built from ``fn``'s own class)."""
    f = type(fn)(ctypes.cast(fn, ctypes.c_void_p).value)
    f.restype, f.argtypes = restype, argtypes
    return f


#: FPDFPage_GetObject(page, index) with no argument conversion: the page goes
#: as a c_void_p and the index as a Python int, which ctypes passes as a C
#: int (the parameter's type); converting by argtypes costs a third of the call
_GET_OBJECT = _by_address(pdfium_c.FPDFPage_GetObject, ctypes.c_void_p, None)
_GET_SUB_OBJECT = _by_address(pdfium_c.FPDFFormObj_GetObject, ctypes.c_void_p, (ctypes.c_void_p, ctypes.c_ulong))
#: FPDFPageObj_GetType; FPDF_PAGEOBJ_UNKNOWN for a NULL object
_GET_TYPE = _by_address(pdfium_c.FPDFPageObj_GetType, ctypes.c_int, (ctypes.c_void_p,))
_GET_BOUNDS = _by_address(pdfium_c.FPDFPageObj_GetBounds, ctypes.c_int,
                          (ctypes.c_void_p,) + (ctypes.POINTER(ctypes.c_float),) * 4)
#: a path's segments, read four calls each
_PATH_SEGMENT = _by_address(pdfium_c.FPDFPath_GetPathSegment, ctypes.c_void_p, (ctypes.c_void_p, ctypes.c_int))
_SEGMENT_POINT = _by_address(pdfium_c.FPDFPathSegment_GetPoint, ctypes.c_int,
                             (ctypes.c_void_p,) + (ctypes.POINTER(ctypes.c_float),) * 2)
_SEGMENT_TYPE = _by_address(pdfium_c.FPDFPathSegment_GetType, ctypes.c_int, (ctypes.c_void_p,))
_SEGMENT_CLOSE = _by_address(pdfium_c.FPDFPathSegment_GetClose, ctypes.c_int, (ctypes.c_void_p,))


def _handle(address: int):
    """A page object's address as the handle pypdfium2's functions take."""
    return ctypes.cast(address, pdfium_c.FPDF_PAGEOBJECT)


def scan_page_objects(page_raw, page_height: float, page_area: float, textpage=None) -> PageObjects:
    """Walk the page's objects once: count images, read the straight
    horizontal/vertical segments of path objects as pdfplumber-style edges,
    and (given pdfium's text page) count text objects pdfium lost or did not
    merge (see :class:`PageObjects`)."""
    scan = _PageScan(page_height, textpage)
    n = pdfium_c.FPDFPage_CountObjects(page_raw)
    page = ctypes.cast(page_raw, ctypes.c_void_p)
    scan.walk(list(map(_GET_OBJECT, repeat(page, max(n, 0)), range(n))), None, 0)
    out = scan.out
    if page_area > 0:
        out.image_area = min(1.0, out.image_area / page_area)
    return out


class _PageScan:
    """One walk of :func:`scan_page_objects`: the result so far, the segments
    read so far and the ctypes buffers pdfium fills (made once per page)."""

    def __init__(self, page_height: float, textpage) -> None:
        self.out = PageObjects()
        self.edges = self.out.edges
        self.page_height = page_height
        self.texts = _TextObjects(textpage) if textpage is not None else None
        self.fx, self.fy = ctypes.c_float(), ctypes.c_float()
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.mat = pdfium_c.FS_MATRIX()
        self.box = (ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float())
        self.n_segments = 0

    def walk(self, addresses: list, m_parent, depth: int) -> None:
        """Objects (addresses) of the page (depth 0) or of a form XObject,
        ``m_parent`` the form's matrix (None on the page).  Text objects are
        most of a page: without a text page to check them against they are
        only counted."""
        out, texts = self.out, self.texts
        kinds = list(map(_GET_TYPE, addresses))     # NULL (none seen) is no kind we read
        if texts is None:
            kinds = [(a, kind) for a, kind in zip(addresses, kinds) if kind != _OBJ_TEXT]
        else:
            kinds = list(zip(addresses, kinds))
        for address, kind in kinds:
            if kind == _OBJ_TEXT:
                texts.add(address, out)
                continue
            obj = _handle(address)
            if kind == _OBJ_PATH:
                out.n_paths += 1
                m = self.matrix(obj)
                self.read_path(obj, address, m if m_parent is None else _mul(m, m_parent))
            elif kind == _OBJ_IMAGE:
                out.n_images += 1
                if depth == 0:
                    self.add_bounds_area(obj)
            elif kind == _OBJ_FORM and depth < 4:
                self.walk_form(obj, address, m_parent, depth)

    def walk_form(self, obj, address: int, m_parent, depth: int) -> None:
        """A form XObject's objects; at the top, its bounds count as image
        area when it holds an image."""
        m = self.matrix(obj)
        m = m if m_parent is None else _mul(m, m_parent)
        n_sub = pdfium_c.FPDFFormObj_CountObjects(obj)
        if n_sub > 0:
            before = self.out.n_images
            self.walk([_GET_SUB_OBJECT(address, k) for k in range(n_sub)], m, depth + 1)
            if depth == 0 and self.out.n_images > before:
                self.add_bounds_area(obj)

    def matrix(self, obj) -> tuple:
        """The object's matrix (a, b, c, d, e, f), identity when pdfium has none."""
        mat = self.mat
        if pdfium_c.FPDFPageObj_GetMatrix(obj, mat):
            return (mat.a, mat.b, mat.c, mat.d, mat.e, mat.f)
        return _IDENTITY

    def add_bounds_area(self, obj) -> None:
        """Add the object's bounding box area (PDF units²) to ``image_area``,
        when pdfium gives the box."""
        l, b, r, t = self.box
        if pdfium_c.FPDFPageObj_GetBounds(obj, l, b, r, t):
            self.out.image_area += max(0.0, r.value - l.value) * max(0.0, t.value - b.value)

    def read_path(self, obj, address: int, m) -> None:
        """The edges of a visible path object (handle ``obj`` at ``address``)
        drawn with matrix ``m``; past ``MAX_SEGMENTS`` segments on the page
        only ``truncated_geometry``."""
        pdfium_c.FPDFPath_GetDrawMode(obj, self.fill, self.stroke)
        if not self.fill.value and not self.stroke.value:
            return  # a clipping / invisible path: pdfminer ignores these too
        ns = pdfium_c.FPDFPath_CountSegments(obj)
        if ns <= 0:
            return
        self.n_segments += ns
        if self.n_segments > MAX_SEGMENTS:
            self.out.truncated_geometry = True
            return
        self.read_segments(address, ns, m)

    def read_segments(self, address: int, ns: int, m) -> None:
        """Walk the ``ns`` segments of the path at ``address`` in page space:
        every line-to and every closing line is a candidate edge."""
        a, bb, c, d, e, f = m
        fx, fy, add_edge = self.fx, self.fy, self.add_edge
        start = prev = None
        for j in range(ns):
            seg = _PATH_SEGMENT(address, j)
            if not seg or not _SEGMENT_POINT(seg, fx, fy):
                continue
            x, y = fx.value, fy.value
            pt = (a * x + c * y + e, bb * x + d * y + f)
            kind = _SEGMENT_TYPE(seg)
            if kind == _SEG_MOVETO:
                start = prev = pt
            else:
                if kind == _SEG_LINETO and prev is not None:
                    add_edge(prev, pt)
                prev = pt
                if start is None:
                    start = pt
            if _SEGMENT_CLOSE(seg) and start is not None and prev is not None:
                if prev != start:
                    add_edge(prev, start)
                prev = start

    def add_edge(self, p0, p1) -> None:
        """The segment p0 → p1 (PDF points) as an edge when it is horizontal
        or vertical (within 1 unit) and at least EDGE_MIN_LENGTH_PREFILTER long."""
        (x0, y0), (x1, y1) = p0, p1
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        if dy < 1 and dx >= EDGE_MIN_LENGTH_PREFILTER:
            top = self.page_height - (y0 + y1) / 2
            lo, hi = min(x0, x1), max(x0, x1)
            self.edges.append({"object_type": "line", "orientation": "h", "x0": lo, "x1": hi,
                               "top": top, "bottom": top, "doctop": top,
                               "width": hi - lo, "height": 0.0})
        elif dx < 1 and dy >= EDGE_MIN_LENGTH_PREFILTER:
            x = (x0 + x1) / 2
            page_height = self.page_height
            top, bottom = page_height - max(y0, y1), page_height - min(y0, y1)
            self.edges.append({"object_type": "line", "orientation": "v", "x0": x, "x1": x,
                               "top": top, "bottom": bottom, "doctop": top,
                               "width": 0.0, "height": bottom - top})


class _TextObjects:
    """Bounds of a page's text objects: which are empty (lost by pdfium when
    their font is not embedded) and which lie over the object drawn just
    before them (how fake bold is drawn).  Called once per text object:
    kept lean."""

    def __init__(self, textpage) -> None:
        self.tp = textpage
        self.prev = (0.0, 0.0, 0.0, 0.0)
        self.prev2 = self.prev
        self.c = (ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float())
        self.embedded: dict[int, bool] = {}

    def add(self, obj: int, out: PageObjects, get_bounds=_GET_BOUNDS) -> None:
        """The text object at address ``obj``."""
        out.n_text += 1
        cl, cb, cr, ct = self.c
        if not get_bounds(obj, cl, cb, cr, ct):
            return
        l, b, r, t = cl.value, cb.value, cr.value, ct.value
        if r - l < 0.01 or t - b < 0.01:
            # an empty box: the font has no glyphs here.  pdfium drops a
            # one-glyph object like that, and takes two such objects with
            # the same text a line apart for one drawn twice
            if not self._embedded(_handle(obj)):
                out.lost_text += 1
            return
        bb = (l, b, r, t)
        for o in (self.prev, self.prev2):
            if l < o[2] and o[0] < r and b < o[3] and o[1] < t and _overlap(bb, o) > 0.5:
                if pdfium_c.FPDFTextObj_GetText(_handle(obj), self.tp, None, 0) > 2:   # pdfium kept its text
                    out.overprint += 1
                break
        self.prev2, self.prev = self.prev, bb

    def _embedded(self, obj) -> bool:
        font = pdfium_c.FPDFTextObj_GetFont(obj)
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        emb = self.embedded.get(key)
        if emb is None:
            emb = self.embedded[key] = bool(font and pdfium_c.FPDFFont_GetIsEmbedded(font))
        return emb


def _overlap(a, b) -> float:
    """Shared area of two boxes over the smaller one's area (0 … 1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / small if small > 0 else 0.0


# -- cells → grid --------------------------------------------------------------


@dataclass
class PdfTable:
    page: int
    xs: list[float]            # column boundaries, left → right
    ys: list[float]            # row boundaries, "top" values, top → bottom
    #: (row, col) → (rowspan, colspan) for every origin cell
    origins: dict[tuple[int, int], tuple[int, int]]
    engine: str = "fast"
    #: texts of origin cells, filled by the caller
    texts: dict[tuple[int, int], list] = field(default_factory=dict)
    #: where each origin cell's text ends: (x of its last character's right
    #: edge, that character's font size), filled by the caller
    ends: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)

    def text_fills(self, r: int, c: int) -> bool:
        """Does the cell's last line run to its right edge (so that the text
        was wrapped there, and may go on in the next row part)?"""
        end = self.ends.get((r, c))
        if end is None or (r, c) not in self.origins:
            return False
        x1, size = end
        right = self.xs[min(len(self.xs) - 1, c + self.origins[(r, c)][1])]
        return right - x1 <= 1.6 * size + 4.0

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    @property
    def bbox_top(self) -> tuple[float, float, float, float]:
        """(x0, top, x1, bottom) in "top" coordinates."""
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def owner_at(self, x: float, top: float) -> tuple[int, int] | None:
        """The origin (row, col) of the cell holding the point, or None."""
        if not (self.xs[0] <= x < self.xs[-1] and self.ys[0] <= top < self.ys[-1]):
            return None
        c = bisect.bisect_right(self.xs, x) - 1
        r = bisect.bisect_right(self.ys, top) - 1
        return self._cover.get((r, c))

    def locator(self) -> tuple:
        """What :meth:`owner_at` reads, for a caller placing many points:
        (table, left, right, top, bottom, xs, ys, the cover dict's ``get``,
        ``texts``, ``ends``).  ``owner_at(x, top)`` is ``get((r, c))`` with
        ``r``/``c`` the bisections of ``top``/``x`` when the point is inside."""
        return (self, self.xs[0], self.xs[-1], self.ys[0], self.ys[-1],
                self.xs, self.ys, self._cover.get, self.texts, self.ends)

    def __post_init__(self) -> None:
        cover: dict[tuple[int, int], tuple[int, int]] = {}
        for origin, (rs, cs) in self.origins.items():
            if rs == 1 and cs == 1:          # most cells: the position is the origin
                cover.setdefault(origin, origin)
                continue
            r0, c0 = origin
            for r in range(r0, r0 + rs):
                for c in range(c0, c0 + cs):
                    cover.setdefault((r, c), origin)
        self._cover = cover


def _cluster(values: list[float], tol: float = 1.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float, tol: float = 1.0) -> int:
    i = bisect.bisect_left(bounds, v - tol)
    if i < len(bounds) and abs(bounds[i] - v) <= tol:
        return i
    # nearest
    j = min(range(len(bounds)), key=lambda k: abs(bounds[k] - v))
    return j


class _Placer(dict):
    """value → :func:`_index` of it in ``bounds``, each computed once."""

    def __init__(self, bounds: list[float]) -> None:
        super().__init__()
        self.bounds = bounds

    def __missing__(self, v: float) -> int:
        i = self[v] = _index(self.bounds, v)
        return i


def table_from_cells(cells: list[tuple[float, float, float, float]], page: int,
                     engine: str = "fast") -> PdfTable | None:
    """Grid, origins and spans from pdfplumber cell boxes (x0, top, x1, bottom).

    Column boundaries are all the distinct left and right edges of the cells,
    row boundaries all their tops and bottoms, so a cell that covers two
    columns (a merged cell) gets colspan 2 and the position it covers is not a
    separate cell."""
    if len(cells) < 2:
        return None
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) < 2 or len(ys) < 2:
        return None
    # cells share their edges: each distinct coordinate is placed once
    col = _Placer(xs).__getitem__
    row = _Placer(ys).__getitem__
    origins: dict[tuple[int, int], tuple[int, int]] = {}
    for x0, top, x1, bottom in cells:
        c0, c1 = col(x0), col(x1)
        r0, r1 = row(top), row(bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        key = (r0, c0)
        if key in origins:   # duplicate cell (overlapping boxes): keep the smaller
            rs, cs = origins[key]
            if rs * cs <= (r1 - r0) * (c1 - c0):
                continue
        origins[key] = (r1 - r0, c1 - c0)
    if len(origins) < 2:
        return None
    return PdfTable(page=page, xs=xs, ys=ys, origins=origins, engine=engine)


def _edge_sets(intersections, edges: list[dict]) -> tuple[dict, dict]:
    """Each point's vertical and horizontal edges as frozensets of small ints,
    one int per distinct edge bbox (pdfplumber takes edges with the same bbox
    for one edge).  ``edges`` holds every edge of the points: each is keyed
    once, and a point's set is made from the edges' ids."""
    ids: dict[tuple, int] = {}
    key = {id(e): ids.setdefault((e["x0"], e["top"], e["x1"], e["bottom"]), len(ids)) for e in edges}.__getitem__
    vsets = {p: frozenset(map(key, map(id, d["v"]))) for p, d in intersections.items()}
    hsets = {p: frozenset(map(key, map(id, d["h"]))) for p, d in intersections.items()}
    return vsets, hsets


def _intersections_to_cells(intersections, edges: list[dict]) -> list[tuple]:
    """Same result as ``pdfplumber.table.intersections_to_cells`` (the smallest
    cell at each intersection, whose four corners are joined by common edges),
    with each point's edge set built once (``edges``: the edges the
    intersections were found from) and points indexed by column and row
    instead of rescanned — pdfplumber's version spends most of a table page's
    time rebuilding those sets."""
    vsets, hsets = _edge_sets(intersections, edges)
    by_x: dict = {}
    by_y: dict = {}
    in_row: dict = {}                     # point → its position in its row
    for p in sorted(intersections):       # sorted: each list is in order
        by_x.setdefault(p[0], []).append(p)
        row = by_y.setdefault(p[1], [])
        in_row[p] = len(row)
        row.append(p)
    cells = []
    for col in by_x.values():             # columns left to right: the points in sorted order
        for i, pt_ in enumerate(col):
            hs = hsets[pt_]
            # the points right of pt_ joined to it by a horizontal edge, found
            # once (pdfplumber asks again for every point below)
            right = [q for q in by_y[pt_[1]][in_row[pt_] + 1:] if not hs.isdisjoint(hsets[q])]
            found = _smallest_cell(pt_, col, i + 1, right, intersections, vsets, hsets) if right else None
            if found:
                cells.append(found)
    return cells


def _smallest_cell(pt_, col, below: int, right, intersections, vsets, hsets):
    """The first cell (x0, top, x1, bottom) with corner ``pt_``, a point of
    its column ``col`` from index ``below`` on joined to it by a vertical
    edge, and a point ``right`` of it, whose fourth corner joins both; None
    when there is none.  Points below share pt_'s x and points right its y,
    so each join is one edge-set test."""
    vs = vsets[pt_]
    for k in range(below, len(col)):
        below_pt = col[k]
        if vs.isdisjoint(vsets[below_pt]):
            continue
        bh = hsets[below_pt]
        for right_pt in right:
            bottom_right = (right_pt[0], below_pt[1])
            if (bottom_right in intersections and not vsets[bottom_right].isdisjoint(vsets[right_pt])
                    and not hsets[bottom_right].isdisjoint(bh)):
                return (pt_[0], pt_[1], bottom_right[0], bottom_right[1])
    return None


def find_tables_fast(objects: PageObjects, page: int) -> list[PdfTable]:
    """pdfplumber's "lines" table finder on edges read by pypdfium2."""
    from pdfplumber import table as pt
    from pdfplumber.utils import filter_edges

    edges = filter_edges(objects.edges, min_length=EDGE_MIN_LENGTH_PREFILTER)
    if not edges:
        return []
    edges = pt.merge_edges(edges, SNAP_TOL, SNAP_TOL, JOIN_TOL, JOIN_TOL)
    edges = filter_edges(edges, min_length=EDGE_MIN_LENGTH)
    intersections = pt.edges_to_intersections(edges, INTERSECTION_TOL, INTERSECTION_TOL)
    if len(intersections) < 4:
        return []
    cells = _intersections_to_cells(intersections, edges)
    out = []
    for group in pt.cells_to_tables(cells):
        t = table_from_cells(group, page, "fast")
        if t is not None:
            out.append(t)
    return out


class PlumberTables:
    """pdfplumber opened lazily, once per document; pages closed after use."""

    def __init__(self, path) -> None:
        self.path = str(path)
        self._pdf = None

    def find(self, page_index: int, page_height: float, mediabox_origin=(0.0, 0.0)) -> list[PdfTable]:
        import pdfplumber
        if self._pdf is None:
            self._pdf = pdfplumber.open(self.path)
        page = self._pdf.pages[page_index]
        try:
            found = page.find_tables()
            # pdfplumber's coordinates are relative to the page box; bring them
            # to pdfium's (PDF user space, top = page_height - y)
            ox, oy = mediabox_origin
            ph = float(page.height)
            out = []
            for t in found:
                cells = []
                for (x0, top, x1, bottom) in t.cells:
                    y_top, y_bottom = ph - top + oy, ph - bottom + oy
                    cells.append((x0 + ox, page_height - y_top, x1 + ox, page_height - y_bottom))
                pt = table_from_cells(cells, page_index + 1, "pdfplumber")
                if pt is not None:
                    out.append(pt)
            return out
        finally:
            page.close()

    def special(self, page_index: int):
        """The page read character by character, as displayed
        (:func:`ingest.pdf_chars.read_plumber_page`)."""
        import pdfplumber
        from .pdf_chars import read_plumber_page
        if self._pdf is None:
            self._pdf = pdfplumber.open(self.path)
        page = self._pdf.pages[page_index]
        try:
            return read_plumber_page(page)
        finally:
            page.close()

    def close(self) -> None:
        """Close pdfplumber's file; never raises (pdfplumber parses every
        page while closing, and a damaged page would raise there)."""
        if self._pdf is not None:
            try:
                self._pdf.close()
            except MemoryError:
                raise
            except Exception:
                pass
            finally:
                self._pdf = None
