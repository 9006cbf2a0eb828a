"""Saves at the same moment, on real connections: nothing lost when reviewers name the same new
actor or claim at once (PostgreSQL runs such saves side by side; SQLite queues them)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from annotate import services
from annotate.models import Actor, Annotation, Claim, Relation
from annotate.services import actors as actor_services
from tests import factories

SAVERS = 8


def _values(article, relation: Relation, **names) -> services.AnnotationInput:
    phrase = "Russia was supporting the Taliban"
    start = article.text.index(phrase)
    return {
        "start": start,
        "end": start + len(phrase),
        "quote": phrase,
        "relation": relation,
        "source_kind": "named",
        "stance": "asserts",
        "confidence": 3,
        **names,
    }


def _save_at_once(monkeypatch, article, reviewers, values) -> list[BaseException]:
    """Run annotation_save for each reviewer in its own thread and connection, all at once.

    On PostgreSQL every thread is held just before its first insert until all have looked the
    names up and found nothing, so the inserts really race. (On SQLite the first transaction holds
    the write lock while it waits, so holding them there would only deadlock: they queue.)
    """
    errors: list[BaseException] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(reviewers), timeout=20)
        seen: set[int] = set()
        create_or_find = actor_services._create_or_find

        def held(create, find):
            if threading.get_ident() not in seen:  # only the first insert of each save
                seen.add(threading.get_ident())
                barrier.wait()
            return create_or_find(create, find)

        monkeypatch.setattr(actor_services, "_create_or_find", held)

    def save(reviewer) -> None:
        try:
            services.annotation_save(article=article, reviewer=reviewer, values=values)
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_reviewers_naming_the_same_new_actors_at_once_all_save(monkeypatch, relations):
    article = factories.make_article()
    reviewers = [factories.make_user(f"racer{i}") for i in range(SAVERS)]
    supports = Relation.objects.get(slug="supports")
    values = _values(
        article, supports, subject="Ruritania", object="Freedonia", source="Rufus Firefly"
    )
    errors = _save_at_once(monkeypatch, article, reviewers, values)
    assert errors == []
    assert Annotation.objects.count() == SAVERS
    for name in ("Ruritania", "Freedonia", "Rufus Firefly"):
        assert Actor.objects.filter(name=name).count() == 1
    assert Claim.objects.get().text == "Ruritania supports Freedonia"
    assert {a.claim_id for a in Annotation.objects.all()} == {Claim.objects.get().pk}


@pytest.mark.django_db(transaction=True)
def test_reviewers_naming_the_same_new_claim_at_once_all_save(monkeypatch, relations):
    article = factories.make_article()
    reviewers = [factories.make_user(f"claimer{i}") for i in range(SAVERS)]
    for name in ("Ruritania", "Freedonia", "Rufus Firefly"):
        factories.make_actor(name)
    arms = Relation.objects.get(slug="arms")
    values = _values(article, arms, subject="Ruritania", object="Freedonia", source="Rufus Firefly")
    errors = _save_at_once(monkeypatch, article, reviewers, values)
    assert errors == []
    assert Annotation.objects.count() == SAVERS
    assert Claim.objects.count() == 1
    assert Actor.objects.filter(name__in=["Ruritania", "Freedonia", "Rufus Firefly"]).count() == 3


@pytest.mark.django_db(transaction=True)
def test_an_alias_added_by_a_concurrent_save_is_not_an_error(monkeypatch, relations):
    actor = factories.make_actor("Ruritania")
    # Another save added the same alias between our lookup and our insert.
    real_lookup = actor_services.actor_lookup
    calls = []

    def lookup_then_race(name):
        found = real_lookup(name)
        if not calls:
            calls.append(name)
            actor.aliases.create(name="Ruritanians")
        return found

    monkeypatch.setattr(actor_services, "actor_lookup", lookup_then_race)
    assert services.alias_add(actor=actor, name="ruritanians") is None
    assert actor.aliases.count() == 1


@pytest.mark.django_db(transaction=True)
def test_saves_and_reads_of_one_claim_at_once_lose_no_count(relations):
    """Reviewers save on one claim while readers bring its stored tallies up to date: nobody
    waits on anybody in a cycle (no deadlock, no error), and the tallies end up right."""
    from annotate import claim_store, claims
    from annotate.claim_tally import tally_claims
    from annotate.models import ClaimSummary
    from annotate.permissions import Scope, Visibility

    article = factories.make_article()
    claim = factories.make_claim("Russia", "supports", "Taliban")
    reviewers = [factories.make_user(f"tallier{i}") for i in range(SAVERS)]
    everything = Visibility(reviewers[0], curator=True, scope=Scope.ALL)
    phrase = "Russia was supporting the Taliban"
    start = article.text.index(phrase)
    errors: list[BaseException] = []
    barrier = threading.Barrier(SAVERS + 4, timeout=20)

    def save(reviewer) -> None:
        try:
            barrier.wait()
            for n in range(3):  # the same passage, then two apart
                at = start if n == 0 else n * 40
                services.annotation_create(
                    article=article, reviewer=reviewer, claim=claim, start=at,
                    end=at + len(phrase), quote=article.text[at : at + len(phrase)],
                    stance="asserts", confidence=3,
                )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def read() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                list(claims.claim_tallies(everything, claims.ClaimFilters()))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(r,)) for r in reviewers]
    threads += [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [row] = claims.claim_rows(claims.claim_tallies(everything, claims.ClaimFilters()))
    # Every reviewer's three marks, overlapping one another along the text: one attribution.
    assert (row.total, row.marks, row.reviewers) == (1, 3 * SAVERS, SAVERS)
    [fresh] = tally_claims(claim_store.tally_rows(Annotation.objects.live()))
    assert row.tally == fresh
    assert not ClaimSummary.objects.filter(stale=True).exists()
