"""Browser: two reviewers annotate overlapping claims; the curator accepts one version in the
adjudication view (rejecting the other in the same click); its reviewer edits it, and it shows as
pending and "changed after review" in the adjudication view and in the export (issue 10)."""

from __future__ import annotations

import json
import os

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation, Status
from tests import factories
from tests.e2e.conftest import login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = os.environ.get("ADJ_SCREENS")  # a folder: save screenshots there for review

VOTEL = "it was fair to assume Russia was supporting the Taliban"
INNER = "Russia was supporting the Taliban"


def test_accept_in_adjudication_then_edit_returns_to_pending(page, live_server, relations):
    rita, bob = factories.make_user("rita"), factories.make_user("bob")
    cora = factories.make_user("cora", curator=True)
    article = factories.make_article(title="Votel testimony")
    claim = factories.make_claim("Russia", "supports", "Taliban")
    mine = factories.make_annotation(
        article=article, reviewer=rita, claim=claim, phrase=VOTEL, certainty="probable"
    )
    theirs = factories.make_annotation(
        article=article, reviewer=bob, claim=claim, phrase=INNER, stance="reports"
    )

    login(page, cora, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/?others=1")
    page.get_by_role("link", name="Adjudicate: every reviewer's versions side by side").click()
    cluster = page.locator(f"#cluster-{mine.pk}")
    expect(cluster).to_contain_text("2 versions by 2 reviewers")
    expect(cluster.locator(".badge.differ")).to_contain_text("stance")
    if SCREENS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SCREENS}/adj-flow-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
    version = page.locator(f"#ann-{mine.pk}")
    version.get_by_label("Comment on rita's version").fill("The hedge is right")
    version.get_by_role("button", name="Accept, reject others").click()
    # htmx re-renders the cluster in place; the page announces the decision.
    expect(page.locator(f"#ann-{mine.pk} .status-accepted")).to_have_text("Accepted")
    expect(page.locator(f"#ann-{theirs.pk} .status-rejected")).to_have_text("Rejected")
    expect(page.locator(f"#cluster-{mine.pk} .badge.settled")).to_be_visible()
    assert Annotation.objects.get(pk=mine.pk).status == Status.ACCEPTED
    assert Annotation.objects.get(pk=theirs.pk).status == Status.REJECTED

    page.context.clear_cookies()
    login(page, rita, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    item = page.locator(f"#ann-{mine.pk}")
    expect(item).to_contain_text("The hedge is right")
    item.locator("a.ann-link").click()
    edit = page.locator("#edit-annotation")
    expect(edit).to_contain_text("accepted by cora; saving sends it back for review")
    edit.get_by_label("Stance").select_option("questions")
    edit.get_by_role("button", name="Save annotation").click()
    expect(page.locator(f"#ann-{mine.pk} .changed-after-review")).to_be_visible()

    page.context.clear_cookies()
    login(page, cora, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/adjudicate/#ann-{mine.pk}")
    version = page.locator(f"#ann-{mine.pk}")
    expect(version.locator(".status-pending")).to_have_text("Pending")
    expect(version.locator(".changed-after-review")).to_have_text("changed after review")
    if SCREENS:
        page.screenshot(path=f"{SCREENS}/adj-after-edit-1280.png", full_page=True)

    response = page.request.get(f"{live_server.url}/export/?download=1&format=json")
    assert response.ok
    exported = {
        a["id"]: a for art in json.loads(response.body())["articles"] for a in art["annotations"]
    }
    assert exported[mine.pk]["status"] == "pending"
    assert exported[mine.pk]["changed_after_review"] is True
    assert exported[mine.pk]["stance"] == "questions"
