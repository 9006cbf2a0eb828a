"""Django admin for every Stancemark model (one module per idea; importing them registers them).

Users are Django's own admin plus a Curator checkbox and a Role column (users.py); the Curators
group is created by a migration.
"""

from django.contrib import admin

from annotate.admin import (  # noqa: F401
    actors,
    agreement,
    annotations,
    articles,
    history,
    site,
    sources,
    tokens,
    users,
)

admin.site.site_header = "Stancemark admin"
admin.site.site_title = "Stancemark admin"
admin.site.index_title = "Articles, actors, claims and annotations"
