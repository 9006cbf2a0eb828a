"""Sources in the export (schema 2.0): the sources list, the JSONL line spelled out, the author's
label, the W3C source IRIs, and the round trip through import_annotations (version 1 files too)."""

from __future__ import annotations

import io

import jsonschema
import orjson
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotate import export
from annotate.models import Annotation, Article, Source, SourceKind, UnnamedKind
from annotate.permissions import visibility_for
from tests import factories
from tests.test_export import _json, _lines, _schema
from tests.test_export_w3c import _bodies, _items, _w3c
from tests.test_import_annotations import (
    SCHEMAS,
    _export,
    _import,
    _wipe,
    _without_exported_at,
    _write,
    as_version_1,
)
from tests.test_sources import NDS_TEXT

NDS_OFFICIAL = "An official with the National Directorate of Security"


@pytest.fixture
def mentions(db, reviewer, other_reviewer):
    """An LA Times article by Jane Doe: one unnamed official (a person, of the Afghan government)
    mentioned three times, by two reviewers; analysts (a group); the author; a named actor."""
    article = factories.make_article(NDS_TEXT, outlet="Los Angeles Times", byline="Jane Doe")
    afghan = factories.make_actor("Afghan government")
    russia = factories.make_actor("Russia")
    first = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia was arming the Taliban",
        source_kind=SourceKind.UNNAMED, source_description=NDS_OFFICIAL, source_words=NDS_OFFICIAL,
        source_unnamed_kind=UnnamedKind.PERSON, source_affiliation=afghan,
    )  # fmt: skip
    later = [
        factories.make_annotation(
            article=article, reviewer=who, phrase=phrase, source=first.source, source_words=words
        )
        for who, phrase, words in (
            (reviewer, "Moscow paid for fuel", "The Afghan official"),
            (other_reviewer, "Iran also supplied weapons", "The official"),
        )
    ]
    analysts = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="the claims were plausible",
        source_kind=SourceKind.UNNAMED, source_description="Analysts",
        source_unnamed_kind=UnnamedKind.GROUP,
    )  # fmt: skip
    author = factories.make_annotation(article=article, reviewer=reviewer, phrase="Analysts said")
    named = factories.make_annotation(
        article=article, reviewer=other_reviewer, phrase="Moscow paid",
        source_kind=SourceKind.NAMED, source_actor=russia, source_description="the Kremlin's voice",
    )  # fmt: skip
    return {
        "article": article, "afghan": afghan, "russia": russia, "official": [first, *later],
        "analysts": analysts, "author": author, "named": named,
    }  # fmt: skip


def _by_id(doc: dict) -> dict[int, dict]:
    return {a["id"]: a for article in doc["articles"] for a in article["annotations"]}


def test_json_lists_each_source_once_and_every_mention_names_it(mentions):
    doc = _json()
    _schema("export-v2").validate(doc)
    assert doc["label_sets"]["unnamed_kind"] == ["person", "group", "organisation"]
    article, afghan = mentions["article"], mentions["afghan"]
    official = mentions["official"][0].source_id
    sources = {s["id"]: s for s in doc["sources"]}
    assert len(sources) == 4  # the official, the analysts, the author, Russia
    assert sources[official] == {
        "id": official,
        "article": article.pk,
        "kind": "unnamed",
        "actor": None,
        "unnamed_kind": "person",
        "affiliation": afghan.pk,
        "description": NDS_OFFICIAL,
        "label": f"{NDS_OFFICIAL} (Afghan government)",
    }
    assert afghan.pk in {a["id"] for a in doc["actors"]}
    items = _by_id(doc)
    quotes = []
    for mention in mentions["official"]:
        source = items[mention.pk]["source"]
        assert source["id"] == official and source["kind"] == "unnamed"
        quotes.append(source["span"]["quote"])
    assert quotes == [NDS_OFFICIAL, "The Afghan official", "The official"]  # each its own span
    analysts = sources[items[mentions["analysts"].pk]["source"]["id"]]
    assert (analysts["unnamed_kind"], analysts["affiliation"], analysts["label"]) == (
        "group",
        None,
        "Analysts",
    )
    named = items[mentions["named"].pk]["source"]
    assert (named["actor"], named["description"]) == (mentions["russia"].pk, "the Kremlin's voice")
    assert sources[named["id"]]["label"] == "Russia"


def test_the_author_is_exported_as_outlet_and_byline(mentions):
    doc = _json()
    (article,) = doc["articles"]
    assert (article["outlet"], article["byline"]) == ("Los Angeles Times", "Jane Doe")
    author = _by_id(doc)[mentions["author"].pk]["source"]
    assert author["kind"] == "author"
    listed = next(s for s in doc["sources"] if s["id"] == author["id"])
    assert listed["label"] == "Jane Doe, Los Angeles Times (author)"
    line = next(line for line in _lines() if line["id"] == mentions["author"].pk)
    assert line["source"]["label"] == "Jane Doe, Los Angeles Times (author)"
    assert line["article"]["byline"] == "Jane Doe"
    # Without a byline the outlet alone names the author.
    Article.objects.filter(pk=mentions["article"].pk).update(byline="")
    assert next(s for s in _json()["sources"] if s["id"] == author["id"])["label"] == (
        "Los Angeles Times (author)"
    )


def test_jsonl_spells_the_source_out(mentions):
    validator = _schema("export-line-v2")
    lines = {line["id"]: line for line in _lines()}
    for line in lines.values():
        validator.validate(line)
    official = [lines[m.pk]["source"] for m in mentions["official"]]
    assert {s["id"] for s in official} == {mentions["official"][0].source_id}
    assert official[1] == {
        "id": mentions["official"][0].source_id,
        "kind": "unnamed",
        "actor": None,
        "actor_name": None,
        "unnamed_kind": "person",
        "affiliation": mentions["afghan"].pk,
        "affiliation_name": "Afghan government",
        "label": f"{NDS_OFFICIAL} (Afghan government)",
        "description": NDS_OFFICIAL,
        "span": official[1]["span"],
    }
    assert official[1]["span"]["quote"] == "The Afghan official"
    named = lines[mentions["named"].pk]["source"]
    assert (named["actor_name"], named["label"], named["description"]) == (
        "Russia",
        "Russia",
        "the Kremlin's voice",
    )


def test_a_reviewer_export_lists_the_sources_and_affiliations_of_their_own_work(mentions, reviewer):
    doc = _json(export.ExportFilters(viewer=visibility_for(reviewer)))
    _schema("export-v2").validate(doc)
    mine = {a.source_id for a in Annotation.objects.filter(reviewer=reviewer)}
    assert {s["id"] for s in doc["sources"]} == mine
    assert mentions["named"].source_id not in mine  # the other reviewer's named source
    actors = {a["id"] for a in doc["actors"]}
    assert mentions["afghan"].pk in actors  # so the official's affiliation can be looked up


def test_w3c_unnamed_source_has_one_iri_for_all_its_mentions(mentions):
    items = _items(_w3c())
    article = mentions["article"]
    official = mentions["official"][0]

    def tagging(annotation: Annotation) -> dict:
        (source,) = _bodies(items[f"urn:stancemark:annotation/{annotation.pk}"], "tagging")
        return source

    iris = {tagging(m)["id"] for m in mentions["official"]}
    assert iris == {f"urn:stancemark:article/{article.pk}/source/{official.source_id}"}
    assert tagging(official)["label"] == f"{NDS_OFFICIAL} (Afghan government)"
    # The source span's identifying body names the same source.
    span = items[f"urn:stancemark:annotation/{mentions['official'][2].pk}/source-span"]
    assert _bodies(span, "identifying")[0]["id"] in iris
    assert tagging(mentions["analysts"])["id"] not in iris
    assert tagging(mentions["author"]) == {
        "id": f"urn:stancemark:article/{article.pk}/author",
        "type": "urn:stancemark:vocab:AuthorSource",
        "label": "Jane Doe, Los Angeles Times (author)",
    }


@pytest.mark.parametrize("fmt", ["json", "jsonl", "w3c"])
def test_sources_cost_one_query_whatever_their_number(db, reviewer, fmt):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(export.PRODUCERS[fmt](export.ExportFilters()))
        return len(captured)

    article = factories.make_article(NDS_TEXT)
    for n, phrase in enumerate(["Russia was arming", "Moscow paid", "Iran also", "Analysts said"]):
        factories.make_annotation(
            article=article, reviewer=reviewer, phrase=phrase,
            source_kind=SourceKind.UNNAMED, source_description=f"Official {n}",
        )  # fmt: skip
        if n == 0:
            few = queries()
    assert Source.objects.count() == 4
    assert queries() == few


# ---------------------------------------------------------------- import_annotations


def _source_values(annotation: Annotation) -> tuple:
    s = annotation.source
    return (s.kind, s.unnamed_kind, s.affiliation.name if s.affiliation else None, s.description)


def test_restore_keeps_sources_mentions_kind_and_affiliation(mentions, tmp_path):
    original = _export()
    before = {a.quote: _source_values(a) for a in Annotation.objects.select_related("source")}
    path = _write(tmp_path, original)
    _wipe()
    out, _ = _import(path, create_reviewers=True)
    assert "4 sources" in out
    assert _without_exported_at(_export()) == _without_exported_at(original)
    restored = Annotation.objects.select_related("source__affiliation")
    assert {a.quote: _source_values(a) for a in restored} == before
    official = restored.filter(quote__in=[m.quote for m in mentions["official"]])
    assert len({a.source_id for a in official}) == 1  # three mentions, one source
    assert Article.objects.get().byline == "Jane Doe"
    # A second import finds every source and annotation already there.
    out, _ = _import(path)
    assert "Nothing to add" in out and "4 sources" in out


def test_jsonl_restore_links_mentions_to_one_source(mentions, tmp_path):
    lines = _write(tmp_path, _export("jsonl"), "dataset.jsonl")
    Annotation.objects.all().delete()
    Source.objects.all().delete()
    _import(lines)
    official = Annotation.objects.filter(quote__in=[m.quote for m in mentions["official"]])
    (source,) = {a.source for a in official}
    assert (source.unnamed_kind, source.affiliation, source.description) == (
        "person",
        mentions["afghan"],
        NDS_OFFICIAL,
    )
    assert Source.objects.count() == 4


def test_merge_reuses_the_sources_already_there(mentions, tmp_path):
    """Into the same database, under another reviewer's name: the article's sources are found
    by identity, not made again."""
    doc = orjson.loads(_export())
    for item in doc["articles"][0]["annotations"]:
        item["reviewer"] = "newcomer"
    path = _write(tmp_path, orjson.dumps(doc))
    out, _ = _import(path, create_reviewers=True)
    assert "Already there:" in out and "4 sources" in out
    assert Source.objects.count() == 4
    copies = Annotation.objects.filter(reviewer__username="newcomer")
    assert copies.count() == 6
    assert {a.source_id for a in copies} == {s["id"] for s in doc["sources"]}


def test_a_version_1_file_still_imports_and_its_sources_are_linked(mentions, tmp_path):
    path = _write(tmp_path, orjson.dumps(as_version_1(orjson.loads(_export()))))
    _wipe()
    out, _ = _import(path, create_reviewers=True)
    assert "6 annotations" in out
    assert not Annotation.objects.filter(source__isnull=True).exists()
    official = Annotation.objects.filter(quote__in=[m.quote for m in mentions["official"]])
    (source,) = {a.source for a in official}  # same description: linked to one source
    assert (source.kind, source.description) == ("unnamed", NDS_OFFICIAL)
    # Version 1 never carried an unnamed source's kind or affiliation: nobody said.
    assert (source.unnamed_kind, source.affiliation) == ("", None)
    assert Article.objects.get().byline == ""
    _schema("export-v2").validate(orjson.loads(_export()))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc, ann: ann["source"].update(id=999999), "source 999999 is not a source"),
        (
            lambda doc, ann: ann["source"].update(kind="author", description=""),
            "is not the source it describes",
        ),
        (
            lambda doc, ann: doc["sources"][0].update(unnamed_kind="crowd"),
            "unknown kind of unnamed source 'crowd'",
        ),
        (
            lambda doc, ann: doc["sources"][0].update(affiliation=424242),
            "affiliation 424242 is not an actor in the file",
        ),
        (lambda doc, ann: doc["sources"][0].update(kind="rumour"), "unknown kind 'rumour'"),
        (lambda doc, ann: doc["sources"][0].update(id="7"), "Source id '7' must be an integer"),
    ],
)
def test_bad_sources_are_named_and_nothing_is_imported(mentions, tmp_path, change, message):
    doc = orjson.loads(_export())
    official = mentions["official"][0]
    doc["sources"].sort(key=lambda s: s["id"] != official.source_id)  # the official's first
    change(doc, _by_id(doc)[official.pk])
    path = _write(tmp_path, orjson.dumps(doc))
    _wipe()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_annotations", str(path), create_reviewers=True, stderr=err)
    assert message in err.getvalue()
    assert (Annotation.objects.count(), Source.objects.count()) == (0, 0)
    assert get_user_model().objects.count() == 0


def test_an_annotation_without_a_source_stops_the_export_naming_it(mentions):
    """Every write path links a source (the services, a restore, bulk loads via link_unlinked);
    a row written around them is refused rather than exported without its source."""
    Annotation.objects.filter(pk=mentions["author"].pk).update(source=None)
    for produce in (export.iter_json, export.iter_jsonl, export.iter_w3c):
        with pytest.raises(export.ExportError, match=f"annotation {mentions['author'].pk} "):
            b"".join(produce(export.ExportFilters()))


def test_version_1_jsonl_lines_still_import_and_are_linked(mentions, tmp_path):
    schema = orjson.loads((SCHEMAS / "export-line-v1.schema.json").read_bytes())
    old = []
    for line in _export("jsonl").splitlines():
        item = orjson.loads(line)
        del item["article"]["byline"]
        item["source"] = {
            key: item["source"][key]
            for key in ("kind", "actor", "actor_name", "description", "span")
        }
        jsonschema.Draft202012Validator(schema).validate(item)
        old.append(orjson.dumps(item))
    path = _write(tmp_path, b"\n".join(old) + b"\n", "old.jsonl")
    Annotation.objects.all().delete()
    Source.objects.all().delete()
    out, _ = _import(path)
    assert "6 annotations" in out
    assert Source.objects.count() == 4  # linked after the insert, as the upgrade linked them
    official = Annotation.objects.filter(quote__in=[m.quote for m in mentions["official"]])
    (source,) = {a.source for a in official}
    assert (source.description, source.unnamed_kind) == (NDS_OFFICIAL, "")
