"""The annual reports' pages: the 政府信息公开工作年度报告 of a unit or the whole government
(the 2021-format tables, the reconciliation errors naming their rows, what is still
missing before the deadline, the hand-entered figures) with its .docx and .xlsx, and the
政府网站工作年度报表 likewise."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web import db_session, labels
from web.blueprints.disclosure import refusal_message
from web.disclosure_forms import FiguresForm, ReportScheduleForm, ScheduleSwitchForm
from web.helpers import actor, arg_year, run, today
from workflow.disclosure.outcomes import RESULT_GROUPS
from workflow.enums import Role
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import ReportSchedule, Unit
from workflow.reporting import annual_docs, annual_report, website_report
from workflow.services import report_figures, report_schedules
from workflow.services.disclosure import is_office_staff

bp = Blueprint("annual", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# The request table's cells the form lets one enter: 上年结转 for requests from before
# the register was used (the rest comes from the register).
REQUEST_INPUTS = [f"requests.carried_in.{c}" for c in annual_report.REQUEST_COLUMNS[:-1]]


def _default_year() -> int:
    day = today()
    return day.year - 1 if day.month <= 3 else day.year


def _scope() -> str:
    """The scope asked for, if the user may see it: the whole government for the office
    and supervisors, a unit for its own people as well."""
    user = actor()
    raw = (request.args.get("scope") or "").strip()
    wide = is_office_staff(user) or user.has_role(Role.SUPERVISOR) or user.has_role(Role.ADMIN)
    if not raw:
        return annual_report.SCOPE_ALL if wide else str(user.unit_id)
    if raw == annual_report.SCOPE_ALL:
        if not wide:
            abort(403)
        return raw
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        abort(404)
    if db_session().get(Unit, int(raw)) is None:
        abort(404)
    if not wide and raw != str(user.unit_id):
        abort(403)
    return raw


@bp.get("/reports/annual")
@login_required
def annual_page(error: str | None = None, status: int = 200) -> Any:
    year, scope = arg_year(default=_default_year()), _scope()
    report = annual_report.build(db_session(), year, scope)
    hand = annual_report.stored_figures(db_session(), annual_report.REPORT, scope, year)
    due = annual_report.due_date(year, scope)
    units = db_session().execute(select(Unit).where(Unit.active).order_by(Unit.name)).scalars()
    return render_template(
        "reports/annual.html",
        report=report,
        hand=hand,
        year=year,
        scope=scope,
        units=list(units),
        due=due,
        days_left=(due - today()).days,
        problems=[annual_report.describe(p) for p in report.problems],
        missing=[annual_report.key_label(k) for k in report.missing],
        ar=annual_report,
        groups=RESULT_GROUPS,
        request_inputs=REQUEST_INPUTS,
        hand_keys=[k for k in annual_report.HAND_ONLY]
        + [f"appeals.{g}.total" for g, _l in annual_report.APPEAL_GROUPS],
        may_enter=report_figures.may_enter(actor(), scope),
        form=FiguresForm(formdata=None),
        overview=annual_report.unit_overview(db_session(), year)
        if scope == annual_report.SCOPE_ALL
        else [],
        unit_due=annual_report.due_date(year, "unit"),
        error=error,
    ), status


def _save(report: str, scope: str, year: int, keys: list[str]) -> str | None:
    form = FiguresForm()
    if not form.validate():
        return _("页面已过期，请刷新后重新操作。")
    values = {k: (request.form.get(k) or "").strip() for k in keys}
    try:
        run(
            report_figures.save_figures,
            report=report,
            scope=scope,
            year=year,
            values=values,
        )
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        db_session().rollback()
        return refusal_message(exc, _key_name)
    return None


def _key_name(key: str) -> str:
    if key in website_report.NUMBER_KEYS or key in website_report.TEXT_KEYS:
        return website_report.label(key)
    return annual_report.key_label(key)


@bp.post("/reports/annual/figures")
@login_required
def annual_figures() -> Any:
    year, scope = arg_year(default=_default_year()), _scope()
    keys = (
        list(annual_report.HAND_ONLY)
        + [f"appeals.{g}.total" for g, _l in annual_report.APPEAL_GROUPS]
        + REQUEST_INPUTS
        + [f"text.{n}" for n, _l in annual_report.TEXTS]
    )
    error = _save(annual_report.REPORT, scope, year, keys)
    if error:
        return annual_page(error, 422)
    flash(_("已保存年度报告数据。"), "ok")
    return redirect(url_for("annual.annual_page", year=year, scope=scope))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.get("/reports/annual.docx")
@login_required
def annual_docx() -> Response:
    year, scope = arg_year(default=_default_year()), _scope()
    report = annual_report.build(db_session(), year, scope)
    name = f"{annual_docs.title_of(report)}.docx"
    return _download(annual_docs.annual_docx(report), DOCX, name)


@bp.get("/reports/annual.xlsx")
@login_required
def annual_xlsx() -> Response:
    year, scope = arg_year(default=_default_year()), _scope()
    report = annual_report.build(db_session(), year, scope)
    name = f"{annual_docs.title_of(report)}（表格）.xlsx"
    return _download(annual_docs.annual_xlsx(report), XLSX, name)


def _require_office() -> None:
    user = actor()
    if not (is_office_staff(user) or user.has_role(Role.SUPERVISOR) or user.has_role(Role.ADMIN)):
        abort(403)


@bp.get("/reports/website")
@login_required
def website_page(error: str | None = None, status: int = 200) -> Any:
    _require_office()
    year = arg_year(default=_default_year())
    report = website_report.build(db_session(), year)
    hand = annual_report.stored_figures(db_session(), website_report.REPORT, "all", year)
    return render_template(
        "reports/website.html",
        report=report,
        hand=hand,
        year=year,
        fields=website_report.FIELDS,
        counted=website_report.COUNTED,
        missing=[website_report.label(k) for k in report.missing],
        may_enter=report_figures.may_enter(actor(), "all"),
        form=FiguresForm(formdata=None),
        due=annual_report.due_date(year, "unit"),
        error=error,
    ), status


@bp.post("/reports/website/figures")
@login_required
def website_figures() -> Any:
    _require_office()
    year = arg_year(default=_default_year())
    keys = [k for _s, k, _l, _kind in website_report.FIELDS]
    error = _save(website_report.REPORT, "all", year, keys)
    if error:
        return website_page(error, 422)
    flash(_("已保存网站年度报表数据。"), "ok")
    return redirect(url_for("annual.website_page", year=year))


@bp.get("/reports/website.xlsx")
@login_required
def website_xlsx() -> Response:
    _require_office()
    year = arg_year(default=_default_year())
    data = annual_docs.website_xlsx(website_report.build(db_session(), year))
    return _download(data, XLSX, f"政府网站工作年度报表（{year}年度）.xlsx")


@bp.get("/reports/website.docx")
@login_required
def website_docx() -> Response:
    _require_office()
    year = arg_year(default=_default_year())
    data = annual_docs.website_docx(website_report.build(db_session(), year))
    return _download(data, DOCX, f"政府网站工作年度报表（{year}年度）.docx")


# ----------------------------------------------------------------- scheduled reports


def _schedule_form() -> ReportScheduleForm:
    form = ReportScheduleForm()
    form.kind.choices = [(k, str(labels.REPORT_KINDS[k])) for k in report_schedules.KINDS]
    return form


def _schedules_page(form: ReportScheduleForm, error: str | None, status: int) -> Any:
    rows = db_session().execute(select(ReportSchedule).order_by(ReportSchedule.id)).scalars()
    return render_template(
        "reports/schedules.html",
        schedules=list(rows),
        form=form,
        switch=ScheduleSwitchForm(formdata=None),
        error=error,
    ), status


@bp.route("/reports/schedules", methods=["GET", "POST"])
@login_required
def schedules() -> Any:
    """The reports mailed every month to the leading group's mailbox (seed 002)."""
    if not is_office_staff(actor()):
        abort(403)
    form = _schedule_form()
    if request.method == "GET":
        if form.day_of_month.data is None:
            form.day_of_month.data = 25
        return _schedules_page(form, None, 200)
    if not form.validate():
        message = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return _schedules_page(form, message, 422)
    try:
        run(
            report_schedules.save_schedule,
            kind=form.kind.data or "",
            recipients=form.recipients.data or "",
            day_of_month=form.day_of_month.data or 0,
        )
    except ValidationFailed as exc:
        db_session().rollback()
        return _schedules_page(form, refusal_message(exc), 422)
    flash(_("已保存定期报送设置。"), "ok")
    return redirect(url_for("annual.schedules"))


@bp.post("/reports/schedules/switch")
@login_required
def switch_schedule() -> Any:
    if not is_office_staff(actor()):
        abort(403)
    form = ScheduleSwitchForm()
    if not form.validate() or form.schedule_id.data is None:
        abort(400)
    schedule = db_session().get(ReportSchedule, form.schedule_id.data)
    if schedule is None:
        abort(404)
    run(
        report_schedules.save_schedule,
        schedule_id=schedule.id,
        kind=schedule.kind,
        recipients=schedule.recipients,
        day_of_month=schedule.day_of_month,
        active=not schedule.active,
    )
    flash(_("已启用。") if schedule.active else _("已停用。"), "ok")
    return redirect(url_for("annual.schedules"))
