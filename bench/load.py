"""Load test (`make loadtest`): reviewers saving at once over HTTP, then every write checked.

    python bench/load.py [--reviewers 20] [--seconds 30] [--bursts 3] [--workers 2] [--threads 4]

N simulated reviewers, each with an account of its own (usernames `loadtest-NNN`, created or
reused by this script), log in through /accounts/login/ (CSRF token from the form), open articles
and create / edit / delete / restore annotations with the requests the workspace page makes
(htmx: `HX-Request`, `X-CSRFToken` from the page's hx-headers, the forms' fields), against gunicorn
started here on 127.0.0.1 on a free port (DEBUG off, a generated secret key). After the timed
phase come the bursts: all reviewers wait at a barrier and save, at the same instant, an
annotation naming the same new subject, object, named source and so the same new claim.

Then the database is read: every acknowledged write must be there with exactly the values sent
(version included), and nothing else written by the load accounts may exist; each burst must have
made one actor per name and one claim, and every burst save must have succeeded. Exit status 1 on
any error (5xx, refused save, transport error, "database is locked"), lost, wrong or phantom write.

Database: with DATABASE_URL set (PostgreSQL), that database: migrated, seeds/ imported, the load
accounts' earlier annotations and the load actors and claims removed first, and again at the end
(--keep leaves them for inspection). Without it, a fresh SQLite file in a temporary folder (never
the user's db.sqlite3), migrated and seeded, deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
USER_PREFIX = "loadtest-"
ACTOR_PREFIX = "Loadtest "  # every actor the load test names starts so (claims follow)
SHARED_ACTORS = 12  # subjects/objects shared by all reviewers: new-actor and new-claim races
LOCKED = "database is locked"

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_HSTS_SECONDS": "0",
    "STANCEMARK_PLAIN_STATIC": "1",  # no collectstatic needed: static files are not under test
}


# ---------------------------------------------------------------- what the reviewers record


@dataclass
class Stats:
    """Shared by all reviewer threads (under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    locked: int = 0

    def record(self, op: str, seconds: float, status: int, body: str) -> None:
        with self.lock:
            self.latencies[op].append(seconds)
            self.statuses[status] += 1
            if LOCKED in body:
                self.locked += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


@dataclass
class Expected:
    """One annotation as its reviewer last saw it acknowledged."""

    id: int
    reviewer: str
    article: int
    values: dict[str, Any]
    version: int = 1
    deleted: bool = False
    uncertain: bool = False  # a write on it got no clear answer: not checked value by value


@dataclass
class Article:
    pk: int
    text: str
    spans: list[tuple[int, int]]  # one-line runs of 1-6 words, as a reviewer would select


# ---------------------------------------------------------------- HTTP, as the browser does it


class Browser:
    """One reviewer's connection and cookies; every request is timed into Stats."""

    def __init__(self, port: int, stats: Stats):
        self.origin = f"http://127.0.0.1:{port}"
        self.port = port
        self.cookies: dict[str, str] = {}
        self.stats = stats
        self.token = ""  # the page's CSRF token (hx-headers / csrfmiddlewaretoken)
        self.others = False  # the page shows other reviewers' work: its forms post others=1
        self.page = "/"

    def request(
        self,
        op: str,
        method: str,
        path: str,
        fields: dict[str, Any] | None = None,
        *,
        htmx: bool = False,
        target: str = "",
    ) -> Response | None:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if htmx:
            headers["HX-Request"] = "true"
            headers["HX-Current-URL"] = self.origin + self.page
            if target:  # the hx-target's id, as htmx sends it
                headers["HX-Target"] = target
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if htmx:
                headers["X-CSRFToken"] = self.token
            body = urlencode({k: "" if v is None else v for k, v in (fields or {}).items()})
        began = time.perf_counter()
        try:
            response = fetch(self.port, method, path, body=body, headers=headers)
        except Exception as exc:  # no answer: counted, and the write is then uncertain
            self.stats.error(f"{op} {method} {path}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - began
        text = response.data.decode("utf-8", "replace")
        self.stats.record(op, elapsed, response.status, text)
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if response.status >= 500:
            self.stats.error(f"{op} {method} {path}: HTTP {response.status}")
        return response

    def take_token(self, html: str) -> None:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if found:
            self.token = found.group(1)


@dataclass
class Response:
    status: int
    headers: Any  # http.client.HTTPMessage
    data: bytes


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a fresh connection (the standard library's client: no dependency; a new
    connection per request means no keep-alive race can make a POST ambiguous)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return Response(answer.status, answer.headers, answer.read())
    finally:
        connection.close()


def saved_id(response: Response | None) -> int | None:
    """The id in the `annotation-saved` event a successful create, edit or restore triggers."""
    if response is None or response.status != 200:
        return None
    trigger = response.headers.get("HX-Trigger")
    if not trigger:
        return None
    try:
        return int(json.loads(trigger)["annotation-saved"]["id"])
    except (ValueError, KeyError, TypeError):
        return None


def form_problem(response: Response | None) -> str:
    if response is None:
        return "no response"
    html = response.data.decode("utf-8", "replace")
    errors = re.findall(
        r'<p class="field-error"[^>]*>(.*?)</p>|<div class="form-errors"[^>]*>(.*?)</div>',
        html,
        re.S,
    )
    text = " ".join(a or b for a, b in errors)
    return f"HTTP {response.status}: {re.sub(r'<[^>]+>', '', text)[:300] or html[:200]}"


# ---------------------------------------------------------------- one simulated reviewer


class Reviewer(threading.Thread):
    def __init__(self, index: int, run: Run):
        super().__init__(name=f"reviewer-{index}", daemon=True)
        self.username = f"{USER_PREFIX}{index:03d}"
        self.run_ = run
        self.random = random.Random(f"{run.run_id}-{index}")
        self.browser = Browser(run.port, run.stats)
        self.mine: dict[int, Expected] = {}
        self.article: Article | None = None
        self.burst_ok = 0
        self.timed_end = 0.0
        self.unacked_creates: list[dict[str, Any]] = []

    # -- the session

    def run(self) -> None:
        try:
            self.login()
            self.run_.start.wait(timeout=600)  # the timed phase starts when all are logged in
            while time.monotonic() < self.run_.deadline:
                self.step()
            self.timed_end = time.monotonic()
            for burst in range(self.run_.bursts):
                self.burst(burst)
        except threading.BrokenBarrierError:
            self.run_.stats.error(f"{self.username}: a barrier broke (another reviewer failed)")
        except Exception as exc:  # a bug here must fail the run, not hang it
            self.run_.stats.error(f"{self.username}: {type(exc).__name__}: {exc}")
            self.run_.start.abort()
            self.run_.barrier.abort()

    def login(self) -> None:
        b = self.browser
        page = b.request("login-form", "GET", "/accounts/login/")
        if page is None or page.status != 200:
            raise RuntimeError("login page did not open")
        b.take_token(page.data.decode())
        fields = {
            "csrfmiddlewaretoken": b.token,
            "username": self.username,
            "password": self.run_.password,
            "next": "",
        }
        done = b.request("login", "POST", "/accounts/login/", fields)
        if done is None or done.status != 302 or "sessionid" not in b.cookies:
            raise RuntimeError(f"login refused: {form_problem(done)}")
        self.list_page("login-next")  # where the login redirects

    def list_page(self, op: str = "list") -> None:
        response = self.browser.request(op, "GET", "/")
        if response is None or response.status != 200:
            self.run_.stats.error(f"{self.username}: articles list failed")

    def open(self, article: Article, op: str = "open") -> None:
        b = self.browser
        b.page = f"/articles/{article.pk}/"
        if op == "open" and self.random.random() < 0.3:
            b.page += "?others=1"  # the "Show other reviewers' annotations" switch
        response = b.request(op, "GET", b.page)
        if response is not None and response.status == 200:
            html = response.data.decode()
            b.take_token(html)
            b.others = '<input type="hidden" name="others" value="1">' in html
            self.article = article
        else:
            self.run_.stats.error(f"{self.username}: article {article.pk} did not open")

    def step(self) -> None:
        r = self.random
        if self.article is None or r.random() < 0.08:
            if r.random() < 0.2:
                self.list_page()
            self.open(r.choice(self.run_.articles))
            return
        here = [e for e in self.mine.values() if e.article == self.article.pk and not e.uncertain]
        live = [e for e in here if not e.deleted]
        gone = [e for e in here if e.deleted]
        roll = r.random()
        if roll < 0.4 or not live:
            self.create()
        elif roll < 0.7:
            self.edit(r.choice(live))
        elif roll < 0.85 or not gone:
            self.delete(r.choice(live))
        else:
            self.restore(r.choice(gone))

    # -- the values a reviewer types

    def values(self, article: Article, names: tuple[str, str, str] | None = None) -> dict[str, Any]:
        r = self.random
        start, end = r.choice(article.spans)
        if names:
            subject, obj, source = names
            kind = "named"
        else:
            subject, obj = (f"{ACTOR_PREFIX}actor {k}" for k in r.sample(range(SHARED_ACTORS), 2))
            kind = r.choice(["named", "unnamed", "author"])
            source = {
                "named": f"{ACTOR_PREFIX}source {r.randrange(SHARED_ACTORS)}",
                "unnamed": f"officials familiar with case {r.randrange(100)}",
                "author": "",
            }[kind]
        return {
            "start": start,
            "end": end,
            "quote": article.text[start:end],
            "subject": subject,
            "relation": self.run_.burst_relation if names else r.choice(self.run_.relations),
            "object": obj,
            "claim_text": "",
            "source_kind": kind,
            "source": source,
            "stance": r.choice(["asserts", "denies", "reports", "questions"]),
            "certainty": r.choice(["certain", "probable", "possible", "unspecified"]),
            "confidence": r.randint(1, 5),
            "note": r.choice(["", f"note {uuid.uuid4().hex[:8]} — «é»", "checked twice"]),
        }

    def others(self) -> dict[str, str]:
        return {"others": "1"} if self.browser.others else {}

    def fields(self, values: dict[str, Any], version: int | None = None) -> dict[str, Any]:
        """The form as htmx posts it: every input of the workspace's annotation form."""
        return {
            "csrfmiddlewaretoken": self.browser.token,
            **self.others(),
            **{k: values[k] for k in ("start", "end", "quote")},
            "version": version,
            **{k: values[k] for k in ("subject", "relation", "object", "claim_text")},
            "source_kind": values["source_kind"],
            "source": values["source"],
            "source_start": None,
            "source_end": None,
            "source_quote": "",
            "cue_start": None,
            "cue_end": None,
            "cue_quote": "",
            **{k: values[k] for k in ("stance", "certainty", "confidence", "note")},
            # The reviewer confirms the names as new actors where they are new (the form asks
            # first: annotate/new_actors.py); existing names ignore it.
            **{f"new_{k}": values[k] for k in ("subject", "object", "source")},
        }

    # -- the writes

    def create(self, names: tuple[str, str, str] | None = None) -> bool:
        assert self.article is not None
        values = self.values(self.article, names)
        if not names and self.random.random() < 0.3:  # typing the subject fills the datalist
            typed = urlencode({"q": values["subject"][: self.random.randint(3, 12)]})
            self.browser.request("autocomplete", "GET", f"/actors/autocomplete/?{typed}", htmx=True)
        response = self.browser.request(
            "burst" if names else "create",
            "POST",
            f"/articles/{self.article.pk}/annotations/",
            self.fields(values),
            htmx=True,
            target="new-slot",
        )
        pk = saved_id(response)
        if pk is None:
            if response is None or response.status >= 500:
                self.unacked_creates.append(values | {"article": self.article.pk})
            else:
                self.run_.stats.error(f"{self.username}: create refused: {form_problem(response)}")
            return False
        if pk in self.mine:
            self.run_.stats.error(f"{self.username}: create answered with existing id {pk}")
        self.mine[pk] = Expected(pk, self.username, self.article.pk, values)
        self.browser.take_token(response.data.decode())
        return True

    def edit(self, expected: Expected) -> None:
        b = self.browser
        url = f"/annotations/{expected.id}/edit/" + ("?others=1" if b.others else "")
        form = b.request("edit-form", "GET", url, htmx=True, target="form-slot")
        if form is None or form.status != 200:
            self.run_.stats.error(f"{self.username}: edit form of {expected.id} did not open")
            return
        html = form.data.decode()
        shown = re.search(r'name="version" value="(\d+)"', html)
        if not shown or int(shown.group(1)) != expected.version:
            self.run_.stats.error(
                f"{self.username}: edit form of {expected.id} shows version "
                f"{shown and shown.group(1)}, expected {expected.version}"
            )
            expected.uncertain = True
            return
        b.take_token(html)
        values = self.values(self.article) if self.random.random() < 0.5 else dict(expected.values)
        values["confidence"] = self.random.randint(1, 5)
        values["note"] = f"edited {uuid.uuid4().hex[:8]}"
        response = b.request(
            "edit",
            "POST",
            f"/annotations/{expected.id}/",
            self.fields(values, version=expected.version),
            htmx=True,
            target="form-slot",
        )
        if saved_id(response) == expected.id:
            expected.values, expected.version = values, expected.version + 1
        elif response is None or response.status >= 500:
            expected.uncertain = True
        else:
            self.run_.stats.error(f"{self.username}: edit refused: {form_problem(response)}")

    def delete(self, expected: Expected) -> None:
        response = self.browser.request(
            "delete",
            "POST",
            f"/annotations/{expected.id}/delete/",
            {"csrfmiddlewaretoken": self.browser.token, **self.others()},
            htmx=True,
            target="panel",
        )
        body = response.data.decode() if response is not None else ""
        if (
            response is not None
            and response.status == 200
            and (f"/annotations/{expected.id}/restore/" in body)
        ):
            expected.deleted, expected.version = True, expected.version + 1
        elif response is None or response.status >= 500:
            expected.uncertain = True
        else:
            self.run_.stats.error(f"{self.username}: delete refused: HTTP {response.status}")

    def restore(self, expected: Expected) -> None:
        response = self.browser.request(
            "restore",
            "POST",
            f"/annotations/{expected.id}/restore/",
            {"csrfmiddlewaretoken": self.browser.token, **self.others()},
            htmx=True,
            target="panel",
        )
        if saved_id(response) == expected.id:
            expected.deleted, expected.version = False, expected.version + 1
        elif response is None or response.status >= 500:
            expected.uncertain = True
        else:
            self.run_.stats.error(f"{self.username}: restore refused: HTTP {response.status}")

    def burst(self, burst: int) -> None:
        article = self.run_.articles[0]
        if self.article is None or self.article.pk != article.pk:
            self.open(article, op="burst-open")
        names = self.run_.burst_names(burst)
        self.run_.barrier.wait(timeout=120)
        if self.create(names):
            self.burst_ok += 1


# ---------------------------------------------------------------- the run


class Run:
    def __init__(self, args: argparse.Namespace, port: int, password: str):
        from annotate.models import Relation

        self.run_id = uuid.uuid4().hex[:8]
        self.port = port
        self.password = password
        self.bursts = args.bursts
        self.stats = Stats()
        self.barrier = threading.Barrier(args.reviewers)
        self.seconds = args.seconds
        self.deadline = self.began = 0.0
        self.start = threading.Barrier(args.reviewers, action=self._started)
        self.relations = list(Relation.objects.order_by("slug").values_list("slug", flat=True))
        self.burst_relation = self.relations[0]
        self.articles = load_articles()

    def _started(self) -> None:
        self.began = time.monotonic()
        self.deadline = self.began + self.seconds

    def burst_names(self, burst: int) -> tuple[str, str, str]:
        tag = f"{self.run_id}-{burst}"
        return (
            f"{ACTOR_PREFIX}burst subject {tag}",
            f"{ACTOR_PREFIX}burst object {tag}",
            f"{ACTOR_PREFIX}burst source {tag}",
        )


def load_articles() -> list[Article]:
    from annotate.models import Article as ArticleRow

    articles = []
    for pk, text in ArticleRow.objects.order_by("pk").values_list("pk", "text")[:50]:
        words = [m.span() for m in re.finditer(r"\S+", text)]
        spans = []
        for i in range(len(words)):
            for k in (1, 3, 6):
                if i + k <= len(words):
                    start, end = words[i][0], words[i + k - 1][1]
                    if "\n" not in text[start:end] and "\r" not in text[start:end]:
                        spans.append((start, end))
        if spans:
            articles.append(Article(pk, text, spans))
    if not articles:
        raise SystemExit("No article with text in the database: import seeds/ first.")
    return articles


def prepare_database(reviewers: int) -> str:
    """Migrate, import seeds/, reset the load accounts; return their (shared) password."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("import_articles", str(REPO / "seeds"), verbosity=0)
    remove_load_data()
    password = secrets.token_urlsafe(16)
    hashed = make_password(password)  # one hash for all: hashing costs ~0.3 s each
    for index in range(reviewers):
        user, _ = User.objects.get_or_create(username=f"{USER_PREFIX}{index:03d}")
        user.password, user.is_staff, user.is_superuser, user.is_active = hashed, False, False, True
        user.save()
        user.groups.clear()
    return password


def remove_load_data() -> None:
    """The load accounts' annotations, progress and login records, the load actors and claims
    (idempotent)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from annotate.models import Actor, Annotation, Claim, Progress

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__startswith=USER_PREFIX).delete()

    Annotation.objects.filter(reviewer__username__startswith=USER_PREFIX).delete()
    Progress.objects.filter(reviewer__username__startswith=USER_PREFIX).delete()
    Claim.objects.filter(subject__name__startswith=ACTOR_PREFIX, annotations=None).delete()
    Claim.objects.filter(object__name__startswith=ACTOR_PREFIX, annotations=None).delete()
    Actor.objects.filter(
        name__startswith=ACTOR_PREFIX,
        claims_as_subject=None,
        claims_as_object=None,
        attributed_annotations=None,
    ).delete()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, args: argparse.Namespace, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "project.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
    ]
    server = subprocess.Popen(
        command, cwd=REPO, env=os.environ.copy(), stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if fetch(port, "GET", "/accounts/login/").status == 200:
                return server
        except Exception:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}:\n{log.read_text()[-3000:]}")


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# ---------------------------------------------------------------- the check


def verify(run: Run, reviewers: list[Reviewer]) -> dict[str, int]:
    """Compare the database with what was acknowledged; return the counts, printing each problem."""
    from annotate.models import Actor, Annotation, Claim

    expected = {pk: e for r in reviewers for pk, e in r.mine.items()}
    unacked = [v for r in reviewers for v in r.unacked_creates]
    rows = {
        a.pk: a
        for a in Annotation.objects.filter(reviewer__username__startswith=USER_PREFIX)
        .select_related("reviewer", "claim__subject", "claim__object", "claim__relation")
        .select_related("source_actor")
    }
    counts = Counter[str]()
    problems: list[str] = []
    for pk, e in expected.items():
        row = rows.get(pk)
        if row is None:
            counts["lost"] += 1
            problems.append(f"lost: annotation {pk} of {e.reviewer} is not in the database")
            continue
        counts["checked"] += 1
        if e.uncertain:
            continue
        v = e.values
        source = row.source_actor.name if row.source_actor else row.source_description
        stored = {
            "reviewer": row.reviewer.username,
            "article": row.article_id,
            "start": row.start,
            "end": row.end,
            "quote": row.quote,
            "subject": row.claim.subject.name,
            "relation": row.claim.relation.slug,
            "object": row.claim.object.name,
            "source_kind": row.source_kind,
            "source": source,
            "stance": row.stance,
            "certainty": row.certainty,
            "confidence": row.confidence,
            "note": row.note,
            "version": row.version,
            "deleted": row.deleted_at is not None,
        }
        want = {k: v[k] for k in stored if k in v} | {
            "reviewer": e.reviewer,
            "article": e.article,
            "version": e.version,
            "deleted": e.deleted,
            "note": v["note"].strip(),
            "source": " ".join(v["source"].split()),
        }
        diff = {k: (want[k], stored[k]) for k in stored if want[k] != stored[k]}
        if diff:
            counts["wrong"] += 1
            problems.append(f"wrong: annotation {pk}: (sent, stored) {diff}")
    for pk, row in rows.items():
        if pk in expected:
            continue
        match = any(
            u["article"] == row.article_id and u["start"] == row.start and u["end"] == row.end
            for u in unacked
        )
        if match:
            counts["unacknowledged"] += 1  # committed although its request failed: an error already
        else:
            counts["phantom"] += 1
            problems.append(
                f"phantom: annotation {pk} of {row.reviewer.username} was never acknowledged"
            )
    for burst in range(run.bursts):
        subject, obj, source = run.burst_names(burst)
        for name in (subject, obj, source):
            found = Actor.objects.filter(name__iexact=name).count()
            if found != 1:
                counts["burst_duplicates"] += 1
                problems.append(f"burst {burst}: {found} actors named {name!r}, expected 1")
        claims = Claim.objects.filter(subject__name=subject, object__name=obj).count()
        if claims != 1:
            counts["burst_duplicates"] += 1
            problems.append(f"burst {burst}: {claims} claims {subject} → {obj}, expected 1")
    counts["burst_saved"] = sum(r.burst_ok for r in reviewers)
    for problem in problems[:40]:
        print("  " + problem)
    if len(problems) > 40:
        print(f"  … and {len(problems) - 40} more")
    return counts


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=20, help="Simulated reviewers (20).")
    parser.add_argument("--seconds", type=float, default=30, help="Timed phase length (30).")
    parser.add_argument("--bursts", type=int, default=3, help="Simultaneous-save bursts (3).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument("--threads", type=int, default=4, help="Threads per worker (4).")
    parser.add_argument(
        "--keep", action="store_true", help="PostgreSQL: leave the load data for inspection."
    )
    args = parser.parse_args(argv)
    if args.reviewers < 1 or args.seconds < 0 or args.bursts < 0:
        parser.error("--reviewers must be at least 1, --seconds and --bursts at least 0.")

    with tempfile.TemporaryDirectory(prefix="stancemark-load-") as workdir:
        os.environ.update(SERVER_ENV)
        os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
        target = os.environ.get("DATABASE_URL", "")
        if not target:
            os.environ["DATABASE_URL"] = ""
            os.environ["STANCEMARK_SQLITE_PATH"] = str(Path(workdir) / "load.sqlite3")
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        db = settings.DATABASES["default"]
        if str(db["NAME"]) == str(REPO / "db.sqlite3"):
            raise SystemExit("Refusing to load-test the user's db.sqlite3.")
        vendor = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
        print(f"[{vendor}] database {db['NAME']}: migrating, importing seeds/ …", flush=True)
        password = prepare_database(args.reviewers)
        port = free_port()
        log = Path(workdir) / "gunicorn.log"
        run = Run(args, port, password)
        connections.close_all()
        print(
            f"[{vendor}] gunicorn on 127.0.0.1:{port} ({args.workers} workers × {args.threads} "
            f"threads); {args.reviewers} reviewers for {args.seconds:g} s, then "
            f"{args.bursts} burst(s); {len(run.articles)} articles",
            flush=True,
        )
        server = start_server(port, args, log)
        try:
            reviewers = [Reviewer(i, run) for i in range(args.reviewers)]
            for r in reviewers:
                r.start()
            for r in reviewers:
                r.join(timeout=args.seconds + 900)
            ends = [r.timed_end for r in reviewers if r.timed_end]
            elapsed = max(ends) - run.began if ends and run.began else 0.0
        finally:
            server.terminate()
            server.wait(timeout=30)
        server_log = log.read_text(errors="replace")
        status = report(run, reviewers, elapsed, server_log)
        if vendor == "postgresql" and not args.keep:
            remove_load_data()
        connections.close_all()
        return status


def report(run: Run, reviewers: list[Reviewer], elapsed: float, server_log: str) -> int:
    stats = run.stats
    timed = ("list", "open", "autocomplete", "create", "edit-form", "edit", "delete", "restore")
    total = sum(len(stats.latencies.get(op, [])) for op in timed)
    writes = sum(len(stats.latencies.get(op, [])) for op in ("create", "edit", "delete", "restore"))
    rate = (lambda n: n / elapsed) if elapsed > 0 else (lambda n: 0.0)
    print(
        f"\ntimed phase: {total:,} requests in {elapsed:.1f} s = {rate(total):.1f} requests/s, "
        f"{rate(writes):.1f} writes/s (logins and bursts not counted)"
    )
    print(f"{'operation':<13}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for op in (
        "login-form",
        "login",
        "login-next",
        "list",
        "open",
        "autocomplete",
        "create",
        "edit-form",
        "edit",
        "delete",
        "restore",
        "burst-open",
        "burst",
    ):
        values = stats.latencies.get(op, [])
        if not values:
            continue
        ms = [1000 * v for v in values]
        print(
            f"{op:<13}{len(ms):>7}{percentile(ms, 50):>9.0f}{percentile(ms, 95):>9.0f}"
            f"{percentile(ms, 99):>9.0f}{max(ms):>9.0f}"
        )
    server_errors = sum(n for code, n in stats.statuses.items() if code >= 500)
    locked = stats.locked + server_log.count(LOCKED)
    # Django logs each unhandled exception once as "Internal Server Error: <path>" + traceback
    # (a chained exception prints two tracebacks); a traceback elsewhere is an error too.
    logged = server_log.count("Internal Server Error:")
    tracebacks = max(logged, 1 if "Traceback (most recent call last)" in server_log else 0)
    print(f"HTTP statuses: {dict(sorted(stats.statuses.items()))}")
    print(f'5xx: {server_errors}   "{LOCKED}": {locked}   server errors logged: {tracebacks}')
    for message in stats.errors[:20]:
        print("  error: " + message)
    if len(stats.errors) > 20:
        print(f"  … and {len(stats.errors) - 20} more errors")
    if tracebacks:
        first = server_log.find("Internal Server Error:")
        print(server_log[first if first >= 0 else server_log.index("Traceback") :][:3000])
    print("checking the database …")
    counts = verify(run, reviewers)
    bursts_expected = run.bursts * len(reviewers)
    # Failed requests, plus server errors no response showed (each 5xx is logged once as well).
    errors = len(stats.errors) + max(0, tracebacks - server_errors)
    print(
        f"acknowledged annotations: {counts['checked'] + counts['lost']:,}, found {counts['checked']:,}\n"
        f"errors: {errors}   lost: {counts['lost']}   wrong values: {counts['wrong']}   "
        f"phantom: {counts['phantom']}   committed without answer: {counts['unacknowledged']}\n"
        f"bursts: {counts['burst_saved']}/{bursts_expected} saves succeeded, "
        f"duplicate actors/claims: {counts['burst_duplicates']}"
    )
    failed = (
        errors
        or locked
        or counts["lost"]
        or counts["wrong"]
        or counts["phantom"]
        or counts["unacknowledged"]
        or counts["burst_duplicates"]
        or counts["burst_saved"] != bursts_expected
    )
    print("FAIL" if failed else "OK: 0 errors, 0 lost, 0 phantom")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
