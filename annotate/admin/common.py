"""Helpers the admin modules share: links into the workspace, the export actions and small
accessibility fixes to Django's admin widgets and filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from annotate import export


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


def name_split_datetime(form: forms.BaseForm, field_name: str) -> None:
    """Name the date and the time input of the admin's split date/time widget.

    Django renders that widget's label without `for` (a MultiWidget has no single input to point
    at), so both inputs would have no accessible name; each gets the field's label and its part.
    """
    field = form.fields[field_name]
    label = field.label or field_name
    widget = field.widget
    if isinstance(widget, forms.MultiWidget) and len(widget.widgets) == 2:
        date, time = widget.widgets
        date.attrs["aria-label"] = f"{label}: date"
        time.attrs["aria-label"] = f"{label}: time"


def export_action(
    fmt: str, description: str, article_ids_of: Callable[[QuerySet], Iterable[int]]
) -> Callable:
    """An admin action streaming the export (JSON or JSONL) of the selection's articles.

    The export engine filters by article, so the selection is turned into article ids; it exports
    live (not soft-deleted) annotations, the same as /export/.
    """

    def action(modeladmin, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        ids = sorted(set(article_ids_of(queryset)))
        return export.export_response(fmt=fmt, filters=export.ExportFilters(article_ids=ids))

    action.__name__ = f"export_{fmt}"
    return admin.action(description=description)(action)
