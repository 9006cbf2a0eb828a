"""Claim tallies kept per claim (models.ClaimSummary), so the claims overview reads a row per
claim, whatever the number of annotations.

Writes: every service that changes what a tally reads (an annotation's claim, article, span,
source, stance, certainty, reviewer, status, or whether it is live) calls `invalidate(claim_ids)`
in its own transaction. A change that renames what a tally shows (an actor's name, an article's
outlet or byline, a source's description) calls `invalidate_all()`: rare, and from the admin.

Reads: `refresh()` recomputes the stale and missing rows first: after a few writes, a few claims;
after a bulk load (or the first read), all of them, BATCH claims per query. A row is stored only if
its generation is still the one read before its annotations were, so a write that lands meanwhile
leaves it stale for the next read (as annotate.agreement_store does per article).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from annotate.claim_tally import FIELDS, ORDER, ClaimTally, tally_claim
from annotate.models import Annotation, Claim, ClaimSummary, Status

# Claims per statement when reading and writing many (and under SQLite's variable limit).
BATCH = 100
SCOPES = (False, True)  # ClaimSummary.accepted_only: everything, accepted only
STATUS = FIELDS.index("status")


def tally_rows(annotations: QuerySet[Annotation]) -> Iterator[tuple[Any, ...]]:
    """The rows a tally reads (claim_tally.FIELDS, in claim_tally.ORDER), streamed."""
    return annotations.order_by(*ORDER).values_list(*FIELDS).iterator(chunk_size=5000)


# ---------------------------------------------------------------- writes


def invalidate(claim_ids: Iterable[int | None]) -> None:
    """Mark both tallies of these claims stale; call inside the write's transaction."""
    ids = sorted({c for c in claim_ids if c is not None})
    for i in range(0, len(ids), BATCH):
        generation = secrets.randbits(62)
        ClaimSummary.objects.bulk_create(
            [
                ClaimSummary(claim_id=c, accepted_only=scope, stale=True, generation=generation)
                for c in ids[i : i + BATCH]
                for scope in SCOPES
            ],
            update_conflicts=True,
            unique_fields=["claim", "accepted_only"],
            update_fields=["stale", "generation"],
        )


def invalidate_all() -> None:
    """Mark every tally stale (what they show was renamed); the next read recomputes them."""
    ClaimSummary.objects.update(stale=True, generation=secrets.randbits(62))


# ---------------------------------------------------------------- bringing rows up to date


def _missing() -> QuerySet[Claim]:
    """Claims with live annotations and no tally (never computed: e.g. after a bulk load)."""
    live = Annotation.objects.live().filter(claim=OuterRef("pk"))
    return Claim.objects.filter(Exists(live), summaries__isnull=True)


def _columns(tally: ClaimTally) -> dict[str, Any]:
    return {
        "stale": False,
        "computed_at": timezone.now(),
        "attributions": tally.attributions,
        "marks": tally.marks,
        **tally.stances,
        "disputed": tally.disputed,
        "sources": tally.sources,
        "articles": tally.articles,
        "reviewers": tally.reviewers,
        "by_stance": tally.by_stance_json(),
    }


def _computed(claim_ids: list[int]) -> Iterator[tuple[int, ClaimTally, ClaimTally]]:
    """Every listed claim's tallies, of everything and of the accepted annotations, from its live
    annotations read once (a claim with no annotation left: empty ones)."""
    live = Annotation.objects.live()
    accepted = Status.ACCEPTED.value
    for i in range(0, len(claim_ids), BATCH):
        chunk = claim_ids[i : i + BATCH]
        seen = set()
        rows = tally_rows(live.filter(claim_id__in=chunk))
        for claim_id, group in groupby(rows, lambda r: r[0]):
            marks = list(group)
            seen.add(claim_id)
            yield (
                claim_id,
                tally_claim(claim_id, marks),
                tally_claim(claim_id, [r for r in marks if r[STATUS] == accepted]),
            )
        for claim_id in chunk:
            if claim_id not in seen:
                yield claim_id, tally_claim(claim_id, []), tally_claim(claim_id, [])


def refresh() -> int:
    """Recompute every stale or missing tally; returns how many claims were computed.

    A fixed number of queries per BATCH claims: their annotations read once, their stale rows
    locked and checked, updated in one statement, missing ones inserted in one.
    """
    generations = {
        (c, scope): (pk, g)
        for pk, c, scope, g in ClaimSummary.objects.filter(stale=True).values_list(
            "pk", "claim_id", "accepted_only", "generation"
        )
    }
    missing = set(_missing().values_list("pk", flat=True))
    ids = sorted({c for c, _ in generations} | missing)
    batch: list[tuple[int, ClaimTally, ClaimTally]] = []
    for computed in _computed(ids):
        batch.append(computed)
        if len(batch) >= BATCH:
            _store(batch, generations, missing)
            batch = []
    if batch:
        _store(batch, generations, missing)
    return len(ids)


@transaction.atomic
def _store(
    batch: list[tuple[int, ClaimTally, ClaimTally]],
    generations: dict[tuple[int, bool], tuple[int, int]],
    missing: set[int],
) -> None:
    """Store a batch of tallies: a stale row only if no write changed its generation since it
    was read (the rows are locked meanwhile), a missing one only if no write created it."""
    stale = {generations[c, scope][0]: (c, scope) for c, *_ in batch for scope in SCOPES
             if (c, scope) in generations}  # fmt: skip
    unchanged = {
        pk
        for pk, g in ClaimSummary.objects.select_for_update()
        .filter(pk__in=list(stale))
        .values_list("pk", "generation")
        if generations[stale[pk]][1] == g
    }
    updates, inserts = [], []
    for claim_id, *tallies in batch:
        for scope, tally in zip(SCOPES, tallies, strict=True):
            columns = _columns(tally)
            known = generations.get((claim_id, scope))
            if known is not None and known[0] in unchanged:
                updates.append(ClaimSummary(pk=known[0], **columns))
            elif known is None and claim_id in missing:
                inserts.append(ClaimSummary(claim_id=claim_id, accepted_only=scope, **columns))
    if updates:
        ClaimSummary.objects.bulk_update(updates, list(_columns(ClaimTally(0))))
    if inserts:
        ClaimSummary.objects.bulk_create(inserts, ignore_conflicts=True)
