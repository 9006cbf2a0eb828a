"""An article's `url` becomes a link only when it is http or https, wherever it is rendered: the
workspace and the admin (issue 11, item 8). Addresses stored before the rule, or written to the
database directly, show as text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotate.models import Article, http_url
from tests import factories
from tests.test_admin import form_data as admin_form_data

BAD = ["javascript:alert(1)", "ftp://example.org/a", "data:text/html,<b>x</b>", "//example.org/a"]
GOOD = ["https://example.org/a?b=1", "http://example.org/"]


@pytest.mark.parametrize("url", GOOD + BAD)
def test_http_url(url):
    assert http_url(url) == (url if url in GOOD else "")


@pytest.mark.parametrize("url", GOOD + BAD)
def test_workspace_links_only_http_addresses(reviewer_client, url):
    article = factories.make_article()
    Article.objects.filter(pk=article.pk).update(url=url)  # as if stored before the rule
    html = reviewer_client.get(reverse("annotate:article-detail", args=[article.pk])).content
    html = html.decode()
    if url in GOOD:
        assert f'href="{url.replace("&", "&amp;")}"' in html
    else:
        assert "original</a>" not in html and 'href="javascript' not in html
        assert "original: " in html


@pytest.mark.parametrize("url", GOOD + BAD)
def test_admin_change_form_links_only_http_addresses(client, superuser, url):
    article = factories.make_article()
    Article.objects.filter(pk=article.pk).update(url=url)
    client.force_login(superuser)
    response = client.get(reverse("admin:annotate_article_change", args=[article.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    linked = 'Currently: <a href="' in html
    assert linked == (url in GOOD)
    assert 'href="javascript' not in html


@pytest.mark.parametrize("url", ["ftp://example.org/a", "javascript:alert(1)"])
def test_admin_refuses_a_non_http_address(client, superuser, url):
    article = factories.make_article(url="https://example.org/")
    client.force_login(superuser)
    change = reverse("admin:annotate_article_change", args=[article.pk])
    data = admin_form_data(client.get(change))
    data["url"] = url
    response = client.post(change, data)
    assert response.status_code == 200
    assert "http://" in response.content.decode()
    article.refresh_from_db()
    assert article.url == "https://example.org/"
