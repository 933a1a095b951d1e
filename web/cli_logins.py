"""`flask logins purge`: the login log's retention (at least 180 days, 等保 level 3),
and the ended sessions and old failure counters with it. Run it daily (cron)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from web.cli_support import command_session, run
from workflow.services import logins

logins_cli = AppGroup("logins", help="The login log and login sessions.")


@logins_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=logins.MIN_LOG_DAYS),
    default=logins.MIN_LOG_DAYS,
    show_default=True,
    help="Keep this many days of the login log (never fewer than 180).",
)
def purge(days: int) -> None:
    """Remove login log rows older than DAYS, ended sessions and old failure counters."""
    with command_session() as session:
        removed = run(session, logins.purge, days=days).value
    click.echo(f"removed {removed} login log rows older than {days} days")


def register(app: Flask) -> None:
    app.cli.add_command(logins_cli)
