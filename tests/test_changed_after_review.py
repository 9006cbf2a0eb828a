"""Issue 10 item 2: review cannot be bypassed; item 3: reviewers see verdicts.

An edit or delete of an accepted or rejected annotation sends it back to pending and records that
it changed after review; curators' verdicts are versioned like edits.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotate import services
from annotate.models import Annotation, Status
from tests import factories
from tests.test_views_articles import HX, PHRASE, detail_url, form_data


def _reviewed(annotation: Annotation, curator, status=Status.ACCEPTED, comment="") -> Annotation:
    return services.annotation_review(
        annotation=annotation,
        curator=curator,
        status=status,
        comment=comment,
        version=annotation.version,
    )


# ---------------------------------------------------------------- services


@pytest.mark.parametrize("verdict", [Status.ACCEPTED, Status.REJECTED])
def test_an_edit_after_a_verdict_goes_back_to_pending(reviewer, curator, article, verdict):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator, verdict, comment="see the hedge")
    assert ann.version == 2  # a verdict is versioned like an edit
    edited = services.annotation_update(
        annotation=ann, user=reviewer, version=ann.version, stance="denies"
    )
    edited.refresh_from_db()
    assert (edited.status, edited.changed_after_review, edited.verdict_before_change) == (
        Status.PENDING,
        True,
        verdict,
    )
    # The feedback stays for the reviewer to read.
    assert (edited.curator, edited.curator_comment) == (curator, "see the hedge")
    assert edited.stance == "denies" and edited.version == 3


def test_an_edit_of_a_pending_annotation_records_nothing(reviewer, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    edited = services.annotation_update(annotation=ann, user=reviewer, version=1, stance="denies")
    assert (edited.status, edited.changed_after_review, edited.verdict_before_change) == (
        Status.PENDING,
        False,
        "",
    )


def test_saving_an_accepted_annotation_unchanged_keeps_the_verdict(reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator)
    same = services.annotation_update(annotation=ann, user=reviewer, version=ann.version)
    assert (same.status, same.changed_after_review) == (Status.ACCEPTED, False)


def test_deleting_a_reviewed_annotation_is_recorded(reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator, Status.REJECTED)
    deleted = services.annotation_delete(annotation=ann, user=reviewer)
    assert deleted.deleted_at is not None
    assert (deleted.status, deleted.changed_after_review, deleted.verdict_before_change) == (
        Status.PENDING,
        True,
        Status.REJECTED,
    )
    restored = services.annotation_restore(annotation=deleted, user=reviewer)
    assert restored.changed_after_review and restored.status == Status.PENDING


def test_the_admins_bulk_delete_is_recorded_too(reviewer, curator, article):
    staff = factories.make_user("staff", staff=True)
    accepted = _reviewed(
        factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE), curator
    )
    pending = factories.make_annotation(article=article, reviewer=reviewer, start=0, end=4)
    services.annotations_set_deleted_bulk(
        annotation_ids=[accepted.pk, pending.pk], user=staff, deleted=True
    )
    accepted.refresh_from_db()
    pending.refresh_from_db()
    assert (accepted.status, accepted.changed_after_review, accepted.verdict_before_change) == (
        Status.PENDING,
        True,
        Status.ACCEPTED,
    )
    assert not pending.changed_after_review and pending.deleted_at is not None


def test_a_stale_verdict_is_refused_and_changes_nothing(reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    seen = ann.version
    services.annotation_update(annotation=ann, user=reviewer, version=seen, stance="denies")
    with pytest.raises(services.StaleReview, match="changed since you saw it"):
        services.annotation_review(
            annotation=ann, curator=curator, status=Status.ACCEPTED, version=seen
        )
    ann.refresh_from_db()
    assert (ann.status, ann.curator, ann.version) == (Status.PENDING, None, 2)
    assert isinstance(services.StaleReview(ann), ValidationError)


def test_a_verdict_makes_an_open_edit_stale(reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    _reviewed(ann, curator)
    with pytest.raises(services.StaleEdit):
        services.annotation_update(annotation=ann, user=reviewer, version=1, stance="denies")


@pytest.mark.parametrize("verdict", [Status.ACCEPTED, Status.REJECTED])
def test_a_new_verdict_clears_changed_after_review(reviewer, curator, article, verdict):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator)
    ann = services.annotation_update(
        annotation=ann, user=reviewer, version=ann.version, stance="denies"
    )
    assert ann.changed_after_review
    ann = _reviewed(ann, curator, verdict)
    ann.refresh_from_db()
    assert (ann.status, ann.changed_after_review, ann.verdict_before_change) == (verdict, False, "")


def test_bulk_verdicts_clear_it_and_bump_versions(reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator, Status.REJECTED)
    services.annotation_delete(annotation=ann, user=reviewer)
    ann = services.annotation_restore(annotation=ann, user=reviewer)
    version = ann.version
    services.annotations_review_bulk(
        annotation_ids=[ann.pk], curator=curator, status=Status.ACCEPTED
    )
    ann.refresh_from_db()
    assert (ann.status, ann.changed_after_review, ann.version) == (
        Status.ACCEPTED,
        False,
        version + 1,
    )


# ---------------------------------------------------------------- views


def test_the_edit_form_warns_and_shows_the_verdict(reviewer_client, reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    _reviewed(ann, curator, comment="Good <b>catch</b>")
    url = reverse("annotate:annotation-edit", args=[ann.pk])
    html = reviewer_client.get(url, headers=HX).content.decode()
    assert "This annotation was accepted by curator; saving sends it back for review." in html
    assert '<span class="status status-accepted">Accepted</span>' in html
    assert "Good &lt;b&gt;catch&lt;/b&gt;" in html
    # Pending: no warning.
    other = factories.make_annotation(article=article, reviewer=reviewer, start=0, end=4)
    html = reviewer_client.get(
        reverse("annotate:annotation-edit", args=[other.pk]), headers=HX
    ).content.decode()
    assert "sends it back for review" not in html


@pytest.mark.parametrize("htmx", [True, False])
def test_an_edit_in_the_workspace_sends_it_back(reviewer_client, reviewer, curator, article, htmx):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator, comment="fine")
    data = form_data(article, stance="denies", version=str(ann.version))
    response = reviewer_client.post(
        reverse("annotate:annotation-update", args=[ann.pk]), data, headers=HX if htmx else {}
    )
    assert response.status_code == (200 if htmx else 302)
    ann.refresh_from_db()
    assert (ann.status, ann.changed_after_review, ann.stance) == (Status.PENDING, True, "denies")
    if htmx:  # the swapped list item says so
        html = response.content.decode()
        assert "changed after review" in html and "fine" in html
    page = reviewer_client.get(detail_url(article)).content.decode()
    mine = page.split('id="my-annotations"', 1)[1].split("</ol>", 1)[0]
    assert '<span class="status status-pending">Pending</span>' in mine
    assert "changed after review" in mine


def test_my_list_shows_verdicts_and_comments(reviewer_client, reviewer, curator, article):
    accepted = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    _reviewed(accepted, curator)
    rejected = factories.make_annotation(article=article, reviewer=reviewer, start=0, end=4)
    _reviewed(rejected, curator, Status.REJECTED, comment="Not a claim")
    factories.make_annotation(article=article, reviewer=reviewer, start=5, end=11)
    page = reviewer_client.get(detail_url(article)).content.decode()
    mine = page.split('id="my-annotations"', 1)[1].split("</ol>", 1)[0]
    assert mine.count("status-accepted") == 1 and mine.count("status-rejected") == 1
    assert mine.count("status-pending") == 1
    assert "Not a claim" in mine and "by curator" in mine


def test_curators_see_changed_after_review_and_post_the_version(client, reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator)
    services.annotation_update(annotation=ann, user=reviewer, version=ann.version, stance="denies")
    client.force_login(curator)
    page = client.get(detail_url(article), {"others": "1"}).content.decode()
    theirs = page.split('class="ann other-ann"', 1)[1].split("</li>", 1)[0]
    assert "changed after review" in theirs
    assert '<input type="hidden" name="version" value="3">' in theirs
    claim_page = client.get(reverse("annotate:claim-detail", args=[ann.claim_id])).content
    assert b"changed after review" in claim_page


@pytest.mark.parametrize("htmx", [True, False])
def test_a_stale_accept_in_the_workspace_fails_clearly(client, reviewer, curator, article, htmx):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    services.annotation_update(annotation=ann, user=reviewer, version=1, stance="denies")
    client.force_login(curator)
    url = reverse("annotate:annotation-review", args=[ann.pk])
    response = client.post(
        url, {"status": "accepted", "version": "1"}, headers=HX if htmx else {}, follow=not htmx
    )
    if htmx:
        assert response.status_code == 409
        assert response["Content-Type"].startswith("text/plain")
    else:
        assert response.status_code == 200
    assert "changed since you saw it (now version 2)" in response.content.decode()
    ann.refresh_from_db()
    assert (ann.status, ann.curator, ann.version) == (Status.PENDING, None, 2)


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_review_without_a_usable_version_is_refused(client, curator, article, version):
    ann = factories.make_annotation(article=article, phrase=PHRASE)
    client.force_login(curator)
    url = reverse("annotate:annotation-review", args=[ann.pk])
    data = {"status": "accepted", **({"version": version} if version else {})}
    response = client.post(url, data, headers=HX)
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    ann.refresh_from_db()
    assert ann.status == Status.PENDING


def test_my_list_filters_rejected_and_changed_after_review(
    reviewer_client, reviewer, curator, article, django_assert_max_num_queries
):
    rejected = factories.make_annotation(article=article, reviewer=reviewer, start=0, end=4)
    _reviewed(rejected, curator, Status.REJECTED, comment="Not a claim")
    changed = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    changed = _reviewed(changed, curator)
    services.annotation_update(
        annotation=changed, user=reviewer, version=changed.version, stance="denies"
    )
    plain = factories.make_annotation(article=article, reviewer=reviewer, start=5, end=11)

    def items(**params) -> dict[int, str]:
        page = reviewer_client.get(detail_url(article), params).content.decode()
        if params.get("verdict") == "rejected":  # a count only where it is not swapped stale
            assert "Rejected (1)</strong>" in page
        mine = page.split('id="my-annotations">', 1)[1].split("</ol>", 1)[0]
        return {
            int(li.split('data-ann="', 1)[1].split('"', 1)[0]): li.split(">", 1)[0]
            for li in mine.split("<li ")[1:]
        }

    def shown(**params) -> set[int]:
        return {pk for pk, tag in items(**params).items() if "filtered-out" not in tag}

    everything = {rejected.pk, changed.pk, plain.pk}
    assert shown() == everything
    with django_assert_max_num_queries(11):  # as the workspace's own bound
        assert shown(verdict="rejected") == {rejected.pk}
    assert shown(verdict="changed") == {changed.pk}
    # Folded items stay in the list (counted, so numbers match the text); a bad value is "all".
    assert set(items(verdict="changed")) == everything
    assert shown(verdict="nonsense") == everything
    link = f'href="{detail_url(article)}?verdict=rejected"'
    assert link in reviewer_client.get(detail_url(article)).content.decode()


def test_an_empty_filter_says_so(reviewer_client, reviewer, article):
    factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    page = reviewer_client.get(detail_url(article), {"verdict": "rejected"}).content.decode()
    assert "None of yours is rejected." in page


def test_the_admin_shows_and_filters_changed_after_review(client, reviewer, curator, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    ann = _reviewed(ann, curator)
    services.annotation_update(annotation=ann, user=reviewer, version=ann.version, stance="denies")
    client.force_login(factories.make_superuser())
    changelist = reverse("admin:annotate_annotation_changelist")
    assert (
        client.get(changelist, {"changed_after_review__exact": "1"}).context["cl"].result_count == 1
    )
    assert (
        client.get(changelist, {"changed_after_review__exact": "0"}).context["cl"].result_count == 0
    )
    page = client.get(reverse("admin:annotate_annotation_change", args=[ann.pk])).content.decode()
    assert "Verdict before change" in page and "accepted" in page
