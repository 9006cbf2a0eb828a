"""The Django admin: every model's pages render, rules hold, actions work, lists stay flat."""

from __future__ import annotations

import datetime
import re

import orjson
import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import agreement_store, claim_store, tokens
from annotate.models import (
    AccessToken,
    Actor,
    ActorAlias,
    AgreementTotals,
    Annotation,
    AnnotationEvent,
    Article,
    ArticleAgreement,
    Claim,
    ClaimSummary,
    Progress,
    Relation,
    RelationGroup,
    SiteSettings,
    Source,
    Status,
)
from tests import factories

MODELS = [
    Article, Actor, ActorAlias, Relation, RelationGroup, Claim, Annotation, Progress, SiteSettings,
    AccessToken, AnnotationEvent, Source,
    ArticleAgreement, AgreementTotals, ClaimSummary,
]  # fmt: skip


def url(model, view: str, *args) -> str:
    return reverse(f"admin:annotate_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def su_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def data(db, article, reviewer):
    """An annotated article (two annotations), its actors and claims, progress and site settings."""
    factories.make_actor("Russia", aliases=["the Kremlin"])
    claim = factories.make_claim("Russia", "supports", "Taliban")
    first = factories.make_annotation(
        article=article, reviewer=reviewer, claim=claim, phrase="Russia was supporting the Taliban"
    )
    second = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia denies", stance="denies"
    )
    SiteSettings.load()
    tokens.create(reviewer, "script")
    return {"article": article, "claim": claim, "annotations": [first, second]}


def instance_of(model, data):
    if model in (ArticleAgreement, AgreementTotals):
        agreement_store.overall()  # stores both
    if model is ClaimSummary:
        claim_store.refresh()
        return ClaimSummary.objects.filter(by_reviewer=0, accepted_only=False).first()
    if model is ActorAlias:
        return ActorAlias.objects.get(name="the Kremlin")
    if model is Actor:
        return Actor.objects.get(name="Russia")
    if model is Relation:
        return Relation.objects.get(slug="supports")
    if model is RelationGroup:
        return RelationGroup.objects.get(slug="support")  # seeded by migration 0011
    return model.objects.first()


def form_data(response) -> dict:
    """What the browser would post back for an unchanged admin change form, inlines included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    data: dict = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            widget = bound.field.widget
            if isinstance(widget, MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value)
                for index, part in enumerate(parts):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = str(value)
    return data


def errors_of(response) -> str:
    """Every error message on an admin form page (field and non-field), as one string."""
    form = response.context["adminform"].form
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


# ---------------------------------------------------------------- every model renders


def test_every_annotate_model_is_registered():
    registered = {model for model in admin.site._registry if model._meta.app_label == "annotate"}
    assert registered == set(apps.get_app_config("annotate").get_models())
    assert set(MODELS) == registered


def test_site_header(su_client, data):
    response = su_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Stancemark admin" in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_render(su_client, data, model):
    obj = instance_of(model, data)
    changelist = su_client.get(url(model, "changelist"))
    change = su_client.get(url(model, "change", obj.pk))
    assert change.status_code == 200
    if model is SiteSettings:
        # A singleton: the list goes straight to the one row, and a second row cannot be added.
        assert changelist.status_code == 302
        assert changelist["Location"] == url(model, "change", obj.pk)
        assert su_client.get(url(model, "add")).status_code == 403
    elif model in (
        AccessToken,
        AnnotationEvent,
        ArticleAgreement,
        AgreementTotals,
        ClaimSummary,
        Source,
    ):
        # Tokens are made by their owner on /account/ (the secret is shown once); the admin only
        # revokes. The history is written by the services only (tests/test_history.py),
        # agreement rows are derived from the annotations, and sources are made by the saves
        # that mention them (their fields are copied onto each mention): shown, never typed.
        assert changelist.status_code == 200
        assert su_client.get(url(model, "add")).status_code == 403
    else:
        assert changelist.status_code == 200
        assert su_client.get(url(model, "add")).status_code == 200


def test_site_settings_add_when_no_row_then_singleton(su_client):
    assert not SiteSettings.objects.exists()
    assert su_client.get(url(SiteSettings, "changelist"))["Location"] == url(SiteSettings, "add")
    response = su_client.post(url(SiteSettings, "add"), {"blind_annotation": "on"})
    assert response.status_code == 302
    assert SiteSettings.load().blind_annotation is True
    assert SiteSettings.objects.count() == 1
    assert su_client.get(url(SiteSettings, "delete", 1)).status_code == 403


@pytest.mark.parametrize(
    ("model", "query", "found", "absent"),
    [
        (Article, "fair to assume", "Votel testimony", "Other piece"),
        (Actor, "Kremlin", "Russia", "Taliban"),
        (ActorAlias, "Russia", "the Kremlin", "Moscow only"),
        (Relation, "weapons", "arms", "mediates"),
        (RelationGroup, "advises", "support of any kind", "Talks of any kind"),
        (Claim, "Taliban", "Russia supports Taliban", "Pakistan opposes Iran"),
        (Annotation, "Russia denies", "Russia denies", "was supporting"),
        (Progress, "reviewer", "Votel testimony", "Other piece"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_changelist_search(su_client, data, model, query, found, absent):
    factories.make_article("Unrelated words about the weather.", title="Other piece")
    factories.make_claim("Pakistan", "opposes", "Iran")
    factories.make_actor("Lonely", aliases=["Moscow only"])
    talks = RelationGroup.objects.create(slug="talks", label="Talks of any kind")
    talks.relations.set(Relation.objects.filter(slug__in=["contacts", "mediates"]))
    response = su_client.get(url(model, "changelist"), {"q": query})
    assert response.status_code == 200
    results = [f"{row} {getattr(row, 'quote', '')}" for row in response.context["cl"].result_list]
    assert any(found in row for row in results), results
    assert not any(absent in row for row in results), results


def test_article_and_claim_changelists_count_live_annotations(su_client, data, reviewer):
    from annotate import services

    factories.make_article("Nothing annotated here.", title="Empty one")
    factories.make_claim("Iran", "funds", "Taliban")
    services.annotation_delete(annotation=data["annotations"][1], user=reviewer)
    response = su_client.get(url(Article, "changelist"))
    counts = {a.title: a.annotation_count for a in response.context["cl"].result_list}
    assert counts == {"Votel testimony": 1, "Empty one": 0}
    response = su_client.get(url(Claim, "changelist"))
    counts = {c.text: c.annotation_count for c in response.context["cl"].result_list}
    assert counts == {"Russia supports Taliban": 1, "Iran funds Taliban": 0}
    assert "column-annotation_count" in response.content.decode()  # the column is shown


def test_view_on_site_goes_to_the_workspace(su_client, data):
    article = data["article"]
    response = su_client.get(url(Article, "change", article.pk))
    # The page links to the workspace in other places too (the workspace field, the inline).
    assert f'<a href="/articles/{article.pk}/" class="viewsitelink">' in response.content.decode()


# ---------------------------------------------------------------- articles: frozen text, dedupe


def test_frozen_text_shows_the_readable_error(su_client, data):
    article = data["article"]
    page = su_client.get(url(Article, "change", article.pk))
    post = form_data(page)
    post["text"] = article.text.replace("Russia", "Moscow")
    response = su_client.post(url(Article, "change", article.pk), post)
    assert response.status_code == 200
    assert "The text is frozen: 2 annotation(s) point into it by offset." in errors_of(response)
    assert "The text is frozen" in response.content.decode()  # shown on the page, not just kept
    article.refresh_from_db()
    assert "Moscow" not in article.text


def test_unchanged_text_posted_with_crlf_saves(su_client, data):
    """Browsers post textareas with CRLF; that alone must not count as editing a frozen text."""
    article = data["article"]
    post = form_data(su_client.get(url(Article, "change", article.pk)))
    post["text"] = article.text.replace("\n", "\r\n")
    post["outlet"] = "The Outlet"
    response = su_client.post(url(Article, "change", article.pk), post)
    assert response.status_code == 302, errors_of(response)
    article.refresh_from_db()
    assert article.outlet == "The Outlet"
    assert "\r" not in article.text


def test_byline_and_outlet_are_editable_on_an_annotated_article(su_client, data):
    article = data["article"]
    page = su_client.get(url(Article, "change", article.pk))
    assert 'name="byline"' in page.content.decode() and 'name="outlet"' in page.content.decode()
    post = form_data(page)
    post.update(byline="Shashank Bengali", outlet="Los Angeles Times")
    response = su_client.post(url(Article, "change", article.pk), post)
    assert response.status_code == 302, errors_of(response)
    article.refresh_from_db()
    assert (article.byline, article.outlet) == ("Shashank Bengali", "Los Angeles Times")
    post["byline"] = "Nul\x00byte"
    assert "Null characters are not allowed." in errors_of(
        su_client.post(url(Article, "change", article.pk), post)
    )


def test_text_of_unannotated_article_can_change_and_rehashes(su_client):
    from annotate.importing import text_hash

    article = factories.make_article("Old words.", title="Draft")
    post = form_data(su_client.get(url(Article, "change", article.pk)))
    post["text"] = "New words."
    assert su_client.post(url(Article, "change", article.pk), post).status_code == 302
    article.refresh_from_db()
    assert (article.text, article.text_sha256) == ("New words.", text_hash("New words."))


def add_article_post(text: str, title: str = "Added") -> dict:
    return {
        "title": title,
        "text": text,
        "language": "en",
        "annotations-TOTAL_FORMS": "0",
        "annotations-INITIAL_FORMS": "0",
        "annotations-MIN_NUM_FORMS": "0",
        "annotations-MAX_NUM_FORMS": "1000",
    }


def test_add_article_sets_the_text_hash(su_client):
    from annotate.importing import text_hash

    response = su_client.post(url(Article, "add"), add_article_post("Caf\u0065\u0301 talks.\r\n"))
    assert response.status_code == 302
    article = Article.objects.get(title="Added")
    assert article.text == "Caf\u00e9 talks.\n"  # normalised as on import: NFC, LF
    assert article.text_sha256 == text_hash(article.text)


def test_add_duplicate_article_text_is_a_form_error(su_client, article):
    response = su_client.post(url(Article, "add"), add_article_post(article.text, "Copy"))
    assert response.status_code == 200
    assert f"Article #{article.pk} “Votel testimony” already has exactly this text" in errors_of(
        response
    )
    assert Article.objects.count() == 1


def test_add_empty_article_text_is_refused(su_client):
    response = su_client.post(url(Article, "add"), add_article_post("  \n "))
    assert "The text is empty" in errors_of(response)
    assert not Article.objects.exists()


def test_delete_article_with_annotations_shows_protected_page(su_client, data):
    article = data["article"]
    page = su_client.get(url(Article, "delete", article.pk))
    assert page.status_code == 200
    assert "protected related objects" in page.content.decode()
    response = su_client.post(url(Article, "delete", article.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Article.objects.filter(pk=article.pk).exists()


def test_delete_selected_articles_with_annotations_is_refused(su_client, data):
    article = data["article"]
    response = su_client.post(
        url(Article, "changelist"),
        {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Article.objects.filter(pk=article.pk).exists()


def test_article_inline_is_read_only_and_links(su_client, data):
    article = data["article"]
    first = data["annotations"][0]
    page = su_client.get(url(Article, "change", article.pk))
    html = page.content.decode()
    assert url(Annotation, "change", first.pk) in html
    assert f'<a href="/articles/{article.pk}/">Open</a>' in html  # the inline's workspace column
    assert 'name="annotations-0-stance"' not in html  # not editable here


# ---------------------------------------------------------------- actors and claims


def test_actor_name_clash_is_readable(su_client, data):
    response = su_client.post(
        url(Actor, "add"),
        {
            "name": "the kremlin",
            "kind": "state",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
        },
    )
    assert "“the kremlin” already names Russia" in errors_of(response)


def test_claim_text_is_generated_when_blank(su_client, data):
    russia = Actor.objects.get(name="Russia")
    taliban = Actor.objects.get(name="Taliban")
    arms = Relation.objects.get(slug="arms")
    post = {
        "subject": russia.pk,
        "relation": arms.pk,
        "object": taliban.pk,
        "qualifier": " rifles ",
    }
    assert su_client.post(url(Claim, "add"), post).status_code == 302
    assert Claim.objects.get(relation=arms).text == "Russia arms Taliban rifles"
    duplicate = su_client.post(url(Claim, "add"), {**post, "qualifier": "Rifles"})
    assert "This claim already exists" in errors_of(duplicate)


# ---------------------------------------------------------------- annotations: spans, review


def test_annotation_change_refuses_out_of_range_span(su_client, data):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["end"] = str(len(data["article"].text) + 5)
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert response.status_code == 200
    assert "runs past the end of the text" in errors_of(response)
    assert "runs past the end of the text" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.version == 1


def test_annotation_change_refuses_reversed_span(su_client, data):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["start"], post["end"] = str(annotation.end), str(annotation.start)
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert "is empty: end must be after start" in errors_of(response)


def test_annotation_change_refuses_mismatched_expected_quote(su_client, data):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["start"] = str(annotation.start + 1)
    post["expected_quote"] = annotation.quote
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert "Quote does not match the text" in errors_of(response)
    annotation.refresh_from_db()
    assert (annotation.start, annotation.version) == (data["annotations"][0].start, 1)


def test_annotation_change_takes_quote_from_offsets_and_bumps_version(su_client, data):
    annotation = data["annotations"][0]
    text = data["article"].text
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    start = text.index("Russia was")
    post.update(start=str(start), end=str(start + 6), expected_quote="Russia")
    post.update(cue_start=str(text.index("told")), cue_end=str(text.index("told") + 4))
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert response.status_code == 302, errors_of(response)
    annotation.refresh_from_db()
    assert (annotation.quote, annotation.cue_quote, annotation.version) == ("Russia", "told", 2)


def test_annotation_named_source_needs_actor(su_client, data):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post.update(source_kind="named", source_actor="")
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert "A named source needs an actor" in errors_of(response)


def add_annotation_post(article, claim, reviewer, **overrides) -> dict:
    """The admin's add form for an annotation of the article's first four characters."""
    return {
        "article": article.pk,
        "claim": claim.pk,
        "start": "0",
        "end": "4",
        "source_kind": "author",
        "stance": "asserts",
        "certainty": "unspecified",
        "confidence": "3",
        "reviewer": reviewer.pk,
        "status": "pending",
        **overrides,
    }


def test_annotation_add_in_admin(su_client, data, reviewer):
    article = factories.make_article("Iran says it talks to the Taliban.", title="Talks")
    post = add_annotation_post(article, data["claim"], reviewer)
    response = su_client.post(url(Annotation, "add"), post)
    assert response.status_code == 302, errors_of(response)
    created = Annotation.objects.get(article=article)
    assert created.quote == "Iran"
    assert Progress.objects.filter(article=article, reviewer=reviewer).exists()


def test_annotation_status_change_in_form_records_curator(su_client, data, superuser):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["status"] = "rejected"
    assert su_client.post(url(Annotation, "change", annotation.pk), post).status_code == 302
    annotation.refresh_from_db()
    assert (annotation.status, annotation.curator) == ("rejected", superuser)
    assert annotation.reviewed_at is not None


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("accept_selected", Status.ACCEPTED, "Accepted 2 annotations."),
        ("reject_selected", Status.REJECTED, "Rejected 2 annotations."),
    ],
)
def test_review_actions(su_client, data, superuser, action, status, message):
    ids = [a.pk for a in data["annotations"]]
    response = su_client.post(
        url(Annotation, "changelist"), {"action": action, "_selected_action": ids}, follow=True
    )
    assert message in [str(m) for m in response.context["messages"]]
    for annotation in Annotation.objects.filter(pk__in=ids):
        assert (annotation.status, annotation.curator) == (status, superuser)
        assert annotation.reviewed_at is not None


def test_filter_deleted(su_client, data, reviewer):
    from annotate import services

    services.annotation_delete(annotation=data["annotations"][1], user=reviewer)
    live = su_client.get(url(Annotation, "changelist"), {"deleted": "no"})
    gone = su_client.get(url(Annotation, "changelist"), {"deleted": "yes"})
    assert [a.pk for a in live.context["cl"].result_list] == [data["annotations"][0].pk]
    assert [a.pk for a in gone.context["cl"].result_list] == [data["annotations"][1].pk]


def streamed(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_article_export_action_streams_json(su_client, data):
    other = factories.make_annotation(phrase="Russia denies")  # on another article
    article = data["article"]
    response = su_client.post(
        url(Article, "changelist"), {"action": "export_json", "_selected_action": [article.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = orjson.loads(streamed(response))
    assert [a["id"] for a in document["articles"]] == [article.pk]
    exported = {item["id"] for item in document["articles"][0]["annotations"]}
    assert exported == {a.pk for a in data["annotations"]}
    assert other.pk not in exported


def test_annotation_export_action_streams_jsonl(su_client, data):
    first = data["annotations"][0]
    response = su_client.post(
        url(Annotation, "changelist"), {"action": "export_jsonl", "_selected_action": [first.pk]}
    )
    assert response["Content-Disposition"].startswith("attachment;")
    lines = [orjson.loads(line) for line in streamed(response).splitlines()]
    # The export works per article: the selection's article comes out whole.
    assert {line["id"] for line in lines} == {a.pk for a in data["annotations"]}
    assert {line["article"]["id"] for line in lines} == {data["article"].pk}


@pytest.mark.parametrize(
    ("model", "description"),
    [
        (Article, "Export the selected articles' annotations as {}"),
        (Annotation, "Export the articles of the selected annotations as {}"),
    ],
    ids=["articles", "annotations"],
)
def test_both_export_formats_are_offered_and_stream_what_they_say(
    su_client, data, model, description
):
    changelist = url(model, "changelist")
    actions = dict(su_client.get(changelist).context["action_form"].fields["action"].choices)
    assert actions["export_json"] == description.format("JSON")
    assert actions["export_jsonl"] == description.format("JSONL")
    selected = model.objects.first().pk
    body = streamed(
        su_client.post(changelist, {"action": "export_json", "_selected_action": [selected]})
    )
    assert orjson.loads(body)["schema_version"]
    body = streamed(
        su_client.post(changelist, {"action": "export_jsonl", "_selected_action": [selected]})
    )
    lines = [orjson.loads(line) for line in body.splitlines()]
    assert len(lines) == 2 and all(line["article"]["id"] == data["article"].pk for line in lines)


# ---------------------------------------------------------------- access


def test_reviewer_cannot_reach_admin(reviewer_client):
    response = reviewer_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = reviewer_client.get(url(Annotation, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# ---------------------------------------------------------------- query counts stay flat


def _populate(rows: int) -> None:
    """`rows` articles, claims and annotations, each over distinct actors and reviewers."""
    reviewers = [factories.make_user() for _ in range(3)]
    while Annotation.objects.count() < rows:
        n = Annotation.objects.count()
        article = factories.make_article(title=f"Bulk {n}")
        claim = factories.make_claim(f"Subject {n}", "funds", f"Object {n}")
        factories.make_annotation(
            article=article,
            reviewer=reviewers[n % 3],
            claim=claim,
            phrase="Russia denies",
            source_kind="named",
            source_actor=claim.subject,
        )
    factories.make_actor(f"Alias holder {rows}", aliases=[f"alias {rows}"])


@pytest.mark.parametrize(
    "model", [Article, Claim, Annotation, Actor, Progress], ids=lambda m: m.__name__
)
def test_changelist_queries_do_not_grow_with_rows(su_client, model, django_assert_max_num_queries):
    _populate(10)
    with CaptureQueriesContext(connection) as few:
        assert su_client.get(url(model, "changelist")).status_code == 200
    assert len(few.captured_queries) <= 12  # session, user, counts, one page query, filters
    _populate(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = su_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 60


def test_article_change_page_queries_do_not_grow_with_annotations(
    su_client, data, reviewer, django_assert_max_num_queries
):
    article = data["article"]

    def annotate(count: int) -> None:
        for n in range(count):
            claim = factories.make_claim(f"Inline subject {n}", "advises", "Taliban")
            factories.make_annotation(
                article=article, reviewer=factories.make_user(), claim=claim, start=n, end=n + 5
            )

    annotate(8)
    with CaptureQueriesContext(connection) as few:
        assert su_client.get(url(Article, "change", article.pk)).status_code == 200
    annotate(50)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = su_client.get(url(Article, "change", article.pk))
    links = re.findall(r"/admin/annotate/annotation/\d+/change/", response.content.decode())
    assert len(set(links)) == 60


def test_annotation_change_over_a_newer_edit_is_refused(su_client, data, reviewer):
    from annotate import services

    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    services.annotation_update(annotation=annotation, user=reviewer, version=1, note="mine")
    post["note"] = "admin's"
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert response.status_code == 200
    assert "Someone changed this annotation since you opened it (now version 2" in errors_of(
        response
    )
    assert "Someone changed this annotation" in response.content.decode()
    annotation.refresh_from_db()
    assert (annotation.note, annotation.version) == ("mine", 2)


def test_annotation_change_saves_with_the_loaded_version(su_client, data, reviewer, monkeypatch):
    """The save itself is version-checked (services.annotation_update), not only the form: a
    change landing between the form's check and the save is refused too, and nothing is kept."""
    from annotate import services
    from annotate.admin.annotations import AnnotationAdminForm

    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["note"] = "admin's"
    check = AnnotationAdminForm._check_editable

    def check_then_someone_saves(form, loaded):
        check(form, loaded)
        services.annotation_update(annotation=annotation, user=reviewer, version=1, note="mine")

    monkeypatch.setattr(AnnotationAdminForm, "_check_editable", check_then_someone_saves)
    with pytest.raises(services.StaleEdit):
        su_client.post(url(Annotation, "change", annotation.pk), post)
    annotation.refresh_from_db()
    assert annotation.note != "admin's"


def test_annotation_change_of_a_deleted_annotation_is_refused(su_client, data, reviewer):
    from annotate import services

    annotation = data["annotations"][0]
    services.annotation_delete(annotation=annotation, user=reviewer)
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["note"] = "admin's"
    response = su_client.post(url(Annotation, "change", annotation.pk), post)
    assert response.status_code == 200
    assert "This annotation was deleted: restore it before editing." in errors_of(response)
    annotation.refresh_from_db()
    assert (annotation.note, annotation.version) == ("", 2)


def test_annotation_reviewer_and_deletion_are_not_edited_in_the_change_form(
    su_client, data, reviewer
):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    assert "reviewer" not in post and "deleted_at" not in post
    post.update(reviewer=factories.make_user().pk, deleted_at_0="2024-01-01", note="edited")
    assert su_client.post(url(Annotation, "change", annotation.pk), post).status_code == 302
    annotation.refresh_from_db()
    assert (annotation.reviewer, annotation.deleted_at) == (reviewer, None)
    assert (annotation.note, annotation.version) == ("edited", 2)


def test_annotation_added_as_accepted_records_the_curator(su_client, data, reviewer, superuser):
    article = factories.make_article("Iran says it talks to the Taliban.", title="Talks")
    post = add_annotation_post(
        article, data["claim"], reviewer, status="accepted", curator_comment=" fine "
    )
    response = su_client.post(url(Annotation, "add"), post)
    assert response.status_code == 302, errors_of(response)
    created = Annotation.objects.get(article=article)
    assert response["Location"] == url(Annotation, "changelist")
    assert (created.status, created.curator, created.curator_comment) == (
        "accepted",
        superuser,
        "fine",
    )
    # Created at version 1; the verdict is versioned like an edit (issue 10).
    assert created.reviewed_at is not None and created.version == 2


def test_annotation_status_change_alone_is_versioned_and_keeps_the_content(su_client, data):
    annotation = data["annotations"][0]
    post = form_data(su_client.get(url(Annotation, "change", annotation.pk)))
    post["status"] = "accepted"
    assert su_client.post(url(Annotation, "change", annotation.pk), post).status_code == 302
    annotation.refresh_from_db()
    # A verdict is versioned like an edit (issue 10): an editor opened before it is stale, so the
    # reviewer sees the verdict (and that saving sends it back) before overwriting. The content
    # is untouched, so the verdict stands.
    assert (annotation.status, annotation.version, annotation.changed_after_review) == (
        "accepted",
        2,
        False,
    )


def _staff_client(client):
    """Staff with every annotation permission, but not a superuser."""
    from django.contrib.auth.models import Permission

    staff = factories.make_user("staffer", staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="_annotation"))
    client.force_login(staff)
    return client


def test_admin_deletes_annotations_softly_and_restores_them(client, data):
    staff = _staff_client(client)
    ids = [a.pk for a in data["annotations"]]
    changelist = url(Annotation, "changelist")
    actions = dict(staff.get(changelist).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions  # staff cannot purge
    assert "soft_delete_selected" in actions and "restore_selected" in actions
    response = staff.post(
        changelist, {"action": "soft_delete_selected", "_selected_action": ids}, follow=True
    )
    assert "Deleted 2 annotations." in response.content.decode()
    rows = list(Annotation.objects.filter(pk__in=ids))
    assert all(a.deleted_at is not None and a.version == 2 for a in rows)
    staff.post(changelist, {"action": "restore_selected", "_selected_action": ids})
    rows = list(Annotation.objects.filter(pk__in=ids))
    assert all(a.deleted_at is None and a.version == 3 for a in rows)
    # No Delete link on the change page either: only a superuser can purge.
    page = staff.get(url(Annotation, "change", ids[0])).content.decode()
    assert "deletelink" not in page


def test_only_a_superuser_purges_annotations(su_client, data):
    actions = dict(
        su_client.get(url(Annotation, "changelist")).context["action_form"].fields["action"].choices
    )
    assert actions["delete_selected"] == "Purge selected annotations permanently"


def test_annotation_list_shows_a_short_article_link_with_the_full_title(su_client, data):
    article = data["article"]
    article.title = "A very long article title that would fill the first column of the list"
    article.save()
    html = su_client.get(url(Annotation, "changelist")).content.decode()
    link = (
        f'<a href="{url(Article, "change", article.pk)}" title="{article.title}">'
        "A very long article title tha…</a>"
    )
    assert f'<td class="field-article_short">{link}</td>' in html


def test_blank_outlet_filter_choice_has_a_name(su_client, data):
    factories.make_article("Another text.", title="No outlet", outlet="")
    factories.make_article("A third text.", title="Has outlet", outlet="Dawn")
    html = su_client.get(url(Article, "changelist")).content.decode()
    assert '<a href="?outlet=">(blank)</a>' in html
    assert '<a href="?outlet=Dawn">Dawn</a>' in html
    assert '<a href="?outlet="></a>' not in html


def test_deleted_at_is_shown_not_edited_so_it_has_no_unnamed_inputs(su_client, data):
    """Deleting and restoring are list actions (recoverable, versioned); the change form shows
    when, read-only, so the split date/time inputs that had no accessible name are gone."""
    first = data["annotations"][0]
    html = su_client.get(url(Annotation, "change", first.pk)).content.decode()
    assert 'name="deleted_at_0"' not in html and 'name="deleted_at_1"' not in html
    assert re.search(r'<div class="readonly">[^<]*</div>', html.split("field-deleted_at", 1)[1])


def test_admin_pages_load_the_accessibility_fixes(su_client, data):
    html = su_client.get(url(Annotation, "change", data["annotations"][0].pk)).content.decode()
    assert "annotate/admin.css" in html and "annotate/admin.js" in html
    assert "Stancemark admin" in html  # Django's own base_site still renders around them
