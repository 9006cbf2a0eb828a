"""Files → articles: normalise, dedupe by text hash, then write through services (atomically).

(Text normalisation is defined here because every path that stores article text must agree on it.)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError
from django.db.models import Count

from annotate import services, webpages
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
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json", ".jsonl")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, *JSON_SUFFIXES)
# `NAME.meta.json` beside `NAME.txt` / `NAME.html` carries that article's metadata.
META_SUFFIX = ".meta.json"
# A title derived from the text (its first non-empty line) is shortened to this many characters.
DERIVED_TITLE_LENGTH = 200
SOURCE_NAME_LENGTH = 500
FIELDS = {
    "title": "a non-empty string",
    "text": "a non-empty string",
    "html": "a string holding the page's HTML",
    "outlet": "a string",
    "byline": "a string",
    "url": "an http(s) URL string",
    "published_on": "an ISO date string such as 2021-09-05",
    "language": "a language tag string such as 'en'",
}
META_FIELDS = ("title", "outlet", "byline", "url", "published_on", "language")
FIELD_LENGTHS = {
    "title": TITLE_MAX_LENGTH,
    "outlet": 200,
    "byline": 300,
    "url": 1000,
    "language": 16,
}


def max_bytes() -> int:
    """The per-file size limit (settings.STANCEMARK_IMPORT_MAX_BYTES, README "Settings")."""
    return int(getattr(settings, "STANCEMARK_IMPORT_MAX_BYTES", 10_000_000))


def printable(name: str) -> str:
    """A name that can be printed and stored: undecodable bytes of a file name shown as \\udcxx."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


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
    # An article imported before the whole-text rule whose annotations keep its text frozen.
    frozen_legacy: bool = False

    def __str__(self) -> str:
        if self.frozen_legacy:
            return (
                f"skipped: {self.source_name} is already article #{self.article_id} "
                f"{_short(self.article_title)!r} (imported before the whole-text rule; its "
                "annotations keep its text frozen)"
            )
        if self.article_id is not None:
            same = f"article #{self.article_id} {_short(self.article_title)!r}"
        else:
            same = f"{self.earlier_source} in this import"
        return f"skipped duplicate: {self.source_name} (same text as {same})"


def _short(title: str) -> str:
    return title if len(title) <= 70 else title[:69] + "…"


@dataclass(slots=True)
class Upgrade:
    """A .txt article stored under the old rule (first line taken out as the title) met again.

    Without annotations its text becomes the whole file (`text_replaced`); with annotations the
    text stays frozen. Either way, fields still at what the old import gave them (the first-line
    title, empty outlet/byline/url/date, default language) take the new values.
    """

    source_name: str
    article_id: int
    title: str
    annotations: int
    fields: dict[str, Any]
    text: str
    text_sha256: str
    text_replaced: bool = False

    def __str__(self) -> str:
        changed = ", ".join(sorted(self.fields)) or "nothing else"
        if self.text_replaced:
            return (
                f"updated: {self.source_name} (article #{self.article_id} {_short(self.title)!r}) "
                f"now holds the whole file; also set: {changed}"
            )
        return (
            f"kept text: {self.source_name} (article #{self.article_id} {_short(self.title)!r}): "
            f"{plural(self.annotations, 'annotation')} point into its text as first imported "
            f"(without its first line), so the text stays frozen; set: {changed}"
        )


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    created: list[Article] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    upgrades: list[Upgrade] = field(default_factory=list)
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
        upgraded = ""
        if self.upgrades:
            kept = sum(not u.text_replaced for u in self.upgrades)
            upgraded = f"updated {plural(len(self.upgrades), 'earlier import')}"
            upgraded += f" ({kept} kept their annotated text), " if kept else ", "
        return (
            f"{verb} {plural(len(self.created), 'article')}, {upgraded}"
            f"skipped {plural(len(self.duplicates), 'duplicate')}, "
            f"{plural(failed, 'file')} failed."
        )


class RecordError(ValueError):
    """One record (or whole file) is unusable; the message says why and what to do."""


# ---- finding files


@dataclass(frozen=True, slots=True)
class Found:
    """A file to read: its path, its name relative to the root it was found under, its metadata."""

    path: Path
    name: str
    meta: Path | None = None
    meta_name: str = ""


def _is_meta(name: str) -> bool:
    return name.lower().endswith(META_SUFFIX)


def _meta_for(name: str) -> str | None:
    """`a/x.txt` → `a/x.meta.json` for the files that take metadata, else None."""
    for suffix in (*TEXT_SUFFIXES, *HTML_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] + META_SUFFIX
    return None


def _loop_reason(name: str) -> str:
    return (
        f"symlink loop: {name} leads back to a folder that contains it, so it was not followed; "
        "remove the link or point it elsewhere."
    )


def _walk(root: Path, problems: list[Problem]) -> list[tuple[Path, str]]:
    """Regular files under `root` (sorted, depth first, hidden entries skipped) with their names.

    Symlinks are followed; a link that leads back into its own ancestry, or that cannot be
    resolved, is reported rather than skipped, and so is anything that is neither file nor folder.
    An explicit stack (not recursion) so no depth of folders can overflow it.
    """
    files: list[tuple[Path, str]] = []
    top = os.stat(root)
    # Each stack entry: (folder path, its name relative to root, (dev, inode) of it and ancestors).
    stack: list[tuple[Path, str, frozenset[tuple[int, int]]]] = [
        (root, "", frozenset({(top.st_dev, top.st_ino)}))
    ]
    while stack:
        folder, relative, ancestors = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            where = printable(relative or str(root))
            problems.append(Problem(where, where, f"cannot read the folder: {exc.strerror}."))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            name = f"{relative}/{entry.name}" if relative else entry.name
            shown = printable(name)
            try:
                info = entry.stat()  # follows symlinks
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    reason = _loop_reason(shown)
                elif entry.is_symlink():
                    target = printable(os.readlink(entry.path))
                    reason = f"broken symlink: it points to {target}, which does not exist."
                else:
                    reason = f"cannot read it: {exc.strerror}."
                problems.append(Problem(shown, shown, reason))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    problems.append(Problem(shown, shown, _loop_reason(shown)))
                else:
                    subfolders.append((Path(entry.path), name, ancestors | {key}))
            elif stat.S_ISREG(info.st_mode):
                files.append((Path(entry.path), name))
            else:
                problems.append(
                    Problem(shown, shown, "not a regular file (a device, pipe or socket): skipped.")
                )
        stack.extend(subfolders)
    # The order of a sorted rglob: by path parts, so "a/b.txt" comes before "a.txt".
    files.sort(key=lambda item: Path(item[1]).parts)
    return files


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Found], list[Problem]]:
    """Expand files and folders (recursively, sorted, hidden entries skipped) into Found files.

    `name` is the path relative to the root it was found under: the folder given, or for a file
    given directly, its own folder. Paths that do not exist are reported as problems, as are
    symlink loops, metadata files without their text file, and names that are not UTF-8.
    """
    found: list[Found] = []
    problems: list[Problem] = []
    for raw in paths:
        root = Path(raw)
        shown = printable(str(raw))
        try:
            info = os.stat(root)
        except OSError as exc:
            reason = (
                _loop_reason(shown)
                if exc.errno == errno.ELOOP
                else "no such file or folder: check the path and try again."
            )
            problems.append(Problem(shown, shown, reason))
            continue
        if stat.S_ISDIR(info.st_mode):
            listed = _walk(root, problems)
        elif stat.S_ISREG(info.st_mode) and _is_meta(root.name):
            stem = printable(root.name[: -len(META_SUFFIX)])
            reason = f"this is a metadata file: import {stem}.txt or {stem}.html, and it is read with it."
            problems.append(Problem(shown, shown, reason))
            continue
        elif stat.S_ISREG(info.st_mode):
            listed = [(root, root.name)]
            sidecar = _meta_for(root.name)
            if sidecar and (root.parent / sidecar).is_file():
                listed.append((root.parent / sidecar, sidecar))
        else:
            problems.append(
                Problem(shown, shown, "not a regular file or folder: nothing to import.")
            )
            continue
        metas = {name: path for path, name in listed if _is_meta(name)}
        used: set[str] = set()
        for path, name in listed:
            if _is_meta(name):
                continue
            meta_name = _meta_for(name)
            meta = metas.get(meta_name) if meta_name else None
            if meta is not None and meta_name:
                used.add(meta_name)
                found.append(Found(path, name, meta, meta_name))
            else:
                found.append(Found(path, name))
        for name in sorted(set(metas) - used):
            stem = name[: -len(META_SUFFIX)]
            shown = printable(name)
            problems.append(
                Problem(
                    shown,
                    shown,
                    f"metadata without its article: there is no {printable(stem)}.txt or "
                    f"{printable(stem)}.html beside it (a NAME.meta.json describes NAME.txt).",
                )
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


def shorten(title: str, limit: int) -> str:
    """Collapse whitespace; over `limit` characters, cut at a word boundary and end with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0] or title[: limit - 1]
    return cut.rstrip(" ,;:–—-") + "…"


def _fit_title(title: str) -> str:
    """A title given as such (JSON, metadata, page), shortened only to fit the title column."""
    return shorten(title, TITLE_MAX_LENGTH)


def derive_title(text: str) -> str:
    """The first non-empty line of `text`, shortened to DERIVED_TITLE_LENGTH at a word boundary."""
    for line in text.split("\n"):
        if line.strip():
            return shorten(line, DERIVED_TITLE_LENGTH)
    return ""


def _check_text(text: str, what: str = "text") -> str:
    if not text.strip():
        raise RecordError(f"the {what} is empty: there is nothing to annotate.")
    if "\x00" in text:
        raise RecordError(f"the {what} contains NUL characters; is this a binary file?")
    _check_limit(len(text), what)
    return text


def _check_limit(size: int, what: str) -> None:
    limit = max_bytes()
    if size > limit:
        raise RecordError(
            f"the {what} is {size:,} characters, over the import limit of {limit:,} "
            "(STANCEMARK_IMPORT_MAX_BYTES): split it, or raise the limit."
        )


def _check_string(key: str, value: str) -> None:
    """Refuse what no database can store: lone surrogates (from JSON \\ud800 escapes) and NUL."""
    for index, char in enumerate(value):
        if "\ud800" <= char <= "\udfff":
            raise RecordError(
                f"field {key!r} contains a lone surrogate (\\u{ord(char):04x} at character "
                f"{index}), which is not Unicode text: fix the program that wrote this JSON."
            )
    if "\x00" in value:
        raise RecordError(
            f"field {key!r} contains a NUL character (\\u0000), which cannot be stored: remove it."
        )


def parse_txt(content: str) -> dict[str, Any]:
    """The whole normalised file is the text; its first non-empty line, shortened, the title.

    Offsets point into the file as normalised (BOM dropped, CRLF/CR → LF, NFC), nothing removed.
    """
    text = _check_text(content)
    return {"title": derive_title(text), "text": text}


def legacy_txt(content: str) -> tuple[str, str] | None:
    """(text, title) as imports before the whole-text rule stored this file, or None if none.

    That rule took the first non-empty line out as the title and stored the rest, leading blank
    lines and trailing whitespace dropped; used only to recognise such articles (Upgrade).
    """
    lines = content.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    text = _clean_text("\n".join(lines[1:]))
    if not text.strip() or "\x00" in text:
        return None
    # The old title rule exactly: whitespace collapsed, cut to fit the column, no other tidying.
    title = " ".join(lines[0].split())
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH - 1].rsplit(" ", 1)[0] or title[: TITLE_MAX_LENGTH - 1]
        title += "…"
    return text, title


def parse_html(html: str) -> dict[str, Any]:
    """A page's main text (the article text, offsets point into it) and its metadata."""
    _check_limit(len(html), "html")
    if "\x00" in html:
        raise RecordError("the page contains NUL characters; is this a binary file?")
    try:
        page = webpages.extract(html)
    except webpages.NoArticleText as exc:
        raise RecordError(str(exc)) from None
    text = _check_text(normalise_text(page.text))
    values: dict[str, Any] = {
        "text": text,
        "source_html": html,
        "title": _fit_title(normalise_text(page.title)) if page.title else derive_title(text),
        "outlet": shorten(normalise_text(page.outlet), FIELD_LENGTHS["outlet"]),
        "byline": shorten(normalise_text(page.byline), FIELD_LENGTHS["byline"]),
    }
    # Page metadata is a best guess: a value that does not fit is left out, not an error.
    if page.url and len(page.url) <= FIELD_LENGTHS["url"]:
        try:
            _url_validator(page.url)
            values["url"] = page.url
        except ValidationError:
            pass
    try:
        values["published_on"] = date.fromisoformat(page.date[:10]) if page.date else None
    except ValueError:
        values["published_on"] = None
    if page.language and len(page.language) <= FIELD_LENGTHS["language"]:
        values["language"] = page.language
    return values


def _optional_str(record: dict, key: str, limit: int | None) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"field {key!r} is {type(value).__name__}, expected {FIELDS[key]}.")
    _check_string(key, value)
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise RecordError(f"field {key!r} is longer than {limit} characters.")
    return value


_url_validator = URLValidator(schemes=["http", "https"])


def _given_fields(record: dict, keys: Iterable[str]) -> dict[str, Any]:
    """The optional fields `record` gives a value for, validated; absent, null or blank: left out."""
    values: dict[str, Any] = {}
    for key in keys:
        value = _optional_str(record, key, FIELD_LENGTHS.get(key))
        if not value:
            continue
        if key == "title":
            values["title"] = _fit_title(normalise_text(value))
        elif key == "url":
            try:
                _url_validator(value)
            except ValidationError:
                raise RecordError(f"field 'url' is not a valid http(s) URL: {value!r}.") from None
            values["url"] = value
        elif key == "published_on":
            try:
                values["published_on"] = date.fromisoformat(value)
            except ValueError:
                raise RecordError(
                    f"field 'published_on' is not an ISO date: {value!r} (write it as YYYY-MM-DD)."
                ) from None
        elif key == "language":
            values["language"] = value
        else:
            values[key] = normalise_text(value)
    return values


def _unknown_fields(record: dict, allowed: Iterable[str]) -> None:
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        raise RecordError(
            f"unknown field(s) {', '.join(map(repr, unknown))}: "
            f"use only {', '.join(allowed)} (rename or remove the others)."
        )


DEFAULTS: dict[str, Any] = {"outlet": "", "byline": "", "url": "", "language": "en"}


def parse_record(record: Any) -> dict[str, Any]:
    """Check one JSON object and return Article field values; RecordError names any problem.

    An object carries either `text` (and then a `title`) or `html` (a page: text and metadata
    are extracted from it; fields given beside it override the page's own).
    """
    if not isinstance(record, dict):
        raise RecordError(
            f"expected an object with 'title' and 'text', got {type(record).__name__}."
        )
    _unknown_fields(record, FIELDS)
    for key in ("title", "text", "html"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise RecordError(f"field {key!r} is {type(value).__name__}, expected {FIELDS[key]}.")
        if isinstance(value, str):
            _check_string(key, value)
    html = record.get("html")
    if html is not None and not html.strip():
        raise RecordError("the 'html' field is empty: give the page's HTML, or a 'text'.")
    if html is not None and record.get("text") is not None:
        raise RecordError(
            "give either 'text' or 'html', not both: with 'html' the text is extracted from it."
        )
    if html is not None:
        values = {**DEFAULTS, **parse_html(normalise_text(html))}
    else:
        for key in ("title", "text"):
            value = record.get(key)
            if value is None or not value.strip():
                raise RecordError(
                    f"the {key!r} field is missing or empty: every article needs one."
                )
        values = {
            **DEFAULTS,
            "title": _fit_title(normalise_text(record["title"])),
            "text": _check_text(_clean_text(record["text"])),
        }
    values.update(_given_fields(record, META_FIELDS))
    return values


def parse_metadata(content: str) -> dict[str, Any]:
    """A NAME.meta.json: an object of title, outlet, byline, url, published_on, language."""
    data = _load_json(content)
    if not isinstance(data, dict):
        raise RecordError(
            f"metadata must be one object with {', '.join(META_FIELDS)}, got {type(data).__name__}."
        )
    _unknown_fields(data, META_FIELDS)
    return _given_fields(data, META_FIELDS)


def _load_json(content: str, *, line: bool = False) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        if line:
            raise RecordError(f"malformed JSON at column {exc.colno}: {exc.msg}.") from None
        raise RecordError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except RecursionError:
        raise RecordError(
            "the JSON is nested too deeply to read: an article is one object of string fields."
        ) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise RecordError(f"the JSON cannot be read: {exc}.") from None


@dataclass(slots=True)
class Record:
    """One article read from a file: its Article field values and where it came from."""

    source_name: str
    values: dict[str, Any]
    # .txt only: (text, title) as the old first-line-is-title rule stored it (legacy_txt).
    legacy: tuple[str, str] | None = None


def _read(path: Path, what: str) -> bytes:
    size = path.stat().st_size
    limit = max_bytes()
    if size > limit:
        raise RecordError(
            f"the {what} is {size:,} bytes, over the import limit of {limit:,} bytes "
            "(STANCEMARK_IMPORT_MAX_BYTES): split it, or raise the limit."
        )
    return path.read_bytes()


def parse_file(found: Found) -> tuple[list[Record], list[Problem]]:
    """Read one file into Records, plus a Problem for each bad part. Never raises."""
    name = printable(found.name)
    if name != found.name:
        reason = "the file name is not valid UTF-8: rename the file and import it again."
        return [], [Problem(name, name, reason)]
    if len(name) > SOURCE_NAME_LENGTH:
        reason = f"the path is longer than {SOURCE_NAME_LENGTH} characters: move it higher up."
        return [], [Problem(name, name, reason)]
    suffix = found.path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        reason = (
            f"unsupported file type {suffix or '(no extension)'!r}: "
            f"use {', '.join(SUPPORTED_SUFFIXES)}."
        )
        return [], [Problem(name, name, reason)]
    meta: dict[str, Any] = {}
    if found.meta is not None:
        meta_name = printable(found.meta_name)
        try:
            meta = parse_metadata(_decode(_read(found.meta, "metadata file")))
        except RecordError as exc:
            reason = f"{exc} ({name} was not imported: fix its metadata and import it again.)"
            return [], [Problem(meta_name, meta_name, reason)]
        except OSError as exc:
            return [], [Problem(meta_name, meta_name, f"cannot read it: {exc.strerror or exc}.")]
    try:
        content = _decode(_read(found.path, "file"))
        if suffix in TEXT_SUFFIXES:
            values = {**DEFAULTS, **parse_txt(content), **meta}
            return [Record(name, values, legacy_txt(content))], []
        if suffix in HTML_SUFFIXES:
            return [Record(name, {**DEFAULTS, **parse_html(content), **meta})], []
        if suffix == ".json":
            return _parse_json(content, name)
        return _parse_jsonl(content, name)
    except RecordError as exc:
        return [], [Problem(name, name, str(exc))]
    except OSError as exc:
        return [], [Problem(name, name, f"cannot read the file: {exc.strerror or exc}.")]


def _parse_json(content: str, name: str) -> tuple[list[Record], list[Problem]]:
    data = _load_json(content)
    if isinstance(data, dict):
        return [Record(name, parse_record(data))], []
    if not isinstance(data, list):
        raise RecordError("expected an object or a list of objects with 'title' and 'text'.")
    if not data:
        raise RecordError("the list is empty: nothing to import.")
    records, problems = [], []
    for index, item in enumerate(data, start=1):
        where = f"{name}:item {index}"
        try:
            records.append(Record(where, parse_record(item)))
        except RecordError as exc:
            problems.append(Problem(name, where, str(exc)))
    return records, problems


def _parse_jsonl(content: str, name: str) -> tuple[list[Record], list[Problem]]:
    records, problems = [], []
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}:line {number}"
        try:
            records.append(Record(where, parse_record(_load_json(line, line=True))))
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


# What an import under the old rule left in these fields; only such values are brought up to date.
_UNSET: dict[str, Any] = {"outlet": "", "byline": "", "url": "", "published_on": None}


def _legacy_articles(records: list[Record]) -> dict[tuple[str, str], dict[str, Any]]:
    """Stored articles that are these .txt files as the old rule imported them.

    Keyed by (source_name, text_sha256 of the old-rule text): the same file name *and* exactly the
    text the old rule made of this file, so nothing else is ever mistaken for one.
    """
    wanted = {text_hash(r.legacy[0]) for r in records if r.legacy is not None}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    hashes = sorted(wanted)
    fields = ("pk", "source_name", "text_sha256", "title", *_UNSET, "language")
    for i in range(0, len(hashes), BATCH_SIZE):
        rows = (
            Article.objects.filter(text_sha256__in=hashes[i : i + BATCH_SIZE])
            .annotate(annotation_count=Count("annotations"))
            .values(*fields, "annotation_count")
        )
        found.update({(row["source_name"], row["text_sha256"]): row for row in rows})
    return found


def _upgrade(record: Record, article: Article, stored: dict[str, Any]) -> Upgrade:
    assert record.legacy is not None
    old_title = record.legacy[1]
    fields: dict[str, Any] = {}
    if stored["title"] == old_title and article.title != old_title:
        fields["title"] = article.title
    for key, unset in _UNSET.items():
        new = getattr(article, key)
        if stored[key] == unset and new != unset:
            fields[key] = new
    if stored["language"] == DEFAULTS["language"] and article.language != DEFAULTS["language"]:
        fields["language"] = article.language
    annotations = stored["annotation_count"]
    return Upgrade(
        source_name=record.source_name,
        article_id=stored["pk"],
        title=fields.get("title", stored["title"]),
        annotations=annotations,
        fields=fields,
        text=article.text,
        text_sha256=article.text_sha256,
        text_replaced=annotations == 0,
    )


def import_paths(
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    on_file: Callable[[], None] | None = None,
    on_collected: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import every supported file under `paths`; bad files and records are reported, not fatal.

    Texts already stored, or seen earlier in the same run, are skipped as duplicates. A .txt file
    stored under the old rule (its first line taken out as the title) is updated, not imported
    again (Upgrade). All writes happen in one transaction (bulk inserts of BATCH_SIZE), so an
    import either stores every good article or none. `dry_run` does everything but the write.
    `on_collected(total)` and `on_file()` let a caller draw progress.
    """
    files, problems = collect_files(paths)
    result = ImportResult(errors=problems, files=len(files), dry_run=dry_run)
    if on_collected:
        on_collected(len(files))
    records: list[Record] = []
    for found in files:
        file_records, file_problems = parse_file(found)
        result.errors.extend(file_problems)
        records.extend(file_records)
        if on_file:
            on_file()
    return _store(records, result)


def import_json_document(data: bytes, *, name: str) -> ImportResult:
    """Import one JSON document (an object or a list, as in a .json file) named `name`.

    For POST /api/articles/: the same parsing, validation, messages and size limit as a .json file
    given to import_articles, but all or nothing: if any record is bad, `errors` lists every
    problem and nothing is written. Records are named `name:item N` (a list) or `name`.
    """
    result = ImportResult(files=1)
    try:
        records, result.errors = _parse_json(_decode(data), name)
    except RecordError as exc:
        records, result.errors = [], [Problem(name, name, str(exc))]
    if result.errors:
        return result
    return _store(records, result)


def _store(records: list[Record], result: ImportResult) -> ImportResult:
    """Sort parsed records into new articles, duplicates and upgrades; write unless a dry run."""
    dry_run = result.dry_run
    candidates: list[tuple[Article, Record]] = []
    for record in records:
        sha = text_hash(record.values["text"])
        article = Article(**record.values, text_sha256=sha, source_name=record.source_name)
        candidates.append((article, record))
    # A text already stored is reported against the stored article, even when it also repeats
    # within this run; otherwise the first file with that text wins.
    stored = _existing(list({a.text_sha256 for a, _ in candidates}))
    legacy = _legacy_articles([r for a, r in candidates if a.text_sha256 not in stored])
    first_seen: dict[str, str] = {}
    upgraded: set[int] = set()
    for article, record in candidates:
        sha = article.text_sha256
        old = None
        if record.legacy is not None:
            old = legacy.get((record.source_name, text_hash(record.legacy[0])))
        if sha in stored:
            pk, title = stored[sha]
            result.duplicates.append(
                Duplicate(article.source_name, article.title, article_id=pk, article_title=title)
            )
        elif sha in first_seen:
            result.duplicates.append(
                Duplicate(article.source_name, article.title, earlier_source=first_seen[sha])
            )
        elif old is not None and old["pk"] not in upgraded:
            first_seen[sha] = article.source_name
            upgraded.add(old["pk"])
            upgrade = _upgrade(record, article, old)
            if upgrade.text_replaced or upgrade.fields:
                result.upgrades.append(upgrade)
            else:  # annotated and already up to date: nothing left to change
                result.duplicates.append(
                    Duplicate(
                        article.source_name,
                        article.title,
                        article_id=old["pk"],
                        article_title=old["title"],
                        frozen_legacy=True,
                    )
                )
        else:
            first_seen[sha] = article.source_name
            result.created.append(article)
    if not dry_run and (result.created or result.upgrades):
        _write(result)
    return result


def _write(result: ImportResult) -> None:
    updates = [
        services.ArticleUpdate(
            pk=u.article_id,
            fields=u.fields,
            text=u.text if u.text_replaced else None,
            text_sha256=u.text_sha256,
        )
        for u in result.upgrades
    ]
    try:
        replaced = services.articles_import(
            new=result.created, updates=updates, batch_size=BATCH_SIZE
        )
    except IntegrityError as exc:
        for article in result.created:
            article.pk = None
        raise ImportConflict(
            "Another import stored some of the same articles at the same time, so nothing from "
            "this run was saved. Run the import again: articles already stored will be skipped."
        ) from exc
    # An annotation made between reading and writing keeps the text frozen (the service decides).
    for upgrade in result.upgrades:
        upgrade.text_replaced = upgrade.article_id in replaced
