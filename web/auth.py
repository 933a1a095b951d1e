"""The logged-in user as Flask-Login sees it: a thin wrapper around workflow's User."""

from __future__ import annotations

from flask_login import UserMixin

from web import db_session
from workflow.enums import Role
from workflow.models import User

REVIEW_ROLES = (Role.DEPUTY_HEAD, Role.HEAD, Role.OFFICE_EDITOR)


class Account(UserMixin):
    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        # The id carries a fragment of the password hash: changing the password (or an
        # admin resetting it) ends every session of the old one.
        return f"{self.user.id}:{(self.user.password_hash or '')[-12:]}"

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


def load_account(user_id: str) -> Account | None:
    raw_id, _, fragment = user_id.partition(":")
    try:
        user = db_session().get(User, int(raw_id))
    except ValueError:
        return None
    if user is None or not user.active or (user.password_hash or "")[-12:] != fragment:
        return None
    return Account(user)
