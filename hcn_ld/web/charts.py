"""Server-side SVG bar charts: accessible, no JavaScript, each bar a link where it leads somewhere.

    >>> svg = bar_chart([Bar("2005", 3, "/projects?from=2005&to=2005")], "Projects per year")
    >>> svg.startswith("<svg") and "Projects per year" in svg and "2005" in svg
    True

Pages show the same figures as a table beside the chart (see ``_chart.html``), so they read
without SVG and with a screen reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

ROW = 22
LABEL_WIDTH = 130
BAR_WIDTH = 250
WIDTH = LABEL_WIDTH + BAR_WIDTH + 40


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and an optional link (served URL)."""

    label: str
    value: int
    href: str | None = None


def bar_chart(bars: Sequence[Bar], title: str, chart_id: str = "chart") -> str:
    """A horizontal bar chart as inline SVG, its title as the accessible name."""
    top = max((bar.value for bar in bars), default=0) or 1
    height = ROW * len(bars) + 8
    out = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="group" aria-labelledby="{escape(chart_id)}-title" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for n, bar in enumerate(bars):
        y = 4 + n * ROW
        width = max(round(BAR_WIDTH * bar.value / top, 1), 1)
        label = escape(bar.label if len(bar.label) <= 20 else bar.label[:19] + "…")
        x, text_y = LABEL_WIDTH, y + 15
        row = (
            f"<title>{escape(bar.label)}: {bar.value}</title>"
            f'<text class="label" x="{x - 6}" y="{text_y}" text-anchor="end">{label}</text>'
            f'<rect class="bar" x="{x}" y="{y + 2}" width="{width:g}" height="{ROW - 6}"/>'
            f'<text class="value" x="{x + width + 5:g}" y="{text_y}">{bar.value}</text>'
        )
        if bar.href:
            out.append(f'<a class="bar-row" href="{escape(bar.href)}">{row}</a>')
        else:
            out.append(f'<g class="bar-row">{row}</g>')
    out.append("</svg>")
    return "".join(out)
