"""Browser: a reviewer edits an accepted annotation; the form warns, it goes back to pending and
shows "changed after review" to the reviewer and the curator (issue 10 items 2 and 3)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from annotate import services
from annotate.models import Annotation, Status
from tests import factories
from tests.e2e.conftest import login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = os.environ.get("REV_SCREENS")  # a folder: save screenshots there for review


def test_edit_after_accept_warns_and_returns_to_pending(page, live_server, relations):
    rita = factories.make_user("rita")
    cora = factories.make_user("cora", curator=True)
    article = factories.make_article(title="Votel testimony")
    ann = factories.make_annotation(
        article=article, reviewer=rita, phrase="Russia was supporting the Taliban"
    )
    services.annotation_review(
        annotation=ann, curator=cora, status=Status.ACCEPTED, comment="Clear claim", version=1
    )
    login(page, rita, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    item = page.locator(f"#ann-{ann.pk}")
    expect(item.locator(".status-accepted")).to_have_text("Accepted")
    expect(item).to_contain_text("Clear claim")
    item.get_by_role("link").click()
    edit = page.locator("#edit-annotation")
    expect(edit).to_contain_text(
        "This annotation was accepted by cora; saving sends it back for review."
    )
    if SCREENS:
        page.screenshot(path=f"{SCREENS}/edit-warning.png", full_page=True)
    edit.get_by_label("Stance").select_option("denies")
    edit.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#edit-annotation")).to_have_count(0)
    item = page.locator(f"#ann-{ann.pk}")
    expect(item.locator(".status-pending")).to_have_text("Pending")
    expect(item.locator(".changed-after-review")).to_have_text("changed after review")
    stored = Annotation.objects.get(pk=ann.pk)
    assert (stored.status, stored.changed_after_review, stored.stance) == (
        Status.PENDING,
        True,
        "denies",
    )
    page.get_by_role("link", name="Changed after review").click()
    expect(page.locator(f"#ann-{ann.pk}")).to_be_visible()
    expect(page.locator("strong[aria-current]")).to_have_text("Changed after review (1)")
    if SCREENS:
        page.screenshot(path=f"{SCREENS}/reviewer-list.png", full_page=True)

    page.context.clear_cookies()
    login(page, cora, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/?others=1")
    theirs = page.locator(f'li.other-ann[data-ann="{ann.pk}"]')
    expect(theirs.locator(".changed-after-review")).to_be_visible()
    theirs.get_by_role("button", name="Accept").click()
    expect(page.locator(f'li[data-ann="{ann.pk}"] .status-accepted')).to_be_visible()
    expect(page.locator(f'li[data-ann="{ann.pk}"] .changed-after-review')).to_have_count(0)
    assert not Annotation.objects.get(pk=ann.pk).changed_after_review
    if SCREENS:
        page.screenshot(path=f"{SCREENS}/curator.png", full_page=True)
