"""The office edits a column's deadline rules in a form — kind, period, count, day, event,
limit, part — never as JSON. One sub-form per rule; `to_rule` turns a filled row into
the contract's rule (deadline-rules.md) or says, in the user's language, what is
missing."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
)
from wtforms.validators import NumberRange, Optional

from web.form_checks import SafeForm

KIND_CHOICES = [
    ("periodic", _l("定期发布（每周、每月、每季度……）")),
    ("annual", _l("每年某日前发布")),
    ("after_event", _l("事件发生后限期发布或答复")),
    ("prompt", _l("及时发布")),
    ("on_change", _l("内容变化时及时更新")),
    ("once", _l("一次性任务（某年某日前完成）")),
]
PERIOD_UNITS = [("day", _l("天")), ("week", _l("周")), ("month", _l("个月")), ("year", _l("年"))]
WITHIN_UNITS = [
    ("workday", _l("个工作日")),
    ("day", _l("天（自然日）")),
    ("week", _l("周")),
    ("month", _l("个月")),
]
EVENTS = [
    ("", _l("（不限定事件）")),
    ("received", _l("收到申请或来信")),
    ("accepted", _l("受理")),
    ("published", _l("相关文件公开发布")),
    ("decided", _l("作出决定")),
    ("occurred", _l("事件发生或信息形成、变更")),
]
WHOLE_COLUMN = ""


class RuleForm(Form):
    """One rule (no CSRF of its own: it lives inside RulesForm)."""

    kind = SelectField(_l("规则类型"), choices=KIND_CHOICES)
    every = IntegerField(_l("每"), validators=[Optional(), NumberRange(1, 999)])
    unit = SelectField(_l("周期单位"), choices=PERIOD_UNITS, default="month")
    min_items = IntegerField(_l("至少发布条数"), validators=[Optional(), NumberRange(1, 999)])
    by_day = IntegerField(
        _l("截止日（每月或周期最后一个月的几日前）"), validators=[Optional(), NumberRange(1, 31)]
    )
    rolling = BooleanField(_l("按间隔计算：两次发布相隔不超过该期限（不按自然周、月、季、年）"))
    year = IntegerField(_l("年"), validators=[Optional(), NumberRange(2000, 2100)])
    month = IntegerField(_l("月"), validators=[Optional(), NumberRange(1, 12)])
    day = IntegerField(_l("日"), validators=[Optional(), NumberRange(1, 31)])
    within = IntegerField(_l("时限"), validators=[Optional(), NumberRange(0, 999)])
    within_unit = SelectField(_l("时限单位"), choices=WITHIN_UNITS, default="workday")
    event = SelectField(_l("自何时起算"), choices=EVENTS, default="")
    scope = SelectField(_l("适用范围"), choices=[])
    source = HiddenField()
    remove = BooleanField(_l("删除此条规则"))


class RulesForm(SafeForm):
    rules = FieldList(FormField(RuleForm), min_entries=0)
    add = SubmitField(_l("增加一条规则"))
    save = SubmitField(_l("保存并确认规则"))


def scope_choices(parts: list[str]) -> list[tuple[str, str]]:
    return [(WHOLE_COLUMN, str(_("整个栏目")))] + [(name, name) for name in parts]


def rule_data(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The form row of a stored rule."""
    data: dict[str, Any] = {
        "kind": rule.get("kind", "periodic"),
        "scope": rule.get("scope") or WHOLE_COLUMN,
        "source": rule.get("source") or "",
    }
    kind = data["kind"]
    if kind == "periodic":
        data.update(
            every=rule.get("every"),
            unit=rule.get("unit", "month"),
            min_items=rule.get("min_items", 1),
            by_day=rule.get("by_day"),
            rolling=bool(rule.get("rolling")),
        )
    elif kind in ("annual", "once"):
        parts = str(rule.get("by", "")).split("-")
        if kind == "once" and len(parts) == 3:
            data.update(year=_int(parts[0]), month=_int(parts[1]), day=_int(parts[2]))
        elif kind == "annual" and len(parts) == 2:
            data.update(month=_int(parts[0]), day=_int(parts[1]))
    elif kind == "after_event":
        data.update(
            within=rule.get("within"),
            within_unit=rule.get("unit", "workday"),
            event=rule.get("event") or "",
        )
    return data


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def to_rule(row: RuleForm) -> tuple[dict[str, Any] | None, list[str]]:
    """The contract's rule from a filled row, or what is wrong with it (user's words)."""
    kind = row.kind.data
    rule: dict[str, Any] = {"kind": kind}
    errors: list[str] = []
    fields = _KIND_FIELDS.get(kind)
    if fields is not None:
        fields(row, rule, errors)
    elif kind not in ("prompt", "on_change"):
        errors.append(_("请选择规则类型。"))
    if row.scope.data:
        rule["scope"] = row.scope.data
    if row.source.data:
        rule["source"] = row.source.data
    return (None if errors else rule), errors


def _periodic_fields(row: RuleForm, rule: dict[str, Any], errors: list[str]) -> None:
    if row.every.data is None:
        errors.append(_("请填写周期（每几天、周、月或年）。"))
    rule.update(every=row.every.data, unit=row.unit.data, min_items=row.min_items.data or 1)
    if row.by_day.data is not None:
        if row.unit.data != "month":
            errors.append(_("截止日只适用于按月（或几个月）计算的周期。"))
        rule["by_day"] = row.by_day.data
    if row.rolling.data:
        rule["rolling"] = True


def _annual_fields(row: RuleForm, rule: dict[str, Any], errors: list[str]) -> None:
    month, day = row.month.data, row.day.data
    if month is None or day is None or day > monthrange(2024, month)[1]:
        errors.append(_("请填写有效的月和日，如12月31日。"))
    else:
        rule["by"] = f"{month:02d}-{day:02d}"


def _once_fields(row: RuleForm, rule: dict[str, Any], errors: list[str]) -> None:
    try:
        assert row.year.data and row.month.data and row.day.data
        rule["by"] = date(row.year.data, row.month.data, row.day.data).isoformat()
    except (AssertionError, ValueError):
        errors.append(_("请填写有效的完成日期（年、月、日）。"))


def _after_event_fields(row: RuleForm, rule: dict[str, Any], errors: list[str]) -> None:
    if row.within.data is None:
        errors.append(_("请填写时限（几个工作日或几天内）。"))
    rule.update(within=row.within.data, unit=row.within_unit.data)
    if row.event.data:
        rule["event"] = row.event.data


# Each kind's fields, checked into the rule (prompt and on_change have none).
_KIND_FIELDS = {
    "periodic": _periodic_fields,
    "annual": _annual_fields,
    "once": _once_fields,
    "after_event": _after_event_fields,
}
