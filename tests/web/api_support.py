"""Pieces the API, webhook and feed tests share: keys made through the service, items
taken through the whole 三审 with the runner (committed, as the API reads them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from workflow import runner, services
from workflow.models import User
from workflow.services import api as api_services

from .support import Portal


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    session: Session = app.extensions["sanshen.sessions"]()
    try:
        yield session
    finally:
        session.close()


def user(session: Session, portal: Portal, key: str) -> User:
    found = session.get(User, portal.ids[key])
    assert found is not None
    return found


def make_key(app: Flask, portal: Portal, scope: str = "read", **kwargs: Any) -> str:
    """A new key's secret, created by the portal's administrator."""
    with session_of(app) as session:
        outcome = runner.run(
            session,
            api_services.create_key,
            actor=user(session, portal, "admin"),
            now=kwargs.pop("now", datetime.now(UTC)),
            name=kwargs.pop("name", "门户CMS"),
            scope=scope,
            **kwargs,
        )
        return outcome.value[1]


def auth(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def run(app: Flask, service: Any, actor_key: str | None, portal: Portal, **kwargs: Any) -> Any:
    with session_of(app) as session:
        actor = user(session, portal, actor_key) if actor_key else None
        now = kwargs.pop("now", datetime.now(UTC))
        return runner.run(session, service, actor=actor, now=now, **kwargs).value


def publish(
    app: Flask,
    portal: Portal,
    title: str,
    *,
    column_id: int | None = None,
    now: datetime | None = None,
    body: str = "<p>正文</p>",
) -> int:
    """A new item through the three reviews; its id."""
    now = now or datetime.now(UTC)
    column = column_id or portal.column.id
    item = run(
        app, services.create_item, "drafter", portal, now=now,
        column_id=column, kind="article", title=title, body=body,
    )  # fmt: skip
    return push_through(app, portal, item.id, item.version, now)


def push_through(app: Flask, portal: Portal, item_id: int, version: int, now: datetime) -> int:
    """Submit (or resubmit) and approve at the three stages."""
    snap = run(
        app, services.submit, "drafter", portal, now=now, item_id=item_id,
        expected_version=version,
    )  # fmt: skip
    snap = run(
        app, services.approve, "deputy", portal, now=now, item_id=item_id,
        expected_version=snap.version, confidentiality_checked=True,
    )  # fmt: skip
    snap = run(
        app, services.approve, "head", portal, now=now, item_id=item_id,
        expected_version=snap.version,
    )  # fmt: skip
    snap = run(
        app, services.approve, "editor", portal, now=now, item_id=item_id,
        expected_version=snap.version,
    )  # fmt: skip
    return int(snap.id)


def revise(app: Flask, portal: Portal, item_id: int, title: str, now: datetime) -> None:
    """A new revision with a new title, through the three reviews again."""
    with session_of(app) as session:
        from workflow.models import Item

        item = session.get(Item, item_id)
        assert item is not None
        version = item.version
    snap = run(
        app, services.revise, "drafter", portal, now=now, item_id=item_id,
        expected_version=version,
    )  # fmt: skip
    snap = run(
        app, services.update_draft, "drafter", portal, now=now, item_id=item_id,
        expected_version=snap.version, title=title,
    )  # fmt: skip
    push_through(app, portal, item_id, snap.version, now)


def retract(app: Flask, portal: Portal, item_id: int, now: datetime) -> None:
    with session_of(app) as session:
        from workflow.models import Item

        item = session.get(Item, item_id)
        assert item is not None
        version = item.version
    run(
        app, services.retract, "editor", portal, now=now, item_id=item_id,
        expected_version=version, comment="信息有误，撤稿",
    )  # fmt: skip
