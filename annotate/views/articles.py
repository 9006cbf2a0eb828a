"""Articles list and workspace (placeholder list page until the workspace lands)."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET


@require_GET
def article_list(request):
    return render(request, "annotate/base.html", {})


urlpatterns = [path("", article_list, name="article-list")]
