"""Actors (with aliases), relations, relation groups and claims in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest

from annotate import services
from annotate.admin import common
from annotate.models import Actor, ActorAlias, Claim, Relation, RelationGroup


class ActorAliasForm(forms.ModelForm):
    """An alias must not already name a different actor, or actor lookup becomes ambiguous."""

    class Meta:
        model = ActorAlias
        fields = ("actor", "name")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        other = services.actor_lookup(name)
        actor_id = self.instance.actor_id
        if other and other.pk != actor_id:
            raise ValidationError(
                f"“{name}” already names {other.name}; an alias must be unambiguous."
            )
        return name


class ActorAdminForm(forms.ModelForm):
    """Names are unique ignoring case, across names and aliases: say which actor already has it."""

    class Meta:
        model = Actor
        fields = ("name", "kind", "affiliation", "description")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        other = services.actor_lookup(name)
        if other and other.pk != self.instance.pk:
            raise ValidationError(
                f"“{name}” already names {other.name} (#{other.pk}): edit that actor, or add "
                "this name as its alias."
            )
        return name


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    form = ActorAliasForm
    extra = 1


@admin.register(Actor)
class ActorAdmin(common.KeepsClaimTallies, admin.ModelAdmin):
    form = ActorAdminForm
    tallied_fields = ("name",)  # sources and affiliations are named by it
    list_display = ("name", "kind", "affiliation", "alias_list", "claim_count")
    list_filter = ("kind",)
    list_select_related = ("affiliation",)
    search_fields = ("name", "aliases__name")
    autocomplete_fields = ("affiliation",)
    inlines = (ActorAliasInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Actor]:
        # Counts in the same query and aliases in one extra query, whatever the number of rows.
        return (
            super()
            .get_queryset(request)
            .annotate(
                claim_count=Count("claims_as_subject", distinct=True)
                + Count("claims_as_object", distinct=True)
            )
            .prefetch_related("aliases")
        )

    @admin.display(description="Aliases")
    def alias_list(self, obj: Actor) -> str:
        return ", ".join(alias.name for alias in obj.aliases.all())

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj: Actor) -> int:
        return obj.claim_count  # type: ignore[attr-defined]  # added by get_queryset()


@admin.register(ActorAlias)
class ActorAliasAdmin(admin.ModelAdmin):
    form = ActorAliasForm
    list_display = ("name", "actor")
    list_select_related = ("actor",)
    search_fields = ("name", "actor__name")
    autocomplete_fields = ("actor",)


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):
    list_display = ("slug", "label", "description", "claim_count")
    search_fields = ("slug", "label", "description")
    prepopulated_fields = {"slug": ("label",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Relation]:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj: Relation) -> int:
        return obj.claim_count  # type: ignore[attr-defined]  # added by get_queryset()


@admin.register(RelationGroup)
class RelationGroupAdmin(admin.ModelAdmin):
    """Groups asked about as one choice on /claims/ ("support of any kind")."""

    list_display = ("label", "slug", "member_list", "description")
    search_fields = ("slug", "label", "description", "relations__label")
    prepopulated_fields = {"slug": ("label",)}
    filter_horizontal = ("relations",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RelationGroup]:
        # Members in one extra query, whatever the number of groups.
        return super().get_queryset(request).prefetch_related("relations")

    @admin.display(description="Relations")
    def member_list(self, obj: RelationGroup) -> str:
        return ", ".join(relation.label for relation in obj.relations.all())


class ClaimAdminForm(forms.ModelForm):
    """Leave the text blank to generate it from subject, relation, object and qualifier."""

    class Meta:
        model = Claim
        fields = ("subject", "relation", "object", "qualifier", "text")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False
        self.fields[
            "text"
        ].help_text = "Readable form. Leave blank to generate it, e.g. “Russia arms Taliban”."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["qualifier"] = " ".join((cleaned.get("qualifier") or "").split())
        subject, relation, obj = (cleaned.get(name) for name in ("subject", "relation", "object"))
        text = " ".join((cleaned.get("text") or "").split())
        if not text and subject and relation and obj:
            text = Claim.generated_text(subject, relation, obj, cleaned["qualifier"])
        cleaned["text"] = text
        if subject and relation and obj:
            # The database constraint ignores the qualifier's case; say which claim is the twin.
            twin = (
                Claim.objects.annotate(lq=Lower("qualifier"))
                .filter(subject=subject, relation=relation, object=obj)
                .filter(lq=cleaned["qualifier"].lower())
                .exclude(pk=self.instance.pk)
                .first()
            )
            if twin:
                raise ValidationError(
                    f"This claim already exists as #{twin.pk} “{twin.text}”: use that claim."
                )
        return cleaned


@admin.register(Claim)
class ClaimAdmin(common.AnnotationCountColumn, admin.ModelAdmin):
    form = ClaimAdminForm
    list_display = ("text", "subject", "relation", "object", "qualifier", "annotation_count")
    list_filter = ("relation",)
    list_select_related = ("subject", "relation", "object")
    search_fields = ("text", "qualifier", "subject__name", "object__name")
    autocomplete_fields = ("subject", "object")
    fields = ("subject", "relation", "object", "qualifier", "text")
