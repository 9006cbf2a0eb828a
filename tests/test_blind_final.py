"""Blind mode: done is final. A reviewer who marked an article done has seen the others' work
there, so they may not reopen it nor create, edit, delete or restore their annotations on it."""

import pytest
from django.urls import reverse

from annotate import services
from annotate.models import Annotation, Claim, Progress, Relation, SiteSettings
from annotate.permissions import FINAL_REOPEN, FINAL_WRITE, AnnotationsFinal, check_not_final
from tests import factories
from tests.test_views_articles import HX, PHRASE, form_data

pytestmark = pytest.mark.django_db


def _site(*, see_others: bool = True, blind: bool = True) -> None:
    site = SiteSettings.load()
    site.reviewers_see_others, site.blind_annotation = see_others, blind
    site.save()


@pytest.fixture
def done(reviewer, other_reviewer, article):
    """Blind mode; the reviewer annotated (one live, one deleted), then marked the article done."""
    _site()
    mine = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    gone = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    services.annotation_delete(annotation=gone, user=reviewer)
    factories.make_annotation(article=article, reviewer=other_reviewer, phrase="Taliban spokesman")
    services.progress_set(article=article, reviewer=reviewer, done=True)
    mine.refresh_from_db()
    gone.refresh_from_db()
    return {"mine": mine, "gone": gone}


def _values(**overrides):
    values = {
        "start": 0, "end": 4, "quote": "Gen.", "subject": "Qatarland", "relation": Relation.objects.get(slug="supports"),
        "object": "Taliban", "source_kind": "author", "stance": "asserts", "confidence": 3,
    }  # fmt: skip
    values.update(overrides)
    return values


# ---------------------------------------------------------------- services


def test_reopening_is_refused(reviewer, article, done):
    with pytest.raises(AnnotationsFinal) as exc:
        services.progress_set(article=article, reviewer=reviewer, done=False)
    assert exc.value.message == FINAL_REOPEN
    assert Progress.objects.get(article=article, reviewer=reviewer).status == "done"
    # Marking it done again is harmless.
    services.progress_set(article=article, reviewer=reviewer, done=True)


def test_every_own_write_is_refused(reviewer, article, done):
    mine, gone = done["mine"], done["gone"]
    before = list(Annotation.objects.order_by("pk").values())
    claims = Claim.objects.count()
    with pytest.raises(AnnotationsFinal):
        services.annotation_save(article=article, reviewer=reviewer, values=_values())
    with pytest.raises(AnnotationsFinal):
        services.annotation_create(
            article=article, reviewer=reviewer, claim=mine.claim, start=0, end=4, quote="Gen.",
            stance="asserts", confidence=3,
        )  # fmt: skip
    with pytest.raises(AnnotationsFinal):
        services.annotation_save(
            article=article, reviewer=reviewer, values=_values(), annotation=mine,
            version=mine.version,
        )  # fmt: skip
    with pytest.raises(AnnotationsFinal):
        services.annotation_update(
            annotation=mine, user=reviewer, version=mine.version, stance="denies"
        )
    with pytest.raises(AnnotationsFinal):
        services.annotation_delete(annotation=mine, user=reviewer)
    with pytest.raises(AnnotationsFinal):
        services.annotation_restore(annotation=gone, user=reviewer)
    assert list(Annotation.objects.order_by("pk").values()) == before
    assert Claim.objects.count() == claims  # the refused save created no claim (or actor)
    assert not Claim.objects.filter(subject__name="Qatarland").exists()


def test_other_articles_and_other_reviewers_are_not_affected(reviewer, other_reviewer, done):
    elsewhere = factories.make_article()
    services.annotation_save(article=elsewhere, reviewer=reviewer, values=_values())
    theirs = Annotation.objects.get(reviewer=other_reviewer)
    services.annotation_update(annotation=theirs, user=other_reviewer, version=1, stance="denies")


def test_curators_and_staff_are_not_affected(curator, article, reviewer, done):
    _site()
    staff = factories.make_user(staff=True)
    for user in (curator, staff):
        services.annotation_save(article=article, reviewer=user, values=_values())
        services.progress_set(article=article, reviewer=user, done=True)
        services.progress_set(article=article, reviewer=user, done=False)
        check_not_final(user, article.pk)
    # Staff edit a reviewer's final annotation in the admin, and record one for them.
    mine = done["mine"]
    services.annotation_update(annotation=mine, user=staff, version=mine.version, stance="denies")
    services.annotation_create(
        article=article, reviewer=reviewer, claim=mine.claim, start=0, end=4, quote="Gen.",
        stance="asserts", confidence=3, by=staff,
    )  # fmt: skip


@pytest.mark.parametrize(("see_others", "blind"), [(True, False), (False, True), (False, False)])
def test_without_blind_mode_done_is_not_final(reviewer, article, see_others, blind):
    # Not blind (or reviewers never see others, so done showed them nothing): reopen and edit.
    _site(see_others=see_others, blind=blind)
    mine = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    services.progress_set(article=article, reviewer=reviewer, done=True)
    services.annotation_update(annotation=mine, user=reviewer, version=1, stance="denies")
    services.progress_set(article=article, reviewer=reviewer, done=False)


def test_before_done_blind_mode_allows_every_write(reviewer, article):
    _site()
    saved = services.annotation_save(article=article, reviewer=reviewer, values=_values())
    services.annotation_delete(annotation=saved, user=reviewer)
    services.annotation_restore(annotation=saved, user=reviewer)


# ---------------------------------------------------------------- views


def test_workspace_explains_instead_of_offering_reopen_and_edit(reviewer_client, article, done):
    page = reviewer_client.get(reverse("annotate:article-detail", args=[article.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Reopen</button>" not in html and 'id="final-note"' in html
    assert "Your annotations on this article are final" in html  # instead of "Select words…"
    assert f"?edit={done['mine'].pk}" not in html  # my items are not edit links
    # The no-JS edit link opens no form, and says why.
    url = reverse("annotate:article-detail", args=[article.pk])
    page = reviewer_client.get(url, {"edit": done["mine"].pk})
    assert page.status_code == 200
    assert 'id="edit-annotation"' not in page.content.decode()
    assert "your annotations here are final" in page.content.decode()


def test_reopen_is_refused_with_the_reason(reviewer_client, reviewer, article, done):
    url = reverse("annotate:progress-set", args=[article.pk])
    response = reviewer_client.post(url, {"done": "0"}, headers=HX)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == FINAL_REOPEN
    response = reviewer_client.post(url, {"done": "0"}, follow=True)
    assert response.status_code == 200
    assert "this article stays done" in response.content.decode()
    assert Progress.objects.get(article=article, reviewer=reviewer).status == "done"


@pytest.mark.parametrize("htmx", [True, False])
def test_create_and_edit_are_refused_on_the_form(reviewer_client, article, done, htmx):
    mine = done["mine"]
    headers = HX if htmx else {}
    before = list(Annotation.objects.order_by("pk").values())
    create = reverse("annotate:annotation-create", args=[article.pk])
    response = reviewer_client.post(
        create, form_data(article, subject="Qatarland"), headers=headers
    )
    assert response.status_code == 200
    assert "your annotations here are final" in response.content.decode()
    update = reverse("annotate:annotation-update", args=[mine.pk])
    edit = form_data(article, stance="denies", version=str(mine.version))
    response = reviewer_client.post(update, edit, headers=headers)
    assert response.status_code == 200
    assert "your annotations here are final" in response.content.decode()
    assert list(Annotation.objects.order_by("pk").values()) == before
    assert not Claim.objects.filter(subject__name="Qatarland").exists()


def test_edit_form_delete_and_restore_are_refused_with_the_reason(reviewer_client, done):
    mine, gone = done["mine"], done["gone"]
    before = list(Annotation.objects.order_by("pk").values())
    requests = [
        ("get", reverse("annotate:annotation-edit", args=[mine.pk])),
        ("post", reverse("annotate:annotation-delete", args=[mine.pk])),
        ("post", reverse("annotate:annotation-restore", args=[gone.pk])),
    ]
    for method, url in requests:
        response = getattr(reviewer_client, method)(url, headers=HX)
        assert response.status_code == 403, url
        assert response.content.decode() == FINAL_WRITE
        response = getattr(reviewer_client, method)(url, follow=True)
        assert response.status_code == 200, url
        assert "your annotations here are final" in response.content.decode()
    assert list(Annotation.objects.order_by("pk").values()) == before


def test_curator_workspace_still_offers_reopen(client, curator, article, done):
    client.force_login(curator)
    services.progress_set(article=article, reviewer=curator, done=True)
    page = client.get(reverse("annotate:article-detail", args=[article.pk]))
    assert "Reopen</button>" in page.content.decode()
    response = client.post(reverse("annotate:progress-set", args=[article.pk]), {"done": "0"})
    assert response.status_code == 302
