"""Charts as inline SVG made in Python: no JS chart library, prints and projects as it is.

Text in a chart is escaped (markupsafe). Sizes are in CSS pixels of a ``viewBox``; the SVG scales to
the width of its box.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup, escape

PALETTE = ("#1f78b4", "#e6550d", "#33a02c", "#6a3d9a", "#b15928", "#e31a1c", "#525252")
FONT = '"Noto Sans CJK SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif'


@dataclass(frozen=True)
class Series:
    """One line (or one bar group) of a chart."""

    label: str
    values: Sequence[float]
    colour: str = PALETTE[0]
    dash: bool = False
    #: a band (fan) drawn behind the line: its low and high values, year by year
    band: tuple[Sequence[float], Sequence[float]] | None = None


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = np.floor(lo / step) * step
    return [float(v) for v in np.arange(start, hi + step * 0.999, step)]


def _fmt(v: float) -> str:
    if abs(v) >= 1e4:
        return f"{v / 1e4:,.1f}万" if abs(v) < 1e8 else f"{v / 1e8:,.2f}亿"
    return f"{v:,.0f}"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" style="font-family:{escape(FONT)}">'
        f'<title>{escape(title)}</title>' + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out, cx = [], x
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dash else ""
        out.append(f'<line x1="{cx}" y1="{y}" x2="{cx + 22}" y2="{y}" stroke="{s.colour}" stroke-width="3"{dash}/>'
                   f'<text x="{cx + 27}" y="{y + 5}" font-size="14">{escape(s.label)}</text>')
        cx += 40 + 14 * len(s.label)
    return out


def line_chart(x: Sequence[int], series: Sequence[Series], *, title: str, width: int = 640,
               height: int = 300) -> Markup:
    """Lines over years (``x``); a single year is drawn as dots."""
    left, right, top, bottom = 64, 16, 34, 40
    values = [v for s in series for v in (*s.values, *(s.band[1] if s.band else ()))]
    vals = np.array([v for v in values if v is not None and np.isfinite(v)] or [0.0])
    ticks = _ticks(min(0.0, float(vals.min())), float(vals.max()) * 1.05 or 1.0)
    lo, hi = ticks[0], ticks[-1]
    xs = list(x)
    pw, ph = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + (pw * i / (len(xs) - 1) if len(xs) > 1 else pw / 2)

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    body = [f'<text x="{left}" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for tv in ticks:
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{py(tv):.1f}" y2="{py(tv):.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6}" y="{py(tv) + 4:.1f}" font-size="12" text-anchor="end">{_fmt(tv)}</text>')
    step = max(1, len(xs) // 8)
    for i, xv in enumerate(xs):
        if i % step == 0 or i == len(xs) - 1:
            body.append(f'<text x="{px(i):.1f}" y="{height - bottom + 18}" font-size="12" '
                        f'text-anchor="middle">{escape(xv)}</text>')
    for s in series:
        if s.band is not None:
            low, high = (np.asarray(b, dtype=float) for b in s.band)
            ok = [i for i in range(len(xs)) if np.isfinite(low[i]) and np.isfinite(high[i])]
            if len(ok) > 1:
                edge = ([f"{px(i):.1f},{py(high[i]):.1f}" for i in ok]
                        + [f"{px(i):.1f},{py(low[i]):.1f}" for i in ok[::-1]])
                body.append(f'<polygon points="{" ".join(edge)}" fill="{s.colour}" fill-opacity="0.18" '
                            'stroke="none"/>')
    for s in series:
        pts = [(px(i), py(v)) for i, v in enumerate(s.values) if v is not None and np.isfinite(v)]
        dash = ' stroke-dasharray="7 5"' if s.dash else ""
        if len(pts) > 1:
            d = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
            body.append(f'<polyline points="{d}" fill="none" stroke="{s.colour}" stroke-width="2.5"{dash}/>')
        for a, b in pts if len(pts) <= 12 else pts[:: max(1, len(pts) // 12)]:
            body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{s.colour}"/>')
    body += _legend(series, left, height - 8)
    return _svg(width, height, body, title)


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, title: str, width: int = 640,
              height: int | None = None, diverging: bool = False) -> Markup:
    """Horizontal bars, one row per category, one bar per series (``diverging``: negatives to the left)."""
    row = 14 * len(series) + 10
    left, right, top, bottom = 150, 60, 34, 34
    height = height or top + bottom + row * max(len(categories), 1)
    vals = np.array([v for s in series for v in s.values] or [0.0], dtype=float)
    lo = min(0.0, float(np.nanmin(vals))) if diverging else 0.0
    hi = max(0.0, float(np.nanmax(vals))) or 1.0
    ticks = _ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    pw = width - left - right

    def px(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    body = [f'<text x="8" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for tv in ticks:
        body.append(f'<line x1="{px(tv):.1f}" x2="{px(tv):.1f}" y1="{top}" y2="{height - bottom}" stroke="#e3e3e3"/>'
                    f'<text x="{px(tv):.1f}" y="{height - bottom + 15}" font-size="11" '
                    f'text-anchor="middle">{_fmt(tv)}</text>')
    zero = px(0.0)
    for i, cat in enumerate(categories):
        y0 = top + i * row + 5
        body.append(f'<text x="{left - 6}" y="{y0 + row / 2:.1f}" font-size="13" text-anchor="end">'
                    f'{escape(cat)}</text>')
        for j, s in enumerate(series):
            v = float(s.values[i]) if np.isfinite(s.values[i]) else 0.0
            x0, x1 = sorted((zero, px(v)))
            colour = s.colour if (not diverging or len(series) > 1) else ("#b2182b" if v > 0 else "#4393c3")
            body.append(f'<rect x="{x0:.1f}" y="{y0 + j * 14:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="12" '
                        f'fill="{colour}"><title>{escape(cat)} {escape(s.label)}: {v:,.0f}</title></rect>')
    body.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top}" y2="{height - bottom}" stroke="#333"/>')
    if not diverging or len(series) > 1:
        body += _legend(series, left, height - 6)
    return _svg(width, height, body, title)
