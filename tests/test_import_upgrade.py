"""The seeds' metadata files, and a database of seeds imported under the old .txt rule upgraded.

The old rule took a .txt file's first non-empty line out as the title and stored the rest (leading
blank lines and trailing whitespace dropped). `old_rule` below re-implements it independently of
annotate.importing, so these tests do not check the code against itself.
"""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from annotate import importing
from annotate.importing import text_hash
from annotate.models import Annotation, Article
from tests import factories

SEEDS = Path(settings.BASE_DIR) / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


def old_rule(raw: str) -> tuple[str, str]:
    lines = raw.split("\n")
    while not lines[0].strip():
        lines.pop(0)
    rest = lines[1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    title = " ".join(lines[0].split())
    if len(title) > 500:  # cut to fit the title column (two seeds' first lines are longer)
        title = title[:499].rsplit(" ", 1)[0] + "…"
    return title, "\n".join(rest).rstrip()


def import_old_rule(folder: Path = SEEDS) -> dict[str, Article]:
    """The seeds as a database from before the whole-text rule holds them."""
    made = {}
    for path in sorted(folder.glob("*.txt")):
        title, text = old_rule(path.read_text(encoding="utf-8"))
        made[path.name] = Article.objects.create(
            title=title, text=text, text_sha256=text_hash(text), source_name=path.name
        )
    return made


def bootstrap(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("bootstrap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def whole(name: str) -> str:
    return unicodedata.normalize("NFC", (SEEDS / name).read_text(encoding="utf-8"))


def meta(name: str) -> dict:
    return json.loads((SEEDS / name.replace(".txt", ".meta.json")).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the seeds as shipped


def test_seeds_import_whole_with_their_metadata(db):
    result = importing.import_paths([SEEDS])
    assert result.ok and len(result.created) == 5
    for name in SEED_FILES:
        article = Article.objects.get(source_name=name)
        assert article.text == whole(name)
        assert article.title == meta(name)["title"]
        assert article.outlet == meta(name).get("outlet", "")
        assert article.byline == meta(name).get("byline", "")
    la = Article.objects.get(source_name="000_ce800484ff430f64.txt")
    assert (la.outlet, la.title[:30]) == ("Los Angeles Times", "In Afghanistan, Russia is work")
    assert "Shashank Bengali" in la.byline
    cipher = Article.objects.get(source_name="001_c0fd19166bd906d9.txt")
    assert cipher.title == "Russia Takes on a More Prominent Role in Afghan Peace Talks"
    assert cipher.text.startswith("Skip to content\n")  # kept: offsets match the file
    assert Article.objects.get(source_name="002_088bccc9a3694d5d.txt").outlet == "RUSI"
    assert "Giustozzi" in Article.objects.get(source_name="002_088bccc9a3694d5d.txt").byline
    assert Article.objects.get(source_name="004_cfd091c6674d36bc.txt").outlet == "Sangar"


def test_every_seed_has_metadata_with_a_title_of_sensible_length():
    for name in SEED_FILES:
        data = meta(name)
        assert set(data) <= set(importing.META_FIELDS)
        assert 10 <= len(data["title"]) <= importing.DERIVED_TITLE_LENGTH


# ---------------------------------------------------------------- upgrade of an old database


def test_bootstrap_brings_old_rule_seeds_to_the_new_rule_without_duplicates(db):
    old = import_old_rule()
    reviewer = factories.make_user("rita")
    # Two seeds have annotations: their text is frozen and must stay exactly as it was.
    frozen = {"000_ce800484ff430f64.txt", "002_088bccc9a3694d5d.txt"}
    annotations = {
        name: factories.make_annotation(article=old[name], reviewer=reviewer, phrase="Russia")
        for name in frozen
    }
    # A curator renamed one annotated article in the admin: that title is theirs, not the rule's.
    Article.objects.filter(pk=old["002_088bccc9a3694d5d.txt"].pk).update(title="Renamed by Cora")

    out, err = bootstrap(str(SEEDS))

    assert err == ""
    assert Article.objects.count() == 5
    for name in SEED_FILES:
        article = Article.objects.get(source_name=name)
        assert article.pk == old[name].pk  # the same row, not a new one
        assert article.outlet == meta(name).get("outlet", "")
        assert article.byline == meta(name).get("byline", "")
        if name in frozen:
            assert article.text == old[name].text
            assert article.text_sha256 == old[name].text_sha256
        else:
            assert article.text == whole(name)
            assert article.text_sha256 == text_hash(whole(name))
            assert article.title == meta(name)["title"]
    assert (
        Article.objects.get(source_name="000_ce800484ff430f64.txt").title
        == meta("000_ce800484ff430f64.txt")["title"]
    )
    assert Article.objects.get(source_name="002_088bccc9a3694d5d.txt").title == "Renamed by Cora"
    for name, annotation in annotations.items():
        stored = Annotation.objects.get(pk=annotation.pk)
        text = Article.objects.get(source_name=name).text
        assert text[stored.start : stored.end] == stored.quote == "Russia"
    assert "updated 5 earlier imports (2 kept their annotated text)" in out

    # Running again changes nothing and says little.
    before = list(Article.objects.order_by("pk").values())
    out, err = bootstrap(str(SEEDS))
    assert list(Article.objects.order_by("pk").values()) == before
    assert err == "" and len(out.strip().splitlines()) <= 2


def test_import_articles_reports_each_upgrade(db):
    old = import_old_rule()
    factories.make_annotation(article=old["003_1a7e99b4347e0d89.txt"], phrase="Russia")
    out = io.StringIO()
    call_command("import_articles", str(SEEDS), stdout=out, stderr=io.StringIO())
    printed = out.getvalue()
    assert printed.count("updated: ") == 4
    assert "kept text: 003_1a7e99b4347e0d89.txt" in printed
    assert "1 annotation point into its text as first imported" in printed
    again = io.StringIO()
    call_command("import_articles", str(SEEDS), stdout=again, stderr=io.StringIO())
    assert "Imported 0 articles, skipped 5 duplicates, 0 files failed." in again.getvalue()
    assert "imported before the whole-text rule" in again.getvalue()


def test_dry_run_upgrades_nothing(db):
    old = import_old_rule()
    result = importing.import_paths([SEEDS], dry_run=True)
    assert len(result.upgrades) == 5 and not result.created
    for article in old.values():
        assert Article.objects.get(pk=article.pk).text == article.text


def test_an_article_annotated_while_the_import_runs_keeps_its_text(db, monkeypatch):
    old = import_old_rule()
    target = old["004_cfd091c6674d36bc.txt"]
    real = importing.services.articles_import

    def annotate_first(**kwargs):
        factories.make_annotation(article=target, phrase="Russia")
        return real(**kwargs)

    monkeypatch.setattr(importing.services, "articles_import", annotate_first)
    result = importing.import_paths([SEEDS])
    assert Article.objects.get(pk=target.pk).text == target.text
    upgrade = next(u for u in result.upgrades if u.article_id == target.pk)
    assert upgrade.text_replaced is False


def test_only_the_same_file_as_the_old_rule_stored_it_is_upgraded(db, tmp_path):
    # Same name, but the stored text is not what the old rule made of this file: a new article.
    (tmp_path / "a.txt").write_text("Title\nBody as it is now.", encoding="utf-8")
    factories.make_article("Body as it was.", title="Title", source_name="a.txt")
    # The old rule's text of this file, but stored from another file: not this one either.
    (tmp_path / "b.txt").write_text("B\nShared body.", encoding="utf-8")
    factories.make_article("Shared body.", title="Other", source_name="elsewhere.json")
    result = importing.import_paths([tmp_path])
    assert not result.upgrades
    assert sorted(a.source_name for a in result.created) == ["a.txt", "b.txt"]
    assert Article.objects.count() == 4
