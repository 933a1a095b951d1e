"""Alembic: one head, and the migrations build exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from workflow import migrate
from workflow.db import make_engine
from workflow.models import Base


def test_single_head() -> None:
    assert len(migrate.heads()) == 1


def test_migrated_schema_equals_models(engine: Engine) -> None:
    # `engine` was built by running the migrations (see conftest).
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    cfg = migrate.alembic_config(url)
    command.downgrade(cfg, "base")
    eng = make_engine(url)
    assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    assert set(Base.metadata.tables) <= set(inspect(eng).get_table_names())
    eng.dispose()
