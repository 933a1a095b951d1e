"""`flask columns import|export` and `flask units alias`: the responsibility tables."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from web.cli import _now, _transaction, units_cli
from workflow import admin_log
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
def columns_import(
    path: str, do_apply: bool, as_json: bool, root: str | None, retire_missing: bool
) -> None:
    """Read a .docx/.xlsx/.csv responsibility table; show (or --apply) the changes."""
    name = Path(path).name
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

    action = apply_import if do_apply else plan_import
    try:
        with _transaction() as session:
            report = action(
                session,
                name,
                data,
                now=_now(),
                root=root,
                progress=progress,
                retire_missing=retire_missing,
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
