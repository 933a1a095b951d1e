"""Who holds items now, for the pages: workflow.holding at the request's clock and
calendar, and its words ("张三、李四（代 王五）")."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from web import db_session
from web.helpers import calendar, now, tz
from workflow.holding import HeldItem, Holding, who_holds


def holdings(items: Sequence[HeldItem]) -> dict[int, Holding]:
    """Item id → who holds it, for the items waiting at a review stage (two queries)."""
    return who_holds(db_session(), items, now(), calendar(), tz())


def holder_names(holding: Holding | None) -> str:
    """Who can act on an item now, for lists: "张三、李四（代 王五）"."""
    if holding is None:
        return ""
    names = [
        _("%(name)s（代 %(other)s）", name=h.name, other=h.for_name) if h.for_name else h.name
        for h in holding.holders
    ]
    return "、".join(names) or _("暂无可处理人")
