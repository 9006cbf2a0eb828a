"""/claims/, /claims/<id>/ and /actors/<id>/: permissions, filters, sorting, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import services
from annotate.models import Annotation, SiteSettings, SourceKind, Stance
from tests import factories
from tests.markup import parse_page

pytestmark = pytest.mark.django_db

CLAIMS = reverse("annotate:claim-list")


def _site(*, see_others: bool, blind: bool) -> None:
    site = SiteSettings.load()
    site.reviewers_see_others = see_others
    site.blind_annotation = blind
    site.save()


@pytest.fixture
def taliban_claims(reviewer, other_reviewer, article):
    """Votel says Russia supports the Taliban; Russia denies it; Iran arms the Taliban."""
    votel = factories.make_actor("Joseph Votel", kind="person")
    russia = factories.make_actor("Russia", aliases=["Moscow", "the Kremlin"])
    supports = factories.make_claim("Russia", "supports", "Taliban")
    iran_arms = factories.make_claim("Iran", "arms", "Taliban")
    us_opposes = factories.make_claim("United States", "opposes", "Taliban")
    asserted = factories.make_annotation(
        article=article, reviewer=reviewer, claim=supports, phrase="Russia was supporting",
        source_kind=SourceKind.NAMED, source_actor=votel, certainty="probable",
    )  # fmt: skip
    denied = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=supports, phrase="Russia denies",
        stance=Stance.DENIES, source_kind=SourceKind.NAMED, source_actor=russia,
    )  # fmt: skip
    arms = factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=iran_arms, phrase="supplying"
    )
    opposes = factories.make_annotation(
        article=article, reviewer=reviewer, claim=us_opposes, phrase="Taliban spokesman"
    )
    return {
        "supports": supports,
        "iran_arms": iran_arms,
        "us_opposes": us_opposes,
        "asserted": asserted,
        "denied": denied,
        "arms": arms,
        "opposes": opposes,
    }


def _claim_ids(response):
    return [row.claim.id for row in response.context["rows"]]


def test_login_required(client, taliban_claims):
    for url in (
        CLAIMS,
        reverse("annotate:claim-detail", args=[taliban_claims["supports"].pk]),
        reverse("annotate:actor-detail", args=[taliban_claims["supports"].subject_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_post_not_allowed(reviewer_client):
    assert reviewer_client.post(CLAIMS).status_code == 405


def test_who_supports_the_taliban_according_to_whom(client, curator, taliban_claims):
    client.force_login(curator)
    response = client.get(CLAIMS, {"actor": "taliban", "role": "object", "relation": "supports"})
    assert _claim_ids(response) == [taliban_claims["supports"].id]
    [row] = response.context["rows"]
    assert (row.asserts, row.denies, row.sources, row.articles) == (1, 1, 2, 1)
    html = response.content.decode()
    # According to whom, by stance: Votel asserts it (hedged), Russia denies it (Russia is also
    # the claim's subject, so look at the cell).
    cell = html.split('<td class="sources">', 1)[1].split("</td>", 1)[0]
    assert '<span class="stance-name">asserts:</span> Joseph Votel (probable)</span>' in cell
    assert '<span class="stance-name">denies:</span> Russia</span>' in cell
    assert cell.index("asserts:") < cell.index("denies:")
    assert 'role="img"' in html and 'aria-label="1 asserts, 1 denies"' in html
    assert "<title>1 asserts, 1 denies</title>" in html


def test_actor_filter_is_alias_aware_and_role_specific(client, curator, taliban_claims):
    client.force_login(curator)
    by_alias = client.get(CLAIMS, {"actor": "  the KREMLIN ", "role": "either"})
    assert _claim_ids(by_alias) == [taliban_claims["supports"].id]
    assert _claim_ids(client.get(CLAIMS, {"actor": "Moscow", "role": "object"})) == []
    as_object = client.get(CLAIMS, {"actor": "Taliban", "role": "object"})
    assert len(_claim_ids(as_object)) == 3


def test_unknown_actor_says_so(client, curator, taliban_claims):
    client.force_login(curator)
    response = client.get(CLAIMS, {"actor": "Atlantis"})
    assert response.context["rows"] == []
    assert "No actor is called “Atlantis”" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"relation": "arms"}, ["iran_arms"]),
        ({"stance": "denies"}, ["supports"]),
        ({"certainty": "probable"}, ["supports"]),
        ({"reviewer": "other"}, ["supports", "iran_arms"]),
    ],
)
def test_filters(client, curator, taliban_claims, params, expected):
    client.force_login(curator)
    ids = _claim_ids(client.get(CLAIMS, params))
    assert sorted(ids) == sorted(taliban_claims[name].id for name in expected)


def test_status_filter(client, curator, taliban_claims):
    services.annotation_review(
        annotation=taliban_claims["arms"], curator=curator, status="accepted"
    )
    client.force_login(curator)
    assert _claim_ids(client.get(CLAIMS, {"status": "accepted"})) == [
        taliban_claims["iran_arms"].id
    ]
    assert taliban_claims["iran_arms"].id not in _claim_ids(
        client.get(CLAIMS, {"status": "pending"})
    )


def test_invalid_filter_value_is_reported_and_ignored(client, curator, taliban_claims):
    client.force_login(curator)
    response = client.get(CLAIMS, {"stance": "maybe"})
    assert response.status_code == 200
    assert "Stance: Select a valid choice" in response.content.decode()
    assert len(_claim_ids(response)) == 3


def test_sort_by_disagreement(client, curator, taliban_claims, article, reviewer):
    for phrase in ("Gen.", "Joseph", "Votel"):
        factories.make_annotation(
            article=article, reviewer=reviewer, claim=taliban_claims["iran_arms"], phrase=phrase
        )
    client.force_login(curator)
    assert _claim_ids(client.get(CLAIMS))[0] == taliban_claims["iran_arms"].id
    by_dispute = _claim_ids(client.get(CLAIMS, {"sort": "disagreement"}))
    assert by_dispute[0] == taliban_claims["supports"].id
    assert "disputed" in client.get(CLAIMS, {"sort": "disagreement"}).content.decode()


def test_reviewer_sees_only_own_work_when_site_keeps_it_separate(reviewer_client, taliban_claims):
    _site(see_others=False, blind=False)
    response = reviewer_client.get(CLAIMS)
    assert sorted(_claim_ids(response)) == sorted(
        [taliban_claims["supports"].id, taliban_claims["us_opposes"].id]
    )
    [supports] = [r for r in response.context["rows"] if r.claim == taliban_claims["supports"]]
    assert (supports.asserts, supports.denies) == (1, 0)
    assert (
        "Russia denies"
        not in reviewer_client.get(
            reverse("annotate:claim-detail", args=[taliban_claims["supports"].pk])
        ).content.decode()
    )
    assert "only your own" in response.content.decode()


def test_blind_mode_hides_others_until_reviewer_marks_article_done(
    reviewer_client, reviewer, article, taliban_claims
):
    _site(see_others=True, blind=True)
    detail = reverse("annotate:claim-detail", args=[taliban_claims["supports"].pk])
    response = reviewer_client.get(CLAIMS)
    assert taliban_claims["iran_arms"].id not in _claim_ids(response)
    assert "Blind annotation is on" in response.content.decode()
    assert "Russia denies" not in reviewer_client.get(detail).content.decode()
    services.progress_set(article=article, reviewer=reviewer, done=True)
    assert taliban_claims["iran_arms"].id in _claim_ids(reviewer_client.get(CLAIMS))
    assert "Russia denies" in reviewer_client.get(detail).content.decode()


def test_reviewer_sees_others_when_allowed_and_not_blind(reviewer_client, taliban_claims):
    _site(see_others=True, blind=False)
    assert len(_claim_ids(reviewer_client.get(CLAIMS))) == 3


def test_empty_state_has_guidance(reviewer_client):
    html = reviewer_client.get(CLAIMS).content.decode()
    assert "No claims to show yet" in html and "select the words" in html


def test_claim_detail_lists_every_attribution_with_link_into_article(
    client, curator, taliban_claims, article
):
    client.force_login(curator)
    claim = taliban_claims["supports"]
    response = client.get(reverse("annotate:claim-detail", args=[claim.pk]))
    html = response.content.decode()
    for ann in (taliban_claims["asserted"], taliban_claims["denied"]):
        assert f"/articles/{article.pk}/?annotation={ann.pk}" in html
        assert f'<mark class="quote stance-{ann.stance}">{ann.quote}</mark>' in html
    # Each fact in its own cell: "Joseph Votel" is also in the quote's context, "other" anywhere.
    votel_id = taliban_claims["asserted"].source_actor_id
    assert f'<dt>Source</dt><dd><a href="/actors/{votel_id}/">Joseph Votel</a></dd>' in html
    assert "<dt>Certainty</dt><dd>Probable</dd>" in html
    confidence = taliban_claims["asserted"].confidence
    assert f"<dt>Confidence</dt><dd>{confidence}/5</dd>" in html
    assert (
        "<dt>Reviewer</dt><dd>other</dd>" in html and "<dt>Reviewer</dt><dd>reviewer</dd>" in html
    )
    assert f'?annotation={taliban_claims["asserted"].pk}">Votel testimony</a>' in html
    assert html.count('<span class="status pending">Pending</span>') == 2
    assert client.get(reverse("annotate:claim-detail", args=[999999])).status_code == 404


def test_actor_page_shows_what_it_does_what_is_said_and_what_it_says(
    client, curator, taliban_claims
):
    client.force_login(curator)
    russia = services.actor_lookup("Russia")
    html = client.get(reverse("annotate:actor-detail", args=[russia.pk])).content.decode()
    assert "Moscow" in html and "the Kremlin" in html
    assert "What Russia is said to do" in html and "Russia supports Taliban" in html
    assert "What Russia says" in html and "Russia denies" in html
    taliban = services.actor_lookup("Taliban")
    response = client.get(reverse("annotate:actor-detail", args=[taliban.pk]))
    assert len(response.context["as_object"]) == 3
    assert response.context["as_subject"] == []


def test_user_text_is_escaped(client, curator, article, reviewer):
    evil = factories.make_actor("<script>alert(1)</script>")
    claim = factories.make_claim("Russia", "supports", "Taliban")
    factories.make_annotation(
        article=article, reviewer=reviewer, claim=claim, source_kind=SourceKind.NAMED,
        source_actor=evil,
    )  # fmt: skip
    client.force_login(curator)
    for url in (
        CLAIMS,
        reverse("annotate:claim-detail", args=[claim.pk]),
        reverse("annotate:actor-detail", args=[evil.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html


# ---------------------------------------------------------------- constant queries


def _bulk_attributions(count: int, reviewers) -> None:
    """`count` attributions over many claims, articles, sources and reviewers (fast bulk insert)."""
    articles = [factories.make_article(title=f"Bulk {i}") for i in range(5)]
    subjects = [factories.make_actor(f"State {i}") for i in range(8)]
    taliban = factories.make_actor("Taliban", kind="armed_group")
    relations = ["supports", "arms", "funds", "opposes"]
    claim_list = [
        factories.make_claim(s.name, r, taliban.name) for s in subjects for r in relations
    ]
    stances = list(Stance.values)
    rows = []
    for i in range(count):
        article = articles[i % len(articles)]
        start = (i * 7) % 200
        rows.append(
            Annotation(
                article=article,
                reviewer=reviewers[i % len(reviewers)],
                claim=claim_list[i % len(claim_list)],
                start=start,
                end=start + 5,
                quote=article.text[start : start + 5],
                source_kind=SourceKind.NAMED,
                source_actor=subjects[i % len(subjects)],
                stance=stances[i % len(stances)],
                confidence=1 + i % 5,
            )
        )
    factories.bulk_annotations(rows)


# At most, whatever the number of attributions: 16, and on the first read after writes 5 more
# (annotate.claim_store.refresh: their claims' annotations read once, the stale tallies locked and
# updated in one statement, in a savepoint).
PAGE_QUERIES = 16 + 5


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("count", [10, 1000])
def test_claims_pages_run_constant_queries(
    client, curator, reviewer, other_reviewer, count, django_assert_max_num_queries
):
    _bulk_attributions(count, [reviewer, other_reviewer])
    claim = Annotation.objects.first().claim
    taliban = services.actor_lookup("Taliban")
    client.force_login(curator)
    pages = [
        (CLAIMS, {}),
        (CLAIMS, {"actor": "Taliban", "role": "object", "sort": "disagreement"}),
        (reverse("annotate:claim-detail", args=[claim.pk]), {}),
        (reverse("annotate:actor-detail", args=[taliban.pk]), {}),
        (reverse("annotate:actor-detail", args=[claim.subject_id]), {}),
    ]
    for url, params in pages:
        with django_assert_max_num_queries(PAGE_QUERIES):
            client.get(url, params)
    assert Annotation.objects.count() == count


def test_query_count_is_the_same_at_10_and_1000(client, curator, reviewer, other_reviewer):
    client.force_login(curator)
    _bulk_attributions(10, [reviewer, other_reviewer])
    claim_id = Annotation.objects.first().claim_id
    taliban = services.actor_lookup("Taliban")
    urls = [
        CLAIMS,
        reverse("annotate:claim-detail", args=[claim_id]),
        reverse("annotate:actor-detail", args=[taliban.pk]),
    ]
    # Warm up: SiteSettings row creation, session, and the claims' tallies (the first read after
    # writes recomputes the claims they changed: test_claims_pages_run_constant_queries).
    client.get(CLAIMS)
    small = [_queries(client, url) for url in urls]
    factories.delete_annotations()
    _bulk_attributions(1000, [reviewer, other_reviewer])
    client.get(CLAIMS)
    big = [_queries(client, url) for url in urls]
    assert small == big


def test_reviewer_query_count_is_constant_in_blind_mode(client, reviewer, other_reviewer):
    _site(see_others=True, blind=True)
    client.force_login(reviewer)
    _bulk_attributions(10, [reviewer, other_reviewer])
    client.get(CLAIMS)
    small = _queries(client, CLAIMS)
    _bulk_attributions(1000, [reviewer, other_reviewer])
    assert _queries(client, CLAIMS) == small


# ---------------------------------------------------------------- names only others' hidden work uses


@pytest.fixture
def hidden_work(other_reviewer, article):
    """Another reviewer typed new names: Mullah X (alias "the mullah") says Iran arms Haqqani."""
    source = factories.make_actor("Mullah X", kind="person", aliases=["the mullah"])
    claim = factories.make_claim("Iran", "arms", "Haqqani network")
    factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=claim, phrase="supplying",
        source_kind=SourceKind.NAMED, source_actor=source,
    )  # fmt: skip
    return {"claim": claim, "source": source, "subject": claim.subject}


@pytest.mark.parametrize(("see_others", "blind"), [(False, False), (True, True)])
def test_claim_and_actor_pages_of_hidden_work_are_404(
    reviewer_client, hidden_work, see_others, blind
):
    _site(see_others=see_others, blind=blind)
    urls = [
        reverse("annotate:claim-detail", args=[hidden_work["claim"].pk]),
        reverse("annotate:actor-detail", args=[hidden_work["source"].pk]),
        reverse("annotate:actor-detail", args=[hidden_work["subject"].pk]),
    ]
    for url in urls:
        response = reviewer_client.get(url)
        assert response.status_code == 404
        assert "Haqqani" not in response.content.decode()


def test_hidden_pages_open_once_the_reviewer_may_see_the_work(
    reviewer_client, client, curator, reviewer, article, hidden_work
):
    _site(see_others=True, blind=True)
    claim_url = reverse("annotate:claim-detail", args=[hidden_work["claim"].pk])
    actor_url = reverse("annotate:actor-detail", args=[hidden_work["source"].pk])
    services.progress_set(article=article, reviewer=reviewer, done=True)
    assert "supplying" in reviewer_client.get(claim_url).content.decode()
    assert "the mullah" in reviewer_client.get(actor_url).content.decode()
    client.force_login(curator)
    _site(see_others=False, blind=False)
    assert client.get(claim_url).status_code == 200 and client.get(actor_url).status_code == 200


def test_unused_claims_and_actors_stay_open_to_reviewers(reviewer_client, hidden_work):
    _site(see_others=False, blind=False)
    unused = factories.make_claim("China", "contacts", "Taliban")  # e.g. made in the admin
    response = reviewer_client.get(reverse("annotate:claim-detail", args=[unused.pk]))
    assert response.status_code == 200
    assert "No attribution of this claim is visible to you" in response.content.decode()
    response = reviewer_client.get(reverse("annotate:actor-detail", args=[unused.subject_id]))
    assert response.status_code == 200


def test_actor_page_leaves_out_hidden_affiliation_and_members(reviewer_client, hidden_work):
    _site(see_others=False, blind=False)
    pakistan = factories.make_actor("Pakistan")  # the starter list's: used by no annotation
    hidden_work["source"].affiliation = pakistan
    hidden_work["source"].save()
    votel = factories.make_actor("Joseph Votel", kind="person")
    votel.affiliation = hidden_work["subject"]  # Iran, used only by the hidden annotation
    votel.save()
    html = reviewer_client.get(reverse("annotate:actor-detail", args=[pakistan.pk])).content
    assert b"Mullah X" not in html
    response = reviewer_client.get(reverse("annotate:actor-detail", args=[votel.pk]))
    assert response.context["affiliation"] is None and b"Iran" not in response.content


def test_claims_page_suggestions_and_actor_filter_hide_others_names(
    reviewer_client, client, curator, hidden_work
):
    _site(see_others=False, blind=False)
    factories.make_actor("Pakistan")
    response = reviewer_client.get(CLAIMS)
    names = response.context["actor_names"]
    assert "Pakistan" in names
    assert {"Mullah X", "the mullah", "Iran", "Haqqani network"}.isdisjoint(names)
    # Filtering by the hidden name reads exactly like a name nobody ever typed.
    html = reviewer_client.get(CLAIMS, {"actor": "the mullah"}).content.decode()
    assert "No actor is called “the mullah”" in html
    client.force_login(curator)
    assert "the mullah" in client.get(CLAIMS).context["actor_names"]
    assert "No actor is called" not in client.get(CLAIMS, {"actor": "the mullah"}).content.decode()


def test_reviewer_claim_and_actor_pages_run_constant_queries(client, reviewer, other_reviewer):
    _site(see_others=True, blind=True)
    client.force_login(reviewer)
    _bulk_attributions(10, [reviewer, other_reviewer])
    mine = Annotation.objects.filter(reviewer=reviewer).first()
    taliban = services.actor_lookup("Taliban")
    urls = [
        (CLAIMS, {"actor": "Taliban"}),
        (reverse("annotate:claim-detail", args=[mine.claim_id]), {}),
        (reverse("annotate:actor-detail", args=[taliban.pk]), {}),
        (reverse("annotate:actor-detail", args=[mine.source_actor_id]), {}),
    ]
    client.get(CLAIMS)  # warm up: SiteSettings row creation, session
    small = [_queries(client, url, params) for url, params in urls]
    _bulk_attributions(1000, [reviewer, other_reviewer])
    assert [_queries(client, url, params) for url, params in urls] == small


# ---------------------------------------------------------------- relation groups, the question


@pytest.fixture
def support_claims(reviewer, other_reviewer, article, taliban_claims):
    """taliban_claims plus Pakistan funds the Taliban and China contacts the Taliban."""
    funds = factories.make_claim("Pakistan", "funds", "Taliban")
    contacts = factories.make_claim("China", "contacts", "Taliban")
    factories.make_annotation(article=article, reviewer=reviewer, claim=funds, phrase="Gen.")
    factories.make_annotation(article=article, reviewer=reviewer, claim=contacts, phrase="Votel")
    return {**taliban_claims, "funds": funds, "contacts": contacts}


def _names(claims_, *names):
    return sorted(claims_[name].id for name in names)


def test_group_filter_is_the_union_of_its_relations(client, curator, support_claims):
    client.force_login(curator)
    response = client.get(CLAIMS, {"relation": "group:support"})
    assert sorted(_claim_ids(response)) == _names(support_claims, "supports", "iran_arms", "funds")
    html = response.content.decode()
    assert '<h2 id="answer">Claims of support of any kind</h2>' in html


def test_several_relations_and_a_group_with_a_relation(client, curator, support_claims):
    client.force_login(curator)
    several = client.get(CLAIMS, {"relation": ["arms", "opposes"]})
    assert sorted(_claim_ids(several)) == _names(support_claims, "iran_arms", "us_opposes")
    both = client.get(CLAIMS, {"relation": ["group:support", "contacts"]})
    assert sorted(_claim_ids(both)) == _names(
        support_claims, "supports", "iran_arms", "funds", "contacts"
    )
    html = both.content.decode()
    # The filter form ticks what was asked, groups first.
    assert 'value="group:support" id="id_relation_0" checked' in html
    assert html.index('value="group:support"') < html.index('value="advises"')


@pytest.mark.parametrize(
    "bad", ["bogus", "group:nope", "group:", "GROUP:SUPPORT", "supports ", "x" * 300]
)
def test_unknown_relation_values_are_reported_and_the_known_ones_kept(
    client, curator, support_claims, bad
):
    client.force_login(curator)
    response = client.get(CLAIMS, {"relation": [bad, "arms"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Relation: “" in html and "is not a relation or relation group here" in html
    assert _claim_ids(response) == [support_claims["iran_arms"].id]
    alone = client.get(CLAIMS, {"relation": bad})
    assert len(_claim_ids(alone)) == 5  # ignored: every claim
    assert "x" * 41 not in alone.content.decode()  # a long value is shortened in the message


def test_an_empty_relation_value_means_any_relation(client, curator, support_claims):
    """The question's "do anything to" option sends relation= (empty)."""
    client.force_login(curator)
    response = client.get(CLAIMS, {"relation": "", "actor": "Taliban", "role": "object"})
    assert not response.context["form"].errors
    assert len(_claim_ids(response)) == 5


def _question_form(html: str) -> str:
    start = html.index('<form class="claim-question"')
    return html[start : html.index("</form>", start)]


def test_question_form_is_a_plain_get_form_with_a_label_for_each_control(
    client, curator, support_claims
):
    client.force_login(curator)
    form = _question_form(client.get(CLAIMS).content.decode())
    assert 'method="get" action="/claims/"' in form
    for control_id, name in (("q-relation", "relation"), ("q-actor", "actor"), ("q-role", "role")):
        assert f'<label for="{control_id}"' in form
        assert f'name="{name}" id="{control_id}"' in form
    assert form.index('<optgroup label="Groups">') < form.index('<optgroup label="Relations">')
    assert '<option value="group:support">support of any kind</option>' in form
    assert '<option value="object" selected>object</option>' in form  # who supports the Taliban
    assert '<button type="submit" class="primary">Ask</button>' in form


def test_question_lands_on_the_filtered_list_and_says_what_is_asked(
    client, curator, support_claims
):
    client.force_login(curator)
    response = client.get(
        CLAIMS, {"relation": "group:support", "actor": "Taliban", "role": "object"}
    )
    assert sorted(_claim_ids(response)) == _names(support_claims, "supports", "iran_arms", "funds")
    html = response.content.decode()
    assert "Claims where Taliban is the object of support of any kind</h2>" in html
    form = _question_form(html)
    # The question shows what was asked, ready to change.
    assert '<option value="group:support" selected>' in form and 'value="Taliban"' in form
    as_subject = client.get(
        CLAIMS, {"relation": "group:support", "actor": "Taliban", "role": "subject"}
    )
    assert _claim_ids(as_subject) == []
    assert "Claims where Taliban is the subject of support of any kind" in (
        as_subject.content.decode()
    )


def test_question_heading_escapes_the_typed_actor(client, curator, support_claims):
    client.force_login(curator)
    html = client.get(CLAIMS, {"actor": "<b>x</b>", "role": "object"}).content.decode()
    assert "Claims where “&lt;b&gt;x&lt;/b&gt;” is the object" in html
    assert "<b>x</b>" not in html


# ---------------------------------------------------------------- everything · accepted only


def _switch(html: str) -> str:
    start = html.index('<nav class="status-switch"')
    return html[start : html.index("</nav>", start)]


def test_accepted_switch_appears_only_once_something_is_accepted(client, curator, support_claims):
    client.force_login(curator)
    assert 'class="status-switch"' not in client.get(CLAIMS).content.decode()
    services.annotation_review(
        annotation=support_claims["arms"], curator=curator, status="accepted"
    )
    params = {"relation": "group:support", "actor": "Taliban", "role": "object"}
    switch = _switch(client.get(CLAIMS, params).content.decode())
    assert 'href="/claims/?actor=Taliban&amp;role=object&amp;relation=group%3Asupport"' in switch
    assert 'aria-current="true">Everything</a>' in switch
    accepted_href = (
        "/claims/?actor=Taliban&amp;role=object&amp;relation=group%3Asupport&amp;status=accepted"
    )
    assert f'href="{accepted_href}">Accepted only</a>' in switch

    response = client.get(CLAIMS, {**params, "status": "accepted"})
    assert _claim_ids(response) == [support_claims["iran_arms"].id]
    html = response.content.decode()
    assert 'aria-current="true">Accepted only</a>' in _switch(html)
    assert 'aria-current="true">Everything' not in _switch(html)
    # Asking again keeps "accepted only".
    assert '<input type="hidden" name="status" value="accepted">' in _question_form(html)


def test_accepted_switch_counts_only_what_the_user_may_see(
    reviewer_client, curator, support_claims
):
    _site(see_others=False, blind=False)
    # Accepted work of another reviewer is hidden from this one: no switch.
    services.annotation_review(
        annotation=support_claims["arms"], curator=curator, status="accepted"
    )
    assert 'class="status-switch"' not in reviewer_client.get(CLAIMS).content.decode()
    services.annotation_review(
        annotation=support_claims["asserted"], curator=curator, status="accepted"
    )
    assert 'class="status-switch"' in reviewer_client.get(CLAIMS).content.decode()


# ---------------------------------------------------------------- filters kept on claim and actor pages


ASKED = {"relation": "group:support", "actor": "Taliban", "role": "object"}
ASKED_QS = "actor=Taliban&amp;role=object&amp;relation=group%3Asupport"


def test_list_rows_link_to_claims_and_actors_with_the_filters(client, curator, support_claims):
    client.force_login(curator)
    html = client.get(CLAIMS, {**ASKED, "page": "1"}).content.decode()
    claim = support_claims["supports"]
    assert f'href="/claims/{claim.pk}/?{ASKED_QS}"' in html
    assert f'href="/actors/{claim.subject_id}/?{ASKED_QS}"' in html
    assert f'href="/actors/{claim.object_id}/?{ASKED_QS}"' in html
    assert "page=1" not in html.split('<table class="data claims')[1]


def test_claim_page_keeps_shows_and_applies_the_list_filters(client, curator, support_claims):
    client.force_login(curator)
    claim = support_claims["supports"]
    url = reverse("annotate:claim-detail", args=[claim.pk])
    response = client.get(url, {**ASKED, "stance": "denies"})
    html = response.content.decode()
    # Attribution filters apply: only Russia's denial; the claim-level ones describe the list.
    assert [item["annotation"] for item in response.context["attributions"]] == [
        support_claims["denied"]
    ]
    assert (response.context["row"].asserts, response.context["row"].denies) == (0, 1)
    assert (
        "Filtered:</span> relation support of any kind, Taliban as object, stance denies · "
        f'<a href="{url}">clear</a> · '
        f'<a href="/claims/?{ASKED_QS}&amp;stance=denies">back to the filtered claims</a>'
    ) in html
    assert f'<a href="/claims/?{ASKED_QS}&amp;stance=denies">Claims</a>' in html  # breadcrumb
    assert f'href="/actors/{claim.subject_id}/?{ASKED_QS}&amp;stance=denies"' in html
    # Without filters: everything, and no "Filtered" line.
    plain = client.get(url)
    assert len(plain.context["attributions"]) == 2 and "Filtered:" not in plain.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"certainty": "probable"}, ["asserted"]),
        ({"reviewer": "other"}, ["denied"]),
        ({"status": "accepted"}, []),
        ({"stance": "asserts", "reviewer": "other"}, []),
    ],
)
def test_claim_page_honours_each_attribution_filter(
    client, curator, support_claims, params, expected
):
    client.force_login(curator)
    url = reverse("annotate:claim-detail", args=[support_claims["supports"].pk])
    response = client.get(url, params)
    shown = [item["annotation"] for item in response.context["attributions"]]
    assert shown == [support_claims[name] for name in expected]
    if not expected:
        assert "No attribution of this claim matches the filters" in response.content.decode()


def test_claim_page_ignores_bad_filter_values(client, curator, support_claims):
    client.force_login(curator)
    url = reverse("annotate:claim-detail", args=[support_claims["supports"].pk])
    response = client.get(url, {"stance": "maybe", "relation": "nope", "reviewer": "nobody"})
    assert response.status_code == 200 and len(response.context["attributions"]) == 2
    assert "Filtered:" not in response.content.decode()


def test_actor_page_keeps_shows_and_applies_the_list_filters(client, curator, support_claims):
    client.force_login(curator)
    russia = services.actor_lookup("Russia")
    url = reverse("annotate:actor-detail", args=[russia.pk])
    response = client.get(url, ASKED)
    html = response.content.decode()
    assert [row.claim for row in response.context["as_subject"]] == [support_claims["supports"]]
    assert response.context["as_object"] == []
    # What Russia says, within the filters: its denial of supporting the Taliban.
    assert [s["annotation"] for s in response.context["statements"]] == [support_claims["denied"]]
    assert "Filtered:</span> relation support of any kind, Taliban as object · " in html
    assert f'<a href="/claims/?{ASKED_QS}">back to the filtered claims</a>' in html
    claim = support_claims["supports"]
    assert f'href="/claims/{claim.pk}/?{ASKED_QS}"' in html
    # The Taliban's own page: what is said about it, within the filters.
    taliban = services.actor_lookup("Taliban")
    on_taliban = client.get(reverse("annotate:actor-detail", args=[taliban.pk]), ASKED)
    assert sorted(r.claim.id for r in on_taliban.context["as_object"]) == _names(
        support_claims, "supports", "iran_arms", "funds"
    )
    assert "None within the filters." in on_taliban.content.decode()  # what it is said to do


def test_kept_filters_escape_the_typed_actor(client, curator, support_claims):
    client.force_login(curator)
    url = reverse("annotate:claim-detail", args=[support_claims["supports"].pk])
    html = client.get(url, {"actor": "<script>x</script>"}).content.decode()
    assert "“&lt;script&gt;x&lt;/script&gt;” as subject or object" in html
    assert "<script>x</script>" not in html


@pytest.mark.parametrize("count", [10, 1000])
def test_claims_with_a_group_filter_and_kept_filters_run_constant_queries(
    client, curator, reviewer, other_reviewer, count, django_assert_max_num_queries
):
    _bulk_attributions(count, [reviewer, other_reviewer])
    first = Annotation.objects.first()
    services.annotation_review(annotation=first, curator=curator, status="accepted")
    taliban = services.actor_lookup("Taliban")
    client.force_login(curator)
    asked = {**ASKED, "relation": ["group:support", "opposes"], "status": "accepted"}
    pages = [
        (CLAIMS, ASKED),
        (CLAIMS, {**asked, "reviewer": "other", "sort": "disagreement"}),
        (reverse("annotate:claim-detail", args=[first.claim_id]), {**asked, "reviewer": "other"}),
        (reverse("annotate:actor-detail", args=[taliban.pk]), asked),
        (reverse("annotate:actor-detail", args=[first.claim.subject_id]), asked),
    ]
    for url, params in pages:
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(url, params).status_code == 200


def test_group_filter_query_count_is_the_same_at_10_and_1000(
    client, curator, reviewer, other_reviewer
):
    for user in (curator, reviewer):
        factories.delete_annotations()
        _site(see_others=True, blind=True)
        client.force_login(user)
        _bulk_attributions(10, [reviewer, other_reviewer])
        mine = Annotation.objects.filter(reviewer=reviewer).first()
        taliban = services.actor_lookup("Taliban")
        asked = {**ASKED, "relation": ["group:support", "opposes"], "reviewer": "reviewer"}
        urls = [
            (CLAIMS, ASKED),
            (CLAIMS, asked),
            (reverse("annotate:claim-detail", args=[mine.claim_id]), asked),
            (reverse("annotate:actor-detail", args=[taliban.pk]), asked),
        ]
        client.get(CLAIMS)  # warm up: SiteSettings row creation, session, tallies
        small = [_queries(client, url, params) for url, params in urls]
        _bulk_attributions(1000, [reviewer, other_reviewer])
        client.get(CLAIMS)
        assert [_queries(client, url, params) for url, params in urls] == small, user


def test_claim_page_names_the_author_of_each_article(client, curator, reviewer):
    """The claim's page lists several articles' attributions: "the author" is named by each
    article's byline and outlet, as on the claims list."""
    claim = factories.make_claim("Russia", "supports", "Taliban")
    for outlet, byline in (("Los Angeles Times", ""), ("Foreign Policy", "Lynne O'Donnell")):
        article = factories.make_article(outlet=outlet, byline=byline)
        factories.make_annotation(article=article, reviewer=reviewer, claim=claim,
                                  phrase="Russia was")  # fmt: skip
    client.force_login(curator)
    html = client.get(reverse("annotate:claim-detail", args=[claim.pk])).content.decode()
    assert "<dd>Los Angeles Times (author)</dd>" in html
    assert "<dd>Lynne O&#x27;Donnell, Foreign Policy (author)</dd>" in html


def test_the_claims_page_counts_a_passage_once_and_says_how_many_marked_it(
    client, curator, reviewer, other_reviewer, article
):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    votel = factories.make_actor("Joseph Votel", kind="person")
    for user in (reviewer, other_reviewer):
        factories.make_annotation(article=article, reviewer=user, claim=claim,
                                  phrase="Russia was supporting", source_kind=SourceKind.NAMED,
                                  source_actor=votel)  # fmt: skip
    factories.make_annotation(article=article, reviewer=reviewer, claim=claim,
                              phrase="Russia denies", stance=Stance.DENIES)  # fmt: skip
    client.force_login(curator)
    page = parse_page(client.get(CLAIMS).content.decode())
    [row] = page.xpath("//table[contains(@class, 'claims')]/tbody/tr")
    [cell] = row.xpath("td[@data-label='Attributions']")
    assert cell.xpath("a")[0].text_content().strip() == "2"  # counted once across reviewers
    assert cell.xpath("span[@class='marks']")[0].text_content() == "3 marks"
    assert "Joseph Votel (2 reviewers)" in row.text_content()
    detail = client.get(reverse("annotate:claim-detail", args=[claim.pk])).content.decode()
    assert "2 attributions (3 marks by 2 reviewers" in detail
