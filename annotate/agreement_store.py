"""Agreement figures kept per article (models.ArticleAgreement) and re-summed on every read.

Reads: `overall()` sums the stored counts of every article into the project's figures (equal to
the one-shot `agreement.build_report`, see annotate.agreement_sums); `article_rows()` is the
sortable, pageable per-article table; `article_detail()` computes one article afresh, with its
disagreement list. Each read first brings stale rows up to date (`refresh`): after a few writes
that is a few articles; after a bulk import that bypassed the services (or a first read), all of
them, in one pass over the annotations read once, ordered by article.

Writes: every service that changes what agreement reads (an annotation's article, reviewer, claim,
span or labels, or whether it is live) calls `invalidate(article_ids)` in its own transaction.
Reviews do not: a verdict changes none of those.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from annotate.agreement import Item, Section
from annotate.agreement_sums import (
    ArticleSums,
    Disagreement,
    Totals,
    article_section,
    article_sums,
    disagreements_from_json,
    disagreements_to_json,
    sums_from_json,
    sums_to_json,
)
from annotate.models import Annotation, Article, ArticleAgreement

# Rows per statement when reading and writing many articles (and under SQLite's variable limit).
BATCH = 500
FIELDS = ("id", "reviewer_id", "article_id", "claim_id", "start", "end", "stance", "certainty",
          "confidence")  # fmt: skip


def disagreement_href(article_id: int, annotation_id: int) -> str:
    """Where a disagreement is resolved: its cluster, reached by one of its annotations.

    The one place every disagreement link (page, partial, JSON report) is built. It opens the
    article's workspace at the annotation until the adjudication view exists; then it becomes
    reverse("annotate:article-adjudicate", args=[article_id]) + f"#ann-{annotation_id}".
    """
    return reverse("annotate:article-detail", args=[article_id]) + f"#ann-{annotation_id}"


# ---------------------------------------------------------------- writes


def invalidate(article_ids: Iterable[int]) -> None:
    """Mark the agreement of these articles stale; call inside the write's transaction.

    An upsert with a fresh generation, so a read computing the article meanwhile cannot store its
    older figures as current (see models.ArticleAgreement).
    """
    ids = sorted(set(article_ids))
    for i in range(0, len(ids), BATCH):
        ArticleAgreement.objects.bulk_create(
            [
                ArticleAgreement(article_id=a, stale=True, generation=_generation())
                for a in ids[i : i + BATCH]
            ],
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["stale", "generation"],
        )


def _generation() -> int:
    return secrets.randbits(62)


# ---------------------------------------------------------------- bringing rows up to date


def _items(rows: Iterable[tuple[Any, ...]]) -> Iterator[Item]:
    for i, reviewer, article, claim, start, end, stance, certainty, confidence in rows:
        yield Item(i, str(reviewer), article, claim, start, end, stance, certainty, confidence)


def _computed(article_ids: list[int]) -> Iterator[ArticleSums]:
    """Every listed article's sums: its live annotations read once, in one ordered pass."""
    for i in range(0, len(article_ids), BATCH):
        chunk = article_ids[i : i + BATCH]
        rows = (
            Annotation.objects.live()
            .filter(article_id__in=chunk)
            .order_by("article_id", "start", "id")
            .values_list(*FIELDS)
        )
        seen = set()
        for article_id, items in groupby(
            _items(rows.iterator(chunk_size=5000)), lambda it: it.article
        ):
            seen.add(article_id)
            yield article_sums(article_id, list(items))
        for article_id in chunk:
            if article_id not in seen:  # every annotation deleted
                yield article_sums(article_id, [])


def _columns(sums: ArticleSums) -> dict[str, Any]:
    label, near, lone = (sums.count(k) for k in ("label", "near-miss", "unmatched"))
    return {
        "stale": False,
        "computed_at": timezone.now(),
        "annotations": sums.total,
        "reviewers": len(sums.annotations),
        "agreed_share": sums.agreed_share,
        "alpha_stance": sums.alpha_stance.value,
        "f1_overlap": sums.f1_overlap,
        "label_disagreements": label,
        "near_misses": near,
        "unmatched": lone,
        "disagreements": label + near + lone,
        "sums": sums_to_json(sums),
        "disagreement_list": disagreements_to_json(sums),
    }


def _missing() -> QuerySet[Article]:
    """Articles with live annotations and no agreement row (never computed: e.g. a bulk load)."""
    live = Annotation.objects.live().filter(article=OuterRef("pk"))
    return Article.objects.filter(Exists(live), agreement__isnull=True)


def refresh() -> int:
    """Recompute every stale or missing article's row; returns how many were computed.

    A stale row is stored only if its generation is still the one read before its annotations
    were; a missing one is inserted only if no write created it meanwhile. Either way a write that
    raced this read leaves the row stale, for the next read.
    """
    generations = dict(
        ArticleAgreement.objects.filter(stale=True).values_list("article_id", "generation")
    )
    missing = list(_missing().values_list("pk", flat=True))
    ids = sorted({*generations, *missing})
    updates: list[tuple[int, int, dict[str, Any]]] = []
    new: list[ArticleAgreement] = []
    for sums in _computed(ids):
        columns = _columns(sums)
        if sums.article_id in generations:
            updates.append((sums.article_id, generations[sums.article_id], columns))
        else:
            new.append(ArticleAgreement(article_id=sums.article_id, **columns))
        if len(updates) + len(new) >= BATCH:
            _store(updates, new)
            updates, new = [], []
    _store(updates, new)
    return len(ids)


def _store(updates: list[tuple[int, int, dict[str, Any]]], new: list[ArticleAgreement]) -> None:
    with transaction.atomic():  # one commit per batch (SQLite commits each statement otherwise)
        for article_id, generation, columns in updates:
            ArticleAgreement.objects.filter(article_id=article_id, generation=generation).update(
                **columns
            )
        ArticleAgreement.objects.bulk_create(new, ignore_conflicts=True)


# ---------------------------------------------------------------- reads


def _usernames() -> dict[str, str]:
    """Stored reviewer keys (user ids as text) → usernames."""
    User = get_user_model()
    return {str(pk): name for pk, name in User.objects.values_list("pk", "username")}


def overall(*, refreshed: bool = False) -> Section:
    """The figures over all articles, re-summed from the stored rows (refreshed first unless the
    caller just did)."""
    if not refreshed:
        refresh()
    names = _usernames()
    totals = Totals()
    rows = ArticleAgreement.objects.filter(annotations__gt=0).values_list("article_id", "sums")
    for article_id, data in rows.iterator(chunk_size=BATCH):
        totals.add(sums_from_json(article_id, data), names)
    return totals.section("All articles", None)


def article_sections(*, refreshed: bool = False) -> Iterator[tuple[Section, list[Disagreement]]]:
    """Every annotated article's Section and disagreements, from the stored rows, by article id
    (read in batches: memory stays flat however many articles there are)."""
    if not refreshed:
        refresh()
    names = _usernames()
    rows = (
        ArticleAgreement.objects.filter(annotations__gt=0)
        .order_by("article_id")
        .values_list("article_id", "article__title", "sums", "disagreement_list")
    )
    for article_id, title, data, listed in rows.iterator(chunk_size=BATCH):
        section = article_section(sums_from_json(article_id, data), title, names)
        yield section, _named(disagreements_from_json(article_id, listed), names)


def _named(disagreements: list[Disagreement], names: dict[str, str]) -> list[Disagreement]:
    """Stored disagreements with reviewer keys replaced by usernames."""
    return [
        Disagreement(
            d.kind,
            tuple(replace(it, reviewer=names.get(it.reviewer, it.reviewer)) for it in d.members),
            d.fields,
        )
        for d in disagreements
    ]


# Sort keys for the per-article table: the name in the URL, its label, and the SQL order. "Worst"
# puts the articles with the smallest share of agreed annotations first; articles with one
# reviewer (nothing to compare) go last.
SORTS: dict[str, tuple[str, list[Any]]] = {
    "worst": (
        "Least agreement first",
        [F("agreed_share").asc(nulls_last=True), F("disagreements").desc()],
    ),
    "disagreements": ("Most disagreements", [F("disagreements").desc()]),
    "near-misses": ("Most near misses", [F("near_misses").desc()]),
    "unmatched": ("Most unmatched", [F("unmatched").desc()]),
    "alpha": ("Lowest α stance", [F("alpha_stance").asc(nulls_last=True)]),
    "f1": ("Lowest detection F1", [F("f1_overlap").asc(nulls_last=True)]),
    "annotations": ("Most annotations", [F("annotations").desc()]),
    "title": ("Title", [F("article__title").asc()]),
}
DEFAULT_SORT = "worst"


def article_rows(sort: str = DEFAULT_SORT) -> QuerySet[ArticleAgreement]:
    """The per-article table, sorted (lazy: page it). Call after refresh() (overall() does)."""
    order = SORTS[sort][1]
    return (
        ArticleAgreement.objects.filter(annotations__gt=0)
        .select_related("article")
        .defer("sums", "disagreement_list", "article__text", "article__source_html")
        .order_by(*order, "article_id")
    )


@dataclass
class ArticleDetail:
    """One article's figures and disagreement list, computed afresh from its annotations."""

    section: Section
    disagreements: list[Disagreement]
    sums: ArticleSums


def article_detail(article: Article) -> ArticleDetail:
    """Compute `article`'s agreement now (one query for its annotations), reviewers named."""
    rows = (
        Annotation.objects.live()
        .filter(article=article)
        .order_by("start", "id")
        .values_list(*FIELDS)
    )
    names = _usernames()
    items = [
        Item(i, names.get(str(r), str(r)), a, c, s, e, st, ce, co)
        for i, r, a, c, s, e, st, ce, co in rows
    ]
    sums = article_sums(article.pk, items)
    return ArticleDetail(article_section(sums, article.title, {}), sums.disagreements, sums)
