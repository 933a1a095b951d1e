"""`flask columns import|export` and `flask units alias`: the responsibility tables."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from web.cli import _now, _transaction, units_cli
from workflow import admin_log
from workflow.audit import snapshot_session
from workflow.importer import MAX_BYTES, ImportFileError, apply_import, export_columns, plan_import

columns_cli = AppGroup("columns", help="Columns (栏目): import and export responsibility tables.")
PROGRESS_ROWS = 500  # show a progress bar from this many rows on


@columns_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write (default: dry run).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option(
    "--root",
    default=None,
    help="Put the tree under this column path (e.g. 区政府门户网站 or 区政府门户网站/政务公开).",
)
@click.option(
    "--retire-missing",
    is_flag=True,
    help="Retire columns and remove assignments the file does not mention (within its "
    "subtrees); by default they are kept and listed.",
)
@click.option(
    "--since",
    "since_text",
    default=None,
    metavar="YYYY-MM-DD",
    help="New assignments answer for their columns from this day (the day the table took "
    "effect); periods that began before are never judged. Default: today.",
)
@click.option(
    "--confirm-rules",
    is_flag=True,
    help="The rules the summary lists have been checked: confirm them (else 待确认).",
)
@click.option(
    "--keep-separate",
    "keep_separate",
    multiple=True,
    metavar="NAME",
    help="A unit name the summary proposes as another unit's alias that is a unit of its "
    "own (repeatable).",
)
@click.option(
    "--accept-links",
    is_flag=True,
    help="Make the links the summary proposes (政策文件 → 政策解读).",
)
def columns_import(
    path: str,
    do_apply: bool,
    as_json: bool,
    root: str | None,
    retire_missing: bool,
    since_text: str | None,
    confirm_rules: bool,
    keep_separate: tuple[str, ...],
    accept_links: bool,
) -> None:
    """Read a .docx/.xlsx/.csv responsibility table; show (or --apply) the changes."""
    name = Path(path).name
    since = _since(since_text)
    size = os.path.getsize(path)
    if size > MAX_BYTES:  # refuse before reading it into memory
        raise click.ClickException(
            str(
                ImportFileError(
                    name, f"文件大小 {size / 1024 / 1024:.1f} MB，超过 50 MB 的上限，未导入"
                )
            )
        )
    data = Path(path).read_bytes()
    bars: list[Any] = []  # click's ProgressBar, made on the first report

    def progress(done: int, total: int) -> None:
        if total < 2 * PROGRESS_ROWS:  # reading and comparing: two steps a row
            return
        if not bars:  # on stderr: stdout carries only the summary (or the JSON)
            bars.append(click.progressbar(length=total, label="读取表格", file=sys.stderr))
        bars[0].update(max(done - bars[0].pos, 0))

    limits = current_app.config["SANSHEN"].IMPORT_LIMITS
    engine = current_app.extensions["sanshen.engine"]
    try:
        # A dry run plans on a read-only snapshot: it never takes the write lock.
        with _transaction() if do_apply else snapshot_session(engine) as session:
            if do_apply:
                report = apply_import(
                    session,
                    name,
                    data,
                    now=_now(),
                    root=root,
                    progress=progress,
                    retire_missing=retire_missing,
                    responsible_since=since,
                    confirm_rules=confirm_rules,
                    keep_separate=keep_separate,
                    accept_links=accept_links,
                    limits=limits,
                )
            else:
                report = plan_import(
                    session,
                    name,
                    data,
                    now=_now(),
                    root=root,
                    progress=progress,
                    retire_missing=retire_missing,
                    responsible_since=since,
                    keep_separate=keep_separate,
                    limits=limits,
                )
            if not do_apply:
                session.rollback()
            else:
                admin_log.record(
                    session,
                    actor=None,  # the command line
                    action="import.apply",
                    target_type="import",
                    target_id=hashlib.sha256(data).hexdigest(),
                    target_label=name,
                    changes=admin_log.import_facts(
                        report.to_dict(),
                        sha256=hashlib.sha256(data).hexdigest(),
                        root=root,
                        retire_missing=retire_missing,
                        responsible_since=since.isoformat() if since else None,
                        rules_confirmed=confirm_rules,
                    ),
                    now=_now(),
                )
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if bars:
            bars[0].render_finish()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        click.echo(report.to_text())


def _since(text: str | None) -> date | None:
    """--since as a day from 2000 to the end of next year, else a usage error."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        day = None
    if day is None or not date(2000, 1, 1) <= day <= date(_now().year + 1, 12, 31):
        raise click.BadParameter(
            f"「{text}」不是有效的责任起始日期（YYYY-MM-DD，2000 年至明年年底）",
            param_hint="--since",
        )
    return day


@columns_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def columns_export(path: str) -> None:
    """Write the current columns, units and rules as an .xlsx table (re-imports as is)."""
    with _transaction() as session:
        data = export_columns(session)
    Path(path).write_bytes(data)
    click.echo(f"exported to {path}")


@units_cli.command("alias")
@click.argument("alias")
@click.argument("unit_name")
@click.option("--remove", is_flag=True, help="Remove the alias instead.")
def units_alias(alias: str, unit_name: str, remove: bool) -> None:
    """Let the importer read ALIAS as UNIT_NAME (区人民政府办公室 → 区政府办)."""
    from workflow.accounts import add_alias, find_unit, remove_alias

    with _transaction() as session:
        if remove:
            remove_alias(session, alias, unit_name)
            unit = find_unit(session, unit_name)
            changes = {"alias": [alias.strip(), None]}
            click.echo(f"alias {alias} removed from {unit_name}")
        else:
            known = {a.alias for u in [find_unit(session, unit_name)] if u for a in u.aliases}
            unit = add_alias(session, alias, unit_name)
            changes = {} if alias.strip() in known else {"alias": [None, alias.strip()]}
            click.echo(f"{alias} now names {unit.name}")
        if unit is not None and changes:  # adding an alias the unit has is no change
            admin_log.record(
                session,
                actor=None,
                action="unit.alias",
                target_type="unit",
                target_id=unit.id,
                target_label=unit.name,
                changes=changes,
                now=_now(),
            )


def register(app: Flask) -> None:
    app.cli.add_command(columns_cli)
