"""Articles list and workspace: every endpoint, ownership, validation, htmx vs plain, queries."""

from __future__ import annotations

import json
import random
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import rendering, services
from annotate.models import Actor, Annotation, Progress, Relation, SiteSettings, Status
from tests import factories
from tests.markup import apply_swaps, by_id, outer, parse_page

HX = {"HX-Request": "true"}
PHRASE = "Russia was supporting the Taliban"


def detail_url(article) -> str:
    return reverse("annotate:article-detail", args=[article.pk])


def form_data(article, phrase: str = PHRASE, **overrides) -> dict:
    start = article.text.index(phrase)
    data = {
        "start": start,
        "end": start + len(phrase),
        "quote": phrase,
        "subject": "Russia",
        "relation": "supports",
        "object": "Taliban",
        "claim_text": "",
        "source_kind": "named",
        "source": "Joseph Votel",
        "stance": "asserts",
        "certainty": "probable",
        "confidence": "4",
        "note": "hedged: fair to assume",
    }
    data.update(overrides)
    # The names are confirmed as new actors where they are new, as the reviewer's Create button
    # does (tests/test_new_actors.py asks first); existing names ignore it.
    for field in ("subject", "object", "source"):
        data.setdefault(f"new_{field}", data[field])
    return data


# ---------------------------------------------------------------- login and list


@pytest.mark.parametrize(
    "name,args",
    [
        ("article-list", []),
        ("article-detail", [1]),
        ("annotation-edit", [1]),
        ("actor-autocomplete", []),
    ],
)
def test_pages_require_login(client, db, name, args):
    response = client.get(reverse(f"annotate:{name}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["annotation-create", "progress-set"])
def test_posts_require_login(client, article, name):
    response = client.post(reverse(f"annotate:{name}", args=[article.pk]), {})
    assert response.status_code == 302
    assert Annotation.objects.count() == 0


def test_list_empty_state_explains_import(reviewer_client):
    response = reviewer_client.get("/")
    assert b"python manage.py import_articles PATH" in response.content
    assert b"make run" in response.content


def test_list_shows_counts_and_progress(reviewer_client, reviewer, other_reviewer, article):
    SiteSettings.objects.update_or_create(pk=1, defaults={"reviewers_see_others": True})
    factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    factories.make_annotation(article=article, reviewer=other_reviewer, phrase="Russia denies")
    response = reviewer_client.get("/")
    row = response.context["articles"][0]
    assert (row.my_count, row.all_count, row.my_progress) == (1, 2, "started")
    assert b"In progress" in response.content
    assert b"Votel testimony" in response.content


@pytest.mark.parametrize(
    ("see_others", "blind", "before_done", "after_done"),
    [(False, False, 1, 1), (False, True, 1, 1), (True, True, 1, 2), (True, False, 2, 2)],
)
def test_list_all_count_counts_only_what_i_may_see(
    reviewer_client, reviewer, other_reviewer, article, see_others, blind, before_done, after_done
):
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"reviewers_see_others": see_others, "blind_annotation": blind}
    )
    factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    factories.make_annotation(article=article, reviewer=other_reviewer, phrase="Russia denies")
    assert reviewer_client.get("/").context["articles"][0].all_count == before_done
    reviewer_client.post(reverse("annotate:progress-set", args=[article.pk]), {"done": "1"})
    assert reviewer_client.get("/").context["articles"][0].all_count == after_done


def test_list_all_count_for_curators_is_everything(client, curator, reviewer, other_reviewer):
    SiteSettings.objects.update_or_create(pk=1, defaults={"blind_annotation": True})
    article = factories.make_article(title="Votel testimony")
    factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    factories.make_annotation(article=article, reviewer=other_reviewer, phrase="Russia denies")
    client.force_login(curator)
    row = client.get("/").context["articles"][0]
    assert (row.my_count, row.all_count, row.my_progress) == (0, 2, None)


def test_list_queries_constant_in_blind_mode(
    reviewer_client, reviewer, other_reviewer, django_assert_max_num_queries
):
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"reviewers_see_others": True, "blind_annotation": True}
    )
    for i in range(30):
        a = factories.make_article(f"Text {i}.", title=f"T{i:02}")
        factories.make_annotation(article=a, reviewer=reviewer, start=0, end=4)
        factories.make_annotation(article=a, reviewer=other_reviewer, start=1, end=4)
        if i % 2:
            Progress.objects.filter(article=a, reviewer=reviewer).update(status="done")
    with django_assert_max_num_queries(8):
        response = reviewer_client.get("/")
    counts = [(row.title, row.all_count) for row in response.context["articles"]]
    assert counts[:3] == [("T00", 1), ("T01", 2), ("T02", 1)]
    assert len(counts) == 25


def test_list_search_htmx_returns_results_partial(reviewer_client, article):
    factories.make_article("Something else entirely.", title="Other")
    response = reviewer_client.get("/", {"q": "Votel"}, headers=HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "Votel testimony" in html and "Other" not in html
    plain = reviewer_client.get("/", {"q": "Votel"})
    assert b"<html" in plain.content and b'action="/"' in plain.content


def test_list_search_no_match_says_so(reviewer_client, article):
    response = reviewer_client.get("/", {"q": "zzzz"})
    assert "No article matches “zzzz”".encode() in response.content


def test_list_paginates_with_constant_queries(
    reviewer_client, reviewer, django_assert_max_num_queries
):
    for i in range(30):
        a = factories.make_article(f"Text {i}.", title=f"T{i:02}")
        factories.make_annotation(article=a, reviewer=reviewer, start=0, end=4)
    SiteSettings.load()  # the singleton row exists on any used site; creating it is a one-off
    with django_assert_max_num_queries(8):
        response = reviewer_client.get("/", {"page": 2})
    assert len(response.context["articles"]) == 5
    assert b"Page 2 of 2" in response.content


def test_reviewer_sees_no_admin_link(reviewer_client, article):
    assert b"/admin/" not in reviewer_client.get("/").content


# ---------------------------------------------------------------- workspace (read)


def test_workspace_renders_highlights_escaped(reviewer_client, reviewer):
    # The article text, the quote (in the text and the panel), the typed claim text and the source
    # description are all shown on the page; each carries markup that must come out as text.
    article = factories.make_article("<b>x</b> Russia was supporting the Taliban & more.")
    claim, _ = services.claim_get_or_create(
        subject=factories.make_actor("Russia"),
        relation=Relation.objects.get(slug="supports"),
        object=factories.make_actor("Taliban"),
        text="<img src=x onerror=alert(1)>",
    )
    factories.make_annotation(
        article=article,
        reviewer=reviewer,
        claim=claim,
        phrase="<b>x</b> " + PHRASE,
        source_kind="unnamed",
        source_description="<script>alert(2)</script>",
    )
    html = reviewer_client.get(detail_url(article)).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert 'class="hl mine s-asserts d1"' in html and 'data-label="1"' in html
    assert '<q class="quote">&lt;b&gt;x&lt;/b&gt; Russia was supporting' in html
    assert '<span class="claim">&lt;img src=x onerror=alert(1)&gt;</span>' in html
    assert "<img src=x" not in html
    assert '<span class="source">&lt;script&gt;alert(2)&lt;/script&gt;</span>' in html
    assert "<script>alert(2)" not in html


def test_workspace_lists_only_my_annotations_by_default(
    reviewer_client, reviewer, other_reviewer, article
):
    factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    theirs = factories.make_annotation(
        article=article, reviewer=other_reviewer, phrase="Russia denies"
    )
    response = reviewer_client.get(detail_url(article), {"others": "1"})
    assert response.context["mine_count"] == 1
    assert not response.context["show_others"]
    assert f'data-ann="{theirs.pk}"' not in response.content.decode()


def test_reviewers_see_others_when_site_allows(reviewer_client, reviewer, other_reviewer, article):
    SiteSettings.objects.update_or_create(pk=1, defaults={"reviewers_see_others": True})
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    html = reviewer_client.get(detail_url(article), {"others": "1"}).content.decode()
    assert f'data-ann="{theirs.pk}"' in html and "Other reviewers" in html
    assert "Accept</button>" not in html  # reviewers do not review


def test_blind_mode_hides_others_until_done(reviewer_client, reviewer, other_reviewer, article):
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"reviewers_see_others": True, "blind_annotation": True}
    )
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    response = reviewer_client.get(detail_url(article), {"others": "1"})
    assert not response.context["show_others"] and response.context["blind_hidden"]
    assert f'data-ann="{theirs.pk}"' not in response.content.decode()
    reviewer_client.post(reverse("annotate:progress-set", args=[article.pk]), {"done": "1"})
    response = reviewer_client.get(detail_url(article), {"others": "1"})
    assert f'data-ann="{theirs.pk}"' in response.content.decode()


def test_curator_sees_others_with_review_buttons(client, curator, other_reviewer, article):
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    client.force_login(curator)
    html = client.get(detail_url(article), {"others": "1"}).content.decode()
    assert f'data-ann="{theirs.pk}"' in html and "Accept</button>" in html


def test_deep_link_shows_others_annotation_for_curator(client, curator, other_reviewer, article):
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    client.force_login(curator)
    response = client.get(detail_url(article), {"annotation": theirs.pk})
    assert response.context["show_others"]
    assert f'data-focus="{theirs.pk}"' in response.content.decode()
    assert f'data-ids="{theirs.pk}"' in response.content.decode()


@pytest.mark.parametrize("count", [10, 1000])
def test_workspace_queries_constant(
    client, reviewer, other_reviewer, curator, django_assert_max_num_queries, count
):
    text = ("Russia was supporting the Taliban, officials said. " * 400)[:20_000]
    article = factories.make_article(text)
    claim = factories.make_claim()
    rows = [
        Annotation(
            article=article,
            reviewer=reviewer if i % 2 else other_reviewer,
            claim=claim,
            start=(i * 17) % 19_000,
            end=(i * 17) % 19_000 + 40 + i % 90,
            quote=text[(i * 17) % 19_000 : (i * 17) % 19_000 + 40 + i % 90],
            source_kind="author",
            stance=["asserts", "denies", "reports", "questions"][i % 4],
            confidence=1 + i % 5,
        )
        for i in range(count)
    ]
    Annotation.objects.bulk_create(rows)
    services.link_unlinked()  # their sources, which "same source as" offers
    SiteSettings.load()  # the singleton row exists on any used site; creating it is a one-off
    client.force_login(curator)
    # Ten (the sources the form offers come with the annotations' rows).
    with django_assert_max_num_queries(10):
        response = client.get(detail_url(article), {"others": "1"})
    assert response.context["others_count"] == count
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        response = client.get(detail_url(article))
    assert response.context["mine_count"] == count // 2


# ---------------------------------------------------------------- create


def test_create_htmx_returns_panel_and_text(reviewer_client, reviewer, article):
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), form_data(article), headers=HX
    )
    assert response.status_code == 200
    ann = Annotation.objects.get()
    assert (ann.reviewer, ann.quote, ann.stance, ann.certainty) == (
        reviewer,
        PHRASE,
        "asserts",
        "probable",
    )
    assert ann.claim.text == "Russia supports Taliban"
    assert ann.source_actor.name == "Joseph Votel"
    html = response.content.decode()
    assert html.lstrip().startswith('<aside id="panel"')
    assert 'id="article-text"' in html and 'hx-swap-oob="true"' in html
    assert f'data-ids="{ann.pk}"' in html
    assert "annotation-saved" in response.headers["HX-Trigger"]


def _my_list_ids(root) -> list[str]:
    found = root.xpath('.//*[@id="my-annotations"]')
    return [li.get("data-ann") for li in found[0]] if found else []


@pytest.mark.parametrize("who", ["reviewer", "curator showing others", "reviewer, others hidden"])
def test_save_swaps_applied_to_the_page_equal_the_page_after(client, reviewer, curator, who):
    """After the first, a save (new or edited, moved or not) sends only the text chunks around
    the span, its list item at its place, the count and the status line as htmx out-of-band swaps,
    and a blank form (create) or nothing (edit) as the main content. Applied to the page as it was
    (as htmx does), they give the page as it is."""
    user = curator if who.startswith("curator") else reviewer
    someone = factories.make_user("someone")
    line = "Gen. Votel said Russia was supporting the Taliban; Moscow denied it. 🎉 "
    text = "\n\n".join(line * 3 for _ in range(3)) + "\n" + line * 2
    article = factories.make_article(text)
    text = article.text
    assert len(rendering.chunk_bounds(text)) - 1 == 4  # spans cross chunk edges below
    rng = random.Random(20261122)
    for _ in range(6):  # someone else's work: shown to the curator, hidden from the reviewer
        start = rng.randrange(len(text) - 30)
        factories.make_annotation(
            article=article, reviewer=someone, start=start, end=start + rng.randrange(1, 30)
        )
    client.force_login(user)
    create = reverse("annotate:annotation-create", args=[article.pk])
    others = {"others": "1"} if who.startswith("curator") else {}

    def save(start: int, end: int, stance: str, edit: Annotation | None = None):
        data = form_data(article, **others)
        data.update(start=start, end=end, quote=text[start:end], stance=stance)
        url = create
        if edit is not None:
            url = reverse("annotate:annotation-update", args=[edit.pk])
            data["version"] = edit.version
        response = client.post(url, data, headers=HX)
        assert response.status_code == 200, response.content[:500]
        return response

    first = save(10, 30, "asserts")  # the first: the whole panel, retargeted to it
    assert first["HX-Retarget"] == "#panel"
    assert first.content.decode().lstrip().startswith('<aside id="panel"')
    status = by_id(parse_page(first.content.decode()), "status")
    assert "".join(status.itertext()).startswith("Saved “")  # the first save confirms too
    for step in range(40):
        before = parse_page(client.get(detail_url(article), others).content.decode())
        start = rng.randrange(len(text) - 1)
        end = min(len(text), start + rng.choice([1, 5, 20, 60, 200]))
        stance = rng.choice(["asserts", "denies", "reports", "questions"])
        edit = None
        if step % 3 == 2:  # every third save edits one of mine: new stance, and half move it
            edit = rng.choice(list(Annotation.objects.filter(reviewer=user)))
            if step % 2:
                start, end = edit.start, edit.end
        response = save(start, end, stance, edit)
        assert {"HX-Retarget", "HX-Reswap", "X-Stancemark-Patch"}.isdisjoint(response.headers)
        saved = edit or Annotation.objects.latest("pk")
        assert json.loads(response["HX-Trigger"]) == {"annotation-saved": {"id": saved.pk}}
        patch = response.content.decode()
        if edit:  # the edit form closes (#form-slot emptied); the item moves to its new place
            applied = apply_swaps(before, patch, target="#form-slot", swap="innerHTML")
            inserted = next(i for i, spec in enumerate(applied) if spec.startswith("before"))
            assert applied.index("delete") == inserted - 1
        else:  # a blank form takes the filled one's place
            applied = apply_swaps(before, patch, target="#new-slot")
            blank = by_id(before, "new-annotation")
            assert blank.get("hidden") is not None and "has-error" not in outer(before, "new-slot")
            assert blank.xpath('.//input[@name="quote"]')[0].get("value") is None
        assert ("Updated “" if edit else "Saved “") in by_id(before, "status").text
        after = parse_page(client.get(detail_url(article), others).content.decode())
        assert outer(before, "article-text") == outer(after, "article-text")
        assert _my_list_ids(before) == _my_list_ids(after)
        assert outer(before, "my-annotations") == outer(after, "my-annotations")
        assert outer(before, "mine-count") == outer(after, "mine-count")
        chunks = len(rendering.chunk_bounds(text)) - 1
        assert 1 <= applied.count("true") - 1 <= chunks  # the touched chunks and the count


def test_the_blank_form_a_save_sends_back_saves_again_with_its_own_csrf_token(reviewer, article):
    """The blank form is rendered once and reused (views.articles._blank_new_slot); the token in
    it must still be this session's, or the next save from it would be refused."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    page = client.get(detail_url(article)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    create = reverse("annotate:annotation-create", args=[article.pk])
    factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    for phrase in (PHRASE, "Taliban spokesman"):
        data = form_data(article, phrase=phrase, csrfmiddlewaretoken=token)
        response = client.post(create, data, headers=HX)
        assert response.status_code == 200
        slot = parse_page(response.content.decode())  # the main content and the swaps
        assert by_id(slot, "new-slot").get("hx-swap-oob") is None  # the main content
        assert by_id(slot, "new-annotation").get("hx-post") == create
        token = slot.xpath('.//input[@name="csrfmiddlewaretoken"]')[0].get("value")
        assert token != "csrf-token-goes-here"
    assert Annotation.objects.filter(reviewer=reviewer).count() == 3


def test_the_blank_form_a_save_sends_back_is_the_one_the_page_shows(
    reviewer_client, reviewer, article
):
    """The blank form is cached apart from its "same source as" choices (views.articles.
    _blank_new_slot): put together, it must be the form a fresh page shows, counts included."""
    factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    create = reverse("annotate:annotation-create", args=[article.pk])
    for phrase, source in ((PHRASE, "Joseph Votel"), ("Taliban spokesman", "Zamir Kabulov")):
        data = form_data(article, phrase=phrase, source=source)
        response = reviewer_client.post(create, data, headers=HX)
        assert response.status_code == 200
        sent = outer(parse_page(response.content.decode()), "new-slot")
        shown = outer(
            parse_page(reviewer_client.get(detail_url(article)).content.decode()), "new-slot"
        )
        token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        assert token.sub("", sent) == token.sub("", shown)
        assert f"{source} (1 mention)" in sent


@pytest.mark.parametrize("count", [10, 1000])
def test_save_queries_constant(reviewer_client, reviewer, django_assert_max_num_queries, count):
    text = ("Russia was supporting the Taliban, officials said. " * 400)[:20_000]
    article = factories.make_article(text)
    claim = factories.make_claim()
    Annotation.objects.bulk_create(
        Annotation(
            article=article,
            reviewer=reviewer,
            claim=claim,
            start=(i * 17) % 19_000,
            end=(i * 17) % 19_000 + 40 + i % 90,
            quote=text[(i * 17) % 19_000 : (i * 17) % 19_000 + 40 + i % 90],
            source_kind="author",
            stance="asserts",
            confidence=3,
        )
        for i in range(count)
    )
    services.link_unlinked()
    create = reverse("annotate:annotation-create", args=[article.pk])
    reviewer_client.post(create, form_data(article, phrase="officials said"), headers=HX)
    # Session, user, article, the sources offered, relations, 3 actors, claim, the source entity,
    # the check for a duplicate, insert, its history event, the upserts that mark the article's
    # stored agreement and the claim's stored tallies stale, progress, 3 for the swaps, and 2
    # savepoint statements (the test's own transaction makes services.annotation_save's atomic
    # block a savepoint): 21, the same at 10 and 1,000.
    with django_assert_max_num_queries(21):
        response = reviewer_client.post(create, form_data(article), headers=HX)
    assert b'hx-swap-oob="true"' in response.content and "HX-Retarget" not in response
    assert response.content.count(b'<li class="ann"') == 1
    # An edit: the annotation (with its article), then the locked row in place of the progress
    # and the update in place of the insert: 21 as well.
    saved = Annotation.objects.get(pk=json.loads(response["HX-Trigger"])["annotation-saved"]["id"])
    update = reverse("annotate:annotation-update", args=[saved.pk])
    edit = form_data(article, stance="denies", version=str(saved.version))
    with django_assert_max_num_queries(21):
        response = reviewer_client.post(update, edit, headers=HX)
    assert b'hx-swap-oob="delete"' in response.content and "HX-Retarget" not in response
    saved.refresh_from_db()
    assert (saved.stance, saved.version) == ("denies", 2)


def test_create_with_source_and_cue_spans_picked_in_text(reviewer_client, article):
    text = article.text
    votel = text.index("Votel")
    told = text.index("told Congress")
    data = form_data(article)
    data.update(
        source_start=votel,
        source_end=votel + 5,
        source_quote="Votel",
        cue_start=told,
        cue_end=told + len("told Congress"),
        cue_quote="told Congress",
    )
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), data, headers=HX
    )
    assert response.status_code == 200
    ann = Annotation.objects.get()
    assert (ann.source_start, ann.source_end, ann.source_quote) == (votel, votel + 5, "Votel")
    assert (ann.cue_start, ann.cue_quote) == (told, "told Congress")
    edit = reviewer_client.get(reverse("annotate:annotation-edit", args=[ann.pk]), headers=HX)
    html = edit.content.decode()
    assert (
        f'name="source_start" value="{votel}"' in html
        and '<q data-pick-quote="cue">told Congress</q>' in html
    )


def test_a_source_span_that_does_not_match_is_refused_next_to_source(reviewer_client, article):
    votel = article.text.index("Votel")
    data = form_data(article, source_start=votel, source_end=votel + 5, source_quote="Putin")
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), data, headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Annotation.objects.exists()
    assert 'id="new_source_error"' in html and "Quote does not match" in html
    assert "Putin" in html  # what was picked is kept for correction


def test_create_without_js_redirects_back(reviewer_client, article):
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), form_data(article)
    )
    ann = Annotation.objects.get()
    assert response.status_code == 302
    assert response.url == f"{detail_url(article)}?annotation={ann.pk}"


def test_create_resolves_aliases_and_creates_new_actor(reviewer_client, article):
    factories.make_actor("Russia", aliases=["Moscow"])
    reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]),
        form_data(article, subject="moscow", object="Brand New Group", claim_text="Typed text"),
        headers=HX,
    )
    claim = Annotation.objects.get().claim
    assert claim.subject.name == "Russia"
    assert claim.object.name == "Brand New Group"
    assert claim.text == "Typed text"


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"confidence": "9"}, "confidence", "Confidence 9 is out of range"),
        ({"confidence": "lots"}, "confidence", "whole number from 1 to 5"),
        ({"stance": "agrees"}, "stance", "Select a valid choice"),
        ({"subject": ""}, "subject", "This field is required"),
        ({"source": ""}, "source", "A named source needs a name"),
        ({"source": "x" * 250}, "source", "Actor name is longer than 200 characters"),
        ({"cue_start": "18", "cue_end": "22", "cue_quote": "said"}, "stance", "Quote does not"),
        ({"quote": "Russia was supporting the Talibam"}, None, "Quote does not match the text"),
        ({"start": "5000", "end": "5010"}, None, "runs past the end of the text"),
    ],
)
def test_create_invalid_saves_nothing_and_keeps_input(
    reviewer_client, article, overrides, field, message
):
    data = form_data(article, note="keep me", **{"subject": "Kremlin-ish", **overrides})
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), data, headers=HX
    )
    assert response.status_code == 200
    assert Annotation.objects.count() == 0
    assert not Actor.objects.filter(name__in=["Kremlin-ish", "Joseph Votel"]).exists()
    html = response.content.decode().replace("&#x27;", "'")
    # The message sits next to its field (or at the top of the form when it is about the span).
    if field:
        block = html.split(f'class="field has-error field-{field}"', 1)[1].split("</div>", 1)[0]
    else:
        block = html.split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert message in block
    assert "keep me" in html
    if overrides.get("subject", "x"):
        assert 'value="Kremlin-ish"' in html


@pytest.mark.parametrize(
    "overrides", [{"start": "1.5"}, {"start": "-1"}, {"start": "1e3"}, {"quote": "Russia\x00"}]
)
def test_bad_hidden_values_are_refused_with_a_message(reviewer_client, article, overrides):
    data = form_data(article, **overrides)
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), data, headers=HX
    )
    assert response.status_code == 200 and Annotation.objects.count() == 0
    errors = response.content.decode().split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "Could not read the selected words" in errors and "Select them again" in errors


@pytest.mark.parametrize("version", ["abc", None])
def test_an_edit_with_a_bad_or_no_version_is_refused_with_a_message(
    reviewer_client, reviewer, article, version
):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    data = form_data(article, stance="denies")
    if version is not None:
        data["version"] = version
    response = reviewer_client.post(
        reverse("annotate:annotation-update", args=[ann.pk]), data, headers=HX
    )
    assert response.status_code == 200
    errors = response.content.decode().split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert ("lost track of which version" if version else "does not say which version") in errors
    ann.refresh_from_db()
    assert (ann.stance, ann.version) == ("asserts", 1)


def test_create_invalid_without_js_renders_page(reviewer_client, article):
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]),
        form_data(article, confidence="0"),
    )
    assert response.status_code == 200
    assert b"<html" in response.content and b"Confidence 0 is out of range" in response.content
    assert Annotation.objects.count() == 0


def test_create_with_emoji_before_span(reviewer_client):
    article = factories.make_article("Flags 🇷🇺🎉 then: Russia was supporting the Taliban.")
    response = reviewer_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), form_data(article), headers=HX
    )
    assert response.status_code == 200
    ann = Annotation.objects.get()
    assert article.text[ann.start : ann.end] == PHRASE


def test_create_needs_csrf(client, reviewer, article):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(reviewer)
    response = csrf_client.post(
        reverse("annotate:annotation-create", args=[article.pk]), form_data(article), headers=HX
    )
    assert response.status_code == 403
    assert Annotation.objects.count() == 0


def test_create_get_not_allowed(reviewer_client, article):
    assert (
        reviewer_client.get(reverse("annotate:annotation-create", args=[article.pk])).status_code
        == 405
    )


# ---------------------------------------------------------------- edit, conflict, ownership


def test_edit_form_htmx_and_plain(reviewer_client, reviewer, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    url = reverse("annotate:annotation-edit", args=[ann.pk])
    html = reviewer_client.get(url, headers=HX).content.decode()
    assert html.lstrip().startswith('<form id="edit-annotation"')
    assert 'value="Russia"' in html and f'name="version" value="{ann.version}"' in html
    plain = reviewer_client.get(url)
    assert plain.status_code == 302 and plain.url.endswith(f"?edit={ann.pk}#form-slot")
    page = reviewer_client.get(detail_url(article), {"edit": ann.pk})
    assert b'id="edit-annotation"' in page.content


def test_update_changes_stance(reviewer_client, reviewer, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    data = form_data(article, stance="denies", version=str(ann.version))
    response = reviewer_client.post(
        reverse("annotate:annotation-update", args=[ann.pk]), data, headers=HX
    )
    assert response.status_code == 200
    ann.refresh_from_db()
    assert ann.stance == "denies" and ann.version == 2
    assert "s-denies" in response.content.decode()


def test_update_stale_version_shows_conflict_and_keeps_theirs(reviewer_client, reviewer, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    Annotation.objects.filter(pk=ann.pk).update(version=3, stance="reports")
    data = form_data(article, stance="denies", version="1")
    response = reviewer_client.post(
        reverse("annotate:annotation-update", args=[ann.pk]), data, headers=HX
    )
    ann.refresh_from_db()
    assert ann.stance == "reports" and ann.version == 3
    html = response.content.decode()
    assert "changed this annotation since you opened it" in html
    assert "Saved now (version 3)" in html and 'name="version" value="3"' in html
    # Saving again with the version just shown overwrites knowingly.
    data["version"] = "3"
    reviewer_client.post(reverse("annotate:annotation-update", args=[ann.pk]), data, headers=HX)
    ann.refresh_from_db()
    assert ann.stance == "denies"


@pytest.mark.parametrize(
    "name,method",
    [
        ("annotation-edit", "get"),
        ("annotation-update", "post"),
        ("annotation-delete", "post"),
    ],
)
def test_others_annotations_are_refused(reviewer_client, other_reviewer, article, name, method):
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    url = reverse(f"annotate:{name}", args=[theirs.pk])
    data = form_data(article, stance="denies", version="1")
    response = getattr(reviewer_client, method)(url, data, headers=HX)
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.stance == "asserts" and theirs.deleted_at is None


def test_others_annotation_refused_on_edit_page(reviewer_client, other_reviewer, article):
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    assert reviewer_client.get(detail_url(article), {"edit": theirs.pk}).status_code == 403


def test_restore_others_refused(reviewer_client, other_reviewer, article):
    from annotate import services

    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    services.annotation_delete(annotation=theirs, user=other_reviewer)
    response = reviewer_client.post(reverse("annotate:annotation-restore", args=[theirs.pk]))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.deleted_at is not None


# ---------------------------------------------------------------- delete, restore


def test_delete_offers_undo_and_recently_deleted(reviewer_client, reviewer, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    response = reviewer_client.post(
        reverse("annotate:annotation-delete", args=[ann.pk]), headers=HX
    )
    ann.refresh_from_db()
    assert ann.deleted_at is not None
    html = response.content.decode()
    assert "Undo</button>" in html and "Recently deleted (1)" in html
    assert f'data-ids="{ann.pk}"' not in html
    response = reviewer_client.post(
        reverse("annotate:annotation-restore", args=[ann.pk]), headers=HX
    )
    ann.refresh_from_db()
    assert ann.deleted_at is None
    html = response.content.decode()
    assert f'data-ids="{ann.pk}"' in html
    status = re.search(r'<div id="status"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert status.strip() == f"Restored “{ann.claim.text}”."  # said in the live region


def test_delete_and_restore_without_js_redirect(reviewer_client, reviewer, article):
    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    response = reviewer_client.post(reverse("annotate:annotation-delete", args=[ann.pk]))
    assert response.status_code == 302 and response.url == detail_url(article)
    page = reviewer_client.get(detail_url(article))
    assert b"Annotation deleted" in page.content and b"Restore</button>" in page.content
    response = reviewer_client.post(reverse("annotate:annotation-restore", args=[ann.pk]))
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.deleted_at is None
    assert f"Restored “{ann.claim.text}”.".encode() in reviewer_client.get(response.url).content


def test_update_of_deleted_annotation_is_404(reviewer_client, reviewer, article):
    from annotate import services

    ann = factories.make_annotation(article=article, reviewer=reviewer, phrase=PHRASE)
    services.annotation_delete(annotation=ann, user=reviewer)
    response = reviewer_client.post(
        reverse("annotate:annotation-update", args=[ann.pk]), form_data(article), headers=HX
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- review, progress, autocomplete


def test_curator_review_htmx(client, curator, other_reviewer, article):
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    client.force_login(curator)
    url = reverse("annotate:annotation-review", args=[theirs.pk])
    response = client.post(
        url, {"status": "accepted", "comment": "good", "version": "1"}, headers=HX
    )
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert (theirs.status, theirs.curator, theirs.curator_comment) == (
        Status.ACCEPTED,
        curator,
        "good",
    )
    assert response.content.decode().startswith('<li class="ann other-ann"')
    # The item is swapped in place; the verdict is said in the live region (annotate.js).
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["stancemark-announce"]["text"] == (
        f"Accepted “{theirs.claim.text}” by {other_reviewer.username}."
    )
    assert client.post(url, {"status": "bogus"}, headers=HX).status_code == 400
    plain = client.post(url, {"status": "rejected", "version": "2"})
    assert plain.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Status.REJECTED


def test_reviewer_cannot_review(reviewer_client, other_reviewer, article):
    theirs = factories.make_annotation(article=article, reviewer=other_reviewer, phrase=PHRASE)
    url = reverse("annotate:annotation-review", args=[theirs.pk])
    assert reviewer_client.post(url, {"status": "accepted"}, headers=HX).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == Status.PENDING


def test_progress_done_and_reopen(reviewer_client, reviewer, article):
    url = reverse("annotate:progress-set", args=[article.pk])
    response = reviewer_client.post(url, {"done": "1"}, headers=HX)
    assert b"Reopen</button>" in response.content
    assert Progress.objects.get(reviewer=reviewer, article=article).status == "done"
    response = reviewer_client.post(url, {"done": "0"})
    assert response.status_code == 302
    assert Progress.objects.get(reviewer=reviewer, article=article).status == "started"


def test_actor_autocomplete_by_name_and_alias(reviewer_client):
    factories.make_actor("Russia", aliases=["Moscow", "the Kremlin"])
    factories.make_actor("Russian intelligence")
    url = reverse("annotate:actor-autocomplete")

    def options(params: dict) -> str:
        return reviewer_client.get(url, params, headers=HX).content.decode()

    assert options({"q": "kreml"}) == '<option value="Russia">the Kremlin → Russia</option>'
    assert options({"q": "russ"}) == (
        '<option value="Russia"></option><option value="Russian intelligence"></option>'
    )
    assert options({"subject": "mosc"}) == '<option value="Russia">Moscow → Russia</option>'
    assert options({"q": "<b>"}) == ""
    factories.make_actor("<b>Bold</b>")
    assert options({"q": "<b>"}) == '<option value="&lt;b&gt;Bold&lt;/b&gt;"></option>'


@pytest.mark.parametrize("param", ["annotation", "edit"])
@pytest.mark.parametrize("value", ["²", "١٢", "99999999999999999999", "-3", "x"])
def test_workspace_ignores_ids_that_are_not_ids(reviewer_client, article, param, value):
    response = reviewer_client.get(detail_url(article), {param: value})
    assert response.status_code == 200
    assert response.context["edit"] is None and response.context["focus_id"] is None


def _options(client, url: str, params: dict) -> list[tuple[str, str]]:
    """The autocomplete's <option>s as (value, label) pairs."""
    html = client.get(url, params, headers=HX).content.decode()
    return [
        (unescape(v), unescape(t))
        for v, t in re.findall(r'<option value="([^"]*)">([^<]*)</option>', html)
    ]


def test_actor_autocomplete_leaves_out_names_only_others_hidden_work_uses(
    reviewer_client, reviewer, other_reviewer, article
):
    """Names another reviewer typed stay theirs until the reviewer may see that work."""
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"reviewers_see_others": True, "blind_annotation": True}
    )
    factories.make_actor("Russia", aliases=["Moscow"])  # the admin's: used by no annotation
    secret = factories.make_actor("Russian Spetsnaz", aliases=["Moscow's men"])
    factories.make_annotation(
        article=article, reviewer=other_reviewer, phrase=PHRASE, source_kind="named",
        source_actor=secret, claim=factories.make_claim("Iran", "arms", "Haqqani network"),
    )  # fmt: skip
    url = reverse("annotate:actor-autocomplete")
    assert _options(reviewer_client, url, {"q": "russ"}) == [("Russia", "")]
    assert _options(reviewer_client, url, {"q": "moscow"}) == [("Russia", "Moscow → Russia")]
    reviewer_client.post(reverse("annotate:progress-set", args=[article.pk]), {"done": "1"})
    names = [name for name, _ in _options(reviewer_client, url, {"q": "russ"})]
    assert names == ["Russia", "Russian Spetsnaz"]


def test_actor_autocomplete_queries_do_not_grow_with_actors(
    reviewer_client, reviewer, other_reviewer, article
):
    SiteSettings.objects.update_or_create(pk=1, defaults={"reviewers_see_others": False})
    url = reverse("annotate:actor-autocomplete")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            reviewer_client.get(url, {"q": "state"}, headers=HX)
        return len(captured)

    factories.make_actor("State 0")
    few = queries()
    for i in range(1, 40):
        actor = factories.make_actor(f"State {i}", aliases=[f"the state {i}"])
        factories.make_annotation(
            article=article, reviewer=other_reviewer if i % 2 else reviewer, start=0, end=3,
            source_kind="named", source_actor=actor,
        )  # fmt: skip
    assert queries() == few
    names = {name for name, _ in _options(reviewer_client, url, {"q": "state"})}
    assert names <= {"State 0"} | {f"State {i}" for i in range(2, 40, 2)}


def test_workspace_offers_my_recent_actors_and_last_claim_only(
    reviewer_client, reviewer, other_reviewer, article
):
    """The 'less typing' choices (annotate.js) come from the reviewer's own latest work only."""
    factories.make_annotation(
        article=article,
        reviewer=reviewer,
        phrase="Russia denies",
        claim=factories.make_claim("Russia", "supports", "Taliban"),
        source_kind="named",
        source_actor=factories.make_actor("Zamir Kabulov"),
        stance="denies",
    )
    factories.make_annotation(
        article=article,
        reviewer=other_reviewer,
        phrase=PHRASE,
        claim=factories.make_claim("Iran", "arms", "Hidden Group"),
    )
    html = reviewer_client.get(detail_url(article)).content.decode()
    data = json.loads(unescape(re.search(r'id="recent-data"[^>]*>(.*?)</script>', html).group(1)))
    assert data["actors"] == ["Russia", "Taliban", "Zamir Kabulov"]
    assert data["last"]["claim_text"] == "Russia supports Taliban"
    assert (data["last"]["source"], data["last"]["stance"]) == ("Zamir Kabulov", "denies")
    assert "Hidden Group" not in html
