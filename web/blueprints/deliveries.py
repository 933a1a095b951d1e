"""The office's message log (消息发送记录): every reminder, escalation and event message
in the ledger, filterable, newest first — "did 张三 get the reminder on the 20th?"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from notifications import ledger
from web import db_session
from web.blueprints.office_view import require_office
from web.helpers import as_id, tz

bp = Blueprint("deliveries", __name__, url_prefix="/office/deliveries")

PAGE = 50
# Both "taken by a worker" states read 发送中 and are filtered together.
SENDING_STATES = (ledger.CLAIMED, ledger.SENDING)
STATUSES = {
    ledger.SENT: _l("已发送"),
    ledger.PENDING: _l("待发送"),
    ledger.CLAIMED: _l("发送中"),
    ledger.SENDING: _l("发送中"),
    ledger.FAILED: _l("发送失败"),
    ledger.DIGESTED: _l("已并入汇总"),
}
CHANNELS = {
    "email": _l("邮件"),
    "sms": _l("短信"),
    "wecom": _l("企业微信群"),
    "dingtalk": _l("钉钉群"),
    "inapp": _l("站内消息"),
}
KINDS = {
    "reminder": _l("到期提醒"),
    "escalation": _l("督办升级"),
    "event": _l("流程通知"),
    "digest": _l("每日汇总"),
}


def _choice(name: str, allowed: dict[str, Any]) -> str | None:
    value = request.args.get(name, "")
    return value if value in allowed else None


def _day(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None
    # Far-off years would overflow the UTC conversion (and the day after 9999-12-31).
    return day if 1900 <= day.year <= 9998 else None


def _before() -> int | None:
    return as_id(request.args.get("before"))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz())


@bp.get("/")
@login_required
def index() -> str:
    require_office()
    status, channel = _choice("status", STATUSES), _choice("channel", CHANNELS)
    kind = _choice("kind", KINDS)
    recipient = request.args.get("q", "").strip()[:50]
    since, until = _day("from"), _day("to")
    before = _before()
    rows = ledger.delivery_log(
        db_session(),
        status=SENDING_STATES if status in SENDING_STATES else status,
        channel=channel,
        kind=kind,
        recipient=recipient or None,
        since=_midnight(since) if since else None,
        until=_midnight(until + timedelta(days=1)) if until else None,
        before_id=before,
        limit=PAGE,
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    kept = {
        k: v
        for k, v in {
            "status": status,
            "channel": channel,
            "kind": kind,
            "q": recipient,
            "from": since.isoformat() if since else "",
            "to": until.isoformat() if until else "",
        }.items()
        if v
    }
    older = (
        url_for("deliveries.index") + "?" + urlencode({**kept, "before": rows[-1][0].id})
        if more
        else None
    )
    return render_template(
        "office_view/deliveries.html",
        rows=rows,
        older=older,
        first_page=url_for("deliveries.index") + ("?" + urlencode(kept) if kept else ""),
        paged=before is not None,
        filters=kept,
        statuses=STATUSES,
        channels=CHANNELS,
        kinds=KINDS,
    )
