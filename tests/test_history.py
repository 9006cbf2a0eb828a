"""The annotations' history (issue 10 item 4): one event per change, written by the services in the
same transaction, with who, when and each changed field's before and after; shown per annotation
in the workspace (History) and in the admin."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from annotate import export, services
from annotate.models import (
    Annotation,
    AnnotationEvent,
    Article,
    EventKind,
    Relation,
    SourceKind,
    Status,
)
from annotate.services import history
from tests import factories
from tests.test_views_articles import HX, form_data

pytestmark = pytest.mark.django_db


def _events(annotation: Annotation) -> list[AnnotationEvent]:
    return list(AnnotationEvent.objects.filter(annotation=annotation).order_by("at", "id"))


def _last(annotation: Annotation) -> AnnotationEvent:
    return _events(annotation)[-1]


def _values(**fields) -> services.AnnotationInput:
    article = fields.pop("article")
    phrase = fields.pop("phrase", "Russia was supporting the Taliban")
    start = article.text.index(phrase)
    values = {
        "start": start,
        "end": start + len(phrase),
        "quote": phrase,
        "subject": "Russia",
        "relation": Relation.objects.get(slug="supports"),
        "object": "Taliban",
        "source_kind": SourceKind.NAMED,
        "source": "Joseph Votel",
        "stance": "asserts",
        "certainty": "probable",
        "confidence": 4,
        "note": "fair to assume",
    }
    values.update(fields)
    return values  # type: ignore[return-value]


@pytest.fixture
def saved(article, reviewer) -> Annotation:
    return services.annotation_save(
        article=article, reviewer=reviewer, values=_values(article=article)
    )


# ---------------------------------------------------------------- one event per kind of change


def test_tracked_fields_cover_the_annotation_fields():
    # The annotation's own fields (whatever they become) and what review and delete change.
    names = {f.name for f in history.TRACKED}
    assert set(services.ANNOTATION_FIELDS) <= names
    assert {"status", "curator", "curator_comment", "changed_after_review", "deleted_at"} <= names
    assert not names & {"id", "version", "updated_at"}


def test_create_records_every_field_it_sets(saved, reviewer):
    (event,) = _events(saved)
    assert (event.kind, event.user, event.version) == (EventKind.CREATE, reviewer, 1)
    changes = event.changes
    assert changes["claim"] == [None, {"id": saved.claim_id, "label": "Russia supports Taliban"}]
    assert changes["source_actor"] == [None, {"id": saved.source_actor_id, "label": "Joseph Votel"}]
    assert changes["stance"] == [None, "asserts"]
    assert changes["quote"] == [None, "Russia was supporting the Taliban"]
    assert changes["confidence"] == [None, 4]
    assert changes["status"] == [None, "pending"]
    # Empty fields are not listed: a creation names what it set.
    assert "cue_start" not in changes and "curator" not in changes and "deleted_at" not in changes


def test_admin_create_is_recorded_as_the_staff_members(article, reviewer, superuser):
    annotation = services.annotation_create(
        article=article, reviewer=reviewer, by=superuser, claim=factories.make_claim(),
        start=0, end=4, quote=article.text[:4], stance="asserts", confidence=3,
    )  # fmt: skip
    assert _last(annotation).user == superuser


def test_edit_records_before_and_after_of_changed_fields_only(saved, reviewer, article):
    values = _values(article=article, object="Iran", stance="denies", note="")
    services.annotation_save(
        article=article, reviewer=reviewer, values=values, annotation=saved, version=1
    )
    event = _last(saved)
    assert (event.kind, event.user, event.version) == (EventKind.EDIT, reviewer, 2)
    claim_before, claim_after = event.changes["claim"]
    assert claim_before["label"] == "Russia supports Taliban"
    assert claim_after["label"] == "Russia supports Iran"
    assert event.changes["stance"] == ["asserts", "denies"]
    assert event.changes["note"] == ["fair to assume", ""]
    assert set(event.changes) == {"claim", "stance", "note"}


def test_update_service_records_an_edit(saved, reviewer):
    services.annotation_update(annotation=saved, user=reviewer, version=1, confidence=2)
    event = _last(saved)
    assert event.kind == EventKind.EDIT and event.changes == {"confidence": [4, 2]}


def test_an_edit_that_changes_nothing_is_not_an_event(saved, reviewer, article):
    services.annotation_save(
        article=article, reviewer=reviewer, values=_values(article=article), annotation=saved,
        version=1,
    )  # fmt: skip
    assert [e.kind for e in _events(saved)] == [EventKind.CREATE]


def test_edit_after_review_records_the_return_to_pending(saved, reviewer, curator):
    services.annotation_review(annotation=saved, curator=curator, status=Status.ACCEPTED)
    services.annotation_update(annotation=saved, user=reviewer, version=2, stance="denies")
    changes = _last(saved).changes
    assert changes["stance"] == ["asserts", "denies"]
    assert changes["status"] == ["accepted", "pending"]
    assert changes["changed_after_review"] == [False, True]
    assert changes["verdict_before_change"] == ["", "accepted"]


def test_delete_and_restore(saved, reviewer):
    services.annotation_delete(annotation=saved, user=reviewer)
    deleted = _last(saved)
    assert (deleted.kind, deleted.user, deleted.version) == (EventKind.DELETE, reviewer, 2)
    before, after = deleted.changes["deleted_at"]
    assert before is None and after.startswith(
        str(Annotation.objects.get(pk=saved.pk).deleted_at.date())
    )
    services.annotation_restore(annotation=saved, user=reviewer)
    restored = _last(saved)
    assert restored.kind == EventKind.RESTORE and restored.changes["deleted_at"] == [after, None]
    assert [e.version for e in _events(saved)] == [1, 2, 3]


def test_accept_then_reject_by_another_curator(saved, curator):
    services.annotation_review(annotation=saved, curator=curator, status=Status.ACCEPTED)
    accepted = _last(saved)
    assert (accepted.kind, accepted.user) == (EventKind.ACCEPT, curator)
    assert accepted.changes["status"] == ["pending", "accepted"]
    assert accepted.changes["curator"] == [None, {"id": curator.pk, "label": "curator"}]
    second = factories.make_user("curator2", curator=True)
    services.annotation_review(
        annotation=saved, curator=second, status=Status.REJECTED, comment="Not <b>a</b> claim."
    )
    rejected = _last(saved)
    assert rejected.kind == EventKind.REJECT
    assert rejected.changes["status"] == ["accepted", "rejected"]
    assert rejected.changes["curator"] == [
        {"id": curator.pk, "label": "curator"},
        {"id": second.pk, "label": "curator2"},
    ]
    assert rejected.changes["curator_comment"] == ["", "Not <b>a</b> claim."]
    services.annotation_review(annotation=saved, curator=second, status=Status.PENDING)
    assert _last(saved).kind == EventKind.PENDING


def test_bulk_review_and_bulk_delete_record_one_event_per_changed_row(
    article, reviewer, curator, superuser
):
    rows = [  # three passages: one reviewer records the same words, claim and source once
        factories.make_annotation(article=article, reviewer=reviewer, start=n, end=n + 10)
        for n in range(3)
    ]
    services.annotation_review(annotation=rows[0], curator=curator, status=Status.ACCEPTED)
    ids = [a.pk for a in rows]
    services.annotations_review_bulk(annotation_ids=ids, curator=curator, status=Status.ACCEPTED)
    # rows[0] was accepted already by the same curator: nothing it records changed.
    assert [e.kind for e in _events(rows[0])] == [EventKind.CREATE, EventKind.ACCEPT]
    for annotation in rows[1:]:
        event = _last(annotation)
        assert (event.kind, event.user) == (EventKind.ACCEPT, curator)
        assert event.changes["status"] == ["pending", "accepted"]
        assert event.version == Annotation.objects.get(pk=annotation.pk).version
    services.annotations_set_deleted_bulk(annotation_ids=ids[:2], user=superuser, deleted=True)
    for annotation in rows[:2]:
        event = _last(annotation)
        assert (event.kind, event.user) == (EventKind.DELETE, superuser)
        assert event.changes["status"] == ["accepted", "pending"]
        assert event.changes["deleted_at"][0] is None
    services.annotations_set_deleted_bulk(annotation_ids=ids, user=superuser, deleted=False)
    assert [_last(a).kind for a in rows] == [EventKind.RESTORE, EventKind.RESTORE, EventKind.ACCEPT]


# ---------------------------------------------------------------- atomic with the write


def test_a_refused_write_leaves_no_event(saved, reviewer, other_reviewer, article):
    with pytest.raises(ValidationError):
        services.annotation_update(annotation=saved, user=reviewer, version=1, confidence=9)
    with pytest.raises(PermissionDenied):
        services.annotation_delete(annotation=saved, user=other_reviewer)
    with pytest.raises(services.StaleEdit):
        services.annotation_update(annotation=saved, user=reviewer, version=7, confidence=2)
    with pytest.raises(ValidationError):  # a span that is not in the text: no annotation either
        services.annotation_save(
            article=article, reviewer=reviewer, values={**_values(article=article), "end": 10**6}
        )
    assert AnnotationEvent.objects.count() == 1  # the creation of `saved`


def test_the_event_rolls_back_with_a_write_that_fails_after_it(saved, reviewer, monkeypatch):
    record = history.record

    def record_then_fail(*args, **kwargs):
        record(*args, **kwargs)
        assert AnnotationEvent.objects.count() == 2  # written, inside the transaction
        raise RuntimeError("the database went away")

    monkeypatch.setattr(history, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        services.annotation_update(annotation=saved, user=reviewer, version=1, stance="denies")
    assert AnnotationEvent.objects.count() == 1
    assert Annotation.objects.get(pk=saved.pk).stance == "asserts"


# ---------------------------------------------------------------- import


def _export_file(tmp_path) -> str:
    path = tmp_path / "dataset.json"
    path.write_bytes(b"".join(export.PRODUCERS["json"](export.ExportFilters())))
    return str(path)


def test_import_records_one_event_per_annotation_into_an_empty_table(
    saved, reviewer, curator, tmp_path
):
    services.annotation_review(annotation=saved, curator=curator, status=Status.ACCEPTED)
    path = _export_file(tmp_path)
    AnnotationEvent.objects.all().delete()
    Annotation.objects.all().delete()
    call_command("import_annotations", path, stdout=io.StringIO(), stderr=io.StringIO())
    restored = Annotation.objects.get()
    assert restored.pk == saved.pk  # ids kept in an empty table
    (event,) = _events(restored)
    assert (event.kind, event.user, event.version) == (EventKind.IMPORT, None, 1)
    assert event.changes["claim"] == [
        None,
        {"id": saved.claim_id, "label": "Russia supports Taliban"},
    ]
    assert event.changes["source_actor"][1]["label"] == "Joseph Votel"
    assert event.changes["curator"] == [None, {"id": curator.pk, "label": "curator"}]
    assert event.changes["status"] == [None, "accepted"]
    assert event.changes["quote"] == [None, "Russia was supporting the Taliban"]
    assert "cue_start" not in event.changes


def test_import_merge_gives_new_ids_and_their_events(saved, reviewer, tmp_path):
    doc = orjson.loads(open(_export_file(tmp_path), "rb").read())
    other = factories.make_user("someone")
    for art in doc["articles"]:
        for ann in art["annotations"]:
            ann["reviewer"] = "someone"  # not already there: a new row, with a new id
    path = tmp_path / "merge.json"
    path.write_bytes(orjson.dumps(doc))
    call_command("import_annotations", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    merged = Annotation.objects.get(reviewer=other)
    assert merged.pk != saved.pk
    (event,) = _events(merged)
    assert event.kind == EventKind.IMPORT and event.changes["stance"] == [None, "asserts"]
    # The sequence moved past the ids the import chose.
    later = factories.make_annotation(article=Article.objects.get())
    assert later.pk > merged.pk


def test_dry_run_import_records_nothing(saved, tmp_path):
    path = _export_file(tmp_path)
    AnnotationEvent.objects.all().delete()
    Annotation.objects.all().delete()
    call_command(
        "import_annotations", path, dry_run=True, stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert not AnnotationEvent.objects.exists()


# ---------------------------------------------------------------- reading it


def test_describe_uses_labels_not_ids_or_codes(saved, reviewer, curator):
    services.annotation_review(annotation=saved, curator=curator, status=Status.ACCEPTED)
    services.annotation_update(annotation=saved, user=reviewer, version=2, stance="denies")
    rows = {row.field: (row.before, row.after) for row in history.describe(_last(saved))}
    assert rows["Stance"] == ("Asserts", "Denies")
    assert rows["Status"] == ("Accepted", "Pending")
    assert rows["Changed after review"] == ("no", "yes")
    created = {row.field: row.after for row in history.describe(_events(saved)[0])}
    assert created["Claim"] == "Russia supports Taliban"
    assert created["Source kind"] == "Named"
    assert "Cue start" not in created


def test_history_page_and_partial(reviewer_client, saved, reviewer, django_assert_max_num_queries):
    for n in range(2, 12):
        services.annotation_update(
            annotation=saved, user=reviewer, version=n - 1, note=f"<script>alert({n})</script>"
        )
    url = reverse("annotate:annotation-history", args=[saved.pk])
    with django_assert_max_num_queries(8):
        page = reviewer_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert html.count('<li class="history-event') == 11
    assert "<script>alert" not in html and "&lt;script&gt;alert(11)&lt;/script&gt;" in html
    assert "Russia supports Taliban" in html and "Edited" in html and "Created" in html
    with django_assert_max_num_queries(8):
        partial = reviewer_client.get(url, headers=HX)
    assert "<html" not in partial.content.decode()
    assert partial.content.decode().count('<li class="history-event') == 11


def test_history_queries_do_not_grow_with_events(
    reviewer_client, saved, reviewer, django_assert_max_num_queries
):
    AnnotationEvent.objects.bulk_create(
        [
            AnnotationEvent(
                annotation=saved,
                kind="edit",
                user=reviewer,
                at=saved.created_at,
                version=2,
                changes={"confidence": [4, 3]},
            )
            for _ in range(1000)
        ]  # fmt: skip
    )
    with django_assert_max_num_queries(8):
        response = reviewer_client.get(reverse("annotate:annotation-history", args=[saved.pk]))
    assert response.content.decode().count('<li class="history-event') == 1001


def test_history_of_an_unknown_annotation_is_404(reviewer_client):
    assert (
        reviewer_client.get(reverse("annotate:annotation-history", args=[999])).status_code == 404
    )


def test_workspace_items_carry_a_history_disclosure(reviewer_client, saved, article):
    response = reviewer_client.get(reverse("annotate:article-detail", args=[article.pk]))
    html = response.content.decode()
    url = reverse("annotate:annotation-history", args=[saved.pk])
    assert f'<details class="history" hx-get="{url}" hx-trigger="toggle once"' in html
    assert f'<a href="{url}">Open the history</a>' in html  # without JavaScript


def test_curator_sees_history_of_others_items_in_the_workspace(client, saved, article, curator):
    client.force_login(curator)
    html = client.get(reverse("annotate:article-detail", args=[article.pk]), {"others": "1"})
    assert reverse("annotate:annotation-history", args=[saved.pk]) in html.content.decode()


def test_save_through_the_view_records_an_event(reviewer_client, article, reviewer):
    url = reverse("annotate:annotation-create", args=[article.pk])
    reviewer_client.post(url, form_data(article), headers=HX)
    (event,) = AnnotationEvent.objects.all()
    assert (event.kind, event.user) == (EventKind.CREATE, reviewer)


# ---------------------------------------------------------------- admin


def test_admin_change_page_shows_the_history_inline(client, superuser, saved, curator):
    services.annotation_review(annotation=saved, curator=curator, status=Status.ACCEPTED)
    client.force_login(superuser)
    response = client.get(reverse("admin:annotate_annotation_change", args=[saved.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "History" in html and 'class="history-changes"' in html
    assert "Accepted" in html and "Russia supports Taliban" in html


def test_admin_event_list_and_detail_are_read_only(client, superuser, saved):
    client.force_login(superuser)
    listing = client.get(reverse("admin:annotate_annotationevent_changelist"))
    assert listing.status_code == 200 and "Russia supports Taliban" in listing.content.decode()
    event = AnnotationEvent.objects.get()
    detail = client.get(reverse("admin:annotate_annotationevent_change", args=[event.pk]))
    assert detail.status_code == 200 and 'name="kind"' not in detail.content.decode()
    assert client.get(reverse("admin:annotate_annotationevent_add")).status_code == 403
    delete = reverse("admin:annotate_annotationevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AnnotationEvent.objects.filter(pk=event.pk).exists()


def test_admin_edit_records_an_edit_by_the_staff_member(client, superuser, saved):
    from tests.test_admin import form_data as admin_form_data

    client.force_login(superuser)
    url = reverse("admin:annotate_annotation_change", args=[saved.pk])
    data = admin_form_data(client.get(url))
    data["confidence"] = "2"
    response = client.post(url, data)
    assert response.status_code == 302
    event = _last(saved)
    assert (event.kind, event.user, event.changes) == (
        EventKind.EDIT,
        superuser,
        {"confidence": [4, 2]},
    )
