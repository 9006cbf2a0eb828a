"""The stance colours in annotate.css meet WCAG AA contrast where they are used.

axe-core (tests/e2e/test_accessibility.py) checks text it can see; this checks what it cannot:
the colours against the panel's hover tint and as underlines on their own deepest highlight.
"""

import re
from pathlib import Path

import pytest

CSS = (
    Path(__file__).resolve().parents[1] / "annotate" / "static" / "annotate" / "annotate.css"
).read_text()
STANCES = ("asserts", "denies", "reports", "questions")
WHITE, HOVER, PAGE = (255, 255, 255), (0xF2, 0xF6, 0xFD), (0xFB, 0xFB, 0xFA)
DEEPEST_TINT = 0.40  # .hl.mine.d4's background alpha


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    def luminance(c: tuple[int, ...]) -> float:
        lin = [
            v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
            for v in (x / 255 for x in c)
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colour(stance: str) -> tuple[int, int, int]:
    return rgb(re.search(rf"--{stance}: (#[0-9a-f]{{6}})", CSS).group(1))


def test_the_deepest_tint_is_the_one_the_stylesheet_uses():
    assert ".hl.mine.d4 { background: rgba(var(--bg), .40);" in CSS


@pytest.mark.parametrize("stance", STANCES)
def test_stance_colour_is_readable_as_text(stance):
    """Chips, counts and list numbers: 4.5:1 on white and on a hovered list item."""
    assert contrast(colour(stance), WHITE) >= 4.5
    assert contrast(colour(stance), HOVER) >= 4.5


@pytest.mark.parametrize("stance", STANCES)
def test_highlight_tint_is_the_stance_colour_and_its_underline_stays_visible(stance):
    """Underlines (non-text, 3:1) against the deepest highlight of the same stance."""
    triplet = re.search(rf"\.s-{stance}\.hl {{[^}}]*--bg: (\d+), (\d+), (\d+);", CSS).groups()
    assert tuple(map(int, triplet)) == colour(stance)
    tint = tuple(
        round(c * DEEPEST_TINT + p * (1 - DEEPEST_TINT))
        for c, p in zip(colour(stance), PAGE, strict=True)
    )
    assert contrast(colour(stance), tint) >= 3
