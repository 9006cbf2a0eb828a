"""`import_annotations` of the full JSON export into an empty database (target ≤ 10 s), each run
in a fresh process on a freshly migrated scratch database; the re-export must equal the file
(apart from exported_at)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import Context, Row, median, python_subprocess, verdict

TARGET_SECONDS = 10.0
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "stancemark_bench_restore"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _empty_database(ctx: Context, run: int) -> dict[str, str]:
    """The environment of a new, migrated scratch database (SQLite file, or a PG database)."""
    env = dict(ctx.env)
    if ctx.db == "sqlite":
        path = Path(ctx.workdir) / f"restore-{run}.sqlite3"
        path.unlink(missing_ok=True)
        env["STANCEMARK_SQLITE_PATH"] = str(path)
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    python_subprocess(["manage.py", "migrate", "--verbosity", "0"], env)
    return env


def run(ctx: Context) -> list[Row]:
    source = Path(ctx.workdir) / "restore-source.json"
    python_subprocess(["bench/export_once.py", "json", str(source)], ctx.env)
    size = f"{source.stat().st_size / 1e6:.0f} MB"
    results = []
    try:
        for i in range(ctx.runs):
            env = _empty_database(ctx, i)
            done = python_subprocess(["bench/restore_once.py", str(source)], env)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            if ctx.db == "sqlite":
                Path(env["STANCEMARK_SQLITE_PATH"]).unlink(missing_ok=True)
    finally:
        source.unlink(missing_ok=True)
        if ctx.db == "postgres":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    seconds = median([r["seconds"] for r in results])
    cpu = median(
        [r["cpu_seconds"] for r in results]
    )  # on a shared machine, wall time alone misleads
    return [
        Row(
            f"import_annotations into an empty database: {results[-1]['annotations']:,} ann ({size})",
            f"{seconds:.2f} s (this process's CPU {cpu:.1f} s)",
            f"≤ {TARGET_SECONDS:.0f} s",
            verdict(ctx, seconds, TARGET_SECONDS),
        ),
        Row(
            "  re-export equals the imported file (apart from exported_at)",
            "yes" if all(r["identical"] for r in results) else "NO",
            "yes",
            all(r["identical"] for r in results),
        ),
    ]
