"""The app's URLs, gathered from each screen module so modules can grow independently."""

from annotate.views import agreement, articles, claims, export

app_name = "annotate"

urlpatterns = [
    *articles.urlpatterns,
    *claims.urlpatterns,
    *agreement.urlpatterns,
    *export.urlpatterns,
]
