"""Ids typed or linked by users: ASCII digits within INTEGER, anything else no id."""

from __future__ import annotations

import pytest

from web.helpers import as_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("²", None),
        ("①", None),
        ("٣", None),  # Arabic-Indic three: isdigit() but not ASCII
        ("-1", None),
        ("", None),
        (None, None),
    ],
)
def test_as_id(raw: str | None, expected: int | None) -> None:
    assert as_id(raw) == expected
