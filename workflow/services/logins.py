"""Logins (等保 level 3): the login log, failure counters, server-side sessions and the
second factor. Services in the runner's shape (`workflow.runner.run`); the web layer
decides when each applies, these only write."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from workflow import security
from workflow.errors import ValidationFailed
from workflow.models import LoginEvent, LoginFailure, RecoveryCode, User, UserSession
from workflow.outcome import Outcome, done

# The login log is kept at least this long (等保 level 3: 180 days).
MIN_LOG_DAYS = 180

SUCCESS = "success"
FAILURE = "failure"
THROTTLED = "throttled"
SECOND_FACTOR_FAILURE = "second_factor_failure"
LOGOUT = "logout"
RESULTS = (SUCCESS, FAILURE, THROTTLED, SECOND_FACTOR_FAILURE, LOGOUT)


def _event(
    session: Session, now: datetime, login: str, user: User | None, address: str, result: str
) -> None:
    session.add(
        LoginEvent(
            at=now,
            login=security.printable(login),
            user_id=user.id if user is not None else None,
            address=address[:64],
            result=result,
        )
    )


def _count(session: Session, login: str, address: str, now: datetime, forget: timedelta) -> None:
    row = session.get(LoginFailure, (login, address[:64]))
    if row is None:
        session.add(LoginFailure(login=login, address=address[:64], count=1, last_at=now))
        return
    row.count = 1 if now - row.last_at > forget else row.count + 1
    row.last_at = now


def login_failed(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    login: str,
    user: User | None,
    address: str,
    result: str = FAILURE,
    policy: security.Throttle,
) -> Outcome[None]:
    """A wrong password or second factor: counted for the (login, address) pair and the
    address, and logged."""
    _count(session, security.login_key(login), address, now, policy.forget)
    _count(session, security.ADDRESS_ROW, address, now, policy.address_forget)
    _event(session, now, login, user, address, result)
    return done(None)


def claim_attempt(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    login: str,
    address: str,
    policy: security.Throttle,
) -> Outcome[int]:
    """Before a password or code is checked: the seconds this (login, address) must still
    wait (0: go ahead; a refusal is logged). A go-ahead restarts the pair's wait from
    now, under the counters' lock, so attempts sent at the same moment cannot all pass
    before the first failure is counted; a success clears the pair anyway."""
    rows = security.throttle_rows(session, login, address)
    wait = security.throttle_wait(session, login, address, now, policy, rows)
    if wait:
        _event(session, now, login, None, address, THROTTLED)
        return done(wait)
    key = security.login_key(login)
    for row in rows:
        if row.login == key and now - row.last_at <= policy.forget:
            row.last_at = now
    return done(0)


def login_refused(
    session: Session, *, actor: User | None, now: datetime, login: str, address: str
) -> Outcome[None]:
    """An attempt refused unheard while its pair or address waits: logged, not counted
    (so the wait does not grow while a person waits it out)."""
    _event(session, now, login, None, address, THROTTLED)
    return done(None)


def start_session(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    user: User,
    id_hash: str,
    address: str,
    login: str,
    lifetime: timedelta,
) -> Outcome[None]:
    """A successful login: the pair's failures are forgotten, a session row is made (the
    user's expired rows go), and the log says so."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.login == security.login_key(login), LoginFailure.address == address[:64]
        )
    )
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at < now - lifetime
        )
    )
    session.add(
        UserSession(
            id_hash=id_hash, user_id=user.id, created_at=now, last_seen_at=now, address=address[:64]
        )
    )
    _event(session, now, login, user, address, SUCCESS)
    return done(None)


def end_session(
    session: Session, *, actor: User | None, now: datetime, id_hash: str, address: str
) -> Outcome[None]:
    """Logout: the session row goes, so a copy of the cookie opens nothing."""
    session.execute(delete(UserSession).where(UserSession.id_hash == id_hash))
    if actor is not None:
        _event(session, now, actor.login, actor, address, LOGOUT)
    return done(None)


def touch_session(
    session: Session, *, actor: User | None, now: datetime, id_hash: str
) -> Outcome[None]:
    """The idle timeout counts from the last request."""
    row = session.get(UserSession, id_hash)
    if row is not None:
        row.last_seen_at = now
    return done(None)


def revoke_sessions(session: Session, user: User) -> None:
    """Every session of the user ends (password, role or activation changed)."""
    if user.id is not None:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def second_factor(
    session: Session, *, actor: User | None, now: datetime, user: User, code: str
) -> Outcome[bool]:
    """A TOTP code (each good once) or an unused recovery code (then used up). The user
    row is read again under the write lock, so two requests racing with one code cannot
    both see it unused."""
    session.refresh(user, with_for_update=True)
    if user.totp_secret is None:
        return done(False)
    step = security.totp_step(user.totp_secret, code, now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return done(True)
    row = security.unused_recovery_code(session, user, code)
    if row is None:
        return done(False)
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return done(used.rowcount == 1)  # type: ignore[attr-defined]  # CursorResult


def purge(
    session: Session, *, actor: User | None, now: datetime, days: int = MIN_LOG_DAYS
) -> Outcome[int]:
    """Login log rows older than `days` (never fewer than 180) and sessions idle for a
    day go; the number of log rows removed."""
    if days < MIN_LOG_DAYS:
        raise ValidationFailed(f"the login log is kept at least {MIN_LOG_DAYS} days")
    removed = session.execute(
        delete(LoginEvent).where(LoginEvent.at < now - timedelta(days=days))
    ).rowcount  # type: ignore[attr-defined]
    session.execute(delete(UserSession).where(UserSession.last_seen_at < now - timedelta(days=1)))
    session.execute(delete(LoginFailure).where(LoginFailure.last_at < now - timedelta(days=1)))
    return done(int(removed or 0))


def user_sessions(session: Session, user: User) -> list[UserSession]:
    return list(
        session.execute(select(UserSession).where(UserSession.user_id == user.id)).scalars()
    )
