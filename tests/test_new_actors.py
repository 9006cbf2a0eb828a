"""No silent new actors (issue 9 item 4): a typed name that matches no actor or alias holds the
save and asks, with the closest names as one-click choices and a Create button with the new actor's
kind; with and without JavaScript (htmx or a plain form post)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotate import services
from annotate.models import (
    Actor,
    ActorKind,
    Annotation,
    AnnotationEvent,
    Claim,
    Progress,
    Relation,
)
from annotate.new_actors import Prompt, Suggestion, suggest
from annotate.services.actors import NewActor, UnknownActors, actors_resolve
from tests import factories
from tests.markup import parse_page
from tests.test_views_articles import HX, PHRASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def actors(db):
    return {
        "us": factories.make_actor("United States", aliases=["USA", "Washington"]),
        "russia": factories.make_actor("Russia", aliases=["Moscow", "the Kremlin"]),
        "taliban": factories.make_actor("Taliban", kind=ActorKind.ARMED_GROUP),
        "agents": factories.make_actor("Russian intelligence agents", kind=ActorKind.ORGANIZATION),
        "votel": factories.make_actor("Joseph Votel", kind=ActorKind.PERSON),
    }


def post_data(article, **overrides) -> dict:
    """The form as a reviewer posts it, with no new actor confirmed."""
    start = article.text.index(PHRASE)
    data = {
        "start": start, "end": start + len(PHRASE), "quote": PHRASE,
        "subject": "Russia", "relation": "supports", "object": "Taliban", "claim_text": "",
        "source_kind": "named", "source": "Joseph Votel",
        "stance": "asserts", "certainty": "probable", "confidence": "4", "note": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def _create(client, article, htmx: bool, **overrides):
    url = reverse("annotate:annotation-create", args=[article.pk])
    return client.post(url, post_data(article, **overrides), headers=HX if htmx else {})


# ---------------------------------------------------------------- the services


def test_resolve_refuses_unconfirmed_new_names_and_creates_nothing(actors):
    before = Actor.objects.count()
    with pytest.raises(UnknownActors) as caught:
        actors_resolve(names={"subject": "Untied  States", "object": "taliban"}, new=[])
    assert caught.value.unknown == {"subject": "Untied States"}
    assert "“Untied States” is a new actor" in caught.value.message_dict["subject"][0]
    assert Actor.objects.count() == before


def test_resolve_creates_a_confirmed_name_with_kind_and_affiliation(actors):
    spec = NewActor("untied states", kind=ActorKind.STATE, affiliation=actors["us"])
    found = actors_resolve(names={"subject": "Untied States", "object": "USA"}, new=[spec])
    created = found["subject"]
    assert (created.name, created.kind, created.affiliation) == (
        "Untied States", ActorKind.STATE, actors["us"],
    )  # fmt: skip
    assert found["object"] == actors["us"]  # an alias


def test_resolve_without_confirmations_creates_unasked(actors):
    # For scripts and tests that mean the names they pass (the form always confirms).
    found = actors_resolve(names={"subject": "Brand New"})
    assert found["subject"].kind == ActorKind.OTHER


def test_actor_get_or_create_takes_an_affiliation(actors):
    envoy, created = services.actor_get_or_create(
        name="Zamir Kabulov", kind=ActorKind.PERSON, affiliation=actors["russia"]
    )
    assert created and envoy.affiliation == actors["russia"]


def test_a_held_save_writes_nothing(actors, article, reviewer):
    values = {
        "start": 0, "end": 4, "quote": article.text[:4],
        "subject": "Untied States", "relation": Relation.objects.get(slug="supports"),
        "object": "Taliban", "source_kind": "named", "source": "Josef Votel",
        "stance": "asserts", "confidence": 3,
    }  # fmt: skip
    counts = [m.objects.count() for m in (Actor, Claim, Annotation, Progress, AnnotationEvent)]
    with pytest.raises(UnknownActors) as caught:
        services.annotation_save(article=article, reviewer=reviewer, values=values, new_actors=[])
    assert caught.value.unknown == {"subject": "Untied States", "source": "Josef Votel"}
    assert [m.objects.count() for m in (Actor, Claim, Annotation, Progress, AnnotationEvent)] == (
        counts
    )


# ---------------------------------------------------------------- suggestions


def test_suggestions_for_typos_missing_words_and_aliases(actors, reviewer):
    assert suggest("Untied States", reviewer)[0] == Suggestion("United States")
    assert suggest("Russian intelligence", reviewer)[0] == Suggestion("Russian intelligence agents")
    assert suggest("Moskow", reviewer)[0] == Suggestion("Russia", "Moscow")
    assert suggest("Zzyzx Qwerty", reviewer) == []
    # One suggestion per actor, even when its name and aliases all match.
    names = [s.name for s in suggest("Russia", reviewer)]
    assert len(names) == len(set(names))


def test_suggestions_hide_names_only_others_hidden_work_uses(actors, article, reviewer):
    other = factories.make_user("zed")
    secret = factories.make_claim("Xyzzq Brigade", "supports", "Taliban")
    factories.make_annotation(article=article, reviewer=other, claim=secret)
    assert "Xyzzq Brigade" not in [s.name for s in suggest("Xyzzq Brigad", reviewer)]
    curator = factories.make_user("cur", curator=True)
    assert suggest("Xyzzq Brigad", curator)[0].name == "Xyzzq Brigade"


def test_the_question_reads_as_the_issue_says():
    prompt = Prompt("subject", "Untied States", [Suggestion("United States")])
    assert (
        prompt.question
        == "“Untied States” is a new actor — create it, or did you mean United States?"
    )
    two = Prompt("source", "Moskow", [Suggestion("Russia", "Moscow"), Suggestion("Moldova")])
    assert two.question.endswith("did you mean Moscow (Russia) or Moldova?")
    assert Prompt("object", "Zzyzx", []).question.endswith("create it, or correct the name.")


# ---------------------------------------------------------------- the workspace, with and without JS


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_a_new_name_holds_the_save_and_asks(reviewer_client, actors, article, htmx):
    before = Actor.objects.count()
    response = _create(reviewer_client, article, htmx, subject="Untied States")
    assert response.status_code == 200
    html = response.content.decode()
    assert ("<html" in html) is not htmx  # htmx: the form's slot only
    assert "“Untied States” is a new actor — create it, or did you mean United States?" in html
    page = parse_page(html)
    form = page.xpath('//form[@id="new-annotation"]')[0]
    picks = form.xpath('.//button[@name="use_subject"]')
    assert [b.get("value") for b in picks][0] == "United States"
    (create,) = form.xpath('.//button[@name="new_subject"]')
    assert create.get("value") == "Untied States" and create.get("type") == "submit"
    kinds = form.xpath('.//select[@name="new_subject_kind"]/option/@value')
    assert kinds == list(ActorKind.values)
    assert form.xpath('.//input[@name="new_subject_affiliation"]')
    # The typed values stay, and Enter still saves (the first submit button is a plain one).
    assert form.xpath('.//input[@name="subject"]/@value') == ["Untied States"]
    first = form.xpath(".//button[@type='submit']")[0]
    assert first.get("name") is None
    assert Actor.objects.count() == before and not Annotation.objects.exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_one_click_on_a_suggestion_saves_with_it(reviewer_client, actors, article, htmx):
    response = _create(
        reviewer_client, article, htmx, subject="Untied States", use_subject="United States"
    )
    assert response.status_code == (200 if htmx else 302)
    annotation = Annotation.objects.get()
    assert annotation.claim.subject == actors["us"]
    assert not Actor.objects.filter(name="Untied States").exists()


def test_a_picked_suggestion_also_mends_the_generated_claim_text(reviewer_client, actors, article):
    # The page writes the claim text from the typed names as they are typed: the typo is in it.
    _create(
        reviewer_client, article, True, subject="Untied States", use_subject="United States",
        claim_text="Untied States supports Taliban",
    )  # fmt: skip
    assert Annotation.objects.get().claim.text == "United States supports Taliban"


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_create_confirms_the_new_actor_with_its_kind(reviewer_client, actors, article, htmx):
    response = _create(
        reviewer_client, article, htmx, source="Ned Price",
        new_source="Ned Price", new_source_kind="person", new_source_affiliation="Washington",
    )  # fmt: skip
    assert response.status_code == (200 if htmx else 302)
    price = Actor.objects.get(name="Ned Price")
    assert (price.kind, price.affiliation) == (ActorKind.PERSON, actors["us"])
    assert Annotation.objects.get().source_actor == price


def test_a_name_changed_after_confirming_is_asked_again(reviewer_client, actors, article):
    response = _create(
        reviewer_client, article, False, subject="Untied Statess", new_subject="Untied States"
    )
    assert "“Untied Statess” is a new actor" in response.content.decode()
    assert not Annotation.objects.exists() and not Actor.objects.filter(name__startswith="Untied")


def test_two_new_names_are_asked_together_and_a_confirmation_is_kept(
    reviewer_client, actors, article
):
    response = _create(reviewer_client, article, True, subject="Untied States", source="Ned Price")
    html = response.content.decode()
    assert "“Untied States” is a new actor" in html and "“Ned Price” is a new actor" in html
    # Create the first: still held for the second, the first's confirmation carried along.
    response = _create(
        reviewer_client, article, True, subject="Untied States", source="Ned Price",
        new_subject="Untied States", new_subject_kind="state",
    )  # fmt: skip
    page = parse_page(response.content.decode())
    assert not page.xpath('//button[@name="new_subject"]')
    assert page.xpath('//input[@type="hidden"][@name="new_subject"]/@value') == ["Untied States"]
    assert page.xpath('//input[@type="hidden"][@name="new_subject_kind"]/@value') == ["state"]
    assert page.xpath('//button[@name="new_source"]/@value') == ["Ned Price"]
    assert not Annotation.objects.exists()
    response = _create(
        reviewer_client, article, True, subject="Untied States", source="Ned Price",
        new_subject="Untied States", new_subject_kind="state",
        new_source="Ned Price", new_source_kind="person",
    )  # fmt: skip
    assert Annotation.objects.count() == 1
    assert Actor.objects.get(name="Untied States").kind == ActorKind.STATE
    assert Actor.objects.get(name="Ned Price").kind == ActorKind.PERSON


def test_an_unknown_affiliation_is_refused_not_created(reviewer_client, actors, article):
    response = _create(
        reviewer_client, article, True, source="Ned Price",
        new_source="Ned Price", new_source_kind="person", new_source_affiliation="Statee Dept",
    )  # fmt: skip
    html = response.content.decode()
    assert "Affiliation “Statee Dept” is not a known actor" in html
    assert not Actor.objects.filter(name__in=["Ned Price", "Statee Dept"]).exists()
    # What was typed for the new actor stays in its fields.
    page = parse_page(html)
    assert page.xpath('//input[@name="new_source_affiliation"]/@value') == ["Statee Dept"]
    assert page.xpath('//select[@name="new_source_kind"]/option[@selected]/@value') == ["person"]


def test_an_unknown_kind_is_refused(reviewer_client, actors, article):
    response = _create(
        reviewer_client, article, True, source="Ned Price", new_source="Ned Price",
        new_source_kind="planet",
    )  # fmt: skip
    assert "Unknown actor kind" in response.content.decode()
    assert not Actor.objects.filter(name="Ned Price").exists()


def test_typed_names_are_escaped_in_the_question(reviewer_client, actors, article):
    html = _create(reviewer_client, article, True, subject="<b>Evil</b>").content.decode()
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_an_edit_to_a_new_name_is_held_too(reviewer_client, actors, article, reviewer):
    annotation = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    url = reverse("annotate:annotation-update", args=[annotation.pk])
    data = post_data(article, object="Talibann", version=str(annotation.version))
    response = reviewer_client.post(url, data, headers=HX)
    assert "“Talibann” is a new actor — create it, or did you mean Taliban?" in (
        response.content.decode()
    )
    annotation.refresh_from_db()
    assert annotation.version == 1 and annotation.claim.object.name == "Taliban"
    response = reviewer_client.post(url, {**data, "use_object": "Taliban"}, headers=HX)
    assert response.status_code == 200
    annotation.refresh_from_db()
    assert annotation.version == 2  # saved (its certainty and source changed)


def test_existing_names_and_aliases_save_without_asking(reviewer_client, actors, article):
    response = _create(
        reviewer_client, article, False, subject="the kremlin", source="joseph votel"
    )
    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert (
        annotation.claim.subject == actors["russia"] and annotation.source_actor == actors["votel"]
    )
