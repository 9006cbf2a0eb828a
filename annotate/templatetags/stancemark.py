"""Template helpers shared by every screen."""

from django import template
from django.urls import NoReverseMatch, reverse

from annotate.permissions import is_curator as _is_curator

register = template.Library()


@register.filter
def is_curator(user) -> bool:
    return _is_curator(user)


@register.simple_tag
def url_if_exists(name: str) -> str:
    """Reverse `name`, or '' when that screen is not installed: the nav hides missing links."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""
