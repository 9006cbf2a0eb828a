"""Server-side markup for the workspace: the highlighted article text and the annotation list.

Built in Python from spans.segments() rather than with per-annotation template includes, because
the workspace must render 1,000 annotations on a 20,000-character article in a few milliseconds.
Every piece of text (article and user-typed) goes through html.escape here; the result is marked
safe only at the end.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from annotate import spans
from annotate.models import (
    AnnotationQuerySet,
    Certainty,
    Stance,
    Status,
    confidence_label,
    source_label,
)

STANCE_LABELS = dict(Stance.choices)
CERTAINTY_LABELS = dict(Certainty.choices)
STATUS_LABELS = dict(Status.choices)
#: Depth classes stop here: deeper nesting looks the same as this (the data-ids still list all).
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Mark:
    """What the text renderer needs to know about one span."""

    id: int
    start: int
    end: int
    stance: str
    mine: bool
    #: Another reviewer's initials, shown where their span starts (empty for mine).
    who: str = ""


def initials(username: str) -> str:
    """A reviewer's initials as the text shows them on their highlights: "cora.li" → "CL",
    "bob" → "BO" (two letters, so two reviewers of one initial are still told apart)."""
    parts = [p for p in re.split(r"[^\w]+|_", username) if p]
    if len(parts) >= 2:
        return (parts[0][0] + parts[1][0]).upper()
    return (parts[0][:2] if parts else username[:2]).upper()


class AnnotationRow(NamedTuple):
    """The columns the workspace shows, read with one joined values_list query.

    A thousand model instances (with claim, actors and users) cost more than the whole rest of the
    page, so the workspace reads plain tuples instead.
    """

    id: int
    start: int
    end: int
    quote: str
    stance: str
    certainty: str
    confidence: int
    source_kind: str
    source_name: str | None
    source_description: str
    claim_text: str
    reviewer_id: int
    reviewer_name: str
    status: str
    curator_comment: str
    # Where the source and the cue are in the text, shown when the annotation is hovered or open.
    source_start: int | None = None
    source_end: int | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    # Review state: an edit or delete after a verdict sends it back to pending (issue 10).
    changed_after_review: bool = False
    version: int = 1
    curator_name: str | None = None
    # The source entity (annotate.models.Source), for the form's "same source as" choices
    # (services.sources_offered_in): read with the rows rather than in a query of their own.
    source_id: int | None = None
    source_entity_description: str | None = None
    source_affiliation_name: str | None = None


ROW_FIELDS = (
    "id",
    "start",
    "end",
    "quote",
    "stance",
    "certainty",
    "confidence",
    "source_kind",
    "source_actor__name",
    "source_description",
    "claim__text",
    "reviewer_id",
    "reviewer__username",
    "status",
    "curator_comment",
    "source_start",
    "source_end",
    "cue_start",
    "cue_end",
    "changed_after_review",
    "version",
    "curator__username",
    "source_id",
    "source__description",
    "source__affiliation__name",
)


def rows(queryset: AnnotationQuerySet) -> list[AnnotationRow]:
    """The workspace's columns for `queryset`, in its order, in one query."""
    make = AnnotationRow._make
    return [make(r) for r in queryset.values_list(*ROW_FIELDS)]


def marks_for(annotations: Iterable[AnnotationRow], *, me: int) -> list[Mark]:
    """Marks for render_text: `me`'s first, then the others', each in the order given.

    The whole page and the chunks a save sends must list tied spans in the same order, so both
    build their marks here.
    """
    rows = list(annotations)
    return [Mark(a.id, a.start, a.end, a.stance, True) for a in rows if a.reviewer_id == me] + [
        Mark(a.id, a.start, a.end, a.stance, False, initials(a.reviewer_name))
        for a in rows
        if a.reviewer_id != me
    ]


#: A chunk of the article text ends after a paragraph's line breaks, or at a space once it is this
#: long. Chunks depend on the text alone (frozen once annotated), so their ids are stable.
CHUNK_MAX = 2000
_PARAGRAPH_END = re.compile(r"\n+")


def chunk_bounds(text: str) -> list[int]:
    """Where the text's chunks start, then len(text): [0, …, len(text)] ([0] for no text).

    The workspace renders one element per chunk (`id="chunk-<start>"`); a save sends back only the
    chunks its spans touch, swapped in by id (htmx out-of-band), so the rest of the text stays.
    """
    bounds = [0]

    def close(end: int) -> None:
        while end - bounds[-1] > CHUNK_MAX:  # a long paragraph: cut after a space
            limit = bounds[-1] + CHUNK_MAX
            space = text.rfind(" ", bounds[-1] + 1, limit)
            bounds.append(space + 1 if space > bounds[-1] else limit)
        if end > bounds[-1]:
            bounds.append(end)

    for paragraph_end in _PARAGRAPH_END.finditer(text):
        close(paragraph_end.end())
    close(len(text))
    return bounds


def chunk_windows(text: str, ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of whole chunks that the spans `ranges` touch, merged where they meet."""
    bounds = chunk_bounds(text)
    windows: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        lo = bounds[bisect_right(bounds, start) - 1]
        hi = bounds[bisect_left(bounds, end)]
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    return windows


def render_text(
    text: str, marks: Sequence[Mark], *, window: tuple[int, int] | None = None, oob: bool = False
) -> SafeString:
    """The article text as chunks of flat runs: `<span data-s>` for plain text, `<mark>` for
    annotated text, inside one `<span class="chunk" id="chunk-<start>">` per chunk_bounds() chunk.

    Each run carries `data-s`, its start offset in code points, so the browser can turn a selection
    into code-point offsets exactly (see annotate.js). Overlaps are flat runs covered by several
    spans: `data-ids` lists them all, `d1`…`d4` says how deeply they stack. Where some of mine
    start, `data-label` says how many; CSS numbers them with a counter (so a save can replace a
    few chunks without renumbering the rest, and the number is never selectable text). A span
    that crosses a chunk's edge is a run in each chunk.

    `window=(lo, hi)`, two chunk bounds, renders only the chunks in between (what a save sends);
    `oob` marks each chunk `hx-swap-oob="true"`, so htmx swaps it in for the chunk with its id.
    """
    lo, hi = window or (0, len(text))
    bounds = chunk_bounds(text)
    cuts = [b for b in bounds if lo <= b <= hi]
    if not cuts or cuts[0] != lo or cuts[-1] != hi:
        raise ValueError(f"Window {lo}–{hi} does not start and end at chunk bounds.")
    # Outermost first by the unclipped spans, so a window lists keys exactly as the whole text does.
    shown = sorted(
        (m for m in marks if m.start < hi and m.end > lo), key=lambda m: (m.start, -m.end)
    )
    clipped = [(m.id, max(m.start, lo) - lo, min(m.end, hi) - lo) for m in shown]
    my_stance = {m.id: m.stance for m in shown if m.mine}
    their_stance = {m.id: m.stance for m in shown if not m.mine}
    any_others = len(my_stance) < len(shown)
    # Whose spans start where: the first run of another reviewer's span names them.
    others_starting: dict[int, list[str]] = {}
    for m in shown:
        if not m.mine and m.who and m.start >= lo and m.who not in others_starting.get(m.start, []):
            others_starting.setdefault(m.start, []).append(m.who)
    mine_starting: dict[int, int] = {}
    for m in shown:
        if m.mine and m.start >= lo:
            mine_starting[m.start] = mine_starting.get(m.start, 0) + 1
    oob_attr = ' hx-swap-oob="true"' if oob else ""
    chunk_starts = iter(cuts)
    next_chunk = next(chunk_starts)
    out: list[str] = []
    append = out.append
    relative_cuts = [c - lo for c in cuts]
    for seg in spans.segments(text[lo:hi], clipped, ordered=True, cuts=relative_cuts):
        start = seg.start + lo
        if start == next_chunk:
            if start != lo:
                append("</span>")
            append(f'<span class="chunk" id="chunk-{start}"{oob_attr}>')
            next_chunk = next(chunk_starts)
        keys = seg.keys
        body = escape(seg.text, quote=False)
        if not keys:
            append(f'<span data-s="{start}">{body}</span>')
            continue
        depth = len(keys) if len(keys) < MAX_DEPTH else MAX_DEPTH
        # The innermost (latest-starting) of my spans decides the colour and line style.
        stance = next((my_stance[k] for k in reversed(keys) if k in my_stance), None)
        if stance is None:
            # Another reviewer's stance colours it too: the innermost of theirs decides.
            theirs = next(their_stance[k] for k in reversed(keys) if k in their_stance)
            classes = f"hl other s-{theirs} d{depth}"
        elif any_others and any(k not in my_stance for k in keys):
            classes = f"hl mine s-{stance} d{depth} with-others"
        else:
            classes = f"hl mine s-{stance} d{depth}"
        ids = " ".join(map(str, keys))
        count = mine_starting.get(start, 0)
        # With several starting here, the counter steps over the others too: annotate.css has a
        # rule per count (no style attribute: the Content-Security-Policy allows none).
        label_attr = f' data-label="{count}"' if count else ""
        who = others_starting.get(start)
        if who:
            label_attr += f' data-who="{escape(" ".join(who))}"'
        append(
            f'<mark class="{classes}" data-s="{start}" data-ids="{ids}"{label_attr}>{body}</mark>'
        )
    if out:
        append("</span>")
    return mark_safe("".join(out))


def _source(a: AnnotationRow) -> str:
    return source_label(a.source_kind, a.source_name, a.source_description)


def _picked_spans(a: AnnotationRow) -> str:
    """`data-source` / `data-cue` ("start end", code points) for annotate.js to outline on hover."""
    out = ""
    if a.source_start is not None and a.source_end is not None:
        out += f' data-source="{a.source_start} {a.source_end}"'
    if a.cue_start is not None and a.cue_end is not None:
        out += f' data-cue="{a.cue_start} {a.cue_end}"'
    return out


#: The reviewer's list filter (`?verdict=`): what to act on after a curator's feedback.
VERDICT_FILTERS = {"rejected": "Rejected", "changed": "Changed after review"}


def matches_verdict(a: AnnotationRow, verdict: str) -> bool:
    """Whether `a` is in the VERDICT_FILTERS filter `verdict` ("" matches everything)."""
    if verdict == "rejected":
        return a.status == Status.REJECTED
    if verdict == "changed":
        return a.changed_after_review
    return True


def _verdict(a: AnnotationRow, *, comment: bool = True) -> str:
    """The status badge, "changed after review" and the curator's comment (escaped; left out
    with `comment=False`, where the review form shows it in its field)."""
    out = f'<span class="status status-{a.status}">{STATUS_LABELS[a.status]}</span>'
    if a.status != Status.PENDING and a.curator_name:
        out += f' <span class="meta">by {escape(a.curator_name)}</span>'
    if a.changed_after_review:
        out += ' <span class="status changed-after-review">changed after review</span>'
    if comment and a.curator_comment:
        out += (
            f'<span class="curator-comment"><span class="visually-hidden">Curator\'s comment: '
            f"</span>{escape(a.curator_comment)}</span>"
        )
    return out


def _history(url: str) -> str:
    """An item's History disclosure: opening it loads the events (htmx, once); without
    JavaScript it holds a link to the history page. `url` is the item's annotation-history URL."""
    # Short: a thousand items carry one each (htmx swaps innerHTML by default).
    return (
        f'<details class="history" hx-get="{url}" hx-trigger="toggle once" hx-target="find div">'
        f'<summary>History</summary><div><a href="{url}">Open the history</a></div></details>'
    )


def render_items(
    annotations: Iterable[AnnotationRow],
    *,
    edit_url: str,
    page_url: str,
    editable: bool,
    review_url: str = "",
    csrf_token: str = "",
    verdict: str = "",
    adjudicate_url: str = "",
) -> SafeString:
    """The side-panel list items, one `<li>` per annotation, in the order given.

    `edit_url` and `review_url` contain the placeholder 0 for the annotation id. Own items link to
    their edit form (htmx GET with a plain `?edit=` href fallback); others' items are read-only and,
    when `review_url` is given (curators), carry Accept / Reject forms, and with `adjudicate_url`
    (the article's adjudication view) a link to the item's passage there. `verdict` (a
    VERDICT_FILTERS key) folds away the items it does not match (class "filtered-out": still
    counted, so the list's numbers keep matching the text's, and a save's swaps find their place).
    """
    out: list[str] = []
    append = out.append
    history_url = reverse("annotate:annotation-history", args=[0])
    for a in annotations:
        history = _history(history_url.replace("/0/", f"/{a.id}/"))
        spans = _picked_spans(a)
        # What the panel's filter bar matches on (annotate.js, "list filter").
        spans += f' data-stance="{escape(a.stance)}" data-status="{escape(a.status)}"'
        folded = " filtered-out" if verdict and not matches_verdict(a, verdict) else ""
        claim = escape(a.claim_text)
        quote = escape(a.quote if len(a.quote) <= 140 else a.quote[:139] + "…")
        stance = STANCE_LABELS.get(a.stance, a.stance)
        certainty = CERTAINTY_LABELS.get(a.certainty, a.certainty)
        meta = (
            f'<span class="chip s-{a.stance}">{stance}</span> '
            f'<span class="meta">{certainty} · confidence {confidence_label(a.confidence)}</span>'
        )
        head = (
            f'<span class="num" aria-hidden="true"></span>'
            f'<span class="claim">{claim}</span>'
            f'<span class="source">{escape(_source(a))}</span>'
            f'<span class="badges">{meta}</span>'
            f'<q class="quote">{quote}</q>'
        )
        if editable:
            url = edit_url.replace("/0/", f"/{a.id}/")
            # The link is named by its visible text (claim, source, stance, quote), so speech
            # input can click it by what it shows; the hidden word says what the link does.
            append(
                f'<li class="ann{folded}" data-ann="{a.id}" id="ann-{a.id}"{spans}>'
                f'<a class="ann-link" href="{page_url}?edit={a.id}#form-slot" hx-get="{url}" '
                f'hx-target="#form-slot" hx-swap="innerHTML">{head}'
                f'<span class="visually-hidden"> (edit)</span></a>'
                f'<span class="verdict">{_verdict(a)}</span>{history}</li>'
            )
            continue
        status = f'<span class="verdict">{_verdict(a, comment=not review_url)}</span>'
        review = ""
        if review_url:
            url = escape(review_url.replace("/0/", f"/{a.id}/"))
            review = (
                f'<form class="review" method="post" action="{url}" hx-post="{url}" '
                f'hx-target="closest li" hx-swap="outerHTML">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
                f'<input type="hidden" name="version" value="{a.version}">'
                f'<label class="visually-hidden" for="rc-{a.id}">Comment</label>'
                f'<input id="rc-{a.id}" name="comment" placeholder="Comment (optional)" '
                f'value="{escape(a.curator_comment)}">'
                f'<button name="status" value="accepted" type="submit">Accept</button>'
                f'<button name="status" value="rejected" type="submit" class="danger">Reject'
                f"</button></form>"
            )
        if adjudicate_url:  # curators: this version beside the others of its passage
            review += (
                f'<a class="compare" href="{escape(adjudicate_url)}#ann-{a.id}">'
                f"Compare versions</a>"
            )
        append(
            f'<li class="ann other-ann{folded}" data-ann="{a.id}" tabindex="0"{spans}>'
            f"{head}{status}{review}{history}</li>"
        )
    return mark_safe("".join(out))
