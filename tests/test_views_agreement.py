"""/agreement/ and its per-article details: curators and staff only (reviewers get a styled 403),
the numbers the maths module computes, the sortable, paginated table, and constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate.models import Annotation, Stance
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("annotate:agreement")
HX = {"HX-Request": "true"}


@pytest.fixture
def two_reviewers_annotated(reviewer, other_reviewer, article):
    supports = factories.make_claim("Russia", "supports", "Taliban")
    arms = factories.make_claim("Russia", "arms", "Taliban")
    for user, stance in ((reviewer, Stance.ASSERTS), (other_reviewer, Stance.ASSERTS)):
        factories.make_annotation(
            article=article, reviewer=user, claim=supports, phrase="Russia was supporting",
            stance=stance, certainty="probable",
        )  # fmt: skip
    for user, stance in ((reviewer, Stance.DENIES), (other_reviewer, Stance.REPORTS)):
        factories.make_annotation(
            article=article, reviewer=user, claim=arms, phrase="Russia denies supplying",
            stance=stance,
        )  # fmt: skip
    factories.make_annotation(article=article, reviewer=reviewer, claim=arms, phrase="money")


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_reviewers_get_a_styled_403_that_says_why(reviewer_client, two_reviewers_annotated, article):
    for url in (URL, reverse("annotate:agreement-article", args=[article.pk])):
        response = reviewer_client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "<h1>The agreement report is for curators</h1>" in html
        assert "honest only while reviewers annotate without seeing each other" in html
        assert 'class="topbar"' in html  # the site's own page, not a bare "403 Forbidden"
        assert "Votel testimony" not in html and "supporting" not in html


@pytest.mark.parametrize("who", ["curator", "staff"])
def test_curators_and_staff_see_the_report(client, curator, who, two_reviewers_annotated):
    user = curator if who == "curator" else factories.make_user("boss", staff=True)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    pair = response.context["overall"].pairs[0]
    assert pair.reviewers == ["other", "reviewer"]
    assert (pair.claim_units_matched, pair.unmatched) == (2, 1)
    assert pair.detection_exact.value == pytest.approx(2 * 2 / 5)
    html = response.content.decode()
    assert "other + reviewer" in html
    assert "Votel testimony" in html
    # The page explains "few" and "n/a" in prose; these are the table cells themselves.
    assert '<td class="num">2<span class="few">few</span></td>' in html  # 2 matches are few
    # Certainty: one unit only has values, and they are the same.
    reason = "every value is the same, so there is no variation to agree on"
    assert f'<td class="num na" title="{reason}"><abbr title="{reason}">n/a</abbr></td>' in html


def test_empty_state(client, curator):
    client.force_login(curator)
    assert "No annotations yet" in client.get(URL).content.decode()


def test_one_reviewer_shows_na_not_an_error(client, curator, reviewer, article):
    factories.make_annotation(article=article, reviewer=reviewer)
    client.force_login(curator)
    response = client.get(URL)
    assert response.status_code == 200
    assert "n/a: only one reviewer" in response.content.decode()


def test_post_not_allowed(client, curator):
    client.force_login(curator)
    assert client.post(URL).status_code == 405


def _queries(client, url, params=None, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}, **kwargs).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_annotations(client, curator, reviewer, other_reviewer):
    from tests.test_views_claims import _bulk_attributions

    client.force_login(curator)
    factories.make_annotation(reviewer=reviewer)
    client.get(URL)  # the stored totals exist from here on, as on any site after its first read
    counts = []
    for n in (10, 990):  # 10 annotations on five articles, then 1,000 on ten
        _bulk_attributions(n, [reviewer, other_reviewer])
        cold = _queries(client, URL)  # five articles never computed: refreshed in this read
        warm = _queries(client, URL)
        page = _queries(client, URL, {"sort": "title", "page": "2"})
        article = Annotation.objects.order_by("-id").first().article_id
        detail = _queries(
            client, reverse("annotate:agreement-article", args=[article]), headers=HX
        )
        counts.append((cold, warm, page, detail))
    assert counts[0] == counts[1]
    cold, warm, page, detail = counts[0]
    assert warm <= 12 and detail <= 8, counts
