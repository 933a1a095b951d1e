"""The Flask front end. `create_app()` is the factory; nothing connects at import time."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, ValidationError

from config import Config, load_config
from workflow.db import make_engine, make_session_factory, reading_engine

ID_MAX = 2**31 - 1  # ids are INTEGER columns (PostgreSQL's int4)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: digits beyond an INTEGER id are no such page (404) rather
    than a number that overflows the database driver (a 500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > 10:  # skip int() of a megabyte of digits
            raise ValidationError()
        return int(super().to_python(value))


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    config = config or load_config()
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(config)
    app.config.update(overrides)
    app.config["SANSHEN"] = config
    # A pre-ping per checkout survives database restarts; worth a round trip per request.
    # ENGINE_OPTIONS (tests): more create_engine arguments, e.g. SQLite's lock timeout.
    options = {"pool_pre_ping": True, **app.config.get("ENGINE_OPTIONS", {})}
    engine = make_engine(config.DATABASE_URL, **options)
    app.extensions["sanshen.engine"] = engine
    # Commands: every transaction takes SQLite's write lock up front, as before.
    app.extensions["sanshen.sessions"] = make_session_factory(engine, config.AUDIT_HASH)
    # Requests read deferred (no write lock while rendering); writes use begin_write.
    app.extensions["sanshen.request_sessions"] = make_session_factory(
        reading_engine(engine), config.AUDIT_HASH
    )

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    from web import cli, cli_api, cli_checks, cli_columns, cli_logins, setup, views

    setup.init_app(app, config)
    app.register_blueprint(views.bp)
    cli.register(app)
    cli_columns.register(app)
    cli_logins.register(app)
    cli_api.register(app)
    cli_checks.register(app)
    return app


def db_session() -> Session:
    """The request's session (opened on first use, closed at teardown)."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["sanshen.request_sessions"]()
    session: Session = g.db_session
    return session
