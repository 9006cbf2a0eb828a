"""The merge of the article stream and the annotation stream into plain dicts, checking every span.

Rows are read as tuples in two queries ordered by article id (no model instances, constant queries);
lookups for usernames, and the sources the exported annotations name, are read once up front (one
query each).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import CharField, Func, QuerySet

from annotate import spans
from annotate.export.filters import ExportError, ExportStats, Plan
from annotate.models import Actor, ActorAlias, Claim, Relation, Source, entity_label

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType  # _AsSqlType: stubs only

# Rows fetched per round trip; big enough that fetching is not per-row, small enough to stay flat.
CHUNK_SIZE = 5000

# Columns read from the annotation table, in this order (the loop below unpacks them by position).
ANNOTATION_COLUMNS = (
    "id",
    "article_id",
    "claim_id",
    "reviewer_id",
    "curator_id",
    "start",
    "end",
    "quote",
    "source_kind",
    "source_actor_id",
    "source_description",
    "source_id",
    "source_start",
    "source_end",
    "source_quote",
    "cue_start",
    "cue_end",
    "cue_quote",
    "stance",
    "certainty",
    "confidence",
    "status",
    "note",
    "curator_comment",
    "changed_after_review",
    "reviewed_at",
    "created_at",
    "updated_at",
)
ANNOTATION_QUERY_COLUMNS = (*ANNOTATION_COLUMNS[:-3], "reviewed_iso", "created_iso", "updated_iso")
ARTICLE_COLUMNS = (
    "id",
    "title",
    "outlet",
    "byline",
    "url",
    "published_on",
    "language",
    "text_sha256",
    "text",
)


@contextmanager
def snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Read the whole export from one snapshot of the database, where the database allows it.

    An export reads actors, relations, claims, articles and annotations in separate queries over
    seconds; an annotator saving meanwhile could otherwise leave an annotation pointing at a claim
    the export's claim list does not have. PostgreSQL: one REPEATABLE READ, READ ONLY transaction.
    SQLite: no-op, because our SQLite transactions take the write lock up front (IMMEDIATE) and an
    export must not hold up every save. Inside a caller's transaction, that transaction decides.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def actors(listed: QuerySet[Actor]) -> list[dict[str, Any]]:
    """The `listed` actors (Plan.actors) with their aliases, in two queries."""
    aliases: dict[int, list[str]] = {}
    listed_aliases = ActorAlias.objects.filter(actor__in=listed)
    for actor_id, name in listed_aliases.order_by("actor_id", "name").values_list(
        "actor_id", "name"
    ):
        aliases.setdefault(actor_id, []).append(name)
    return [
        {
            "id": actor_id,
            "name": name,
            "kind": kind,
            "affiliation": affiliation_id,
            "aliases": aliases.get(actor_id, []),
        }
        for actor_id, name, kind, affiliation_id in listed.order_by("id").values_list(
            "id", "name", "kind", "affiliation_id"
        )
    ]


def relations() -> list[dict[str, Any]]:
    return [
        {"id": slug, "label": label, "description": description}
        for slug, label, description in Relation.objects.order_by("slug").values_list(
            "slug", "label", "description"
        )
    ]


def claims(listed: QuerySet[Claim], relation_slugs: dict[int, str]) -> list[dict[str, Any]]:
    """The `listed` claims (Plan.claims), in one query."""
    return [
        {
            "id": claim_id,
            "subject": subject_id,
            "relation": relation_slugs[relation_id],
            "object": object_id,
            "qualifier": qualifier,
            "text": text,
        }
        for claim_id, subject_id, relation_id, object_id, qualifier, text in listed.order_by(
            "id"
        ).values_list("id", "subject_id", "relation_id", "object_id", "qualifier", "text")
    ]


def line_claims(
    listed: QuerySet[Claim], actor_names: dict[int, str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The `listed` claims spelled out with actor names, for JSONL lines."""
    relation_slugs = dict(Relation.objects.values_list("id", "slug"))
    for claim_id, subject_id, relation_id, object_id, qualifier, text in listed.values_list(
        "id", "subject_id", "relation_id", "object_id", "qualifier", "text"
    ):
        yield (
            claim_id,
            {
                "id": claim_id,
                "text": text,
                "subject": actor_names[subject_id],
                "subject_id": subject_id,
                "relation": relation_slugs[relation_id],
                "object": actor_names[object_id],
                "object_id": object_id,
                "qualifier": qualifier,
            },
        )


SOURCE_COLUMNS = (
    "id",
    "article_id",
    "kind",
    "actor_id",
    "unnamed_kind",
    "affiliation_id",
    "description",
    "actor__name",
    "affiliation__name",
    "article__outlet",
    "article__byline",
)


def source_entities(listed: QuerySet[Source]) -> dict[int, dict[str, Any]]:
    """The `listed` sources (Plan.sources) by id, in one query, each with the names it refers to
    spelled out and its label as the screens write it (models.entity_label: an author's is
    "Jane Doe, Los Angeles Times (author)")."""
    entities = {}
    for (
        source_id,
        article_id,
        kind,
        actor_id,
        unnamed_kind,
        affiliation_id,
        description,
        actor_name,
        affiliation_name,
        outlet,
        byline,
    ) in listed.order_by("id").values_list(*SOURCE_COLUMNS):
        entities[source_id] = {
            "id": source_id,
            "article": article_id,
            "kind": kind,
            "actor": actor_id,
            "actor_name": actor_name,
            "unnamed_kind": unnamed_kind,
            "affiliation": affiliation_id,
            "affiliation_name": affiliation_name,
            "description": description,
            "label": entity_label(
                kind,
                actor=actor_name,
                description=description,
                affiliation=affiliation_name,
                outlet=outlet,
                byline=byline,
            ),
        }
    return entities


# What the JSON document's `sources` list holds of each entity: ids only, like actors and claims.
_LISTED_SOURCE_KEYS = (
    "id",
    "article",
    "kind",
    "actor",
    "unnamed_kind",
    "affiliation",
    "description",
    "label",
)
# What a JSONL line's `source` holds of its entity, names spelled out (the mention adds its
# description and span).
_LINE_SOURCE_KEYS = (
    "id",
    "kind",
    "actor",
    "actor_name",
    "unnamed_kind",
    "affiliation",
    "affiliation_name",
    "label",
)


def sources(entities: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON document's `sources` list, in id order."""
    return [{key: entity[key] for key in _LISTED_SOURCE_KEYS} for entity in entities.values()]


def unlinked(article_id: int, annotation_id: int) -> str:
    """The message for an annotation without a source entity (written around the services)."""
    return (
        f"Export stopped: annotation {annotation_id} in article {article_id} has no source "
        "entity (it was written around the services). Link it with "
        "annotate.services.link_unlinked() and export again."
    )


def _usernames() -> dict[int, str]:
    User = get_user_model()
    return dict(User.objects.values_list("pk", User.USERNAME_FIELD))


# ---------------------------------------------------------------- merging articles and annotations


def _mismatch(
    article_id: int,
    annotation_id: int,
    what: str,
    start: int | None,
    end: int | None,
    quote: str,
    text: str,
) -> str:
    found = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
    return (
        f"Export stopped: annotation {annotation_id} in article {article_id} has a {what} span "
        f"{start}–{end} whose stored quote {quote!r} does not match the article text {found!r}. "
        "Fix or delete that annotation; the article text may have been changed outside the app."
    )


def _optional_span(
    article_id: int,
    annotation_id: int,
    what: str,
    text: str,
    start: int | None,
    end: int | None,
    quote: str,
) -> dict[str, Any] | None:
    if start is None:
        return None
    if end is None or text[start:end] != quote or not 0 <= start < end <= len(text):
        raise ExportError(_mismatch(article_id, annotation_id, what, start, end, quote, text))
    return {"start": start, "end": end, "quote": quote}


class UtcIso(Func):
    """A timestamp column, as ISO 8601 UTC text formatted by PostgreSQL.

    psycopg's timestamptz loader (as Django configures it) parses in Python and was half the
    PostgreSQL export time; to_char costs the server next to nothing. Elsewhere the column is read
    as is: SQLite's driver returns naive UTC datetimes, which orjson writes with OPT_NAIVE_UTC.
    """

    output_field = CharField()
    template = "%(expressions)s"

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _AsSqlType:
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')',
            **extra,
        )


def stream(
    queryset: QuerySet[Any], columns: tuple[str, ...], chunk_size: int
) -> Generator[tuple[Any, ...], None, None]:
    """Rows as plain tuples straight from the driver, through a server-side cursor on PostgreSQL.

    Django's per-value converters were most of the export's time (make_aware on 200,000
    timestamps); the columns read here need none: SQLite's driver already parses dates and
    timestamps (naive UTC, serialised with OPT_NAIVE_UTC) and psycopg returns aware ones.
    """
    sql, params = queryset.values_list(*columns).query.sql_with_params()
    cursor = connections[queryset.db].chunked_cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows
    finally:
        cursor.close()


def walk(
    plan: Plan, stats: ExportStats, *, lines: bool = False
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield (article dict, [annotation dict, ...]) per article, in article-id order.

    With `lines`, each annotation is a self-contained JSONL object instead: it carries its article
    and its claim spelled out (serialised once each, embedded as orjson Fragments) and its source
    entity with the names it refers to and its label.
    """
    usernames = _usernames()
    context = spans.context
    fragment = orjson.Fragment
    timestamps = plan.annotations.annotate(
        reviewed_iso=UtcIso("reviewed_at"),
        created_iso=UtcIso("created_at"),
        updated_iso=UtcIso("updated_at"),
    )
    rows = stream(timestamps, ANNOTATION_QUERY_COLUMNS, CHUNK_SIZE)
    articles = stream(plan.articles, ARTICLE_COLUMNS, 50)
    try:
        yield from _merge(rows, articles, plan, stats, lines, usernames, context, fragment)
    finally:
        # Close both cursors now, not whenever an exception's traceback is freed: a PostgreSQL
        # server-side cursor closed late would fail inside whatever transaction runs by then.
        rows.close()
        articles.close()


def _merge(
    rows: Iterator[tuple[Any, ...]],
    articles: Iterator[tuple[Any, ...]],
    plan: Plan,
    stats: ExportStats,
    lines: bool,
    usernames: dict[int, str],
    context: Callable[[str, int, int], tuple[str, str]],
    fragment: type[orjson.Fragment],
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The merge join proper: both streams are ordered by article id."""
    if lines:
        actor_names = dict(plan.actors.values_list("id", "name"))
        claim_values = {
            claim_id: fragment(orjson.dumps(claim))
            for claim_id, claim in line_claims(plan.claims, actor_names)
        }
        line_sources = {
            source_id: {key: entity[key] for key in _LINE_SOURCE_KEYS}
            for source_id, entity in source_entities(plan.sources).items()
        }
    pending = next(rows, None)
    for (
        article_id,
        title,
        outlet,
        byline,
        url,
        published_on,
        language,
        text_sha256,
        text,
    ) in articles:
        article = {
            "id": article_id,
            "title": title,
            "outlet": outlet,
            "byline": byline,
            "url": url,
            "published_on": published_on,
            "language": language,
            "text_sha256": text_sha256,
        }
        if lines:
            article_value = fragment(orjson.dumps(article))
        items: list[dict[str, Any]] = []
        text_length = len(text)
        while pending is not None and pending[1] == article_id:
            (
                ann_id,
                _,
                claim_id,
                reviewer_id,
                curator_id,
                start,
                end,
                quote,
                source_kind,
                source_actor_id,
                source_description,
                source_id,
                source_start,
                source_end,
                source_quote,
                cue_start,
                cue_end,
                cue_quote,
                stance,
                certainty,
                confidence,
                status,
                note,
                curator_comment,
                changed_after_review,
                reviewed_at,
                created_at,
                updated_at,
            ) = pending
            if ann_id in plan.skip_ids:  # --per-cluster: a copy of a version already written
                pending = next(rows, None)
                continue
            if text[start:end] != quote or not 0 <= start < end <= text_length:
                raise ExportError(_mismatch(article_id, ann_id, "content", start, end, quote, text))
            prefix, suffix = context(text, start, end)
            if source_id is None:
                raise ExportError(unlinked(article_id, ann_id))
            span = _optional_span(
                article_id, ann_id, "source", text, source_start, source_end, source_quote
            )
            if lines:
                entity = line_sources.get(source_id)
                if entity is None:  # SQLite: a source made after the list was read
                    raise ExportError(changed_meanwhile(ann_id, f"source {source_id}"))
                # The entity's fields, then this mention's own wording and span.
                source = {**entity, "description": source_description, "span": span}
                head = {"id": ann_id, "article": article_value, "claim": claim_values[claim_id]}
            else:
                source = {
                    "id": source_id,
                    "kind": source_kind,
                    "actor": source_actor_id,
                    "description": source_description,
                    "span": span,
                }
                head = {"id": ann_id, "claim": claim_id}
            items.append(
                {
                    **head,
                    "stance": stance,
                    "certainty": certainty,
                    "confidence": confidence,
                    "status": status,
                    "reviewer": usernames.get(reviewer_id),
                    "curator": usernames.get(curator_id) if curator_id else None,
                    "curator_comment": curator_comment,
                    "reviewed_at": reviewed_at,
                    # SQLite's driver gives 0/1.
                    "changed_after_review": bool(changed_after_review),
                    "note": note,
                    "created_at": created_at,
                    "updated_at": updated_at,
                    "content": {
                        "start": start,
                        "end": end,
                        "quote": quote,
                        "prefix": prefix,
                        "suffix": suffix,
                    },
                    "source": source,
                    "cue": _optional_span(
                        article_id, ann_id, "cue", text, cue_start, cue_end, cue_quote
                    ),
                },
            )
            pending = next(rows, None)
        if pending is not None and pending[1] < article_id:
            # Both streams are ordered by article id, so this only happens if the data changed
            # between the two queries (an article deleted mid-export); refuse rather than drop rows.
            raise ExportError(
                f"Export stopped: annotation {pending[0]} points at article {pending[1]}, which "
                "was not in the article list read a moment earlier. Run the export again."
            )
        if plan.include_text:
            article["text"] = text
        stats.articles += 1
        stats.annotations += len(items)
        yield article, items
    if pending is not None:
        raise ExportError(
            f"Export stopped: annotation {pending[0]} points at article {pending[1]}, which was "
            "not in the article list read a moment earlier. Run the export again."
        )


def changed_meanwhile(annotation_id: int, what: str) -> str:
    """The message for a row that points at one the lists read up front lack (SQLite only: on
    PostgreSQL the export reads one snapshot)."""
    return (
        f"Export stopped: annotation {annotation_id} points at {what}, which was created after the "
        "export started. Run the export again."
    )
