"""The administrators' log: one `AdminEvent` per configuration change, written in the
same transaction as the change (a refused or rolled-back change leaves none; a change
never commits without it). Passwords and their hashes never enter it: a new password is
recorded only as the fact of a reset."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from workflow.models import AdminEvent, Unit, User

PASSWORD_RESET: dict[str, Any] = {"password": [None, "reset"]}
# Fields whose values must never be logged (the marker above is the only way to say it).
_SECRET_FIELDS = ("password", "password_hash", "secret", "token")
_LABEL_MAX = 1000


class SecretInLog(ValueError):
    """A change about to log a password, a hash or a token."""


def jsonable(value: Any) -> Any:
    """A value as it is stored in `changes` (JSON): dates as ISO text, enums as codes,
    sets sorted."""
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of an ORM object as JSON values (taken before a change)."""
    return {f: jsonable(getattr(obj, f)) for f in fields}


def diff(before: Mapping[str, Any], obj: object) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields of `before` whose value on `obj` differs now."""
    after = snapshot(obj, before)
    return {f: [before[f], after[f]] for f in before if before[f] != after[f]}


def _check(changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if key == "password" and value == PASSWORD_RESET["password"]:
            continue
        if any(secret in key.lower() for secret in _SECRET_FIELDS):
            raise SecretInLog(f"{key} may not be logged")


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    target_label: str,
    changes: Mapping[str, Any],
    now: datetime,
) -> AdminEvent:
    """Add the event to the session's transaction (the caller commits with its change).
    `actor` None is a command-line action."""
    _check(changes)
    event = AdminEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        target_label=target_label[:_LABEL_MAX],
        changes=jsonable(dict(changes)),
    )
    session.add(event)
    return event


def facts(**values: Any) -> dict[str, list[Any]]:
    """Facts of an action with no "before" (a creation, an import's file and counts),
    in the same {field: [old, new]} shape with old None."""
    return {k: [None, jsonable(v)] for k, v in values.items() if v is not None}


def unit_created(unit: Unit) -> dict[str, list[Any]]:
    """A new unit's facts (the admin page and `flask units create` log the same)."""
    return facts(
        name=unit.name,
        kind=unit.kind,
        aliases="、".join(a.alias for a in unit.aliases) or None,
        is_office=unit.is_office or None,
    )


def user_created(user: User, unit: Unit) -> dict[str, list[Any]]:
    """A new user's facts (never the password: it is not among them)."""
    return facts(
        login=user.login,
        name=user.name,
        unit=unit.name,
        roles=user.roles,
        email=user.email,
        mobile=user.mobile,
    )


def removed(before: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What a removed row held: {field: [old, None]}."""
    return {k: [v, None] for k, v in before.items()}


def import_facts(
    report: Mapping[str, Any],
    *,
    sha256: str,
    root: str | None,
    retire_missing: bool,
    responsible_since: str | None = None,
    rules_confirmed: bool | None = None,
) -> dict[str, list[Any]]:
    """One import's file, hash, choices and counts (from ImportReport.to_dict())."""
    cols, assignments = report["columns"], report["assignments"]
    links = report.get("links", {})
    return facts(
        file=report["file"],
        sha256=sha256,
        root=root,
        retire_missing=retire_missing,
        responsible_since=responsible_since,
        rules_confirmed=rules_confirmed,
        links_added=len(links.get("added", [])) or None,
        aliases_added=len(report["units"].get("aliases_added", [])) or None,
        columns_added=cols["added"],
        columns_changed=cols["changed"],
        columns_retired=cols["retired"],
        units_added=len(report["units"]["added"]),
        assignments_added=len(assignments["added"]),
        assignments_removed=len(assignments["removed"]),
    )
