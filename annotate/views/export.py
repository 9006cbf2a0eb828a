"""Placeholder until the export screens land (same session)."""

urlpatterns: list = []
