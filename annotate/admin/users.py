"""Users in the admin: Django's own user admin, plus who is a curator, in the list and the form.

Making someone a curator is a membership of the Curators group (permissions.is_curator reads it).
Django's group chooser already does that, but it is a two-list widget at the bottom of a long page;
a "Curator" checkbox next to the staff flag says what it means, and the list shows each user's role.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from annotate.models import CURATORS_GROUP

User = get_user_model()


def _curators() -> Group:
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    return group


class CuratorField(forms.ModelForm):
    """Adds the Curator checkbox; saving it adds or removes the Curators group membership."""

    curator = forms.BooleanField(
        required=False,
        label="Curator",
        help_text=(
            "Curators see every reviewer's annotations, accept or reject them, and read the "
            "agreement report. (The same as adding the user to the Curators group below.)"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["curator"].initial = self.instance.groups.filter(
                name=CURATORS_GROUP
            ).exists()

    def _save_m2m(self) -> None:
        super()._save_m2m()  # type: ignore[misc]
        # After the group chooser (if shown) is saved, so the checkbox decides about Curators.
        if "curator" not in self.changed_data:
            return
        if self.cleaned_data["curator"]:
            self.instance.groups.add(_curators())
        else:
            self.instance.groups.remove(_curators())


class UserChangeForm(CuratorField, auth_forms.UserChangeForm):
    pass


class UserCreationForm(CuratorField, auth_forms.AdminUserCreationForm):
    pass


admin.site.unregister(User)


@admin.register(User)
class StancemarkUserAdmin(UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    # Records of what happened, not settings: shown as text (their split date and time inputs
    # had no labels of their own, and nobody should back-date a login).
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Role in Stancemark",
            {
                "fields": ("curator", "is_staff", "is_superuser", "is_active"),
                "description": (
                    "Reviewers are ordinary users. Tick Curator to let this user adjudicate; "
                    "staff status opens this admin."
                ),
            },
        ),
        (
            "Groups and permissions",
            {"classes": ("collapse",), "fields": ("groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "curator"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Role")
    def role(self, user: Any) -> str:
        """Admin, Staff, Curator or Reviewer, then any other groups, so the list shows who does what."""
        groups = sorted(g.name for g in user.groups.all())
        role = (
            "Admin"
            if user.is_superuser
            else "Staff"
            if user.is_staff
            else "Curator"
            if CURATORS_GROUP in groups
            else "Reviewer"
        )
        others = [g for g in groups if g != CURATORS_GROUP]
        if CURATORS_GROUP in groups and role != "Curator":
            others.insert(0, "Curator")
        return ", ".join([role, *others])
