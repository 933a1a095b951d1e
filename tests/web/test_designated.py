"""Designated drafters (issue 15, finding 10): when a unit's assignment to a column names
its 信息报送员, every drafting action on that column's items is theirs — not only
creating: editing, attachments, submitting and withdrawing too, in the services (so
every caller gets it) and on the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import runner, services
from workflow.errors import NotDesignated
from workflow.models import ColumnAssignment, Item, User
from workflow.storage import BlobStore

from .support import Portal, csrf_token, login


@pytest.fixture(scope="module")
def designated(app: Flask, portal: Portal) -> int:
    """The column names `drafter` (not `drafter2`) and `drafter` made a draft; its id."""
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            assignment = session.execute(
                select(ColumnAssignment).where(ColumnAssignment.column_id == portal.column.id)
            ).scalar_one()
            drafter = session.get(User, portal.ids["drafter"])
            assert drafter is not None
            assignment.drafters = [drafter]
            session.commit()
            made = runner.run(
                session,
                services.create_item,
                actor=drafter,
                now=datetime.now(UTC),
                column_id=portal.column.id,
                kind="article",
                title="指定报送员的稿件",
            )
            return int(made.value.id)  # outside the app context: requests need their own
        finally:
            session.close()


def _as(app: Flask, portal: Portal, key: str, service: Any, **kwargs: Any) -> Any:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            item = session.get(Item, kwargs["item_id"])
            assert item is not None
            return runner.run(
                session,
                service,
                actor=session.get(User, portal.ids[key]),
                now=datetime.now(UTC),
                expected_version=item.version,
                **kwargs,
            )
        finally:
            session.close()


def test_another_drafter_cannot_edit_attach_or_submit(
    app: Flask, portal: Portal, designated: int, tmp_path: Any
) -> None:
    store = BlobStore(tmp_path)
    refused: list[tuple[Any, dict[str, Any]]] = [
        (services.update_draft, {"title": "别人改的"}),
        (
            services.add_attachment,
            {"store": store, "data": b"x", "filename": "a.txt", "attachment_type": "other"},
        ),
        (services.submit, {}),
        (services.withdraw, {}),
    ]
    for service, extra in refused:
        with pytest.raises(NotDesignated):
            _as(app, portal, "drafter2", service, item_id=designated, **extra)
    # The designated drafter does all of it.
    _as(app, portal, "drafter", services.update_draft, item_id=designated, title="本人改的")


def test_the_pages_refuse_another_drafter(app: Flask, portal: Portal, designated: int) -> None:
    other = login(app, portal.logins["drafter2"])
    assert other.get(f"/items/{designated}/edit").status_code == 403
    item_page = other.get(f"/items/{designated}").get_data(as_text=True)
    assert f"/items/{designated}/submit" not in item_page  # no button that would fail
    token = csrf_token(other, "/messages/")
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = session.get(Item, designated)
        assert item is not None
        version = item.version
        session.close()
    submitted = other.post(
        f"/items/{designated}/submit", data={"csrf_token": token, "version": str(version)}
    )
    assert submitted.status_code == 403, submitted.get_data(as_text=True)[-3000:]
    assert "已指定信息报送员" in submitted.get_data(as_text=True)
    own = login(app, portal.logins["drafter"])
    assert own.get(f"/items/{designated}/edit").status_code == 200
    assert f"/items/{designated}/submit" in own.get(f"/items/{designated}").get_data(as_text=True)
