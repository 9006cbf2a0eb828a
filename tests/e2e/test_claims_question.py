"""Browser: "Who is said to support of any kind the Taliban as object?" asked with the question
form on /claims/, answered by the filtered list; a claim opened from it keeps the filters, and the
way back lands on the same list."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from annotate import services
from annotate.models import SourceKind, Stance, Status
from tests import factories
from tests.e2e.conftest import ask_who, login

pytestmark = pytest.mark.django_db(transaction=True)

HEADING = "Claims where Taliban is the object of support of any kind"


@pytest.fixture
def claims_on_the_taliban(relations):
    """Votel: Russia supports the Taliban; Russia denies it; Iran arms them; the US opposes them."""
    cora = factories.make_user("cora", curator=True)
    rita = factories.make_user("rita")
    article = factories.make_article(title="Votel testimony")
    votel = factories.make_actor("Joseph Votel", kind="person")
    russia = factories.make_actor("Russia")
    supports = factories.make_claim("Russia", "supports", "Taliban")
    asserted = factories.make_annotation(
        article=article, reviewer=rita, claim=supports, phrase="Russia was supporting",
        source_kind=SourceKind.NAMED, source_actor=votel,
    )  # fmt: skip
    factories.make_annotation(
        article=article, reviewer=rita, claim=supports, phrase="Russia denies",
        stance=Stance.DENIES, source_kind=SourceKind.NAMED, source_actor=russia,
    )  # fmt: skip
    arms = factories.make_claim("Iran", "arms", "Taliban")
    factories.make_annotation(article=article, reviewer=rita, claim=arms, phrase="supplying")
    opposes = factories.make_claim("United States", "opposes", "Taliban")
    factories.make_annotation(article=article, reviewer=rita, claim=opposes, phrase="Gen.")
    services.annotation_review(annotation=asserted, curator=cora, status=Status.ACCEPTED)
    return {"cora": cora, "supports": supports, "arms": arms, "opposes": opposes}


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_ask_who_supports_the_taliban_open_a_claim_and_come_back(
    page, live_server, claims_on_the_taliban
):
    login(page, claims_on_the_taliban["cora"], live_server)
    page.goto(f"{live_server.url}/claims/")
    ask_who(page, "support of any kind", "Taliban", "object")

    # The list answers the question, in words, with the claims of any kind of support.
    expect(page.get_by_role("heading", level=2, name=HEADING)).to_be_visible()
    asked = _params(page.url)
    assert asked == {"relation": ["group:support"], "actor": ["Taliban"], "role": ["object"]}
    rows = page.locator("table.claims tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.claims")).not_to_contain_text("opposes")
    # The filter form below shows the same choice, ticked.
    expect(page.get_by_role("checkbox", name=re.compile("^support of any kind"))).to_be_checked()
    list_url = page.url

    # Everything · Accepted only: everything is current until asked otherwise.
    switch = page.get_by_role("navigation", name="Which attributions to count")
    expect(switch.get_by_role("link", name="Everything")).to_have_attribute("aria-current", "true")
    switch.get_by_role("link", name="Accepted only").click()
    expect(switch.get_by_role("link", name="Accepted only")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.get_by_role("heading", level=2)).to_have_text(f"{HEADING} · status accepted")
    expect(rows).to_have_count(1)
    switch.get_by_role("link", name="Everything").click()
    expect(rows).to_have_count(2)
    assert _params(page.url) == asked

    # Open Russia's claim of support: the filters are kept, shown, and lead back.
    supports = claims_on_the_taliban["supports"]
    page.locator(f'table.claims a.claim-link[href^="/claims/{supports.pk}/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Russia supports Taliban")
    assert _params(page.url) == asked
    kept = page.locator(".kept-filters")
    expect(kept).to_contain_text("Filtered: relation support of any kind, Taliban as object")
    expect(page.locator("ol.attributions > li")).to_have_count(2)
    kept.get_by_role("link", name="back to the filtered claims").click()
    expect(page.get_by_role("heading", level=2, name=HEADING)).to_be_visible()
    assert _params(page.url) == _params(list_url)
    expect(rows).to_have_count(2)
    # The question still reads as asked.
    question = page.get_by_role("form", name="Ask who is said to do what")
    expect(question.get_by_label("Who is said to")).to_have_value("group:support")
    expect(question.get_by_label("Actor asked about")).to_have_value("Taliban")

    # "clear" on a claim page drops the filters there.
    page.locator(f'table.claims a.claim-link[href^="/claims/{supports.pk}/"]').click()
    page.locator(".kept-filters").get_by_role("link", name="clear").click()
    expect(page.locator(".kept-filters")).to_have_count(0)
    assert urlsplit(page.url).query == ""
