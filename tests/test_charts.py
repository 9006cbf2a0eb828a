"""Server-rendered stance bars: their fallback colours are the stylesheet's stance colours."""

import re
from pathlib import Path

from annotate.templatetags import charts

CSS = Path(charts.__file__).resolve().parents[1] / "static" / "annotate" / "annotate.css"


def test_fallback_fills_are_the_stance_colours_of_annotate_css():
    """The colours were darkened to pass contrast; a bar drawn without insights.css must not
    bring the old ones back."""
    declared = dict(
        re.findall(r"--(asserts|denies|reports|questions): (#[0-9a-f]{6})", CSS.read_text())
    )
    assert charts._FILLS == declared
