"""Placeholder until the claims screens land (same session)."""

urlpatterns: list = []
