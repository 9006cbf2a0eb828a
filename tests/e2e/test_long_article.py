"""A long article in a real browser: 300 annotations on 60,000 characters. The side panel's
list can be filtered in the browser (text, stance, status, claim, source) and follows the text
as it scrolls (annotate.js, "list filter" and "the list follows the text")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation
from tests import factories
from tests.e2e.conftest import login, select_text
from tests.e2e.test_workspace import fill_votel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def long_article(relations):
    reviewer = factories.make_user("rita")
    article = factories.make_long_article(reviewer)
    assert len(article.text) == 60_000 and article.annotations.count() == 300
    return reviewer, article


def open_workspace(page, live_server, reviewer, article):
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#my-annotations > .ann")).to_have_count(300)


def shown(page):
    return page.locator("#my-annotations > .ann:not([hidden])")


def test_filter_by_text_stance_claim_source_status(page, live_server, long_article):
    reviewer, article = long_article
    open_workspace(page, live_server, reviewer, article)
    bar = page.get_by_role("search", name="Filter the annotation lists")
    count = page.locator("#filter-count")
    expect(count).to_have_text("300 of 300 shown")
    clear = bar.get_by_role("button", name="Clear filter")
    expect(clear).to_be_hidden()

    # Text: claim, quote or source, any case. "Report 180" … "Report 189" are quotes 180–189.
    bar.get_by_label("Find").fill("REPORT 18")
    expect(count).to_have_text("10 of 300 shown")
    expect(shown(page)).to_have_count(10)
    expect(shown(page).first).to_contain_text("Report 180")
    # The items keep their numbers (those of the marks in the text), not 1–10.
    expect(shown(page).first.locator(".num")).to_have_attribute("data-n", "181")
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('#my-annotations > .ann:not([hidden]) .num'),"
            " '::before').content"
        )
        == '"181"'
    )

    # Text and stance together: of 180–189 the denials are 181, 185 and 189 (stances rotate).
    bar.get_by_label("Stance").select_option("denies")
    expect(count).to_have_text("3 of 300 shown")
    expect(shown(page)).to_have_count(3)
    for item in shown(page).all():
        expect(item).to_have_attribute("data-stance", "denies")
    expect(shown(page).nth(1)).to_contain_text("Report 185")

    # Stance alone: a quarter of the list.
    bar.get_by_label("Find").fill("")
    expect(count).to_have_text("75 of 300 shown")

    # Clear brings everything back and the bar to its start.
    expect(clear).to_be_visible()
    clear.click()
    expect(count).to_have_text("300 of 300 shown")
    expect(bar.get_by_label("Stance")).to_have_value("")
    expect(clear).to_be_hidden()
    expect(bar.get_by_label("Find")).to_be_focused()

    # Claim and source choices are the ones in the list.
    bar.get_by_label("Claim").select_option("Iran supports Hezbollah")
    expect(count).to_have_text("100 of 300 shown")
    bar.get_by_label("Filter by source").select_option("Ned Price")
    expect(count).to_have_text("20 of 300 shown")  # i % 3 == 1 and i % 5 == 3
    clear.click()
    bar.get_by_label("Status").select_option("rejected")
    expect(count).to_have_text("0 of 300 shown")
    expect(shown(page)).to_have_count(0)
    bar.get_by_label("Status").select_option("pending")
    expect(count).to_have_text("300 of 300 shown")


def test_filter_applies_to_an_item_saved_later(page, live_server, long_article):
    """A save inserts its item out of band (htmx): the filter in force hides it if it does not match."""
    reviewer, article = long_article
    open_workspace(page, live_server, reviewer, article)
    bar = page.get_by_role("search", name="Filter the annotation lists")
    bar.get_by_label("Stance").select_option("denies")
    expect(page.locator("#filter-count")).to_have_text("75 of 300 shown")

    select_text(page, "sporadic shelling near the river")
    form = page.locator("#new-annotation")
    fill_votel(form)  # an assertion, not a denial
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#status")).to_have_text("Saved “Russia supports Taliban”.")
    expect(page.locator("#filter-count")).to_have_text("75 of 301 shown")
    new = Annotation.objects.get(quote="sporadic shelling near the river")
    item = page.locator(f"#ann-{new.pk}")
    expect(item).to_be_attached()
    expect(item).to_be_hidden()
    expect(bar.get_by_label("Stance")).to_have_value("denies")
    bar.get_by_label("Stance").select_option("")
    expect(item).to_be_visible()
    expect(page.locator("#filter-count")).to_have_text("301 of 301 shown")


def scroll_text_to(page, annotation_id: int) -> None:
    """Scroll the window (the article text) so that the mark of `annotation_id` is at the top."""
    page.evaluate(
        """(id) => {
          const mark = document.querySelector(`#article-text mark[data-ids~="${id}"]`);
          window.scrollBy(0, mark.getBoundingClientRect().top - 4);
        }""",
        annotation_id,
    )


def test_list_follows_the_text(page, live_server, long_article):
    reviewer, article = long_article
    open_workspace(page, live_server, reviewer, article)
    ids = list(article.annotations.order_by("start").values_list("pk", flat=True))
    far, farther = ids[250], ids[280]
    item = page.locator(f"#ann-{far}")
    expect(item).not_to_be_in_viewport()  # the panel shows the first items

    scroll_text_to(page, far)
    expect(item).to_be_in_viewport()
    expect(item).to_have_class("ann is-current")
    # Following scrolls only the panel: the text stays where the reader put it, focus stays.
    top = page.evaluate(
        f"document.querySelector('#article-text mark[data-ids~=\"{far}\"]')"
        ".getBoundingClientRect().top"
    )
    assert 0 <= top < 10
    assert page.evaluate("document.activeElement === document.body")

    # Not while the pointer is in the panel: the reader may be about to click an item.
    page.locator("#panel").hover()
    scroll_text_to(page, farther)
    page.wait_for_timeout(400)  # longer than the scroll handler's 120 ms throttle
    expect(page.locator(f"#ann-{farther}")).not_to_be_in_viewport()
    expect(item).to_be_in_viewport()

    # Turned off, it stays off; turned on again, it catches up.
    follow = page.get_by_label("List follows the text")
    follow.uncheck()
    page.mouse.move(300, 450)  # over the text
    scroll_text_to(page, ids[200])
    page.wait_for_timeout(400)
    expect(page.locator(f"#ann-{ids[200]}")).not_to_be_in_viewport()
    page.reload()
    expect(page.get_by_label("List follows the text")).not_to_be_checked()  # remembered
    page.get_by_label("List follows the text").check()
    page.mouse.move(300, 450)
    scroll_text_to(page, farther)
    expect(page.locator(f"#ann-{farther}")).to_be_in_viewport()

    # Filtered out items are skipped: the nearest shown one follows.
    bar = page.get_by_role("search", name="Filter the annotation lists")
    bar.get_by_label("Stance").select_option("denies")  # 281 is the next denial after 280
    page.mouse.move(300, 450)
    page.evaluate("document.activeElement.blur()")
    scroll_text_to(page, ids[100])
    scroll_text_to(page, farther)
    expect(page.locator(f"#ann-{ids[281]}")).to_be_in_viewport()


def test_no_filter_bar_without_javascript(browser, live_server, long_article):
    """The bar filters in the browser only: with JavaScript off it is not shown at all."""
    reviewer, article = long_article
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(5_000)
    try:
        page = context.new_page()
        login(page, reviewer, live_server)
        page.goto(f"{live_server.url}/articles/{article.pk}/")
        expect(page.locator("#my-annotations > .ann")).to_have_count(300)
        expect(page.locator("#list-filter")).to_be_attached()
        expect(page.locator("#list-filter")).to_be_hidden()
        expect(page.locator("#no-js-hint")).to_be_visible()
    finally:
        context.close()
