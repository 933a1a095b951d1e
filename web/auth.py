"""The logged-in user as Flask-Login sees it: a thin wrapper around workflow's User and
the server-side session (`user_sessions`) its cookie names."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_login import UserMixin

from web import db_session
from workflow import security
from workflow.enums import Role
from workflow.models import User

REVIEW_ROLES = (Role.DEPUTY_HEAD, Role.HEAD, Role.OFFICE_EDITOR)
# The idle clock is written at most this often (not a commit per request).
TOUCH_EVERY = timedelta(seconds=60)


class Account(UserMixin):
    def __init__(self, user: User, sid: str = "") -> None:
        self.user = user
        self.sid = sid

    def get_id(self) -> str:
        # The cookie names a server-side session: logout, a password or role change and a
        # deactivation delete it, and the copied cookie opens nothing.
        return f"{self.user.id}:{self.sid}"

    @property
    def is_active(self) -> bool:
        return bool(self.user.active)

    @property
    def locale(self) -> str | None:
        return self.user.locale

    def has(self, role: Role | str) -> bool:
        return self.user.has_role(Role(role))

    @property
    def is_office_editor(self) -> bool:
        return self.has(Role.OFFICE_EDITOR) and self.user.unit.is_office

    @property
    def is_reviewer(self) -> bool:
        return any(self.has(r) for r in REVIEW_ROLES)


def idle_timeout() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("SESSION_IDLE_MINUTES") or 30))


def load_account(user_id: str) -> Account | None:
    from web.helpers import as_id, now, run_as
    from workflow.services import logins

    raw_id, _, sid = user_id.partition(":")
    uid = as_id(raw_id)
    if uid is None or not sid or len(sid) > 100:
        return None
    dbs = db_session()
    moment = now()
    row = security.live_session(
        dbs,
        sid,
        uid,
        moment,
        idle=idle_timeout(),
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
    )
    user = dbs.get(User, uid) if row is not None else None
    if row is None or user is None or not user.active:
        return None
    if moment - row.last_seen_at > TOUCH_EVERY:
        run_as(user, logins.touch_session, id_hash=row.id_hash)
    return Account(user, sid)
