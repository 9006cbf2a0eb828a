"""The IRIs of the W3C export: Stancemark's fixed vocabulary, and identifiers under STANCEMARK_BASE_IRI.

docs/export.md ("IRIs", "Vocabulary") lists them all. The base is checked when the settings load.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from urllib.parse import quote

from django.conf import settings

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Stancemark's own terms: the same in every installation, so exports from several can be merged.
VOCAB = "urn:stancemark:vocab:"
# An absolute IRI without the characters RFC 3987 forbids; the schema and the STANCEMARK_BASE_IRI
# check in project/settings.py use the same pattern.
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
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

    def source(self, article_id: int, source_id: int) -> str:
        """An unnamed source: an entity of its article, the same IRI for each of its mentions."""
        return f"{self.article(article_id)}/source/{source_id}"

    def author(self, article_id: int) -> str:
        return f"{self.article(article_id)}/author"

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
