"""`flask audit verify-requests`: every request's history chain recomputed from the
database; a row changed straight in the database is named with its request."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from workflow import runner
from workflow.services import disclosure as svc

from .factories import build_world

NOW = datetime(2026, 9, 28, 2, tzinfo=UTC)


def test_verify_requests_names_a_tampered_history(app: Flask, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session, NOW)
        session.commit()
        data = svc.RequestInput(date(2026, 9, 28), "letter", "person", "李四", "申请", "信息")
        request = runner.run(session, svc.register, actor=world.office_editor, now=NOW, data=data)
        reference, request_id = request.value.reference, request.value.id
    cli = app.test_cli_runner()
    clean = cli.invoke(args=["audit", "verify-requests"])
    assert clean.exit_code == 0 and "request histories intact" in clean.output
    with engine.begin() as conn:  # straight at the database, as an intruder would
        conn.execute(
            text("UPDATE disclosure_events SET note = '改' WHERE request_id = :i"),
            {"i": request_id},
        )
    broken = cli.invoke(args=["audit", "verify-requests"])
    assert broken.exit_code == 1
    assert f"request {reference}:" in broken.output
    assert "its content does not match its hash" in broken.output
