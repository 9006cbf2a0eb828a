"""`manage.py bootstrap [SEED_DIR] [--host HOST] [--port PORT]`: first-run setup for `make run`.

Imports the seed articles, loads the starter actors, creates the starter relation groups that are
missing ("support of any kind"; migration 0011 made them, but an admin may have deleted one) and, only when the database has no user yet,
creates a superuser `admin` with a random password shown once, with the address to log in at (the
Makefile passes the HOST and PORT the server is about to listen on). A second run changes nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotate import importing, services

ADMIN_USERNAME = "admin"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def site_url(host: str, port: int) -> str:
    """The address a browser opens for a server listening on host:port (IPv6 in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class Command(BaseCommand):
    help = (
        "Import SEED_DIR (default: seeds/), load the starter actors, and create a superuser "
        "'admin' with a random password if there is no user yet. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "seed_dir",
            nargs="?",
            default=None,
            metavar="SEED_DIR",
            help="Folder of seed articles (default: seeds/ in the project).",
        )
        parser.add_argument(
            "--host",
            default=DEFAULT_HOST,
            help=f"Host the server will listen on, for the login address (default {DEFAULT_HOST}).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=DEFAULT_PORT,
            help=f"Port the server will listen on, for the login address (default {DEFAULT_PORT}).",
        )

    def handle(
        self, *args: Any, seed_dir: str | None, host: str, port: int, **options: Any
    ) -> None:
        self.verbosity = options["verbosity"]
        if not host.strip():
            raise CommandError(
                "--host is empty: pass the host the server listens on, e.g. 127.0.0.1."
            )
        if not 1 <= port <= 65535:
            raise CommandError(f"--port {port} is not a TCP port: use a number from 1 to 65535.")
        folder = Path(seed_dir) if seed_dir else Path(settings.BASE_DIR) / "seeds"
        if not folder.is_dir():
            raise CommandError(
                f"Seed folder {folder} does not exist: pass an existing folder, e.g. "
                "`manage.py bootstrap seeds/`."
            )
        self.import_seeds(folder)
        self.load_actors()
        self.load_relation_groups()
        self.create_admin(site_url(host.strip(), port))

    def say(self, message: str, *, level: int = 1) -> None:
        if self.verbosity >= level:
            self.stdout.write(message)

    def import_seeds(self, folder: Path) -> None:
        try:
            result = importing.import_paths([folder])
        except importing.ImportConflict as exc:
            raise CommandError(str(exc)) from exc
        # A bad seed file should not stop the app from starting: report it and carry on.
        for problem in result.errors:
            self.stderr.write(f"seed file skipped: {problem}")
        for upgrade in result.upgrades:
            self.say(f"Seeds: {upgrade}", level=2)
        if result.created or result.upgrades:
            self.say(f"Seeds: {result.summary()}")
        else:
            self.say(f"Seeds: nothing new ({len(result.duplicates)} already imported).")

    def load_actors(self) -> None:
        result = services.actors_load_starter()
        for warning in result.warnings:
            self.stderr.write(f"starter actors: {warning}")
        if result.created:
            self.say(
                f"Starter actors: created {len(result.created)} with "
                f"{result.aliases_added} aliases."
            )
        else:
            self.say("Starter actors: all present, nothing changed.")

    def load_relation_groups(self) -> None:
        created = services.relation_groups_load_starter()
        if created:
            self.say(f"Relation groups: created {', '.join(created)}.")
        else:
            self.say("Relation groups: all present, nothing changed.", level=2)

    def create_admin(self, url: str) -> None:
        User = get_user_model()
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            # Checked inside the transaction so two concurrent first runs do not both create one.
            if User.objects.exists():
                return
            User.objects.create_superuser(ADMIN_USERNAME, "", password)
        line = f"Log in at {url} as {ADMIN_USERNAME} / {password}"
        note = "This password is shown only once: change it in the admin after logging in."
        width = max(len(line), len(note))
        border = "+" + "-" * (width + 2) + "+"
        box = [border, f"| {line:<{width}} |", f"| {note:<{width}} |", border]
        self.stdout.write(self.style.SUCCESS("\n".join(box)))
