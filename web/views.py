"""The overview of all items (supervisors, admins, the office), the health check and
the conventional favicon address."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required
from rq import Worker
from sqlalchemy import func, select, text
from werkzeug.wrappers import Response

from web import db_session
from web.holding_view import holdings
from workflow.enums import Role, State
from workflow.models import Column, Item, Unit

bp = Blueprint("main", __name__)


@bp.get("/overview")
@login_required
def index() -> str:
    user = current_user.user
    if not (
        user.has_role(Role.SUPERVISOR)
        or user.has_role(Role.ADMIN)
        or (user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office)
    ):
        abort(403)
    session = db_session()
    counts = {
        state: n
        for state, n in session.execute(select(Item.state, func.count()).group_by(Item.state))
    }
    rows = session.execute(
        select(Item, Unit.name, Column.path)
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .order_by(Item.state_since.desc())
        .limit(100)
    ).all()
    held = holdings([item for item, _unit, _path in rows])
    return render_template("index.html", counts=counts, rows=rows, states=list(State), held=held)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """For what asks the conventional address (pages link the SVG in base.html)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Each dependency's state, for a load balancer or a monitor: 200 when the database
    and Redis answer, 503 otherwise; `workers` (RQ workers alive) is for information,
    since a web node can be healthy while the workers run elsewhere."""
    status: dict[str, Any] = {}
    try:
        db_session().execute(text("SELECT 1"))
        status["database"] = "ok"
    except Exception as exc:  # report, don't crash: this is the health page
        status["database"] = f"error: {exc.__class__.__name__}"
    redis_client = current_app.extensions.get("sanshen.redis")
    if redis_client is None:
        status["redis"] = "not configured"
    else:
        try:
            redis_client.ping()
            status["redis"] = "ok"
            status["workers"] = Worker.count(connection=redis_client)
        except Exception as exc:
            status["redis"] = f"error: {exc.__class__.__name__}"
    healthy = status["database"] == "ok" and status["redis"] in ("ok", "not configured")
    return status, 200 if healthy else 503
