"""`flask checks starter|recheck`: load the starter word lists, and check every published
item (and every item in review) again now, without the worker (links are only read
from the cache: the worker's recheck fetches them)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from web.cli_support import command_session, run
from workflow.checks.revisions import BATCH
from workflow.services import checks

checks_cli = AppGroup("checks", help="Content checks: word lists and rechecks.")


@checks_cli.command("starter")
def starter() -> None:
    """Load the starter lists (entries the office has are left as they are)."""
    with command_session() as session:
        done = run(session, checks.load_starter)
    click.echo(f"added {sum(s.added for s in done.value)} entries")


@checks_cli.command("recheck")
def recheck() -> None:
    """Check published items and items in review against the current lists."""
    with command_session() as session:
        after, checked, new = 0, 0, 0
        while targets := checks.recheck_targets(session, after, BATCH):
            done = run(session, checks.recheck, targets=targets)
            checked, new = checked + done.value.checked, new + done.value.new
            after = max(t.item_id for t in targets)
            session.expunge_all()
    click.echo(f"checked {checked} revisions, {new} new findings")


def register(app: Flask) -> None:
    app.cli.add_command(checks_cli)
