"""Writes of articles and of reviewers' progress on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from annotate.models import Article, Progress, ProgressStatus


def progress_touch(*, article: Article, reviewer: User) -> Progress:
    """Mark an article as started by `reviewer` (no-op when already started or done)."""
    progress, _ = Progress.objects.get_or_create(article=article, reviewer=reviewer)
    return progress


@transaction.atomic
def progress_set(*, article: Article, reviewer: User, done: bool) -> Progress:
    """Mark the article done for `reviewer`, or reopen it."""
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
