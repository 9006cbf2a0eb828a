"""Ids in query parameters, parsed so that no value can raise (every view reads them through here)."""

from __future__ import annotations

#: The largest id a row can have on every database we run on (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """A row id written in ASCII digits, or None for anything else (empty, "²", "-1", too large).

    str.isdigit() alone accepts superscripts and other Unicode digits that int() refuses, and a
    number past 64 bits overflows SQLite's integers: both used to end in a server error.
    """
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
