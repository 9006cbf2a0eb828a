"""The Content-Security-Policy holds on every page (issue 11, item 6): every screen of the app and
of the admin pages we customise is opened in Chromium, with its interactions (forms, swaps, search,
saving an annotation), and any violation the browser reports (a `securitypolicyviolation` event
or a console message about the policy) fails the test, named by screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import screens
from tests.e2e.screens import SCREENS, Screen, World, browsing
from tests.e2e.test_workspace import fill_votel

pytestmark = pytest.mark.django_db(transaction=True)

# Recorded before any script of the page runs (init scripts are not subject to the page's policy).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _save_annotation(page) -> None:
    """Select, fill and save one annotation: the out-of-band swaps and the flash run."""
    items = page.locator("#my-annotations .ann")
    before = items.count()
    screens.open_form(page)
    form = page.locator("#new-annotation")
    fill_votel(form)
    form.get_by_role("button", name="Save annotation").click()
    expect(items).to_have_count(before + 1)


def _search(page) -> None:
    page.locator("#q").fill("Cold War")  # in the seed article only
    expect(page.locator("#results")).not_to_contain_text("An article no one")


def _admin(name: str, path) -> Screen:
    return Screen(name, "admin", path, admin=True)


EXTRA = [
    Screen("workspace, save an annotation", "bob", lambda w: f"/articles/{w.article}/",
           _save_annotation),
    Screen("articles list, search", "rita", lambda w: "/", _search),
    Screen("claims, filtered", "cora", lambda w: "/claims/?actor=Russia&sort=disagreement"),
    _admin("admin index", lambda w: "/admin/"),
    _admin("admin app index", lambda w: "/admin/annotate/"),
    _admin("admin article add", lambda w: "/admin/annotate/article/add/"),
    _admin("admin actor change", lambda w: f"/admin/annotate/actor/{w.actor}/change/"),
    _admin("admin actor add", lambda w: "/admin/annotate/actor/add/"),
    _admin("admin claim list", lambda w: "/admin/annotate/claim/"),
    _admin("admin claim change", lambda w: f"/admin/annotate/claim/{w.claim}/change/"),
    _admin("admin annotation add", lambda w: "/admin/annotate/annotation/add/"),
    _admin("admin annotation filtered", lambda w: "/admin/annotate/annotation/?status__exact=accepted"),
    _admin("admin progress list", lambda w: "/admin/annotate/progress/"),
    _admin("admin relation list", lambda w: "/admin/annotate/relation/"),
    _admin("admin users", lambda w: "/admin/auth/user/"),
    _admin("admin user change", lambda w: f"/admin/auth/user/{w.users['rita'].pk}/change/"),
    _admin("admin access attempts", lambda w: "/admin/axes/accessattempt/"),
    _admin("admin access tokens", lambda w: "/admin/annotate/accesstoken/"),
]  # fmt: skip


@pytest.fixture
def world(relations) -> World:
    return screens.make_world()


def _violations(page) -> list[str]:
    return page.evaluate("() => window.__csp || []")


def test_no_csp_violation_on_any_page(browser, live_server, world):
    found: list[str] = []
    with browsing(browser, live_server, world, width=1280, height=900) as visit:
        for screen in [*SCREENS, *EXTRA]:
            console: list[str] = []
            page = visit(screen, init_script=LISTEN, console=console)
            page.wait_for_load_state("load")
            page.wait_for_timeout(100)  # violation events are dispatched asynchronously
            found += [f"{screen.name}: {v}" for v in _violations(page)]
            found += [f"{screen.name}: console: {m}" for m in console if "Content Security" in m]
            page.close()
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


def test_the_policy_is_sent_and_a_violation_is_caught(browser, live_server, world):
    """The check above is live: the header is there, and an inline script is refused and seen."""
    with browsing(browser, live_server, world, width=1280, height=900) as visit:
        console: list[str] = []
        page = visit(SCREENS[1], init_script=LISTEN, console=console)
        response = page.request.get(live_server.url + "/")
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.__ran = 1'; document.body.append(s); }"
        )
        page.wait_for_function("() => window.__csp.length > 0")
        assert page.evaluate("() => window.__ran") is None
        assert any("script-src" in v for v in _violations(page))
        page.close()
