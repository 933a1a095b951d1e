"""Users: create, roles, activation, password resets by an administrator, and the
user's own bookkeeping (a password hash upgraded at login, the interface language).
Services in the runner's shape (`workflow.runner.run`): they check before writing, never
commit, and return the administrators' log entries of their change (never a password:
only the fact of a reset)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflow import accounts, admin_log, security
from workflow.enums import Role
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import RecoveryCode, Unit, User, UserSession
from workflow.outcome import LogEntry, Outcome, done
from workflow.services import logins


class LoginTaken(ValidationFailed):
    code = "login_taken"


class RolesRequired(ValidationFailed):
    code = "roles_required"


class SelfLockout(NotAllowed):
    """An administrator may not deactivate themselves or drop their own admin role."""

    code = "self_lockout"


def label(user: User) -> str:
    return f"{user.name}（{user.login}）"


def login_taken(session: Session, login: str) -> bool:
    return session.execute(select(User.id).where(User.login == login.strip())).first() is not None


def create_user(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    login: str,
    name: str,
    unit: Unit,
    roles: Iterable[str],
    email: str | None = None,
    mobile: str | None = None,
    password: str | None = None,
    demo: bool = False,
) -> Outcome[User]:
    """A password set here is the administrator's: the user must change it at first
    login. `demo`: the demo's documented password, neither checked nor to be changed."""
    roles = list(roles)
    if password and not demo:
        security.check_strength(password)
    if login_taken(session, login):
        raise LoginTaken(f"login {login.strip()} is taken")
    if not roles:
        raise RolesRequired("a user needs at least one role")
    user = accounts.create_user(
        session,
        login=login,
        name=name,
        unit=unit,
        roles=roles,
        now=now,
        email=email,
        mobile=mobile,
        password=password,
    )
    user.must_change_password = bool(password) and not demo
    changes = admin_log.user_created(user, unit)
    return done(user, (), LogEntry("user.create", "user", user.id, label(user), changes))


def _action(changes: dict[str, Any]) -> str:
    """The most telling code for one change of a user (roles alone: user.roles, so
    "who gave this person the 审发 role" is one filter)."""
    fields = set(changes)
    if fields == {"roles"}:
        return "user.roles"
    if fields == {"password"}:
        return "user.password_reset"
    if fields == {"active"}:
        return "user.activate" if changes["active"][1] else "user.deactivate"
    return "user.update"


def update_user(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    user: User,
    roles: Iterable[str] | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> Outcome[bool]:
    """Set the user's roles, activation and (reset by an administrator) password; None
    leaves each as it is. False when nothing changed."""
    wanted = None if roles is None else {Role(r).value for r in roles}
    demoted = active is False or (wanted is not None and Role.ADMIN.value not in wanted)
    if actor is not None and actor.id == user.id and demoted:
        raise SelfLockout("administrators may not lock themselves out")
    # Checked (length, 3 kinds of characters) before any write.
    if password:
        security.check_strength(password)
    password_hash = accounts.hash_password(password) if password else None
    before = admin_log.snapshot(user, ("roles", "active"))
    if wanted is not None:
        accounts.set_roles(user, wanted)
    if active is not None:
        user.active = active
    changes: dict[str, Any] = admin_log.diff(before, user)
    if password_hash is not None:
        user.password_hash = password_hash
        user.must_change_password = True  # set by an administrator: the user changes it
        changes.update(admin_log.PASSWORD_RESET)  # the fact only, never the password
    if not changes:
        return done(False)
    # New roles, a deactivation or a reset password: every open session ends now.
    logins.revoke_sessions(session, user)
    return done(True, (), LogEntry(_action(changes), "user", user.id, label(user), changes))


def rehash_password(
    session: Session, *, actor: User | None, now: datetime, user: User, password: str
) -> Outcome[None]:
    """At login, a hash made with older parameters is made again (no log: nothing
    changed that an administrator would look for)."""
    if accounts.password_needs_rehash(user):
        user.password_hash = accounts.hash_password(password)
    return done(None)


def set_locale(
    session: Session, *, actor: User | None, now: datetime, user: User, locale: str
) -> Outcome[None]:
    """The user's interface language."""
    user.locale = locale
    return done(None)


class WrongPassword(ValidationFailed):
    code = "wrong_password"


class SamePassword(ValidationFailed):
    code = "same_password"


class WrongCode(ValidationFailed):
    code = "wrong_code"


def change_password(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    user: User,
    current: str,
    new: str,
    id_hash: str,
    address: str,
) -> Outcome[None]:
    """The user's own change: the current password first, a strong new one; every
    session of the old password ends and the one `id_hash` names begins."""
    if not accounts.verify_password(user, current):
        raise WrongPassword("the current password is wrong")
    security.check_strength(new)
    if accounts.verify_password(user, new):
        raise SamePassword("the new password must differ from the current one")
    user.password_hash = accounts.hash_password(new)
    user.must_change_password = False
    logins.revoke_sessions(session, user)
    session.add(
        UserSession(
            id_hash=id_hash, user_id=user.id, created_at=now, last_seen_at=now, address=address[:64]
        )
    )
    return done(None, (), LogEntry("user.password_change", "user", user.id, label(user), {}))


def _new_codes(session: Session, user: User) -> list[str]:
    codes = security.new_recovery_codes()
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=security.hash_recovery_code(c)) for c in codes
    )
    return codes


def new_recovery_codes(
    session: Session, *, actor: User | None, now: datetime, user: User
) -> Outcome[list[str]]:
    """Ten fresh recovery codes (the old ones, used or not, stop working)."""
    if user.totp_secret is None:
        raise WrongCode("two-factor login is off")
    codes = _new_codes(session, user)
    changes = {"recovery_codes": [None, len(codes)]}
    return done(codes, (), LogEntry("user.2fa_codes", "user", user.id, label(user), changes))


def enable_two_factor(
    session: Session, *, actor: User | None, now: datetime, user: User, secret: str, code: str
) -> Outcome[list[str]]:
    """Enrolment: a code from the authenticator proves the secret was taken; the value
    is the 10 recovery codes, shown once (only their salted hashes are kept)."""
    step = security.totp_step(secret, code, now, None)
    if step is None:
        raise WrongCode("the code does not match the secret")
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_codes(session, user)
    changes = {"two_factor": [False, True]}
    return done(codes, (), LogEntry("user.2fa_enable", "user", user.id, label(user), changes))


def disable_two_factor(
    session: Session, *, actor: User | None, now: datetime, user: User
) -> Outcome[bool]:
    """Two-factor login off (the user after a password check, or an administrator
    resetting a lost phone); the recovery codes go with it."""
    if user.totp_secret is None:
        return done(False)
    user.totp_secret = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    changes = {"two_factor": [True, False]}
    return done(True, (), LogEntry("user.2fa_disable", "user", user.id, label(user), changes))
