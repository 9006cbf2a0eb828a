"""Helpers the admin modules share: links into the workspace, the export actions, list columns
and small accessibility fixes to Django's admin widgets and filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from annotate import claim_store, export

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    # The mixins below are only ever combined with ModelAdmin; tell the type checker so.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object


def request_user(request: HttpRequest) -> User:
    """The logged-in user of an admin request (the admin site serves only authenticated staff)."""
    return cast("User", request.user)


def workspace_url(article_id: int, annotation_id: int | None = None) -> str:
    """The reviewer's workspace for an article (the admin has no get_absolute_url to lean on)."""
    try:
        url = reverse("annotate:article-detail", args=[article_id])
    except NoReverseMatch:
        # The workspace view may not be wired yet; its path is fixed by the design.
        url = f"/articles/{article_id}/"
    return f"{url}#annotation-{annotation_id}" if annotation_id else url


def workspace_link(article_id: int, label: str = "Open in workspace") -> str:
    return format_html('<a href="{}">{}</a>', workspace_url(article_id), label)


def change_link(model_name: str, pk: int, label: str) -> str:
    url = reverse(f"admin:annotate_{model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, label)


def short_link(url: str, text: str, length: int = 40) -> str:
    """A link showing `text` cut to `length` characters, the whole of it on hover (title)."""
    return format_html('<a href="{}" title="{}">{}</a>', url, text, Truncator(text).chars(length))


class NamedBlankValuesFilter(admin.AllValuesFieldListFilter):
    """Django's all-values filter, but a blank value ("") is listed as "(blank)" instead of as a
    link with no text, which no one can read or click by name."""

    def choices(self, changelist: Any) -> Iterator[Any]:
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice["display"] = "(blank)"
            yield choice


def export_actions(description: str, article_ids_of: Callable[[QuerySet], Iterable[int]]) -> tuple:
    """Admin actions streaming the export, as JSON and as JSONL, of the selection's articles.

    `description` names the format as {format}. The export engine filters by article, so the
    selection is turned into article ids; it exports live (not soft-deleted) annotations, the same
    as /export/.
    """
    return tuple(_export_action(fmt, description, article_ids_of) for fmt in ("json", "jsonl"))


def _export_action(
    fmt: str, description: str, article_ids_of: Callable[[QuerySet], Iterable[int]]
) -> Callable:
    def action(modeladmin, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        ids = sorted(set(article_ids_of(queryset)))
        return export.export_response(fmt=fmt, filters=export.ExportFilters(article_ids=ids))

    action.__name__ = f"export_{fmt}"
    return admin.action(description=description.format(format=fmt.upper()))(action)


class AnnotationCountColumn(_ModelAdminBase):
    """An "Annotations" list column: live (not soft-deleted) annotations, counted in the list's
    own query instead of one query per row."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        live = Q(annotations__deleted_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .annotate(annotation_count=Count("annotations", filter=live))
        )

    @admin.display(description="Annotations", ordering="annotation_count")
    def annotation_count(self, obj) -> int:
        return obj.annotation_count


class ArticleTitlesOnly(_ModelAdminBase):
    """For lists with an article column: the articles' titles are read, not their whole texts."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The changelist skips list_select_related once a queryset has select_related, so name it
        # here (the lists that use this mixin name their relations, never just True).
        related = self.list_select_related
        return (
            super()
            .get_queryset(request)
            .select_related(*([] if isinstance(related, bool) else related))
            .defer("article__text")
        )


class KeepsClaimTallies(_ModelAdminBase):
    """For models whose fields the claims overview shows or counts: a change to one of
    `tallied_fields`, or a delete, marks every stored claim tally stale (annotate.claim_store),
    so the next read recomputes them. Rare edits, so a full recompute beats tracking which claims
    a name appears in."""

    tallied_fields: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & set(self.tallied_fields):
            claim_store.invalidate_all()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        claim_store.invalidate_all()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        claim_store.invalidate_all()
