"""One annotation's history: who changed what, when, before and after (services.history).

Whoever may see the annotation may see its history (permissions.may_see_annotation); anyone else
gets a 404, as for an annotation that does not exist, so the page does not tell that it does.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from annotate.models import Annotation
from annotate.permissions import may_see_annotation
from annotate.services import history
from annotate.views.requests import AppRequest


@require_GET
def annotation_history(request: AppRequest, pk: int) -> HttpResponse:
    """Template annotation_history.html: the whole page, or its `#events` partial for htmx (the
    workspace's History disclosure loads it on demand). Five queries at most, whatever the count."""
    annotation = get_object_or_404(
        Annotation.objects.select_related("article", "claim", "reviewer"), pk=pk
    )
    if not may_see_annotation(request.user, annotation):
        raise Http404("No such annotation.")
    events = annotation.events.select_related("user").order_by("at", "id")
    context = {
        "annotation": annotation,
        "events": [(event, history.describe(event)) for event in events],
    }
    template = "annotate/annotation_history.html"
    if request.htmx and not request.htmx.boosted:
        template += "#events"
    return render(request, template, context)
