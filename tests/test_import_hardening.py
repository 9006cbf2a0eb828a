"""`import_articles` never aborts: every hostile or broken input becomes a named bad file.

Each case sits beside a good file, which must still be imported, and the command must fail
(non-zero exit) naming the bad one with its reason. Run on SQLite and PostgreSQL: PostgreSQL
refuses NUL characters and lone surrogates that SQLite would store.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotate import importing
from annotate.models import Article

DEEP = 100_000


def run_failing(*args: str) -> tuple[str, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(excinfo.value)


def with_good(tmp_path: Path) -> Path:
    (tmp_path / "good.txt").write_text("Good\nA good article.", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "where", "reason"),
    [
        (
            "surrogate-text.json",
            '{"title": "T", "text": "bad \\ud800 text"}',
            "surrogate-text.json",
            "field 'text' contains a lone surrogate (\\ud800 at character 4)",
        ),
        (
            "surrogate-title.json",
            '[{"title": "\\udfff", "text": "Body."}]',
            "surrogate-title.json:item 1",
            "field 'title' contains a lone surrogate",
        ),
        (
            "surrogate.jsonl",
            '{"title": "A", "text": "\\ud800"}\n',
            "surrogate.jsonl:line 1",
            "lone surrogate",
        ),
        (
            "surrogate-key.json",
            '{"title": "T", "text": "x", "\\ud800": 1}',
            "surrogate-key.json",
            "unknown field(s) '\\ud800'",
        ),
        ("deep.json", "[" * DEEP + "]" * DEEP, "deep.json", "nested too deeply"),
        ("deep.jsonl", "[" * DEEP + "]" * DEEP + "\n", "deep.jsonl:line 1", "nested too deeply"),
        (
            "deep-field.json",
            '{"title": "T", "text": ' + "[" * DEEP + "]" * DEEP + "}",
            "deep-field.json",
            "nested too deeply",
        ),
        (
            "nul-title.json",
            '{"title": "Ti\\u0000tle", "text": "Body."}',
            "nul-title.json",
            "field 'title' contains a NUL character",
        ),
        (
            "nul-outlet.jsonl",
            '{"title": "T", "text": "Body.", "outlet": "LA\\u0000Times"}\n',
            "nul-outlet.jsonl:line 1",
            "field 'outlet' contains a NUL character",
        ),
        (
            "nul-byline.json",
            '{"title": "T", "text": "Body.", "byline": "\\u0000"}',
            "nul-byline.json",
            "field 'byline' contains a NUL character",
        ),
        (
            "nul-text.json",
            '{"title": "T", "text": "Bo\\u0000dy."}',
            "nul-text.json",
            "NUL",
        ),
        (
            "huge-number.json",
            '{"title": "T", "text": "x", "outlet": ' + "9" * 5000 + "}",
            "huge-number.json",
            "the JSON cannot be read",
        ),
    ],
)
def test_hostile_json_is_a_named_bad_file_and_good_files_import(
    db, tmp_path, name, content, where, reason
):
    (with_good(tmp_path) / name).write_text(content, encoding="utf-8")
    out, err, message = run_failing(str(tmp_path))
    assert f"error: {where}: " in err, err
    assert reason in err, err
    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]
    assert "Imported 1 article, skipped 0 duplicates, 1 file failed." in out
    assert "1 file could not be imported" in message


def test_symlink_loops_are_reported_not_skipped(db, tmp_path):
    with_good(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.txt").write_text("Inner\nInner text.", encoding="utf-8")
    os.symlink("..", tmp_path / "sub" / "up")  # back to the folder being imported
    os.symlink("self", tmp_path / "self")  # a link to itself: ELOOP
    os.symlink("nowhere.txt", tmp_path / "broken.txt")
    _, err, message = run_failing(str(tmp_path))
    assert "error: sub/up: symlink loop: sub/up leads back to a folder that contains it" in err
    assert "error: self: symlink loop" in err
    assert "error: broken.txt: broken symlink: it points to nowhere.txt" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Good", "Inner"]
    assert "3 files could not be imported" in message


def test_a_symlinked_folder_outside_the_loop_is_followed(db, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.txt").write_text("Far\nFar text.", encoding="utf-8")
    root = tmp_path / "root"
    with_good(root) if root.mkdir() is None else None
    os.symlink(elsewhere, root / "linked")
    call_command("import_articles", str(root), stdout=io.StringIO(), stderr=io.StringIO())
    assert sorted(Article.objects.values_list("source_name", flat=True)) == [
        "good.txt",
        "linked/far.txt",
    ]


def test_a_root_that_is_a_symlink_loop_is_named(db, tmp_path):
    os.symlink("loop", tmp_path / "loop")
    _, err, _ = run_failing(str(tmp_path / "loop"))
    assert "symlink loop" in err


def test_a_file_name_that_is_not_utf8_is_reported(db, tmp_path):
    with_good(tmp_path)
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(path, "wb") as handle:
        handle.write(b"Title\nBody of the badly named file.")
    _, err, _ = run_failing(str(tmp_path))
    assert "error: caf\\udce9.txt: the file name is not valid UTF-8" in err
    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]


def test_files_over_the_size_limit_are_refused_unread(db, tmp_path, settings):
    settings.STANCEMARK_IMPORT_MAX_BYTES = 1000
    with_good(tmp_path)
    (tmp_path / "big.txt").write_text("Big\n" + "word " * 400, encoding="utf-8")
    _, err, _ = run_failing(str(tmp_path))
    assert "error: big.txt: the file is 2,004 bytes, over the import limit of 1,000 bytes" in err
    assert "STANCEMARK_IMPORT_MAX_BYTES" in err
    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]


def test_a_record_over_the_size_limit_is_refused(settings):
    # A record from a file is never longer than its file; records parsed from elsewhere (a
    # request body) are held to the same limit.
    settings.STANCEMARK_IMPORT_MAX_BYTES = 1000
    with pytest.raises(importing.RecordError, match="the text is 1,001 characters, over the"):
        importing.parse_record({"title": "Big", "text": "x" * 1001})
    with pytest.raises(importing.RecordError, match="the html is 1,001 characters, over the"):
        importing.parse_record({"html": "x" * 1001})


def test_default_size_limit_is_ten_megabytes():
    assert settings.STANCEMARK_IMPORT_MAX_BYTES == 10_000_000 == importing.max_bytes()


def test_a_path_too_long_for_the_source_name_column_is_reported(db, tmp_path):
    with_good(tmp_path)
    deep = tmp_path
    for _ in range(6):
        deep = deep / ("d" * 90)
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("X\nDeep text.", encoding="utf-8")
    _, err, _ = run_failing(str(tmp_path))
    assert "the path is longer than 500 characters" in err
    assert Article.objects.count() == 1


@pytest.mark.skipif(not Path(sys.executable).exists(), reason="no interpreter")
def test_the_command_exits_non_zero_without_a_traceback(tmp_path):
    # A real process, so the exit status and stderr are what a shell sees. Its own SQLite file.
    files = with_good(tmp_path / "in") if (tmp_path / "in").mkdir() is None else None
    assert files is not None
    (files / "deep.json").write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    (files / "bad.json").write_text('{"title": "\\ud800", "text": "x"}', encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "STANCEMARK_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "project.settings",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    done = subprocess.run(
        [*manage, "import_articles", str(files)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "deep.json: the JSON is nested too deeply" in done.stderr
    assert "bad.json: field 'title' contains a lone surrogate" in done.stderr
    assert "Imported 1 article, skipped 0 duplicates, 2 files failed." in done.stdout
