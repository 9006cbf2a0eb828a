"""Annotations → the schema-version-2 JSON document or JSONL lines, streamed as bytes.

One code path for the management command, the /export/ download and the admin action. It never
holds the dataset in memory: actors, relations, claims, sources and usernames are read up front
(one query each; a source is a few ids and its label), then articles and annotations are read as two streams ordered by article id and merged,
each with a single query, so the query count is the same for ten annotations or a hundred
thousand. Rows are read as tuples (no model instances) and serialised with orjson. Every span is
re-checked against the article text as it is written: a mismatch raises ExportError instead of
shipping a wrong offset.

The format is documented in docs/export.md and as JSON Schemas in annotate/schemas/
(export-v2.schema.json for the document, export-line-v2.schema.json for a JSONL line; the v1
files describe version 1, which annotate.restoring still reads). The W3C Web
Annotation export (w3c/) re-shapes the same rows; its schema is export-w3c-v1.schema.json.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone

from annotate.export.filters import ExportError, ExportFilters, ExportStats, validate_filters
from annotate.export.formats import SCHEMA_VERSION, generator_version, iter_json, iter_jsonl
from annotate.export.w3c import CONTENT_TYPE as W3C_CONTENT_TYPE
from annotate.export.w3c import iter_w3c

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "ExportError",
    "ExportFilters",
    "ExportStats",
    "PRODUCERS",
    "default_filename",
    "export_response",
    "generator_version",
    "iter_json",
    "iter_jsonl",
    "iter_w3c",
    "validate_filters",
]

FORMATS = {"json": "application/json", "jsonl": "application/x-ndjson", "w3c": W3C_CONTENT_TYPE}
# Each format's generator of bytes chunks: (filters, *, stats) -> Iterator[bytes].
PRODUCERS = {"json": iter_json, "jsonl": iter_jsonl, "w3c": iter_w3c}
_EXTENSIONS = {"w3c": "jsonld"}


def default_filename(fmt: str) -> str:
    """stancemark-20250101-120000.json: sortable and safe in every file system."""
    return f"stancemark-{timezone.now():%Y%m%d-%H%M%S}.{_EXTENSIONS.get(fmt, fmt)}"


def export_response(
    *, fmt: str, filters: ExportFilters, filename: str | None = None
) -> StreamingHttpResponse:
    """A streaming download of the export; raises ValidationError before any byte on bad filters."""
    if fmt not in FORMATS:
        raise ValidationError({"fmt": f"Unknown format {fmt!r}: use json, jsonl or w3c."})
    chunks = PRODUCERS[fmt](filters)
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    name = filename or default_filename(fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
