"""Writes of articles and of reviewers' progress on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from annotate.models import Annotation, Article, Progress, ProgressStatus
from annotate.permissions import FINAL_REOPEN, check_not_final


def progress_touch(*, article: Article, reviewer: User) -> Progress:
    """Mark an article as started by `reviewer` (no-op when already started or done)."""
    progress, _ = Progress.objects.get_or_create(article=article, reviewer=reviewer)
    return progress


def progress_for_write(*, article: Article, reviewer: User) -> Progress:
    """progress_touch for a write of `reviewer`'s own annotations: raises
    permissions.AnnotationsFinal when blind mode made their work on the article final."""
    progress = check_not_final(reviewer, article.pk)
    return progress if progress is not None else progress_touch(article=article, reviewer=reviewer)


@transaction.atomic
def progress_set(*, article: Article, reviewer: User, done: bool) -> Progress:
    """Mark the article done for `reviewer`, or reopen it; in blind mode a done article stays
    done (permissions.AnnotationsFinal: the reviewer has seen the others' work there)."""
    if not done:
        check_not_final(reviewer, article.pk, message=FINAL_REOPEN)
    progress, _ = Progress.objects.get_or_create(article=article, reviewer=reviewer)
    progress.status = ProgressStatus.DONE if done else ProgressStatus.STARTED
    progress.done_at = timezone.now() if done else None
    progress.save(update_fields=["status", "done_at"])
    return progress


@transaction.atomic
def articles_create_bulk(*, articles: Sequence[Article], batch_size: int = 500) -> None:
    """Insert new articles (the importer's write), `batch_size` rows a statement; all or none.

    The caller has normalised, hashed and deduplicated them (annotate.importing). An IntegrityError
    means another process stored one of the same texts meanwhile; nothing is written then.
    """
    for i in range(0, len(articles), batch_size):
        Article.objects.bulk_create(articles[i : i + batch_size])


@dataclass(frozen=True, slots=True)
class ArticleUpdate:
    """An import's change to a stored article: `fields` to set, and a new text unless None."""

    pk: int
    fields: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    text_sha256: str = ""


@transaction.atomic
def articles_import(
    *, new: Sequence[Article], updates: Sequence[ArticleUpdate] = (), batch_size: int = 500
) -> set[int]:
    """Insert `new` articles and apply `updates`, all or none; the pks whose text was replaced.

    A text is replaced only while no annotation (live or deleted) points into it: the row is
    locked and checked here, so an annotation saved since the importer looked keeps it frozen.
    An IntegrityError means another process stored one of the same texts meanwhile.
    """
    articles_create_bulk(articles=new, batch_size=batch_size)
    replaced: set[int] = set()
    for update in updates:
        values = dict(update.fields)
        list(Article.objects.select_for_update().filter(pk=update.pk).values_list("pk"))
        if update.text is not None and not Annotation.objects.filter(article_id=update.pk).exists():
            values.update(text=update.text, text_sha256=update.text_sha256)
            replaced.add(update.pk)
        if values:
            Article.objects.filter(pk=update.pk).update(**values)
    return replaced
