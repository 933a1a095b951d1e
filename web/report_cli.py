"""`flask --app web report …`: the office's reports from the command line.

report assessment --month 2026-10 -o 2026-10考核.xlsx   (or --period 2026-Q4 / 2026)
report bulletin --month 2026-10 -o 通报.docx
report submissions --month 2026-10 [--unit 区教育局] -o 报送.xlsx  (or --from/--to)
report review-forms --month 2026-10 [--unit 区教育局] -o 审核表.docx|.pdf  (or --item ID)
report scoreboard --month 2026-10       report cramming --year 2026
report health [--json]                  report guess-kinds
report feed-issue --unit 区教育局 | --user LOGIN      report feed-revoke ID
report refresh-status                   (the periodic scan's deadline status summary)
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from web.cli_support import command_session, now, run
from workflow.accounts import find_unit, get_user
from workflow.enums import Role
from workflow.models import User
from workflow.reporting.common import Period, PeriodError, ReportSettings, parse_period
from workflow.services import feeds as feed_services
from workflow.services import maintenance

report_cli = AppGroup("report", help="The office's reports: assessment, 通报, health, feeds.")


def _settings() -> ReportSettings:
    from notifications.status_job import report_settings

    return report_settings(current_app.config["SANSHEN"])


def _period(month: str | None, period: str | None) -> Period:
    text = month or period
    if not text or (month and period):
        raise click.UsageError("give exactly one of --month or --period")
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--month/--period") from exc


def _write(path: str, data: bytes) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, renamed."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=".report-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(f"wrote {target} ({len(data)} bytes)")


def _unit_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    unit = find_unit(session, name)
    if unit is None:
        raise click.ClickException(f"no unit named {name}")
    return unit.id


_month = click.option("--month", help="A month: 2026-10.")
_any_period = click.option("--period", "period_text", help="A quarter or year: 2026-Q4, 2026.")
_out = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))


@report_cli.command("assessment")
@_month
@_any_period
@_out
def assessment(month: str | None, period_text: str | None, output: str) -> None:
    """The assessment workbook (.xlsx), laid out for printing."""
    from workflow.reporting.exports import assessment_xlsx

    period = _period(month, period_text)
    with command_session() as session:
        data = assessment_xlsx(session, period, now(), _settings())
    _write(output, data)


@report_cli.command("bulletin")
@_month
@_any_period
@_out
@click.option("--issuer", default="区政府办公室", show_default=True)
def bulletin(month: str | None, period_text: str | None, output: str, issuer: str) -> None:
    """A 通报 draft (.docx) naming the late units and their columns."""
    from workflow.reporting.exports import bulletin_docx

    period = _period(month, period_text)
    with command_session() as session:
        data = bulletin_docx(session, period, now(), _settings(), issuer=issuer)
    _write(output, data)


@report_cli.command("submissions")
@_month
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
@click.option("--unit", "unit_name", help="Only this unit (name or alias).")
@_out
def submissions(
    month: str | None,
    start: datetime | None,
    end: datetime | None,
    unit_name: str | None,
    output: str,
) -> None:
    """Items submitted in a period by unit and column (.xlsx, seed 002)."""
    from workflow.reporting.exports import submissions_xlsx

    if month:
        if start or end:
            raise click.UsageError("give --month or --from/--to, not both")
        period = _period(month, None)
        first, last = period.start, period.end
    elif start and end:
        first, last = start.date(), end.date()
    else:
        raise click.UsageError("give --month, or both --from and --to")
    if first > last:
        raise click.BadParameter("--from is after --to")
    with command_session() as session:
        data = submissions_xlsx(session, first, last, _settings(), _unit_id(session, unit_name))
    _write(output, data)


@report_cli.command("review-forms")
@_month
@_any_period
@click.option("--unit", "unit_name", help="Only this unit (name or alias).")
@click.option("--item", "item_id", type=int, help="One item's form instead of a period's.")
@click.option("--revision", type=int, help="With --item: this revision (default: the live one).")
@_out
def review_forms_command(
    month: str | None,
    period_text: str | None,
    unit_name: str | None,
    item_id: int | None,
    revision: int | None,
    output: str,
) -> None:
    """信息发布审核表: one per revision published in the period (or one item's), as .docx
    or .pdf by the output's extension."""
    from workflow.models import Item
    from workflow.reporting import review_form_docx, review_form_pdf
    from workflow.reporting.review_form import form_revision, published_in, review_forms

    suffix = Path(output).suffix.lower()
    if suffix not in (".docx", ".pdf"):
        raise click.BadParameter("the output must end in .docx or .pdf", param_hint="-o")
    settings = _settings()
    with command_session() as session:
        if item_id is not None:
            if month or period_text or unit_name:
                raise click.UsageError("give --item, or a period (and --unit), not both")
            item = session.get(Item, item_id)
            if item is None:
                raise click.ClickException(f"no item {item_id}")
            keys = [(item.id, revision or form_revision(item))]
        else:
            if revision is not None:
                raise click.UsageError("--revision goes with --item")
            period = _period(month, period_text)
            unit_id = _unit_id(session, unit_name)
            keys = published_in(session, period.start, period.end, settings, unit_id)
        forms = review_forms(session, keys)
        if item_id is not None and not forms:
            raise click.ClickException(f"item {item_id} has no revision {keys[0][1]}")
    render = review_form_pdf.render if suffix == ".pdf" else review_form_docx.render
    _write(output, render(forms, now(), settings))
    click.echo(f"{len(forms)} form(s)")


@report_cli.command("scoreboard")
@_month
@_any_period
def scoreboard_command(month: str | None, period_text: str | None) -> None:
    """Units ranked by on-time rate for a month, quarter or year."""
    from workflow.reporting.scoreboard import scoreboard

    period = _period(month, period_text)
    with command_session() as session:
        board = scoreboard(session, period, now(), _settings())
    click.echo(f"{period.title}  (as of {board.as_of})")
    for s in board.units:
        rate = "—" if s.on_time_rate is None else f"{s.on_time_rate:.0%}"
        click.echo(
            f"{s.rank if s.rank else '—':>3}. {s.unit_name}  on time {s.on_time}, late {s.late}, "
            f"missed {s.missed}, rate {rate}, returned {s.returned}/{s.reviewed}"
        )


@report_cli.command("cramming")
@click.option("--year", type=int, default=None, help="Default: this year.")
def cramming_command(year: int | None) -> None:
    """Units that published most of a column's year in December (年底突击)."""
    from workflow.reporting.cramming import cramming

    settings = _settings()
    year = year or now().astimezone(settings.tz).year
    with command_session() as session:
        flags = cramming(session, year, settings)
    for f in flags:
        click.echo(
            f"{f.share:.0%}  {f.unit_name}  {f.column_path}  ({f.december_items}/{f.year_items})"
        )
    click.echo(f"{len(flags)} column(s) above {settings.cram_share:.0%} in December {year}")


@report_cli.command("refresh-status")
def refresh_status_command() -> None:
    """Recompute the deadline status summary the dashboard reads (the periodic scan does
    this every few minutes)."""
    with command_session() as session:
        rows = run(session, maintenance.refresh_status, settings=_settings()).value
    click.echo(f"deadline status of {rows} assignment(s) refreshed")


@report_cli.command("health")
@click.option("--json", "as_json", is_flag=True, help="The whole result as JSON.")
def health(as_json: bool) -> None:
    """The portal against the national inspection's veto tests (单项否决) today."""
    from workflow.reporting.health import portal_health

    with command_session() as session:
        result = portal_health(session, now(), _settings())
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, default=str))
        return
    for t in result.tests:
        mark = "FAIL" if t.failing else "ok  "
        when = f", fails on {t.fail_date}" if t.fail_date and not t.failing else ""
        click.echo(f"{mark} {t.title}: {t.count} (limit {t.limit}){when}")
    for d in result.deductions:
        click.echo(f"-{d.total:<3} {d.title}: {len(d.columns)} column(s)")
    if result.first_fail_date:
        click.echo(
            f"first failing date if nothing more is published: {result.first_fail_date} "
            f"({', '.join(result.first_fail_tests)}); units: {', '.join(result.first_fail_units)}"
        )
    else:
        click.echo("the portal does not fail on its own if nothing more is published")


@report_cli.command("guess-kinds")
def guess_kinds_command() -> None:
    """Give columns without inspection kinds the ones their paths suggest."""
    with command_session() as session:
        changed = run(session, maintenance.guess_kinds).value
    click.echo(f"{changed} column(s) got kinds")


@report_cli.command("feed-issue")
@click.option("--unit", "unit_name", help="A unit's feed (name or alias).")
@click.option("--user", "login", help="A user's feed (login).")
@click.option("--by", "by_login", required=True, help="The admin issuing it (login).")
@click.option("--label", default="")
def feed_issue(unit_name: str | None, login: str | None, by_login: str, label: str) -> None:
    """Issue a calendar feed token; the secret is shown once."""
    with command_session() as session:
        admin = get_user(session, by_login)
        if not admin.has_role(Role.ADMIN):
            raise click.ClickException(f"{by_login} is not an admin")
        user: User | None = get_user(session, login) if login else None
        token, secret = run(
            session,
            feed_services.issue_feed,
            created_by=admin,
            user_id=user.id if user else None,
            unit_id=_unit_id(session, unit_name),
            label=label,
        ).value
        token_id = token.id
    click.echo(f"feed {token_id}: {secret}")


@report_cli.command("feed-revoke")
@click.argument("token_id", type=int)
def feed_revoke(token_id: int) -> None:
    """Revoke a calendar feed: its URL stops working at once."""
    with command_session() as session:
        run(session, feed_services.revoke_feed, token_id=token_id)
    click.echo(f"feed {token_id} revoked")
