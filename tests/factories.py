"""Small factories for tests: plain functions with sensible defaults, no fixture files."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotate import claim_store, services
from annotate.importing import normalise_text, text_hash
from annotate.models import (
    CURATORS_GROUP,
    Actor,
    ActorKind,
    Annotation,
    Article,
    Claim,
    Relation,
    SourceKind,
    Stance,
)

_counter = itertools.count(1)

SAMPLE_TEXT = (
    "Gen. Joseph Votel told Congress that it was fair to assume Russia was supporting the Taliban.\n"
    "Russia denies supplying the Taliban with weapons.\n"
    "Taliban spokesman Zabiullah Mujahid also denied that the group received money from Russia."
)

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str | None = None, *, staff: bool = False, curator: bool = False, **extra):
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff, **extra
    )
    if curator:
        user.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])
    return user


def make_superuser(username: str = "admin"):
    return get_user_model().objects.create_superuser(username, f"{username}@example.org", PASSWORD)


def make_article(text: str = SAMPLE_TEXT, *, title: str | None = None, **extra) -> Article:
    text = normalise_text(text)
    n = next(_counter)
    if Article.objects.filter(text_sha256=text_hash(text)).exists():
        text = f"{text}\n[{n}]"
    return Article.objects.create(
        title=title or f"Article {n}", text=text, text_sha256=text_hash(text), **extra
    )


def make_actor(name: str | None = None, kind: str = ActorKind.STATE, aliases=()) -> Actor:
    actor, _ = services.actor_get_or_create(
        name=name or f"Actor {next(_counter)}", kind=kind, aliases=list(aliases)
    )
    return actor


def make_claim(
    subject: str = "Russia", relation: str = "supports", obj: str = "Taliban", qualifier: str = ""
) -> Claim:
    claim, _ = services.claim_get_or_create(
        subject=make_actor(subject),
        relation=Relation.objects.get(slug=relation),
        object=make_actor(obj, kind=ActorKind.ARMED_GROUP),
        qualifier=qualifier,
    )
    return claim


def make_annotation(
    *,
    article: Article | None = None,
    reviewer=None,
    claim: Claim | None = None,
    phrase: str | None = None,
    start: int | None = None,
    end: int | None = None,
    stance: str = Stance.ASSERTS,
    confidence: int = 4,
    source_words: str | None = None,
    cue_words: str | None = None,
    **extra,
) -> Annotation:
    """An annotation on `phrase` (first occurrence) or on [start, end); `source_words` and
    `cue_words` (first occurrences too) become its source and cue spans."""
    article = article or make_article()
    reviewer = reviewer or make_user()
    if phrase is not None:
        start = article.text.index(phrase)
        end = start + len(phrase)
    for prefix, words in (("source", source_words), ("cue", cue_words)):
        if words is not None:
            at = article.text.index(words)
            extra.update({f"{prefix}_start": at, f"{prefix}_end": at + len(words)})
            extra[f"{prefix}_quote"] = words
    if start is None:
        start, end = 0, min(10, len(article.text))
    extra.setdefault("source_kind", SourceKind.AUTHOR)
    return services.annotation_create(
        article=article,
        reviewer=reviewer,
        claim=claim or make_claim(),
        start=start,
        end=end,
        quote=article.text[start:end],
        stance=stance,
        confidence=confidence,
        **extra,
    )


LONG_SENTENCE = (
    "Report {n:03d}. Officials in the capital said on Tuesday that the ceasefire was holding, "
    "though monitors reported sporadic shelling near the river and aid convoys waited. "
)
LONG_CLAIMS = (("Russia", "Taliban"), ("Iran", "Hezbollah"), ("Pakistan", "Haqqani network"))
LONG_SOURCES = ("Joseph Votel", "Zabiullah Mujahid", "Maria Zakharova", "Ned Price", "Hua Chunying")
LONG_STANCES = (Stance.ASSERTS, Stance.DENIES, Stance.REPORTS, Stance.QUESTIONS)


def make_long_article(
    reviewer, *, length: int = 60_000, annotations: int = 300, title: str = "A long article"
) -> Article:
    """A `length`-character article of numbered sentences ("Report 000. Officials …"), with one
    annotation of `reviewer` on the first words of each of the first `annotations` sentences:
    claims, sources and stances rotate (LONG_CLAIMS, LONG_SOURCES, LONG_STANCES by index), so
    the quote of annotation i contains "Report {i:03d}". Bulk-created: hundreds, fast."""
    sentences, text = [], ""
    while len(text) < length:
        sentences.append(len(text))
        text += LONG_SENTENCE.format(n=len(sentences) - 1)
    text = text[:length]
    assert len(sentences) >= annotations, "the text is too short for that many annotations"
    article = make_article(text, title=title)
    claims = [make_claim(subject, "supports", obj) for subject, obj in LONG_CLAIMS]
    sources = [make_actor(name, kind=ActorKind.PERSON) for name in LONG_SOURCES]
    rows = []
    for i in range(annotations):
        start = sentences[i]
        end = start + 40
        rows.append(
            Annotation(
                article=article,
                reviewer=reviewer,
                claim=claims[i % len(claims)],
                start=start,
                end=end,
                quote=article.text[start:end],
                source_kind=SourceKind.NAMED,
                source_actor=sources[i % len(sources)],
                stance=LONG_STANCES[i % len(LONG_STANCES)],
                confidence=1 + i % 5,
            )
        )
    bulk_annotations(rows)
    return article


def bulk_annotations(rows: Iterable[Annotation]) -> list[Annotation]:
    """Insert annotations past the services (fast: thousands), marking the claims they count
    stale as a restore does (annotate.claim_store)."""
    rows = Annotation.objects.bulk_create(list(rows), batch_size=500)
    claim_store.invalidate((r.claim_id, r.reviewer_id) for r in rows)
    return rows


def delete_annotations() -> None:
    """Delete every annotation past the services (a test's clean slate), and the claim tallies
    that counted them, as the admin does when it deletes in bulk."""
    Annotation.objects.all().delete()
    claim_store.invalidate_all()
