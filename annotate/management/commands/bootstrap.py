"""`manage.py bootstrap [SEED_DIR]`: first-run setup for `make run`, safe to repeat.

Imports the seed articles, loads the starter actors and, only when the database has no user yet,
creates a superuser `admin` with a random password shown once. A second run changes nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotate import importing, services

ADMIN_USERNAME = "admin"


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

    def handle(self, *args, seed_dir: str | None, **options) -> None:
        self.verbosity = options["verbosity"]
        folder = Path(seed_dir) if seed_dir else Path(settings.BASE_DIR) / "seeds"
        if not folder.is_dir():
            raise CommandError(
                f"Seed folder {folder} does not exist: pass an existing folder, e.g. "
                "`manage.py bootstrap seeds/`."
            )
        self.import_seeds(folder)
        self.load_actors()
        self.create_admin()

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
        if result.created:
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

    def create_admin(self) -> None:
        User = get_user_model()
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            # Checked inside the transaction so two concurrent first runs do not both create one.
            if User.objects.exists():
                return
            User.objects.create_superuser(ADMIN_USERNAME, "", password)
        line = f"Log in at http://127.0.0.1:8000/ as {ADMIN_USERNAME} / {password}"
        note = "This password is shown only once: change it in the admin after logging in."
        width = max(len(line), len(note))
        border = "+" + "-" * (width + 2) + "+"
        box = [border, f"| {line:<{width}} |", f"| {note:<{width}} |", border]
        self.stdout.write(self.style.SUCCESS("\n".join(box)))
