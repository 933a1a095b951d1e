"""The administrators' pages of the portal API (issue 18): keys (/admin/api-keys: issue,
list, revoke; the secret shown once; the latest calls; the publications reported from
outside, 外部发布) and webhooks (/admin/webhooks: subscribe, pause, resume, remove; each
subscription's deliveries with every attempt and its answer, and replay)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from web import db_session
from web.blueprints.admin import PAGES
from web.errors import workflow_message
from web.forms import ApiKeyForm, DeleteForm, WebhookForm
from web.helpers import require_role, run, tz
from workflow import portal
from workflow.enums import Role
from workflow.errors import WorkflowError
from workflow.models import (
    ApiCall,
    ApiKey,
    Column,
    Unit,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.services import api as api_services
from workflow.services import webhooks as hook_services

bp = Blueprint("admin_api", __name__, url_prefix="/admin")

CALLS_SHOWN = 50
DELIVERIES_SHOWN = 100


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "admin_pages": PAGES,
        "local": lambda moment: (
            moment.astimezone(tz()).strftime("%Y-%m-%d %H:%M") if moment else "—"
        ),
    }


def _key_form(blank: bool = False) -> ApiKeyForm:
    session = db_session()
    form = ApiKeyForm(formdata=None) if blank else ApiKeyForm()
    form.units.choices = [(u.id, u.name) for u in session.scalars(select(Unit).order_by(Unit.name))]
    form.columns.choices = [
        (c.id, c.path)
        for c in session.scalars(
            select(Column).where(Column.retired_at.is_(None)).order_by(Column.path)
        )
    ]
    return form


def _keys_page(form: ApiKeyForm, secret: str | None = None) -> str:
    session = db_session()
    keys = list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)))
    names = {
        "unit": {u.id: u.name for u in session.scalars(select(Unit))},
        "column": {c.id: c.path for c in session.scalars(select(Column))},
        "key": {k.id: f"{k.name} ({k.prefix}…)" for k in keys},
    }
    calls = session.scalars(
        select(ApiCall).order_by(ApiCall.at.desc(), ApiCall.id.desc()).limit(CALLS_SHOWN)
    ).all()
    from web.helpers import now

    return render_template(
        "admin/api_keys.html",
        form=form,
        keys=keys,
        names=names,
        calls=calls,
        external=portal.external_publications(session, limit=CALLS_SHOWN),
        secret=secret,
        moment=now(),
        revoke_form=DeleteForm(),
    )


@bp.get("/api-keys")
def api_keys() -> str:
    return _keys_page(_key_form())


@bp.post("/api-keys")
def create_key() -> str | tuple[str, int]:
    form = _key_form()
    if not form.validate_on_submit():
        return _keys_page(form), 422
    expires = (
        datetime.combine(form.expires.data + timedelta(days=1), time(), tz())
        if form.expires.data
        else None
    )
    try:
        _key, secret = run(
            api_services.create_key,
            name=form.name.data or "",
            scope=form.scope.data or "read",
            unit_ids=list(form.units.data or []),
            column_ids=list(form.columns.data or []),
            expires_at=expires,
        ).value
    except WorkflowError as exc:
        flash(workflow_message(exc), "error")
        return _keys_page(form), 422
    # The secret is shown on this answer only: it is stored as a hash.
    return _keys_page(_key_form(blank=True), secret=secret)


@bp.post("/api-keys/<int:key_id>/revoke")
def revoke_key(key_id: int) -> BaseResponse:
    if not DeleteForm().validate_on_submit():
        abort(400)
    run(api_services.revoke_key, key_id=key_id)
    flash(_("接口密钥已作废，使用它的调用将被拒绝。"), "ok")
    return redirect(url_for("admin_api.api_keys"))


def _hooks_page(form: WebhookForm, secret: str | None = None) -> str:
    subs = db_session().scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    return render_template(
        "admin/webhooks.html", form=form, subs=list(subs), secret=secret, action_form=DeleteForm()
    )


@bp.get("/webhooks")
def webhooks() -> str:
    return _hooks_page(WebhookForm())


@bp.post("/webhooks")
def create_webhook() -> str | tuple[str, int]:
    form = WebhookForm()
    if not form.validate_on_submit():
        return _hooks_page(form), 422
    try:
        _sub, secret = run(
            hook_services.create_subscription,
            name=form.name.data or "",
            url=form.url.data or "",
            events=list(form.events.data or []),
        ).value
    except WorkflowError as exc:
        flash(workflow_message(exc), "error")
        return _hooks_page(form), 422
    return _hooks_page(WebhookForm(formdata=None), secret=secret)


def _enqueue(ids: list[int]) -> None:
    from web.notify_bridge import enqueue_webhooks

    enqueue_webhooks(current_app._get_current_object(), ids)  # type: ignore[attr-defined]


@bp.post("/webhooks/<int:subscription_id>/<any(pause, resume):action>")
def toggle_webhook(subscription_id: int, action: str) -> BaseResponse:
    if not DeleteForm().validate_on_submit():
        abort(400)
    pending = run(
        hook_services.set_active, subscription_id=subscription_id, active=action == "resume"
    ).value
    _enqueue(pending)
    flash(
        _("推送已恢复，暂停期间的事件将补发。") if action == "resume" else _("推送已暂停。"),
        "ok",
    )
    return redirect(url_for("admin_api.webhooks"))


@bp.post("/webhooks/<int:subscription_id>/delete")
def delete_webhook(subscription_id: int) -> BaseResponse:
    if not DeleteForm().validate_on_submit():
        abort(400)
    run(hook_services.delete_subscription, subscription_id=subscription_id)
    flash(_("推送订阅已删除。"), "ok")
    return redirect(url_for("admin_api.webhooks"))


@bp.get("/webhooks/<int:subscription_id>")
def deliveries(subscription_id: int) -> str:
    session = db_session()
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        abort(404)
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(DELIVERIES_SHOWN)
    ).all()
    attempts: dict[int, list[WebhookAttempt]] = {}
    if rows:
        for a in session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_([d.id for d in rows]))
            .order_by(WebhookAttempt.id)
        ):
            attempts.setdefault(a.delivery_id, []).append(a)
    return render_template(
        "admin/webhook_deliveries.html",
        sub=sub,
        deliveries=rows,
        attempts=attempts,
        action_form=DeleteForm(),
    )


@bp.post("/webhooks/deliveries/<int:delivery_id>/replay")
def replay(delivery_id: int) -> BaseResponse:
    if not DeleteForm().validate_on_submit():
        abort(400)
    delivery = db_session().get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    subscription_id = delivery.subscription_id
    _enqueue([run(hook_services.replay, delivery_id=delivery_id).value])
    flash(_("已重新推送；接收方可按消息编号识别重复。"), "ok")
    return redirect(url_for("admin_api.deliveries", subscription_id=subscription_id))
