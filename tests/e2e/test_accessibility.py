"""Accessibility in a real browser: axe-core (pinned in package.json, installed by `npm ci`) runs
on every screen and state of the app and of our admin, at phone and desktop width, and any
serious or critical violation fails the test with a readable list. Plus what axe cannot see:
stance highlights differ by line style, not by colour alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e import screens
from tests.e2e.screens import BY_NAME, SCREENS, browsing

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture
def axe_script() -> Path:
    if AXE.exists():
        return AXE
    message = f"axe-core not found at {AXE}: run `npm ci` (or `make test`, which runs it)."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: the accessibility check must run.)")
    pytest.skip(message)


@pytest.fixture
def world(relations):
    return screens.make_world()


def axe_violations(page, script: Path) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated through the devtools protocol, not added as a <script> tag: the page's
    # Content-Security-Policy refuses inline scripts, and axe is not ours to serve.
    page.evaluate(script.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


def describe(screen: str, violation: dict) -> str:
    nodes = violation["nodes"]
    lines = [
        f"{screen}: {violation['id']} ({violation['impact']}, {len(nodes)}×) — "
        f"{violation['help']} {violation['helpUrl']}"
    ]
    for node in nodes[:5]:
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"    {' '.join(node['target'])}: {summary[:300]}")
    if len(nodes) > 5:
        lines.append(f"    … and {len(nodes) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "size", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}], ids=["390", "1280"]
)
def test_no_serious_axe_violation_on_any_screen(browser, live_server, world, axe_script, size):
    found = []
    with browsing(browser, live_server, world, **size) as visit:
        for screen in SCREENS:
            page = visit(screen)
            found += [describe(screen.name, v) for v in axe_violations(page, axe_script)]
            page.close()
    assert not found, (
        f"axe-core found serious or critical violations at {size['width']} px:\n" + "\n".join(found)
    )


def test_axe_check_catches_a_violation(browser, live_server, world, axe_script):
    """The check above is live: an image without a text alternative is reported."""
    with browsing(browser, live_server, world, width=1280, height=900) as visit:
        page = visit(BY_NAME["articles list"])
        page.evaluate("document.querySelector('main').append(document.createElement('img'))")
        assert [v["id"] for v in axe_violations(page, axe_script)] == ["image-alt"]


def test_stance_highlights_differ_by_line_style_not_only_by_colour(browser, live_server, world):
    with browsing(browser, live_server, world, width=1280, height=900) as visit:
        page = visit(BY_NAME["workspace, with annotations"])
        styles = page.evaluate(
            """() => Object.fromEntries(['asserts', 'denies', 'reports', 'questions'].map((s) => {
                 const mark = document.querySelector(`#article-text mark.hl.mine.s-${s}`);
                 const style = getComputedStyle(mark);
                 return [s, [style.textDecorationLine, style.textDecorationStyle]];
               }))"""
        )
    assert all(line == "underline" for line, _ in styles.values()), styles
    assert len({style for _, style in styles.values()}) == 4, styles
