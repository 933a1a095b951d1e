"""A deadline rule in the office's words: `describe(rule)` → "动态信息类：每周至少发布1条",
`describe(rule, locale="en")` → "动态信息类: At least 1 item every week".

Never JSON and never an internal code: a rule that breaks the contract is "无法识别的规则"
("Unrecognised rule"). The prompt window is a deployment setting (PROMPT_WINDOW): pass
`prompt_window` to state it ("及时发布（发生后3个工作日内）").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workflow.deadlines.rules import calendar_period, validate

LOCALES = ("zh", "en")

_ZH_WITHIN_UNIT = {"day": "天", "workday": "个工作日", "week": "周", "month": "个月"}
_ZH_LENGTH_UNIT = {"day": "天", "week": "周", "month": "个月", "year": "年"}
# event → (after it, the verb, on the same day)
_ZH_EVENT = {
    "received": ("收到申请后", "答复", "收到申请当日答复"),
    "accepted": ("受理后", "办结", "受理当日办结"),
    "decided": ("作出决定后", "公开", "作出决定当日公开"),
    "published": ("文件公开后", "发布", "文件公开当日同步发布"),
    "occurred": ("事项发生后", "发布", "事项发生当日发布"),
    None: ("", "办结", "当日办结"),
}
_EN_EVENT = {
    "received": ("Answer", "of receiving the request", "on the day the request is received"),
    "accepted": ("Settle", "of accepting the application", "on the day it is accepted"),
    "decided": ("Publish", "of the decision", "on the day of the decision"),
    "published": (
        "Publish",
        "of the document's publication",
        "on the day the document is published",
    ),
    "occurred": ("Publish", "of the event", "on the day of the event"),
    None: ("Complete", "", "on the same day"),
}
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_EN_SHORT = [m[:3] for m in _EN_MONTHS]


def describe(
    rule: Mapping[str, Any], locale: str = "zh", *, prompt_window: int | None = None
) -> str:
    """The rule in plain words (zh: the office's Chinese; en: the English UI's)."""
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {LOCALES}")
    zh = locale == "zh"
    if not isinstance(rule, Mapping) or validate(rule):
        return "无法识别的规则" if zh else "Unrecognised rule"
    words: dict[str, Callable[[Mapping[str, Any], int | None], str]] = _ZH if zh else _EN
    text = words[rule["kind"]](rule, prompt_window)
    scope = rule.get("scope")
    if scope:
        return f"{scope}：{text}" if zh else f"{scope}: {text}"
    return text


def _rolling(rule: Mapping[str, Any]) -> bool:
    """As the evaluator judges it: a week, months dividing 12 and a year are calendar
    periods unless `rolling: true`; every other period (7 days too) is a rolling window.
    Every day is said as such ("每天"): a one-day window and a calendar day read alike."""
    every, unit = rule["every"], rule["unit"]
    if (every, unit) == (1, "day"):
        return False
    calendar = unit != "day" and calendar_period(every, unit)
    return rule.get("rolling") is True or not calendar


def _months(rule: Mapping[str, Any]) -> int | None:
    """The calendar period in months (1, 2, 3, 4, 6, 12), None for weeks and days."""
    every, unit = rule["every"], rule["unit"]
    if unit == "year":
        return 12
    return every if unit == "month" else None


def _period_ends(months: int) -> list[int]:
    return list(range(months, 13, months))


# ----------------------------------------------------------------------------- Chinese


def _zh_period(every: int, unit: str) -> str:
    if unit == "day":
        return "每天" if every == 1 else f"每{every}天"
    if unit == "week":
        return "每周" if every == 1 else f"每{every}周"
    if unit == "year" or (unit == "month" and every == 12):
        return "每年" if unit == "month" or every == 1 else f"每{every}年"
    return {1: "每月", 3: "每季度", 6: "每半年"}.get(every, f"每{every}个月")


def _zh_periodic(rule: Mapping[str, Any], _: int | None) -> str:
    every, unit, n = rule["every"], rule["unit"], rule.get("min_items", 1)
    if _rolling(rule):
        length = f"{every}{_ZH_LENGTH_UNIT[unit]}"
        if n == 1:
            return f"两次发布间隔不超过{length}"
        return f"任意连续{length}内至少发布{n}条"
    period = _zh_period(every, unit)
    by_day, months = rule.get("by_day"), _months(rule)
    if by_day is None or months is None:
        return f"{period}至少发布{n}条"
    if months == 1:
        return f"{period}{by_day}日前至少发布{n}条"
    ends = "、".join(str(m) for m in _period_ends(months))
    return f"{period}（{ends}月）{by_day}日前至少发布{n}条"


def _zh_annual(rule: Mapping[str, Any], _: int | None) -> str:
    month, day = (int(p) for p in rule["by"].split("-"))
    return f"每年{month}月{day}日前发布"


def _zh_once(rule: Mapping[str, Any], _: int | None) -> str:
    year, month, day = (int(p) for p in rule["by"].split("-"))
    return f"{year}年{month}月{day}日前完成"


def _zh_after_event(rule: Mapping[str, Any], _: int | None) -> str:
    after, verb, same_day = _ZH_EVENT[rule.get("event")]
    within, unit = rule["within"], rule["unit"]
    if within == 0:
        return same_day
    return f"{after}{within}{_ZH_WITHIN_UNIT[unit]}内{verb}"


def _zh_prompt(_: Mapping[str, Any], window: int | None) -> str:
    return "及时发布" if window is None else f"及时发布（发生后{window}个工作日内）"


def _zh_on_change(_: Mapping[str, Any], __: int | None) -> str:
    return "内容变化时及时更新"


_ZH: dict[str, Callable[[Mapping[str, Any], int | None], str]] = {
    "periodic": _zh_periodic,
    "annual": _zh_annual,
    "once": _zh_once,
    "after_event": _zh_after_event,
    "prompt": _zh_prompt,
    "on_change": _zh_on_change,
}

# ----------------------------------------------------------------------------- English


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _en_length(every: int, unit: str) -> str:
    return _plural(every, unit)


def _en_period(every: int, unit: str) -> str:
    if unit == "year" or (unit == "month" and every == 12):
        return "year" if unit == "month" or every == 1 else f"{every} years"
    if unit == "month":
        return {1: "month", 3: "quarter", 6: "half-year"}.get(every, f"{every} months")
    return unit if every == 1 else f"{every} {unit}s"


def _en_periodic(rule: Mapping[str, Any], _: int | None) -> str:
    every, unit, n = rule["every"], rule["unit"], rule.get("min_items", 1)
    items = _plural(n, "item")
    if _rolling(rule):
        length = _en_length(every, unit)
        if n == 1:
            return f"No more than {length} between two publications"
        return f"At least {items} in any {length}"
    text = f"At least {items} every {_en_period(every, unit)}"
    by_day, months = rule.get("by_day"), _months(rule)
    if by_day is None or months is None:
        return text
    if months == 1:
        return f"{text}, by the {_ordinal(by_day)}"
    ends = ", ".join(_EN_SHORT[m - 1] for m in _period_ends(months))
    return f"{text}, by the {_ordinal(by_day)} of its last month ({ends})"


def _en_annual(rule: Mapping[str, Any], _: int | None) -> str:
    month, day = (int(p) for p in rule["by"].split("-"))
    return f"Every year by {_EN_MONTHS[month - 1]} {day}"


def _en_once(rule: Mapping[str, Any], _: int | None) -> str:
    year, month, day = (int(p) for p in rule["by"].split("-"))
    return f"Complete by {_EN_MONTHS[month - 1]} {day}, {year}"


def _en_after_event(rule: Mapping[str, Any], _: int | None) -> str:
    verb, of_event, same_day = _EN_EVENT[rule.get("event")]
    within, unit = rule["within"], rule["unit"]
    if within == 0:
        return f"{verb} {same_day}"
    length = _plural(within, "working day" if unit == "workday" else unit)
    return f"{verb} within {length} {of_event}".rstrip()


def _en_prompt(_: Mapping[str, Any], window: int | None) -> str:
    if window is None:
        return "Publish promptly"
    return f"Publish promptly (within {_plural(window, 'working day')})"


def _en_on_change(_: Mapping[str, Any], __: int | None) -> str:
    return "Update promptly when the content changes"


_EN: dict[str, Callable[[Mapping[str, Any], int | None], str]] = {
    "periodic": _en_periodic,
    "annual": _en_annual,
    "once": _en_once,
    "after_event": _en_after_event,
    "prompt": _en_prompt,
    "on_change": _en_on_change,
}
