from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config


def test_development_defaults(tmp_path: Path) -> None:
    cfg = load_config({"SANSHEN_INSTANCE_DIR": str(tmp_path)})
    assert f"sqlite:///{tmp_path / 'sanshen.db'}" == cfg.DATABASE_URL
    assert cfg.REDIS_URL is None and cfg.embedded_redis
    # The generated secret key is kept, so sessions survive a restart.
    assert (tmp_path / "secret_key").read_text() == cfg.SECRET_KEY
    assert load_config({"SANSHEN_INSTANCE_DIR": str(tmp_path)}).SECRET_KEY == cfg.SECRET_KEY


def test_production_requires_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"SANSHEN_ENV": "production", "SANSHEN_INSTANCE_DIR": str(tmp_path)})
    cfg = load_config(
        {
            "SANSHEN_ENV": "production",
            "SECRET_KEY": "k" * 32,
            "DATABASE_URL": "postgresql+psycopg://db/sanshen",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert cfg.SECRET_KEY == "k" * 32 and not cfg.embedded_redis and not cfg.DEBUG


@pytest.mark.parametrize("env", [{"SANSHEN_ENV": "staging"}, {"PROMPT_WINDOW": "soon"}])
def test_bad_values_are_named(env: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config({**env, "SANSHEN_INSTANCE_DIR": str(tmp_path)})


def test_import_does_no_work(tmp_path: Path) -> None:
    import importlib

    import config

    importlib.reload(config)  # nothing is created or connected by importing it
    assert not (tmp_path / "secret_key").exists()
