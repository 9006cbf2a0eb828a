"""Importing files as articles: formats, folders, duplicates, bad input, dry runs, atomicity."""

from __future__ import annotations

import datetime
import io
import json
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotate import importing
from annotate.cli import ProgressBar
from annotate.importing import normalise_text, text_hash
from annotate.models import Article
from tests import factories

SEEDS = Path(settings.BASE_DIR) / "seeds"


def run(*args: str) -> tuple[str, str]:
    """Call import_articles and return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str, str]:
    """Call import_articles expecting failure; return (stdout, stderr, CommandError message)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(excinfo.value)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# ---------------------------------------------------------------- good files


def test_txt_whole_file_is_the_text_and_first_non_empty_line_the_title(db, tmp_path):
    content = "\n\n  Russia and the Taliban  \n\n\nFirst paragraph.\n\nSecond.\n"
    write(tmp_path / "a.txt", content)
    out, _ = run(str(tmp_path / "a.txt"))
    article = Article.objects.get()
    assert article.title == "Russia and the Taliban"
    # Nothing is taken out: offsets point into the file as normalised.
    assert article.text == content
    assert article.text_sha256 == text_hash(article.text)
    assert article.source_name == "a.txt"
    assert article.language == "en"
    assert "Imported 1 article, skipped 0 duplicates, 0 files failed." in out


def test_json_object_and_list(db, tmp_path):
    write(
        tmp_path / "one.json",
        json.dumps(
            {
                "title": "One",
                "text": "Text one.",
                "outlet": "LA Times",
                "byline": "Shashank Bengali",
                "url": "https://example.org/one",
                "published_on": "2017-04-02",
                "language": "en-US",
            }
        ),
    )
    write(
        tmp_path / "many.json",
        json.dumps([{"title": "Two", "text": "Text two."}, {"title": "Three", "text": "Text 3."}]),
    )
    out, _ = run(str(tmp_path))
    one = Article.objects.get(title="One")
    assert one.outlet == "LA Times"
    assert one.byline == "Shashank Bengali"
    assert one.url == "https://example.org/one"
    assert one.published_on == datetime.date(2017, 4, 2)
    assert one.language == "en-US"
    assert one.source_name == "one.json"
    assert Article.objects.get(title="Three").source_name == "many.json:item 2"
    assert "Imported 3 articles" in out


def test_jsonl_records_name_their_line(db, tmp_path):
    lines = [
        json.dumps({"title": "A", "text": "Alpha."}),
        "",
        json.dumps({"title": "B", "text": "Beta.", "published_on": None}),
    ]
    write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    run(str(tmp_path / "feed.jsonl"))
    assert dict(Article.objects.values_list("title", "source_name")) == {
        "A": "feed.jsonl:line 1",
        "B": "feed.jsonl:line 3",
    }


def test_folders_are_searched_recursively_with_relative_names(db, tmp_path):
    write(tmp_path / "top.txt", "Top\nTop text.")
    write(tmp_path / "2021" / "09" / "deep.txt", "Deep\nDeep text.")
    write(tmp_path / ".hidden" / "skip.txt", "Hidden\nNot imported.")
    write(tmp_path / ".DS_Store", b"\x00\x01")
    run(str(tmp_path))
    assert sorted(Article.objects.values_list("source_name", flat=True)) == [
        "2021/09/deep.txt",
        "top.txt",
    ]


def test_long_first_line_gives_a_title_shortened_at_a_word_boundary(db, tmp_path):
    first = " ".join(f"word{i}" for i in range(100))  # 589 characters
    write(tmp_path / "long.txt", first + "\nBody.")
    run(str(tmp_path))
    article = Article.objects.get()
    assert len(article.title) <= importing.DERIVED_TITLE_LENGTH == 200
    assert article.title.endswith("…")
    assert first.startswith(article.title.removesuffix("…"))
    assert first[len(article.title) - 1] == " "  # cut between words, not inside one
    assert article.text == first + "\nBody."


def test_short_first_line_is_the_title_as_it_is(db, tmp_path):
    write(tmp_path / "a.txt", "Skip to content\nSearch\n\nThe headline\nBody.")
    run(str(tmp_path))
    assert Article.objects.get().title == "Skip to content"


def test_a_one_line_file_is_an_article_too(db, tmp_path):
    # The old rule refused it ("a title but no text"); now its line is both title and text.
    write(tmp_path / "one.txt", "Just one line of text\n\n")
    run(str(tmp_path))
    article = Article.objects.get()
    assert (article.title, article.text) == ("Just one line of text", "Just one line of text\n\n")


# ---------------------------------------------------------------- duplicates


def test_reimporting_seeds_reports_five_duplicates(db):
    first = importing.import_paths([SEEDS])
    assert len(first.created) == 5 and first.ok
    out, _ = run(str(SEEDS))
    assert out.count("skipped duplicate: ") == 5
    assert "Imported 0 articles, skipped 5 duplicates, 0 files failed." in out
    seed = Article.objects.get(source_name="002_088bccc9a3694d5d.txt")
    assert (
        f"skipped duplicate: 002_088bccc9a3694d5d.txt (same text as article #{seed.pk} "
        f"'Russia and Iran: Disappointed Friends of the Taliban?')" in out
    )
    assert Article.objects.count() == 5


def test_duplicates_within_one_run_are_skipped(db, tmp_path):
    write(tmp_path / "a.txt", "Title\nSame body.\n")
    write(tmp_path / "b.txt", "Title\r\nSame body.\r\n")
    out, _ = run(str(tmp_path))
    assert Article.objects.count() == 1
    assert "skipped duplicate: b.txt (same text as a.txt in this import)" in out
    assert "Imported 1 article, skipped 1 duplicate, 0 files failed." in out


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n \n", "the file is empty"),
        ("latin1.txt", "Caf\u00e9\nTexte.".encode("latin-1"), "not UTF-8"),
        ("broken.json", b'{"title": "x",\n "text": }', "malformed JSON at line 2, column 10"),
        ("no-text.json", b'{"title": "x"}', "'text' field is missing or empty"),
        ("empty-text.json", b'{"title": "x", "text": "  "}', "'text' field is missing or empty"),
        ("no-title.json", b'{"text": "body"}', "'title' field is missing or empty"),
        ("bad-date.json", b'{"title": "x", "text": "y", "published_on": "5/9/21"}', "ISO date"),
        ("bad-type.json", b'{"title": "x", "text": "y", "outlet": 7}', "'outlet' is int"),
        ("typo.json", b'{"title": "x", "text": "y", "publised_on": "2021"}', "unknown field"),
        ("bad-url.json", b'{"title": "x", "text": "y", "url": "not a url"}', "not a valid"),
        ("scalar.json", b"42", "expected an object or a list"),
        ("empty-list.json", b"[]", "the list is empty"),
        ("notes.md", b"# Notes\ntext", "unsupported file type '.md'"),
        ("nul.txt", b"Title\nbinary\x00junk", "NUL characters"),
    ],
)
def test_each_bad_file_is_reported_by_name(db, tmp_path, name, content, reason):
    write(tmp_path / name, content)
    write(tmp_path / "good.txt", "Good\nA good article.")
    out, err, message = run_failing(str(tmp_path))
    assert f"error: {name}: " in err
    assert reason in err
    assert Article.objects.get().title == "Good"
    assert "Imported 1 article, skipped 0 duplicates, 1 file failed." in out
    assert "1 file could not be imported" in message


def test_bad_jsonl_lines_are_reported_and_good_lines_imported(db, tmp_path):
    lines = [
        json.dumps({"title": "A", "text": "Alpha."}),
        '{"title": "B", "text": ',
        json.dumps({"title": "C"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "D", "text": "Delta."}),
    ]
    write(tmp_path / "feed.jsonl", "\n".join(lines))
    out, err, _ = run_failing(str(tmp_path / "feed.jsonl"))
    assert "feed.jsonl:line 2: malformed JSON at column" in err
    assert "feed.jsonl:line 3: the 'text' field is missing" in err
    assert "feed.jsonl:line 4: expected an object" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["A", "D"]
    assert "Imported 2 articles, skipped 0 duplicates, 1 file failed." in out


def test_missing_path_fails(db, tmp_path):
    _, err, _ = run_failing(str(tmp_path / "nope"))
    assert "no such file or folder" in err


# ---------------------------------------------------------------- dry run, atomicity


def test_dry_run_writes_nothing(db, tmp_path):
    write(tmp_path / "a.txt", "A\nAlpha.")
    write(tmp_path / "b.json", json.dumps({"title": "B", "text": "Beta."}))
    out, _ = run(str(tmp_path), "--dry-run", "--verbosity", "2")
    assert Article.objects.count() == 0
    assert "would import: a.txt 'A'" in out
    assert "Would import 2 articles, skipped 0 duplicates, 0 files failed." in out


def test_write_is_all_or_nothing(db, tmp_path, monkeypatch):
    for i in range(5):
        write(tmp_path / f"{i}.txt", f"Title {i}\nBody {i}.")
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    calls = []
    real_insert = Article.objects.bulk_create

    def failing_insert(articles):
        calls.append(len(articles))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_insert(articles)

    monkeypatch.setattr(Article.objects, "bulk_create", failing_insert)
    with pytest.raises(RuntimeError):
        importing.import_paths([tmp_path])
    assert calls == [2, 2]
    assert Article.objects.count() == 0


def test_queries_do_not_grow_with_file_count(db, tmp_path, django_assert_max_num_queries):
    factories.make_article(title="Already there")
    for i in range(60):
        write(tmp_path / f"{i:03d}.txt", f"Title {i}\nBody number {i}.")
    # One lookup for existing hashes, savepoint, one insert (SQLite may split inserts by params).
    with django_assert_max_num_queries(8):
        result = importing.import_paths([tmp_path])
    assert len(result.created) == 60


# ---------------------------------------------------------------- normalisation


def test_text_is_normalised_bom_crlf_nfc(db, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Café in Kabul, naïve 😀")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    write(tmp_path / "a.txt", ("\ufeffTitle\r\n\r\n" + decomposed + "\rline two\r\n").encode())
    run(str(tmp_path))
    article = Article.objects.get()
    assert article.title == "Title"
    assert article.text == "Title\n\nCafé in Kabul, naïve 😀\nline two\n"
    assert unicodedata.is_normalized("NFC", article.text)
    assert "\r" not in article.text


def test_json_text_is_normalised_too(db, tmp_path):
    text = unicodedata.normalize("NFD", "Zamir Kabulov said: “é”\r\nNext.")
    write(tmp_path / "a.json", "\ufeff" + json.dumps({"title": "T", "text": text}))
    run(str(tmp_path))
    assert Article.objects.get().text == normalise_text(text) == "Zamir Kabulov said: “é”\nNext."


# ---------------------------------------------------------------- progress bar


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_only_on_a_tty():
    quiet = io.StringIO()
    with ProgressBar(10, stream=quiet) as bar:
        for _ in range(10):
            bar.advance()
    assert quiet.getvalue() == ""

    tty = FakeTTY()
    with ProgressBar(4, stream=tty, label="Reading", unit="files") as bar:
        for _ in range(4):
            bar.advance()
    drawn = tty.getvalue()
    assert "Reading [" in drawn and "4/4 files" in drawn and "/s" in drawn
    assert drawn.endswith("\n")


def test_progress_bar_shows_eta_midway():
    bar = ProgressBar(100, stream=FakeTTY(), width=10)
    bar.advance(25)
    text = bar.render(now=bar._started + 5)
    assert "[##........] 25/100" in text
    assert "  5/s  " in text  # 25 items in 5 s (a bare "5/s" would also match "25/s")
    assert "ETA 00:15" in text


def test_repeat_of_a_stored_text_names_the_stored_article(db, tmp_path):
    stored = factories.make_article("A\nSame body.", title="Stored")
    write(tmp_path / "a.txt", "A\nSame body.")
    write(tmp_path / "b.txt", "\ufeffA\r\nSame body.")
    out, _ = run(str(tmp_path))
    assert out.count(f"(same text as article #{stored.pk} 'Stored')") == 2
    assert Article.objects.count() == 1


# ---------------------------------------------------------------- metadata beside a text file


def test_metadata_file_overrides_the_derived_title_and_fills_the_fields(db, tmp_path):
    write(tmp_path / "a.txt", "Skip to content\nThe real article body.")
    meta = {
        "title": "The real headline",
        "outlet": "The Example Times",
        "byline": "Jane Reporter",
        "url": "https://example.org/a",
        "published_on": "2021-09-05",
        "language": "en-GB",
    }
    write(tmp_path / "a.meta.json", json.dumps(meta))
    out, _ = run(str(tmp_path))
    article = Article.objects.get()
    assert article.text == "Skip to content\nThe real article body."  # text untouched
    assert (article.title, article.outlet, article.byline) == (
        "The real headline",
        "The Example Times",
        "Jane Reporter",
    )
    assert article.url == "https://example.org/a"
    assert article.published_on == datetime.date(2021, 9, 5)
    assert article.language == "en-GB"
    assert "Imported 1 article, skipped 0 duplicates, 0 files failed." in out


def test_metadata_is_read_for_a_file_given_directly_and_may_be_partial(db, tmp_path):
    write(tmp_path / "a.txt", "First line\nBody.")
    write(tmp_path / "a.meta.json", json.dumps({"outlet": "RUSI"}))
    run(str(tmp_path / "a.txt"))
    article = Article.objects.get()
    assert (article.title, article.outlet, article.byline) == ("First line", "RUSI", "")


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        (b'{"title": "x", "autor": "y"}', "unknown field(s) 'autor'"),
        (b'{"published_on": "May 2021"}', "not an ISO date"),
        (b'{"url": "ftp://example.org/x"}', "not a valid http(s) URL"),
        (b'{"outlet": 7}', "'outlet' is int"),
        (b'{"text": "a body"}', "unknown field(s) 'text'"),
        (b'["not", "an", "object"]', "metadata must be one object"),
        (b'{"title": ', "malformed JSON"),
        (b'{"byline": "Jane\\u0000Doe"}', "NUL character"),
        (b'{"title": "\\ud800"}', "lone surrogate"),
    ],
)
def test_bad_metadata_is_a_named_bad_file_and_its_article_is_not_imported(
    db, tmp_path, meta, reason
):
    write(tmp_path / "a.txt", "A\nAlpha.")
    write(tmp_path / "a.meta.json", meta)
    write(tmp_path / "b.txt", "B\nBeta.")
    out, err, message = run_failing(str(tmp_path))
    assert "error: a.meta.json: " in err and reason in err
    assert "(a.txt was not imported: fix its metadata" in err
    assert list(Article.objects.values_list("title", flat=True)) == ["B"]
    assert "1 file could not be imported" in message


def test_metadata_without_its_text_file_is_reported(db, tmp_path):
    write(tmp_path / "lonely.meta.json", json.dumps({"title": "Nobody's"}))
    write(tmp_path / "b.txt", "B\nBeta.")
    _, err, _ = run_failing(str(tmp_path))
    assert "error: lonely.meta.json: metadata without its article: there is no lonely.txt" in err
    assert Article.objects.count() == 1
