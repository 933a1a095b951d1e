"""The office's view (issue 7): the dashboard, the unit scoreboard with its downloads,
year-end cramming, portal health and the column page — for supervisors (督查室) and
the district office's editors. The numbers all come from `workflow.reporting`; these
views only read the query string, call it and render."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

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

from notifications import services as notify_services
from notifications.ledger import counts_by_status, failed_deliveries
from notifications.status_job import report_settings
from web import db_session
from web.filters import long_date
from web.forms import DeleteForm
from web.helpers import actor, arg_page, arg_year, as_id, now, run, today
from workflow.enums import REVIEW_STATES, Role, State
from workflow.models import Column, ColumnAssignment, Unit, User
from workflow.reporting.charts import on_time_chart, stage_flow_chart
from workflow.reporting.columns import column_page
from workflow.reporting.common import Period, PeriodError, ReportSettings, parse_period
from workflow.reporting.cramming import cramming
from workflow.reporting.dashboard import dashboard as build_dashboard
from workflow.reporting.exports import assessment_xlsx, bulletin_docx, submissions_xlsx
from workflow.reporting.health import portal_health
from workflow.reporting.scoreboard import scoreboard as build_scoreboard
from workflow.services import maintenance

bp = Blueprint("office_view", __name__, url_prefix="/office")

PAGE_SIZE = 50
COLUMN_CHOICES = 500  # more columns than this: the filter asks for a unit first
FAILED_SHOWN = 50
CELL_LIMIT = 5  # columns shown per unit in the late table until it is filtered to one
# Units in the late table per page, worst first: the office works from the top, and a
# large portal has hundreds of late units (400 units' rows were 0.5 MB of HTML).
UNITS_PAGE = 20
SCORE_PAGE = 25  # units a page of the scoreboard's ranking
# Provisional due dates listed until filtered to a unit (at the turn of the year every
# open due date in the next one is provisional: thousands on a large portal).
PROVISIONAL_SHOWN = 50
SORTS = ("waiting", "unit", "column", "stage")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def may_view(user: User) -> bool:
    """Supervisors anywhere, and the district office's editors."""
    return user.has_role(Role.SUPERVISOR) or (
        user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office
    )


def require_office() -> User:
    user = actor()
    if not may_view(user):
        abort(403)
    return user


def settings() -> ReportSettings:
    # The same settings as the periodic summary refresh, or the summary goes unused.
    return report_settings(current_app.config["SANSHEN"])


def _int_arg(name: str) -> int | None:
    """A whole number from the query string; anything else (², ①, beyond an INTEGER id)
    is no filter at all."""
    return as_id(request.args.get(name))


def _choices(
    unit_id: int | None, column_id: int | None
) -> tuple[list[tuple[int, str]], list[tuple[int, str]], bool]:
    """The filter's units, and its columns: the chosen unit's, or all of them when there
    are few enough for one list (a portal has thousands: then a unit comes first)."""
    session = db_session()
    units = [
        (uid, name) for uid, name in session.execute(select(Unit.id, Unit.name).order_by(Unit.name))
    ]
    stmt = select(Column.id, Column.path).where(Column.retired_at.is_(None))
    if unit_id is not None:
        stmt = stmt.join(ColumnAssignment, ColumnAssignment.column_id == Column.id).where(
            ColumnAssignment.unit_id == unit_id
        )
    columns = [
        (cid, path)
        for cid, path in session.execute(stmt.order_by(Column.path).limit(COLUMN_CHOICES + 1))
    ]
    narrowed = len(columns) > COLUMN_CHOICES
    if narrowed:
        columns = []
        if column_id is not None and (chosen := session.get(Column, column_id)) is not None:
            columns = [(chosen.id, chosen.path)]
    return units, columns, narrowed


@bp.get("/")
@login_required
def dashboard() -> str:
    require_office()
    unit_id, column_id = _int_arg("unit"), _int_arg("column")
    stage = request.args.get("stage", "")
    stage = stage if stage in REVIEW_STATES else ""
    sort = request.args.get("sort", "waiting")
    sort = sort if sort in SORTS else "waiting"
    descending = request.args.get("order", "desc" if sort == "waiting" else "asc") == "desc"
    page = arg_page()
    units_page = arg_page("upage")
    board = build_dashboard(
        db_session(),
        now(),
        settings(),
        unit_id=unit_id,
        column_id=column_id,
        stage=stage or None,
        sort=sort,
        descending=descending,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        units_limit=UNITS_PAGE,
        units_offset=(units_page - 1) * UNITS_PAGE,
    )
    units, columns, narrowed = _choices(unit_id, column_id)
    unit_names = dict(units)
    filters = {
        k: v
        for k, v in (("unit", unit_id), ("column", column_id), ("stage", stage))
        if v not in (None, "")
    }

    def link(**changes: Any) -> str:
        """This page with `changes`; the two tables' pages are kept unless changed
        (and left out when on the first)."""
        args: dict[str, Any] = {
            **filters,
            "sort": sort,
            "order": "desc" if descending else "asc",
            "page": page,
            "upage": units_page,
        }
        args.update(changes)
        args = {k: v for k, v in args.items() if not (k in ("page", "upage") and v == 1)}
        return url_for("office_view.dashboard") + "?" + urlencode(args)

    def sort_link(key: str) -> str:
        same = key == sort
        order = (
            ("asc" if descending else "desc") if same else ("desc" if key == "waiting" else "asc")
        )
        return link(sort=key, order=order, page=1)

    pages = max((board.stuck.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    units_pages = max((board.units_total + UNITS_PAGE - 1) // UNITS_PAGE, 1)
    session = db_session()
    failed = failed_deliveries(session, limit=FAILED_SHOWN)
    recipients = dict(
        session.execute(
            select(User.id, User.name).where(User.id.in_({d.user_id for d in failed if d.user_id}))
        ).all()
    )
    return render_template(
        "office_view/dashboard.html",
        board=board,
        failed=failed,
        failed_recipients=recipients,
        delivery_counts=counts_by_status(session),
        units=units,
        columns=columns,
        columns_narrowed=narrowed,
        unit_names=unit_names,
        cell_limit=None if unit_id else CELL_LIMIT,
        provisional_shown=None if unit_id else PROVISIONAL_SHOWN,
        unit_id=unit_id,
        column_id=column_id,
        stage=stage,
        sort=sort,
        descending=descending,
        page=page,
        pages=pages,
        units_page=units_page,
        units_pages=units_pages,
        units_first=(units_page - 1) * UNITS_PAGE + 1,
        link=link,
        sort_link=sort_link,
        stages=REVIEW_STATES,
        all_states=list(State),
    )


@bp.post("/deliveries/<int:delivery_id>/retry")
@login_required
def retry_delivery(delivery_id: int) -> Response:
    """Send a failed reminder again (after the office checked the address or number):
    the row goes back to pending and the next scan enqueues it."""
    require_office()
    if not DeleteForm().validate_on_submit():
        abort(400)
    if run(notify_services.retry_delivery, delivery_id=delivery_id).value:
        flash(_("已安排重新发送，下次扫描时发出。"), "ok")
    else:
        flash(_("这条提醒已不在发送失败列表中，请刷新后查看。"), "error")
    return redirect(url_for("office_view.dashboard") + "#deliveries")


@bp.post("/provisional/recompute")
@login_required
def recompute() -> Response:
    require_office()
    report = run(
        maintenance.recompute_provisional,
        prompt_window=current_app.config["SANSHEN"].PROMPT_WINDOW_WORKDAYS,
    ).value
    flash(
        _(
            "已按当前日历重新计算暂定截止日期：%(changed)s 项改变，%(left)s 项仍为暂定。",
            changed=report.items_changed + report.obligations_changed,
            left=report.still_provisional,
        ),
        "ok",
    )
    return redirect(url_for("office_view.dashboard"))


def period_title(period: Period) -> str:
    if "-Q" in period.label:
        return _("%(year)s年第%(q)s季度", year=period.start.year, q=period.label[-1])
    if "-" in period.label:
        return _("%(year)s年%(month)s月", year=period.start.year, month=period.start.month)
    return _("%(year)s年", year=period.start.year)


def _default_period() -> str:
    """Last month: the one the monthly assessment is made for."""
    first = today().replace(day=1)
    last_month = (
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)
    )
    return f"{last_month.year}-{last_month.month:02d}"


def _period_arg() -> tuple[Period | None, str, str | None]:
    text = request.args.get("period", "").strip() or _default_period()
    try:
        return parse_period(text), text, None
    except PeriodError:
        return (
            None,
            text,
            _(
                "无法识别的期间“%(text)s”：月份请写 2026年11月、2026-11 或 202611，"
                "季度写 2026-Q4 或 2026年第4季度，全年写 2026。",
                text=text,
            ),
        )


@bp.get("/scoreboard")
@login_required
def scoreboard() -> tuple[str, int]:
    """Compact: the period's totals first, the ranking SCORE_PAGE units a page, each
    unit's late and missed columns folded (CELL_LIMIT each, then a page listing them
    all), the charts last (issue 16: 400 units made a page 12,552 px tall)."""
    require_office()
    period, text, error = _period_arg()
    if period is None:
        return render_template(
            "office_view/scoreboard.html", board=None, period_text=text, error=error
        ), 422
    session, moment, cfg = db_session(), now(), settings()
    board = build_scoreboard(session, period, moment, cfg)
    pages = max((len(board.units) + SCORE_PAGE - 1) // SCORE_PAGE, 1)
    page = min(arg_page("upage"), pages)
    shown_units = board.units[(page - 1) * SCORE_PAGE : page * SCORE_PAGE]
    # Each due date and median is put in words once here, not once per cell (400 units:
    # thousands of lookups).
    shown = {
        due
        for s in shown_units
        for _path, due in s.late_columns[:CELL_LIMIT] + s.missed_columns[:CELL_LIMIT]
    }
    medians = {m for s in shown_units for m in s.stage_medians.values() if m is not None}
    return (
        render_template(
            "office_view/scoreboard.html",
            board=board,
            totals=score_totals(board.units),
            units=shown_units,
            page=page,
            pages=pages,
            first=(page - 1) * SCORE_PAGE + 1,
            period=period,
            period_text=period.label,
            title=period_title(period),
            cell_limit=CELL_LIMIT,
            due_text={due: _("应于 %(day)s 前", day=long_date(due)) for due in shown},
            days_text={m: _("%(n)s 个工作日", n=f"{m:g}") for m in medians},
            # Read off the board just computed: no second scoreboard per month.
            on_time_svg=on_time_chart(session, period, moment, cfg, board=board),
            stage_svg=stage_flow_chart(session, period, moment, cfg),
            error=None,
        ),
        200,
    )


def score_totals(units: list[Any]) -> dict[str, Any]:
    """The period at a glance: units assessed and ranked, the three counts and the
    overall on-time rate."""
    on_time = sum(s.on_time for s in units)
    late = sum(s.late for s in units)
    missed = sum(s.missed for s in units)
    judged = on_time + late + missed
    return {
        "units": len(units),
        "ranked": sum(1 for s in units if s.rank),
        "on_time": on_time,
        "late": late,
        "missed": missed,
        "rate": on_time / judged if judged else None,
        "with_lapses": sum(1 for s in units if s.late_columns or s.missed_columns),
    }


@bp.get("/scoreboard/columns")
@login_required
def score_columns() -> tuple[str, int]:
    """Every late and missed column of one unit in the period (the scoreboard lists
    CELL_LIMIT of each); the assessment workbook stays one 下载 link away."""
    require_office()
    period, text, error = _period_arg()
    unit_id = _int_arg("unit")
    if period is None:
        return render_template(
            "office_view/score_columns.html", score=None, period_text=text, error=error
        ), 422
    board = build_scoreboard(db_session(), period, now(), settings())
    score = next((s for s in board.units if s.unit_id == unit_id), None)
    if score is None:
        abort(404)
    days = {due for _path, due in score.late_columns + score.missed_columns}
    return (
        render_template(
            "office_view/score_columns.html",
            score=score,
            period=period,
            period_text=period.label,
            title=period_title(period),
            day_text={day: long_date(day) for day in days},
            error=None,
        ),
        200,
    )


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    # send_file writes Content-Disposition with an ASCII fallback and the UTF-8 name
    # as filename* (RFC 5987), which Office, WPS and browsers all read.
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


def _download_period() -> Period:
    period, _text, _error = _period_arg()
    if period is None:
        abort(404)
    return period


@bp.get("/scoreboard/assessment.xlsx")
@login_required
def assessment() -> Response:
    require_office()
    period = _download_period()
    data = assessment_xlsx(db_session(), period, now(), settings())
    return _download(data, f"{period.title}政务公开考核.xlsx", XLSX)


@bp.get("/scoreboard/bulletin.docx")
@login_required
def bulletin() -> Response:
    require_office()
    period = _download_period()
    data = bulletin_docx(db_session(), period, now(), settings())
    return _download(data, f"{period.title}政务公开工作通报.docx", DOCX)


@bp.get("/scoreboard/submissions.xlsx")
@login_required
def submissions() -> Response:
    require_office()
    period = _download_period()
    unit_id = _int_arg("unit")
    data = submissions_xlsx(db_session(), period.start, period.end, settings(), unit_id=unit_id)
    return _download(data, f"{period.title}信息报送情况.xlsx", XLSX)


@bp.get("/cramming")
@login_required
def cramming_page() -> str:
    require_office()
    year = arg_year()
    if not 2000 <= year <= 2100:
        year = today().year
    cfg = settings()
    flags = cramming(db_session(), year, cfg)
    return render_template(
        "office_view/cramming.html",
        flags=flags,
        year=year,
        share=round(cfg.cram_share * 100),
        minimum=cfg.cram_min_items,
    )


@bp.get("/health")
@login_required
def health() -> str:
    require_office()
    return render_template(
        "office_view/health.html", health=portal_health(db_session(), now(), settings())
    )


def may_see_column(user: User, column_id: int) -> bool:
    """The office sees every column; a unit's people see the columns their unit keeps."""
    if may_view(user):
        return True
    assigned = (
        db_session()
        .execute(
            select(ColumnAssignment.id).where(
                ColumnAssignment.column_id == column_id, ColumnAssignment.unit_id == user.unit_id
            )
        )
        .first()
    )
    return assigned is not None


@bp.get("/columns/<int:column_id>")
@login_required
def column(column_id: int) -> str:
    session = db_session()
    # One answer for "no such column" and "not yours to see": ids must not leak.
    if not may_see_column(actor(), column_id) or session.get(Column, column_id) is None:
        abort(404)
    page = column_page(
        session,
        column_id,
        now(),
        settings(),
        prompt_window=current_app.config["SANSHEN"].PROMPT_WINDOW_WORKDAYS,
    )
    return render_template("office_view/column.html", page=page, office=may_view(actor()))
