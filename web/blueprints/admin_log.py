"""The administrators' log (/admin/log): who changed which unit, user, column,
assignment or holiday, and how — newest first, paged and filtered. Admins see it with
links to the targets; supervisors may read it too (it changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from web import db_session
from web import labels as L
from web.blueprints.admin import PAGES
from web.helpers import actor, arg_page, as_day, as_id, require_role, tz
from workflow.enums import Role
from workflow.models import AdminEvent, Column, Unit, User

bp = Blueprint("admin_log", __name__, url_prefix="/admin/log")

PAGE_SIZE = 50


@bp.before_request
@login_required
def _admins_and_supervisors() -> None:
    require_role(Role.ADMIN, Role.SUPERVISOR)


@bp.context_processor
def _pages() -> dict[str, Any]:
    # The admin pages' navigation, for admins only (a supervisor could not open them);
    # an error page before the login check (a refused input, an outage) has no actor.
    admin = current_user.is_authenticated and actor().has_role(Role.ADMIN)
    return {"admin_pages": PAGES if admin else []}


@dataclass
class Filters:
    actor: str  # a user id, "cli" (a command) or ""
    action: str
    target_type: str
    target_id: str
    start: date | None
    end: date | None

    @classmethod
    def from_request(cls) -> Filters:
        args = request.args
        return cls(
            actor=args.get("actor", "").strip(),
            action=args.get("action", "").strip(),
            target_type=args.get("target_type", "").strip(),
            target_id=args.get("target_id", "").strip(),
            start=as_day(args.get("from")),
            end=as_day(args.get("to")),
        )

    def args(self) -> dict[str, str]:
        """The filters as query arguments (for the paging links)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }
        return {k: v for k, v in values.items() if v}

    def apply(self, query: Select[AdminEvent]) -> Select[AdminEvent]:
        if self.actor == "cli":
            query = query.where(AdminEvent.actor_id.is_(None))
        elif (actor_id := as_id(self.actor)) is not None:
            query = query.where(AdminEvent.actor_id == actor_id)
        if self.action:
            query = query.where(AdminEvent.action == self.action)
        if self.target_type:
            query = query.where(AdminEvent.target_type == self.target_type)
        if self.target_id:
            query = query.where(AdminEvent.target_id == self.target_id)
        # The dates are the office's (Asia/Shanghai), both ends included.
        if self.start:
            query = query.where(AdminEvent.at >= datetime.combine(self.start, time(), tz()))
        if self.end:
            end = datetime.combine(self.end + timedelta(days=1), time(), tz())
            query = query.where(AdminEvent.at < end)
        return query




def _show(field: str, value: Any) -> str:
    """One value of a change as the office reads it."""
    if value is None or value == "" or value == []:
        return str(_("（无）"))
    if field == "password":
        return str(_("已重置"))
    if field == "roles":
        return "、".join(L.label(L.ROLES, r) for r in value)
    if field == "kind":
        return L.label(L.UNIT_KINDS, value)
    if field == "content_type":
        return L.label(L.CONTENT_TYPES, value)
    if field == "role":
        return L.label(L.ASSIGNMENT_ROLES, value)
    if field == "is_workday":
        return str(_("上班") if value else _("休息"))
    if field == "retired_at":
        moment = datetime.fromisoformat(value).astimezone(tz())
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def describe(changes: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(field label, old or None when there was none, new) per changed field."""
    rows: list[tuple[str, str | None, str]] = []
    for field, change in changes.items():
        old, new = change if isinstance(change, list) and len(change) == 2 else (None, change)
        name = L.label(L.ADMIN_FIELDS, field)
        if field == "password":
            rows.append((name, None, _show(field, new)))
        else:
            rows.append((name, None if old is None else _show(field, old), _show(field, new)))
    return rows


def _links(events: list[AdminEvent]) -> dict[tuple[str, str], str]:
    """Links to the targets that still exist (admins only: the pages are theirs)."""
    if not actor().has_role(Role.ADMIN):
        return {}
    session = db_session()
    wanted: dict[str, set[int]] = {"user": set(), "column": set(), "unit": set()}
    for e in events:
        target = as_id(e.target_id)
        if e.target_type in wanted and target is not None:
            wanted[e.target_type].add(target)
    links: dict[tuple[str, str], str] = {}
    if wanted["user"]:
        for uid in session.execute(select(User.id).where(User.id.in_(wanted["user"]))).scalars():
            links["user", str(uid)] = url_for("admin.user_edit", user_id=uid)
    if wanted["column"]:
        ids = session.execute(select(Column.id).where(Column.id.in_(wanted["column"])))
        for cid in ids.scalars():
            links["column", str(cid)] = url_for("admin.column", column_id=cid)
    if wanted["unit"]:
        for uid in session.execute(select(Unit.id).where(Unit.id.in_(wanted["unit"]))).scalars():
            links["unit", str(uid)] = url_for("admin.users", unit=uid)
    for e in events:
        if e.target_type == "holiday" and e.target_id:
            links["holiday", e.target_id] = url_for("admin.holidays", year=e.target_id[:4])
    return links


@bp.get("")
def log() -> str:
    session = db_session()
    filters = Filters.from_request()
    page = arg_page()
    query = filters.apply(select(AdminEvent)).order_by(AdminEvent.at.desc(), AdminEvent.id.desc())
    rows = list(
        session.execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).scalars()
    )
    more = len(rows) > PAGE_SIZE
    events = rows[:PAGE_SIZE]
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    chosen = as_id(filters.actor)
    if chosen is not None:
        actor_ids.add(chosen)
    actors = {
        u.id: u for u in session.execute(select(User).where(User.id.in_(actor_ids))).scalars()
    }
    # The people who appear in the log at all, for the filter's list.
    logged = select(AdminEvent.actor_id).where(AdminEvent.actor_id.is_not(None)).distinct()
    people = session.execute(
        select(User.id, User.name, User.login).where(User.id.in_(logged)).order_by(User.login)
    ).all()
    return render_template(
        "admin/log.html",
        events=events,
        actors=actors,
        people=people,
        links=_links(events),
        describe=describe,
        filters=filters,
        page=page,
        more=more,
        local=lambda moment: moment.astimezone(tz()).strftime("%Y-%m-%d %H:%M:%S"),
    )
