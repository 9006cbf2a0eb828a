"""Claims overview (`/claims/`): the page on the corpus, in-process through Django's stack.

Targets (docs/architecture.md, "Targets"): ≤ 150 ms median server time at 100,000 annotations over
1,000 articles and ≤ 300 ms at 1,000,000 over 10,000 (`--scale 10`), with constant queries, for the
unfiltered page and the page filtered by an actor. The corpus has 5 states × 8 relations toward
the Taliban (40 claims: two pages of 25). Measured for a curator (every annotation) and for one of
the corpus's reviewers (the site's visibility rule): unfiltered, by actor, by a relation group,
accepted only, page 2 (informational, no target), and the first read after one edit through the
services (a single GET, not a median: what a reader sees right after someone saves).

The corpus is written with every annotation pending; so that "accepted only" selects something,
this section marks every tenth annotation accepted with one UPDATE (bench set-up, like the corpus:
no history rows) when none is. It runs before bench_network, which adds rows.
"""

from __future__ import annotations

import time
import uuid

from bench.common import Context, Row, median_get_ms, verdict

TARGET_MS = 150
TARGET_MS_10K = 300  # at 10,000 articles (1,000,000 annotations)
REPEATS = 9
REPEATS_10K = 5  # a GET there takes seconds on SQLite: the median of 5 keeps the section short


def _target_ms(ctx: Context) -> int:
    return TARGET_MS_10K if ctx.articles >= 10_000 else TARGET_MS


def _accept_some(curator) -> int:
    """Every tenth annotation accepted by `curator` if none is yet; how many are accepted."""
    from django.db.models import F
    from django.db.models.functions import Mod
    from django.utils import timezone

    from annotate import claim_store
    from annotate.models import Annotation, Status

    accepted = Annotation.objects.filter(status=Status.ACCEPTED)
    if not accepted.exists():
        Annotation.objects.alias(tenth=Mod(F("pk"), 10)).filter(tenth=0).update(
            status=Status.ACCEPTED, curator=curator, reviewed_at=timezone.now()
        )
        claim_store.invalidate_all()  # past the services: the stored claim tallies count status
    return accepted.count()


def _edit_one(reviewer) -> None:
    """One of `reviewer`'s annotations changes stance, through the services (as a save does)."""
    from annotate import services
    from annotate.models import Annotation

    annotation = Annotation.objects.filter(reviewer=reviewer, deleted_at=None).order_by("pk")[0]
    stance = "denies" if annotation.stance != "denies" else "asserts"
    services.annotation_update(
        annotation=annotation, user=reviewer, version=annotation.version, stance=stance
    )


def run(ctx: Context) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotate.models import Annotation
    from tests import factories

    curator = factories.make_user(f"bench-claims-{uuid.uuid4().hex[:8]}", curator=True)
    reviewer = get_user_model().objects.get(
        pk=Annotation.objects.order_by("pk").first().reviewer_id
    )
    accepted = _accept_some(curator)
    url = reverse("annotate:claim-list")
    repeats = max(REPEATS_10K if ctx.articles >= 10_000 else REPEATS, ctx.runs)
    target = _target_ms(ctx)
    total = Annotation.objects.count()
    mine = Annotation.objects.filter(reviewer=reviewer).count()
    cases = [
        ("unfiltered", {}, True),
        ("actor Russia as subject", {"actor": "Russia", "role": "subject"}, True),
        ("group:support, Taliban as object",
         {"relation": "group:support", "actor": "Taliban", "role": "object"}, False),
        (f"accepted only ({accepted:,} accepted in all)", {"status": "accepted"}, False),
        ("page 2", {"page": 2}, False),
    ]  # fmt: skip
    users = [
        (f"curator, {total:,} annotations", curator),
        (f"reviewer {reviewer.username}, {mine:,} own", reviewer),
    ]
    rows: list[Row] = []
    # The first read after the bulk load computes every claim's stored tallies (annotate/
    # claim_store.py): once, then each write makes only its claims stale.
    client = Client(HTTP_HOST="localhost")
    client.force_login(curator)
    began = time.perf_counter()
    assert client.get(url).status_code == 200
    ms = (time.perf_counter() - began) * 1000
    rows.append(Row("claims page, first GET after the bulk load (single GET)", f"{ms:.1f} ms"))
    for who, user in users:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for n, (what, params, targeted) in enumerate(cases):
            ms = median_get_ms(client, url, params, repeats)
            with CaptureQueriesContext(connection) as queries:
                client.get(url, params)
            label = f"claims page, {who}: {what} ({len(queries)} queries)"
            if n:
                label = f"  {what} ({len(queries)} queries)"
            rows.append(
                Row(
                    label,
                    f"{ms:.1f} ms",
                    f"≤ {target} ms" if targeted else "",
                    verdict(ctx, ms, target) if targeted else None,
                )
            )
        # The first read after a save: whatever the save made stale is paid by this GET.
        _edit_one(reviewer)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, response.status_code
        rows.append(
            Row(f"  first GET after one edit (single GET, {len(queries)} queries)", f"{ms:.1f} ms")
        )
    return rows
