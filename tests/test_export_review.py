"""Issue 10 item 3: the export carries the verdict (curator, comment, review time) and whether the
annotation changed after review; the v1 schemas take them as optional fields."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from annotate import export, services
from annotate.models import Annotation, Status
from tests import factories
from tests.test_export import _json, _lines, _schema

PHRASE = "Russia was supporting the Taliban"


@pytest.fixture
def reviewed(db, reviewer, curator):
    article = factories.make_article(title="Votel")
    accepted = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    accepted = services.annotation_review(
        annotation=accepted,
        curator=curator,
        status=Status.ACCEPTED,
        comment='Clear "hedged" claim',
        version=1,
    )
    changed = factories.make_annotation(article=article, reviewer=reviewer, start=0, end=4)
    changed = services.annotation_review(
        annotation=changed, curator=curator, status=Status.REJECTED, comment="No", version=1
    )
    changed = services.annotation_update(
        annotation=changed, user=reviewer, version=changed.version, stance="denies"
    )
    pending = factories.make_annotation(article=article, reviewer=reviewer, start=5, end=11)
    return {"accepted": accepted, "changed": changed, "pending": pending}


def _check(item: dict, annotation: Annotation) -> None:
    stored = Annotation.objects.get(pk=annotation.pk)
    assert item["curator"] == (stored.curator.username if stored.curator else None)
    assert item["curator_comment"] == stored.curator_comment
    assert item["changed_after_review"] is stored.changed_after_review
    if stored.reviewed_at is None:
        assert item["reviewed_at"] is None
    else:
        assert item["reviewed_at"].endswith("Z")
        assert datetime.fromisoformat(item["reviewed_at"].replace("Z", "+00:00")) == (
            stored.reviewed_at
        )


def test_json_export_carries_the_verdict_and_validates(reviewed):
    doc = _json()
    _schema("export-v2").validate(doc)
    assert doc["schema_version"] == "2.0"
    items = {a["id"]: a for article in doc["articles"] for a in article["annotations"]}
    for annotation in reviewed.values():
        _check(items[annotation.pk], annotation)
    changed = items[reviewed["changed"].pk]
    assert (changed["status"], changed["changed_after_review"], changed["curator"]) == (
        "pending",
        True,
        "curator",
    )
    assert items[reviewed["accepted"].pk]["curator_comment"] == 'Clear "hedged" claim'
    assert items[reviewed["pending"].pk]["reviewed_at"] is None


def test_jsonl_lines_carry_the_verdict_and_validate(reviewed):
    validator = _schema("export-line-v2")
    lines = {line["id"]: line for line in _lines()}
    for annotation in reviewed.values():
        validator.validate(lines[annotation.pk])
        _check(lines[annotation.pk], annotation)


def test_the_review_fields_stay_optional_in_the_schema(reviewed):
    doc = _json()
    for article in doc["articles"]:
        for item in article["annotations"]:
            for key in ("curator_comment", "reviewed_at", "changed_after_review"):
                del item[key]
    _schema("export-v2").validate(doc)


def test_accepted_export_holds_no_change_made_after_review(reviewed):
    lines = _lines(export.ExportFilters(statuses=[Status.ACCEPTED]))
    assert [line["id"] for line in lines] == [reviewed["accepted"].pk]
    assert json.dumps(lines)  # plain JSON values only


def test_a_restore_keeps_the_verdict_and_changed_after_review(reviewed, tmp_path):
    from tests.test_import_annotations import _export, _import, _wipe, _without_exported_at, _write

    original = _export()
    path = _write(tmp_path, original)
    _wipe()
    _import(path, create_reviewers=True)
    assert _without_exported_at(_export()) == _without_exported_at(original)
    restored = Annotation.objects.get(quote=Annotation.objects.get(changed_after_review=True).quote)
    assert (restored.status, restored.curator_comment) == (Status.PENDING, "No")


def test_a_restore_refuses_a_non_boolean_changed_after_review(reviewed, tmp_path):
    import io

    import orjson
    from django.core.management import CommandError, call_command

    from tests.test_import_annotations import _export, _write

    doc = orjson.loads(_export())
    doc["articles"][0]["annotations"][0]["changed_after_review"] = "yes"
    before = Annotation.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_annotations", str(_write(tmp_path, orjson.dumps(doc))), stderr=err)
    assert "changed_after_review must be true or false" in err.getvalue()
    assert Annotation.objects.count() == before
