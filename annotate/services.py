"""Every write to Stancemark's data goes through these functions.

They validate (spans against the article text, labels, ownership, stale versions), write atomically and
raise django.core.exceptions.ValidationError with per-field messages, so forms, admin actions, management
commands and tests all get the same rules and the same wording.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from annotate import spans
from annotate.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
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
from annotate.permissions import can_change_annotation, is_curator


class StaleEdit(ValidationError):
    """The annotation changed since the editor loaded it; carries the current row for display."""

    def __init__(self, current: Annotation):
        self.current = current
        super().__init__(
            f"Someone changed this annotation since you opened it (now version {current.version}). "
            "Compare the two versions, then save again to overwrite or cancel to keep theirs.",
            code="stale",
        )


# ---------------------------------------------------------------- actors, claims


def actor_lookup(name: str) -> Actor | None:
    """Find an actor by name or alias, ignoring case and surrounding whitespace."""
    key = " ".join(name.split()).lower()
    if not key:
        return None
    actor = Actor.objects.annotate(lname=Lower("name")).filter(lname=key).first()
    if actor:
        return actor
    alias = (
        ActorAlias.objects.annotate(lname=Lower("name"))
        .filter(lname=key)
        .select_related("actor")
        .first()
    )
    return alias.actor if alias else None


def actor_get_or_create(
    *, name: str, kind: str = ActorKind.OTHER, aliases: list[str] | None = None
) -> tuple[Actor, bool]:
    """Return the actor called `name` (or aliased so), creating it with `kind` and `aliases` if new."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"name": "Actor name is empty: type a name."})
    if len(clean) > 200:
        raise ValidationError({"name": "Actor name is longer than 200 characters."})
    if kind not in ActorKind.values:
        raise ValidationError(
            {"kind": f"Unknown actor kind {kind!r}: use one of {ActorKind.values}."}
        )
    existing = actor_lookup(clean)
    if existing:  # the common case reads only: no transaction or savepoint round trips
        return existing, False
    with transaction.atomic():
        actor = Actor.objects.create(name=clean, kind=kind)
        for alias in aliases or []:
            alias_add(actor=actor, name=alias)
    return actor, True


def alias_add(*, actor: Actor, name: str) -> ActorAlias | None:
    """Add an alias unless that name already means this actor; refuse one that means another."""
    clean = " ".join(name.split())
    if not clean:
        return None
    other = actor_lookup(clean)
    if other and other.pk == actor.pk:
        return None
    if other:
        raise ValidationError(
            {"aliases": f"{clean!r} already names {other.name}; an alias must be unambiguous."}
        )
    return ActorAlias.objects.create(actor=actor, name=clean)


def claim_get_or_create(
    *, subject: Actor, relation: Relation, object: Actor, qualifier: str = "", text: str = ""
) -> tuple[Claim, bool]:
    """Return the claim (subject, relation, object, qualifier), creating it if new.

    `text` overrides the generated readable form for a new claim; an existing claim keeps its text.
    """
    qualifier = " ".join(qualifier.split())
    existing = (
        Claim.objects.annotate(lq=Lower("qualifier"))
        .filter(subject=subject, relation=relation, object=object, lq=qualifier.lower())
        .first()
    )
    if existing:
        return existing, False
    text = " ".join(text.split()) or Claim.generated_text(subject, relation, object, qualifier)
    return (
        Claim.objects.create(
            subject=subject, relation=relation, object=object, qualifier=qualifier, text=text
        ),
        True,
    )


# ---------------------------------------------------------------- annotations

ANNOTATION_FIELDS = (
    "claim",
    "start",
    "end",
    "quote",
    "source_kind",
    "source_actor",
    "source_description",
    "source_start",
    "source_end",
    "source_quote",
    "cue_start",
    "cue_end",
    "cue_quote",
    "stance",
    "certainty",
    "confidence",
    "note",
)


def _check_span(errors: dict, field: str, text: str, start, end, quote) -> None:
    try:
        spans.validate_span(text, start, end, quote)
    except spans.SpanError as exc:
        errors[field] = str(exc)


def _optional_span(
    errors: dict, field: str, text: str, values: dict[str, Any], prefix: str
) -> None:
    start, end = values.get(f"{prefix}_start"), values.get(f"{prefix}_end")
    if start is None and end is None:
        values[f"{prefix}_quote"] = ""
        return
    if start is None or end is None:
        errors[field] = f"The {prefix} span needs both a start and an end."
        return
    quote = values.get(f"{prefix}_quote") or None
    _check_span(errors, field, text, start, end, quote)
    if field not in errors:
        values[f"{prefix}_quote"] = text[start:end]


def annotation_validate(article: Article, values: dict[str, Any]) -> None:
    """Check one annotation's values against the article; raise ValidationError naming each problem."""
    errors: dict[str, str] = {}
    _check_span(
        errors, "quote", article.text, values.get("start"), values.get("end"), values.get("quote")
    )
    if values.get("stance") not in Stance.values:
        errors["stance"] = (
            f"Unknown stance {values.get('stance')!r}: use one of {', '.join(Stance.values)}."
        )
    if values.get("certainty") not in Certainty.values:
        errors["certainty"] = (
            f"Unknown certainty {values.get('certainty')!r}: use one of {', '.join(Certainty.values)}."
        )
    confidence = values.get("confidence")
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int)
        or not (CONFIDENCE_MIN <= confidence <= CONFIDENCE_MAX)
    ):
        errors["confidence"] = (
            f"Confidence {confidence!r} is out of range: choose a whole number "
            f"from {CONFIDENCE_MIN} to {CONFIDENCE_MAX}."
        )
    kind = values.get("source_kind")
    if kind not in SourceKind.values:
        errors["source_kind"] = (
            f"Unknown source type {kind!r}: use one of {', '.join(SourceKind.values)}."
        )
    elif kind == SourceKind.NAMED and values.get("source_actor") is None:
        errors["source_actor"] = "A named source needs an actor: pick or type the source's name."
    elif kind == SourceKind.AUTHOR:
        values["source_actor"] = None
    if values.get("claim") is None:
        errors["claim"] = "Choose the claim: subject, relation and object."
    _optional_span(errors, "source_span", article.text, values, "source")
    _optional_span(errors, "cue_span", article.text, values, "cue")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def annotation_create(
    *,
    article: Article,
    reviewer,
    claim: Claim,
    start: int,
    end: int,
    quote: str,
    stance: str,
    confidence: int,
    source_kind: str = SourceKind.AUTHOR,
    source_actor: Actor | None = None,
    source_description: str = "",
    source_start: int | None = None,
    source_end: int | None = None,
    source_quote: str = "",
    cue_start: int | None = None,
    cue_end: int | None = None,
    cue_quote: str = "",
    certainty: str = Certainty.UNSPECIFIED,
    note: str = "",
) -> Annotation:
    """Record one attribution after checking its spans against the article text and its labels."""
    values = {k: v for k, v in locals().items() if k in ANNOTATION_FIELDS}
    annotation_validate(article, values)
    annotation = Annotation.objects.create(article=article, reviewer=reviewer, **values)
    progress_touch(article=article, reviewer=reviewer)
    return annotation


@transaction.atomic
def annotation_update(
    *, annotation: Annotation, user, version: int | None, force: bool = False, **changes: Any
) -> Annotation:
    """Apply `changes` if `user` owns the annotation and `version` is still current.

    A stale `version` raises StaleEdit (carrying the current row) and changes nothing; `force=True`
    overwrites after the user has seen the conflict.
    """
    unknown = set(changes) - set(ANNOTATION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown annotation field(s): {', '.join(sorted(unknown))}.")
    current = Annotation.objects.select_for_update().select_related("article").get(pk=annotation.pk)
    if not can_change_annotation(user, current):
        raise PermissionDenied("You can change only your own annotations.")
    if current.deleted_at is not None:
        raise ValidationError("This annotation was deleted: restore it before editing.")
    if version is not None and version != current.version and not force:
        raise StaleEdit(current)
    values = {field: getattr(current, field) for field in ANNOTATION_FIELDS}
    values.update(changes)
    for prefix in ("source", "cue"):
        # Moving an optional span without sending its quote re-derives the quote from the text.
        moved = f"{prefix}_start" in changes or f"{prefix}_end" in changes
        if moved and f"{prefix}_quote" not in changes:
            values[f"{prefix}_quote"] = ""
    annotation_validate(current.article, values)
    for field, value in values.items():
        setattr(current, field, value)
    current.version = current.version + 1
    current.save()
    return current


@transaction.atomic
def annotation_delete(*, annotation: Annotation, user) -> Annotation:
    """Soft-delete: the row stays recoverable from 'recently deleted' until restored."""
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not can_change_annotation(user, current):
        raise PermissionDenied("You can delete only your own annotations.")
    if current.deleted_at is None:
        current.deleted_at = timezone.now()
        current.version = F("version") + 1
        current.save(update_fields=["deleted_at", "version", "updated_at"])
        current.refresh_from_db()
    return current


@transaction.atomic
def annotation_restore(*, annotation: Annotation, user) -> Annotation:
    """Undo a soft delete."""
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not can_change_annotation(user, current):
        raise PermissionDenied("You can restore only your own annotations.")
    if current.deleted_at is not None:
        current.deleted_at = None
        current.version = F("version") + 1
        current.save(update_fields=["deleted_at", "version", "updated_at"])
        current.refresh_from_db()
    return current


@transaction.atomic
def annotation_review(
    *, annotation: Annotation, curator, status: str, comment: str = ""
) -> Annotation:
    """A curator accepts or rejects (or resets to pending) an annotation, with an optional comment."""
    if not is_curator(curator):
        raise PermissionDenied("Only curators and staff can accept or reject annotations.")
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}: use one of {Status.values}."})
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    current.status = status
    current.curator = None if status == Status.PENDING else curator
    current.curator_comment = comment.strip()
    current.reviewed_at = None if status == Status.PENDING else timezone.now()
    current.save(update_fields=["status", "curator", "curator_comment", "reviewed_at"])
    return current


@transaction.atomic
def annotations_review_bulk(*, annotation_ids, curator, status: str, comment: str = "") -> int:
    """Accept or reject many annotations at once (admin action); all or nothing."""
    if not is_curator(curator):
        raise PermissionDenied("Only curators and staff can accept or reject annotations.")
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}: use one of {Status.values}."})
    return Annotation.objects.filter(pk__in=list(annotation_ids)).update(
        status=status,
        curator=None if status == Status.PENDING else curator,
        curator_comment=comment.strip(),
        reviewed_at=None if status == Status.PENDING else timezone.now(),
    )


@transaction.atomic
def annotations_set_deleted_bulk(*, annotation_ids, user, deleted: bool) -> int:
    """Soft-delete (or restore) many annotations at once: the admin's delete, recoverable.

    Staff only (it is an admin action). Bumps each version, so an editor open on one of them gets a
    stale-edit warning instead of silently reviving or overwriting it. Returns how many changed.
    """
    if not getattr(user, "is_staff", False):
        raise PermissionDenied("Only staff can delete or restore other people's annotations.")
    rows = Annotation.objects.filter(pk__in=list(annotation_ids), deleted_at__isnull=deleted)
    return rows.update(
        deleted_at=timezone.now() if deleted else None,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )


# ---------------------------------------------------------------- progress, articles


def progress_touch(*, article: Article, reviewer) -> Progress:
    """Mark an article as started by `reviewer` (no-op when already started or done)."""
    progress, _ = Progress.objects.get_or_create(article=article, reviewer=reviewer)
    return progress


@transaction.atomic
def progress_set(*, article: Article, reviewer, done: bool) -> Progress:
    """Mark the article done for `reviewer`, or reopen it."""
    progress, _ = Progress.objects.get_or_create(article=article, reviewer=reviewer)
    progress.status = ProgressStatus.DONE if done else ProgressStatus.STARTED
    progress.done_at = timezone.now() if done else None
    progress.save(update_fields=["status", "done_at"])
    return progress


@transaction.atomic
def article_update_text(*, article: Article, text: str) -> Article:
    """Change an article's text, refused once annotations point into it (the frozen-text rule)."""
    from annotate.importing import normalise_text, text_hash

    text = normalise_text(text)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if text == locked.text:
        return locked
    count = locked.annotations.count()
    if count:
        raise ValidationError(
            {
                "text": f"The text is frozen: {count} annotation(s) point into it by offset. "
                "Import the new text as a new article instead."
            }
        )
    locked.text = text
    locked.text_sha256 = text_hash(text)
    try:
        with transaction.atomic():
            locked.save(update_fields=["text", "text_sha256"])
    except IntegrityError:
        raise ValidationError({"text": "Another article already has exactly this text."}) from None
    return locked
