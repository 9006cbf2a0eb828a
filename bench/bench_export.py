"""Full JSON, JSONL and W3C export: wall time and peak RSS in a fresh process; HTTP time to first byte.

Targets (docs/architecture.md, "Targets"): 100,000 annotations over 1,000 articles in ≤ 1.2 s
with peak RSS ≤ 100 MB and the first byte of the download within 0.3 s, for JSON (text included)
and JSONL alike; the W3C Web Annotation export in ≤ 2 s, with the same memory and first-byte limits.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.common import REPO, Context, Row, median, python_subprocess, verdict

FORMATS = ("json", "jsonl", "w3c")
TARGET_SECONDS = {"json": 1.2, "jsonl": 1.2, "w3c": 2.0}
TARGET_RSS_MB = 100
TARGET_TTFB = 0.3


def run(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    for fmt in FORMATS:
        results = []
        for _ in range(ctx.runs):
            out = ctx.workdir / f"export.{fmt}"
            done = python_subprocess(["bench/export_once.py", fmt, str(out)], ctx.env)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            out.unlink()
        seconds = median([r["seconds"] for r in results])
        rss = max(r["peak_rss_mb"] for r in results)
        base = median([r["baseline_rss_mb"] for r in results])
        last = results[-1]
        what = f"export {fmt.upper()}: {last['annotations']:,} ann / {last['articles']:,} articles"
        size = f"{last['bytes'] / 1e6:.0f} MB"
        rows.append(
            Row(
                f"{what} ({size})",
                f"{seconds:.2f} s",
                f"≤ {TARGET_SECONDS[fmt]} s",
                verdict(ctx, seconds, TARGET_SECONDS[fmt]),
            )
        )
        rows.append(
            Row(
                f"  peak RSS, {fmt.upper()} export process (Django loaded: {base:.0f} MB)",
                f"{rss:.0f} MB",
                f"≤ {TARGET_RSS_MB} MB",
                verdict(ctx, rss, TARGET_RSS_MB),
            )
        )
    rows.extend(_http_rows(ctx))
    return rows


def _free_port(preferred: int = 8021) -> int:
    for port in range(preferred, preferred + 50):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port between 8021 and 8070 for the benchmark server.")


@contextmanager
def _server(ctx: Context):
    """gunicorn (one sync worker, production settings) on a free port, on the scratch database."""
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(ctx.workdir / "gunicorn.log", "w")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(
        [str(gunicorn), "project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=REPO,
        env={**os.environ, **ctx.env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start; see {ctx.workdir / 'gunicorn.log'}"
                    ) from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _session_cookie() -> str:
    """Log a staff user in by creating their session directly (no password round trip)."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _fetch(port: int, cookie: str, fmt: str) -> tuple[float, float, int]:
    """(seconds to first body byte, seconds to last byte, bytes) for one download."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    began = time.perf_counter()
    conn.request("GET", f"/export/?download=1&format={fmt}", headers={"Cookie": cookie})
    response = conn.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - began
    if response.status != 200 or not first:
        raise RuntimeError(f"/export/ answered {response.status}: {response.read(300)!r}")
    size = 1 + len(response.read())
    total = time.perf_counter() - began
    conn.close()
    return ttfb, total, size


def _http_rows(ctx: Context) -> list[Row]:
    cookie = _session_cookie()
    rows = []
    with _server(ctx) as port:
        _fetch(port, cookie, "jsonl")  # warm the worker (imports, first connection)
        for fmt in FORMATS:
            results = [_fetch(port, cookie, fmt) for _ in range(ctx.runs)]
            ttfb = median([r[0] for r in results])
            total = median([r[1] for r in results])
            rows.append(
                Row(
                    f"HTTP /export/ {fmt.upper()}: first byte (gunicorn)",
                    f"{ttfb * 1000:.0f} ms",
                    f"≤ {TARGET_TTFB * 1000:.0f} ms",
                    verdict(ctx, ttfb, TARGET_TTFB),
                )
            )
            rows.append(Row(f"  whole download, {results[-1][2] / 1e6:.0f} MB", f"{total:.2f} s"))
    return rows
