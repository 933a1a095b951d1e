"""Importing the responsibility tables offices already keep (栏目保障责任分解表, Word,
Excel or CSV) into columns, units, assignments, rules and one-off tasks; exporting them
back in the same shape.

    plan_import(session, filename, data, now=…)   dry run: the report, nothing written
                                                  (reads the file before any query: run
                                                  it in a read-only session)
    apply_import(session, filename, data, now=…)  writes in the caller's transaction
    write_import(…)                               the same, returning its log entries
                                                  (workflow.services.imports runs it)
    export_columns(session)                       the current columns as .xlsx bytes
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

from sqlalchemy.orm import Session

from workflow import runner
from workflow.db import begin_write
from workflow.importer.apply import apply_plan
from workflow.importer.errors import ImportFileError
from workflow.importer.export import export_columns
from workflow.importer.limits import DEFAULT_LIMITS, ImportLimits
from workflow.importer.plan import Progress, build_plan
from workflow.importer.readers import MAX_BYTES
from workflow.importer.report import ImportReport
from workflow.models import User
from workflow.outcome import LogEntry, Outcome

__all__ = [
    "MAX_BYTES",
    "ImportFileError",
    "ImportLimits",
    "ImportReport",
    "apply_import",
    "export_columns",
    "plan_import",
    "write_import",
]


def plan_import(
    session: Session,
    filename: str,
    data: bytes,
    *,
    now: datetime,
    root: str | None = None,
    progress: Progress | None = None,
    retire_missing: bool = False,
    responsible_since: date | None = None,
    keep_separate: Collection[str] = (),
    map_units: Mapping[str, str] | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """What importing the file would do; writes nothing. `root`: a column to put the
    file's tree under (e.g. the portal, 区政府门户网站). `retire_missing`: retire the
    columns and remove the assignments (within the file's subtrees) the file does not
    mention; by default they are kept and listed. `responsible_since`: the local day
    new assignments answer from (default: the import's day). `keep_separate`: names the
    office says are not the unit the report proposes (near-duplicate names are taken as
    one unit by default). `limits`: how much the file may make the reader do."""
    return build_plan(
        session,
        filename,
        data,
        now=now,
        root=root,
        progress=progress,
        retire_missing=retire_missing,
        responsible_since=responsible_since,
        keep_separate=keep_separate,
        map_units=map_units,
        limits=limits,
    ).report


def apply_import(
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
    actor: User | None = None,
    keep_separate: Collection[str] = (),
    map_units: Mapping[str, str] | None = None,
    accept_links: bool | Collection[tuple[tuple[str, ...], tuple[str, ...]]] = False,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Import the file in the caller's transaction (never commits). On any error nothing
    is written and the error propagates (ImportFileError for a file it refuses).
    `confirm_rules`: the office checked the rules on the preview (else they are 待确认);
    `actor`: who did (None: a command); `accept_links`: the proposed links (政策文件 →
    政策解读) the office accepted, as (source path, target path), or True for all.
    The administrators' log entries of the changes are added to the session."""
    report, log = write_import(
        session,
        filename,
        data,
        now=now,
        root=root,
        progress=progress,
        retire_missing=retire_missing,
        responsible_since=responsible_since,
        confirm_rules=confirm_rules,
        actor=actor,
        keep_separate=keep_separate,
        map_units=map_units,
        accept_links=accept_links,
        limits=limits,
    )
    runner.record(session, Outcome(report, (), tuple(log)), actor=actor, now=now)
    return report


def write_import(
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
    actor: User | None = None,
    keep_separate: Collection[str] = (),
    map_units: Mapping[str, str] | None = None,
    accept_links: bool | Collection[tuple[tuple[str, ...], tuple[str, ...]]] = False,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> tuple[ImportReport, list[LogEntry]]:
    """`apply_import` without writing the log: the report and the log entries of the
    column services it ran (rules confirmed, links added and removed)."""
    plan = build_plan(
        session,
        filename,
        data,
        now=now,
        root=root,
        progress=progress,
        retire_missing=retire_missing,
        responsible_since=responsible_since,
        confirm_rules=confirm_rules,
        keep_separate=keep_separate,
        map_units=map_units,
        accept_links=accept_links,
        limits=limits,
        after_read=lambda: begin_write(session),  # the file is read: now lock and write
    )
    if plan.refusal is not None:
        raise ImportFileError(filename, plan.refusal)
    log = apply_plan(session, plan, now, actor)
    return plan.report, log
