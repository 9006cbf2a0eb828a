"""The export: schema-valid JSON and JSONL, matching offsets, filters, flat queries, command."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import jsonschema
import orjson
import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotate import export, services
from annotate.models import Annotation, SourceKind, Status
from annotate.permissions import visibility_for
from tests import factories

SCHEMAS = Path(__file__).resolve().parent.parent / "annotate" / "schemas"
EMOJI_TEXT = (
    "Officials 😀 in Kabul said Russia 🇷🇺 was arming the Taliban with rockets, "
    "a claim Moscow denied ✅ on Tuesday."
)


def _schema(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _json(filters: export.ExportFilters | None = None) -> dict:
    return orjson.loads(b"".join(export.iter_json(filters or export.ExportFilters())))


def _lines(filters: export.ExportFilters | None = None) -> list[dict]:
    data = b"".join(export.iter_jsonl(filters or export.ExportFilters()))
    return [orjson.loads(line) for line in data.splitlines()]


@pytest.fixture
def dataset(db, reviewer, other_reviewer, curator):
    """Two articles (one with emoji), three reviewers' annotations, one deleted, one accepted."""
    russia = factories.make_actor("Russia", aliases=["Moscow"])
    factories.make_actor("Zamir Kabulov", kind="person")
    emoji = factories.make_article(EMOJI_TEXT, title="Emoji article", outlet="Wire")
    plain = factories.make_article(title="Plain article")
    arms = factories.make_claim("Russia", "arms", "Taliban", qualifier="with rockets")
    supports = factories.make_claim("Russia", "supports", "Taliban")
    a1 = factories.make_annotation(
        article=emoji,
        reviewer=reviewer,
        claim=arms,
        phrase="Russia 🇷🇺 was arming the Taliban",
        source_kind=SourceKind.UNNAMED,
        source_description="Officials in Kabul",
        source_words="Officials 😀 in Kabul",
        cue_words="said",
    )
    a2 = factories.make_annotation(
        article=emoji,
        reviewer=other_reviewer,
        claim=arms,
        phrase="Moscow denied ✅",
        stance="denies",
        source_kind=SourceKind.NAMED,
        source_actor=russia,
    )
    a3 = factories.make_annotation(
        article=plain, reviewer=reviewer, claim=supports, phrase="Russia was supporting"
    )
    gone = factories.make_annotation(article=plain, reviewer=other_reviewer, phrase="Russia denies")
    services.annotation_delete(annotation=gone, user=other_reviewer)
    services.annotation_review(annotation=a3, curator=curator, status=Status.ACCEPTED)
    return {"emoji": emoji, "plain": plain, "a1": a1, "a2": a2, "a3": a3, "gone": gone}


def test_json_export_validates_against_schema_and_quotes_match(dataset):
    doc = _json()
    _schema("export-v2").validate(doc)
    assert doc["schema_version"] == "2.0"
    assert doc["offsets"] == {
        "unit": "unicode_code_point",
        "end": "exclusive",
        "normalization": ["LF", "NFC"],
    }
    russia = next(a for a in doc["actors"] if a["name"] == "Russia")
    assert russia["aliases"] == ["Moscow"]
    seen = 0
    for article in doc["articles"]:
        text = article["text"]
        for ann in article["annotations"]:
            c = ann["content"]
            assert text[c["start"] : c["end"]] == c["quote"]
            assert c["prefix"] == text[max(0, c["start"] - 32) : c["start"]]
            assert c["suffix"] == text[c["end"] : c["end"] + 32]
            for span in (ann["source"]["span"], ann["cue"]):
                if span:
                    assert text[span["start"] : span["end"]] == span["quote"]
            seen += 1
    assert seen == 3


def test_emoji_offsets_are_code_points_with_context(dataset):
    doc = _json()
    emoji = next(a for a in doc["articles"] if a["id"] == dataset["emoji"].id)
    ann = next(a for a in emoji["annotations"] if a["id"] == dataset["a1"].id)
    text = EMOJI_TEXT
    start = text.index("Russia 🇷🇺")
    assert ann["content"]["start"] == start
    assert ann["content"]["quote"] == "Russia 🇷🇺 was arming the Taliban"
    # Fewer than 32 code points precede the span, so the prefix is all of them; 😀 counts as one.
    assert ann["content"]["prefix"] == "Officials 😀 in Kabul said "
    assert ann["content"]["suffix"] == " with rockets, a claim Moscow de"
    assert len(ann["content"]["suffix"]) == 32
    assert ann["source"] == {
        "id": dataset["a1"].source_id,
        "kind": "unnamed",
        "actor": None,
        "description": "Officials in Kabul",
        "span": {"start": 0, "end": len("Officials 😀 in Kabul"), "quote": "Officials 😀 in Kabul"},
    }
    assert ann["cue"]["quote"] == "said"
    denied = next(a for a in emoji["annotations"] if a["id"] == dataset["a2"].id)
    assert denied["content"]["quote"] == "Moscow denied ✅"
    moscow = text.index("Moscow")
    assert denied["content"]["prefix"] == text[moscow - 32 : moscow]
    assert denied["content"]["suffix"] == " on Tuesday."


def test_deleted_annotations_are_left_out(dataset):
    ids = {a["id"] for art in _json()["articles"] for a in art["annotations"]}
    assert dataset["gone"].id not in ids
    assert {line["id"] for line in _lines()} == ids


def test_reviewer_and_curator_are_usernames(dataset):
    lines = {line["id"]: line for line in _lines()}
    assert lines[dataset["a3"].id]["reviewer"] == "reviewer"
    assert lines[dataset["a3"].id]["curator"] == "curator"
    assert lines[dataset["a3"].id]["status"] == "accepted"
    assert lines[dataset["a1"].id]["curator"] is None


def test_timestamps_are_utc_iso_and_equal_to_stored(dataset):
    line = next(line for line in _lines() if line["id"] == dataset["a3"].id)
    stored = Annotation.objects.get(pk=dataset["a3"].pk)
    for field in ("created_at", "updated_at"):
        assert line[field].endswith("Z")
        parsed = datetime.fromisoformat(line[field].replace("Z", "+00:00"))
        assert parsed == getattr(stored, field)


def test_jsonl_lines_validate_and_are_self_contained(dataset):
    validator = _schema("export-line-v2")
    lines = _lines()
    assert len(lines) == 3
    for line in lines:
        validator.validate(line)
        assert "text" not in line["article"]
    named = next(line for line in lines if line["id"] == dataset["a2"].id)
    assert named["source"]["actor_name"] == "Russia"
    assert named["claim"]["subject"] == "Russia"
    assert named["claim"]["object"] == "Taliban"
    assert named["claim"]["relation"] == "arms"
    assert named["claim"]["qualifier"] == "with rockets"
    assert named["article"]["title"] == "Emoji article"


def test_jsonl_loads_in_pandas_and_quotes_verify(dataset, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(export.iter_jsonl(export.ExportFilters())))
    frame = pd.read_json(path, lines=True)
    assert len(frame) == 3
    assert {"id", "article", "claim", "content", "source", "stance"} <= set(frame.columns)
    texts = {dataset["emoji"].id: dataset["emoji"].text, dataset["plain"].id: dataset["plain"].text}
    for _, row in frame.iterrows():
        c = row["content"]
        assert texts[row["article"]["id"]][c["start"] : c["end"]] == c["quote"]


def test_filters_status_reviewer_article_and_no_text(dataset, reviewer):
    accepted = _json(export.ExportFilters(statuses=["accepted"]))
    assert [a["id"] for art in accepted["articles"] for a in art["annotations"]] == [
        dataset["a3"].id
    ]
    mine = _lines(export.ExportFilters(reviewer_usernames=["reviewer"]))
    assert {line["id"] for line in mine} == {dataset["a1"].id, dataset["a3"].id}
    viewer = visibility_for(reviewer)
    only = _lines(export.ExportFilters(viewer=viewer, reviewer_usernames=["other"]))
    assert only == []
    one = _json(export.ExportFilters(article_ids=[dataset["plain"].id], include_text=False))
    _schema("export-v2").validate(one)
    assert [art["id"] for art in one["articles"]] == [dataset["plain"].id]
    assert "text" not in one["articles"][0]


def test_articles_without_matching_annotations_are_left_out_unless_asked_for(dataset):
    pending = _json(export.ExportFilters(statuses=["rejected"]))
    assert pending["articles"] == []
    asked = _json(export.ExportFilters(statuses=["rejected"], article_ids=[dataset["emoji"].id]))
    assert [(art["id"], art["annotations"]) for art in asked["articles"]] == [
        (dataset["emoji"].id, [])
    ]


@pytest.mark.parametrize(
    ("filters", "field", "named"),
    [
        (export.ExportFilters(statuses=["accepted", "bogus"]), "statuses", "'bogus'"),
        (export.ExportFilters(reviewer_usernames=["nobody"]), "reviewer_usernames", "'nobody'"),
        (export.ExportFilters(article_ids=[999999]), "article_ids", "999999"),
    ],
)
def test_unknown_filter_values_are_named(dataset, filters, field, named):
    with pytest.raises(ValidationError) as excinfo:
        export.iter_json(filters)
    assert named in excinfo.value.message_dict[field][0]


def test_quote_mismatch_fails_loudly(dataset):
    # A hand-written SQL update behind the app's back: the export must refuse, naming the row.
    Annotation.objects.filter(pk=dataset["a1"].pk).update(quote="something else")
    with pytest.raises(export.ExportError) as excinfo:
        b"".join(export.iter_json(export.ExportFilters()))
    message = str(excinfo.value)
    assert f"annotation {dataset['a1'].pk}" in message
    assert f"article {dataset['emoji'].pk}" in message
    with pytest.raises(export.ExportError):
        b"".join(export.iter_jsonl(export.ExportFilters()))


def _bulk_annotations(count: int, reviewer) -> None:
    """`count` annotations spread over articles of 10, written in one statement for speed."""
    claim = factories.make_claim()
    now = timezone.now()
    rows = []
    for i in range(count):
        if i % 10 == 0:
            article = factories.make_article(f"Russia was said to arm the Taliban, story {i}.")
        start = i % 10  # ten passages: one reviewer records a passage once
        rows.append(
            Annotation(
                article=article,
                reviewer=reviewer,
                claim=claim,
                start=start,
                end=start + 6,
                quote=article.text[start : start + 6],
                source_kind=SourceKind.AUTHOR,
                stance="asserts",
                confidence=3,
                created_at=now,
                updated_at=now,
            )
        )
    Annotation.objects.bulk_create(rows)
    services.link_unlinked()  # their sources, as every bulk path of the app links them


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_query_count_is_constant(db, reviewer, fmt, django_assert_max_num_queries):
    produce = export.iter_json if fmt == "json" else export.iter_jsonl
    counts = []
    for size in (10, 500):
        Annotation.objects.all().delete()
        _bulk_annotations(size, reviewer)
        with CaptureQueriesContext(connection) as captured:
            data = b"".join(produce(export.ExportFilters(statuses=["pending"])))
        counts.append(len(captured))
        assert data
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        b"".join(produce(export.ExportFilters(statuses=["pending"])))
    assert counts[1] <= 9  # one of them reads the sources the annotations name


def test_export_response_streams_with_attachment(dataset):
    response = export.export_response(
        fmt="jsonl", filters=export.ExportFilters(), filename="x.jsonl"
    )
    assert response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == 'attachment; filename="x.jsonl"'
    assert len(b"".join(response.streaming_content).splitlines()) == 3
    with pytest.raises(ValidationError):
        export.export_response(fmt="xml", filters=export.ExportFilters())


# ---------------------------------------------------------------- the management command


def test_command_writes_json_file_and_summary(dataset, tmp_path):
    out = tmp_path / "data.json"
    err = io.StringIO()
    call_command("export_annotations", "--format", "json", "--output", str(out), stderr=err)
    doc = json.loads(out.read_text(encoding="utf-8"))
    _schema("export-v2").validate(doc)
    assert "3 annotations from 2 articles" in err.getvalue()
    assert list(tmp_path.iterdir()) == [out]


def test_command_writes_jsonl_to_stdout_with_filters(dataset):
    stdout = io.StringIO()
    call_command(
        "export_annotations",
        "--format",
        "jsonl",
        "--reviewer",
        "reviewer",
        "--status",
        "pending",
        "--no-text",
        stdout=stdout,
        stderr=io.StringIO(),
    )
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [line["id"] for line in lines] == [dataset["a1"].id]


def test_command_bad_filters_raise_command_error(dataset, tmp_path):
    out = tmp_path / "data.json"
    with pytest.raises(CommandError, match="nobody"):
        call_command("export_annotations", "--reviewer", "nobody", "--output", str(out))
    with pytest.raises(CommandError, match="bogus"):
        call_command("export_annotations", "--status", "bogus", "--output", str(out))
    with pytest.raises(CommandError, match="424242"):
        call_command("export_annotations", "--article", "424242", "--output", str(out))
    assert list(tmp_path.iterdir()) == []


def test_command_failure_leaves_previous_file_untouched(dataset, tmp_path):
    out = tmp_path / "data.json"
    out.write_text("previous export")
    Annotation.objects.filter(pk=dataset["a3"].pk).update(start=1)
    with pytest.raises(CommandError, match=f"annotation {dataset['a3'].pk}"):
        call_command("export_annotations", "--output", str(out), stderr=io.StringIO())
    assert out.read_text() == "previous export"
    assert list(tmp_path.iterdir()) == [out]


def test_export_reads_one_snapshot_on_postgresql(relations):
    """A claim saved by someone else mid-export is not half-seen: PostgreSQL exports read one
    REPEATABLE READ snapshot; SQLite (no-op, see rows.snapshot) sees it, as documented."""
    import threading

    from django.db import connection, connections

    from annotate.export import rows
    from annotate.models import Claim

    factories.make_claim("Russia", "supports", "Taliban")

    def save_elsewhere():
        try:
            factories.make_claim("Iran", "supports", "Taliban")
        finally:
            connections.close_all()

    with rows.snapshot():
        before = Claim.objects.count()
        writer = threading.Thread(target=save_elsewhere)
        writer.start()
        writer.join()
        during = Claim.objects.count()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW transaction_isolation")
                assert cursor.fetchone()[0] == "repeatable read"
            assert during == before == 1
        else:
            assert during == before + 1 == 2
    assert Claim.objects.count() == 2
