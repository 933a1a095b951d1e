"""Writing a plan: units, columns, assignments, rules, retirements and one-off tasks, in
the caller's transaction (inside a savepoint, so a failure leaves nothing behind).

New columns are built by `workflow.services.columns.new_column` (tags and prerequisites
from their kind, as on the admin pages); rules and links go through the column services,
whose administrators' log entries `apply_plan` returns for the caller to write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from workflow.errors import ValidationFailed
from workflow.importer import kinds
from workflow.importer.errors import ImportFileError
from workflow.importer.plan import Desired, Plan, confirmable, rules_for
from workflow.models import Column, ColumnAssignment, Obligation, Unit, UnitAlias, User
from workflow.outcome import LogEntry
from workflow.services import columns as column_settings


def apply_plan(
    session: Session, plan: Plan, now: datetime, actor: User | None = None
) -> list[LogEntry]:
    """Write the plan; returns the log entries of the column services it ran."""
    log: list[LogEntry] = []
    with session.begin_nested(), session.no_autoflush:
        units = _create_units(session, plan)
        position = (session.execute(select(func.max(Column.position))).scalar() or 0) + 1
        loaded = {
            c.id: c
            for c in session.execute(
                select(Column).options(
                    selectinload(Column.assignments).selectinload(ColumnAssignment.unit)
                )
            ).scalars()
        }
        columns = {path: loaded[e.id] for path, e in plan.existing.items()}
        for path, want in plan.desired.items():
            column = columns.get(path)
            if column is None:
                # Built with the content the file gives it: the prerequisites follow
                # from the kind and the content (办事指南: the eight elements).
                content = want.content if want.explicit and want.content is not None else ""
                column = column_settings.new_column(
                    session,
                    name=path[-1],
                    parent=columns.get(path[:-1]) if len(path) > 1 else None,
                    names=path,
                    position=position,
                    content=content,
                    rules=[],
                    content_type=kinds.content_type(path),
                )
                position += 1
                columns[path] = column
            column.retired_at = None
            if want.explicit:
                log += _update(session, column, want, units, plan, now, actor)
        session.flush()
        log += _write_links(session, plan, columns, now, actor)
        retired = {tuple(c.path) for c in plan.report.columns if c.status == "retired"}
        for path in retired:
            columns[path].retired_at = now
        _write_tasks(session, plan, columns, units, now)
        session.flush()
    plan.report.applied = True
    return log


def _create_units(session: Session, plan: Plan) -> dict[str, Unit]:
    units = {name: unit for name, unit in plan.units.items() if unit is not None}
    taken = set(session.execute(select(UnitAlias.alias)).scalars()) | set(units)
    for spec in plan.report.units_added:
        unit = Unit(
            name=spec["name"],
            kind=spec["kind"],
            active=True,
            is_office=bool(spec.get("is_office")),
        )
        for alias in spec["aliases"]:
            if alias not in taken:
                unit.aliases.append(UnitAlias(alias=alias))
                taken.add(alias)
        session.add(unit)
        units[unit.name] = unit
    # Other names of units already there (the office's, a proposal the office took).
    for added in plan.report.aliases_added:
        if added["alias"] not in taken:
            units[added["unit"]].aliases.append(UnitAlias(alias=added["alias"]))
            taken.add(added["alias"])
    session.flush()
    return units


def _update(
    session: Session,
    column: Column,
    want: Desired,
    units: dict[str, Unit],
    plan: Plan,
    now: datetime,
    actor: User | None,
) -> list[LogEntry]:
    # A field the file has no column for (None) keeps the database's value.
    log: list[LogEntry] = []
    if want.content is not None:
        column.content = want.content
    if want.requirement is not None:
        rules = want.resolved_rules
        if rules is None:  # a column without a 时限要求 in the file
            rules = rules_for(want, column if column.id is not None else None)
        if column.time_requirement != want.requirement:
            column.allows_statement = kinds.allows_statement(want.requirement)
        column.time_requirement = want.requirement
        if plan.confirm_rules and confirmable(rules):
            outcome = column_settings.set_rules(
                session, actor=actor, now=now, column=column, rules=rules, confirmed=True
            )
            log += outcome.log
        else:  # parsed rules are 待确认 until the office confirms them
            column_settings.rules_replaced(column, rules, now)
            column_settings.sync_parts(session, column)
    if not want.has_units:
        return log
    wanted = want.wanted()
    for assignment in list(column.assignments):
        role = wanted.pop(assignment.unit.name, None)
        if role is None:
            if plan.retire_missing:  # else perhaps added by hand: kept (the report lists it)
                column.assignments.remove(assignment)
        elif assignment.role != role:
            assignment.role = role
    for name, role in wanted.items():
        assert plan.responsible_since is not None
        column.assignments.append(
            ColumnAssignment(unit=units[name], role=role, responsible_since=plan.responsible_since)
        )
    return log


def _write_links(
    session: Session,
    plan: Plan,
    columns: dict[tuple[str, ...], Column],
    now: datetime,
    actor: User | None,
) -> list[LogEntry]:
    """Removed first: the plan checked the added ones against circles with them still in."""
    log: list[LogEntry] = []
    for source, target in plan.links_removed:
        removed = column_settings.remove_link(
            session, actor=actor, now=now, source=columns[source], target=columns[target]
        )
        log += removed.log
    for source, target in plan.links_added:
        try:
            added = column_settings.add_link(
                session, actor=actor, now=now, source=columns[source], target=columns[target]
            )
            log += added.log
        except ValidationFailed as exc:  # a link made meanwhile closes a circle
            raise ImportFileError(
                plan.report.filename,
                f"关联「{'/'.join(source)}」→「{'/'.join(target)}」会形成循环关联，未导入",
            ) from exc
    return log


def _write_tasks(
    session: Session,
    plan: Plan,
    columns: dict[tuple[str, ...], Column],
    units: dict[str, Unit],
    now: datetime,
) -> None:
    wanted = {
        (task.column, unit, task.description): task for task in plan.tasks for unit in task.units
    }
    # The same columns the report compared (plan.task_columns), never a guess of its own.
    task_columns = {columns[p].id: p for p in plan.task_columns if p in columns}
    existing: dict[tuple[tuple[str, ...], str, str], Obligation] = {}
    if task_columns:
        rows = session.execute(
            select(Obligation, Unit.name)
            .join(Unit, Unit.id == Obligation.unit_id)
            .where(
                Obligation.column_id.in_(list(task_columns)), Obligation.source_item_id.is_(None)
            )
        ).all()
        existing = {(task_columns[o.column_id], name, o.description): o for o, name in rows}
    for key, task in wanted.items():
        obligation = existing.get(key)
        if obligation is None:
            session.add(
                Obligation(
                    column_id=columns[task.column].id,
                    unit_id=units[str(key[1])].id,
                    description=task.description,
                    due_date=task.due,
                    due_provisional=False,
                    created_at=now,
                )
            )
        else:
            obligation.due_date = task.due
            obligation.cancelled_at = None
    cancelled = set(plan.cancelled_ids)  # exactly those the report lists as 取消
    for obligation in existing.values():
        if obligation.id in cancelled and obligation.is_open:
            obligation.cancelled_at = now
