"""Claim grouping and filters behind the claims pages (who sees what: tests/test_permissions.py)."""

import functools
from dataclasses import replace

import pytest

from annotate import claims, services
from annotate.models import Annotation, Relation, RelationGroup, SourceKind, Stance, Status
from annotate.permissions import Scope, Visibility
from tests import factories

pytestmark = pytest.mark.django_db

# Every live annotation, as a curator sees them: the stored tallies (annotate.claim_store).
EVERYTHING = Visibility(None, curator=True, scope=Scope.ALL)  # type: ignore[arg-type]


def _rows(sort: str = "attributions", **filters) -> list[claims.ClaimRow]:
    filters_ = claims.ClaimFilters(sort=sort, **filters)
    return claims.claim_rows(claims.claim_tallies(EVERYTHING, filters_))


def test_claim_tallies_count_stances_sources_articles(reviewer, other_reviewer):
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
    [claim_row] = _rows()
    assert claim_row.claim == claim
    assert (claim_row.total, claim_row.marks, *dict(claim_row.stance_counts).values()) == (
        6, 6, 3, 1, 1, 1,
    )  # fmt: skip
    # Votel (one actor in both articles), Russia, the unnamed official of each article (two
    # source entities: nothing says the two articles quote the same person), the second's author.
    assert claim_row.sources == 5
    assert claim_row.articles == 2
    assert claim_row.reviewers == 2
    assert claim_row.disputed
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
    [claim_row] = _rows()
    # One source counted, so one name listed: the description stays on the attribution itself.
    assert (claim_row.sources, claim_row.source_names) == (1, ["Zamir Kabulov"])


def test_sort_by_disagreement_puts_asserted_and_denied_first(reviewer, article):
    popular = factories.make_claim("Iran", "arms", "Taliban")
    disputed = factories.make_claim("Russia", "arms", "Taliban")
    for n in range(3):  # three passages apart (overlapping ones would be one attribution)
        factories.make_annotation(
            article=article, reviewer=reviewer, claim=popular, start=n * 40, end=n * 40 + 10
        )
    factories.make_annotation(article=article, reviewer=reviewer, claim=disputed)
    factories.make_annotation(
        article=article, reviewer=reviewer, claim=disputed, stance=Stance.DENIES, start=20, end=30
    )
    by_count = [r.claim.id for r in _rows()]
    by_dispute = [r.claim.id for r in _rows("disagreement")]
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


# ---------------------------------------------------------------- relation groups


def _by_value():
    return {c.value: c for c in claims.relation_choices()}


def test_relation_choices_list_groups_first_then_relations():
    empty = RelationGroup.objects.create(slug="empty", label="A group with nothing in it")
    choices = claims.relation_choices()
    values = [c.value for c in choices]
    assert values[0] == "group:support"
    assert empty.slug not in {v.removeprefix("group:") for v in values}  # would select nothing
    singles = [c for c in choices if not c.is_group]
    assert [c.label for c in singles] == sorted(c.label for c in singles)
    assert {c.value for c in singles} == set(Relation.objects.values_list("slug", flat=True))
    support = choices[0]
    assert support.slugs == {"supports", "arms", "funds", "advises"}
    assert support.long_label == "support of any kind (advises, arms, funds, supports)"


@pytest.fixture
def every_relation(reviewer, article):
    """One attribution of a claim on the Taliban for each relation: {slug: annotation id}."""
    ids = {}
    for relation in Relation.objects.all():
        claim = factories.make_claim(f"State {relation.slug}", relation.slug, "Taliban")
        ids[relation.slug] = factories.make_annotation(
            article=article, reviewer=reviewer, claim=claim
        ).id
    return ids


def _ids(filters):
    return set(filters.apply(Annotation.objects.live()).values_list("id", flat=True))


def test_a_group_selects_the_union_of_its_relations(every_relation):
    choices = _by_value()
    support = claims.ClaimFilters.of_relations([choices["group:support"]])
    assert _ids(support) == {every_relation[s] for s in ("supports", "arms", "funds", "advises")}
    # A group and a relation outside it: either.
    both = claims.ClaimFilters.of_relations([choices["group:support"], choices["opposes"]])
    assert _ids(both) == _ids(support) | {every_relation["opposes"]}


def test_several_relations_select_any_of_them(every_relation):
    choices = _by_value()
    two = claims.ClaimFilters.of_relations([choices["arms"], choices["opposes"]])
    assert two.relations == {"arms", "opposes"}
    assert _ids(two) == {every_relation["arms"], every_relation["opposes"]}
    assert _ids(claims.ClaimFilters.of_relations([])) == set(every_relation.values())
    # An empty set (an emptied group) selects nothing, where None means any relation.
    assert _ids(claims.ClaimFilters(relations=frozenset())) == set()


def test_a_group_edited_in_the_admin_changes_what_it_selects(every_relation):
    group = RelationGroup.objects.get(slug="support")
    group.relations.remove(Relation.objects.get(slug="advises"))
    support = claims.ClaimFilters.of_relations([_by_value()["group:support"]])
    assert every_relation["advises"] not in _ids(support)
    assert every_relation["arms"] in _ids(support)


def test_filters_in_words_and_back_as_query_parameters():
    taliban = factories.make_actor("Taliban")
    choices = _by_value()
    asked = claims.ClaimFilters.of_relations(
        [choices["group:support"]], actor_name="Taliban", actor=taliban, role="object"
    )
    assert asked.heading() == "Claims where Taliban is the object of support of any kind"
    assert asked.summary_parts() == ["relation support of any kind", "Taliban as object"]
    assert asked.querystring() == "actor=Taliban&role=object&relation=group%3Asupport"
    accepted = replace(asked, status="accepted", sort="disagreement")
    assert accepted.heading() == (
        "Claims where Taliban is the object of support of any kind · status accepted"
    )
    assert accepted.querystring(status="") == (
        "actor=Taliban&role=object&relation=group%3Asupport&sort=disagreement"
    )
    either = claims.ClaimFilters.of_relations(
        [choices["arms"], choices["funds"]], actor_name="Taliban", actor=taliban
    )
    assert either.heading() == "Claims of “arms” or “funds” involving Taliban"
    assert claims.ClaimFilters().heading() == "All claims"
    assert not claims.ClaimFilters(sort="disagreement").is_filtered
    missing = claims.ClaimFilters(actor_name="Atlantis", role="subject")
    assert missing.heading() == "Claims where “Atlantis” is the subject"


def test_attribution_filters_keep_only_what_an_attribution_can_fail():
    taliban = factories.make_actor("Taliban")
    asked = claims.ClaimFilters.of_relations(
        [_by_value()["group:support"]], actor_name="Taliban", actor=taliban, role="object",
        stance="denies", certainty="possible", status="accepted", reviewer="other",
    )  # fmt: skip
    kept = asked.attribution_filters()
    assert (kept.actor, kept.actor_name, kept.relations, kept.relation_choices) == (
        None, "", None, (),
    )  # fmt: skip
    assert (kept.stance, kept.certainty, kept.status, kept.reviewer) == (
        "denies", "possible", "accepted", "other",
    )  # fmt: skip


def test_claim_rows_group_sources_by_stance_with_hedges(reviewer, other_reviewer):
    """Each claim row says who asserts, denies, reports and questions it, hedges beside the
    name; an unnamed source is its entity, the author is named by outlet and byline."""
    claim = factories.make_claim("Russia", "supports", "Taliban")
    article = factories.make_article(outlet="Los Angeles Times")
    votel = factories.make_actor("Joseph Votel", kind="person")
    kabulov = factories.make_actor("Zamir Kabulov", kind="person")
    make = functools.partial(factories.make_annotation, article=article, claim=claim)
    make(reviewer=reviewer, phrase="Russia was", source_kind="named", source_actor=votel,
         certainty="probable")  # fmt: skip
    make(reviewer=other_reviewer, phrase="Russia was", source_kind="named", source_actor=votel)
    make(reviewer=reviewer, phrase="Russia denies", stance=Stance.DENIES, source_kind="named",
         source_actor=kabulov)  # fmt: skip
    make(reviewer=reviewer, phrase="Gen.", stance=Stance.REPORTS)  # the author
    make(reviewer=reviewer, phrase="Zabiullah", stance=Stance.QUESTIONS, source_kind="unnamed",
         source_description="An official")  # fmt: skip
    [row] = _rows()
    said = {group.stance: [s.text for s in group.sources] for group in row.by_stance}
    assert said == {
        # Both reviewers marked Votel's words: one attribution, two reviewers.
        "asserts": ["Joseph Votel (probable, 2 reviewers)"],
        "denies": ["Zamir Kabulov"],
        "reports": ["Los Angeles Times (author)"],
        "questions": ["An official"],
    }
    assert [group.stance for group in row.by_stance] == [
        "asserts",
        "denies",
        "reports",
        "questions",
    ]
    assert row.by_stance[0].sources[0].attributions == 1
    assert (row.total, row.marks) == (4, 5)
    assert row.sources_more_count == 0


def test_many_sources_show_the_first_then_more(reviewer, article):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    for n in range(claims.SOURCES_SHOWN + 3):
        factories.make_annotation(
            article=article, reviewer=reviewer, claim=claim, start=n, end=n + 5,
            source_kind="named", source_actor=factories.make_actor(f"Source {n:02d}"),
        )  # fmt: skip
    [row] = _rows()
    shown = [s.label for group in row.stance_sources_shown for s in group.sources]
    more = [s.label for group in row.stance_sources_more for s in group.sources]
    assert len(shown) == claims.SOURCES_SHOWN and row.sources_more_count == 3
    assert set(shown) | set(more) == {f"Source {n:02d}" for n in range(claims.SOURCES_SHOWN + 3)}
