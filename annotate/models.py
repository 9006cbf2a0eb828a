"""Stancemark's domain: articles, actors, relations, claims, annotations and reviewer progress.

The invariants a database can check on one row are constraints here as well as service checks, so
a bug or a hand-written SQL update cannot store an empty or reversed span, an unknown label or a
confidence out of range. Whether a span's offsets and quote match its article's text needs the
text, which a row constraint cannot read: every write checks that (annotate.services), and the
export checks it again as it writes each span.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    ORGANIZATION = "organization", "Organization"
    ARMED_GROUP = "armed_group", "Armed group"
    PERSON = "person", "Person"
    MEDIA = "media", "Media"
    OTHER = "other", "Other"


class SourceKind(models.TextChoices):
    NAMED = "named", "Named"
    UNNAMED = "unnamed", "Unnamed"
    AUTHOR = "author", "Author of the article"


class UnnamedKind(models.TextChoices):
    """What an unnamed source is; blank when nobody said (annotations from before sources)."""

    PERSON = "person", "One person"
    GROUP = "group", "A group (e.g. analysts)"
    ORGANISATION = "organisation", "An organisation (e.g. a foreign ministry)"


class Stance(models.TextChoices):
    """The source's stance toward the claim; the mapping to other label sets is in docs/export.md."""

    ASSERTS = "asserts", "Asserts"
    DENIES = "denies", "Denies"
    REPORTS = "reports", "Reports"
    QUESTIONS = "questions", "Questions"


class Certainty(models.TextChoices):
    """How sure the source sounds. Ordered from most to least certain; 'unspecified' is last."""

    CERTAIN = "certain", "Certain"
    PROBABLE = "probable", "Probable"
    POSSIBLE = "possible", "Possible"
    UNSPECIFIED = "unspecified", "Unspecified"

    @property
    def is_hedged(self) -> bool:
        return self in (Certainty.PROBABLE, Certainty.POSSIBLE)


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ProgressStatus(models.TextChoices):
    STARTED = "started", "In progress"
    DONE = "done", "Done"


CONFIDENCE_MIN = 1
CONFIDENCE_MAX = 5
#: How the confidence scale reads in every message and hint about it.
CONFIDENCE_SCALE = f"a whole number from {CONFIDENCE_MIN} to {CONFIDENCE_MAX}"
CURATORS_GROUP = "Curators"
TITLE_MAX_LENGTH = 500


def confidence_label(value: int) -> str:
    """A reviewer's confidence as every screen shows it: "4/5"."""
    return f"{value}/{CONFIDENCE_MAX}"


def confidence_problem(value: object) -> str | None:
    """What is wrong with `value` as a reviewer's confidence, or None when it is on the scale."""
    if type(value) is int and CONFIDENCE_MIN <= value <= CONFIDENCE_MAX:  # not True, not "3"
        return None
    return f"Confidence {value!r} is out of range: choose {CONFIDENCE_SCALE}."


class HttpURLValidator(URLValidator):
    """An article's address: http or https only (Django's URLValidator also takes ftp), so that a
    link to it can never run script (javascript:) or open something unexpected."""

    schemes = ["http", "https"]


def http_url(value: str) -> str:
    """`value` if it is an http(s) address that may be rendered as a link, else "" (an address
    stored before the rule, or written to the database directly, is shown as text only)."""
    try:
        HttpURLValidator()(value)
    except ValidationError:
        return ""
    return value


def source_label(
    kind: str, actor_name: str | None, description: str, *, detail: bool = True
) -> str:
    """How a source reads on every screen: "Zamir Kabulov (Russia's special envoy)" for a named
    source (`detail=False` leaves the description out), an unnamed source's description, or
    "Author of the article"."""
    if kind == SourceKind.AUTHOR:
        return SourceKind.AUTHOR.label
    if kind == SourceKind.NAMED and actor_name:
        return f"{actor_name} ({description})" if description and detail else actor_name
    return description or "Unnamed source"


def author_label(outlet: str, byline: str) -> str:
    """Who "the author" of an article is, as every screen and the export name them:
    "Lynne O'Donnell, Foreign Policy (author)", "Los Angeles Times (author)", or
    "Author of the article" when the article names neither."""
    who = ", ".join(part for part in (" ".join(byline.split()), " ".join(outlet.split())) if part)
    return f"{who} (author)" if who else SourceKind.AUTHOR.label


def _in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


def _optional_span_ok(prefix: str) -> Q:
    """Both ends null, or both set with 0 <= start < end (the quote is checked by the services)."""
    return Q(**{f"{prefix}_start__isnull": True, f"{prefix}_end__isnull": True}) | Q(
        **{
            f"{prefix}_start__isnull": False,
            f"{prefix}_end__isnull": False,
            f"{prefix}_start__gte": 0,
            f"{prefix}_start__lt": F(f"{prefix}_end"),
        }
    )


def _count_per_article(annotations: QuerySet[Annotation]) -> Coalesce:
    """How many of `annotations` are in the outer query's article (0 when none)."""
    per_article = (
        annotations.filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_article), 0)


class ArticleQuerySet(models.QuerySet["Article"]):
    def with_annotation_counts(self, user, *, visible: QuerySet[Annotation]) -> ArticleQuerySet:
        """Annotate `my_count`, `all_count` (of `visible`: what `user` may see, from
        annotate.permissions) and `my_progress`, each a subquery (no per-row lookups)."""
        mine = Annotation.objects.live().filter(reviewer=user)
        progress = Progress.objects.filter(article=OuterRef("pk"), reviewer=user)
        return self.annotate(
            all_count=_count_per_article(visible),
            my_count=_count_per_article(mine),
            my_progress=Subquery(progress.values("status")[:1]),
        )

    def search(self, query: str) -> ArticleQuerySet:
        query = query.strip()
        if not query:
            return self
        return self.filter(Q(title__icontains=query) | Q(text__icontains=query))


class Article(models.Model):
    title = models.CharField(max_length=TITLE_MAX_LENGTH, help_text="Headline, as imported.")
    outlet = models.CharField(max_length=200, blank=True, help_text="Publication, if known.")
    byline = models.CharField(
        max_length=300,
        blank=True,
        help_text="Who wrote the article, as the text or page names them.",
    )
    url = models.URLField(max_length=1000, blank=True, help_text="Where the article was published.")
    published_on = models.DateField(null=True, blank=True, help_text="Publication date, if known.")
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 language tag.")
    text = models.TextField(
        help_text="Normalised body (LF line ends, NFC). Frozen once any annotation exists: "
        "every offset points into it."
    )
    text_sha256 = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text="SHA-256 of the normalised text; the same text is never imported twice.",
    )
    source_name = models.CharField(
        max_length=500, blank=True, help_text="File the article was imported from."
    )
    source_html = models.TextField(
        blank=True,
        editable=False,
        help_text="The page's original HTML when the article was extracted from one, so the "
        "extraction can be repeated.",
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["title"], name="article_title_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def link_url(self) -> str:
        """The address to link to (models.http_url): empty unless http or https."""
        return http_url(self.url)

    def clean(self) -> None:
        """Refuse a text change once annotations point into the text (the frozen-text rule)."""
        if self.pk is None:
            return
        stored = Article.objects.filter(pk=self.pk).values_list("text", flat=True).first()
        if stored is not None and stored != self.text and self.annotations.exists():
            count = self.annotations.count()
            raise ValidationError(
                {
                    "text": f"The text is frozen: {count} annotation(s) point into it by offset. "
                    "Delete or move those annotations first, or import the new text as a new article."
                }
            )


class Actor(models.Model):
    name = models.CharField(max_length=200, help_text="Canonical name, unique ignoring case.")
    kind = models.CharField(
        max_length=20, choices=ActorKind, default=ActorKind.OTHER, help_text="What it is."
    )
    affiliation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text="A person's country or body, e.g. Zamir Kabulov → Russia.",
    )
    description = models.CharField(max_length=500, blank=True, help_text="Optional note.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="actor_name_ci_unique"),
            models.CheckConstraint(
                condition=_in_choices("kind", ActorKind), name="actor_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ActorAlias(models.Model):
    """Another name for an actor ("Moscow", "the Kremlin" → Russia); unique ignoring case."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "actor aliases"
        constraints = [models.UniqueConstraint(Lower("name"), name="alias_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Relation(models.Model):
    slug = models.SlugField(max_length=50, unique=True, help_text="Stable id used in exports.")
    label = models.CharField(max_length=100, help_text="Verb as shown, e.g. 'arms'.")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class RelationGroup(models.Model):
    """Relations asked about together ("support of any kind" = supports, arms, funds, advises).

    The claims filter offers groups before single relations; a group selects the claims whose
    relation is any of its members. Admin-editable; the starter groups are in
    annotate/services/relations.py.
    """

    slug = models.SlugField(
        max_length=50, unique=True, help_text="Used in links: /claims/?relation=group:SLUG."
    )
    label = models.CharField(
        max_length=100, help_text="As asked: “Who is said to … ”, e.g. 'support of any kind'."
    )
    description = models.CharField(max_length=300, blank=True)
    relations = models.ManyToManyField(
        Relation, blank=True, related_name="groups", help_text="The relations the group stands for."
    )

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Claim(models.Model):
    subject = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="claims_as_subject", help_text="Who acts."
    )
    relation = models.ForeignKey(
        Relation, on_delete=models.PROTECT, related_name="claims", help_text="The verb."
    )
    object = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="claims_as_object", help_text="Acted upon."
    )
    qualifier = models.CharField(
        max_length=300, blank=True, default="", help_text="e.g. 'with anti-aircraft rockets'."
    )
    text = models.CharField(
        max_length=500, help_text="Readable form, generated from the parts unless typed."
    )

    class Meta:
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(
                "subject", "relation", "object", Lower("qualifier"), name="claim_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def generated_text(subject: Actor, relation: Relation, obj: Actor, qualifier: str = "") -> str:
        parts = [subject.name, relation.label, obj.name, qualifier.strip()]
        return " ".join(p for p in parts if p)


def source_identity(
    kind: str, actor_id: int | None, unnamed_kind: str, affiliation_id: int | None, description: str
) -> str:
    """What makes two sources of one article the same: the actor for a named source, being the
    author, or an unnamed source's kind, affiliation and description (ignoring case and spacing).
    The one place the rule lives: Source.identity stores it, unique per article."""
    if kind == SourceKind.NAMED:
        return f"named:{actor_id}"
    if kind == SourceKind.AUTHOR:
        return "author"
    words = " ".join(description.split()).casefold()
    return f"unnamed:{unnamed_kind}:{affiliation_id or ''}:{words}"


class Source(models.Model):
    """Who makes claims in one article: a named actor, an unnamed source (one person, a group or
    an organisation, optionally affiliated with an actor) or the article's author.

    Each annotation links to its source; several mentions ("an official with the National
    Directorate of Security", later "the official") link to one source, each with its own source
    span on the annotation. Sources are matched by `identity` (see source_identity), so they are
    shared by the reviewers of an article without anyone's typing changing another's: a source is
    never edited from the annotation form, only created or linked to (staff may correct one in
    the admin).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=10, choices=SourceKind, help_text="Named, unnamed, author.")
    # CASCADE: an actor still named by an annotation is protected by Annotation.source_actor
    # (and the source by Annotation.source); a source nobody mentions any more goes with it.
    actor = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sources",
        help_text="The named source.",
    )
    unnamed_kind = models.CharField(
        max_length=12,
        choices=UnnamedKind,
        blank=True,
        help_text="An unnamed source: one person, a group or an organisation (blank: not said).",
    )
    affiliation = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="affiliated_sources",
        help_text="An unnamed source's side, e.g. the Afghan government.",
    )
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="An unnamed source as the article first describes it.",
    )
    identity = models.CharField(max_length=400, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "identity"], name="source_unique"),
            models.CheckConstraint(condition=_in_choices("kind", SourceKind), name="source_kind"),
            models.CheckConstraint(
                condition=Q(unnamed_kind="") | _in_choices("unnamed_kind", UnnamedKind),
                name="source_unnamed_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SourceKind.NAMED) | Q(actor__isnull=False),
                name="source_named_has_actor",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.identity = source_identity(
            self.kind, self.actor_id, self.unnamed_kind, self.affiliation_id, self.description
        )
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """The source as screens name it (reads the actor, affiliation or article if not loaded)."""
        actor = self.actor if self.kind == SourceKind.NAMED and self.actor_id else None
        affiliation = self.affiliation if self.affiliation_id else None
        author = self.kind == SourceKind.AUTHOR
        return entity_label(
            self.kind,
            actor=actor.name if actor else None,
            description=self.description,
            affiliation=affiliation.name if affiliation else None,
            outlet=self.article.outlet if author else "",
            byline=self.article.byline if author else "",
        )


def entity_label(
    kind: str,
    *,
    actor: str | None,
    description: str,
    affiliation: str | None,
    outlet: str = "",
    byline: str = "",
) -> str:
    """A source entity as screens name it: the actor, the author (author_label), or an unnamed
    source's description with its affiliation, "an official (Afghan government)"."""
    if kind == SourceKind.NAMED:
        return actor or "Named source"
    if kind == SourceKind.AUTHOR:
        return author_label(outlet, byline)
    described = description or "Unnamed source"
    return f"{described} ({affiliation})" if affiliation else described


#: The constraint that refuses a reviewer's second live copy of an annotation.
DUPLICATE_CONSTRAINT = "ann_no_duplicate_live"


def claim_involves(actor: Actor, role: str = "either") -> Q:
    """A claim (on "claim__" fields: of an annotation, a claim summary) has `actor` as its
    "subject", "object" or "either"."""
    as_subject, as_object = Q(claim__subject=actor), Q(claim__object=actor)
    if role == "subject":
        return as_subject
    if role == "object":
        return as_object
    return as_subject | as_object


class AnnotationQuerySet(models.QuerySet["Annotation"]):
    def live(self) -> AnnotationQuerySet:
        """Not soft-deleted: what every screen and the export show."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> AnnotationQuerySet:
        return self.filter(deleted_at__isnull=False)

    def involving(self, actor: Actor, role: str = "either") -> AnnotationQuerySet:
        """Attributions of claims with `actor` as their "subject", "object" or "either"."""
        return self.filter(claim_involves(actor, role))

    def with_related(self) -> AnnotationQuerySet:
        return self.select_related(
            "claim__subject",
            "claim__relation",
            "claim__object",
            "source_actor",
            "source__affiliation",
            "reviewer",
            "curator",
        )

    def in_text_order(self) -> AnnotationQuerySet:
        return self.order_by("start", "-end", "id")


class Annotation(models.Model):
    """One attribution of a claim, in one article, by one reviewer."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="annotations", help_text="Annotated text."
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="annotations",
        help_text="Who made this annotation; only they may change it.",
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="annotations", help_text="What is claimed."
    )
    start = models.PositiveIntegerField(help_text="Content span start (code points, inclusive).")
    end = models.PositiveIntegerField(help_text="Content span end (code points, exclusive).")
    quote = models.TextField(help_text="text[start:end], checked on every write.")

    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mentions",
        help_text="Who makes the claim, as an entity of the article (set by the services). "
        "source_kind and source_actor are its kind and actor, copied for reading; "
        "source_description is an unnamed source's description, or a named one's role here.",
    )
    source_kind = models.CharField(
        max_length=10, choices=SourceKind, help_text="Who makes the claim."
    )
    source_actor = models.ForeignKey(
        Actor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attributed_annotations",
        help_text="Required when the source is named.",
    )
    source_description = models.CharField(
        max_length=300,
        blank=True,
        help_text="e.g. 'an official with the National Directorate of Security'.",
    )
    source_start = models.PositiveIntegerField(
        null=True, blank=True, help_text="Source span start."
    )
    source_end = models.PositiveIntegerField(null=True, blank=True, help_text="Source span end.")
    source_quote = models.TextField(blank=True, default="", help_text="Source span text.")
    cue_start = models.PositiveIntegerField(null=True, blank=True, help_text="Cue span start.")
    cue_end = models.PositiveIntegerField(null=True, blank=True, help_text="Cue span end.")
    cue_quote = models.TextField(blank=True, default="", help_text="Cue ('said', 'denied') text.")

    stance = models.CharField(
        max_length=10, choices=Stance, help_text="The source's stance toward the claim."
    )
    certainty = models.CharField(
        max_length=12,
        choices=Certainty,
        default=Certainty.UNSPECIFIED,
        help_text="How sure the source sounds; hedging is probable or possible.",
    )
    confidence = models.PositiveSmallIntegerField(
        help_text=f"The reviewer's own confidence in this annotation, {CONFIDENCE_MIN} (low) to "
        f"{CONFIDENCE_MAX} (high)."
    )
    note = models.TextField(blank=True, help_text="Free note by the reviewer.")

    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.PENDING,
        help_text="Set by curators.",
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curated_annotations",
        help_text="Who accepted or rejected it.",
    )
    curator_comment = models.TextField(blank=True, help_text="Why it was accepted or rejected.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    changed_after_review = models.BooleanField(
        default=False,
        help_text="Edited or deleted after a curator accepted or rejected it (it went back to "
        "pending); cleared by the next verdict.",
    )
    verdict_before_change = models.CharField(
        max_length=10,
        blank=True,
        default="",
        help_text="The status it had when it was changed after review (accepted or rejected).",
    )

    curated_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curated_copies",
        help_text="Set on a curator's copy of this annotation, made in the adjudication view to "
        "edit it; agreement leaves such copies out (they are no reviewer's own judgement).",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Incremented on every change; a stale edit is refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Soft-deleted (recoverable) when set."
    )

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "-end", "id"]
        indexes = [
            models.Index(fields=["article", "reviewer", "start"], name="ann_article_reviewer_idx"),
            models.Index(fields=["article", "start"], name="ann_article_start_idx"),
            models.Index(fields=["claim"], name="ann_claim_idx"),
            models.Index(fields=["status"], name="ann_status_idx"),
            models.Index(fields=["reviewer", "deleted_at"], name="ann_reviewer_deleted_idx"),
            # A reviewer's own work, read whole by the visibility rule (permissions.Visibility:
            # the claims and actors they have seen) and asked "any accepted?" by the claims page.
            # Covering, so SQLite answers from the index instead of fetching each of a big
            # reviewer's rows (200,000 of 1,000,000 annotations: /claims/ 223 → 56 ms).
            models.Index(
                fields=["reviewer", "status", "claim", "source_actor"],
                name="ann_reviewer_status_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="ann_span_nonempty"),
            models.CheckConstraint(
                condition=_optional_span_ok("source"), name="ann_source_span_valid"
            ),
            models.CheckConstraint(condition=_optional_span_ok("cue"), name="ann_cue_span_valid"),
            models.CheckConstraint(
                condition=Q(confidence__gte=CONFIDENCE_MIN, confidence__lte=CONFIDENCE_MAX),
                name="ann_confidence_range",
            ),
            models.CheckConstraint(condition=_in_choices("stance", Stance), name="ann_stance"),
            models.CheckConstraint(
                condition=_in_choices("certainty", Certainty), name="ann_certainty"
            ),
            models.CheckConstraint(condition=_in_choices("status", Status), name="ann_status"),
            models.CheckConstraint(
                condition=_in_choices("source_kind", SourceKind), name="ann_source_kind"
            ),
            models.CheckConstraint(
                condition=~Q(source_kind=SourceKind.NAMED) | Q(source_actor__isnull=False),
                name="ann_named_source_has_actor",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="ann_version_positive"),
            # One reviewer, one live record of the same words, claim and source (the services
            # refuse it first, with a link to the one there: services.DuplicateAnnotation).
            models.UniqueConstraint(
                fields=["reviewer", "article", "start", "end", "claim", "source"],
                condition=Q(deleted_at__isnull=True),
                name=DUPLICATE_CONSTRAINT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} ({self.stance}) @{self.start}–{self.end}"

    @property
    def is_hedged(self) -> bool:
        return Certainty(self.certainty).is_hedged

    @property
    def source_label(self) -> str:
        """The source as every screen names it (see source_label())."""
        actor = self.source_actor if self.source_actor_id else None
        return source_label(
            self.source_kind, actor.name if actor else None, self.source_description
        )

    @property
    def source_label_across_articles(self) -> str:
        """source_label, with the author named by the article's byline and outlet ("Los Angeles
        Times (author)"): for screens that list several articles' attributions. Reads the
        article, so select it with the annotation."""
        if self.source_kind == SourceKind.AUTHOR:
            return author_label(self.article.outlet, self.article.byline)
        return self.source_label


class Progress(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="progress")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(max_length=10, choices=ProgressStatus, default=ProgressStatus.STARTED)
    started_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "progress"
        constraints = [
            models.UniqueConstraint(fields=["article", "reviewer"], name="progress_unique"),
            models.CheckConstraint(
                condition=_in_choices("status", ProgressStatus), name="progress_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.article} · {self.get_status_display()}"


class SiteSettings(models.Model):
    """Site-wide switches, edited in the admin. A single row (pk=1); use SiteSettings.load()."""

    reviewers_see_others = models.BooleanField(
        default=False,
        help_text="Let reviewers (not only curators and staff) show other reviewers' annotations.",
    )
    blind_annotation = models.BooleanField(
        default=False,
        help_text="Hide other reviewers' annotations and the claims page from a reviewer until they "
        "mark the article done, so agreement figures are honest.",
    )

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="site_settings_singleton")]

    def __str__(self) -> str:
        return "Site settings"

    @classmethod
    def load(cls) -> SiteSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class AccessToken(models.Model):
    """A personal access token for scripts (annotate/tokens.py): only its SHA-256 is stored.

    The secret is shown once, when it is made; `prefix` (its first characters) lets its owner tell
    tokens apart. Revoking keeps the row (revoked_at set), so the list still says what existed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="What the token is for, e.g. 'nightly export'."
    )
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "access token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class EventKind(models.TextChoices):
    """What happened to an annotation (AnnotationEvent.kind)."""

    CREATE = "create", "Created"
    IMPORT = "import", "Imported"
    EDIT = "edit", "Edited"
    DELETE = "delete", "Deleted"
    RESTORE = "restore", "Restored"
    ACCEPT = "accept", "Accepted"
    REJECT = "reject", "Rejected"
    PENDING = "pending", "Set back to pending"


class AnnotationEvent(models.Model):
    """One change to an annotation: who, when, and each changed field's value before and after.

    Written by annotate.services.history in the same transaction as the change it records (never
    by a signal), so a refused or rolled-back write leaves no event. `changes` maps a field name to
    [before, after]; a related row is {"id": …, "label": …} (the label as it read then), a time an
    ISO 8601 string. A creation or import has null befores.
    """

    annotation = models.ForeignKey(
        Annotation,
        on_delete=models.CASCADE,  # only a superuser's purge removes annotations; history goes too
        related_name="events",
        help_text="The annotation that changed.",
    )
    kind = models.CharField(max_length=10, choices=EventKind, help_text="What happened.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="annotation_events",
        help_text="Who made the change (empty for an import from a file).",
    )
    at = models.DateTimeField(help_text="When the change was saved.")
    version = models.PositiveIntegerField(help_text="The annotation's version after the change.")
    changes = models.JSONField(default=dict, help_text="Changed fields: {field: [before, after]}.")

    class Meta:
        ordering = ["annotation", "at", "id"]
        verbose_name = "annotation event"
        indexes = [models.Index(fields=["annotation", "at"], name="annevent_annotation_at_idx")]
        constraints = [
            models.CheckConstraint(condition=_in_choices("kind", EventKind), name="annevent_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · annotation {self.annotation_id} · {self.at:%Y-%m-%d %H:%M}"


def _json_text(value: Any) -> bytes:
    # Non-string keys as text, as the json module writes them.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


class JSONTextField(models.TextField):
    """JSON data kept as plain text, for large derived documents read and written in bulk.

    As a jsonb column, PostgreSQL parsed each 30 kB document on write and psycopg decoded it on
    read, then Django again: a second of a three-second report. As text it is one orjson.dumps
    and one orjson.loads (several times faster than the json module's). get_placeholder keeps
    Django 5.2's bulk insert on PostgreSQL from putting the column in an UNNEST array, whose
    literal psycopg escapes with regular expressions (seconds for a thousand rows); see
    django/db/backends/postgresql/compiler.py.
    """

    if TYPE_CHECKING:  # django-stubs' plugin reads these: the values are JSON, not str
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else orjson.loads(value)

    def to_python(self, value: Any) -> Any:
        return orjson.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        return None if value is None else _json_text(value).decode()

    @staticmethod
    def encoded(value: Any) -> orjson.Fragment:
        """`value` encoded now, as this field would write it; the field writes it as it is."""
        return orjson.Fragment(_json_text(value))

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"


class ArticleAgreement(models.Model):
    """One article's agreement counts, computed from its live annotations (annotate.agreement_store).

    Derived data, kept so that the agreement page and report re-sum a thousand rows instead of
    matching 100,000 annotations on every read. Every write to an article's annotations marks its
    row stale in the same transaction, with a new `generation`; a read recomputes stale (and
    missing) rows, and stores its result only if the generation it read is still the row's, so a
    write that lands meanwhile is never overwritten by older figures.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="agreement"
    )
    stale = models.BooleanField(default=True, help_text="Annotations changed since computed.")
    generation = models.BigIntegerField(
        default=0, help_text="A new random value on every invalidation (see the class docstring)."
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    checksum = models.BigIntegerField(
        default=0,
        help_text="A new random value each time the figures are stored (AgreementTotals).",
    )
    # The per-article table's columns, so it sorts and pages in SQL.
    annotations = models.PositiveIntegerField(default=0)
    reviewers = models.PositiveIntegerField(default=0)
    agreed_share = models.FloatField(
        null=True, blank=True, help_text="Annotations matched with identical labels ÷ annotations."
    )
    alpha_stance = models.FloatField(null=True, blank=True)
    f1_overlap = models.FloatField(null=True, blank=True)
    label_disagreements = models.PositiveIntegerField(default=0)
    near_misses = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    disagreements = models.PositiveIntegerField(default=0, help_text="The three above together.")
    sums = JSONTextField(default=dict, help_text="agreement_sums.sums_to_json")
    disagreement_list = JSONTextField(
        default=list, help_text="agreement_sums.disagreements_to_json"
    )

    class Meta:
        verbose_name = "article agreement"
        indexes = [models.Index(fields=["stale"], name="agreement_stale_idx")]

    def __str__(self) -> str:
        return f"Agreement on article {self.article_id}{' (stale)' if self.stale else ''}"


class AgreementTotals(models.Model):
    """The sum of every ArticleAgreement row's counts: the project's figures without reading a row
    per article. A single row (pk=1). `checksum` is the sum of the rows' checksums these totals
    include: they are used only while it equals the table's sum, so a write this row missed (a race,
    a deleted article) costs one full re-sum, never wrong figures."""

    checksum = models.BigIntegerField(default=0)
    sums = models.JSONField(default=dict, help_text="agreement_sums.Totals.to_json")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "agreement totals"
        verbose_name_plural = "agreement totals"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="agreement_totals_singleton")]

    def __str__(self) -> str:
        return "Agreement totals"


class ClaimSummary(models.Model):
    """One claim's attributions counted for the claims overview (annotate.claim_tally), kept so
    that /claims/ sorts and pages a row per claim instead of grouping every annotation on every
    read (annotate.claim_store). Two rows per claim: every live annotation, and the accepted ones
    ("Accepted only"); and the same two for each reviewer's own work (for a reviewer who sees only
    their own, and the reviewer filter). Kept like ArticleAgreement: every write to a claim's
    annotations (and every verdict) marks the rows it changes stale with a new `generation`; a
    read recomputes stale and missing rows and stores them only if the generation it read is
    still the row's.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="summaries")
    accepted_only = models.BooleanField(help_text="Counts only accepted annotations.")
    # Not a foreign key: 0 stands for every reviewer, and a user with annotations cannot be
    # deleted (Annotation.reviewer is PROTECT).
    by_reviewer = models.PositiveIntegerField(
        default=0, help_text="0: every reviewer's annotations; else only this user's (their id)."
    )
    stale = models.BooleanField(default=True, help_text="Annotations changed since computed.")
    generation = models.BigIntegerField(
        default=0, help_text="A new random value on every invalidation (see the class docstring)."
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    attributions = models.PositiveIntegerField(
        default=0, help_text="Counted once across reviewers (annotate.claim_tally)."
    )
    marks = models.PositiveIntegerField(default=0, help_text="Annotations, every reviewer's.")
    asserts = models.PositiveIntegerField(default=0)
    denies = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    disputed = models.BooleanField(default=False, help_text="Both asserted and denied.")
    sources = models.PositiveIntegerField(default=0)
    articles = models.PositiveIntegerField(default=0)
    reviewers = models.PositiveIntegerField(default=0)
    by_stance = JSONTextField(default=list, help_text="claim_tally.ClaimTally.by_stance_json")

    class Meta:
        verbose_name = "claim summary"
        verbose_name_plural = "claim summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "accepted_only", "by_reviewer"], name="claim_summary_unique_scope"
            )
        ]
        indexes = [
            models.Index(
                fields=["accepted_only", "by_reviewer", "-attributions", "-marks", "claim"],
                name="claim_summary_order_idx",
            ),
            models.Index(fields=["stale"], name="claim_summary_stale_idx"),
        ]

    def __str__(self) -> str:
        scope = "accepted" if self.accepted_only else "all"
        who = f", reviewer {self.by_reviewer}" if self.by_reviewer else ""
        return f"Claim {self.claim_id} ({scope}{who}){' (stale)' if self.stale else ''}"
