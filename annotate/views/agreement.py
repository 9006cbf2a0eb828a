"""Placeholder until the agreement screens land (same session)."""

urlpatterns: list = []
