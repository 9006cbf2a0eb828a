"""Query parameters that used to raise: parsed, never trusted."""

import pytest

from annotate.params import MAX_ID, parse_id


@pytest.mark.parametrize(
    "value,expected",
    [("12", 12), ("0012", 12), (str(MAX_ID), MAX_ID), ("", None), (None, None), ("²", None),
     ("١٢", None), ("-1", None), ("0", None), ("1.5", None), (" 3", None), ("1e3", None),
     (str(MAX_ID + 1), None), ("9" * 40, None), ("3\x00", None)],
)  # fmt: skip
def test_parse_id(value, expected):
    assert parse_id(value) == expected
