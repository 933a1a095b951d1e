"""What no field may carry, checked once for every form and every request: control
characters (a NUL is refused by PostgreSQL's text columns, the rest corrupt exports),
line breaks in one-line fields (a title becomes a mail header), numbers beyond the
database's INTEGER and dates beyond the calendar's years."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    Field,
    FieldList,
    FormField,
    IntegerField,
    StringField,
    TextAreaField,
)

from web.errors import TYPED_FIELDS, InputRefused
from web.helpers import YEAR_MAX, YEAR_MIN

# C0 controls but tab, line feed and carriage return; DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What ends a line for a mail header, a CSV cell or a browser: refused in one-line fields.
LINE_BREAK = re.compile(r"[\r\n\x85\u2028\u2029]")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # INTEGER columns


def _fields(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FieldList):
            yield from _fields(field.entries)
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def _label(field: Field) -> str:
    return str(field.label.text or field.name)


CONTROL_MESSAGE = _l("“%(field)s”含有不可见的控制字符（如NUL），请删除后重新提交。")


def field_problem(field: Field) -> str | None:
    """Why the field's value cannot be taken, in the user's language; None when it can."""
    data, name = field.data, _label(field)
    if isinstance(field, StringField) and isinstance(data, str):
        if CONTROL.search(data):
            return str(CONTROL_MESSAGE) % {"field": name}
        if not isinstance(field, TextAreaField) and LINE_BREAK.search(data):
            return _("“%(field)s”须为一行文字，不能包含换行。", field=name)
    elif isinstance(field, IntegerField) and isinstance(data, int):
        if not INT_MIN <= data <= INT_MAX:
            return _("“%(field)s”超出有效范围。", field=name)
    elif (
        isinstance(field, DateField | DateTimeLocalField)
        and isinstance(data, date | datetime)
        and not YEAR_MIN <= data.year <= YEAR_MAX
    ):
        return _("“%(field)s”须在%(lo)s年至%(hi)s年之间。", field=name, lo=YEAR_MIN, hi=YEAR_MAX)
    return None


def edge_check(form: Any) -> bool:
    """Add each field's problem to its errors; True when there was none."""
    ok = True
    for field in _fields(form):
        problem = field_problem(field)
        if problem is not None:
            field.errors = [*field.errors, problem]
            ok = False
    return ok


class SafeForm(FlaskForm):
    """The base of every form: its own validators, then the edge checks above."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        return edge_check(self) and valid


# The names of the fields read without a form class, or before it (the guard below).
FIELD_NAMES: dict[str, Any] = {
    **TYPED_FIELDS,
    "login": _l("用户名"),
    "password": _l("密码"),
    "name": _l("名称"),
    "label": _l("名称"),
    "q": _l("搜索"),
}


def refuse_control_characters() -> None:
    """Before every request: a control character in any query or form value (also those
    read without a form class) is refused with a 400 naming the field; what was typed is
    shown back on that page."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if CONTROL.search(value) or CONTROL.search(name):
                shown = FIELD_NAMES.get(name, name[:40] if name.isprintable() else "?")
                raise InputRefused(str(CONTROL_MESSAGE) % {"field": shown})
