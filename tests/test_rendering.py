"""Highlight markup: flat runs that rebuild the text exactly, escaped, with depth and labels."""

import re
from html import unescape
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import rendering
from annotate.rendering import Mark
from tests.markup import apply_swaps, outer, parse_page


def runs(html: str) -> list[tuple[int, str]]:
    return [(int(s), unescape(t)) for s, t in re.findall(r'data-s="(\d+)"[^>]*>([^<]*)<', html)]


def test_runs_rebuild_the_text_and_carry_code_point_starts():
    text = 'A 🎉 <b>bold</b> & "quoted" claim.'
    marks = [Mark(1, 2, 9, "asserts", True), Mark(2, 5, 20, "denies", True)]
    html = rendering.render_text(text, marks)
    parts = runs(html)
    assert "".join(t for _, t in parts) == text
    for start, chunk in parts:
        assert text[start : start + len(chunk)] == chunk  # data-s is a code-point offset
    assert "<b>" not in html and "</b>" not in html and "&lt;" in html and "&amp;" in html


def test_nesting_depth_stance_and_labels():
    text = "Russia was supporting the Taliban."
    outer = Mark(10, 0, 33, "asserts", True)
    inner = Mark(11, 7, 21, "questions", True)
    html = rendering.render_text(text, [outer, inner])
    assert '<mark class="hl mine s-asserts d1" data-s="0" data-ids="10" data-label="1">' in html
    assert 'class="hl mine s-questions d2" data-s="7" data-ids="10 11" data-label="1"' in html
    assert 'class="hl mine s-asserts d1" data-s="21" data-ids="10">' in html


def test_others_marked_separately_and_mixed_runs_flagged():
    text = "0123456789"
    html = rendering.render_text(
        text, [Mark(1, 0, 5, "asserts", True), Mark(2, 3, 8, "denies", False)]
    )
    assert 'class="hl mine s-asserts d2 with-others" data-s="3" data-ids="1 2"' in html
    # Another reviewer's span carries its stance colour too.
    assert 'class="hl other s-denies d1" data-s="5" data-ids="2"' in html


def test_depth_is_capped_but_all_ids_listed():
    marks = [Mark(i, 0, 4, "reports", True) for i in range(1, 7)]
    html = rendering.render_text("abcd", marks)
    assert 'class="hl mine s-reports d4"' in html and 'data-ids="1 2 3 4 5 6"' in html


def _row(**overrides):
    values = dict(
        id=5,
        start=0,
        end=4,
        quote="<q>",
        stance="denies",
        certainty="possible",
        confidence=2,
        source_kind="unnamed",
        source_name=None,
        source_description="an <official>",
        claim_text="Russia <arms> Taliban",
        reviewer_id=1,
        reviewer_name="rita",
        status="pending",
        curator_comment="",
    )
    values.update(overrides)
    return rendering.AnnotationRow(**values)


def test_items_escape_user_text_and_link_to_edit():
    html = rendering.render_items(
        [_row()],
        edit_url="/annotations/0/edit/",
        page_url="/articles/1/",
        editable=True,
    )
    assert "Russia &lt;arms&gt; Taliban" in html and "an &lt;official&gt;" in html
    assert "&lt;q&gt;" in html  # the quote
    assert "<arms>" not in html and "<official>" not in html and "<q>" not in html
    assert (
        'hx-get="/annotations/5/edit/"' in html and 'href="/articles/1/?edit=5#form-slot"' in html
    )
    assert '<span class="num" aria-hidden="true"></span>' in html  # numbered by a CSS counter
    assert "Denies" in html and "Possible · confidence 2/5" in html


def test_read_only_items_with_review_forms():
    html = rendering.render_items(
        [_row(source_kind="named", source_name="Votel", status="accepted")],
        edit_url="",
        page_url="/articles/1/",
        editable=False,
        review_url="/annotations/0/review/",
        csrf_token="tok",
    )
    assert "/edit/" not in html and 'hx-post="/annotations/5/review/"' in html
    assert 'hx-get="/annotations/5/history/"' in html  # only the History disclosure loads
    assert 'value="tok"' in html and "Accepted" in html and "Votel (an &lt;official&gt;)" in html


def test_several_of_mine_starting_together_step_the_css_counter():
    marks = [Mark(1, 0, 4, "asserts", True), Mark(2, 0, 2, "denies", True)]
    marks.append(Mark(3, 0, 3, "reports", False))
    html = rendering.render_text("abcd", marks)
    assert 'data-s="0" data-ids="1 3 2" data-label="2">' in html


@st.composite
def text_and_marks(draw):
    text = draw(st.text(alphabet="ab <&🎉\n", min_size=2, max_size=40))
    n = draw(st.integers(min_value=0, max_value=8))
    marks = []
    for i in range(n + 1):
        start = draw(st.integers(min_value=0, max_value=len(text) - 1))
        end = draw(st.integers(min_value=start + 1, max_value=len(text)))
        stance = draw(st.sampled_from(["asserts", "denies", "reports", "questions"]))
        marks.append(Mark(i + 1, start, end, stance, draw(st.booleans())))
    moved = draw(st.booleans())  # the last mark is new, or an edit of one that was elsewhere
    old_start = draw(st.integers(min_value=0, max_value=len(text) - 1))
    old_end = draw(st.integers(min_value=old_start + 1, max_value=len(text)))
    return text, marks, (old_start, old_end) if moved else None


@given(text_and_marks())
@settings(max_examples=300)
def test_the_chunks_a_save_touches_swapped_into_the_old_text_give_the_new_text(case):
    """The save's text swaps: the chunks around the saved span (and its old place after an edit),
    rendered alone and swapped in by id as htmx does, give exactly the text as it is now. Chunks
    are cut short here (7 code points) so that spans cross chunk edges and long paragraphs split."""
    text, marks, was = case
    *others, saved = marks
    old = others + ([Mark(saved.id, *was, "reports", saved.mine)] if was else [])
    with mock.patch.object(rendering, "CHUNK_MAX", 7):
        windows = rendering.chunk_windows(text, [(saved.start, saved.end), *([was] if was else [])])
        swaps = "".join(
            rendering.render_text(text, marks, window=window, oob=True) for window in windows
        )
        page = parse_page(f'<div id="article-text">{rendering.render_text(text, old)}</div>')
        applied = apply_swaps(page, swaps)
        now = parse_page(f'<div id="article-text">{rendering.render_text(text, marks)}</div>')
        chunks = len(rendering.chunk_bounds(text)) - 1
    assert outer(page, "article-text") == outer(now, "article-text")
    assert applied == ["true"] * len(applied) and 0 < len(applied) <= chunks


def test_chunks_end_after_paragraphs_or_at_a_space_in_long_ones():
    text = "First line.\n\nSecond " + "word " * 500 + "end.\nLast"
    bounds = rendering.chunk_bounds(text)
    assert bounds[:2] == [0, len("First line.\n\n")] and bounds[-1] == len(text)
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    assert "".join(pieces) == text
    assert all(len(p) <= rendering.CHUNK_MAX for p in pieces)
    assert all(p.endswith((" ", "\n")) for p in pieces[:-1]) and pieces[-1] == "Last"
    assert rendering.chunk_bounds("") == [0] and rendering.render_text("", []) == ""
    html = rendering.render_text(text, [Mark(1, 5, 20, "asserts", True)])
    assert html.count('<span class="chunk" id="chunk-') == len(pieces)
    assert f'<span class="chunk" id="chunk-{bounds[1]}">' in html
    # A span across the paragraph break is a run in each chunk; only the first carries its number.
    assert html.count('data-ids="1"') == 2 and html.count("data-label") == 1


def test_a_window_must_be_whole_chunks():
    with pytest.raises(ValueError, match="chunk bounds"):
        rendering.render_text("one\ntwo", [], window=(1, 4))


def test_edit_links_are_named_by_what_they_show():
    """No aria-label replacing the visible text (speech input clicks a link by what it shows);
    a hidden word says what the link does."""
    html = rendering.render_items(
        [_row()], edit_url="/annotations/0/edit/", page_url="/articles/1/", editable=True
    )
    link = parse_page(html).xpath('.//a[@class="ann-link"]')[0]
    assert link.get("aria-label") is None
    name = " ".join(link.text_content().split())
    assert name.startswith("Russia <arms> Taliban") and name.endswith("(edit)")
    assert "Denies" in name and "Possible · confidence 2/5" in name


def test_other_reviewers_spans_show_their_initials_where_they_start():
    html = rendering.render_text(
        "0123456789",
        [Mark(1, 0, 5, "asserts", False, "BO"), Mark(2, 3, 8, "denies", False, "CL")],
    )
    assert 'class="hl other s-asserts d1" data-s="0" data-ids="1" data-who="BO"' in html
    assert 'data-s="3" data-ids="1 2" data-who="CL"' in html
    assert html.count("data-who") == 2  # only where a span starts


def test_initials():
    assert rendering.initials("cora.li") == "CL"
    assert rendering.initials("bob") == "BO"
    assert rendering.initials("x") == "X"
