"""Web pages as articles: main text extracted, chrome left out, metadata read, HTML kept."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotate import importing
from annotate.models import Article
from tests import factories

PARAGRAPHS = [
    "KABUL — Russia has been supplying weapons to the Taliban, two Afghan officials said on "
    "Sunday, an accusation Moscow has repeatedly denied.",
    "“We have seen the rifles,” said an official with the National Directorate of Security, who "
    "spoke on condition of anonymity because he was not authorised to brief reporters.",
    "Zamir Kabulov, the Kremlin’s envoy for Afghanistan, called the reports “absolutely false” and "
    "said Russia’s contacts with the group were aimed only at bringing it to peace talks.",
    "Gen. Joseph Votel, the head of U.S. Central Command, told Congress last year that it was fair "
    "to assume Russia was providing some kind of support to the Taliban.",
    "Analysts in Kabul said the claims were hard to verify independently, but that the pattern of "
    "contacts between Moscow and the insurgents had grown over the past two years.",
]

CHROME = [
    "Skip to content",
    "Subscribe now",
    "World news",
    "Share on Facebook",
    "Post comment",
    "Great article, totally agree",
    "Privacy policy",
    "Terms of use",
    "Most read",
    "Ten recipes for a perfect summer",
    "© 2021 The Daily Example",
]


def news_page(*, title: str = "Russia arms the Taliban, officials say") -> str:
    """A page in the shape of a real news site: skip link, header and navigation, share buttons,
    a related-stories box, a comment section with a form, and a footer of link lists."""
    body = "\n".join(f"      <p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>{title} | The Daily Example</title>
  <meta property="og:title" content="{title}">
  <meta property="og:site_name" content="The Daily Example">
  <meta property="og:type" content="article">
  <meta name="author" content="Jane Reporter">
  <meta property="article:published_time" content="2021-09-05T08:30:00+00:00">
  <link rel="canonical" href="https://news.example.org/world/2021/09/05/russia-taliban-weapons">
  <script>window.dataLayer = [];</script>
  <style>body {{ font-family: serif; }}</style>
</head>
<body>
  <a class="skip-link" href="#main">Skip to content</a>
  <header class="site-header">
    <a href="/" class="logo">The Daily Example</a>
    <a href="/subscribe" class="button">Subscribe now</a>
    <nav aria-label="Sections">
      <ul>
        <li><a href="/world">World news</a></li><li><a href="/politics">Politics</a></li>
        <li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li>
        <li><a href="/opinion">Opinion</a></li><li><a href="/culture">Culture</a></li>
      </ul>
    </nav>
  </header>
  <main id="main">
    <article>
      <h1>{title}</h1>
      <p class="byline">By <a href="/authors/jane-reporter" rel="author">Jane Reporter</a></p>
      <time datetime="2021-09-05T08:30:00Z">5 September 2021</time>
      <div class="share">
        <a href="https://facebook.example/share">Share on Facebook</a>
        <a href="https://twitter.example/share">Share on Twitter</a>
        <button>Copy link</button>
      </div>
{body}
    </article>
    <aside class="related">
      <h2>Most read</h2>
      <ul>
        <li><a href="/a">Ten recipes for a perfect summer</a></li>
        <li><a href="/b">Why the markets fell again this week</a></li>
        <li><a href="/c">The best gadgets of the year, ranked</a></li>
      </ul>
    </aside>
    <section id="comments" class="comments">
      <h2>Comments (2)</h2>
      <form action="/comments" method="post">
        <label for="c">Your comment</label><textarea id="c" name="c"></textarea>
        <button type="submit">Post comment</button>
      </form>
      <div class="comment"><p class="author">reader42</p>
        <p>Great article, totally agree with every word of it!</p></div>
      <div class="comment"><p class="author">skeptic</p>
        <p>I doubt any of this is true, where is the evidence?</p></div>
    </section>
  </main>
  <footer class="site-footer">
    <ul>
      <li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>
      <li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li>
      <li><a href="/cookies">Cookie settings</a></li><li><a href="/jobs">Jobs</a></li>
    </ul>
    <p>© 2021 The Daily Example</p>
  </footer>
</body>
</html>
"""


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def test_a_news_page_imports_as_a_clean_article(db, tmp_path):
    html = news_page()
    out, _ = run(str(write(tmp_path / "page.html", html)))
    article = Article.objects.get()
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    for chrome in CHROME:
        assert chrome not in article.text, chrome
    assert article.title == "Russia arms the Taliban, officials say"
    assert article.byline == "Jane Reporter"
    assert article.outlet == "The Daily Example"
    assert article.url == "https://news.example.org/world/2021/09/05/russia-taliban-weapons"
    assert article.published_on == date(2021, 9, 5)
    assert article.language == "en-GB"
    assert article.source_html == html  # kept, so the extraction can be repeated
    assert article.source_name == "page.html"
    assert article.text_sha256 == importing.text_hash(article.text)
    assert "Imported 1 article" in out


def test_offsets_point_into_the_extracted_text(db, tmp_path):
    run(str(write(tmp_path / "page.htm", news_page())))
    article = Article.objects.get()
    annotation = factories.make_annotation(article=article, phrase="called the reports")
    assert article.text[annotation.start : annotation.end] == "called the reports"


def test_the_same_page_twice_is_a_duplicate(db, tmp_path):
    write(tmp_path / "a.html", news_page())
    write(tmp_path / "b.html", news_page())
    out, _ = run(str(tmp_path))
    assert Article.objects.count() == 1
    assert "skipped duplicate: b.html (same text as a.html in this import)" in out


def test_metadata_file_overrides_the_page(db, tmp_path):
    write(tmp_path / "page.html", news_page())
    write(tmp_path / "page.meta.json", json.dumps({"outlet": "Daily Example (print)"}))
    run(str(tmp_path))
    article = Article.objects.get()
    assert (article.outlet, article.byline) == ("Daily Example (print)", "Jane Reporter")


def test_html_inside_json_and_jsonl(db, tmp_path):
    write(
        tmp_path / "pages.json",
        json.dumps([{"html": news_page(), "title": "Given title", "url": "https://x.example/1"}]),
    )
    other = news_page(title="A second story").replace("Sunday", "Monday")
    write(tmp_path / "pages.jsonl", json.dumps({"html": other, "byline": "Desk"}) + "\n")
    run(str(tmp_path))
    given = Article.objects.get(source_name="pages.json:item 1")
    assert given.title == "Given title"  # fields beside the html override the page's
    assert given.url == "https://x.example/1"
    assert given.outlet == "The Daily Example"
    assert "Skip to content" not in given.text and PARAGRAPHS[2] in given.text
    line = Article.objects.get(source_name="pages.jsonl:line 1")
    assert (line.title, line.byline) == ("A second story", "Desk")
    assert line.source_html == other


def test_a_page_without_metadata_gets_a_title_from_its_text(db, tmp_path):
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    write(tmp_path / "bare.html", f"<html><body>{body}</body></html>")
    run(str(tmp_path))
    article = Article.objects.get()
    assert article.title == importing.shorten(article.text.split("\n")[0], 200)
    assert (article.outlet, article.byline, article.url, article.language) == ("", "", "", "en")
    assert article.published_on is None


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "empty.html",
            "<html><head><title>Nothing</title></head><body></body></html>",
            "no article",
        ),
        ("script.html", "<html><body><script>render()</script></body></html>", "no article"),
        ("nul.html", "<html><body><p>a\x00b</p></body></html>", "NUL characters"),
        ("both.json", json.dumps({"html": "<p>x</p>", "text": "x"}), "either 'text' or 'html'"),
        ("blank.json", json.dumps({"html": "  "}), "the 'html' field is empty"),
        ("typed.json", json.dumps({"html": 5}), "field 'html' is int"),
    ],
)
def test_bad_pages_are_named_bad_files(db, tmp_path, name, content, reason):
    write(tmp_path / name, content)
    write(tmp_path / "good.txt", "Good\nA good article.")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(tmp_path), stdout=out, stderr=err)
    assert f"error: {name}: " in err.getvalue() and reason in err.getvalue(), err.getvalue()
    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]
