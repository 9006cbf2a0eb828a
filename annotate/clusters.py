"""Clusters for adjudication: an article's annotations grouped by overlapping content spans.

Pure, no Django. A *cluster* is a connected component of the "overlaps" relation over content
spans: two half-open spans [s, e) overlap when they share at least one character (s1 < e2 and
s2 < e1; a nested span overlaps its outer one). A chain a–b–c is one cluster even when a and c do
not overlap, because the curator has to settle all three versions together.

Components of interval overlap are contiguous in start order, so one sweep over the spans sorted
by start finds them: a span joins the current cluster when it starts before the cluster's
furthest end, and opens a new cluster otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar


class Spanned(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=Spanned)


def clusters(items: Iterable[S]) -> list[list[S]]:
    """`items` grouped into connected components of overlap, each in (start, end, id) order, the
    clusters in text order. Every item is in exactly one cluster."""
    ordered = sorted(items, key=lambda a: (a.start, a.end, a.id))
    out: list[list[S]] = []
    furthest = -1
    for item in ordered:
        if out and item.start < furthest:
            out[-1].append(item)
            furthest = max(furthest, item.end)
        else:
            out.append([item])
            furthest = item.end
    return out


@dataclass(frozen=True)
class Field:
    """One thing versions are compared on: its name as shown, and how to read it off a version."""

    name: str
    read: Callable[[Any], Hashable]


def differing(versions: Sequence[Any], fields: Sequence[Field]) -> set[str]:
    """The names of the `fields` on which the `versions` do not all agree."""
    return {f.name for f in fields if len({f.read(v) for v in versions}) > 1}


def unanimous(
    versions: Sequence[Any], fields: Sequence[Field], reviewer: Callable[[Any], int]
) -> bool:
    """At least two reviewers, one version each, equal on every field: safe to accept in bulk."""
    reviewers = [reviewer(v) for v in versions]
    return (
        len(reviewers) >= 2
        and len(set(reviewers)) == len(reviewers)
        and not differing(versions, fields)
    )
