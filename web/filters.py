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


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        long_date=long_date,
        long_datetime=long_datetime,
        body=render_body,
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
