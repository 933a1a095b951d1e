"""`flask logins purge`: the login log's retention (at least 180 days, 等保 level 3),
and the ended sessions and old failure counters with it. Run it daily (cron).
`flask logins reset-2fa LOGIN`: a user who lost both phone and recovery codes enrols
again at the next login."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from web.cli_support import command_session, run
from workflow.accounts import get_user
from workflow.services import logins
from workflow.services import users as user_settings

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


@logins_cli.command("reset-2fa")
@click.argument("login")
def reset_two_factor(login: str) -> None:
    """Turn off LOGIN's two-factor login and drop their recovery codes."""
    with command_session() as session:
        user = get_user(session, login)
        changed = run(session, user_settings.disable_two_factor, user=user).value
    click.echo(f"two-factor login of {login} reset" if changed else f"{login} had none")


def register(app: Flask) -> None:
    app.cli.add_command(logins_cli)
