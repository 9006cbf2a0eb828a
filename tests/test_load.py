"""bench/load.py (`make loadtest`): a short real run on SQLite, and its database check on its own."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from bench import load
from tests import factories

REPO = Path(__file__).resolve().parent.parent


def test_a_short_load_run_on_sqlite_checks_every_write_and_passes():
    # Always a scratch SQLite file (DATABASE_URL removed): the PostgreSQL run is `make loadtest`'s.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    args = ["--reviewers", "3", "--seconds", "3", "--bursts", "1", "--workers", "1"]
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "load.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "[sqlite]" in out
    assert '5xx: 0   "database is locked": 0   server errors logged: 0' in out
    assert "errors: 0   lost: 0   wrong values: 0   phantom: 0" in out
    assert "bursts: 3/3 saves succeeded, duplicate actors/claims: 0" in out
    for operation in ("login", "open", "create", "burst"):
        assert f"\n{operation} " in out  # a latency row for each


def _values(annotation) -> dict:
    return {
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "subject": annotation.claim.subject.name,
        "relation": annotation.claim.relation.slug,
        "object": annotation.claim.object.name,
        "source_kind": annotation.source_kind,
        "source": "",
        "stance": annotation.stance,
        "certainty": annotation.certainty,
        "confidence": annotation.confidence,
        "note": annotation.note,
    }


def test_the_check_counts_lost_wrong_and_phantom_writes(db, capsys):
    user = factories.make_user(f"{load.USER_PREFIX}000")
    article = factories.make_article()
    kept = factories.make_annotation(article=article, reviewer=user, start=0, end=4)
    changed = factories.make_annotation(article=article, reviewer=user, start=5, end=9)
    factories.make_annotation(article=article, reviewer=user, start=10, end=14)  # never acked
    factories.make_annotation(article=article, start=10, end=14)  # not a load account: ignored

    def expected(annotation, **overrides):
        values = _values(annotation) | overrides
        return load.Expected(annotation.pk, user.username, article.pk, values)

    mine = {
        kept.pk: expected(kept),
        changed.pk: expected(changed, confidence=1 if changed.confidence != 1 else 2),
        999_999: load.Expected(999_999, user.username, article.pk, _values(kept)),
    }
    reviewer = SimpleNamespace(mine=mine, unacked_creates=[], burst_ok=0)
    run = SimpleNamespace(bursts=0)

    counts = load.verify(run, [reviewer])

    assert (counts["checked"], counts["lost"], counts["wrong"], counts["phantom"]) == (2, 1, 1, 1)
    printed = capsys.readouterr().out
    assert "lost: annotation 999999" in printed
    assert f"wrong: annotation {changed.pk}: (sent, stored) {{'confidence'" in printed
    assert "was never acknowledged" in printed
