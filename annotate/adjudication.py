"""What the curators' adjudication view shows: an article's annotations, all reviewers, as clusters
of overlapping content spans (annotate.clusters), each version compared field by field.

The fields compared are listed once, in FIELDS; the bulk accept (services.adjudication) and the
page read the same list, so "unanimous" means the same on both.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from annotate import clusters
from annotate.models import Annotation, AnnotationQuerySet, Article, Status


def source_key(a: Annotation) -> Hashable:
    """Which source an annotation attributes its claim to, as compared between versions: the kind,
    the actor and the description (case and spacing aside)."""
    return (a.source_kind, a.source_actor_id, " ".join(a.source_description.split()).casefold())


def _span(start: int | None, end: int | None) -> Hashable:
    return (start, end)


#: What versions of one claim are compared on, in the order the page shows them.
FIELDS: tuple[clusters.Field, ...] = (
    clusters.Field("Claim", lambda a: a.claim_id),
    clusters.Field("Source", lambda a: source_key(a)),
    clusters.Field("Stance", lambda a: a.stance),
    clusters.Field("Certainty", lambda a: a.certainty),
    clusters.Field("Confidence", lambda a: a.confidence),
    clusters.Field("Passage", lambda a: _span(a.start, a.end)),
    clusters.Field("Source span", lambda a: _span(a.source_start, a.source_end)),
    clusters.Field("Cue", lambda a: _span(a.cue_start, a.cue_end)),
)


#: The columns FIELDS reads (with the ids): what duplicate_versions() reads without models.
_COMPARED_COLUMNS = (
    "id",
    "article_id",
    "claim_id",
    "source_kind",
    "source_actor_id",
    "source_description",
    "stance",
    "certainty",
    "confidence",
    "start",
    "end",
    "source_start",
    "source_end",
    "cue_start",
    "cue_end",
)


def duplicate_versions(annotations: QuerySet[Annotation]) -> set[int]:
    """Ids in `annotations` equal on every compared field to one with a lower id on the same
    article: several reviewers' identical versions of one passage. (Equal spans always overlap,
    so such copies are always in one cluster.) One query, tuples only."""
    first: dict[tuple[Hashable, ...], int] = {}
    copies: set[int] = set()
    for row in annotations.order_by("id").values_list(*_COMPARED_COLUMNS, named=True):
        key = (row.article_id, *(f.read(row) for f in FIELDS))
        if key in first:
            copies.add(row.id)
        else:
            first[key] = row.id
    return copies


def _reviewer(a: Annotation) -> int:
    return a.reviewer_id


def is_unanimous(versions: list[Annotation]) -> bool:
    return clusters.unanimous(versions, FIELDS, _reviewer)


@dataclass
class Cluster:
    """One passage to settle: every reviewer's version of it, and how they differ."""

    versions: list[Annotation]
    start: int
    end: int
    quote: str
    differs: set[str] = field(default_factory=set)
    unanimous: bool = False

    @property
    def anchor(self) -> str:
        """The cluster's element id: stable while its lowest annotation lives."""
        return f"cluster-{min(a.pk for a in self.versions)}"

    @property
    def reviewers(self) -> int:
        return len({a.reviewer_id for a in self.versions})

    @property
    def settled(self) -> bool:
        """Nothing left to decide: every version has a verdict."""
        return all(a.status != Status.PENDING for a in self.versions)

    @property
    def all_accepted(self) -> bool:
        return all(a.status == Status.ACCEPTED for a in self.versions)

    @property
    def seen(self) -> str:
        """The versions as the curator saw them ("id:version …"); a decision posts it back, so a
        version that changed in between makes the decision stale instead of silently applying."""
        return " ".join(f"{a.pk}:{a.version}" for a in self.versions)


def live_annotations(article: Article) -> AnnotationQuerySet:
    """Every reviewer's live annotations on `article`, with what the versions show, in one query."""
    return Annotation.objects.live().with_related().filter(article=article)


def article_clusters(article: Article) -> list[Cluster]:
    """`article`'s clusters in text order, each version list ordered by reviewer then id."""
    out = []
    for group in clusters.clusters(live_annotations(article)):
        versions = sorted(group, key=lambda a: (a.reviewer.get_username(), a.pk))
        start = min(a.start for a in versions)
        end = max(a.end for a in versions)
        out.append(
            Cluster(
                versions=versions,
                start=start,
                end=end,
                quote=article.text[start:end],
                differs=clusters.differing(versions, FIELDS),
                unanimous=is_unanimous(versions),
            )
        )
    return out


def cluster_of(found: list[Cluster], annotation_id: int) -> Cluster | None:
    return next((c for c in found if any(a.pk == annotation_id for a in c.versions)), None)


def adjudication_url(article_id: int, annotation_id: int | None = None) -> str:
    """The adjudication view of an article, at the cluster holding `annotation_id` if given (every
    version carries the element id `ann-<id>`)."""
    url = reverse("annotate:adjudicate", args=[article_id])
    return f"{url}#ann-{annotation_id}" if annotation_id is not None else url
