"""`manage.py export_annotations --format json|jsonl|w3c [--output PATH] [filters]`: the dataset export.

Writes to PATH through a temporary file in the same directory that is renamed into place only when
the export finished, so a failed export never leaves a half-written file; without --output it writes
to stdout. A one-line summary goes to stderr so stdout stays pure JSON.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotate import export
from annotate.models import Status
from annotate.wording import plural


class Command(BaseCommand):
    help = (
        "Export live annotations as one JSON document, JSONL (one annotation per line) or a W3C "
        "Web Annotation JSON-LD document (docs/export.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=sorted(export.FORMATS),
            default="json",
            help="json (default), jsonl, or w3c (W3C Web Annotation Data Model, JSON-LD).",
        )
        parser.add_argument("--output", "-o", help="File to write (default: stdout).")
        parser.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help=f"Only annotations with this status ({', '.join(Status.values)}); repeatable.",
        )
        parser.add_argument(
            "--reviewer",
            action="append",
            metavar="USERNAME",
            help="Only this reviewer's; repeatable.",
        )
        parser.add_argument(
            "--article",
            action="append",
            type=int,
            metavar="ID",
            help="Only this article; repeatable.",
        )
        parser.add_argument(
            "--per-cluster",
            action="store_true",
            help=(
                "A training set: accepted annotations only, and one record where several "
                "reviewers' accepted versions of a passage are identical (docs/export.md)."
            ),
        )
        parser.add_argument(
            "--no-text",
            action="store_true",
            help="Leave out the article text (json; jsonl and w3c never carry it).",
        )

    def handle(self, *args, **options) -> None:
        filters = export.ExportFilters(
            statuses=options["status"],
            reviewer_usernames=options["reviewer"],
            article_ids=options["article"],
            include_text=not options["no_text"],
            per_cluster=options["per_cluster"],
        )
        stats = export.ExportStats()
        produce = export.PRODUCERS[options["format"]]
        began = time.perf_counter()
        try:
            chunks = produce(filters, stats=stats)
            if options["output"]:
                _write_atomically(Path(options["output"]), chunks)
            else:
                _write_stream(chunks, options.get("stdout") or self.stdout)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except export.ExportError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - began
        target = options["output"] or "stdout"
        self.stderr.write(
            f"Exported {plural(stats.annotations, 'annotation')} "
            f"from {plural(stats.articles, 'article')} "
            f"({stats.bytes:,} bytes, {options['format']}) to {target} in {seconds:.2f} s."
        )


def _write_atomically(path: Path, chunks) -> None:
    """Write to a temporary sibling and rename it over `path` only once every chunk is written."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CommandError(f"Cannot write {path}: the folder {directory} does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file private (0600); give the export the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _write_stream(chunks, stdout) -> None:
    """Write bytes to the command's stdout: the real binary stream, or a test's StringIO."""
    out = getattr(stdout, "_out", stdout)
    binary = getattr(out, "buffer", None)
    if binary is not None:
        for chunk in chunks:
            binary.write(chunk)
        binary.flush()
        return
    for chunk in chunks:
        out.write(chunk.decode("utf-8"))
