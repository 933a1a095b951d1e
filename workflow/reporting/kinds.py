"""Column kinds for the national inspection (《政府网站与政务新媒体检查指标》).

A column's kinds are data: stored in `Column.tags` (set by the importer or the admin),
as the codes below. For a portal imported without them (the demo), `guess_kinds` reads
them off the column's path, and `apply_guessed_kinds` fills the columns that have none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.models import Column
from workflow.models.columns import PATH_SEPARATOR


class ColumnKind(StrEnum):
    NEWS = "news"  # 动态/要闻: updated at least every 2 weeks
    NOTICE = "notice"  # 通知公告
    POLICY = "policy"  # 政策文件
    CONSULT = "consult"  # 政务咨询 (留言, 信箱): messages answered
    TOP = "top"  # 一级栏目 (a column directly under the portal's home page)
    HOME = "home"  # shown on the home page (首页)


KIND_NAMES = {
    ColumnKind.NEWS: "动态/要闻",
    ColumnKind.NOTICE: "通知公告",
    ColumnKind.POLICY: "政策文件",
    ColumnKind.CONSULT: "政务咨询",
    ColumnKind.TOP: "一级栏目",
    ColumnKind.HOME: "首页",
}

_BY_NAME = [
    (ColumnKind.NEWS, re.compile(r"动态|要闻|新闻|头条|工作信息|政务信息")),
    (ColumnKind.NOTICE, re.compile(r"通知|公告|公示")),
    # 政策解读 is a policy column too, but not a 政策文件 column of the inspection.
    (ColumnKind.POLICY, re.compile(r"^(?!.*解读).*(政策文件|规范性文件|政策法规|文件)")),
    (ColumnKind.CONSULT, re.compile(r"咨询|留言|信箱|问政|来信|诉求|民意")),
]
_PORTAL_ROOT = re.compile(r"网站|门户|首页")


def guess_kinds(path: str) -> list[str]:
    """Kinds read off a column's display path: its last name, and whether it sits
    directly under the portal's root (一级栏目)."""
    parts = path.split(PATH_SEPARATOR)
    name = parts[-1]
    kinds = [kind.value for kind, pattern in _BY_NAME if pattern.search(name)]
    root_is_portal = bool(_PORTAL_ROOT.search(parts[0]))
    if len(parts) == (2 if root_is_portal else 1):
        kinds.append(ColumnKind.TOP.value)
    return kinds


def kinds_of(tags: Iterable[str] | None) -> frozenset[ColumnKind]:
    """The inspection kinds among a column's tags (other tags are ignored)."""
    values = {k.value for k in ColumnKind}
    return frozenset(ColumnKind(t) for t in tags or () if t in values)


def apply_guessed_kinds(session: Session) -> int:
    """Give every column without kinds the guessed ones; returns how many changed. Kinds
    the admin or the importer set are never overwritten."""
    changed = 0
    for column in session.execute(select(Column).where(Column.retired_at.is_(None))).scalars():
        if kinds_of(column.tags):
            continue
        guessed = guess_kinds(column.path)
        if guessed:
            column.tags = [*(column.tags or []), *guessed]
            changed += 1
    session.flush()
    return changed


def set_kinds(column: Column, kinds: Iterable[str]) -> None:
    """The admin's setter: replace the column's inspection kinds, keep its other tags."""
    wanted = [ColumnKind(k).value for k in kinds]  # ValueError on an unknown kind
    values = {k.value for k in ColumnKind}
    column.tags = [t for t in column.tags or [] if t not in values] + sorted(set(wanted))
