"""Reviewer progress and the site-settings singleton in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from annotate.admin import common
from annotate.models import Progress, SiteSettings


@admin.register(Progress)
class ProgressAdmin(common.ArticleTitlesOnly, admin.ModelAdmin):
    list_display = ("article", "reviewer", "status", "started_at", "done_at")
    list_filter = ("status", "reviewer", "done_at")
    list_select_related = ("article", "reviewer")
    search_fields = ("article__title", "reviewer__username")
    autocomplete_fields = ("article", "reviewer")
    readonly_fields = ("started_at",)
    date_hierarchy = "started_at"


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One row (pk=1): the list page goes straight to it, and it can be neither added twice nor
    deleted."""

    fields = ("reviewers_see_others", "blind_annotation")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        row = SiteSettings.objects.only("pk").first()
        if row is not None:
            url = reverse("admin:annotate_sitesettings_change", args=[row.pk])
            return HttpResponseRedirect(url)
        if self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:annotate_sitesettings_add"))
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: SiteSettings, form, change: bool) -> None:
        obj.pk = 1  # the table holds a single row (a check constraint enforces it)
        super().save_model(request, obj, form, change)
