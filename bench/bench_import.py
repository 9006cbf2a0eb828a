"""Import 1,000 text files (target ≤ 2 s) and 1,000 saved news pages (target ≤ 20 s) with
`manage.py import_articles` (docs/architecture.md)."""

from __future__ import annotations

import html
import io
import time
from collections.abc import Callable
from pathlib import Path

from bench import corpus
from bench.common import Context, Row, median, verdict

TARGET_SECONDS = 2.0
HTML_TARGET_SECONDS = 20.0


def news_page(index: int, text: str) -> str:
    """The article in the chrome of a real news page: navigation, share links, comments, footer."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    nav = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(12))
    footer = "".join(f'<li><a href="/f{i}">Footer link {i}</a></li>' for i in range(20))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Imported page {index} | Bench Daily</title>
<meta property="og:title" content="Imported page {index}">
<meta property="og:site_name" content="Bench Daily"><meta name="author" content="Reporter {index}">
<meta property="article:published_time" content="2021-09-05T08:00:00Z">
<link rel="canonical" href="https://bench.example.org/{index}"></head><body>
<a href="#main">Skip to content</a><header><nav><ul>{nav}</ul></nav></header>
<main id="main"><article><h1>Imported page {index}</h1><p class="byline">By Reporter {index}</p>
<div class="share"><a href="/fb">Share on Facebook</a><a href="/tw">Share on Twitter</a></div>
{paragraphs}</article>
<section id="comments"><h2>Comments</h2><form><textarea></textarea><button>Post</button></form>
<div class="comment"><p>First!</p></div></section></main>
<footer><ul>{footer}</ul><p>© Bench Daily</p></footer></body></html>
"""


def _time_import(ctx: Context, folder: Path, count: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (this process) of importing `folder`."""
    from django.core.management import call_command

    from annotate.models import Article

    before = set(Article.objects.values_list("id", flat=True))
    timings, cpu = [], []
    for _ in range(ctx.runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        call_command("import_articles", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        imported = Article.objects.exclude(id__in=before)
        if imported.count() != count:
            raise RuntimeError(f"import_articles imported {imported.count()} of {count} files")
        # Remove them again so the next run imports for real instead of skipping duplicates.
        imported.delete()
    return median(timings), median(cpu)


def _write(
    folder: Path, count: int, seed: int, render: Callable[[int, str], str], ext: str
) -> None:
    folder.mkdir(exist_ok=True)
    for i, text in enumerate(corpus.texts(count, seed=seed)):
        (folder / f"article-{i:04d}.{ext}").write_text(render(i, text), encoding="utf-8")


def run(ctx: Context) -> list[Row]:
    count = 100 if ctx.quick else 1000
    # Different seeds from the corpus, so none of these is a duplicate of an existing article.
    texts = ctx.workdir / "import-files"
    _write(texts, count, 99, lambda i, text: f"Imported article {i}\n\n{text}\n", "txt")
    pages = ctx.workdir / "import-pages"
    _write(pages, count, 98, news_page, "html")
    seconds, _ = _time_import(ctx, texts, count)
    # CPU time shown too: extraction is CPU-bound, so on a shared machine it tells what the
    # import itself costs when wall-clock time is mostly waiting for a core.
    html_seconds, html_cpu = _time_import(ctx, pages, count)
    return [
        Row(
            f"import {count} text files",
            f"{seconds:.2f} s",
            f"≤ {TARGET_SECONDS} s",
            verdict(ctx, seconds, TARGET_SECONDS),
        ),
        Row(
            f"import {count} HTML pages (main text extracted)",
            f"{html_seconds:.2f} s (CPU {html_cpu:.2f} s)",
            f"≤ {HTML_TARGET_SECONDS:.0f} s",
            verdict(ctx, html_seconds, HTML_TARGET_SECONDS),
        ),
    ]
