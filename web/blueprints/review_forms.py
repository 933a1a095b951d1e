"""The 信息发布审核表 downloads (issue 16): one item's form, for whoever may see the item,
and the office's batch for a period and a unit, as .docx or PDF. The forms are made by
`workflow.reporting.review_form*`; these views only choose what goes in."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web import db_session
from web.blueprints.office_view import DOCX, period_title, require_office, settings
from web.helpers import as_id, now, today, visible_item
from workflow.models import Unit
from workflow.reporting import review_form_docx, review_form_pdf
from workflow.reporting.common import Period, PeriodError, parse_period
from workflow.reporting.review_form import (
    ReviewForm,
    form_revision,
    published_in,
    review_form,
    review_forms,
)

bp = Blueprint("review_forms", __name__)

PDF = "application/pdf"
# Forms per download from the web: a whole portal's year is thousands of pages, for the
# `flask report review-forms` command (it has no limit).
BATCH_LIMIT = 300
FORMATS = ("docx", "pdf")


def download(data: bytes, filename: str, mimetype: str) -> Response:
    # The UTF-8 name goes as filename* (RFC 5987), read by Office, WPS and browsers.
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


def period_arg() -> tuple[Period | None, str, str | None]:
    """The period asked for (last month, the one to file, when none is): the period,
    its text, an error message."""
    first = today().replace(day=1)
    last_month = (first - timedelta(days=1)).strftime("%Y-%m")
    text = request.args.get("period", "").strip() or last_month
    try:
        return parse_period(text), text, None
    except PeriodError:
        message = _(
            "无法识别的期间“%(text)s”：月份请写 2026年11月、2026-11 或 202611，"
            "季度写 2026-Q4 或 2026年第4季度，全年写 2026。",
            text=text,
        )
        return None, text, message


def _file(forms: list[ReviewForm], fmt: str, name: str) -> Response:
    if fmt == "pdf":
        return download(review_form_pdf.render(forms, now(), settings()), f"{name}.pdf", PDF)
    return download(review_form_docx.render(forms, now(), settings()), f"{name}.docx", DOCX)


def _safe(text: str) -> str:
    """A title as part of a file name: no path separators or control characters."""
    kept = "".join(c for c in text if c.isprintable() and c not in '\\/:*?"<>|')
    return kept.strip()[:40] or "信息"


@bp.get("/items/<int:item_id>/review-form.<fmt>")
@login_required
def item_form(item_id: int, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    item = visible_item(item_id)
    number = form_revision(item)
    if "revision" in request.args:
        chosen = as_id(request.args.get("revision"))
        if chosen is None or chosen not in {r.number for r in item.revisions}:
            abort(404)
        number = chosen
    form = review_form(db_session(), item.id, number)
    if form is None:
        abort(404)
    return _file([form], fmt, f"信息发布审核表-{_safe(form.title)}-第{number}版")


def unit_arg() -> Unit | None:
    """The unit asked for (None: all units); an id that is not one (`unit=abc`, a unit
    that does not exist) is a 404, never quietly every unit's batch."""
    raw = request.args.get("unit", "").strip()
    if not raw:
        return None
    unit_id = as_id(raw)
    unit = db_session().get(Unit, unit_id) if unit_id is not None else None
    if unit is None:
        abort(404)
    return unit


def _units() -> list[tuple[int, str]]:
    rows = db_session().execute(select(Unit.id, Unit.name).order_by(Unit.name))
    return [(uid, name) for uid, name in rows]


@bp.get("/office/review-forms")
@login_required
def batch_page() -> tuple[str, int]:
    """Choose a period and a unit; the downloads are links with the same query."""
    require_office()
    period, text, error = period_arg()
    unit = unit_arg()
    unit_id = unit.id if unit is not None else None
    count = None
    if period is not None:
        count = len(published_in(db_session(), period.start, period.end, settings(), unit_id))
    context: dict[str, Any] = {
        "period": period,
        "period_text": text,
        "title": period_title(period) if period else "",
        "error": error,
        "units": _units(),
        "unit_id": unit_id,
        "count": count,
        "limit": BATCH_LIMIT,
    }
    return render_template("office_view/review_forms.html", **context), 422 if error else 200


@bp.get("/office/review-forms.<fmt>")
@login_required
def batch(fmt: str) -> Any:
    require_office()
    if fmt not in FORMATS:
        abort(404)
    period, _text, _error = period_arg()
    if period is None:  # a period typed into the address: the page says what is wrong
        return batch_page()
    unit = unit_arg()
    unit_id = unit.id if unit is not None else None
    keys = published_in(db_session(), period.start, period.end, settings(), unit_id)
    if len(keys) > BATCH_LIMIT:  # the page says so and names the command
        return render_template(
            "office_view/review_forms.html",
            period=period,
            period_text=period.label,
            title=period_title(period),
            error=None,
            units=_units(),
            unit_id=unit_id,
            count=len(keys),
            limit=BATCH_LIMIT,
        ), 422
    forms = review_forms(db_session(), keys)
    name = f"{period.title}{_safe(unit.name) if unit else ''}信息发布审核表"
    return _file(forms, fmt, name)
