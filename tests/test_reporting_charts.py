"""Charts: well-formed SVG with the expected points, bars, labels and grey-only colours
(the October portal at Monday 2026-11-23)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlalchemy.orm import Session

from workflow.reporting.charts import (
    MAX_LINES,
    line_chart_svg,
    on_time_chart,
    on_time_rates,
    on_time_rates_of,
    stage_flow,
    stage_flow_chart,
    worst_series,
)
from workflow.reporting.common import parse_period
from workflow.reporting.scoreboard import scoreboard

from .factories import World
from .reporting_portal import NOW, october_portal

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def greys_only(svg: str) -> bool:
    colours = set(re.findall(r"#[0-9a-fA-F]{6}", svg))
    return all(c[1:3] == c[3:5] == c[5:7] for c in colours)


def test_on_time_rates_by_unit_and_month(session: Session, world: World) -> None:
    p = october_portal(session, world)
    labels, series = on_time_rates(session, parse_period("2026-Q4"), NOW)
    assert labels == ["10月", "11月", "12月"]
    # October as in the scoreboard; November and December: nothing judged yet.
    assert series[world.unit_a.name] == [0.75, None, None]
    assert series[world.unit_b.name] == [0.0, None, None]
    assert series[p.unit_c.name] == [0.0, None, None]
    svg = on_time_chart(session, parse_period("2026-Q4"), NOW, unit_ids=[world.unit_a.id])
    assert "2026年第4季度各单位按时完成率" in texts(svg)
    assert {"月份", "按时完成率", "10月", world.unit_a.name} <= set(texts(svg))
    assert world.unit_b.name not in texts(svg)
    assert greys_only(svg)


def test_items_by_stage_over_time(session: Session, world: World) -> None:
    october_portal(session, world)
    labels, series = stage_flow(session, parse_period("2026-Q3"), NOW)
    assert labels == ["7月", "8月", "9月"]
    assert series == {"初审": [0, 0, 1], "审核": [0, 0, 0], "审发": [0, 0, 0], "发布": [0, 0, 0]}
    labels, series = stage_flow(session, parse_period("2026-10"), NOW)
    # X: 审核 10-08, 审发 10-10, published 10-12; Y: 初审 10-13; Z: 初审 10-19, 审核
    # 10-19, 审发 10-21.
    assert series == {"初审": [2], "审核": [2], "审发": [2], "发布": [1]}
    svg = stage_flow_chart(session, parse_period("2026-10"), NOW)
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if "hatch" in (r.get("fill") or "")]
    assert len(bars) == 4 + 4  # four segments in October's bar, four legend keys
    assert "7" in texts(svg)  # the bar's total
    assert greys_only(svg)


def test_a_gap_breaks_the_line() -> None:
    svg = line_chart_svg("标题", ["1月", "2月", "3月"], {"甲": [1.0, None, 0.5]}, "月份", "比率")
    paths = [p for p in ET.fromstring(svg).iter(f"{SVG}path") if p.get("stroke-width") == "2"]
    assert paths == []  # two single points, no segment across the empty month
    svg = line_chart_svg("标题", ["1月", "2月"], {"甲&乙": [1.0, 0.5]}, "月份", "比率")
    assert "甲&amp;乙" in svg and ET.fromstring(svg) is not None


def test_on_time_rates_read_off_the_board_equal_the_monthly_boards(
    session: Session, world: World
) -> None:
    october_portal(session, world)
    for text in ("2026-10", "2026-09", "2026-Q3", "2026-Q4", "2026"):
        period = parse_period(text)
        board = scoreboard(session, period, NOW)
        assert on_time_rates_of(board) == on_time_rates(session, period, NOW), text
        only_a = [world.unit_a.id]
        by_months = on_time_rates(session, period, NOW, unit_ids=only_a)
        assert on_time_rates_of(board, only_a) == by_months
        assert on_time_chart(session, period, NOW, board=board) == on_time_chart(
            session, period, NOW
        )


def test_a_district_chart_shows_the_worst_units_not_four_hundred_lines() -> None:
    """Review: 400 units' lines were unreadable and the legend ran off the chart."""
    series: dict[str, list[float | None]] = {
        f"单位{n:03d}": [n / 400, None, (n + 10) / 400] for n in range(400)
    }
    series["未评单位"] = [None, None, None]  # nothing judged: never "worst"
    worst = worst_series(series)
    assert list(worst) == [f"单位{n:03d}" for n in range(MAX_LINES)]
    assert worst_series({"甲": [0.5], "乙": [None]}) == {"甲": [0.5]}
    svg = line_chart_svg("标题", ["1月", "2月", "3月"], worst, "月份", "比率")
    height = float(ET.fromstring(svg).get("height") or 0)
    legend = [
        float(t.get("y") or 0)
        for t in ET.fromstring(svg).iter(f"{SVG}text")
        if "单位" in (t.text or "")
    ]
    assert len(legend) == MAX_LINES and max(legend) < height  # every key inside the chart
