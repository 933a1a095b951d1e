"""Account security rules (等保 level 3) as plain functions: password strength, login
throttling with growing delays, server-side session lookup, TOTP and recovery codes.

The writes (a failure counted, a session started or ended, a code used) are services in
`workflow.services.logins` and `workflow.services.users`; everything here only reads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import Role
from workflow.errors import ValidationFailed
from workflow.models import LoginFailure, RecoveryCode, User, UserSession

MIN_PASSWORD_LENGTH = 8
RECOVERY_CODES = 10
# Roles that must use two-factor login when the deployment requires it (REQUIRE_2FA).
TWO_FACTOR_ROLES = (Role.ADMIN, Role.OFFICE_EDITOR)
TOTP_ISSUER = "三审系统"


class WeakPassword(ValidationFailed):
    code = "weak_password"


def password_kinds(password: str) -> int:
    """How many of the four kinds (lower case, upper case, digits, others) appear."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def check_strength(password: str) -> None:
    """At least 8 characters of at least 3 kinds (等保 level 3)."""
    if len(password) < MIN_PASSWORD_LENGTH or password_kinds(password) < 3:
        raise WeakPassword(
            "a password needs at least 8 characters of 3 kinds "
            "(lower case, upper case, digits, other characters)"
        )


# -- throttling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """Failures of one (login, address) pair: free ones, then a wait of `base` seconds
    doubling up to `cap`; a successful login of the pair clears them. Failures of one
    address over all logins only slow it (up to `address_cap` seconds) after
    `address_free`, so an office behind one NAT address is never locked out, and failures
    from one address never delay the same login from another."""

    free: int = 3
    base: int = 1
    cap: int = 15 * 60
    address_free: int = 20
    address_cap: int = 60
    # Counters older than this start again from zero.
    forget: timedelta = timedelta(hours=24)
    address_forget: timedelta = timedelta(minutes=15)


ADDRESS_ROW = ""  # the login of the per-address counter row


def _delay(count: int, free: int, base: int, cap: int) -> int:
    if count < free:
        return 0
    return int(min(base * 2 ** min(count - free, 30), cap))


def pair_delay(count: int, policy: Throttle) -> int:
    return _delay(count, policy.free, policy.base, policy.cap)


def address_delay(count: int, policy: Throttle) -> int:
    return _delay(count, policy.address_free, policy.base, policy.address_cap)


def printable(text: str, limit: int = 64) -> str:
    """A typed login as it may be stored and searched: no NUL or other control
    characters (PostgreSQL refuses NUL in text), trimmed, at most `limit` characters."""
    return "".join(c for c in text if c.isprintable()).strip()[:limit]


def login_key(login: str) -> str:
    # " " for a login of nothing printable: never a real login (they are trimmed), and
    # never the address row's "".
    # Lower-cased before the trim: "İ".lower() is two characters, and the key must fit
    # the 64-character column.
    return printable(login.lower()) or " "


def throttle_rows(session: Session, login: str, address: str) -> list[LoginFailure]:
    """The failure counters of the (login, address) pair and of the address, locked
    (FOR UPDATE on PostgreSQL; SQLite's write transaction already excludes others)."""
    return list(
        session.execute(
            select(LoginFailure)
            .where(
                LoginFailure.address == address[:64],
                LoginFailure.login.in_((login_key(login), ADDRESS_ROW)),
            )
            .with_for_update()
        ).scalars()
    )


def throttle_wait(
    session: Session,
    login: str,
    address: str,
    now: datetime,
    policy: Throttle,
    rows: list[LoginFailure] | None = None,
) -> int:
    """Seconds this (login, address) must still wait before its next attempt (0: go)."""
    if rows is None:
        rows = throttle_rows(session, login, address)
    wait = 0.0
    for row in rows:
        if row.login == ADDRESS_ROW:
            if now - row.last_at > policy.address_forget:
                continue
            delay = address_delay(row.count, policy)
        else:
            if now - row.last_at > policy.forget:
                continue
            delay = pair_delay(row.count, policy)
        # A clock set back never makes the wait longer than the delay itself.
        elapsed = max((now - row.last_at).total_seconds(), 0.0)
        wait = max(wait, delay - elapsed)
    return max(0, int(wait + 0.999))


# -- sessions -----------------------------------------------------------------------------


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def live_session(
    session: Session,
    raw: str,
    user_id: int,
    now: datetime,
    *,
    idle: timedelta,
    lifetime: timedelta,
) -> UserSession | None:
    """The session row of a cookie's id when it still counts: not ended, not idle for
    longer than `idle`, not older than `lifetime`, and the user's."""
    row = session.get(UserSession, session_hash(raw))
    if row is None or row.user_id != user_id:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        return None
    return row


# -- two-factor ---------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step a 6-digit code matches (one step of clock drift either way), or None;
    a step at or before `last_step` was used already."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]


def _normal_code(code: str) -> str:
    return "".join(code.split()).lower()


def hash_recovery_code(code: str) -> str:
    # 64 random bits per code plus a salt of its own: SHA-256 is enough (no dictionary).
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((salt + _normal_code(code)).encode()).hexdigest()
    return f"{salt}${digest}"


def recovery_code_matches(stored: str, code: str) -> bool:
    salt, _, digest = stored.partition("$")
    given = hashlib.sha256((salt + _normal_code(code)).encode()).hexdigest()
    return hmac.compare_digest(given, digest)


def unused_recovery_code(session: Session, user: User, code: str) -> RecoveryCode | None:
    if not code.strip() or len(code) > 64:
        return None
    rows = session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalars()
    for row in rows:
        if recovery_code_matches(row.code_hash, code):
            return row
    return None


def needs_two_factor(user: User) -> bool:
    return any(user.has_role(r) for r in TWO_FACTOR_ROLES)
