"""`manage.py import_articles PATH…`: import .txt/.html/.json/.jsonl files and folders as articles."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotate import importing
from annotate.cli import ProgressBar
from annotate.wording import plural


class Command(BaseCommand):
    help = (
        "Import articles from .txt files (the whole file is the text, its first non-empty line "
        "the title; NAME.meta.json beside it may give title, outlet, byline, url, published_on, "
        "language), .html/.htm pages (main text and metadata extracted) and .json/.jsonl files "
        "(objects with title and text, or html, and the same optional fields). Folders are "
        "searched recursively. Duplicate texts are skipped; bad files are reported by name and "
        "make the command exit non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be imported without writing anything.",
        )

    def handle(self, *args, paths: list[str], dry_run: bool, **options) -> None:
        bar: ProgressBar | None = None

        def started(total: int) -> None:
            nonlocal bar
            bar = ProgressBar(total, stream=self.stderr, label="Reading", unit="files")

        def advanced() -> None:
            if bar is not None:
                bar.advance()

        try:
            result = importing.import_paths(
                paths, dry_run=dry_run, on_collected=started, on_file=advanced
            )
        except importing.ImportConflict as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        report(self, result, verbosity=options["verbosity"])
        if not result.ok:
            failed = len(result.failed_files)
            raise CommandError(
                f"{plural(failed, 'file')} could not be imported (see above); "
                "fix them and run the import again: articles already imported will be skipped."
            )


def report(command: BaseCommand, result: importing.ImportResult, *, verbosity: int = 1) -> None:
    """Print created articles (verbosity ≥ 2), updates, duplicates, problems and the summary."""
    if verbosity >= 2:
        verb = "would import" if result.dry_run else "imported"
        for article in result.created:
            command.stdout.write(f"{verb}: {article.source_name} {article.title!r}")
    if verbosity >= 1:
        for upgrade in result.upgrades:
            command.stdout.write(str(upgrade))
        for duplicate in result.duplicates:
            command.stdout.write(str(duplicate))
    for problem in result.errors:
        command.stderr.write(f"error: {problem}")
    if verbosity >= 1 or not result.ok:
        style = command.style.SUCCESS if result.ok else command.style.WARNING
        command.stdout.write(style(result.summary()))
