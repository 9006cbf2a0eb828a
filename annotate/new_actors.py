"""No silent new actors (issue 9): what the annotation form asks when a typed name is new.

A subject, object or named source that matches no actor or alias holds the save
(services.actors.UnknownActors); the form then shows, under that field, "“Untied States” is a new
actor — create it, or did you mean United States?" with the closest names the reviewer may see
as one-click choices, and a Create button with the new actor's kind and optional affiliation.
Everything is plain form fields and submit buttons, so it works the same without JavaScript (a
full page round trip) and with htmx (the form's slot is swapped):

- `use_<field>=<name>` (a suggestion's button): the field takes that existing name, and the save
  goes ahead;
- `new_<field>=<name>` (the Create button) with `new_<field>_kind` and `new_<field>_affiliation`:
  that exact name is confirmed as a new actor. Changing the name afterwards asks again.

Suggestions use rapidfuzz (WRatio over names and aliases): it scores typos ("Untied States"), a
missing or extra word ("Russian intelligence" / "Russian intelligence agents") and word order well,
in C, over thousands of names in well under a millisecond; difflib's SequenceMatcher handles only
the first, in pure Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from rapidfuzz import fuzz, process, utils

from annotate.models import ActorAlias, ActorKind
from annotate.permissions import visibility_for
from annotate.services.actors import NewActor, actor_lookup, name_key

#: The form fields that name actors (the source only when it is a named source; the affiliation
#: only for an unnamed one).
ACTOR_FIELDS = ("subject", "object", "source", "source_affiliation")
SUGGESTIONS = 3
SCORE_CUTOFF = 70  # WRatio 0–100: below this the names share too little to be the same one
KIND_CHOICES = ActorKind.choices


@dataclass(frozen=True)
class Suggestion:
    """An existing actor close to a typed name; `alias` is the alias that matched, if any."""

    name: str
    alias: str = ""

    @property
    def label(self) -> str:
        return f"{self.alias} ({self.name})" if self.alias else self.name


@dataclass
class Prompt:
    """What the form asks about one new name under its field."""

    field: str
    name: str
    suggestions: list[Suggestion]
    kind: str = ActorKind.OTHER
    affiliation: str = ""

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return KIND_CHOICES

    @property
    def question(self) -> str:
        """The sentence the form shows (and announces) under the field."""
        if not self.suggestions:
            return f"“{self.name}” is a new actor — create it, or correct the name."
        names = [s.label for s in self.suggestions]
        spelled = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        return f"“{self.name}” is a new actor — create it, or did you mean {spelled}?"


@dataclass
class Confirmations:
    """The new actors a posted form confirms, and what was wrong with a confirmation."""

    actors: list[NewActor] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # field → kind posted
    affiliations: dict[str, str] = field(default_factory=dict)  # field → affiliation typed
    errors: dict[str, str] = field(default_factory=dict)  # field → message


def picks(data: Mapping[str, str]) -> dict[str, str]:
    """The suggestions chosen with `use_<field>` buttons: field → existing name."""
    return {f: " ".join(data[f"use_{f}"].split()) for f in ACTOR_FIELDS if data.get(f"use_{f}")}


def with_picks(data: Any) -> Any:
    """`data` with the picked suggestions in their fields; a claim text that spells the replaced
    name (as the page generates it from the typed names) spells the picked one instead, so the
    typo does not live on in a new claim's text."""
    chosen = picks(data)
    if not chosen:
        return data
    data = data.copy()  # a QueryDict (posted) or a dict (tests): both copy and take items
    claim_text = data.get("claim_text", "")
    for f, name in chosen.items():
        typed = " ".join((data.get(f) or "").split())
        if typed and f != "source" and typed in claim_text:
            claim_text = claim_text.replace(typed, name)
        data[f] = name
    if "claim_text" in data:
        data["claim_text"] = claim_text
    return data


def confirmations(data: Mapping[str, str]) -> Confirmations:
    """The `new_<field>` confirmations in posted `data`, with their kinds and affiliations (an
    affiliation must be an existing actor: it is never created on the way)."""
    out = Confirmations()
    for f in ACTOR_FIELDS:
        name = " ".join((data.get(f"new_{f}") or "").split())
        if not name:
            continue
        kind = data.get(f"new_{f}_kind") or ActorKind.OTHER
        if kind not in ActorKind.values:
            out.errors[f] = f"Unknown actor kind {kind!r}: choose one from the list."
            continue
        affiliation_name = " ".join((data.get(f"new_{f}_affiliation") or "").split())
        affiliation = actor_lookup(affiliation_name) if affiliation_name else None
        out.kinds[f], out.affiliations[f] = kind, affiliation_name
        if affiliation_name and affiliation is None:
            out.errors[f] = (
                f"Affiliation “{affiliation_name}” is not a known actor: pick one of the "
                "suggested names, or leave it empty."
            )
            continue
        out.actors.append(NewActor(name=name, kind=kind, affiliation=affiliation))
    return out


def suggest(name: str, user: User, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """The existing actors closest to `name` by their names and aliases, best first, among those
    `user` may see (permissions.Visibility.actors), one per actor."""
    visible = visibility_for(user).actors()
    choices: list[tuple[str, str]] = [(n, "") for n in visible.values_list("name", flat=True)]
    choices += list(ActorAlias.objects.filter(actor__in=visible).values_list("actor__name", "name"))
    texts = [alias or actor for actor, alias in choices]
    matches = process.extract(
        name,
        texts,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit * 4,  # an actor's name and aliases may all match: keep `limit` actors
        score_cutoff=SCORE_CUTOFF,
    )
    out: list[Suggestion] = []
    seen = {name_key(name)}
    for _, _, index in matches:
        actor, alias = choices[index]
        if name_key(actor) in seen:
            continue
        seen.add(name_key(actor))
        out.append(Suggestion(actor, alias))
        if len(out) == limit:
            break
    return out


def prompts(unknown: Mapping[str, str], data: Mapping[str, str], user: User) -> list[Prompt]:
    """A Prompt for each field whose name is new, keeping a kind or affiliation already posted."""
    posted = confirmations(data)
    return [
        Prompt(
            field=f,
            name=name,
            suggestions=suggest(name, user),
            kind=posted.kinds.get(f, ActorKind.OTHER),
            affiliation=posted.affiliations.get(f, ""),
        )
        for f, name in unknown.items()
    ]
