"""Files → articles: normalise, dedupe by text hash, then write through services (atomically).

(Text normalisation is defined here because every path that stores article text must agree on it.)
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError

from annotate import services
from annotate.models import TITLE_MAX_LENGTH, Article
from annotate.wording import plural


def normalise_text(text: str) -> str:
    """Drop a BOM, turn CRLF/CR into LF and compose to NFC: the one form offsets point into."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def text_hash(text: str) -> str:
    """SHA-256 hex digest of the normalised text, the article's identity for deduplication."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- importing files

BATCH_SIZE = 500
SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl")
FIELDS = {
    "title": "a non-empty string",
    "text": "a non-empty string",
    "outlet": "a string",
    "url": "an http(s) URL string",
    "published_on": "an ISO date string such as 2021-09-05",
    "language": "a language tag string such as 'en'",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """A file or record that could not be imported, and why."""

    file: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A record whose text is already stored (article_id set) or appeared earlier in this run."""

    source_name: str
    title: str
    article_id: int | None = None
    article_title: str = ""
    earlier_source: str = ""

    def __str__(self) -> str:
        if self.article_id is not None:
            title = self.article_title
            title = title if len(title) <= 70 else title[:69] + "…"
            same = f"article #{self.article_id} {title!r}"
        else:
            same = f"{self.earlier_source} in this import"
        return f"skipped duplicate: {self.source_name} (same text as {same})"


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    created: list[Article] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    files: int = 0
    dry_run: bool = False

    @property
    def failed_files(self) -> list[str]:
        """Files with at least one problem (a whole-file error or a bad record)."""
        return sorted({problem.file for problem in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line: "Imported 5 articles, skipped 0 duplicates, 1 file failed." """
        verb = "Would import" if self.dry_run else "Imported"
        failed = len(self.failed_files)
        return (
            f"{verb} {plural(len(self.created), 'article')}, "
            f"skipped {plural(len(self.duplicates), 'duplicate')}, "
            f"{plural(failed, 'file')} failed."
        )


class RecordError(ValueError):
    """One record (or whole file) is unusable; the message says why and what to do."""


# ---- finding files


def collect_files(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Expand files and folders (recursively, sorted, hidden entries skipped) into (path, name).

    `name` is the path relative to the root it was found under: the folder given, or for a file
    given directly, its own folder. Paths that do not exist are reported as problems.
    """
    found: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(root)
                if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                    continue
                found.append((path, relative.as_posix()))
        elif root.is_file():
            found.append((root, root.name))
        else:
            problems.append(
                Problem(str(raw), str(raw), "no such file or folder: check the path and try again.")
            )
    return found, problems


# ---- parsing


def _decode(data: bytes) -> str:
    if not data.strip():
        raise RecordError("the file is empty: nothing to import.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start} "
            "cannot be decoded): save it as UTF-8 and import it again."
        ) from None
    return normalise_text(text)


def _clean_text(text: str) -> str:
    """Normalise, drop leading blank lines and trailing whitespace (not part of the article)."""
    text = normalise_text(text)
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def _fit_title(title: str) -> str:
    """Collapse whitespace and shorten an over-long first line to fit the title column."""
    title = " ".join(title.split())
    limit = TITLE_MAX_LENGTH
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0] or title[: limit - 1]
    return cut + "…"


def _check_text(text: str) -> str:
    if not text.strip():
        raise RecordError("the text is empty: add the article body after the title.")
    if "\x00" in text:
        raise RecordError("the text contains NUL characters; is this a binary file?")
    return text


def parse_txt(content: str) -> dict[str, Any]:
    """First non-empty line is the title; the rest, leading blank lines dropped, is the text."""
    lines = content.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise RecordError("the file is empty: nothing to import.")
    title = _fit_title(lines[0])
    text = _clean_text("\n".join(lines[1:]))
    if not text:
        raise RecordError(
            "the file has a title line but no text: the first non-empty line is the title, "
            "the rest is the article."
        )
    return {"title": title, "text": _check_text(text)}


def _optional_str(record: dict, key: str, limit: int | None) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"field {key!r} is {type(value).__name__}, expected {FIELDS[key]}.")
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise RecordError(f"field {key!r} is longer than {limit} characters.")
    return value


_url_validator = URLValidator(schemes=["http", "https"])


def parse_record(record: Any) -> dict[str, Any]:
    """Check one JSON object and return Article field values; RecordError names any problem."""
    if not isinstance(record, dict):
        raise RecordError(
            f"expected an object with 'title' and 'text', got {type(record).__name__}."
        )
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise RecordError(
            f"unknown field(s) {', '.join(map(repr, unknown))}: "
            f"use only {', '.join(FIELDS)} (rename or remove the others)."
        )
    values: dict[str, Any] = {}
    for key in ("title", "text"):
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RecordError(f"the {key!r} field is missing or empty: every article needs one.")
        if not isinstance(value, str):
            raise RecordError(f"field {key!r} is {type(value).__name__}, expected {FIELDS[key]}.")
    values["title"] = _fit_title(normalise_text(record["title"]))
    values["text"] = _check_text(_clean_text(record["text"]))
    values["outlet"] = normalise_text(_optional_str(record, "outlet", 200))
    url = _optional_str(record, "url", 1000)
    if url:
        try:
            _url_validator(url)
        except ValidationError:
            raise RecordError(f"field 'url' is not a valid http(s) URL: {url!r}.") from None
    values["url"] = url
    published = _optional_str(record, "published_on", None)
    if published:
        try:
            values["published_on"] = date.fromisoformat(published)
        except ValueError:
            raise RecordError(
                f"field 'published_on' is not an ISO date: {published!r} (write it as YYYY-MM-DD)."
            ) from None
    values["language"] = _optional_str(record, "language", 16) or "en"
    return values


def _json_error(exc: json.JSONDecodeError) -> RecordError:
    return RecordError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.")


def parse_file(path: Path, name: str) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """Read one file into (source_name, field values) records, plus a Problem for each bad part."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        reason = (
            f"unsupported file type {suffix or '(no extension)'!r}: "
            f"use {', '.join(SUPPORTED_SUFFIXES)}."
        )
        return [], [Problem(name, name, reason)]
    try:
        content = _decode(path.read_bytes())
        if suffix == ".txt":
            return [(name, parse_txt(content))], []
        if suffix == ".json":
            return _parse_json(content, name)
        return _parse_jsonl(content, name)
    except RecordError as exc:
        return [], [Problem(name, name, str(exc))]
    except OSError as exc:
        return [], [Problem(name, name, f"cannot read the file: {exc.strerror or exc}.")]


def _parse_json(content: str, name: str) -> tuple[list[tuple[str, dict]], list[Problem]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from None
    if isinstance(data, dict):
        return [(name, parse_record(data))], []
    if not isinstance(data, list):
        raise RecordError("expected an object or a list of objects with 'title' and 'text'.")
    if not data:
        raise RecordError("the list is empty: nothing to import.")
    records, problems = [], []
    for index, item in enumerate(data, start=1):
        where = f"{name}:item {index}"
        try:
            records.append((where, parse_record(item)))
        except RecordError as exc:
            problems.append(Problem(name, where, str(exc)))
    return records, problems


def _parse_jsonl(content: str, name: str) -> tuple[list[tuple[str, dict]], list[Problem]]:
    records, problems = [], []
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}:line {number}"
        try:
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordError(f"malformed JSON at column {exc.colno}: {exc.msg}.") from None
            records.append((where, parse_record(item)))
        except RecordError as exc:
            problems.append(Problem(name, where, str(exc)))
    return records, problems


# ---- importing


class ImportConflict(Exception):
    """Another process stored some of the same texts while this import was writing."""


def _existing(hashes: list[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for i in range(0, len(hashes), BATCH_SIZE):
        rows = Article.objects.filter(text_sha256__in=hashes[i : i + BATCH_SIZE]).values_list(
            "text_sha256", "pk", "title"
        )
        found.update({sha: (pk, title) for sha, pk, title in rows})
    return found


def import_paths(
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    on_file: Callable[[], None] | None = None,
    on_collected: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import every supported file under `paths`; bad files and records are reported, not fatal.

    Texts already stored, or seen earlier in the same run, are skipped as duplicates. All new
    articles are written in one transaction (bulk inserts of BATCH_SIZE), so an import either stores
    every good article or none. `dry_run` does everything but the write. `on_collected(total)` and
    `on_file()` let a caller draw progress.
    """
    files, problems = collect_files(paths)
    result = ImportResult(errors=problems, files=len(files), dry_run=dry_run)
    if on_collected:
        on_collected(len(files))
    candidates: list[Article] = []
    for path, name in files:
        records, file_problems = parse_file(path, name)
        result.errors.extend(file_problems)
        for source_name, values in records:
            sha = text_hash(values["text"])
            candidates.append(Article(**values, text_sha256=sha, source_name=source_name))
        if on_file:
            on_file()
    # A text already stored is reported against the stored article, even when it also repeats
    # within this run; otherwise the first file with that text wins.
    stored = _existing(list({a.text_sha256 for a in candidates}))
    first_seen: dict[str, str] = {}
    for article in candidates:
        sha = article.text_sha256
        if sha in stored:
            pk, title = stored[sha]
            result.duplicates.append(
                Duplicate(article.source_name, article.title, article_id=pk, article_title=title)
            )
        elif sha in first_seen:
            result.duplicates.append(
                Duplicate(article.source_name, article.title, earlier_source=first_seen[sha])
            )
        else:
            first_seen[sha] = article.source_name
            result.created.append(article)
    if not dry_run and result.created:
        _write(result.created)
    return result


def _write(articles: list[Article]) -> None:
    try:
        services.articles_create_bulk(articles=articles, batch_size=BATCH_SIZE)
    except IntegrityError as exc:
        for article in articles:
            article.pk = None
        raise ImportConflict(
            "Another import stored some of the same articles at the same time, so nothing from "
            "this run was saved. Run the import again: articles already stored will be skipped."
        ) from exc
