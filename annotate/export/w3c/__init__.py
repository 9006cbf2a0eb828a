"""The W3C Web Annotation export: one JSON-LD document, an AnnotationCollection with a page per article.

It reads exactly what the JSON export reads (`rows.walk()` over the validated filters, so every
filter and every per-user restriction applies unchanged) and only re-shapes each annotation dict
into the Web Annotation Data Model (https://www.w3.org/TR/annotation-model/):

- the document is `{"@context": anno.jsonld, "@graph": [page, page, ..., collection]}`: one
  AnnotationPage per article that has exported annotations, in article-id order, chained by
  `next`, and the AnnotationCollection last, because its `total`, `first` and `last` are known
  only once the pages are written (the export streams; nothing is counted twice);
- each Stancemark annotation is one Annotation (claim, source, stance, certainty, confidence,
  status and note as bodies; the content span as the target, with a TextQuoteSelector and a
  TextPositionSelector in code points), plus one linked Annotation per source span and per cue
  span, whose bodies point back at it.

This module writes the document; annotations.py shapes each annotation, iris.py mints the IRIs.
The mapping, the vocabulary and the IRIs are documented in docs/export.md ("W3C Web Annotation");
annotate/schemas/export-w3c-v1.schema.json is the JSON Schema, written from the model's MUSTs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import orjson
from django.utils import timezone

from annotate.export import rows
from annotate.export.filters import ExportFilters, ExportStats, Plan, validate_filters

# The same ~256 kB chunking as the JSON and JSONL exports (a private helper of formats.py).
from annotate.export.formats import _buffered, generator_version
from annotate.export.w3c.annotations import DUMPS_OPTIONS, AnnotationShaper
from annotate.export.w3c.iris import ANNO_CONTEXT, VOCAB, Iris, article_source_iri, vocab

__all__ = ["ANNO_CONTEXT", "CONTENT_TYPE", "VOCAB", "article_source_iri", "iter_w3c", "vocab"]

CONTENT_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'


def iter_w3c(filters: ExportFilters, *, stats: ExportStats | None = None) -> Iterator[bytes]:
    """The export as one W3C Web Annotation JSON-LD document, in chunks of bytes.

    Validates the filters first (raising ValidationError before any byte). `include_text` has no
    effect: annotations point at their article, they never carry its text; the text is still read,
    because the quote selectors of source and cue spans need the words around them.
    """
    plan = validate_filters(dataclasses.replace(filters, include_text=True))
    stats = stats if stats is not None else ExportStats()
    return _buffered(_parts(plan, stats, Iris.for_export()), stats)


def _parts(plan: Plan, stats: ExportStats, iris: Iris) -> Iterator[bytes]:
    generated = timezone.now()
    # Sent before any query, so a download starts at once.
    yield b'{"@context":"' + ANNO_CONTEXT.encode() + b'","@graph":['
    total = 0
    first_page: str | None = None
    last_page: str | None = None
    with rows.snapshot():
        shaper = AnnotationShaper(iris, plan)
        for article, items in rows.walk(plan, stats):
            if not items:
                continue  # a page MUST list at least one annotation (model §5.2)
            page = iris.page(article["id"])
            annotations = shaper.article_annotations(article, items)
            if last_page is None:
                first_page = page
                head = b""
            else:
                # The previous page is closed only now, when the page that follows it is known.
                head = b',"next":' + orjson.dumps(page) + b"},"
            yield head + _page_opening(iris, page, total) + annotations[0]
            for annotation in annotations[1:]:
                yield b"," + annotation  # _buffered gathers these into chunks: one copy only
            yield b"]"
            total += len(annotations)
            last_page = page
    if last_page is not None:
        yield b"},"
    yield orjson.dumps(
        _collection(iris, generated, total, first_page, last_page), option=DUMPS_OPTIONS
    )
    yield b"]}"


def _page_opening(iris: Iris, page: str, start_index: int) -> bytes:
    """An AnnotationPage up to the opening of its items list; `next` follows the items."""
    head = orjson.dumps(
        {
            "@context": ANNO_CONTEXT,
            "id": page,
            "type": "AnnotationPage",
            "partOf": iris.collection,
            "startIndex": start_index,
        }
    )
    return head[:-1] + b',"items":['


def _collection(
    iris: Iris, generated: Any, total: int, first: str | None, last: str | None
) -> dict[str, Any]:
    collection: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": iris.collection,
        "type": "AnnotationCollection",
        "label": "Stancemark annotations",
        "generator": {"type": "Software", "name": f"stancemark {generator_version()}"},
        "generated": generated,
        "total": total,
    }
    if first is not None:
        collection["first"] = first
        collection["last"] = last
    return collection
