"""`rq cron notifications.cron_config`: the one periodic process. It only enqueues the
reminder scan and the scheduled publications; both work out from the database what is
due, so a missed tick loses nothing.
Run exactly one `rq cron` (it has no leader election)."""

from __future__ import annotations

import os

from rq import cron

from notifications.jobs import run_scan
from notifications.publishing import publish_scheduled
from notifications.runtime import QUEUE

cron.register(
    run_scan,
    queue_name=QUEUE,
    interval=int(os.environ.get("NOTIFY_SCAN_INTERVAL") or 600),
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
