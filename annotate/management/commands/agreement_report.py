"""Print inter-annotator agreement (the same numbers as /agreement/) as a text table or JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotate import agreement_store
from annotate.agreement import METHOD, GroupScores, Section
from annotate.agreement_store import disagreement_href, disagreement_links
from annotate.agreement_sums import KINDS, Disagreement, disagreements_to_json
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


def disagreement_dicts(
    article_id: int, listed: list[dict[str, Any]], names: dict[str, str]
) -> list[dict[str, Any]]:
    """A stored disagreement list (agreement_sums.disagreements_to_json) as the JSON report
    gives it: reviewers named, and the link where each is resolved."""
    href = disagreement_links(article_id)
    out = []
    for entry in listed:
        members = entry["members"]
        if len(members) > 1:  # one annotation (unmatched) has nothing to choose or order
            # By reviewer name, as on the page.
            members = sorted(members, key=lambda m: names.get(m[1], m[1]))
            first = min(members, key=lambda m: (m[3], m[0]))  # (start, id): the earliest
        else:
            first = members[0]
        out.append(
            {
                "kind": entry["kind"],
                "fields": entry["fields"],
                "href": href(first[0]),
                "annotations": [
                    {
                        "id": i,
                        "reviewer": names.get(reviewer, reviewer),
                        "claim": claim,
                        "start": start,
                        "end": end,
                        "stance": stance,
                        "certainty": certainty,
                        "confidence": confidence,
                    }
                    for i, reviewer, claim, start, end, stance, certainty, confidence in members
                ],
            }
        )
    return out


def article_dict(
    section: Section, listed: list[dict[str, Any]], names: dict[str, str]
) -> dict[str, Any]:
    return {**section.as_dict(), **_disagreement_keys(section, listed, names)}


def article_json(section: Section, listed: list[dict[str, Any]], names: dict[str, str]) -> str:
    """article_dict as orjson writes it, without building the section's dicts: orjson writes the
    Section dataclass itself, field by field the document Section.as_dict gives (tested), and the
    disagreement keys are appended to it."""
    scores = orjson.dumps(section)
    rest = orjson.dumps(_disagreement_keys(section, listed, names))
    return (scores[:-1] + b"," + rest[1:]).decode()


def _disagreement_keys(
    section: Section, listed: list[dict[str, Any]], names: dict[str, str]
) -> dict[str, Any]:
    """What an article's report adds to its scores: its disagreements, counted by kind and listed."""
    assert section.article_id is not None
    counts = Counter(entry["kind"] for entry in listed)
    return {
        "disagreement_counts": {kind: counts[kind] for kind in KINDS},
        "disagreements": disagreement_dicts(section.article_id, listed, names),
    }


def format_disagreements(article_id: int, disagreements: list[Disagreement]) -> str:
    """A line per disagreement (for one article's text report)."""
    if not disagreements:
        return "  Disagreements: none."
    lines = [f"  Disagreements ({len(disagreements)}):"]
    for d in disagreements:
        who = ", ".join(
            f"{it.reviewer}: claim {it.claim} {it.stance}/{it.certainty}/{it.confidence}"
            for it in d.members
        )
        what = f" in {', '.join(d.fields)}" if d.kind == "label" else ""
        lines.append(
            f"  - {KINDS[d.kind]}{what} at {d.start}: {who} → {disagreement_href(article_id, d.first_id)}"
        )
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Inter-annotator agreement per article and overall: detection F1 (exact, ≥50% overlap), "
        "Krippendorff's alpha (claim, stance, certainty, confidence), Cohen's kappa (stance), and "
        "the disagreements to resolve. Brings the stored per-article figures up to date first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--article", type=int, help="Only this article id.")

    def handle(self, *args, **options) -> None:
        article_id = options["article"]
        if article_id is not None:
            article = Article.objects.filter(pk=article_id).only("pk", "title").first()
            if article is None:
                raise CommandError(
                    f"No article with id {article_id}: list ids with the admin or omit --article."
                )
            self._one_article(article, options["format"])
            return
        with agreement_store.gc_paused():
            if options["format"] == "json":
                self._json()
            else:
                self._text()

    def _one_article(self, article: Article, fmt: str) -> None:
        detail = agreement_store.article_detail(article)
        section = detail.section
        if fmt == "json":
            overall = Section("All articles", None, section.reviewers, section.annotations,
                              section.pairs, section.all)  # fmt: skip
            listed = disagreements_to_json(detail.sums)
            articles = [article_dict(section, listed, {})] if section.annotations else []
            data = {"method": METHOD, "overall": overall.as_dict(), "articles": articles}
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if not section.annotations:
            self.stdout.write(f"Article {article.pk} has no annotations: n/a.\n\n{FOOTNOTE}")
            return
        parts = [format_section(section), format_disagreements(article.pk, detail.disagreements)]
        self.stdout.write("\n".join(parts) + f"\n\n{FOOTNOTE}")

    def _json(self) -> None:
        """Streamed: an article at a time (flat memory), the overall figures last. orjson: a
        million annotations make 300 MB of JSON, which the json module writes ~5× slower."""
        write = self.stdout.write
        write('{"method": ' + _dumps(METHOD) + ',\n"articles": [', ending="")
        first = True
        for section, listed, names in agreement_store.article_sections():
            write(
                ("\n" if first else ",\n") + article_json(section, listed, names),
                ending="",
            )
            first = False
        overall = agreement_store.overall(refreshed=True)
        write('],\n"overall": ' + _dumps(overall.as_dict()) + "}")

    def _text(self) -> None:
        self.stdout.write(format_section(agreement_store.overall()))
        for section, listed, _names in agreement_store.article_sections():
            counts = Counter(entry["kind"] for entry in listed)
            said = ", ".join(
                f"{KINDS[kind].split(':')[0].lower()} {counts[kind]}" for kind in KINDS
            )
            self.stdout.write("\n" + format_section(section) + f"\n  Disagreements: {said}")
        self.stdout.write("\n" + FOOTNOTE)


def _dumps(data: Any) -> str:
    return orjson.dumps(data).decode()


FOOTNOTE = (
    "Matched = annotation units compared for labels (same claim, overlapping spans); "
    "n/a = undefined (one reviewer, no matches, or no variation). Disagreements: --article ID "
    "lists them, each with the link where it is resolved."
)
