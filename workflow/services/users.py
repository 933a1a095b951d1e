"""Users: create, roles, activation, password resets by an administrator, and the
user's own bookkeeping (a password hash upgraded at login, the interface language).
Services in the runner's shape (`workflow.runner.run`): they check before writing, never
commit, and return the administrators' log entries of their change (never a password:
only the fact of a reset)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import accounts, admin_log
from workflow.enums import Role
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import Unit, User
from workflow.outcome import LogEntry, Outcome, done


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
) -> Outcome[User]:
    roles = list(roles)
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
    # Checked (length) before any write.
    password_hash = accounts.hash_password(password) if password else None
    before = admin_log.snapshot(user, ("roles", "active"))
    if wanted is not None:
        accounts.set_roles(user, wanted)
    if active is not None:
        user.active = active
    changes: dict[str, Any] = admin_log.diff(before, user)
    if password_hash is not None:
        user.password_hash = password_hash
        changes.update(admin_log.PASSWORD_RESET)  # the fact only, never the password
    if not changes:
        return done(False)
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
