"""Every write to Stancemark's data goes through these functions.

They live by idea in services/actors.py, annotations.py, articles.py, relations.py and sources.py
and are all named here, so callers write `services.annotation_save(...)` without knowing which
module holds it.

Annotations (created, saved from the form, edited, deleted, restored, reviewed: in the workspace,
on the curator screens and in the admin alike), the actors and claims they name, reviewers'
progress, imported articles, the starter actors and the starter relation groups are all written
here. The functions validate (spans against the article text, labels, ownership, stale versions),
write atomically and raise django.core.exceptions.ValidationError with per-field messages, so
forms, the admin, management commands and tests get the same rules and the same wording.

What Django writes itself: the admin's plain edits of articles (their frozen-text rule is
Article.clean), actors, aliases, relations, claims and site settings (SiteSettings.load() creates
the row on first use); user accounts and sessions.
"""

from annotate.services.actors import (
    NewActor,
    UnknownActors,
    actor_get_or_create,
    actor_lookup,
    actors_load_starter,
    actors_resolve,
    alias_add,
    claim_get_or_create,
)
from annotate.services.adjudication import accept_unanimous, cluster_decide, curated_copy
from annotate.services.annotations import (
    ANNOTATION_FIELDS,
    AnnotationInput,
    DuplicateAnnotation,
    StaleEdit,
    StaleReview,
    annotation_create,
    annotation_delete,
    annotation_lock_for_edit,
    annotation_restore,
    annotation_review,
    annotation_save,
    annotation_update,
    annotation_validate,
    annotations_review_bulk,
    annotations_set_deleted_bulk,
)
from annotate.services.articles import (
    ArticleUpdate,
    articles_create_bulk,
    articles_import,
    progress_set,
    progress_touch,
)
from annotate.services.relations import relation_groups_load_starter
from annotate.services.sources import (
    OfferedSource,
    link_unlinked,
    offered_with,
    source_get_or_create,
    sources_offered,
    sources_offered_in,
)

__all__ = [
    "accept_unanimous",
    "cluster_decide",
    "curated_copy",
    "ANNOTATION_FIELDS",
    "AnnotationInput",
    "DuplicateAnnotation",
    "ArticleUpdate",
    "NewActor",
    "StaleEdit",
    "StaleReview",
    "UnknownActors",
    "actor_get_or_create",
    "actor_lookup",
    "actors_load_starter",
    "actors_resolve",
    "alias_add",
    "annotation_create",
    "annotation_delete",
    "annotation_lock_for_edit",
    "annotation_restore",
    "annotation_review",
    "annotation_save",
    "annotation_update",
    "annotation_validate",
    "annotations_review_bulk",
    "annotations_set_deleted_bulk",
    "articles_create_bulk",
    "articles_import",
    "claim_get_or_create",
    "link_unlinked",
    "offered_with",
    "OfferedSource",
    "source_get_or_create",
    "sources_offered",
    "sources_offered_in",
    "progress_set",
    "progress_touch",
    "relation_groups_load_starter",
]
