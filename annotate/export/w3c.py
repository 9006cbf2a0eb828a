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

The mapping, the vocabulary and the IRIs are documented in docs/export.md ("W3C Web Annotation");
annotate/schemas/export-w3c-v1.schema.json is the JSON Schema, written from the model's MUSTs.
Values that repeat (agents, claims, labels, article targets) are serialised once and embedded as
orjson Fragments, which keeps the export within a small factor of the JSON one.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import orjson
from django.conf import settings
from django.utils import timezone

from annotate import spans
from annotate.export import rows
from annotate.export.filters import ExportError, ExportFilters, ExportStats, Plan, validate_filters
from annotate.export.formats import _buffered, generator_version
from annotate.models import Actor, SourceKind

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTENT_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
# Stancemark's own terms: the same in every installation, so exports from several can be merged.
VOCAB = "urn:stancemark:vocab:"
# An absolute IRI without the characters RFC 3987 forbids; the schema uses the same pattern.
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
_DUMPS_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
_SAFE_IN_IRI = "@+.-_~"


def vocab(term: str) -> str:
    """The IRI of a term of the Stancemark vocabulary, e.g. vocab("stance/asserts")."""
    return VOCAB + term


@dataclasses.dataclass(frozen=True)
class Iris:
    """The IRIs one export mints: `base` (STANCEMARK_BASE_IRI) followed by a kind and a key."""

    base: str
    collection: str

    @classmethod
    def for_export(cls) -> Iris:
        base = str(settings.STANCEMARK_BASE_IRI)
        return cls(base=base, collection=f"{base}export/{uuid.uuid4()}")

    def annotation(self, annotation_id: int) -> str:
        return f"{self.base}annotation/{annotation_id}"

    def article(self, article_id: int) -> str:
        return f"{self.base}article/{article_id}"

    def actor(self, actor_id: int) -> str:
        return f"{self.base}actor/{actor_id}"

    def claim(self, claim_id: int) -> str:
        return f"{self.base}claim/{claim_id}"

    def relation(self, slug: str) -> str:
        return f"{self.base}relation/{quote(slug, safe=_SAFE_IN_IRI)}"

    def user(self, username: str) -> str:
        return f"{self.base}user/{quote(username, safe=_SAFE_IN_IRI)}"

    def page(self, article_id: int) -> str:
        return f"{self.collection}/page/{article_id}"


def article_source_iri(url: str, text_sha256: str) -> str:
    """The article's URL when it is a usable absolute IRI, else urn:sha256 of its normalised text."""
    if url and ABSOLUTE_IRI.fullmatch(url):
        return url
    return f"urn:sha256:{text_sha256}"


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
        shaper = _Shaper(iris)
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
        _collection(iris, generated, total, first_page, last_page), option=_DUMPS_OPTIONS
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


class _Shaper:
    """Turns walk()'s annotation dicts into serialised Annotations, caching what repeats.

    Every cache is bounded by a small table (users, claims, actors, label values), or, for the
    article's author, emptied at each article: memory stays flat however long the export runs.
    """

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        self.actor_names = dict(Actor.objects.values_list("id", "name"))
        self.relation_labels = {r["id"]: r["label"] for r in rows.relations()}
        self.claims = dict(rows.line_claims(self.actor_names))
        self.claim_bodies: dict[int, bytes] = {}
        self.agents: dict[str, orjson.Fragment] = {}
        self.named_sources: dict[tuple[Any, ...], bytes] = {}
        self.author_sources: dict[tuple[Any, ...], bytes] = {}
        self.judgements: dict[tuple[Any, ...], bytes] = {}
        self.mention = orjson.Fragment(_classifying("SourceMention"))
        self.cue = orjson.Fragment(_classifying("AttributionCue"))

    # ------------------------------------------------------------------ the per-article loop

    def article_annotations(
        self, article: dict[str, Any], items: list[dict[str, Any]]
    ) -> list[bytes]:
        """Every Annotation of one article (each followed by its linked span annotations)."""
        iris = self.iris
        text: str = article["text"]
        article_iri = iris.article(article["id"])
        source_iri = article_source_iri(article["url"], article["text_sha256"])
        # Its other identifiers: the Stancemark article, and its text's hash unless that is the id.
        identifiers = [article_iri, f"urn:sha256:{article['text_sha256']}"]
        target_source = orjson.Fragment(
            orjson.dumps(
                {
                    "id": source_iri,
                    "type": "Text",
                    "format": "text/plain",
                    "language": article["language"],
                    "label": article["title"],
                    "dcterms:identifier": [i for i in identifiers if i != source_iri],
                }
            )
        )
        self.author_sources.clear()
        author = article_iri + "/author"
        dumps = orjson.dumps
        fragment = orjson.Fragment
        out: list[bytes] = []
        for item in items:
            annotation_id = item["id"]
            annotation_iri = iris.annotation(annotation_id)
            creator = self._agent(item["reviewer"])
            content = item["content"]
            source = item["source"]
            body = [
                self._claim_body(annotation_id, item["claim"]),
                self._source_body("tagging", source, annotation_id, author),
                self._judgements(item),
            ]
            if item["note"]:
                body.append(
                    dumps(
                        {
                            "type": "TextualBody",
                            "purpose": "commenting",
                            "value": item["note"],
                            "format": "text/plain",
                        }
                    )
                )
            annotation = {
                "@context": ANNO_CONTEXT,
                "id": annotation_iri,
                "type": "Annotation",
                "motivation": "classifying",
                "creator": creator,
                "created": item["created_at"],
                "modified": item["updated_at"],
                "body": fragment(b"[" + b",".join(body) + b"]"),
                "target": _target(
                    target_source,
                    content["start"],
                    content["end"],
                    content["quote"],
                    content["prefix"],
                    content["suffix"],
                ),
            }
            out.append(dumps(annotation, option=_DUMPS_OPTIONS))
            span, cue = source["span"], item["cue"]
            if span is None and cue is None:
                continue
            link = {"type": "SpecificResource", "purpose": "linking", "source": annotation_iri}
            if span is not None:
                identifies = self._source_body("identifying", source, annotation_id, author)
                out.append(
                    _linked(
                        item,
                        annotation_iri + "/source-span",
                        "identifying",
                        creator,
                        [fragment(identifies), link, self.mention],
                        _span_target(target_source, text, span),
                    )
                )
            if cue is not None:
                out.append(
                    _linked(
                        item,
                        annotation_iri + "/cue-span",
                        "linking",
                        creator,
                        [link, self.cue],
                        _span_target(target_source, text, cue),
                    )
                )
        return out

    # ------------------------------------------------------------------ bodies, cached

    def _agent(self, username: str | None) -> orjson.Fragment | None:
        if username is None:
            return None
        agent = self.agents.get(username)
        if agent is None:
            agent = self.agents[username] = orjson.Fragment(
                orjson.dumps(
                    {"id": self.iris.user(username), "type": "Person", "nickname": username}
                )
            )
        return agent

    def _judgements(self, item: dict[str, Any]) -> bytes:
        """Stance, certainty and confidence (classifying) and the status (moderating), joined."""
        key = (
            item["stance"],
            item["certainty"],
            item["confidence"],
            item["status"],
            item["curator"],
        )
        joined = self.judgements.get(key)
        if joined is None:
            stance, certainty, confidence, status, curator = key
            moderating: dict[str, Any] = {
                "type": "SpecificResource",
                "purpose": "moderating",
                "source": vocab("status/" + status),
            }
            if curator is not None:
                moderating["creator"] = self._agent(curator)
            joined = self.judgements[key] = b",".join(
                [
                    _classifying("stance/" + stance),
                    _classifying("certainty/" + certainty),
                    _classifying(f"confidence/{confidence}"),
                    orjson.dumps(moderating),
                ]
            )
        return joined

    def _claim_body(self, annotation_id: int, claim_id: int) -> bytes:
        body = self.claim_bodies.get(claim_id)
        if body is not None:
            return body
        claim = self.claims.get(claim_id)
        if claim is None:
            raise ExportError(_changed_meanwhile(annotation_id, f"claim {claim_id}"))
        iris = self.iris
        statement: dict[str, Any] = {
            "id": iris.claim(claim_id),
            "type": "rdf:Statement",
            "label": claim["text"],
            "rdf:subject": {"id": iris.actor(claim["subject_id"]), "label": claim["subject"]},
            "rdf:predicate": {
                "id": iris.relation(claim["relation"]),
                "label": self.relation_labels.get(claim["relation"], claim["relation"]),
            },
            "rdf:object": {"id": iris.actor(claim["object_id"]), "label": claim["object"]},
        }
        if claim["qualifier"]:
            statement["rdfs:comment"] = claim["qualifier"]
        body = self.claim_bodies[claim_id] = orjson.dumps(
            {"type": "SpecificResource", "purpose": "identifying", "source": statement}
        )
        return body

    def _source_body(
        self, purpose: str, source: dict[str, Any], annotation_id: int, author_iri: str
    ) -> bytes:
        """Who makes the claim (an actor, the article's author, an unnamed source), as a body."""
        if source["kind"] == SourceKind.UNNAMED:
            # An unnamed source's IRI is the annotation's own: nothing to reuse.
            return self._dumped_source(purpose, source, annotation_id, author_iri)
        cache = self.named_sources if source["kind"] == SourceKind.NAMED else self.author_sources
        key = (purpose, source["actor"], source["description"])
        body = cache.get(key)
        if body is None:
            body = cache[key] = self._dumped_source(purpose, source, annotation_id, author_iri)
        return body

    def _dumped_source(
        self, purpose: str, source: dict[str, Any], annotation_id: int, author_iri: str
    ) -> bytes:
        resource = self._source_resource(source, annotation_id, author_iri)
        return orjson.dumps({"type": "SpecificResource", "purpose": purpose, "source": resource})

    def _source_resource(
        self, source: dict[str, Any], annotation_id: int, author_iri: str
    ) -> dict[str, Any]:
        kind = source["kind"]
        if kind == SourceKind.NAMED:
            name = self.actor_names.get(source["actor"])
            if name is None:
                raise ExportError(_changed_meanwhile(annotation_id, f"actor {source['actor']}"))
            iri, label = self.iris.actor(source["actor"]), name
        elif kind == SourceKind.AUTHOR:
            iri, label = author_iri, str(SourceKind.AUTHOR.label)
        else:
            # The data model gives an unnamed source no identity beyond this attribution.
            iri = self.iris.annotation(annotation_id) + "/source"
            label = str(SourceKind.UNNAMED.label)
        resource: dict[str, Any] = {"id": iri, "type": vocab(_SOURCE_CLASSES[kind]), "label": label}
        if source["description"]:
            resource["rdfs:comment"] = source["description"]
        return resource


def _classifying(term: str) -> bytes:
    """A body classifying the target with a term of the Stancemark vocabulary."""
    return orjson.dumps(
        {"type": "SpecificResource", "purpose": "classifying", "source": vocab(term)}
    )


def _linked(
    item: dict[str, Any],
    iri: str,
    motivation: str,
    creator: orjson.Fragment | None,
    body: list[Any],
    target: dict[str, Any],
) -> bytes:
    """A source-span or cue-span annotation: same creator and times as the attribution it links."""
    return orjson.dumps(
        {
            "@context": ANNO_CONTEXT,
            "id": iri,
            "type": "Annotation",
            "motivation": motivation,
            "creator": creator,
            "created": item["created_at"],
            "modified": item["updated_at"],
            "body": body,
            "target": target,
        },
        option=_DUMPS_OPTIONS,
    )


_SOURCE_CLASSES = {
    SourceKind.NAMED: "NamedSource",
    SourceKind.UNNAMED: "UnnamedSource",
    SourceKind.AUTHOR: "AuthorSource",
}


def _target(
    source: orjson.Fragment, start: int, end: int, exact: str, prefix: str, suffix: str
) -> dict[str, Any]:
    return {
        "type": "SpecificResource",
        "source": source,
        "selector": [
            {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
            {"type": "TextPositionSelector", "start": start, "end": end},
        ],
    }


def _span_target(source: orjson.Fragment, text: str, span: dict[str, Any]) -> dict[str, Any]:
    start, end = span["start"], span["end"]
    prefix, suffix = spans.context(text, start, end)
    return _target(source, start, end, span["quote"], prefix, suffix)


def _changed_meanwhile(annotation_id: int, what: str) -> str:
    return (
        f"Export stopped: annotation {annotation_id} points at {what}, which was created after the "
        "export started. Run the export again."
    )
