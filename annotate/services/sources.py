"""Sources as entities of an article: found or created for each annotation written, offered to
the reviewer as "same source as …", and linked in bulk for rows written without the services.

The rule for when two mentions are one source is models.source_identity; this module only applies
it. Every service that writes an annotation calls `attach()` on the values it is about to store,
so the annotation's source and its copied fields (source_kind, source_actor, and an unnamed
source's description) can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Min

from annotate.models import (
    Actor,
    Annotation,
    Article,
    Source,
    SourceKind,
    UnnamedKind,
    entity_label,
    source_identity,
)

if TYPE_CHECKING:
    from annotate.rendering import AnnotationRow

#: Rows per statement when linking many annotations (under SQLite's variable limit).
BATCH = 500


def source_get_or_create(
    *,
    article: Article | int,
    kind: str,
    actor: Actor | None = None,
    unnamed_kind: str = "",
    affiliation: Actor | int | None = None,
    description: str = "",
) -> Source:
    """The article's source with this identity, created if it has none yet (race-safe: the
    identity is unique per article, so a concurrent create is found instead). `affiliation` is an
    actor or its id."""
    article_id = article if isinstance(article, int) else article.pk
    affiliation_id = affiliation.pk if isinstance(affiliation, Actor) else affiliation
    description = " ".join(description.split())
    if kind != SourceKind.UNNAMED:
        unnamed_kind, affiliation_id, description = "", None, ""
    if kind != SourceKind.NAMED:
        actor = None
    actor_id = actor.pk if actor else None
    source, _ = Source.objects.get_or_create(
        article_id=article_id,
        identity=source_identity(kind, actor_id, unnamed_kind, affiliation_id, description),
        defaults={
            "kind": kind,
            "actor_id": actor_id,
            "unnamed_kind": unnamed_kind,
            "affiliation_id": affiliation_id,
            "description": description,
        },
    )
    # What its label reads, when the caller has it: the history labels the source as it writes.
    if not isinstance(article, int):
        source.article = article
    if actor is not None:
        source.actor = actor
    if isinstance(affiliation, Actor) and affiliation_id is not None:
        source.affiliation = affiliation
    return source


def copy_picked(values: dict[str, Any]) -> None:
    """If `values["source"]` names a source (picked as "same source as …"), make the annotation's
    copied source fields its: kind, actor, and an unnamed source's description (a named source's
    description is this mention's role, kept). Call before annotation_validate, which checks them."""
    picked = values.get("source")
    if picked is None:
        return
    values["source_kind"] = picked.kind
    values["source_actor"] = picked.actor if picked.kind == SourceKind.NAMED else None
    if picked.kind == SourceKind.UNNAMED:
        values["source_description"] = picked.description
    elif picked.kind == SourceKind.AUTHOR:
        values["source_description"] = ""


def attach(article: Article, values: dict[str, Any]) -> None:
    """Set `values["source"]` for an annotation about to be written on `article`, and make its
    copied source fields agree with it.

    A source given in `values["source"]` (the reviewer picked "same source as …") must be one of
    this article's (copy_picked has made the copied fields its); otherwise the source is found or
    created from source_kind, source_actor and source_description (and an unnamed source's
    `source_unnamed_kind` and `source_affiliation`, which are not annotation fields and are taken
    out of `values`). Call after annotation_validate.
    """
    unnamed_kind = values.pop("source_unnamed_kind", "") or ""
    affiliation = values.pop("source_affiliation", None)
    picked = values.get("source")
    if picked is not None:
        if picked.article_id != article.pk:
            raise ValidationError({"source_actor": "That source is not one of this article's."})
        picked.article = article  # its label (the author's) reads the article
        return
    if unnamed_kind and unnamed_kind not in UnnamedKind.values:
        raise ValidationError(
            {"source_kind": f"Unknown kind of unnamed source {unnamed_kind!r}: use one of "
             f"{', '.join(UnnamedKind.values)}."}
        )  # fmt: skip
    kind = values["source_kind"]
    values["source"] = source_get_or_create(
        article=article,
        kind=kind,
        actor=values.get("source_actor"),
        unnamed_kind=unnamed_kind,
        affiliation=affiliation,
        description=values.get("source_description", ""),
    )
    if kind == SourceKind.UNNAMED:
        values["source_description"] = values["source"].description


@dataclass(frozen=True)
class OfferedSource:
    """A source the reviewer may pick for a new mention: its label, how often it was marked and
    where in the text its first mention starts."""

    pk: int
    label: str
    kind: str
    mentions: int
    first: int

    @property
    def rank(self) -> tuple[int, int, int]:
        """The order sources are offered in: most mentioned first, then first marked, then by id."""
        return (-self.mentions, self.first, self.pk)


def sources_offered(article: Article, visible: models.QuerySet[Annotation]) -> list[OfferedSource]:
    """The sources of `visible` annotations (what the user may see: permissions.Visibility) on
    `article`, most mentioned first, then first marked (one query, whatever their number).

    Only sources someone visibly used are offered, so blind mode does not reveal another
    reviewer's source through the form."""
    rows = (
        visible.filter(article=article, source__isnull=False)
        .order_by()
        .values_list(
            "source_id",
            "source__kind",
            "source__actor__name",
            "source__description",
            "source__affiliation__name",
        )
        .annotate(n=Count("id"), first=Min("start"))
    )
    return _ranked(article, rows)


def sources_offered_in(article: Article, rows: Iterable[AnnotationRow]) -> list[OfferedSource]:
    """sources_offered from the workspace's rows of the same annotations (no query)."""
    groups: dict[int, list[Any]] = {}
    for row in rows:
        if row.source_id is None:
            continue
        group = groups.get(row.source_id)
        if group is None:
            groups[row.source_id] = [
                row.source_id, row.source_kind, row.source_name, row.source_entity_description,
                row.source_affiliation_name, 1, row.start,
            ]  # fmt: skip
        else:
            group[5] += 1
            group[6] = min(group[6], row.start)
    return _ranked(article, groups.values())


def _ranked(article: Article, groups: Iterable[Sequence[Any]]) -> list[OfferedSource]:
    """Groups (source id, kind, actor name, description, affiliation name, mentions, first
    start) as offered sources, in OfferedSource.rank order."""
    offered = [
        OfferedSource(
            pk=pk,
            label=entity_label(
                kind,
                actor=actor,
                description=description or "",
                affiliation=affiliation,
                outlet=article.outlet,
                byline=article.byline,
            ),
            kind=kind,
            mentions=n,
            first=first,
        )
        for pk, kind, actor, description, affiliation, n, first in groups
    ]
    return sorted(offered, key=lambda o: o.rank)


def offered_with(offered: list[OfferedSource], source: Source, start: int) -> list[OfferedSource]:
    """`offered` once one more mention of `source`, starting at `start`, is saved (no query): its
    count goes up, or it joins the list, in sources_offered's order."""
    counted = {o.pk: o for o in offered}
    was = counted.get(source.pk)
    if was is not None:
        counted[source.pk] = replace(was, mentions=was.mentions + 1, first=min(was.first, start))
    else:
        counted[source.pk] = OfferedSource(source.pk, source.label, source.kind, 1, start)
    return sorted(counted.values(), key=lambda o: o.rank)


def link_unlinked(
    annotation_model: type[models.Model] = Annotation,
    source_model: type[models.Model] = Source,
    article_ids: Iterable[int] | None = None,
) -> int:
    """Give every annotation written without the services (a restore's bulk INSERT, a bulk load,
    the migration that introduced sources) its source, created where the article has none with
    that identity yet; returns how many annotations were linked.

    The models are parameters so the migration can pass its historical ones. An unnamed source
    made here has no kind or affiliation (nobody said), and the description of its first mention.
    """
    unlinked = annotation_model.objects.filter(source__isnull=True)  # type: ignore[attr-defined]
    if article_ids is not None:
        unlinked = unlinked.filter(article_id__in=list(article_ids))
    linked = 0
    last = 0
    while True:
        # After the last batch's ids, not from the start: PostgreSQL walks the id index and
        # skipped every row already linked on each batch (a million-row load took an hour).
        rows = list(
            unlinked.filter(id__gt=last)
            .order_by("id")
            .values_list(
                "id", "article_id", "source_kind", "source_actor_id", "source_description"
            )[:BATCH]
        )
        if not rows:
            return linked
        last = rows[-1][0]
        wanted: dict[tuple[int, str], tuple[str, int | None, str]] = {}
        keys = []
        for _, article_id, kind, actor_id, description in rows:
            words = " ".join(description.split()) if kind == SourceKind.UNNAMED else ""
            identity = source_identity(kind, actor_id, "", None, words)
            key = (article_id, identity)
            keys.append(key)
            wanted.setdefault(key, (kind, actor_id if kind == SourceKind.NAMED else None, words))
        source_model.objects.bulk_create(  # type: ignore[attr-defined]
            [
                source_model(article_id=a, identity=i, kind=kind, actor_id=actor, description=words)
                for (a, i), (kind, actor, words) in wanted.items()
            ],
            ignore_conflicts=True,
        )
        found = {
            (a, i): pk
            for pk, a, i in source_model.objects.filter(  # type: ignore[attr-defined]
                article_id__in={a for a, _ in wanted}, identity__in={i for _, i in wanted}
            ).values_list("pk", "article_id", "identity")
        }
        annotation_model.objects.bulk_update(  # type: ignore[attr-defined]
            [
                annotation_model(pk=pk, source_id=found[key])
                for (pk, *_), key in zip(rows, keys, strict=True)
            ],
            ["source"],
        )  # one UPDATE … CASE per batch
        linked += len(rows)
