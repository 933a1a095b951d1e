"""The file's tables compared with the database: what would be added, changed, retired.

Columns are matched by their path of names (names are unique among siblings). Only the
subtrees the file covers are compared, so importing one portal's table never retires
another's columns; a column missing from a new version is retired, never deleted (its
items keep their column). Rules are parsed from the 时限要求 text when the text is new or
changed; rules the office entered by hand for unchanged text are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.deadlines.parser import parse
from workflow.deadlines.rules import key as rule_key
from workflow.deadlines.rules import validate
from workflow.enums import AssignmentRole
from workflow.importer.errors import ImportFileError
from workflow.importer.limits import DEFAULT_LIMITS, ImportLimits
from workflow.importer.readers import read_tables
from workflow.importer.report import ColumnEntry, ImportReport
from workflow.importer.resolve import UnitResolver
from workflow.importer.tables import (
    Attention,
    ColumnRow,
    ReadTable,
    TaskRow,
    read_table,
    table_section,
)
from workflow.importer.tables import section_name as _section_name
from workflow.importer.units import UnitCell, group_kind, parse_unit_cell
from workflow.models import Column, ColumnAssignment, ColumnLink, Obligation, Unit, UnitAlias
from workflow.services.columns import makes_cycle, publication_rule
from workflow.timezones import local_day

Progress = Callable[[int, int], None]
TASK_COLUMN = "工作任务清单"
MAX_PATH = 1000  # columns.path
MAX_SURE_RETIREMENTS = 10  # more, and more than the file names: refused (partial file?)
RULES_PENDING, RULES_CONFIRMED = "待确认", "已确认"


@dataclass
class Desired:
    path: tuple[str, ...]
    explicit: bool = False
    table: str | None = None
    row: int | None = None
    # None: the file has no column for it, so the database's value stays untouched.
    content: str | None = ""
    requirement: str | None = ""
    has_units: bool = True  # False: the file has no unit column; assignments untouched
    rules: list[dict[str, Any]] | None = None
    lead: list[str] = field(default_factory=list)  # units the cell names
    cooperating: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # group words as written
    expanded_lead: list[str] = field(default_factory=list)  # units a group word stands for
    expanded_cooperating: list[str] = field(default_factory=list)
    resolved_rules: list[dict[str, Any]] | None = None  # what the comparison settled on
    # The 关联栏目 cell as written (None: the file has no such column; links untouched).
    links: str | None = None

    def wanted(self) -> dict[str, str]:
        """unit name → role, named units first."""
        out: dict[str, str] = {}
        for names, role in (
            (self.lead, AssignmentRole.LEAD),
            (self.cooperating, AssignmentRole.COOPERATING),
            (self.expanded_lead, AssignmentRole.LEAD),
            (self.expanded_cooperating, AssignmentRole.COOPERATING),
        ):
            for name in names:
                out.setdefault(name, role.value)
        return out


@dataclass
class Task:
    column: tuple[str, ...]
    table: str
    row: int
    description: str
    units: list[str]
    due: date


@dataclass
class Plan:
    report: ImportReport
    desired: dict[tuple[str, ...], Desired]
    existing: dict[tuple[str, ...], Existing]
    units: dict[str, Unit | None]  # canonical name → unit (None: to be created)
    new_units: dict[str, dict[str, Any]]
    tasks: list[Task]
    # Every column a task list of the file stands for, whether or not its rows gave tasks:
    # the report and apply both compare exactly these columns' one-off tasks.
    task_columns: set[tuple[str, ...]] = field(default_factory=set)
    # (column, description) of task rows present in the file that gave no task (no unit
    # or no date read): their existing tasks are kept, not cancelled.
    kept_tasks: set[tuple[tuple[str, ...], str]] = field(default_factory=set)
    cancelled_ids: list[int] = field(default_factory=list)  # obligations to cancel
    # The subtrees the file speaks for: (root…, section…, first level) of every row.
    scopes: set[tuple[str, ...]] = field(default_factory=set)
    # Retire columns and remove assignments the file does not mention (else: kept, listed).
    retire_missing: bool = False
    refusal: str | None = None  # why apply must not write this plan
    # New assignments answer for their columns from this local day (the import's, or
    # the day the office says the table took effect): earlier periods are never judged.
    responsible_since: date | None = None
    # The office checked every column's rules on the preview: they are confirmed.
    confirm_rules: bool = False
    today: date = date.min  # the import's local day
    # Proposed links (政策文件 → 政策解读) the office accepted: True for all of them.
    accept_links: bool | Collection[tuple[tuple[str, ...], tuple[str, ...]]] = False
    prefix: tuple[str, ...] = ()  # the root the file's tree goes under
    # Links to write and to remove: (source path, target path).
    links_added: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    links_removed: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)


def read_file(
    filename: str,
    data: bytes,
    attention: list[Attention],
    progress: Progress | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> tuple[list[ReadTable], int]:
    """The file's tables with a header, and its number of rows (for the progress)."""
    raws = read_tables(filename, data, limits)
    total = sum(len(r.rows) for r in raws)
    done = 0
    tables: list[ReadTable] = []
    unreadable: list[str] = []
    for raw in raws:
        if not any(c.text for row in raw.rows for c in row.cells):
            done += len(raw.rows)
            continue  # an empty sheet or a layout table
        if raw.hidden:
            attention.append(
                Attention(
                    raw.label, None, f"隐藏的{'、'.join(raw.hidden)}有内容，已一并导入，请核对"
                )
            )
        table = read_table(raw, attention)
        if table is None:
            unreadable.append(raw.label)
        else:
            tables.append(table)
        done += len(raw.rows)
        if progress is not None:  # reading is the first half, comparing the second
            progress(done, 2 * total)
    if not tables:
        where = "、".join(unreadable) if unreadable else None
        raise ImportFileError(
            filename,
            "没有找到可识别的表头（应包含 栏目/栏目名称/一级栏目 或 工作要点，以及"
            " 保障单位/责任单位 或 时限要求 等列）",
            table=where,
            row=None,
        )
    for label in unreadable:
        attention.append(Attention(label, None, "没有可识别的表头，整张表未导入"))
    return tables, total


def build_plan(
    session: Session,
    filename: str,
    data: bytes,
    *,
    now: datetime,
    root: str | None = None,
    progress: Progress | None = None,
    retire_missing: bool = False,
    responsible_since: date | None = None,
    confirm_rules: bool = False,
    keep_separate: Collection[str] = (),
    map_units: Mapping[str, str] | None = None,
    accept_links: bool | Collection[tuple[tuple[str, ...], tuple[str, ...]]] = False,
    limits: ImportLimits = DEFAULT_LIMITS,
    after_read: Callable[[], None] = lambda: None,
) -> Plan:
    """The plan of an import. `after_read` runs once the file is read, before the first
    query (the apply takes the write lock there: reading may take seconds)."""
    report = ImportReport(filename)
    attention = report.needs_attention
    tables, rows = read_file(filename, data, attention, progress, limits)
    after_read()
    # "区政府门户网站/政务公开": a path of columns, never one column named with a slash.
    prefix = tuple(p.strip() for p in (root or "").replace("／", "/").split("/") if p.strip())
    column_tables = [t for t in tables if t.kind == "columns"]
    desired: dict[tuple[str, ...], Desired] = {}
    cells: list[tuple[Desired, ColumnRow]] = []
    scopes: set[tuple[str, ...]] = set()
    for table in tables:
        report.tables.append(
            {"table": table.label, "title": table.title, "kind": table.kind, "rows": table.rows}
        )
    for table in column_tables:
        # A titled table is one section of the tree, however many tables the file has;
        # a table whose first level already is that section is not nested under it again.
        section = table_section(table.title)
        flat = all(len(row.path) == 1 for row in table.columns)
        for row in table.columns:
            base = (*prefix, section) if section and row.path[0] != section else prefix
            path = (*base, *row.path)
            if len("/".join(path)) > MAX_PATH:
                attention.append(
                    Attention(row.table, row.row, f"栏目路径超过 {MAX_PATH} 字，该行未导入")
                )
                continue
            # A table of one level lists all of its section's children; a deeper one
            # speaks for the subtrees of its first-level columns.
            scopes.add(base if flat and base else path[: len(base) + 1])
            for depth in range(1, len(base) + 1):
                desired.setdefault(path[:depth], Desired(path[:depth]))
            for depth in range(len(base) + 1, len(path)):  # parents implied by this row
                desired.setdefault(path[:depth], Desired(path[:depth], False, row.table, row.row))
            entry = desired.get(path)
            if entry is not None and entry.explicit:
                attention.append(
                    Attention(
                        row.table,
                        row.row,
                        f"栏目「{'/'.join(path)}」与{entry.table}第{entry.row}行重复，"
                        "已合并责任单位，保障内容和时限要求以先出现的一行为准",
                    )
                )
                if row.links:  # the links of both rows
                    entry.links = "\n".join(x for x in (entry.links, row.links) if x)
                cells.append((entry, row))
                continue
            entry = Desired(
                path,
                explicit=True,
                table=row.table,
                row=row.row,
                content=row.content,
                requirement=row.requirement,
                rules=row.rules,
                has_units=row.units is not None,
                links=row.links,
            )
            desired[path] = entry
            cells.append((entry, row))
    task_rows = [(t, row) for t in tables if t.kind == "tasks" for row in t.tasks]
    # Units: every name first, so spellings with and without 区 become one unit.
    known = frozenset(session.execute(select(Unit.name)).scalars()) | frozenset(
        session.execute(select(UnitAlias.alias)).scalars()
    )
    parsed = [
        (d, r, parse_unit_cell(r.units or "", known), parse_unit_cell(r.cooperating, known))
        for d, r in cells
    ]
    task_units = [(t, r, parse_unit_cell(r.units, known)) for t, r in task_rows]
    where: dict[str, tuple[str, int]] = {}  # each name as written: its first row
    cells_by_row: list[tuple[ColumnRow | TaskRow, list[UnitCell]]] = [
        (r, [u, c]) for _, r, u, c in parsed
    ] + [(r, [u]) for _, r, u in task_units]
    for named_row, unit_cells in cells_by_row:
        for cell in unit_cells:
            for name in (*cell.leads, *cell.cooperating):
                where.setdefault(name, (named_row.table, named_row.row))
    resolver = UnitResolver(session, list(where), keep_separate, dict(map_units or {}))
    used: dict[str, None] = {}
    for entry, row, unit_cell, coop_cell in parsed:
        _assign(entry, row, unit_cell, coop_cell, resolver, attention, used)
    task_columns: set[tuple[str, ...]] = set()
    kept: set[tuple[tuple[str, ...], str]] = set()
    tasks = _tasks(task_units, prefix, desired, resolver, attention, used, task_columns, kept)

    def compared(n: int) -> None:
        if progress is not None:
            progress(rows + rows * n // max(len(desired), 1), 2 * rows)

    existing = _existing(session)
    plan = Plan(
        report,
        desired,
        existing,
        resolver.units | dict.fromkeys(resolver.new),
        resolver.new,
        tasks,
        task_columns,
        kept,
        scopes=scopes | task_columns,
        retire_missing=retire_missing,
        responsible_since=responsible_since or local_day(now),
        confirm_rules=confirm_rules,
        today=local_day(now),
        accept_links=accept_links,
        prefix=prefix,
    )
    report.units_used = list(used)
    report.units_added = [resolver.new[n] for n in resolver.new if n in used]
    _unit_notes(report, resolver, where)
    _compare(session, plan, compared)
    return plan


def _unit_notes(
    report: ImportReport, resolver: UnitResolver, where: dict[str, tuple[str, int]]
) -> None:
    """Proposals (near-duplicate names taken as one unit unless refused) and notes on
    names, placed at the row where the name first appears."""
    report.unit_proposals = [p.to_dict() for p in resolver.proposals]
    report.aliases_added = list(resolver.aliases_added)
    for name, reason in resolver.notes:
        table, row = where.get(name, (report.tables[0]["table"], 0))
        report.needs_attention.append(Attention(table, row or None, reason))


def _assign(
    entry: Desired,
    row: ColumnRow,
    unit_cell: Any,
    coop_cell: Any,
    resolver: UnitResolver,
    attention: list[Attention],
    used: dict[str, None],
) -> None:
    for token in (*unit_cell.unknown, *coop_cell.unknown):
        attention.append(
            Attention(row.table, row.row, f"无法识别的责任单位「{token}」，未分配，请人工核对")
        )
    leads = [resolver.resolved[n] for n in unit_cell.leads]
    coops = [
        resolver.resolved[n]
        for n in (*unit_cell.cooperating, *coop_cell.leads, *coop_cell.cooperating)
    ]
    groups = [*unit_cell.groups, *((w, "cooperating") for w, _ in coop_cell.groups)]
    for name in leads:
        if name not in entry.lead:
            entry.lead.append(name)
    for name in coops:
        if name not in entry.lead and name not in entry.cooperating:
            entry.cooperating.append(name)
    for word, role in groups:
        if word not in entry.groups:
            entry.groups.append(word)
        kind = group_kind(word)
        if kind is None:
            attention.append(
                Attention(
                    row.table,
                    row.row,
                    f"「{word}」不是确定的单位，无法自动分配，请人工指定责任单位",
                )
            )
            continue
        members = resolver.of_kind(kind)
        lead = role == AssignmentRole.LEAD
        target = entry.expanded_lead if lead else entry.expanded_cooperating
        for name in members:
            if name not in target:
                target.append(name)
        reason = (
            f"「{word}」已展开为该类全部 {len(members)} 个单位，请核对"
            if members
            else f"「{word}」指该类全部单位，但系统中还没有这类单位，请先建立单位或人工指定"
        )
        attention.append(Attention(row.table, row.row, reason))
    if entry.has_units and not (
        entry.lead or entry.cooperating or entry.groups or unit_cell.unknown
    ):
        attention.append(Attention(row.table, row.row, "没有责任单位，请人工指定"))
    for name in entry.wanted():
        used[name] = None
    for name in (*leads, *coops):
        unit = resolver.unit(name)
        if unit is not None and not unit.active:
            attention.append(
                Attention(row.table, row.row, f"单位「{name}」已停用，仍按表格分配，请核对")
            )


def _tasks(
    task_units: list[tuple[ReadTable, TaskRow, Any]],
    prefix: tuple[str, ...],
    desired: dict[tuple[str, ...], Desired],
    resolver: UnitResolver,
    attention: list[Attention],
    used: dict[str, None],
    task_columns: set[tuple[str, ...]],
    kept: set[tuple[tuple[str, ...], str]],
) -> list[Task]:
    tasks: list[Task] = []
    for table, row, unit_cell in task_units:
        path = (*prefix, _section_name(table.title) or TASK_COLUMN)
        task_columns.add(path)
        for depth in range(1, len(path)):
            desired.setdefault(path[:depth], Desired(path[:depth]))
        column = desired.setdefault(
            path,
            Desired(path, True, table.label, None, content=None, requirement=None),
        )
        for token in unit_cell.unknown:
            attention.append(
                Attention(row.table, row.row, f"无法识别的责任单位「{token}」，请人工核对")
            )
        for word, _ in unit_cell.groups:
            attention.append(
                Attention(row.table, row.row, f"「{word}」不是确定的单位，请人工指定任务的责任单位")
            )
        names = [resolver.resolved[n] for n in (*unit_cell.leads, *unit_cell.cooperating)]
        once = [r for r in parse(row.deadline) if r["kind"] == "once"] if row.deadline else []
        if not names:
            attention.append(
                Attention(row.table, row.row, "工作任务没有责任单位，未生成任务，请人工补充")
            )
        if not once:
            reason = (
                f"完成时限「{row.deadline}」无法识别为具体日期"
                if row.deadline
                else "工作任务没有完成时限"
            )
            attention.append(Attention(row.table, row.row, reason + "，未生成任务，请人工补充"))
        for name in names:  # named units stay assigned even when the date is unreadable
            if name not in column.lead:
                column.lead.append(name)
            used[name] = None
        if not names or not once:
            kept.add((path, row.task[:500]))
            continue
        due = date.fromisoformat(min(r["by"] for r in once))
        tasks.append(Task(path, row.table, row.row, row.task[:500], names, due))
    return tasks


@dataclass(frozen=True)
class Existing:
    """What the comparison needs of a column already in the database (plain values: a
    dry run over thousands of columns need not build ORM objects)."""

    id: int
    content: str
    time_requirement: str
    rules: list[dict[str, Any]]
    retired_at: datetime | None
    confirmed: bool = False  # the office confirmed the rules (else 待确认)


def _existing(session: Session) -> dict[tuple[str, ...], Existing]:
    rows = session.execute(
        select(
            Column.id,
            Column.parent_id,
            Column.name,
            Column.content,
            Column.time_requirement,
            Column.rules,
            Column.retired_at,
            Column.rules_confirmed_at,
        )
    ).all()
    by_id = {r.id: r for r in rows}
    paths: dict[int, tuple[str, ...]] = {}

    def path_of(column_id: int) -> tuple[str, ...]:
        if column_id not in paths:
            row = by_id[column_id]
            parent = path_of(row.parent_id) if row.parent_id in by_id else ()
            paths[column_id] = (*parent, row.name)
        return paths[column_id]

    return {
        path_of(r.id): Existing(
            r.id,
            r.content or "",
            r.time_requirement or "",
            list(r.rules or []),
            r.retired_at,
            r.rules_confirmed_at is not None,
        )
        for r in rows
    }


def _same_rules(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return sorted(map(rule_key, a)) == sorted(map(rule_key, b)) and len(a) == len(b)


def _compare(session: Session, plan: Plan, progress: Callable[[int], None]) -> None:
    report = plan.report
    current = _current_assignments(session) if plan.existing else {}
    for n, (path, want) in enumerate(plan.desired.items()):
        if n % 200 == 0:
            progress(n)
        column = plan.existing.get(path)
        entry = _entry(path, want)
        _refit_rules(report, want, column)
        wanted = want.wanted()
        have = current.get(column.id, {}) if column is not None else {}
        if want.explicit and want.has_units:
            _compare_assignments(plan, path, wanted, have)
        _compare_column(plan, entry, want, column, wanted, have)
        if (
            want.explicit
            and want.requirement is not None
            and (want.requirement or want.rules is not None)
        ):
            rules = want.resolved_rules = rules_for(want, column)
            # 已确认 after this import: confirmed now, or already and unchanged.
            confirmed = (plan.confirm_rules and confirmable(rules)) or (
                column is not None and column.confirmed and column.rules == rules
            )
            if plan.confirm_rules and not confirmable(rules) and want.table is not None:
                report.needs_attention.append(
                    Attention(
                        want.table, want.row, "规则有误（手工录入？），未确认，请在栏目页修改"
                    )
                )
            report.rules.append(
                {
                    "path": "/".join(path),
                    "text": want.requirement,
                    "rules": rules,
                    "status": RULES_CONFIRMED if confirmed else RULES_PENDING,
                }
            )
            if want.table is not None:
                _past_once(report, plan, want.table, want.row, rules)
            if not rules and want.table is not None and want.row is not None:
                report.needs_attention.append(
                    Attention(
                        want.table,
                        want.row,
                        f"时限要求「{_short(want.requirement)}」未能解析出规则，请人工录入",
                    )
                )
        elif (
            want.explicit
            and want.row is not None
            and want.table is not None
            and (want.requirement is not None or column is None)
        ):
            report.needs_attention.append(
                Attention(want.table, want.row, "没有时限要求，请人工录入规则")
            )
        report.columns.append(entry)
    _missing_columns(plan)
    _refuse_mass_retirement(plan)
    _compare_links(session, plan)
    _compare_tasks(session, plan)
    _tidy_attention(report)
    progress(len(plan.desired))


def _current_assignments(session: Session) -> dict[int, dict[str, str]]:
    """column id → unit name → role, as the database has them."""
    current: dict[int, dict[str, str]] = {}
    rows = session.execute(
        select(ColumnAssignment.column_id, Unit.name, ColumnAssignment.role).join(
            Unit, Unit.id == ColumnAssignment.unit_id
        )
    ).all()
    for column_id, unit_name, role in rows:
        current.setdefault(column_id, {})[unit_name] = role
    return current


def _entry(path: tuple[str, ...], want: Desired) -> ColumnEntry:
    return ColumnEntry(
        path,
        "unchanged",
        want.table,
        want.row,
        list(want.lead),
        list(want.cooperating),
        list(want.groups),
        expanded=[*want.expanded_lead, *want.expanded_cooperating],
    )


def _refit_rules(report: ImportReport, want: Desired, column: Existing | None) -> None:
    """Rules that do not fit their 时限要求 are dropped, to be parsed again."""
    if want.rules is not None and not _rules_fit(want, column):
        # An exported sheet whose 时限要求 was edited but its 规则 cell left as it was.
        want.rules = None
        if want.table is not None:
            report.needs_attention.append(
                Attention(
                    want.table,
                    want.row,
                    "规则列与时限要求不符（时限要求改过？），已按时限要求重新解析，请核对",
                )
            )


def _compare_assignments(
    plan: Plan, path: tuple[str, ...], wanted: dict[str, str], have: dict[str, str]
) -> None:
    """The assignments a column's row adds, keeps and removes."""
    report = plan.report
    report.assignments_total += len(wanted)
    for name, role in wanted.items():
        if have.get(name) != role:
            report.assignments_added.append({"path": "/".join(path), "unit": name, "role": role})
    for name, role in have.items():
        if name not in wanted and not plan.retire_missing:
            # Perhaps added by hand: kept unless told to remove what the file lacks.
            report.assignments_kept.append({"path": "/".join(path), "unit": name, "role": role})
        elif wanted.get(name) != role:
            report.assignments_removed.append({"path": "/".join(path), "unit": name, "role": role})


def _compare_column(
    plan: Plan,
    entry: ColumnEntry,
    want: Desired,
    column: Existing | None,
    wanted: dict[str, str],
    have: dict[str, str],
) -> None:
    """The entry's status, and which of the column's fields the row changes."""
    if column is None:
        entry.status = "added"
        return
    if column.retired_at is not None:
        entry.status = "reinstated"
        entry.changes.append("恢复启用")
    if want.explicit:
        entry.changes += _changed_fields(plan, want, column, wanted, have)
    if entry.changes and entry.status == "unchanged":
        entry.status = "changed"


def _changed_fields(
    plan: Plan, want: Desired, column: Existing, wanted: dict[str, str], have: dict[str, str]
) -> list[str]:
    """The fields of an existing column the file's row changes."""
    changes: list[str] = []
    if want.content is not None and column.content != want.content:
        changes.append("保障内容")
    if want.requirement is None:
        pass  # no 时限要求 column: text and rules stay
    elif column.time_requirement != want.requirement:
        changes.append("时限要求")
    elif want.rules is not None and not _same_rules(column.rules or [], want.rules):
        changes.append("时限规则")
    kept = {} if plan.retire_missing else have
    if want.has_units and {**kept, **wanted} != have:
        changes.append("责任单位")
    return changes


def _missing_columns(plan: Plan) -> None:
    """The columns under the file's scopes it lacks: retired, or kept and listed."""
    for path, column in plan.existing.items():
        if path in plan.desired or column.retired_at is not None or len(path) == 1:
            continue
        if not any(path[: len(scope)] == scope for scope in plan.scopes):
            continue  # outside what the file covers: another table's columns
        # A column the file lacks may be dropped from a new version, or made by hand
        # since: retired only when asked (--retire-missing), else kept and listed.
        status = "retired" if plan.retire_missing else "missing"
        plan.report.columns.append(ColumnEntry(path, status))


def _refuse_mass_retirement(plan: Plan) -> None:
    """Refuse to retire more columns than the file names (see below)."""
    report = plan.report
    retiring = len(report.retired)
    named = sum(d.explicit for d in plan.desired.values())
    if retiring > MAX_SURE_RETIREMENTS and retiring > named:
        # More to retire than the file names: a partial file or a wrong --root, not a
        # new version. The dry run shows it; apply refuses it.
        plan.refusal = (
            f"将停用 {retiring} 个栏目，多于文件中的 {named} 个栏目：文件可能不完整或"
            " --root 有误，未导入；请核对，或不加 --retire-missing 导入"
        )
        report.needs_attention.append(Attention(report.tables[0]["table"], None, plan.refusal))


def confirmable(rules: list[dict[str, Any]]) -> bool:
    """Rules the office can confirm: every one follows the contract (a hand-entered rule
    kept for unchanged text may not)."""
    return not any(validate(rule) for rule in rules)


def _past_once(
    report: ImportReport,
    plan: Plan,
    table: str,
    row: int | None,
    rules: list[dict[str, Any]],
) -> None:
    """A one-off task (a `once` rule) due before the import day or the responsible-since
    day is listed, not silently late."""
    for rule in rules:
        if rule.get("kind") == "once" and isinstance(rule.get("by"), str):
            try:
                due = date.fromisoformat(rule["by"])
            except ValueError:
                continue
            reason = _passed(plan, due)
            if reason:
                report.needs_attention.append(Attention(table, row, reason))


def _passed(plan: Plan, due: date) -> str:
    """ "完成时限已过…，请核对" for a date before the import day or the responsible-since
    day, else ""."""
    since = plan.responsible_since or plan.today
    if due < plan.today:
        return f"完成时限已过（{due.isoformat()}，早于导入当天 {plan.today.isoformat()}），请核对"
    if due < since:
        return f"完成时限已过（{due.isoformat()}，早于责任起始日期 {since.isoformat()}），请核对"
    return ""


def _tidy_attention(report: ImportReport) -> None:
    """One note per table, row and reason, in the file's order."""
    order = {t["table"]: i for i, t in enumerate(report.tables)}
    unique = list(dict.fromkeys(report.needs_attention))
    unique.sort(key=lambda a: (order.get(a.table, len(order)), a.row if a.row is not None else -1))
    report.needs_attention[:] = unique


def _rules_fit(want: Desired, column: Existing | None) -> bool:
    """A 规则 cell belongs to its row's 时限要求 when the database has the same text for
    the column, or every rule's source (the words it was read from) is in the text. Rules
    entered by hand carry no source: trusted only for a column new to this database."""
    text = want.requirement or ""
    if column is not None and column.time_requirement == text:
        return True
    sources = [r.get("source") for r in want.rules or []]
    if column is not None and not all(sources):
        return False
    return all(not x or (isinstance(x, str) and x in text) for x in sources)


def rules_for(want: Desired, column: Existing | Column | None) -> list[dict[str, Any]]:
    """The rules a desired column gets: its own, the existing column's when the
    requirement text is unchanged, else the parse of the text (apply uses it too)."""
    if want.rules is not None:
        return want.rules
    if column is not None and column.time_requirement == want.requirement:
        return list(column.rules or [])
    return parse(want.requirement or "")


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _task_key(path: tuple[str, ...], unit: str, description: str) -> tuple[Any, ...]:
    return (path, unit, description)


def _compare_tasks(session: Session, plan: Plan) -> None:
    report = plan.report
    task_columns = plan.task_columns
    have: dict[tuple[Any, ...], Obligation] = {}
    ids = [plan.existing[p].id for p in task_columns if p in plan.existing]
    if ids:
        path_of = {plan.existing[p].id: p for p in task_columns if p in plan.existing}
        rows = session.execute(
            select(Obligation, Unit.name)
            .join(Unit, Unit.id == Obligation.unit_id)
            .where(Obligation.column_id.in_(ids), Obligation.source_item_id.is_(None))
        ).all()
        for obligation, unit_name in rows:
            have[_task_key(path_of[obligation.column_id], unit_name, obligation.description)] = (
                obligation
            )
    seen: set[tuple[Any, ...]] = set()
    for task in plan.tasks:
        late = _passed(plan, task.due)
        if late:
            report.needs_attention.append(Attention(task.table, task.row, late))
        for unit in task.units:
            k = _task_key(task.column, unit, task.description)
            seen.add(k)
            report.obligations_total += 1
            existing = have.get(k)
            if (
                existing is None
                or existing.due_date != task.due
                or existing.cancelled_at is not None
            ):
                report.obligations_added.append(
                    {
                        "column": "/".join(task.column),
                        "unit": unit,
                        "description": task.description,
                        "due": task.due.isoformat(),
                        "table": task.table,
                        "row": task.row,
                    }
                )
    for k, obligation in have.items():
        if k in seen or not obligation.is_open or (k[0], k[2]) in plan.kept_tasks:
            continue
        plan.cancelled_ids.append(obligation.id)
        report.obligations_cancelled.append(
            {
                "column": "/".join(k[0]),
                "unit": k[1],
                "description": k[2],
                "due": obligation.due_date.isoformat(),
            }
        )


# --------------------------------------------------------------------------- links

Link = tuple[tuple[str, ...], tuple[str, ...]]
_LINK_LINES = re.compile(r"[\n；;]+")
_LINK_LIST = re.compile(r"[、，,]+")
LINK_WORD = "解读"  # a column of interpretations…
DOCUMENT_SUFFIX = "文件"  # …of the document columns next to it


class _Columns:
    """Every live column the file or the database has, to read a 关联栏目 cell against:
    a sibling's name, a full path (with or without the root), or a name found once."""

    def __init__(self, plan: Plan) -> None:
        self.paths = set(plan.desired) | {
            p for p, e in plan.existing.items() if e.retired_at is None
        }
        self.joined = {"/".join(p): p for p in self.paths}
        self.named: dict[str, list[tuple[str, ...]]] = {}
        for path in self.paths:
            self.named.setdefault(path[-1], []).append(path)
        self.prefix = plan.prefix

    def find(self, source: tuple[str, ...], ref: str) -> tuple[str, ...] | list[tuple[str, ...]]:
        """The path `ref` names seen from `source`; else the candidates (none, or several)."""
        ref = ref.strip().strip("/")
        sibling = (*source[:-1], ref)
        if sibling in self.paths:
            return sibling
        for joined in (ref, "/".join((*self.prefix, ref))):
            if joined in self.joined:
                return self.joined[joined]
        found = self.named.get(ref, [])
        return found[0] if len(found) == 1 else found

    def read(self, source: tuple[str, ...], text: str) -> tuple[list[tuple[str, ...]], list[str]]:
        """The targets a cell names, and a note for each reference not understood."""
        targets: list[tuple[str, ...]] = []
        notes: list[str] = []
        whole = self.find(source, text)
        pieces = [text] if isinstance(whole, tuple) else _LINK_LINES.split(text)
        for piece in (p.strip() for p in pieces):
            if not piece or piece in ("—", "-", "无", "/"):
                continue
            found = self.find(source, piece)
            if not isinstance(found, tuple) and _LINK_LIST.search(piece):
                parts = [self.find(source, p) for p in _LINK_LIST.split(piece) if p.strip()]
                if all(isinstance(f, tuple) for f in parts):
                    targets += [f for f in parts if isinstance(f, tuple)]
                    continue
            if isinstance(found, tuple):
                targets.append(found)
            elif found:
                where = "、".join("/".join(p) for p in sorted(found)[:3])
                notes.append(
                    f"关联栏目「{piece}」有多个同名栏目（{where}…），请写完整路径，未建立关联"
                )
            else:
                notes.append(f"关联栏目「{piece}」未找到，未建立关联")
        return list(dict.fromkeys(targets)), notes


def _compare_links(session: Session, plan: Plan) -> None:
    """Links the file's 关联栏目 cells name (kept by default when the file no longer
    names them, removed with retire_missing), and the obvious ones it does not: a
    解读 column whose rule counts from a publication, after the …文件 columns beside it
    (proposed; written only when the office accepts them)."""
    report = plan.report
    by_id = {e.id: p for p, e in plan.existing.items()}
    have: set[Link] = set()
    for source_id, target_id in session.execute(
        select(ColumnLink.source_id, ColumnLink.target_id)
    ).all():
        if source_id in by_id and target_id in by_id:
            have.add((by_id[source_id], by_id[target_id]))
    final = set(have)
    columns: _Columns | None = None
    for path, want in plan.desired.items():
        if not want.explicit or want.links is None or want.table is None:
            continue
        targets: list[tuple[str, ...]] = []
        if want.links.strip():
            columns = columns or _Columns(plan)
            targets, notes = columns.read(path, want.links)
            for note in notes:
                report.needs_attention.append(Attention(want.table, want.row, note))
        for target in targets:
            link = (path, target)
            if link in have:
                continue
            if makes_cycle(final, path, target):
                report.needs_attention.append(
                    Attention(
                        want.table,
                        want.row,
                        f"关联栏目「{'/'.join(target)}」会形成循环关联，未建立",
                    )
                )
                continue
            _warn_target(report, plan, want, target)
            final.add(link)
            plan.links_added.append(link)
        for link in sorted(x for x in have if x[0] == path and x[1] not in targets):
            if plan.retire_missing:
                final.discard(link)
                plan.links_removed.append(link)
            else:
                report.links_kept.append(_link_dict(link))
    _propose_links(plan, have, final)
    report.links_added = [_link_dict(link) for link in plan.links_added]
    report.links_removed = [_link_dict(link) for link in plan.links_removed]


def _warn_target(report: ImportReport, plan: Plan, want: Desired, target: tuple[str, ...]) -> None:
    rules = plan.desired[target].resolved_rules if target in plan.desired else None
    if rules is None and target in plan.existing:
        rules = plan.existing[target].rules
    if publication_rule(rules) is None and want.table is not None:
        report.needs_attention.append(
            Attention(
                want.table,
                want.row,
                f"关联栏目「{'/'.join(target)}」没有“发布后…内”的时限规则，"
                "关联信息将按及时发布计算期限，请核对",
            )
        )


def _propose_links(plan: Plan, have: set[Link], final: set[Link]) -> None:
    report = plan.report
    wanted = set(plan.links_added)
    targets = [
        path
        for path, want in plan.desired.items()
        if want.explicit and LINK_WORD in path[-1] and publication_rule(want.resolved_rules)
    ]
    if not targets:
        return
    documents: dict[tuple[str, ...], list[tuple[str, ...]]] = {}  # parent → …文件 columns
    for path, want in plan.desired.items():
        # A row of a file with a 关联栏目 column says itself which links it has.
        if want.explicit and want.links is None and path[-1].endswith(DOCUMENT_SUFFIX):
            documents.setdefault(path[:-1], []).append(path)
    for target in targets:
        for source in documents.get(target[:-1], []):
            if source == target:
                continue
            link = (source, target)
            if link in have or link in wanted or makes_cycle(final, source, target):
                continue
            accepted = plan.accept_links is True or (
                not isinstance(plan.accept_links, bool) and link in plan.accept_links
            )
            report.link_proposals.append({**_link_dict(link), "taken": accepted})
            if accepted:
                final.add(link)
                plan.links_added.append(link)


def _link_dict(link: Link) -> dict[str, list[str]]:
    return {"source": list(link[0]), "target": list(link[1])}
