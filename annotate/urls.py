"""Every route of the app, so that URL → view is one hop. Names are hyphenated (`article-detail`)."""

from django.urls import path

from annotate.views import (
    account,
    adjudication,
    agreement,
    api,
    articles,
    claims,
    export,
    history,
    network,
)

app_name = "annotate"

urlpatterns = [
    # Articles list and the reviewer workspace (views/articles.py)
    path("", articles.article_list, name="article-list"),
    path("articles/<int:pk>/", articles.article_detail, name="article-detail"),
    path("articles/<int:pk>/annotations/", articles.annotation_create, name="annotation-create"),
    path("articles/<int:pk>/progress/", articles.progress_set, name="progress-set"),
    path("annotations/<int:pk>/edit/", articles.annotation_edit, name="annotation-edit"),
    path("annotations/<int:pk>/", articles.annotation_update, name="annotation-update"),
    path("annotations/<int:pk>/delete/", articles.annotation_delete, name="annotation-delete"),
    path("annotations/<int:pk>/restore/", articles.annotation_restore, name="annotation-restore"),
    path("annotations/<int:pk>/review/", articles.annotation_review, name="annotation-review"),
    path("annotations/<int:pk>/history/", history.annotation_history, name="annotation-history"),
    path("actors/autocomplete/", articles.actor_autocomplete, name="actor-autocomplete"),
    # The curators' adjudication view of an article (views/adjudication.py)
    path("articles/<int:pk>/adjudicate/", adjudication.adjudicate, name="adjudicate"),
    path(
        "articles/<int:pk>/adjudicate/decide/",
        adjudication.cluster_decide,
        name="cluster-decide",
    ),
    path("articles/<int:pk>/adjudicate/copy/", adjudication.curated_copy, name="curated-copy"),
    path(
        "articles/<int:pk>/adjudicate/accept-unanimous/",
        adjudication.accept_unanimous,
        name="accept-unanimous",
    ),
    # Claims, one claim, one actor (views/claims.py); the actor network (views/network.py)
    path("claims/", claims.claim_list, name="claim-list"),
    path("claims/network/", network.claim_network, name="claim-network"),
    path("claims/<int:pk>/", claims.claim_detail, name="claim-detail"),
    path("actors/<int:pk>/", claims.actor_detail, name="actor-detail"),
    # Agreement (views/agreement.py) and export (views/export.py)
    path("agreement/", agreement.agreement_page, name="agreement"),
    path("agreement/articles/<int:pk>/", agreement.agreement_article, name="agreement-article"),
    path("export/", export.export_page, name="export"),
    # The user's access tokens (views/account.py) and the token API (views/api.py)
    path("account/", account.account_page, name="account"),
    path("account/tokens/<int:pk>/revoke/", account.token_revoke, name="token-revoke"),
    path("api/articles/", api.articles, name="api-articles"),
]
