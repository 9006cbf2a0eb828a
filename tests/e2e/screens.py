"""Every screen of the app and of our admin, in each state worth checking, for the browser tests
that look at all of them (layout at several widths, accessibility with axe-core).

`make_world()` builds the data once; `SCREENS` says who opens which address and what they do
there; `visit()` brings a logged-in page to that state. A screen is named in every failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import expect

from annotate.models import Certainty, RelationGroup, SiteSettings, Stance, Status
from annotate.services import annotation_review
from tests import factories
from tests.e2e.conftest import close_settled, import_seed, login, select_with_range

# "Who is said to support of any kind the Taliban as object?", accepted attributions only.
ASKED = "relation=group%3Asupport&actor=Taliban&role=object&status=accepted"
PHRASES = [
    "Russia was supporting the Taliban",
    "Russia denies",
    "Reports have swirled",
]


@dataclass(frozen=True)
class World:
    """The ids the screens' addresses need."""

    article: int
    empty_article: int
    annotation: int
    claim: int
    actor: int
    support_group: int
    users: dict  # username → user


def make_world() -> World:
    """Two reviewers and a curator on the first seed article, every stance, some reviewed."""
    article = import_seed()
    empty = factories.make_article(title="An article no one has annotated yet")
    rita, bob = factories.make_user("rita"), factories.make_user("bob")
    cora = factories.make_user("cora", curator=True)
    admin = factories.make_superuser("admin")
    SiteSettings.load()
    claim = factories.make_claim("Russia", "supports", "Taliban")
    other = factories.make_claim("Iran", "arms", "Taliban", qualifier="with rifles")
    stances = [Stance.ASSERTS, Stance.DENIES, Stance.REPORTS, Stance.QUESTIONS]
    phrases = list(dict.fromkeys(_phrases(article.text)))  # each once, in order
    first = None
    for i, phrase in enumerate(phrases):
        for reviewer in (rita, bob) if i % 2 == 0 else (rita,):
            ann = factories.make_annotation(
                article=article,
                reviewer=reviewer,
                claim=claim if i % 2 == 0 else other,
                phrase=phrase,
                stance=stances[i % 4],
                certainty=Certainty.PROBABLE if i % 3 else Certainty.CERTAIN,
            )
            first = first or ann
            if reviewer is bob and i % 4 == 0:
                annotation_review(annotation=ann, curator=cora, status=Status.ACCEPTED)
    return World(
        article=article.pk,
        empty_article=empty.pk,
        annotation=first.pk,
        claim=claim.pk,
        actor=claim.subject_id,
        support_group=RelationGroup.objects.get(slug="support").pk,
        users={u.username: u for u in (rita, bob, cora, admin)},
    )


def _phrases(text: str) -> Iterator[str]:
    """The known phrases, then a few more sentence openings, so the list and text are busy."""
    yield from PHRASES
    for sentence in text.split(". ")[3:12]:
        words = sentence.split()
        if len(words) > 4 and "\n" not in " ".join(words[:4]):
            yield " ".join(words[:4])


def open_form(page) -> None:
    """Select words as a keyboard user would and open the new-annotation form (A)."""
    select_with_range(page, PHRASES[0])
    page.keyboard.press("a")
    expect(page.locator("#new-annotation")).to_be_visible()


def form_with_errors(page) -> None:
    open_form(page)
    page.locator("#new-annotation").get_by_role("button", name="Save annotation").click()
    expect(page.locator("#new-annotation .field-error").first).to_be_visible()


def new_actor_asked(page) -> None:
    """Save with a subject no actor is called: the form asks before creating it."""
    open_form(page)
    form = page.locator("#new-annotation")
    form.get_by_label("Subject").fill("Rusia")
    form.get_by_label("Relation").select_option("supports")
    form.get_by_label("Object").fill("Taliban")
    form.get_by_label("Confidence").fill("3")
    form.get_by_label("Source type").select_option("author")
    form.get_by_role("button", name="Save annotation").click()
    expect(form.locator(".new-actor")).to_be_visible()


def shortcuts_open(page) -> None:
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()


def token_created(page) -> None:
    page.get_by_label("Token name").fill("nightly export")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_label("Token", exact=True)).to_be_visible()


def history_open(page) -> None:
    """Open the first of my annotations' History disclosure; htmx loads the events into it."""
    page.locator("#my-annotations .ann details.history summary").first.click()
    expect(page.locator("#my-annotations .history-list").first).to_be_visible()


def agreement_details_open(page) -> None:
    page.locator("table.per-article th.article-title a").first.click()
    expect(page.locator("#article-detail .agreement-detail")).to_be_visible()


@dataclass(frozen=True)
class Screen:
    name: str
    user: str | None  # None: not logged in
    path: Callable[[World], str]
    action: Callable | None = None
    admin: bool = False


SCREENS = [
    Screen("login", None, lambda w: "/accounts/login/"),
    Screen("articles list", "rita", lambda w: "/"),
    Screen("workspace, empty", "rita", lambda w: f"/articles/{w.empty_article}/"),
    Screen("workspace, with annotations", "rita", lambda w: f"/articles/{w.article}/"),
    Screen("workspace, form open", "rita", lambda w: f"/articles/{w.article}/", open_form),
    Screen("workspace, form errors", "rita", lambda w: f"/articles/{w.article}/", form_with_errors),
    Screen(
        "workspace, new actor asked", "rita", lambda w: f"/articles/{w.article}/", new_actor_asked
    ),
    Screen("workspace, edit form", "rita", lambda w: f"/articles/{w.article}/?edit={w.annotation}"),
    Screen(
        "workspace, shortcuts dialog", "rita", lambda w: f"/articles/{w.article}/", shortcuts_open
    ),
    Screen("workspace, curator with others", "cora", lambda w: f"/articles/{w.article}/?others=1"),
    Screen("workspace, history open", "rita", lambda w: f"/articles/{w.article}/", history_open),
    Screen("annotation history", "rita", lambda w: f"/annotations/{w.annotation}/history/"),
    Screen("claims", "cora", lambda w: "/claims/"),
    Screen("claim network", "cora", lambda w: "/claims/network/"),
    Screen("claim network, reviewer", "rita", lambda w: "/claims/network/?stance=asserts"),
    Screen("claim network, nothing matches", "cora", lambda w: "/claims/network/?relation=funds"),
    Screen("claim detail", "cora", lambda w: f"/claims/{w.claim}/"),
    Screen("claims, question asked, accepted only", "cora", lambda w: f"/claims/?{ASKED}"),
    Screen("claim detail, filters kept", "cora", lambda w: f"/claims/{w.claim}/?{ASKED}"),
    Screen("actor, filters kept", "cora", lambda w: f"/actors/{w.actor}/?{ASKED}"),
    Screen("actor", "cora", lambda w: f"/actors/{w.actor}/"),
    Screen("agreement", "cora", lambda w: "/agreement/"),
    Screen("adjudication", "cora", lambda w: f"/articles/{w.article}/adjudicate/"),
    Screen("adjudication, refused", "rita", lambda w: f"/articles/{w.article}/adjudicate/"),
    Screen("agreement, details loaded", "cora", lambda w: "/agreement/", agreement_details_open),
    Screen("agreement, one article", "cora", lambda w: f"/agreement/articles/{w.article}/"),
    Screen("agreement, reviewer refused", "rita", lambda w: "/agreement/"),
    Screen("export, curator", "cora", lambda w: "/export/"),
    Screen("export, reviewer", "rita", lambda w: "/export/"),
    Screen("account, new token shown", "rita", lambda w: "/account/", token_created),
    Screen("admin annotation list", "admin", lambda w: "/admin/annotate/annotation/", admin=True),
    Screen(
        "admin annotation change form",
        "admin",
        lambda w: f"/admin/annotate/annotation/{w.annotation}/change/",
        admin=True,
    ),
    Screen("admin article list", "admin", lambda w: "/admin/annotate/article/", admin=True),
    Screen(
        "admin annotation history",
        "admin",
        lambda w: "/admin/annotate/annotationevent/",
        admin=True,
    ),
    Screen(
        "admin article change form",
        "admin",
        lambda w: f"/admin/annotate/article/{w.article}/change/",
        admin=True,
    ),
    Screen("admin actor list", "admin", lambda w: "/admin/annotate/actor/", admin=True),
    Screen(
        "admin relation group change form",
        "admin",
        lambda w: f"/admin/annotate/relationgroup/{w.support_group}/change/",
        admin=True,
    ),
    Screen("admin site settings", "admin", lambda w: "/admin/annotate/sitesettings/", admin=True),
    Screen("admin user list", "admin", lambda w: "/admin/auth/user/", admin=True),
    Screen(
        "admin user change form",
        "admin",
        lambda w: f"/admin/auth/user/{w.users['rita'].pk}/change/",
        admin=True,
    ),
    Screen("admin user add form", "admin", lambda w: "/admin/auth/user/add/", admin=True),
]

BY_NAME = {screen.name: screen for screen in SCREENS}


@contextmanager
def browsing(browser, live_server, world: World, *, width: int, height: int):
    """A function that opens a screen in a fresh tab at this size, logged in as its user (one
    browser context, logged in once, per user). JavaScript errors fail the test at the end."""
    contexts: dict[str | None, object] = {}
    errors: list[str] = []

    def visit(screen: Screen, *, init_script: str = "", console: list[str] | None = None):
        if screen.user not in contexts:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(5_000)
            contexts[screen.user] = context
            if screen.user:
                page = context.new_page()
                login(page, world.users[screen.user], live_server)
                page.close()
        page = contexts[screen.user].new_page()
        if init_script:
            page.add_init_script(init_script)
        if console is not None:
            page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda exc: errors.append(f"{screen.name}: {exc}"))
        page.goto(live_server.url + screen.path(world))
        if screen.action:
            screen.action(page)
        return page

    try:
        yield visit
    finally:
        for context in contexts.values():
            close_settled(context)
    assert not errors, f"JavaScript errors: {errors}"
