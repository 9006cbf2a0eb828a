"""The actor network: annotate/network.py (layout, caps, prevailing stance) and its page
/claims/network/ (filters, visibility, links, errors, constant queries)."""

from __future__ import annotations

import math
import re
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import network, services
from annotate.claim_tally import ClaimTally
from annotate.claims import ClaimRow
from annotate.models import Annotation, SiteSettings, SourceKind, Stance
from tests import factories
from tests.markup import parse_page

NETWORK = reverse("annotate:claim-network")
CSS = Path(__file__).resolve().parents[1] / "annotate" / "static" / "annotate" / "insights.css"

# ---------------------------------------------------------------- pure: rows without a database

_ids = iter(range(1, 10_000))
_actors: dict[str, int] = {}


def _row(subject: str, relation: str, obj: str, *, sources: int = 1, **stances: int) -> ClaimRow:
    """A claims.ClaimRow for a claim made of plain objects (no database needed)."""
    ids = {name: _actors.setdefault(name, next(_ids)) for name in (subject, obj)}
    claim = SimpleNamespace(
        pk=next(_ids),
        subject_id=ids[subject],
        object_id=ids[obj],
        subject=SimpleNamespace(name=subject),
        object=SimpleNamespace(name=obj),
        relation=SimpleNamespace(label=relation),
        qualifier="",
        text=f"{subject} {relation} {obj}",
    )
    counts = {s: stances.get(s, 0) for s in Stance.values}
    if not any(counts.values()):
        counts["asserts"] = 1
    total = sum(counts.values())
    tally = ClaimTally(
        claim.pk, attributions=total, marks=total, stances=counts, sources=sources, articles=1
    )
    return ClaimRow(claim=claim, tally=tally)  # type: ignore[arg-type]


def _star(n: int) -> list[ClaimRow]:
    return [_row(f"State {i}", "supports", "Taliban") for i in range(n)]


def _numbers(path: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path)]


SMALL_GRAPHS = {
    "star": _star(8),
    "chain": [_row(f"C{i}", "contacts", f"C{i + 1}") for i in range(6)],
    "two groups": [_row("A", "arms", "B"), _row("B", "funds", "C"), _row("X", "opposes", "Y")],
    "complete": [_row(a, "cooperates", b) for a, b in combinations("PQRST", 2)],
    "parallel": [
        _row("Russia", "supports", "Taliban"),
        _row("Russia", "arms", "Taliban"),
        _row("Taliban", "opposes", "Russia"),
        _row("Iran", "arms", "Taliban"),
    ],
    "one claim": [_row("Iran", "arms", "Hezbollah")],
}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"asserts": 2, "denies": 1}, "asserts"),
        ({"asserts": 1, "denies": 3, "reports": 3}, "denies"),
        ({"asserts": 2, "denies": 2}, "disputed"),
        ({"asserts": 2, "denies": 2, "reports": 2}, "disputed"),
        ({"asserts": 1, "denies": 1, "reports": 2}, "reports"),
        ({"reports": 1, "questions": 1}, "reports"),  # other ties: the first stance in order
        ({"questions": 1}, "questions"),
        ({}, ""),
    ],
)
def test_prevailing_stance(counts, expected):
    listed = [(s, counts.get(s, 0)) for s in reversed(Stance.values)]  # order must not matter
    assert network.prevailing_stance(listed) == expected


@pytest.mark.parametrize("name", SMALL_GRAPHS)
def test_layout_is_deterministic(name):
    rows = SMALL_GRAPHS[name]
    first, again = network.build(rows), network.build(list(rows))
    assert first.nodes == again.nodes
    assert [(e.path, e.label_x, e.label_y) for e in first.edges] == [
        (e.path, e.label_x, e.label_y) for e in again.edges
    ]


@pytest.mark.parametrize("name", SMALL_GRAPHS)
def test_everything_is_inside_the_viewbox(name):
    graph = network.build(SMALL_GRAPHS[name])
    for node in graph.nodes:
        assert node.r <= node.x <= graph.width - node.r, node
        assert node.r <= node.y and node.label_y <= graph.height, node
    for edge in graph.edges:
        coordinates = _numbers(edge.path)
        xs, ys = coordinates[0::2], coordinates[1::2]
        assert all(0 <= x <= graph.width for x in xs), edge.path
        assert all(0 <= y <= graph.height for y in ys), edge.path
        assert 0 <= edge.label_x <= graph.width and 0 <= edge.label_y <= graph.height


@pytest.mark.parametrize("name", SMALL_GRAPHS)
def test_no_two_nodes_overlap(name):
    graph = network.build(SMALL_GRAPHS[name])
    for a, b in combinations(graph.nodes, 2):
        assert math.hypot(a.x - b.x, a.y - b.y) >= a.r + b.r + network.NODE_GAP - 0.5, (a, b)


def test_a_bigger_graph_keeps_nodes_apart_and_inside():
    rows = [_row(f"S{i % 17}", "funds", f"O{i % 11}") for i in range(55)]
    graph = network.build(rows)
    for a, b in combinations(graph.nodes, 2):
        assert math.hypot(a.x - b.x, a.y - b.y) >= a.r + b.r, (a.name, b.name)
    assert all(0 < n.x < graph.width and 0 < n.y < graph.height for n in graph.nodes)


def test_parallel_claims_bow_apart():
    graph = network.build(SMALL_GRAPHS["parallel"])
    between = [e for e in graph.edges if {e.row.claim.subject.name, e.row.claim.object.name}
               == {"Russia", "Taliban"}]  # fmt: skip
    assert len(between) == 3
    assert len({e.path for e in between}) == 3
    middles = [(e.label_x, e.label_y) for e in between]
    for (x1, y1), (x2, y2) in combinations(middles, 2):
        assert math.hypot(x1 - x2, y1 - y2) > 10  # labels do not sit on each other
    iran = next(e for e in graph.edges if e.row.claim.subject.name == "Iran")
    assert " Q" in iran.path


def test_arrows_run_from_subject_to_object():
    graph = network.build([_row("Iran", "arms", "Hezbollah")])
    [edge] = graph.edges
    nodes = {n.name: n for n in graph.nodes}
    x0, y0, *_, x2, y2 = _numbers(edge.path)
    iran, hezbollah = nodes["Iran"], nodes["Hezbollah"]
    assert math.hypot(x0 - iran.x, y0 - iran.y) < math.hypot(x0 - hezbollah.x, y0 - hezbollah.y)
    # The line stops short of the object's circle by the arrowhead's length.
    assert math.hypot(x2 - hezbollah.x, y2 - hezbollah.y) == pytest.approx(
        hezbollah.r + 1 + network.ARROW, abs=0.2
    )


def test_node_size_follows_degree_and_edge_width_distinct_sources():
    rows = [*_star(5), _row("State 0", "arms", "Iraq", sources=9)]
    graph = network.build(rows)
    nodes = {n.name: n for n in graph.nodes}
    assert nodes["Taliban"].degree == 5 and nodes["State 0"].degree == 2
    assert nodes["Taliban"].r > nodes["State 0"].r > nodes["State 3"].r
    widths = {e.row.sources: e.width for e in graph.edges}
    assert widths[9] > widths[1]
    assert network.edge_width(1, most=9) == network.EDGE_MIN_W
    assert network.edge_width(9, most=9) == network.EDGE_MAX_W
    # Relative to the most shown: 20 against 40 is not as wide as 40; 2 against 2 is not widest.
    assert network.edge_width(20, most=40) < network.edge_width(40, most=40)
    assert network.edge_width(2, most=2) < network.EDGE_MAX_W


def test_self_claim_is_a_loop_over_its_node():
    graph = network.build([_row("Taliban", "opposes", "Taliban")])
    [node], [edge] = graph.nodes, graph.edges
    assert " C" in edge.path and edge.label_y < node.y


def test_caps_on_claims_and_actors():
    many = [_row(f"State {i % 8}", "supports", f"Group {i // 8}") for i in range(70)]
    graph = network.build(many, total=70)
    assert len(graph.edges) == network.MAX_CLAIMS and graph.capped and graph.total == 70
    pairs = [_row(f"Left {i}", "funds", f"Right {i}") for i in range(30)]  # 2 new actors each
    graph = network.build(pairs, total=30)
    assert len(graph.nodes) == network.MAX_ACTORS and len(graph.edges) == 25
    assert graph.capped
    assert not network.build(_star(3)).capped


# ---------------------------------------------------------------- the page


def _site(*, see_others: bool, blind: bool) -> None:
    site = SiteSettings.load()
    site.reviewers_see_others, site.blind_annotation = see_others, blind
    site.save()


@pytest.fixture
def taliban(reviewer, other_reviewer, article):
    """Russia supports the Taliban: asserted by 2 sources (Votel, the author), denied by 1
    (Russia); Iran arms the Taliban (the other reviewer); the US opposes Russia, reported."""
    votel = factories.make_actor("Joseph Votel", kind="person")
    russia = factories.make_actor("Russia", aliases=["Moscow"])
    supports = factories.make_claim("Russia", "supports", "Taliban")
    arms = factories.make_claim("Iran", "arms", "Taliban")
    opposes = factories.make_claim("United States", "opposes", "Russia")
    mine = dict(article=article, reviewer=reviewer)
    factories.make_annotation(
        **mine, claim=supports, phrase="Russia was supporting",
        source_kind=SourceKind.NAMED, source_actor=votel,
    )  # fmt: skip
    factories.make_annotation(**mine, claim=supports, phrase="fair to assume")
    factories.make_annotation(
        **mine, claim=supports, phrase="Russia denies", stance=Stance.DENIES,
        source_kind=SourceKind.NAMED, source_actor=russia,
    )  # fmt: skip
    factories.make_annotation(
        article=article, reviewer=other_reviewer, claim=arms, phrase="supplying"
    )
    factories.make_annotation(**mine, claim=opposes, phrase="Taliban spokesman", stance="reports")
    return {"supports": supports, "arms": arms, "opposes": opposes}


def _edges(response) -> dict[str, dict]:
    """The drawn arrows by claim text: stance class, width and link."""
    page = parse_page(response.content.decode())
    found = {}
    for a in page.xpath('//svg[@class="network-graph"]//a[contains(@class, "edge")]'):
        line = a.xpath('.//*[@class="line"]')[0]
        claim_text = a.get("aria-label").split(". Prevailing stance")[0]
        found[claim_text] = {
            "class": a.get("class"),
            "width": float(line.get("stroke-width")),
            "href": a.get("href"),
            "name": a.get("aria-label"),
        }
    return found


@pytest.mark.django_db
def test_login_required_and_get_only(client, reviewer):
    response = client.get(NETWORK)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(reviewer)
    assert client.post(NETWORK).status_code == 405


@pytest.mark.django_db
def test_page_draws_every_claim_with_its_prevailing_stance(client, curator, taliban):
    client.force_login(curator)
    response = client.get(NETWORK)
    assert response.status_code == 200
    edges = _edges(response)
    assert set(edges) == {"Russia supports Taliban", "Iran arms Taliban",
                          "United States opposes Russia"}  # fmt: skip
    assert edges["Russia supports Taliban"]["class"] == "edge stance-asserts"
    assert edges["United States opposes Russia"]["class"] == "edge stance-reports"
    # Width from the tally's distinct sources: 3 (Votel, Russia, the author) against 1.
    assert edges["Russia supports Taliban"]["width"] > edges["Iran arms Taliban"]["width"]
    assert (
        "2 asserts, 1 denies; 3 attributions, 3 distinct sources"
        in (edges["Russia supports Taliban"]["name"])
    )
    html = response.content.decode()
    for text in ("Asserts", "Denies", "dashed line", "Split", "The same claims as a table"):
        assert text in html
    assert 'marker-end="url(#arrow-asserts)"' in html and '<marker id="arrow-disputed"' in html
    assert 'role="group" aria-labelledby="network-heading"' in html


@pytest.mark.django_db
def test_a_tie_of_asserts_and_denies_is_drawn_disputed(client, curator, taliban, reviewer, article):
    factories.make_annotation(
        article=article, reviewer=reviewer, claim=taliban["supports"], phrase="Gen. Joseph",
        stance=Stance.DENIES,
    )  # fmt: skip
    client.force_login(curator)
    response = client.get(NETWORK)
    edge = _edges(response)["Russia supports Taliban"]
    assert edge["class"] == "edge stance-disputed"
    row = parse_page(response.content.decode()).xpath("//table//tr[@class='disputed']")
    assert len(row) == 1 and "Split" in row[0].text_content()


def test_stylesheet_gives_each_stance_its_colour_and_a_pattern():
    css = CSS.read_text()
    for stance in ("asserts", "denies", "reports", "questions"):
        assert f".stance-{stance} .line {{ stroke: var(--{stance});" in css
    for stance in ("denies", "reports", "questions"):
        assert re.search(rf"\.stance-{stance} \.line \{{[^}}]*stroke-dasharray", css)
    assert ".stance-disputed .line { stroke: var(--denies); }" in css
    assert re.search(r"\.line-over[^{]*\{[^}]*stroke: var\(--asserts\); stroke-dasharray", css)


@pytest.mark.django_db
def test_links_carry_the_filters(client, curator, taliban):
    client.force_login(curator)
    response = client.get(NETWORK, {"actor": "Taliban", "role": "object", "page": "2"})
    edges = _edges(response)
    supports = taliban["supports"]
    detail = reverse("annotate:claim-detail", args=[supports.pk])
    assert edges["Russia supports Taliban"]["href"] == f"{detail}?actor=Taliban&role=object"
    page = parse_page(response.content.decode())
    nodes = page.xpath('//a[@class="node"]/@href')
    actor = reverse("annotate:actor-detail", args=[supports.subject_id])
    assert f"{actor}?actor=Taliban&role=object" in nodes  # the actor page keeps them too
    # The view switch keeps the filters both ways, and the nav links the page.
    switch = page.xpath('//nav[@class="view-switch"]/a/@href')
    assert switch == [f"{reverse('annotate:claim-list')}?actor=Taliban&role=object",
                      f"{NETWORK}?actor=Taliban&role=object"]  # fmt: skip
    assert page.xpath(f'//nav[@class="topnav"]/a[@href="{NETWORK}"]')
    listing = parse_page(
        client.get(reverse("annotate:claim-list"), {"relation": "arms"}).content.decode()
    )
    assert listing.xpath(f'//nav[@class="view-switch"]/a[@href="{NETWORK}?relation=arms"]')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"relation": "arms"}, {"Iran arms Taliban"}),
        ({"stance": "denies"}, {"Russia supports Taliban"}),
        ({"actor": "Moscow", "role": "object"}, {"United States opposes Russia"}),
        ({"reviewer": "other"}, {"Iran arms Taliban"}),
        # Several relations, and a relation group ("support of any kind": supports, arms, ...).
        ({"relation": ["arms", "opposes"]}, {"Iran arms Taliban", "United States opposes Russia"}),
        ({"relation": "group:support"}, {"Russia supports Taliban", "Iran arms Taliban"}),
    ],
)
def test_filters_apply(client, curator, taliban, params, expected):
    client.force_login(curator)
    assert set(_edges(client.get(NETWORK, params))) == expected


@pytest.mark.django_db
def test_filtered_counts_decide_the_stance(client, curator, taliban):
    client.force_login(curator)
    edges = _edges(client.get(NETWORK, {"stance": "denies"}))
    assert edges["Russia supports Taliban"]["class"] == "edge stance-denies"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"stance": "maybe"}, {"role": "sideways"}, {"relation": "hugs"}, {"sort": "random"},
     {"reviewer": "nobody"}, {"page": "x²"}, {"actor": "x" * 300}],
)  # fmt: skip
def test_bad_parameters_are_reported_not_a_server_error(client, curator, taliban, params):
    client.force_login(curator)
    response = client.get(NETWORK, params)
    assert response.status_code == 200
    html = response.content.decode()
    if "page" not in params:
        assert 'class="form-error" role="alert"' in html
        # A relation the site does not have is left out; the other relations chosen still apply.
        ignored = "is not a relation" if "relation" in params else "The filter was ignored."
        assert ignored in html
    assert len(_edges(response)) == 3  # the bad filter is left out, the others apply


@pytest.mark.django_db
def test_unknown_actor_and_empty_states(client, curator, reviewer_client, taliban):
    client.force_login(curator)
    html = client.get(NETWORK, {"actor": "Atlantis"}).content.decode()
    assert "No actor is called “Atlantis”" in html and '<svg class="network-graph"' not in html
    html = client.get(NETWORK, {"relation": "mediates"}).content.decode()
    assert "No claim matches these filters" in html and "network-graph" not in html
    factories.delete_annotations()
    html = client.get(NETWORK).content.decode()
    assert "No claims to draw yet" in html and "network-graph" not in html


@pytest.mark.django_db
def test_capped_graph_says_how_many_it_shows(client, curator, reviewer, article):
    rows = []
    for i in range(network.MAX_CLAIMS + 5):
        claim = factories.make_claim(f"State {i % 8}", "supports", f"Group {i // 8}")
        rows.append(_bulk(article, reviewer, claim, i))
    factories.bulk_annotations(rows)
    client.force_login(curator)
    response = client.get(NETWORK)
    assert len(_edges(response)) == network.MAX_CLAIMS
    assert f"Showing {network.MAX_CLAIMS} of {network.MAX_CLAIMS + 5} claims" in (
        response.content.decode()
    )
    assert "narrow the filters" in response.content.decode()
    narrowed = client.get(NETWORK, {"actor": "Group 1", "role": "object"})
    assert len(_edges(narrowed)) == 8
    assert "narrow the filters" not in narrowed.content.decode()


@pytest.mark.django_db
def test_user_text_is_escaped(client, curator, article, reviewer):
    claim = factories.make_claim("<script>alert(1)</script>", "supports", "Taliban & co")
    factories.make_annotation(article=article, reviewer=reviewer, claim=claim)
    client.force_login(curator)
    html = client.get(NETWORK).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "Taliban &amp; co" in html


# ---------------------------------------------------------------- visibility


@pytest.mark.django_db
def test_blind_reviewer_sees_no_one_elses_hidden_work(reviewer_client, reviewer, article, taliban):
    _site(see_others=True, blind=True)
    response = reviewer_client.get(NETWORK)
    edges = _edges(response)
    assert "Iran arms Taliban" not in edges and "Iran" not in response.content.decode()
    assert "Blind annotation is on" in response.content.decode()
    # Iran as a typed filter is "not found", as for a name no one ever typed.
    assert (
        "No actor is called “Iran”"
        in reviewer_client.get(NETWORK, {"actor": "Iran"}).content.decode()
    )
    services.progress_set(article=article, reviewer=reviewer, done=True)
    assert "Iran arms Taliban" in _edges(reviewer_client.get(NETWORK))


@pytest.mark.django_db
def test_reviewer_on_a_separate_site_sees_own_counts_only(client, other_reviewer, taliban):
    _site(see_others=False, blind=False)
    client.force_login(other_reviewer)
    assert set(_edges(client.get(NETWORK))) == {"Iran arms Taliban"}


# ---------------------------------------------------------------- constant queries


def _bulk(article, reviewer, claim, i: int, stance: str = Stance.ASSERTS) -> Annotation:
    start = (i * 7) % 200
    return Annotation(
        article=article, reviewer=reviewer, claim=claim, start=start, end=start + 5,
        quote=article.text[start : start + 5], source_kind=SourceKind.AUTHOR, stance=stance,
        confidence=3,
    )  # fmt: skip


RELATIONS = ["supports", "arms", "funds", "opposes"]


def _bulk_attributions(count: int, reviewers) -> None:
    """`count` attributions over up to 80 claims (so 1,000 caps the graph, 10 does not)."""
    articles = [factories.make_article(title=f"Bulk {i}") for i in range(4)]
    claims = [
        factories.make_claim(f"State {i % 10}", RELATIONS[i % 4], f"Group {i // 10}")
        for i in range(80)
    ]
    stances = list(Stance.values)
    factories.bulk_annotations(
        _bulk(articles[i % 4], reviewers[i % len(reviewers)], claims[i % len(claims)], i,
              stances[i % 4])
        for i in range(count)
    )  # fmt: skip


def _queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(NETWORK, params or {}).status_code == 200
    return len(ctx)


NETWORK_QUERIES = 12  # session, user, site, visibility, form choices, groups, claims


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("who", ["curator", "reviewer"])
def test_query_count_is_flat(
    client, curator, reviewer, other_reviewer, count, who, django_assert_max_num_queries
):
    _site(see_others=True, blind=True)
    _bulk_attributions(count, [reviewer, other_reviewer])
    client.force_login(curator if who == "curator" else reviewer)
    client.get(NETWORK)  # warm up: the session
    for params in ({}, {"actor": "Group 1", "role": "object", "sort": "disagreement"}):
        with django_assert_max_num_queries(NETWORK_QUERIES):
            response = client.get(NETWORK, params)
        assert response.status_code == 200


@pytest.mark.django_db
def test_query_count_is_the_same_at_10_and_1000(client, curator, reviewer, other_reviewer):
    client.force_login(curator)
    _bulk_attributions(10, [reviewer, other_reviewer])
    client.get(NETWORK)
    small = _queries(client)
    factories.delete_annotations()
    _bulk_attributions(1000, [reviewer, other_reviewer])
    response_graph = client.get(NETWORK).context["graph"]
    assert response_graph.capped and response_graph.total == 80  # counted in the same query
    assert _queries(client) == small
