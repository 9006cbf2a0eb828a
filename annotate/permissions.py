"""Who may see and change what: the one place that decides, so screens, export and admin agree.

Seeing other reviewers' work (`visibility_for`, `reader_state`)
----------------------------------------------------------------
Curators and staff see everything. A reviewer always sees their own annotations, and other
reviewers' only when the site allows it (`SiteSettings.reviewers_see_others`); with blind
annotation on as well, only on the articles they have marked done, so what they read cannot steer
their own annotations. That makes three scopes: ALL, OWN, and OWN_AND_DONE.

Claims and actors follow the annotations, because a reviewer who types a new name creates it:
anyone but a curator sees a claim or an actor when

- an annotation they may see uses it (an actor as claim subject or object, or as named source);
  their own annotations count even when soft-deleted, since they typed or picked those names; or
- no annotation uses it at all (live or deleted): the admin's and the starter list's actors, their
  aliases and claims are a vocabulary everyone shares.

So a name only other reviewers' hidden work uses stays hidden: it is not in the claims page's
suggestions or the actor autocomplete, the claims filter does not know it, its claim or actor
page is a 404, and no list shows it as another actor's affiliation or member. Aliases go with their
actor. Relations are a vocabulary everyone sees.

Exports leave the app, so anyone but a curator exports only their own annotations (whatever the
site lets them see on screen), and their export lists only the claims and actors those annotations
use, plus those actors' affiliations that they may see.

Blind mode lifts on the articles a reviewer has marked done *now* (`Visibility._unblinded_articles`
and `Visibility._unblinds` say the same thing in SQL and in Python).

Blind mode: done is final (`done_is_final`, `check_not_final`)
----------------------------------------------------------------
In blind mode a reviewer who marked an article done has seen the others' work there, so what they
annotate there afterwards would not be independent. Their work on that article is then final: they
may not reopen it, nor create, edit, delete or restore their annotations on it. The services refuse
those writes (AnnotationsFinal, with a message saying why) and the workspace says so instead of
offering them. Curators and staff are not affected (they are not blind), and staff may still reset
a reviewer's progress in the admin, which blinds the article again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from annotate.models import (
    CURATORS_GROUP,
    Actor,
    Annotation,
    AnnotationQuerySet,
    Article,
    Claim,
    Progress,
    ProgressStatus,
    SiteSettings,
)

# Where is_curator keeps its answer on the user object, so a request asks the database once.
_CURATOR_CACHE = "_stancemark_is_curator"


def is_curator(user: User) -> bool:
    """Staff and members of the Curators group adjudicate and see everyone's work."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached: bool | None = getattr(user, _CURATOR_CACHE, None)
    if cached is None:
        cached = user.groups.filter(name=CURATORS_GROUP).exists()
        setattr(user, _CURATOR_CACHE, cached)
    return cached


AGREEMENT_REFUSED = (
    "The agreement report is for curators and staff. It sets each reviewer's annotations beside "
    "the others', so reviewers do not see it: the figures are honest only while reviewers annotate "
    "without seeing each other's work. Ask a curator if you need them."
)


def may_see_agreement(user: User) -> bool:
    """The agreement page and its per-article details: curators and staff (AGREEMENT_REFUSED)."""
    return is_curator(user)


def can_change_annotation(user: User, annotation: Annotation) -> bool:
    """Only the reviewer who made an annotation may edit, delete or restore it."""
    return user.is_authenticated and annotation.reviewer_id == user.pk


def can_manage_annotations(user: User) -> bool:
    """Staff manage every reviewer's annotations in the admin: edit, delete and restore them."""
    return user.is_authenticated and user.is_staff


# ---------------------------------------------------------------- seeing others' work


class Scope(StrEnum):
    """Whose live annotations a user sees."""

    ALL = "all"
    OWN = "own"
    OWN_AND_DONE = "own+done"  # blind mode: others' only on articles the user marked done


_RULES = {
    (Scope.ALL, True): "You see every reviewer's attributions (curator).",
    (Scope.ALL, False): "You see every reviewer's attributions.",
    (Scope.OWN, False): "You see only your own attributions: this site keeps reviewers' work "
    "separate.",
    (Scope.OWN_AND_DONE, False): "Blind annotation is on: you see your own attributions, plus "
    "other reviewers' on articles you have marked done.",
}


# How the querysets below ask "do these annotations use this claim or actor", so that both
# databases plan them well at 100,000 annotations and 1,000 actors. A small set of annotations (a
# user's own work, the ones on the articles they finished) is read once, as an uncorrelated IN. A
# big one (every annotation, every live one) is asked per claim, or per actor for a named source:
# an EXISTS on one indexed column that stops at the first use. The actors of a set of claims are an
# uncorrelated IN over the (few) claims. Never an EXISTS per actor through annotations joined to
# claims: SQLite then walks a reviewer's whole work for every actor, PostgreSQL a whole table
# (tens of seconds), and PostgreSQL's estimate for such a plan sets its JIT compiler off (seconds).


def _claims_used_by(annotations: QuerySet[Annotation]) -> Q:
    """A claim (the outer row) is used by one of `annotations`, a big set, asked per claim."""
    return Q(Exists(annotations.filter(claim=OuterRef("pk"))))


def _actor_in(claims: Q, sources: Q) -> Q:
    """An actor is the subject or object of a claim `claims` matches, or a source `sources`
    matches (a named source)."""
    matching = Claim.objects.filter(claims)
    return (
        Q(pk__in=matching.values("subject_id")) | Q(pk__in=matching.values("object_id")) | sources
    )


@dataclass(frozen=True)
class Visibility:
    """What one user may see of other reviewers' work, site-wide; build it with visibility_for."""

    user: User
    curator: bool
    scope: Scope

    @property
    def rule(self) -> str:
        """The rule in words, for the pages that show a filtered view."""
        return _RULES[self.scope, self.curator]

    def annotations(self) -> AnnotationQuerySet:
        """Live annotations this user may see (lazy: no query yet)."""
        return Annotation.objects.live().filter(self._scope_filter())

    def claims(self) -> QuerySet[Claim]:
        """Claims this user may see: used by what they have seen, or by no annotation at all."""
        if self.curator:
            return Claim.objects.all()
        return Claim.objects.filter(
            self._seen_claims() | ~_claims_used_by(Annotation.objects.all())
        )

    def actors(self) -> QuerySet[Actor]:
        """Actors this user may see: used by what they have seen, or by no annotation at all."""
        if self.curator:
            return Actor.objects.all()
        sources = Q(pk__in=self._seen_few().values("source_actor_id"))
        if self.scope is Scope.ALL:
            sources |= Q(Exists(Annotation.objects.live().filter(source_actor=OuterRef("pk"))))
        every = Annotation.objects.all()
        used = _actor_in(
            _claims_used_by(every), Q(Exists(every.filter(source_actor=OuterRef("pk"))))
        )
        return Actor.objects.filter(_actor_in(self._seen_claims(), sources) | ~used)

    def may_see_actor(self, actor: Actor) -> bool:
        """One actor, e.g. resolved from a typed name (a query unless the user is a curator)."""
        return self.curator or self.actors().filter(pk=actor.pk).exists()

    # -------------------------------------------------------- export

    def exportable_annotations(self) -> QuerySet[Annotation]:
        """Live annotations this user may export: curators everyone's, anyone else their own."""
        live = Annotation.objects.live()
        return live if self.curator else live.filter(reviewer=self.user)

    def export_claims(self, exported: QuerySet[Annotation]) -> QuerySet[Claim]:
        """The claims list of an export of `exported`: all for curators, else the ones it uses."""
        if self.curator:
            return Claim.objects.all()
        return Claim.objects.filter(pk__in=exported.values("claim_id"))

    def export_actors(self, exported: QuerySet[Annotation]) -> QuerySet[Actor]:
        """The actors list of an export of `exported`: all for curators, else the ones it uses
        (claims, named sources, unnamed sources' affiliations) and their affiliations this user
        may see (so an `affiliation` id can be looked up)."""
        if self.curator:
            return Actor.objects.all()
        used = Actor.objects.filter(
            _actor_in(
                Q(pk__in=exported.values("claim_id")),
                Q(pk__in=exported.values("source_actor_id"))
                # An unnamed source's side: the export's sources list names it by id.
                | Q(pk__in=exported.values("source__affiliation_id")),
            )
        )
        affiliations = Q(pk__in=used.values("affiliation_id")) & Q(
            pk__in=self.actors().values("pk")
        )
        return Actor.objects.filter(Q(pk__in=used.values("pk")) | affiliations)

    # -------------------------------------------------------- the rules behind the querysets

    def _scope_filter(self) -> Q:
        """The scope as a filter on annotations (callers say whether deleted ones count)."""
        if self.scope is Scope.ALL:
            return Q()
        mine = Q(reviewer=self.user)
        if self.scope is Scope.OWN:
            return mine
        return mine | Q(article__in=self._unblinded_articles())

    def _seen_claims(self) -> Q:
        """A claim (the outer row) is used by an annotation this user has seen."""
        seen = Q(pk__in=self._seen_few().values("claim_id"))
        if self.scope is Scope.ALL:
            seen |= _claims_used_by(Annotation.objects.live())
        return seen

    def _seen_few(self) -> QuerySet[Annotation]:
        """The annotations whose names this user knows, but for everyone's live work in
        Scope.ALL (too many to read at once: _seen_claims and actors() ask about it per row):
        their own, deleted ones too (they typed those names), and in blind mode others' live
        ones on the articles they finished."""
        seen = Q(reviewer=self.user)
        if self.scope is Scope.OWN_AND_DONE:
            seen |= Q(deleted_at__isnull=True, article__in=self._unblinded_articles())
        return Annotation.objects.filter(seen)

    def _unblinded_articles(self) -> QuerySet[Progress, Mapping[str, object]]:
        """Articles where blind mode lifts for this user, in SQL (see _unblinds)."""
        return Progress.objects.filter(reviewer=self.user, status=ProgressStatus.DONE).values(
            "article"
        )

    @staticmethod
    def _unblinds(progress: Progress | None) -> bool:
        """Whether blind mode lifts on one article, given the user's progress there."""
        return progress is not None and progress.status == ProgressStatus.DONE


# ---------------------------------------------------------------- blind mode: done is final

FINAL_WRITE = (
    "Blind annotation: you marked this article done and have seen the other reviewers' "
    "annotations on it, so your annotations here are final and cannot be added to, changed, "
    "deleted or restored. Ask a curator if one must change."
)
FINAL_REOPEN = (
    "Blind annotation: this article stays done. You have seen the other reviewers' annotations "
    "on it, so reopening it to annotate again would no longer be independent work. Ask a curator "
    "if your annotations here must change."
)


class AnnotationsFinal(PermissionDenied):
    """A write refused because blind mode made the user's work on an article final."""

    def __init__(self, message: str = FINAL_WRITE):
        super().__init__(message)
        self.message = message


def _final(scope: Scope, progress: Progress | None) -> bool:
    """The rule: in blind mode, an article the user has marked done (and so seen) is final."""
    return scope is Scope.OWN_AND_DONE and Visibility._unblinds(progress)


def done_is_final(user: User, progress: Progress | None) -> bool:
    """Whether `user`'s work is final on the article of `progress` (their progress there, or
    None). No query unless the article is done: then the curator check and the site settings."""
    if not Visibility._unblinds(progress):
        return False
    return _final(visibility_for(user).scope, progress)


def check_not_final(user: User, article_id: int, *, message: str = FINAL_WRITE) -> Progress | None:
    """Raise AnnotationsFinal if `user`'s work on the article is final; else return their
    progress there (one query, plus two when the article is done)."""
    progress = Progress.objects.filter(article_id=article_id, reviewer=user).first()
    if done_is_final(user, progress):
        raise AnnotationsFinal(message)
    return progress


REVIEWER_DONE = "reviewer_done"


def with_reviewer_done(annotations: QuerySet[Annotation]) -> QuerySet[Annotation]:
    """`annotations`, each with whether its reviewer has marked its article done (one EXISTS in
    the same query), for check_annotation_not_final: the services read it with the row they lock."""
    done = Progress.objects.filter(
        article=OuterRef("article_id"), reviewer=OuterRef("reviewer_id"), status=ProgressStatus.DONE
    )
    return annotations.annotate(**{REVIEWER_DONE: Exists(done)})


def check_annotation_not_final(user: User, annotation: Annotation) -> None:
    """Raise AnnotationsFinal if `user` is `annotation`'s reviewer and their work on its article
    is final. No query unless the reviewer marked it done (read by with_reviewer_done, or asked)."""
    if annotation.reviewer_id != user.pk:
        return
    done: bool | None = getattr(annotation, REVIEWER_DONE, None)
    if done is None:
        check_not_final(user, annotation.article_id)
    elif done and done_is_final(user, Progress(status=ProgressStatus.DONE)):
        raise AnnotationsFinal()


def may_see_annotation(user: User, annotation: Annotation) -> bool:
    """Whether `user` may see `annotation`, and so its history: their own (deleted ones too: they
    may restore those), any for curators, and another reviewer's live one where their Visibility
    shows it (the site's setting, blind mode). At most four queries."""
    if not user.is_authenticated:
        return False
    if annotation.reviewer_id == user.pk:
        return True
    visibility = visibility_for(user)
    return visibility.curator or visibility.annotations().filter(pk=annotation.pk).exists()


def visibility_for(user: User, site: SiteSettings | None = None) -> Visibility:
    """The Visibility of `user`: curators see all (no settings read); reviewers as the site says."""
    if is_curator(user):
        return Visibility(user, curator=True, scope=Scope.ALL)
    site = site or SiteSettings.load()
    if not site.reviewers_see_others:
        scope = Scope.OWN
    elif site.blind_annotation:
        scope = Scope.OWN_AND_DONE
    else:
        scope = Scope.ALL
    return Visibility(user, curator=False, scope=scope)


# ---------------------------------------------------------------- one article


@dataclass(frozen=True)
class ReaderState:
    """One user's view of one article: their progress and whether others' work shows there."""

    visibility: Visibility
    article: Article
    progress: Progress | None

    @property
    def done(self) -> bool:
        """The user marked this article done."""
        return self.progress is not None and self.progress.status == ProgressStatus.DONE

    @property
    def may_see_others(self) -> bool:
        """Other reviewers' annotations may be shown here (the page still asks for them)."""
        scope = self.visibility.scope
        return scope is Scope.ALL or (
            scope is Scope.OWN_AND_DONE and Visibility._unblinds(self.progress)
        )

    @property
    def final(self) -> bool:
        """Blind mode made the user's work here final: no reopening, no writes (done_is_final)."""
        return _final(self.visibility.scope, self.progress)

    @property
    def blind_hidden(self) -> bool:
        """Others' work is hidden here only by blind mode (the page says: mark done to see it)."""
        return self.visibility.scope is Scope.OWN_AND_DONE and not self.may_see_others

    def annotations(self, *, others: bool) -> AnnotationQuerySet:
        """Live annotations on the article: mine, plus others' when asked for and allowed."""
        if others and self.may_see_others:
            return Annotation.objects.live().filter(article=self.article)
        return own_annotations(self.visibility.user, self.article)


def own_annotations(user: User, article: Article) -> AnnotationQuerySet:
    """My live annotations on `article`: what everyone may always see (no query yet)."""
    return Annotation.objects.live().filter(article=article, reviewer=user)


def reader_state(user: User, article: Article) -> ReaderState:
    """Build the ReaderState of `user` on `article` (at most three queries: group, settings, progress)."""
    progress = Progress.objects.filter(article=article, reviewer=user).first()
    return ReaderState(visibility_for(user), article, progress)
