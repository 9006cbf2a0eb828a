"""Reviewer workspace: page server time and one save round trip, in-process through Django's stack.

Targets (docs/architecture.md, "Targets"): the article page with 1,000 annotations on a
20,000-character article ≤ 60 ms median server time with constant queries (≤ 10); with 100
annotations ≤ 25 ms; saving one annotation (htmx POST → updated panel and highlights) ≤ 30 ms
median. A long article (issue 13): 300 annotations on 60,000 characters, page and save each
≤ 150 ms median server time.
"""

from __future__ import annotations

import time
import uuid

from bench.common import Context, Row, median, verdict

TARGET_PAGE_1000_MS = 60
TARGET_PAGE_100_MS = 25
TARGET_SAVE_MS = 30
TARGET_QUERIES = 10
TEXT_LENGTH = 20_000
LONG_TEXT_LENGTH = 60_000
LONG_ANNOTATIONS = 300
TARGET_LONG_MS = 150
REPEATS = 15


def _article_with(annotations: int, reviewer, other, length: int = TEXT_LENGTH):
    """A `length`-character article with `annotations` overlapping spans (a tenth by another user)."""
    from annotate import services
    from annotate.importing import normalise_text, text_hash
    from annotate.models import Annotation, Article, Relation

    sentence = "Gen. Votel told Congress it was fair to assume Russia was supporting the Taliban. "
    text = normalise_text((sentence * (length // len(sentence) + 1))[: length - 33])
    text += f" [{uuid.uuid4().hex}]"
    article = Article.objects.create(
        title=f"Workspace bench {annotations} / {length}", text=text, text_sha256=text_hash(text)
    )
    russia, _ = services.actor_get_or_create(name="Russia")
    taliban, _ = services.actor_get_or_create(name="Taliban")
    claim, _ = services.claim_get_or_create(
        subject=russia, relation=Relation.objects.get(slug="supports"), object=taliban
    )
    stances = ["asserts", "denies", "reports", "questions"]
    rows = []
    for i in range(annotations):
        # Spread over the whole text (a long article's spans reach its end).
        start = (i * 97 * max(1, length // TEXT_LENGTH)) % (len(text) - 200)
        end = start + 20 + (i * 31) % 150
        rows.append(
            Annotation(
                article=article,
                reviewer=other if i % 10 == 0 else reviewer,
                claim=claim,
                start=start,
                end=end,
                quote=text[start:end],
                source_kind="named",
                source_actor=russia,
                stance=stances[i % 4],
                certainty="probable",
                confidence=1 + i % 5,
            )
        )
    Annotation.objects.bulk_create(rows, batch_size=500)
    return article


def _time_ms(fn) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def run(ctx: Context) -> list[Row]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotate.models import SiteSettings
    from tests import factories

    SiteSettings.load()
    reviewer = factories.make_user(f"bench-ws-{uuid.uuid4().hex[:8]}")
    other = factories.make_user(f"bench-ws-other-{uuid.uuid4().hex[:8]}")
    client = Client(HTTP_HOST="localhost")
    client.force_login(reviewer)
    rows: list[Row] = []
    repeats = max(REPEATS, ctx.runs)
    save_articles = []

    for count, target in ((1000, TARGET_PAGE_1000_MS), (100, TARGET_PAGE_100_MS)):
        article = _article_with(count, reviewer, other)
        url = reverse("annotate:article-detail", args=[article.pk])
        client.get(url)  # warm caches (templates, URL resolver)
        times = [_time_ms(lambda url=url: client.get(url)) for _ in range(repeats)]
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        page_ms = median(times)
        what = f"workspace page: {count:,} annotations, {len(article.text):,}-char article"
        rows.append(Row(what, f"{page_ms:.1f} ms", f"≤ {target} ms", verdict(ctx, page_ms, target)))
        rows.append(
            Row(
                f"  SQL queries for that page ({len(response.content) / 1e3:.0f} kB of HTML)",
                str(len(queries)),
                f"≤ {TARGET_QUERIES}",
                len(queries) <= TARGET_QUERIES,
            )
        )
        # The same page for a curator showing everyone's annotations.
        save_articles.append(article)
        if count == 1000:
            curator = factories.make_user(f"bench-ws-cur-{uuid.uuid4().hex[:8]}", staff=True)
            curator_client = Client(HTTP_HOST="localhost")
            curator_client.force_login(curator)
            curator_client.get(url + "?others=1")
            others_url = url + "?others=1"
            times = [
                _time_ms(lambda c=curator_client, u=others_url: c.get(u)) for _ in range(repeats)
            ]
            rows.append(
                Row(
                    "  same page, curator showing all reviewers' annotations",
                    f"{median(times):.1f} ms",
                )
            )

    # One save round trip: htmx POST → the chunks around the new span, its list item, a blank form
    # (out-of-band swaps).
    for save_article in save_articles:
        save_ms = _save_median(client, save_article, repeats)
        count = save_article.annotations.count() - repeats - 1
        rows.append(
            Row(
                f"save one annotation (htmx POST → swaps, {count:,} annotations)",
                f"{save_ms:.1f} ms",
                f"≤ {TARGET_SAVE_MS} ms",
                verdict(ctx, save_ms, TARGET_SAVE_MS),
            )
        )
        edit_ms = _edit_median(client, save_article, reviewer, repeats)
        rows.append(
            Row(
                f"  edit one (htmx POST → swaps, {count:,} annotations)",
                f"{edit_ms:.1f} ms",
            )
        )
    rows.extend(_long_article(ctx, client, reviewer, other, repeats))
    return rows


def _long_article(ctx: Context, client, reviewer, other, repeats: int) -> list[Row]:
    """Issue 13: page load and one save at 300 annotations on a 60,000-character article."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    article = _article_with(LONG_ANNOTATIONS, reviewer, other, length=LONG_TEXT_LENGTH)
    url = reverse("annotate:article-detail", args=[article.pk])
    client.get(url)
    times = [_time_ms(lambda: client.get(url)) for _ in range(repeats)]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    query_count = len(queries)  # now: the next request's request_started clears the log
    page_ms = median(times)
    what = f"long article page: {LONG_ANNOTATIONS} annotations, {len(article.text):,}-char article"
    save_ms = _save_median(client, article, repeats)
    return [
        Row(
            what,
            f"{page_ms:.1f} ms",
            f"≤ {TARGET_LONG_MS} ms",
            verdict(ctx, page_ms, TARGET_LONG_MS),
        ),
        Row(
            f"  SQL queries for that page ({len(response.content) / 1e3:.0f} kB of HTML)",
            str(query_count),
            f"≤ {TARGET_QUERIES}",
            query_count <= TARGET_QUERIES,
        ),
        Row(
            f"  save one annotation there (htmx POST → swaps, {LONG_ANNOTATIONS} annotations)",
            f"{save_ms:.1f} ms",
            f"≤ {TARGET_LONG_MS} ms",
            verdict(ctx, save_ms, TARGET_LONG_MS),
        ),
    ]


def _form(start: int, end: int, quote: str, **changes) -> dict:
    """The fields of one annotation as the workspace form posts them."""
    data = {
        "start": start,
        "end": end,
        "quote": quote,
        "subject": "Russia",
        "relation": "supports",
        "object": "Taliban",
        "claim_text": "",
        "source_kind": "named",
        "source": "Russia",
        "stance": "asserts",
        "certainty": "probable",
        "confidence": "4",
        "note": "",
    }
    return data | changes


def _median_post_ms(client, url: str, payloads) -> float:
    """Median time of posting each payload (made lazily); the first post only warms up."""
    times = [_time_ms(lambda data=data: _post(client, url, data)) for data in payloads]
    return median(times[1:])


def _edit_median(client, article, reviewer, repeats: int) -> float:
    """Change the stance of one of mine: swapped in like a new one (the chunks of its old and new place)."""
    from django.urls import reverse

    from annotate.models import Annotation

    annotation = Annotation.objects.filter(article=article, reviewer=reviewer).first()
    url = reverse("annotate:annotation-update", args=[annotation.pk])

    def payloads():
        for i in range(repeats + 1):
            annotation.refresh_from_db()  # the current version, or the edit is refused as stale
            yield _form(
                annotation.start,
                annotation.end,
                annotation.quote,
                version=annotation.version,
                stance=["asserts", "denies"][i % 2],
            )

    return _median_post_ms(client, url, payloads())


def _save_median(client, article, repeats: int) -> float:
    from django.urls import reverse

    create = reverse("annotate:annotation-create", args=[article.pk])
    text = article.text
    starts = [5 + i * 83 for i in range(repeats + 1)]
    payloads = (_form(s, s + 40, text[s : s + 40]) for s in starts)
    return _median_post_ms(client, create, payloads)


def _post(client, url: str, data: dict) -> None:
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Trigger" in response.headers, response.content[:300]
