"""Importing our own exports: restore into an empty database, or merge into one with data.

annotate.restoring reads each file into plain records; this module resolves them against the
database and writes them, all files in one transaction:

- users by username (missing ones refused unless `create_reviewers`, which creates them with an
  unusable password); relations by slug;
- actors by name or alias, ignoring case; claims by subject, relation, object and qualifier
  (ignoring case, as the claim_unique constraint does); articles by text_sha256 (an article the
  database lacks needs its text in the file); sources (schema 2) by article and identity
  (models.source_identity), so the mentions of one source stay one source; the annotations of a
  version-1 file, which has no sources, are linked to theirs after the insert (link_unlinked);
- annotations validated like a save in the app (annotation_validate: offsets, quotes, labels,
  confidence) plus status and timestamps. An annotation is "already there" when a live annotation
  with the same article, reviewer, claim, content/source/cue offsets, source kind and actor,
  stance and certainty exists (counted as a multiset, so a file holding two identical rows
  restores both and a second import adds none);
- into an empty table, rows keep the file's ids (so a restore exports byte for byte as the
  original); otherwise they get new ids.

Rows are written with bulk inserts (executemany) so 100,000 annotations take seconds.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from annotate.agreement_store import invalidate as agreement_stale
from annotate.claim_store import invalidate as claims_stale
from annotate.importing import normalise_text
from annotate.models import (
    TITLE_MAX_LENGTH,
    Actor,
    ActorAlias,
    ActorKind,
    Annotation,
    AnnotationEvent,
    Article,
    Claim,
    EventKind,
    Relation,
    Source,
    SourceKind,
    Status,
    UnnamedKind,
    source_identity,
)
from annotate.restoring import RestoreData, RestoreFileError, read_path
from annotate.services import history
from annotate.services.annotations import ANNOTATION_FIELDS, annotation_validate
from annotate.services.sources import link_unlinked

BATCH = 2000
SQLITE_CACHE_KIB = -262144  # negative: KiB, i.e. up to 256 MB, used only as the import needs it
_STATUSES = tuple(Status.values)  # a tuple: a value from a file may be unhashable
KINDS = ("users", "relations", "actors", "aliases", "claims", "articles", "sources", "annotations")


class RestoreError(Exception):
    """The import was refused; nothing was changed. `report` says why."""

    def __init__(self, message: str, report: RestoreReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass
class RestoreReport:
    added: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    invalid: list[tuple[str, str, str]] = field(default_factory=list)  # (file, where, why)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return sum(self.added.values()) > 0

    def summary(self) -> str:
        verb = "Would add" if self.dry_run else "Added"
        parts = [f"{self.added[k]} {k}" for k in KINDS if self.added[k]]
        there = [f"{self.present[k]} {k}" for k in KINDS if self.present[k]]
        lines = []
        if parts:
            lines.append(f"{verb}: {', '.join(parts)}.")
        else:
            lines.append("Nothing to add: everything in the file(s) is already in the database.")
        if there:
            lines.append(f"Already there: {', '.join(there)}.")
        if self.invalid:
            lines.append(f"Skipped {len(self.invalid)} invalid record(s).")
        if self.dry_run:
            lines.append("Dry run: nothing was changed.")
        return "\n".join(lines)


def _lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or None when absent or when a file gave an unhashable key (a list, say)."""
    try:
        return mapping.get(key)
    except TypeError:
        return None


def _clean(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _datetime_adapter() -> Callable[[datetime], Any]:
    """The database's datetime adaptation, without Django's per-value overhead for SQLite (a
    third of the write time at 100,000 rows): naive UTC text exactly as Django stores it."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value

    def adapt(value: datetime) -> str:
        if value.utcoffset():
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None).isoformat(" ")

    return adapt


def _insert(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT `rows` (already adapted for the database) into `model`'s table, in batches."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of 100,000 statements (executemany took 20 s under load).
            names = ", ".join(quote(c) for c in columns)
            copy_sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[i : i + BATCH])


def _new_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids for new rows of `model` that no other row has or will get: taken from the
    sequence on PostgreSQL; on SQLite, past the highest id ever given (the import's IMMEDIATE
    transaction holds the write lock, so nobody inserts meanwhile)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        given = cursor.fetchone()
        first = max(top, given[0] if given else 0) + 1
    return list(range(first, first + count))


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@dataclass
class SourceRef:
    """A file's source resolved to the target: its values as stored, and its id once written."""

    article: int
    kind: str
    actor: int | None
    unnamed_kind: str
    affiliation: int | None
    description: str
    identity: str
    pk: int = 0


class _Importer:
    def __init__(
        self,
        report: RestoreReport,
        *,
        create_reviewers: bool,
        progress: Callable[[str], None],
    ):
        self.report = report
        self.create_reviewers = create_reviewers
        self.progress = progress
        self.keep_ids: set[type[models.Model]] = set()

    def bad(self, data: RestoreData, where: str, why: str) -> None:
        self.report.invalid.append((data.name, where, why))

    # ------------------------------------------------------------------ one file

    def run(self, data: RestoreData) -> None:
        for where, why in data.problems:
            self.bad(data, where, why)
        users = self.users(data)
        relations = self.relations(data)
        actors = self.actors(data)
        claims = self.claims(data, actors, relations)
        articles = self.articles(data)
        sources = self.sources(data, actors, articles)
        self.progress(f"{data.name}: {len(articles):,} articles ready")
        self.annotations(data, users, actors, claims, articles, sources)

    def users(self, data: RestoreData) -> dict[str, int]:
        User = get_user_model()
        names = set()
        for rec in data.annotations:
            for key in ("reviewer", "curator"):
                if isinstance(rec.data.get(key), str) and rec.data[key]:
                    names.add(rec.data[key])
        field_name = User.USERNAME_FIELD
        found = dict(
            User.objects.filter(**{f"{field_name}__in": names}).values_list(field_name, "pk")
        )
        missing = sorted(names - set(found))
        if missing and not self.create_reviewers:
            raise RestoreError(
                f"{data.name}: {len(missing)} reviewer(s) or curator(s) are not in this database: "
                f"{', '.join(missing)}. Create them first, or pass --create-reviewers to create "
                "them without a usable password. Nothing imported."
            )
        if missing:
            now = timezone.now()
            User.objects.bulk_create(
                [
                    User(**{field_name: name}, password=make_password(None), date_joined=now)
                    for name in missing
                ]
            )
            self.report.added["users"] += len(missing)
            found.update(
                User.objects.filter(**{f"{field_name}__in": missing}).values_list(field_name, "pk")
            )
        self.report.present["users"] += len(names) - len(missing)
        return found

    def relations(self, data: RestoreData) -> dict[str, int]:
        existing = dict(Relation.objects.values_list("slug", "pk"))
        new: list[Relation] = []
        for rel in data.relations:
            slug = rel["slug"]
            if not isinstance(slug, str) or not slug:
                continue
            if slug in existing:
                self.report.present["relations"] += 1
            elif slug not in {r.slug for r in new}:
                label = rel["label"] if isinstance(rel["label"], str) and rel["label"] else slug
                new.append(Relation(slug=slug, label=label, description=rel["description"]))
        if new:
            Relation.objects.bulk_create(new)
            self.report.added["relations"] += len(new)
            existing = dict(Relation.objects.values_list("slug", "pk"))
        return existing

    def actors(self, data: RestoreData) -> dict[Any, int]:
        """file actor id → target actor id."""
        keep = not Actor.objects.exists()
        by_name = {n.lower(): pk for pk, n in Actor.objects.values_list("pk", "name")}
        for actor_id, n in ActorAlias.objects.values_list("actor_id", "name"):
            by_name.setdefault(n.lower(), actor_id)
        aliases_taken = {n.lower() for n in ActorAlias.objects.values_list("name", flat=True)}
        mapping: dict[Any, int] = {}
        later: list[tuple[Any, str]] = []  # a name the file lists twice: the row made for the first
        new: list[tuple[Any, str, str]] = []
        for rec in data.actors:
            name = _clean(rec.name)
            if not name or len(name) > 200:
                self.bad(data, rec.where, f"Actor name {rec.name!r} is empty or too long.")
                continue
            kind = rec.kind if rec.kind is not None else ActorKind.OTHER
            if kind not in ActorKind.values:
                self.bad(data, rec.where, f"Unknown actor kind {kind!r}: use {ActorKind.values}.")
                continue
            if name.lower() in by_name:
                if by_name[name.lower()] == -1:
                    later.append((rec.id, name.lower()))
                else:
                    mapping[rec.id] = by_name[name.lower()]
                    self.report.present["actors"] += 1
                continue
            new.append((rec, name, kind))
            by_name[name.lower()] = -1  # the same name twice in one file is one actor
        if new:
            made = Actor.objects.bulk_create(
                [
                    Actor(pk=rec.id if keep and isinstance(rec.id, int) else None, name=n, kind=k)
                    for rec, n, k in new
                ]
            )
            if keep:
                self.keep_ids.add(Actor)
            for (rec, name, _), actor in zip(new, made, strict=True):
                mapping[rec.id] = actor.pk
                by_name[name.lower()] = actor.pk
            self.report.added["actors"] += len(new)
        for file_id, key in later:
            mapping[file_id] = by_name[key]
        # Aliases (new ones only, for created and matched actors alike) and affiliations.
        aliases, affiliated = [], []
        created = {rec.id for rec, _, _ in new}
        for rec in data.actors:
            if rec.id not in mapping:
                continue
            for alias in rec.aliases if isinstance(rec.aliases, list) else []:
                clean = _clean(alias)
                if clean and clean.lower() not in aliases_taken and len(clean) <= 200:
                    aliases_taken.add(clean.lower())
                    aliases.append(ActorAlias(actor_id=mapping[rec.id], name=clean))
            if rec.id in created and rec.affiliation is not None:
                if _lookup(mapping, rec.affiliation) is not None:
                    affiliated.append(
                        Actor(pk=mapping[rec.id], affiliation_id=mapping[rec.affiliation])
                    )
                else:
                    self.bad(
                        data,
                        rec.where,
                        f"Affiliation {rec.affiliation!r} is not an actor in the file.",
                    )
        ActorAlias.objects.bulk_create(aliases)
        self.report.added["aliases"] += len(aliases)
        Actor.objects.bulk_update(affiliated, ["affiliation"], batch_size=500)
        return mapping

    def claims(
        self, data: RestoreData, actors: dict[Any, int], relations: dict[str, int]
    ) -> dict[Any, int]:
        keep = not Claim.objects.exists()
        existing = {
            (s, r, o, q): pk
            for pk, s, r, o, q in Claim.objects.annotate(lq=Lower("qualifier")).values_list(
                "pk", "subject_id", "relation_id", "object_id", "lq"
            )
        }
        mapping: dict[Any, int] = {}
        later: list[tuple[Any, tuple[int, int, int, str]]] = []
        new: list[tuple[Any, tuple[int, int, int, str], Claim]] = []
        for rec in data.claims:
            subject, obj = _lookup(actors, rec.subject), _lookup(actors, rec.object)
            relation = relations.get(rec.relation) if isinstance(rec.relation, str) else None
            if subject is None or obj is None or relation is None:
                self.bad(
                    data,
                    rec.where,
                    f"Claim {rec.id!r}: its subject, relation or object is not in the file "
                    f"(subject {rec.subject!r}, relation {rec.relation!r}, object {rec.object!r}).",
                )
                continue
            qualifier = _clean(rec.qualifier)
            key = (subject, relation, obj, qualifier.lower())
            if key in existing:
                if existing[key] == -1:
                    later.append((rec.id, key))
                else:
                    mapping[rec.id] = existing[key]
                    self.report.present["claims"] += 1
                continue
            text = _clean(rec.text)
            if not text or len(text) > 500 or len(qualifier) > 300:
                self.bad(data, rec.where, f"Claim {rec.id!r}: text empty or too long.")
                continue
            claim = Claim(
                pk=rec.id if keep and isinstance(rec.id, int) else None,
                subject_id=subject,
                relation_id=relation,
                object_id=obj,
                qualifier=qualifier,
                text=text,
            )
            existing[key] = -1
            new.append((rec.id, key, claim))
        if new:
            made = Claim.objects.bulk_create([c for _, _, c in new])
            if keep:
                self.keep_ids.add(Claim)
            for (file_id, key, _), claim in zip(new, made, strict=True):
                mapping[file_id] = existing[key] = claim.pk
            self.report.added["claims"] += len(new)
        for file_id, key in later:  # a claim the file lists twice maps to the one row
            mapping[file_id] = existing[key]
        return mapping

    def articles(self, data: RestoreData) -> dict[Any, tuple[int, str]]:
        """file article id → (target id, text)."""
        keep = not Article.objects.exists()
        hashes = [a.text_sha256 for a in data.articles if isinstance(a.text_sha256, str)]
        existing: dict[str, int] = {}
        for i in range(0, len(hashes), 500):
            existing.update(
                Article.objects.filter(text_sha256__in=hashes[i : i + 500]).values_list(
                    "text_sha256", "pk"
                )
            )
        texts: dict[int, str] = {}
        ids = list(existing.values())
        for i in range(0, len(ids), 200):
            texts.update(Article.objects.filter(pk__in=ids[i : i + 200]).values_list("pk", "text"))
        mapping: dict[Any, tuple[int, str]] = {}
        new: list[tuple[Any, Article]] = []
        name = Path(data.name).name[:500]
        for rec in data.articles:
            sha = rec.text_sha256
            if isinstance(sha, str) and existing.get(sha) == -1:
                self.bad(data, rec.where, f"Article {rec.id!r}: the file lists its text twice.")
                continue
            if isinstance(sha, str) and sha in existing:
                mapping[rec.id] = (existing[sha], texts[existing[sha]])
                self.report.present["articles"] += 1
                continue
            label = f"Article {rec.id!r} ({rec.title!r}, text_sha256 {str(sha)[:12]}…)"
            if not isinstance(rec.text, str):
                self.bad(
                    data,
                    rec.where,
                    f"{label} is not in this database and the file has no text for it "
                    "(a JSONL or --no-text export): import the article first.",
                )
                continue
            why = self._article_problem(rec)
            if why:
                self.bad(data, rec.where, f"{label}: {why}")
                continue
            published = None
            if rec.published_on is not None:
                published = date.fromisoformat(rec.published_on)
            article = Article(
                pk=rec.id if keep and isinstance(rec.id, int) else None,
                title=rec.title,
                outlet=rec.outlet,
                byline=rec.byline,
                url=rec.url,
                published_on=published,
                language=rec.language,
                text=rec.text,
                text_sha256=sha,
                source_name=name,
            )
            existing[sha] = -1
            new.append((rec.id, article))
        if new:
            made = Article.objects.bulk_create([a for _, a in new], batch_size=200)
            if keep:
                self.keep_ids.add(Article)
            for (file_id, _), article in zip(new, made, strict=True):
                mapping[file_id] = (article.pk, article.text)
            self.report.added["articles"] += len(new)
        return mapping

    @staticmethod
    def _article_problem(rec: Any) -> str | None:
        text = rec.text
        if normalise_text(text) != text:
            return "the text is not normalised (LF line ends, NFC)."
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != rec.text_sha256:
            return "text_sha256 does not match the text."
        if not isinstance(rec.title, str) or not rec.title.strip():
            return "the title is empty."
        if len(rec.title) > TITLE_MAX_LENGTH:
            return f"the title is longer than {TITLE_MAX_LENGTH} characters."
        for key, limit in (("outlet", 200), ("byline", 300), ("url", 1000), ("language", 16)):
            value = getattr(rec, key)
            if not isinstance(value, str) or len(value) > limit:
                return f"{key} must be text of at most {limit} characters."
        if rec.published_on is not None:
            try:
                date.fromisoformat(rec.published_on)
            except (TypeError, ValueError):
                return f"published_on {rec.published_on!r} is not a date (YYYY-MM-DD)."
        return None

    def sources(
        self,
        data: RestoreData,
        actors: dict[Any, int],
        articles: dict[Any, tuple[int, str]],
    ) -> dict[Any, SourceRef]:
        """file source id → the target source (an existing one with the same identity in the
        target article, else a new one: with the file's id into an empty table)."""
        file_ids = [rec.id for rec in data.sources]
        keep = len(set(file_ids)) == len(file_ids) and not Source.objects.exists()
        wanted: list[tuple[Any, SourceRef, Source]] = []
        for rec in data.sources:
            made = self._source(data, rec, actors, articles)
            if made is not None:
                wanted.append((rec.id, made, Source(pk=rec.id if keep else None)))
        target_articles = sorted({ref.article for _, ref, _ in wanted})
        existing: dict[tuple[int, str], int] = {}
        for i in range(0, len(target_articles), 500):
            existing.update(
                ((a, identity), pk)
                for pk, a, identity in Source.objects.filter(
                    article_id__in=target_articles[i : i + 500]
                ).values_list("pk", "article_id", "identity")
            )
        mapping: dict[Any, SourceRef] = {}
        new: dict[tuple[int, str], Source] = {}
        for file_id, ref, row in wanted:
            key = (ref.article, ref.identity)
            if key in existing:
                self.report.present["sources"] += 1
            elif key not in new:  # a file listing one source twice gets one row
                row.article_id, row.kind, row.actor_id = ref.article, ref.kind, ref.actor
                row.unnamed_kind, row.affiliation_id = ref.unnamed_kind, ref.affiliation
                row.description, row.identity = ref.description, ref.identity
                new[key] = row
            mapping[file_id] = ref
        if new:
            # bulk_create skips save(), so `identity` is set above (the rule: source_identity).
            Source.objects.bulk_create(new.values(), batch_size=500)
            if keep:
                self.keep_ids.add(Source)
            existing.update((key, row.pk) for key, row in new.items())
            self.report.added["sources"] += len(new)
        for ref in mapping.values():
            ref.pk = existing[(ref.article, ref.identity)]
        return mapping

    def _source(
        self,
        data: RestoreData,
        rec: Any,
        actors: dict[Any, int],
        articles: dict[Any, tuple[int, str]],
    ) -> SourceRef | None:
        """One source record resolved and checked (as services.sources.source_get_or_create
        would store it), or None after naming its problem."""
        label = f"Source {rec.id!r}"
        article = _lookup(articles, rec.article)
        if article is None:
            self.bad(data, rec.where, f"{label}: its article {rec.article!r} was not imported.")
            return None
        problems = []
        kind = rec.kind if rec.kind in SourceKind.values else None
        if kind is None:
            problems.append(f"unknown kind {rec.kind!r}: use one of {', '.join(SourceKind.values)}")
        actor = _lookup(actors, rec.actor) if kind == SourceKind.NAMED else None
        if kind == SourceKind.NAMED and actor is None:
            problems.append(f"a named source needs an actor of the file, not {rec.actor!r}")
        unnamed_kind, affiliation, description = "", None, ""
        if kind == SourceKind.UNNAMED:
            unnamed_kind = rec.unnamed_kind or ""
            if unnamed_kind not in ("", *UnnamedKind.values):
                problems.append(
                    f"unknown kind of unnamed source {unnamed_kind!r}: use one of "
                    f"{', '.join(UnnamedKind.values)}, or leave it empty"
                )
            if rec.affiliation is not None:
                affiliation = _lookup(actors, rec.affiliation)
                if affiliation is None:
                    problems.append(f"affiliation {rec.affiliation!r} is not an actor in the file")
            if not isinstance(rec.description, str) or len(rec.description) > 300:
                problems.append("description must be text of at most 300 characters")
            else:
                description = " ".join(rec.description.split())
        if problems or kind is None:
            self.bad(data, rec.where, f"{label}: {'; '.join(problems)}.")
            return None
        return SourceRef(
            article=article[0],
            kind=kind,
            actor=actor,
            unnamed_kind=unnamed_kind,
            affiliation=affiliation,
            description=description,
            identity=source_identity(kind, actor, unnamed_kind, affiliation, description),
        )

    def annotations(
        self,
        data: RestoreData,
        users: dict[str, int],
        actors: dict[Any, int],
        claims: dict[Any, int],
        articles: dict[Any, tuple[int, str]],
        sources: dict[Any, SourceRef],
    ) -> None:
        keep = not Annotation.objects.exists()
        target_articles = [pk for pk, _ in articles.values()]
        there: Counter[tuple[Any, ...]] = Counter()
        for i in range(0, len(target_articles), 200):
            there.update(
                Annotation.objects.live()
                .filter(article_id__in=target_articles[i : i + 200])
                .values_list(*KEY_COLUMNS)
            )
        # What models.DUPLICATE_CONSTRAINT holds: one live record of the same words, claim and
        # source per reviewer. A row that would be a second one is refused with its position.
        recorded: dict[tuple[Any, ...], str] = {}
        for i in range(0, len(target_articles), 200):
            for values in (
                Annotation.objects.live()
                .filter(article_id__in=target_articles[i : i + 200])
                .values_list(*_DUPLICATE_COLUMNS)
            ):
                there_row = dict(zip(_DUPLICATE_COLUMNS, values, strict=True))
                # Under its entity (what a version-2 row names) and as a version-1 row reads.
                for seen in (there_row, {**there_row, "source": None}):
                    recorded[_duplicate_key(seen)] = "an annotation already in the database"
        adapt = _datetime_adapter()
        key_of, values_of = itemgetter(*KEY_COLUMNS), itemgetter(*INSERT_COLUMNS)
        rows: list[tuple[Any, ...]] = []
        total = len(data.annotations)
        for n, rec in enumerate(data.annotations, start=1):
            if n % 20000 == 0:
                self.progress(f"{data.name}: checked {n:,} of {total:,} annotations")
            row = self._annotation_row(data, rec, users, actors, claims, articles, sources)
            if row is None:
                continue
            key = key_of(row)
            if there[key] > 0:
                there[key] -= 1
                self.report.present["annotations"] += 1
                continue
            duplicate = _duplicate_key(row)
            if duplicate in recorded:
                self.bad(
                    data, rec.where,
                    f"Annotation {rec.data.get('id')!r}: the same reviewer, words, claim and "
                    f"source as {recorded[duplicate]}; one reviewer records a passage once.",
                )  # fmt: skip
                continue
            recorded[duplicate] = f"annotation {rec.data.get('id')!r} ({rec.where})"
            values = list(values_of(row))
            for i in DATETIME_POSITIONS:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            if keep and type(row["file_id"]) is int:
                values.append(row["file_id"])
            rows.append(tuple(values))
        columns = [*INSERT_COLUMNS, "id"]
        kept = keep and all(len(r) == len(columns) for r in rows)
        if not kept or len({r[-1] for r in rows}) != len(rows):
            # Not into an empty table, or an id missing or given twice: every row gets a new
            # id, chosen here so that each row's history event can name it.
            new_ids = _new_ids(Annotation, len(rows))
            rows = [(*r[: len(INSERT_COLUMNS)], pk) for r, pk in zip(rows, new_ids, strict=True)]
            kept = False
        self.progress(f"{data.name}: writing {len(rows):,} annotations")
        db_columns = [_column(Annotation, c) for c in columns]
        agreement_stale(r[0] for r in rows)  # INSERT_COLUMNS[0] is the article
        claim_at, reviewer_at = INSERT_COLUMNS.index("claim"), INSERT_COLUMNS.index("reviewer")
        claims_stale((r[claim_at], r[reviewer_at]) for r in rows)
        _insert(Annotation, db_columns, rows)
        # A version-1 file names no source entities: its annotations get theirs now.
        source_at = INSERT_COLUMNS.index("source")
        link_unlinked(article_ids={r[0] for r in rows if r[source_at] is None})
        if kept and rows:
            self.keep_ids.add(Annotation)
        self._record_imports(columns, rows, adapt)
        self.report.added["annotations"] += len(rows)

    @staticmethod
    def _record_imports(
        columns: list[str], rows: list[tuple[Any, ...]], adapt: Callable[[datetime], Any]
    ) -> None:
        """One "import" event per annotation written (history.record's row for a creation),
        written like the annotations themselves: one bulk INSERT (COPY on PostgreSQL)."""
        at, id_at, version_at = adapt(timezone.now()), columns.index("id"), columns.index("version")
        # The source entity is left out of the event: labelling it would read its actor,
        # affiliation and article one query each; its kind, actor and description are in it.
        columns = [c if c != "source" else "" for c in columns]
        events = [
            (
                row[id_at],
                EventKind.IMPORT.value,
                None,
                at,
                row[version_at],
                orjson.dumps(changes).decode(),
            )
            for row, changes in zip(rows, history.creations(columns, rows), strict=True)
        ]
        event_columns = ["annotation", "kind", "user", "at", "version", "changes"]
        _insert(AnnotationEvent, [_column(AnnotationEvent, c) for c in event_columns], events)

    def _annotation_row(
        self,
        data: RestoreData,
        rec: Any,
        users: dict[str, int],
        actors: dict[Any, int],
        claims: dict[Any, int],
        articles: dict[Any, tuple[int, str]],
        sources: dict[Any, SourceRef],
    ) -> dict[str, Any] | None:
        ann = rec.data
        label = f"Annotation {ann.get('id')!r}"
        if _lookup(articles, rec.article) is None:
            self.bad(data, rec.where, f"{label}: its article {rec.article!r} was not imported.")
            return None
        article_id, text = articles[rec.article]
        content, source, cue = ann.get("content"), ann.get("source"), ann.get("cue")
        if not isinstance(content, dict) or not isinstance(source, dict):
            self.bad(data, rec.where, f"{label}: 'content' and 'source' must be objects.")
            return None
        span = source.get("span")
        if (span is not None and not isinstance(span, dict)) or (
            cue is not None and not isinstance(cue, dict)
        ):
            self.bad(data, rec.where, f"{label}: 'source.span' and 'cue' must be objects or null.")
            return None
        span, cue = span or {}, cue or {}
        problems = []
        claim = _lookup(claims, ann.get("claim"))
        if claim is None:
            problems.append(f"claim {ann.get('claim')!r} is not a claim in the file")
        reviewer = users.get(ann.get("reviewer")) if isinstance(ann.get("reviewer"), str) else None
        if reviewer is None:
            problems.append("reviewer must be a username")
        curator = None
        if ann.get("curator") is not None:
            curator = users.get(ann["curator"]) if isinstance(ann["curator"], str) else None
            if curator is None:
                problems.append("curator must be a username or null")
        source_actor = None
        if source.get("actor") is not None:
            source_actor = _lookup(actors, source["actor"])
            if source_actor is None:
                problems.append(f"source actor {source['actor']!r} is not an actor in the file")
        status = ann.get("status")
        if status not in _STATUSES:
            problems.append(f"unknown status {status!r}: use one of {', '.join(Status.values)}")
        created, updated = _timestamp(ann.get("created_at")), _timestamp(ann.get("updated_at"))
        if created is None or updated is None:
            problems.append("created_at and updated_at must be ISO 8601 timestamps with a zone")
        changed = ann.get("changed_after_review", False)  # optional in schema 1.0
        if not isinstance(changed, bool):
            problems.append("changed_after_review must be true or false")
        note, description = ann.get("note", ""), source.get("description", "")
        if not isinstance(note, str) or not isinstance(description, str) or len(description) > 300:
            problems.append("note and source description must be text (description ≤ 300)")
        values = {
            "claim": claim if claim is not None else -1,  # a missing claim is named above
            "start": content.get("start"),
            "end": content.get("end"),
            "quote": content.get("quote"),
            "source_kind": source.get("kind"),
            "source_actor": source_actor,
            "source_description": description,
            "source_start": span.get("start"),
            "source_end": span.get("end"),
            "source_quote": span.get("quote") or "",
            "cue_start": cue.get("start"),
            "cue_end": cue.get("end"),
            "cue_quote": cue.get("quote") or "",
            "stance": ann.get("stance"),
            "certainty": ann.get("certainty"),
            "confidence": ann.get("confidence"),
        }
        try:
            annotation_validate(SimpleNamespace(text=text), values)  # type: ignore[arg-type]
        except ValidationError as exc:
            problems.extend(
                f"{key}: {' '.join(messages)}" for key, messages in exc.message_dict.items()
            )
        entity = self._source_of(source, values, article_id, sources, problems)
        if problems:
            self.bad(data, rec.where, f"{label}: {'; '.join(problems)}.")
            return None
        return {
            **values,
            "source": entity,
            "file_id": ann.get("id"),
            "article": article_id,
            "reviewer": reviewer,
            "claim": claim,
            "note": note,
            "status": status,
            "curator": curator,
            "curator_comment": ann.get("curator_comment", "") or "",
            "reviewed_at": _timestamp(ann.get("reviewed_at")),
            "changed_after_review": changed,
            "verdict_before_change": "",  # not exported
            "version": 1,
            "created_at": created,
            "updated_at": updated,
            "deleted_at": None,
        }

    @staticmethod
    def _source_of(
        source: dict[str, Any],
        values: dict[str, Any],
        article_id: int,
        sources: dict[Any, SourceRef],
        problems: list[str],
    ) -> int | None:
        """The target source the annotation's `source.id` names (schema 2), after checking that
        it is one of its article's and agrees with the annotation's copies of it (kind, actor,
        an unnamed source's description), as services.sources.attach keeps them; None for a
        version-1 annotation, linked after the insert."""
        file_id = source.get("id")
        if file_id is None:
            return None
        ref: SourceRef | None = _lookup(sources, file_id)
        if ref is None:
            problems.append(f"source {file_id!r} is not a source in the file")
            return None
        description = values["source_description"]
        if (
            ref.article != article_id
            or ref.kind != values["source_kind"]
            or ref.actor != values["source_actor"]
            or (ref.kind == SourceKind.UNNAMED and ref.description != _clean(description))
        ):
            problems.append(
                f"source {file_id!r} is not the source it describes (its article, kind, actor or "
                "an unnamed source's description differ)"
            )
            return None
        return ref.pk


_DUPLICATE_COLUMNS = ("article", "reviewer", "start", "end", "claim", "source", "source_kind",
                      "source_actor", "source_description")  # fmt: skip


def _duplicate_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row's place under models.DUPLICATE_CONSTRAINT: its reviewer, words, claim and source
    entity (a version-1 row's, as services.sources.link_unlinked will find it)."""
    if row.get("source") is not None:
        source: Any = ("source", row["source"])
    else:
        words = row["source_description"] if row["source_kind"] == SourceKind.UNNAMED else ""
        source = source_identity(row["source_kind"], row["source_actor"], "", None, words or "")
    return (row["article"], row["reviewer"], row["start"], row["end"], row["claim"], source)


KEY_COLUMNS = (
    "article",
    "reviewer",
    "claim",
    "start",
    "end",
    "source_kind",
    "source_actor",
    "source_start",
    "source_end",
    "cue_start",
    "cue_end",
    "stance",
    "certainty",
)
# The annotation's own fields as the app saves them (services.annotations), around the ones only a
# restore writes; rows are read out by name (itemgetter), so the order here is the COPY order.
INSERT_COLUMNS = (
    "article",
    "reviewer",
    # The source entity: the file's (schema 2), or linked after the insert (link_unlinked).
    *ANNOTATION_FIELDS,
    "status",
    "curator",
    "curator_comment",
    "reviewed_at",
    "changed_after_review",
    "verdict_before_change",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
)
DATETIME_POSITIONS = tuple(
    INSERT_COLUMNS.index(c) for c in ("reviewed_at", "created_at", "updated_at", "deleted_at")
)


def restore_paths(
    paths: Sequence[str | Path],
    *,
    create_reviewers: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> RestoreReport:
    """Import every file in `paths` in one transaction; raise RestoreError (nothing changed) on a
    file that cannot be read, missing reviewers, or any invalid record unless `skip_invalid`."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects; nothing cyclic to collect meanwhile
    try:
        with _sqlite_cache():
            return _restore(paths, create_reviewers, skip_invalid, dry_run, progress)
    finally:
        if gc_was_enabled:
            gc.enable()


@contextmanager
def _sqlite_cache() -> Iterator[None]:
    """A larger SQLite page cache for this connection while importing: with the default 2 MB the
    table and its five indexes spill to the WAL again and again during a 100,000-row insert."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _restore(
    paths: Sequence[str | Path],
    create_reviewers: bool,
    skip_invalid: bool,
    dry_run: bool,
    progress: Callable[[str], None],
) -> RestoreReport:
    datas = []
    for path in paths:
        try:
            datas.append(read_path(Path(path)))
        except RestoreFileError as exc:
            raise RestoreError(str(exc)) from exc
        progress(f"{path}: read {len(datas[-1].annotations):,} annotations")
    report = RestoreReport(dry_run=dry_run)
    importer = _Importer(report, create_reviewers=create_reviewers, progress=progress)
    try:
        return _write(datas, importer, report, skip_invalid, dry_run, progress)
    except IntegrityError as exc:  # e.g. someone imported the same article meanwhile
        raise RestoreError(f"The database refused the import ({exc}); nothing imported.") from exc


def _write(
    datas: list[RestoreData],
    importer: _Importer,
    report: RestoreReport,
    skip_invalid: bool,
    dry_run: bool,
    progress: Callable[[str], None],
) -> RestoreReport:
    with transaction.atomic():
        for data in datas:
            importer.run(data)
            # Past the ids kept from this file, so the next file's new rows cannot collide.
            _reset_sequences(importer.keep_ids)
        if report.invalid and not skip_invalid:
            transaction.set_rollback(True)
            raise RestoreError(
                f"{len(report.invalid)} invalid record(s): nothing imported "
                "(pass --skip-invalid to import the rest).",
                report,
            )
        if dry_run:
            transaction.set_rollback(True)
        progress("committing" if not dry_run else "rolling back (dry run)")
    return report
