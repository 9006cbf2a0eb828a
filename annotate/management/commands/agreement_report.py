"""Print inter-annotator agreement (the same numbers as /agreement/) as a text table or JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotate import claims
from annotate.agreement import GroupScores, Section
from annotate.models import Article

COLUMNS = [
    ("reviewers", "Reviewers"),
    ("annotations", "Annots"),
    ("claim_units_matched", "Matched"),
    ("unmatched", "Unmatched"),
    ("detection_exact", "F1 exact"),
    ("detection_overlap", "F1 ≥50%"),
    ("alpha_claim", "α claim"),
    ("alpha_stance", "α stance"),
    ("alpha_certainty", "α certainty"),
    ("alpha_confidence", "α confid."),
    ("kappa_stance", "κ stance"),
]


def _cell(scores: GroupScores, key: str) -> str:
    value = getattr(scores, key)
    if key == "reviewers":
        return " + ".join(value) if len(value) <= 2 else f"all ({len(value)})"
    if value is None:
        return "–"
    return str(value)


def format_section(section: Section) -> str:
    """One readable table: a row per reviewer pair, then one for all reviewers together."""
    rows = [*section.pairs]
    if section.all and len(section.reviewers) > 2:
        rows.append(section.all)
    who = ", ".join(section.reviewers) or "none"
    label = section.label if len(section.label) <= 80 else section.label[:79] + "…"
    lines = [f"{label} — {section.annotations} annotations, reviewers: {who}"]
    if not rows:
        reason = section.all.alpha_stance.reason if section.all else "no annotations"
        lines.append(f"  n/a: {reason}")
        return "\n".join(lines)
    table = [[title for _, title in COLUMNS]]
    table += [[_cell(r, key) for key, _ in COLUMNS] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    for n, row in enumerate(table):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells))
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Inter-annotator agreement per article and overall: detection F1 (exact, ≥50% overlap), "
        "Krippendorff's alpha (claim, stance, certainty, confidence), Cohen's kappa (stance)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--article", type=int, help="Only this article id.")

    def handle(self, *args, **options) -> None:
        article_id = options["article"]
        if article_id is not None and not Article.objects.filter(pk=article_id).exists():
            raise CommandError(
                f"No article with id {article_id}: list ids with the admin or omit --article."
            )
        report = claims.agreement_report(article_id)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
            return
        if article_id is None:
            parts = [format_section(report.overall), *map(format_section, report.articles)]
        else:
            parts = [format_section(s) for s in report.articles] or [
                f"Article {article_id} has no annotations: n/a."
            ]
        parts.append(
            "Matched = annotation units compared for labels (same claim, overlapping spans); "
            "n/a = undefined (one reviewer, no matches, or no variation)."
        )
        self.stdout.write("\n\n".join(parts))
