"""One `import_annotations` of a JSON export into the (empty, migrated) database in the
environment, then a re-export compared with the file. Prints a JSON result line.

Usage: python bench/restore_once.py EXPORT.json
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")


def main() -> None:
    path = Path(sys.argv[1])
    import django

    django.setup()
    from django.core.management import call_command

    from annotate import export
    from annotate.models import Annotation

    began, began_cpu = time.perf_counter(), time.process_time()
    call_command(
        "import_annotations",
        str(path),
        create_reviewers=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    again = b"".join(export.iter_json(export.ExportFilters()))
    strip = re.compile(rb'"exported_at":"[^"]*",')
    identical = strip.sub(b"", again, count=1) == strip.sub(b"", path.read_bytes(), count=1)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "annotations": Annotation.objects.count(),
                "identical": identical,
            }
        )
    )


if __name__ == "__main__":
    main()
