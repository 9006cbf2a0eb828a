"""Articles list (`/`): one page of 25 out of 10,000 articles, in-process through Django's stack.

Target (docs/architecture.md, "Targets"): ≤ 50 ms per page with constant queries. The corpus has
1,000 articles; this section adds plain articles up to 10,000 (text only, no annotations) before
measuring.
"""

from __future__ import annotations

import uuid

from bench.common import Context, Row, median_get_ms, verdict

TARGET_MS = 50
TARGET_ARTICLES = 10_000
REPEATS = 15


def _fill_to(total: int) -> int:
    from django.db import connection

    from annotate.importing import text_hash
    from annotate.models import Article

    missing = total - Article.objects.count()
    tag = uuid.uuid4().hex[:8]
    body = "Filler paragraph about claims and stances in the news. " * 100
    rows = []
    for i in range(max(0, missing)):
        text = f"{body}\n[{tag}-{i}]"
        rows.append(Article(title=f"List bench {i:05d}", text=text, text_sha256=text_hash(text)))
    Article.objects.bulk_create(rows, batch_size=1000)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a large import; without fresh statistics the planner
        # takes the table for small and scans it instead of using the search indexes.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE annotate_article")
    return Article.objects.count()


def run(ctx: Context) -> list[Row]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests import factories

    count = _fill_to(TARGET_ARTICLES)
    reviewer = factories.make_user(f"bench-list-{uuid.uuid4().hex[:8]}")
    client = Client(HTTP_HOST="localhost")
    client.force_login(reviewer)
    url = reverse("annotate:article-list")
    repeats = max(REPEATS, ctx.runs)
    rows: list[Row] = []
    middle = count // 25 // 2
    for what, params in (("first page", {}), (f"page {middle}", {"page": middle})):
        ms = median_get_ms(client, url, params, repeats)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        rows.append(
            Row(
                f"articles list, {what} of {count:,} articles ({len(queries)} queries)",
                f"{ms:.1f} ms",
                f"≤ {TARGET_MS} ms",
                verdict(ctx, ms, TARGET_MS),
            )
        )
    ms = median_get_ms(client, url, {"q": "Taliban"}, max(5, ctx.runs))
    how = "trigram index" if connection.vendor == "postgresql" else "full scan"
    rows.append(Row(f"  search 'Taliban' in titles and texts ({how})", f"{ms:.1f} ms"))
    return rows
