"""The actor network (/claims/network/): the claims page's data drawn as a graph.

Same filters as /claims/ (ClaimFilterForm and ClaimFilters.apply, so whatever they learn the
network follows), same visibility (annotate.permissions.Visibility), same rows
(claims.claim_tallies / claim_rows); annotate/network.py turns the first of them into a picture.
Query count is constant: the graph is capped, and the rows are read in one page.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotate import claims, network
from annotate.claim_tally import ClaimTally
from annotate.models import ClaimSummary
from annotate.permissions import visibility_for
from annotate.views.claims import ClaimFilterForm
from annotate.views.requests import AppRequest


@require_GET
def claim_network(request: AppRequest) -> HttpResponse:
    """Actors as nodes, claims as arrows, and the same claims as a table (claim_network.html).

    Context: form, filters, graph (network.Network, None when nothing matches), legend
    (network.STANCE_LEGEND), visibility, actor_names (suggestions), querystring (the valid filters,
    for the claim and actor links and the list view, which keep them), is_filtered.
    """
    visibility = visibility_for(request.user)
    form = ClaimFilterForm.for_user(request.GET or None, visibility)
    filters = form.filters(visibility)
    tallies = claims.claim_tallies(visibility, filters)
    first: list[ClaimSummary | ClaimTally] = list(tallies[: network.MAX_CLAIMS])
    total = len(tallies) if isinstance(tallies, list) else tallies.count()
    rows = claims.claim_rows(first)
    graph = network.build(rows, total=total) if rows else None
    return render(
        request,
        "annotate/claim_network.html",
        {
            "form": form,
            "filters": filters,
            "graph": graph,
            "legend": network.STANCE_LEGEND,
            "visibility": visibility,
            "actor_names": claims.actor_names(visibility.actors()),
            "querystring": filters.querystring(),
            "is_filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        },
    )
