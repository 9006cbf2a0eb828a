"""Views, one module per screen family. Each module exposes `urlpatterns`, gathered in annotate.urls."""
