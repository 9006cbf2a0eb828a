"""Actor network (`/claims/network/`): the page on the corpus, in-process through Django's stack.

Target (docs/architecture.md, "Targets"): ≤ 300 ms median server time at 100,000 annotations, with
constant queries. The corpus has 5 states × 8 relations toward the Taliban (40 claims, 6 actors,
8 parallel arrows per pair); measured for a curator (every annotation), filtered, and for a
reviewer. Then the section adds 150 claims among 60 more actors (1,500 annotations) so that the
graph is capped (60 claims, up to 50 actors): the layout's worst case. It runs last, because it
adds rows.
"""

from __future__ import annotations

import re
import uuid

from bench.common import Context, Row, median_get_ms, verdict

TARGET_MS = 300
REPEATS = 9


def _add_many_actors(count_claims: int = 150, per_claim: int = 10) -> None:
    """Claims among 60 new actors, so the network has more claims and actors than it draws."""
    from annotate.models import Actor, Annotation, Article, Claim, Relation

    tag = uuid.uuid4().hex[:6]
    actors = Actor.objects.bulk_create(Actor(name=f"Group {tag} {i}") for i in range(60))
    relations = list(Relation.objects.all())
    claims = Claim.objects.bulk_create(
        Claim(
            subject=actors[i % 60],
            relation=relations[(i // 60) % len(relations)],  # (subject, relation): unique per i
            object=actors[(i * 7 + 1) % 60],
            text=f"claim {tag} {i}",
        )
        for i in range(count_claims)
        if i % 60 != (i * 7 + 1) % 60
    )
    article = Article.objects.order_by("pk").first()
    reviewer = Annotation.objects.order_by("pk").first().reviewer
    Annotation.objects.bulk_create(
        Annotation(
            article=article,
            reviewer=reviewer,
            claim=claim,
            start=k,
            end=k + 5,
            quote=article.text[k : k + 5],
            source_kind="author",
            stance=("asserts", "denies", "reports")[k % 3],
            confidence=3,
        )
        for n, claim in enumerate(claims)
        # More attributions for the first claims, so the cap keeps a stable set.
        for k in range(per_claim + (len(claims) - n) // 10)
    )


def _shape(html: str) -> str:
    """What the page drew, read off the page (no test instrumentation here: no context)."""
    edges, nodes = html.count('<a class="edge '), html.count('<a class="node"')
    capped = re.search(r"Showing (\d+) of (\d+) claims", html)
    of = f" of {capped[2]}" if capped else ""
    return f"{edges}{of} claims, {nodes} actors" if edges else "empty"


def run(ctx: Context) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotate.models import Annotation
    from tests import factories

    curator = factories.make_user(f"bench-network-{uuid.uuid4().hex[:8]}", curator=True)
    reviewer = get_user_model().objects.get(
        pk=Annotation.objects.order_by("pk").first().reviewer_id
    )
    url = reverse("annotate:claim-network")
    repeats = max(REPEATS, ctx.runs)
    total = Annotation.objects.count()
    rows: list[Row] = []
    cases = [
        ("curator, every claim", curator, {}, True),
        ("  filtered: Taliban as object, supports", curator, {"actor": "Taliban",
                                                              "role": "object",
                                                              "relation": "supports"}, False),
        (f"  reviewer {reviewer.username} (the site's visibility rule)", reviewer, {}, False),
    ]  # fmt: skip
    for what, user, params, targeted in cases:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        ms = median_get_ms(client, url, params, repeats)
        with CaptureQueriesContext(connection) as queries:
            shape = _shape(client.get(url, params).content.decode())
        label = f"network page, {what} ({shape}; {len(queries)} queries)"
        if targeted:
            label = f"network page at {total:,} annotations, {what} ({shape}; {len(queries)} q.)"
        rows.append(
            Row(
                label,
                f"{ms:.1f} ms",
                f"≤ {TARGET_MS} ms" if targeted else "",
                verdict(ctx, ms, TARGET_MS) if targeted else None,
            )
        )
    _add_many_actors()
    client = Client(HTTP_HOST="localhost")
    client.force_login(curator)
    ms = median_get_ms(client, url, {}, repeats)
    with CaptureQueriesContext(connection) as queries:
        shape = _shape(client.get(url).content.decode())
    rows.append(
        Row(
            f"network page, capped: {shape} ({len(queries)} queries)",
            f"{ms:.1f} ms",
            f"≤ {TARGET_MS} ms",
            verdict(ctx, ms, TARGET_MS),
        )
    )
    return rows
