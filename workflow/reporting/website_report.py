"""The 政府网站工作年度报表 (国办函〔2018〕12号, published by 31 January): the fields of the
form, filled with what sanshen knows from published items (信息发布, 解读) and, for the
rest, the figures entered by hand (ReportFigures, report "website", scope "all")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.enums import ItemKind
from workflow.models import Item, ReportFigures
from workflow.timezones import LOCAL

REPORT = "website"
SCOPE = "all"

# (section, key, label, kind): kind "number" or "text"; the form's rows in its order.
FIELDS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("", "site.name", "网站名称", "text"),
    ("", "site.url", "首页网址", "text"),
    ("", "site.owner", "主办单位", "text"),
    ("", "site.type", "网站类型", "text"),
    ("", "site.code", "政府网站标识码", "text"),
    ("", "site.icp", "ICP备案号", "text"),
    ("", "site.police", "公安机关备案号", "text"),
    ("", "visits.users", "独立用户访问总量（单位：个）", "number"),
    ("", "visits.total", "网站总访问量（单位：次）", "number"),
    ("信息发布（单位：条）", "info.total", "总数", "number"),
    ("信息发布（单位：条）", "info.overview", "概况类信息更新量", "number"),
    ("信息发布（单位：条）", "info.news", "政务动态信息更新量", "number"),
    ("信息发布（单位：条）", "info.catalog", "信息公开目录信息更新量", "number"),
    ("专栏专题（单位：个）", "topics.kept", "维护数量", "number"),
    ("专栏专题（单位：个）", "topics.new", "新开设数量", "number"),
    ("解读回应", "interpret.total", "解读信息发布总数（单位：条）", "number"),
    ("解读回应", "interpret.material", "其中：解读材料数量（单位：条）", "number"),
    ("解读回应", "interpret.product", "其中：解读产品数量（单位：个）", "number"),
    ("解读回应", "interpret.media", "其中：媒体评论文章数量（单位：篇）", "number"),
    ("解读回应", "interpret.responses", "回应公众关注热点或重大舆情数量（单位：次）", "number"),
    ("办事服务", "service.catalog", "是否发布服务事项目录", "text"),
    ("办事服务", "service.users", "注册用户数（单位：个）", "number"),
    ("办事服务", "service.items", "政务服务事项数量（单位：项）", "number"),
    ("办事服务", "service.online", "可全程在线办理政务服务事项数量（单位：项）", "number"),
    ("办事服务", "service.cases", "办件量·总数（单位：件）", "number"),
    ("互动交流", "talk.platform", "是否使用统一平台", "text"),
    ("互动交流", "talk.received", "留言办理·收到留言数量（单位：条）", "number"),
    ("互动交流", "talk.closed", "留言办理·办结留言数量（单位：条）", "number"),
    ("互动交流", "talk.days", "留言办理·平均办理时间（单位：天）", "number"),
    ("互动交流", "talk.public", "留言办理·公开答复数量（单位：条）", "number"),
    ("互动交流", "talk.surveys", "征集调查期数（单位：期）", "number"),
    ("互动交流", "talk.interviews", "在线访谈期数（单位：期）", "number"),
    ("安全防护", "safety.checks", "安全检测评估次数（单位：次）", "number"),
    ("安全防护", "safety.found", "发现问题数量（单位：个）", "number"),
    ("安全防护", "safety.fixed", "问题整改数量（单位：个）", "number"),
    ("安全防护", "safety.monitor", "是否建立安全监测预警机制", "text"),
    ("安全防护", "safety.drill", "是否开展应急演练", "text"),
    ("安全防护", "safety.owner", "是否明确网站安全责任人", "text"),
    ("移动新媒体", "media.has", "是否有移动新媒体", "text"),
    ("移动新媒体", "media.weibo", "微博（名称、信息发布量、关注量）", "text"),
    ("移动新媒体", "media.wechat", "微信（名称、信息发布量、订阅数）", "text"),
    ("移动新媒体", "media.other", "其他", "text"),
    ("创新发展", "innovation", "搜索即服务、多语言版本、无障碍浏览、千人千网、其他", "text"),
    ("", "sign.head", "单位负责人", "text"),
    ("", "sign.reviewer", "审核人", "text"),
    ("", "sign.filler", "填报人", "text"),
    ("", "sign.phone", "联系电话", "text"),
)
NUMBER_KEYS: Final[frozenset[str]] = frozenset(k for _s, k, _l, kind in FIELDS if kind == "number")
TEXT_KEYS: Final[frozenset[str]] = frozenset(k for _s, k, _l, kind in FIELDS if kind == "text")
# What sanshen counts itself (a figure entered by hand still wins).
COUNTED: Final[frozenset[str]] = frozenset(
    {"info.total", "info.news", "info.catalog", "interpret.total", "interpret.material"}
)


@dataclass
class WebsiteReport:
    year: int
    values: dict[str, str | float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def build(session: Session, year: int) -> WebsiteReport:
    start = datetime.combine(date(year, 1, 1), time(), LOCAL)
    end = datetime.combine(date(year + 1, 1, 1), time(), LOCAL)
    rows = session.execute(
        select(Item.kind, func.count())
        .where(Item.first_published_at >= start, Item.first_published_at < end)
        .group_by(Item.kind)
    ).all()
    by_kind = {str(kind): int(n) for kind, n in rows}
    statements = by_kind.get(ItemKind.STATEMENT, 0)
    news = by_kind.get(ItemKind.NEWS, 0)
    total = sum(by_kind.values()) - statements
    interpretations = by_kind.get(ItemKind.INTERPRETATION, 0)
    report = WebsiteReport(year)
    counted: dict[str, float] = {
        "info.total": total,
        "info.news": news,
        "info.catalog": total - news,
        "interpret.total": interpretations,
        "interpret.material": interpretations,
    }
    for key, value in counted.items():
        report.values[key], report.sources[key] = float(value), "items"
    row = session.get(ReportFigures, (REPORT, SCOPE, year))
    for key, value in (row.values if row is not None else {}).items():
        if value not in (None, ""):
            report.values[key], report.sources[key] = value, "hand"
    report.missing = [k for _s, k, _l, _k in FIELDS if k not in report.values]
    return report


def label(key: str) -> str:
    for section, k, text, _kind in FIELDS:
        if k == key:
            return f"{section}·{text}" if section else text
    return key
