"""Export filters: what the caller asked for, validated and turned into two ordered querysets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from annotate import adjudication
from annotate.models import Actor, Annotation, Article, Claim, Source, Status
from annotate.permissions import Visibility


class ExportError(RuntimeError):
    """The stored data breaks an export invariant (a span that does not match its article text)."""


@dataclass
class ExportFilters:
    """Which annotations to export. Empty/None means no restriction on that axis."""

    statuses: list[str] | None = None
    reviewer_usernames: list[str] | None = None
    article_ids: list[int] | None = None
    include_text: bool = True
    # Who asks, on /export/: their Visibility decides which annotations, claims and actors the
    # export may hold. None (the management command, the admin action) means everything.
    viewer: Visibility | None = None
    # One record per distinct accepted version of each passage (a training set): accepted only,
    # and of several reviewers' identical accepted versions only the first (lowest id).
    per_cluster: bool = False


@dataclass
class ExportStats:
    """Filled in while a generator runs, for the command's summary line."""

    annotations: int = 0
    articles: int = 0
    bytes: int = 0


@dataclass
class Plan:
    """Validated filters turned into querysets."""

    annotations: Any
    articles: Any
    claims: Any
    actors: Any
    # The sources the exported annotations name (entities of their articles).
    sources: Any
    include_text: bool
    reviewer_ids: list[int] = field(default_factory=list)
    # Annotations the rows leave out although the query holds them (per_cluster's copies).
    skip_ids: frozenset[int] = frozenset()


def validate_filters(filters: ExportFilters) -> Plan:
    """Resolve the filters into querysets; raise ValidationError naming every unknown value."""
    errors: dict[str, str] = {}
    viewer = filters.viewer
    annotations = viewer.exportable_annotations() if viewer else Annotation.objects.live()
    if filters.statuses:
        unknown = sorted(set(filters.statuses) - set(Status.values))
        if unknown:
            errors["statuses"] = (
                f"Unknown status {', '.join(map(repr, unknown))}: use one of "
                f"{', '.join(Status.values)}."
            )
        annotations = annotations.filter(status__in=filters.statuses)
    reviewer_ids: list[int] = []
    if filters.reviewer_usernames:
        User = get_user_model()
        wanted = set(filters.reviewer_usernames)
        found = dict(
            User.objects.filter(**{f"{User.USERNAME_FIELD}__in": wanted}).values_list(
                User.USERNAME_FIELD, "pk"
            )
        )
        unknown = sorted(wanted - set(found))
        if unknown:
            errors["reviewer_usernames"] = (
                f"Unknown reviewer {', '.join(map(repr, unknown))}: check the username."
            )
        reviewer_ids = list(found.values())
        annotations = annotations.filter(reviewer_id__in=reviewer_ids)
    if filters.article_ids:
        ids = set()
        for value in filters.article_ids:
            if isinstance(value, bool) or not isinstance(value, int):
                errors["article_ids"] = f"Article id {value!r} is not a whole number."
                break
            ids.add(value)
        else:
            known = set(Article.objects.filter(id__in=ids).values_list("id", flat=True))
            unknown_ids = sorted(ids - known)
            if unknown_ids:
                errors["article_ids"] = (
                    f"Unknown article id {', '.join(map(str, unknown_ids))}: "
                    "check the ids in the article list."
                )
        annotations = annotations.filter(article_id__in=ids)
        articles = Article.objects.filter(id__in=ids)
    else:
        # Without an explicit article list, export the articles that have something to export.
        articles = Article.objects.filter(id__in=annotations.values("article_id"))
    skip_ids: frozenset[int] = frozenset()
    if filters.per_cluster:
        if filters.statuses and set(filters.statuses) != {Status.ACCEPTED}:
            errors["statuses"] = (
                "One record per cluster is the accepted version: leave out --status, or ask for "
                "accepted only."
            )
        annotations = annotations.filter(status=Status.ACCEPTED)
        if not errors:
            skip_ids = frozenset(adjudication.duplicate_versions(annotations))
    if errors:
        raise ValidationError(errors)
    return Plan(
        annotations=annotations.order_by("article_id", "start", "-end", "id"),
        articles=articles.order_by("id"),
        claims=viewer.export_claims(annotations) if viewer else Claim.objects.all(),
        actors=viewer.export_actors(annotations) if viewer else Actor.objects.all(),
        sources=Source.objects.filter(pk__in=annotations.values("source_id")),
        include_text=filters.include_text,
        reviewer_ids=reviewer_ids,
        skip_ids=skip_ids,
    )
