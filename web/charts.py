"""Charts as inline SVG: no script, no web font, no network — they show in
any browser, print, and open from a file on a machine without internet.

:func:`bar_chart` draws grouped bars: one group per label (a school, or a
metric), one bar per year inside it, the value written above each bar.
Text is escaped; numbers are laid out on a scale from 0 (bars of a count or
a rate start at zero, so their lengths compare honestly).
"""
from __future__ import annotations

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
    top = _nice_max(max(values))
    left, right, head, foot = 56, 12, 28 + (16 if title else 0), 44
    plot_w, plot_h = width - left - right, height - head - foot
    group_w = plot_w / max(1, len(groups))
    bar_w = max(4.0, min(36.0, (group_w - 10) / max(1, len(years))))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif" font-size="11">']
    if title:
        out.append(f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>')
    for i in range(5):   # grid and axis labels
        v = top * i / 4
        y = head + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_fmt(v)}</text>')
    if unit:
        out.append(f'<text x="4" y="{head - 8}" fill="#555">{escape(unit)}</text>')
    for g, (label, vals) in enumerate(groups):
        x0 = left + g * group_w + (group_w - bar_w * len(years)) / 2
        for k, year in enumerate(years):
            v = vals.get(year)
            if v is None:
                continue
            h = plot_h * float(v) / top
            x, y = x0 + k * bar_w, head + plot_h - h
            colour = PALETTE[k % len(PALETTE)]
            mark = (marks or {}).get((label, year), "")
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                       f'<title>{escape(label)} {year}: {_fmt(v)}{escape(unit)}</title></rect>')
            out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                       f'font-size="10">{_fmt(v)}{escape(mark)}</text>')
        short = label if len(label) <= 12 else label[:11] + "…"
        out.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{head + plot_h + 16}" '
                   f'text-anchor="middle">{escape(short)}</text>')
    for k, year in enumerate(years):   # legend
        x = left + k * 70
        out.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{height - 5}">{year}</text>')
    out.append("</svg>")
    return "".join(out)
