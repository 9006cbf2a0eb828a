"""The annotations' history in the admin: read-only, because only the services write it.

Each annotation's change page lists its events (AnnotationEventInline); "Annotation events" lists
them all, newest first, filterable by kind and searchable by annotation id or user.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from annotate.admin import common
from annotate.models import AnnotationEvent
from annotate.services import history


def changes_table(event: AnnotationEvent) -> SafeString | str:
    """The event's changes as a small before/after table (labels, escaped)."""
    rows = history.describe(event)
    if not rows:
        return "—"
    body = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
        ((row.field, row.before, row.after) for row in rows),
    )
    return format_html(
        '<table class="history-changes"><thead><tr><th scope="col">Field</th>'
        '<th scope="col">Before</th><th scope="col">After</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        body,
    )


class _ReadOnly:
    """The changes column (as a table, not the raw JSON field); and nobody adds, changes or
    deletes history by hand (a superuser's purge of an annotation removes its events with it)."""

    @admin.display(description="Changes")
    def changes_shown(self, obj: AnnotationEvent) -> SafeString | str:
        return changes_table(obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AnnotationEventInline(_ReadOnly, admin.TabularInline):
    model = AnnotationEvent
    extra = 0
    fields = ("at", "kind", "user", "version", "changes_shown")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name_plural = "history"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user")


@admin.register(AnnotationEvent)
class AnnotationEventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("at", "kind", "annotation_link", "user", "version", "changes_shown")
    list_filter = ("kind",)
    list_select_related = ("user", "annotation__claim")
    search_fields = ("=annotation__id", "user__username")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    fields = ("annotation_link", "at", "kind", "user", "version", "changes_shown")
    readonly_fields = fields

    @admin.display(description="Annotation", ordering="annotation_id")
    def annotation_link(self, obj: AnnotationEvent) -> str:
        url = reverse("admin:annotate_annotation_change", args=[obj.annotation_id])
        return common.short_link(url, f"#{obj.annotation_id} {obj.annotation.claim.text}")
