"""Reading our own exports back: a JSON document or JSONL lines → version-independent records.

`read_path` parses one file and hands it to the reader for its `schema_version` (READERS); each
reader turns the file into the same plain records (RestoreData), which annotate.services.restore
resolves against the database, validates and writes. A later schema version is one more reader
function registered in READERS. JSONL lines carry no schema_version: a line whose source has an
`id` is read as version 2 (its source entity spelled out), any other as version 1.

Each record keeps `where`, its position in the file (a JSON pointer such as
/articles/3/annotations/17, or "line 12" for JSONL), so every problem can name it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson


class RestoreFileError(Exception):
    """The file as a whole cannot be read (not JSON, truncated, an unknown schema version...)."""


@dataclass
class ActorRecord:
    where: str
    id: Any
    name: Any
    kind: Any  # None when the file does not say (JSONL)
    affiliation: Any = None
    aliases: Any = field(default_factory=list)


@dataclass
class ClaimRecord:
    where: str
    id: Any
    subject: Any  # the file's actor id
    relation: Any  # slug
    object: Any
    qualifier: Any
    text: Any


@dataclass
class ArticleRecord:
    where: str
    id: Any
    title: Any
    outlet: Any
    url: Any
    published_on: Any
    language: Any
    text_sha256: Any
    text: Any  # None when the file has no text (JSONL, --no-text)
    byline: Any = ""  # version 2 on


@dataclass
class SourceRecord:
    """A source entity of an article (version 2 on): what annotations' `source.id` names."""

    where: str
    id: Any
    article: Any  # the file's article id
    kind: Any
    actor: Any  # the file's actor id (named)
    unnamed_kind: Any
    affiliation: Any  # the file's actor id or None (unnamed)
    description: Any


@dataclass
class AnnotationRecord:
    where: str
    article: Any  # the file's article id
    data: dict[str, Any]  # the export's annotation object; "claim" is the file's claim id


@dataclass
class RestoreData:
    """One file's content, whatever its schema version."""

    name: str
    schema_version: str
    actors: list[ActorRecord] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)  # {slug, label, description}
    claims: list[ClaimRecord] = field(default_factory=list)
    articles: list[ArticleRecord] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)
    annotations: list[AnnotationRecord] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, why)


def _list(doc: dict[str, Any], key: str, problems: list[tuple[str, str]]) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        problems.append((f"/{key}", f"{key!r} must be a list."))
        return []
    return value


def _is_id(value: Any) -> bool:
    return type(value) is int  # not True, not "3"


def _obj(where: str, value: Any, problems: list[tuple[str, str]]) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        problems.append((where, "Expected a JSON object."))
        return None
    return value


def read_document_v1(doc: dict[str, Any], name: str) -> RestoreData:
    """The JSON document of schema version 1 (docs/export.md, export-v1.schema.json)."""
    data = RestoreData(name=name, schema_version=str(doc["schema_version"]))
    problems = data.problems
    for i, raw in enumerate(_list(doc, "actors", problems)):
        where = f"/actors/{i}"
        if (actor := _obj(where, raw, problems)) is not None:
            if not _is_id(actor.get("id")):
                problems.append((where, f"Actor id {actor.get('id')!r} must be an integer."))
                continue
            data.actors.append(
                ActorRecord(
                    where,
                    actor.get("id"),
                    actor.get("name"),
                    actor.get("kind"),
                    actor.get("affiliation"),
                    actor.get("aliases") or [],
                )
            )
    for i, raw in enumerate(_list(doc, "relations", problems)):
        if (rel := _obj(f"/relations/{i}", raw, problems)) is not None:
            data.relations.append(
                {
                    "slug": rel.get("id"),
                    "label": rel.get("label"),
                    "description": rel.get("description") or "",
                }
            )
    for i, raw in enumerate(_list(doc, "claims", problems)):
        where = f"/claims/{i}"
        if (claim := _obj(where, raw, problems)) is not None:
            if not _is_id(claim.get("id")):
                problems.append((where, f"Claim id {claim.get('id')!r} must be an integer."))
                continue
            data.claims.append(
                ClaimRecord(
                    where,
                    claim.get("id"),
                    claim.get("subject"),
                    claim.get("relation"),
                    claim.get("object"),
                    claim.get("qualifier", ""),
                    claim.get("text"),
                )
            )
    for i, raw in enumerate(_list(doc, "articles", problems)):
        where = f"/articles/{i}"
        if (article := _obj(where, raw, problems)) is None:
            continue
        if not _is_id(article.get("id")):
            problems.append((where, f"Article id {article.get('id')!r} must be an integer."))
            continue
        data.articles.append(
            ArticleRecord(
                where,
                article.get("id"),
                article.get("title"),
                article.get("outlet", ""),
                article.get("url", ""),
                article.get("published_on"),
                article.get("language", "en"),
                article.get("text_sha256"),
                article.get("text"),
                article.get("byline", ""),
            )
        )
        annotations = article.get("annotations", [])
        if not isinstance(annotations, list):
            problems.append((f"{where}/annotations", "'annotations' must be a list."))
            continue
        for j, item in enumerate(annotations):
            at = f"{where}/annotations/{j}"
            if (ann := _obj(at, item, problems)) is not None:
                data.annotations.append(AnnotationRecord(at, article.get("id"), ann))
    return data


def read_document_v2(doc: dict[str, Any], name: str) -> RestoreData:
    """The JSON document of schema version 2 (export-v2.schema.json): version 1's, plus the
    `sources` list the annotations' `source.id` name, and articles' `byline`."""
    data = read_document_v1(doc, name)
    for i, raw in enumerate(_list(doc, "sources", data.problems)):
        where = f"/sources/{i}"
        if (source := _obj(where, raw, data.problems)) is None:
            continue
        if not _is_id(source.get("id")):
            data.problems.append((where, f"Source id {source.get('id')!r} must be an integer."))
            continue
        data.sources.append(_source_record(where, source, source.get("article")))
    return data


def _source_record(where: str, source: dict[str, Any], article: Any) -> SourceRecord:
    return SourceRecord(
        where,
        source.get("id"),
        article,
        source.get("kind"),
        source.get("actor"),
        source.get("unnamed_kind", ""),
        source.get("affiliation"),
        source.get("description", ""),
    )


def read_lines(lines: list[tuple[int, dict[str, Any]]], name: str) -> RestoreData:
    """JSONL lines (export-line-v2.schema.json, or v1): each line spells out its article (no
    text), its claim (actor names and ids) and its source: in version 2 the source entity (id,
    kind, actor and affiliation with their names), in version 1 only the actor's name. Sources
    are taken from their first line; the description of an unnamed one is its mentions'."""
    data = RestoreData(name=name, schema_version="1.0")
    actors: dict[Any, ActorRecord] = {}
    claims: dict[Any, ClaimRecord] = {}
    articles: dict[Any, ArticleRecord] = {}
    sources: dict[Any, SourceRecord] = {}
    for number, line in lines:
        where = f"line {number}"
        article, claim, source = line.get("article"), line.get("claim"), line.get("source")
        if not isinstance(article, dict) or not isinstance(claim, dict):
            data.problems.append((where, "Each line needs an 'article' and a 'claim' object."))
            continue
        source = source if isinstance(source, dict) else {}
        ids = (article.get("id"), claim.get("id"), claim.get("subject_id"), claim.get("object_id"))
        optional = [source.get(key) for key in ("id", "actor", "affiliation")]
        if not all(_is_id(v) for v in ids) or not all(v is None or _is_id(v) for v in optional):
            data.problems.append(
                (
                    where,
                    "article.id, claim.id, claim.subject_id, claim.object_id, and source.id, "
                    "source.actor and source.affiliation when given, must be integers.",
                )
            )
            continue
        for key, name_key in (("subject_id", "subject"), ("object_id", "object")):
            actor_id = claim.get(key)
            if actor_id not in actors:
                actors[actor_id] = ActorRecord(where, actor_id, claim.get(name_key), None)
        for key, name_key in (("actor", "actor_name"), ("affiliation", "affiliation_name")):
            actor_id = source.get(key)
            if actor_id is not None and actor_id not in actors:
                actors[actor_id] = ActorRecord(where, actor_id, source.get(name_key), None)
        if source.get("id") is not None and source["id"] not in sources:
            data.schema_version = "2.0"
            sources[source["id"]] = _source_record(where, source, article.get("id"))
        if claim.get("id") not in claims:
            claims[claim.get("id")] = ClaimRecord(
                where,
                claim.get("id"),
                claim.get("subject_id"),
                claim.get("relation"),
                claim.get("object_id"),
                claim.get("qualifier", ""),
                claim.get("text"),
            )
        if article.get("id") not in articles:
            articles[article.get("id")] = ArticleRecord(
                where,
                article.get("id"),
                article.get("title"),
                article.get("outlet", ""),
                article.get("url", ""),
                article.get("published_on"),
                article.get("language", "en"),
                article.get("text_sha256"),
                None,
                article.get("byline", ""),
            )
        ann = {**line, "claim": claim.get("id")}
        data.annotations.append(AnnotationRecord(where, article.get("id"), ann))
    relations = {c.relation for c in claims.values()}
    data.relations = [
        {"slug": s, "label": s, "description": ""} for s in sorted(relations, key=str)
    ]
    data.actors, data.claims, data.articles, data.sources = (
        list(actors.values()),
        list(claims.values()),
        list(articles.values()),
        list(sources.values()),
    )
    return data


# schema_version → reader of the JSON document. Minor versions only add optional fields
# (docs/export.md: a breaking change bumps the major number), so "1.x" falls back to "1".
READERS: dict[str, Callable[[dict[str, Any], str], RestoreData]] = {
    "1": read_document_v1,
    "2": read_document_v2,
}


def reader_for(version: Any) -> Callable[[dict[str, Any], str], RestoreData]:
    if not isinstance(version, str) or not version:
        raise RestoreFileError(
            f"schema_version {version!r} is not a version string: is this a Stancemark export?"
        )
    reader = READERS.get(version) or READERS.get(version.split(".")[0])
    if reader is None:
        known = ", ".join(f"{major}.x" for major in sorted(READERS))
        raise RestoreFileError(
            f"schema_version {version!r} is not one this Stancemark can import (known: {known}). "
            "Upgrade Stancemark, or export again with this version."
        )
    return reader


def read_path(path: Path) -> RestoreData:
    """Parse one export file; raise RestoreFileError if it is not one we can read at all."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RestoreFileError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    if not raw.strip():
        raise RestoreFileError(f"{path}: the file is empty.")
    lines_by_name = path.suffix.lower() in (".jsonl", ".ndjson")
    if not lines_by_name:
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            first = raw.lstrip()[:1]
            if first == b"{" and b"\n{" in raw.strip() and _looks_like_lines(raw):
                return _read_lines(raw, path)
            raise RestoreFileError(
                f"{path}: not valid JSON ({exc}); a truncated or damaged file? Nothing imported."
            ) from exc
        if not isinstance(doc, dict) or "schema_version" not in doc:
            raise RestoreFileError(
                f"{path}: not a Stancemark JSON export (no schema_version at the top)."
            )
        return reader_for(doc["schema_version"])(doc, str(path))
    return _read_lines(raw, path)


def _looks_like_lines(raw: bytes) -> bool:
    try:
        first = orjson.loads(raw.split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        return False
    return isinstance(first, dict) and "article" in first


def _read_lines(raw: bytes, path: Path) -> RestoreData:
    lines: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise RestoreFileError(
                f"{path}, line {number}: not valid JSON ({exc}); a truncated or damaged file? "
                "Nothing imported."
            ) from exc
        if not isinstance(value, dict):
            raise RestoreFileError(f"{path}, line {number}: expected a JSON object.")
        lines.append((number, value))
    return read_lines(lines, str(path))
