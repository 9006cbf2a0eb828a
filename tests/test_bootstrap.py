"""`bootstrap`: seeds, starter actors and a first admin, idempotently."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotate import services, starter_actors
from annotate.models import Actor, ActorAlias, ActorKind, Article
from tests import factories

SEEDS = Path(settings.BASE_DIR) / "seeds"
PASSWORD_LINE = re.compile(r"Log in at http://127\.0\.0\.1:8000/ as admin / (\S+)")


def bootstrap(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("bootstrap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {
        "articles": Article.objects.count(),
        "actors": Actor.objects.count(),
        "aliases": ActorAlias.objects.count(),
        "users": get_user_model().objects.count(),
        "affiliated": Actor.objects.filter(affiliation__isnull=False).count(),
    }


def test_first_run_creates_articles_actors_and_admin(db):
    out, err = bootstrap(str(SEEDS))
    assert err == ""
    assert Article.objects.count() == 5
    assert Actor.objects.count() == len(starter_actors.STARTER_ACTORS)
    admin = get_user_model().objects.get()
    assert admin.username == "admin" and admin.is_superuser and admin.is_staff
    match = PASSWORD_LINE.search(out)
    assert match, out
    assert admin.check_password(match.group(1))
    assert len(match.group(1)) >= 12
    assert "+---" in out  # shown in a box


def test_login_address_is_the_host_and_port_the_server_listens_on(db):
    # `make run HOST=0.0.0.0 PORT=8080` passes them on; the box must not say 127.0.0.1:8000.
    out, _ = bootstrap(str(SEEDS), "--host", "0.0.0.0", "--port", "8080")
    assert "Log in at http://0.0.0.0:8080/ as admin / " in out
    assert "8000" not in out


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_setup_passes_its_host_and_port_to_bootstrap():
    # -n prints the recipe without running anything.
    shown = subprocess.run(
        ["make", "-n", "setup", "HOST=0.0.0.0", "PORT=8080"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "manage.py bootstrap seeds/ --host 0.0.0.0 --port 8080" in shown


def test_ipv6_host_is_bracketed_in_the_login_address(db):
    out, _ = bootstrap(str(SEEDS), "--host", "::1", "--port", "9000")
    assert "Log in at http://[::1]:9000/ as admin / " in out


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_port_outside_tcp_range_is_a_clear_error_and_changes_nothing(db, port):
    with pytest.raises(CommandError, match=f"--port {port} is not a TCP port"):
        bootstrap(str(SEEDS), "--host", "127.0.0.1", f"--port={port}")
    assert counts() == dict.fromkeys(counts(), 0)


def test_empty_host_is_a_clear_error(db):
    with pytest.raises(CommandError, match="--host is empty"):
        bootstrap(str(SEEDS), "--host", " ")
    assert not get_user_model().objects.exists()


def test_second_run_changes_nothing_and_prints_no_password(db):
    bootstrap(str(SEEDS))
    before = counts()
    out, err = bootstrap(str(SEEDS))
    assert counts() == before
    assert "password" not in out.lower() and "admin" not in out
    assert "Log in" not in out
    assert err == ""
    assert len(out.strip().splitlines()) <= 2  # quiet-ish


def test_default_seed_dir_is_the_project_seeds(db):
    bootstrap()
    assert Article.objects.count() == 5


def test_existing_user_means_no_admin_is_created(db):
    factories.make_user("someone")
    out, _ = bootstrap(str(SEEDS))
    assert not get_user_model().objects.filter(username="admin").exists()
    assert "Log in" not in out


def test_existing_actors_and_aliases_are_left_alone(db):
    russia = factories.make_actor("russia", kind=ActorKind.OTHER, aliases=["Rossiya"])
    bootstrap(str(SEEDS))
    russia.refresh_from_db()
    assert russia.name == "russia" and russia.kind == ActorKind.OTHER
    assert list(russia.aliases.values_list("name", flat=True)) == ["Rossiya"]
    # People affiliated with Russia still point at the existing actor.
    assert Actor.objects.get(name="Zamir Kabulov").affiliation == russia


def test_alias_already_taken_is_skipped_with_a_warning(db):
    factories.make_actor("Moscow Oblast", aliases=["Moscow"])
    _, err = bootstrap(str(SEEDS))
    assert "Russia: alias skipped" in err and "'Moscow' already names Moscow Oblast" in err
    assert services.actor_lookup("Moscow").name == "Moscow Oblast"
    assert services.actor_lookup("the Kremlin").name == "Russia"


def test_missing_seed_dir_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        bootstrap(str(tmp_path / "nope"))


def test_bad_seed_file_is_reported_but_does_not_stop_bootstrap(db, tmp_path):
    (tmp_path / "good.txt").write_text("Good\nBody.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe bad")
    _, err = bootstrap(str(tmp_path))
    assert "seed file skipped: bad.txt: the file is not UTF-8" in err
    assert Article.objects.count() == 1
    assert get_user_model().objects.filter(username="admin").exists()


# ---------------------------------------------------------------- the starter list itself


def test_starter_names_and_aliases_are_unambiguous():
    seen: dict[str, str] = {}
    for entry in starter_actors.STARTER_ACTORS:
        assert entry.kind in ActorKind.values, entry
        for name in (entry.name, *entry.aliases):
            key = " ".join(name.split()).lower()
            assert seen.setdefault(key, entry.name) == entry.name, (
                f"{name!r} names both {seen[key]} and {entry.name}"
            )


def test_all_starter_actors_load_and_resolve(db):
    result = services.actors_load_starter()
    assert result.warnings == []
    assert len(result.created) == len(starter_actors.STARTER_ACTORS)
    for entry in starter_actors.STARTER_ACTORS:
        actor = services.actor_lookup(entry.name)
        assert actor is not None and actor.kind == entry.kind
        for alias in entry.aliases:
            assert services.actor_lookup(alias) == actor, alias
        if entry.affiliation:
            assert actor.affiliation == services.actor_lookup(entry.affiliation)
        else:
            assert actor.affiliation is None
    assert services.actor_lookup("Joseph Votel").affiliation.name == "United States"
    assert services.actor_lookup("William Salvin").affiliation.name == "NATO"
    assert services.actor_lookup("daesh").name == "Islamic State"


def test_every_starter_actor_is_named_in_the_seeds():
    corpus = "\n".join(path.read_text(encoding="utf-8") for path in SEEDS.glob("*.txt")).lower()
    for entry in starter_actors.STARTER_ACTORS:
        names = (entry.name, *entry.aliases)
        assert any(name.lower() in corpus for name in names), entry.name
