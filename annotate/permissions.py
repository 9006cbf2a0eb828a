"""Who may see and change what. One place, so views, admin and export agree."""

from __future__ import annotations

from annotate.models import CURATORS_GROUP, Annotation, SiteSettings


def is_curator(user) -> bool:
    """Staff and members of the Curators group adjudicate and see everyone's work."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached = getattr(user, "_stancemark_is_curator", None)
    if cached is None:
        cached = user.groups.filter(name=CURATORS_GROUP).exists()
        user._stancemark_is_curator = cached
    return cached


def can_change_annotation(user, annotation: Annotation) -> bool:
    """Only the reviewer who made an annotation may edit, delete or restore it."""
    return user.is_authenticated and annotation.reviewer_id == user.pk


def can_manage_annotations(user) -> bool:
    """Staff manage every reviewer's annotations in the admin: edit, delete and restore them."""
    return user.is_authenticated and user.is_staff


def can_see_others(user, site: SiteSettings | None = None) -> bool:
    """Curators and staff always; reviewers only when the site allows it."""
    if is_curator(user):
        return True
    site = site or SiteSettings.load()
    return site.reviewers_see_others
