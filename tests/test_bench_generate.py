"""The benchmark data generator writes realistic proportions and valid audit chains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.generate import generate
from workflow import migrate
from workflow.audit import verify_chains
from workflow.db import make_engine
from workflow.enums import State, UnitKind
from workflow.models import AuditEvent, Column, ColumnAssignment, Item, Unit, User

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ITEMS = 300


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'generated.db'}"
    migrate.upgrade(url)
    eng = make_engine(url)
    with Session(eng) as session:
        generate(session, units=3, columns=10, items=ITEMS, years=2, now=NOW, seed=7)
        session.commit()
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as sess:
        yield sess


def test_portal_shape(session: Session) -> None:
    kinds = dict(session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
    assert sum(kinds.values()) == 3
    assert kinds.get(UnitKind.ZONE, 0) >= 1  # the office
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 3 * 4 + 4
    assert session.execute(select(func.count()).select_from(Column)).scalar_one() == 10
    assert set(session.execute(select(Column.level)).scalars()) == {1, 2, 3}
    leads = session.execute(
        select(ColumnAssignment.column_id, func.count())
        .where(ColumnAssignment.role == "lead")
        .group_by(ColumnAssignment.column_id)
    ).all()
    assert len(leads) == 10 and all(n == 1 for _, n in leads)


def test_state_proportions(session: Session) -> None:
    counts = dict(session.execute(select(Item.state, func.count()).group_by(Item.state)).all())
    assert sum(counts.values()) == ITEMS
    share = {state: counts.get(state, 0) / ITEMS for state in State}
    assert 0.70 <= share[State.PUBLISHED] <= 0.90
    assert 0.01 <= share[State.WITHDRAWN] <= 0.06
    assert 0.005 <= share[State.RETRACTED] <= 0.05
    assert 0.01 <= share[State.RETURNED] <= 0.06
    assert 0.02 <= share[State.DRAFT] <= 0.10
    in_review = sum(
        share[s] for s in (State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW)
    )
    assert 0.03 <= in_review <= 0.12


def test_items_spread_over_the_years(session: Session) -> None:
    first, last = session.execute(
        select(func.min(Item.created_at), func.max(Item.created_at))
    ).one()
    assert (last - first).days > 365
    assert (
        session.execute(
            select(func.count()).select_from(Item).where(Item.updated_at > NOW)
        ).scalar_one()
        == 0
    )


def test_audit_chains_verify(session: Session) -> None:
    assert list(verify_chains(session)) == []


def test_state_is_the_last_audit_rows_to_state(session: Session) -> None:
    last_seq = (
        select(AuditEvent.item_id, func.max(AuditEvent.seq).label("seq"))
        .group_by(AuditEvent.item_id)
        .subquery()
    )
    rows = session.execute(
        select(Item.state, AuditEvent.to_state, Item.audit_seq, AuditEvent.seq)
        .join(last_seq, last_seq.c.item_id == Item.id)
        .join(AuditEvent, (AuditEvent.item_id == Item.id) & (AuditEvent.seq == last_seq.c.seq))
    ).all()
    assert len(rows) == ITEMS
    assert all(state == to_state for state, to_state, _, _ in rows)
    assert all(audit_seq == seq for _, _, audit_seq, seq in rows)


def test_deterministic(tmp_path: Path, session: Session) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    migrate.upgrade(url)
    eng = make_engine(url)
    try:
        with Session(eng) as other:
            generate(other, units=3, columns=10, items=ITEMS, years=2, now=NOW, seed=7)
            other.commit()
            heads = other.execute(select(Item.audit_head).order_by(Item.id)).scalars().all()
    finally:
        eng.dispose()
    assert heads == session.execute(select(Item.audit_head).order_by(Item.id)).scalars().all()
