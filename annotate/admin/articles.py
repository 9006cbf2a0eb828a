"""Articles in the admin: frozen-text rule, dedupe by text hash, read-only annotation inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from annotate import importing
from annotate.admin import common
from annotate.models import Annotation, Article, HttpURLValidator


def _formfield(field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")  # Django 6's default, chosen now
    return field.formfield(**kwargs)


class HttpURLFieldWidget(AdminURLFieldWidget):
    """The admin's URL input, which links the current address only when it is http(s)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, validator_class=HttpURLValidator)


class ArticleAdminForm(forms.ModelForm):
    """Normalises the text like the importer does and keeps `text_sha256` in step with it."""

    # strip=False: leading/trailing whitespace is part of the text offsets point into.
    text = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text=Article._meta.get_field("text").help_text,
    )

    class Meta:
        model = Article
        fields = (
            "title",
            "text",
            "outlet",
            "byline",
            "url",
            "published_on",
            "language",
            "source_name",
        )
        formfield_callback = _formfield

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if url:
            HttpURLValidator(message="Enter an http:// or https:// address.")(url)
        return url

    def clean_text(self) -> str:
        # Browsers post textareas with CRLF; without normalising, re-saving an untouched annotated
        # article would look like a text change and trip the frozen-text rule.
        text = importing.normalise_text(self.cleaned_data["text"])
        if not text.strip():
            raise ValidationError("The text is empty: paste the article body.")
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        text = cleaned.get("text")
        if text is None:
            return cleaned
        digest = importing.text_hash(text)
        others = Article.objects.filter(text_sha256=digest)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        duplicate = others.values("pk", "title").first()
        if duplicate:
            self.add_error(
                "text",
                f"Article #{duplicate['pk']} “{duplicate['title']}” already has exactly this text: "
                "open that article instead of adding it again.",
            )
        else:
            # Not a form field, so the model instance keeps this value when the form saves it.
            self.instance.text_sha256 = digest
        # Article.clean() (run by the ModelForm after this) refuses a change to a frozen text.
        return cleaned


class AnnotationInline(admin.TabularInline):
    """The article's annotations in text order, read-only: they change through their own page."""

    model = Annotation
    fk_name = "article"
    extra = 0
    can_delete = False
    show_change_link = False
    fields = readonly_fields = (
        "annotation_link",
        "claim",
        "quote",
        "stance",
        "certainty",
        "confidence",
        "reviewer",
        "status",
        "deleted_at",
        "workspace",
    )
    verbose_name_plural = "annotations (read-only here; open one to change it)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return (
            super()
            .get_queryset(request)
            .select_related("claim", "reviewer")
            .order_by("start", "-end", "id")
        )

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Annotation")
    def annotation_link(self, obj: Annotation) -> str:
        return common.change_link("annotation", obj.pk, f"#{obj.pk} {obj.start}–{obj.end}")

    @admin.display(description="Workspace")
    def workspace(self, obj: Annotation) -> str:
        return common.workspace_link(obj.article_id, "Open")


@admin.register(Article)
class ArticleAdmin(common.KeepsClaimTallies, common.AnnotationCountColumn, admin.ModelAdmin):
    form = ArticleAdminForm
    tallied_fields = ("outlet", "byline")  # the author is named by them
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https", "widget": HttpURLFieldWidget}
    }
    list_display = ("title", "outlet", "published_on", "annotation_count", "imported_at")
    list_filter = (("outlet", common.NamedBlankValuesFilter), "language", "published_on")
    search_fields = ("title", "text", "url", "byline")
    date_hierarchy = "published_on"
    readonly_fields = ("text_sha256", "imported_at", "workspace")
    fieldsets = (
        (None, {"fields": ("title", "text")}),
        ("Publication", {"fields": ("outlet", "byline", "url", "published_on", "language")}),
        (
            "Provenance",
            {
                "fields": ("source_name", "text_sha256", "imported_at", "workspace"),
                "description": "The text hash is recomputed from the text when it is saved.",
            },
        ),
    )
    inlines = (AnnotationInline,)
    actions = (
        *common.export_actions(
            "Export the selected articles' annotations as {format}",
            lambda qs: qs.values_list("pk", flat=True),
        ),
    )

    def view_on_site(self, obj: Article) -> str:
        return common.workspace_url(obj.pk)

    @admin.display(description="Workspace")
    def workspace(self, obj: Article) -> str:
        if obj.pk is None:
            return "—"
        return common.workspace_link(obj.pk)
