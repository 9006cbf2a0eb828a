"""A typed name that is new asks before it becomes an actor (issue 9 item 4), in a real browser
with htmx: pick the suggested existing actor in one click, or create the new one with its kind."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotate.models import Actor, ActorKind, Annotation
from tests import factories
from tests.e2e.conftest import login, select_text
from tests.e2e.test_workspace import PHRASE, fill_votel

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_typo_is_caught_and_a_new_actor_is_created_on_purpose(page, live_server, seeded_article):
    factories.make_actor("United States", aliases=["USA"])
    reviewer = factories.make_user("rita")
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    select_text(page, PHRASE)
    form = page.locator("#new-annotation")
    fill_votel(form)
    form.get_by_label("Subject").fill("Untied States")
    form.get_by_role("button", name="Save annotation").click()

    question = form.locator(".field-subject .field-error")
    expect(question).to_have_text(
        "“Untied States” is a new actor — create it, or did you mean United States?"
    )
    assert not Annotation.objects.exists()
    form.locator(".field-subject").get_by_role("button", name="United States").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    assert Annotation.objects.get().claim.subject.name == "United States"
    assert not Actor.objects.filter(name="Untied States").exists()

    # A real newcomer: the reviewer says what it is, then creates it.
    select_text(page, "Russia denies")
    form = page.locator("#new-annotation")
    fill_votel(form)
    form.get_by_label("Source", exact=True).fill("Ned Price")
    form.get_by_role("button", name="Save annotation").click()
    prompt = form.locator(".field-source .new-actor")
    expect(prompt).to_be_visible()
    prompt.get_by_label("Kind").select_option("person")
    prompt.get_by_label("Affiliation").fill("USA")
    prompt.get_by_role("button", name="Create “Ned Price”").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(2)
    price = Actor.objects.get(name="Ned Price")
    assert (price.kind, price.affiliation.name) == (ActorKind.PERSON, "United States")
