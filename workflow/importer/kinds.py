"""First guesses for a new column's kind, inspection tags, prerequisites and whether a
"nothing this period" statement counts — from its path and texts, as the hand-converted
demo data decided them (the office can change them; existing columns are never touched).
"""

from __future__ import annotations

import re
from typing import Any

from workflow.enums import ContentType

_SERVICE = ("办事服务", "政务服务")
_INTERACTION = ("互动交流", "政民互动", "新闻发布")
_POLICY = ("政策法规", "政策文件", "政策解读", "规划", "文件")
_NEWS = ("要闻", "动态", "新闻", "基层信息")
_POLICY_DOCUMENTS = ("政策法规", "政府文件", "政府办文件", "部门文件", "规范性文件", "政策解读")
# "如无重大突发事件，发布说明性信息" (000), "X月X日—X月X日无信件、留言信息" (003)
_STATEMENT = re.compile(r"说明性信息|发布说明|无信件")


def content_type(path: tuple[str, ...]) -> str:
    """The table (an ancestor) decides service and interaction; otherwise the nearest
    name below the portal that speaks of policy, else the column's own name for news."""
    if any(word in name for name in path for word in _SERVICE):
        return ContentType.SERVICE.value
    if any(word in name for name in path for word in _INTERACTION):
        return ContentType.INTERACTION.value
    if any(word in name for name in path[1:] for word in _POLICY):
        return ContentType.POLICY.value
    if any(word in path[-1] for word in _NEWS):
        return ContentType.NEWS.value
    return ContentType.OTHER.value


def tags(path: tuple[str, ...], kind: str) -> list[str]:
    """The national inspection's categories (国办秘函〔2019〕19号)."""
    name = path[-1]
    found = []
    if kind == ContentType.NEWS:
        found.append("动态要闻")
    if "公告" in name:
        found.append("通知公告")
    if kind == ContentType.POLICY and any(w in name for w in _POLICY_DOCUMENTS):
        found.append("政策文件")
    if "信箱" in name or "网上信访" in name:
        found.append("政务咨询")
    return found


def prerequisites(kind: str, content: str) -> dict[str, Any]:
    """Service guides must carry all eight elements (000)."""
    if kind == ContentType.SERVICE or "办事指南" in content:
        return {"service_guide_elements": True}
    return {}


def allows_statement(requirement: str) -> bool:
    return bool(_STATEMENT.search(requirement))
