"""describe(rule): every kind and field combination in the office's Chinese and in English."""

from __future__ import annotations

import re
from typing import Any

import pytest

from workflow.deadlines import describe, parse

from .deadline_cases import MORE, SEED
from .deadline_cases_general import GENERAL
from .deadline_cases_issue import ISSUE
from .deadline_cases_seeds import SEEDS


def per(every: int, unit: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "periodic", "every": every, "unit": unit, **fields}


def aft(within: int, unit: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "after_event", "within": within, "unit": unit, **fields}


CASES: list[tuple[dict[str, Any], str, str]] = [
    # periodic: calendar periods, with and without a count and a due day
    (per(1, "day"), "每天至少发布1条", "At least 1 item every day"),
    (per(1, "week"), "每周至少发布1条", "At least 1 item every week"),
    (per(1, "day", min_items=3), "每天至少发布3条", "At least 3 items every day"),
    # 7 days equal a week when rules are compared, but only a week is a calendar one
    (per(7, "day", min_items=2), "任意连续7天内至少发布2条", "At least 2 items in any 7 days"),
    (per(1, "month", min_items=3), "每月至少发布3条", "At least 3 items every month"),
    (
        per(1, "month", by_day=25),
        "每月25日前至少发布1条",
        "At least 1 item every month, by the 25th",
    ),
    (per(2, "month"), "每2个月至少发布1条", "At least 1 item every 2 months"),
    (per(3, "month"), "每季度至少发布1条", "At least 1 item every quarter"),
    (
        per(3, "month", by_day=25),
        "每季度（3、6、9、12月）25日前至少发布1条",
        "At least 1 item every quarter, by the 25th of its last month (Mar, Jun, Sep, Dec)",
    ),
    (
        per(4, "month", by_day=1),
        "每4个月（4、8、12月）1日前至少发布1条",
        "At least 1 item every 4 months, by the 1st of its last month (Apr, Aug, Dec)",
    ),
    (per(6, "month", min_items=2), "每半年至少发布2条", "At least 2 items every half-year"),
    (
        per(6, "month", by_day=22),
        "每半年（6、12月）22日前至少发布1条",
        "At least 1 item every half-year, by the 22nd of its last month (Jun, Dec)",
    ),
    (per(1, "year"), "每年至少发布1条", "At least 1 item every year"),
    (per(12, "month", min_items=4), "每年至少发布4条", "At least 4 items every year"),
    (
        per(1, "year", by_day=3),
        "每年（12月）3日前至少发布1条",
        "At least 1 item every year, by the 3rd of its last month (Dec)",
    ),
    # rolling windows: by nature, or a calendar period with rolling: true
    (per(50, "day"), "两次发布间隔不超过50天", "No more than 50 days between two publications"),
    (per(2, "week"), "两次发布间隔不超过2周", "No more than 2 weeks between two publications"),
    (per(5, "month"), "两次发布间隔不超过5个月", "No more than 5 months between two publications"),
    (per(2, "year"), "两次发布间隔不超过2年", "No more than 2 years between two publications"),
    (per(15, "day", min_items=3), "任意连续15天内至少发布3条", "At least 3 items in any 15 days"),
    (
        per(3, "month", rolling=True),
        "两次发布间隔不超过3个月",
        "No more than 3 months between two publications",
    ),
    (
        per(1, "week", rolling=True, min_items=2),
        "任意连续1周内至少发布2条",
        "At least 2 items in any 1 week",
    ),
    (per(1, "month", rolling=False), "每月至少发布1条", "At least 1 item every month"),
    # dates
    ({"kind": "annual", "by": "01-31"}, "每年1月31日前发布", "Every year by January 31"),
    ({"kind": "annual", "by": "12-30"}, "每年12月30日前发布", "Every year by December 30"),
    (
        {"kind": "once", "by": "2016-12-31"},
        "2016年12月31日前完成",
        "Complete by December 31, 2016",
    ),
    # after an event: each event, none, each unit, the same day
    (
        aft(15, "workday", event="received"),
        "收到申请后15个工作日内答复",
        "Answer within 15 working days of receiving the request",
    ),
    (
        aft(60, "day", event="accepted"),
        "受理后60天内办结",
        "Settle within 60 days of accepting the application",
    ),
    (
        aft(20, "workday", event="decided"),
        "作出决定后20个工作日内公开",
        "Publish within 20 working days of the decision",
    ),
    (
        aft(3, "workday", event="published"),
        "文件公开后3个工作日内发布",
        "Publish within 3 working days of the document's publication",
    ),
    (
        aft(2, "week", event="occurred"),
        "事项发生后2周内发布",
        "Publish within 2 weeks of the event",
    ),
    (aft(1, "month"), "1个月内办结", "Complete within 1 month"),
    (aft(5, "workday"), "5个工作日内办结", "Complete within 5 working days"),
    (aft(1, "day"), "1天内办结", "Complete within 1 day"),
    (aft(0, "day"), "当日办结", "Complete on the same day"),
    (
        aft(0, "day", event="published"),
        "文件公开当日同步发布",
        "Publish on the day the document is published",
    ),
    (
        aft(0, "day", event="received"),
        "收到申请当日答复",
        "Answer on the day the request is received",
    ),
    (aft(0, "day", event="accepted"), "受理当日办结", "Settle on the day it is accepted"),
    (aft(0, "day", event="decided"), "作出决定当日公开", "Publish on the day of the decision"),
    (aft(0, "day", event="occurred"), "事项发生当日发布", "Publish on the day of the event"),
    # prompt and change
    ({"kind": "prompt"}, "及时发布", "Publish promptly"),
    ({"kind": "on_change"}, "内容变化时及时更新", "Update promptly when the content changes"),
    # the scope in front, the source never shown
    (
        per(1, "week", scope="动态信息类", source="动态信息类每周至少更新1条"),
        "动态信息类：每周至少发布1条",
        "动态信息类: At least 1 item every week",
    ),
    (
        {"kind": "annual", "by": "02-20", "scope": "市本级"},
        "市本级：每年2月20日前发布",
        "市本级: Every year by February 20",
    ),
    (
        {"kind": "once", "by": "2025-06-30", "scope": "年报"},
        "年报：2025年6月30日前完成",
        "年报: Complete by June 30, 2025",
    ),
    (
        aft(7, "day", scope="一般事项"),
        "一般事项：7天内办结",
        "一般事项: Complete within 7 days",
    ),
    ({"kind": "prompt", "scope": "重要信息"}, "重要信息：及时发布", "重要信息: Publish promptly"),
    (
        {"kind": "on_change", "scope": "机构类信息"},
        "机构类信息：内容变化时及时更新",
        "机构类信息: Update promptly when the content changes",
    ),
    # a rule that breaks the contract is not shown as data
    ({"kind": "weekly"}, "无法识别的规则", "Unrecognised rule"),
    (per(0, "month"), "无法识别的规则", "Unrecognised rule"),
    ({"kind": "annual", "by": "13-01"}, "无法识别的规则", "Unrecognised rule"),
]


@pytest.mark.parametrize(("rule", "zh", "en"), CASES, ids=[c[1] for c in CASES])
def test_describe_every_kind_and_field(rule: dict[str, Any], zh: str, en: str) -> None:
    assert describe(rule) == zh
    assert describe(rule, locale="en") == en


def test_prompt_window_is_stated_when_given() -> None:
    assert describe({"kind": "prompt"}, prompt_window=3) == "及时发布（发生后3个工作日内）"
    assert describe({"kind": "prompt"}, "en", prompt_window=1) == (
        "Publish promptly (within 1 working day)"
    )


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError):
        describe({"kind": "prompt"}, locale="fr")


_CODES = re.compile(r"[{}\[\]\"]|periodic|after_event|on_change|workday|min_items|by_day|kind")


def test_every_parsed_rule_reads_as_words() -> None:
    """No JSON, no internal code, in either language, for every rule the tests parse."""
    for text, _ in SEED + MORE + GENERAL + ISSUE + SEEDS:
        for rule in parse(text):
            for locale in ("zh", "en"):
                words = describe(rule, locale)
                assert words and not _CODES.search(words), (text, rule, words)
                assert words != describe({"kind": "weekly"}, locale), (text, rule)
