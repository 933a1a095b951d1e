"""`flask --app web …` commands: database, units, users, demo data and the audit check.
Every write is a workflow service run through the runner (`web.cli_support.run`)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from web.cli_support import command_session, now, run
from workflow import audit, demo, migrate
from workflow.accounts import find_unit, get_user
from workflow.demo import DEMO_PASSWORD
from workflow.enums import Role, UnitKind
from workflow.holidays import MAX_BYTES, HolidayFileError
from workflow.models import Unit
from workflow.services import holidays as holiday_settings
from workflow.services import maintenance
from workflow.services import units as unit_settings
from workflow.services import users as user_settings

db_cli = AppGroup("db", help="Create or upgrade the database schema.")
units_cli = AppGroup("units", help="Manage units (单位).")
users_cli = AppGroup("users", help="Manage users, roles and passwords.")
demo_cli = AppGroup("demo", help="Demo data.")
audit_cli = AppGroup("audit", help="The audit trail.")
holidays_cli = AppGroup("holidays", help="Holiday overrides (the office's calendar).")
deadlines_cli = AppGroup("deadlines", help="Column rules, due dates and who is late.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    migrate.upgrade(current_app.config["SANSHEN"].DATABASE_URL, revision)
    click.echo(f"database at {revision}")


@units_cli.command("create")
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in UnitKind]), default="department")
@click.option("--alias", "aliases", multiple=True, help="Another name of the unit (repeatable).")
@click.option("--office", is_flag=True, help="The district office (区政府办): its editors 审发.")
def units_create(name: str, kind: str, aliases: tuple[str, ...], office: bool) -> None:
    with command_session() as session:
        unit = run(
            session,
            unit_settings.create_unit,
            name=name,
            kind=kind,
            aliases=aliases,
            is_office=office,
        ).value
        click.echo(f"unit {unit.id} {unit.name} ({unit.kind})")


@users_cli.command("create")
@click.argument("login")
@click.option("--name", required=True)
@click.option("--unit", "unit_name", required=True, help="Unit name or alias.")
@click.option("--role", "roles", type=ROLE_CHOICE, multiple=True, required=True)
@click.option("--email")
@click.option("--mobile")
@click.password_option(prompt_required=False, help="Prompted for when omitted with --prompt.")
def users_create(
    login: str,
    name: str,
    unit_name: str,
    roles: tuple[str, ...],
    email: str | None,
    mobile: str | None,
    password: str | None,
) -> None:
    with command_session() as session:
        unit = find_unit(session, unit_name)
        if unit is None:
            raise click.ClickException(f"no unit named {unit_name}")
        user = run(
            session,
            user_settings.create_user,
            login=login,
            name=name,
            unit=unit,
            roles=roles,
            email=email,
            mobile=mobile,
            password=password,
        ).value
        click.echo(f"user {user.id} {user.login} in {unit.name}: {', '.join(roles)}")


@users_cli.command("set-password")
@click.argument("login")
@click.password_option()
def users_set_password(login: str, password: str) -> None:
    with command_session() as session:
        user = get_user(session, login)
        run(session, user_settings.update_user, user=user, password=password)
        click.echo(f"password of {login} changed")


@users_cli.command("set-roles")
@click.argument("login")
@click.option("--role", "roles", type=ROLE_CHOICE, multiple=True, required=True)
def users_set_roles(login: str, roles: tuple[str, ...]) -> None:
    with command_session() as session:
        user = get_user(session, login)
        run(session, user_settings.update_user, user=user, roles=roles)
        click.echo(f"{login}: {', '.join(sorted(r.value for r in user.roles))}")


@users_cli.command("deactivate")
@click.argument("login")
def users_deactivate(login: str) -> None:
    with command_session() as session:
        user = get_user(session, login)
        run(session, user_settings.update_user, user=user, active=False)
        click.echo(f"{login} deactivated")


@demo_cli.command("load")
@click.option("--password", default=DEMO_PASSWORD, show_default=True)
def demo_load(password: str) -> None:
    """Load the seed column tables, demo users for every role and items in every state."""
    with command_session() as session:
        summary = run(session, demo.load, password=password).value
    if summary.already_loaded:
        click.echo("demo data already loaded; nothing changed")
        return
    click.echo(
        f"{summary.units} units, {summary.columns} columns, "
        f"{summary.assignments} assignments, {len(summary.users)} users"
    )
    click.echo("items: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.items_by_state.items())))


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute every item's hash chain; exit 1 naming the first broken row."""
    with audit.snapshot_session(current_app.extensions["sanshen.engine"]) as session:
        breaks = list(audit.verify_chains(session))
        counts = audit.rows_by_hash(session)
    if not breaks:
        # Which algorithms the verified rows used, and which new rows get (AUDIT_HASH).
        used = ", ".join(f"{alg} {n}" for alg, n in counts.items()) or "none"
        new = current_app.config["SANSHEN"].AUDIT_HASH
        click.echo(f"audit trail intact (rows by hash: {used}; new rows: {new})")
        return
    first = min(breaks, key=lambda b: (b.audit_id is None, b.audit_id or 0))
    click.echo(
        f"audit trail BROKEN in {len(breaks)} item(s); first broken row: {first.describe()}",
        err=True,
    )
    for b in breaks:
        click.echo(f"  {b.describe()}", err=True)
    raise SystemExit(1)


@holidays_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--partial",
    is_flag=True,
    help="Single changes (e.g. a typhoon closure), not a whole year's notice.",
)
def holidays_import(path: str, partial: bool) -> None:
    """Import a CSV of 日期,是否上班,备注 (the State Council notice for a year)."""
    with Path(path).open("rb") as file:
        data = file.read(MAX_BYTES + 1)  # read_csv refuses a bigger one by name
    with command_session() as session:
        try:
            stored = run(
                session,
                holiday_settings.upload,
                data=data,
                filename=Path(path).name,
                complete=not partial,
            ).value
        except HolidayFileError as exc:  # names the file and the row
            raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {stored.days} day(s) for {', '.join(map(str, stored.years))}")


@deadlines_cli.command("parse")
@click.option("--overwrite", is_flag=True, help="Replace rules entered by hand too.")
def deadlines_parse(overwrite: bool) -> None:
    """Turn every column's 时限要求 text into rules; list those needing manual entry."""
    with command_session() as session:
        report = run(session, maintenance.parse_rules, overwrite=overwrite).value
    click.echo(f"{report.parsed} column(s) got rules")
    if report.without_rules:
        click.echo(f"{len(report.without_rules)} column(s) need rules entered by hand:")
        for path in report.without_rules:
            click.echo(f"  {path}")


@deadlines_cli.command("recompute")
def deadlines_recompute() -> None:
    """Recount provisional due dates (after entering a new year's holidays)."""
    cfg = current_app.config["SANSHEN"]
    with command_session() as session:
        report = run(
            session, maintenance.recompute_provisional, prompt_window=cfg.PROMPT_WINDOW_WORKDAYS
        ).value
    click.echo(
        f"items changed {report.items_changed}, obligations changed "
        f"{report.obligations_changed}, still provisional {report.still_provisional}"
    )


@deadlines_cli.command("provisional")
def deadlines_provisional() -> None:
    """List due dates counted with the fallback calendar (enter that year, then recompute)."""
    from workflow.deadlines.maintenance import provisional_dues

    session: Session = current_app.extensions["sanshen.sessions"]()
    try:
        rows = provisional_dues(session)
    finally:
        session.close()
    for row in rows:
        click.echo(f"{row.due_date}  {row.kind} {row.id}  {row.column_path}")
    click.echo(f"{len(rows)} provisional due date(s)")


@deadlines_cli.command("status")
@click.option("--unit", "unit_name", help="Only this unit (name or alias).")
@click.option("--all", "show_all", is_flag=True, help="Also list assignments that are ok.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per assignment.")
def deadlines_status(unit_name: str | None, show_all: bool, as_json: bool) -> None:
    """Each column assignment's standing now: overdue, due soon, provisional, ok."""
    import dataclasses
    import json

    from workflow.deadlines.evaluate import Settings, evaluate

    cfg = current_app.config["SANSHEN"]
    settings = Settings(
        stale_after_months=cfg.STALE_AFTER_MONTHS,
        timezone=cfg.TIMEZONE,
    )
    session: Session = current_app.extensions["sanshen.sessions"]()
    try:
        unit_id = None
        if unit_name:
            unit = find_unit(session, unit_name)
            if unit is None:
                raise click.ClickException(f"no unit named {unit_name}")
            unit_id = unit.id
        results = evaluate(session, now(), settings, unit_id=unit_id)
        names = {u.id: u.name for u in session.execute(select(Unit)).scalars()}
    finally:
        session.close()
    for r in results:
        if not show_all and r.status == "ok" and not r.stale:
            continue
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(r), ensure_ascii=False, default=str))
            continue
        extra = f" since {r.overdue_since}" if r.overdue_since else ""
        due = f" due {r.next_due}" if r.next_due else ""
        stale = " (stale)" if r.stale else ""
        stale += "" if r.confirmed else " (rules not confirmed: never escalated)"
        click.echo(
            f"{r.status:<11} {names.get(r.unit_id, r.unit_id)}  {r.column_path}{due}{extra}{stale}"
        )


def register(app: Flask) -> None:
    from web.report_cli import report_cli

    for group in (db_cli, units_cli, users_cli, demo_cli, audit_cli, holidays_cli, deadlines_cli):
        app.cli.add_command(group)
    from web import cli_notify

    cli_notify.register(app)
    app.cli.add_command(report_cli)


@audit_cli.command("verify-requests")
def audit_verify_requests() -> None:
    """Recompute the history chain of every 依申请公开 request; exit 1 naming the broken."""
    from workflow.disclosure import history

    with audit.snapshot_session(current_app.extensions["sanshen.engine"]) as session:
        broken = history.verify_all(session)
    if not broken:
        click.echo("request histories intact")
        return
    for reference, problems in broken.items():
        click.echo(f"request {reference}: {'; '.join(problems)}", err=True)
    raise SystemExit(1)
