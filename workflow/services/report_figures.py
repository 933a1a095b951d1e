"""The figures the office (or a unit, for its own report) enters by hand for an annual
report: one JSON row per report, scope and year (ReportFigures). Every value is checked
before anything is written; the change is logged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from workflow.enums import Role
from workflow.errors import NotAllowed
from workflow.models import ReportFigures, User
from workflow.outcome import LogEntry, Outcome, done
from workflow.reporting import annual_report, website_report
from workflow.services.disclosure import DisclosureRefused, is_office_staff

TEXT_MAX = 20_000
REPORTS = {
    annual_report.REPORT: (
        annual_report.NUMBER_KEYS,
        {f"text.{n}" for n, _l in annual_report.TEXTS},
    ),
    website_report.REPORT: (website_report.NUMBER_KEYS, website_report.TEXT_KEYS),
}


def may_enter(user: User, scope: str) -> bool:
    if is_office_staff(user) or user.has_role(Role.SUPERVISOR):
        return True
    return (
        scope != annual_report.SCOPE_ALL
        and scope == str(user.unit_id)
        and bool(user.roles & {Role.HEAD, Role.DEPUTY_HEAD, Role.DRAFTER})
    )


def _clean(report: str, values: Mapping[str, Any]) -> dict[str, Any]:
    numbers, texts = REPORTS[report]
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key in numbers:
            if value is None or value == "":
                continue
            try:
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise DisclosureRefused("number", field=key) from exc
            if not 0 <= number <= annual_report.NUMBER_MAX:
                raise DisclosureRefused("number", field=key)
            clean[key] = int(number) if number.is_integer() else round(number, 2)
        elif key in texts:
            text = str(value or "").strip()
            if len(text) > TEXT_MAX:
                raise DisclosureRefused("too_long", field=key, max=TEXT_MAX)
            if text:
                clean[key] = text
        else:
            raise DisclosureRefused("unknown_field", field=key)
    return clean


def save_figures(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    report: str,
    scope: str,
    year: int,
    values: Mapping[str, Any],
) -> Outcome[ReportFigures]:
    """Replace the hand-entered figures of (report, scope, year); an empty value clears
    its figure (a total left empty is summed again)."""
    assert actor is not None
    if report not in REPORTS:
        raise DisclosureRefused("unknown_field", field="report")
    if not may_enter(actor, scope):
        raise NotAllowed("not allowed to enter this report's figures")
    if not 2000 <= year <= 2100:
        raise DisclosureRefused("number", field="year")
    clean = _clean(report, values)
    row = session.get(ReportFigures, (report, scope, year))
    before = dict(row.values) if row is not None else {}
    if row is None:
        row = ReportFigures(report=report, scope=scope, year=year, values={})
        session.add(row)
    row.values = clean
    row.updated_at = now
    row.updated_by_id = actor.id
    session.flush()
    name = annual_report.key_label if report == annual_report.REPORT else website_report.label
    # Keyed by the cells' Chinese names: the administrators' log shows words, not keys.
    changes = {
        name(k): [before.get(k), clean.get(k)]
        for k in sorted(set(before) | set(clean))
        if before.get(k) != clean.get(k) and not k.startswith("text.")
    }
    title = "政府信息公开工作年度报告" if report == annual_report.REPORT else "政府网站工作年度报表"
    who = annual_report.scope_name(session, scope) or "全区"
    label = f"{who}{year}年{title}"
    key = f"{report}:{scope}:{year}"
    return done(row, (), LogEntry("report.figures", "report_figures", key, label, changes))
