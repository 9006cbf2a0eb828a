"""`manage.py import_annotations PATH… [--create-reviewers] [--skip-invalid] [--dry-run]`.

Imports our own JSON or JSONL exports (docs/export.md, "Importing an export"): a restore into an
empty database, or a merge into one with data. The work is annotate.services.restore's; this
command prints its report (progress and problems to stderr) and exits non-zero when it refuses.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotate.services.restore import RestoreError, RestoreReport, restore_paths

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = "Import Stancemark JSON or JSONL exports (restore or merge); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Export file(s) to import.")
        parser.add_argument(
            "--create-reviewers",
            action="store_true",
            help="Create missing reviewers and curators, without a usable password.",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid records and report the invalid ones (default: import nothing).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; change nothing."
        )

    def handle(self, *args, **options) -> None:
        err = self.stderr
        began = time.perf_counter()

        def progress(message: str) -> None:
            err.write(f"{message} ({time.perf_counter() - began:.1f} s)")

        try:
            report = restore_paths(
                options["paths"],
                create_reviewers=options["create_reviewers"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except RestoreError as exc:
            if exc.report is not None:
                self._problems(exc.report, err)
            raise CommandError(str(exc)) from exc
        self._problems(report, err)
        self.stdout.write(report.summary())
        err.write(f"Done in {time.perf_counter() - began:.1f} s.")

    @staticmethod
    def _problems(report: RestoreReport, err) -> None:
        for name, where, why in report.invalid[:SHOWN_PROBLEMS]:
            err.write(f"{name} {where}: {why}")
        if len(report.invalid) > SHOWN_PROBLEMS:
            err.write(f"… and {len(report.invalid) - SHOWN_PROBLEMS} more invalid record(s).")
