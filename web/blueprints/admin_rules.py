"""Admin: a column's deadline rules (edited in a form, confirmed by the office), its
parts (栏目分类, named by the rules' scopes), and since when each unit is responsible.
Every change is a `workflow.services.columns` service run by `web.helpers.run`, committed
with its entry in the administrators' log; a refused form changes nothing and keeps what
was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from web import db_session
from web.errors import workflow_message
from web.forms import PartForm, SinceForm
from web.helpers import require_role, run
from web.rule_forms import RulesForm, rule_data, scope_choices, to_rule
from workflow.deadlines.scopes import scopes_of
from workflow.enums import Role
from workflow.errors import WorkflowError
from workflow.models import Column, ColumnAssignment, ColumnPart, Item
from workflow.outcome import Outcome
from workflow.services import columns as column_settings

bp = Blueprint("admin_rules", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


def _column(column_id: int) -> Column:
    column = db_session().get(Column, column_id)
    if column is None:
        abort(404)
    return column


def _back(column_id: int, anchor: str = "") -> Response:
    return redirect(url_for("admin.column", column_id=column_id) + anchor)


# ---- rules ---------------------------------------------------------------------------


@bp.route("/columns/<int:column_id>/rules", methods=["GET", "POST"])
def rules(column_id: int) -> Any:
    column = _column(column_id)
    form = RulesForm()
    rule: dict[str, Any] | None  # a stored rule, then a row's (None for a refused row)
    parts = [p.name for p in column_settings.live_parts(column)]
    scopes = parts + [
        s for s in scopes_of(column.rules or []) if s not in parts
    ]  # a scope of a single-scope column names no part: kept selectable
    if not form.is_submitted():
        for rule in column.rules or []:
            form.rules.append_entry(rule_data(rule))
        if not form.rules.entries:
            form.rules.append_entry({"kind": "periodic", "unit": "month", "min_items": 1})
    for entry in form.rules.entries:
        entry.form.scope.choices = scope_choices(scopes)
    if form.is_submitted() and form.add.data:
        form.rules.append_entry({"kind": "periodic", "unit": "month", "min_items": 1})
        form.rules.entries[-1].form.scope.choices = scope_choices(scopes)
        return _render_rules(column, form)
    if not form.is_submitted():
        return _render_rules(column, form)
    if not form.validate():
        return _render_rules(column, form, _("请按提示修改后重新保存。"), 422)
    wanted: list[dict[str, Any]] = []
    problems: dict[int, list[str]] = {}
    for i, entry in enumerate(form.rules.entries):
        if entry.form.remove.data:
            continue
        rule, errors = to_rule(entry.form)
        if errors:
            problems[i] = errors
        elif rule is not None:
            wanted.append(rule)
    if problems:
        return _render_rules(column, form, _("请按提示修改后重新保存。"), 422, problems)
    try:
        run(column_settings.set_rules, column=column, rules=wanted, confirmed=True)
    except WorkflowError as exc:
        return _render_rules(column, form, workflow_message(exc), exc.http_status)
    flash(_("规则已保存并确认：%(path)s", path=column.path), "ok")
    return _back(column.id, "#rules")


def _render_rules(
    column: Column,
    form: RulesForm,
    error: str | None = None,
    status: int = 200,
    problems: dict[int, list[str]] | None = None,
) -> tuple[str, int]:
    return render_template(
        "admin/rules.html", column=column, form=form, error=error, problems=problems or {}
    ), status


@bp.post("/columns/<int:column_id>/rules/confirm")
def confirm(column_id: int) -> Response:
    column = _column(column_id)
    if not _csrf_ok():
        abort(400)
    if run(column_settings.confirm_rules, column=column).value:
        flash(_("已确认本栏目的时限规则，逾期将纳入督办和考核。"), "ok")
    return _back(column.id, "#rules")


def _csrf_ok() -> bool:
    from web.forms import DeleteForm

    return DeleteForm().validate_on_submit()


# ---- parts -----------------------------------------------------------------------------


def _change(
    column_id: int, anchor: str, service: Callable[..., Outcome[Any]], done: str, **kwargs: Any
) -> Response:
    """Run one settings service (committed with its log entry) or show why not; back to
    the column page either way."""
    try:
        run(service, **kwargs)
    except WorkflowError as exc:
        flash(workflow_message(exc), "error")
    else:
        flash(done, "ok")
    return _back(column_id, anchor)


@bp.post("/columns/<int:column_id>/parts")
def part_add(column_id: int) -> Any:
    column = _column(column_id)
    form = PartForm()
    if not form.validate_on_submit():
        flash(_("请填写分类名称。"), "error")
        return _back(column.id, "#parts")
    name = form.name.data or ""
    return _change(
        column.id,
        "#parts",
        column_settings.add_part,
        _("已添加分类。"),
        column=column,
        name=name,
    )


def _part(part_id: int) -> ColumnPart:
    part = db_session().get(ColumnPart, part_id)
    if part is None:
        abort(404)
    return part


@bp.post("/parts/<int:part_id>")
def part_rename(part_id: int) -> Any:
    part = _part(part_id)
    form = PartForm()
    if not form.validate_on_submit():
        flash(_("请填写分类名称。"), "error")
        return _back(part.column_id, "#parts")
    name = form.name.data or ""
    return _change(
        part.column_id,
        "#parts",
        column_settings.rename_part,
        _("分类已改名，引用它的规则随之更新。"),
        part=part,
        name=name,
    )


@bp.post("/parts/<int:part_id>/retire")
def part_retire(part_id: int) -> Any:
    part = _part(part_id)
    if not _csrf_ok():
        abort(400)
    retire = request.form.get("retire") == "1"
    return _change(
        part.column_id,
        "#parts",
        column_settings.retire_part,
        _("分类已停用。") if retire else _("分类已恢复。"),
        part=part,
        retired=retire,
    )


def part_counts(column: Column) -> dict[int, int]:
    """Items per part of the column (for the column page)."""
    rows = db_session().execute(
        select(Item.part_id, func.count())
        .where(Item.column_id == column.id, Item.part_id.is_not(None))
        .group_by(Item.part_id)
    )
    return {part_id: int(n) for part_id, n in rows if part_id is not None}


# ---- responsible since -----------------------------------------------------------------


@bp.post("/assignments/<int:assignment_id>/since")
def since(assignment_id: int) -> Any:
    session = db_session()
    assignment = session.get(ColumnAssignment, assignment_id)
    if assignment is None:
        abort(404)
    column_id = assignment.column_id
    form = SinceForm(prefix=f"s{assignment_id}")
    if not form.validate_on_submit() or form.responsible_since.data is None:
        flash(_("请选择有效的责任起始日期。"), "error")
        return _back(column_id, "#assignments")
    day = form.responsible_since.data
    return _change(
        column_id,
        "#assignments",
        column_settings.set_responsible_since,
        _("责任起始日期已保存；此前开始的周期不计入逾期和考核。"),
        assignment=assignment,
        day=day,
    )
