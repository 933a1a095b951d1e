"""`flask --app web …` commands: database, units, users, demo data and the audit check."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import admin_log, audit, migrate
from workflow.accounts import create_unit, create_user, find_unit, get_user, set_password, set_roles
from workflow.demo import DEMO_PASSWORD, load_demo
from workflow.enums import Role, UnitKind
from workflow.errors import WorkflowError
from workflow.models import Unit

db_cli = AppGroup("db", help="Create or upgrade the database schema.")
units_cli = AppGroup("units", help="Manage units (单位).")
users_cli = AppGroup("users", help="Manage users, roles and passwords.")
demo_cli = AppGroup("demo", help="Demo data.")
audit_cli = AppGroup("audit", help="The audit trail.")
holidays_cli = AppGroup("holidays", help="Holiday overrides (the office's calendar).")
deadlines_cli = AppGroup("deadlines", help="Column rules, due dates and who is late.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


@contextmanager
def _transaction() -> Iterator[Session]:
    """One transaction per command: all or nothing, with the error said plainly."""
    session: Session = current_app.extensions["sanshen.sessions"]()
    try:
        yield session
        session.commit()
    except WorkflowError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _log(
    session: Session,
    action: str,
    target_type: str,
    target_id: object,
    target_label: str,
    changes: dict[str, Any],
) -> None:
    """The administrators' log entry of a command (no logged-in user: actor NULL)."""
    admin_log.record(
        session,
        actor=None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        changes=changes,
        now=_now(),
    )


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
    with _transaction() as session:
        unit = create_unit(session, name, kind, aliases, is_office=office)
        _log(
            session,
            "unit.create",
            "unit",
            unit.id,
            unit.name,
            admin_log.unit_created(unit),
        )
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
    with _transaction() as session:
        unit = find_unit(session, unit_name)
        if unit is None:
            raise click.ClickException(f"no unit named {unit_name}")
        user = create_user(
            session,
            login=login,
            name=name,
            unit=unit,
            roles=roles,
            now=_now(),
            email=email,
            mobile=mobile,
            password=password,
        )
        _log(
            session,
            "user.create",
            "user",
            user.id,
            f"{user.name}（{user.login}）",
            admin_log.user_created(user, unit),
        )
        click.echo(f"user {user.id} {user.login} in {unit.name}: {', '.join(roles)}")


@users_cli.command("set-password")
@click.argument("login")
@click.password_option()
def users_set_password(login: str, password: str) -> None:
    with _transaction() as session:
        user = get_user(session, login)
        set_password(user, password)
        _log(
            session,
            "user.password_reset",
            "user",
            user.id,
            f"{user.name}（{user.login}）",
            admin_log.PASSWORD_RESET,  # the fact only, never the password
        )
        click.echo(f"password of {login} changed")


@users_cli.command("set-roles")
@click.argument("login")
@click.option("--role", "roles", type=ROLE_CHOICE, multiple=True, required=True)
def users_set_roles(login: str, roles: tuple[str, ...]) -> None:
    with _transaction() as session:
        user = get_user(session, login)
        before = admin_log.snapshot(user, ("roles",))
        set_roles(user, roles)
        changes = admin_log.diff(before, user)
        if changes:
            _log(session, "user.roles", "user", user.id, f"{user.name}（{user.login}）", changes)
        click.echo(f"{login}: {', '.join(sorted(r.value for r in user.roles))}")


@users_cli.command("deactivate")
@click.argument("login")
def users_deactivate(login: str) -> None:
    with _transaction() as session:
        user = get_user(session, login)
        if user.active:
            user.active = False
            _log(
                session,
                "user.deactivate",
                "user",
                user.id,
                f"{user.name}（{user.login}）",
                {"active": [True, False]},
            )
        click.echo(f"{login} deactivated")


@demo_cli.command("load")
@click.option("--password", default=DEMO_PASSWORD, show_default=True)
def demo_load(password: str) -> None:
    """Load the seed column tables, demo users for every role and items in every state."""
    with _transaction() as session:
        summary = load_demo(session, _now(), password)
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
    if not breaks:
        click.echo("audit trail intact")
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
    from pathlib import Path

    from workflow.holidays import MAX_BYTES, HolidayFileError, read_csv, store

    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # read_csv refuses a bigger one by name
        rows = read_csv(data, Path(path).name)
    except HolidayFileError as exc:
        raise click.ClickException(str(exc)) from exc
    with _transaction() as session:
        count = store(session, rows, _now(), complete=not partial)
        _log(
            session,
            "holiday.upload",
            "calendar",
            None,
            Path(path).name,
            admin_log.facts(
                file=Path(path).name,
                sha256=hashlib.sha256(data).hexdigest(),
                days=count,
                years="、".join(str(y) for y in sorted({r.day.year for r in rows})),
                partial=partial or None,
            ),
        )
    years = sorted({r.day.year for r in rows})
    click.echo(f"imported {count} day(s) for {', '.join(map(str, years))}")


@deadlines_cli.command("parse")
@click.option("--overwrite", is_flag=True, help="Replace rules entered by hand too.")
def deadlines_parse(overwrite: bool) -> None:
    """Turn every column's 时限要求 text into rules; list those needing manual entry."""
    from workflow.deadlines.maintenance import parse_column_rules

    with _transaction() as session:
        report = parse_column_rules(session, _now(), overwrite)
    click.echo(f"{report.parsed} column(s) got rules")
    if report.without_rules:
        click.echo(f"{len(report.without_rules)} column(s) need rules entered by hand:")
        for path in report.without_rules:
            click.echo(f"  {path}")


@deadlines_cli.command("recompute")
def deadlines_recompute() -> None:
    """Recount provisional due dates (after entering a new year's holidays)."""
    from workflow.deadlines.maintenance import recompute_provisional

    cfg = current_app.config["SANSHEN"]
    with _transaction() as session:
        report = recompute_provisional(session, prompt_window=cfg.PROMPT_WINDOW_WORKDAYS)
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
        results = evaluate(session, _now(), settings, unit_id=unit_id)
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
