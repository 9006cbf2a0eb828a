"""The annotation form: parses and checks what the reviewer typed; it writes nothing itself.

Field-level checks (required, whole numbers, known labels) happen here. Saving hands the parsed
values to services.annotation_save, which resolves actors and the claim, applies the rules that
need the article and the database (spans, quotes, ownership, versions) and writes, all or nothing;
its per-field errors are mapped back onto these fields so each message appears next to the field
it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import cached_property

from annotate import new_actors, services
from annotate.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    CONFIDENCE_SCALE,
    Annotation,
    Article,
    Certainty,
    Relation,
    SourceKind,
    Stance,
    Status,
    UnnamedKind,
    confidence_problem,
)
from annotate.params import parse_id
from annotate.permissions import AnnotationsFinal
from annotate.services.sources import OfferedSource

SOURCE_KIND_CHOICES = [
    (SourceKind.NAMED.value, "named"),
    (SourceKind.UNNAMED.value, "unnamed"),
    (SourceKind.AUTHOR.value, "author of the article"),
]
STANCE_CHOICES = [(s.value, s.value) for s in Stance]
CERTAINTY_CHOICES = [(c.value, c.value) for c in Certainty]

# Service error keys → the form field the message belongs next to (None: the form as a whole).
SERVICE_FIELD = {
    "quote": None,
    "stance": "stance",
    "certainty": "certainty",
    "confidence": "confidence",
    "source_kind": "source_kind",
    "source_actor": "source",
    "same_source": "same_source",
    "source_affiliation": "source_affiliation",
    "claim": "subject",
    "source_span": "source",
    "cue_span": "stance",  # the cue verb is what the stance is read from
}


def hidden_field_problem(name: str, problem: str) -> str:
    """What a reviewer can do about a bad value in one of the fields the page fills in itself."""
    if name == "version":
        return (
            f"This form lost track of which version of the annotation you opened ({problem}) "
            "Reload the article and edit again."
        )
    what, again = {
        "source": ("the words picked as the source", "Pick them again or clear them."),
        "cue": ("the words picked as the cue", "Pick them again or clear them."),
    }.get(name.split("_")[0], ("the selected words", "Select them again in the text."))
    return f"Could not read {what} ({name}: {problem}) {again}"


class AnnotationForm(forms.Form):
    """Create or edit one annotation. Offsets arrive as code points, converted by annotate.js."""

    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    quote = forms.CharField(widget=forms.HiddenInput, strip=False)
    subject = forms.CharField(
        label="Subject", max_length=200, help_text="Who acts, e.g. Russia. Aliases match."
    )
    relation = forms.ChoiceField(label="Relation")
    object = forms.CharField(label="Object", max_length=200, help_text="Acted upon, e.g. Taliban.")
    claim_text = forms.CharField(
        label="Claim text",
        max_length=500,
        required=False,
        help_text="Generated from subject, relation and object; edit it if you like.",
    )
    source_kind = forms.ChoiceField(
        label="Source type", choices=SOURCE_KIND_CHOICES, initial=SourceKind.NAMED
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        required=False,
        help_text="Named: the actor (pick or type a new one). Unnamed: a description.",
    )
    source_unnamed_kind = forms.ChoiceField(
        label="Unnamed source is",
        choices=[("", "not said"), *UnnamedKind.choices],
        initial=UnnamedKind.PERSON,
        required=False,
    )
    source_affiliation = forms.CharField(
        label="Affiliation",
        max_length=200,
        required=False,
        help_text="Unnamed source: whose side it speaks for, e.g. Afghan government (optional).",
    )
    same_source = forms.TypedChoiceField(
        label="Same source as",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        help_text="A source already marked in this article: this mention links to it, with its "
        "own words picked as the source.",
    )
    stance = forms.ChoiceField(label="Stance", choices=STANCE_CHOICES, initial=Stance.ASSERTS)
    certainty = forms.ChoiceField(
        label="Certainty", choices=CERTAINTY_CHOICES, initial=Certainty.UNSPECIFIED
    )
    confidence = forms.IntegerField(
        label="Confidence",
        initial=3,
        help_text=f"Your own confidence, {CONFIDENCE_MIN} (low) to {CONFIDENCE_MAX} (high).",
        widget=forms.NumberInput(
            attrs={"min": CONFIDENCE_MIN, "max": CONFIDENCE_MAX, "inputmode": "numeric"}
        ),
        error_messages={"invalid": f"Confidence must be {CONFIDENCE_SCALE}."},
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Optional spans picked in the text ("Pick in text"): the source's name and the cue verb.
    source_start = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    source_end = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    source_quote = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)
    cue_start = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    cue_end = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    cue_quote = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def __init__(
        self,
        *args: Any,
        prefix_id: str = "f",
        relations: dict[str, Relation] | None = None,
        offered: Sequence[OfferedSource] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.offer(offered)
        if self.is_bound:  # a suggestion's button may have been clicked (annotate/new_actors.py)
            self.data = new_actors.with_picks(self.data)
        #: Set by save() when a typed name is new: what to ask under each field (new_actors).
        self.new_actor_prompts: list[new_actors.Prompt] = []
        self.kept_new_actors: list[tuple[str, str, str, str]] = []
        #: Set by save() when the reviewer already has this annotation: its id, for a link.
        self.duplicate_of: int | None = None
        if relations is not None:  # already loaded by another form in this request
            self.__dict__["relations"] = relations
        # Distinct ids so a create form and an edit form never clash on one page.
        self.auto_id = f"{prefix_id}_%s"
        relation = cast(forms.ChoiceField, self.fields["relation"])
        relation.choices = self._relation_choices  # loaded when first needed
        for name in ("subject", "object", "source", "source_affiliation"):
            self.fields[name].widget.attrs.update(
                {"list": "actor-options", "autocomplete": "off", "data-actor": "1"}
            )

    def offer(self, offered: Sequence[OfferedSource]) -> None:
        """The sources "same source as" offers (services.sources.sources_offered: what the user
        may see on this article); none: the choice is not shown."""
        self.offered = list(offered)
        same = cast(forms.TypedChoiceField, self.fields["same_source"])
        same.choices = [("", "None: a new source, as typed above")] + [
            (o.pk, f"{o.label} ({o.mentions} mention{'s' if o.mentions != 1 else ''})")
            for o in self.offered
        ]

    @cached_property
    def relations(self) -> dict[str, Relation]:
        """One query serves the <select> and validation (a ModelChoiceField costs a lookup plus a
        server-side cursor on PostgreSQL: four round trips on every save)."""
        return {r.slug: r for r in Relation.objects.order_by("label")}

    def _relation_choices(self) -> list[tuple[str, str]]:
        return [("", "")] + [(slug, r.label) for slug, r in self.relations.items()]

    def clean_relation(self) -> Relation:
        return self.relations[self.cleaned_data["relation"]]

    def clean_confidence(self) -> int:
        value: int = self.cleaned_data["confidence"]
        problem = confidence_problem(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # A browser submitting the form itself (no JavaScript) sends line breaks in the hidden
        # quotes as CRLF (HTML form encoding); article texts hold only LF (importing.normalise_text).
        for name in ("quote", "source_quote", "cue_quote"):
            if isinstance(data.get(name), str):
                data[name] = data[name].replace("\r\n", "\n")
        if (
            data.get("source_kind") == SourceKind.NAMED
            and not (data.get("source") or "").strip()
            and not data.get("same_source")
        ):
            self.add_error("source", "A named source needs a name: type or pick the source.")
        # Hidden fields have no place to show an error: say it at the top of the form.
        for name, errors in list(self.errors.items()):
            if name in self.fields and self.fields[name].widget.is_hidden:
                # An ErrorList yields its messages as str (the stubs allow ValidationError too).
                problem = " ".join(str(message) for message in errors)
                self.add_error(None, hidden_field_problem(name, problem))
        return data

    @classmethod
    def initial_for(cls, annotation: Annotation) -> dict[str, Any]:
        """Field values that show an existing annotation (its claim spelled out)."""
        a = annotation
        if a.source_kind == SourceKind.NAMED and a.source_actor is not None:
            source = a.source_actor.name
        else:
            source = a.source_description
        # The source entity's kind and affiliation (an unnamed source's); the form shows the
        # typed fields, so "same source as" starts unset and the source follows what is typed.
        entity = a.source if a.source_id else None
        affiliation = entity.affiliation if entity and entity.affiliation_id else None
        return {
            "start": a.start,
            "end": a.end,
            "quote": a.quote,
            "subject": a.claim.subject.name,
            "relation": a.claim.relation.slug,
            "object": a.claim.object.name,
            "claim_text": a.claim.text,
            "source_kind": a.source_kind,
            "source": source,
            "source_unnamed_kind": entity.unnamed_kind if entity else "",
            "source_affiliation": affiliation.name if affiliation else "",
            "stance": a.stance,
            "certainty": a.certainty,
            "confidence": a.confidence,
            "note": a.note,
            "version": a.version,
            "source_start": a.source_start,
            "source_end": a.source_end,
            "source_quote": a.source_quote,
            "cue_start": a.cue_start,
            "cue_end": a.cue_end,
            "cue_quote": a.cue_quote,
        }

    def _apply_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                if key in SERVICE_FIELD:
                    field = SERVICE_FIELD[key]
                else:
                    field = key if key in self.fields and key != NON_FIELD_ERRORS else None
                for error in errors:
                    self.add_error(field, error.message % (error.params or {}))
        else:
            for message in exc.messages:
                self.add_error(None, message)

    def values(self) -> services.AnnotationInput:
        """The cleaned fields as services.annotation_save takes them (call after is_valid())."""
        # Every field is an AnnotationInput key but the version, which the save takes on its own
        # (test_form_fields_are_the_annotation_input_keys holds the two lists together).
        values = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        return cast(services.AnnotationInput, values)

    def save(
        self, *, article: Article, user: User, annotation: Annotation | None = None
    ) -> Annotation | None:
        """Save through services.annotation_save; a broken rule adds errors here, saves nothing.

        Raises services.StaleEdit (nothing saved) when the annotation changed since the version in
        the form, and PermissionDenied when `user` does not own it.
        """
        confirmed = new_actors.confirmations(self.data)
        try:
            return services.annotation_save(
                article=article,
                reviewer=user,
                values=self.values(),
                annotation=annotation,
                version=self.cleaned_data.get("version"),
                new_actors=confirmed.actors,
            )
        except services.StaleEdit:
            raise
        except services.DuplicateAnnotation as exc:  # the template links to the one there
            self.duplicate_of = exc.existing_id
            self.add_error(None, exc.message)
            return None
        except services.UnknownActors as exc:  # held: ask before creating (annotate.new_actors)
            self._ask_about_new_actors(exc.unknown, confirmed, user)
            return None
        except AnnotationsFinal as exc:  # blind mode: done is final; say why on the form
            self.add_error(None, exc.message)
            return None
        except ValidationError as exc:
            self._apply_service_error(exc)
            return None

    def _ask_about_new_actors(
        self, unknown: dict[str, str], confirmed: new_actors.Confirmations, user: User
    ) -> None:
        self.new_actor_prompts = new_actors.prompts(unknown, self.data, user)
        for prompt in self.new_actor_prompts:
            self.add_error(prompt.field, confirmed.errors.get(prompt.field) or prompt.question)
        # Names confirmed in this post but held by another new name: the next post keeps them.
        self.kept_new_actors = [
            (f, a.name, a.kind, confirmed.affiliations.get(f, ""))
            for f in new_actors.ACTOR_FIELDS
            if f not in unknown
            for a in confirmed.actors
            if new_actors.name_key(a.name) == new_actors.name_key(self.data.get(f, ""))
        ]


class ReviewForm(forms.Form):
    """A curator's accept / reject / pending on one annotation, with an optional comment.

    The comment is a CharField like every text field here, so a NUL in it is refused with a
    message (PostgreSQL cannot store NUL) instead of reaching the database.
    """

    status = forms.ChoiceField(
        choices=Status.choices,
        error_messages={
            "invalid_choice": "Unknown status %(value)r: use accepted, rejected or pending.",
            "required": "Say accepted, rejected or pending.",
        },
    )
    comment = forms.CharField(required=False, max_length=2000)
    # The version the curator saw: a verdict on a version since changed is refused.
    version = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "This review does not say which version it saw: reload the page.",
            "invalid": "The version must be a whole number: reload the page.",
            "min_value": "The version must be a whole number: reload the page.",
        },
    )

    def problem(self) -> str:
        """The errors in one line, for a refusal (call after is_valid())."""
        return " ".join(
            f"{'Comment: ' if name == 'comment' else ''}{message}"
            for name, messages in self.errors.items()
            for message in messages
        )


class ClusterDecisionForm(forms.Form):
    """A curator's decision on a cluster in the adjudication view (services.cluster_decide).

    `seen` is "id:version id:version …", every version of the cluster as the page showed it.
    """

    action = forms.ChoiceField(
        choices=[
            ("accept", "accept"),
            ("accept_reject_others", "accept, reject the others"),
            ("reject", "reject"),
            ("accept_all", "accept all"),
        ],
        error_messages={
            "invalid_choice": "Unknown decision %(value)r: accept, reject or accept all.",
            "required": "Say accept, reject or accept all.",
        },
    )
    annotation = forms.IntegerField(required=False, min_value=1)
    reject_others = forms.BooleanField(required=False)
    comment = forms.CharField(required=False, max_length=2000)
    seen = forms.CharField(
        max_length=20000,
        error_messages={"required": "This decision does not say which versions it saw: reload."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # One button per decision, and a button sends one value: this one is "accept" plus
        # rejecting the other versions.
        if data.get("action") == "accept_reject_others":
            data["action"], data["reject_others"] = "accept", True
        return data

    def clean_seen(self) -> dict[int, int]:
        seen: dict[int, int] = {}
        for pair in self.cleaned_data["seen"].split():
            pk, _, version = (parse_id(part) for part in pair.partition(":"))
            if pk is None or version is None:
                raise forms.ValidationError("The versions seen are garbled: reload the page.")
            seen[pk] = version
        if not seen:
            raise forms.ValidationError("This decision does not say which versions it saw: reload.")
        return seen

    def problem(self) -> str:
        """The errors in one line, for a refusal (call after is_valid())."""
        return " ".join(str(m) for messages in self.errors.values() for m in messages)
