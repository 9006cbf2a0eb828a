"""Every write goes through annotate.services: validation, ownership, stale edits, atomicity."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate import services
from annotate.models import (
    Actor,
    ActorAlias,
    ActorKind,
    Annotation,
    Article,
    Certainty,
    Claim,
    Progress,
    ProgressStatus,
    Relation,
    SourceKind,
    Stance,
    Status,
)
from tests import factories

EMOJI_TEXT = "Moscow 😀 said Russia arms the Taliban 🇺🇸 and Iran funds them."


def span_of(article: Article, phrase: str) -> dict:
    start = article.text.index(phrase)
    return {"start": start, "end": start + len(phrase), "quote": phrase}


@pytest.fixture
def claim(db) -> Claim:
    return factories.make_claim("Russia", "arms", "Taliban")


@pytest.fixture
def russia(claim) -> Actor:
    return claim.subject


def create(
    article, reviewer, claim=None, phrase="Russia arms the Taliban", **overrides
) -> Annotation:
    values = {
        "article": article,
        "reviewer": reviewer,
        "claim": claim,
        **span_of(article, phrase),
        "stance": Stance.ASSERTS,
        "confidence": 3,
    }
    values.update(overrides)
    return services.annotation_create(**values)


@pytest.fixture
def emoji_article(db) -> Article:
    return factories.make_article(EMOJI_TEXT, title="Emoji")


# ---------------------------------------------------------------- annotation_create


def test_create_stores_spans_and_starts_progress(emoji_article, reviewer, claim, russia):
    annotation = create(
        emoji_article,
        reviewer,
        claim,
        source_kind=SourceKind.NAMED,
        source_actor=russia,
        source_start=0,
        source_end=6,
        cue_start=emoji_article.text.index("said"),
        cue_end=emoji_article.text.index("said") + 4,
        cue_quote="said",
        certainty=Certainty.PROBABLE,
        confidence=5,
    )
    annotation.refresh_from_db()
    text = emoji_article.text
    assert text[annotation.start : annotation.end] == annotation.quote == "Russia arms the Taliban"
    assert annotation.source_quote == "Moscow"  # filled from the text when not given
    assert annotation.cue_quote == "said"
    assert annotation.version == 1 and annotation.status == Status.PENDING
    assert annotation.is_hedged
    progress = Progress.objects.get(article=emoji_article, reviewer=reviewer)
    assert progress.status == ProgressStatus.STARTED


def test_create_offsets_are_code_points_after_an_emoji(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim, phrase="and Iran")
    assert annotation.start == EMOJI_TEXT.index("and Iran")
    # The browser would say 3 more: 😀 and the two regional indicators of 🇺🇸 are surrogate pairs.
    utf16_start = len(EMOJI_TEXT[: annotation.start].encode("utf-16-le")) // 2
    assert utf16_start == annotation.start + 3


def test_author_source_drops_any_actor(emoji_article, reviewer, claim, russia):
    annotation = create(
        emoji_article, reviewer, claim, source_kind=SourceKind.AUTHOR, source_actor=russia
    )
    assert annotation.source_actor is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start": 10, "end": 10, "quote": ""}, "quote", "is empty"),
        ({"start": 12, "end": 5, "quote": "x"}, "quote", "is empty"),
        ({"start": 0, "end": 999, "quote": "x"}, "quote", "runs past the end"),
        ({"start": -1, "end": 3, "quote": "x"}, "quote", "starts before the text"),
        ({"quote": "Russia arms the Taliban!"}, "quote", "Quote does not match"),
        ({"stance": "agrees"}, "stance", "Unknown stance"),
        ({"certainty": "sure"}, "certainty", "Unknown certainty"),
        ({"confidence": 0}, "confidence", "out of range"),
        ({"confidence": 6}, "confidence", "out of range"),
        ({"confidence": "3"}, "confidence", "out of range"),
        ({"confidence": True}, "confidence", "out of range"),
        ({"source_kind": "rumour"}, "source_kind", "Unknown source type"),
        ({"source_kind": SourceKind.NAMED}, "source_actor", "named source needs an actor"),
        ({"source_start": 0}, "source_span", "needs both a start and an end"),
        ({"cue_start": 0, "cue_end": 6, "cue_quote": "Moskva"}, "cue_span", "does not match"),
        ({"claim": None}, "claim", "Choose the claim"),
    ],
)
def test_create_refuses_bad_values_and_stores_nothing(
    emoji_article, reviewer, claim, overrides, field, message
):
    overrides = {"claim": claim, **overrides}
    with pytest.raises(ValidationError) as excinfo:
        create(emoji_article, reviewer, **overrides)
    assert field in excinfo.value.message_dict
    assert message in " ".join(excinfo.value.message_dict[field])
    assert Annotation.objects.count() == 0
    assert Progress.objects.count() == 0


def test_create_reports_every_problem_at_once(emoji_article, reviewer, claim):
    with pytest.raises(ValidationError) as excinfo:
        create(emoji_article, reviewer, claim, stance="x", certainty="y", confidence=9)
    assert {"stance", "certainty", "confidence"} <= set(excinfo.value.message_dict)


# ---------------------------------------------------------------- annotation_update


def test_owner_updates_and_version_increments(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    updated = services.annotation_update(
        annotation=annotation,
        user=reviewer,
        version=1,
        stance=Stance.DENIES,
        confidence=2,
        note="Denied later in the text.",
        **span_of(emoji_article, "Iran funds them"),
    )
    assert updated.version == 2
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.stance, stored.confidence, stored.quote) == ("denies", 2, "Iran funds them")


def test_someone_else_cannot_update_delete_or_restore(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    for intruder in (factories.make_user("intruder"), factories.make_user("cur", curator=True)):
        with pytest.raises(PermissionDenied):
            services.annotation_update(
                annotation=annotation, user=intruder, version=1, stance=Stance.DENIES
            )
        with pytest.raises(PermissionDenied):
            services.annotation_delete(annotation=annotation, user=intruder)
        with pytest.raises(PermissionDenied):
            services.annotation_restore(annotation=annotation, user=intruder)
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.stance, stored.version, stored.deleted_at) == (Stance.ASSERTS, 1, None)


def test_stale_edit_is_refused_and_changes_nothing(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    services.annotation_update(annotation=annotation, user=reviewer, version=1, confidence=4)
    with pytest.raises(services.StaleEdit) as excinfo:
        services.annotation_update(
            annotation=annotation, user=reviewer, version=1, confidence=1, note="old tab"
        )
    assert excinfo.value.current.version == 2
    assert "now version 2" in excinfo.value.messages[0]
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.confidence, stored.note, stored.version) == (4, "", 2)


def test_force_overwrites_after_a_conflict(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    services.annotation_update(annotation=annotation, user=reviewer, version=1, confidence=4)
    services.annotation_update(
        annotation=annotation, user=reviewer, version=1, force=True, confidence=1
    )
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.confidence, stored.version) == (1, 3)


def test_invalid_update_changes_nothing(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_update(
            annotation=annotation,
            user=reviewer,
            version=1,
            confidence=7,
            start=0,
            end=6,
            quote="Moskva",
        )
    assert {"confidence", "quote"} <= set(excinfo.value.message_dict)
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.confidence, stored.start, stored.version) == (3, annotation.start, 1)


def test_unknown_field_is_refused(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    with pytest.raises(ValidationError, match="Unknown annotation field"):
        services.annotation_update(
            annotation=annotation, user=reviewer, version=1, status=Status.ACCEPTED
        )
    assert Annotation.objects.get(pk=annotation.pk).status == Status.PENDING


# ---------------------------------------------------------------- annotation_save


def typed(article: Article, phrase: str = "Russia arms the Taliban", **overrides) -> dict:
    """What the annotation form hands annotation_save: names, not actors."""
    return {
        **span_of(article, phrase),
        "subject": "Russia",
        "relation": Relation.objects.get(slug="arms"),
        "object": "Taliban",
        "source_kind": SourceKind.NAMED,
        "source": "Moscow",
        "stance": Stance.ASSERTS,
        "confidence": 4,
        **overrides,
    }


def test_save_resolves_names_and_creates_what_is_new(emoji_article, reviewer, russia):
    factories.make_actor("Kremlin", aliases=["Moscow"])
    saved = services.annotation_save(
        article=emoji_article,
        reviewer=reviewer,
        values=typed(emoji_article, object="Taliban movement", note="  hedged  "),
    )
    assert saved.claim.subject == russia
    assert saved.claim.object.name == "Taliban movement"  # new actor
    assert saved.claim.text == "Russia arms Taliban movement"  # new claim, generated text
    assert saved.source_actor.name == "Kremlin"  # by alias
    assert (saved.source_description, saved.note, saved.certainty) == ("", "hedged", "unspecified")
    assert Progress.objects.filter(article=emoji_article, reviewer=reviewer).exists()


def test_save_unnamed_source_keeps_a_tidied_description(emoji_article, reviewer):
    values = typed(emoji_article, source_kind=SourceKind.UNNAMED, source="  an   official ")
    saved = services.annotation_save(article=emoji_article, reviewer=reviewer, values=values)
    assert (saved.source_actor, saved.source_description) == (None, "an official")


def test_save_refused_leaves_no_new_actor_or_claim(emoji_article, reviewer):
    values = typed(emoji_article, subject="Nobody Yet", source="x" * 201, confidence=9)
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_save(article=emoji_article, reviewer=reviewer, values=values)
    assert excinfo.value.message_dict == {"source": ["Actor name is longer than 200 characters."]}
    values = typed(emoji_article, subject="Nobody Yet", confidence=9)
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_save(article=emoji_article, reviewer=reviewer, values=values)
    assert "out of range" in excinfo.value.message_dict["confidence"][0]
    assert not Actor.objects.filter(name__in=["Nobody Yet", "Moscow"]).exists()
    assert Claim.objects.count() == 0 and Annotation.objects.count() == 0


def test_save_edits_at_the_current_version_only(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    values = typed(emoji_article, "Iran funds them", subject="Iran", relation=claim.relation)
    edited = services.annotation_save(
        article=emoji_article, reviewer=reviewer, values=values, annotation=annotation, version=1
    )
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.quote, stored.claim.text, stored.version) == (
        "Iran funds them",
        "Iran arms Taliban",
        2,
    )
    assert edited.version == 2
    with pytest.raises(services.StaleEdit):
        services.annotation_save(
            article=emoji_article,
            reviewer=reviewer,
            values=typed(emoji_article, subject="Newcomer"),
            annotation=annotation,
            version=1,
        )
    assert not Actor.objects.filter(name="Newcomer").exists()
    assert Annotation.objects.get(pk=annotation.pk).version == 2


def test_save_refuses_someone_elses_annotation_before_creating_anything(
    emoji_article, reviewer, claim
):
    annotation = create(emoji_article, reviewer, claim)
    with pytest.raises(PermissionDenied):
        services.annotation_save(
            article=emoji_article,
            reviewer=factories.make_user("intruder"),
            values=typed(emoji_article, subject="Newcomer"),
            annotation=annotation,
            version=1,
        )
    assert not Actor.objects.filter(name="Newcomer").exists()
    assert Annotation.objects.get(pk=annotation.pk).version == 1


def test_staff_may_update_anyones_annotation_for_the_admin(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    staff = factories.make_user("staff", staff=True)
    updated = services.annotation_update(annotation=annotation, user=staff, version=1, note="fixed")
    assert (updated.note, updated.version, updated.reviewer) == ("fixed", 2, reviewer)


# ---------------------------------------------------------------- delete / restore


def test_delete_is_soft_and_restore_undoes_it(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    deleted = services.annotation_delete(annotation=annotation, user=reviewer)
    assert deleted.deleted_at is not None and deleted.version == 2
    assert not Annotation.objects.live().exists()
    assert Annotation.objects.deleted().get() == annotation
    again = services.annotation_delete(annotation=annotation, user=reviewer)
    assert again.version == 2  # deleting twice is a no-op
    with pytest.raises(ValidationError, match="was deleted"):
        services.annotation_update(annotation=annotation, user=reviewer, version=2, confidence=1)
    restored = services.annotation_restore(annotation=annotation, user=reviewer)
    assert restored.deleted_at is None and restored.version == 3
    assert Annotation.objects.live().get() == annotation


# ---------------------------------------------------------------- actors and aliases


def test_actor_get_or_create_is_alias_aware_and_case_insensitive(db):
    russia, created = services.actor_get_or_create(
        name="  Russia ", kind=ActorKind.STATE, aliases=["Moscow", "the  Kremlin"]
    )
    assert created and russia.name == "Russia"
    assert set(russia.aliases.values_list("name", flat=True)) == {"Moscow", "the Kremlin"}
    for spelling in ("RUSSIA", "russia", "moscow", "The Kremlin", " the   kremlin "):
        found, created = services.actor_get_or_create(name=spelling)
        assert (found, created) == (russia, False)
    assert Actor.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "   "}, "empty"),
        ({"name": "x" * 201}, "longer than 200"),
        ({"name": "Ruritania", "kind": "empire"}, "Unknown actor kind"),
    ],
)
def test_actor_get_or_create_refuses_bad_input(db, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        services.actor_get_or_create(**kwargs)
    assert Actor.objects.count() == 0


def test_new_actor_with_an_ambiguous_alias_is_not_created(db):
    factories.make_actor("Russia", aliases=["Moscow"])
    with pytest.raises(ValidationError, match="already names Russia"):
        services.actor_get_or_create(name="Moscow Oblast", aliases=["Moscow"])
    assert not Actor.objects.filter(name="Moscow Oblast").exists()


def test_alias_add_refuses_ambiguous_aliases(db):
    russia = factories.make_actor("Russia", aliases=["Moscow"])
    iran = factories.make_actor("Iran")
    with pytest.raises(ValidationError, match="'moscow' already names Russia"):
        services.alias_add(actor=iran, name="moscow")
    with pytest.raises(ValidationError, match="already names Russia"):
        services.alias_add(actor=iran, name="RUSSIA")
    assert services.alias_add(actor=russia, name="MOSCOW") is None  # already this actor's
    assert services.alias_add(actor=russia, name="russia") is None
    assert services.alias_add(actor=iran, name="  ") is None
    alias = services.alias_add(actor=iran, name=" Tehran ")
    assert alias.name == "Tehran" and alias.actor == iran
    assert ActorAlias.objects.count() == 2


def test_actor_lookup(db):
    russia = factories.make_actor("Russia", aliases=["Moscow"])
    assert services.actor_lookup("MOSCOW") == russia
    assert services.actor_lookup("Kremlin") is None
    assert services.actor_lookup("   ") is None


# ---------------------------------------------------------------- claims


def test_claim_get_or_create_is_unique_and_generates_text(db):
    russia = factories.make_actor("Russia")
    taliban = factories.make_actor("Taliban", kind=ActorKind.ARMED_GROUP)
    arms = Relation.objects.get(slug="arms")
    claim, created = services.claim_get_or_create(
        subject=russia, relation=arms, object=taliban, qualifier="  with anti-aircraft  rockets "
    )
    assert created
    assert claim.qualifier == "with anti-aircraft rockets"
    assert claim.text == "Russia arms Taliban with anti-aircraft rockets"
    same, created = services.claim_get_or_create(
        subject=russia,
        relation=arms,
        object=taliban,
        qualifier="With Anti-Aircraft Rockets",
        text="ignored for an existing claim",
    )
    assert (same, created) == (claim, False)
    assert same.text == "Russia arms Taliban with anti-aircraft rockets"
    plain, created = services.claim_get_or_create(subject=russia, relation=arms, object=taliban)
    assert created and plain.text == "Russia arms Taliban" and plain != claim
    assert Claim.objects.count() == 2


def test_claim_typed_text_is_kept(db):
    iran = factories.make_actor("Iran")
    taliban = factories.make_actor("Taliban")
    claim, _ = services.claim_get_or_create(
        subject=iran,
        relation=Relation.objects.get(slug="cooperates"),
        object=taliban,
        text="  Iran  works with the Taliban ",
    )
    assert claim.text == "Iran works with the Taliban"


# ---------------------------------------------------------------- review


def test_only_curators_and_staff_review(emoji_article, reviewer, claim):
    annotation = create(emoji_article, reviewer, claim)
    with pytest.raises(PermissionDenied):
        services.annotation_review(annotation=annotation, curator=reviewer, status=Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.annotations_review_bulk(
            annotation_ids=[annotation.pk], curator=reviewer, status=Status.ACCEPTED
        )
    assert Annotation.objects.get(pk=annotation.pk).status == Status.PENDING

    curator = factories.make_user("cur", curator=True)
    reviewed = services.annotation_review(
        annotation=annotation, curator=curator, status=Status.ACCEPTED, comment=" fits the text "
    )
    assert (reviewed.status, reviewed.curator, reviewed.curator_comment) == (
        Status.ACCEPTED,
        curator,
        "fits the text",
    )
    assert reviewed.reviewed_at is not None

    staff = factories.make_user("staff", staff=True)
    reset = services.annotation_review(annotation=annotation, curator=staff, status=Status.PENDING)
    assert reset.curator is None and reset.reviewed_at is None

    with pytest.raises(ValidationError, match="Unknown status"):
        services.annotation_review(annotation=annotation, curator=staff, status="maybe")


def test_bulk_review_updates_all(emoji_article, reviewer, claim):
    first = create(emoji_article, reviewer, claim)
    second = create(emoji_article, reviewer, claim, phrase="Iran funds them")
    curator = factories.make_user("cur", curator=True)
    count = services.annotations_review_bulk(
        annotation_ids=[first.pk, second.pk], curator=curator, status=Status.REJECTED
    )
    assert count == 2
    assert set(Annotation.objects.values_list("status", flat=True)) == {Status.REJECTED}


# ---------------------------------------------------------------- progress


def test_progress_set_done_and_reopen(article, reviewer):
    done = services.progress_set(article=article, reviewer=reviewer, done=True)
    assert done.status == ProgressStatus.DONE and done.done_at is not None
    reopened = services.progress_set(article=article, reviewer=reviewer, done=False)
    assert reopened.status == ProgressStatus.STARTED and reopened.done_at is None
    assert Progress.objects.count() == 1
    # Annotating a done article does not reopen it.
    services.progress_set(article=article, reviewer=reviewer, done=True)
    factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia")
    assert Progress.objects.get().status == ProgressStatus.DONE


def test_moving_the_cue_span_rederives_its_quote(emoji_article, reviewer, claim):
    text = emoji_article.text
    said = text.index("said")
    annotation = create(emoji_article, reviewer, claim, cue_start=said, cue_end=said + 4)
    assert annotation.cue_quote == "said"
    updated = services.annotation_update(
        annotation=annotation,
        user=reviewer,
        version=annotation.version,
        cue_start=said,
        cue_end=said + 2,
    )
    assert updated.cue_quote == "sa"
    updated = services.annotation_update(
        annotation=updated, user=reviewer, version=updated.version, cue_start=None, cue_end=None
    )
    assert updated.cue_quote == "" and updated.cue_start is None


def test_bulk_soft_delete_is_for_staff_only_and_skips_rows_already_there(db, reviewer):
    annotation = factories.make_annotation(reviewer=reviewer)
    with pytest.raises(PermissionDenied):
        services.annotations_set_deleted_bulk(
            annotation_ids=[annotation.pk], user=reviewer, deleted=True
        )
    staff = factories.make_user("staff", staff=True)
    assert (
        services.annotations_set_deleted_bulk(
            annotation_ids=[annotation.pk], user=staff, deleted=True
        )
        == 1
    )
    assert (
        services.annotations_set_deleted_bulk(
            annotation_ids=[annotation.pk], user=staff, deleted=True
        )
        == 0
    )  # already deleted: unchanged, version not bumped again
    annotation.refresh_from_db()
    assert annotation.deleted_at is not None and annotation.version == 2
