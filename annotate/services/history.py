"""The history of annotations: one AnnotationEvent per change, written with the change.

Every service that changes an annotation takes a `snapshot()` of the row it locked, changes it,
and calls `record()` (or `record_many()` for bulk writes) in the same transaction: the event is
one INSERT, and it rolls back with a refused write. No signals: the services are the only writers,
so they know who made the change and what kind of change it was.

Why our own table rather than django-simple-history: that library writes a full copy of the row
from a post_save signal, and so misses the writes that matter most here, which are
`QuerySet.update()` (bulk review, bulk soft delete) and the restore's raw bulk INSERT/COPY of
100,000 rows; it would copy the whole row (quotes and all) on every review, and it knows no
"kind" beyond created/changed/deleted, where a soft delete is an update and accept/reject/restore
are what a curator needs to read. Our events store only the changed fields, before and after,
with the related rows' labels as they read at the time.

Which fields are recorded is derived from the model (every concrete field but the bookkeeping ones
in UNTRACKED), so a field added or replaced later, such as a source entity instead of the three
source_* columns, is recorded without touching this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst

from annotate.models import Annotation, AnnotationEvent, EventKind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: Columns that change with every write or never change: not worth a line in the history (the
#: event's own `at` and `version` say when and which version). `curated_from` is set once, when a
#: curator makes a copy, and never changes.
UNTRACKED = frozenset(
    {
        "id",
        "article",
        "reviewer",
        "version",
        "created_at",
        "updated_at",
        "reviewed_at",
        "curated_from",
    }
)
TRACKED: tuple[models.Field[Any, Any], ...] = tuple(
    f for f in Annotation._meta.concrete_fields if f.name not in UNTRACKED
)
_BY_NAME = {f.name: f for f in TRACKED}
#: The related rows whose labels the history shows: a service that changes one loads it with the
#: row it locks (select_related), so recording costs no query beyond the event's INSERT.
RELATED = tuple(f.name for f in TRACKED if f.is_relation)

Snapshot = dict[str, Any]


def _label(field: models.Field[Any, Any], instance: models.Model) -> str | None:
    """The related row's label, if it is already loaded (reading it would cost a query)."""
    if field.is_cached(instance):  # type: ignore[attr-defined]  # a ForeignKey's
        related = getattr(instance, field.name)
        return None if related is None else str(related)
    return None


def _value(field: models.Field[Any, Any], instance: models.Model) -> Any:
    value = getattr(instance, field.attname)
    if field.is_relation:
        return None if value is None else {"id": value, "label": _label(field, instance)}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def snapshot(annotation: Annotation) -> Snapshot:
    """The tracked fields of `annotation` as the history stores them: take it before a change."""
    return {f.name: _value(f, annotation) for f in TRACKED}


def _fill_labels(changes: dict[str, list[Any]]) -> None:
    """Look up the labels a snapshot could not read from loaded rows (one query per model; the
    services load what they change, so this runs only for callers that did not)."""
    for name, pair in changes.items():
        field = _BY_NAME.get(name)
        missing = [v for v in pair if isinstance(v, dict) and v.get("label") is None]
        if field is None or not missing:
            continue
        related = field.related_model
        assert isinstance(related, type)
        rows = related._default_manager.in_bulk([v["id"] for v in missing])
        for v in missing:
            v["label"] = str(rows[v["id"]]) if v["id"] in rows else f"#{v['id']} (gone)"


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, dict) and isinstance(after, dict):
        return bool(before["id"] == after["id"])
    return bool(before == after)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def changes_between(before: Snapshot | None, after: Snapshot) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that differ; when `before` is None (a creation),
    every field that is set (not null, not empty)."""
    if before is None:
        changes = {name: [None, value] for name, value in after.items() if not _empty(value)}
    else:
        changes = {
            name: [before.get(name), value]
            for name, value in after.items()
            if not _same(before.get(name), value)
        }
    _fill_labels(changes)
    return changes


def _event(
    annotation: Annotation,
    kind: str,
    user: User | None,
    before: Snapshot | None,
    at: datetime,
) -> AnnotationEvent | None:
    changes = changes_between(before, snapshot(annotation))
    if before is not None and not changes:
        return None  # a save that changed nothing is not a change
    version = annotation.version
    if not isinstance(version, int):
        raise TypeError("Record the event after the annotation's version is read back.")
    return AnnotationEvent(
        annotation=annotation, kind=kind, user=user, at=at, version=version, changes=changes
    )


def record(
    annotation: Annotation,
    kind: EventKind | str,
    user: User | None,
    *,
    before: Snapshot | None = None,
) -> AnnotationEvent | None:
    """Record what changed in `annotation` since `before` (its snapshot() before the change; None
    for a new annotation) as a `kind` event by `user`: one INSERT, inside the caller's transaction.

    Nothing is recorded when no tracked field changed.
    """
    event = _event(annotation, kind, user, before, timezone.now())
    if event is not None:
        event.save(force_insert=True)
    return event


def record_many(
    changed: Iterable[tuple[Annotation, Snapshot | None]],
    kind: EventKind | str,
    user: User | None,
) -> list[AnnotationEvent]:
    """record() for many annotations at once (bulk actions): (annotation, before) pairs, one
    bulk INSERT."""
    at = timezone.now()
    events = [_event(a, kind, user, before, at) for a, before in changed]
    return AnnotationEvent.objects.bulk_create([e for e in events if e is not None], batch_size=500)


def creations(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """The changes of a creation for each of `rows`, plain values in `columns` order (field
    names) as a bulk insert writes them: what changes_between(None, …) says of a saved row, with
    the related rows labelled in one query per related model for all rows (services.restore)."""
    positions = [(f, columns.index(f.name)) for f in TRACKED if f.name in columns]
    labels: dict[str, dict[Any, str]] = {}
    for field, i in positions:
        if field.is_relation:
            ids = sorted({row[i] for row in rows if row[i] is not None})
            related = field.related_model
            assert isinstance(related, type)
            found: dict[Any, str] = {}
            for start in range(0, len(ids), 500):
                chunk = related._default_manager.in_bulk(ids[start : start + 500])
                found.update((pk, str(obj)) for pk, obj in chunk.items())
            labels[field.name] = found
    plain = [(f.name, i) for f, i in positions if not f.is_relation]
    related_at = [(f.name, i, labels[f.name]) for f, i in positions if f.is_relation]
    for row in rows:
        changes: dict[str, Any] = {}
        for name, i in plain:
            value = row[i]
            if value is not None and value != "":
                changes[name] = [None, value.isoformat() if isinstance(value, datetime) else value]
        for name, i, found in related_at:
            value = row[i]
            if value is not None:
                changes[name] = [None, {"id": value, "label": found.get(value)}]
        yield changes


def review_kind(status: str) -> EventKind:
    """The event a verdict records: accept, reject, or back to pending."""
    return {"accepted": EventKind.ACCEPT, "rejected": EventKind.REJECT}.get(
        status, EventKind.PENDING
    )


# ---------------------------------------------------------------- reading it back


@dataclass(frozen=True)
class FieldChange:
    """One line of an event, as people read it: labels, not ids or codes (not escaped yet)."""

    field: str
    before: str
    after: str


def _field_label(name: str) -> str:
    field = _BY_NAME.get(name)
    return (
        capfirst(str(field.verbose_name)) if field is not None else capfirst(name.replace("_", " "))
    )


def readable(name: str, value: Any) -> str:
    """A stored value as text: a related row's label, a choice's label, yes/no, a local time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return str(value.get("label") or f"#{value.get('id')}")
    if isinstance(value, bool):
        return "yes" if value else "no"
    field = _BY_NAME.get(name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M:%S %Z")
    return str(value)


def describe(event: AnnotationEvent) -> list[FieldChange]:
    """The event's changes in the model's field order, readable. A creation or import lists only
    the fields it set (no empty ones, no false flags)."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    order = {f.name: i for i, f in enumerate(TRACKED)}
    out = []
    for name in sorted(changes, key=lambda n: (order.get(n, len(order)), n)):
        pair = changes[name]
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        creation = event.kind in (EventKind.CREATE, EventKind.IMPORT)
        if creation and before is None and (after is None or after == "" or after is False):
            continue
        out.append(FieldChange(_field_label(name), readable(name, before), readable(name, after)))
    return out
