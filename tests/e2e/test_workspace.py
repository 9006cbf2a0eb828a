"""The reviewer workspace in a real browser: select with the mouse, annotate, edit, delete."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation
from tests import factories
from tests.e2e.conftest import login, phrase_box, select_text, select_with_range

pytestmark = pytest.mark.django_db(transaction=True)

PHRASE = "Russia was supporting the Taliban"


def fill_votel(form) -> None:
    """Votel's hedged assertion, typed into the form by its visible labels. Its names are known
    actors (a new name asks before it becomes one: test_new_actors.py)."""
    for name in ("Russia", "Taliban", "Joseph Votel"):
        factories.make_actor(name)
    form.get_by_label("Subject").fill("Russia")
    form.get_by_label("Relation").select_option("supports")
    form.get_by_label("Object").fill("Taliban")
    form.get_by_label("Source type").select_option("named")
    form.get_by_label("Source", exact=True).fill("Joseph Votel")
    form.get_by_label("Stance").select_option("asserts")
    form.get_by_label("Certainty").select_option("probable")
    form.get_by_label("Confidence").fill("4")
    form.get_by_label("Note").fill("fair to assume")


def votel_form(page, live_server, article, reviewer):
    """Log in as `reviewer`, open `article`, select PHRASE and fill in Votel's assertion."""
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    select_text(page, PHRASE)
    form = page.locator("#new-annotation")
    fill_votel(form)
    return form


def test_annotate_edit_delete_restore(page, live_server, seeded_article):
    reviewer = factories.make_user("rita")
    login(page, reviewer, live_server)
    page.get_by_role("link", name=seeded_article.title).click()
    select_text(page, PHRASE)
    form = page.locator("#new-annotation")
    expect(form).to_be_visible()
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    fill_votel(form)
    expect(form.get_by_label("Claim text")).to_have_value("Russia supports Taliban")
    form.get_by_role("button", name="Save annotation").click()

    items = page.locator("#my-annotations .ann")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Russia supports Taliban")
    status = page.locator("#status")  # the live region: every write confirms there
    expect(status).to_have_text("Saved “Russia supports Taliban”.")
    expect(page.locator("#article-text mark.hl.mine")).to_have_text(PHRASE)
    ann = Annotation.objects.get()
    assert seeded_article.text[ann.start : ann.end] == PHRASE == ann.quote
    assert (ann.certainty, ann.source_actor.name, ann.confidence) == ("probable", "Joseph Votel", 4)

    page.reload()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    expect(page.locator("#article-text mark.hl.mine")).to_have_text(PHRASE)

    # Edit the stance by clicking the highlight.
    page.locator("#article-text mark.hl.mine").click()
    edit = page.locator("#edit-annotation")
    expect(edit).to_be_visible()
    edit.get_by_label("Stance").select_option("denies")
    expect(status).to_have_text("")  # the old message went when the form opened
    edit.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#article-text mark.s-denies")).to_have_text(PHRASE)
    expect(status).to_have_text("Updated “Russia supports Taliban”.")
    ann.refresh_from_db()
    assert ann.stance == "denies"
    select_text(page, "Russia denies")
    expect(status).to_have_text("")  # a new form opened: "Updated …" no longer applies
    page.keyboard.press("Escape")

    # Delete (confirm) and undo.
    page.locator("#my-annotations .ann a.ann-link").click()
    page.get_by_text("Delete this annotation…").click()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(0)
    expect(page.locator("#article-text mark")).to_have_count(0)
    ann.refresh_from_db()
    assert ann.deleted_at is not None
    expect(status).to_contain_text("Deleted “Russia supports Taliban”.")
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    expect(status).to_have_text("Restored “Russia supports Taliban”.")
    ann.refresh_from_db()
    assert ann.deleted_at is None


def test_keyboard_only_flow(page, live_server, seeded_article):
    reviewer = factories.make_user("kim")
    factories.make_annotation(article=seeded_article, reviewer=reviewer, phrase="Russia denies")
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    select_with_range(page, PHRASE)
    page.keyboard.press("a")
    expect(page.get_by_label("Subject")).to_be_focused()
    page.keyboard.type("Russia")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Relation")).to_be_focused()
    page.keyboard.press("s")  # "supports" is the only relation starting with s
    page.keyboard.press("Tab")
    page.keyboard.type("Taliban")
    for _ in range(3):  # Claim text (generated), Source type (named), Source
        page.keyboard.press("Tab")
    expect(page.get_by_label("Source", exact=True)).to_be_focused()
    page.keyboard.type("Joseph Votel")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#my-annotations .ann")).to_have_count(2)
    ann = Annotation.objects.get(quote=PHRASE)
    assert ann.claim.text == "Russia supports Taliban" and ann.stance == "asserts"

    # j / k move between annotations in text order; ? shows the shortcuts; Esc closes them.
    page.evaluate("document.activeElement.blur()")
    links = page.locator("#my-annotations .ann a.ann-link")  # not the History links
    page.keyboard.press("j")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(links.nth(0)).to_be_focused()
    expect(page.locator("#article-text mark.is-hot").first).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    expect(page.locator("#shortcuts-dialog")).to_contain_text("Next / previous annotation")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-dialog")).to_be_hidden()


def test_a_patched_save_looks_exactly_like_a_reload(page, live_server, seeded_article):
    """Saves after the first swap a few text chunks, the list item and the count into the page
    (htmx out-of-band swaps; numbers are CSS counters over the runs and the list). The page must
    then be what the server renders from scratch."""
    reviewer = factories.make_user("pat")
    text = seeded_article.text
    after = text.index(PHRASE) + len(PHRASE)  # a span that starts where the new one will end
    factories.make_annotation(
        article=seeded_article, reviewer=reviewer, start=after, end=after + 20
    )
    factories.make_annotation(article=seeded_article, reviewer=reviewer, phrase="Russia denies")
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    select_text(page, PHRASE)  # ends where the first starts, lies after the second
    fill_votel(page.locator("#new-annotation"))
    page.locator("#new-annotation").get_by_role("button", name="Save annotation").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(3)
    expect(page.locator("#status")).to_contain_text("Saved “Russia supports Taliban”")
    expect(page.locator("#new-annotation")).to_be_hidden()
    expect(page.locator("#select-hint")).to_be_visible()
    # The next selection opens a blank form (the one the save sent back), not the last one's values.
    select_text(page, "Russia denies")
    expect(page.locator("#new-annotation")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("")
    expect(page.get_by_label("Note")).to_have_value("")
    page.keyboard.press("Escape")

    def state():
        return page.evaluate(
            """() => ({
              html: document.querySelector('#article-text').innerHTML
                .replace(/ (flash|is-hot)/g, ''),
              labels: [...document.querySelectorAll('#article-text [data-label]')]
                .map((m) => m.dataset.ids),
              ids: [...document.querySelectorAll('#my-annotations .ann')].map((li) => li.dataset.ann),
              count: document.querySelector('#mine-title .count').textContent,
            })"""
        )

    patched = state()
    page.reload()
    reloaded = state()
    assert patched == reloaded
    assert reloaded["count"] == "3" and len(reloaded["labels"]) == 3

    # An edit is patched in the same way: the item keeps its place, its highlight changes.
    page.locator("#my-annotations .ann", has_text=PHRASE).locator("a.ann-link").click()
    edit = page.locator("#edit-annotation")
    expect(edit).to_be_visible()
    edit.get_by_label("Stance").select_option("denies")
    edit.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#status")).to_contain_text("Updated “Russia supports Taliban”")
    expect(page.locator("#edit-annotation")).to_have_count(0)
    expect(page.locator("#article-text mark.s-denies")).to_have_text(PHRASE)
    patched = state()
    page.reload()
    assert patched == state()
    order = list(Annotation.objects.order_by("start", "-end", "id").values_list("pk", flat=True))
    assert reloaded["ids"] == [str(pk) for pk in order]


def test_pick_source_and_cue_in_the_text(page, live_server, seeded_article):
    form = votel_form(page, live_server, seeded_article, factories.make_user("picker"))
    form.get_by_role("button", name="Pick source in text").click()
    expect(page.locator("#status")).to_contain_text("Select the words naming the source")
    select_text(page, "Joseph Votel, head of U.S. Central Command")
    expect(form.locator('[data-pick-quote="source"]')).to_have_text(
        "Joseph Votel, head of U.S. Central Command"
    )
    # The content span did not move: the words picked went to the source, not to a new annotation.
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    form.get_by_role("button", name="Pick cue in text").click()
    select_text(page, "told Congress")
    expect(form.locator('[data-pick-quote="cue"]')).to_have_text("told Congress")
    form.get_by_role("button", name="Pick cue in text").click()
    page.keyboard.press("Escape")  # stops picking, keeps the form and what was picked
    expect(form).to_be_visible()
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    ann = Annotation.objects.get()
    text = seeded_article.text
    assert ann.quote == PHRASE and text[ann.start : ann.end] == PHRASE
    assert ann.source_quote == "Joseph Votel, head of U.S. Central Command"
    assert text[ann.source_start : ann.source_end] == ann.source_quote
    assert ann.cue_quote == "told Congress" and text[ann.cue_start : ann.cue_end] == "told Congress"


def test_emoji_before_selection_gets_code_point_offsets(page, live_server, relations):
    text = "Flags 🇷🇺 and 🎉🎉 first. Then: Gen. Votel said Russia was supporting the Taliban."
    article = factories.make_article(text, title="Emoji article")
    reviewer = factories.make_user("emo")
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    select_text(page, PHRASE)
    form = page.locator("#new-annotation")
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    fill_votel(form)
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    ann = Annotation.objects.get()
    assert ann.quote == PHRASE
    assert article.text[ann.start : ann.end] == PHRASE
    assert ann.start == article.text.index(PHRASE)


def test_form_error_keeps_what_was_typed(page, live_server, seeded_article):
    reviewer = factories.make_user("err")
    # One earlier annotation, so the corrected save below is swapped in piecewise (not a whole panel).
    factories.make_annotation(article=seeded_article, reviewer=reviewer, phrase="Russia denies")
    form = votel_form(page, live_server, seeded_article, reviewer)
    form.get_by_label("Confidence").fill("9")
    form.get_by_role("button", name="Save annotation").click()
    form = page.locator("#new-annotation")
    expect(form.locator(".field-confidence .field-error")).to_contain_text(
        "Confidence 9 is out of range"
    )
    expect(form.get_by_label("Subject")).to_have_value("Russia")
    expect(form.get_by_label("Note")).to_have_value("fair to assume")
    expect(form.get_by_label("Confidence")).to_have_value("9")
    assert Annotation.objects.count() == 1
    form.get_by_label("Confidence").fill("3")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(2)
    # The form comes back blank, not as the corrected one the error swap put on the page.
    select_text(page, "Taliban spokesman")
    form = page.locator("#new-annotation")
    expect(form).to_be_visible()
    expect(form.get_by_label("Subject")).to_have_value("")
    expect(form.get_by_label("Confidence")).to_have_value("3")
    expect(form.locator(".field-error")).to_have_count(0)


def test_second_reviewer_cannot_edit_first_ones_work(page, new_page, live_server, seeded_article):
    first = factories.make_user("first")
    second = factories.make_user("second")
    theirs = factories.make_annotation(article=seeded_article, reviewer=first, phrase=PHRASE)
    login(page, second, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/?annotation={theirs.pk}")
    expect(page.locator("#article-text mark")).to_have_count(0)
    # A hand-crafted request with a valid CSRF token is still refused.
    status = page.evaluate(
        """async (url) => {
          const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
          const body = new URLSearchParams({stance: 'denies'});
          const r = await fetch(url, {method: 'POST', body, headers: {'X-CSRFToken': token}});
          const d = await fetch(url + 'delete/', {method: 'POST', headers: {'X-CSRFToken': token}});
          return [r.status, d.status];
        }""",
        f"/annotations/{theirs.pk}/",
    )
    assert status == [403, 403]
    theirs.refresh_from_db()
    assert theirs.stance == "asserts" and theirs.deleted_at is None
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/?edit={theirs.pk}")
    assert "403" in page.title() or "Forbidden" in page.content()


def test_without_javascript_the_workspace_says_what_works(
    browser, live_server, seeded_article, reviewer
):
    """JS off: no promise of a selection; a plain notice, and editing from the list still works."""
    mine = factories.make_annotation(article=seeded_article, reviewer=reviewer, phrase=PHRASE)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        login(page, reviewer, live_server)
        page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
        notice = page.locator("#no-js-hint")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("Selecting words needs JavaScript")
        expect(page.locator("#select-hint")).to_be_hidden()
        page.goto(f"{live_server.url}/articles/{seeded_article.pk}/?edit={mine.pk}")
        form = page.locator("form.ann-form:visible").first
        expect(form.locator("[data-pick]").first).to_be_hidden()  # picking words needs JS too
        form.get_by_label("Confidence").fill("2")
        form.get_by_role("button", name="Save annotation").click()
        page.wait_for_load_state()
        mine.refresh_from_db()
        assert mine.confidence == 2
    finally:
        context.close()

    # With JavaScript on, the notice is gone and the selection hint is back.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        login(page, reviewer, live_server)
        page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
        expect(page.locator("#select-hint")).to_be_visible()
        expect(page.locator("#no-js-hint")).to_be_hidden()
    finally:
        context.close()


PICKED = """(kind) => {
  const h = CSS.highlights.get(`picked-${kind}`);
  return h ? [...h].map((r) => r.toString()) : [];
}"""


def test_source_and_cue_show_in_the_text_on_hover_and_while_editing(
    page, live_server, seeded_article, reviewer
):
    mine = factories.make_annotation(
        article=seeded_article,
        reviewer=reviewer,
        phrase=PHRASE,
        source_words="Joseph Votel",
        cue_words="said",
    )
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    assert page.evaluate(PICKED, "source") == []
    page.locator(f'#my-annotations .ann[data-ann="{mine.pk}"]').hover()
    assert page.evaluate(PICKED, "source") == ["Joseph Votel"]
    assert page.evaluate(PICKED, "cue") == ["said"]
    page.mouse.move(0, 0)
    page.wait_for_function("() => !CSS.highlights.has('picked-source')")
    # Hovering the highlight in the text shows them too; opening the annotation keeps them shown.
    page.locator("#article-text mark.hl.mine").hover()
    assert page.evaluate(PICKED, "source") == ["Joseph Votel"]
    page.locator("#article-text mark.hl.mine").click()
    expect(page.locator("#edit-annotation")).to_be_visible()
    page.mouse.move(0, 0)
    assert page.evaluate(PICKED, "source") == ["Joseph Votel"]
    page.keyboard.press("Escape")
    page.wait_for_function("() => !CSS.highlights.has('picked-source')")


def test_a_new_selection_never_replaces_a_changed_form_silently(
    page, live_server, seeded_article, reviewer
):
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    select_text(page, PHRASE)
    form = page.locator("#new-annotation")
    form.get_by_label("Subject").fill("Russia")
    select_text(page, "Russia denies")
    choice = form.locator(".replace-choice")
    expect(choice).to_contain_text("You selected “Russia denies” while this form has changes.")
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)  # not replaced yet
    choice.get_by_role("button", name="Use these words for this annotation").click()
    expect(form.locator("[data-quote-preview]")).to_have_text("Russia denies")
    expect(form.get_by_label("Subject")).to_have_value("Russia")  # what was typed stays
    assert form.locator("input[name=quote]").input_value() == "Russia denies"

    select_text(page, PHRASE)
    choice.get_by_role("button", name="Start a new annotation with them").click()
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    expect(form.get_by_label("Subject")).to_have_value("")
    expect(choice).to_have_count(0)

    form.get_by_label("Subject").fill("Iran")
    select_text(page, "Russia denies")
    expect(choice).to_be_visible()
    page.keyboard.press("Escape")  # Esc keeps the form as it is
    expect(choice).to_have_count(0)
    expect(form).to_be_visible()
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    expect(form.get_by_label("Subject")).to_have_value("Iran")


def test_a_slow_drag_is_taken_when_the_button_is_released(
    page, live_server, seeded_article, reviewer
):
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    form = page.locator("#new-annotation")
    box = phrase_box(page, PHRASE)  # on one line of the text
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y1"], steps=3)
    page.wait_for_timeout(400)  # a pause in mid-drag, longer than the selection's debounce
    expect(form).to_be_hidden()  # nothing is taken while the selection grows
    page.mouse.move(box["x2"], box["y2"], steps=3)
    page.mouse.up()
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)


def test_a_draft_survives_a_reload_and_leaving_asks_first(
    page, live_server, seeded_article, reviewer
):
    login(page, reviewer, live_server)
    url = f"{live_server.url}/articles/{seeded_article.pk}/"
    page.goto(url)
    select_text(page, PHRASE)
    form = page.locator("#new-annotation")
    fill_votel(form)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.reload()
    assert asked == ["beforeunload"]
    expect(form).to_be_visible()
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    expect(form.get_by_label("Source", exact=True)).to_have_value("Joseph Votel")
    expect(form.get_by_label("Stance")).to_have_value("asserts")
    expect(page.locator("#status")).to_contain_text("Your unsaved draft is back.")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    ann = Annotation.objects.get()
    assert (ann.quote, ann.source_actor.name, ann.confidence) == (PHRASE, "Joseph Votel", 4)

    page.reload()  # saved: no question, no draft
    assert asked == ["beforeunload"]
    expect(page.locator("#new-annotation")).to_be_hidden()

    select_text(page, "Russia denies")
    page.locator("#new-annotation").get_by_label("Subject").fill("Russia")
    page.reload()
    page.locator("#status").get_by_role("button", name="Discard draft").click()
    expect(page.locator("#new-annotation")).to_be_hidden()
    page.reload()
    expect(page.locator("#new-annotation")).to_be_hidden()
    expect(page.locator("#status")).not_to_contain_text("draft")


def test_an_annotation_made_with_the_keyboard_alone(page, live_server, seeded_article, reviewer):
    """Tab to the text, move by sentence and word, extend with Shift, A, type, Ctrl+Enter."""
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    text = page.locator("#article-text")
    for _ in range(40):
        page.keyboard.press("Tab")
        if text.evaluate("el => el === document.activeElement"):
            break
    expect(text).to_be_focused()
    target = seeded_article.text.index(PHRASE)
    caret = lambda: int(text.get_attribute("data-caret"))  # noqa: E731
    sentence_starts = []
    while True:  # by sentence up to the one that holds the phrase
        before = caret()
        sentence_starts.append(before)
        page.keyboard.press("ArrowDown")
        if caret() > target or caret() == before:
            page.keyboard.press("ArrowUp")
            break
    assert caret() <= target
    while caret() < target:  # then by word
        page.keyboard.press("ArrowRight")
    assert caret() == target
    for _ in range(len(PHRASE.split())):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#status")).to_have_text(f"Selected “{PHRASE}”. Press A to annotate.")
    page.keyboard.press("Shift+ArrowLeft")  # one word back, then forward again
    expect(page.locator("#status")).to_contain_text("Selected “Russia was supporting the”")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("a")
    form = page.locator("#new-annotation")
    expect(form.locator("[data-quote-preview]")).to_have_text(PHRASE)
    expect(form.get_by_label("Subject")).to_be_focused()
    page.keyboard.type("Russia")
    page.keyboard.press("Tab")
    page.keyboard.press("s")
    page.keyboard.press("Tab")
    page.keyboard.type("Taliban")
    for _ in range(3):
        page.keyboard.press("Tab")
    page.keyboard.type("Joseph Votel")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#my-annotations .ann")).to_have_count(1)
    ann = Annotation.objects.get()
    assert (ann.start, ann.end, ann.quote) == (target, target + len(PHRASE), PHRASE)

    # S selects the sentence at the caret; the ? overlay lists the keys.
    text.focus()
    page.keyboard.press("s")
    expect(page.locator("#status")).to_contain_text("Selected “")
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_contain_text("Move the caret by word")


def test_less_typing_actors_of_this_article_and_the_last_claim(
    page, live_server, seeded_article, reviewer
):
    factories.make_annotation(
        article=seeded_article,
        reviewer=reviewer,
        phrase="Russia denies",
        claim=factories.make_claim("Russia", "supports", "Taliban"),
        source_kind="named",
        source_actor=factories.make_actor("Zamir Kabulov"),
        stance="denies",
    )
    login(page, reviewer, live_server)
    page.goto(f"{live_server.url}/articles/{seeded_article.pk}/")
    select_text(page, PHRASE)  # the form opens on the selection, Subject focused
    form = page.locator("#new-annotation")
    chips = form.locator("[data-recent-actors] button")
    expect(chips).to_have_text(["1 Russia", "2 Taliban", "3 Zamir Kabulov"])
    # One key in an empty actor field picks a numbered actor; focus goes on to the next empty one.
    expect(form.get_by_label("Subject")).to_be_focused()
    page.keyboard.press("1")
    expect(form.get_by_label("Subject")).to_have_value("Russia")
    form.get_by_label("Object").focus()
    page.keyboard.press("2")
    expect(form.get_by_label("Object")).to_have_value("Taliban")

    # Same claim, other source: the claim and stance of the last annotation, the source left to type.
    page.keyboard.press("Alt+O")
    expect(form.get_by_label("Relation")).to_have_value("supports")
    expect(form.get_by_label("Stance")).to_have_value("denies")
    expect(form.get_by_label("Source", exact=True)).to_be_focused()
    expect(form.get_by_label("Source", exact=True)).to_have_value("")
    page.keyboard.type("Joseph Votel")
    form.get_by_label("Stance").select_option("asserts")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#my-annotations .ann")).to_have_count(2)
    saved = Annotation.objects.get(quote=PHRASE)
    assert (saved.claim.text, saved.source_actor.name) == (
        "Russia supports Taliban",
        "Joseph Votel",
    )

    # The next form offers the source just typed, and Alt+R repeats that last claim.
    select_text(page, "Taliban")
    expect(form.get_by_label("Subject")).to_be_focused()
    expect(chips).to_have_text(["1 Russia", "2 Taliban", "3 Joseph Votel", "4 Zamir Kabulov"])
    page.keyboard.press("Alt+R")
    expect(form.get_by_label("Subject")).to_have_value("Russia")
    expect(form.get_by_label("Claim text")).to_have_value("Russia supports Taliban")
    expect(form.get_by_label("Source type")).to_be_focused()
