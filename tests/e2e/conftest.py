"""Browser fixtures (Playwright, Chromium at /usr/bin/chromium) shared by every e2e test.

Missing Chromium skips these tests locally with a clear message but fails them under CI=true, so CI
can never pass without having run the browser. Playwright's sync API runs an event loop in this
thread, which makes Django refuse ORM calls from "async" code; the tests only touch the database
between browser steps, so allowing it here is safe.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_ce800484ff430f64.txt"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"Chromium not found at {CHROMIUM}: install Debian's `chromium` to run browser tests."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: browser tests must run.)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole session (starting it is the slow part)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def close_settled(context) -> None:
    """Close a browser context once its pages' requests have been answered.

    A request still running on the live server (an htmx load the test did not wait for) holds
    its table locks while pytest-django empties the tables after the test; on PostgreSQL the two
    can deadlock, failing the next test's set-up. Waiting for the network to go quiet first
    (bounded: a page that polls never does) lets the server finish.
    """
    from playwright.sync_api import Error

    for open_page in context.pages:
        try:
            open_page.wait_for_load_state("networkidle", timeout=3_000)
        except Error:
            pass  # still busy after 3 s, or already closed: close anyway
    context.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser context (own cookies) per test, 1280×900, failing fast on slow waits."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    close_settled(context)
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def new_page(browser):
    """Factory for extra pages in separate contexts (a second user in the same test)."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        close_settled(context)


def login(page, user, live_server) -> None:
    """Log in through the real login form (password: tests.factories.PASSWORD)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def seeded_article(relations):
    """The first seed article (the Los Angeles Times piece with Votel's testimony), as imported,
    with the actors the tests type already known (a new name asks first: test_new_actors.py)."""
    for name in ("Russia", "Taliban", "Iran", "Joseph Votel"):
        factories.make_actor(name)
    return import_seed()


def import_seed():
    """The first seed imported as `make run` imports it (whole text, title from its metadata)."""
    from annotate import importing

    result = importing.import_paths([SEED])
    assert result.ok and len(result.created) == 1, result.errors
    from annotate.models import Article

    return Article.objects.get(source_name=SEED.name)


def select_text(page, phrase: str, *, occurrence: int = 0) -> None:
    """Select `phrase` in the article text with a real mouse drag (press, move, release)."""
    box = phrase_box(page, phrase, occurrence=occurrence)
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=3)
    page.mouse.move(box["x2"], box["y2"], steps=3)
    page.mouse.up()


def phrase_box(page, phrase: str, *, occurrence: int = 0) -> dict[str, float]:
    """Where `phrase` is in the article text, scrolled to the middle of the viewport: the middle
    of its first character's left edge (x1, y1) and of its last one's right edge (x2, y2)."""
    # A click that opens the workspace may still be loading it: wait for the text to be there.
    page.locator("#article-text").wait_for()
    box = page.evaluate(
        """([phrase, occurrence]) => {
          const root = document.querySelector('#article-text');
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let node, seen = 0;
          while ((node = walker.nextNode())) {
            let i = node.data.indexOf(phrase);
            while (i >= 0 && seen < occurrence) { seen++; i = node.data.indexOf(phrase, i + 1); }
            if (i < 0) continue;
            const r = document.createRange();
            r.setStart(node, i); r.setEnd(node, i + 1);
            // Bring the phrase itself (not its possibly huge run) to the middle of the viewport.
            window.scrollBy(0, r.getBoundingClientRect().top - window.innerHeight / 2);
            const a = r.getClientRects()[0];
            const endOffset = i + phrase.length;
            // Last character: step back over a low surrogate so the range holds a whole character.
            const back = /[\\uDC00-\\uDFFF]/.test(node.data[endOffset - 1]) ? 2 : 1;
            r.setStart(node, endOffset - back); r.setEnd(node, endOffset);
            const rects = r.getClientRects(); const z = rects[rects.length - 1];
            return {x1: a.left + 1, y1: a.top + a.height / 2,
                    x2: z.right - 1, y2: z.top + z.height / 2};
          }
          return null;
        }""",
        [phrase, occurrence],
    )
    assert box, f"{phrase!r} is not in one text run of the article"
    return box


def ask_who(page, relation: str, actor: str, role: str) -> None:
    """Ask the question form on /claims/ "Who is said to <relation> <actor> as <role>?" (the
    relation or group by its label) and send it."""
    question = page.get_by_role("form", name="Ask who is said to do what")
    question.get_by_label("Who is said to").select_option(label=relation)
    question.get_by_label("Actor asked about").fill(actor)
    question.get_by_label("as (the actor's role in the claim)").select_option(role)
    question.get_by_role("button", name="Ask").click()


def select_with_range(page, phrase: str) -> None:
    """Select `phrase` programmatically (a keyboard user's selection); fires `selectionchange`."""
    page.locator("#article-text").wait_for()
    page.evaluate(
        """(phrase) => {
          const root = document.querySelector('#article-text');
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const i = node.data.indexOf(phrase);
            if (i < 0) continue;
            const r = document.createRange();
            r.setStart(node, i); r.setEnd(node, i + phrase.length);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
            return;
          }
          throw new Error('phrase not found: ' + phrase);
        }""",
        phrase,
    )
