"""The two serialisations: one JSON document, or JSONL with one self-contained annotation a line."""

from __future__ import annotations

import functools
import importlib.metadata
import tomllib
from collections.abc import Iterator
from typing import Any

import orjson
from django.conf import settings
from django.utils import timezone

from annotate.export import rows
from annotate.export.filters import ExportFilters, ExportStats, Plan, validate_filters
from annotate.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    ActorKind,
    Certainty,
    Relation,
    SourceKind,
    Stance,
    Status,
    UnnamedKind,
)

# 2.0: sources became entities of an article (a top-level `sources` list each annotation's
# source names by id; required new fields), and articles carry their byline. docs/export.md.
SCHEMA_VERSION = "2.0"
# Bytes gathered before yielding, so a download is a few hundred writes rather than 100,000.
FLUSH_BYTES = 256 * 1024
# SQLite hands back naive UTC timestamps, psycopg aware ones: both come out as ...Z.
_DUMPS_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
_LINE_OPTIONS = _DUMPS_OPTIONS | orjson.OPT_APPEND_NEWLINE


@functools.cache
def generator_version() -> str:
    """The installed stancemark version, else the one in pyproject.toml (a bare checkout)."""
    try:
        return importlib.metadata.version("stancemark")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _header() -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "stancemark", "version": generator_version()},
        "exported_at": timezone.now(),
        "offsets": {
            "unit": "unicode_code_point",
            "end": "exclusive",
            "normalization": ["LF", "NFC"],
        },
        "label_sets": {
            "stance": list(Stance.values),
            "certainty": list(Certainty.values),
            "confidence": {"min": CONFIDENCE_MIN, "max": CONFIDENCE_MAX},
            "status": list(Status.values),
            "source_kind": list(SourceKind.values),
            "unnamed_kind": list(UnnamedKind.values),
            "actor_kind": list(ActorKind.values),
        },
    }


def _buffered(parts: Iterator[bytes], stats: ExportStats) -> Iterator[bytes]:
    """Gather parts into ~256 kB chunks; the first part goes out alone, so a download starts now."""
    first = next(parts, None)
    if first is None:
        return
    stats.bytes += len(first)
    yield first
    buffer: list[bytes] = []
    size = 0
    for part in parts:
        buffer.append(part)
        size += len(part)
        if size >= FLUSH_BYTES:
            stats.bytes += size
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        stats.bytes += size
        yield b"".join(buffer)


def iter_json(filters: ExportFilters, *, stats: ExportStats | None = None) -> Iterator[bytes]:
    """The whole export as one JSON document, in chunks of bytes (validates filters first)."""
    plan = validate_filters(filters)
    stats = stats if stats is not None else ExportStats()
    return _buffered(_json_parts(plan, stats), stats)


def _json_parts(plan: Plan, stats: ExportStats) -> Iterator[bytes]:
    # The header goes out before any query, so a download starts at once.
    header = orjson.dumps(_header(), option=_DUMPS_OPTIONS)
    yield header[:-1]
    with rows.snapshot():
        relation_slugs = dict(Relation.objects.values_list("id", "slug"))
        yield b',"actors":' + orjson.dumps(rows.actors(plan.actors))
        yield b',"relations":' + orjson.dumps(rows.relations())
        yield b',"claims":' + orjson.dumps(rows.claims(plan.claims, relation_slugs))
        yield b',"sources":' + orjson.dumps(rows.sources(rows.source_entities(plan.sources)))
        yield b',"articles":['
        first = True
        for article, items in rows.walk(plan, stats):
            article["annotations"] = items
            yield (b"" if first else b",") + orjson.dumps(article, option=_DUMPS_OPTIONS)
            first = False
    yield b"]}"


def iter_jsonl(filters: ExportFilters, *, stats: ExportStats | None = None) -> Iterator[bytes]:
    """One self-contained annotation per line (no header line, no article text), as bytes chunks."""
    plan = validate_filters(filters)
    stats = stats if stats is not None else ExportStats()
    return _buffered(_jsonl_parts(plan, stats), stats)


def _jsonl_parts(plan: Plan, stats: ExportStats) -> Iterator[bytes]:
    dumps = orjson.dumps
    with rows.snapshot():
        for _article, items in rows.walk(plan, stats, lines=True):
            for item in items:
                yield dumps(item, option=_LINE_OPTIONS)
