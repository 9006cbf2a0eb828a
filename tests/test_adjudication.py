"""Issue 10 items 1 and 6: clusters of overlapping versions, the adjudication view and its
decisions, the per-cluster export."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import adjudication, clusters, services
from annotate.models import Annotation, Status
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
VOTEL = "it was fair to assume Russia was supporting the Taliban"
VOTEL_INNER = "Russia was supporting the Taliban"
DENIAL = "Russia denies supplying the Taliban with weapons"


# ---------------------------------------------------------------- clusters (pure)


@dataclass(frozen=True)
class Span:
    id: int
    start: int
    end: int
    reviewer: int = 0


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _components(items: list[Span]) -> set[frozenset[int]]:
    """Connected components of overlap, by plain graph search (the reference)."""
    left = {s.id: s for s in items}
    out = set()
    while left:
        _, first = left.popitem()
        component, todo = {first.id}, [first]
        while todo:
            here = todo.pop()
            for other in [s for s in left.values() if _overlap(here, s)]:
                del left[other.id]
                component.add(other.id)
                todo.append(other)
        out.add(frozenset(component))
    return out


spans_of_three = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 25), st.integers(1, 3)), max_size=25
).map(lambda rows: [Span(i, s, s + n, r) for i, (s, n, r) in enumerate(rows, 1)])


@settings(max_examples=300, deadline=None)
@given(spans_of_three)
def test_clusters_are_the_connected_components_of_overlap(items):
    found = clusters.clusters(items)
    ids = [s.id for c in found for s in c]
    assert sorted(ids) == sorted(s.id for s in items)  # every span in exactly one cluster
    assert {frozenset(s.id for s in c) for c in found} == _components(items)
    starts = [c[0].start for c in found]
    assert starts == sorted(starts)  # text order


def test_nested_and_chained_spans_are_one_cluster_and_touching_ones_are_not():
    outer, nested, chained = Span(1, 0, 20), Span(2, 5, 8), Span(3, 19, 30)
    touching = Span(4, 30, 35)  # [19, 30) and [30, 35) share no character
    found = clusters.clusters([touching, chained, nested, outer])
    assert [[s.id for s in c] for c in found] == [[1, 2, 3], [4]]


def test_differing_and_unanimous():
    fields = (clusters.Field("Start", lambda s: s.start), clusters.Field("End", lambda s: s.end))
    same = [Span(1, 0, 5, 1), Span(2, 0, 5, 2)]
    assert clusters.differing(same, fields) == set()
    assert clusters.unanimous(same, fields, lambda s: s.reviewer)
    assert clusters.differing([Span(1, 0, 5), Span(2, 0, 6)], fields) == {"End"}
    assert not clusters.unanimous(same[:1], fields, lambda s: s.reviewer)  # one reviewer
    twice = [Span(1, 0, 5, 1), Span(2, 0, 5, 1)]  # one reviewer's two copies is no agreement
    assert not clusters.unanimous(twice, fields, lambda s: s.reviewer)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def team(db):
    return [factories.make_user(name) for name in ("ann", "bob", "cal")]


@pytest.fixture
def claim(db):
    return factories.make_claim()


def _three_versions(article, team, claim):
    """Three reviewers on Votel's sentence: ann and bob agree exactly, cal marks an inner span
    with another stance; and ann and bob agree on the denial too."""
    ann, bob, cal = team
    votel = [
        factories.make_annotation(article=article, reviewer=r, claim=claim, phrase=VOTEL)
        for r in (ann, bob)
    ]
    votel.append(
        factories.make_annotation(
            article=article, reviewer=cal, claim=claim, phrase=VOTEL_INNER, stance="reports"
        )
    )
    denial = [
        factories.make_annotation(
            article=article, reviewer=r, claim=claim, phrase=DENIAL, stance="denies"
        )
        for r in (ann, bob)
    ]
    return votel, denial


def _seen(versions):
    return " ".join(f"{a.pk}:{a.version}" for a in versions)


def _fresh(annotations):
    return [Annotation.objects.get(pk=a.pk) for a in annotations]


def test_article_clusters_compare_versions(article, team, claim):
    votel, denial = _three_versions(article, team, claim)
    first, second = adjudication.article_clusters(article)
    assert [a.pk for a in first.versions] == [a.pk for a in votel]
    assert first.differs == {"Stance", "Passage"} and not first.unanimous
    assert second.unanimous and second.differs == set()
    assert first.anchor == f"cluster-{votel[0].pk}"
    assert first.quote == VOTEL


# ---------------------------------------------------------------- services


def test_accept_one_and_reject_the_others_in_one_click(article, team, claim, curator):
    votel, _ = _three_versions(article, team, claim)
    services.cluster_decide(
        curator=curator,
        article=article,
        action="accept",
        seen={a.pk: a.version for a in votel},
        target_id=votel[2].pk,
        reject_others=True,
        comment="the inner span is the claim",
    )
    statuses = [a.status for a in _fresh(votel)]
    assert statuses == [Status.REJECTED, Status.REJECTED, Status.ACCEPTED]
    assert {a.curator_comment for a in _fresh(votel)} == {"the inner span is the claim"}
    kinds = [a.events.order_by("-id").first().kind for a in _fresh(votel)]
    assert kinds == ["reject", "reject", "accept"]  # in the history like any verdict


def test_a_stale_decision_changes_nothing(article, team, claim, curator):
    votel, _ = _three_versions(article, team, claim)
    seen = {a.pk: a.version for a in votel}
    services.annotation_update(annotation=votel[1], user=team[1], version=1, stance="denies")
    with pytest.raises(services.StaleReview):
        services.cluster_decide(
            curator=curator,
            article=article,
            action="accept",
            seen=seen,
            target_id=votel[0].pk,
            reject_others=True,
        )
    assert {a.status for a in _fresh(votel)} == {Status.PENDING}


def test_accept_all_needs_agreement(article, team, claim, curator):
    votel, denial = _three_versions(article, team, claim)
    with pytest.raises(ValidationError, match="do not all agree"):
        services.cluster_decide(
            curator=curator, article=article, action="accept_all", seen=_seen_map(votel)
        )
    assert {a.status for a in _fresh(votel)} == {Status.PENDING}
    services.cluster_decide(
        curator=curator, article=article, action="accept_all", seen=_seen_map(denial)
    )
    assert {a.status for a in _fresh(denial)} == {Status.ACCEPTED}


def _seen_map(versions):
    return {a.pk: a.version for a in versions}


def test_bulk_accept_touches_only_unanimous_clusters(article, team, claim, curator):
    votel, denial = _three_versions(article, team, claim)
    lone = factories.make_annotation(
        article=article, reviewer=team[2], claim=claim, phrase="Zabiullah Mujahid"
    )
    assert services.accept_unanimous(curator=curator, article=article) == (1, 2)
    assert {a.status for a in _fresh(denial)} == {Status.ACCEPTED}
    assert {a.status for a in _fresh(votel)} == {Status.PENDING}
    assert Annotation.objects.get(pk=lone.pk).status == Status.PENDING  # one reviewer: no vote
    assert services.accept_unanimous(curator=curator, article=article) == (0, 0)


def test_bulk_accept_leaves_a_rejected_version_alone(article, team, claim, curator):
    _, denial = _three_versions(article, team, claim)
    services.annotation_review(
        annotation=denial[0], curator=curator, status=Status.REJECTED, version=1
    )
    assert services.accept_unanimous(curator=curator, article=article) == (0, 0)
    assert [a.status for a in _fresh(denial)] == [Status.REJECTED, Status.PENDING]


def test_reviewers_cannot_decide(article, team, claim):
    votel, _ = _three_versions(article, team, claim)
    with pytest.raises(PermissionDenied):
        services.cluster_decide(
            curator=team[0],
            article=article,
            action="accept",
            seen=_seen_map(votel),
            target_id=votel[0].pk,
        )


# ---------------------------------------------------------------- views


def _url(article, name="adjudicate"):
    return reverse(f"annotate:{name}", args=[article.pk])


def test_reviewers_get_a_page_that_says_why(client, article, team, claim):
    _three_versions(article, team, claim)
    client.force_login(team[0])
    response = client.get(_url(article))
    assert response.status_code == 403
    assert b"for curators and staff" in response.content
    assert b"supporting the Taliban" not in response.content  # nobody's work leaks
    decide = client.post(_url(article, "cluster-decide"), {"action": "accept", "seen": "1:1"})
    assert decide.status_code == 403
    assert client.post(_url(article, "accept-unanimous")).status_code == 403


@pytest.mark.parametrize("who", ["curator", "staff"])
def test_curators_and_staff_see_every_version_side_by_side(client, article, team, claim, who):
    votel, denial = _three_versions(article, team, claim)
    user = (
        factories.make_user("cora", curator=True)
        if who == "curator"
        else factories.make_user("stella", staff=True)
    )
    client.force_login(user)
    page = client.get(_url(article)).content.decode()
    for a in votel + denial:
        assert f'id="ann-{a.pk}"' in page
    assert f'id="cluster-{votel[0].pk}"' in page and f'id="cluster-{denial[0].pk}"' in page
    assert "differ in passage, stance" in page
    assert "(versions differ)" in page  # not by colour alone
    assert "Accept every unanimous passage (1)" in page
    assert "all agree" in page


def test_decision_without_javascript_redirects_to_the_cluster(
    client, article, team, claim, curator
):
    votel, _ = _three_versions(article, team, claim)
    client.force_login(curator)
    response = client.post(
        _url(article, "cluster-decide"),
        {"action": "accept_reject_others", "annotation": votel[0].pk, "seen": _seen(votel)},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#cluster-{votel[0].pk}")
    assert [a.status for a in _fresh(votel)] == [Status.ACCEPTED, Status.REJECTED, Status.REJECTED]


def test_decision_with_htmx_renders_the_cluster_in_place(client, article, team, claim, curator):
    votel, _ = _three_versions(article, team, claim)
    client.force_login(curator)
    response = client.post(
        _url(article, "cluster-decide"),
        {
            "action": "reject",
            "annotation": votel[2].pk,
            "seen": _seen(votel),
            "comment": "<b>no</b>",
        },
        **HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        body.lstrip().startswith('<section class="cluster')
        and f'id="cluster-{votel[0].pk}"' in body
    )
    assert "&lt;b&gt;no&lt;/b&gt;" in body  # the comment shows, escaped
    assert "stancemark-announce" in response["HX-Trigger"]


def test_a_stale_decision_is_a_409_with_a_message(client, article, team, claim, curator):
    votel, _ = _three_versions(article, team, claim)
    seen = _seen(votel)
    services.annotation_update(annotation=votel[0], user=team[0], version=1, stance="denies")
    client.force_login(curator)
    data = {"action": "accept", "annotation": votel[1].pk, "seen": seen}
    response = client.post(_url(article, "cluster-decide"), data, **HX)
    assert response.status_code == 409 and b"changed since you saw it" in response.content
    plain = client.post(_url(article, "cluster-decide"), data, follow=True)
    assert b"changed since you saw it" in plain.content
    assert {a.status for a in _fresh(votel)} == {Status.PENDING}


@pytest.mark.parametrize(
    "data",
    [
        {"action": "accept", "seen": ""},
        {"action": "explode", "seen": "1:1"},
        {"action": "accept", "seen": "x:1 ²:3"},
        {"action": "accept", "seen": "999999:1", "annotation": "999999"},
        {"action": "accept", "seen": "1:1"},  # no version chosen
        {"action": "accept", "seen": "99999999999999999999999:1"},
    ],
)
def test_bad_decisions_are_refused_clearly(client, article, team, claim, curator, data):
    votel, _ = _three_versions(article, team, claim)
    client.force_login(curator)
    response = client.post(_url(article, "cluster-decide"), data, **HX)
    assert response.status_code == 400 and response.content
    assert {a.status for a in _fresh(votel)} == {Status.PENDING}


def test_another_articles_annotation_cannot_be_decided_here(client, team, claim, curator):
    here, there = factories.make_article(), factories.make_article(title="Elsewhere")
    elsewhere = factories.make_annotation(article=there, reviewer=team[0], claim=claim)
    client.force_login(curator)
    response = client.post(
        _url(here, "cluster-decide"),
        {"action": "accept", "annotation": elsewhere.pk, "seen": f"{elsewhere.pk}:1"},
        **HX,
    )
    assert response.status_code == 400
    assert Annotation.objects.get(pk=elsewhere.pk).status == Status.PENDING


def test_bulk_accept_view(client, article, team, claim, curator):
    _, denial = _three_versions(article, team, claim)
    client.force_login(curator)
    response = client.post(_url(article, "accept-unanimous"), follow=True)
    assert b"Accepted 2 annotations in 1 unanimous cluster." in response.content
    assert {a.status for a in _fresh(denial)} == {Status.ACCEPTED}


def test_empty_article(client, article, curator):
    client.force_login(curator)
    assert b"nothing to adjudicate" in client.get(_url(article)).content


@pytest.mark.parametrize("pairs", [5, 500])
def test_query_count_stays_flat(client, django_assert_max_num_queries, curator, team, pairs):
    # 20 characters per pair of versions: pairs=5 is 10 annotations, pairs=500 is 1,000.
    article = factories.make_article(text="word " * (pairs * 4))
    claim = factories.make_claim()
    rows = []
    for i in range(pairs):
        for r in team[:2]:
            rows.append(
                Annotation(
                    article=article,
                    reviewer=r,
                    claim=claim,
                    start=i * 20,
                    end=i * 20 + 4,
                    quote=article.text[i * 20 : i * 20 + 4],
                    source_kind="author",
                    stance="asserts",
                    confidence=3,
                )
            )
    Annotation.objects.bulk_create(rows)
    client.force_login(curator)
    with django_assert_max_num_queries(8):
        response = client.get(_url(article))
    assert response.content.count(b'class="version ') == 2 * pairs


def test_the_workspace_leads_curators_to_the_versions(client, article, team, claim, curator):
    votel, _ = _three_versions(article, team, claim)
    client.force_login(curator)
    page = client.get(reverse("annotate:article-detail", args=[article.pk]), {"others": "1"})
    html = page.content.decode()
    assert f'href="{_url(article)}"' in html  # the page's link
    assert f'href="{_url(article)}#ann-{votel[2].pk}">Compare versions</a>' in html
    assert 'data-who="CA"' in html and "hl other s-reports" in html  # cal's stance and initials
    client.force_login(team[0])
    html = client.get(reverse("annotate:article-detail", args=[article.pk])).content.decode()
    assert _url(article) not in html  # not offered to reviewers


# ---------------------------------------------------------------- export (item 6)


def _exported(tmp_path, *args):
    import io
    import json

    from django.core.management import call_command

    out = tmp_path / "out.json"
    call_command("export_annotations", "--output", str(out), *args, stderr=io.StringIO())
    doc = json.loads(out.read_text())
    return {a["id"]: a for art in doc["articles"] for a in art["annotations"]}


def test_status_accepted_leaves_out_what_changed_after_review(
    tmp_path, article, team, claim, curator
):
    _, denial = _three_versions(article, team, claim)
    for a in denial:
        services.annotation_review(annotation=a, curator=curator, status=Status.ACCEPTED, version=1)
    changed = Annotation.objects.get(pk=denial[0].pk)
    services.annotation_update(
        annotation=changed, user=team[0], version=changed.version, certainty="possible"
    )
    assert set(_exported(tmp_path, "--status", "accepted")) == {denial[1].pk}


def test_per_cluster_keeps_one_record_of_identical_accepted_versions(
    tmp_path, article, team, claim, curator
):
    votel, denial = _three_versions(article, team, claim)
    services.accept_unanimous(curator=curator, article=article)  # both denial versions
    services.cluster_decide(  # cal's inner span and ann's outer one: two different versions
        curator=curator, article=article, action="accept", seen=_seen_map(votel),
        target_id=votel[2].pk,
    )  # fmt: skip
    services.annotation_review(
        annotation=Annotation.objects.get(pk=votel[0].pk),
        curator=curator,
        status=Status.ACCEPTED,
    )
    everything = _exported(tmp_path, "--status", "accepted")
    assert set(everything) == {votel[0].pk, votel[2].pk, denial[0].pk, denial[1].pk}
    training = _exported(tmp_path, "--per-cluster")
    # The two identical denials become one record (the first); the two different accepted
    # versions of Votel's passage both stay: a curator accepted each.
    assert set(training) == {votel[0].pk, votel[2].pk, denial[0].pk}


def test_per_cluster_refuses_other_statuses(tmp_path, db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="accepted version"):
        _exported(tmp_path, "--per-cluster", "--status", "pending")


# ---------------------------------------------------------------- curated copy


def test_a_curated_copy_is_the_curators_to_edit_and_points_at_the_original(
    client, article, team, claim, curator
):
    votel, _ = _three_versions(article, team, claim)
    original = votel[2]
    client.force_login(curator)
    response = client.post(_url(article, "curated-copy"), {"annotation": original.pk})
    copy = Annotation.objects.get(curated_from=original)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?edit={copy.pk}#form-slot")
    assert (copy.reviewer, copy.status, copy.stance, copy.start, copy.end, copy.claim) == (
        curator,
        Status.PENDING,
        original.stance,
        original.start,
        original.end,
        original.claim,
    )
    assert copy.events.get().kind == "create"  # in the history like any creation
    assert Annotation.objects.get(pk=original.pk).status == Status.PENDING  # untouched
    # The curator edits it like their own, and it is one more version of the passage.
    services.annotation_update(annotation=copy, user=curator, version=1, stance="asserts")
    page = client.get(_url(article)).content.decode()
    assert f'id="ann-{copy.pk}"' in page and f"curated copy of #{original.pk}" in page
    with pytest.raises(ValidationError, match="already a curated copy"):
        services.curated_copy(curator=curator, annotation=copy)


@pytest.mark.parametrize("annotation", ["", "abc", "999999"])
def test_curated_copy_of_nothing_is_refused_clearly(client, article, curator, annotation):
    client.force_login(curator)
    response = client.post(_url(article, "curated-copy"), {"annotation": annotation}, follow=True)
    assert b"not on this article" in response.content
    assert not Annotation.objects.exists()


def test_reviewers_cannot_copy(article, team, claim):
    votel, _ = _three_versions(article, team, claim)
    with pytest.raises(PermissionDenied):
        services.curated_copy(curator=team[0], annotation=votel[1])
