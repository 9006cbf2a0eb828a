"""No query parameter of any route can produce a server error (issue 11, item 3).

Every GET route the project answers (the app's, the admin's for every model, login and logout) is
requested as a curator, a reviewer and a superuser with junk in every parameter it reads and some
it does not: superscript digits, numbers past 64 bits, NUL bytes, a lone surrogate sent as the
bytes %ED%A0%80, repeated keys and PHP-style arrays, very long values. Any status but 5xx passes;
the test client re-raises a view's exception, so a crash fails the test with its traceback.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories

# Every name a view or the admin reads from the query string, plus a few it does not.
PARAMS = [
    "q", "page", "edit", "annotation", "others", "download", "article", "format", "status",
    "reviewer", "actor", "role", "relation", "stance", "certainty", "sort", "subject", "object",
    "source", "no_text", "from_page", "next", "o", "p", "e", "all", "_popup", "_to_field",
    "_changelist_filters",
    "kind", "outlet", "language", "published_on", "done_at", "started_at", "id__exact",
    "published_on__gte", "started_at__day", "started_at__month", "started_at__year",
    "outlet__exact", "kind__exact", "relation__id__exact", "reviewer__id__exact",
    "term", "app_label", "model_name", "field_name", "x",
]  # fmt: skip

APP_PARAMS = PARAMS[: PARAMS.index("next")]

# Raw (already percent-encoded) values: %ED%A0%80 is a UTF-8-encoded lone surrogate (U+D800).
JUNK = [
    quote("²"),
    "9" * 30,
    "-9223372036854775809",
    "%00",
    "a%00b",
    "%ED%A0%80",
    "%FF%FE",
    quote("1e3"),
    quote("' OR 1=1 --"),
    "x" * 300,
    "",
]


def _raw_query(names, value: str) -> str:
    parts = []
    for name in names:
        parts += [f"{name}={value}", f"{name}={value}", f"{name}[]={value}"]
    return "&".join(parts)


def _get_routes(pk_values: dict[str, list[int]]) -> list[str]:
    """Every URL pattern that takes GET, its int arguments filled with existing and missing ids."""
    urls: list[str] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                full = f"{namespace}:{p.namespace}" if namespace and p.namespace else ns
                walk(p.url_patterns, prefix + str(p.pattern), full)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                urls.extend(_fill(name, p, pk_values))

    walk(get_resolver().url_patterns, "", None)
    return sorted(set(urls))


def _fill(name: str, pattern: URLPattern, pk_values: dict[str, list[int]]) -> list[str]:
    converters = pattern.pattern.converters
    if not converters:
        try:
            return [reverse(name)]
        except Exception:  # a pattern with regex groups but no converters (admin's app_list)
            return []
    args_sets: list[dict[str, object]] = []
    if set(converters) == {"pk"}:
        args_sets = [{"pk": pk} for pk in pk_values.get(name, [1]) + [999999]]
    elif "object_id" in converters or "app_label" in converters:
        return []  # admin change/delete/history pages: walked through _admin_object_urls
    else:
        return []
    out = []
    for kwargs in args_sets:
        try:
            out.append(reverse(name, kwargs=kwargs))
        except Exception:
            continue
    return out


def _admin_object_urls(objects) -> list[str]:
    urls = []
    for obj in objects:
        opts = obj._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        for view in ("change", "delete", "history"):
            urls.append(reverse(f"{base}_{view}", args=[obj.pk]))
    return urls


def _admin_model_urls() -> list[str]:
    from django.contrib import admin

    urls = []
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{base}_changelist"))
        urls.append(reverse(f"{base}_add"))
        urls.append(reverse(f"{base}_change", args=["%ED%A0%80"]))
        urls.append(reverse(f"{base}_change", args=["9" * 30]))
    urls.append(reverse("admin:app_list", args=["annotate"]))
    urls.append(reverse("admin:app_list", args=["auth"]))
    urls.append(reverse("admin:autocomplete"))
    return urls


@pytest.fixture
def world(db):
    """A small database where every kind of row exists, made by two reviewers and a curator."""
    from annotate.models import Progress, RelationGroup

    curator = factories.make_user("fuzz-curator", curator=True)
    reviewer = factories.make_user("fuzz-reviewer")
    other = factories.make_user("fuzz-other")
    admin = factories.make_superuser("fuzz-admin")
    article = factories.make_article(title="Fuzz article", url="https://example.org/a")
    mine = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    theirs = factories.make_annotation(
        article=article,
        reviewer=other,
        claim=factories.make_claim("Iran", "supports", "Hamas"),
        phrase="Taliban spokesman",
        note="theirs",
    )
    Progress.objects.get_or_create(article=article, reviewer=other)
    return {
        "users": {"curator": curator, "reviewer": reviewer, "admin": admin},
        "article": article,
        "annotations": [mine, theirs],
        "objects": [
            article,
            mine,
            mine.claim,
            mine.claim.subject,
            mine.claim.relation,
            RelationGroup.objects.get(slug="support"),
            *Progress.objects.all(),
            curator,
        ],
    }


def _routes(world) -> list[str]:
    article, mine, theirs = world["article"], *world["annotations"]
    pks = {
        "annotate:article-detail": [article.pk],
        "annotate:agreement-article": [article.pk],
        "annotate:annotation-edit": [mine.pk, theirs.pk],
        "annotate:claim-detail": [mine.claim_id, theirs.claim_id],
        "annotate:actor-detail": [mine.claim.subject_id, theirs.claim.subject_id],
    }
    return _get_routes(pks) + _admin_model_urls() + _admin_object_urls(world["objects"])


def _assert_no_5xx(client, url: str, query: str, **headers) -> None:
    response = client.get(f"{url}?{query}", **headers)
    assert response.status_code < 500, (url, query[:200], response.status_code)


@pytest.mark.parametrize("who", ["curator", "reviewer", "admin"])
def test_no_get_parameter_of_any_route_raises(client, world, who):
    client.force_login(world["users"][who])
    routes = _routes(world)
    assert len(routes) > 40, routes  # the walk found the app's and the admin's pages
    if who != "admin":  # the admin sends them to its login page before reading anything
        routes = [u for u in routes if not u.startswith("/admin/")]
    for url in routes:
        for value in JUNK:
            _assert_no_5xx(client, url, _raw_query(PARAMS, value))
            if not url.startswith("/admin/"):  # the app answers htmx with partials
                _assert_no_5xx(client, url, _raw_query(PARAMS, value), HTTP_HX_REQUEST="true")


@pytest.mark.parametrize("value", [quote("²"), "9" * 30])
def test_each_app_parameter_alone(client, world, value):
    """One parameter at a time, so that one refusal cannot hide a crash in a later parameter (a NUL
    anywhere is refused before any view runs: test_nul_is_refused_before_any_view)."""
    client.force_login(world["users"]["curator"])
    app_routes = [u for u in _routes(world) if not u.startswith("/admin/")]
    for url in app_routes:
        for name in APP_PARAMS:
            _assert_no_5xx(client, url, f"{name}={value}")
    # The download path of the export reads its filters only with download=1.
    for name in ("article", "status", "reviewer", "format", "no_text"):
        _assert_no_5xx(client, reverse("annotate:export"), f"download=1&{name}={value}")


def test_anonymous_junk_is_sent_to_login(client, world):
    for url in _routes(world)[:30]:
        _assert_no_5xx(client, url, _raw_query(PARAMS, "%00"))


# The relation filter takes several values, each a relation's slug or "group:" + a group's slug.
RELATION_JUNK = [
    "group:", "group:support", "group:group:support", "GROUP:support", "group:%00", "group:%ED%A0%80",
    "group:" + "x" * 300, quote("group:supports"), quote("support of any kind"), "arms", "%20arms",
]  # fmt: skip


@pytest.mark.parametrize("value", RELATION_JUNK)
def test_relation_filter_values_on_the_claims_pages(client, world, value):
    """Alone, repeated, mixed with a good value, on the list and the pages that keep its filters."""
    client.force_login(world["users"]["reviewer"])
    mine, theirs = world["annotations"]
    urls = [
        reverse("annotate:claim-list"),
        reverse("annotate:claim-detail", args=[mine.claim_id]),
        reverse("annotate:actor-detail", args=[theirs.claim.object_id]),
    ]
    queries = [
        f"relation={value}",
        f"relation={value}&relation={value}&relation=group%3Asupport&relation=arms",
        f"relation[]={value}&actor=Taliban&role=object&relation={value}&status=accepted",
    ]
    for url in urls:
        for query in queries:
            _assert_no_5xx(client, url, query)
