"""Blind mode, done is final, in a real browser: a page opened before the article was marked done
(in another tab) says why a write is refused, and the reloaded page no longer offers it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotate import services
from annotate.models import Annotation, SiteSettings
from annotate.permissions import FINAL_WRITE
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

PHRASE = "Russia was supporting the Taliban"


def test_a_stale_page_says_why_and_the_reloaded_page_offers_no_edit(page, live_server, relations):
    site = SiteSettings.load()
    site.reviewers_see_others = site.blind_annotation = True
    site.save()
    reviewer = factories.make_user("rita")
    article = factories.make_article()
    mine = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    # Marked done in another tab: the others' work showed there, so this page's edit is refused.
    services.progress_set(article=article, reviewer=reviewer, done=True)
    page.locator("#my-annotations .ann-link").click()
    expect(page.locator("#status")).to_contain_text(FINAL_WRITE)
    expect(page.locator("#edit-annotation")).to_have_count(0)
    page.reload()
    expect(page.locator("#final-note")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen")).to_have_count(0)
    expect(page.locator("#my-annotations .ann-link")).to_have_count(0)
    assert Annotation.objects.get().version == mine.version
