"""`flask api purge-calls`: the API call log's retention (API_CALL_KEEP_DAYS, 90 by
default) and the remembered answers of idempotent writes (a day). Run it daily (cron)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from web.cli_support import command_session, run
from workflow.services import api as api_services

api_cli = AppGroup("api", help="The portal API (issue 18).")


@api_cli.command("purge-calls")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Days to keep.")
def purge_calls(days: int | None) -> None:
    """Remove API calls older than DAYS (default API_CALL_KEEP_DAYS)."""
    keep = days or current_app.config["SANSHEN"].API.CALL_KEEP_DAYS
    with command_session() as session:
        removed = run(session, api_services.purge_calls, keep_days=keep).value
    click.echo(f"removed {removed} API calls older than {keep} days")


def register(app: Flask) -> None:
    app.cli.add_command(api_cli)
