"""Charts as inline SVG: no script, no web font, no network — they show in
any browser, print, and open from a file on a machine without internet.

:func:`bar_chart` draws grouped bars: one group per label (a school, or a
metric), one bar per year inside it, the value written above each bar.
Text is escaped; numbers are laid out on a scale from 0 (bars of a count or
a rate start at zero, so their lengths compare honestly).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

#: bar colours by position of the year (oldest first); colour-blind safe
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948")


def _fmt(v: float) -> str:
    v = float(v)
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _nice_max(v: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``v`` (an axis end)."""
    if v <= 0:
        return 1.0
    import math
    k = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * k >= v:
            return m * k
    return 10 * k


@dataclass(frozen=True)
class _Frame:
    """Where a chart's plot sits in its ``width`` × ``height`` box (pixels)."""
    width: int
    height: int
    left: int
    right: int
    head: int
    plot_h: int
    top: float     # the value at the top of the axis


def bar_chart(groups: list[tuple[str, dict[int, float]]], *, title: str = "", unit: str = "",
              width: int = 720, height: int = 260, marks: dict | None = None) -> str:
    """An SVG bar chart.  ``groups``: (label, {year: value}) in display
    order; ``unit`` is written on the axis; ``marks``: (label, year) → a
    short mark drawn after the value (≈, ✎).  Returns the ``<svg>`` text
    (empty string when there is no value to draw)."""
    years = sorted({y for _, vals in groups for y in vals})
    values = [v for _, vals in groups for v in vals.values() if v is not None]
    if not values:
        return ""
    left, right, head, foot = 56, 12, 28 + (16 if title else 0), 44
    fr = _Frame(width, height, left, right, head, height - head - foot, _nice_max(max(values)))
    group_w = (width - left - right) / max(1, len(groups))
    bar_w = max(4.0, min(36.0, (group_w - 10) / max(1, len(years))))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif" font-size="11">']
    if title:
        out.append(f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>')
    out += _axis_svg(fr, unit)
    for g, (label, vals) in enumerate(groups):
        x0 = left + g * group_w + (group_w - bar_w * len(years)) / 2
        out += _bars_svg(fr, label, vals, years, x0, bar_w, unit, marks or {})
        short = label if len(label) <= 12 else label[:11] + "…"
        out.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{head + fr.plot_h + 16}" '
                   f'text-anchor="middle">{escape(short)}</text>')
    out += _legend_svg(fr, years)
    out.append("</svg>")
    return "".join(out)


def _axis_svg(fr: _Frame, unit: str) -> list[str]:
    """Grid lines with their axis labels, and the unit above the axis."""
    out = []
    for i in range(5):   # grid and axis labels
        v = fr.top * i / 4
        y = fr.head + fr.plot_h - fr.plot_h * i / 4
        out.append(f'<line x1="{fr.left}" x2="{fr.width - fr.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{fr.left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_fmt(v)}</text>')
    if unit:
        out.append(f'<text x="4" y="{fr.head - 8}" fill="#555">{escape(unit)}</text>')
    return out


def _bars_svg(fr: _Frame, label: str, vals: dict[int, float], years: list[int], x0: float, bar_w: float,
              unit: str, marks: dict) -> list[str]:
    """One group's bars (one per year with a value), each with its value and mark above it."""
    out = []
    for k, year in enumerate(years):
        v = vals.get(year)
        if v is None:
            continue
        h = fr.plot_h * float(v) / fr.top
        x, y = x0 + k * bar_w, fr.head + fr.plot_h - h
        colour = PALETTE[k % len(PALETTE)]
        mark = marks.get((label, year), "")
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                   f'<title>{escape(label)} {year}: {_fmt(v)}{escape(unit)}</title></rect>')
        out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                   f'font-size="10">{_fmt(v)}{escape(mark)}</text>')
    return out


def _legend_svg(fr: _Frame, years: list[int]) -> list[str]:
    """A colour square and the year for each year, along the bottom."""
    out = []
    for k, year in enumerate(years):   # legend
        x = fr.left + k * 70
        out.append(f'<rect x="{x}" y="{fr.height - 14}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{fr.height - 5}">{year}</text>')
    return out
