"""Template filters and globals: Chinese dates with the weekday, labels, navigation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from web import labels
from web.sanitize import render_body


def long_date(value: date | datetime | None) -> str:
    """2026年11月23日星期一 in Chinese; Monday, November 23, 2026 in English."""
    if value is None:
        return ""
    return str(format_date(value, format="full"))


def long_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{long_date(value)} {format_datetime(value, format='HH:mm')}"


def rule_words(rule: Any) -> str:
    """A deadline rule as the office says it ("每月25日前至少发布1条"), never JSON."""
    from flask import current_app

    from workflow.deadlines.describe import describe

    if not isinstance(rule, dict):
        return str(_invalid_rule())
    locale = "en" if str(get_locale() or "").startswith("en") else "zh"
    return describe(
        rule, locale, prompt_window=current_app.config["SANSHEN"].PROMPT_WINDOW_WORKDAYS
    )


def _invalid_rule() -> str:
    from flask_babel import gettext as _

    return _("（规则不完整，请在规则编辑页修改）")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        long_date=long_date,
        long_datetime=long_datetime,
        body=render_body,
        rule_words=rule_words,
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "labels": labels,
            "label": labels.label,
            "current_locale": str(get_locale() or "zh_CN"),
            "me": current_user.user if current_user and current_user.is_authenticated else None,
            "account": current_user,
        }
