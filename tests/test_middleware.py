"""Request-wide rules of annotate.middleware: the htmx login redirect (issue 11, item 8). The NUL
refusal is tested in tests/test_nul.py and tests/test_fuzz_params.py."""

import pytest
from django.urls import reverse

from tests import factories

HX = {"HX-Request": "true"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_htmx_request_gets_hx_redirect_to_login(client, db, method):
    article = factories.make_article()
    url = reverse("annotate:article-detail", args=[article.pk])
    if method == "post":
        url = reverse("annotate:annotation-create", args=[article.pk])
    response = getattr(client, method)(url, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={url}"
    assert response.content == b""  # nothing to swap into the panel


def test_anonymous_plain_request_still_redirects(client, db):
    response = client.get(reverse("annotate:article-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "HX-Redirect" not in response


def test_logged_in_htmx_redirects_are_left_alone(reviewer_client, reviewer):
    annotation = factories.make_annotation(reviewer=reviewer)
    url = reverse("annotate:annotation-edit", args=[annotation.pk])
    response = reviewer_client.get(url)  # plain GET of the edit form → the page with ?edit=
    assert response.status_code == 302 and "HX-Redirect" not in response
