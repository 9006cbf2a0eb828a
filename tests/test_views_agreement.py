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


def test_reviewers_get_a_styled_403_that_says_why(
    reviewer_client, two_reviewers_annotated, article
):
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
        detail = _queries(client, reverse("annotate:agreement-article", args=[article]), headers=HX)
        counts.append((cold, warm, page, detail))
    assert counts[0] == counts[1]
    cold, warm, page, detail = counts[0]
    assert warm <= 12 and detail <= 8, counts


# ---------------------------------------------------------------- the per-article table


@pytest.fixture
def many_articles(reviewer, other_reviewer):
    """30 articles, each with one matched pair; article i has i label disagreements... capped:
    `Agreed n` articles agree fully, the rest disagree on stance."""
    claim = factories.make_claim()
    made = []
    for i in range(30):
        article = factories.make_article(
            title=f"Article {i:02d}", text=f"Russia was arming them. {i}"
        )
        for user, stance in (
            (reviewer, Stance.ASSERTS),
            (other_reviewer, Stance.ASSERTS if i % 3 else Stance.DENIES),
        ):
            factories.make_annotation(
                article=article,
                reviewer=user,
                claim=claim,
                phrase="Russia was arming",
                stance=stance,
            )
        made.append(article)
    return made


def _titles(response) -> list[str]:
    return [row.article.title for row in response.context["page_obj"]]


def test_table_is_paginated_and_worst_first_by_default(client, curator, many_articles):
    client.force_login(curator)
    first = client.get(URL)
    page_obj = first.context["page_obj"]
    assert page_obj.paginator.count == 30 and len(page_obj.object_list) == 25
    titles = _titles(first)
    # Every third article disagrees on stance (agreed share 0): those come first, by id.
    disagreeing = [f"Article {i:02d}" for i in range(0, 30, 3)]
    assert titles[:10] == disagreeing
    assert len(_titles(client.get(URL, {"page": "2"}))) == 5
    html = first.content.decode()
    assert 'aria-sort="ascending"' in html and "Page 1 of 2" in html
    assert 'href="?sort=worst&amp;page=2"' in html


@pytest.mark.parametrize(
    ("sort", "first"),
    [("title", "Article 00"), ("disagreements", "Article 00"), ("annotations", "Article 00")],
)
def test_sorting(client, curator, many_articles, sort, first):
    client.force_login(curator)
    response = client.get(URL, {"sort": sort})
    assert response.status_code == 200 and response.context["sort"] == sort
    assert _titles(response)[0] == first
    if sort == "title":
        assert _titles(response) == sorted(_titles(response))


@pytest.mark.parametrize("value", ["nonsense", "²", "9" * 30, "", "'; DROP TABLE x"])
def test_bad_sort_and_page_fall_back_to_the_defaults_with_a_message(
    client, curator, many_articles, value
):
    client.force_login(curator)
    response = client.get(URL, {"sort": value, "page": value})
    assert response.status_code == 200
    assert response.context["sort"] == "worst"
    if value:
        assert "Sort: Select a valid choice." in response.content.decode()


def test_page_size_does_not_grow_with_the_project(client, curator, many_articles, reviewer):
    client.force_login(curator)
    small = len(client.get(URL).content)
    for i in range(30, 60):
        article = factories.make_article(
            title=f"Article {i:02d}", text=f"Russia was arming them. {i}"
        )
        factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia was arming")
    big = len(client.get(URL).content)
    assert abs(big - small) < 0.05 * small  # one more page link, not more rows


# ---------------------------------------------------------------- one article's details


@pytest.fixture
def disagreeing(reviewer, other_reviewer, article):
    supports = factories.make_claim("Russia", "supports", "Taliban")
    arms = factories.make_claim("Russia", "arms", "Taliban")
    a = factories.make_annotation(
        article=article,
        reviewer=reviewer,
        claim=supports,
        phrase="Russia was supporting",
        certainty="probable",
    )
    b = factories.make_annotation(
        article=article,
        reviewer=other_reviewer,
        claim=supports,
        phrase="Russia was supporting",
        stance=Stance.DENIES,
    )
    c = factories.make_annotation(
        article=article, reviewer=reviewer, claim=supports, phrase="Russia denies"
    )
    d = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=arms, phrase="Russia denies supplying"
    )
    e = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=arms, phrase="money"
    )
    return a, b, c, d, e  # fmt: skip


def test_details_load_on_demand_as_a_partial_and_work_as_a_page(
    client, curator, article, disagreeing
):
    a, b, c, d, e = disagreeing
    client.force_login(curator)
    url = reverse("annotate:agreement-article", args=[article.pk])
    table = client.get(URL).content.decode()
    assert f'hx-get="{url}"' in table and 'hx-target="#article-detail"' in table
    assert f'href="{url}?sort=worst&amp;from_page=1"' in table  # without JavaScript
    assert "Russia was supporting" not in table  # the list is not on the table page
    partial = client.get(url, headers=HX).content.decode()
    assert "<html" not in partial and 'class="agreement-detail"' in partial
    page = client.get(url, {"sort": "title", "from_page": "2"}).content.decode()
    assert "<html" in page and 'href="/agreement/?sort=title&amp;page=2"' in page
    for html in (partial, page):
        assert "other + reviewer" in html  # the pair's figures
        assert "Labels differ: <strong>1</strong>" in html
        assert "Near miss: different claim: <strong>1</strong>" in html
        assert "Unmatched: <strong>1</strong>" in html
        assert (
            f'href="/articles/{article.pk}/adjudicate/#ann-{a.pk}"' in html
        )  # labels differ (a, b)
        assert f'href="/articles/{article.pk}/adjudicate/#ann-{c.pk}"' in html  # near miss (c, d)
        assert f'href="/articles/{article.pk}/adjudicate/#ann-{e.pk}"' in html  # unmatched
        assert "in stance, certainty" in html


def test_details_of_a_missing_article_is_404(client, curator):
    client.force_login(curator)
    assert client.get(reverse("annotate:agreement-article", args=[424242])).status_code == 404


def test_details_escape_user_text(client, curator, reviewer, other_reviewer):
    article = factories.make_article(
        title="<script>alert(1)</script>", text="<b>Russia</b> said so."
    )
    for user in (reviewer, other_reviewer):
        factories.make_annotation(article=article, reviewer=user, phrase="<b>Russia</b>")
    client.force_login(curator)
    html = client.get(reverse("annotate:agreement-article", args=[article.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
