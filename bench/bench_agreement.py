"""Agreement: `/agreement/` and `manage.py agreement_report --format json` on the corpus.

Targets (issue 10, docs/architecture.md "Targets"): at 100,000 annotations over 1,000 articles with
five reviewers, the page ≤ 1 s and the report ≤ 3 s; at 1,000,000 annotations (`--scale 10`) the
page ≤ 2 s and the report ≤ 30 s, with flat memory. Measured in this order:

1. the report in a fresh process on a store that is empty (emptied before each run), as after a
   bulk import that bypassed the services (the corpus is written with bulk_create): one pass
   computes, stores and prints every article, a batch at a time;
2. the report again, store up to date (median of runs);
3. the page, store emptied before each run: the first read after a bulk import computes every article;
4. the page, store up to date (median), and after a write that makes one article stale;
5. one article's details (the htmx partial) and a page deep in the table.
"""

from __future__ import annotations

import json
import time
import uuid

from bench.common import Context, Row, median, python_subprocess, verdict

REPEATS = 7


def _targets(ctx: Context) -> tuple[float, float]:
    """(page seconds, report seconds) for this corpus size."""
    return (2.0, 30.0) if ctx.annotations >= 1_000_000 else (1.0, 3.0)


def _report(ctx: Context) -> dict:
    out = ctx.workdir / "agreement.json"
    done = python_subprocess(["bench/agreement_once.py", str(out)], ctx.env, timeout=900)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    data = json.loads(out.read_text())
    result["articles"] = len(data["articles"])
    result["disagreements"] = sum(len(a["disagreements"]) for a in data["articles"])
    out.unlink()
    return result


def _get(
    client, url: str, params: dict | None = None, headers: dict | None = None
) -> tuple[float, int]:
    began = time.perf_counter()
    response = client.get(url, params or {}, headers=headers or {})
    seconds = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    return seconds, len(response.content)


def run(ctx: Context) -> list[Row]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotate import agreement_store
    from annotate.models import AgreementTotals, Annotation, ArticleAgreement
    from tests import factories

    page_target, report_target = _targets(ctx)
    size = f"{ctx.annotations:,} ann / {ctx.articles:,} articles"
    rows: list[Row] = []

    colds = []
    for _ in range(ctx.runs):  # each run on an emptied store
        ArticleAgreement.objects.all().delete()
        AgreementTotals.objects.all().delete()
        colds.append(_report(ctx))
    seconds = median([r["seconds"] for r in colds])
    rows.append(
        Row(
            f"agreement_report --format json, cold store ({size}; computes all)",
            f"{seconds:.2f} s",
            f"≤ {report_target:g} s",
            verdict(ctx, seconds, report_target),
        )
    )
    warm = [_report(ctx) for _ in range(ctx.runs)]
    seconds = median([r["seconds"] for r in warm])
    rows.append(
        Row(
            f"agreement_report --format json, store up to date ({warm[-1]['bytes'] / 1e6:.0f} MB, "
            f"{warm[-1]['disagreements']:,} disagreements)",
            f"{seconds:.2f} s",
            f"≤ {report_target:g} s",
            verdict(ctx, seconds, report_target),
        )
    )
    rss = max(r["peak_rss_mb"] for r in [*colds, *warm])
    base = median([r["baseline_rss_mb"] for r in warm])
    rows.append(
        Row(f"  peak RSS of the report process (Django loaded: {base:.0f} MB)", f"{rss:.0f} MB")
    )

    curator = factories.make_user(f"bench-agr-{uuid.uuid4().hex[:8]}", staff=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(curator)
    url = reverse("annotate:agreement")

    cold_pages = []
    for _ in range(ctx.runs):
        ArticleAgreement.objects.all().delete()
        AgreementTotals.objects.all().delete()
        cold_pages.append(_get(client, url)[0])
    cold_page = median(cold_pages)
    rows.append(
        Row(
            "/agreement/, first read after a bulk import (computes all)",
            f"{cold_page:.2f} s",
            f"≤ {report_target:g} s",
            verdict(ctx, cold_page, report_target),
        )
    )
    times = []
    for _ in range(max(REPEATS, ctx.runs)):
        seconds, size_bytes = _get(client, url)
        times.append(seconds)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    warm_page = median(times)
    rows.append(
        Row(
            f"/agreement/, store up to date ({size_bytes / 1000:.0f} kB HTML, {len(queries)} queries)",
            f"{warm_page * 1000:.0f} ms",
            f"≤ {page_target * 1000:.0f} ms",
            verdict(ctx, warm_page, page_target),
        )
    )
    one = Annotation.objects.live().order_by("id").values_list("article_id", flat=True).first()
    times = []
    for _ in range(max(REPEATS, ctx.runs)):
        agreement_store.invalidate([one])
        seconds, _ = _get(client, url)
        times.append(seconds)
    after_write = median(times)
    rows.append(
        Row(
            "/agreement/, one article stale (after a write)",
            f"{after_write * 1000:.0f} ms",
            f"≤ {page_target * 1000:.0f} ms",
            verdict(ctx, after_write, page_target),
        )
    )
    last_page = max(1, ctx.articles // 25)
    seconds = median(
        [_get(client, url, {"page": last_page, "sort": "title"})[0] for _ in range(REPEATS)]
    )
    rows.append(Row(f"  /agreement/?sort=title&page={last_page}", f"{seconds * 1000:.0f} ms"))
    detail_url = reverse("annotate:agreement-article", args=[one])
    hx = {"HX-Request": "true"}
    seconds = median([_get(client, detail_url, headers=hx)[0] for _ in range(REPEATS)])
    rows.append(
        Row(
            "  one article's details with its disagreements (htmx partial)",
            f"{seconds * 1000:.0f} ms",
        )
    )
    return rows
