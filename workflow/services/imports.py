"""Applying a responsibility table (栏目保障责任分解表) as a service: the admin page and
`flask columns import --apply` run the same function through the runner, so both write
the same changes and the same administrators' log (the import's file, hash, choices and
counts, and the entries of the column services the import ran)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from datetime import date, datetime

from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.importer import ImportFileError, ImportReport, write_import
from workflow.importer.limits import DEFAULT_LIMITS, ImportLimits
from workflow.importer.plan import Progress
from workflow.models import User
from workflow.outcome import LogEntry, Outcome
from workflow.runner import locks_late


@locks_late  # it locks once the file is read (write_import)
def apply_table(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    filename: str,
    data: bytes,
    root: str | None = None,
    progress: Progress | None = None,
    retire_missing: bool = False,
    responsible_since: date | None = None,
    confirm_rules: bool = False,
    keep_separate: Collection[str] = (),
    map_units: Mapping[str, str] | None = None,
    accept_links: bool | Collection[tuple[tuple[str, ...], tuple[str, ...]]] = False,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> Outcome[ImportReport]:
    """Import the file (see `workflow.importer.apply_import`); ImportFileError, naming
    the file and the row, for a file it refuses, with nothing written."""
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
    sha = hashlib.sha256(data).hexdigest()
    changes = admin_log.import_facts(
        report.to_dict(),
        sha256=sha,
        root=root,
        retire_missing=retire_missing,
        responsible_since=responsible_since.isoformat() if responsible_since else None,
        rules_confirmed=confirm_rules,
    )
    entry = LogEntry("import.apply", "import", sha, filename, changes)
    return Outcome(report, (), (*log, entry))


__all__ = ["ImportFileError", "apply_table"]
