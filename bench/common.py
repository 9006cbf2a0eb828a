"""What every benchmark section shares: the context it gets and the rows it returns."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One line of the results table."""

    what: str
    measured: str
    target: str = ""
    ok: bool | None = None


@dataclass
class Context:
    """Handed to every section's run(ctx). `env` reproduces this database in a subprocess."""

    db: str
    runs: int
    quick: bool
    articles: int
    per_article: int
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def annotations(self) -> int:
        return self.articles * self.per_article


def median(values: list[float]) -> float:
    return statistics.median(values)


def median_get_ms(client, url: str, params: dict, repeats: int) -> float:
    """The median time of `repeats` GETs of `url` (after one to warm up), in ms; each must be 200."""
    client.get(url, params)  # warm up
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    return median(times)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def python_subprocess(
    args: list[str], env: dict[str, str], **kwargs
) -> subprocess.CompletedProcess:
    """Run a bench helper script with the venv's Python, in the repo, with the scratch database."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def verdict(ctx: Context, value: float, limit: float) -> bool | None:
    """Within target? None on a --quick run: the targets are for the full-size corpus."""
    return None if ctx.quick else value <= limit
