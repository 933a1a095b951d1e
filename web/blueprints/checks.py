"""Content checks on the web: a decision on one finding from the item page (已核实 by the
drafter, override of a serious one by the office, each with a reason), and the office's
findings page with its .xlsx export. The checks themselves run in the services."""

from __future__ import annotations

from datetime import datetime, time
from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web import db_session
from web.blueprints.office_view import require_office
from web.blueprints.review import render_item
from web.check_forms import FindingForm
from web.errors import workflow_message
from web.helpers import as_id, run, tz, visible_item
from web.labels import CHECK_CATEGORIES, CHECK_STATUSES
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import Finding, Unit
from workflow.reporting.findings import FindingFilter, findings, findings_xlsx
from workflow.services import checks

bp = Blueprint("checks", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000  # a year of a district's findings; the page shows the latest 500


def _decide(finding_id: int, service: Any, done: str) -> Any:
    finding = db_session().get(Finding, finding_id)
    if finding is None:
        abort(404)
    item = visible_item(finding.item_id)
    form = FindingForm()
    if not form.validate():
        message = "；".join(str(e) for errors in form.errors.values() for e in errors)
        return render_item(item, message or _("请填写理由。"), 422)
    try:
        run(service, finding_id=finding_id, reason=form.reason.data or "")
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        db_session().expire_all()
        return render_item(item, workflow_message(exc), 422)
    flash(done, "ok")
    return redirect(url_for("review.item", item_id=item.id) + f"#finding-{finding_id}")


@bp.post("/findings/<int:finding_id>/verify")
@login_required
def verify(finding_id: int) -> Any:
    return _decide(finding_id, checks.verify_finding, _("已标记为已核实。"))


@bp.post("/findings/<int:finding_id>/override")
@login_required
def override(finding_id: int) -> Any:
    return _decide(finding_id, checks.override_finding, _("已核准放行。"))


def _month(value: str | None) -> tuple[datetime | None, datetime | None, str]:
    raw = (value or "").strip()
    try:
        year, month = (int(p) for p in raw.split("-"))
        start = datetime.combine(datetime(year, month, 1).date(), time(), tz())
        after = datetime(year + month // 12, month % 12 + 1, 1).date()
        return start, datetime.combine(after, time(), tz()), raw
    except ValueError:
        return None, None, ""


def _filter() -> tuple[FindingFilter, dict[str, str]]:
    args = request.args
    start, end, month = _month(args.get("month"))
    category = args.get("category", "")
    status = args.get("status", "")
    unit_id = as_id(args.get("unit"))
    chosen = {
        "unit": str(unit_id) if unit_id is not None else "",
        "category": category if category in CHECK_CATEGORIES else "",
        "status": status if status in CHECK_STATUSES else "",
        "month": month,
    }
    return (
        FindingFilter(
            unit_id=unit_id,
            category=chosen["category"] or None,
            status=chosen["status"] or None,
            start=start,
            end=end,
        ),
        {k: v for k, v in chosen.items() if v},
    )


@bp.get("/office/findings")
@login_required
def office_findings() -> str:
    require_office()
    session = db_session()
    chosen, args = _filter()
    rows = findings(session, chosen, limit=500)
    units = session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    return render_template("checks/findings.html", rows=rows, units=units, chosen=args, limit=500)


@bp.get("/office/findings.xlsx")
@login_required
def office_findings_xlsx() -> Response:
    require_office()
    chosen, _args = _filter()
    rows = findings(db_session(), chosen, limit=EXPORT_LIMIT)
    data = findings_xlsx(rows, current_app.config["SANSHEN"].TIMEZONE)
    return send_file(
        BytesIO(data), mimetype=XLSX, as_attachment=True, download_name="内容检查问题.xlsx"
    )
