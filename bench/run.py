"""Benchmarks (`make bench`): build a synthetic corpus in a scratch database and time each section.

    python bench/run.py [--db sqlite|postgres|both] [--quick] [--runs N] [--only NAME ...] [--scale N]

Never touches the user's data: SQLite runs on a temporary file (STANCEMARK_SQLITE_PATH, set
before Django starts), PostgreSQL on a scratch database `stancemark_bench` (created, dropped).
Each database runs in its own child process, because Django's settings are fixed per process.

Sections are modules with `run(ctx: Context) -> list[Row]`; add one by adding its name to SECTIONS.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, Context, Row  # noqa: E402

SECTIONS = [
    "bench.bench_import",
    "bench.bench_export",
    "bench.bench_workspace",
    "bench.bench_list",
    "bench.bench_restore",
    "bench.bench_agreement",
    "bench.bench_claims",
    "bench.bench_network",  # last: it adds claims and actors to the corpus
]

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "stancemark_bench"

# Production-like settings (DEBUG off: no query log, no debug pages), plain HTTP on localhost.
BASE_ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_HSTS_SECONDS": "0",
    "STANCEMARK_PLAIN_STATIC": "1",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="Small corpus for a smoke run.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per measurement (median).")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=[s.removeprefix("bench.bench_") for s in SECTIONS],
        help="Run only these sections (import, export, workspace, list, restore, agreement, claims, network).",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="N",
        help="N times the articles (10: 10,000 articles, 1,000,000 annotations; slow to build).",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    status = 0
    for db in databases:
        status |= parent_run(db, args)
    return status


def parent_run(db: str, args: argparse.Namespace) -> int:
    """Prepare the scratch database for `db`, run the child on it, clean up whatever happens."""
    with tempfile.TemporaryDirectory(prefix=f"stancemark-bench-{db}-") as workdir:
        env = {**BASE_ENV, "BENCH_WORKDIR": workdir}
        if db == "sqlite":
            env["DATABASE_URL"] = ""
            env["STANCEMARK_SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
        else:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
            env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", db, "--runs"]
        command += [str(args.runs), "--scale", str(args.scale)] + (
            ["--quick"] if args.quick else []
        )
        command += ["--only", *args.only] if args.only else []
        try:
            return subprocess.run(command, cwd=REPO, env={**os.environ, **env}).returncode
        finally:
            if db == "postgres":
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench import corpus

    name = str(settings.DATABASES["default"]["NAME"])
    if name == str(REPO / "db.sqlite3") or (args.child == "postgres" and name != PG_DATABASE):
        raise SystemExit(f"Refusing to benchmark on {name}: not a scratch database.")
    articles, per_article = (100, 20) if args.quick else (1000 * args.scale, 100)
    ctx = Context(
        db=args.child,
        runs=args.runs,
        quick=args.quick,
        articles=articles,
        per_article=per_article,
        workdir=Path(os.environ["BENCH_WORKDIR"]),
        env={k: os.environ[k] for k in [*BASE_ENV, "DATABASE_URL", "BENCH_WORKDIR"]}
        | {"STANCEMARK_SQLITE_PATH": os.environ.get("STANCEMARK_SQLITE_PATH", "")},
    )
    log(f"[{ctx.db}] migrating scratch database {name}")
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    made = corpus.build(articles=articles, per_article=per_article)
    rows = [
        Row(
            f"generate corpus: {made['articles']:,} articles, {made['annotations']:,} annotations",
            f"{time.perf_counter() - began:.1f} s",
        )
    ]
    if ctx.db == "postgres":
        call_command("dbshell", "--", "-c", "VACUUM ANALYZE", stdout=open(os.devnull, "w"))
    for section in SECTIONS:
        if args.only and section.removeprefix("bench.bench_") not in args.only:
            continue
        log(f"[{ctx.db}] {section}")
        try:
            rows.extend(importlib.import_module(section).run(ctx))
        except Exception as exc:  # one broken section must not hide the others' numbers
            rows.append(Row(f"{section} FAILED", f"{type(exc).__name__}: {exc}"[:120], ok=False))
    print_table(ctx, rows)
    if os.environ.get("BENCH_JSON"):
        print(json.dumps([r.__dict__ for r in rows]))
    return 0 if all(r.ok is not False for r in rows) else 1


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_table(ctx: Context, rows: list[Row]) -> None:
    runs = f"median of {ctx.runs} run{'s' if ctx.runs != 1 else ''}"
    header = ("what", f"measured ({runs})", "target", "ok?")
    cells = [header] + [
        (r.what, r.measured, r.target, "" if r.ok is None else ("yes" if r.ok else "NO"))
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    title = f"Stancemark benchmarks: {ctx.db}{' (quick)' if ctx.quick else ''}"
    print(f"\n{title}\n" + "=" * len(title))
    for i, cell in enumerate(cells):
        print(" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
