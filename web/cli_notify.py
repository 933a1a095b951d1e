"""`flask --app web notify …` and `leaders import`: reminders by hand, the office's lists,
and the unit → supervising leader table."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from web.cli_support import command_session, run

notify_cli = AppGroup("notify", help="Reminders and message deliveries.")
leaders_cli = AppGroup("leaders", help="Which leader supervises which units (escalation).")


@notify_cli.command("scan")
def notify_scan() -> None:
    """Run the reminder scan now and enqueue what is due (the worker sends it)."""
    from notifications import runtime
    from notifications.jobs import connection_queue, scan_and_enqueue
    from notifications.redis_conn import connect

    config = current_app.config["SANSHEN"]
    runtime.configure(config)
    client, embedded = connect(config.REDIS_URL, config.INSTANCE_DIR)
    try:
        result = scan_and_enqueue(connection_queue(client))
    finally:
        if embedded is not None:
            embedded.shutdown()
    click.echo(
        f"{result['reminders']} reminder(s), {result['new']} new message(s), "
        f"{result['digests']} digest(s), {result['escalations']} escalation message(s), "
        f"{result['enqueued']} enqueued"
    )


@notify_cli.command("failed")
def notify_failed() -> None:
    """List messages that could not be delivered."""
    from notifications.ledger import failed_deliveries

    with current_app.extensions["sanshen.sessions"]() as session:
        rows = failed_deliveries(session)
        for d in rows:
            click.echo(f"{d.id}\t{d.channel}\t{d.recipient}\t{d.title}\t{d.last_error}")
        click.echo(f"{len(rows)} failed")


@leaders_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def leaders_import(path: str) -> None:
    """Import 单位,分管领导[,职务][,邮箱][,手机][,登录名] from CSV or xlsx (all or nothing)."""
    from notifications.leaders import LeaderFileError
    from notifications.services import import_leaders

    with command_session() as session:
        try:
            leaders, units = run(session, import_leaders, path=Path(path)).value
        except LeaderFileError as exc:  # names the row
            raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {leaders} leader(s) for {units} unit(s)")


def register(app: Flask) -> None:
    app.cli.add_command(notify_cli)
    app.cli.add_command(leaders_cli)
