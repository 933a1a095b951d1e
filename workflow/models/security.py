"""Account security (等保 level 3): server-side login sessions, failed-login counters,
the login log and two-factor recovery codes.

Sessions live in the database (no Redis needed, SQLite and PostgreSQL alike): the cookie
carries a random id whose SHA-256 is the row's key, so logging out, a password change, a
role change or a deactivation deletes rows and the copied cookie opens nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class UserSession(Base):
    __tablename__ = "user_sessions"

    # SHA-256 (hex) of the cookie's 256-bit random id: a leaked table opens no session.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """Failed logins of one (login, address) pair; login "" counts the whole address.
    Cleared by a successful login of the pair; the delay grows with `count`."""

    __tablename__ = "login_failures"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginEvent(Base):
    """The login log (kept at least 180 days): who tried, from where, when, with what
    result (success, failure, throttled, second_factor_failure, logout)."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[str] = mapped_column(String(24), index=True)


class RecoveryCode(Base):
    """A single-use two-factor recovery code, stored as salt$sha256(salt + code)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
