"""Highlight markup: flat runs that rebuild the text exactly, escaped, with depth and labels."""

import re
from html import unescape

from annotate import rendering
from annotate.rendering import Mark


def runs(html: str) -> list[tuple[int, str]]:
    return [(int(s), unescape(t)) for s, t in re.findall(r'data-s="(\d+)"[^>]*>([^<]*)<', html)]


def test_runs_rebuild_the_text_and_carry_code_point_starts():
    text = 'A 🎉 <b>bold</b> & "quoted" claim.'
    marks = [Mark(1, 2, 9, "asserts", True), Mark(2, 5, 20, "denies", True)]
    html = rendering.render_text(text, marks, {1: 1, 2: 2})
    parts = runs(html)
    assert "".join(t for _, t in parts) == text
    for start, chunk in parts:
        assert text[start : start + len(chunk)] == chunk  # data-s is a code-point offset
    assert "<b>" not in html and "</b>" not in html and "&lt;" in html and "&amp;" in html


def test_nesting_depth_stance_and_labels():
    text = "Russia was supporting the Taliban."
    outer = Mark(10, 0, 33, "asserts", True)
    inner = Mark(11, 7, 21, "questions", True)
    html = rendering.render_text(text, [outer, inner], {10: 1, 11: 2})
    assert '<mark class="hl mine s-asserts d1" data-s="0" data-ids="10" data-label="1">' in html
    assert 'class="hl mine s-questions d2" data-s="7" data-ids="10 11" data-label="2"' in html
    assert 'class="hl mine s-asserts d1" data-s="21" data-ids="10">' in html


def test_others_marked_separately_and_mixed_runs_flagged():
    text = "0123456789"
    html = rendering.render_text(
        text, [Mark(1, 0, 5, "asserts", True), Mark(2, 3, 8, "denies", False)], {1: 1}
    )
    assert 'class="hl mine s-asserts d2 with-others" data-s="3" data-ids="1 2"' in html
    assert 'class="hl other d1" data-s="5" data-ids="2"' in html


def test_depth_is_capped_but_all_ids_listed():
    marks = [Mark(i, 0, 4, "reports", True) for i in range(1, 7)]
    html = rendering.render_text("abcd", marks, {})
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
        labels={5: 3},
        edit_url="/annotations/0/edit/",
        page_url="/articles/1/",
        editable=True,
    )
    assert "Russia &lt;arms&gt; Taliban" in html and "an &lt;official&gt;" in html
    assert (
        'hx-get="/annotations/5/edit/"' in html and 'href="/articles/1/?edit=5#form-slot"' in html
    )
    assert '<span class="num" aria-hidden="true">3</span>' in html
    assert "Denies" in html and "Possible · confidence 2/5" in html


def test_read_only_items_with_review_forms():
    html = rendering.render_items(
        [_row(source_kind="named", source_name="Votel", status="accepted")],
        labels={},
        edit_url="",
        page_url="/articles/1/",
        editable=False,
        review_url="/annotations/0/review/",
        csrf_token="tok",
    )
    assert "hx-get" not in html and 'hx-post="/annotations/5/review/"' in html
    assert 'value="tok"' in html and "Accepted" in html and "Votel (an &lt;official&gt;)" in html
