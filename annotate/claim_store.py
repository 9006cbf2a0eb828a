"""Claim tallies kept per claim (models.ClaimSummary), so the claims overview reads a row per
claim, whatever the number of annotations.

Writes: every service that changes what a tally reads (an annotation's claim, article, span,
source, stance, certainty, status, or whether it is live) calls `invalidate` with its (claim,
reviewer) pairs in its own transaction. A change the tallies cannot tell by claim (an actor
renamed, an article's outlet or byline changed, an article deleted: admin.common.KeepsClaimTallies)
calls `invalidate_all()`: rare, and from the admin.

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
EVERYONE = 0  # ClaimSummary.by_reviewer of the tallies of every reviewer's annotations
STATUS, REVIEWER = FIELDS.index("status"), FIELDS.index("reviewer_id")

#: A stored tally: (claim id, accepted only, by_reviewer).
Key = tuple[int, bool, int]


def tally_rows(annotations: QuerySet[Annotation]) -> Iterator[tuple[Any, ...]]:
    """The rows a tally reads (claim_tally.FIELDS, in claim_tally.ORDER), streamed."""
    return annotations.order_by(*ORDER).values_list(*FIELDS).iterator(chunk_size=5000)


# ---------------------------------------------------------------- writes


def invalidate(changed: Iterable[tuple[int | None, int]]) -> None:
    """Mark stale the tallies that (claim id, reviewer id) pairs count in: the claim's for
    everyone and for that reviewer, both scopes. Call inside the write's transaction, after
    agreement_store.invalidate (every write takes the two in this order, so concurrent writes
    wait for each other rather than deadlock)."""
    keys = sorted(
        {(c, scope, who) for c, r in changed if c is not None for scope in SCOPES
         for who in (EVERYONE, r)}
    )  # fmt: skip
    for i in range(0, len(keys), BATCH * 2):
        generation = secrets.randbits(62)
        ClaimSummary.objects.bulk_create(
            [
                ClaimSummary(
                    claim_id=c,
                    accepted_only=scope,
                    by_reviewer=who,
                    stale=True,
                    generation=generation,
                )  # fmt: skip
                for c, scope, who in keys[i : i + BATCH * 2]
            ],
            update_conflicts=True,
            unique_fields=["claim", "accepted_only", "by_reviewer"],
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


def _tallies(
    claim_id: int, marks: list[tuple[Any, ...]], only: set[int] | None = None
) -> dict[Key, ClaimTally]:
    """One claim's tallies from its live annotations: everyone's and each reviewer's (or only
    those `only` names: EVERYONE and reviewer ids), of everything and of the accepted ones."""
    accepted = Status.ACCEPTED.value
    by_reviewer: dict[int, list[tuple[Any, ...]]] = {}
    for row in marks:  # each reviewer's rows keep the rows' order
        if only is None or row[REVIEWER] in only:
            by_reviewer.setdefault(row[REVIEWER], []).append(row)
    result = {}
    labels: dict[Any, str] = {}  # each source named once for the claim's tallies
    for who, rows in [(EVERYONE, marks), *by_reviewer.items()]:
        if only is not None and who not in only:
            continue
        result[claim_id, False, who] = tally_claim(claim_id, rows, labels)
        result[claim_id, True, who] = tally_claim(
            claim_id, [r for r in rows if r[STATUS] == accepted], labels
        )
    return result


def _computed(
    claim_ids: list[int], only: dict[int, set[int]]
) -> Iterator[tuple[int, dict[Key, ClaimTally]]]:
    """Every listed claim's tallies (see _tallies: all of them, or those `only` names for the
    claim), its live annotations read once; a claim with no annotation left gets empty ones."""
    live = Annotation.objects.live()
    for i in range(0, len(claim_ids), BATCH):
        chunk = claim_ids[i : i + BATCH]
        seen = set()
        rows = tally_rows(live.filter(claim_id__in=chunk))
        for claim_id, group in groupby(rows, lambda r: r[0]):
            seen.add(claim_id)
            yield claim_id, _tallies(claim_id, list(group), only.get(claim_id))
        for claim_id in chunk:
            if claim_id not in seen:
                yield claim_id, _tallies(claim_id, [], only.get(claim_id))


#: A stale row as refresh reads it: its id, what it tallies, and the generation it had then.
_Stale = tuple[int, Key, int]


def refresh() -> int:
    """Recompute every stale or missing tally; returns how many claims were computed.

    A fixed number of queries per BATCH claims: their annotations read once, their stale rows
    locked and checked, updated in one statement, new ones inserted in one.
    """
    stale: dict[int, list[_Stale]] = {}  # by claim
    rows = ClaimSummary.objects.filter(stale=True).values_list(
        "pk", "claim_id", "accepted_only", "by_reviewer", "generation"
    )
    for pk, claim_id, scope, who, generation in rows:
        stale.setdefault(claim_id, []).append((pk, (claim_id, scope, who), generation))
    missing = set(_missing().values_list("pk", flat=True))
    # A claim with stale rows recomputes those (after an edit: everyone's and one reviewer's); one
    # never computed, all of them.
    only = {c: {key[2] for _, key, _ in rows} for c, rows in stale.items() if c not in missing}
    ids = sorted({*stale, *missing})
    batch: list[tuple[int, dict[Key, ClaimTally]]] = []
    for computed in _computed(ids, only):
        batch.append(computed)
        if len(batch) >= BATCH:
            _store(batch, stale)
            batch = []
    if batch:
        _store(batch, stale)
    return len(ids)


#: ClaimSummary's computed columns (what a refresh writes).
_COLUMNS = list(_columns(tally_claim(0, [])))


@transaction.atomic
def _store(batch: list[tuple[int, dict[Key, ClaimTally]]], stale: dict[int, list[_Stale]]) -> None:
    """Store a batch of claims' tallies: a stale row only if no write changed its generation
    since it was read (the rows are locked meanwhile), a tally with no row as a new row unless
    a write made one meanwhile (it is then stale, for the next read)."""
    read = {pk: (key, generation) for c, _ in batch for pk, key, generation in stale.get(c, [])}
    unchanged = {
        pk
        # A row a write holds is skipped (it stays stale, for the next read): a read never waits
        # for a write, so the two cannot deadlock.
        for pk, generation in ClaimSummary.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(read))
        .order_by("pk")
        .values_list("pk", "generation")
        if read[pk][1] == generation
    }
    updates, inserts = [], []
    for claim_id, tallies in batch:
        known = {key for _, key, _ in stale.get(claim_id, [])}
        for pk, key, _ in stale.get(claim_id, []):
            if pk in unchanged:  # a reviewer with none left: an empty tally
                tally = tallies.get(key) or tally_claim(claim_id, [])
                updates.append(ClaimSummary(pk=pk, **_columns(tally)))
        for (c, scope, who), tally in tallies.items():
            if (c, scope, who) not in known:
                inserts.append(
                    ClaimSummary(
                        claim_id=c, accepted_only=scope, by_reviewer=who, **_columns(tally)
                    )  # fmt: skip
                )
    if updates:
        ClaimSummary.objects.bulk_update(updates, _COLUMNS)
    if inserts:
        # A tally already stored and still valid (a reviewer whose work did not change) is left.
        ClaimSummary.objects.bulk_create(inserts, ignore_conflicts=True)
