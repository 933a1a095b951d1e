"""Charts rendered on the server as SVG, in pure Python (no JavaScript): readable when
printed — black and greys only, series told apart by dash pattern, marker shape or
hatching as well as shade, labelled axes and Chinese labels.

- `on_time_chart`: on-time rate by unit and month (a line per unit);
- `stage_flow_chart`: items entering each review stage per month (stacked bars).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.enums import State
from workflow.models import AuditEvent
from workflow.reporting import score_summary
from workflow.reporting.common import (
    DEFAULTS,
    STAGE_NAMES,
    Period,
    ReportSettings,
    local_midnight,
    month_edges,
    parse_period,
    per_month,
)
from workflow.reporting.scoreboard import ON_TIME, Scoreboard, scoreboard

FONT = "SimSun, 'Songti SC', 'Noto Serif CJK SC', 'Noto Sans CJK SC', sans-serif"
GREYS = ["#000000", "#555555", "#888888", "#aaaaaa", "#333333", "#777777"]
DASHES = ["", "6,3", "2,3", "8,3,2,3", "1,2", "10,4"]
MARKERS = ["circle", "square", "triangle", "diamond", "cross", "circle-open"]
WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 180, 50, 70


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "middle", **kw: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in kw.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f"{extra}>{escape(text)}</text>"
    )


def _frame(title: str, x_label: str, y_label: str, body: list[str]) -> str:
    plot_h = HEIGHT - TOP - BOTTOM
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" role="img" '
            f'aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            '<rect width="100%" height="100%" fill="#ffffff"/>',
            _text(WIDTH / 2, 26, title, 16, font_weight="bold"),
            *body,
            _text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 18, x_label, 12),
            _text(
                18,
                TOP + plot_h / 2,
                y_label,
                12,
                transform=f"rotate(-90 18 {TOP + plot_h / 2:.1f})",
            ),
            "</svg>",
        ]
    )


def _axes(x_labels: Sequence[str], y_max: float, y_ticks: int, y_format: str) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = []
    for i in range(y_ticks + 1):
        value = y_max * i / y_ticks
        y = TOP + plot_h - plot_h * i / y_ticks
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
            f'stroke="#cccccc" stroke-width="0.5"/>'
        )
        out.append(_text(LEFT - 6, y + 4, y_format.format(value), 11, "end"))
    step = plot_w / max(len(x_labels), 1)
    for i, label in enumerate(x_labels):
        out.append(_text(LEFT + step * (i + 0.5), TOP + plot_h + 18, label, 11))
    out.append(
        f'<path d="M{LEFT} {TOP} V{TOP + plot_h} H{LEFT + plot_w}" fill="none" '
        f'stroke="#000000" stroke-width="1"/>'
    )
    return out


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" '
            f'fill="{colour}"/>'
        )
    if kind == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} '
            f'L{x - 5:.1f} {y:.1f} Z" fill="{colour}"/>'
        )
    if kind == "cross":
        return (
            f'<path d="M{x - 4:.1f} {y - 4:.1f} L{x + 4:.1f} {y + 4:.1f} M{x + 4:.1f} '
            f'{y - 4:.1f} L{x - 4:.1f} {y + 4:.1f}" stroke="{colour}" stroke-width="2"/>'
        )
    fill = "#ffffff" if kind == "circle-open" else colour
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="{colour}"/>'


def line_chart_svg(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    x_label: str,
    y_label: str,
    y_max: float = 1.0,
    percent: bool = True,
) -> str:
    """Lines over categories; a None value breaks the line (nothing to judge that month)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(x_labels), 1)
    body = _axes(x_labels, y_max, 5, "{:.0%}" if percent else "{:.0f}")
    for n, (name, values) in enumerate(series.items()):
        colour, dash, marker = GREYS[n % 6], DASHES[n % 6], MARKERS[n % 6]
        points = [
            (LEFT + step * (i + 0.5), TOP + plot_h - plot_h * (v / y_max if y_max else 0))
            for i, v in enumerate(values)
            if v is not None
        ]
        segments: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                segments.append([])
            else:
                x = LEFT + step * (i + 0.5)
                segments[-1].append((x, TOP + plot_h - plot_h * (v / y_max if y_max else 0)))
        for seg in segments:
            if len(seg) > 1:
                d = " ".join(
                    f"{'M' if j == 0 else 'L'}{x:.1f} {y:.1f}" for j, (x, y) in enumerate(seg)
                )
                body.append(
                    f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"'
                    + (f' stroke-dasharray="{dash}"' if dash else "")
                    + "/>"
                )
        body += [_marker(marker, x, y, colour) for x, y in points]
        ly = TOP + 10 + n * 20
        lx = WIDTH - RIGHT + 14
        body.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 28}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
        )
        body.append(_marker(marker, lx + 14, ly, colour))
        body.append(_text(lx + 34, ly + 4, name, 11, "start"))
    return _frame(title, x_label, y_label, body)


def stacked_bar_svg(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    x_label: str,
    y_label: str,
) -> str:
    """Stacked bars, each series a grey with its own hatching, totals on top."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(v[i] for v in series.values()) for i in range(len(x_labels))]
    top = max(totals, default=0)
    y_max = float(max(5, _nice(top)))
    patterns = [
        ("", "#333333"),
        ("M0 6 L6 0", "#888888"),
        ("M0 0 L6 6", "#bbbbbb"),
        ("M3 0 V6", "#dddddd"),
    ]
    body = [
        "<defs>"
        + "".join(
            f'<pattern id="hatch{i}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{fill}"/>'
            + (f'<path d="{d}" stroke="#000000" stroke-width="1"/>' if d else "")
            + "</pattern>"
            for i, (d, fill) in enumerate(patterns)
        )
        + "</defs>",
        *_axes(x_labels, y_max, 5, "{:.0f}"),
    ]
    step = plot_w / max(len(x_labels), 1)
    bar = step * 0.6
    for i in range(len(x_labels)):
        y = float(TOP + plot_h)
        for n, values in enumerate(series.values()):
            h = plot_h * values[i] / y_max
            if h > 0:
                y -= h
                body.append(
                    f'<rect x="{LEFT + step * i + (step - bar) / 2:.1f}" y="{y:.1f}" '
                    f'width="{bar:.1f}" height="{h:.1f}" fill="url(#hatch{n % 4})" '
                    f'stroke="#000000" stroke-width="0.5"/>'
                )
        if totals[i]:
            body.append(_text(LEFT + step * (i + 0.5), y - 4, str(totals[i]), 10))
    # The legend reads top-down as the stack does: the last series on top.
    for row, (n, name) in enumerate(reversed(list(enumerate(series)))):
        ly = TOP + 10 + row * 22
        lx = WIDTH - RIGHT + 14
        body.append(
            f'<rect x="{lx}" y="{ly - 7}" width="16" height="14" fill="url(#hatch{n % 4})" '
            f'stroke="#000000" stroke-width="0.5"/>'
        )
        body.append(_text(lx + 22, ly + 4, name, 11, "start"))
    return _frame(title, x_label, y_label, body)


def _nice(value: int) -> int:
    """The next round number ≥ value for the axis (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 0
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for m in (1, 2, 5, 10):
        if m * magnitude >= value:
            return m * magnitude
    return 10 * magnitude


def _month_periods(period: Period) -> list[Period]:
    return [parse_period(m.strftime("%Y-%m")) for m in period.months()]


def on_time_rates(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    unit_ids: Sequence[int] | None = None,
) -> tuple[list[str], dict[str, list[float | None]]]:
    """Month labels and, per unit, its on-time rate each month (None: nothing judged).
    One scoreboard per month: the statements grow with the months, not the items."""
    months = _month_periods(period)
    rates: dict[int, list[float | None]] = {}
    names: dict[int, str] = {}
    for i, month in enumerate(months):
        # Each loads its own calendar after the marks it reads (the summary's rule).
        for s in scoreboard(session, month, now, settings).units:
            if unit_ids is not None and s.unit_id not in unit_ids:
                continue
            names[s.unit_id] = s.unit_name
            rates.setdefault(s.unit_id, [None] * len(months))[i] = s.on_time_rate
    labels = [f"{m.start.month}月" for m in months]
    return labels, {names[u]: rates[u] for u in sorted(rates, key=lambda u: names[u])}


def on_time_rates_of(
    board: Scoreboard, unit_ids: Sequence[int] | None = None
) -> tuple[list[str], dict[str, list[float | None]]]:
    """What `on_time_rates` gives, read off a scoreboard already computed for the period,
    with no statement: a month's board judges exactly the period's cases whose due date
    falls in that month (windows, due dates and late limits do not depend on the period
    asked), and a unit is on some month's board exactly when it is on the period's."""
    months = board.period.months()
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    counts: dict[int, list[list[int]]] = {}  # unit → per month [on time, judged]
    for c in board.cases:
        i = index.get((c.due.year, c.due.month))
        if i is None:
            continue
        month = counts.setdefault(c.unit_id, [[0, 0] for _ in months])[i]
        month[0] += c.count if c.outcome == ON_TIME else 0
        month[1] += c.count
    names: dict[int, str] = {}
    rates: dict[int, list[float | None]] = {}
    for s in board.units:
        if unit_ids is not None and s.unit_id not in unit_ids:
            continue
        names[s.unit_id] = s.unit_name
        per_month = counts.get(s.unit_id, [[0, 0] for _ in months])
        rates[s.unit_id] = [on / judged if judged else None for on, judged in per_month]
    labels = [f"{m.month}月" for m in months]
    return labels, {names[u]: rates[u] for u in sorted(rates, key=lambda u: names[u])}


def on_time_chart(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    unit_ids: Sequence[int] | None = None,
    board: Scoreboard | None = None,
) -> str:
    """With `board` (the period's scoreboard, already computed by the caller) the rates
    are read off it instead of computing one scoreboard per month again."""
    if board is not None and board.period == period:
        labels, series = on_time_rates_of(board, unit_ids)
    else:
        labels, series = on_time_rates(session, period, now, settings, unit_ids)
    if len(series) <= MAX_LINES:
        title = f"{period.title}各单位按时完成率"
    else:
        series = worst_series(series)
        title = f"{period.title}按时完成率最低的{len(series)}个单位"
    return line_chart_svg(title, labels, series, "月份", "按时完成率")


# Line styles that can be told apart printed in grey (GREYS, DASHES, MARKERS cycle by 6);
# a district's 400 units as lines would be noise, and the legend would run off the chart.
MAX_LINES = 6


def worst_series(
    series: Mapping[str, list[float | None]], keep: int = MAX_LINES
) -> dict[str, list[float | None]]:
    """The `keep` series with the lowest mean of their judged months (the units the office
    must look at; the full ranking is the table), by name; a unit with nothing judged is
    not among them."""

    def mean(values: Sequence[float | None]) -> float | None:
        judged = [v for v in values if v is not None]
        return sum(judged) / len(judged) if judged else None

    scored = [(m, name) for name, values in series.items() if (m := mean(values)) is not None]
    chosen = [name for _m, name in sorted(scored)[:keep]]
    return {name: series[name] for name in sorted(chosen)}


def stage_flow(
    session: Session, period: Period, now: datetime, settings: ReportSettings = DEFAULTS
) -> tuple[list[str], dict[str, list[int]]]:
    """Month labels and, per review stage (and publication), the items entering it that
    month, from the audit trail: the scoreboard summary's folded months plus the rows
    newer than the fold, or (no usable summary) all the period's rows."""
    months = period.months()
    stored = score_summary.lookup(session, period, now, settings, ())
    if stored is not None and stored.reviews_exact:
        counts = score_summary.stored_flows(session, stored)
        _add_flows(counts, session, months, stored.covered_end, settings)
        if score_summary.unchanged(session, stored):
            return _flow_series(months, counts)
    counts = {}
    _add_flows(counts, session, months, local_midnight(months[0], settings.tz), settings)
    return _flow_series(months, counts)


def _add_flows(
    counts: dict[tuple[date, str], int],
    session: Session,
    months: list[date],
    since: datetime,
    settings: ReportSettings,
) -> None:
    """Add the rows entering each stage from `since` to the end of the months (one
    statement, months told apart by `month_edges`)."""
    edges = month_edges(months, settings.tz)
    rows = session.execute(
        select(
            AuditEvent.to_state,
            # Rows before the end of each month: month i is [i] - [i - 1].
            *(func.count().filter(AuditEvent.at < edge) for edge in edges[1:]),
        )
        .where(
            AuditEvent.to_state.in_(score_summary.FLOW_STATES),
            AuditEvent.at >= max(since, edges[0]),
            AuditEvent.at < edges[-1],
        )
        .group_by(AuditEvent.to_state)
    ).all()
    for state, *before_end in rows:
        for month, added in zip(months, per_month(before_end), strict=True):
            if added:
                counts[(month, state)] = counts.get((month, state), 0) + added


def _flow_series(
    months: list[date], counts: dict[tuple[date, str], int]
) -> tuple[list[str], dict[str, list[int]]]:
    names = {**STAGE_NAMES, State.PUBLISHED.value: "发布"}
    series = {
        names[state]: [counts.get((m, state), 0) for m in months]
        for state in score_summary.FLOW_STATES
    }
    return [f"{m.month}月" for m in months], series


def stage_flow_chart(
    session: Session, period: Period, now: datetime, settings: ReportSettings = DEFAULTS
) -> str:
    labels, series = stage_flow(session, period, now, settings)
    return stacked_bar_svg(f"{period.title}各审核环节流转量", labels, series, "月份", "信息条数")
