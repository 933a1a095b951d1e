"""The API's writes as services (`workflow.runner.run`): keys created and revoked by an
administrator, each call logged (and the key's last use), old calls purged, answers to
idempotent writes remembered, and publications made outside sanshen recorded.

A key's secret is `ss_` + 43 URL-safe characters (256 random bits), returned once by
`create_key` and stored as its SHA-256: nobody can guess such a secret, so a slow
password hash (argon2) would protect nothing and cost every API call tens of ms.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.errors import NotAllowed, NotFound, ValidationFailed
from workflow.models import (
    ApiCall,
    ApiIdempotency,
    ApiKey,
    Column,
    ColumnAssignment,
    DeadlineStatusDirty,
    ExternalPublication,
    Unit,
    User,
)
from workflow.models.api import SCOPES
from workflow.outcome import LogEntry, Outcome, done

SECRET_PREFIX = "ss_"
PREFIX_SHOWN = 10  # "ss_" and 7 characters: enough to tell keys apart in a list
NAME_MAX = 100
URL_MAX = 1000
TITLE_MAX = 500
WHO_MAX = 100
LAST_USE_STEP = timedelta(minutes=1)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def find_key(session: Session, secret: str) -> ApiKey | None:
    """The key of a secret (revoked or expired ones too: the caller says why it
    refuses), by its hash; None for an unknown secret."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    return session.scalar(select(ApiKey).where(ApiKey.secret_hash == secret_hash(secret)))


def _ids_of(session: Session, model: Any, ids: Sequence[int], what: str) -> list[int]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    found = set(session.scalars(select(model.id).where(model.id.in_(wanted))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"{what} {missing[0]} does not exist")
    return wanted


def create_key(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    name: str,
    scope: str,
    unit_ids: Sequence[int] = (),
    column_ids: Sequence[int] = (),
    expires_at: datetime | None = None,
) -> Outcome[tuple[ApiKey, str]]:
    """A new key: (the row, the secret to show once)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("an API key needs a name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"an API key name is longer than {NAME_MAX} characters")
    if scope not in SCOPES:
        raise ValidationFailed(f"unknown API scope {scope}")
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("the expiry must be in the future")
    units = _ids_of(session, Unit, unit_ids, "unit")
    columns = _ids_of(session, Column, column_ids, "column")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=secret[:PREFIX_SHOWN],
        secret_hash=secret_hash(secret),
        scope=scope,
        unit_ids=units,
        column_ids=columns,
        created_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    entry = LogEntry(
        "api_key.create",
        "api_key",
        key.id,
        f"{name} ({key.prefix}…)",
        admin_log.facts(
            scope=scope, unit_ids=units or None, column_ids=columns or None, expires_at=expires_at
        ),
    )
    return done((key, secret), (), entry)


def revoke_key(
    session: Session, *, actor: User | None, now: datetime, key_id: int
) -> Outcome[ApiKey]:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} does not exist")
    if key.revoked_at is not None:
        return done(key)
    key.revoked_at = now
    session.flush()
    entry = LogEntry(
        "api_key.revoke",
        "api_key",
        key.id,
        f"{key.name} ({key.prefix}…)",
        {"revoked": [None, True]},
    )
    return done(key, (), entry)


def log_call(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    key_id: int | None,
    method: str,
    route: str,
    status: int,
) -> Outcome[None]:
    """One API call (and, for a known key, its last use, to the minute: calls of one key
    do not all queue on its row)."""
    session.execute(
        insert(ApiCall).values(
            key_id=key_id, method=method[:10], route=route[:200], status=status, at=now
        )
    )
    if key_id is not None:
        stale = ApiKey.last_used_at.is_(None) | (ApiKey.last_used_at < now - LAST_USE_STEP)
        session.execute(update(ApiKey).where(ApiKey.id == key_id, stale).values(last_used_at=now))
    return done(None)


def purge_calls(
    session: Session, *, actor: User | None, now: datetime, keep_days: int
) -> Outcome[int]:
    """Forget calls older than `keep_days`, and remembered answers older than a day."""
    result = session.execute(delete(ApiCall).where(ApiCall.at < now - timedelta(days=keep_days)))
    session.execute(
        delete(ApiIdempotency).where(ApiIdempotency.created_at < now - timedelta(days=1))
    )
    return done(int(getattr(result, "rowcount", 0) or 0))


def idempotent(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    key_id: int,
    idempotency_key: str | None,
    fingerprint: str,
    service: Callable[..., Outcome[Any]],
    answer: Callable[[Any], tuple[int, dict[str, Any]]],
    **kwargs: Any,
) -> Outcome[tuple[int, dict[str, Any]]]:
    """Run a write `service` and, with an Idempotency-Key, remember its answer (status,
    JSON body) in the same transaction: the same key again is answered from the row
    (web.api.write), and a racing twin fails on the row's unique key and rolls back."""
    outcome = service(session, actor=actor, now=now, **kwargs)
    status, body = answer(outcome.value)
    if idempotency_key:
        session.execute(
            insert(ApiIdempotency).values(
                key_id=key_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                status=status,
                body=body,
                created_at=now,
            )
        )
    return Outcome((status, body), outcome.events, outcome.log)


def remembered(session: Session, key_id: int, idempotency_key: str) -> ApiIdempotency | None:
    return session.scalar(
        select(ApiIdempotency).where(
            ApiIdempotency.key_id == key_id, ApiIdempotency.idempotency_key == idempotency_key
        )
    )


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed("the url must be an http or https address")
    return url


def _check_title(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("the publication needs a title")
    if len(value) > TITLE_MAX or any(ord(ch) < 32 for ch in value):
        raise ValidationFailed(f"the title is not one line of at most {TITLE_MAX} characters")
    return value


def record_external(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    key: ApiKey,
    column_id: int,
    unit_id: int | None,
    url: str,
    title: str,
    published_at: datetime,
    published_by: str = "",
) -> Outcome[ExternalPublication]:
    """Record an item published in the portal's CMS without sanshen (外部发布). It counts
    for the column's deadlines (of `unit_id`, by default the column's only responsible
    unit) and portal health; it is no Item and never reviewed."""
    if not key.can_write:
        raise NotAllowed("the key may only read")
    if published_at > now + timedelta(minutes=5):
        raise ValidationFailed("the publication time is in the future")
    column = session.get(Column, column_id)
    if column is None or column.retired_at is not None:
        raise NotFound(f"column {column_id} does not exist")
    units = list(
        session.scalars(
            select(ColumnAssignment.unit_id).where(ColumnAssignment.column_id == column_id)
        )
    )
    if unit_id is None:
        if len(units) != 1:
            raise ValidationFailed("the column has several responsible units: name one")
        unit_id = units[0]
    elif unit_id not in units:
        raise ValidationFailed("the unit is not responsible for the column")
    if key.unit_ids and unit_id not in key.unit_ids:
        raise NotFound(f"unit {unit_id} is outside the key's units")
    publication = ExternalPublication(
        column_id=column_id,
        unit_id=unit_id,
        url=_check_url(url),
        title=_check_title(title),
        published_at=published_at,
        published_by=(published_by or "").strip()[:WHO_MAX],
        api_key_id=key.id,
        created_at=now,
    )
    session.add(publication)
    # The dashboard's summary re-evaluates this column (the triggers mark item changes).
    session.add(DeadlineStatusDirty(column_id=column_id))
    session.flush()
    return done(publication)
