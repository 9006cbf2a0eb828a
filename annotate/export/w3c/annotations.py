"""One Stancemark annotation dict (from rows.walk()) → its W3C Annotation and linked span annotations.

The mapping of every field is the table in docs/export.md ("One annotation"). Values that repeat
(agents, claims, sources, label bodies, an article's target source) are serialised once and embedded
as orjson Fragments, which keeps the export within a small factor of the JSON one.
"""

from __future__ import annotations

from typing import Any

import orjson

from annotate import spans
from annotate.export import rows
from annotate.export.filters import ExportError, Plan
from annotate.export.w3c.iris import ANNO_CONTEXT, Iris, article_source_iri, vocab
from annotate.models import SourceKind

# SQLite hands back naive UTC timestamps, psycopg aware ones (or text): all come out as ...Z.
DUMPS_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


class AnnotationShaper:
    """Turns walk()'s annotation dicts into serialised Annotations, caching what repeats.

    Every cache is bounded by a small table (users, claims, actors, label values), or, for the
    article's author and unnamed sources, emptied at each article: memory stays flat however long
    the export runs. The sources' labels are read once up front (rows.source_entities).
    """

    def __init__(self, iris: Iris, plan: Plan) -> None:
        self.iris = iris
        # Only the claims and actors the export may list (a reviewer's: those of their own work).
        self.actor_names: dict[int, str] = dict(plan.actors.values_list("id", "name"))
        self.relation_labels = {r["id"]: r["label"] for r in rows.relations()}
        self.claims = dict(rows.line_claims(plan.claims, self.actor_names))
        self.sources = rows.source_entities(plan.sources)
        self.claim_bodies: dict[int, bytes] = {}
        self.agents: dict[str, orjson.Fragment] = {}
        self.named_sources: dict[tuple[Any, ...], bytes] = {}
        self.article_sources: dict[tuple[Any, ...], bytes] = {}
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
        self.article_sources.clear()
        article_id = article["id"]
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
                self._source_body("tagging", source, annotation_id, article_id),
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
            out.append(dumps(annotation, option=DUMPS_OPTIONS))
            span, cue = source["span"], item["cue"]
            if span is None and cue is None:
                continue
            link = {"type": "SpecificResource", "purpose": "linking", "source": annotation_iri}
            if span is not None:
                identifies = self._source_body("identifying", source, annotation_id, article_id)
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
            raise ExportError(rows.changed_meanwhile(annotation_id, f"claim {claim_id}"))
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
        self, purpose: str, source: dict[str, Any], annotation_id: int, article_id: int
    ) -> bytes:
        """Who makes the claim (an actor, the article's author, an unnamed source), as a body."""
        if source["kind"] == SourceKind.NAMED:
            cache, key = self.named_sources, (purpose, source["actor"], source["description"])
        else:  # the author and unnamed sources are the article's own
            cache, key = self.article_sources, (purpose, source["id"], source["description"])
        body = cache.get(key)
        if body is None:
            resource = self._source_resource(source, annotation_id, article_id)
            body = cache[key] = orjson.dumps(
                {"type": "SpecificResource", "purpose": purpose, "source": resource}
            )
        return body

    def _source_resource(
        self, source: dict[str, Any], annotation_id: int, article_id: int
    ) -> dict[str, Any]:
        kind = source["kind"]
        entity = self.sources.get(source["id"])
        if entity is None:
            raise ExportError(rows.changed_meanwhile(annotation_id, f"source {source['id']}"))
        if kind == SourceKind.NAMED:
            if source["actor"] not in self.actor_names:
                raise ExportError(rows.changed_meanwhile(annotation_id, f"actor {source['actor']}"))
            iri = self.iris.actor(source["actor"])
        elif kind == SourceKind.AUTHOR:
            iri = self.iris.author(article_id)
        else:
            # One IRI per source of the article, whichever of its mentions this is.
            iri = self.iris.source(article_id, source["id"])
        resource: dict[str, Any] = {
            "id": iri,
            "type": vocab(_SOURCE_CLASSES[kind]),
            "label": entity["label"],
        }
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
        option=DUMPS_OPTIONS,
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
