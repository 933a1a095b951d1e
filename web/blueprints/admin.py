"""Administration: units, users and roles, the column tree, assignments and designated
drafters, holiday overrides. (The responsibility-table upload is added with the
importer.) Every change is a workflow service (workflow.services.units, users, columns,
holidays) run by `web.helpers.run`: one transaction, a refusal changes nothing, and each
change commits together with its entry in the administrators' log."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from web.helpers import actor, arg_id, arg_year, now, require_role, run
from workflow.enums import ContentType, Role, UnitKind
from workflow.errors import WorkflowError
from workflow.holidays import MAX_BYTES as HOLIDAY_MAX_BYTES
from workflow.holidays import HolidayFileError
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
from workflow.services import holidays as holiday_settings
from workflow.services import units as unit_settings
from workflow.services import users as user_settings
from workflow.timezones import local_day

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGES = [
    ("admin.units", _l("单位")),
    ("admin.users", _l("用户与角色")),
    ("admin.columns", _l("栏目、责任单位与信息报送员")),
    ("admin.holidays", _l("节假日与调休")),
    ("admin_import.upload_form", _l("导入责任分解表")),
    ("admin_log.log", _l("操作日志")),
    ("admin_logins.logins", _l("登录日志")),
    ("admin_api.api_keys", _l("接口密钥")),
    ("admin_api.webhooks", _l("推送订阅")),
]


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


@bp.context_processor
def _pages() -> dict[str, Any]:
    return {"admin_pages": PAGES}


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
            run(
                unit_settings.create_unit,
                name=form.name.data,
                kind=form.kind.data,
                aliases=aliases,
                is_office=form.is_office.data,
            )
            flash(_("已添加单位：%(name)s", name=form.name.data.strip()), "ok")
            return redirect(url_for("admin.units"))
        except WorkflowError:
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
    run(unit_settings.set_active, unit=unit, active=not unit.active)
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
        if user_settings.login_taken(session, form.login.data or ""):
            form.login.errors = [_("用户名已被使用：%(login)s", login=form.login.data)]
            status = 422
        elif not form.roles.data:
            form.roles.errors = [_("请至少选择一个角色")]
            status = 422
        else:
            run(
                user_settings.create_user,
                login=form.login.data,
                name=form.name.data,
                unit=unit,
                roles=form.roles.data,
                email=form.email.data or None,
                mobile=form.mobile.data or None,
                password=form.password.data or None,
            )
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
        run(
            user_settings.update_user,
            user=user,
            roles=form.roles.data,
            active=form.active.data,
            password=form.password.data or None,
        )
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


def _column_fields(form: ColumnForm) -> dict[str, Any]:
    """The column form as the column services take it."""
    return {
        "name": form.name.data or "",
        "parent_id": form.parent_id.data or None,
        "content": form.content.data or "",
        "time_requirement": form.time_requirement.data or "",
        "content_type": form.content_type.data,
        "allows_statement": bool(form.allows_statement.data),
        "retired": bool(form.retired.data),
    }


@bp.route("/columns", methods=["GET", "POST"])
def columns() -> Any:
    session = db_session()
    form = ColumnForm()
    form.parent_id.choices = _parent_choices()
    form.content_type.choices = _content_types()
    status = 200
    if form.validate_on_submit():
        try:
            column = run(column_settings.create_column, **_column_fields(form)).value
        except column_settings.NameTaken:
            form.name.errors = [_("同一上级栏目下已有同名栏目")]
            status = 422
        else:
            flash(_("已添加栏目：%(path)s", path=column.path), "ok")
            return redirect(url_for("admin.column", column_id=column.id))
    elif form.is_submitted():
        status = 422
    rows = session.execute(select(Column).order_by(Column.path)).scalars().all()
    assigned = dict(
        session.execute(
            select(ColumnAssignment.column_id, func.count()).group_by(ColumnAssignment.column_id)
        ).all()
    )
    query = (request.args.get("q") or "").strip()[:100]
    tree = column_tree(rows, query)
    return render_template(
        "admin/columns.html",
        form=form,
        tree=tree,
        query=query,
        matches=sum(1 for c in rows if matches_query(c, query)) if query else len(rows),
        total=len(rows),
        assigned=assigned,
    ), status


@dataclass
class TreeNode:
    """One column of the admin tree with the children shown under it."""

    column: Column
    children: list[TreeNode] = field(default_factory=list)
    hit: bool = False  # the column matches the search (else: shown as an ancestor)


def matches_query(column: Column, query: str) -> bool:
    folded = query.casefold()
    return folded in column.path.casefold() or folded in (column.time_requirement or "").casefold()


def column_tree(rows: Sequence[Column], query: str = "") -> list[TreeNode]:
    """The columns as a forest, in path order. With a search: the matching columns and
    their ancestors only (a match's place in the tree stays visible)."""
    by_id = {c.id: c for c in rows}
    keep: set[int] | None = None
    if query:
        keep = set()
        for c in rows:
            if matches_query(c, query):
                up: Column | None = c
                while up is not None and up.id not in keep:
                    keep |= {up.id}  # a set of ids (never a session)
                    up = by_id.get(up.parent_id) if up.parent_id is not None else None
    nodes = {
        c.id: TreeNode(c, hit=bool(query) and matches_query(c, query))
        for c in rows
        if keep is None or c.id in keep
    }
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.column.parent_id) if node.column.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


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
        try:
            run(column_settings.update_column, column=col, **_column_fields(form))
        except column_settings.NameTaken:
            form.name.errors = [_("同一上级栏目下已有同名栏目")]
            status = 422
        else:
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
            (uid, u.name) for uid, u in column_settings.drafter_choices(session, a).items()
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
        run(
            column_settings.assign_unit,
            column=col,
            unit_id=form.unit_id.data,
            role=form.role.data,
            since=since,
        )
    except column_settings.AlreadyAssigned:
        flash(_("该单位已是本栏目的责任单位。"), "error")
    except WorkflowError as exc:
        flash(workflow_message(exc), "error")
    else:
        flash(_("已添加责任单位。"), "ok")
    return redirect(url_for("admin.column", column_id=column_id))


@bp.post("/assignments/<int:assignment_id>/remove")
def assignment_remove(assignment_id: int) -> Response:
    session = db_session()
    assignment = session.get(ColumnAssignment, assignment_id)
    if assignment is None or not DeleteForm().validate_on_submit():
        abort(404)
    column_id = run(column_settings.unassign_unit, assignment=assignment).value
    flash(_("已移除责任单位。"), "ok")
    return redirect(url_for("admin.column", column_id=column_id))


@bp.post("/assignments/<int:assignment_id>/drafters")
def assignment_drafters(assignment_id: int) -> Response:
    session = db_session()
    assignment = session.get(ColumnAssignment, assignment_id)
    if assignment is None:
        abort(404)
    form = DrafterForm(prefix=f"a{assignment.id}")
    drafters = column_settings.drafter_choices(session, assignment)
    form.user_ids.choices = [(uid, u.name) for uid, u in drafters.items()]
    if not form.validate_on_submit():
        abort(400)
    column_id = assignment.column_id
    run(column_settings.set_drafters, assignment=assignment, user_ids=form.user_ids.data)
    flash(_("已更新指定信息报送员。"), "ok")
    return redirect(url_for("admin.column", column_id=column_id))


# ---- holidays ------------------------------------------------------------------------


@bp.route("/holidays", methods=["GET", "POST"])
def holidays() -> Any:
    session = db_session()
    form = HolidayForm()
    status = 200
    if form.validate_on_submit():
        assert form.day.data is not None  # required
        run(
            holiday_settings.set_day,
            day=form.day.data,
            is_workday=form.is_workday.data == "1",
            note=form.note.data or "",
        )
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
    data = upload.read(HOLIDAY_MAX_BYTES + 1)  # read_csv refuses a bigger one by name
    try:
        stored = run(holiday_settings.upload, data=data, filename=upload.filename).value
    except HolidayFileError as exc:
        flash(str(exc), "error")  # already names the file and the row, in Chinese
        return redirect(url_for("admin.holidays"))
    flash(_("已导入 %(n)s 天。", n=stored.days), "ok")
    return redirect(url_for("admin.holidays", year=stored.rows[0].day.year))


@bp.post("/holidays/<day>/remove")
def holiday_remove(day: str) -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        key = datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError:
        abort(404)
    if session.get(HolidayOverride, key) is None:
        abort(404)
    run(holiday_settings.remove_day, day=key)
    flash(_("已删除：%(day)s", day=day), "ok")
    return redirect(url_for("admin.holidays", year=key.year))
