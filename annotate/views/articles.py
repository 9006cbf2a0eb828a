"""Articles list and the reviewer workspace: read, select, annotate, edit, delete, restore, done.

One template per page with named partials: htmx requests get a partial (`#results`, `#panel`, a
form's slot, or a save's out-of-band swaps), plain requests the whole page, so everything but text selection works without JavaScript. Invalid
input is answered with status 200 and the form re-rendered with its errors (htmx swaps only 2xx by
default; we keep that default everywhere); refusals (someone else's annotation, not a curator) are
403, which htmx does not swap: annotate.js shows a message instead. Whether other reviewers' work
shows (annotations, the list's counts, actor suggestions) is annotate.permissions' decision: the views
ask its Visibility and ReaderState and decide nothing themselves.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import retarget, trigger_client_event

from annotate import adjudication, rendering, services, workspace
from annotate.forms import AnnotationForm, ReviewForm
from annotate.models import ActorAlias, Annotation, AnnotationQuerySet, Article, Relation
from annotate.params import parse_id
from annotate.permissions import (
    AnnotationsFinal,
    ReaderState,
    can_change_annotation,
    is_curator,
    own_annotations,
    reader_state,
    visibility_for,
)
from annotate.views.requests import AppRequest

PER_PAGE = 25


# ---------------------------------------------------------------- articles list


@require_GET
def article_list(request: AppRequest) -> HttpResponse:
    """Articles with my and all annotation counts and my progress; template article_list.html.

    "All" counts only what I may see (permissions.Visibility). Counts are computed for the current
    page only (one query), so the page costs the same whether there are 50 articles or 10,000.
    """
    query = request.GET.get("q", "").strip()
    matching = Article.objects.search(query).order_by("title", "id").values_list("id", flat=True)
    page = Paginator(matching, PER_PAGE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = (
        Article.objects.filter(pk__in=ids)
        .defer("text")
        .with_annotation_counts(request.user, visible=visibility_for(request.user).annotations())
        .order_by("title", "id")
    )
    context = {"page": page, "articles": rows, "query": query, "any_articles": bool(ids)}
    if not ids and query:
        context["any_articles"] = Article.objects.exists()
    elif not ids:
        context["any_articles"] = False
    template = "annotate/article_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


# ---------------------------------------------------------------- workspace


def _workspace(
    request: AppRequest,
    article: Article,
    *,
    form: AnnotationForm | None = None,
    edit: Annotation | None = None,
    edit_form: AnnotationForm | None = None,
    conflict: Annotation | None = None,
    just_deleted: Annotation | None = None,
    focus_id: int | None = None,
    show_others: bool | None = None,
) -> dict[str, Any]:
    """Everything the workspace template needs, in a constant number of queries."""
    state = reader_state(request.user, article)
    if show_others is None:
        show_others = request.GET.get("others") == "1"
    show_others = workspace.shows_others(state, asked=show_others, focus_id=focus_id)
    shown = workspace.page(state, show_others=show_others)
    offered = services.sources_offered_in(article, shown.rows)  # the same annotations
    if edit_form is not None and not edit_form.is_bound:  # ?edit=: offers what the page shows
        edit_form.offer(offered)
    page_url = reverse("annotate:article-detail", args=[article.pk])
    curator = state.visibility.curator
    csrf = get_token(request)
    review_url = reverse("annotate:annotation-review", args=[0]) if curator else ""
    verdict = request.GET.get("verdict", "")
    verdict = verdict if verdict in rendering.VERDICT_FILTERS else ""
    other_groups = [
        (
            name,
            len(items),
            rendering.render_items(
                items,
                edit_url="",
                page_url=page_url,
                editable=False,
                review_url=review_url,
                csrf_token=csrf,
                adjudicate_url=adjudication.adjudication_url(article.pk) if curator else "",
            ),
        )
        for name, items in shown.others_by_reviewer
    ]
    return {
        "article": article,
        "text_html": rendering.render_text(
            article.text, rendering.marks_for(shown.rows, me=request.user.pk)
        ),
        "items_html": rendering.render_items(
            shown.mine,
            edit_url=_edit_url(show_others),
            page_url=page_url,
            editable=not state.final,
            verdict=verdict,
        ),
        "mine_count": len(shown.mine),
        "verdict": verdict,
        "verdict_filters": [
            (key, label, sum(rendering.matches_verdict(a, key) for a in shown.mine))
            for key, label in rendering.VERDICT_FILTERS.items()
        ],
        "other_groups": other_groups,
        "others_count": shown.others_count,
        "may_see_others": state.may_see_others,
        "show_others": show_others,
        "blind_hidden": state.blind_hidden,
        "is_curator": curator,
        "done": state.done,
        "final": state.final,
        "progress": state.progress,
        "form": form or AnnotationForm(prefix_id="new", offered=offered),
        "edit": edit,
        "edit_form": edit_form,
        "conflict": conflict,
        "just_deleted": just_deleted,
        "deleted": shown.deleted,
        "focus_id": focus_id,
        "page_url": page_url,
        "edit_url": _edit_url(show_others),
        # The list filter's choices (the claim and source choices are read from the list in JS).
        "filter_stances": rendering.STANCE_LABELS.items(),
        "filter_statuses": rendering.STATUS_LABELS.items(),
    }


def _int_param(request: AppRequest, name: str) -> int | None:
    return parse_id(request.GET.get(name))


@require_GET
def article_detail(request: AppRequest, pk: int) -> HttpResponse:
    """The workspace; template article_detail.html. `?edit=<id>` opens an edit form (no-JS path),
    `?annotation=<id>` scrolls to that span and flashes it (deep links from the claims page),
    `?others=1` shows other reviewers' annotations when the user may see them."""
    article = get_object_or_404(Article, pk=pk)
    edit = edit_form = None
    edit_id = _int_param(request, "edit")
    if edit_id:
        edit = _own_annotation(request, edit_id, article=article)
        # Its "same source as" choices are the page's (_workspace offers them).
        edit_form = AnnotationForm(initial=AnnotationForm.initial_for(edit), prefix_id="edit")
    context = _workspace(
        request, article, edit=edit, edit_form=edit_form, focus_id=_int_param(request, "annotation")
    )
    context["recent"] = workspace.recent(article, request.user.pk)
    if edit is not None and context["final"]:  # blind mode: my work here is final
        messages.error(request, AnnotationsFinal().message)
        context.update(edit=None, edit_form=None)
    return render(request, "annotate/article_detail.html", context)


def _own_annotation(
    request: AppRequest, pk: int, *, article: Article | None = None, deleted: bool = False
) -> Annotation:
    """The annotation, if `request.user` made it; 404 if missing, 403 if someone else's."""
    qs = Annotation.objects.with_related().select_related("article")
    qs = qs.deleted() if deleted else qs.live()
    if article is not None:
        qs = qs.filter(article=article)
    annotation = get_object_or_404(qs, pk=pk)
    if not can_change_annotation(request.user, annotation):
        raise PermissionDenied("You can change only your own annotations.")
    return annotation


def _refused(
    request: AppRequest, article_id: int, exc: AnnotationsFinal | ValidationError, status: int = 403
) -> HttpResponse:
    """A write refused as a whole (blind mode: done is final, 403; a restore that would make a
    second live copy, 409): htmx gets the reason as plain text (annotate.js shows it in the
    status line), plain requests the page with it as a message."""
    if request.htmx:
        return HttpResponse(exc.message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, exc.message)
    return redirect(reverse("annotate:article-detail", args=[article_id]))


def _panel(
    request: AppRequest,
    article: Article,
    *,
    saved_id: int | None = None,
    announce: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """After a write: htmx gets the panel plus the text (out of band); plain requests a redirect.

    `announce` is the confirmation for the panel's live status line (plain requests get it as a
    message on the page they are redirected to).
    """
    if not request.htmx:
        if announce:
            messages.success(request, announce)
        url = reverse("annotate:article-detail", args=[article.pk])
        if saved_id:
            url += f"?annotation={saved_id}"
        return redirect(url)
    context = _workspace(request, article, show_others=_others_asked(request), **kwargs)
    context["oob"] = True
    context["announce"] = announce
    response = render(request, "annotate/article_detail.html#panel-response", context)
    if saved_id:
        trigger_client_event(response, "annotation-saved", {"id": saved_id})
    return response


def _form_again(request: AppRequest, article: Article, **kwargs: Any) -> HttpResponse:
    """Re-show a form with its errors and the typed values (status 200, see module docstring).

    htmx gets just that form, into its slot: the new-annotation form replaces #new-slot, an edit
    form fills #form-slot. Plain requests get the whole page.
    """
    if not request.htmx:
        return render(
            request, "annotate/article_detail.html", _workspace(request, article, **kwargs)
        )
    state = reader_state(request.user, article)
    context = {"article": article, "show_others": _show_others(request, state), **kwargs}
    partial = "#edit-form" if kwargs.get("edit") is not None else "#new-slot"
    return render(request, "annotate/article_detail.html" + partial, context)


def _shown_annotations(request: AppRequest, article: Article) -> tuple[AnnotationQuerySet, bool]:
    """What the page that posted `request` shows: my annotations, plus the others' when it asks
    (`others=1`) and may; and whether it shows the others'. The reader state costs queries, so a
    save reads it only when the page asks for the others'."""
    if _others_asked(request):
        state = reader_state(request.user, article)
        if state.may_see_others:
            return state.annotations(others=True), True
    return own_annotations(request.user, article), False


def _offered(request: AppRequest, article: Article) -> list[services.OfferedSource]:
    """The sources "same source as" offers: those of the annotations the page shows (one query,
    and the reader state's only when the page shows others' work)."""
    shown, _ = _shown_annotations(request, article)
    return services.sources_offered(article, shown)


def _others_asked(request: AppRequest) -> bool:
    """The page that sent `request` shows other reviewers' work (`others=1`, posted by its forms)."""
    return (request.POST if request.method == "POST" else request.GET).get("others") == "1"


def _show_others(request: AppRequest, state: ReaderState) -> bool:
    """Whether the page that sent `request` shows other reviewers' work, if allowed."""
    return workspace.shows_others(state, asked=_others_asked(request))


@require_POST
def annotation_create(request: AppRequest, pk: int) -> HttpResponse:
    """Record a new annotation on the selected words; htmx gets the changed pieces (_saved_swaps)."""
    article = get_object_or_404(Article, pk=pk)
    offered = _offered(request, article)
    form = AnnotationForm(request.POST, prefix_id="new", offered=offered)
    annotation = form.save(article=article, user=request.user) if form.is_valid() else None
    if annotation is None:
        return _form_again(request, article, form=form)
    if not request.htmx:
        messages.success(request, "Annotation saved.")
        return _panel(request, article, saved_id=annotation.pk)
    return _saved_swaps(request, article, annotation, form=form)


def _saved_swaps(
    request: AppRequest,
    article: Article,
    annotation: Annotation,
    *,
    form: AnnotationForm,
    was: tuple[int, int] | None = None,
) -> HttpResponse:
    """After an htmx create or edit: only what changed, as htmx out-of-band swaps.

    Re-rendering the workspace costs ~40 ms at 1,000 annotations, over the 30 ms a save may take
    (docs/architecture.md). The text is rendered in chunks with stable ids (rendering.chunk_bounds),
    and a saved span changes only the chunks it touches, now and, after an edit, at its old place
    `was`. So the response is: those chunks, the list item (inserted before the next of mine in
    text order; an edit first deletes its old item), the count and the status line, all
    out of band, around the main content: a blank new-annotation form for #new-slot after a
    create, nothing for #form-slot (the edit form closes) after an edit. Numbers are CSS counters,
    so nothing else needs renumbering. My first annotation gets the whole panel instead (retargeted
    to #panel): the list, its empty state and the progress badge all change then.
    """
    shown, show_others = _shown_annotations(request, article)
    mine = own_annotations(request.user, article)
    swaps = workspace.save_swaps(article, annotation, shown=shown, mine=mine, was=was)
    if swaps.mine_count == 1 and was is None:
        saved = f"Saved “{annotation.claim.text}”."
        return retarget(_panel(request, article, saved_id=annotation.pk, announce=saved), "#panel")
    marks = rendering.marks_for(swaps.rows, me=request.user.pk)
    page_url = reverse("annotate:article-detail", args=[article.pk])
    context = {
        "article": article,
        "show_others": show_others,
        "chunks_html": [
            rendering.render_text(article.text, marks, window=window, oob=True)
            for window in swaps.windows
        ],
        "item_html": rendering.render_items(
            [swaps.saved], edit_url=_edit_url(show_others), page_url=page_url, editable=True
        ),
        "insert_at": (
            f"beforebegin:#ann-{swaps.next_id}" if swaps.next_id else "beforeend:#my-annotations"
        ),
        "mine_count": swaps.mine_count,
        "saved": annotation,
        "edited": was is not None,
        # The next annotation starts from a blank form.
        "blank_form": (
            "" if was else _blank_new_slot(request, article, form, annotation, show_others)
        ),
    }
    response = render(request, "annotate/article_detail.html#saved-swaps", context)
    trigger_client_event(response, "annotation-saved", {"id": annotation.pk})
    return response


_CSRF_PLACEHOLDER = "csrf-token-goes-here"
_SAME_SOURCE_PLACEHOLDER = "<!-- same-source choices go here -->"


def _blank_new_slot(
    request: AppRequest,
    article: Article,
    form: AnnotationForm,
    saved: Annotation,
    show_others: bool,
) -> SafeString:
    """The blank new-annotation form (#new-slot) a create sends back, with this request's token.

    Rendering a form's widgets took ~10 of a save's ~27 ms. The blank form depends only on the
    article, the relation choices and whether others are shown, apart from its "same source as"
    choices, whose mention counts change with every save: so the rest is rendered once per such
    key (with placeholders for the token and the choices) and reused, and only the choices are
    rendered per save.
    """
    relations = tuple((slug, r.label) for slug, r in form.relations.items())
    assert saved.source is not None  # every save links one (services.sources.attach)
    offered = services.offered_with(form.offered, saved.source, saved.start)  # it may be new
    html = _blank_new_slot_html(article.pk, relations, show_others)
    choices = AnnotationForm(prefix_id="new", relations=form.relations, offered=offered)
    same_source = render_to_string("annotate/article_detail.html#same-source", {"f": choices})
    html = html.replace(_SAME_SOURCE_PLACEHOLDER, same_source, 1)
    return mark_safe(html.replace(_CSRF_PLACEHOLDER, get_token(request)))


@functools.lru_cache(maxsize=256)
def _blank_new_slot_html(
    article_pk: int, relations: tuple[tuple[str, str], ...], show_others: bool
) -> str:
    choices = {slug: Relation(slug=slug, label=label) for slug, label in relations}
    context = {
        "article": Article(pk=article_pk),
        "form": AnnotationForm(prefix_id="new", relations=choices),
        "show_others": show_others,
        "csrf_token": _CSRF_PLACEHOLDER,
        "same_source_slot": mark_safe(_SAME_SOURCE_PLACEHOLDER),
    }
    return render_to_string("annotate/article_detail.html#new-slot", context)


def _edit_url(show_others: bool) -> str:
    """The edit form's URL with the placeholder id 0; it keeps others shown if they are."""
    url = reverse("annotate:annotation-edit", args=[0])
    return f"{url}?others=1" if show_others else url


@require_GET
def annotation_edit(request: AppRequest, pk: int) -> HttpResponse:
    """The edit form for one of my annotations (htmx, into #form-slot); plain GET → ?edit= page.
    Refused (_refused) where blind mode made my work final."""
    annotation = _own_annotation(request, pk)
    state = reader_state(request.user, annotation.article)
    if state.final:
        return _refused(request, annotation.article_id, AnnotationsFinal())
    if not request.htmx:
        url = reverse("annotate:article-detail", args=[annotation.article_id])
        return redirect(f"{url}?edit={pk}#form-slot")
    show_others = _show_others(request, state)
    form = AnnotationForm(
        initial=AnnotationForm.initial_for(annotation),
        prefix_id="edit",
        # The reader state is read already: what the page shows, without reading it again.
        offered=services.sources_offered(annotation.article, state.annotations(others=show_others)),
    )
    context = {
        "edit": annotation,
        "edit_form": form,
        "article": annotation.article,
        "show_others": show_others,
    }
    return render(request, "annotate/article_detail.html#edit-form", context)


@require_POST
def annotation_update(request: AppRequest, pk: int) -> HttpResponse:
    """Save changes to my annotation; a stale version shows both versions instead of overwriting."""
    annotation = _own_annotation(request, pk)
    article = annotation.article
    was = (annotation.start, annotation.end)
    offered = _offered(request, article)
    form = AnnotationForm(request.POST, prefix_id="edit", offered=offered)
    try:
        saved = (
            form.save(article=article, user=request.user, annotation=annotation)
            if (form.is_valid())
            else None
        )
    except services.StaleEdit as exc:
        current = Annotation.objects.with_related().get(pk=exc.current.pk)
        data = request.POST.copy()
        data["version"] = str(current.version)  # saving again now overwrites, knowingly
        form = AnnotationForm(data, prefix_id="edit", offered=offered)
        form.is_valid()
        form.add_error(None, exc.message)
        return _form_again(request, article, edit=annotation, edit_form=form, conflict=current)
    if saved is None:
        return _form_again(request, article, edit=annotation, edit_form=form)
    if not request.htmx:
        messages.success(request, "Annotation updated.")
        return _panel(request, article, saved_id=saved.pk)
    return _saved_swaps(request, article, saved, form=form, was=was)


@require_POST
def annotation_delete(request: AppRequest, pk: int) -> HttpResponse:
    """Soft-delete my annotation; the panel then offers Undo and lists it under Recently deleted."""
    annotation = _own_annotation(request, pk)
    try:
        deleted = services.annotation_delete(annotation=annotation, user=request.user)
    except AnnotationsFinal as exc:
        return _refused(request, annotation.article_id, exc)
    if not request.htmx:
        messages.success(request, "Annotation deleted. Restore it from Recently deleted.")
    deleted.claim = annotation.claim
    return _panel(request, annotation.article, just_deleted=deleted)


@require_POST
def annotation_restore(request: AppRequest, pk: int) -> HttpResponse:
    """Undo a delete of my annotation."""
    annotation = _own_annotation(request, pk, deleted=True)
    try:
        services.annotation_restore(annotation=annotation, user=request.user)
    except AnnotationsFinal as exc:
        return _refused(request, annotation.article_id, exc)
    except services.DuplicateAnnotation as exc:
        return _refused(request, annotation.article_id, exc, status=409)
    restored = f"Restored “{annotation.claim.text}”."
    return _panel(request, annotation.article, saved_id=annotation.pk, announce=restored)


@require_POST
def annotation_review(request: AppRequest, pk: int) -> HttpResponse:
    """A curator accepts or rejects an annotation (optional comment); others get 403."""
    if not is_curator(request.user):
        raise PermissionDenied("Only curators and staff can accept or reject annotations.")
    annotation = get_object_or_404(Annotation.objects.live().with_related(), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        # Plain text: annotate.js shows a 400's text in the status line.
        return HttpResponse(form.problem(), status=400, content_type="text/plain; charset=utf-8")
    try:
        reviewed = services.annotation_review(
            annotation=annotation,
            curator=request.user,
            status=form.cleaned_data["status"],
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except services.StaleReview as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            url = reverse("annotate:article-detail", args=[annotation.article_id])
            return redirect(f"{url}?others=1&annotation={pk}")
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    verdict = f"{reviewed.get_status_display()} “{annotation.claim.text}” by {annotation.reviewer}."
    if not request.htmx:
        messages.success(request, verdict)
        url = reverse("annotate:article-detail", args=[annotation.article_id])
        return redirect(f"{url}?others=1&annotation={pk}")
    html = rendering.render_items(
        rendering.rows(Annotation.objects.filter(pk=reviewed.pk)),
        edit_url="",
        page_url="",
        editable=False,
        review_url=reverse("annotate:annotation-review", args=[0]),
        csrf_token=get_token(request),
        adjudicate_url=adjudication.adjudication_url(annotation.article_id),
    )
    response = HttpResponse(html)
    trigger_client_event(response, "stancemark-announce", {"text": verdict})
    return response


@require_POST
def progress_set(request: AppRequest, pk: int) -> HttpResponse:
    """Mark the article done for me, or reopen it (POST done=1 / done=0)."""
    article = get_object_or_404(Article, pk=pk)
    done = request.POST.get("done") == "1"
    try:
        services.progress_set(article=article, reviewer=request.user, done=done)
    except AnnotationsFinal as exc:
        return _refused(request, article.pk, exc)
    if not request.htmx:
        messages.success(request, "Marked as done." if done else "Reopened.")
    return _panel(request, article)


@require_GET
def actor_autocomplete(request: AppRequest) -> HttpResponse:
    """Actors I may see whose name or alias contains `q` (or the typed actor field's value), as
    `<option>`s for the form's shared datalist (annotate.js fetches them as the reviewer types)."""
    q = ""
    for key in ("q", "subject", "object", "source"):
        for value in request.GET.getlist(key):
            q = value.strip() or q
    actors: list[tuple[str, str]] = []
    if q:
        visible = visibility_for(request.user).actors()
        by_name = visible.filter(name__icontains=q).values_list("name", flat=True)[:15]
        actors = [(name, "") for name in by_name]
        aliases = (
            ActorAlias.objects.filter(name__icontains=q, actor__in=visible)
            .select_related("actor")
            .values_list("actor__name", "name")[:15]
        )
        seen = {name for name, _ in actors}
        actors += [(actor, alias) for actor, alias in aliases if actor not in seen]
    return HttpResponse(
        format_html_join(
            "", '<option value="{}">{}</option>', ((n, a and f"{a} → {n}") for n, a in actors)
        )
    )
