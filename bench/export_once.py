"""One export in a fresh process, so its peak RSS is the export's own. Prints a JSON result line.

Usage: python bench/export_once.py json|jsonl|w3c OUTPUT   (the scratch database is in the environment)
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries that over from the parent
    across fork+exec, so it would report the benchmark runner's memory, not the export's."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    fmt, output = sys.argv[1], sys.argv[2]
    import django

    django.setup()
    from annotate import export

    baseline = peak_rss_mb()
    stats = export.ExportStats()
    produce = export.PRODUCERS[fmt]
    began = time.perf_counter()
    with open(output, "wb") as fh:
        for chunk in produce(export.ExportFilters(), stats=stats):
            fh.write(chunk)
    seconds = time.perf_counter() - began
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak,
                "baseline_rss_mb": baseline,
                "bytes": stats.bytes,
                "annotations": stats.annotations,
                "articles": stats.articles,
            }
        )
    )


if __name__ == "__main__":
    main()
