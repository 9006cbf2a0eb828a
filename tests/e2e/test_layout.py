"""Layout in a real browser: every screen from phone to laptop width without sideways scrolling,
the workspace stacked on a phone with the form docked in view, and the controls that used to be
clipped or misplaced (curator's review buttons, export choices, the admin annotation list)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import screens
from tests.e2e.screens import BY_NAME, SCREENS, browsing

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1024, "height": 768}

# What sticks out past the right edge of the page (the innermost such elements), for the message.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width && r.right > doc.clientWidth + 0.5;
  });
  const innermost = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
  return {
    scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth,
    culprits: innermost.slice(0, 5).map((el) =>
      el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      ' (right ' + Math.round(el.getBoundingClientRect().right) + ')'),
  };
}"""


@pytest.fixture
def world(relations):
    return screens.make_world()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390x844", "1024x768"])
def test_no_screen_scrolls_sideways(browser, live_server, world, size):
    too_wide = []
    with browsing(browser, live_server, world, **size) as visit:
        for screen in SCREENS:
            page = visit(screen)
            found = page.evaluate(OVERFLOW)
            if found["scrollWidth"] > found["clientWidth"]:
                too_wide.append(
                    f"{screen.name}: {found['scrollWidth']} px wide in {found['clientWidth']} px; "
                    f"sticking out: {', '.join(found['culprits']) or '?'}"
                )
            if not screen.admin:
                # The top bar wraps: every link in it stays on screen.
                for link in page.locator(".topbar a, .topbar button").all():
                    box = link.bounding_box()
                    if box and box["x"] + box["width"] > found["clientWidth"]:
                        too_wide.append(
                            f"{screen.name}: top bar item {link.inner_text()!r} off screen"
                        )
            page.close()
    assert not too_wide, f"At {size['width']}×{size['height']}:\n" + "\n".join(too_wide)


def test_phone_workspace_stacks_the_panel_under_the_text_and_docks_the_form(
    browser, live_server, world
):
    with browsing(browser, live_server, world, **PHONE) as visit:
        page = visit(BY_NAME["workspace, with annotations"])
        text, panel = (
            page.locator("#article-text").bounding_box(),
            page.locator("#panel").bounding_box(),
        )
        assert panel["y"] >= text["y"] + text["height"], "the panel should come after the text"
        assert panel["width"] > 0.85 * PHONE["width"], "the panel should take the whole width"
        assert text["width"] > 0.85 * PHONE["width"], "the text should take the whole width"

        # Selecting words opens the form docked over the bottom of the screen, the words above it.
        screens.open_form(page)
        form = page.locator("#new-annotation").bounding_box()
        assert form["y"] > 0 and form["y"] + form["height"] <= PHONE["height"] + 1
        assert form["height"] <= 0.65 * PHONE["height"], "the text must stay in view above the form"
        words = page.evaluate(
            """() => { const r = CSS.highlights.get('pending').values().next().value;
                       const b = r.getBoundingClientRect(); return {top: b.top, bottom: b.bottom}; }"""
        )
        assert 0 <= words["top"] and words["bottom"] <= form["y"], (words, form)
        expect(page.get_by_label("Subject")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#new-annotation")).to_be_hidden()


def test_curator_review_buttons_fit_in_the_panel_at_1024(browser, live_server, world):
    with browsing(browser, live_server, world, **LAPTOP) as visit:
        page = visit(BY_NAME["workspace, curator with others"])
        items = page.locator("#panel li.other-ann")
        assert items.count() >= 3
        for item in items.all():
            outer = item.bounding_box()
            for name in ("Accept", "Reject"):
                button = item.get_by_role("button", name=name).bounding_box()
                assert button["x"] + button["width"] <= outer["x"] + outer["width"], (
                    f"{name} sticks out of its item"
                )
        panel = page.locator("#panel")
        assert panel.evaluate("p => p.scrollWidth <= p.clientWidth"), "the panel scrolls sideways"


def test_export_choices_sit_beside_their_labels_and_reviewers_are_checkboxes(
    browser, live_server, world
):
    with browsing(browser, live_server, world, width=1280, height=900) as visit:
        page = visit(BY_NAME["export, curator"])
        boxes = page.locator(".export-form input[type=radio], .export-form input[type=checkbox]")
        assert boxes.count() >= 2 + 3 + 4 + 1  # formats, statuses, reviewers, no-text
        for box in boxes.all():
            where = box.evaluate(
                """(input) => { const label = input.closest('label'); const r = input.getBoundingClientRect();
                   const text = document.createRange(); text.selectNodeContents(label);
                   const line = [...text.getClientRects()].find((q) => q.width && q.left > r.right - 1);
                   return line && {middle: (r.top + r.bottom) / 2, top: line.top, bottom: line.bottom,
                                   gap: line.left - r.right}; }"""
            )
            name = box.evaluate("i => i.closest('label').textContent.trim()")
            assert where, f"{name!r}: no label text to the right of its box"
            assert where["top"] <= where["middle"] <= where["bottom"], f"{name!r}: off its line"
            assert 0 <= where["gap"] < 20, f"{name!r}: box {where['gap']} px from its text"
        reviewers = page.get_by_role("group", name="Reviewers")
        reviewers.get_by_role("checkbox", name="bob").check()
        reviewers.get_by_role("checkbox", name="rita").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download").click()
        assert "reviewer=bob&reviewer=rita" in download.value.url


def test_admin_annotation_list_keeps_the_decision_columns_in_view_at_1280(
    browser, live_server, world
):
    with browsing(browser, live_server, world, width=1280, height=900) as visit:
        page = visit(BY_NAME["admin annotation list"])
        right = page.locator("#changelist .results").evaluate(
            "r => r.getBoundingClientRect().left + r.clientWidth"
        )
        for column in ("claim", "stance", "reviewer", "status"):
            box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
            assert box["x"] + box["width"] <= right + 1, f"the {column} column is out of view"
        # The article column is a short link to the article; the full title is its tooltip.
        link = page.locator("#result_list td.field-article_short a").first
        title = link.get_attribute("title")
        assert title.startswith("In Afghanistan, Russia is working with its Cold War foe")
        assert len(link.inner_text()) <= 30 < len(title)
        link.click()
        expect(page.locator("#id_title")).to_have_value(title)
