"""Query parameters, parsed so that no value can raise: ids (every view reads them through here)
and the NUL rule every parameter is held to (annotate.middleware applies it to every request)."""

from __future__ import annotations

from django.http import QueryDict

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


def query_problem(params: QueryDict) -> str | None:
    """Why no view may read this query string, or None: the refusals every request is held to
    (annotate.middleware.RefuseBadQueryMiddleware answers them with status 400 and this message).

    - A NUL character in any name or value. PostgreSQL cannot store or even compare text holding
      NUL (0x00): a search for "a\\x00b" was a server error there, and SQLite would store it. No
      field or parameter of ours needs it.
    - An empty `_to_field`: Django's admin (5.2) looks up a field named "" and raises.
    """
    for name, values in params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            shown = name.replace("\x00", "\\0")
            return (
                f"The parameter {shown!r} contains a NUL character (%00), which no field accepts. "
                "Remove it and try again."
            )
    if "" in params.getlist("_to_field"):
        return "The parameter '_to_field' is empty: name a field or leave the parameter out."
    return None
