"""Column settings that decide deadlines: the rules (and their confirmation by the office),
the parts of a column the rules' scopes name, since when each unit is responsible, and
the links that make a publication in one column owe one in another (政策文件 → 政策解读).

Every function takes the session, the acting user (None: a command or the importer) and
`now`, checks before it writes, records its change in the administrators' log in the
same transaction, and never commits.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.deadlines.describe import describe
from workflow.deadlines.rules import validate
from workflow.deadlines.scopes import part_scopes, scope_of
from workflow.errors import ValidationFailed
from workflow.models import Column, ColumnAssignment, ColumnLink, ColumnPart, Item, User

MAX_PART_NAME = 100


def sync_parts(session: Session, column: Column) -> list[ColumnPart]:
    """Make sure every part the column's rules name exists and is live; parts no rule
    names any more are kept (they may hold items, or the office made them)."""
    by_name = {p.name: p for p in column.parts}
    position = max((p.position for p in column.parts), default=-1) + 1
    added = []
    for name in part_scopes(column.rules or []):
        part = by_name.get(name)
        if part is None:
            part = ColumnPart(name=name[:MAX_PART_NAME], position=position)
            position += 1
            column.parts.append(part)
            by_name[name] = part
            added.append(part)
        elif part.retired_at is not None:
            part.retired_at = None
    return added


def set_rules(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    column: Column,
    rules: Sequence[Mapping[str, Any]],
    confirmed: bool,
) -> None:
    """Replace the column's rules (written or checked by the office: `confirmed`), and
    create the parts their scopes name."""
    problems = [p for rule in rules for p in validate(rule)]
    if problems:
        raise ValidationFailed("invalid rule: " + "; ".join(problems))
    before = {"rules": _words(column.rules), "confirmed": column.rules_confirmed}
    column.rules = tidy(rules)
    _mark_confirmed(column, actor, now, confirmed)
    sync_parts(session, column)
    after = {"rules": _words(column.rules), "confirmed": column.rules_confirmed}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        _log(session, actor, now, "column.rules", column, changes)


def tidy(rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rules as stored: scopes trimmed (they name parts), an empty scope dropped."""
    out = []
    for rule in rules:
        tidied = {k: v for k, v in rule.items() if k != "scope"}
        scope = scope_of(rule)
        if scope is not None:
            tidied["scope"] = scope
        out.append(tidied)
    return out


def _words(rules: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Rules as the log shows them: the office's words, never JSON."""
    return [describe(r) for r in rules or []]


def confirm_rules(session: Session, *, actor: User | None, now: datetime, column: Column) -> bool:
    """The office confirms the column's rules as they stand; False if already confirmed."""
    if column.rules_confirmed:
        return False
    _mark_confirmed(column, actor, now, True)
    _log(session, actor, now, "column.rules_confirm", column, {"confirmed": [False, True]})
    return True


def rules_replaced(column: Column, rules: list[dict[str, Any]], now: datetime) -> None:
    """Parsed rules written by the importer: 待确认 again when they differ from the
    rules the office confirmed."""
    rules = tidy(rules)
    if column.rules != rules:
        column.rules = rules
        _mark_confirmed(column, None, now, False)


def _mark_confirmed(column: Column, actor: User | None, now: datetime, confirmed: bool) -> None:
    if confirmed and not column.rules_confirmed:
        column.rules_confirmed_at = now
        column.rules_confirmed_by_id = actor.id if actor is not None else None
    elif not confirmed:
        column.rules_confirmed_at = None
        column.rules_confirmed_by_id = None


# --------------------------------------------------------------------------- parts


def add_part(
    session: Session, *, actor: User | None, now: datetime, column: Column, name: str
) -> ColumnPart:
    name = _part_name(name)
    if any(p.name == name for p in column.parts):
        raise ValidationFailed(f"the column already has a part named {name}")
    position = max((p.position for p in column.parts), default=-1) + 1
    part = ColumnPart(name=name, position=position)
    column.parts.append(part)
    session.flush()
    _log(session, actor, now, "column.part_add", column, {"part": [None, name]})
    return part


def rename_part(
    session: Session, *, actor: User | None, now: datetime, part: ColumnPart, name: str
) -> None:
    """Rename a part and the scope of every rule that names it (they stay together)."""
    name = _part_name(name)
    column = part.column
    if name == part.name:
        return
    if any(p.name == name for p in column.parts if p.id != part.id):
        raise ValidationFailed(f"the column already has a part named {name}")
    old = part.name
    part.name = name
    column.rules = [
        {**r, "scope": name} if r.get("scope") == old else dict(r) for r in column.rules or []
    ]
    _log(session, actor, now, "column.part_rename", column, {"part": [old, name]})


def retire_part(
    session: Session, *, actor: User | None, now: datetime, part: ColumnPart, retired: bool
) -> None:
    """A retired part takes no new items (its items stay where they are); one without
    items is simply removed."""
    column = part.column
    if retired and any(scope_of(r) == part.name for r in column.rules or []):
        # Its rule would judge a part that takes no new items: change the rule first.
        raise ValidationFailed(f"the part {part.name} is named by a rule")
    if retired and part.retired_at is None:
        used = session.scalar(select(func.count()).where(Item.part_id == part.id))
        if used:
            part.retired_at = now
        else:
            column.parts.remove(part)
        _log(session, actor, now, "column.part_retire", column, {"part": [part.name, None]})
    elif not retired and part.retired_at is not None:
        part.retired_at = None
        _log(session, actor, now, "column.part_restore", column, {"part": [None, part.name]})


def _part_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("a part needs a name")
    if len(name) > MAX_PART_NAME:
        raise ValidationFailed(f"a part name is longer than {MAX_PART_NAME} characters")
    return name


def live_parts(column: Column) -> list[ColumnPart]:
    return [p for p in column.parts if p.retired_at is None]


# --------------------------------------------------------------------------- responsibility


def check_since(day: date, now: datetime) -> None:
    """A responsible-since day the calendar arithmetic can work with: from 2000 to the
    end of next year (a year 1 date would make every period before it unreachable)."""
    if day.year > now.year + 1 or day.year < 2000:
        raise ValidationFailed(f"the responsible-since day {day.isoformat()} is out of range")


def set_responsible_since(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    assignment: ColumnAssignment,
    day: date,
) -> None:
    """Since when the unit answers for the column: periods that began before are never
    judged. An earlier day brings the older periods back."""
    check_since(day, now)
    if assignment.responsible_since == day:
        return
    old = assignment.responsible_since
    assignment.responsible_since = day
    column = assignment.column
    admin_log.record(
        session,
        actor=actor,
        action="assignment.since",
        target_type="column",
        target_id=column.id,
        target_label=f"{column.path}（{assignment.unit.name}）",
        changes={"responsible_since": [admin_log.jsonable(old), day.isoformat()]},
        now=now,
    )


# --------------------------------------------------------------------------- links


def publication_rule(rules: Iterable[Mapping[str, Any]] | None) -> Mapping[str, Any] | None:
    """The rule saying how long after a publication the column's own is due (after_event
    with event published: "应于文件公开后3个工作日内公布"), or None. Only a column with one
    makes sense as a link's target: without it, the linked obligation falls due after
    the deployment's prompt window."""
    for rule in rules or []:
        if rule.get("kind") == "after_event" and rule.get("event") == "published":
            return rule
    return None


def makes_cycle(
    edges: Iterable[tuple[Hashable, Hashable]], source: Hashable, target: Hashable
) -> bool:
    """Whether the link source → target closes a circle with `edges` (publishing in any
    column of it would owe publications round and round)."""
    if source == target:
        return True
    after: dict[Hashable, list[Hashable]] = {}
    for a, b in edges:
        after.setdefault(a, []).append(b)
    seen, todo = {target}, [target]
    while todo:
        for nxt in after.get(todo.pop(), ()):
            if nxt == source:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def add_link(
    session: Session, *, actor: User | None, now: datetime, source: Column, target: Column
) -> bool:
    """Publishing in `source` will owe a publication in `target` (due by the target's
    publication rule). False when the link exists already. Refused (ValidationFailed)
    for a column and itself, or a link closing a circle."""
    session.flush()  # ids of new columns
    if session.get(ColumnLink, (source.id, target.id)) is not None:
        return False
    edges = [(a, b) for a, b in session.execute(select(ColumnLink.source_id, ColumnLink.target_id))]
    if makes_cycle(edges, source.id, target.id):
        raise ValidationFailed(f"linking {source.path} to {target.path} would close a circle")
    session.add(ColumnLink(source_id=source.id, target_id=target.id))
    session.flush()
    _log(session, actor, now, "column.link_add", source, {"link": [None, target.path]})
    return True


def remove_link(
    session: Session, *, actor: User | None, now: datetime, source: Column, target: Column
) -> bool:
    """False when there was no such link."""
    link = session.get(ColumnLink, (source.id, target.id))
    if link is None:
        return False
    session.delete(link)
    session.flush()
    _log(session, actor, now, "column.link_remove", source, {"link": [target.path, None]})
    return True


def _log(
    session: Session,
    actor: User | None,
    now: datetime,
    action: str,
    column: Column,
    changes: Mapping[str, Any],
) -> None:
    admin_log.record(
        session,
        actor=actor,
        action=action,
        target_type="column",
        target_id=column.id,
        target_label=column.path,
        changes=changes,
        now=now,
    )
