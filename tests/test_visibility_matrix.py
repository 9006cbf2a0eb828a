"""The visibility matrix: every screen, partial, autocomplete and export that shows annotations,
claims, actors or counts (annotate/urls.py), for each kind of viewer, asserting what the viewer
sees of ANOTHER reviewer's work.

The other reviewer ("xyzzq_zed") annotated two articles, with names only they typed:

- on article A, which the viewer annotated too: claim "Xyzzq Brigade supports Taliban", with the
  named source "Xyzzq Herald";
- on article B, which the viewer never opened: claim "Qwzzy Legion opposes Russia";
- and on A, the viewer's own claim "Russia supports Taliban", denied, so that counts and the
  "disputed" badge of a claim both used are checked too.

The markers "xyzzq" and "qwzzy" (case-insensitive) appear nowhere else, so "not in the page" is a
real assertion. Viewers (permissions.Visibility): a curator; a reviewer in blind mode before and
after marking A done; a reviewer on a site that keeps reviewers' work separate; a reviewer on a
site that shows it. SEES says which of A's and B's hidden work each may see.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from annotate import services
from annotate.models import Actor, Annotation, Article, SiteSettings, SourceKind
from annotate.permissions import FINAL_WRITE
from tests import factories
from tests.markup import parse_page
from tests.test_views_articles import HX, form_data

pytestmark = pytest.mark.django_db

A_MARK, B_MARK = "xyzzq", "qwzzy"
A_PHRASE = "Taliban spokesman Zabiullah Mujahid"
MY_PHRASE = "Russia was supporting the Taliban"

VIEWERS = ["curator", "blind_before_done", "blind_after_done", "others_hidden", "others_shown"]
# viewer: (sees the other's work on A, sees it on B)
SEES = {
    "curator": (True, True),
    "blind_before_done": (False, False),
    "blind_after_done": (True, False),  # done on A only
    "others_hidden": (False, False),
    "others_shown": (True, True),
}
SITE = {  # viewer: (reviewers_see_others, blind_annotation)
    "curator": (False, True),  # the strictest site: curators see all anyway
    "blind_before_done": (True, True),
    "blind_after_done": (True, True),
    "others_hidden": (False, False),
    "others_shown": (True, False),
}


@dataclass
class World:
    viewer: str
    client: Client
    me: object
    a: Article
    b: Article
    mine: Annotation
    gone: Annotation
    zed_a: Annotation
    zed_shared: Annotation
    zed_b: Annotation
    brigade: Actor
    herald: Actor
    legion: Actor

    @property
    def sees_a(self) -> bool:
        return SEES[self.viewer][0]

    @property
    def sees_b(self) -> bool:
        return SEES[self.viewer][1]


@pytest.fixture(params=VIEWERS)
def world(request, client) -> World:
    viewer = request.param
    site = SiteSettings.load()
    site.reviewers_see_others, site.blind_annotation = SITE[viewer]
    site.save()
    me = factories.make_user("viewer", curator=viewer == "curator")
    zed = factories.make_user("xyzzq_zed")
    a = factories.make_article(title="Article A")
    b = factories.make_article(title="Article B")
    mine = factories.make_annotation(article=a, reviewer=me, phrase=MY_PHRASE)
    gone = factories.make_annotation(article=a, reviewer=me, phrase="Gen. Joseph Votel")
    services.annotation_delete(annotation=gone, user=me)
    herald = factories.make_actor("Xyzzq Herald")
    zed_a = factories.make_annotation(
        article=a, reviewer=zed, phrase=A_PHRASE, claim=factories.make_claim("Xyzzq Brigade"),
        source_kind=SourceKind.NAMED, source_actor=herald,
    )  # fmt: skip
    zed_b = factories.make_annotation(
        article=b, reviewer=zed, phrase="Russia denies",
        claim=factories.make_claim("Qwzzy Legion", "opposes", "Russia"),
    )  # fmt: skip
    zed_shared = factories.make_annotation(
        article=a, reviewer=zed, phrase="Russia denies", claim=mine.claim, stance="denies"
    )
    if viewer == "blind_after_done":
        services.progress_set(article=a, reviewer=me, done=True)
    client.force_login(me)
    return World(
        viewer, client, me, a, b, mine, gone, zed_a, zed_shared, zed_b,
        brigade=Actor.objects.get(name="Xyzzq Brigade"), herald=herald,
        legion=Actor.objects.get(name="Qwzzy Legion"),
    )  # fmt: skip


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode().lower()
    return response.content.decode().lower()


def _assert_marks(html: str, *, a: bool, b: bool) -> None:
    assert (A_MARK in html) is a, f"{A_MARK!r} {'missing' if a else 'leaks'}"
    assert (B_MARK in html) is b, f"{B_MARK!r} {'missing' if b else 'leaks'}"


def _marked_ids(html: str) -> set[int]:
    """The annotation ids marked in the article text (`data-ids` of every `<mark>`)."""
    return {int(i) for ids in re.findall(r'data-ids="([^"]*)"', html) for i in ids.split()}


def _item_ids(html: str) -> set[int]:
    """The annotation ids listed in the side panel (`data-ann` of every list item)."""
    return {int(i) for i in re.findall(r'<li class="ann[^"]*" data-ann="(\d+)"', html)}


# ---------------------------------------------------------------- articles list and its counts


@pytest.mark.parametrize("htmx", [False, True])
def test_article_list_counts(world, htmx):
    response = world.client.get(reverse("annotate:article-list"), headers=HX if htmx else {})
    assert response.status_code == 200
    rows = {}
    for tr in parse_page(response.content.decode()).iter("tr"):
        link = tr.find(".//a")
        if link is not None:
            cells = {td.get("data-label"): td.text_content().strip() for td in tr.iter("td")}
            rows[link.text_content()] = (int(cells["Mine"]), int(cells["All"]))
    assert rows["Article A"] == (1, 1 + 2 * world.sees_a)
    assert rows["Article B"] == (0, int(world.sees_b))
    # The search narrows the same counts.
    response = world.client.get(reverse("annotate:article-list"), {"q": "Article B"})
    assert response.status_code == 200
    _assert_marks(_text(response), a=False, b=False)  # the list names no claims or actors


# ---------------------------------------------------------------- workspace and its partials


def test_workspace_with_others_asked_for(world):
    for article, zed, sees in (
        (world.a, world.zed_a, world.sees_a),
        (world.b, world.zed_b, world.sees_b),
    ):
        url = reverse("annotate:article-detail", args=[article.pk])
        html = _text(world.client.get(url, {"others": "1"}))
        assert (zed.pk in _marked_ids(html)) is sees
        assert (zed.pk in _item_ids(html)) is sees
        assert ("xyzzq_zed" in html) is sees  # the other reviewer's group heading
    html = _text(
        world.client.get(reverse("annotate:article-detail", args=[world.a.pk]), {"others": "1"})
    )
    _assert_marks(html, a=world.sees_a, b=False)
    assert world.mine.pk in _item_ids(html)


def test_workspace_without_asking_shows_only_mine(world):
    html = _text(world.client.get(reverse("annotate:article-detail", args=[world.a.pk])))
    _assert_marks(html, a=False, b=False)
    assert _marked_ids(html) == {world.mine.pk}


def test_workspace_deep_link_to_their_annotation(world):
    # ?annotation=<theirs> shows their span where the viewer may see it, and nothing otherwise.
    url = reverse("annotate:article-detail", args=[world.a.pk])
    response = world.client.get(url, {"annotation": world.zed_a.pk})
    assert response.status_code == 200
    html = _text(response)
    assert (world.zed_a.pk in _marked_ids(html)) is world.sees_a
    _assert_marks(html, a=world.sees_a, b=False)


def test_edit_form_partial(world):
    url = reverse("annotate:annotation-edit", args=[world.mine.pk])
    response = world.client.get(url, {"others": "1"}, headers=HX)
    if world.viewer == "blind_after_done":  # done is final in blind mode
        assert response.status_code == 403 and response.content.decode() == FINAL_WRITE
    else:
        assert response.status_code == 200 and 'id="edit-annotation"' in response.content.decode()
    # The form's "same source as" offers the article's sources the page shows: their named
    # source (Xyzzq Herald) exactly where the viewer may see their work on A (no form where
    # blind mode made the viewer's work final).
    shows_form = world.viewer != "blind_after_done"
    _assert_marks(_text(response), a=world.sees_a and shows_form, b=False)
    # Their annotation is never editable: 403 for a reviewer, whatever they may see.
    theirs = reverse("annotate:annotation-edit", args=[world.zed_a.pk])
    assert world.client.get(theirs, headers=HX).status_code == 403


def test_save_swaps_partial(world):
    # A save over their span re-renders the text chunks it touches: their mark is in them only
    # where the viewer may see it.
    url = reverse("annotate:annotation-create", args=[world.a.pk])
    data = form_data(world.a, phrase=A_PHRASE, subject="Russia", others="1")
    response = world.client.post(url, data, headers=HX)
    assert response.status_code == 200
    html = _text(response)
    if world.viewer == "blind_after_done":
        assert "your annotations here are final" in html
        assert Annotation.objects.live().filter(reviewer=world.me).count() == 1
    else:
        assert 'hx-swap-oob="true"' in html
        assert (world.zed_a.pk in _marked_ids(html)) is world.sees_a
    # The swaps hold no list of theirs; the blank form's "same source as" offers their source
    # exactly where the viewer may see their work on A.
    _assert_marks(html, a=world.sees_a, b=False)


def test_save_swaps_partial_after_an_edit(world):
    # Moving my annotation onto their span: the chunks it touches carry their mark where seen.
    url = reverse("annotate:annotation-update", args=[world.mine.pk])
    data = form_data(world.a, phrase=A_PHRASE, others="1", version=str(world.mine.version))
    response = world.client.post(url, data, headers=HX)
    assert response.status_code == 200
    html = _text(response)
    if world.viewer == "blind_after_done":
        assert "your annotations here are final" in html
    else:
        assert 'hx-swap-oob="delete"' in html
        assert (world.zed_a.pk in _marked_ids(html)) is world.sees_a
    # A refused edit shows the form again, whose "same source as" offers what the viewer sees.
    _assert_marks(html, a=world.sees_a and world.viewer == "blind_after_done", b=False)


def test_panel_partial_after_restore(world):
    url = reverse("annotate:annotation-restore", args=[world.gone.pk])
    response = world.client.post(url, {"others": "1"}, headers=HX)
    if world.viewer == "blind_after_done":
        assert response.status_code == 403 and response.content.decode() == FINAL_WRITE
        return
    assert response.status_code == 200
    html = _text(response)
    _assert_marks(html, a=world.sees_a, b=False)
    assert (world.zed_shared.pk in _item_ids(html)) is world.sees_a
    assert world.gone.pk in _item_ids(html)


def test_panel_partial_after_delete(world):
    url = reverse("annotate:annotation-delete", args=[world.mine.pk])
    response = world.client.post(url, {"others": "1"}, headers=HX)
    if world.viewer == "blind_after_done":
        assert response.status_code == 403
        _assert_marks(_text(response), a=False, b=False)
        return
    assert response.status_code == 200
    html = _text(response)
    _assert_marks(html, a=world.sees_a, b=False)
    assert (world.zed_a.pk in _item_ids(html)) is world.sees_a


def test_panel_partial_after_marking_done(world):
    # Marking A done lifts blind mode there: the panel it returns shows their work from then on.
    url = reverse("annotate:progress-set", args=[world.a.pk])
    response = world.client.post(url, {"done": "1", "others": "1"}, headers=HX)
    assert response.status_code == 200
    sees_after = world.viewer != "others_hidden"
    html = _text(response)
    _assert_marks(html, a=sees_after, b=False)
    assert (world.zed_a.pk in _item_ids(html)) is sees_after


@pytest.mark.parametrize("htmx", [False, True])
def test_history_partial_and_page(world, htmx):
    # Whoever may see an annotation may see its history; anyone else gets a 404, as for none.
    cases = (
        (world.zed_a, world.sees_a),
        (world.zed_b, world.sees_b),
        (world.mine, True),
        (world.gone, True),  # my own deleted one: I may restore it, and read its history
    )
    for annotation, sees in cases:
        url = reverse("annotate:annotation-history", args=[annotation.pk])
        response = world.client.get(url, headers=HX if htmx else {})
        assert response.status_code == (200 if sees else 404), annotation.claim.text
        html = _text(response)
        if not sees:
            _assert_marks(html, a=False, b=False)
            continue
        assert "created" in html
        assert ("<html" in html) is not htmx  # htmx gets the events partial only
        if annotation in (world.mine, world.gone):
            _assert_marks(html, a=False, b=False)
        else:
            assert ("xyzzq_zed" in html) and (A_MARK in html or B_MARK in html)


# ---------------------------------------------------------------- claims, claim and actor pages


def test_claims_list_and_its_suggestions(world):
    response = world.client.get(reverse("annotate:claim-list"))
    assert response.status_code == 200
    html = _text(response)
    _assert_marks(html, a=world.sees_a, b=world.sees_b)
    suggestions = parse_page(response.content.decode()).xpath(
        '//datalist[@id="actor-names"]/option/@value'
    )
    assert ("Xyzzq Brigade" in suggestions) is world.sees_a
    assert ("Xyzzq Herald" in suggestions) is world.sees_a
    assert ("Qwzzy Legion" in suggestions) is world.sees_b
    assert "Russia" in suggestions  # my own claim's actors


def test_claims_list_counts_of_a_claim_both_used(world):
    response = world.client.get(reverse("annotate:claim-list"))
    detail = reverse("annotate:claim-detail", args=[world.mine.claim_id])
    (row,) = [
        tr
        for tr in parse_page(response.content.decode()).iter("tr")
        if tr.xpath(f'.//a[@href="{detail}"]')
    ]
    cells = {td.get("data-label"): td.text_content().strip() for td in row.iter("td")}
    assert int(cells["Attributions"]) == 1 + world.sees_a
    assert ("disputed" in (row.get("class") or "")) is world.sees_a  # I assert, they deny
    assert ("denies" in row.text_content()) is world.sees_a
    page = _text(world.client.get(detail))
    assert f"· {1 + world.sees_a} attribution" in page
    assert ("xyzzq_zed" in page) is world.sees_a


@pytest.mark.parametrize(("actor", "side"), [("Xyzzq Brigade", "a"), ("Qwzzy Legion", "b")])
def test_claims_list_filtered_by_their_actor(world, actor, side):
    response = world.client.get(reverse("annotate:claim-list"), {"actor": actor})
    assert response.status_code == 200
    sees = world.sees_a if side == "a" else world.sees_b
    claim = world.zed_a.claim if side == "a" else world.zed_b.claim
    assert (reverse("annotate:claim-detail", args=[claim.pk]) in response.content.decode()) is sees
    # Where it may not be seen, the page answers exactly as for a name no one ever typed.
    not_found = "no actor is called" in _text(response)
    assert not_found is not sees
    nobody = world.client.get(reverse("annotate:claim-list"), {"actor": "Nobody Everheard"})
    assert "no actor is called" in _text(nobody)


def test_claim_network(world):
    url = reverse("annotate:claim-network")
    response = world.client.get(url)
    assert response.status_code == 200
    _assert_marks(_text(response), a=world.sees_a, b=world.sees_b)
    # The claim both used: its arrow counts their denial only where the viewer may see it (then
    # one assertion and one denial: disputed).
    [edge] = [e for e in response.context["graph"].edges if e.row.claim.pk == world.mine.claim_id]
    assert edge.row.total == 1 + world.sees_a
    assert edge.stance == ("disputed" if world.sees_a else "asserts")
    # Filtered by their actor: where it may not be seen, as for a name no one ever typed.
    for actor, zed, sees in (
        ("Xyzzq Brigade", world.zed_a, world.sees_a),
        ("Qwzzy Legion", world.zed_b, world.sees_b),
    ):
        html = _text(world.client.get(url, {"actor": actor}))
        assert ("no actor is called" in html) is not sees
        detail = reverse("annotate:claim-detail", args=[zed.claim_id])
        assert (f'href="{detail}?actor=' in html) is sees


def test_claim_pages(world):
    for claim, sees in ((world.zed_a.claim, world.sees_a), (world.zed_b.claim, world.sees_b)):
        response = world.client.get(reverse("annotate:claim-detail", args=[claim.pk]))
        assert response.status_code == (200 if sees else 404)
        if sees:
            assert claim.text.lower() in _text(response)
        else:
            _assert_marks(_text(response), a=False, b=False)
    mine = world.client.get(reverse("annotate:claim-detail", args=[world.mine.claim_id]))
    assert mine.status_code == 200
    _assert_marks(_text(mine), a=world.sees_a, b=False)  # their attribution of it, by name


def test_actor_pages(world):
    cases = (
        (world.brigade, world.sees_a),
        (world.herald, world.sees_a),
        (world.legion, world.sees_b),
    )
    for actor, sees in cases:
        response = world.client.get(reverse("annotate:actor-detail", args=[actor.pk]))
        assert response.status_code == (200 if sees else 404), actor.name
        if sees:
            assert actor.name.lower() in _text(response)
    # A shared actor's page (Taliban: my claim's object, and their claim's) lists only what I see.
    # Russia is the object of their claim on B only.
    russia = Actor.objects.get(name="Russia")
    response = world.client.get(reverse("annotate:actor-detail", args=[russia.pk]))
    assert response.status_code == 200
    assert (B_MARK in _text(response)) is world.sees_b
    taliban = Actor.objects.get(name="Taliban")
    response = world.client.get(reverse("annotate:actor-detail", args=[taliban.pk]))
    assert response.status_code == 200
    _assert_marks(_text(response), a=world.sees_a, b=False)


def test_actor_autocomplete(world):
    url = reverse("annotate:actor-autocomplete")
    for q, names, sees in (
        ("xyzzq", ("Xyzzq Brigade", "Xyzzq Herald"), world.sees_a),
        ("qwzzy", ("Qwzzy Legion",), world.sees_b),
        ("", (), False),
    ):
        for key in ("q", "subject", "source"):
            html = world.client.get(url, {key: q}, headers=HX).content.decode()
            for name in names:
                assert (f'value="{name}"' in html) is sees, (key, name)
            if not sees:
                assert html == ""


# ---------------------------------------------------------------- export and agreement


@pytest.mark.parametrize("fmt", ["json", "jsonl", "w3c"])
def test_export_download(world, fmt):
    url = reverse("annotate:export")
    response = world.client.get(url, {"download": "1", "format": fmt})
    assert response.status_code == 200
    text = _text(response)
    curator = world.viewer == "curator"
    # Exports leave the app: a reviewer's holds only their own work, whatever they see on screen.
    _assert_marks(text, a=curator, b=curator)
    assert "xyzzq_zed" not in text or curator
    assert "russia" in text  # my own claim
    if fmt == "json":
        doc = json.loads(text)
        exported = [a["id"] for article in doc["articles"] for a in article["annotations"]]
        assert len(exported) == (4 if curator else 1)
        names = {actor["name"] for actor in doc["actors"]}
        assert ("xyzzq herald" in names) is curator
        assert len(doc["claims"]) == (3 if curator else 1)
    # Asking for the other reviewer's work by name is refused for a reviewer.
    response = world.client.get(url, {"download": "1", "format": fmt, "reviewer": "xyzzq_zed"})
    assert response.status_code == (200 if curator else 403)


def test_export_page(world):
    html = _text(world.client.get(reverse("annotate:export")))
    # Only curators are offered a choice of reviewers (every user, by name).
    assert ("xyzzq_zed" in html) is (world.viewer == "curator")
    _assert_marks(html.replace("xyzzq_zed", ""), a=False, b=False)


def test_agreement_page(world):
    response = world.client.get(reverse("annotate:agreement"))
    if world.viewer == "curator":
        assert response.status_code == 200
        assert "xyzzq_zed" in _text(response)
    else:
        assert response.status_code == 403  # agreement stays blind
        _assert_marks(_text(response), a=False, b=False)


def test_adjudication_view(world):
    url = reverse("annotate:adjudicate", args=[world.a.pk])
    response = world.client.get(url)
    if world.viewer == "curator":
        assert response.status_code == 200
        assert "xyzzq_zed" in _text(response)
        _assert_marks(_text(response), a=True, b=False)
    else:
        assert response.status_code == 403  # everyone's work side by side: curators only
        _assert_marks(_text(response), a=False, b=False)
        assert "xyzzq_zed" not in _text(response)
    decide = {"action": "accept", "annotation": world.zed_a.pk, "seen": f"{world.zed_a.pk}:1"}
    refused = world.client.post(reverse("annotate:cluster-decide", args=[world.a.pk]), decide)
    assert (refused.status_code == 403) is (world.viewer != "curator")
    copy = world.client.post(
        reverse("annotate:curated-copy", args=[world.a.pk]), {"annotation": world.zed_a.pk}
    )
    assert (copy.status_code == 403) is (world.viewer != "curator")
    bulk = world.client.post(reverse("annotate:accept-unanimous", args=[world.a.pk]))
    assert (bulk.status_code == 403) is (world.viewer != "curator")
    _assert_marks(_text(bulk), a=False, b=False)


def test_agreement_article_details(world):
    article = Article.objects.get(title="Article A").pk  # both reviewers annotated it
    response = world.client.get(reverse("annotate:agreement-article", args=[article]))
    if world.viewer == "curator":
        assert response.status_code == 200
        assert "xyzzq_zed" in _text(response)
    else:
        assert response.status_code == 403  # agreement stays blind, per article too
        _assert_marks(_text(response), a=False, b=False)
        assert "xyzzq_zed" not in _text(response)


def test_every_route_is_in_the_matrix():
    # A new screen must join the matrix (or be added here with the reason it shows no one's work).
    from annotate.urls import urlpatterns

    covered = {
        "article-list", "article-detail", "annotation-create", "progress-set", "annotation-edit",
        "annotation-delete", "actor-autocomplete", "claim-list", "claim-detail", "actor-detail",
        "claim-network",
        "agreement", "agreement-article", "export",
        "adjudicate", "cluster-decide", "accept-unanimous", "curated-copy",
        "annotation-update", "annotation-restore", "annotation-history",
        # Curators only (reviewers get 403, tests/test_views_articles.py): its answer is one item.
        "annotation-review",
        # A user's own access tokens, never anyone's annotations: only their own are listed and
        # revocable (tests/test_tokens.py: test_page_lists_only_own_tokens, …_revoke_others_token).
        "account", "token-revoke",
        # Imports articles (curators and staff); answers with counts of the posted texts only.
        "api-articles",
    }  # fmt: skip
    assert {p.name for p in urlpatterns} == covered
