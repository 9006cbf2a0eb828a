"""The actor network in a real browser: an arrow is a link to its claim, by mouse (on the line
itself, where it is drawn) and by keyboard (Tab reaches it, its focus shows, Enter follows it)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e import screens
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

# The middle of an arrow's line, in page coordinates (the SVG is scaled by its viewBox).
MIDDLE_OF = """(path) => {
  const point = path.getPointAtLength(path.getTotalLength() / 2);
  const m = path.getScreenCTM();
  return {x: point.x * m.a + point.y * m.c + m.e, y: point.x * m.b + point.y * m.d + m.f};
}"""


@pytest.fixture
def world(relations):
    return screens.make_world()


def _edge(page, world):
    return page.locator(f'a.edge[href^="{reverse("annotate:claim-detail", args=[world.claim])}"]')


def test_clicking_an_arrow_opens_its_claim_with_the_filters(page, live_server, world):
    login(page, world.users["cora"], live_server)
    page.goto(f"{live_server.url}{reverse('annotate:claim-list')}")
    page.locator("nav.view-switch").get_by_role("link", name="Network").click()
    form = page.locator("form.claim-filters")
    form.get_by_role("checkbox", name="supports", exact=True).check()
    form.get_by_role("button", name="Show network").click()
    expect(page.locator("a.edge")).to_have_count(1)
    point = _edge(page, world).locator("path.line").evaluate(MIDDLE_OF)
    page.mouse.click(point["x"], point["y"])  # on the line, under its label
    page.wait_for_url(f"**/claims/{world.claim}/?*relation=supports*")
    expect(page.locator("h1")).to_contain_text("Russia")


def test_keyboard_reaches_an_arrow_shows_its_focus_and_follows_it(page, live_server, world):
    login(page, world.users["cora"], live_server)
    page.goto(f"{live_server.url}{reverse('annotate:claim-network')}")
    page.get_by_role("button", name="Show network").focus()
    page.keyboard.press("Tab")  # the first arrow: the claim with the most attributions
    focused = page.locator("a.edge:focus")
    expect(focused).to_have_count(1)
    assert focused.get_attribute("href").startswith(
        reverse("annotate:claim-detail", args=[world.claim])
    )
    stroke = focused.locator("path.hit").evaluate("(el) => getComputedStyle(el).stroke")
    assert stroke == "rgb(26, 115, 232)"  # --focus
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/claims/{world.claim}/")
    # A node is a link to its actor.
    page.go_back()
    page.locator("a.node", has_text="Russia").click()
    page.wait_for_url(f"**/actors/{world.actor}/")
