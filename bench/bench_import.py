"""Import 1,000 text files with `manage.py import_articles` (target ≤ 2 s: docs/architecture.md)."""

from __future__ import annotations

import io
import time

from bench import corpus
from bench.common import Context, Row, median, verdict

TARGET_SECONDS = 2.0


def run(ctx: Context) -> list[Row]:
    from django.core.management import call_command

    from annotate.models import Article

    count = 100 if ctx.quick else 1000
    folder = ctx.workdir / "import-files"
    folder.mkdir(exist_ok=True)
    # A different seed from the corpus, so none of these is a duplicate of an existing article.
    for i, text in enumerate(corpus.texts(count, seed=99)):
        (folder / f"article-{i:04d}.txt").write_text(f"Imported article {i}\n\n{text}\n")
    before = set(Article.objects.values_list("id", flat=True))
    timings = []
    for _ in range(ctx.runs):
        began = time.perf_counter()
        call_command("import_articles", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
        timings.append(time.perf_counter() - began)
        imported = Article.objects.exclude(id__in=before)
        if imported.count() != count:
            raise RuntimeError(f"import_articles imported {imported.count()} of {count} files")
        # Remove them again so the next run imports for real instead of skipping duplicates.
        imported.delete()
    seconds = median(timings)
    ok = verdict(ctx, seconds, TARGET_SECONDS)
    return [Row(f"import {count} text files", f"{seconds:.2f} s", f"≤ {TARGET_SECONDS} s", ok)]
