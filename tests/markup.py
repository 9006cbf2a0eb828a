"""Reading the workspace's markup in tests: what annotate.js does to the page, done in Python."""

from __future__ import annotations

import re

RUN = re.compile(r'<(?:span|mark) [^>]*data-s="(\d+)"[^>]*>[^<]*</(?:span|mark)>')


def splice(page_html: str, window_html: str, lo: int, hi: int) -> str:
    """What annotate.js does with a saved patch: replace the runs starting in [lo, hi)."""
    runs = [(int(m.group(1)), m.group(0)) for m in RUN.finditer(page_html)]
    assert "".join(html for _, html in runs) == page_html  # nothing but flat runs
    kept_before = "".join(html for s, html in runs if s < lo)
    kept_after = "".join(html for s, html in runs if s >= hi)
    return kept_before + window_html + kept_after
