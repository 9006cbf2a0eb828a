"""The visibility policy: whose annotations, claims and actors a user sees, per site and article."""

import pytest

from annotate import permissions, services
from annotate.models import Progress, SiteSettings, SourceKind, Stance
from annotate.permissions import Scope, reader_state, visibility_for
from tests import factories

pytestmark = pytest.mark.django_db


def _site(*, see_others: bool, blind: bool) -> SiteSettings:
    site = SiteSettings.load()
    site.reviewers_see_others = see_others
    site.blind_annotation = blind
    site.save()
    return site


@pytest.fixture
def two_reviewers(reviewer, other_reviewer, article):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    mine = factories.make_annotation(
        article=article, reviewer=reviewer, claim=claim, phrase="Russia was supporting"
    )
    theirs = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=claim, phrase="Russia denies",
        stance=Stance.DENIES,
    )  # fmt: skip
    return mine, theirs


@pytest.fixture
def hidden_work(other_reviewer, article):
    """Another reviewer typed new names: a claim "Iran arms Haqqani network" said by "Mullah X"."""
    source = factories.make_actor("Mullah X", kind="person", aliases=["the mullah"])
    claim = factories.make_claim("Iran", "arms", "Haqqani network")
    annotation = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=claim, phrase="supplying",
        source_kind=SourceKind.NAMED, source_actor=source,
    )  # fmt: skip
    return {"claim": claim, "source": source, "annotation": annotation}


def _visible_ids(user):
    return set(visibility_for(user).annotations().values_list("id", flat=True))


def _actor_names(user) -> set[str]:
    return set(visibility_for(user).actors().values_list("name", flat=True))


# ---------------------------------------------------------------- scope and annotations


@pytest.mark.parametrize(
    ("see_others", "blind", "scope"),
    [
        (False, False, Scope.OWN),
        (False, True, Scope.OWN),
        (True, False, Scope.ALL),
        (True, True, Scope.OWN_AND_DONE),
    ],
)
def test_reviewer_scope_follows_site_settings(reviewer, see_others, blind, scope):
    _site(see_others=see_others, blind=blind)
    visibility = visibility_for(reviewer)
    assert (visibility.scope, visibility.curator) == (scope, False)


def test_curators_and_staff_see_all_without_reading_settings(curator, django_assert_num_queries):
    _site(see_others=False, blind=True)
    staff = factories.make_user("boss", staff=True)
    with django_assert_num_queries(0):
        assert visibility_for(staff).scope is Scope.ALL
    with django_assert_num_queries(1):  # the Curators group, then cached on the user
        assert visibility_for(curator).scope is Scope.ALL
    assert visibility_for(curator).curator


def test_curator_sees_all(curator, two_reviewers):
    _site(see_others=False, blind=True)
    assert _visible_ids(curator) == {a.id for a in two_reviewers}
    assert visibility_for(curator).scope == "all"


def test_reviewer_sees_only_own_unless_site_allows(reviewer, two_reviewers):
    mine, theirs = two_reviewers
    _site(see_others=False, blind=False)
    assert _visible_ids(reviewer) == {mine.id}
    _site(see_others=True, blind=False)
    assert _visible_ids(reviewer) == {mine.id, theirs.id}


def test_blind_mode_shows_others_only_on_articles_marked_done(reviewer, article, two_reviewers):
    mine, theirs = two_reviewers
    _site(see_others=True, blind=True)
    assert _visible_ids(reviewer) == {mine.id}
    assert "marked done" in visibility_for(reviewer).rule
    services.progress_set(article=article, reviewer=reviewer, done=True)
    assert _visible_ids(reviewer) == {mine.id, theirs.id}
    # Done is final in blind mode (tests/test_blind_final.py); staff resetting the progress in the
    # admin blinds the article again.
    Progress.objects.filter(article=article, reviewer=reviewer).update(status="started")
    assert _visible_ids(reviewer) == {mine.id}


def test_deleted_annotations_never_count(reviewer, two_reviewers):
    mine, _ = two_reviewers
    services.annotation_delete(annotation=mine, user=reviewer)
    assert mine.id not in _visible_ids(reviewer)


def test_rule_in_words_per_scope(reviewer, curator):
    assert "curator" in visibility_for(curator).rule
    _site(see_others=False, blind=False)
    assert "only your own" in visibility_for(reviewer).rule
    _site(see_others=True, blind=False)
    assert visibility_for(reviewer).rule == "You see every reviewer's attributions."


def test_the_old_unused_helper_is_gone():
    # Deciding "may I see others" anywhere but Visibility is how the rules drifted apart.
    assert not hasattr(permissions, "can_see_others")


# ---------------------------------------------------------------- one article


def test_reader_state_on_one_article_in_blind_mode(reviewer, article, two_reviewers):
    mine, theirs = two_reviewers
    _site(see_others=True, blind=True)
    state = reader_state(reviewer, article)
    assert (state.done, state.may_see_others, state.blind_hidden) == (False, False, True)
    assert set(state.annotations(others=True)) == {mine}
    services.progress_set(article=article, reviewer=reviewer, done=True)
    state = reader_state(reviewer, article)
    assert (state.done, state.may_see_others, state.blind_hidden) == (True, True, False)
    assert set(state.annotations(others=True)) == {mine, theirs}
    assert set(state.annotations(others=False)) == {mine}
    assert state.final  # done is final in blind mode
    # A progress reset (staff, in the admin) hides the others again (Visibility._unblinds).
    Progress.objects.filter(article=article, reviewer=reviewer).update(status="started")
    state = reader_state(reviewer, article)
    assert (state.done, state.may_see_others, state.blind_hidden) == (False, False, True)
    assert not state.final


@pytest.mark.parametrize(
    ("see_others", "blind", "may_see", "blind_hidden"),
    [(False, False, False, False), (False, True, False, False), (True, False, True, False)],
)
def test_reader_state_without_blind_mode(
    reviewer, article, two_reviewers, see_others, blind, may_see, blind_hidden
):
    _site(see_others=see_others, blind=blind)
    state = reader_state(reviewer, article)
    assert (state.may_see_others, state.blind_hidden, state.done) == (may_see, blind_hidden, False)
    assert len(state.annotations(others=True)) == (2 if may_see else 1)


def test_curator_reader_state_sees_others_everywhere(curator, article, two_reviewers):
    _site(see_others=False, blind=True)
    state = reader_state(curator, article)
    assert state.may_see_others and not state.blind_hidden and not state.done
    assert set(state.annotations(others=True)) == set(two_reviewers)


# ---------------------------------------------------------------- claims and actors


def test_claims_and_actors_only_hidden_work_uses_are_hidden(reviewer, hidden_work, curator):
    _site(see_others=False, blind=False)
    mine = factories.make_annotation(reviewer=reviewer, claim=factories.make_claim("US", "opposes"))
    unused = factories.make_claim("China", "contacts", "Taliban")  # e.g. made in the admin
    factories.make_actor("Pakistan")  # the starter list's actors are used by no annotation
    claims = set(visibility_for(reviewer).claims())
    assert hidden_work["claim"] not in claims
    assert {mine.claim, unused} <= claims
    names = _actor_names(reviewer)
    assert {"Iran", "Haqqani network", "Mullah X"}.isdisjoint(names)
    assert {"US", "Taliban", "China", "Pakistan"} <= names
    assert not visibility_for(reviewer).may_see_actor(hidden_work["source"])
    assert hidden_work["claim"] in set(visibility_for(curator).claims())
    assert {"Iran", "Haqqani network", "Mullah X"} <= _actor_names(curator)


def test_a_name_another_reviewer_also_used_is_visible_through_my_work(reviewer, hidden_work):
    _site(see_others=False, blind=False)
    factories.make_annotation(
        reviewer=reviewer, source_kind=SourceKind.NAMED, source_actor=hidden_work["source"]
    )
    assert "Mullah X" in _actor_names(reviewer)
    assert "Iran" not in _actor_names(reviewer)


def test_own_deleted_work_keeps_its_names_but_others_deleted_work_hides_them(
    reviewer, other_reviewer, hidden_work
):
    _site(see_others=True, blind=False)
    assert "Mullah X" in _actor_names(reviewer)  # not blind: others' live work is visible
    services.annotation_delete(annotation=hidden_work["annotation"], user=other_reviewer)
    assert "Mullah X" not in _actor_names(reviewer)
    assert hidden_work["claim"] not in set(visibility_for(reviewer).claims())
    mine = factories.make_annotation(reviewer=reviewer, claim=factories.make_claim("Qatar"))
    services.annotation_delete(annotation=mine, user=reviewer)
    assert "Qatar" in _actor_names(reviewer)
    assert mine.claim in set(visibility_for(reviewer).claims())


def test_blind_mode_shows_names_once_the_article_is_done(reviewer, article, hidden_work):
    _site(see_others=True, blind=True)
    assert not visibility_for(reviewer).may_see_actor(hidden_work["source"])
    services.progress_set(article=article, reviewer=reviewer, done=True)
    assert visibility_for(reviewer).may_see_actor(hidden_work["source"])
    assert hidden_work["claim"] in set(visibility_for(reviewer).claims())


# ---------------------------------------------------------------- export


def test_export_holds_own_work_and_the_names_it_uses(reviewer, curator, hidden_work):
    _site(see_others=True, blind=False)  # seeing others on screen does not widen an export
    russia = factories.make_actor("Russia")
    votel = factories.make_actor("Joseph Votel", kind="person")
    votel.affiliation = factories.make_actor("United States")
    votel.save()
    mine = factories.make_annotation(
        reviewer=reviewer, source_kind=SourceKind.NAMED, source_actor=votel
    )
    viewer = visibility_for(reviewer)
    exported = viewer.exportable_annotations()
    assert list(exported) == [mine]
    assert list(viewer.export_claims(exported)) == [mine.claim]
    assert set(viewer.export_actors(exported).values_list("name", flat=True)) == {
        russia.name,
        "Taliban",
        "Joseph Votel",
        "United States",  # Votel's affiliation, so its id resolves
    }
    boss = visibility_for(curator)
    assert set(boss.exportable_annotations()) == {mine, hidden_work["annotation"]}
    assert hidden_work["claim"] in set(boss.export_claims(boss.exportable_annotations()))


def test_export_leaves_out_an_affiliation_the_reviewer_may_not_see(reviewer, hidden_work):
    _site(see_others=False, blind=False)
    votel = factories.make_actor("Joseph Votel", kind="person")
    votel.affiliation = hidden_work["source"]
    votel.save()
    factories.make_annotation(reviewer=reviewer, source_kind=SourceKind.NAMED, source_actor=votel)
    viewer = visibility_for(reviewer)
    names = set(
        viewer.export_actors(viewer.exportable_annotations()).values_list("name", flat=True)
    )
    assert "Joseph Votel" in names and "Mullah X" not in names
