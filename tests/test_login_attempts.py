"""Claiming a login attempt under the counters' lock: attempts sent at the same moment
cannot all pass the wait before the first failure is counted."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from workflow.security import Throttle
from workflow.services import logins

POLICY = Throttle()


def _fail(session: Session, now: datetime, login: str, address: str) -> None:
    logins.login_failed(
        session, actor=None, now=now, login=login, user=None, address=address, policy=POLICY
    )
    session.flush()


def _claim(session: Session, now: datetime, login: str, address: str) -> int:
    wait = logins.claim_attempt(
        session, actor=None, now=now, login=login, address=address, policy=POLICY
    ).value
    session.flush()
    return wait


def test_a_second_attempt_at_the_same_moment_waits(session: Session, now: datetime) -> None:
    for i in range(POLICY.free + 1):  # the free failures and one more: a wait of `base`
        _fail(session, now + timedelta(seconds=i), "victim", "198.51.100.7")
    later = now + timedelta(minutes=1)  # the wait is over
    assert _claim(session, later, "victim", "198.51.100.7") == 0
    # Before the first attempt's failure is counted, a racing one is told to wait.
    assert _claim(session, later, "victim", "198.51.100.7") > 0
    # Another address is never delayed by these.
    assert _claim(session, later, "victim", "203.0.113.5") == 0


def test_free_attempts_are_not_delayed(session: Session, now: datetime) -> None:
    assert _claim(session, now, "someone", "198.51.100.8") == 0
    assert _claim(session, now, "someone", "198.51.100.8") == 0
