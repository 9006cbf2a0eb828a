"""Claim grouping and filters behind the claims pages (who sees what: tests/test_permissions.py)."""

import pytest

from annotate import claims, services
from annotate.models import Annotation, SourceKind, Stance, Status
from tests import factories

pytestmark = pytest.mark.django_db


def test_claim_groups_counts_stances_sources_articles(reviewer, other_reviewer):
    russia = factories.make_actor("Russia")
    claim = factories.make_claim("Russia", "supports", "Taliban")
    first = factories.make_article(title="First")
    second = factories.make_article(title="Second")
    votel = factories.make_actor("Joseph Votel", kind="person")
    named, unnamed = SourceKind.NAMED, SourceKind.UNNAMED
    by_votel = dict(source_kind=named, source_actor=votel)
    cases = [
        (first, reviewer, "Russia was", Stance.ASSERTS, by_votel),
        (second, reviewer, "Russia was", Stance.ASSERTS, by_votel),
        (first, other_reviewer, "Russia denies", Stance.DENIES,
         dict(source_kind=named, source_actor=russia)),
        (first, other_reviewer, "Zabiullah", Stance.REPORTS,
         dict(source_kind=unnamed, source_description="An official")),
        (second, other_reviewer, "Taliban spokesman", Stance.QUESTIONS,
         dict(source_kind=unnamed, source_description="an OFFICIAL")),
        (second, other_reviewer, "Gen.", Stance.ASSERTS, dict(source_kind=SourceKind.AUTHOR)),
    ]  # fmt: skip
    for art, user, phrase, stance, source in cases:
        factories.make_annotation(
            article=art, reviewer=user, claim=claim, phrase=phrase, stance=stance, **source
        )
    [row] = claims.claim_groups(Annotation.objects.live())
    assert row["claim_id"] == claim.id
    assert (row["total"], row["asserts"], row["denies"], row["reports"], row["questions"]) == (
        6, 3, 1, 1, 1,
    )  # fmt: skip
    # Votel, Russia, "an official" (case-insensitive), the author of the second article.
    assert row["sources"] == 4
    assert row["articles"] == 2
    assert row["disputed"] == 1
    [claim_row] = claims.claim_rows(Annotation.objects.live(), [row])
    assert claim_row.source_names[0] == "Joseph Votel"
    assert set(claim_row.source_names) == {
        "Joseph Votel", "Russia", "An official", "an OFFICIAL", "Author of the article",
    }  # fmt: skip


def test_source_names_name_an_actor_once_whatever_its_descriptions(reviewer, article):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    kabulov = factories.make_actor("Zamir Kabulov", kind="person")
    for phrase, description in (("Russia was", "Russia's envoy"), ("Russia denies", "")):
        factories.make_annotation(
            article=article, reviewer=reviewer, claim=claim, phrase=phrase,
            source_kind=SourceKind.NAMED, source_actor=kabulov, source_description=description,
        )  # fmt: skip
    live = Annotation.objects.live()
    [row] = claims.claim_groups(live)
    [claim_row] = claims.claim_rows(live, [row])
    # One source counted, so one name listed: the description stays on the attribution itself.
    assert (row["sources"], claim_row.source_names) == (1, ["Zamir Kabulov"])


def test_sort_by_disagreement_puts_asserted_and_denied_first(reviewer, article):
    popular = factories.make_claim("Iran", "arms", "Taliban")
    disputed = factories.make_claim("Russia", "arms", "Taliban")
    for _ in range(3):
        factories.make_annotation(article=article, reviewer=reviewer, claim=popular)
    factories.make_annotation(article=article, reviewer=reviewer, claim=disputed)
    factories.make_annotation(
        article=article, reviewer=reviewer, claim=disputed, stance=Stance.DENIES
    )
    live = Annotation.objects.live()
    by_count = [r["claim_id"] for r in claims.claim_groups(live)]
    by_dispute = [r["claim_id"] for r in claims.claim_groups(live, sort="disagreement")]
    assert by_count == [popular.id, disputed.id]
    assert by_dispute == [disputed.id, popular.id]


def test_filters_by_actor_role_relation_stance_status_reviewer(
    reviewer, other_reviewer, curator, article
):
    supports = factories.make_claim("Russia", "supports", "Taliban")
    opposes = factories.make_claim("Taliban", "opposes", "United States")
    a = factories.make_annotation(article=article, reviewer=reviewer, claim=supports)
    b = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=opposes, stance=Stance.DENIES,
        certainty="possible",
    )  # fmt: skip
    services.annotation_review(annotation=b, curator=curator, status=Status.ACCEPTED)
    taliban = services.actor_lookup("Taliban")
    live = Annotation.objects.live()

    def ids(**kw):
        return set(claims.ClaimFilters(**kw).apply(live).values_list("id", flat=True))

    assert ids(actor=taliban) == {a.id, b.id}
    assert ids(actor=taliban, role="object") == {a.id}
    assert ids(actor=taliban, role="subject") == {b.id}
    assert ids(relations=frozenset({"opposes"})) == {b.id}
    assert ids(stance="denies") == {b.id}
    assert ids(certainty="possible") == {b.id}
    assert ids(status="accepted") == {b.id}
    assert ids(reviewer="reviewer") == {a.id}
    assert ids(actor_name="Nobody at all") == set()
