"""Reads behind the reviewer workspace: the page's annotations and what a save changes on it.

Kept out of the views (which parse, call these and render) beside annotate.claims, which does the
same for the claims pages. Who may see what comes from annotate.permissions' ReaderState; every
function here runs a fixed number of queries, whatever the number of annotations.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from annotate import rendering
from annotate.models import Annotation, AnnotationQuerySet, Article
from annotate.permissions import ReaderState

RECENTLY_DELETED = 10
RECENT_ACTORS = 9  # one key each, 1–9, in the new-annotation form
RECENT_FIELDS = (
    "claim__subject__name",
    "claim__relation__slug",
    "claim__object__name",
    "claim__text",
    "source_kind",
    "source_actor__name",
    "source_description",
    "stance",
    "certainty",
)


@dataclass(frozen=True)
class Page:
    """The annotations the workspace shows: mine and (when shown) the others', in text order."""

    rows: list[rendering.AnnotationRow]
    mine: list[rendering.AnnotationRow]
    others_by_reviewer: list[tuple[str, list[rendering.AnnotationRow]]]
    deleted: list[Annotation]

    @property
    def others_count(self) -> int:
        return sum(len(items) for _, items in self.others_by_reviewer)


def shows_others(state: ReaderState, *, asked: bool, focus_id: int | None = None) -> bool:
    """Whether the page shows other reviewers' work: asked for (`others=1`) and allowed, or a deep
    link to one of theirs (`?annotation=`), so that its span is visible (one query then)."""
    if not state.may_see_others:
        return False
    if asked or not focus_id:
        return asked
    others = state.annotations(others=True).exclude(reviewer=state.visibility.user)
    return others.filter(pk=focus_id).exists()


def page(state: ReaderState, *, show_others: bool) -> Page:
    """The workspace's annotations and my recently deleted ones (two queries)."""
    me = state.visibility.user.pk
    rows = rendering.rows(state.annotations(others=show_others).in_text_order())
    groups: dict[str, list[rendering.AnnotationRow]] = {}
    for row in rows:
        if row.reviewer_id != me:
            groups.setdefault(row.reviewer_name, []).append(row)
    deleted = list(
        Annotation.objects.deleted()
        .filter(article=state.article, reviewer_id=me)
        .select_related("claim")
        .order_by("-deleted_at")[:RECENTLY_DELETED]
    )
    return Page(
        rows=rows,
        mine=[row for row in rows if row.reviewer_id == me],
        others_by_reviewer=sorted(groups.items()),
        deleted=deleted,
    )


@dataclass(frozen=True)
class SaveSwaps:
    """What one save changed on the page: the text chunks it touched and the list's neighbours."""

    windows: list[tuple[int, int]]  # stretches of whole chunks (rendering.chunk_windows)
    rows: list[rendering.AnnotationRow]  # every shown annotation in those stretches
    saved: rendering.AnnotationRow
    mine_count: int
    next_id: int | None  # the next of mine in text order: the saved item goes before it


def save_swaps(
    article: Article,
    annotation: Annotation,
    *,
    shown: AnnotationQuerySet,
    mine: AnnotationQuerySet,
    was: tuple[int, int] | None = None,
) -> SaveSwaps:
    """The chunks a save touched (at the span, and at its old place `was` after an edit), the
    `shown` annotations in them, how many are `mine` and the next of mine after the saved one
    (three queries)."""
    ranges = [(annotation.start, annotation.end), *([was] if was else [])]
    windows = rendering.chunk_windows(article.text, ranges)
    touching = Q()
    for lo, hi in windows:
        touching |= Q(start__lt=hi, end__gt=lo)
    rows = rendering.rows(shown.filter(touching).in_text_order())
    start, end, pk = annotation.start, annotation.end, annotation.pk
    after = Q(start__gt=start) | Q(start=start, end__lt=end) | Q(start=start, end=end, pk__gt=pk)
    return SaveSwaps(
        windows=windows,
        rows=rows,
        saved=next(row for row in rows if row.id == pk),
        mine_count=mine.count(),
        next_id=mine.filter(after).in_text_order().values_list("pk", flat=True).first(),
    )


def recent(article: Article, user_id: int) -> dict[str, object]:
    """What the new-annotation form offers to save typing (annotate.js, "less typing"):

    `last`, the values of the user's most recently saved annotation on this article (for "repeat
    last claim" and "same claim, other source"), and `actors`, the names used in their latest
    annotations here as subject, object or named source, most recent first, at most nine.
    One query, over the latest 30 annotations.
    """
    rows = list(
        Annotation.objects.live()
        .filter(article=article, reviewer_id=user_id)
        .order_by("-updated_at", "-id")
        .values_list(*RECENT_FIELDS)[:30]
    )
    actors: list[str] = []
    for subject, _, obj, _, _, source, *_ in rows:
        for name in (subject, obj, source):
            if name and name not in actors:
                actors.append(name)
    last = None
    if rows:
        subject, relation, obj, claim_text, kind, source, description, stance, certainty = rows[0]
        last = {
            "subject": subject,
            "relation": relation,
            "object": obj,
            "claim_text": claim_text,
            "source_kind": kind,
            "source": source or description,
            "stance": stance,
            "certainty": certainty,
        }
    return {"last": last, "actors": actors[:RECENT_ACTORS]}
