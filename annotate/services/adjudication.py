"""Curators' decisions on a cluster of versions (the adjudication view): accept one, reject one,
accept all when they agree, and accept every unanimous cluster of an article at once.

Each is one transaction over rows locked first, and goes through annotation_review (or its bulk
form), so verdicts are versioned and recorded in the history exactly as a single review is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from annotate import adjudication
from annotate.models import Annotation, Article, Status
from annotate.permissions import is_curator
from annotate.services import history
from annotate.services.annotations import (
    ANNOTATION_FIELDS,
    StaleReview,
    _insert,
    annotation_review,
    annotations_review_bulk,
)
from annotate.services.articles import progress_for_write

ACTIONS = ("accept", "reject", "accept_all")


def _check_curator(user: User) -> None:
    if not is_curator(user):
        raise PermissionDenied("Only curators and staff can adjudicate.")


def _locked_versions(article: Article, seen: Mapping[int, int]) -> list[Annotation]:
    """The versions the curator saw, locked; StaleReview if any changed, went or moved since."""
    rows = Annotation.objects.select_for_update(of=("self",)).filter(pk__in=list(seen))
    found = {a.pk: a for a in rows}
    for pk, version in seen.items():
        current = found.get(pk)
        if current is None or current.article_id != article.pk:
            raise ValidationError(f"Annotation {pk} is not on this article.", code="invalid")
        if current.deleted_at is not None or current.version != version:
            raise StaleReview(current)
    return [found[pk] for pk in seen]


@transaction.atomic
def cluster_decide(
    *,
    curator: User,
    article: Article,
    action: str,
    seen: Mapping[int, int],
    target_id: int | None = None,
    reject_others: bool = False,
    comment: str = "",
) -> list[Annotation]:
    """Apply one decision to the versions of a cluster as the curator saw them (`seen`: id →
    version). "accept" accepts `target_id` (and with `reject_others` rejects the other versions),
    "reject" rejects it, "accept_all" accepts every version, which must agree on every field.
    `comment` goes with every verdict of the click. Returns the annotations as decided."""
    _check_curator(curator)
    if action not in ACTIONS:
        raise ValidationError(f"Unknown action {action!r}: use one of {', '.join(ACTIONS)}.")
    versions = _locked_versions(article, seen)
    if action == "accept_all":
        if not adjudication.is_unanimous(versions):
            raise ValidationError(
                "These versions do not all agree: accept one of them instead.", code="differ"
            )
        verdicts = {a.pk: Status.ACCEPTED for a in versions}
    else:
        if target_id is None or target_id not in seen:
            raise ValidationError("Choose which version to decide on.", code="required")
        verdicts = {target_id: Status.ACCEPTED if action == "accept" else Status.REJECTED}
        if action == "accept" and reject_others:
            verdicts |= {a.pk: Status.REJECTED for a in versions if a.pk != target_id}
    return [
        annotation_review(
            annotation=a, curator=curator, status=verdicts[a.pk], comment=comment, version=a.version
        )
        for a in versions
        if a.pk in verdicts
    ]


@transaction.atomic
def accept_unanimous(*, curator: User, article: Article) -> tuple[int, int]:
    """Accept every cluster of `article` whose versions agree on every field (two reviewers at
    least, one version each). A cluster with a rejected version is left alone: a curator's "no"
    stands until a curator changes it. Returns (clusters accepted, annotations accepted)."""
    _check_curator(curator)
    list(
        Annotation.objects.select_for_update(of=("self",))
        .filter(article=article, deleted_at__isnull=True)
        .values_list("pk", flat=True)
    )
    pending: list[int] = []
    accepted_clusters = 0
    for cluster in adjudication.article_clusters(article):
        statuses = {a.status for a in cluster.versions}
        if not cluster.unanimous or Status.REJECTED in statuses or statuses == {Status.ACCEPTED}:
            continue
        accepted_clusters += 1
        pending += [a.pk for a in cluster.versions if a.status == Status.PENDING]
    if pending:
        annotations_review_bulk(annotation_ids=pending, curator=curator, status=Status.ACCEPTED)
    return accepted_clusters, len(pending)


@transaction.atomic
def curated_copy(*, curator: User, annotation: Annotation) -> Annotation:
    """A curator takes a reviewer's version as a *curated copy* to edit: a new annotation of the
    curator's own, with every field of the original, pending, pointing at it (`curated_from`).

    The original keeps its verdict (the curator usually rejects it, or the others, once the copy
    is edited and accepted: the copy is one more version of the same passage). A copy is no
    reviewer's own judgement, so agreement leaves it out.
    """
    _check_curator(curator)
    original = (
        Annotation.objects.select_for_update(of=("self",))
        .select_related("article", *history.RELATED)
        .get(pk=annotation.pk)
    )
    if original.deleted_at is not None:
        raise ValidationError("That version was deleted: reload the page.", code="gone")
    if original.curated_from_id is not None:
        raise ValidationError("That is already a curated copy: edit it instead.", code="copy")
    values = {field: getattr(original, field) for field in ANNOTATION_FIELDS}
    progress_for_write(article=original.article, reviewer=curator)
    return _insert(original.article, curator, {**values, "curated_from": original})
