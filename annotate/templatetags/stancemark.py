"""Template helpers shared by every screen."""

from django import template
from django.urls import NoReverseMatch, reverse

from annotate.models import confidence_label
from annotate.permissions import is_curator as _is_curator

register = template.Library()


@register.filter
def is_curator(user) -> bool:
    return _is_curator(user)


@register.filter
def confidence(value: int) -> str:
    """{{ a.confidence|confidence }} → "4/5" (models.confidence_label)."""
    return confidence_label(value)


@register.simple_tag
def url_if_exists(name: str) -> str:
    """Reverse `name`, or '' when that screen is not installed: the nav hides missing links."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""
