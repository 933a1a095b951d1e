"""The 依申请公开 register: open requests by the working days they have left (overdue
first), a unit's view, registering a request, and its page with the actions its state
and the user allow. Every write goes through a service of workflow.services.disclosure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from web import db_session, labels
from web.disclosure_forms import (
    AssistForm,
    CorrectionForm,
    ExtendForm,
    NoteForm,
    OpinionForm,
    RegisterForm,
    ReplyForm,
    RouteForm,
)
from web.errors import workflow_message
from web.forms import CommentForm, VersionForm
from web.helpers import actor, arg_id, calendar, run, today
from workflow.disclosure import clock, history
from workflow.disclosure.outcomes import OUTCOMES, ApplicantType, Channel
from workflow.disclosure.states import OPEN_STATES, RequestAction, available
from workflow.enums import Role
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import DisclosureAssist, DisclosureRequest, Unit, User
from workflow.services import disclosure as svc

bp = Blueprint("disclosure", __name__)
A = RequestAction


def may_see_register(user: User) -> bool:
    return (
        svc.is_office_staff(user)
        or user.has_role(Role.SUPERVISOR)
        or user.has_role(Role.ADMIN)
        or bool(user.roles & {Role.DRAFTER, Role.DEPUTY_HEAD, Role.HEAD})
    )


def sees_all(user: User) -> bool:
    return svc.is_office_staff(user) or user.has_role(Role.SUPERVISOR) or user.has_role(Role.ADMIN)


def remaining_text(left: clock.Remaining) -> str:
    if left.paused == "correction":
        text = _("已暂停：待申请人补正（补正后重新计算20个工作日）")
    elif left.overdue:
        text = _("已超期 %(n)s 个工作日", n=-left.workdays)
    elif left.paused == "consulting":
        text = _("征求第三方意见中（不计入期限），剩余 %(n)s 个工作日", n=left.workdays)
    else:
        text = _("剩余 %(n)s 个工作日", n=left.workdays)
    if left.provisional:
        text += _("（暂定：该年度节假日尚未录入）")
    return text


@dataclass
class Row:
    request: DisclosureRequest
    unit: str
    left: clock.Remaining
    text: str


def _rows(requests: list[tuple[DisclosureRequest, str | None]]) -> list[Row]:
    cal, day = calendar(), today()
    rows = []
    for req, unit in requests:
        left = clock.remaining(svc.facts(req), cal, day)
        rows.append(Row(req, unit or "", left, remaining_text(left)))
    # Overdue first, then fewest days left; paused for a correction last.
    rows.sort(key=lambda r: (r.left.paused == "correction", r.left.workdays, r.request.id))
    return rows


@bp.get("/disclosure")
@login_required
def register_page() -> str:
    user = actor()
    if not may_see_register(user):
        abort(403)
    unit_id = arg_id("unit")
    if not sees_all(user):
        unit_id = user.unit_id
    query = (
        select(DisclosureRequest, Unit.name)
        .outerjoin(Unit, Unit.id == DisclosureRequest.unit_id)
        .where(DisclosureRequest.state.in_([str(s) for s in OPEN_STATES]))
    )
    unit = None
    if unit_id is not None:
        unit = db_session().get(Unit, unit_id)
        if unit is None:
            abort(404)
        assisted = select(DisclosureAssist.request_id).where(DisclosureAssist.unit_id == unit_id)
        query = query.where(
            (DisclosureRequest.unit_id == unit_id) | DisclosureRequest.id.in_(assisted)
        )
    rows = _rows([(r, n) for r, n in db_session().execute(query).all()])
    units = db_session().execute(select(Unit).where(Unit.active).order_by(Unit.name)).scalars()
    return render_template(
        "disclosure/register.html",
        rows=rows,
        unit=unit,
        units=list(units) if sees_all(user) else [],
        may_register=svc.is_office_staff(user),
    )


def _choices(form: RegisterForm) -> None:
    form.channel.choices = [(c.value, labels.label(labels.REQUEST_CHANNELS, c)) for c in Channel]
    form.applicant_type.choices = [
        (t.value, labels.label(labels.APPLICANT_TYPES, t)) for t in ApplicantType
    ]


@bp.route("/disclosure/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not svc.is_office_staff(actor()):
        abort(403)
    form = RegisterForm()
    _choices(form)
    if request.method == "GET" and form.received_on.data is None:
        form.received_on.data = today()
    error = None
    if form.validate_on_submit() and form.received_on.data is not None:
        data = svc.RequestInput(
            received_on=form.received_on.data,
            channel=form.channel.data or "",
            applicant_type=form.applicant_type.data or "",
            applicant_name=form.applicant_name.data or "",
            content=form.content.data or "",
            info_requested=form.info_requested.data or "",
        )
        try:
            created = run(svc.register, data=data).value
        except ValidationFailed as exc:
            db_session().rollback()
            error = refusal_message(exc)
        else:
            flash(_("已登记申请 %(ref)s。", ref=created.reference), "ok")
            return redirect(url_for("disclosure.detail", request_id=created.id))
    elif request.method == "POST":
        error = "；".join(str(e) for errs in form.errors.values() for e in errs)
    status = 422 if error else 200
    return render_template("disclosure/new.html", form=form, error=error), status


def refusal_message(exc: Exception, field_name: Callable[[str], str] | None = None) -> str:
    """The user's sentence for a refusal; `field_name` names the fields of other forms
    (the reports' cells) instead of the register's."""
    if not isinstance(exc, svc.DisclosureRefused):
        return workflow_message(exc) if isinstance(exc, ValidationFailed) else str(exc)
    p = exc.params
    raw = str(p.get("field", ""))
    field = field_name(raw) if field_name else labels.label(labels.DISCLOSURE_FIELDS, raw)
    messages: dict[str, str] = {
        "required": _("请填写“%(field)s”。", field=field),
        "too_long": _("“%(field)s”不能超过%(max)s字。", field=field, max=p.get("max", "")),
        "future_date": _("“%(field)s”不能晚于今天。", field=field),
        "date_before": _("“%(field)s”不能早于%(day)s。", field=field, day=p.get("day", "")),
        "choice": _("请从列表中选择“%(field)s”。", field=field),
        "no_unit": _("所选承办单位不存在或已停用，请刷新后重新选择。"),
        "no_reviewer": _("所选审核人不存在或已停用，请刷新后重新选择。"),
        "correction_once": _("已告知过补正，同一申请只能要求补正一次。"),
        "correction_late": _(
            "补正须在收到申请之日起7个工作日内一次性告知（最迟%(day)s），已超过期限。",
            day=p.get("day", ""),
        ),
        "extension_once": _("答复期限只能延长一次，本申请已延长过。"),
        "extension_days": _("延长的期限最长不超过20个工作日。"),
        "assist_unit": _("请选择承办单位以外的在用单位作为协办单位。"),
        "assist_twice": _("已请该单位协办。"),
        "assist_due": _(
            "协办意见的反馈期限须在今天至答复期限（%(day)s）之间。", day=p.get("day", "")
        ),
        "number": _("“%(field)s”须为不小于0的数字。", field=field),
        "unknown_field": _("提交的内容不完整，请刷新后重新填写。"),
        "mailbox": _("“%(value)s”不是有效的邮箱地址。", value=p.get("value", "")),
        "too_many": _("收件邮箱最多%(max)s个。", max=p.get("max", "")),
        "day_of_month": _("每月发送日为1至28日。"),
    }
    return messages.get(exc.reason, _("提交的内容未通过检查，请检查后重新提交。"))


def visible(request_id: int) -> DisclosureRequest:
    req = db_session().get(DisclosureRequest, request_id)
    if req is None or not svc.can_view(actor(), req):
        abort(404)
    return req


def _unit_choices() -> list[tuple[int, str]]:
    units = db_session().execute(select(Unit).where(Unit.active).order_by(Unit.name)).scalars()
    return [(u.id, u.name) for u in units]


def _reviewer_choices() -> list[tuple[int, str]]:
    users = db_session().execute(
        select(User, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.active)
        .order_by(Unit.name, User.name)
    )
    return [(0, _("承办单位分管负责人或主要负责人"))] + [
        (u.id, f"{u.name}（{unit}）") for u, unit in users
    ]


def _forms() -> dict[str, Any]:
    route = RouteForm(formdata=None)
    route.unit_id.choices = _unit_choices()
    route.reviewer_id.choices = _reviewer_choices()
    assist = AssistForm(formdata=None)
    assist.unit_id.choices = _unit_choices()
    reply = ReplyForm(formdata=None)
    reply.outcome.choices = [(o, labels.label(labels.DISCLOSURE_OUTCOMES, o)) for o in OUTCOMES]
    return {
        "route": route,
        "ask_correction": NoteForm(formdata=None),
        "correction_received": CorrectionForm(formdata=None),
        "close_uncorrected": NoteForm(formdata=None),
        "consult": NoteForm(formdata=None),
        "consult_end": NoteForm(formdata=None),
        "extend": ExtendForm(formdata=None),
        "assist": assist,
        "assist_opinion": OpinionForm(formdata=None),
        "draft_reply": reply,
        "approve_reply": CommentForm(formdata=None),
        "return_reply": CommentForm(formdata=None),
        "answer": VersionForm(formdata=None),
    }


def _may(action: RequestAction, req: DisclosureRequest, user: User) -> bool:
    if not available(req.state, action, has_unit=req.unit_id is not None):
        return False
    checks: dict[RequestAction, Callable[[], bool]] = {
        A.ROUTE: lambda: svc.is_office_staff(user),
        A.CLOSE_UNCORRECTED: lambda: svc.is_office_staff(user),
        A.EXTEND: lambda: svc.is_office_head(user) and not req.extension_workdays,
        A.ASK_CORRECTION: lambda: svc.handles(user, req) and req.correction_asked_on is None,
        A.ASSIST_OPINION: lambda: any(
            a.unit_id == user.unit_id and a.opinion is None for a in req.assists
        ),
        A.APPROVE_REPLY: lambda: svc.may_review(user, req),
        A.RETURN_REPLY: lambda: svc.may_review(user, req) or svc.is_office_staff(user),
        A.ANSWER: lambda: (
            svc.is_office_staff(user) or (svc.handles(user, req) and svc.may_review(user, req))
        ),
    }
    return checks.get(action, lambda: svc.handles(user, req))()


def render_detail(
    req: DisclosureRequest, error: str | None = None, status: int = 200, **typed: Any
) -> tuple[str, int]:
    user = actor()
    forms = _forms()
    forms.update(typed)
    for form in forms.values():
        if hasattr(form, "version") and form.version.data is None:
            form.version.data = req.version
    if forms["route"].unit_id.data is None and req.unit_id is not None:
        forms["route"].unit_id.data = req.unit_id  # routed on: the current unit first
        forms["route"].reviewer_id.data = req.reviewer_id or 0
    forms["assist"].unit_id.choices = [c for c in _unit_choices() if c[0] != req.unit_id]
    left = clock.remaining(svc.facts(req), calendar(), today())
    session = db_session()
    people = {
        u.id: u.name
        for u in session.execute(
            select(User).where(User.id.in_([e.actor_id for e in history.rows(session, req.id)]))
        ).scalars()
    }
    actions = [a for a in forms if _may(RequestAction(a), req, user)]
    unit = session.get(Unit, req.unit_id) if req.unit_id else None
    reviewer = session.get(User, req.reviewer_id) if req.reviewer_id else None
    assist_units = {
        u.id: u.name
        for u in session.execute(
            select(Unit).where(Unit.id.in_([a.unit_id for a in req.assists]))
        ).scalars()
    }
    return render_template(
        "disclosure/request.html",
        req=req,
        unit=unit,
        reviewer=reviewer,
        left=left,
        left_text=remaining_text(left),
        trail=history.rows(session, req.id),
        people=people,
        forms=forms,
        actions=actions,
        assist_units=assist_units,
        error=error,
    ), status


@bp.get("/disclosure/<int:request_id>")
@login_required
def detail(request_id: int) -> tuple[str, int]:
    return render_detail(visible(request_id))


def _kwargs(action: str, form: Any) -> dict[str, Any]:
    """The service's arguments from the action's form."""
    if action == A.ROUTE:
        return {
            "unit_id": form.unit_id.data,
            "reason": form.reason.data or "",
            "reviewer_id": form.reviewer_id.data or None,
        }
    if action == A.CORRECTION_RECEIVED:
        return {"received_on": form.received_on.data, "note": form.note.data or ""}
    if action == A.EXTEND:
        return {"workdays": form.workdays.data, "reason": form.reason.data or ""}
    if action == A.ASSIST:
        return {"unit_id": form.unit_id.data, "due_on": form.due_on.data}
    if action == A.ASSIST_OPINION:
        return {"opinion": form.opinion.data or ""}
    if action == A.DRAFT_REPLY:
        return {"outcome": form.outcome.data or "", "text": form.text.data or None}
    if action in (A.APPROVE_REPLY, A.RETURN_REPLY):
        return {"comment": form.comment.data or ""}
    if action == A.ANSWER:
        return {}
    return {"note": form.note.data or ""}


SERVICES: dict[str, Callable[..., Any]] = {
    A.ROUTE: svc.route,
    A.ASK_CORRECTION: svc.ask_correction,
    A.CORRECTION_RECEIVED: svc.correction_received,
    A.CLOSE_UNCORRECTED: svc.close_uncorrected,
    A.CONSULT: svc.consult,
    A.CONSULT_END: svc.consult_end,
    A.EXTEND: svc.extend,
    A.ASSIST: svc.ask_assist,
    A.ASSIST_OPINION: svc.assist_opinion,
    A.DRAFT_REPLY: svc.draft_reply,
    A.APPROVE_REPLY: svc.approve_reply,
    A.RETURN_REPLY: svc.return_reply,
    A.ANSWER: svc.answer,
}


@bp.post("/disclosure/<int:request_id>/<action>")
@login_required
def act(request_id: int, action: str) -> Any:
    if action not in SERVICES:
        abort(404)
    req = visible(request_id)
    form = _forms()[action].__class__()
    if hasattr(form, "unit_id"):
        form.unit_id.choices = _unit_choices()
    if hasattr(form, "reviewer_id"):
        form.reviewer_id.choices = _reviewer_choices()
    if hasattr(form, "outcome"):
        form.outcome.choices = [(o, o) for o in OUTCOMES]
    if not form.validate():
        message = "；".join(str(e) for errs in form.errors.values() for e in errs)
        if "version" in form.errors:
            message = _("页面已过期，请刷新后重新操作。")
        return render_detail(req, message or _("请按提示修改后重新提交。"), 422, **{action: form})
    try:
        run(
            SERVICES[action],
            request_id=req.id,
            expected_version=form.version.data,
            **_kwargs(action, form),
        )
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        db_session().rollback()
        db_session().expire_all()
        return render_detail(req, refusal_message(exc), 422, **{action: form})
    flash(_("已完成：%(action)s。", action=labels.label(labels.DISCLOSURE_ACTIONS, action)), "ok")
    return redirect(url_for("disclosure.detail", request_id=req.id))
