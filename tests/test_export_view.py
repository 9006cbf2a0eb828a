"""/export/: login required; reviewers get only their own annotations, curators everything."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate.models import SiteSettings
from tests import factories

URL = reverse("annotate:export")
SCHEMA = Path(__file__).resolve().parent.parent / "annotate" / "schemas" / "export-v2.schema.json"


def _schema() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture
def annotations(db, reviewer, other_reviewer):
    article = factories.make_article(title="Votel testimony")
    mine = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    theirs = factories.make_annotation(
        article=article, reviewer=other_reviewer, phrase="Russia was supporting"
    )
    return {"article": article, "mine": mine, "theirs": theirs}


def _ids(response) -> set[int]:
    body = b"".join(response.streaming_content)
    if response["Content-Type"] == "application/x-ndjson":
        return {orjson.loads(line)["id"] for line in body.splitlines()}
    doc = orjson.loads(body)
    return {a["id"] for art in doc["articles"] for a in art["annotations"]}


def test_login_required(client, annotations):
    response = client.get(URL, {"download": "1"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_page_renders_form(reviewer_client, annotations):
    response = reviewer_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Download" in html
    assert "JSONL" in html
    assert 'name="reviewer"' not in html  # reviewers cannot pick other reviewers
    assert "your own annotations only" in html


def test_staff_page_offers_reviewer_filter(client, annotations):
    client.force_login(factories.make_user("boss", staff=True))
    html = client.get(URL).content.decode()
    assert 'name="reviewer"' in html


def test_reviewers_are_offered_as_checkboxes_in_a_labelled_group(client, annotations):
    client.force_login(factories.make_user("boss", staff=True))
    html = client.get(URL).content.decode()
    assert "<legend>Reviewers</legend>" in html and "<select" not in html
    for name in ("boss", "other", "reviewer"):
        assert re.search(rf'<input type="checkbox" name="reviewer" value="{name}"[^>]*>', html)
    assert "multiple" not in html  # no Ctrl-click list any more


def test_reviewer_download_contains_only_own_annotations(reviewer_client, annotations):
    response = reviewer_client.get(URL, {"download": "1", "format": "jsonl"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    assert _ids(response) == {annotations["mine"].id}


def test_reviewer_cannot_widen_export_with_handmade_reviewer(reviewer_client, annotations):
    response = reviewer_client.get(URL, {"download": "1", "reviewer": "other"})
    assert response.status_code == 403
    assert not response.streaming
    assert "Only curators and staff" in response.content.decode()
    # Naming themself is harmless and still yields only their own work.
    response = reviewer_client.get(URL, {"download": "1", "reviewer": "reviewer"})
    assert response.status_code == 200
    assert _ids(response) == {annotations["mine"].id}


@pytest.mark.parametrize("staff", [True, False])
def test_staff_and_curators_get_everything(client, annotations, staff):
    user = factories.make_user("boss", staff=staff, curator=not staff)
    client.force_login(user)
    response = client.get(URL, {"download": "1", "format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert _ids(response) == {annotations["mine"].id, annotations["theirs"].id}
    response = client.get(URL, {"download": "1", "format": "jsonl", "reviewer": "other"})
    assert _ids(response) == {annotations["theirs"].id}


def test_filters_and_no_text(client, curator, annotations):
    client.force_login(curator)
    article = annotations["article"]
    response = client.get(
        URL, {"download": "1", "article": f"{article.id}", "status": "pending", "no_text": "on"}
    )
    doc = orjson.loads(b"".join(response.streaming_content))
    assert [a["id"] for a in doc["articles"]] == [article.id]
    assert "text" not in doc["articles"][0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"article": "12x"}, "12x"),
        ({"article": "999999"}, "999999"),
        ({"article": "²"}, "²"),
        ({"article": "99999999999999999999"}, "99999999999999999999"),
        ({"status": "bogus"}, "bogus"),
        ({"format": "xml"}, "xml"),
    ],
)
def test_invalid_filter_shows_page_with_error(client, curator, annotations, params, message):
    client.force_login(curator)
    response = client.get(URL, {"download": "1", **params})
    assert response.status_code == 400
    assert not response.streaming
    assert message in response.content.decode()


def test_post_not_allowed(reviewer_client, annotations):
    assert reviewer_client.post(URL, {"download": "1"}).status_code == 405


def _doc(response) -> dict:
    return orjson.loads(b"".join(response.streaming_content))


def test_reviewer_export_lists_only_the_claims_and_actors_of_own_work(
    reviewer_client, client, curator, annotations, other_reviewer
):
    """Names another reviewer typed are their work too: a reviewer's export does not list them."""
    secret = factories.make_actor("Mullah X", kind="person", aliases=["the mullah"])
    hidden = factories.make_claim("Iran", "arms", "Haqqani network")
    factories.make_annotation(
        article=annotations["article"], reviewer=other_reviewer, claim=hidden, phrase="Votel",
        source_kind="named", source_actor=secret,
    )  # fmt: skip
    factories.make_actor("Pakistan")  # the admin's, used by no annotation: not the export's
    doc = _doc(reviewer_client.get(URL, {"download": "1", "format": "json"}))
    _schema().validate(doc)
    mine = annotations["mine"]
    assert [c["id"] for c in doc["claims"]] == [mine.claim_id]
    assert {a["name"] for a in doc["actors"]} == {"Russia", "Taliban"}
    assert {r["id"] for r in doc["relations"]} >= {"supports", "arms"}  # a shared vocabulary
    doc = _doc(reviewer_client.get(URL, {"download": "1", "status": "accepted"}))
    assert (doc["claims"], doc["actors"], doc["articles"]) == ([], [], [])
    client.force_login(curator)
    doc = _doc(client.get(URL, {"download": "1", "format": "json", "reviewer": "reviewer"}))
    assert {c["text"] for c in doc["claims"]} >= {"Iran arms Haqqani network"}
    assert {"Mullah X", "Pakistan", "Iran"} <= {a["name"] for a in doc["actors"]}


def test_reviewer_export_queries_do_not_grow(reviewer_client, reviewer, other_reviewer):
    def queries(fmt: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(reviewer_client.get(URL, {"download": "1", "format": fmt}).streaming_content)
        return len(captured)

    article = factories.make_article(title="Votel testimony")
    factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    SiteSettings.load()  # the singleton row exists on any used site; creating it is a one-off
    small = [queries("json"), queries("jsonl")]
    for i in range(30):
        claim = factories.make_claim(f"State {i}", "arms", f"Group {i}")
        for who in (reviewer, other_reviewer):
            factories.make_annotation(
                article=factories.make_article(title=f"Story {i}"), reviewer=who, claim=claim
            )
    assert [queries("json"), queries("jsonl")] == small


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def test_page_says_how_much_the_filters_export(curator_client, annotations):
    html = curator_client.get(URL).content.decode()
    assert (
        "This export holds <strong>2</strong> annotations from <strong>1</strong> article." in html
    )


def test_preview_redraws_for_htmx_with_the_filters(curator_client, reviewer, annotations):
    response = curator_client.get(URL, {"reviewer": reviewer.username}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html  # only the count is sent back
    assert "<strong>1</strong> annotation from <strong>1</strong> article." in html


def test_reviewer_preview_counts_only_their_own(reviewer_client, annotations):
    html = reviewer_client.get(URL).content.decode()
    assert "<strong>1</strong> annotation from" in html


def test_preview_of_bad_filters_says_why_and_exports_nothing(curator_client, annotations):
    response = curator_client.get(URL, {"article": "12, x"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "must be whole numbers; x is not" in html
    response = curator_client.get(URL, {"article": "99999"}, HTTP_HX_REQUEST="true")
    assert "Unknown article id 99999" in response.content.decode()
    response = curator_client.get(URL, {"status": "rejected"}, HTTP_HX_REQUEST="true")
    assert "Nothing to export with these filters" in response.content.decode()


def test_reviewer_preview_naming_another_reviewer_is_refused(
    reviewer_client, other_reviewer, annotations
):
    response = reviewer_client.get(
        URL, {"reviewer": other_reviewer.username}, HTTP_HX_REQUEST="true"
    )
    assert "Only curators and staff" in response.content.decode()
