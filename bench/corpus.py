"""A synthetic corpus like the incumbents' benchmark: N articles of ~6,000 characters, K spans each.

Written with bulk_create (a few statements per thousand rows), so 100,000 annotations take seconds.
Text includes non-ASCII and an emoji per paragraph so code-point offsets are exercised.
"""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from annotate import services
from annotate.importing import normalise_text, text_hash
from annotate.models import Actor, ActorKind, Annotation, Article, Claim, Relation

WORDS = (
    "officials said Russia Iran China Pakistan Taliban support weapons funding talks Kabul Moscow "
    "Tehran Beijing Islamabad reportedly denied claims according sources intelligence rockets "
    "meeting envoy government province fighters border négociations café 😀 analysts suggested"
).split()
ACTORS = [
    ("Russia", ActorKind.STATE),
    ("Iran", ActorKind.STATE),
    ("China", ActorKind.STATE),
    ("Pakistan", ActorKind.STATE),
    ("United States", ActorKind.STATE),
    ("Taliban", ActorKind.ARMED_GROUP),
]
STANCES = ["asserts", "denies", "reports", "questions"]
CERTAINTIES = ["certain", "probable", "possible", "unspecified"]


def article_text(rng: random.Random, index: int, length: int = 6000) -> str:
    """About `length` characters of word salad in paragraphs, unique per index."""
    parts: list[str] = [f"Report number {index}."]
    size = len(parts[0])
    while size < length:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
        parts.append(sentence + ("\n\n" if rng.random() < 0.15 else " "))
        size += len(parts[-1])
    return normalise_text("".join(parts).strip())


def texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [article_text(rng, i) for i in range(count)]


@transaction.atomic
def build(*, articles: int, per_article: int, reviewers: int = 5, seed: int = 1) -> dict[str, int]:
    """Create users, actors, claims, `articles` articles and `per_article` annotations on each."""
    rng = random.Random(seed)
    User = get_user_model()
    # No passwords: hashing one costs ~0.3 s and nobody logs in as these reviewers.
    users = User.objects.bulk_create(
        User(username=f"bench{i}", password="!unusable") for i in range(reviewers)
    )
    actors = [Actor.objects.create(name=name, kind=kind) for name, kind in ACTORS]
    relations = list(Relation.objects.all())
    claims = Claim.objects.bulk_create(
        Claim(subject=s, relation=r, object=actors[-1], text=f"{s.name} {r.label} Taliban")
        for s in actors[:-1]
        for r in relations
    )
    now = timezone.now()
    batch = 100
    made = 0
    for first in range(0, articles, batch):
        chunk_texts = [article_text(rng, i) for i in range(first, min(first + batch, articles))]
        created = Article.objects.bulk_create(
            Article(
                title=f"Synthetic article {first + n}",
                outlet="Bench Wire",
                text=text,
                text_sha256=text_hash(text),
                source_name="bench",
            )
            for n, text in enumerate(chunk_texts)
        )
        rows = []
        for article in created:
            text = article.text
            for _ in range(per_article):
                start = rng.randrange(0, len(text) - 80)
                end = start + rng.randint(10, 80)
                named = rng.random() < 0.5
                cue = rng.random() < 0.5
                cue_start = max(0, start - 8)
                rows.append(
                    Annotation(
                        article=article,
                        reviewer=rng.choice(users),
                        claim=rng.choice(claims),
                        start=start,
                        end=end,
                        quote=text[start:end],
                        source_kind="named" if named else "author",
                        source_actor=rng.choice(actors[:-1]) if named else None,
                        cue_start=cue_start if cue else None,
                        cue_end=cue_start + 4 if cue else None,
                        cue_quote=text[cue_start : cue_start + 4] if cue else "",
                        stance=rng.choice(STANCES),
                        certainty=rng.choice(CERTAINTIES),
                        confidence=rng.randint(1, 5),
                        created_at=now,
                        updated_at=now,
                    )
                )
        Annotation.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    services.link_unlinked()  # their sources, as the services would have set them
    return {"articles": articles, "annotations": made}
