"""Writes of annotations: create, save what the form parsed, edit, delete, restore, review."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from annotate import spans
from annotate.agreement_store import invalidate as agreement_stale
from annotate.claim_store import invalidate as claims_stale
from annotate.models import (
    DUPLICATE_CONSTRAINT,
    Actor,
    Annotation,
    Article,
    Certainty,
    Claim,
    EventKind,
    Relation,
    Source,
    SourceKind,
    Stance,
    Status,
    confidence_problem,
)
from annotate.permissions import (
    can_change_annotation,
    can_manage_annotations,
    check_annotation_not_final,
    is_curator,
    with_reviewer_done,
)
from annotate.services import history, sources
from annotate.services.actors import NewActor, actors_resolve, claim_get_or_create
from annotate.services.articles import progress_for_write, progress_touch


class DuplicateAnnotation(ValidationError):
    """The reviewer already has a live annotation of these words with this claim and source."""

    def __init__(self, existing_id: int | None):
        self.existing_id = existing_id  # None: a save that raced this one has just written it
        which = "one of your annotations" if existing_id else "one you have just saved"
        super().__init__(
            f"You already recorded this: the same words, claim and source are in {which}. "
            "Open it to change it, or change the claim or the source here.",
            code="duplicate",
        )


def _refuse_duplicate(
    article_id: int, reviewer_id: int, values: dict[str, Any], pk: int | None = None
) -> None:
    """Raise DuplicateAnnotation if the reviewer has another live annotation with these words,
    claim and source (one query; the constraint models.DUPLICATE_CONSTRAINT holds it for races)."""
    same = Annotation.objects.live().filter(
        article_id=article_id,
        reviewer_id=reviewer_id,
        start=values["start"],
        end=values["end"],
        claim=values["claim"],
        source=values["source"],
    )
    others = same if pk is None else same.exclude(pk=pk)
    existing = others.values_list("pk", flat=True).first()
    if existing is not None:
        raise DuplicateAnnotation(existing)


def _duplicate_race(exc: IntegrityError) -> bool:
    """The write lost a race to an identical one (PostgreSQL names the constraint; SQLite lists
    its columns)."""
    message = str(exc)
    return DUPLICATE_CONSTRAINT in message or (
        "UNIQUE constraint failed: annotate_annotation.reviewer_id" in message
    )


class StaleEdit(ValidationError):
    """The annotation changed since the editor loaded it; carries the current row for display."""

    def __init__(self, current: Annotation):
        self.current = current
        super().__init__(
            f"Someone changed this annotation since you opened it (now version {current.version}). "
            "Compare the two versions, then save again to overwrite or cancel to keep theirs.",
            code="stale",
        )


ANNOTATION_FIELDS = (
    "claim",
    "source",
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
#: What the writes take besides the annotation's fields: an unnamed source's kind and affiliation,
#: which belong to its Source (services.sources.attach).
SOURCE_EXTRAS = ("source_unnamed_kind", "source_affiliation")
SPAN_FIELDS = tuple(f"{prefix}_{part}" for prefix in ("source", "cue") for part in ("start", "end"))


class AnnotationInput(TypedDict):
    """One annotation as a reviewer types it, parsed: annotation_save's `values`.

    Actors are given by name (or alias) and the claim by its parts; new ones are created.
    """

    start: int
    end: int
    quote: str
    subject: str
    relation: Relation
    object: str
    claim_text: NotRequired[str]  # the readable form of a new claim; generated when empty
    source_kind: str
    source: NotRequired[str]  # named: the actor's name; unnamed: a description; author: unused
    same_source: NotRequired[int | None]  # a Source of this article picked instead (its id)
    source_unnamed_kind: NotRequired[str]  # an unnamed source's UnnamedKind ("" = not said)
    source_affiliation: NotRequired[str]  # an unnamed source's affiliation, by actor name
    stance: str
    certainty: NotRequired[str]
    confidence: int
    note: NotRequired[str]
    source_start: NotRequired[int | None]
    source_end: NotRequired[int | None]
    source_quote: NotRequired[str]
    cue_start: NotRequired[int | None]
    cue_end: NotRequired[int | None]
    cue_quote: NotRequired[str]


def _check_span(
    errors: dict[str, str], field: str, text: str, start: Any, end: Any, quote: Any
) -> None:
    """Record in `errors[field]` why the span is not valid, if it is not. The offsets and quote
    are the caller's unchecked values (from an import file, say): validate_span checks their types."""
    try:
        spans.validate_span(text, start, end, quote)
    except spans.SpanError as exc:
        errors[field] = str(exc)


def _optional_span(
    errors: dict[str, str], field: str, text: str, values: dict[str, Any], prefix: str
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


# Django recomputes TextChoices.values on every access; an import validates 100,000 rows.
# Tuples, not sets: a value from a file may be unhashable (a list), and must be refused, not crash.
_STANCES = tuple(Stance.values)
_CERTAINTIES = tuple(Certainty.values)
_SOURCE_KINDS = tuple(SourceKind.values)


def annotation_validate(article: Article, values: dict[str, Any]) -> None:
    """Check one annotation's values against the article; raise ValidationError naming each problem."""
    errors: dict[str, str] = {}
    _check_span(
        errors, "quote", article.text, values.get("start"), values.get("end"), values.get("quote")
    )
    if values.get("stance") not in _STANCES:
        errors["stance"] = (
            f"Unknown stance {values.get('stance')!r}: use one of {', '.join(Stance.values)}."
        )
    if values.get("certainty") not in _CERTAINTIES:
        errors["certainty"] = (
            f"Unknown certainty {values.get('certainty')!r}: use one of {', '.join(Certainty.values)}."
        )
    problem = confidence_problem(values.get("confidence"))
    if problem:
        errors["confidence"] = problem
    kind = values.get("source_kind")
    if kind not in _SOURCE_KINDS:
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


def _insert(
    article: Article, reviewer: User, values: dict[str, Any], by: User | None = None
) -> Annotation:
    """annotation_create's work, for a caller already inside a transaction that has checked
    (progress_for_write) that `reviewer` may still write on `article`; recorded as `by`'s."""
    sources.copy_picked(values)
    annotation_validate(article, values)
    sources.attach(article, values)
    _refuse_duplicate(article.pk, reviewer.pk, values)
    agreement_stale([article.pk])
    try:
        annotation = Annotation.objects.create(article=article, reviewer=reviewer, **values)
    except IntegrityError as exc:  # the transaction is rolled back as this leaves it
        if not _duplicate_race(exc):
            raise
        # PostgreSQL takes no query in the failed transaction: the other one goes unnamed.
        raise DuplicateAnnotation(None) from exc
    claims_stale([(annotation.claim_id, reviewer.pk)])
    history.record(annotation, EventKind.CREATE, by or reviewer)
    return annotation


def _apply(current: Annotation, changes: dict[str, Any], user: User) -> Annotation:
    """annotation_update's work on the locked, checked row (see annotation_lock_for_edit),
    recorded in the history as `user`'s edit."""
    before = history.snapshot(current)
    # Fields not being changed are read from the row; reading a changed claim or actor would cost
    # a query for nothing.
    values = {f: changes[f] if f in changes else getattr(current, f) for f in ANNOTATION_FIELDS}
    # The source follows the source fields (sources.attach) unless one is picked: an unnamed
    # source keeps its kind and affiliation unless the change gives them.
    values["source"] = changes.get("source")
    kept = current.source if current.source_id else None
    values["source_unnamed_kind"] = changes.get(
        "source_unnamed_kind", kept.unnamed_kind if kept else ""
    )
    values["source_affiliation"] = changes.get(
        "source_affiliation", kept.affiliation if kept else None
    )
    for prefix in ("source", "cue"):
        # Moving an optional span without sending its quote re-derives the quote from the text.
        moved = f"{prefix}_start" in changes or f"{prefix}_end" in changes
        if moved and f"{prefix}_quote" not in changes:
            values[f"{prefix}_quote"] = ""
    sources.copy_picked(values)
    annotation_validate(current.article, values)
    sources.attach(current.article, values)
    _refuse_duplicate(current.article_id, current.reviewer_id, values, pk=current.pk)
    changed = any(_stored(current, f) != _stored_value(values[f]) for f in ANNOTATION_FIELDS)
    # Stale in the order every write takes them (the article's agreement, then the claims), so
    # concurrent writers wait for each other instead of deadlocking.
    tallied = [(c, current.reviewer_id) for c in (current.claim_id, _stored_value(values["claim"]))]
    for field, value in values.items():
        setattr(current, field, value)
    if changed:
        _send_back_for_review(current)
    current.version = current.version + 1
    agreement_stale([current.article_id])
    claims_stale(tallied)
    current.save()
    history.record(current, EventKind.EDIT, user, before=before)
    return current


def _stored(annotation: Annotation, field: str) -> Any:
    """`field`'s stored value: a relation's id (reading the related row would cost a query)."""
    return getattr(annotation, f"{field}_id" if field in _RELATIONS else field)


_RELATIONS = ("claim", "source", "source_actor")


def _stored_value(value: Any) -> Any:
    return value.pk if hasattr(value, "_meta") else value


REVIEWED = (Status.ACCEPTED, Status.REJECTED)


def _send_back_for_review(annotation: Annotation) -> None:
    """A change to an accepted or rejected annotation makes it pending again and records that it
    changed after review, and what the verdict was; the curator, comment and review time stay, so
    the reviewer still sees the feedback and the curator who gave it. Unreviewed: nothing."""
    if annotation.status in REVIEWED:
        annotation.verdict_before_change = annotation.status
        annotation.status = Status.PENDING
        annotation.changed_after_review = True


@transaction.atomic
def annotation_create(
    *,
    article: Article,
    reviewer: User,
    claim: Claim,
    start: int,
    end: int,
    quote: str,
    stance: str,
    confidence: int,
    source_kind: str = SourceKind.AUTHOR,
    source_actor: Actor | None = None,
    source_description: str = "",
    source: Source | None = None,
    source_unnamed_kind: str = "",
    source_affiliation: Actor | None = None,
    source_start: int | None = None,
    source_end: int | None = None,
    source_quote: str = "",
    cue_start: int | None = None,
    cue_end: int | None = None,
    cue_quote: str = "",
    certainty: str = Certainty.UNSPECIFIED,
    note: str = "",
    by: User | None = None,
) -> Annotation:
    """Record one attribution after checking its spans against the article text and its labels.

    The source is `source` (one of the article's, see services.sources), or the one the source_*
    values name, found or created with an unnamed source's kind and affiliation. `by` is who
    records it (the admin: a staff member), `reviewer` by default; raises
    permissions.AnnotationsFinal when that is the reviewer and blind mode made their work final.
    """
    values = {k: v for k, v in locals().items() if k in (*ANNOTATION_FIELDS, *SOURCE_EXTRAS)}
    if by is None or by.pk == reviewer.pk:
        progress_for_write(article=article, reviewer=reviewer)
    else:
        progress_touch(article=article, reviewer=reviewer)
    return _insert(article, reviewer, values, by)


def annotation_lock_for_edit(
    *, annotation: Annotation, user: User, version: int | None, force: bool = False
) -> Annotation:
    """The stored row, locked until the transaction ends, once `user` may edit it at `version`.

    Raises PermissionDenied (not theirs: only the reviewer, or staff in the admin; AnnotationsFinal
    when blind mode made the reviewer's work on the article final), ValidationError
    (deleted, or no `version` given) or StaleEdit (changed since `version`, unless `force`). Every edit starts here; the
    admin form calls it while validating, so a refusal shows on the form and the row stays as
    checked until the admin saves it. Call it inside a transaction.
    """
    # The related rows the history labels come along (history.RELATED), but only the annotation and
    # its article are locked, as before: locking a claim or an actor would queue unrelated edits.
    locked = Annotation.objects.select_for_update(of=("self", "article")).select_related(
        "article", *history.RELATED, "source__actor", "source__affiliation"
    )
    current = with_reviewer_done(locked).get(pk=annotation.pk)
    if current.source is not None:
        current.source.article = current.article  # the author's label reads it (the history's)
    if not (can_change_annotation(user, current) or can_manage_annotations(user)):
        raise PermissionDenied("You can change only your own annotations.")
    check_annotation_not_final(user, current)
    if current.deleted_at is not None:
        raise ValidationError("This annotation was deleted: restore it before editing.")
    if version is None and not force:  # without it, a stale edit would overwrite unseen
        raise ValidationError(
            "This edit does not say which version of the annotation it started from: reload the "
            "article and edit again."
        )
    if version != current.version and not force:
        raise StaleEdit(current)
    return current


@transaction.atomic
def annotation_update(
    *,
    annotation: Annotation,
    user: User,
    version: int | None,
    force: bool = False,
    **changes: Any,
) -> Annotation:
    """Apply `changes` if `user` owns the annotation and `version` is still current.

    A stale `version` raises StaleEdit (carrying the current row) and changes nothing; `force=True`
    overwrites after the user has seen the conflict.
    """
    unknown = set(changes) - {*ANNOTATION_FIELDS, *SOURCE_EXTRAS}
    if unknown:
        raise ValidationError(f"Unknown annotation field(s): {', '.join(sorted(unknown))}.")
    current = annotation_lock_for_edit(
        annotation=annotation, user=user, version=version, force=force
    )
    return _apply(current, changes, user)


def _resolved(
    article: Article, values: AnnotationInput, new_actors: Iterable[NewActor] | None
) -> dict[str, Any]:
    """`values` as annotation fields: actors (services.actors.actors_resolve: new ones only as
    `new_actors` confirms them) and the claim looked up by name, or created; the source picked
    ("same source as …"), or the typed one's kind and affiliation for sources.attach."""
    names = {"subject": values["subject"], "object": values["object"]}
    picked = None
    picked_id = values.get("same_source")
    if picked_id:
        picked = (
            Source.objects.filter(pk=picked_id, article=article)
            .select_related("actor", "affiliation")
            .first()
        )
        if picked is None:
            raise ValidationError(
                {"same_source": "That source is not on this article any more: pick another or "
                 "type the source."}
            )  # fmt: skip
    kind = picked.kind if picked else values["source_kind"]
    if kind == SourceKind.NAMED and picked is None:
        names["source"] = values.get("source", "")
    affiliation = " ".join(values.get("source_affiliation", "").split())
    if kind == SourceKind.UNNAMED and picked is None and affiliation:
        names["source_affiliation"] = affiliation
    actors = actors_resolve(names=names, new=new_actors)
    claim, _ = claim_get_or_create(
        subject=actors["subject"],
        relation=values["relation"],
        object=actors["object"],
        text=values.get("claim_text", ""),
    )
    unnamed = kind == SourceKind.UNNAMED
    return {
        "claim": claim,
        "source": picked,
        "source_unnamed_kind": values.get("source_unnamed_kind", "") if unnamed else "",
        "source_affiliation": actors.get("source_affiliation"),
        "start": values["start"],
        "end": values["end"],
        "quote": values["quote"],
        "source_kind": kind,
        # A picked source's own kind, actor and description replace these (sources.copy_picked).
        "source_actor": actors.get("source"),
        "source_description": " ".join(values.get("source", "").split()) if unnamed else "",
        "stance": values["stance"],
        "certainty": values.get("certainty", Certainty.UNSPECIFIED),
        "confidence": values["confidence"],
        "note": values.get("note", "").strip(),
        **{field: values.get(field) for field in SPAN_FIELDS},
        "source_quote": values.get("source_quote", ""),
        "cue_quote": values.get("cue_quote", ""),
    }


@transaction.atomic
def annotation_save(
    *,
    article: Article,
    reviewer: User,
    values: AnnotationInput,
    annotation: Annotation | None = None,
    version: int | None = None,
    new_actors: Iterable[NewActor] | None = None,
) -> Annotation:
    """Save what a reviewer typed: a new annotation on `article`, or an edit of `annotation`.

    `new_actors` are the names the reviewer confirmed as new actors (with kind and affiliation);
    given, any other name that matches no actor or alias raises UnknownActors and saves nothing
    (None: such names are created unasked, see actors_resolve).

    Actors and the claim named in `values` are looked up (names and aliases) or created, then the
    annotation is created, or updated if `version` is still current; all or nothing, so a refused
    save leaves no new actor or claim behind. Raises ValidationError keyed by "subject", "object"
    or "source" for an unusable name and by annotation_validate's keys otherwise, StaleEdit, and
    PermissionDenied when `annotation` is not `reviewer`'s (AnnotationsFinal when blind mode made
    the reviewer's work on the article final).
    """
    if annotation is None:
        # Checked before resolving names, so a refused save creates nothing.
        progress_for_write(article=article, reviewer=reviewer)
        return _insert(article, reviewer, _resolved(article, values, new_actors))
    # Checked before resolving names, so a refused edit creates nothing, not even for a moment.
    current = annotation_lock_for_edit(annotation=annotation, user=reviewer, version=version)
    return _apply(current, _resolved(current.article, values, new_actors), reviewer)


def _set_deleted(annotation: Annotation, user: User, *, deleted: bool) -> Annotation:
    current = with_reviewer_done(Annotation.objects.select_for_update()).get(pk=annotation.pk)
    if not can_change_annotation(user, current):
        verb = "delete" if deleted else "restore"
        raise PermissionDenied(f"You can {verb} only your own annotations.")
    check_annotation_not_final(user, current)
    if (current.deleted_at is not None) != deleted:
        if not deleted:  # restoring must not make a second live copy
            same: dict[str, Any] = {"start": current.start, "end": current.end}
            same |= {"claim": current.claim_id, "source": current.source_id}
            _refuse_duplicate(current.article_id, current.reviewer_id, same, pk=current.pk)
        before = history.snapshot(current)
        current.deleted_at = timezone.now() if deleted else None
        agreement_stale([current.article_id])
        claims_stale([(current.claim_id, current.reviewer_id)])
        current.version = F("version") + 1
        if deleted:  # deleting a verdict's subject is a change after review too
            _send_back_for_review(current)
        fields = ["deleted_at", "version", "updated_at"]
        current.save(update_fields=[*fields, "status", *_AFTER_REVIEW])
        current.refresh_from_db()
        history.record(
            current, EventKind.DELETE if deleted else EventKind.RESTORE, user, before=before
        )
    return current


@transaction.atomic
def annotation_delete(*, annotation: Annotation, user: User) -> Annotation:
    """Soft-delete: the row stays recoverable from 'recently deleted' until restored."""
    return _set_deleted(annotation, user, deleted=True)


@transaction.atomic
def annotation_restore(*, annotation: Annotation, user: User) -> Annotation:
    """Undo a soft delete."""
    return _set_deleted(annotation, user, deleted=False)


_AFTER_REVIEW = ("changed_after_review", "verdict_before_change")


class StaleReview(ValidationError):
    """The annotation changed since the curator saw it; the verdict is not recorded."""

    def __init__(self, current: Annotation):
        self.current = current
        super().__init__(
            f"This annotation changed since you saw it (now version {current.version}): "
            "reload to see the current version, then accept or reject it again.",
            code="stale",
        )


def _review_fields(curator: User, status: str, comment: str) -> dict[str, Any]:
    """What a review writes, once `curator` may review and `status` is known."""
    if not is_curator(curator):
        raise PermissionDenied("Only curators and staff can accept or reject annotations.")
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}: use one of {Status.values}."})
    pending = status == Status.PENDING
    return {
        "status": status,
        "curator": None if pending else curator,
        "curator_comment": comment.strip(),
        "reviewed_at": None if pending else timezone.now(),
        # A verdict is a review of the change; setting pending leaves the record as it was.
        **({} if pending else {"changed_after_review": False, "verdict_before_change": ""}),
    }


@transaction.atomic
def annotation_review(
    *,
    annotation: Annotation,
    curator: User,
    status: str,
    comment: str = "",
    version: int | None = None,
) -> Annotation:
    """A curator accepts or rejects (or resets to pending) an annotation, with an optional comment.

    Versioned like an edit: `version` is the one the curator saw; if the annotation changed since,
    StaleReview is raised and nothing is recorded (None: not checked, for the admin, which checks
    the version itself). A verdict bumps the version, so an edit opened before it is stale.
    """
    fields = _review_fields(curator, status, comment)
    locked = Annotation.objects.select_for_update(of=("self",)).select_related("curator")
    current = locked.get(pk=annotation.pk)
    if version is not None and version != current.version:
        raise StaleReview(current)
    before = history.snapshot(current)
    for field, value in fields.items():
        setattr(current, field, value)
    current.version = current.version + 1  # the row is locked
    current.save(update_fields=[*fields, "version"])
    claims_stale([(current.claim_id, current.reviewer_id)])  # "Accepted only" counts verdicts
    history.record(current, history.review_kind(status), curator, before=before)
    return current


def _locked_snapshots(**lookups: Any) -> dict[int, history.Snapshot]:
    """The history snapshots of the annotations `lookups` match, locked until the transaction
    ends, by id: a bulk update then changes exactly those."""
    rows = Annotation.objects.select_for_update(of=("self",)).select_related(*history.RELATED)
    return {a.pk: history.snapshot(a) for a in rows.filter(**lookups)}


def _record_bulk(befores: dict[int, history.Snapshot], kind: str, user: User) -> None:
    """After a bulk update of the rows in `befores`: one event per row that changed."""
    after = Annotation.objects.select_related(*history.RELATED).filter(pk__in=list(befores))
    history.record_many(((a, befores[a.pk]) for a in after), kind, user)


@transaction.atomic
def annotations_review_bulk(
    *, annotation_ids: Iterable[int], curator: User, status: str, comment: str = ""
) -> int:
    """Accept or reject many annotations at once (admin action); all or nothing."""
    fields = _review_fields(curator, status, comment)
    befores = _locked_snapshots(pk__in=list(annotation_ids))
    rows = Annotation.objects.filter(pk__in=list(befores))
    count = rows.update(**fields, version=F("version") + 1)
    claims_stale(rows.values_list("claim_id", "reviewer_id"))  # "Accepted only" counts verdicts
    _record_bulk(befores, history.review_kind(status), curator)
    return count


@transaction.atomic
def annotations_set_deleted_bulk(
    *, annotation_ids: Iterable[int], user: User, deleted: bool
) -> int:
    """Soft-delete (or restore) many annotations at once: the admin's delete, recoverable.

    Staff only (it is an admin action). Bumps each version, so an editor open on one of them gets a
    stale-edit warning instead of silently reviving or overwriting it. Returns how many changed.
    """
    if not can_manage_annotations(user):
        raise PermissionDenied("Only staff can delete or restore other people's annotations.")
    befores = _locked_snapshots(pk__in=list(annotation_ids), deleted_at__isnull=deleted)
    rows = Annotation.objects.filter(pk__in=list(befores))
    if deleted:  # recorded as a change after review, as a reviewer's own delete is
        rows.filter(status__in=REVIEWED).update(
            verdict_before_change=F("status"), status=Status.PENDING, changed_after_review=True
        )
    changed = list(rows.values_list("article_id", "claim_id", "reviewer_id"))  # read once
    agreement_stale(article for article, _, _ in changed)
    claims_stale((claim, reviewer) for _, claim, reviewer in changed)
    try:
        with transaction.atomic():  # a savepoint: the refusal below is a clean rollback
            count = rows.update(
                deleted_at=timezone.now() if deleted else None,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
    except IntegrityError as exc:
        if not _duplicate_race(exc):
            raise
        raise ValidationError(
            "Some of these are copies of annotations that are live (or of each other): restoring "
            "them would record the same words, claim and source twice for one reviewer. Restore "
            "them one at a time, or delete the live copies first."
        ) from exc
    _record_bulk(befores, EventKind.DELETE if deleted else EventKind.RESTORE, user)
    return count
