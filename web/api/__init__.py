"""The portal API, `/api/v1` (issue 18; the guide is docs/api.md).

flask-smorest builds the OpenAPI 3 document from the views' marshmallow schemas and
serves it at /api/v1/openapi.json; /api/v1/docs renders it as a page (no script, no CDN:
the strict CSP stays). Every call carries a key (`Authorization: Bearer ss_…`): checked
here before the view, counted per key by Flask-Limiter (API_RATE_LIMIT), and logged
after the answer (key, route, status, time) through a service. Refusals are problem+json
(web.api.problems), wired into the app's error handlers (web.errors)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, Flask, current_app, g, request
from flask.wrappers import Response
from flask_smorest import Api as SmorestApi

from web import db_session
from web.api.problems import ApiRefusal
from web.api.schemas import Problem
from web.helpers import now, run_as
from workflow.models import ApiKey
from workflow.portal import subtrees
from workflow.services import api as api_services

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
# Routes of the API that need no key: its description.
OPEN_ENDPOINTS = frozenset({"api-docs.openapi_json", "api_reference.page"})


class Api(SmorestApi):
    """flask-smorest's Api without its app-wide HTTP error handler: the app's own
    (web.errors) answers the pages in HTML and the API in problem+json, the shape the
    document gives every error response."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None


def bearer_secret() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def limit_key() -> str:
    """Flask-Limiter's bucket: the key (its secret's hash; the limiter runs before the
    key is looked up), or the address for calls without one."""
    secret = bearer_secret()
    if secret:
        return "api:" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:24]
    return "api-anon:" + (request.remote_addr or "")


def rate_limit() -> str:
    return str(current_app.config["SANSHEN"].API.RATE_LIMIT)


def authenticate() -> None:
    """The blueprints' before_request: the call's key, or a 401."""
    from flask_babel import gettext as _

    secret = bearer_secret()
    key = api_services.find_key(db_session(), secret) if secret else None
    if key is None:
        raise ApiRefusal(401)
    if key.revoked_at is not None:
        g.api_key_id = key.id
        raise ApiRefusal(401, _("此接口密钥已作废。"))
    if not key.usable(now()):
        g.api_key_id = key.id
        raise ApiRefusal(401, _("此接口密钥已过期，请联系管理员更换。"))
    g.api_key = key
    g.api_key_id = key.id


def current_key() -> ApiKey:
    key: ApiKey = g.api_key
    return key


def require_write() -> ApiKey:
    from flask_babel import gettext as _

    key = current_key()
    if not key.can_write:
        raise ApiRefusal(403, _("此接口密钥只能读取，不能写入。"))
    return key


def column_scope(key: ApiKey) -> frozenset[int] | None:
    """The columns a key may see: its subtrees (None: every column)."""
    if not key.column_ids:
        return None
    if "api_columns" not in g:
        g.api_columns = subtrees(db_session(), key.column_ids)
    scope: frozenset[int] = g.api_columns
    return scope


def unit_scope(key: ApiKey) -> frozenset[int] | None:
    return frozenset(key.unit_ids) if key.unit_ids else None


def in_scope(key: ApiKey, column_id: int, unit_id: int) -> bool:
    columns, units = column_scope(key), unit_scope(key)
    return (columns is None or column_id in columns) and (units is None or unit_id in units)


def log_call(response: Response) -> Response:
    """The app's after_request: one row per API call, refused ones included."""
    if not request.path.startswith(PREFIX) or request.endpoint in OPEN_ENDPOINTS:
        return response  # the pages, and the API's own description
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    try:
        db_session().rollback()  # a refused write left nothing to keep
        run_as(
            None,
            api_services.log_call,
            key_id=g.get("api_key_id"),
            method=request.method,
            route=rule,
            status=response.status_code,
        )
    except Exception:  # the answer stands even if the log cannot be written
        log.exception("API call not logged: %s %s", request.method, request.path)
    return response


def guard(bp: Blueprint) -> Blueprint:
    """Set up an API blueprint once, at its import: the key check before each view and
    the per-key rate limit (an app built twice in a process must not add them twice)."""
    from web.limits import limiter

    bp.before_request(authenticate)
    limiter.limit(rate_limit, key_func=limit_key)(bp)
    return bp


def init_app(app: Flask) -> None:
    from web.api import docs, read, write
    from web.setup import csrf

    app.config.update(
        API_TITLE="sanshen 三审 portal API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    spec_kwargs: dict[str, Any] = {
        "info": {
            "description": "Published content, a changes feed, deadline status and "
            "writes into 三审 for a portal CMS. See docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
    }
    api = Api(app, spec_kwargs=spec_kwargs)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "ss_… API key"}
    )
    for bp in (read.bp, write.bp):
        csrf.exempt(bp)
        api.register_blueprint(bp, url_prefix=PREFIX)
    app.register_blueprint(docs.bp)
    app.extensions["sanshen.api"] = api
    app.after_request(log_call)
