"""Columns and their settings: creating, changing, moving and retiring a column (with the
tags and prerequisites its kind implies), the units answering for it and their
designated drafters, the rules that decide deadlines (and their confirmation by the
office), the parts the rules' scopes name, since when each unit is responsible, and the
links that make a publication in one column owe one in another (政策文件 → 政策解读).

Every service takes the session, the acting user (None: a command or the importer) and
`now`, checks before it writes, and returns an `Outcome` whose log entries the runner
(`workflow.runner.run`) writes to the administrators' log in the same transaction. None
commits. The admin pages, the command line, the importer and the demo all create columns
through `new_column`, so a column's defaults are derived in one place (`defaults`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.deadlines.describe import describe
from workflow.deadlines.parser import parse
from workflow.deadlines.rules import validate
from workflow.deadlines.scopes import part_scopes, scope_of
from workflow.enums import AssignmentRole, ContentType, Role
from workflow.errors import NotFound, ValidationFailed
from workflow.models import (
    Column,
    ColumnAssignment,
    ColumnLink,
    ColumnPart,
    Item,
    Unit,
    User,
)
from workflow.models.columns import PATH_SEPARATOR
from workflow.outcome import LogEntry, Outcome, done

MAX_PART_NAME = 100
MAX_COLUMN_NAME = 200

# What the log compares on a column (its rules follow from the time requirement).
COLUMN_FIELDS = (
    "name",
    "path",
    "content",
    "time_requirement",
    "content_type",
    "allows_statement",
    "retired_at",
)


class NameTaken(ValidationFailed):
    """Another column under the same parent has this name."""

    code = "column_name_taken"


# --------------------------------------------------------------------------- columns


def defaults(
    names: Sequence[str], content_type: str, content: str
) -> tuple[list[str], dict[str, Any]]:
    """A new column's inspection tags and publish prerequisites, from its kind: the one
    place they are derived, for the admin pages, the command line, the importer and the
    demo alike (a 办事指南 column gets the eight-element check however it was made)."""
    # Imported here: workflow.importer imports this module (its apply step).
    from workflow.importer import kinds

    path = tuple(names)
    return kinds.tags(path, content_type), kinds.prerequisites(content_type, content)


def names_of(column: Column) -> tuple[str, ...]:
    """The column's names from the root (names may contain "/", so not path.split)."""
    names: list[str] = []
    node: Column | None = column
    while node is not None:
        names.append(node.name)
        node = node.parent
    return tuple(reversed(names))


def new_column(
    session: Session,
    *,
    name: str,
    parent: Column | None,
    content_type: str,
    content: str = "",
    time_requirement: str = "",
    rules: Sequence[Mapping[str, Any]] | None = None,
    allows_statement: bool = False,
    position: int = 0,
    names: Sequence[str] | None = None,
) -> Column:
    """A column built with its derived defaults (tags, prerequisites), added to the
    session, not flushed. Not a service: `create_column` and the importer's and the
    demo's bulk writers use it (they check names in their own ways). `rules` None: parsed
    from `time_requirement`, 待确认. `names`: the whole path, when the caller knows it
    (else read off the parent)."""
    if names is None:
        names = (*(names_of(parent) if parent is not None else ()), name)
    derived_tags, prerequisites = defaults(names, content_type, content)
    column = Column(
        name=name,
        parent=parent,
        path=PATH_SEPARATOR.join(names),
        level=len(names),
        position=position,
        content=content,
        time_requirement=time_requirement,
        rules=tidy(rules) if rules is not None else _parsed(time_requirement),
        content_type=content_type,
        tags=derived_tags,
        prerequisites=prerequisites,
        allows_statement=allows_statement,
    )
    session.add(column)
    return column


def _parsed(requirement: str) -> list[dict[str, Any]]:
    return tidy(parse(requirement)) if requirement.strip() else []


def repath(column: Column) -> None:
    """Path and level from the parent, for the column and everything under it."""
    parent = column.parent
    column.path = column.name if parent is None else parent.path + PATH_SEPARATOR + column.name
    column.level = 1 if parent is None else parent.level + 1
    for child in column.children:
        repath(child)


def _column_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("a column needs a name")
    if len(name) > MAX_COLUMN_NAME:
        raise ValidationFailed(f"a column name is longer than {MAX_COLUMN_NAME} characters")
    return name


def _parent(session: Session, parent_id: int | None, column: Column | None = None) -> Column | None:
    if not parent_id:
        return None
    parent = session.get(Column, parent_id)
    if parent is None:
        raise NotFound(f"no column {parent_id}")
    node: Column | None = parent
    while column is not None and node is not None:
        if node.id == column.id:  # under itself: the tree would become a circle
            raise ValidationFailed(f"{column.path} cannot move under itself")
        node = node.parent
    return parent


def _check_sibling(session: Session, parent: Column | None, name: str, own_id: int | None) -> None:
    taken = session.execute(
        select(Column.id).where(
            Column.parent_id.is_(None) if parent is None else Column.parent_id == parent.id,
            Column.name == name,
            Column.id != (own_id or 0),
        )
    ).first()
    if taken is not None:
        raise NameTaken(f"another column under the same parent is named {name}")


def create_column(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    name: str,
    parent_id: int | None = None,
    content: str = "",
    time_requirement: str = "",
    content_type: str = ContentType.OTHER,
    allows_statement: bool = False,
    retired: bool = False,
) -> Outcome[Column]:
    """A new column with the tags and prerequisites its kind implies; its rules parsed
    from the time requirement are 待确认 until the office confirms them."""
    name = _column_name(name)
    content_type = ContentType(content_type).value
    with session.no_autoflush:  # look-ups must not flush a half-built column
        parent = _parent(session, parent_id)
        _check_sibling(session, parent, name, None)
        column = new_column(
            session,
            name=name,
            parent=parent,
            content_type=content_type,
            content=content or "",
            time_requirement=time_requirement or "",
            allows_statement=allows_statement,
        )
        column.retired_at = now if retired else None
        sync_parts(session, column)
    session.flush()  # its id, for the log
    fields = admin_log.snapshot(column, COLUMN_FIELDS)
    changes = admin_log.facts(**{k: v for k, v in fields.items() if v not in ("", False)})
    return done(column, (), _entry("column.create", column, changes))


def update_column(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    column: Column,
    name: str,
    parent_id: int | None,
    content: str,
    time_requirement: str,
    content_type: str,
    allows_statement: bool,
    retired: bool,
) -> Outcome[Column]:
    """Change, move (paths below follow), retire or reinstate a column. New time
    requirement text gives new parsed rules, 待确认 again until confirmed. Tags and
    prerequisites stay as they are: the office may have changed them."""
    name = _column_name(name)
    content_type = ContentType(content_type).value
    before = admin_log.snapshot(column, COLUMN_FIELDS)
    with session.no_autoflush:
        parent = _parent(session, parent_id, column)
        _check_sibling(session, parent, name, column.id)
        column.name = name
        column.parent = parent
        column.content = content or ""
        if (time_requirement or "") != column.time_requirement:
            column.time_requirement = time_requirement or ""
            rules_replaced(column, _parsed(column.time_requirement), now)
            sync_parts(session, column)
        column.content_type = content_type
        column.allows_statement = allows_statement
        if retired and column.retired_at is None:
            column.retired_at = now
        elif not retired:
            column.retired_at = None
        repath(column)
    changes = admin_log.diff(before, column)
    if not changes:  # saving the form unchanged is not a change
        return done(column)
    # (paths under a moved or renamed column follow; logged here only)
    retiring = "retired_at" in changes and changes["retired_at"][1] is not None
    return done(
        column, (), _entry("column.retire" if retiring else "column.update", column, changes)
    )


def retire_column(
    session: Session, *, actor: User | None, now: datetime, column: Column, retired: bool = True
) -> Outcome[bool]:
    """Retire (no new items; its items stay) or reinstate a column; False if it already was."""
    if retired == (column.retired_at is not None):
        return done(False)
    old = admin_log.jsonable(column.retired_at)
    column.retired_at = now if retired else None
    changes = {"retired_at": [old, admin_log.jsonable(column.retired_at)]}
    # Reinstating is logged as a change, as the column form logs it.
    return done(True, (), _entry("column.retire" if retired else "column.update", column, changes))


# --------------------------------------------------------------------------- assignments


def _assignment_label(column: Column, unit: Unit | None) -> str:
    # Assignments are logged on their column: its history shows who added or removed
    # which unit; the unit's name is kept in the label as it was then.
    return f"{column.path}（{unit.name}）" if unit is not None else column.path


def _user_label(user: User) -> str:
    return f"{user.name}（{user.login}）"


def _drafter_names(users: Iterable[User]) -> list[str]:
    return sorted(_user_label(u) for u in users)


class AlreadyAssigned(ValidationFailed):
    code = "already_assigned"


def assign_unit(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    column: Column,
    unit_id: int,
    role: str = AssignmentRole.LEAD,
    since: date,
) -> Outcome[ColumnAssignment]:
    """The unit answers for the column from `since` (periods that began before are never
    judged)."""
    check_since(since, now)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}")
    if any(a.unit_id == unit.id for a in column.assignments):
        raise AlreadyAssigned(f"{unit.name} already answers for {column.path}")
    role = AssignmentRole(role).value
    assignment = ColumnAssignment(unit_id=unit.id, role=role, responsible_since=since)
    column.assignments.append(assignment)
    session.flush()
    changes = admin_log.facts(unit=unit.name, role=role, responsible_since=since.isoformat())
    return done(
        assignment,
        (),
        LogEntry("assignment.add", "column", column.id, _assignment_label(column, unit), changes),
    )


def unassign_unit(
    session: Session, *, actor: User | None, now: datetime, assignment: ColumnAssignment
) -> Outcome[int]:
    """The unit no longer answers for the column; returns the column's id."""
    column = assignment.column
    changes = admin_log.removed(
        {
            "unit": assignment.unit.name,
            "role": assignment.role,
            "drafters": _drafter_names(assignment.drafters) or None,
        }
    )
    entry = LogEntry(
        "assignment.remove",
        "column",
        column.id,
        _assignment_label(column, assignment.unit),
        changes,
    )
    column.assignments.remove(assignment)
    session.flush()
    return done(column.id, (), entry)


def drafter_choices(session: Session, assignment: ColumnAssignment) -> dict[int, User]:
    """The unit's active drafters, who may be designated for the column."""
    return {
        u.id: u
        for u in session.execute(
            select(User).where(User.unit_id == assignment.unit_id, User.active.is_(True))
        ).scalars()
        if u.has_role(Role.DRAFTER)
    }


def set_drafters(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    assignment: ColumnAssignment,
    user_ids: Sequence[int],
) -> Outcome[bool]:
    """Designate the unit's drafters (信息报送员) for the column; none: any drafter of
    the unit. Only active drafters of the unit can be designated."""
    choices = drafter_choices(session, assignment)
    unknown = [uid for uid in user_ids if uid not in choices]
    if unknown:
        raise ValidationFailed(f"not an active drafter of {assignment.unit.name}: {unknown}")
    old = _drafter_names(assignment.drafters)
    assignment.drafters = [choices[uid] for uid in dict.fromkeys(user_ids)]
    new = _drafter_names(assignment.drafters)
    if old == new:
        return done(False)
    entry = LogEntry(
        "assignment.drafters",
        "column",
        assignment.column_id,
        _assignment_label(assignment.column, assignment.unit),
        {"drafters": [old, new]},
    )
    return done(True, (), entry)


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
) -> Outcome[None]:
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
    return done(None, (), *([_entry("column.rules", column, changes)] if changes else []))


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


def confirm_rules(
    session: Session, *, actor: User | None, now: datetime, column: Column
) -> Outcome[bool]:
    """The office confirms the column's rules as they stand; False if already confirmed."""
    if column.rules_confirmed:
        return done(False)
    _mark_confirmed(column, actor, now, True)
    return done(True, (), _entry("column.rules_confirm", column, {"confirmed": [False, True]}))


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
) -> Outcome[ColumnPart]:
    name = _part_name(name)
    if any(p.name == name for p in column.parts):
        raise ValidationFailed(f"the column already has a part named {name}")
    position = max((p.position for p in column.parts), default=-1) + 1
    part = ColumnPart(name=name, position=position)
    column.parts.append(part)
    session.flush()
    return done(part, (), _entry("column.part_add", column, {"part": [None, name]}))


def rename_part(
    session: Session, *, actor: User | None, now: datetime, part: ColumnPart, name: str
) -> Outcome[None]:
    """Rename a part and the scope of every rule that names it (they stay together)."""
    name = _part_name(name)
    column = part.column
    if name == part.name:
        return done(None)
    if any(p.name == name for p in column.parts if p.id != part.id):
        raise ValidationFailed(f"the column already has a part named {name}")
    old = part.name
    part.name = name
    column.rules = [
        {**r, "scope": name} if r.get("scope") == old else dict(r) for r in column.rules or []
    ]
    return done(None, (), _entry("column.part_rename", column, {"part": [old, name]}))


def retire_part(
    session: Session, *, actor: User | None, now: datetime, part: ColumnPart, retired: bool
) -> Outcome[None]:
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
        return done(None, (), _entry("column.part_retire", column, {"part": [part.name, None]}))
    if not retired and part.retired_at is not None:
        part.retired_at = None
        return done(None, (), _entry("column.part_restore", column, {"part": [None, part.name]}))
    return done(None)


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
) -> Outcome[None]:
    """Since when the unit answers for the column: periods that began before are never
    judged. An earlier day brings the older periods back."""
    check_since(day, now)
    if assignment.responsible_since == day:
        return done(None)
    old = assignment.responsible_since
    assignment.responsible_since = day
    column = assignment.column
    return done(
        None,
        (),
        LogEntry(
            "assignment.since",
            "column",
            column.id,
            _assignment_label(column, assignment.unit),
            {"responsible_since": [admin_log.jsonable(old), day.isoformat()]},
        ),
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
) -> Outcome[bool]:
    """Publishing in `source` will owe a publication in `target` (due by the target's
    publication rule). False when the link exists already. Refused (ValidationFailed)
    for a column and itself, or a link closing a circle."""
    session.flush()  # ids of new columns
    if session.get(ColumnLink, (source.id, target.id)) is not None:
        return done(False)
    edges = [(a, b) for a, b in session.execute(select(ColumnLink.source_id, ColumnLink.target_id))]
    if makes_cycle(edges, source.id, target.id):
        raise ValidationFailed(f"linking {source.path} to {target.path} would close a circle")
    session.add(ColumnLink(source_id=source.id, target_id=target.id))
    session.flush()
    return done(True, (), _entry("column.link_add", source, {"link": [None, target.path]}))


def remove_link(
    session: Session, *, actor: User | None, now: datetime, source: Column, target: Column
) -> Outcome[bool]:
    """False when there was no such link."""
    link = session.get(ColumnLink, (source.id, target.id))
    if link is None:
        return done(False)
    session.delete(link)
    session.flush()
    return done(True, (), _entry("column.link_remove", source, {"link": [target.path, None]}))


def _entry(action: str, column: Column, changes: Mapping[str, Any]) -> LogEntry:
    """The administrators' log entry of a change to `column`."""
    return LogEntry(action, "column", column.id, column.path, changes)
