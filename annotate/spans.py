"""Pure offset maths. No Django here: these are the rules every write, render and export relies on.

Offsets are Unicode code points (Python ``str`` indices) into the article text, start inclusive,
end exclusive. Browsers measure UTF-16 code units: annotate.js converts before posting, and
validate_span refuses any span whose quote does not match.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Generic, NamedTuple, TypeVar

CONTEXT_WIDTH = 32

K = TypeVar("K")  # what identifies a span to the caller of segments(), e.g. an annotation id


class SpanError(ValueError):
    """A span that does not point into the text, or whose quote does not match."""


def validate_span(text: str, start: int, end: int, quote: str | None = None) -> None:
    """Raise SpanError with a message naming the problem unless text[start:end] is a valid span."""
    if isinstance(start, bool) or isinstance(end, bool):
        raise SpanError("Span offsets must be integers.")
    if not isinstance(start, int) or not isinstance(end, int):
        raise SpanError("Span offsets must be integers.")
    if start < 0:
        raise SpanError(f"Span {start}–{end} starts before the text: start must be 0 or more.")
    if end <= start:
        raise SpanError(f"Span {start}–{end} is empty: end must be after start.")
    if end > len(text):
        raise SpanError(
            f"Span {start}–{end} runs past the end of the text ({len(text)} characters)."
        )
    if quote is not None and text[start:end] != quote:
        found = text[start:end]
        raise SpanError(
            f"Quote does not match the text at {start}–{end}: expected {found!r}, got {quote!r}. "
            "Reload the article and select the words again."
        )


def context(text: str, start: int, end: int, width: int = CONTEXT_WIDTH) -> tuple[str, str]:
    """Up to `width` code points before and after the span, so a consumer can re-anchor it."""
    return text[max(0, start - width) : start], text[end : end + width]


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Number of code points two spans share (0 if disjoint)."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


class Segment(NamedTuple, Generic[K]):
    """A run of text covered by exactly the same set of spans (`keys`, in span order).

    A named tuple rather than a dataclass: the workspace builds ~2,000 of them per page view.
    """

    start: int
    end: int
    text: str
    keys: tuple[K, ...]


def segments(
    text: str,
    spans: Iterable[tuple[K, int, int]],
    *,
    ordered: bool = False,
    cuts: Iterable[int] = (),
) -> list[Segment[K]]:
    """Split `text` into maximal runs covered by the same spans, for rendering nested highlights.

    `spans` are (key, start, end); invalid spans raise SpanError. Runs with no span have empty keys.
    Concatenating every segment's text gives back `text`. O((n + k) log k) for k spans.
    Keys are listed outermost-first: by start, then longest first. `ordered=True` keeps the given
    order instead (it must have non-decreasing starts): a caller that clipped spans to a window
    passes them in their unclipped order, so ties the clipping made still break as before.
    `cuts` are offsets where a run is split even when the same spans cover both sides (the
    workspace renders its text in chunks, and no run may cross a chunk's edge).
    """
    items = list(spans)
    length = len(text)
    for _, start, end in items:
        if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
            validate_span(text, start, end)  # raises with the precise reason
    if not text:
        return []
    if not ordered:
        items.sort(key=lambda it: (it[1], -it[2]))
    elif any(a[1] > b[1] for a, b in zip(items, items[1:], strict=False)):
        raise ValueError("ordered=True needs spans with non-decreasing starts.")
    ends = {end for _, _, end in items}
    forced = {cut for cut in cuts if 0 < cut < length}
    boundaries = sorted({0, length, *(start for _, start, _ in items), *ends, *forced})
    result: list[Segment[K]] = []
    active: list[tuple[K, int, int]] = []
    keys: tuple[K, ...] = ()
    next_item, count = 0, len(items)
    for i in range(len(boundaries) - 1):
        left, right = boundaries[i], boundaries[i + 1]
        changed = False
        if left in ends and active:  # only rebuild the active list where a span ends
            active = [it for it in active if it[2] > left]
            changed = True
        while next_item < count and items[next_item][1] <= left:
            active.append(items[next_item])
            next_item += 1
            changed = True
        if changed:
            keys = tuple([it[0] for it in active])
        if result and result[-1].keys == keys and left not in forced:  # same spans: one run
            prev = result[-1]
            result[-1] = Segment(prev.start, right, prev.text + text[left:right], keys)
        else:
            result.append(Segment(left, right, text[left:right], keys))
    return result


def line_starts(text: str) -> Sequence[int]:
    """Offsets where each line begins (for context snippets)."""
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def snippet(text: str, start: int, end: int, width: int = 80) -> tuple[str, str, str]:
    """(before, quote, after) trimmed to about `width` characters on each side, within its line."""
    starts = line_starts(text)
    line_index = bisect_right(starts, start) - 1
    line_start = starts[line_index]
    line_end = text.find("\n", end)
    if line_end == -1:
        line_end = len(text)
    before = text[max(line_start, start - width) : start]
    after = text[end : min(line_end, end + width)]
    return before, text[start:end], after
