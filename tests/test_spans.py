"""Property tests for the pure offset maths, including text outside the Basic Multilingual Plane."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate import spans
from annotate.spans import SpanError

# Letters, spaces, newlines and a generous share of astral characters (emoji, CJK extension B).
ALPHABET = st.one_of(
    st.sampled_from("ab \nRussiaTaliban.é"),
    st.sampled_from("😀🇺🇸𝔘𠀀🙂"),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
texts = st.text(alphabet=ALPHABET, max_size=60)
nonempty_texts = st.text(alphabet=ALPHABET, min_size=1, max_size=60)


@st.composite
def text_and_span(draw, text_strategy=nonempty_texts):
    text = draw(text_strategy)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


@st.composite
def text_and_spans(draw):
    text = draw(nonempty_texts)
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, len(text) - 1), st.integers(1, len(text))).filter(
                lambda p: p[0] < p[1]
            ),
            max_size=8,
        )
    )
    return text, [(f"k{i}", s, e) for i, (s, e) in enumerate(pairs)]


# ---------------------------------------------------------------- segments


@given(text_and_spans())
def test_segments_concatenate_to_the_text(case):
    text, items = case
    result = spans.segments(text, items)
    assert "".join(seg.text for seg in result) == text
    position = 0
    for seg in result:
        assert seg.start == position and seg.end > seg.start
        assert text[seg.start : seg.end] == seg.text
        position = seg.end
    assert position == len(text)


@given(text_and_spans())
def test_each_segment_lists_exactly_the_spans_covering_it(case):
    text, items = case
    result = spans.segments(text, items)
    for seg in result:
        covering = {key for key, s, e in items if s <= seg.start and seg.end <= e}
        assert set(seg.keys) == covering
        assert len(seg.keys) == len(covering)
        # No span starts or ends strictly inside a segment: it is uniformly covered.
        for _, s, e in items:
            assert not seg.start < s < seg.end and not seg.start < e < seg.end
    # Maximal: neighbours differ in their keys.
    for left, right in zip(result, result[1:], strict=False):
        assert set(left.keys) != set(right.keys)


@given(text_and_spans())
def test_segment_keys_are_outermost_first(case):
    text, items = case
    order = {key: (s, -e) for key, s, e in items}
    for seg in spans.segments(text, items):
        assert list(seg.keys) == sorted(seg.keys, key=lambda k: (order[k], int(k[1:])))


def test_segments_nested_and_overlapping_example():
    text = "Russia arms 😀 the Taliban"
    outer = ("outer", 0, len(text))
    inner = ("inner", 7, 13)
    result = spans.segments(text, [inner, outer])
    assert [(s.text, s.keys) for s in result] == [
        ("Russia ", ("outer",)),
        ("arms 😀", ("outer", "inner")),
        (" the Taliban", ("outer",)),
    ]


def test_segments_of_empty_text_and_no_spans():
    assert spans.segments("", []) == []
    (only,) = spans.segments("plain", [])
    assert only.keys == () and only.text == "plain"


def test_segments_reject_an_invalid_span():
    with pytest.raises(SpanError):
        spans.segments("abc", [("bad", 2, 5)])


# ---------------------------------------------------------------- validate_span


@given(text_and_span())
def test_valid_spans_pass_with_their_quote(case):
    text, start, end = case
    spans.validate_span(text, start, end, text[start:end])
    spans.validate_span(text, start, end)  # without a quote, only the offsets are checked


@given(text_and_span())
def test_mismatched_quote_is_refused(case):
    text, start, end = case
    wrong = text[start:end] + "x"
    with pytest.raises(SpanError, match="Quote does not match"):
        spans.validate_span(text, start, end, wrong)


@given(text_and_span())
def test_empty_and_reversed_spans_are_refused(case):
    text, start, end = case
    with pytest.raises(SpanError, match="is empty"):
        spans.validate_span(text, start, start)
    with pytest.raises(SpanError, match="is empty"):
        spans.validate_span(text, end, start)


@given(texts, st.integers(1, 5))
def test_out_of_range_spans_are_refused(text, extra):
    with pytest.raises(SpanError, match="runs past the end"):
        spans.validate_span(text, 0, len(text) + extra)
    with pytest.raises(SpanError, match="starts before the text"):
        spans.validate_span(text, -extra, len(text))


@pytest.mark.parametrize(("start", "end"), [("1", 3), (1.0, 3), (True, 3), (0, None)])
def test_non_integer_offsets_are_refused(start, end):
    with pytest.raises(SpanError, match="integers"):
        spans.validate_span("abcdef", start, end)


def test_error_messages_name_the_problem():
    with pytest.raises(SpanError) as excinfo:
        spans.validate_span("x" * 200, 120, 80)
    assert str(excinfo.value) == "Span 120–80 is empty: end must be after start."
    with pytest.raises(SpanError) as excinfo:
        spans.validate_span("Russia 😀", 7, 8, "🙂")
    assert "expected '😀', got '🙂'" in str(excinfo.value)


# ---------------------------------------------------------------- context, overlap, snippet


@given(text_and_span(), st.integers(0, 40))
def test_context_is_at_most_width_code_points(case, width):
    text, start, end = case
    before, after = spans.context(text, start, end, width)
    assert len(before) == min(width, start)
    assert len(after) == min(width, len(text) - end)
    assert text[start - len(before) : start] == before
    assert text[end : end + len(after)] == after


def test_context_default_width_is_32_code_points():
    text = "😀" * 50 + "Russia" + "🙂" * 50
    before, after = spans.context(text, 50, 56)
    assert spans.CONTEXT_WIDTH == 32
    assert before == "😀" * 32 and after == "🙂" * 32


@given(st.integers(0, 50), st.integers(1, 20), st.integers(0, 50), st.integers(1, 20))
def test_overlap_counts_shared_code_points(a_start, a_len, b_start, b_len):
    a_end, b_end = a_start + a_len, b_start + b_len
    shared = len(set(range(a_start, a_end)) & set(range(b_start, b_end)))
    assert spans.overlap(a_start, a_end, b_start, b_end) == shared
    assert spans.overlap(b_start, b_end, a_start, a_end) == shared


def test_overlap_examples():
    assert spans.overlap(0, 5, 5, 9) == 0  # touching is not overlapping
    assert spans.overlap(0, 10, 2, 4) == 2  # nested
    assert spans.overlap(0, 5, 3, 9) == 2


@given(text_and_span())
def test_snippet_stays_within_the_line(case):
    text, start, end = case
    before, quote, after = spans.snippet(text, start, end, width=10)
    assert quote == text[start:end]
    assert "\n" not in before and "\n" not in after
    assert len(before) <= 10 and len(after) <= 10
    assert text[start - len(before) : start] == before
    assert text[end : end + len(after)] == after


def test_line_starts():
    assert list(spans.line_starts("ab\ncd\n")) == [0, 3, 6]
