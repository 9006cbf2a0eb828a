"""The workspace on a long article (issue 13 item 4): the list filter's markup, the data its
items carry for it, and a constant number of queries at 300 annotations on 60,000 characters.
The filtering and following themselves run in the browser: tests/e2e/test_long_article.py."""

from __future__ import annotations

import re

import pytest

from annotate.models import SiteSettings
from tests import factories

pytestmark = pytest.mark.django_db


def test_filter_bar_has_labelled_controls_and_needs_js(reviewer_client, reviewer, article):
    factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    html = reviewer_client.get(f"/articles/{article.pk}/").content.decode()
    bar = re.search(r'<div class="list-filter".*?</div>\s*</div>', html, re.S)
    assert bar and "data-needs-js" in bar.group(0) and 'role="search"' in bar.group(0)
    for control in (
        "filter-text",
        "filter-stance",
        "filter-status",
        "filter-claim",
        "filter-source",
    ):
        assert f'<label for="{control}">' in html and f'id="{control}"' in html
    # Named apart from the form's own Stance, Source … fields (speech input, screen readers).
    assert '<span class="visually-hidden">Filter by </span>Source</label>' in html
    assert '<option value="denies">Denies</option>' in html
    assert '<option value="rejected">Rejected</option>' in html
    assert 'data-stance="asserts" data-status="pending"' in html


def test_no_filter_bar_without_annotations(reviewer_client, article):
    html = reviewer_client.get(f"/articles/{article.pk}/").content.decode()
    assert 'id="list-filter"' not in html


def test_long_article_page_queries_constant(
    reviewer_client, reviewer, django_assert_max_num_queries
):
    article = factories.make_long_article(reviewer)
    SiteSettings.load()  # the singleton row exists on any used site; creating it is a one-off
    with django_assert_max_num_queries(11):  # the workspace's bound (test_views_articles)
        response = reviewer_client.get(f"/articles/{article.pk}/")
    html = response.content.decode()
    assert html.count('<li class="ann" data-ann=') == 300
    assert html.count('data-stance="denies"') == 75
