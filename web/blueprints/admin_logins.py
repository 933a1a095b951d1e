"""The login log (/admin/logins, 等保 level 3): every login, failure, throttled attempt,
second-factor failure and logout with its address and time; admins only, filtered by
login, result and dates, newest first, paged. Kept at least 180 days (`flask logins
purge`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from web import db_session
from web.blueprints.admin import PAGES
from web.helpers import as_day, require_role, tz
from workflow import security
from workflow.enums import Role
from workflow.models import LoginEvent
from workflow.services.logins import RESULTS

bp = Blueprint("admin_logins", __name__, url_prefix="/admin/logins")

PAGE_SIZE = 50


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


@bp.context_processor
def _pages() -> dict[str, Any]:
    return {"admin_pages": PAGES}




@bp.get("")
def logins() -> str:
    args = request.args
    login = security.printable(args.get("login", ""))
    result = args.get("result", "").strip()
    result = result if result in RESULTS else ""
    start, end = as_day(args.get("from")), as_day(args.get("to"))
    page = min(max(args.get("page", 1, type=int) or 1, 1), 100_000)
    query = select(LoginEvent)
    if login:
        query = query.where(LoginEvent.login == login)
    if result:
        query = query.where(LoginEvent.result == result)
    # The office's dates (Asia/Shanghai), both ends included.
    if start:
        query = query.where(LoginEvent.at >= datetime.combine(start, time(), tz()))
    if end:
        query = query.where(LoginEvent.at < datetime.combine(end + timedelta(days=1), time(), tz()))
    query = query.order_by(LoginEvent.at.desc(), LoginEvent.id.desc())
    rows = list(
        db_session().execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).scalars()
    )
    filters = {
        "login": login,
        "result": result,
        "from": start.isoformat() if start else "",
        "to": end.isoformat() if end else "",
    }
    return render_template(
        "admin/logins.html",
        events=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        filters=filters,
        args={k: v for k, v in filters.items() if v},
        local=lambda moment: moment.astimezone(tz()).strftime("%Y-%m-%d %H:%M:%S"),
    )
