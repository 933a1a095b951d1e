"""Administration: units, users and roles, the column tree, assignments and designated
drafters, holiday overrides. (The responsibility-table upload is added with the
importer.) Every change is one transaction: a refusal changes nothing, and each change
commits together with its entry in the administrators' log (workflow.admin_log)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from web import db_session
from web import labels as L
from web.blueprints.admin_rules import part_counts
from web.errors import workflow_message
from web.forms import (
    AssignmentForm,
    ColumnForm,
    DeleteForm,
    DrafterForm,
    HolidayForm,
    PartForm,
    SinceForm,
    UnitForm,
    UserEditForm,
    UserForm,
)
from web.helpers import actor, arg_id, arg_year, now, require_role
from workflow import admin_log
from workflow.accounts import create_unit, create_user, set_password, set_roles
from workflow.deadlines.parser import parse
from workflow.enums import AssignmentRole, ContentType, Role, UnitKind
from workflow.errors import WorkflowError
from workflow.holidays import HolidayFileError, HolidayRow, read_csv, store
from workflow.models import (
    CalendarYear,
    Column,
    ColumnAssignment,
    HolidayOverride,
    Unit,
    User,
)
from workflow.models.columns import PATH_SEPARATOR
from workflow.services import columns as column_settings
from workflow.timezones import local_day

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGES = [
    ("admin.units", _l("单位")),
    ("admin.users", _l("用户与角色")),
    ("admin.columns", _l("栏目、责任单位与信息报送员")),
    ("admin.holidays", _l("节假日与调休")),
    ("admin_import.upload_form", _l("导入责任分解表")),
    ("admin_log.log", _l("操作日志")),
]


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


@bp.context_processor
def _pages() -> dict[str, Any]:
    return {"admin_pages": PAGES}


def _log(
    action: str,
    target_type: str,
    target_id: object,
    target_label: str,
    changes: dict[str, Any],
) -> None:
    """The change's entry in the administrators' log, committed with it."""
    admin_log.record(
        db_session(),
        actor=actor(),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        changes=changes,
        now=now(),
    )


def _fail(message: str) -> None:
    db_session().rollback()
    flash(message, "error")


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")


# ---- units ---------------------------------------------------------------------------


def _unit_kinds() -> list[tuple[str, str]]:
    return [(k.value, str(L.UNIT_KINDS[k])) for k in UnitKind]


@bp.route("/units", methods=["GET", "POST"])
def units() -> Any:
    session = db_session()
    form = UnitForm()
    form.kind.choices = _unit_kinds()
    status = 200
    if form.validate_on_submit():
        assert form.name.data is not None  # required
        aliases = [a for a in re.split(r"[、,，;；\s]+", form.aliases.data or "") if a]
        try:
            unit = create_unit(
                session, form.name.data, form.kind.data, aliases, is_office=form.is_office.data
            )
            _log(
                "unit.create",
                "unit",
                unit.id,
                unit.name,
                admin_log.unit_created(unit),
            )
            session.commit()
            flash(_("已添加单位：%(name)s", name=form.name.data.strip()), "ok")
            return redirect(url_for("admin.units"))
        except WorkflowError:
            session.rollback()
            form.name.errors = [_("单位名称或别名已被使用：%(name)s", name=form.name.data)]
            status = 422
    elif form.is_submitted():
        status = 422
    counts = dict(session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).all())
    rows = session.execute(select(Unit).order_by(Unit.is_office.desc(), Unit.name)).scalars()
    return render_template(
        "admin/units.html", form=form, units=list(rows), counts=counts, toggle=DeleteForm()
    ), status


@bp.post("/units/<int:unit_id>/toggle")
def unit_toggle(unit_id: int) -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    unit = db_session().get(Unit, unit_id)
    if unit is None:
        abort(404)
    unit.active = not unit.active
    _log(
        "unit.activate" if unit.active else "unit.deactivate",
        "unit",
        unit.id,
        unit.name,
        {"active": [not unit.active, unit.active]},
    )
    db_session().commit()
    flash(_("已更新：%(name)s", name=unit.name), "ok")
    return redirect(url_for("admin.units"))


# ---- users ---------------------------------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, str(L.ROLES[r])) for r in Role]


def _unit_choices() -> list[tuple[int, str]]:
    rows = db_session().execute(
        select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)
    )
    return [(uid, name) for uid, name in rows]


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    session = db_session()
    form = UserForm()
    form.unit_id.choices = _unit_choices()
    form.roles.choices = _role_choices()
    status = 200
    if form.validate_on_submit():
        assert form.login.data is not None and form.name.data is not None  # required
        unit = session.get(Unit, form.unit_id.data)
        if unit is None:
            abort(400)
        taken = session.execute(select(User.id).where(User.login == form.login.data.strip()))
        if taken.first() is not None:
            form.login.errors = [_("用户名已被使用：%(login)s", login=form.login.data)]
            status = 422
        elif not form.roles.data:
            form.roles.errors = [_("请至少选择一个角色")]
            status = 422
        else:
            user = create_user(
                session,
                login=form.login.data,
                name=form.name.data,
                unit=unit,
                roles=form.roles.data,
                now=now(),
                email=form.email.data or None,
                mobile=form.mobile.data or None,
                password=form.password.data or None,
            )
            _log(
                "user.create",
                "user",
                user.id,
                _user_label(user),
                admin_log.user_created(user, unit),
            )
            session.commit()
            flash(_("已添加用户：%(login)s", login=form.login.data.strip()), "ok")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    unit_filter = arg_id("unit")
    query = (
        select(User, Unit.name).join(Unit, Unit.id == User.unit_id).order_by(Unit.name, User.login)
    )
    if unit_filter:
        query = query.where(User.unit_id == unit_filter)
    rows = session.execute(query.limit(1000)).all()
    return render_template(
        "admin/users.html", form=form, rows=rows, unit_filter=unit_filter
    ), status


def _user_label(user: User) -> str:
    return f"{user.name}（{user.login}）"


def _user_action(changes: dict[str, Any]) -> str:
    """The most telling code for one save of the user form (roles alone: user.roles, so
    "who gave this person the 审发 role" is one filter)."""
    fields = set(changes)
    if fields == {"roles"}:
        return "user.roles"
    if fields == {"password"}:
        return "user.password_reset"
    if fields == {"active"}:
        return "user.activate" if changes["active"][1] else "user.deactivate"
    return "user.update"


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> Any:
    session = db_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    form = UserEditForm(obj=None)
    form.roles.choices = _role_choices()
    if not form.is_submitted():
        form.roles.data = sorted(r.value for r in user.roles)
        form.active.data = user.active
    elif form.validate():
        assert form.roles.data is not None  # submitted: a list, [] for none
        if user.id == actor().id and (not form.active.data or "admin" not in form.roles.data):
            flash(_("不能停用自己或取消自己的管理员角色。"), "error")
            return render_template("admin/user_edit.html", form=form, user=user), 422
        before = admin_log.snapshot(user, ("roles", "active"))
        set_roles(user, form.roles.data)
        user.active = form.active.data
        changes: dict[str, Any] = admin_log.diff(before, user)
        if form.password.data:
            set_password(user, form.password.data)
            changes.update(admin_log.PASSWORD_RESET)  # the fact only, never the password
        if changes:  # saving the form unchanged is not a change
            _log(_user_action(changes), "user", user.id, _user_label(user), changes)
        session.commit()
        flash(_("已保存：%(login)s", login=user.login), "ok")
        return redirect(url_for("admin.users", unit=user.unit_id))
    else:
        return render_template("admin/user_edit.html", form=form, user=user), 422
    return render_template("admin/user_edit.html", form=form, user=user)


# ---- columns -------------------------------------------------------------------------


def _content_types() -> list[tuple[str, str]]:
    return [(c.value, str(L.CONTENT_TYPES[c])) for c in ContentType]


def _parent_choices(exclude: Column | None = None) -> list[tuple[int, str]]:
    rows = db_session().execute(
        select(Column.id, Column.path).where(Column.retired_at.is_(None)).order_by(Column.path)
    )
    prefix = exclude.path + PATH_SEPARATOR if exclude is not None else None
    return [(0, str(_("（一级栏目）")))] + [
        (cid, path)
        for cid, path in rows
        if exclude is None or (cid != exclude.id and not path.startswith(prefix or ""))
    ]


def _repath(column: Column) -> None:
    """Path and level from the parent, for the column and everything under it."""
    parent = column.parent
    column.path = column.name if parent is None else parent.path + PATH_SEPARATOR + column.name
    column.level = 1 if parent is None else parent.level + 1
    for child in column.children:
        _repath(child)


# What the log compares on a column (its rules follow from the time requirement).
COLUMN_FIELDS = (
    "name",
    "path",
    "content",
    "time_requirement",
    "content_type",
    "allows_statement",
    "retired_at",
)


def _apply(column: Column, form: ColumnForm) -> None:
    session = db_session()
    assert form.name.data is not None  # required, and the form validated
    column.name = form.name.data.strip()
    column.parent = session.get(Column, form.parent_id.data) if form.parent_id.data else None
    column.content = form.content.data or ""
    if (form.time_requirement.data or "") != column.time_requirement:
        column.time_requirement = form.time_requirement.data or ""
        # Parsed from new text: 待确认 until the office confirms them.
        rules = parse(column.time_requirement) if column.time_requirement.strip() else []
        column_settings.rules_replaced(column, rules, now())
        column_settings.sync_parts(session, column)
    column.content_type = form.content_type.data
    column.allows_statement = form.allows_statement.data
    if form.retired.data and column.retired_at is None:
        column.retired_at = now()
    elif not form.retired.data:
        column.retired_at = None
    _repath(column)


def _sibling_taken(column: Column) -> bool:
    return (
        db_session()
        .execute(
            select(Column.id).where(
                Column.parent_id.is_(None)
                if column.parent is None
                else Column.parent_id == column.parent.id,
                Column.name == column.name,
                Column.id != (column.id or 0),
            )
        )
        .first()
        is not None
    )


@bp.route("/columns", methods=["GET", "POST"])
def columns() -> Any:
    session = db_session()
    form = ColumnForm()
    form.parent_id.choices = _parent_choices()
    form.content_type.choices = _content_types()
    status = 200
    if form.validate_on_submit():
        with session.no_autoflush:
            column = Column(rules=[], tags=[], prerequisites={}, position=0)
            _apply(column, form)
            if _sibling_taken(column):
                form.name.errors = [_("同一上级栏目下已有同名栏目")]
                status = 422
        if status == 200:
            session.add(column)
            session.flush()  # its id, for the log
            fields = admin_log.snapshot(column, COLUMN_FIELDS)
            _log(
                "column.create",
                "column",
                column.id,
                column.path,
                admin_log.facts(**{k: v for k, v in fields.items() if v not in ("", False)}),
            )
            session.commit()
            flash(_("已添加栏目：%(path)s", path=column.path), "ok")
            return redirect(url_for("admin.column", column_id=column.id))
        session.rollback()
    elif form.is_submitted():
        status = 422
    rows = session.execute(select(Column).order_by(Column.path)).scalars().all()
    assigned = dict(
        session.execute(
            select(ColumnAssignment.column_id, func.count()).group_by(ColumnAssignment.column_id)
        ).all()
    )
    return render_template("admin/columns.html", form=form, rows=rows, assigned=assigned), status


@bp.route("/columns/<int:column_id>", methods=["GET", "POST"])
def column(column_id: int) -> Any:
    session = db_session()
    col = session.get(Column, column_id)
    if col is None:
        abort(404)
    form = ColumnForm()
    form.parent_id.choices = _parent_choices(exclude=col)
    form.content_type.choices = _content_types()
    status = 200
    if not form.is_submitted():
        form.name.data, form.parent_id.data = col.name, col.parent_id or 0
        form.content.data, form.time_requirement.data = col.content, col.time_requirement
        form.content_type.data, form.allows_statement.data = col.content_type, col.allows_statement
        form.retired.data = col.retired_at is not None
    elif form.validate():
        before = admin_log.snapshot(col, COLUMN_FIELDS)
        with session.no_autoflush:
            _apply(col, form)
            clash = _sibling_taken(col)
        if clash:
            session.rollback()
            form.name.errors = [_("同一上级栏目下已有同名栏目")]
            status = 422
        else:
            changes = admin_log.diff(before, col)
            if changes:  # (paths under a moved or renamed column follow; logged here only)
                retired = "retired_at" in changes and changes["retired_at"][1] is not None
                action = "column.retire" if retired else "column.update"
                _log(action, "column", col.id, col.path, changes)
            session.commit()
            flash(_("已保存栏目：%(path)s", path=col.path), "ok")
            return redirect(url_for("admin.column", column_id=col.id))
    else:
        status = 422
    assign_form = AssignmentForm()
    assign_form.unit_id.choices = _unit_choices()
    drafter_forms = {}
    since_forms = {}
    for a in col.assignments:
        df = DrafterForm(prefix=f"a{a.id}", formdata=None)
        df.user_ids.choices = [
            (u.id, u.name)
            for u in session.execute(
                select(User).where(User.unit_id == a.unit_id, User.active.is_(True))
            ).scalars()
            if u.has_role(Role.DRAFTER)
        ]
        df.user_ids.data = [u.id for u in a.drafters]
        drafter_forms[a.id] = df
        since_forms[a.id] = SinceForm(
            prefix=f"s{a.id}", formdata=None, responsible_since=a.responsible_since
        )
    confirmed_by = (
        session.get(User, col.rules_confirmed_by_id) if col.rules_confirmed_by_id else None
    )
    return render_template(
        "admin/column.html",
        form=form,
        column=col,
        assign_form=assign_form,
        drafter_forms=drafter_forms,
        since_forms=since_forms,
        part_form=PartForm(formdata=None),
        part_counts=part_counts(col),
        confirmed_by=confirmed_by.name if confirmed_by else None,
        remove_form=DeleteForm(),
    ), status


@bp.post("/columns/<int:column_id>/assignments")
def assignment_add(column_id: int) -> Response:
    session = db_session()
    col = session.get(Column, column_id)
    if col is None:
        abort(404)
    form = AssignmentForm()
    form.unit_id.choices = _unit_choices()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("请选择责任单位，并填写有效的责任起始日期。"), "error")
        return redirect(url_for("admin.column", column_id=column_id))
    since = form.responsible_since.data or local_day(now())
    try:
        column_settings.check_since(since, now())
    except WorkflowError as exc:
        flash(workflow_message(exc), "error")
        return redirect(url_for("admin.column", column_id=column_id))
    if any(a.unit_id == form.unit_id.data for a in col.assignments):
        flash(_("该单位已是本栏目的责任单位。"), "error")
    else:
        role = AssignmentRole(form.role.data).value
        col.assignments.append(
            ColumnAssignment(unit_id=form.unit_id.data, role=role, responsible_since=since)
        )
        unit = session.get(Unit, form.unit_id.data)
        _log(
            "assignment.add",
            "column",
            col.id,
            _assignment_label(col, unit),
            admin_log.facts(
                unit=unit.name if unit else None, role=role, responsible_since=since.isoformat()
            ),
        )
        session.commit()
        flash(_("已添加责任单位。"), "ok")
    return redirect(url_for("admin.column", column_id=column_id))


def _assignment_label(column: Column, unit: Unit | None) -> str:
    # Assignments are logged on their column: its history shows who added or removed
    # which unit; the unit's name is kept in the label as it was then.
    return f"{column.path}（{unit.name}）" if unit is not None else column.path


def _drafter_names(users: list[User]) -> list[str]:
    return sorted(_user_label(u) for u in users)


@bp.post("/assignments/<int:assignment_id>/remove")
def assignment_remove(assignment_id: int) -> Response:
    session = db_session()
    assignment = session.get(ColumnAssignment, assignment_id)
    if assignment is None or not DeleteForm().validate_on_submit():
        abort(404)
    column_id = assignment.column_id
    _log(
        "assignment.remove",
        "column",
        column_id,
        _assignment_label(assignment.column, assignment.unit),
        admin_log.removed(
            {
                "unit": assignment.unit.name,
                "role": assignment.role,
                "drafters": _drafter_names(assignment.drafters) or None,
            }
        ),
    )
    session.delete(assignment)
    session.commit()
    flash(_("已移除责任单位。"), "ok")
    return redirect(url_for("admin.column", column_id=column_id))


@bp.post("/assignments/<int:assignment_id>/drafters")
def assignment_drafters(assignment_id: int) -> Response:
    session = db_session()
    assignment = session.get(ColumnAssignment, assignment_id)
    if assignment is None:
        abort(404)
    form = DrafterForm(prefix=f"a{assignment.id}")
    drafters = {
        u.id: u
        for u in session.execute(
            select(User).where(User.unit_id == assignment.unit_id, User.active.is_(True))
        ).scalars()
        if u.has_role(Role.DRAFTER)
    }
    form.user_ids.choices = [(uid, u.name) for uid, u in drafters.items()]
    if not form.validate_on_submit():
        abort(400)
    assert form.user_ids.data is not None  # submitted: a list, [] for none
    old = _drafter_names(assignment.drafters)
    assignment.drafters = [drafters[uid] for uid in form.user_ids.data]
    new = _drafter_names(assignment.drafters)
    if old != new:
        _log(
            "assignment.drafters",
            "column",
            assignment.column_id,
            _assignment_label(assignment.column, assignment.unit),
            {"drafters": [old, new]},
        )
    session.commit()
    flash(_("已更新指定信息报送员。"), "ok")
    return redirect(url_for("admin.column", column_id=assignment.column_id))


# ---- holidays ------------------------------------------------------------------------


HOLIDAY_FIELDS = ("is_workday", "note")


@bp.route("/holidays", methods=["GET", "POST"])
def holidays() -> Any:
    session = db_session()
    form = HolidayForm()
    status = 200
    if form.validate_on_submit():
        assert form.day.data is not None  # required
        row = HolidayRow(form.day.data, form.is_workday.data == "1", form.note.data or "")
        existing = session.get(HolidayOverride, row.day)
        before = admin_log.snapshot(existing, HOLIDAY_FIELDS) if existing else None
        store(session, [row], now(), complete=False)
        after = {"is_workday": row.is_workday, "note": row.note}
        changes = {
            k: [before[k] if before else None, v]
            for k, v in after.items()
            if before is None or before[k] != v
        }
        if changes:
            _log("holiday.set", "holiday", row.day.isoformat(), row.day.isoformat(), changes)
        session.commit()
        flash(_("已保存：%(day)s", day=form.day.data.isoformat()), "ok")
        return redirect(url_for("admin.holidays", year=form.day.data.year))
    elif form.is_submitted():
        status = 422
    year = arg_year(default=now().year)
    rows = (
        session.execute(
            select(HolidayOverride)
            .where(HolidayOverride.day >= datetime(year, 1, 1).date())
            .where(HolidayOverride.day <= datetime(year, 12, 31).date())
            .order_by(HolidayOverride.day)
        )
        .scalars()
        .all()
    )
    years = session.execute(select(CalendarYear).order_by(CalendarYear.year)).scalars().all()
    return render_template(
        "admin/holidays.html",
        form=form,
        rows=rows,
        year=year,
        years=years,
        remove_form=DeleteForm(),
    ), status


@bp.post("/holidays/upload")
def holidays_upload() -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的CSV文件。"), "error")
        return redirect(url_for("admin.holidays"))
    session = db_session()
    data = upload.read()
    try:
        rows = read_csv(data, upload.filename)
        count = store(session, rows, now(), complete=True)
        _log(
            "holiday.upload",
            "calendar",
            None,
            upload.filename,
            admin_log.facts(
                file=upload.filename,
                sha256=hashlib.sha256(data).hexdigest(),
                days=count,
                years="、".join(str(y) for y in sorted({r.day.year for r in rows})),
            ),
        )
        session.commit()
    except HolidayFileError as exc:
        _fail(str(exc))  # already names the file and the row, in Chinese
        return redirect(url_for("admin.holidays"))
    flash(_("已导入 %(n)s 天。", n=count), "ok")
    return redirect(url_for("admin.holidays", year=rows[0].day.year))


@bp.post("/holidays/<day>/remove")
def holiday_remove(day: str) -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        key = datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError:
        abort(404)
    row = session.get(HolidayOverride, key)
    if row is None:
        abort(404)
    _log(
        "holiday.remove",
        "holiday",
        key.isoformat(),
        key.isoformat(),
        admin_log.removed(admin_log.snapshot(row, HOLIDAY_FIELDS)),
    )
    session.delete(row)
    session.commit()
    flash(_("已删除：%(day)s", day=day), "ok")
    return redirect(url_for("admin.holidays", year=key.year))
