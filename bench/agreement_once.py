"""One `agreement_report --format json` in a fresh process, so its time and peak RSS are its own.

Usage: python bench/agreement_once.py OUTPUT   (the scratch database is in the environment).
Prints a JSON line: seconds, peak and baseline RSS, bytes, and how many articles it recomputed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")


def main() -> None:
    output = sys.argv[1]
    import django

    django.setup()
    from django.core.management import call_command

    from annotate.models import ArticleAgreement
    from bench.export_once import peak_rss_mb

    baseline = peak_rss_mb()
    stale = ArticleAgreement.objects.filter(stale=True).count()
    stored = ArticleAgreement.objects.count()
    began = time.perf_counter()
    with open(output, "w") as fh:
        call_command("agreement_report", "--format", "json", stdout=fh)
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak_rss_mb(),
                "baseline_rss_mb": baseline,
                "bytes": os.path.getsize(output),
                "stored_before": stored,
                "stale_before": stale,
            }
        )
    )


if __name__ == "__main__":
    main()
