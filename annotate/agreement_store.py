"""Agreement figures kept per article (models.ArticleAgreement) and re-summed on every read.

Reads: `overall()` sums the stored counts of every article into the project's figures (equal to
the one-shot `agreement.build_report`, see annotate.agreement_sums), from the stored totals while
they are valid; `article_rows()` is the sortable, pageable per-article table; `article_detail()`
computes one article afresh, with its disagreement list. Each read first brings stale rows up to
date (`refresh`): after a few writes that is a few articles; after a bulk import that bypassed the
services (or a first read), all of them, in one pass over the annotations read once, ordered by
article, BATCH articles per query and per commit.

`article_sections()`, the whole-project report (`manage.py agreement_report`), is that pass and
the read in one: BATCH articles at a time, in article order, a stale or missing article is
computed, stored and given from the objects just computed (its figures are not read back and
parsed again), an article already up to date is read from its row. Memory stays flat.

Writes: every service that changes what agreement reads (an annotation's article, reviewer, claim,
span or labels, or whether it is live) calls `invalidate(article_ids)` in its own transaction.
Reviews do not: a verdict changes none of those.
"""

from __future__ import annotations

import gc
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, JSONField, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import get_script_prefix
from django.utils import timezone

from annotate.adjudication import adjudication_url
from annotate.agreement import Item, Section
from annotate.agreement_sums import (
    ArticleSums,
    Disagreement,
    Totals,
    article_section,
    article_sums,
    disagreements_to_json,
    sums_from_json,
    sums_to_json,
)
from annotate.models import (
    AgreementTotals,
    Annotation,
    AnnotationQuerySet,
    Article,
    ArticleAgreement,
    JSONTextField,
)

# Rows per statement when reading and writing many articles (and under SQLite's variable limit).
BATCH = 250
FIELDS = ("id", "reviewer_id", "article_id", "claim_id", "start", "end", "stance", "certainty",
          "confidence")  # fmt: skip


def disagreement_href(article_id: int, annotation_id: int) -> str:
    """Where a disagreement is resolved: its cluster in the article's adjudication view, reached
    by one of its annotations (adjudication.adjudication_url's link, built once per article).

    The one place every disagreement link (page, partial, JSON report) is built.
    """
    return disagreement_links(article_id)(annotation_id)


def disagreement_links(article_id: int) -> Callable[[int], str]:
    """disagreement_href for many disagreements of one article: annotation id → link."""
    base = _article_url(article_id) + "#ann-"
    return lambda annotation_id: base + str(annotation_id)


def _article_url(article_id: int) -> str:
    """adjudication_url(article_id), from a pattern reversed once per script prefix: a report of
    a million annotations links 10,000 articles, and each reverse() took ~0.15 ms."""
    around = _around_article_id(get_script_prefix())
    if around is None:
        return adjudication_url(article_id)
    head, tail = around
    return f"{head}{article_id}{tail}"


# An id to find where reverse() writes the article id; long, so it is no part of the rest of the
# URL (and the pattern is checked against a second reverse anyway).
_PROBE_ID = 987654321987


@lru_cache(maxsize=16)
def _around_article_id(prefix: str) -> tuple[str, str] | None:
    """What adjudication_url puts before and after the article id, under this script prefix;
    None if the id is not simply written out once in it (then every link is reversed)."""
    head, found, tail = adjudication_url(_PROBE_ID).partition(str(_PROBE_ID))
    if not found or f"{head}1{tail}" != adjudication_url(1):
        return None
    return head, tail


def judged() -> AnnotationQuerySet:
    """The annotations agreement compares: live, and each a reviewer's own judgement (a curator's
    curated copy of a version, made in the adjudication view, is not)."""
    # Not `curated_from IS NULL`: without ANALYZE statistics (a fresh or bulk-loaded database),
    # SQLite takes that for a selective condition on an indexed column and reads every annotation
    # through the curated_from index, whatever else the query asks for (a million rows read per
    # batch of articles: most of a cold report's time). As an expression it uses no index, and
    # the article index serves the query, already in order.
    return Annotation.objects.live().alias(original=Coalesce("curated_from", 0)).filter(original=0)


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


# FIELDS' positions of the article and of (start, id): the order article_sums is given items in.
_ARTICLE = itemgetter(2)
_TEXT_ORDER = itemgetter(4, 0)


def _items(rows: Iterable[tuple[Any, ...]]) -> list[Item]:
    """One article's rows as Items, in text order (start, id)."""
    return [
        Item(i, str(reviewer), article, claim, start, end, stance, certainty, confidence)
        for i, reviewer, article, claim, start, end, stance, certainty, confidence in sorted(
            rows, key=_TEXT_ORDER
        )
    ]


def _computed(article_ids: list[int]) -> Iterator[ArticleSums]:
    """Every listed article's sums: its live annotations read once, in one ordered pass."""
    for i in range(0, len(article_ids), BATCH):
        chunk = article_ids[i : i + BATCH]
        # Ordered by article alone, and each article's rows sorted here: SQLite then reads an
        # article's rows through the article index in table order, nearly sequentially; ordered
        # by start too, it walks the (article, start) index and reads the table in random order
        # (0.18 s instead of 0.11 s for 100,000 annotations), and PostgreSQL sorts every batch
        # (2.3 s instead of 1.4 s for a million).
        rows = judged().filter(article_id__in=chunk).order_by("article_id").values_list(*FIELDS)
        seen = set()
        for article_id, group in groupby(rows.iterator(chunk_size=5000), _ARTICLE):
            seen.add(article_id)
            yield article_sums(article_id, _items(group))
        for article_id in chunk:
            if article_id not in seen:  # every annotation deleted
                yield article_sums(article_id, [])


def _columns(sums: ArticleSums, listed: list[dict[str, Any]]) -> dict[str, Any]:
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
        # Encoded here, as soon as the article is computed, while its objects are in the CPU's
        # cache: when the batch is stored, 250 articles later, the same encoding reads them from
        # memory again (46 µs instead of 8 µs for a disagreement list of a 100-annotation article).
        "sums": JSONTextField.encoded(sums_to_json(sums)),
        "disagreement_list": JSONTextField.encoded(listed),
    }


def _missing() -> QuerySet[Article]:
    """Articles with live annotations and no agreement row (never computed: e.g. a bulk load)."""
    live = judged().filter(article=OuterRef("pk"))
    return Article.objects.filter(Exists(live), agreement__isnull=True)


@dataclass
class _Recomputed:
    """An article computed by a refresh, with its disagreement list as stored, and (set by _store)
    what its row held before: the sums and checksum the stored totals include (no row: None, 0)."""

    sums: ArticleSums
    generation: int | None  # the stale row's, read before its annotations; None: no row
    listed: list[dict[str, Any]]  # disagreements_to_json(sums)
    checksum: int  # the one stored with the new figures
    columns: dict[str, Any]  # _columns(sums, listed), made as soon as computed
    old_sums: dict[str, Any] | None = None
    old_checksum: int = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while computing many articles: the pass makes millions
    of small objects, none cyclic, and the collector's scans of them cost more than the pass
    (as in services.restore)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _pending() -> tuple[dict[int, int], list[int]]:
    """What a refresh computes: the stale rows' generations (read before any annotation is) and
    the ids of every stale or missing article, sorted."""
    generations = dict(
        ArticleAgreement.objects.filter(stale=True).values_list("article_id", "generation")
    )
    missing = _missing().values_list("pk", flat=True)
    return generations, sorted({*generations, *missing})


def refresh() -> int:
    """Recompute every stale or missing article's row; returns how many were computed.

    A stale row is stored only if its generation is still the one read before its annotations
    were; a missing one is inserted only if no write created it meanwhile. Either way a write that
    raced this read leaves the row stale, for the next read. The stored totals follow each stored
    row (old sums out, new sums in) while they are valid (see models.AgreementTotals).
    """
    generations, ids = _pending()
    with gc_paused():
        for _stored in _refreshing(generations, ids, _TotalsKept()):
            pass
    return len(ids)


@dataclass
class _TotalsKept:
    """The totals one pass last stored, so that its next batch need not read and parse them again
    (400 kB of JSON with five reviewers) unless someone else changed them since."""

    checksum: int | None = None
    totals: Totals | None = None


def _refreshing(
    generations: dict[int, int], ids: list[int], kept: _TotalsKept
) -> Iterator[list[_Recomputed]]:
    """Compute the articles `ids` and store them (see refresh), BATCH at a time; yields each batch
    once stored, so a reader can use the figures it just wrote without reading them back."""
    batch: list[_Recomputed] = []
    for sums in _computed(ids):
        generation = generations.get(sums.article_id)
        listed = disagreements_to_json(sums)
        columns = _columns(sums, listed)
        batch.append(_Recomputed(sums, generation, listed, _new_checksum(), columns))
        if len(batch) >= BATCH:
            _store(batch, kept)
            yield batch
            batch = []
    if batch:
        _store(batch, kept)
        yield batch


def _checksum() -> int:
    """The sum of every row's checksum: what valid totals must have summed."""
    return ArticleAgreement.objects.aggregate(total=Sum("checksum"))["total"] or 0


def _new_checksum() -> int:
    return secrets.randbits(40)  # a million rows still sum within 64 bits


def _store(batch: list[_Recomputed], kept: _TotalsKept) -> None:
    """Write a batch of recomputed rows, and follow them in the totals if those are valid."""
    if not batch:
        return
    with transaction.atomic():  # one commit per batch; the totals row is locked until then
        # Empty totals are valid for an empty store: a first refresh fills them as it goes.
        AgreementTotals.objects.bulk_create([AgreementTotals(pk=1)], ignore_conflicts=True)
        totals_row = AgreementTotals.objects.filter(pk=1)
        total_checksum = totals_row.select_for_update().values_list("checksum", flat=True).get()
        valid = total_checksum == _checksum()
        stored: list[_Recomputed] = []
        new = {item.sums.article_id: item for item in batch if item.generation is None}
        old = {
            item.sums.article_id: (item, item.generation)
            for item in batch
            if item.generation is not None
        }
        if valid and old:
            # What the totals hold for a row we replace: read under the totals' lock, so no
            # other refresh stores it meanwhile (a write would change its generation: no update).
            for article_id, generation, data, checksum in ArticleAgreement.objects.filter(
                article_id__in=list(old)
            ).values_list("article_id", "generation", "sums", "checksum"):
                item, read = old[article_id]
                if generation == read:
                    item.old_sums, item.old_checksum = data, checksum
        for item, generation in old.values():
            columns = {
                **item.columns,
                "checksum": item.checksum,
                "generation": _generation(),
            }
            same = ArticleAgreement.objects.filter(
                article_id=item.sums.article_id, generation=generation
            )
            if same.update(**columns):
                stored.append(item)
        if new:
            ArticleAgreement.objects.bulk_create(
                [
                    ArticleAgreement(article_id=a, **it.columns, checksum=it.checksum)
                    for a, it in new.items()
                ],
                ignore_conflicts=True,
            )
            # Inserted unless a write created the row meanwhile: then its checksum is not ours.
            ours = ArticleAgreement.objects.filter(article_id__in=list(new)).values_list(
                "article_id", "checksum"
            )
            stored += [new[a] for a, checksum in ours if new[a].checksum == checksum]
        if not valid:
            return  # the next overall() re-sums every row
        if kept.totals is not None and kept.checksum == total_checksum:
            totals = kept.totals
        else:
            totals = Totals.from_json(totals_row.values_list("sums", flat=True).get())
        kept.checksum, kept.totals = None, totals  # changed from here on: kept once stored
        for item in stored:
            totals.add(item.sums)
            if item.old_sums:
                totals.add(sums_from_json(item.sums.article_id, item.old_sums), sign=-1)
            total_checksum += item.checksum - item.old_checksum
        # Serialised with orjson (Cast: the column's own json.dumps is 20× slower on 400 kB).
        data = Cast(Value(orjson.dumps(totals.to_json()).decode()), JSONField())
        totals_row.update(sums=data, checksum=total_checksum, computed_at=timezone.now())
        kept.checksum = total_checksum


# ---------------------------------------------------------------- reads


def _usernames() -> dict[str, str]:
    """Stored reviewer keys (user ids as text) → usernames."""
    User = get_user_model()
    return {str(pk): name for pk, name in User.objects.values_list("pk", "username")}


def overall(*, refreshed: bool = False) -> Section:
    """The figures over all articles: the stored totals if valid, else re-summed from every row
    (and stored). Refreshes stale rows first unless the caller just did."""
    if not refreshed:
        refresh()
    row = AgreementTotals.objects.filter(pk=1).first()
    if row is not None and row.checksum == _checksum():
        totals = Totals.from_json(row.sums)
    else:
        totals, checksum = _summed()
        AgreementTotals.objects.update_or_create(
            pk=1, defaults={"sums": totals.to_json(), "checksum": checksum}
        )
    return totals.section("All articles", None, _usernames())


def _summed() -> tuple[Totals, int]:
    """Every row added up, and the sum of the checksums of exactly the rows read (one query)."""
    totals = Totals()
    checksum = 0
    rows = ArticleAgreement.objects.values_list("article_id", "sums", "checksum")
    for article_id, data, row_checksum in rows.iterator(chunk_size=BATCH):
        checksum += row_checksum
        if data:
            totals.add(sums_from_json(article_id, data))
    return totals, checksum


def article_sections() -> Iterator[tuple[Section, list[dict[str, Any]], dict[str, str]]]:
    """Every annotated article's Section, its disagreement list (as
    agreement_sums.disagreements_to_json writes it) and the reviewer names to read it with, by
    article id, bringing the store up to date on the way.

    One pass, BATCH articles at a time (memory stays flat however many there are): a stale or
    missing article is computed, stored (as refresh() does) and yielded from what was computed,
    without reading back and parsing what was just written; the others are read from the store.
    """
    names = _usernames()
    generations, pending = _pending()
    computing = set(pending)
    current = ArticleAgreement.objects.filter(annotations__gt=0, stale=False)
    ids = sorted(computing.union(current.values_list("article_id", flat=True)))
    kept = _TotalsKept()
    for i in range(0, len(ids), BATCH):
        # A function per batch, so that a batch's figures are freed before the next is computed.
        yield from _batch_sections(ids[i : i + BATCH], computing, generations, names, kept)


def _batch_sections(
    chunk: list[int],
    computing: set[int],
    generations: dict[int, int],
    names: dict[str, str],
    kept: _TotalsKept,
) -> Iterator[tuple[Section, list[dict[str, Any]], dict[str, str]]]:
    """article_sections for the articles `chunk`: `computing` are computed and stored."""
    computed = {
        item.sums.article_id: (item.sums, item.listed)
        for batch in _refreshing(generations, [a for a in chunk if a in computing], kept)
        for item in batch
        if item.sums.total
    }
    # Read even if made stale since the listing: the next read recomputes it.
    rows = ArticleAgreement.objects.filter(
        annotations__gt=0, article_id__in=[a for a in chunk if a not in computing]
    ).values_list("article_id", "sums", "disagreement_list")
    read = {a: (data, listed) for a, data, listed in rows}
    titles = dict(Article.objects.filter(pk__in=chunk).values_list("pk", "title"))
    for article_id in chunk:
        title = titles.get(article_id)
        if article_id in computed and title is not None:
            sums, listed = computed[article_id]
        elif article_id in read and title is not None:
            data, listed = read[article_id]
            sums = sums_from_json(article_id, data)
        else:
            continue  # every annotation deleted, or the article itself, meanwhile
        yield article_section(sums, title, names), listed, names


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
    rows = judged().filter(article=article).order_by("start", "id").values_list(*FIELDS)
    names = _usernames()
    items = [
        Item(i, names.get(str(r), str(r)), a, c, s, e, st, ce, co)
        for i, r, a, c, s, e, st, ce, co in rows
    ]
    sums = article_sums(article.pk, items)
    return ArticleDetail(article_section(sums, article.title, {}), sums.disagreements, sums)
