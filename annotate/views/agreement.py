"""Inter-annotator agreement for curators and staff: per article and overall, per reviewer pair.

The numbers come from annotate.claims.agreement_report (two queries, then the pure maths in
annotate.agreement), the same function `manage.py agreement_report` prints.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotate import claims
from annotate.agreement import CERTAINTY_ORDER, OVERLAP_THRESHOLD
from annotate.permissions import is_curator
from annotate.views.requests import AppRequest


@require_GET
def agreement_page(request: AppRequest) -> HttpResponse:
    """The agreement report (annotate/agreement.html); reviewers get 403 so agreement stays blind.

    Context: report (annotate.agreement.Report), threshold_percent, certainty_order.
    """
    if not is_curator(request.user):
        raise PermissionDenied("The agreement report is for curators and staff.")
    return render(
        request,
        "annotate/agreement.html",
        {
            "report": claims.agreement_report(),
            "threshold_percent": round(OVERLAP_THRESHOLD * 100),
            "certainty_order": " > ".join(reversed(CERTAINTY_ORDER)),
        },
    )
