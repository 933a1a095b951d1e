from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_config, load_notify_config


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
    """Nothing is created or connected by importing it. In a process of its own: reloading
    the module here would give later tests a second ConfigError class."""
    env = {**os.environ, "SANSHEN_INSTANCE_DIR": str(tmp_path / "instance")}
    done = subprocess.run(
        [sys.executable, "-c", "import config"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("env", "limits"),
    [
        ({}, {"initial_review": 2, "head_review": 2, "office_review": 3}),
        ({"NOTIFY_STAGE_LIMIT": "5"}, {"initial_review": 5, "head_review": 5, "office_review": 5}),
        (
            {"NOTIFY_STAGE_LIMIT": "5", "NOTIFY_STAGE_LIMIT_OFFICE_REVIEW": "1"},
            {"initial_review": 5, "head_review": 5, "office_review": 1},
        ),
        (
            {"NOTIFY_STAGE_LIMIT_HEAD_REVIEW": "4"},
            {"initial_review": 2, "head_review": 4, "office_review": 3},
        ),
    ],
)
def test_stage_limits_per_stage_with_the_old_variable_for_the_rest(
    env: dict[str, str], limits: dict[str, int], tmp_path: Path
) -> None:
    cfg = load_config({**env, "SANSHEN_INSTANCE_DIR": str(tmp_path)})
    assert dict(cfg.NOTIFY.STAGE_LIMITS) == limits


@pytest.mark.parametrize(
    "env", [{"NOTIFY_STAGE_LIMIT_HEAD_REVIEW": "-1"}, {"NOTIFY_STAGE_LIMIT": "two"}]
)
def test_bad_stage_limits_are_named(env: dict[str, str]) -> None:
    import config  # its current ConfigError: test_import_does_no_work reloads the module

    with pytest.raises(config.ConfigError, match="NOTIFY_STAGE_LIMIT"):
        config.load_notify_config(env)


def test_the_scan_interval_is_read_once() -> None:
    assert load_notify_config({}).SCAN_INTERVAL_SECONDS == 600
    assert load_notify_config({"NOTIFY_SCAN_INTERVAL": "60"}).SCAN_INTERVAL_SECONDS == 60
