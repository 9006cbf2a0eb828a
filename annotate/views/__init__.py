"""Views, one module per screen family; every route that reaches them is listed in annotate.urls."""
