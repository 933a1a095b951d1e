"""Deadline rules as data (deadline-rules.md): building, validating and comparing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

KINDS = ("periodic", "annual", "after_event", "prompt", "on_change", "once")
PERIOD_UNITS = ("day", "week", "month", "year")
WITHIN_UNITS = ("day", "workday", "week", "month")
EVENTS = ("received", "accepted", "published", "decided", "occurred")

Rule = dict[str, Any]


def periodic(every: int, unit: str, min_items: int = 1, by_day: int | None = None) -> Rule:
    rule: Rule = {"kind": "periodic", "every": every, "unit": unit, "min_items": min_items}
    if by_day is not None:
        rule["by_day"] = by_day
    return rule


def after_event(within: int, unit: str, event: str | None = None) -> Rule:
    rule: Rule = {"kind": "after_event", "within": within, "unit": unit}
    if event is not None:
        rule["event"] = event
    return rule


def calendar_period(every: int, unit: str) -> bool:
    """The periods the contract makes calendar periods: a week (7 days), months dividing
    12 (and 12 months), a year. Every other period is a rolling window."""
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        return False
    if unit == "week":
        return every == 1
    if unit == "day":
        return every == 7
    if unit == "month":
        return 12 % every == 0
    return unit == "year" and every == 1


def key(rule: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two rules the same: everything but scope/source, with a week as 7 days
    and a year as 12 months (deadline-rules.md). A periodic rule's rollingness is part of
    it: a calendar period is rolling only with `rolling: true`, every other period is
    always rolling (so `rolling: true` on every 50 days equals no flag)."""
    kind = rule["kind"]
    if kind == "periodic":
        every, unit = rule["every"], rule["unit"]
        if unit == "week":
            every, unit = every * 7, "day"
        elif unit == "year":
            every, unit = every * 12, "month"
        rolling = rule.get("rolling") is True or not calendar_period(every, unit)
        return (kind, every, unit, rule.get("min_items", 1), rule.get("by_day"), rolling)
    if kind == "after_event":
        within, unit = rule["within"], rule["unit"]
        if unit == "week":
            within, unit = within * 7, "day"
        return (kind, within, unit, rule.get("event"))
    if kind in ("annual", "once"):
        return (kind, rule["by"])
    return (kind,)


def dedupe(rules: Iterable[Rule]) -> list[Rule]:
    """Drop exact repeats (the same rule for the same part of the column); two rules that
    differ only by scope are both kept: they judge different parts."""
    rules = list(rules)
    if len(rules) < 2:
        return rules
    seen: set[tuple[Any, ...]] = set()
    out = []
    for rule in rules:
        k = (*key(rule), rule.get("scope"))
        if k not in seen:
            seen.add(k)
            out.append(rule)
    return out


def validate(rule: Mapping[str, Any]) -> list[str]:
    """Problems with a rule an office typed by hand (empty list: valid)."""
    kind = rule.get("kind")
    if kind not in KINDS:
        return [f"unknown kind {kind!r}"]
    fields = _FIELD_PROBLEMS.get(kind)
    problems = fields(rule) if fields else []
    problems += _rolling_problems(rule, kind)
    problems += _scope_problems(rule)
    if kind in ("annual", "once"):
        by = rule.get("by")
        if not (isinstance(by, str) and _valid_by(by, with_year=kind == "once")):
            problems.append("by must be " + ("YYYY-MM-DD" if kind == "once" else "MM-DD"))
    return problems


def _integer_problems(rule: Mapping[str, Any], name: str, minimum: int = 1) -> list[str]:
    value = rule.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        return [f"{name} must be an integer ≥ {minimum}"]
    return []


def _periodic_problems(rule: Mapping[str, Any]) -> list[str]:
    problems = _integer_problems(rule, "every")
    if rule.get("unit") not in PERIOD_UNITS:
        problems.append(f"unit must be one of {PERIOD_UNITS}")
    if "min_items" in rule:
        problems += _integer_problems(rule, "min_items")
    if "by_day" in rule:
        by_day = rule["by_day"]
        if not isinstance(by_day, int) or not 1 <= by_day <= 31:
            problems.append("by_day must be 1–31")
    return problems


def _after_event_problems(rule: Mapping[str, Any]) -> list[str]:
    problems = _integer_problems(rule, "within", 0)
    if rule.get("unit") not in WITHIN_UNITS:
        problems.append(f"unit must be one of {WITHIN_UNITS}")
    if "event" in rule and rule["event"] not in EVENTS:
        problems.append(f"event must be one of {EVENTS}")
    return problems


_FIELD_PROBLEMS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "periodic": _periodic_problems,
    "after_event": _after_event_problems,
}


def _rolling_problems(rule: Mapping[str, Any], kind: str) -> list[str]:
    if "rolling" not in rule:
        return []
    if not isinstance(rule["rolling"], bool):
        return ["rolling must be true or false"]
    return [] if kind == "periodic" else ["rolling is only for periodic rules"]


def _scope_problems(rule: Mapping[str, Any]) -> list[str]:
    if "scope" not in rule:
        return []
    scope = rule["scope"]
    if not isinstance(scope, str) or not scope.strip() or len(scope) > 100:
        return ["scope must be a non-empty text of at most 100 characters"]
    return []


def _valid_by(text: str, with_year: bool) -> bool:
    from datetime import date

    try:
        if with_year:
            date.fromisoformat(text)
        else:
            month, day = (int(p) for p in text.split("-"))
            date(2024, month, day)  # a leap year: 02-29 is a valid annual date
    except ValueError:
        return False
    return True


def valid_rules(raw: str | None) -> tuple[list[Rule], int]:
    """Stored rules (JSON text) that follow the contract, and how many did not: a typo in
    a hand-entered rule must not stop the whole portal's evaluation."""
    import json

    try:
        rules = json.loads(raw) if raw else []
    except ValueError:
        return [], 1
    if not isinstance(rules, list):
        return [], 1
    valid = [r for r in rules if isinstance(r, dict) and not validate(r)]
    return valid, len(rules) - len(valid)
