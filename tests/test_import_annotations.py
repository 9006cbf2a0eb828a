"""import_annotations: restore (byte-for-byte round trip), merge, idempotence, validation, bad files."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import jsonschema
import orjson
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotate import export, services
from annotate.models import (
    Actor,
    ActorAlias,
    Annotation,
    Article,
    Claim,
    Source,
    SourceKind,
    Status,
)
from annotate.restoring import READERS
from tests import factories

SCHEMAS = Path(__file__).resolve().parent.parent / "annotate" / "schemas"
EMOJI_TEXT = (
    "Officials 😀 in Kabul said Russia 🇷🇺 was arming the Taliban with rockets, "
    "a claim Moscow denied ✅ on Tuesday."
)


@pytest.fixture
def dataset(db, reviewer, other_reviewer, curator):
    russia = factories.make_actor("Russia", aliases=["Moscow", "the Kremlin"])
    kabulov = factories.make_actor("Zamir Kabulov", kind="person")
    kabulov.affiliation = russia
    kabulov.save()
    emoji = factories.make_article(
        EMOJI_TEXT, title="Emoji article", outlet="Wire", url="https://example.org/1"
    )
    plain = factories.make_article(title="Plain article", language="de")
    Article.objects.filter(pk=plain.pk).update(published_on="2021-09-05")
    arms = factories.make_claim("Russia", "arms", "Taliban", qualifier="with rockets")
    supports = factories.make_claim("Russia", "supports", "Taliban")
    factories.make_annotation(
        article=emoji,
        reviewer=reviewer,
        claim=arms,
        phrase="Russia 🇷🇺 was arming the Taliban",
        source_kind=SourceKind.UNNAMED,
        source_description="Officials in Kabul",
        source_words="Officials 😀 in Kabul",
        cue_words="said",
        certainty="probable",
        note="Second-hand.",
    )
    factories.make_annotation(
        article=emoji,
        reviewer=other_reviewer,
        claim=arms,
        phrase="Moscow denied ✅",
        stance="denies",
        source_kind=SourceKind.NAMED,
        source_actor=russia,
        source_words="Moscow",
    )
    a3 = factories.make_annotation(
        article=plain, reviewer=reviewer, claim=supports, phrase="Russia was supporting"
    )
    gone = factories.make_annotation(article=plain, reviewer=other_reviewer, phrase="Russia denies")
    services.annotation_delete(annotation=gone, user=other_reviewer)
    services.annotation_review(annotation=a3, curator=curator, status=Status.ACCEPTED)
    return {"emoji": emoji, "plain": plain}


def _export(fmt: str = "json", **filters) -> bytes:
    produce = export.PRODUCERS[fmt]
    return b"".join(produce(export.ExportFilters(**filters)))


def _without_exported_at(data: bytes) -> bytes:
    stripped, count = re.subn(rb'"exported_at":"[^"]*",', b"", data, count=1)
    assert count == 1
    return stripped


def _wipe() -> None:
    Annotation.objects.all().delete()
    Source.objects.all().delete()
    Claim.objects.all().delete()
    Actor.objects.all().delete()
    Article.objects.all().delete()
    get_user_model().objects.all().delete()


def _import(*paths, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_annotations", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def as_version_1(doc: dict) -> dict:
    """A schema-2.0 document as Stancemark wrote it before sources were entities (1.0): no
    sources list, no source ids, no bylines; checked against the version-1 schema."""
    doc = copy.deepcopy(doc)
    doc["schema_version"] = "1.0"
    del doc["sources"], doc["label_sets"]["unnamed_kind"]
    for article in doc["articles"]:
        del article["byline"]
        for annotation in article["annotations"]:
            del annotation["source"]["id"]
    schema = orjson.loads((SCHEMAS / "export-v1.schema.json").read_bytes())
    jsonschema.Draft202012Validator(schema).validate(doc)
    return doc


def _write(tmp_path, data: bytes, name: str = "dataset.json"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Annotation, Claim, Actor, ActorAlias, Article, get_user_model())
    )


def test_restore_into_empty_database_exports_byte_for_byte(dataset, tmp_path):
    original = _export()
    path = _write(tmp_path, original)
    _wipe()
    out, err = _import(path, create_reviewers=True)
    assert "Added: 3 users" in out and "3 annotations" in out
    assert "read 3 annotations" in err
    assert _without_exported_at(_export()) == _without_exported_at(original)
    user = get_user_model().objects.get(username="reviewer")
    assert not user.has_usable_password()
    # New rows after a restore get fresh ids (sequences moved past the restored ones).
    again = factories.make_annotation(article=Article.objects.first())
    assert again.pk > max(
        a["id"] for art in orjson.loads(original)["articles"] for a in art["annotations"]
    )


def test_second_import_adds_nothing_and_says_so(dataset, tmp_path):
    path = _write(tmp_path, _export())
    before = _counts()
    out, _ = _import(path)
    assert out.startswith("Nothing to add")
    assert "Already there: 3 users" in out and "3 annotations" in out
    assert _counts() == before


def test_merge_matches_by_hash_name_alias_and_parts(dataset, tmp_path):
    doc = orjson.loads(_export())
    # The other installation spells actors differently and has one new annotation.
    for actor in doc["actors"]:
        if actor["name"] == "Russia":
            actor["name"] = "the kremlin"
            actor["aliases"] = ["Rossiya"]
    article = doc["articles"][0]
    # Another source for the same words: a new attribution (a second record of the same words,
    # claim and source would be refused: test_a_duplicate_in_the_file_is_refused_by_position).
    other_source = {"kind": "unnamed", "actor": None, "description": "A diplomat", "span": None}
    new = {**article["annotations"][0], "id": 999, "stance": "questions", "source": other_source}
    article["annotations"].append(new)
    path = _write(tmp_path, orjson.dumps(doc))
    before = _counts()
    out, _ = _import(path)
    assert "Added: 1 aliases, 1 annotations." in out
    assert _counts()[0] == before[0] + 1
    assert ActorAlias.objects.get(name="Rossiya").actor.name == "Russia"


def test_missing_reviewers_are_named_and_nothing_changes(dataset, tmp_path):
    path = _write(tmp_path, _export())
    _wipe()
    factories.make_user("reviewer")
    with pytest.raises(CommandError, match="curator, other"):
        _import(path)
    assert Article.objects.count() == 0


def test_dry_run_changes_nothing(dataset, tmp_path):
    path = _write(tmp_path, _export())
    _wipe()
    out, _ = _import(path, create_reviewers=True, dry_run=True)
    assert "Would add:" in out and "Dry run" in out
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_jsonl_merges_into_database_with_the_articles(dataset, tmp_path):
    lines = _export("jsonl")
    path = _write(tmp_path, lines, "dataset.jsonl")
    Annotation.objects.all().delete()
    Claim.objects.all().delete()
    out, _ = _import(path)
    assert "2 claims" in out and "3 annotations" in out
    assert _import(path)[0].startswith("Nothing to add")
    rows = [orjson.loads(line) for line in _export("jsonl").splitlines()]
    assert sorted((r["content"]["quote"], r["reviewer"]) for r in rows) == sorted(
        (orjson.loads(line)["content"]["quote"], orjson.loads(line)["reviewer"])
        for line in lines.splitlines()
    )


def test_article_missing_without_text_is_a_named_error(dataset, tmp_path):
    path = _write(tmp_path, _export(include_text=False))
    Annotation.objects.all().delete()
    plain_id = dataset["plain"].pk
    Article.objects.filter(pk=plain_id).delete()
    before = _counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="invalid record"):
        call_command("import_annotations", str(path), stderr=err)
    assert f"Article {plain_id} ('Plain article', text_sha256" in err.getvalue()
    assert "is not in this database and the file has no text for it" in err.getvalue()
    assert _counts() == before


def test_merge_into_another_installation_maps_every_id(dataset, tmp_path):
    original = orjson.loads(_export())
    path = _write(tmp_path, _export())
    _wipe()
    # The other installation has its own rows first, so every id in the file means something else.
    mine = factories.make_annotation(phrase=None)
    factories.make_actor("Taliban", kind="armed_group")
    factories.make_user("reviewer")
    out, _ = _import(path, create_reviewers=True)
    assert "3 annotations" in out
    merged = orjson.loads(_export())

    def readable(doc: dict) -> set[tuple]:
        actors = {a["id"]: a["name"] for a in doc["actors"]}
        claims = {c["id"]: c["text"] for c in doc["claims"]}
        return {
            (
                art["text_sha256"],
                ann["reviewer"],
                ann["curator"],
                claims[ann["claim"]],
                ann["content"]["quote"],
                actors.get(ann["source"]["actor"]),
                ann["stance"],
                ann["created_at"],
                ann["updated_at"],
            )
            for art in doc["articles"]
            for ann in art["annotations"]
        }

    assert readable(original) <= readable(merged)
    assert len(readable(merged)) == 4
    assert Annotation.objects.filter(pk=mine.pk).exists()
    assert _import(path)[0].startswith("Nothing to add")


def test_exit_status_is_not_zero_for_a_bad_file(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    bad = _write(tmp_path, b'{"schema_version": "1.0", "arti', "bad.json")
    env = {**os.environ, "DATABASE_URL": "", "STANCEMARK_SQLITE_PATH": str(tmp_path / "x.sqlite3")}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_annotations", str(bad)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "not valid JSON" in done.stderr and "Nothing imported" in done.stderr


def test_bad_records_are_reported_with_their_position(dataset, tmp_path, capsys):
    doc = orjson.loads(_export())
    first = doc["articles"][0]["annotations"][0]
    first["content"]["quote"] = "not the text"
    doc["articles"][0]["annotations"][1]["confidence"] = 9
    doc["articles"][1]["annotations"][0]["stance"] = "shouts"
    path = _write(tmp_path, orjson.dumps(doc))
    _wipe()
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 invalid record"):
        call_command("import_annotations", str(path), create_reviewers=True, stderr=err)
    text = err.getvalue()
    assert "/articles/0/annotations/0: Annotation" in text and "Quote does not match" in text
    assert "/articles/0/annotations/1:" in text and "Confidence 9" in text
    assert "/articles/1/annotations/0:" in text and "Unknown stance 'shouts'" in text
    assert _counts() == (0, 0, 0, 0, 0, 0)
    out, _ = _import(path, create_reviewers=True, skip_invalid=True)
    assert "Skipped 3 invalid record(s)" in out
    assert Article.objects.count() == 2 and Annotation.objects.count() == 0


def test_jsonl_bad_line_is_reported_by_number(dataset, tmp_path):
    lines = _export("jsonl").splitlines()
    second = orjson.loads(lines[1])
    second["content"]["end"] = 10_000
    lines[1] = orjson.dumps(second)
    path = _write(tmp_path, b"\n".join(lines) + b"\n", "x.jsonl")
    Annotation.objects.all().delete()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_annotations", str(path), stderr=err)
    assert "line 2: Annotation" in err.getvalue() and "runs past the end" in err.getvalue()
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not valid JSON"),
        (b'{"schema_version": "1.0", "articles": [', "truncated"),
        (b'{"schema_version": "9.0", "articles": []}', "'9.0' is not one this Stancemark"),
        (b'{"articles": []}', "no schema_version"),
        (b"", "empty"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(dataset, tmp_path, content, message):
    good = _write(tmp_path, _export(), "good.json")
    Annotation.objects.all().delete()
    before = _counts()
    with pytest.raises(CommandError, match=message):
        _import(good, _write(tmp_path, content, "bad.json"))
    assert _counts() == before


def test_a_later_minor_version_uses_the_version_1_reader(dataset, tmp_path):
    assert "1" in READERS
    version_1 = as_version_1(orjson.loads(_export()))
    path = _write(tmp_path, orjson.dumps({**version_1, "schema_version": "1.1"}))
    _wipe()
    out, _ = _import(path, create_reviewers=True)
    assert "3 annotations" in out


def test_several_files_import_in_one_transaction(dataset, tmp_path):
    original = _export()
    json_path = _write(tmp_path, original)
    jsonl_path = _write(tmp_path, _export("jsonl"), "same.jsonl")
    _wipe()
    out, _ = _import(json_path, jsonl_path, create_reviewers=True)
    assert "Added: 3 users" in out and ", 3 annotations." in out
    assert "Already there:" in out and "3 annotations." in out.split("Already there:")[1]
    assert _without_exported_at(_export()) == _without_exported_at(original)


def test_values_of_the_wrong_type_are_reported_not_crashed_on(dataset, tmp_path):
    doc = orjson.loads(_export())
    anns = doc["articles"][0]["annotations"]
    anns[0]["stance"] = ["asserts"]
    anns[0]["claim"] = [1]
    anns[1]["content"]["start"] = "3"
    anns[1]["source"]["actor"] = {"id": 1}
    doc["articles"][1]["id"] = "two"
    doc["actors"][0]["aliases"] = "not a list"
    path = _write(tmp_path, orjson.dumps(doc))
    _wipe()
    err = io.StringIO()
    with pytest.raises(CommandError, match="invalid record"):
        call_command("import_annotations", str(path), create_reviewers=True, stderr=err)
    text = err.getvalue()
    assert "/articles/0/annotations/0: Annotation" in text and "Unknown stance" in text
    assert "claim [1] is not a claim in the file" in text
    assert "/articles/0/annotations/1:" in text and "must be integers" in text
    assert "/articles/1: Article id 'two' must be an integer." in text
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_truncated_jsonl_names_the_line_and_changes_nothing(dataset, tmp_path):
    lines = _export("jsonl")
    path = _write(tmp_path, lines[: len(lines) - 40], "cut.jsonl")
    Annotation.objects.all().delete()
    with pytest.raises(CommandError, match=r"line 3: not valid JSON .*truncated"):
        _import(path)
    assert Annotation.objects.count() == 0


def test_an_annotation_id_given_twice_gets_new_ids_instead_of_failing(dataset, tmp_path):
    doc = orjson.loads(_export())
    anns = doc["articles"][0]["annotations"]
    other_source = {"kind": "unnamed", "actor": None, "description": "A diplomat", "span": None}
    anns.append({**anns[0], "stance": "questions", "source": other_source})  # same id, another
    path = _write(tmp_path, orjson.dumps(doc))
    _wipe()
    out, _ = _import(path, create_reviewers=True)
    assert ", 4 annotations." in out
    assert Annotation.objects.count() == 4


def test_a_duplicate_in_the_file_is_refused_by_position(dataset, tmp_path):
    doc = orjson.loads(_export())
    anns = doc["articles"][0]["annotations"]
    anns.append({**anns[0], "id": 998, "stance": "questions"})  # same words, claim and source
    path = _write(tmp_path, orjson.dumps(doc))
    _wipe()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 invalid record"):
        call_command("import_annotations", str(path), create_reviewers=True, stderr=err)
    assert "/articles/0/annotations/" in err.getvalue()
    assert "Annotation 998: the same reviewer, words, claim and source as annotation" in (
        err.getvalue()
    )
    assert Annotation.objects.count() == 0  # nothing imported
    out, _ = _import(path, create_reviewers=True, skip_invalid=True)
    assert "Skipped 1 invalid record(s)" in out and Annotation.objects.count() == 3
