"""The working-day calendar: the real 2026 calendar, the fallback for unknown years,
office overrides, and properties of the counting functions."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.calendar import WorkCalendar, add_months, main

CAL = WorkCalendar()
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


def test_contract_examples() -> None:
    # deadline-rules.md: received 2026-09-28, 15 working days → 2026-10-23.
    assert CAL.add(date(2026, 9, 28), 15, "workday").date == date(2026, 10, 23)
    # 2026-09-24 + 7 days lands on 2026-10-01 (National Day) → 2026-10-08.
    assert CAL.add(date(2026, 9, 24), 7, "day").date == date(2026, 10, 8)
    assert CAL.is_workday(date(2026, 10, 10)) == (True, False)  # 调休 Saturday


def test_request_received_just_before_national_day() -> None:
    """Received Wednesday 2026-09-30; 15 working days, counted by hand from the State
    Council notice (国庆节 10月1日至7日放假, 10月10日 Saturday works):
    10-08 Thu (1), 10-09 Fri (2), 10-10 Sat 调休 (3), 10-12 Mon (4) … 10-16 Fri (8),
    10-19 … 10-23 (13), 10-26 Mon (14), 10-27 Tue (15)."""
    due = CAL.add_workdays(date(2026, 9, 30), 15)
    assert due == type(due)(date(2026, 10, 27), False)
    assert CAL.count_workdays(date(2026, 9, 30), date(2026, 10, 7)) == (0, False)


def test_unknown_year_falls_back_and_is_flagged_until_entered() -> None:
    start = date(2026, 12, 21)  # 15 working days cross into 2027
    due = CAL.add_workdays(start, 15)
    assert due.provisional and due.date.year == 2027
    # Monday–Friday fallback: 12-22 … 12-31 is 8 days (no holiday in 2026's end),
    # then 2027-01-01 Fri (9), 01-04 … 01-08 (14), 01-11 Mon (15).
    assert due.date == date(2027, 1, 11)
    # The office enters 2027's notice (here: New Year's Day off and a 调休 Saturday in
    # February): 01-04 … 01-08 (13), 01-11 (14), 01-12 (15), no longer provisional.
    entered = WorkCalendar({date(2027, 1, 1): False, date(2027, 2, 20): True})
    assert entered.add_workdays(start, 15) == type(due)(date(2027, 1, 12), False)
    assert entered.is_workday(date(2027, 2, 20)) == (True, False)


def test_overrides_win_over_the_package() -> None:
    cal = WorkCalendar({date(2026, 10, 10): False, date(2026, 10, 5): True})
    assert cal.is_workday(date(2026, 10, 10)) == (False, False)
    assert cal.is_workday(date(2026, 10, 5)) == (True, False)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 5, 15), 12, date(2027, 5, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


def test_calendar_units_roll_to_next_workday() -> None:
    assert CAL.add(date(2026, 9, 17), 2, "week").date == date(2026, 10, 8)  # 10-01 → 10-08
    assert CAL.add(date(2026, 8, 31), 1, "month").date == date(2026, 9, 30)
    assert CAL.add(date(2026, 9, 30), 0, "day").date == date(2026, 9, 30)


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=60))
def test_add_workdays_lands_on_a_workday_and_agrees_with_count(start: date, n: int) -> None:
    due = CAL.add_workdays(start, n)
    assert CAL.is_workday(due.date)[0]
    if n > 0:
        assert CAL.count_workdays(start, due.date)[0] == n
        assert CAL.count_workdays(start, due.date - timedelta(days=1))[0] == n - 1


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_add_workdays_is_monotonic(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add_workdays(start, lo).date <= CAL.add_workdays(start, hi).date
    later = start + timedelta(days=1)
    assert CAL.add_workdays(start, hi).date <= CAL.add_workdays(later, hi).date


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (
            ["add", "2026-09-28", "15", "workday"],
            0,
            {
                "start": "2026-09-28",
                "n": 15,
                "unit": "workday",
                "due": "2026-10-23",
                "provisional": False,
            },
        ),
        (
            ["is-workday", "2026-10-10"],
            0,
            {"date": "2026-10-10", "workday": True, "provisional": False},
        ),
        (["add", "2026-02-30", "1", "day"], 2, None),
        (["add", "2026-09-28", "-1", "day"], 2, None),
        (["add", "2026-09-28", "3", "fortnight"], 2, None),
        (["what"], 2, None),
        (["add", "20260928", "1", "day"], 2, None),
        (["add", "2026-09-28", "+3", "day"], 2, None),
        (["add", "9999-12-31", "1", "day"], 2, None),
    ],
)
def test_command_line(
    argv: list[str],
    code: int,
    expected: dict[str, object] | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(argv) == code
    out, err = capsys.readouterr()
    if expected is None:
        assert out == "" and err.strip()
    else:
        assert json.loads(out) == expected


def test_command_line_as_a_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workflow.calendar", "add", "2026-09-24", "7", "day"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert json.loads(out.stdout)["due"] == "2026-10-08"


def test_a_count_beyond_the_year_9999_is_a_domain_error() -> None:
    """Issue 15: 9999-12-31 + working days raised a bare OverflowError (a 500 upstream)."""
    from workflow.errors import DateOutOfRange, ValidationFailed

    cal = WorkCalendar()
    for call in (
        lambda: cal.add_workdays(date(9999, 12, 31), 5),
        lambda: cal.add(date(9999, 12, 1), 2, "month"),
        lambda: cal.add(date(9999, 12, 30), 10, "day"),
        lambda: cal.add_workdays(date(9999, 12, 31), 1),  # a Friday: the next is beyond
    ):
        with pytest.raises(DateOutOfRange) as refused:
            call()
        assert isinstance(refused.value, ValidationFailed | OverflowError)
