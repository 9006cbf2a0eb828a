"""The annotation form: field checks, service errors next to their fields, nothing saved on error."""

import pytest

from annotate import services
from annotate.forms import AnnotationForm
from annotate.models import Actor, ActorKind, Annotation, Claim, Relation
from tests import factories

PHRASE = "Russia was supporting the Taliban"


def data(article, **overrides):
    start = article.text.index(PHRASE)
    values = {
        "start": start,
        "end": start + len(PHRASE),
        "quote": PHRASE,
        "subject": "Russia",
        "relation": "supports",
        "object": "Taliban",
        "source_kind": "unnamed",
        "source": "an official with the National Directorate of Security",
        "stance": "reports",
        "certainty": "possible",
        "confidence": "2",
        "note": "",
    }
    values.update(overrides)
    # Confirmed as new actors where they are new, as the form's Create button does
    # (tests/test_new_actors.py asks first).
    for field in ("subject", "object", "source"):
        values.setdefault(f"new_{field}", values[field])
    return values


def test_visible_labels_match_the_design():
    form = AnnotationForm()
    labels = [f.label for f in form.visible_fields()]
    assert labels == [
        "Subject",
        "Relation",
        "Object",
        "Claim text",
        "Source type",
        "Source",
        "Unnamed source is",
        "Affiliation",
        "Same source as",
        "Stance",
        "Certainty",
        "Confidence",
        "Note",
    ]
    assert [c[1] for c in form.fields["source_kind"].choices] == [
        "named",
        "unnamed",
        "author of the article",
    ]


def test_save_unnamed_source_and_generated_claim(article, reviewer):
    form = AnnotationForm(data(article))
    assert form.is_valid(), form.errors
    ann = form.save(article=article, user=reviewer)
    assert ann.source_actor is None
    assert ann.source_description == "an official with the National Directorate of Security"
    assert ann.claim.text == "Russia supports Taliban"


def test_author_source_ignores_source_field(article, reviewer):
    form = AnnotationForm(data(article, source_kind="author", source="whatever"))
    assert form.is_valid()
    ann = form.save(article=article, user=reviewer)
    assert ann.source_kind == "author" and ann.source_description == ""


@pytest.mark.parametrize(
    "overrides,field",
    [({"confidence": "0"}, "confidence"), ({"confidence": "6"}, "confidence")],
)
def test_field_errors(article, overrides, field):
    form = AnnotationForm(data(article, **overrides))
    assert not form.is_valid()
    assert "out of range" in form.errors[field][0]


def test_service_error_rolls_back_new_actors_and_claim(article, reviewer):
    form = AnnotationForm(data(article, subject="Nobody Yet", quote="Russia was"))
    assert form.is_valid()
    assert form.save(article=article, user=reviewer) is None
    assert "Quote does not match" in form.non_field_errors()[0]
    assert not Actor.objects.filter(name="Nobody Yet").exists()
    assert Claim.objects.count() == 0 and Annotation.objects.count() == 0


def test_stale_version_raises_and_changes_nothing(article, reviewer):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    services.annotation_update(annotation=ann, user=reviewer, version=1, stance="denies")
    form = AnnotationForm(data(article, version="1"))
    assert form.is_valid()
    with pytest.raises(services.StaleEdit):
        form.save(article=article, user=reviewer, annotation=ann)
    ann.refresh_from_db()
    assert ann.stance == "denies" and ann.version == 2


def test_initial_for_round_trips(article, reviewer):
    """Every field initial_for fills shows the annotation, and posting it back changes nothing."""
    votel = factories.make_actor("Joseph Votel", kind=ActorKind.PERSON)
    claim, _ = services.claim_get_or_create(
        subject=factories.make_actor("Russia"),
        relation=Relation.objects.get(slug="supports"),
        object=factories.make_actor("Taliban", kind=ActorKind.ARMED_GROUP),
        text="Russia backs the Taliban",
    )
    text = article.text
    ann = factories.make_annotation(
        article=article,
        reviewer=reviewer,
        claim=claim,
        phrase=PHRASE,
        stance="asserts",
        certainty="probable",
        confidence=3,
        note="fair to assume",
        source_kind="named",
        source_actor=votel,
        source_words="Joseph Votel",
        cue_words="told Congress",
    )
    start = text.index(PHRASE)
    source_start, cue_start = text.index("Joseph Votel"), text.index("told Congress")
    initial = AnnotationForm.initial_for(ann)
    assert initial == {
        "start": start,
        "end": start + len(PHRASE),
        "quote": PHRASE,
        "subject": "Russia",
        "relation": "supports",
        "object": "Taliban",
        "claim_text": "Russia backs the Taliban",
        "source_kind": "named",
        "source": "Joseph Votel",
        "source_unnamed_kind": "",  # a named source: no unnamed kind or affiliation
        "source_affiliation": "",
        "stance": "asserts",
        "certainty": "probable",
        "confidence": 3,
        "note": "fair to assume",
        "version": 1,
        "source_start": source_start,
        "source_end": source_start + len("Joseph Votel"),
        "source_quote": "Joseph Votel",
        "cue_start": cue_start,
        "cue_end": cue_start + len("told Congress"),
        "cue_quote": "told Congress",
    }
    before = {field: getattr(ann, field) for field in services.ANNOTATION_FIELDS}
    form = AnnotationForm({key: "" if value is None else value for key, value in initial.items()})
    assert form.is_valid(), form.errors
    saved = form.save(article=article, user=reviewer, annotation=ann)
    assert saved is not None, form.errors
    saved.refresh_from_db()
    assert {field: getattr(saved, field) for field in services.ANNOTATION_FIELDS} == before
    assert Claim.objects.count() == 1 and Actor.objects.count() == 3


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"start": "1.5"}, "Could not read the selected words (start: Enter a whole number.)"),
        ({"start": "-1"}, "Could not read the selected words (start: Ensure this value"),
        ({"start": "1e3"}, "Could not read the selected words (start: Enter a whole number.)"),
        ({"end": ""}, "Could not read the selected words (end: This field is required.)"),
        ({"quote": "Russia\x00"}, "Could not read the selected words (quote: Null characters"),
        ({"source_start": "x", "source_end": "3"}, "Could not read the words picked as the source"),
        ({"cue_end": "-4", "cue_start": "1"}, "Could not read the words picked as the cue"),
        ({"version": "abc"}, "This form lost track of which version of the annotation you opened"),
    ],
)
def test_bad_hidden_values_are_said_at_the_top_of_the_form(article, reviewer, overrides, expected):
    form = AnnotationForm(data(article, **overrides))
    assert not form.is_valid()
    assert any(message.startswith(expected) for message in form.non_field_errors()), (
        form.non_field_errors()
    )
    assert Annotation.objects.count() == 0


def test_an_edit_without_its_version_is_refused(article, reviewer):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    form = AnnotationForm(data(article, stance="denies"))
    assert form.is_valid(), form.errors
    assert form.save(article=article, user=reviewer, annotation=ann) is None
    assert "does not say which version" in " ".join(form.non_field_errors())
    ann.refresh_from_db()
    assert (ann.stance, ann.version) == ("asserts", 1)


def test_form_fields_are_the_annotation_input_keys():
    """AnnotationForm.values() hands its cleaned fields over as services.AnnotationInput (a cast):
    the fields, less the version the save takes on its own, must be exactly the TypedDict's keys."""
    keys = services.AnnotationInput.__required_keys__ | services.AnnotationInput.__optional_keys__
    assert set(AnnotationForm.base_fields) - {"version"} == keys


def test_a_quote_across_a_line_break_posted_as_crlf_saves(reviewer):
    """Browsers submitting the form themselves (JavaScript off) send hidden values' line breaks
    as CRLF; the article text holds LF, and the quote must still match it."""
    article = factories.make_article(text=f"{PHRASE}, it said.\nThe Taliban agree.")
    quote = "said.\nThe"
    start = article.text.index(quote)
    posted = {
        **data(article),
        "start": start,
        "end": start + len(quote),
        "quote": quote.replace("\n", "\r\n"),
    }
    form = AnnotationForm(posted)
    assert form.is_valid(), form.errors
    ann = form.save(article=article, user=reviewer)
    assert ann.quote == quote == article.text[ann.start : ann.end]
