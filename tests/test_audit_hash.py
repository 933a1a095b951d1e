"""The audit chain's hash algorithm (AUDIT_HASH: sha256 or sm3 for 密评): rows record it,
a chain may switch mid-way, and one verification checks both."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from config import ConfigError, load_config
from web import create_app
from workflow import audit, hashes
from workflow.db import make_session_factory
from workflow.enums import Role, State
from workflow.models import AuditEvent, Item

from .conftest import bypass_triggers, wipe
from .factories import build_world, item_in_state
from .services import act

# GB/T 32905-2016, appendix A: the two examples.
SM3_VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]


@pytest.mark.parametrize(("data", "expected"), SM3_VECTORS)
def test_sm3_gives_the_standard_digests(data: bytes, expected: str) -> None:
    assert hashes.digest("sm3", data) == expected
    assert hashes.sm3_gmssl(data) == expected  # the pure-Python fallback too


def test_openssl_and_gmssl_agree() -> None:
    try:
        hashes.sm3_openssl(b"")
    except ValueError:
        pytest.skip("this Python's OpenSSL has no SM3")
    for size in (0, 1, 55, 56, 63, 64, 65, 300, 1000):
        data = os.urandom(size)
        assert hashes.sm3_openssl(data) == hashes.sm3_gmssl(data)


def test_an_unknown_algorithm_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="AUDIT_HASH must be one of sha256, sm3, got 'md5'"):
        load_config({"SANSHEN_ENV": "testing", "AUDIT_HASH": "md5"})
    assert load_config({"SANSHEN_ENV": "testing", "AUDIT_HASH": "SM3"}).AUDIT_HASH == "sm3"
    assert load_config({"SANSHEN_ENV": "testing"}).AUDIT_HASH == "sha256"
    with pytest.raises(hashes.UnknownHashAlgorithm, match=r"'sha1'.*sha256, sm3"):
        make_session_factory(None, "sha1")  # type: ignore[arg-type]


@pytest.fixture
def sessions(engine: Engine) -> Iterator[Session]:
    """A committing session (the PostgreSQL one-statement write path runs as in
    production); everything is wiped afterwards."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        wipe(engine)


def _rows(session: Session, item_id: int) -> list[AuditEvent]:
    return list(
        session.execute(
            select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.seq)
        ).scalars()
    )


def _tamper(engine: Engine, sql: str, row_id: int) -> None:
    with engine.begin() as conn:  # straight at the database, as an intruder would
        bypass_triggers(conn)
        conn.execute(text(sql), {"id": row_id})


def test_a_chain_written_with_sm3_verifies(sessions: Session, now: datetime) -> None:
    sessions.info[hashes.SESSION_KEY] = "sm3"
    world = build_world(sessions, now)
    item = item_in_state(sessions, world, State.PUBLISHED, now)
    sessions.commit()
    rows = _rows(sessions, item.id)
    assert [r.hash_alg for r in rows] == ["sm3"] * 5
    for row in rows:  # SM3 of the row, not SHA-256
        assert row.hash == audit.row_hash(row)
        fields = {c: getattr(row, c) for c in ("item_id", "seq", "at", "prev_hash")}
        assert row.hash != audit.compute_hash(
            **fields,
            revision_no=row.revision_no,
            from_state=row.from_state,
            to_state=row.to_state,
            action=row.action,
            actor_id=row.actor_id,
            comment=row.comment,
            confidentiality_checked=row.confidentiality_checked,
            content_digest=row.content_digest,
            hash_alg="sha256",
        )
    assert sessions.get(Item, item.id).audit_head == rows[-1].hash  # type: ignore[union-attr]
    assert list(audit.verify_chains(sessions)) == []


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET comment = '已篡改' WHERE id = :id",
        # Relabelled: the stored digest is SM3's, not SHA-256's, of the row.
        "UPDATE audit_events SET hash_alg = 'sha256' WHERE id = :id",
        "UPDATE audit_events SET hash_alg = 'md5' WHERE id = :id",
    ],
)
def test_tampering_with_an_sm3_row_is_found(
    engine: Engine, sessions: Session, now: datetime, tamper: str
) -> None:
    sessions.info[hashes.SESSION_KEY] = "sm3"
    world = build_world(sessions, now)
    item = item_in_state(sessions, world, State.PUBLISHED, now)
    sessions.commit()
    target = _rows(sessions, item.id)[2]
    sessions.commit()  # end the read: SQLite holds its write lock for the whole transaction
    _tamper(engine, tamper, target.id)
    sessions.expire_all()
    breaks = list(audit.verify_chains(sessions))
    assert [(b.item_id, b.audit_id) for b in breaks] == [(item.id, target.id)]
    if "md5" in tamper:
        assert breaks[0].reason == "unknown hash algorithm 'md5'"


def test_a_chain_switched_mid_way_verifies(
    engine: Engine, sessions: Session, now: datetime
) -> None:
    world = build_world(sessions, now)
    item = item_in_state(sessions, world, State.HEAD_REVIEW, now)  # create, submit, approve
    sessions.commit()
    sessions.info[hashes.SESSION_KEY] = "sm3"  # AUDIT_HASH changed, the service restarted
    act(sessions, "approve", item, by=world.user(Role.HEAD), now=now)
    assert world.office_editor is not None
    act(sessions, "approve", item, by=world.office_editor, now=now)
    sessions.commit()
    rows = _rows(sessions, item.id)
    assert [r.hash_alg for r in rows] == ["sha256"] * 3 + ["sm3"] * 2
    # The first SM3 row chains on from the last SHA-256 one.
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert list(audit.verify_chains(sessions)) == []
    assert audit.rows_by_hash(sessions) == {"sha256": 3, "sm3": 2}
    sessions.commit()
    # Both halves are still checked: a change on either side of the switch is found.
    assert rows[1].comment is None and rows[4].comment is None
    for row_id in (rows[1].id, rows[4].id):
        _tamper(engine, "UPDATE audit_events SET comment = 'x' WHERE id = :id", row_id)
        sessions.expire_all()
        breaks = list(audit.verify_chains(sessions))
        assert [(b.item_id, b.audit_id) for b in breaks] == [(item.id, row_id)]
        sessions.commit()
        _tamper(engine, "UPDATE audit_events SET comment = NULL WHERE id = :id", row_id)


@pytest.fixture
def sm3_app(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    cfg = load_config(
        {
            "SANSHEN_ENV": "testing",
            "DATABASE_URL": database_url,
            "SANSHEN_INSTANCE_DIR": str(tmp_path),
            "AUDIT_HASH": "sm3",
        }
    )
    application = create_app(cfg)
    yield application
    application.extensions["sanshen.engine"].dispose()
    wipe(engine)


def test_the_configured_app_writes_sm3_and_verify_reports_it(sm3_app: Flask, now: datetime) -> None:
    with sm3_app.app_context():
        session = sm3_app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, now)
            item_in_state(session, world, State.OFFICE_REVIEW, now)
            session.commit()
        finally:
            session.close()
    result = sm3_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact (rows by hash: sm3 4; new rows: sm3)" in result.output
