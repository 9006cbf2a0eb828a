"""Browser: a curator adjudicates two reviewers' annotations; the claims page and export follow."""

import io
import json
import os

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Annotation, Stance, Status
from tests import factories

# Playwright's sync API runs an event loop in this thread; the ORM calls below are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_reviewers_on_one_article(relations):
    ann, bob = factories.make_user("ann"), factories.make_user("bob")
    factories.make_user("cora", curator=True)
    article = factories.make_article(title="Votel testimony")
    claim = factories.make_claim("Russia", "supports", "Taliban")
    first = factories.make_annotation(
        article=article, reviewer=ann, claim=claim, phrase="Russia was supporting the Taliban"
    )
    second = factories.make_annotation(
        article=article, reviewer=bob, claim=claim, phrase="Russia denies", stance=Stance.DENIES
    )
    return article, first, second


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_curator_accepts_and_rejects_and_claims_page_and_export_follow(
    page, live_server, two_reviewers_on_one_article, tmp_path
):
    article, accepted, rejected = two_reviewers_on_one_article
    _log_in(page, live_server, "cora")
    page.goto(f"{live_server.url}{reverse('annotate:article-detail', args=[article.pk])}?others=1")

    item = page.locator(f'li[data-ann="{accepted.pk}"]')
    item.get_by_role("button", name="Accept").click()
    page.locator(f'li[data-ann="{accepted.pk}"] .status-accepted').wait_for()

    item = page.locator(f'li[data-ann="{rejected.pk}"]')
    item.get_by_placeholder("Comment (optional)").fill("Russia's denial, not a claim of support")
    item.get_by_role("button", name="Reject").click()
    page.locator(f'li[data-ann="{rejected.pk}"] .status-rejected').wait_for()
    # Each verdict is confirmed in the workspace's live region, naming the claim and the reviewer.
    expect(page.locator("#status")).to_have_text(
        f"Rejected “{rejected.claim.text}” by {rejected.reviewer.username}."
    )

    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, accepted.curator.username) == (Status.ACCEPTED, "cora")
    assert rejected.status == Status.REJECTED
    assert rejected.curator_comment == "Russia's denial, not a claim of support"

    # The claims page, filtered to accepted attributions, shows only the accepted one.
    page.goto(f"{live_server.url}{reverse('annotate:claim-list')}")
    page.get_by_label("Status").select_option("accepted")
    page.get_by_role("button", name="Show claims").click()
    bar = page.locator("table.claims svg[role=img]")
    assert bar.get_attribute("aria-label") == "1 asserts"

    # The claim detail shows both decisions and links back to the span in the article.
    page.goto(live_server.url + reverse("annotate:claim-detail", args=[accepted.claim_id]))
    assert page.locator(".status.accepted").count() == 1
    assert page.locator(".status.rejected").count() == 1
    link = page.locator(f'a[href$="?annotation={accepted.pk}"]')
    assert link.count() == 1

    # The adjudicated dataset: export --status accepted yields exactly the accepted annotation.
    out = tmp_path / "accepted.jsonl"
    call_command(
        "export_annotations", "--format", "jsonl", "--status", "accepted", "--output", str(out),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert [row["id"] for row in lines] == [accepted.pk]
    assert Annotation.objects.filter(status=Status.PENDING).count() == 0
