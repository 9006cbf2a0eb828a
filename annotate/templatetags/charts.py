"""Server-rendered charts: small inline SVGs with a text equivalent, no JavaScript."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

# Fallback fills, equal to annotate.css's stance colours, for when insights.css is not loaded (the
# stylesheet maps the classes to those colours).
_FILLS = {"asserts": "#256b2a", "denies": "#a8201a", "reports": "#595959", "questions": "#7d4c00"}


def stance_summary(counts: list[tuple[str, int]]) -> str:
    """Text equivalent of a stance bar, e.g. '3 asserts, 1 denies' (zero counts left out)."""
    parts = [f"{n} {stance}" for stance, n in counts if n]
    return ", ".join(parts) or "no attributions"


@register.simple_tag
def stance_bar(counts: list[tuple[str, int]], width: int = 120, height: int = 14) -> SafeString:
    """A stacked horizontal bar of (stance, count) pairs, as accessible inline SVG.

    Segment widths are proportional to the counts and rounded so they always add up to `width`.
    """
    total = sum(n for _, n in counts)
    summary = stance_summary(counts)
    segments = []
    x = 0
    running = 0
    for stance, n in counts:
        if not n:
            continue
        running += n
        right = round(width * running / total)
        segments.append((stance, x, right - x))
        x = right
    rects = format_html_join(
        "",
        '<rect class="bar-{}" x="{}" y="0" width="{}" height="{}" fill="{}"></rect>',
        ((s, left, w, height, _FILLS.get(s, "#999")) for s, left, w in segments),
    )
    return format_html(
        '<svg class="stance-bar" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>'
        '<rect class="bar-track" x="0" y="0" width="{}" height="{}" fill="#eef0f3"></rect>{}</svg>',
        summary,
        width,
        height,
        width,
        height,
        summary,
        width,
        height,
        rects,
    )
