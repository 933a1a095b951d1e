"""The job that refreshes the deadline status summary the office dashboard reads
(`workflow.reporting.status`) and the scoreboard summary (`score_summary`), run by the
one `rq cron` every few minutes.

Without it the dashboard and the scoreboard stay correct but compute everything live
(slow), and the change marks and state-count rows keep growing. Safe to run twice: each run rewrites
the whole summary in one transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from config import Config
from notifications import runtime
from notifications.runtime import utcnow
from workflow import runner
from workflow.reporting.common import ReportSettings
from workflow.reporting.status import refresh

log = logging.getLogger(__name__)


def report_settings(config: Config) -> ReportSettings:
    """The settings the pages, the commands and this job share: the summary is used
    only when it was computed with the same ones."""
    return ReportSettings(
        timezone=config.TIMEZONE,
        stale_after_months=config.STALE_AFTER_MONTHS,
        stage_limits=dict(config.NOTIFY.STAGE_LIMITS),
    )


def refresh_deadline_status(now_iso: str | None = None) -> int:
    rt = runtime.get()
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    with rt.sessions() as session:
        settings = report_settings(rt.config)
        rows = runner.run(session, refresh, actor=None, now=now, settings=settings).value
    log.info("deadline status: %s assignments", rows)
    return rows
