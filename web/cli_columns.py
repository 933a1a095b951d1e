"""`flask columns import|export|create` and `flask units alias`: the responsibility
tables, and a single column made by hand (with the same derived defaults as on the
admin page and in an import)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from web.cli import units_cli
from web.cli_support import command_session, now, run
from workflow.audit import snapshot_session
from workflow.enums import ContentType
from workflow.importer import MAX_BYTES, ImportFileError, export_columns, plan_import
from workflow.models import Column
from workflow.services import columns as column_settings
from workflow.services import units as unit_settings
from workflow.services.imports import apply_table

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
    "--map-unit",
    "map_unit",
    multiple=True,
    metavar="NEW=UNIT",
    help="A new unit name of the table that is an existing unit (a typo, another name): "
    "recorded as that unit's alias instead of creating a unit (repeatable).",
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
    map_unit: tuple[str, ...],
    accept_links: bool,
) -> None:
    """Read a .docx/.xlsx/.csv responsibility table; show (or --apply) the changes."""
    name = Path(path).name
    since = _since(since_text)
    map_units = _unit_map(map_unit)
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
        with command_session() if do_apply else snapshot_session(engine) as session:
            if do_apply:
                report = run(
                    session,
                    apply_table,
                    filename=name,
                    data=data,
                    root=root,
                    progress=progress,
                    retire_missing=retire_missing,
                    responsible_since=since,
                    confirm_rules=confirm_rules,
                    keep_separate=keep_separate,
                    map_units=map_units,
                    accept_links=accept_links,
                    limits=limits,
                ).value
            else:  # a dry run: nothing is written (the snapshot is rolled back)
                report = plan_import(
                    session,
                    name,
                    data,
                    now=now(),
                    root=root,
                    progress=progress,
                    retire_missing=retire_missing,
                    responsible_since=since,
                    keep_separate=keep_separate,
                    map_units=map_units,
                    limits=limits,
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


def _unit_map(pairs: tuple[str, ...]) -> dict[str, str]:
    """--map-unit 区市场监督管里局=区市场监督管理局 → {new name: existing unit}."""
    out: dict[str, str] = {}
    for pair in pairs:
        new, sep, unit = pair.partition("=")
        if not sep or not new.strip() or not unit.strip():
            raise click.BadParameter(
                "应写作 表中的新名称=已有单位，"
                f"如 区市场监督管里局=区市场监督管理局（收到 {pair!r}）",
                param_hint="--map-unit",
            )
        out[new.strip()] = unit.strip()
    return out


def _since(text: str | None) -> date | None:
    """--since as a day from 2000 to the end of next year, else a usage error."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        day = None
    if day is None or not date(2000, 1, 1) <= day <= date(now().year + 1, 12, 31):
        raise click.BadParameter(
            f"「{text}」不是有效的责任起始日期（YYYY-MM-DD，2000 年至明年年底）",
            param_hint="--since",
        )
    return day


@columns_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def columns_export(path: str) -> None:
    """Write the current columns, units and rules as an .xlsx table (re-imports as is)."""
    with command_session() as session:
        data = export_columns(session)
    Path(path).write_bytes(data)
    click.echo(f"exported to {path}")


@columns_cli.command("create")
@click.argument("name")
@click.option("--parent", "parent_path", default=None, help="The parent column's path.")
@click.option(
    "--kind",
    "content_type",
    type=click.Choice([c.value for c in ContentType]),
    default=ContentType.OTHER.value,
    show_default=True,
    help="service: 办事服务 (its 办事指南 must carry the eight elements).",
)
@click.option("--content", default="", help="保障内容.")
@click.option("--requirement", default="", help="时限要求, as written (parsed: 待确认).")
def columns_create(
    name: str, parent_path: str | None, content_type: str, content: str, requirement: str
) -> None:
    """Add one column; its tags and publish prerequisites follow from its kind."""
    with command_session() as session:
        parent_id = None
        if parent_path is not None:
            ids = session.execute(
                select(Column.id).where(Column.path == parent_path.strip()).limit(2)
            ).scalars()
            found = list(ids)
            if len(found) != 1:
                raise click.ClickException(f"no single column at {parent_path}")
            parent_id = found[0]
        column = run(
            session,
            column_settings.create_column,
            name=name,
            parent_id=parent_id,
            content=content,
            time_requirement=requirement,
            content_type=content_type,
        ).value
        click.echo(f"column {column.id} {column.path} ({column.content_type})")


@units_cli.command("alias")
@click.argument("alias")
@click.argument("unit_name")
@click.option("--remove", is_flag=True, help="Remove the alias instead.")
def units_alias(alias: str, unit_name: str, remove: bool) -> None:
    """Let the importer read ALIAS as UNIT_NAME (区人民政府办公室 → 区政府办)."""
    with command_session() as session:
        if remove:
            run(session, unit_settings.remove_alias, alias=alias, unit_name=unit_name)
            click.echo(f"alias {alias} removed from {unit_name}")
        else:
            unit = run(session, unit_settings.add_alias, alias=alias, unit_name=unit_name).value
            click.echo(f"{alias} now names {unit.name}")


def register(app: Flask) -> None:
    app.cli.add_command(columns_cli)
