"""Reviewers' pages: the inbox (oldest first, waiting in working days), the item page
(revision, attachments, diffs, history, actions) and approve / reject — one item at a
time: there is no bulk action anywhere (一事一审)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from web import db_session
from web.errors import workflow_message
from web.forms import ApproveForm, CommentForm, ScheduleForm, VersionForm
from web.helpers import (
    actor,
    now,
    run,
    today,
    visible_item,
    workdays_since,
)
from web.holding_view import holder_names, holdings
from web.itempage import context
from workflow import delegation, review_facts, services
from workflow.enums import Action, Role, State
from workflow.errors import InvalidTransition, StaleVersion, ValidationFailed
from workflow.models import Attachment, Column, Item, Revision, Unit, User
from workflow.outcome import Outcome
from workflow.permissions import STAGES
from workflow.storage import BlobStore

bp = Blueprint("review", __name__)


def has_inbox(user: Any) -> bool:
    """Whether any review stage can wait for this user (an office editor of another
    unit than the office has none), in their own right or as a delegate (委托)."""
    return bool(_waiting_for(user)) or bool(delegation.active(db_session(), now(), [user.id]))


def _waiting_for(user: Any) -> list[Any]:
    """Conditions for what waits for this user's roles."""
    conditions = []
    if user.has_role(Role.DEPUTY_HEAD):
        conditions.append((Item.state == State.INITIAL_REVIEW) & (Item.unit_id == user.unit_id))
    if user.has_role(Role.HEAD):
        conditions.append((Item.state == State.HEAD_REVIEW) & (Item.unit_id == user.unit_id))
    if user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office:
        conditions.append(Item.state == State.OFFICE_REVIEW)
    return conditions


def _delegated_to(user: Any) -> list[Any]:
    """Conditions for what waits for the people this user stands in for now (委托)."""
    session = db_session()
    conditions: list[Any] = []
    for row in delegation.active(session, now(), [user.id]):
        delegator = session.get(User, row.delegator_id)
        if delegator is None:
            continue
        for stage in delegation.stages_of(row):
            if STAGES[stage].own_unit:
                conditions.append((Item.state == stage) & (Item.unit_id == delegator.unit_id))
            else:
                conditions.append(Item.state == stage)
    return conditions


@bp.get("/inbox")
@login_required
def inbox() -> str:
    user = actor()
    conditions = _waiting_for(user) + _delegated_to(user)
    if not conditions:
        abort(403)
    session = db_session()
    rows = session.execute(
        select(Item, Unit.name, Column.path)
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .where(or_(*conditions))
        .order_by(Item.state_since, Item.id)
    ).all()
    held = holdings([item for item, _u, _p in rows])
    entries: list[dict[str, Any]] = []  # the template's rows
    own, reviewed = 0, 0
    for item, unit_name, path in rows:
        holding = held[item.id]
        mine = [h for h in holding.holders if h.user_id == user.id]
        # Only what this user may act on now: the services' own rules (who_holds).
        if not mine:
            facts = review_facts.history(item.review_facts, item.current_revision_no)
            if user.id in facts.authors or user.id == item.drafter_id:
                own += 1  # separation of duties: not theirs to review
            elif facts.stages_of(user.id):
                reviewed += 1  # reviewed at another stage of this revision
            continue
        entries.append(
            {
                "item": item,
                "unit": unit_name,
                "path": path,
                "waited": holding.waited,
                "holders": holder_names(holding),
                "for": "、".join(h.for_name for h in mine if h.for_name),
                "due": item.due_date,
                "late": item.due_date is not None and item.due_date < today(),
            }
        )
    waited_text = {
        n: ngettext("%(num)s 个工作日", "%(num)s 个工作日", n)
        for n in {e["waited"] for e in entries}
    }
    return render_template(
        "review/inbox.html", entries=entries, own=own, reviewed=reviewed, waited_text=waited_text
    )


def _forms(prefill: dict[str, Any] | None = None) -> dict[str, Any]:
    forms = {
        "approve_form": ApproveForm(formdata=None),
        "reject_form": CommentForm(formdata=None),
        "version_form": VersionForm(formdata=None),
        "withdraw_form": CommentForm(formdata=None),
        "recall_form": CommentForm(formdata=None),
        "retract_form": CommentForm(formdata=None),
        "schedule_form": ScheduleForm(formdata=None),
    }
    forms.update(prefill or {})
    return forms


def render_item(
    item: Item, error: str | None = None, status: int = 200, **forms: Any
) -> tuple[str, int]:
    ctx = context(db_session(), item, actor())
    ctx.update(_forms(forms))
    # A kept opinion whose form is not on the page any more (someone acted first): shown
    # to copy, never lost.
    ctx["unsent"] = [
        form.comment.data
        for name, form in forms.items()
        if name in FORM_ACTIONS
        and not ctx["actions"].get(FORM_ACTIONS[name])
        and getattr(form, "comment", None) is not None
        and form.comment.data
    ]
    ctx["waited"] = workdays_since(item.state_since)
    ctx["error"] = error
    return render_template("review/item.html", **ctx), status


def form_refused(item: Item, form: Any, **forms: Any) -> tuple[str, int]:
    """A form that failed its own checks (a comment over 2000 characters, no version):
    the item page again with the messages and what was typed — not a 400 about tokens
    (CSRF is checked before any view)."""
    if "version" in form.errors:
        message = _("页面已过期，请刷新后重新操作。")
    else:
        message = "；".join(str(e) for errors in form.errors.values() for e in errors)
    return render_item(item, message or _("请按提示修改后重新提交。"), 422, **forms)


# A refused review form (approve, reject, retract) answers with a redirect to the item
# page (PRG): the address bar shows the item, a reload sends nothing again, and what was
# typed comes back in its box from the session. The session is a signed cookie; what
# would not fit in it (a very long opinion) is shown on a 422 page as before instead.
REFUSED_KEY = "refused_form"
COOKIE_BUDGET = 3000  # bytes of the serialized session, under the browsers' 4 KB
KEPT_FORMS: dict[str, type[CommentForm]] = {
    "approve_form": ApproveForm,
    "reject_form": CommentForm,
    "retract_form": CommentForm,
}
FORM_ACTIONS = {
    "approve_form": Action.APPROVE,
    "reject_form": Action.REJECT,
    "retract_form": Action.RETRACT,
}
ANCHORS = {"approve_form": "approve", "reject_form": "reject", "retract_form": "retract"}


def _fits(kept: dict[str, Any], message: str) -> bool:
    serializer = current_app.session_interface.get_signing_serializer(  # type: ignore[attr-defined]
        current_app
    )
    flashes = [*cookie_session.get("_flashes", []), ("error", message)]
    candidate = {**cookie_session, REFUSED_KEY: kept, "_flashes": flashes}
    return serializer is not None and len(serializer.dumps(candidate)) <= COOKIE_BUDGET


def _checked(form: Any) -> bool:
    box = getattr(form, "confidentiality", None)
    return bool(box is not None and box.data)


def refused(item: Item, form: Any, form_name: str, message: str, status: int) -> Any:
    """Back to the item page with the message and the typed text (see REFUSED_KEY)."""
    kept = {
        "item": item.id,
        "form": form_name,
        "comment": form.comment.data or "",
        "confidentiality": _checked(form),
    }
    if not _fits(kept, message):
        return render_item(item, message, status, **{form_name: form})
    cookie_session[REFUSED_KEY] = kept
    flash(message, "error")
    anchor = ANCHORS.get(form_name)
    return redirect(url_for("review.item", item_id=item.id, _anchor=anchor))


def kept_forms(item_id: int) -> dict[str, Any]:
    """The refused form kept for this item's page, filled in again (once)."""
    kept = cookie_session.pop(REFUSED_KEY, None)
    if not isinstance(kept, dict) or kept.get("item") != item_id:
        return {}
    name = kept.get("form")
    form_class = KEPT_FORMS.get(name) if isinstance(name, str) else None
    if name is None or form_class is None:
        return {}
    data: dict[str, Any] = {"comment": str(kept.get("comment") or "")}
    if form_class is ApproveForm:
        data["confidentiality"] = bool(kept.get("confidentiality"))
    return {name: form_class(formdata=None, data=data)}


def act_on_form(
    item: Item, form: Any, form_name: str, service: Callable[..., Outcome[Any]], **kwargs: Any
) -> Any:
    """Run one review action from its form. On a refusal — the form's own checks, the
    library's rules (422) or a conflict (409: someone acted first) — back to the item
    page with the message and the typed text; None when the action went through
    (committed, events dispatched)."""
    if not form.validate():
        if "version" in form.errors:
            message = _("页面已过期，请刷新后重新操作。")
        else:
            message = "；".join(str(e) for errors in form.errors.values() for e in errors)
        return refused(item, form, form_name, message or _("请按提示修改后重新提交。"), 422)
    try:
        run(service, item_id=item.id, expected_version=form.version.data, **kwargs)
    except (ValidationFailed, InvalidTransition, StaleVersion) as exc:
        db_session().expire_all()
        return refused(item, form, form_name, workflow_message(exc), exc.http_status)
    return None


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int) -> tuple[str, int]:
    return render_item(visible_item(item_id), **kept_forms(item_id))


@bp.post("/items/<int:item_id>/approve")
@login_required
def approve(item_id: int) -> Any:
    item = visible_item(item_id)
    form = ApproveForm()
    stage = item.state
    refused = act_on_form(
        item,
        form,
        "approve_form",
        services.approve,
        comment=form.comment.data,
        confidentiality_checked=bool(form.confidentiality.data),
        prompt_window=current_app.config["SANSHEN"].PROMPT_WINDOW_WORKDAYS,
    )
    if refused is not None:
        return refused
    flash(
        _("已发布。") if stage == State.OFFICE_REVIEW else _("已通过，稿件转入下一审核环节。"),
        "ok",
    )
    return redirect(url_for("review.inbox"))


@bp.post("/items/<int:item_id>/reject")
@login_required
def reject(item_id: int) -> Any:
    form = CommentForm()
    refused = act_on_form(
        visible_item(item_id), form, "reject_form", services.reject, comment=form.comment.data or ""
    )
    if refused is not None:
        return refused
    flash(_("已退回，报送员和已通过的审核人会收到通知。"), "ok")
    return redirect(url_for("review.inbox"))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    session = db_session()
    row = session.execute(
        select(Attachment, Revision.item_id)
        .join(Revision, Revision.id == Attachment.revision_id)
        .where(Attachment.id == attachment_id)
    ).first()
    if row is None:
        abort(404)
    att, item_id = row
    visible_item(item_id)
    store = BlobStore(current_app.config["SANSHEN"].ATTACHMENT_DIR)
    if not store.exists(att.blob_sha256):
        abort(404)
    return send_file(
        store.path_for(att.blob_sha256),
        mimetype=att.media_type,
        as_attachment=True,
        download_name=att.filename,
    )
