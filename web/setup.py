"""Wires the front end into the app: cookies, CSRF, login, languages, throttling,
security headers, template helpers, error pages and the blueprints."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from config import Config
from web.auth import load_account
from web.limits import limiter, storage_uri
from web.limits import settings as limit_settings

log = logging.getLogger(__name__)

LOCALES = ("zh_CN", "en")
csrf = CSRFProtect()
login_manager = LoginManager()


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or always,
    when SESSION_COOKIE_SECURE is set)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = bool(app.config["SESSION_COOKIE_SECURE"])
        req: Request | None = request if request else None
        return secure or bool(req is not None and req.is_secure)


def select_locale() -> str:
    if request and request.path.startswith("/api/"):
        # The API answers in the caller's Accept-Language (Chinese unless English wins).
        best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
        return "en" if best == "en" else "zh_CN"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else "zh_CN"


def init_app(app: Flask, config: Config) -> None:
    attachment_max = int(app.config.get("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
    app.config.setdefault("ATTACHMENT_MAX_BYTES", attachment_max)
    # A request may carry a few attachments (the item form: three files, a Word file as
    # 正文 and pasted images up to two files' worth); a bigger one is refused unread.
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = attachment_max * 6 + 1024 * 1024
    # Werkzeug 3.1 refuses any single form field over 500 KB by default (Flask's
    # MAX_FORM_MEMORY_SIZE); a long item body is legitimate, the form caps it by length.
    if app.config.get("MAX_FORM_MEMORY_SIZE") in (None, 500_000):
        app.config["MAX_FORM_MEMORY_SIZE"] = 8 * 1024 * 1024
    if config.ENV == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        # Server-side sessions (user_sessions) also end after this long without a request.
        SESSION_IDLE_MINUTES=app.config.get("SESSION_IDLE_MINUTES") or 30,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE=config.TIMEZONE,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        RATELIMIT_KEY_PREFIX=app.config.get("RATELIMIT_KEY_PREFIX", "sanshen-limits"),
    )
    for name, value in limit_settings(config).items():
        app.config.setdefault(name, value)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri(config)
    app.session_interface = _SessionInterface()
    if config.PROXY_HOPS:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.PROXY_HOPS
        # Flask types wsgi_app as a method; replacing it is the documented way to wrap it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    from web.form_checks import refuse_control_characters

    # Before CSRF's own check reads the form: a NUL must not reach any query.
    app.before_request(refuse_control_characters)
    csrf.init_app(app)
    Babel(app, locale_selector=select_locale)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = ""  # the login page says why on its own
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_account)

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        if current_user and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from web import checks_bridge, errors, filters, holding_view, notify_bridge
    from web.blueprints import (
        account,
        admin,
        admin_api,
        admin_import,
        admin_links,
        admin_log,
        admin_logins,
        admin_rules,
        annual,
        atom,
        auth,
        checks,
        deliveries,
        disclosure,
        drafting,
        feeds,
        flow,
        messages,
        office,
        office_view,
        review,
        review_forms,
        wordlists,
    )

    filters.register(app)
    errors.register(app)
    for bp in (
        auth.bp,
        account.bp,
        drafting.bp,
        review.bp,
        review_forms.bp,
        flow.bp,
        office.bp,
        office_view.bp,
        deliveries.bp,
        feeds.bp,
        atom.bp,
        messages.bp,
        admin.bp,
        admin_links.bp,
        admin_import.bp,
        admin_log.bp,
        admin_logins.bp,
        admin_rules.bp,
        disclosure.bp,
        annual.bp,
        admin_api.bp,
        checks.bp,
        wordlists.bp,
    ):
        app.register_blueprint(bp)
    notify_bridge.init_app(app)
    checks_bridge.init_app(app)
    from web import api

    api.init_app(app)
    app.jinja_env.globals["unread_messages"] = messages.unread_count
    app.jinja_env.globals["holder_names"] = holding_view.holder_names
