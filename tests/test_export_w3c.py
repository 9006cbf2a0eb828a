"""The W3C Web Annotation export: schema-valid JSON-LD, selectors that match the text, the mapping of
every field, IRIs, filters, flat queries, the command and the /export/ download."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import export, services
from annotate.export import w3c
from annotate.models import Annotation, Article, SourceKind, Status
from annotate.permissions import visibility_for
from tests import factories
from tests.test_export import _bulk_annotations
from tests.test_settings import load_settings

SCHEMA = (
    Path(__file__).resolve().parent.parent / "annotate" / "schemas" / "export-w3c-v1.schema.json"
)
ANNO = "http://www.w3.org/ns/anno.jsonld"
VOCAB = "urn:stancemark:vocab:"
EMOJI_TEXT = (
    "Officials 😀 in Kabul said Russia 🇷🇺 was arming the Taliban with rockets, "
    "a claim Moscow denied ✅ on Tuesday."
)
KABULOV_TEXT = (
    "Zamir Kabulov, the Kremlin's envoy, told reporters that Moscow talks to the Taliban "
    "to protect its citizens."
)
# The anno.jsonld terms this export uses; any other key must be a compact IRI whose prefix
# anno.jsonld defines, or a JSON-LD processor would silently drop it.
ANNO_TERMS = {
    "@context", "@graph", "id", "type", "body", "target", "source", "selector", "purpose",
    "motivation", "creator", "created", "modified", "generator", "generated", "nickname", "name",
    "label", "value", "format", "language", "exact", "prefix", "suffix", "start", "end",
    "items", "partOf", "first", "last", "next", "total", "startIndex",
}  # fmt: skip
ANNO_PREFIXES = ("rdf:", "rdfs:", "dcterms:")
URL = reverse("annotate:export")


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _w3c(filters: export.ExportFilters | None = None) -> dict[str, Any]:
    doc = orjson.loads(b"".join(export.iter_w3c(filters or export.ExportFilters())))
    _validator().validate(doc)
    return doc


def _pages(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node in doc["@graph"] if node["type"] == "AnnotationPage"]


def _collection(doc: dict[str, Any]) -> dict[str, Any]:
    (collection,) = [node for node in doc["@graph"] if node["type"] == "AnnotationCollection"]
    return collection


def _items(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for page in _pages(doc) for item in page["items"]}


def _iri(annotation: Annotation, suffix: str = "") -> str:
    return f"urn:stancemark:annotation/{annotation.pk}{suffix}"


def _bodies(item: dict[str, Any], purpose: str) -> list[Any]:
    return [body["source"] for body in item["body"] if body.get("purpose") == purpose]


def _classes(item: dict[str, Any], scheme: str) -> list[str]:
    return [
        source.removeprefix(f"{VOCAB}{scheme}/")
        for source in _bodies(item, "classifying")
        if source.startswith(f"{VOCAB}{scheme}/")
    ]


@pytest.fixture
def dataset(db, reviewer, other_reviewer, curator):
    """Three articles: emoji before spans, named/unnamed/author sources, source and cue spans."""
    russia = factories.make_actor("Russia", aliases=["Moscow"])
    kabulov = factories.make_actor("Zamir Kabulov", kind="person")
    emoji = factories.make_article(EMOJI_TEXT, title="Emoji article", url="https://example.org/a")
    plain = factories.make_article(title="Plain article")
    envoy = factories.make_article(KABULOV_TEXT, title="Envoy article")
    arms = factories.make_claim("Russia", "arms", "Taliban", qualifier="with rockets")
    supports = factories.make_claim("Russia", "supports", "Taliban")
    contacts = factories.make_claim("Russia", "contacts", "Taliban")
    unnamed = factories.make_annotation(
        article=emoji,
        reviewer=reviewer,
        claim=arms,
        phrase="Russia 🇷🇺 was arming the Taliban",
        source_kind=SourceKind.UNNAMED,
        source_description="Officials in Kabul",
        source_words="Officials 😀 in Kabul",
        cue_words="said",
    )
    named = factories.make_annotation(
        article=emoji,
        reviewer=other_reviewer,
        claim=arms,
        phrase="Moscow denied ✅",
        stance="denies",
        certainty="probable",
        confidence=2,
        source_kind=SourceKind.NAMED,
        source_actor=russia,
        source_description="the Russian government",
        note="Denial reported second-hand.",
    )
    author = factories.make_annotation(
        article=plain, reviewer=reviewer, claim=supports, phrase="Russia was supporting"
    )
    envoy_ann = factories.make_annotation(
        article=envoy,
        reviewer=other_reviewer,
        claim=contacts,
        phrase="Moscow talks to the Taliban",
        source_kind=SourceKind.NAMED,
        source_actor=kabulov,
        source_words="Zamir Kabulov",
        cue_words="told reporters",
    )
    gone = factories.make_annotation(article=plain, reviewer=other_reviewer, phrase="Russia denies")
    services.annotation_delete(annotation=gone, user=other_reviewer)
    services.annotation_review(annotation=author, curator=curator, status=Status.ACCEPTED)
    return {
        "emoji": emoji,
        "plain": plain,
        "envoy": envoy,
        "unnamed": unnamed,
        "named": named,
        "author": author,
        "envoy_ann": envoy_ann,
        "gone": gone,
        "russia": russia,
        "kabulov": kabulov,
    }


# ---------------------------------------------------------------- the document


def test_export_validates_and_every_selector_matches_the_text(dataset):
    doc = _w3c()
    texts = {}
    for article in Article.objects.all():
        texts[f"urn:stancemark:article/{article.pk}"] = article.text
    checked = 0
    for item in _items(doc).values():
        assert item["@context"] == ANNO
        target = item["target"]
        text = texts[target["source"]["dcterms:identifier"][0]]
        quote, position = target["selector"]
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"]
        assert quote["prefix"] == text[max(0, start - 32) : start]
        assert quote["suffix"] == text[end : end + 32]
        checked += 1
    # 4 live annotations, plus 2 source spans and 2 cue spans as linked annotations.
    assert checked == 8
    assert _collection(doc)["total"] == 8


def test_keys_are_anno_terms_or_prefixed_iris(dataset):
    """JSON-LD processors drop keys the context does not define; every key here is defined."""

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    unknown = {k for k in keys(_w3c()) if k not in ANNO_TERMS and not k.startswith(ANNO_PREFIXES)}
    assert unknown == set()


def _first_item(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["@graph"][0]["items"][0]


@pytest.mark.parametrize(
    ("section", "break_it"),
    [
        ("3.1 @context", lambda d: _first_item(d).update({"@context": [ANNO]})),
        ("3.1 id", lambda d: _first_item(d).pop("id")),
        ("3.1 type", lambda d: _first_item(d).update({"type": "Note"})),
        ("3.1 target", lambda d: _first_item(d).pop("target")),
        ("3.2.5 bodyValue", lambda d: _first_item(d).update({"bodyValue": "x"})),
        (
            "3.3.1 created",
            lambda d: _first_item(d).update({"created": "2025-01-01T12:00:00+01:00"}),
        ),
        ("4 source", lambda d: _first_item(d)["target"].update({"source": ["urn:a", "urn:b"]})),
        (
            "4.2.4 exact",
            lambda d: _first_item(d)["target"]["selector"][0].pop("exact"),
        ),
        (
            "4.2.5 start",
            lambda d: _first_item(d)["target"]["selector"][1].update({"start": -1}),
        ),
        ("5.2 items", lambda d: d["@graph"][0].update({"items": []})),
        ("5.1 first", lambda d: _collection(d).pop("first")),
        ("5.1 label", lambda d: _collection(d).update({"label": 3})),
    ],
)
def test_schema_refuses_what_the_model_forbids(dataset, section, break_it):
    doc = _w3c()
    break_it(doc)
    assert not _validator().is_valid(doc), section


def test_a_page_per_article_chained_to_the_collection(dataset):
    doc = _w3c()
    assert doc["@context"] == ANNO
    pages = _pages(doc)
    collection = _collection(doc)
    assert doc["@graph"][-1] == collection  # last: its total is known once the pages are out
    articles = [dataset["emoji"], dataset["plain"], dataset["envoy"]]
    assert [p["id"] for p in pages] == [f"{collection['id']}/page/{a.pk}" for a in articles]
    assert [len(p["items"]) for p in pages] == [4, 1, 3]
    assert [p["startIndex"] for p in pages] == [0, 4, 5]
    assert [p.get("next") for p in pages] == [pages[1]["id"], pages[2]["id"], None]
    assert {p["partOf"] for p in pages} == {collection["id"]}
    assert collection["first"] == pages[0]["id"]
    assert collection["last"] == pages[-1]["id"]
    assert collection["total"] == sum(len(p["items"]) for p in pages)
    assert collection["@context"] == ANNO
    assert collection["generated"].endswith("Z")
    assert collection["generator"]["type"] == "Software"
    # Each page lists its article's annotations only.
    for page, article in zip(pages, articles, strict=True):
        ids = {item["target"]["source"]["dcterms:identifier"][0] for item in page["items"]}
        assert ids == {f"urn:stancemark:article/{article.pk}"}


def test_unnamed_source_with_spans_maps_every_field(dataset):
    item_map = _items(_w3c())
    ann = dataset["unnamed"]
    item = item_map[_iri(ann)]
    assert item["type"] == "Annotation"
    assert item["motivation"] == "classifying"
    assert item["creator"] == {
        "id": "urn:stancemark:user/reviewer",
        "type": "Person",
        "nickname": "reviewer",
    }
    stored = Annotation.objects.get(pk=ann.pk)
    assert datetime.fromisoformat(item["created"].replace("Z", "+00:00")) == stored.created_at
    assert datetime.fromisoformat(item["modified"].replace("Z", "+00:00")) == stored.updated_at
    (claim,) = _bodies(item, "identifying")
    assert claim == {
        "id": f"urn:stancemark:claim/{ann.claim_id}",
        "type": "rdf:Statement",
        "label": "Russia arms Taliban with rockets",
        "rdf:subject": {"id": f"urn:stancemark:actor/{dataset['russia'].pk}", "label": "Russia"},
        "rdf:predicate": {"id": "urn:stancemark:relation/arms", "label": "arms"},
        "rdf:object": {"id": f"urn:stancemark:actor/{ann.claim.object_id}", "label": "Taliban"},
        "rdfs:comment": "with rockets",
    }
    (source,) = _bodies(item, "tagging")
    assert source == {
        # An entity of the article: the same IRI for each of its mentions.
        "id": f"urn:stancemark:article/{ann.article_id}/source/{ann.source_id}",
        "type": f"{VOCAB}UnnamedSource",
        "label": "Officials in Kabul",
        "rdfs:comment": "Officials in Kabul",
    }
    assert _classes(item, "stance") == ["asserts"]
    assert _classes(item, "certainty") == ["unspecified"]
    assert _classes(item, "confidence") == ["4"]
    assert _bodies(item, "moderating") == [f"{VOCAB}status/pending"]
    assert _bodies(item, "commenting") == []  # no note
    target = item["target"]
    assert target["type"] == "SpecificResource"
    assert target["source"] == {
        "id": "https://example.org/a",  # the article's URL, as it has one
        "type": "Text",
        "format": "text/plain",
        "language": "en",
        "label": "Emoji article",
        "dcterms:identifier": [
            f"urn:stancemark:article/{dataset['emoji'].pk}",
            f"urn:sha256:{dataset['emoji'].text_sha256}",
        ],
    }
    start = EMOJI_TEXT.index("Russia 🇷🇺")
    # 😀 counts as one code point, as in the model (§4.2.4): not two UTF-16 units.
    assert target["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "Russia 🇷🇺 was arming the Taliban",
            "prefix": "Officials 😀 in Kabul said ",
            "suffix": " with rockets, a claim Moscow de",
        },
        {"type": "TextPositionSelector", "start": start, "end": start + 32},
    ]
    mention = item_map[_iri(ann, "/source-span")]
    assert mention["motivation"] == "identifying"
    assert _bodies(mention, "identifying") == [source]
    assert _bodies(mention, "linking") == [_iri(ann)]
    assert _bodies(mention, "classifying") == [f"{VOCAB}SourceMention"]
    assert mention["target"]["selector"][0]["exact"] == "Officials 😀 in Kabul"
    assert mention["target"]["selector"][1] == {
        "type": "TextPositionSelector",
        "start": 0,
        "end": len("Officials 😀 in Kabul"),
    }
    cue = item_map[_iri(ann, "/cue-span")]
    assert cue["motivation"] == "linking"
    assert _bodies(cue, "linking") == [_iri(ann)]
    assert _bodies(cue, "classifying") == [f"{VOCAB}AttributionCue"]
    assert cue["target"]["selector"][0]["exact"] == "said"
    assert cue["creator"] == item["creator"]
    assert cue["target"]["source"] == target["source"]


def test_named_and_author_sources_note_and_review(dataset):
    item_map = _items(_w3c())
    named = item_map[_iri(dataset["named"])]
    assert _bodies(named, "tagging") == [
        {
            "id": f"urn:stancemark:actor/{dataset['russia'].pk}",
            "type": f"{VOCAB}NamedSource",
            "label": "Russia",
            "rdfs:comment": "the Russian government",
        }
    ]
    assert _classes(named, "stance") == ["denies"]
    assert _classes(named, "certainty") == ["probable"]
    assert _classes(named, "confidence") == ["2"]
    notes = [b for b in named["body"] if b["type"] == "TextualBody"]
    assert notes == [
        {
            "type": "TextualBody",
            "purpose": "commenting",
            "value": "Denial reported second-hand.",
            "format": "text/plain",
        }
    ]
    assert _iri(dataset["named"], "/source-span") not in item_map  # no source span, no link
    assert _iri(dataset["named"], "/cue-span") not in item_map
    author = item_map[_iri(dataset["author"])]
    plain = dataset["plain"]
    assert _bodies(author, "tagging") == [
        {
            "id": f"urn:stancemark:article/{plain.pk}/author",
            "type": f"{VOCAB}AuthorSource",
            "label": "Author of the article",
        }
    ]
    # A reviewed annotation: the status body is the curator's.
    (status,) = [b for b in author["body"] if b.get("purpose") == "moderating"]
    assert status["source"] == f"{VOCAB}status/accepted"
    assert status["creator"]["nickname"] == "curator"
    # Without a URL the article is its text's SHA-256, the same in every installation.
    assert author["target"]["source"]["id"] == f"urn:sha256:{plain.text_sha256}"
    assert author["target"]["source"]["dcterms:identifier"] == [
        f"urn:stancemark:article/{plain.pk}"
    ]
    envoy = item_map[_iri(dataset["envoy_ann"], "/source-span")]
    assert _bodies(envoy, "identifying")[0]["id"] == f"urn:stancemark:actor/{dataset['kabulov'].pk}"
    assert envoy["target"]["selector"][0] == {
        "type": "TextQuoteSelector",
        "exact": "Zamir Kabulov",
        "prefix": "",
        "suffix": KABULOV_TEXT[len("Zamir Kabulov") : len("Zamir Kabulov") + 32],
    }


def test_deleted_annotations_are_left_out(dataset):
    ids = set(_items(_w3c()))
    assert not any(i.startswith(_iri(dataset["gone"])) for i in ids)


def test_iris_follow_the_configured_base_and_are_stable(dataset, settings):
    first = _w3c()
    assert _items(first).keys() == _items(_w3c()).keys()  # the same annotations, the same IRIs
    settings.STANCEMARK_BASE_IRI = "https://stancemark.example.org/id/"
    doc = _w3c()
    item = _items(doc)[f"https://stancemark.example.org/id/annotation/{dataset['unnamed'].pk}"]
    assert item["creator"]["id"] == "https://stancemark.example.org/id/user/reviewer"
    assert _collection(doc)["id"].startswith("https://stancemark.example.org/id/export/")
    assert _collection(doc)["id"] != _collection(first)["id"]  # each export is its own collection
    # The vocabulary is Stancemark's, not the installation's.
    assert _classes(item, "stance") == ["asserts"]


def test_usernames_are_escaped_in_iris(dataset, settings):
    user = factories.make_user("ünï code+x@example")
    factories.make_annotation(article=dataset["plain"], reviewer=user, phrase="Russia denies")
    creators = {i["creator"]["nickname"]: i["creator"]["id"] for i in _items(_w3c()).values()}
    assert creators["ünï code+x@example"] == "urn:stancemark:user/%C3%BCn%C3%AF%20code+x@example"


def test_a_bad_base_iri_stops_the_settings(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="STANCEMARK_BASE_IRI"):
        load_settings(monkeypatch, STANCEMARK_BASE_IRI="stancemark.example.org")
    with pytest.raises(ImproperlyConfigured, match="ending in"):
        load_settings(monkeypatch, STANCEMARK_BASE_IRI="https://stancemark.example.org/id")
    values = load_settings(monkeypatch, STANCEMARK_BASE_IRI="https://stancemark.example.org/id/")
    assert values["STANCEMARK_BASE_IRI"] == "https://stancemark.example.org/id/"
    assert load_settings(monkeypatch)["STANCEMARK_BASE_IRI"] == "urn:stancemark:"


def test_article_url_that_is_not_an_iri_falls_back_to_the_text_hash():
    assert w3c.article_source_iri("https://example.org/a b", "ab" * 32) == f"urn:sha256:{'ab' * 32}"
    assert w3c.article_source_iri("", "ab" * 32) == f"urn:sha256:{'ab' * 32}"
    assert w3c.article_source_iri("https://example.org/a", "ab" * 32) == "https://example.org/a"


# ---------------------------------------------------------------- filters and restrictions


def test_filters_apply_and_empty_articles_get_no_page(dataset, reviewer):
    accepted = _w3c(export.ExportFilters(statuses=["accepted"]))
    assert set(_items(accepted)) == {_iri(dataset["author"])}
    mine = _w3c(export.ExportFilters(reviewer_usernames=["reviewer"]))
    assert {i for i in _items(mine) if "-span" not in i} == {
        _iri(dataset["unnamed"]),
        _iri(dataset["author"]),
    }
    only = _w3c(export.ExportFilters(viewer=visibility_for(reviewer), reviewer_usernames=["other"]))
    assert _pages(only) == []
    assert _collection(only)["total"] == 0
    assert "first" not in _collection(only)
    # A named article without a matching annotation is in the JSON export, but a W3C page MUST
    # list at least one annotation (§5.2), so it gets none.
    asked = _w3c(
        export.ExportFilters(
            statuses=["accepted"], article_ids=[dataset["emoji"].pk, dataset["plain"].pk]
        )
    )
    assert [p["id"].rsplit("/", 1)[1] for p in _pages(asked)] == [str(dataset["plain"].pk)]


def test_no_text_changes_nothing(dataset):
    def stable(doc: dict[str, Any]) -> list[Any]:
        return [page["items"] for page in _pages(doc)]

    assert stable(_w3c(export.ExportFilters(include_text=False))) == stable(_w3c())
    data = b"".join(export.iter_w3c(export.ExportFilters(include_text=True)))
    assert EMOJI_TEXT.encode() not in data  # the article text is never in a W3C export


def test_unknown_filter_values_are_refused_before_any_byte(dataset):
    with pytest.raises(ValidationError) as excinfo:
        export.iter_w3c(export.ExportFilters(statuses=["bogus"]))
    assert "'bogus'" in excinfo.value.message_dict["statuses"][0]


def test_quote_mismatch_fails_loudly(dataset):
    Annotation.objects.filter(pk=dataset["envoy_ann"].pk).update(cue_quote="said")
    with pytest.raises(export.ExportError, match=f"annotation {dataset['envoy_ann'].pk}"):
        b"".join(export.iter_w3c(export.ExportFilters()))


@pytest.mark.parametrize("size", [10, 500])
def test_query_count_is_constant(db, reviewer, size, django_assert_max_num_queries):
    _bulk_annotations(size, reviewer)
    with CaptureQueriesContext(connection) as captured:
        doc = orjson.loads(b"".join(export.iter_w3c(export.ExportFilters(statuses=["pending"]))))
    assert _collection(doc)["total"] == size
    assert len(captured) <= 10
    with django_assert_max_num_queries(10):
        b"".join(export.iter_w3c(export.ExportFilters(statuses=["pending"])))


def test_streams_in_chunks_with_the_head_first(db, reviewer):
    _bulk_annotations(3000, reviewer)
    chunks = export.iter_w3c(export.ExportFilters())
    head = next(chunks)
    assert head == b'{"@context":"http://www.w3.org/ns/anno.jsonld","@graph":['
    rest = list(chunks)
    assert len(rest) > 1  # flushed in pieces, not built whole
    assert _collection(orjson.loads(head + b"".join(rest)))["total"] == 3000


# ---------------------------------------------------------------- the command


def test_command_writes_w3c_file_and_summary(dataset, tmp_path):
    out = tmp_path / "data.jsonld"
    err = io.StringIO()
    call_command("export_annotations", "--format", "w3c", "--output", str(out), stderr=err)
    doc = json.loads(out.read_text(encoding="utf-8"))
    _validator().validate(doc)
    assert _collection(doc)["total"] == 8
    assert "4 annotations from 3 articles" in err.getvalue()
    assert "w3c" in err.getvalue()


def test_command_w3c_to_stdout_with_filters(dataset):
    stdout = io.StringIO()
    call_command(
        "export_annotations",
        "--format",
        "w3c",
        "--reviewer",
        "other",
        "--article",
        str(dataset["envoy"].pk),
        "--no-text",
        stdout=stdout,
        stderr=io.StringIO(),
    )
    doc = json.loads(stdout.getvalue())
    _validator().validate(doc)
    assert set(_items(doc)) == {
        _iri(dataset["envoy_ann"]),
        _iri(dataset["envoy_ann"], "/source-span"),
        _iri(dataset["envoy_ann"], "/cue-span"),
    }


# ---------------------------------------------------------------- the Export page


def test_export_page_offers_w3c(reviewer_client, dataset):
    html = reviewer_client.get(URL).content.decode()
    assert 'value="w3c"' in html
    assert "W3C Web Annotation" in html


def test_reviewer_download_is_w3c_and_only_their_own(reviewer_client, dataset):
    response = reviewer_client.get(URL, {"download": "1", "format": "w3c"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == w3c.CONTENT_TYPE
    assert response["Content-Disposition"].endswith('.jsonld"')
    doc = orjson.loads(b"".join(response.streaming_content))
    _validator().validate(doc)
    assert {i["creator"]["nickname"] for i in _items(doc).values()} == {"reviewer"}


def test_curator_download_has_everyone_and_filters(client, curator, dataset):
    client.force_login(curator)
    response = client.get(URL, {"download": "1", "format": "w3c"})
    assert len(_items(orjson.loads(b"".join(response.streaming_content)))) == 8
    response = client.get(URL, {"download": "1", "format": "w3c", "status": "accepted"})
    doc = orjson.loads(b"".join(response.streaming_content))
    assert set(_items(doc)) == {_iri(dataset["author"])}
    response = client.get(URL, {"download": "1", "format": "w3c", "article": "999999"})
    assert response.status_code == 400
    assert "999999" in response.content.decode()
