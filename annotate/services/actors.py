"""Writes of actors, their aliases and claims: looked up by name or alias, created when new."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from annotate.models import Actor, ActorAlias, ActorKind, Claim, Relation
from annotate.starter_actors import STARTER_ACTORS, LoadResult, StarterActor

T = TypeVar("T")


def _create_or_find(create: Callable[[], T], find: Callable[[], T | None]) -> tuple[T, bool]:
    """Create a row unique by name, or return the one a concurrent save committed first.

    Two reviewers can name the same new actor or claim at the same moment: both look it up, find
    nothing, and insert. SQLite queues our (IMMEDIATE) transactions, so the second sees the first's
    row; PostgreSQL runs them side by side, and the second insert meets the unique constraint once
    the first commits. The insert runs in a savepoint so that failure does not doom the caller's
    transaction, and the row that won is read again.
    """
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        found = find()
        if found is None:  # not a lost race but another constraint: let it surface
            raise
        return found, False


def actor_lookup(name: str) -> Actor | None:
    """Find an actor by name or alias, ignoring case and surrounding whitespace."""
    key = " ".join(name.split()).lower()
    if not key:
        return None
    actor = Actor.objects.annotate(lname=Lower("name")).filter(lname=key).first()
    if actor:
        return actor
    alias = (
        ActorAlias.objects.annotate(lname=Lower("name"))
        .filter(lname=key)
        .select_related("actor")
        .first()
    )
    return alias.actor if alias else None


def _clean_name(name: str) -> str:
    """`name` with its whitespace collapsed, or ValidationError({"name": why}) if unusable."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"name": "Actor name is empty: type a name."})
    if len(clean) > 200:
        raise ValidationError({"name": "Actor name is longer than 200 characters."})
    return clean


def actor_get_or_create(
    *,
    name: str,
    kind: str = ActorKind.OTHER,
    aliases: list[str] | None = None,
    affiliation: Actor | None = None,
) -> tuple[Actor, bool]:
    """Return the actor called `name` (or aliased so), creating it with `kind`, `aliases` and
    `affiliation` if new (an existing actor is returned as it is)."""
    clean = _clean_name(name)
    if kind not in ActorKind.values:
        raise ValidationError(
            {"kind": f"Unknown actor kind {kind!r}: use one of {ActorKind.values}."}
        )
    existing = actor_lookup(clean)
    if existing:  # the common case reads only: no transaction or savepoint round trips
        return existing, False

    def create() -> Actor:
        actor = Actor.objects.create(name=clean, kind=kind, affiliation=affiliation)
        for alias in aliases or []:
            alias_add(actor=actor, name=alias)
        return actor

    return _create_or_find(create, lambda: actor_lookup(clean))


@dataclass(frozen=True)
class NewActor:
    """A name the reviewer confirmed as a new actor, with what they said it is."""

    name: str
    kind: str = ActorKind.OTHER
    affiliation: Actor | None = None


def name_key(name: str) -> str:
    """How names compare: whitespace collapsed, case ignored (as the unique constraints do)."""
    return " ".join(name.split()).lower()


class UnknownActors(ValidationError):
    """Typed names that match no actor or alias and were not confirmed as new: nothing saved.

    `unknown` maps each field ("subject", "object", "source") to the name typed there.
    """

    def __init__(self, unknown: dict[str, str]):
        self.unknown = unknown
        super().__init__(
            {
                field: ValidationError(
                    f"“{name}” is a new actor: create it, or pick an existing one.",
                    code="new_actor",
                )
                for field, name in unknown.items()
            }
        )


def actors_resolve(
    *, names: Mapping[str, str], new: Iterable[NewActor] | None = None
) -> dict[str, Actor]:
    """Each field's typed name as an actor: found by name or alias (ignoring case), or created
    when one of `new` confirms that very name, with its kind and affiliation.

    Every other name that matches nothing raises UnknownActors (all of them at once; nothing is
    created), so a typo never silently becomes an actor. `new=None` creates unknown names unasked
    (kind "other"), for callers that mean exactly the names they pass (scripts, tests); the
    annotation form always passes the reviewer's confirmations. An unusable name raises
    ValidationError keyed by its field.
    """
    confirmed = None if new is None else {name_key(n.name): n for n in new}
    errors: dict[str, str] = {}
    found: dict[str, Actor] = {}
    unknown: dict[str, str] = {}
    to_create: dict[str, NewActor] = {}
    for field, name in names.items():
        try:
            clean = _clean_name(name)
        except ValidationError as exc:
            errors[field] = " ".join(exc.messages)
            continue
        actor = actor_lookup(clean)
        if actor is not None:
            found[field] = actor
        elif confirmed is None:
            to_create[field] = NewActor(clean)
        elif name_key(clean) in confirmed:
            to_create[field] = replace(confirmed[name_key(clean)], name=clean)
        else:
            unknown[field] = clean
    if errors:
        raise ValidationError(errors)
    if unknown:
        raise UnknownActors(unknown)
    for field, spec in to_create.items():  # one name in two fields: created once, found again
        found[field], _ = actor_get_or_create(
            name=spec.name, kind=spec.kind, affiliation=spec.affiliation
        )
    return found


def alias_add(*, actor: Actor, name: str) -> ActorAlias | None:
    """Add an alias unless that name already means this actor; refuse one that means another."""
    clean = " ".join(name.split())
    if not clean:
        return None
    other = actor_lookup(clean)
    if other and other.pk == actor.pk:
        return None
    if other:
        raise ValidationError(
            {"aliases": f"{clean!r} already names {other.name}; an alias must be unambiguous."}
        )
    alias, created = _create_or_find(
        lambda: ActorAlias.objects.create(actor=actor, name=clean),
        lambda: (
            ActorAlias.objects.annotate(lname=Lower("name")).filter(lname=clean.lower()).first()
        ),
    )
    if created or alias.actor_id == actor.pk:  # or a concurrent save added the same alias
        return alias if created else None
    raise ValidationError(
        {"aliases": f"{clean!r} already names {alias.actor.name}; an alias must be unambiguous."}
    )


@transaction.atomic
def actors_load_starter(*, actors: Sequence[StarterActor] = STARTER_ACTORS) -> LoadResult:
    """Create the starter actors that do not exist yet, with their aliases and affiliations.

    Actors that already exist (by name or alias, ignoring case) are left exactly as they are, so an
    admin's edits survive every later `bootstrap`. An alias that already names another actor is
    skipped with a warning rather than stopping the load.
    """
    result = LoadResult()
    new: list[tuple[Actor, StarterActor]] = []
    for entry in actors:
        actor, created = actor_get_or_create(name=entry.name, kind=entry.kind)
        if not created:
            continue
        result.created.append(actor)
        new.append((actor, entry))
        for alias in entry.aliases:
            try:
                if alias_add(actor=actor, name=alias):
                    result.aliases_added += 1
            except ValidationError as exc:
                result.warnings.append(f"{entry.name}: alias skipped, {' '.join(exc.messages)}")
    # Affiliations in a second pass, so an entry may name an actor listed after it.
    for actor, entry in new:
        if entry.affiliation:
            target = actor_lookup(entry.affiliation)
            if target is None:
                result.warnings.append(
                    f"{entry.name}: affiliation {entry.affiliation!r} is not a known actor."
                )
                continue
            actor.affiliation = target
            actor.save(update_fields=["affiliation"])
    return result


def claim_get_or_create(
    *, subject: Actor, relation: Relation, object: Actor, qualifier: str = "", text: str = ""
) -> tuple[Claim, bool]:
    """Return the claim (subject, relation, object, qualifier), creating it if new.

    `text` overrides the generated readable form for a new claim; an existing claim keeps its text.
    """
    qualifier = " ".join(qualifier.split())

    def find() -> Claim | None:
        return (
            Claim.objects.annotate(lq=Lower("qualifier"))
            .filter(subject=subject, relation=relation, object=object, lq=qualifier.lower())
            .first()
        )

    existing = find()
    if existing:
        return existing, False
    text = " ".join(text.split()) or Claim.generated_text(subject, relation, object, qualifier)
    return _create_or_find(
        lambda: Claim.objects.create(
            subject=subject, relation=relation, object=object, qualifier=qualifier, text=text
        ),
        find,
    )
