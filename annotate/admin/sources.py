"""Sources of articles in the admin: listed and searchable, read-only.

A source is made by the services when an annotation is saved (annotate/services/sources.py); its
kind, actor and description are copied onto every mention, so an edit here would leave those
copies saying otherwise. Correct a source by editing the annotations that mention it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from annotate.models import Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "unnamed_kind", "affiliation", "article", "mention_count")
    list_filter = ("kind", "unnamed_kind")
    search_fields = ("description", "actor__name", "affiliation__name", "article__title")
    list_select_related = ("article", "actor", "affiliation")
    readonly_fields = ("article", "kind", "actor", "unnamed_kind", "affiliation", "description")
    exclude = ("identity",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).annotate(mentions_n=Count("mentions"))

    @admin.display(description="Mentions", ordering="mentions_n")
    def mention_count(self, obj: Source) -> int:
        return obj.mentions_n  # type: ignore[attr-defined]  # annotated in get_queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
