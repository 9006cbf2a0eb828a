"""Stored agreement figures and claim tallies in the admin: read-only, to see what is stored and
whether it is stale.

The rows are derived data (annotate/agreement_store.py, annotate/claim_store.py): nobody types
them. Deleting one is safe (the next read of /agreement/ recomputes that article; of /claims/,
that claim), so it is the only change offered.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from annotate.models import AgreementTotals, ArticleAgreement, ClaimSummary


class _DerivedAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArticleAgreement)
class ArticleAgreementAdmin(_DerivedAdmin):
    list_display = ("article", "stale", "annotations", "reviewers", "agreed_share",
                    "alpha_stance", "disagreements", "computed_at")  # fmt: skip
    list_filter = ("stale",)
    search_fields = ("article__title",)
    list_select_related = ("article",)
    readonly_fields = ("article",)
    exclude = ("sums", "disagreement_list")  # long JSON: the page and the report show it


@admin.register(AgreementTotals)
class AgreementTotalsAdmin(_DerivedAdmin):
    list_display = ("__str__", "checksum", "computed_at")
    exclude = ("sums",)


@admin.register(ClaimSummary)
class ClaimSummaryAdmin(_DerivedAdmin):
    list_display = ("claim", "accepted_only", "by_reviewer", "stale", "attributions", "marks",
                    "sources", "articles", "reviewers", "computed_at")  # fmt: skip
    list_filter = ("stale", "accepted_only")
    search_fields = ("claim__text",)
    list_select_related = ("claim",)
    readonly_fields = ("claim",)
    exclude = ("by_stance",)  # JSON: the claims page shows it
