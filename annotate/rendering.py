"""Server-side markup for the workspace: the highlighted article text and the annotation list.

Built in Python from spans.segments() rather than with per-annotation template includes, because
the workspace must render 1,000 annotations on a 20,000-character article in a few milliseconds.
Every piece of text (article and user-typed) goes through html.escape here; the result is marked
safe only at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe

from annotate import spans
from annotate.models import AnnotationQuerySet, Certainty, SourceKind, Stance, Status

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
)


def rows(queryset: AnnotationQuerySet) -> list[AnnotationRow]:
    """The workspace's columns for `queryset`, in its order, in one query."""
    make = AnnotationRow._make
    return [make(r) for r in queryset.values_list(*ROW_FIELDS)]


def marks_for(annotations: Iterable[AnnotationRow], *, mine: bool) -> list[Mark]:
    return [Mark(a.id, a.start, a.end, a.stance, mine) for a in annotations]


def render_text(
    text: str, marks: Sequence[Mark], labels: dict[int, int] | None = None
) -> SafeString:
    """The article text as flat runs: `<span data-s>` for plain text, `<mark>` for annotated text.

    Each run carries `data-s`, its start offset in code points, so the browser can turn a selection
    into code-point offsets exactly (see annotate.js). Overlaps are flat runs covered by several
    spans: `data-ids` lists them all, `d1`…`d4` says how deeply they stack. Where one of mine
    starts, `data-label` carries its number from the list (drawn by CSS, so it is never part of the
    selectable text and never shifts an offset).
    """
    by_id = {m.id: m for m in marks}
    labels = labels or {}
    starts: dict[int, list[str]] = {}
    for m in marks:
        if m.mine and m.id in labels:
            starts.setdefault(m.start, []).append(str(labels[m.id]))
    out: list[str] = []
    append = out.append
    for seg in spans.segments(text, ((m.id, m.start, m.end) for m in marks)):
        body = escape(seg.text, quote=False)
        if not seg.keys:
            append(f'<span data-s="{seg.start}">{body}</span>')
            continue
        own = [by_id[k] for k in seg.keys if by_id[k].mine]
        depth = min(len(seg.keys), MAX_DEPTH)
        if own:
            # The innermost (latest-starting) of my spans decides the colour and line style.
            classes = f"hl mine s-{own[-1].stance} d{depth}"
            if len(own) < len(seg.keys):
                classes += " with-others"
        else:
            classes = f"hl other d{depth}"
        ids = " ".join(str(k) for k in seg.keys)
        label = starts.get(seg.start)
        label_attr = f' data-label="{",".join(label)}"' if label else ""
        append(
            f'<mark class="{classes}" data-s="{seg.start}" data-ids="{ids}"{label_attr}>'
            f"{body}</mark>"
        )
    return mark_safe("".join(out))


def _source(a: AnnotationRow) -> str:
    if a.source_kind == SourceKind.AUTHOR:
        return "Author of the article"
    if a.source_kind == SourceKind.NAMED and a.source_name:
        name = a.source_name
        return f"{name} ({a.source_description})" if a.source_description else name
    return a.source_description or "Unnamed source"


def render_items(
    annotations: Iterable[AnnotationRow],
    *,
    labels: dict[int, int],
    edit_url: str,
    page_url: str,
    editable: bool,
    review_url: str = "",
    csrf_token: str = "",
) -> SafeString:
    """The side-panel list items, one `<li>` per annotation, in the order given.

    `edit_url` and `review_url` contain the placeholder 0 for the annotation id. Own items link to
    their edit form (htmx GET with a plain `?edit=` href fallback); others' items are read-only and,
    when `review_url` is given (curators), carry Accept / Reject forms.
    """
    out: list[str] = []
    append = out.append
    for a in annotations:
        claim = escape(a.claim_text)
        quote = escape(a.quote if len(a.quote) <= 140 else a.quote[:139] + "…")
        stance = STANCE_LABELS.get(a.stance, a.stance)
        certainty = CERTAINTY_LABELS.get(a.certainty, a.certainty)
        number = labels.get(a.id, "")
        meta = (
            f'<span class="chip s-{a.stance}">{stance}</span> '
            f'<span class="meta">{certainty} · confidence {a.confidence}/5</span>'
        )
        head = (
            f'<span class="num" aria-hidden="true">{number}</span>'
            f'<span class="claim">{claim}</span>'
            f'<span class="source">{escape(_source(a))}</span>'
            f'<span class="badges">{meta}</span>'
            f'<q class="quote">{quote}</q>'
        )
        if editable:
            url = edit_url.replace("/0/", f"/{a.id}/")
            append(
                f'<li class="ann" data-ann="{a.id}" data-start="{a.start}">'
                f'<a class="ann-link" href="{page_url}?edit={a.id}#form-slot" hx-get="{url}" '
                f'hx-target="#form-slot" hx-swap="innerHTML" '
                f'aria-label="Annotation {number}: {claim}, {stance}. Edit">{head}</a></li>'
            )
            continue
        status = f'<span class="status status-{a.status}">{STATUS_LABELS[a.status]}</span>'
        review = ""
        if review_url:
            url = escape(review_url.replace("/0/", f"/{a.id}/"))
            review = (
                f'<form class="review" method="post" action="{url}" hx-post="{url}" '
                f'hx-target="closest li" hx-swap="outerHTML">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
                f'<label class="visually-hidden" for="rc-{a.id}">Comment</label>'
                f'<input id="rc-{a.id}" name="comment" placeholder="Comment (optional)" '
                f'value="{escape(a.curator_comment)}">'
                f'<button name="status" value="accepted" type="submit">Accept</button>'
                f'<button name="status" value="rejected" type="submit" class="danger">Reject'
                f"</button></form>"
            )
        append(
            f'<li class="ann other-ann" data-ann="{a.id}" data-start="{a.start}" tabindex="0">'
            f"{head}{status}{review}</li>"
        )
    return mark_safe("".join(out))
