"""Units (单位): create, other names (aliases, read by the importer), activate and
deactivate. Services in the runner's shape (`workflow.runner.run`): they check before
writing, never commit, and return the administrators' log entries of their change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from workflow import accounts, admin_log
from workflow.enums import UnitKind
from workflow.errors import NotFound
from workflow.models import Unit, User
from workflow.outcome import LogEntry, Outcome, done


def create_unit(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    name: str,
    kind: str = UnitKind.DEPARTMENT,
    aliases: Iterable[str] = (),
    is_office: bool = False,
) -> Outcome[Unit]:
    """A new unit; refused (ValidationFailed) when its name or an alias names another."""
    unit = accounts.create_unit(session, name, kind, aliases, is_office=is_office)
    return done(
        unit, (), LogEntry("unit.create", "unit", unit.id, unit.name, admin_log.unit_created(unit))
    )


def set_active(
    session: Session, *, actor: User | None, now: datetime, unit: Unit, active: bool
) -> Outcome[bool]:
    """Activate or deactivate the unit; False if it already was."""
    if unit.active == active:
        return done(False)
    unit.active = active
    action = "unit.activate" if active else "unit.deactivate"
    entry = LogEntry(action, "unit", unit.id, unit.name, {"active": [not active, active]})
    return done(True, (), entry)


def add_alias(
    session: Session, *, actor: User | None, now: datetime, alias: str, unit_name: str
) -> Outcome[Unit]:
    """Let the importer read `alias` as the unit (区人民政府办公室 → 区政府办). Adding an
    alias the unit has already is no change (and no log entry)."""
    known = {a.alias for u in [accounts.find_unit(session, unit_name)] if u for a in u.aliases}
    unit = accounts.add_alias(session, alias, unit_name)
    if alias.strip() in known:
        return done(unit)
    changes = {"alias": [None, alias.strip()]}
    return done(unit, (), LogEntry("unit.alias", "unit", unit.id, unit.name, changes))


def remove_alias(
    session: Session, *, actor: User | None, now: datetime, alias: str, unit_name: str
) -> Outcome[Unit]:
    unit = accounts.find_unit(session, unit_name)
    accounts.remove_alias(session, alias, unit_name)
    if unit is None:  # (remove_alias refused it already)
        raise NotFound(f"no unit {unit_name}")
    changes = {"alias": [alias.strip(), None]}
    return done(unit, (), LogEntry("unit.alias", "unit", unit.id, unit.name, changes))
