"""A NUL character in any text anyone can send is refused with a message before the database
(issue 11, item 3): PostgreSQL cannot store or compare text holding NUL and answered with a server
error; SQLite stored it. Run on both databases (DATABASE_URL for PostgreSQL).

Query parameters are refused in one place (annotate.params.query_problem, applied to every request
by annotate.middleware); every form text field by Django's CharField, whose validator refuses NUL.
"""

from __future__ import annotations

import pytest
from django import forms as django_forms
from django.contrib import admin
from django.urls import reverse

from annotate import agreement_store, tokens
from annotate.forms import AnnotationForm, ReviewForm
from annotate.models import Actor, Annotation, Article, Claim, Status
from annotate.params import query_problem
from tests import factories
from tests.test_admin import form_data as admin_form_data
from tests.test_views_articles import HX, form_data

NUL = "a\x00b"

QUERY_CASES = [
    ("annotate:article-list", {"q": NUL}),
    ("annotate:actor-autocomplete", {"q": NUL}),
    ("annotate:actor-autocomplete", {"subject": NUL}),
    ("annotate:claim-list", {"actor": NUL}),
    ("annotate:export", {"download": "1", "article": NUL}),
    ("annotate:article-list", {NUL: "x"}),
    ("admin:annotate_article_changelist", {"q": NUL}),
    ("admin:annotate_article_changelist", {"outlet": NUL}),
    ("admin:annotate_actor_changelist", {"q": NUL}),
]


@pytest.mark.parametrize("name,params", QUERY_CASES)
@pytest.mark.parametrize("htmx", [False, True])
def test_nul_in_a_query_parameter_is_refused_with_a_message(client, superuser, name, params, htmx):
    factories.make_annotation()
    client.force_login(superuser)
    response = client.get(reverse(name), params, headers=HX if htmx else {})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_query_problem_names_the_parameter_and_passes_clean_queries():
    from django.http import QueryDict

    assert query_problem(QueryDict("q=Russia&page=2&q=%C2%B2")) is None
    assert "'q'" in query_problem(QueryDict("page=1&q=a%00b"))
    assert query_problem(QueryDict("_to_field=")) is not None


TEXT_FIELDS = [
    name
    for name, field in AnnotationForm.base_fields.items()
    if isinstance(field, django_forms.CharField)
]


def test_every_annotation_text_field_is_listed():
    assert set(TEXT_FIELDS) == {
        "quote", "subject", "object", "claim_text", "source", "note", "source_quote", "cue_quote",
        "source_affiliation",
    }  # fmt: skip


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("htmx", [False, True])
def test_nul_in_any_annotation_field_is_refused_and_saves_nothing(
    reviewer_client, article, field, htmx
):
    data = form_data(article, **{field: NUL})
    url = reverse("annotate:annotation-create", args=[article.pk])
    response = reviewer_client.post(url, data, headers=HX if htmx else {})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not Annotation.objects.exists()
    assert not any("\x00" in name for name in Actor.objects.values_list("name", flat=True))


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_nul_in_any_field_of_an_edit_is_refused_and_changes_nothing(
    reviewer_client, reviewer, article, field
):
    annotation = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia denies"
    )
    data = form_data(article, phrase="Russia denies", version=annotation.version, **{field: NUL})
    url = reverse("annotate:annotation-update", args=[annotation.pk])
    response = reviewer_client.post(url, data, headers=HX)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.version == 1 and "\x00" not in annotation.note


@pytest.mark.parametrize("htmx", [False, True])
def test_nul_in_a_curator_comment_is_refused_with_a_message(client, curator, htmx):
    annotation = factories.make_annotation()
    client.force_login(curator)
    url = reverse("annotate:annotation-review", args=[annotation.pk])
    response = client.post(
        url, {"status": Status.ACCEPTED, "comment": NUL}, headers=HX if htmx else {}
    )
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.status == Status.PENDING and annotation.curator_comment == ""


def test_review_form_refuses_unknown_status_and_long_comments():
    assert not ReviewForm({"status": "maybe"}).is_valid()
    form = ReviewForm({"status": "accepted", "comment": "x" * 2001})
    assert not form.is_valid() and "2000" in form.problem()


def test_nul_in_the_login_form_is_refused(client, reviewer):
    response = client.post(reverse("login"), {"username": NUL, "password": "x"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()


def _admin_text_fields(response) -> list[str]:
    form = response.context["adminform"].form
    return [
        bound.html_name
        for bound in form
        if isinstance(bound.field, django_forms.CharField)
        and not isinstance(bound.field.widget, django_forms.HiddenInput)
        and not bound.field.disabled
        and bound.name not in form.Meta.__dict__.get("readonly_fields", ())
    ]


def _admin_models():
    return [m for m in admin.site._registry if m._meta.app_label in ("annotate", "auth")]


@pytest.mark.parametrize("model", _admin_models(), ids=lambda m: m.__name__)
def test_nul_in_any_admin_text_field_is_refused(client, superuser, model):
    factories.make_annotation(note="note")
    factories.make_actor("Moscow", aliases=["the Kremlin"])
    factories.make_user("in-a-group", curator=True)
    client.force_login(superuser)
    obj = model.objects.order_by("pk").first()
    if obj is None:
        made = {
            "SiteSettings": lambda: model.load(),
            "AccessToken": lambda: tokens.create(superuser, "script")[0],  # read-only: no field
            # Derived agreement figures (read-only): the first read of the report stores them.
            "AgreementTotals": lambda: (agreement_store.refresh(), model.objects.get())[1],
            "ArticleAgreement": lambda: (agreement_store.refresh(), model.objects.first())[1],
        }
        obj = made[model.__name__]()
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200
    fields = _admin_text_fields(page)
    if model in (Article, Actor, Claim, Annotation):
        assert fields, "the walk found no text field to test"
    before = model.objects.filter(pk=obj.pk).values().get()
    for name in fields:
        data = admin_form_data(page)
        data[name] = NUL
        response = client.post(url, data)
        assert response.status_code == 200, (name, response.status_code)
        assert "Null characters are not allowed" in response.content.decode(), name
        assert model.objects.filter(pk=obj.pk).values().get() == before, name
