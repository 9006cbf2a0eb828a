"""Small wording helpers shared by commands, the admin and import reports."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 article', '2 articles' (nouns here take a plain -s)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
