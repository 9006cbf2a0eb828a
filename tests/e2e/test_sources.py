"""Sources as entities in the browser: the NDS official's three mentions become one source."""

from __future__ import annotations

from playwright.sync_api import expect

from annotate.models import Annotation, Source
from tests import factories
from tests.e2e.conftest import ask_who, login, select_text

OFFICIAL = "an official with the National Directorate of Security"
MENTIONS = (
    "Russian intelligence agents were providing the Taliban with strategic advice",
    "The Russian support has played a role in the Talibans advances in Kunduz",
    "Russian intelligence agents have held meetings with Taliban representatives",
)


def _claim(form, relation: str = "advises") -> None:
    form.get_by_label("Subject").fill("Russia")
    form.get_by_label("Relation").select_option(relation)
    form.get_by_label("Object").fill("Taliban")


def test_three_mentions_of_the_nds_official_are_one_source(
    page, live_server, seeded_article, reviewer
):
    factories.make_actor("Afghanistan")
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    form = page.locator("#new-annotation")

    select_text(page, MENTIONS[0])
    _claim(form)
    form.get_by_label("Source type").select_option("unnamed")
    expect(form.get_by_label("Unnamed source is")).to_be_visible()  # shown for unnamed only
    form.get_by_label("Source", exact=True).fill(OFFICIAL)
    form.get_by_label("Affiliation").fill("Afghanistan")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)

    for n, words in enumerate(MENTIONS[1:], start=1):
        select_text(page, words)
        _claim(form, "supports")
        same = form.get_by_role("group", name="Same source as")
        mentions = f"({n} mention{'s' if n > 1 else ''})"
        choice = same.get_by_label(f"{OFFICIAL} (Afghanistan) {mentions}")
        choice.check()  # one click links this mention to the source
        form.get_by_role("button", name="Save annotation").click()
        expect(page.locator("#my-annotations .ann")).to_have_count(n + 1)

    sources = Source.objects.filter(article=seeded_article)
    assert sources.count() == 1
    source = sources.get()
    assert (source.kind, source.unnamed_kind, source.affiliation.name) == (
        "unnamed", "person", "Afghanistan"
    )  # fmt: skip
    assert set(Annotation.objects.values_list("source_id", flat=True)) == {source.pk}
    assert Annotation.objects.filter(source_description=OFFICIAL).count() == 3
    # The next new annotation offers it with all three mentions.
    select_text(page, "Russia denies supplying the Taliban")
    expect(form.get_by_role("group", name="Same source as")).to_contain_text(
        f"{OFFICIAL} (Afghanistan) (3 mentions)"
    )


def test_who_supports_the_taliban_per_source_and_stance(
    page, live_server, seeded_article, reviewer
):
    """The issue's walk: Votel's hedged assertion, Kabulov's denial and the NDS official's claim
    through its mentions as one source; the claims page for "support of any kind, Taliban as
    object" shows Votel under asserts and Kabulov under denies, and the official once."""
    factories.make_actor("Zamir Kabulov", kind="person")
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    form = page.locator("#new-annotation")
    save = form.get_by_role("button", name="Save annotation")

    select_text(page, "it was fair to assume Russia was supporting the Taliban")
    _claim(form, "supports")
    form.get_by_label("Source", exact=True).fill("Joseph Votel")
    form.get_by_label("Certainty").select_option("probable")
    save.click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)

    select_text(page, "called the allegations of material support to the insurgents absolute lies")
    _claim(form, "supports")
    form.get_by_label("Source", exact=True).fill("Zamir Kabulov")
    form.get_by_label("Stance").select_option("denies")
    save.click()
    expect(page.locator("#my-annotations .ann")).to_have_count(2)

    select_text(page, MENTIONS[0])
    _claim(form, "supports")
    form.get_by_label("Source type").select_option("unnamed")
    form.get_by_label("Source", exact=True).fill(OFFICIAL)
    save.click()
    expect(page.locator("#my-annotations .ann")).to_have_count(3)
    for n, words in enumerate(MENTIONS[1:], start=1):
        select_text(page, words)
        _claim(form, "supports")
        same = form.get_by_role("group", name="Same source as")
        same.get_by_label(f"{OFFICIAL} ({n} mention{'s' if n > 1 else ''})").check()
        save.click()
        expect(page.locator("#my-annotations .ann")).to_have_count(3 + n)

    page.goto(f"{live_server.url}/claims/")
    ask_who(page, "support of any kind", "Taliban", "object")
    row = page.locator("table.claims tbody tr").filter(has_text="supports")
    according = row.locator("td.sources")
    expect(according.locator(".stance-sources.s-asserts")).to_contain_text(
        "Joseph Votel (probable)"
    )
    expect(according.locator(".stance-sources.s-denies")).to_have_text("denies: Zamir Kabulov")
    asserting = according.locator(".stance-sources.s-asserts").inner_text()
    assert asserting.count(OFFICIAL) == 1  # three mentions, one source
    expect(row.locator('td[data-label="Sources"]')).to_have_text("3")  # Votel, Kabulov, official
    expect(row.locator('td[data-label="Attributions"]')).to_have_text("5")
