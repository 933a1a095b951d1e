"""Keeping items moving: 撤回 (recall) and 催办 (nudge) on the item page, and the
delegations page (委托): a reviewer's own, an administrator's for anyone, and the
active and upcoming delegations the office (and administrators) oversee."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.wrappers import Response

from web import db_session
from web.blueprints.review import form_refused
from web.errors import workflow_message
from web.forms import CommentForm, DelegationForm, EndDelegationForm, NudgeForm
from web.helpers import actor, now, run, today, tz, visible_item
from web.labels import STAGES, label
from workflow import delegation, services
from workflow.enums import REVIEW_STATES, Role
from workflow.errors import NudgeRefused, WorkflowError
from workflow.models import Delegation, Unit, User, UserRole

bp = Blueprint("flow", __name__)


@bp.post("/items/<int:item_id>/recall")
@login_required
def recall(item_id: int) -> Any:
    item = visible_item(item_id)
    form = CommentForm()
    if not form.validate():
        return form_refused(item, form, recall_form=form)
    run(
        services.recall,
        item_id=item_id,
        expected_version=form.version.data,
        comment=form.comment.data,
    )
    flash(_("已撤回。已通知原本需要处理此稿件的人员。"), "ok")
    return redirect(url_for("review.item", item_id=item_id))


def nudge_refused_message(exc: NudgeRefused) -> str:
    if exc.reason == "already" and exc.by and exc.at:
        when = exc.at.astimezone(tz()).strftime("%H:%M")
        return _(
            "今天已由%(name)s于%(time)s催办过，每个工作日只能催办一次，请明天再催。",
            name=exc.by,
            time=when,
        )
    if exc.reason == "already":
        return _("今天已催办过，每个工作日只能催办一次，请明天再催。")
    if exc.reason == "nobody":
        return _("当前环节没有可处理此稿件的人员，请联系系统管理员。")
    return _("此稿件不在审核环节，无需催办。")


@bp.post("/items/<int:item_id>/nudge")
@login_required
def nudge(item_id: int) -> Response:
    visible_item(item_id)
    form = NudgeForm()
    if not form.validate():
        abort(400)
    try:
        outcome = run(services.nudge, item_id=item_id)
    except NudgeRefused as exc:
        flash(nudge_refused_message(exc), "error")
    else:
        flash(
            _(
                "已催办，已向%(n)s位审核人各发送一条提醒。",
                n=len(outcome.value.recipients.split(",")),
            ),
            "ok",
        )
    return redirect(url_for("review.item", item_id=item_id))


# --------------------------------------------------------------------------- 委托


def _oversees(user: User) -> bool:
    """The office (its editors and supervisors) and administrators see every delegation."""
    if user.has_role(Role.ADMIN):
        return True
    return user.unit.is_office and (
        user.has_role(Role.OFFICE_EDITOR) or user.has_role(Role.SUPERVISOR)
    )


def _may_delegate(user: User) -> bool:
    return bool(delegation.stage_of_role(user)) or user.has_role(Role.ADMIN)


def _people(unit_id: int | None, reviewers_only: bool) -> list[tuple[int, str]]:
    """Active users (of one unit, or every unit), as select choices."""
    stmt = (
        select(User.id, User.name, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.active.is_(True))
        .order_by(Unit.name, User.name)
    )
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    if reviewers_only:
        roles = [r.value for r in delegation.REVIEW_ROLES]
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))))
    return [(uid, f"{name}（{unit}）") for uid, name, unit in db_session().execute(stmt)]


def _form(user: User) -> DelegationForm:
    form = DelegationForm()
    admin = user.has_role(Role.ADMIN)
    form.delegator_id.choices = (
        _people(None, True) if admin else [(user.id, f"{user.name}（{user.unit.name}）")]
    )
    form.delegate_id.choices = [
        (uid, name)
        for uid, name in _people(None if admin else user.unit_id, not admin)
        if admin or uid != user.id
    ]
    form.stages.choices = [(s.value, label(STAGES, s)) for s in REVIEW_STATES]
    if not form.is_submitted():
        form.delegator_id.data = user.id
        form.starts_on.data = today()
        form.ends_on.data = today()
        form.stages.data = [s.value for s in delegation.stage_of_role(user)]
    return form


def _rows(user: User) -> list[dict[str, Any]]:
    """Delegations not over: all of them for who oversees, else those of this user (as
    delegator or delegate)."""
    delegator, delegate = aliased(User), aliased(User)
    moment = now()
    stmt = (
        select(Delegation, delegator.name, delegate.name, Unit.name)
        .join(delegator, delegator.id == Delegation.delegator_id)
        .join(delegate, delegate.id == Delegation.delegate_id)
        .join(Unit, Unit.id == delegator.unit_id)
        .where(delegation.not_over(today(), moment))
        .order_by(Delegation.starts_on, Delegation.id)
    )
    if not _oversees(user):
        stmt = stmt.where(
            (Delegation.delegator_id == user.id) | (Delegation.delegate_id == user.id)
        )
    return [
        {
            "row": row,
            "delegator": a,
            "delegate": b,
            "unit": unit,
            "active": row.active_on(today(), moment),
            "stages": "、".join(label(STAGES, s) for s in row.stage_list),
            "may_end": row.delegator_id == user.id or user.has_role(Role.ADMIN),
        }
        for row, a, b, unit in db_session().execute(stmt)
    ]


def _page(form: DelegationForm, status: int = 200, error: str | None = None) -> tuple[str, int]:
    user = actor()
    return render_template(
        "flow/delegations.html",
        form=form,
        rows=_rows(user),
        may_delegate=_may_delegate(user),
        oversees=_oversees(user),
        end_form=EndDelegationForm(formdata=None),
        error=error,
    ), status


def _require_page() -> User:
    user = actor()
    if not (_may_delegate(user) or _oversees(user)):
        abort(403)
    return user


@bp.get("/delegations")
@login_required
def delegations() -> tuple[str, int]:
    return _page(_form(_require_page()))


@bp.post("/delegations")
@login_required
def create() -> Any:
    user = _require_page()
    if not _may_delegate(user):
        abort(403)
    form = _form(user)
    if not form.validate():
        return _page(form, 422, _("请按提示修改后重新提交。"))
    try:
        run(
            services.create_delegation,
            delegator_id=form.delegator_id.data if user.has_role(Role.ADMIN) else user.id,
            delegate_id=form.delegate_id.data,
            stages=form.stages.data or [],
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            reason=form.reason.data,
        )
    except WorkflowError as exc:
        db_session().rollback()
        return _page(form, exc.http_status, workflow_message(exc))
    flash(_("委托已设定，受托人会收到通知。"), "ok")
    return redirect(url_for("flow.delegations"))


@bp.post("/delegations/<int:delegation_id>/end")
@login_required
def end(delegation_id: int) -> Any:
    _require_page()
    form = EndDelegationForm()
    if not form.validate():
        abort(400)
    run(services.end_delegation, delegation_id=delegation_id)
    flash(_("委托已结束。"), "ok")
    return redirect(url_for("flow.delegations"))
