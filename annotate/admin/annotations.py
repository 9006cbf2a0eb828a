"""Annotations in the admin: every change is written by the services, with their checks and wording.

Adding goes through services.annotation_create, editing through services.annotation_update (with
the version the page was loaded at), status and curator comment through services.annotation_review,
deleting and restoring through the soft-delete actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from annotate import services
from annotate.admin import common
from annotate.admin.history import AnnotationEventInline
from annotate.models import Annotation, Status
from annotate.wording import plural

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# services.annotation_validate names span problems after the span; these are the form fields that hold them.
_SPAN_ERROR_FIELDS = {"quote": "start", "source_span": "source_start", "cue_span": "cue_start"}


class DeletedFilter(admin.SimpleListFilter):
    """Soft-deleted annotations stay in the table (recoverable) until someone purges them."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return (("no", "Live"), ("yes", "Deleted"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class AnnotationAdminForm(forms.ModelForm):
    """Checks every change with the services' rules and wording before the admin saves it.

    Quotes are read-only here: they are taken from the article at the offsets. `expected_quote`
    lets whoever types offsets by hand confirm they point at the intended words.
    """

    expected_quote = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Optional: the words you expect at start–end. If given, they must match the "
        "article text exactly, so a miscounted offset is refused instead of saved.",
    )

    # The version the editor loaded: a save over someone else's newer edit is refused, as in the
    # workspace, instead of silently overwriting it.
    loaded_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    #: Who is editing; AnnotationAdmin.get_form sets it on the form class it builds per request.
    editor: User | None = None  # set by AnnotationAdmin.get_form for each request

    class Meta:
        model = Annotation
        fields = ("article", *services.ANNOTATION_FIELDS, "reviewer", "status", "curator_comment")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.annotation_values: dict = {}
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    @property
    def content_changed(self) -> bool:
        """Whether the annotation itself changed (not only its review)."""
        return bool(set(self.changed_data) & set(services.ANNOTATION_FIELDS))

    def _editor(self) -> User:
        if self.editor is None:
            raise RuntimeError("AnnotationAdmin.get_form sets the editing user on the form class.")
        return self.editor

    def _check_editable(self, loaded: int | None) -> None:
        # The row stays locked from here until the admin has saved it, so the save meets the row
        # as checked. Errors are non-field errors: the admin does not show those of hidden fields.
        try:
            services.annotation_lock_for_edit(
                annotation=self.instance, user=self._editor(), version=loaded
            )
        except services.StaleEdit as exc:
            self.add_error(
                None,
                f"Someone changed this annotation since you opened it (now version "
                f"{exc.current.version}, you opened version {loaded}). Reload the page to see "
                "their change, then edit again.",
            )
        except ValidationError as exc:
            self.add_error(None, exc.messages)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk is not None:
            self._check_editable(cleaned.get("loaded_version"))
        if set(self.errors) & {"article", *services.ANNOTATION_FIELDS}:
            return cleaned  # a field is already wrong on its own; its message says so
        article = cleaned.get("article") or (
            self.instance.article if self.instance.article_id else None
        )
        if article is None:
            return cleaned
        values = {
            field: cleaned[field] if field in cleaned else getattr(self.instance, field)
            for field in services.ANNOTATION_FIELDS
        }
        # Quotes are recomputed from the offsets; only an expected quote is checked against them.
        values.update(quote=cleaned.get("expected_quote") or None, source_quote="", cue_quote="")
        try:
            services.annotation_validate(article, values)
        except ValidationError as exc:
            for field, field_messages in exc.message_dict.items():
                field = _SPAN_ERROR_FIELDS.get(field, field)
                self.add_error(field if field in self.fields else None, field_messages)
            return cleaned
        values["quote"] = article.text[values["start"] : values["end"]]
        self.annotation_values = values
        if "source_actor" in cleaned:
            cleaned["source_actor"] = values["source_actor"]  # cleared for the article's author
        return cleaned


@admin.register(Annotation)
class AnnotationAdmin(common.ArticleTitlesOnly, admin.ModelAdmin):
    form = AnnotationAdminForm
    inlines = (AnnotationEventInline,)  # the history, read-only
    # What a curator decides on comes first, so it is in view at 1280 px beside the admin's menu
    # and filters; the rest of the row follows (the table scrolls sideways within its box).
    list_display = (
        "id",
        "claim",
        "stance",
        "reviewer",
        "status",
        "article_short",
        "source_shown",
        "certainty",
        "confidence",
        "updated_at",
    )
    list_display_links = ("id", "claim")
    list_filter = (
        "stance",
        "certainty",
        "status",
        "changed_after_review",
        "source_kind",
        "reviewer",
        DeletedFilter,
    )
    list_select_related = ("article", "claim", "source_actor", "reviewer")
    search_fields = ("quote", "note", "claim__text", "article__title")
    autocomplete_fields = ("article", "claim", "source_actor", "reviewer")
    readonly_fields = (
        "quote",
        "source_quote",
        "cue_quote",
        "curator",
        "reviewed_at",
        "changed_after_review",
        "verdict_before_change",
        "version",
        "created_at",
        "updated_at",
        # Deleting and restoring are the list's actions, which bump the version like any edit.
        "deleted_at",
        "workspace",
    )
    fieldsets = (
        (
            "Content span",
            {"fields": ("article", "claim", ("start", "end"), "quote", "expected_quote")},
        ),
        (
            "Source",
            {
                "fields": (
                    "source_kind",
                    "source_actor",
                    "source_description",
                    ("source_start", "source_end"),
                    "source_quote",
                )
            },
        ),
        ("Cue", {"fields": (("cue_start", "cue_end"), "cue_quote")}),
        ("Labels", {"fields": ("stance", "certainty", "confidence", "note")}),
        (
            "Review",
            {
                "fields": (
                    "reviewer",
                    "status",
                    "curator_comment",
                    "curator",
                    "reviewed_at",
                    ("changed_after_review", "verdict_before_change"),
                )
            },
        ),
        (
            "Record",
            {
                "fields": (
                    "version",
                    "created_at",
                    "updated_at",
                    "deleted_at",
                    "workspace",
                    "loaded_version",
                )
            },
        ),
    )
    actions = (
        "accept_selected",
        "reject_selected",
        "soft_delete_selected",
        "restore_selected",
        *common.export_actions(
            "Export the articles of the selected annotations as {format}",
            lambda qs: qs.values_list("article_id", flat=True),
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        # Offsets point into one article's text: moving an annotation to another article is
        # re-annotating, so the article is fixed once the annotation exists. So is the reviewer:
        # the annotation is their judgement, and agreement figures compare reviewers.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "article", "reviewer") if obj is not None else fields

    def get_inlines(self, request: HttpRequest, obj=None):
        # A new annotation has no history yet (its add form then posts no inline data).
        return self.inlines if obj is not None else ()

    def view_on_site(self, obj: Annotation) -> str:
        return common.workspace_url(obj.article_id, obj.pk)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = cast(type[AnnotationAdminForm], super().get_form(request, obj, change, **kwargs))
        form.editor = common.request_user(request)  # a class built for this request
        return form

    def save_model(self, request: HttpRequest, obj: Annotation, form, change: bool) -> None:
        """Write through the services (never obj.save()), then make `obj` the stored row."""
        saved = obj
        cleaned = form.cleaned_data
        if not change:
            saved = services.annotation_create(
                article=cleaned["article"],
                reviewer=cleaned["reviewer"],
                by=common.request_user(request),
                **form.annotation_values,
            )
        elif form.content_changed:
            # Bumps the version: a reviewer's editor still holding the old one gets a warning.
            saved = services.annotation_update(
                annotation=obj,
                user=common.request_user(request),
                version=cleaned.get("loaded_version"),
                **form.annotation_values,
            )
        if {"status", "curator_comment"} & set(form.changed_data):
            # Record who decided and when, exactly as the curator screens do.
            saved = services.annotation_review(
                annotation=saved,
                curator=common.request_user(request),
                status=cleaned["status"],
                comment=cleaned["curator_comment"],
            )
        # The admin goes on to log, message and redirect with `obj`.
        for field in Annotation._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    # Not named "source": list_display resolves a model field before an admin method, and the
    # source entity's label would read its actor or article, a query per row.
    @admin.display(description="Source")
    def source_shown(self, obj: Annotation) -> str:
        return obj.source_label

    @admin.display(description="Article", ordering="article__title")
    def article_short(self, obj: Annotation) -> str:
        # Full titles made the first column most of the table; claim, stance and status matter more.
        url = reverse("admin:annotate_article_change", args=[obj.article_id])
        return common.short_link(url, obj.article.title, length=30)

    @admin.display(description="Workspace")
    def workspace(self, obj: Annotation) -> str:
        if obj.pk is None:
            return "—"
        return common.workspace_link(obj.article_id)

    def _review(self, request: HttpRequest, queryset: QuerySet, status: str, verb: str) -> None:
        count = services.annotations_review_bulk(
            annotation_ids=queryset.values_list("pk", flat=True),
            curator=common.request_user(request),
            status=status,
        )
        self.message_user(request, f"{verb} {plural(count, 'annotation')}.", messages.SUCCESS)

    @admin.action(description="Accept selected annotations", permissions=("change",))
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Status.ACCEPTED, "Accepted")

    @admin.action(description="Reject selected annotations", permissions=("change",))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Status.REJECTED, "Rejected")

    @admin.action(
        description="Delete selected annotations (recoverable: restore them any time)",
        permissions=("change",),
    )
    def soft_delete_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_deleted(request, queryset, deleted=True)

    @admin.action(description="Restore selected deleted annotations", permissions=("change",))
    def restore_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_deleted(request, queryset, deleted=False)

    def _set_deleted(self, request: HttpRequest, queryset: QuerySet, *, deleted: bool) -> None:
        try:
            count = services.annotations_set_deleted_bulk(
                annotation_ids=queryset.values_list("pk", flat=True),
                user=common.request_user(request),
                deleted=deleted,
            )
        except ValidationError as exc:  # nothing changed
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        verb = "Deleted" if deleted else "Restored"
        hint = " They stay recoverable: filter by “deleted” and restore them." if deleted else ""
        self.message_user(request, f"{verb} {plural(count, 'annotation')}.{hint}", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Annotation work is deleted softly; only a superuser may purge rows for good."""
        actions = super().get_actions(request)
        delete_selected = actions.get("delete_selected")
        if delete_selected is not None:
            func, name, _ = delete_selected
            actions["delete_selected"] = (func, name, "Purge selected annotations permanently")
        return actions

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)
