"""The 政府信息公开工作年度报告 in the format of 国办公开办函〔2021〕30号 (docs/annual-report.md):
its tables' rows and columns as data, filled from the 依申请公开 register, from published
items by kind and from the figures the office enters by hand (ReportFigures), with the
template's reconciliation checks. A scope is the whole government ("all") or a unit.

Cells are keyed "section.row.column": `active.normative.0` (主动公开), `requests.new.person`
(收到和处理申请), `appeals.review.total` (复议/诉讼). A figure entered by hand wins over what
sanshen counted; a total not entered is the sum of its row or column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from workflow.disclosure.outcomes import APPLICANT_COLUMNS, OUTCOME_ROW, OUTCOMES, RESULT_GROUPS
from workflow.enums import ItemKind
from workflow.models import DisclosureRequest, Item, ReportFigures, Unit
from workflow.timezones import LOCAL

REPORT = "annual"
SCOPE_ALL = "all"
NUMBER_MAX = 10_000_000

# 二、主动公开政府信息情况: (heading, column headings, rows (key, label)).
ACTIVE_SECTIONS: Final[tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...]] = (
    (
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (("rules", "规章"), ("normative", "行政规范性文件")),
    ),
    ("第二十条第（五）项", ("本年处理决定数量",), (("licensing", "行政许可"),)),
    (
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (("penalty", "行政处罚"), ("coercion", "行政强制")),
    ),
    ("第二十条第（八）项", ("本年收费金额（单位：万元）",), (("fees", "行政事业性收费"),)),
)

# 三、收到和处理政府信息公开申请情况
REQUEST_COLUMNS: Final[tuple[str, ...]] = (*(c.value for c, _l in APPLICANT_COLUMNS), "total")
REQUEST_COLUMN_LABELS: Final[dict[str, str]] = {
    **{c.value: label for c, label in APPLICANT_COLUMNS},
    "total": "总计",
}
RECONCILE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
REQUEST_ROWS: Final[tuple[tuple[str, str], ...]] = (
    ("new", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "二、上年结转政府信息公开申请数量"),
    *((code, OUTCOME_ROW[code]) for code in OUTCOMES),
    ("total", "（七）总计"),
    ("carried_out", "四、结转下年度继续办理"),
)
REQUEST_ROW_LABELS: Final[dict[str, str]] = dict(REQUEST_ROWS)
RESULTS_HEADING = "三、本年度办理结果"

# 四、政府信息公开行政复议、行政诉讼情况
APPEAL_GROUPS: Final[tuple[tuple[str, str], ...]] = (
    ("review", "行政复议"),
    ("suit_direct", "行政诉讼·未经复议直接起诉"),
    ("suit_after", "行政诉讼·复议后起诉"),
)
APPEAL_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

TEXTS: Final[tuple[tuple[str, str], ...]] = (
    ("overview", "一、总体情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other", "六、其他需要报告的事项"),
)


def active_keys() -> list[str]:
    return [
        f"active.{row}.{i}"
        for _h, columns, rows in ACTIVE_SECTIONS
        for row, _l in rows
        for i in range(len(columns))
    ]


def request_keys() -> list[str]:
    return [f"requests.{row}.{col}" for row, _l in REQUEST_ROWS for col in REQUEST_COLUMNS]


def appeal_keys() -> list[str]:
    return [f"appeals.{g}.{c}" for g, _l in APPEAL_GROUPS for c, _c in APPEAL_COLUMNS]


NUMBER_KEYS: Final[frozenset[str]] = frozenset(active_keys() + request_keys() + appeal_keys())
# Figures sanshen cannot know: missing until entered (totals are summed when left empty).
HAND_ONLY: Final[tuple[str, ...]] = tuple(
    k
    for k in active_keys() + appeal_keys()
    if k != "active.normative.0" and not k.endswith(".total")
)


@dataclass(frozen=True)
class Problem:
    """A reconciliation check that does not hold, naming its row (and column)."""

    row: str
    column: str
    expected: float
    actual: float
    rule: str  # "row_total", "results_total", "balance", "appeal_total"


@dataclass
class AnnualReport:
    year: int
    scope: str
    scope_name: str
    values: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # key → register/items/hand/sum
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # keys, then "text.<name>"

    def get(self, key: str) -> float:
        return self.values.get(key, 0)

    @property
    def reconciles(self) -> bool:
        return not self.problems


def due_date(year: int, scope: str) -> date:
    """Art. 49: departments publish by 31 January, governments by 31 March."""
    return date(year + 1, 3, 31) if scope == SCOPE_ALL else date(year + 1, 1, 31)


def _bounds(year: int) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date(year, 1, 1), time(), LOCAL),
        datetime.combine(date(year + 1, 1, 1), time(), LOCAL),
    )


def stored_figures(session: Session, report: str, scope: str, year: int) -> dict[str, Any]:
    row = session.get(ReportFigures, (report, scope, year))
    return dict(row.values) if row is not None else {}


ALL_UNITS = -1  # the key of the whole government's counts


def _request_counts(
    session: Session, year: int, unit_id: int | None, by_unit: bool = False
) -> dict[int, dict[str, float]]:
    """Table 三 from the register in one GROUP BY: per (unit,) applicant type and
    outcome, the requests new in the year, carried in, answered in it, and carried out.
    Keyed by unit id, or ALL_UNITS when not `by_unit`."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    r = DisclosureRequest
    answered_in = (r.answered_on >= first) & (r.answered_on <= last) & r.outcome.is_not(None)
    unit_col = r.unit_id if by_unit else literal(ALL_UNITS)
    query = (
        select(
            unit_col,
            r.applicant_type,
            r.outcome,
            func.sum(case((r.received_on >= first, 1), else_=0)),
            func.sum(case((r.received_on < first, 1), else_=0)),
            func.sum(case((answered_in, 1), else_=0)),
            func.sum(case((answered_in, 0), else_=1)),
        )
        .where(r.received_on <= last, r.answered_on.is_(None) | (r.answered_on >= first))
        .group_by(*((r.unit_id,) if by_unit else ()), r.applicant_type, r.outcome)
    )
    if unit_id is not None:
        query = query.where(r.unit_id == unit_id)
    counts: dict[int, Counter[str]] = {}
    for unit, applicant, outcome, new, carried_in, answered, carried_out in session.execute(query):
        c = counts.setdefault(ALL_UNITS if unit is None else int(unit), Counter())
        c[f"requests.new.{applicant}"] += int(new or 0)
        c[f"requests.carried_in.{applicant}"] += int(carried_in or 0)
        if outcome in OUTCOME_ROW:
            c[f"requests.{outcome}.{applicant}"] += int(answered or 0)
            c[f"requests.carried_out.{applicant}"] += int(carried_out or 0)
        else:  # no outcome yet (or an unknown code): still open at the year's end
            c[f"requests.carried_out.{applicant}"] += int(answered or 0) + int(carried_out or 0)
    return {u: {k: float(v) for k, v in c.items()} for u, c in counts.items()}


def _normative_published(
    session: Session, year: int, unit_id: int | None, by_unit: bool = False
) -> dict[int, int]:
    start, end = _bounds(year)
    unit_col = Item.unit_id if by_unit else literal(ALL_UNITS)
    query = select(unit_col, func.count()).where(
        Item.kind == ItemKind.NORMATIVE,
        Item.first_published_at >= start,
        Item.first_published_at < end,
    )
    if by_unit:
        query = query.group_by(Item.unit_id)
    if unit_id is not None:
        query = query.where(Item.unit_id == unit_id)
    return {int(u): int(n) for u, n in session.execute(query)}


def scope_name(session: Session, scope: str) -> str:
    if scope == SCOPE_ALL:
        return ""
    unit = session.get(Unit, int(scope))
    return unit.name if unit else ""


def build(session: Session, year: int, scope: str = SCOPE_ALL) -> AnnualReport:
    """The report of `scope` for `year`: counted, overlaid with the hand figures,
    totals summed where not entered, then checked (four statements)."""
    unit_id = None if scope == SCOPE_ALL else int(scope)
    counts = _request_counts(session, year, unit_id).get(ALL_UNITS, {})
    normative = _normative_published(session, year, unit_id).get(ALL_UNITS, 0)
    hand = stored_figures(session, REPORT, scope, year)
    return assemble(year, scope, scope_name(session, scope), counts, normative, hand)


def assemble(
    year: int,
    scope: str,
    name: str,
    counts: Mapping[str, float],
    normative: int,
    hand: Mapping[str, Any],
) -> AnnualReport:
    """The report from what was counted and entered (no database)."""
    report = AnnualReport(year, scope, name)
    for key in request_keys():
        report.values[key] = counts.get(key, 0.0)
        report.sources[key] = "register"
    report.values["active.normative.0"] = float(normative)
    report.sources["active.normative.0"] = "items"
    for key, value in hand.items():
        if key in NUMBER_KEYS and value is not None:
            report.values[key], report.sources[key] = float(value), "hand"
        elif key.startswith("text.") and value:
            report.texts[key[5:]] = str(value)
    _fill_totals(report, hand)
    report.problems = check(report.values)
    report.missing = [k for k in HAND_ONLY if hand.get(k) is None] + [
        f"text.{name}" for name, _l in TEXTS if not report.texts.get(name)
    ]
    return report


def _fill_totals(report: AnnualReport, hand: Mapping[str, Any]) -> None:
    def fill(key: str, parts: Iterable[str]) -> None:
        if hand.get(key) is None:
            report.values[key] = sum(report.values.get(p, 0.0) for p in parts)
            report.sources[key] = "sum"

    for col in REQUEST_COLUMNS[:-1]:
        fill(f"requests.total.{col}", (f"requests.{o}.{col}" for o in OUTCOMES))
    for row, _l in REQUEST_ROWS:
        fill(f"requests.{row}.total", (f"requests.{row}.{c}" for c in REQUEST_COLUMNS[:-1]))
    for group, _l in APPEAL_GROUPS:
        fill(f"appeals.{group}.total", (f"appeals.{group}.{c}" for c, _c in APPEAL_COLUMNS[:-1]))


def check(values: Mapping[str, float]) -> list[Problem]:
    """The template's reconciliation checks, each failure naming its row and column."""

    def v(key: str) -> float:
        return float(values.get(key, 0))

    problems: list[Problem] = []
    for row, label in REQUEST_ROWS:  # 总计 column = the six applicant columns
        parts = sum(v(f"requests.{row}.{c}") for c in REQUEST_COLUMNS[:-1])
        if v(f"requests.{row}.total") != parts:
            problems.append(Problem(label, "总计", parts, v(f"requests.{row}.total"), "row_total"))
    for col in REQUEST_COLUMNS:
        name = REQUEST_COLUMN_LABELS[col]
        results = sum(v(f"requests.{o}.{col}") for o in OUTCOMES)
        total = v(f"requests.total.{col}")
        if total != results:
            problems.append(Problem("（七）总计", name, results, total, "results_total"))
        incoming = v(f"requests.new.{col}") + v(f"requests.carried_in.{col}")
        outgoing = total + v(f"requests.carried_out.{col}")
        if incoming != outgoing:
            problems.append(
                Problem(REQUEST_ROW_LABELS["carried_out"], name, incoming, outgoing, "balance")
            )
    for group, label in APPEAL_GROUPS:
        parts = sum(v(f"appeals.{group}.{c}") for c, _c in APPEAL_COLUMNS[:-1])
        if v(f"appeals.{group}.total") != parts:
            problems.append(
                Problem(label, "总计", parts, v(f"appeals.{group}.total"), "appeal_total")
            )
    return problems


def describe(problem: Problem) -> str:
    """The check in the template's words (Chinese, as the report itself)."""
    if problem.rule == "balance":
        return (
            f"“{problem.column}”列：一、本年新收 + 二、上年结转 = {problem.expected:g}，"
            f"但（七）总计 + 四、结转下年度继续办理 = {problem.actual:g}"
        )
    if problem.rule == "results_total":
        return (
            f"“（七）总计”行“{problem.column}”列为 {problem.actual:g}，"
            f"各项办理结果之和为 {problem.expected:g}"
        )
    return f"“{problem.row}”行：总计为 {problem.actual:g}，各列之和为 {problem.expected:g}"


def key_label(key: str) -> str:
    """The Chinese name of a cell or text (for the list of what is missing)."""
    section, _sep, rest = key.partition(".")
    if section == "text":
        return dict(TEXTS).get(rest, rest)
    row, _sep, col = rest.partition(".")
    if section == "active":
        for _h, columns, rows in ACTIVE_SECTIONS:
            if row in dict(rows):
                return f"{dict(rows)[row]}·{columns[int(col)]}"
    if section == "appeals":
        return f"{dict(APPEAL_GROUPS)[row]}·{dict(APPEAL_COLUMNS)[col]}"
    if section == "requests":
        return f"{REQUEST_ROW_LABELS[row]}·{REQUEST_COLUMN_LABELS[col]}"
    return key


def result_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    return RESULT_GROUPS


@dataclass(frozen=True)
class UnitStatus:
    """Where one unit's own report stands (the office's list before the deadline)."""

    unit_id: int
    unit_name: str
    problems: int
    missing: int


def unit_overview(session: Session, year: int) -> list[UnitStatus]:
    """Every active unit's report for `year`: failed checks and what is still missing,
    the units with most to do first (four statements whatever the number of units)."""
    counts = _request_counts(session, year, None, by_unit=True)
    normative = _normative_published(session, year, None, by_unit=True)
    figures = {
        row.scope: dict(row.values)
        for row in session.execute(
            select(ReportFigures).where(ReportFigures.report == REPORT, ReportFigures.year == year)
        ).scalars()
    }
    units = session.execute(select(Unit.id, Unit.name).where(Unit.active).order_by(Unit.name))
    out = []
    for unit_id, name in units.all():
        report = assemble(
            year,
            str(unit_id),
            name,
            counts.get(unit_id, {}),
            normative.get(unit_id, 0),
            figures.get(str(unit_id), {}),
        )
        out.append(UnitStatus(unit_id, name, len(report.problems), len(report.missing)))
    out.sort(key=lambda s: (-s.problems, -s.missing, s.unit_name))
    return out
