"""Webhook subscriptions and deliveries as services (`workflow.runner.run`).

An administrator subscribes a URL to event types and gets its signing secret once;
`fan_out` turns one outbox event into one delivery row per subscription that wants it
(in the transaction that marks the outbox row done, so exactly once); the delivering job
(`notifications.webhooks`) records each attempt with `record_attempt`, which decides the
retry, marks the delivery failed after the last one, and pauses an endpoint that failed
WEBHOOK_PAUSE_AFTER times in a row (the office is told by a WebhookPaused event). A
delivery keeps its message id (the `webhook-id` header) through retries and replays.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.errors import NotFound, ValidationFailed
from workflow.events import WebhookPaused
from workflow.models import (
    Column,
    Item,
    Revision,
    Unit,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.outcome import LogEntry, Outcome, done

ITEM_PUBLISHED = "item.published"
ITEM_REVISED = "item.revised"
ITEM_RETRACTED = "item.retracted"
ITEM_RETURNED = "item.returned"
COLUMN_OVERDUE = "column.overdue"
EVENT_TYPES = (ITEM_PUBLISHED, ITEM_REVISED, ITEM_RETRACTED, ITEM_RETURNED, COLUMN_OVERDUE)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
ANSWER_MAX = 500
NAME_MAX = 100
URL_MAX = 1000


def event_type(payload: dict[str, Any]) -> str | None:
    """The webhook event type of an outbox payload (None: no webhook carries it)."""
    kind = payload.get("type")
    if kind == "ItemPublished":
        return ITEM_REVISED if payload.get("revised") else ITEM_PUBLISHED
    return {
        "ItemRetracted": ITEM_RETRACTED,
        "ItemReturned": ITEM_RETURNED,
        "ColumnOverdue": COLUMN_OVERDUE,
    }.get(str(kind))


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check(name: str, url: str, events: Sequence[str]) -> tuple[str, str, list[str]]:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed("a webhook needs a name of at most 100 characters")
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed("the webhook url must be an http or https address")
    chosen = [e for e in EVENT_TYPES if e in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationFailed("choose the webhook's events")
    return name, url, chosen


def create_subscription(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    name: str,
    url: str,
    events: Sequence[str],
) -> Outcome[tuple[WebhookSubscription, str]]:
    """A new subscription: (the row, its signing secret to show once)."""
    name, url, chosen = _check(name, url, events)
    secret = new_secret()
    sub = WebhookSubscription(
        name=name,
        url=url,
        events=chosen,
        secret=secret,
        active=True,
        pause_reason="",
        consecutive_failures=0,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    session.add(sub)
    session.flush()
    entry = LogEntry(
        "webhook.create", "webhook", sub.id, name, admin_log.facts(url=url, events=chosen)
    )
    return done((sub, secret), (), entry)


def _subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise NotFound(f"webhook {subscription_id} does not exist")
    return sub


def set_active(
    session: Session, *, actor: User | None, now: datetime, subscription_id: int, active: bool
) -> Outcome[list[int]]:
    """Pause or resume a subscription; resuming returns its pending deliveries' ids (the
    caller enqueues them: what happened while paused is delivered, not lost)."""
    sub = _subscription(session, subscription_id)
    if sub.active == active:
        return done([])
    sub.active = active
    sub.paused_at = None if active else now
    sub.pause_reason = "" if active else "admin"
    sub.consecutive_failures = 0
    pending: list[int] = []
    if active:
        pending = list(
            session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.subscription_id == sub.id,
                    WebhookDelivery.status == PENDING,
                )
                .order_by(WebhookDelivery.id)
            )
        )
    session.flush()
    action = "webhook.resume" if active else "webhook.pause"
    entry = LogEntry(action, "webhook", sub.id, sub.name, {"active": [not active, active]})
    return done(pending, (), entry)


def delete_subscription(
    session: Session, *, actor: User | None, now: datetime, subscription_id: int
) -> Outcome[None]:
    sub = _subscription(session, subscription_id)
    label = sub.name
    session.delete(sub)
    session.flush()
    return done(None, (), LogEntry("webhook.delete", "webhook", subscription_id, label, {}))


def replay(
    session: Session, *, actor: User | None, now: datetime, delivery_id: int
) -> Outcome[int]:
    """Send a delivery again (same message id, a receiver may drop it as a repeat): back
    to pending with a fresh count of attempts; the caller enqueues it."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"webhook delivery {delivery_id} does not exist")
    delivery.status = PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    session.flush()
    entry = LogEntry(
        "webhook.replay",
        "webhook",
        delivery.subscription_id,
        delivery.message_id,
        {"delivery": [None, delivery.id], "event": [None, delivery.event_type]},
    )
    return done(delivery.id, (), entry)


def _item_data(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    item_id = int(payload["item_id"])
    row = session.execute(
        select(Item.title, Item.live_revision_no, Column.path, Unit.name)
        .join(Column, Column.id == Item.column_id)
        .join(Unit, Unit.id == Item.unit_id)
        .where(Item.id == item_id)
    ).first()
    title, live, path, unit = row if row is not None else ("", None, "", "")
    if live is not None:  # the public title, not a newer draft's
        title = (
            session.scalar(
                select(Revision.title).where(Revision.item_id == item_id, Revision.number == live)
            )
            or title
        )
    return {
        "item_id": item_id,
        "revision": payload.get("revision_no"),
        "title": title,
        "column_id": payload.get("column_id"),
        "column_path": path,
        "unit_id": payload.get("unit_id"),
        "unit_name": unit,
        "at": payload.get("at"),
    }


def message_body(session: Session, payload: dict[str, Any], kind: str) -> dict[str, Any]:
    """What a receiver gets (Standard Webhooks' shape: type, timestamp, data). Plain
    facts; a reviewer's comment on a return stays inside sanshen."""
    if kind == COLUMN_OVERDUE:
        data: dict[str, Any] = {
            "column_id": payload.get("column_id"),
            "column_path": payload.get("column_path"),
            "unit_id": payload.get("unit_id"),
            "overdue_since": payload.get("overdue_since"),
        }
        unit = session.get(Unit, int(payload.get("unit_id") or 0))
        data["unit_name"] = unit.name if unit else ""
    else:
        data = _item_data(session, payload)
    return {"type": kind, "timestamp": payload.get("at"), "data": data}


def fan_out(session: Session, payload: dict[str, Any], now: datetime) -> list[int]:
    """One pending delivery per subscription that wants this outbox event; the ids of
    those to send now (paused subscriptions' wait for their resumption). Called in the
    transaction that marks the outbox row done."""
    kind = event_type(payload)
    if kind is None:
        return []
    subs = [
        s
        for s in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
        if kind in (s.events or [])
    ]
    if not subs:
        return []
    body = message_body(session, payload, kind)
    out = []
    for sub in subs:
        delivery = WebhookDelivery(
            subscription_id=sub.id,
            message_id=f"msg_{uuid.uuid4().hex}",
            event_type=kind,
            payload=body,
            status=PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        session.add(delivery)
        session.flush()
        if sub.active:
            out.append(delivery.id)
    return out


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    answer: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Policy:
    retry_delays: tuple[int, ...]
    pause_after: int


def record_attempt(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    delivery_id: int,
    attempt: Attempt,
    policy: Policy,
) -> Outcome[float | None]:
    """Log one attempt and decide what follows; the value is the seconds until the
    next attempt (None: none, delivered or given up)."""
    if attempt.ok:
        _delivered(session, delivery_id, attempt, now)
        return done(None)
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return done(None)
    _log_attempt(session, delivery_id, attempt, now)
    delivery.attempts += 1
    sub = session.get(WebhookSubscription, delivery.subscription_id, with_for_update=True)
    events: list[Any] = []
    log: list[LogEntry] = []
    if sub is not None:
        sub.consecutive_failures += 1
        if sub.active and sub.consecutive_failures >= policy.pause_after:
            sub.active = False
            sub.paused_at = now
            sub.pause_reason = "failures"
            events.append(WebhookPaused(sub.id, sub.name, sub.url, sub.consecutive_failures, now))
            log.append(
                LogEntry(
                    "webhook.pause",
                    "webhook",
                    sub.id,
                    sub.name,
                    {"active": [True, False], "failures": [None, sub.consecutive_failures]},
                )
            )
    delay: float | None = None
    if delivery.attempts <= len(policy.retry_delays):
        delay = float(policy.retry_delays[delivery.attempts - 1])
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    else:
        delivery.status = FAILED
        delivery.next_attempt_at = None
    if sub is not None and not sub.active:
        delay = None  # a paused endpoint's deliveries wait (pending) for its resumption
    session.flush()
    return Outcome(delay, tuple(events), tuple(log))


def _log_attempt(session: Session, delivery_id: int, attempt: Attempt, now: datetime) -> None:
    session.execute(
        insert(WebhookAttempt).values(
            delivery_id=delivery_id,
            at=now,
            status_code=attempt.status_code,
            answer=attempt.answer[:ANSWER_MAX],
            error=attempt.error[:200],
            ok=attempt.ok,
        )
    )


def _delivered(session: Session, delivery_id: int, attempt: Attempt, now: datetime) -> None:
    """The common case in three statements, no row read first: the delivery marked,
    its attempt logged, and the endpoint's failure count cleared if it had one."""
    subscription_id = session.scalar(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            status=DELIVERED,
            attempts=WebhookDelivery.attempts + 1,
            delivered_at=now,
            next_attempt_at=None,
        )
        .returning(WebhookDelivery.subscription_id)
    )
    if subscription_id is None:
        return
    _log_attempt(session, delivery_id, attempt, now)
    session.execute(
        update(WebhookSubscription)
        .where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.consecutive_failures != 0,
        )
        .values(consecutive_failures=0)
    )


@dataclass(frozen=True)
class Claimed:
    url: str
    secret: str
    message_id: str
    payload: dict[str, Any]


def claim(session: Session, delivery_id: int) -> Claimed | None:
    """What to send for a delivery still pending to an active endpoint (one read)."""
    row = session.execute(
        select(
            WebhookSubscription.url,
            WebhookSubscription.secret,
            WebhookDelivery.message_id,
            WebhookDelivery.payload,
        )
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == PENDING,
            WebhookSubscription.active.is_(True),
        )
    ).first()
    return None if row is None else Claimed(row[0], row[1], row[2], dict(row[3]))


def due(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Pending deliveries of active subscriptions whose attempt is overdue by a minute
    (their job was lost with Redis): the scan enqueues them again."""
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at < now - timedelta(minutes=1),
                WebhookSubscription.active.is_(True),
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )
