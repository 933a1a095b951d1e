"""Reports mailed on a schedule (ReportSchedule, workflow.services.report_schedules):
the monthly 考核 workbook and seed 002's submission spreadsheet, each of the month before,
sent on the schedule's day of the month to its mailboxes through the email channel and
the delivery ledger.

Safe to run twice, and late: what is due is worked out from the database at `now`, and
the ledger's key (the schedule, the report, the mailbox, the month) records each mail
once. The file is built when the mail is sent (`attachment`), from the database, so the
ledger holds no bytes."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications import ledger, runtime
from notifications.channels import EMAIL
from notifications.ledger import Draft
from workflow.models import Delivery, ReportSchedule
from workflow.reporting.common import DEFAULTS, Period, ReportSettings, parse_period
from workflow.reporting.exports import assessment_xlsx, submissions_xlsx

log = logging.getLogger(__name__)

KIND = "report"  # the ledger rows' kind
TITLES = {
    "assessment": "政务公开栏目月度考核表",
    "submissions": "政务公开信息报送情况表",
}


def previous_month(day: date) -> str:
    last = day.replace(day=1) - timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def due_drafts(session: Session, now: datetime, timezone: str) -> list[Draft]:
    """One draft per (active schedule whose day has come this month, mailbox)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    label = previous_month(today)
    period = parse_period(label)
    drafts = []
    for schedule in session.execute(
        select(ReportSchedule).where(ReportSchedule.active).order_by(ReportSchedule.id)
    ).scalars():
        if today.day < schedule.day_of_month:
            continue
        title = f"【定期报送】{period.title}{TITLES[schedule.kind]}"
        body = (
            f"附件为{period.title}（{period.start:%Y-%m-%d}至{period.end:%Y-%m-%d}）"
            f"{TITLES[schedule.kind]}，由三审系统按区政府办的设置每月{schedule.day_of_month}日发送。"
        )
        for mailbox in schedule.recipients.split():
            drafts.append(
                Draft(
                    f"report:{schedule.id}",
                    schedule.kind,
                    f"mailbox:{mailbox}",
                    EMAIL,
                    label,
                    KIND,
                    title,
                    body,
                    params={"report": schedule.kind, "period": label},
                )
            )
    return drafts


def attachment(
    session: Session, delivery: Delivery, settings: ReportSettings = DEFAULTS
) -> tuple[bytes, str] | None:
    """The file a scheduled report's mail carries (None for any other mail)."""
    kind = (delivery.params or {}).get("report")
    if delivery.kind != KIND or kind not in TITLES:
        return None
    period: Period = parse_period(str(delivery.params["period"]))
    name = f"{period.title}{TITLES[kind]}.xlsx"
    if kind == "assessment":
        return assessment_xlsx(session, period, delivery.created_at, settings), name
    return submissions_xlsx(session, period.start, period.end, settings), name


def run_report_mail(now_iso: str | None = None) -> int:
    """The periodic job (notifications.cron_config): record what is due, commit, then
    enqueue the new rows. Returns how many mails were recorded."""
    from rq import Queue, get_current_job

    from notifications.jobs import enqueue_deliveries

    rt = runtime.get()
    now = datetime.fromisoformat(now_iso) if now_iso else runtime.utcnow()
    if EMAIL not in rt.channels:
        return 0
    with rt.sessions() as session:
        ids = ledger.record(session, due_drafts(session, now, rt.config.TIMEZONE), now)
        session.commit()
    job = get_current_job()
    if job is not None:  # else the next scan's recovery enqueues the pending rows
        enqueue_deliveries(Queue(runtime.QUEUE, connection=job.connection), ids, rt.config.NOTIFY)
    log.info("scheduled reports: %s mails", len(ids))
    return len(ids)
