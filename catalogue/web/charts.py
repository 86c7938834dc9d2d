"""Charts drawn on the server as SVG: no script, no network, printable, and readable by
screen readers (a title and a description inside; the page puts the numbers in a table and a
CSV link beside every chart). Why not a JavaScript library: see docs/web.md.

The numbers come in already computed by the report builder the API and the CSV use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colour-blind safe (Okabe-Ito), each with at least 3:1 contrast against white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#555555"]
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 56


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]  # one per category (year), in percent of the bar's total


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)


def stacked_percent_bars(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    target: float | None = None,
    target_label: str = "",
) -> Markup:
    """100%-stacked bars, one per category (a year), with an optional target line."""
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(categories), 1)
    bar = min(48.0, slot * 0.7)
    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}%</text>'
        )
    for index, category in enumerate(categories):
        x = LEFT + slot * index + (slot - bar) / 2
        bottom = 0.0
        for number, item in enumerate(series):
            value = item.values[index] if index < len(item.values) else 0.0
            if value <= 0:
                continue
            top = bottom + value
            parts.append(
                f'<rect x="{x:.1f}" y="{_y(top):.1f}" width="{bar:.1f}" '
                f'height="{_y(bottom) - _y(top):.1f}" fill="{PALETTE[number % len(PALETTE)]}">'
                f"<title>{escape(category)}: {escape(item.name)} {value:.1f}%</title></rect>"
            )
            bottom = top
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'class="tick">{escape(category)}</text>'
        )
    if target is not None:
        y = _y(target)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="target"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end" class="target-label">'
            f"{escape(target_label)}</text>"
        )
    legend_y = HEIGHT - 18
    x = float(LEFT)
    for number, item in enumerate(series):
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y - 9}" width="10" height="10" '
            f'fill="{PALETTE[number % len(PALETTE)]}"/>'
            f'<text x="{x + 14:.1f}" y="{legend_y}" class="legend">{escape(item.name)}</text>'
        )
        x += 24 + 7.2 * len(item.name)
    parts.append("</svg>")
    return Markup("".join(parts))


def percent_bars(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    target: float | None = None,
    target_label: str = "",
) -> Markup:
    """One bar per category, in percent, with an optional target line."""
    return stacked_percent_bars(
        chart_id,
        title,
        description,
        categories,
        [Series(title, [value or 0.0 for value in values])],
        target,
        target_label,
    )
