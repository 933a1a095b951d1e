"""The periodic jobs, run by `python -m notifications.scheduler` (as many as you like: one
acts at a time, see there). It only enqueues the reminder scan, the scheduled
publications, the dashboard's summary refresh and the outbox relay; each works out from
the database what to do, so a missed tick loses nothing. (`rq cron` would run this file
too, but without leader election: then exactly one.)"""

from __future__ import annotations

import os

from rq import cron

from config import load_notify_config
from notifications.content_checks import recheck_live
from notifications.jobs import run_scan
from notifications.publishing import publish_scheduled
from notifications.relay import relay_outbox
from notifications.report_mail import run_report_mail
from notifications.runtime import QUEUE
from notifications.status_job import refresh_deadline_status
from notifications.webhooks import purge_api_calls

cron.register(
    run_scan,
    queue_name=QUEUE,
    interval=load_notify_config().SCAN_INTERVAL_SECONDS,  # NOTIFY_SCAN_INTERVAL
    job_timeout=600,
    name="sanshen-reminder-scan",
)

# Scheduled publications (定时发布): a minute's resolution is what the office editor sees.
cron.register(
    publish_scheduled,
    queue_name=QUEUE,
    interval=int(os.environ.get("SCHEDULED_PUBLISH_INTERVAL") or 60),
    job_timeout=300,
    name="sanshen-scheduled-publication",
)

# The office dashboard's deadline summary (workflow.reporting.status) and the scoreboard's
# (score_summary): figures changed since a refresh are recomputed live, so this only keeps
# the two pages fast (the first run of a local day rebuilds the scoreboard's: seconds).
cron.register(
    refresh_deadline_status,
    queue_name=QUEUE,
    interval=int(os.environ.get("STATUS_REFRESH_INTERVAL") or 300),
    job_timeout=900,
    name="sanshen-deadline-status",
)

# The outbox relay (notifications.relay): events the web could not hand to Redis at once
# (Redis down or frozen) go out at the latest this many seconds after it is back.
cron.register(
    relay_outbox,
    queue_name=QUEUE,
    interval=int(os.environ.get("OUTBOX_RELAY_INTERVAL") or 30),
    job_timeout=300,
    name="sanshen-outbox-relay",
)

# Reports mailed on a schedule (notifications.report_mail): hourly is enough for a monthly
# mail, and the ledger's key keeps a second run from sending anything twice.
cron.register(
    run_report_mail,
    queue_name=QUEUE,
    interval=int(os.environ.get("REPORT_MAIL_INTERVAL") or 3600),
    job_timeout=600,
    name="sanshen-report-mail",
)
# The API call log's retention (API_CALL_KEEP_DAYS; `flask api purge-calls` by hand).
cron.register(
    purge_api_calls,
    queue_name=QUEUE,
    interval=86400,
    job_timeout=900,
    name="sanshen-api-call-purge",
)
# Content checks (workflow.checks): published items and items in review checked again,
# their stale links fetched (links die later). A word list change enqueues it at once too.
cron.register(
    recheck_live,
    queue_name=QUEUE,
    interval=int(os.environ.get("CONTENT_RECHECK_INTERVAL") or 86_400),
    job_timeout=3600,
    name="sanshen-content-recheck",
)
