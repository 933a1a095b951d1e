"""The content checks' jobs (workflow.checks): fetch an item's links and check it again;
recheck every published item (and every item in review) after a word list changed and
on a schedule; tell the drafter and the office of new findings on published items.

Jobs take ids, work out the rest from the database and are safe to run twice: link
results are a cache, a check of an unchanged revision changes nothing, and the messages
go through the delivery ledger keyed by the findings they announce.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rq import Queue, get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications import runtime
from notifications.jobs import enqueue_deliveries, record_reminders
from notifications.links import fetch_all
from notifications.recipients import Directory
from notifications.reminders import Reminder
from notifications.runtime import QUEUE, utcnow
from workflow.checks.revisions import Target, urls_of
from workflow.checks.store import link_results
from workflow.enums import Role
from workflow.events import LinksToCheck, LiveFindings
from workflow.models import Item, Unit
from workflow.runner import run
from workflow.services.checks import check_item, recheck, recheck_targets, record_links
from workflow.storage import BlobStore

log = logging.getLogger(__name__)

BATCH = 500  # items per recheck transaction
MAX_URLS = 2000  # links fetched per run; the next run takes the rest
NOTICE = "content_check"


def _queue() -> Queue | None:
    job = get_current_job()
    return Queue(QUEUE, connection=job.connection) if job is not None else None


def _targets(session: Session, item_id: int) -> list[Target]:
    item = session.get(Item, item_id)
    if item is None:
        return []
    out = [Target(item.id, item.current_revision_no)]
    if item.live_revision_no is not None and item.live_revision_no != item.current_revision_no:
        out.append(Target(item.id, item.live_revision_no, on_live=True))
    return out


def _stale(session: Session, urls: set[str], now: datetime, ttl: int) -> list[str]:
    fresh = link_results(session, urls, now, ttl) if ttl > 0 else {}
    return sorted(u for u in urls if u not in fresh)


def check_item_links(item_id: int, now_iso: str | None = None) -> dict[str, int]:
    """Fetch the item's links whose result is older than LINK_CHECK_TTL (or missing),
    keep the results, and check the item again so dead links show as findings."""
    rt = runtime.get()
    cfg = rt.config
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    with rt.sessions() as session:
        urls = set().union(*urls_of(session, _targets(session, item_id)).values())
        stale = _stale(session, urls, now, cfg.LINK_CHECK_TTL)
    results = fetch_all(
        stale[:MAX_URLS], cfg.PORTAL_DOMAINS, cfg.LINK_CHECK_TIMEOUT, cfg.LINK_CHECK_PRIVATE
    )
    with rt.sessions() as session:
        if results:
            run(session, record_links, actor=None, now=now, results=results)
        outcome = run(
            session,
            check_item,
            actor=None,
            now=now,
            item_id=item_id,
            store=BlobStore(cfg.ATTACHMENT_DIR),
        )
    return {"fetched": len(results), "new": outcome.value.new}


def recheck_live(now_iso: str | None = None) -> dict[str, int]:
    """Check every published item's live revision and every item in review again (after
    a list change, and on the schedule): in batches, then fetch the links that have no
    fresh result and check their items once more; announce new findings on live items."""
    rt = runtime.get()
    cfg = rt.config
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    store = BlobStore(cfg.ATTACHMENT_DIR)
    events: list[Any] = []
    totals = {"checked": 0, "new": 0, "fixed": 0, "fetched": 0, "announced": 0}
    after = 0
    with rt.sessions() as session:
        while targets := recheck_targets(session, after, BATCH):
            outcome = run(
                session,
                recheck,
                actor=None,
                now=now,
                targets=targets,
                store=store,
                link_ttl=cfg.LINK_CHECK_TTL,
            )
            events.extend(outcome.events)
            totals["checked"] += outcome.value.checked
            totals["new"] += outcome.value.new
            totals["fixed"] += outcome.value.fixed
            after = max(t.item_id for t in targets)
            session.expunge_all()  # a batch's rows are not needed by the next
        pending = [e for e in events if isinstance(e, LinksToCheck)]
        urls = sorted({u for e in pending for u in e.urls})[:MAX_URLS]
        if urls:
            results = fetch_all(
                urls, cfg.PORTAL_DOMAINS, cfg.LINK_CHECK_TIMEOUT, cfg.LINK_CHECK_PRIVATE
            )
            run(session, record_links, actor=None, now=now, results=results)
            totals["fetched"] = len(results)
            again = [t for e in pending for t in _targets(session, e.item_id)]
            for i in range(0, len(again), BATCH):
                outcome = run(session, recheck, actor=None, now=now, targets=again[i : i + BATCH])
                events.extend(outcome.events)
                totals["new"] += outcome.value.new
        totals["announced"] = announce(
            session, [e for e in events if isinstance(e, LiveFindings)], now, _queue()
        )
    log.info("content recheck: %s", totals)
    return totals


def notices(session: Session, found: Sequence[LiveFindings], base_url: str) -> list[Reminder]:
    """One message per item with new findings: its drafter and the office's editors."""
    if not found:
        return []
    directory = Directory.load(session)
    offices = session.scalars(select(Unit.id).where(Unit.is_office.is_(True)))
    office = [u for unit_id in offices for u in directory.unit(unit_id, Role.OFFICE_EDITOR)]
    out = []
    for e in found:
        users = tuple(dict.fromkeys([e.drafter_id, *office]))
        period = f"f{max(e.finding_ids)}"
        out.append(
            Reminder(
                f"findings:{e.item_id}",
                "live_findings",
                period,
                NOTICE,
                f"【内容检查】已发布信息《{e.title}》发现 {len(e.finding_ids)} 处新问题",
                f"已发布信息《{e.title}》在复查中发现 {len(e.finding_ids)} 处新问题"
                "（错敏词、错链或附件），请及时处理。",
                users,
                f"{base_url.rstrip('/')}/items/{e.item_id}",
                {"subject": f"《{e.title}》"[:30], "when": ""},
            )
        )
    return out


def announce(
    session: Session, found: Sequence[LiveFindings], now: datetime, queue: Queue | None
) -> int:
    """Record the messages of new live findings in the ledger (once per finding set) and
    hand them to the senders."""
    rt = runtime.get()
    reminders = notices(session, found, rt.config.NOTIFY.BASE_URL)
    if not reminders:
        return 0
    ids = record_reminders(session, reminders, now)
    session.commit()
    if queue is not None and ids:
        enqueue_deliveries(queue, ids, rt.config.NOTIFY)
    return len(ids)
