"""Phrases and the rules they must give. SEED: the examples table of deadline-rules.md.
MORE: further real-world wordings written for this project (not the seeds' rows)."""

from __future__ import annotations

from typing import Any

P = "prompt"
C = "on_change"


def per(
    every: int,
    unit: str,
    min_items: int = 1,
    by_day: int | None = None,
    scope: str | None = None,
    rolling: bool = False,
) -> dict[str, Any]:
    r: dict[str, Any] = {"kind": "periodic", "every": every, "unit": unit, "min_items": min_items}
    if by_day is not None:
        r["by_day"] = by_day
    if rolling:
        r["rolling"] = True
    if scope:
        r["scope"] = scope
    return r


def aft(
    within: int, unit: str, event: str | None = None, scope: str | None = None
) -> dict[str, Any]:
    r: dict[str, Any] = {"kind": "after_event", "within": within, "unit": unit}
    if event:
        r["event"] = event
    if scope:
        r["scope"] = scope
    return r


def ann(by: str, scope: str | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"kind": "annual", "by": by}
    if scope:
        r["scope"] = scope
    return r


def once(by: str) -> dict[str, Any]:
    return {"kind": "once", "by": by}


def k(kind: str, scope: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "scope": scope} if scope else {"kind": kind}


SEED: list[tuple[str, list[dict[str, Any]]]] = [
    ("及时更新", [k(P)]),
    ("及时更新(新闻动态类栏目两周内更新）", [k(P), per(2, "week", scope="新闻动态类栏目")]),
    ("在收到申请之日起15个工作日内予以答复", [aft(15, "workday", "received")]),
    ("每年12月30日前更新", [ann("12-30")]),
    ("应于文件公开后3个工作日内公布", [aft(3, "workday", "published")]),
    ("按照要求该公示的信息，七天内发布", [aft(7, "day")]),
    ("每两周内更新", [per(2, "week")]),
    ("即时发布，全年至少更新一到两次", [k(P), per(1, "year")]),
    (
        "即时发布，医院的介绍类信息每半年更新一次。动态类栏目每两周更新一次。",
        [k(P), per(6, "month", scope="医院的介绍类信息"), per(2, "week", scope="动态类栏目")],
    ),
    (
        "学校类信息有变化及时更改，没有变化每半年发布一次审核信息，其他栏目即时发布",
        [k(C), per(6, "month"), k(P)],
    ),
    ("自受理申请之日起六十日内作出行政复议决定", [aft(60, "day", "accepted")]),
    ("年度更新", [per(1, "year")]),
    ("按照访谈计划，由区信息办组织，每月访谈一个单位。", [per(1, "month")]),
    ("5个工作日以内予以回复", [aft(5, "workday")]),
    ("计划每年发布一次。发布会实录两周内更新。", [per(1, "year"), aft(2, "week")]),
    ("每月月底前集中报送一次", [per(1, "month")]),
    ("每季度集中更新一次", [per(3, "month")]),
    ("实时更新", [k(P)]),
    ("根据领导变动情况及时报送", [k(C)]),
    ("正式文件发布后，同步报送", [aft(0, "day", "published")]),
    (
        "部门/乡镇每年 1 月 31 日前更新，市本级 2 月 20 日前更新",
        [ann("01-31", "部门/乡镇"), ann("02-20", "市本级")],
    ),
    ("按月报送的请于每月 25 日前报送", [per(1, "month", by_day=25)]),
    ("按季报送的请于 3、6、9、12 月报送信息", [per(3, "month")]),
    (
        "1.每年至少更新一次；2.根据实际情况和变动情况及时将更新内容报送至区政府办。",
        [per(1, "year"), k(C)],
    ),
    ("1.每周至少更新内容1条；2.严格加强信息发布审查；", [per(1, "week")]),
    (
        "信息更新及时，动态信息类每七天至少更新1条，其他类每月至少更新1条。",
        [k(P), per(7, "day", scope="动态信息类"), per(1, "month", scope="其他类")],
    ),
    (
        "有月报类信息的栏目，需每月更新；其他栏目至少每50天至少更新一次。",
        [per(1, "month"), per(50, "day")],
    ),
    (
        "确保网民问题在5个工作日内得到有效答复；每月有信件、留言等信息",
        [aft(5, "workday"), per(1, "month")],
    ),
    ("2016年12月底", [once("2016-12-31")]),
    ("自作出行政决定之日起20个工作日内上网公开", [aft(20, "workday", "decided")]),
    ("年内解读重要政策措施不少于1次", [per(1, "year")]),
    ("各单位按照每年发布的计划安排落实发布工作", []),
    ("按照各类数据统计周期报送", []),
]

# Wordings from other districts' tables, written for this project.
MORE: list[tuple[str, list[dict[str, Any]]]] = [
    # prompt / on_change
    ("即时更新", [k(P)]),
    ("信息产生后第一时间发布", [k(P)]),
    ("及时、准确发布", [k(P)]),
    ("内容如有变动，应及时更新", [k(C)]),
    ("人员调整后及时更新领导信息", [k(C)]),
    ("机构职能发生变更时随时更新", [k(C)]),
    ("如无变化，不需更新", []),
    ("链接地址如有变动请及时告知", []),
    ("及时查看并处理网民留言", []),
    # periodic with 每, numerals in many forms
    ("每周更新", [per(1, "week")]),
    ("每星期至少发布信息2条", [per(1, "week", 2)]),
    ("每个礼拜更新一次", [per(1, "week")]),
    ("每两个星期更新一次", [per(2, "week")]),
    ("每３周至少更新１次", [per(3, "week")]),
    ("每１０天更新一次", [per(10, "day")]),
    ("每十五天至少更新一条", [per(15, "day")]),
    ("每半月更新一次", [per(15, "day")]),
    ("每旬报送一次", [per(10, "day")]),
    ("每月更新不少于3条", [per(1, "month", 3)]),
    ("每月至少报送信息二条", [per(1, "month", 2)]),
    ("每个月至少更新1次", [per(1, "month")]),
    ("每两个月更新一次", [per(2, "month")]),
    ("每三个月更新一次", [per(3, "month")]),
    ("每季更新一次", [per(3, "month")]),
    ("每季度至少发布工作动态5条", [per(3, "month", 5)]),
    ("每半年更新一次", [per(6, "month")]),
    ("每半年至少公开一次", [per(6, "month")]),
    ("每年更新", [per(1, "year")]),
    ("每年至少发布2次", [per(1, "year", 2)]),
    ("每年公开一次", [per(1, "year")]),
    ("每两年更新一次", [per(2, "year")]),
    ("每6个月至少更新一次", [per(6, "month")]),
    ("每隔两周更新一次", []),  # 每隔: "every other" or "every N"? left to the office
    ("每日更新", [per(1, "day")]),
    ("工作动态类栏目每周至少更新3条", [per(1, "week", 3, scope="工作动态类栏目")]),
    ("要闻类每天更新", [per(1, "day", scope="要闻类")]),
    ("通知公告栏目每月至少更新一次", [per(1, "month", scope="通知公告栏目")]),
    # periodic without 每
    ("按季度更新", [per(3, "month")]),
    ("按月更新", [per(1, "month")]),
    ("一年更新一次", [per(1, "year")]),
    ("半年更新一次", [per(6, "month")]),  # as 季度更新 (the corpus reads it so)
    ("全年发布不少于4条", [per(1, "year", 4)]),
    ("年内至少公开两次", [per(1, "year", 2)]),
    ("全年不少于12篇", [per(1, "year", 12)]),
    # by_day
    ("每月10日前报送上月数据", [per(1, "month", by_day=10)]),
    ("每月5号前更新", [per(1, "month", by_day=5)]),
    ("请于每月二十日前报送", [per(1, "month", by_day=20)]),
    # annual
    ("每年1月31日前公布上一年度报告", [ann("01-31")]),
    ("每年三月底前发布", [ann("03-31")]),
    ("次年3月31日前更新", [ann("03-31")]),
    ("每年6月30日之前完成", [ann("06-30")]),
    ("于每年11月15日前报送", [ann("11-15")]),
    ("每年2月底前公开", [ann("02-28")]),
    # once
    ("2017年6月30日前完成", [once("2017-06-30")]),
    ("2026年底前完成", [once("2026-12-31")]),
    ("2025年9月底", [once("2025-09-30")]),
    ("2024年2月29日前", [once("2024-02-29")]),
    # after_event with events
    ("收到申请之日起20个工作日内答复", [aft(20, "workday", "received")]),
    ("自收到申请之日起二十个工作日内予以答复", [aft(20, "workday", "received")]),
    ("自受理之日起15日内办结", [aft(15, "day", "accepted")]),
    ("受理后五个工作日内回复", [aft(5, "workday", "accepted")]),
    ("文件印发后7个工作日内公开", [aft(7, "workday", "published")]),
    ("政策文件公开后3个工作日之内发布解读", [aft(3, "workday", "published")]),
    ("政策出台后一周内发布解读材料", [aft(1, "week", "published")]),
    ("作出处罚决定之日起7个工作日内公示", [aft(7, "workday", "decided")]),
    ("行政许可决定作出后七日内公示", [aft(7, "day", "decided")]),
    ("突发事件发生后5小时内发布", []),  # hours are not a unit of the contract
    ("事件发生之日起3日内报送", [aft(3, "day", "occurred")]),
    # a meeting held is an event that occurred, as the corpus's 会议(活动)开展后 (c0244)
    ("会议召开后2个工作日内发布", [aft(2, "workday", "occurred")]),
    ("留言在3个工作日以内回复", [aft(3, "workday")]),
    ("10个工作日内予以答复", [aft(10, "workday")]),
    ("１５个工作日内答复", [aft(15, "workday")]),
    ("一个月内完成整改并公开", [aft(1, "month")]),
    ("两个月内公开", [aft(2, "month")]),
    ("文件发布后同步发布解读", [aft(0, "day", "published")]),
    ("与正式文件同步发布", [aft(0, "day", "published")]),  # in step with a document's
    # several clauses, numbering and scopes
    ("1、信息及时更新；2、每月至少报送3条", [k(P), per(1, "month", 3)]),
    ("（1）工作动态每周更新；（2）规划计划每年更新一次", [per(1, "week"), per(1, "year")]),
    ("①每周至少更新1条；②如有变动及时调整", [per(1, "week"), k(C)]),
    ("即时发布；每季度至少更新1次", [k(P), per(3, "month")]),
    ("动态类每周更新，政策类即时发布", [per(1, "week", scope="动态类"), k(P)]),
    ("基本信息有变化时及时更新，动态信息每月至少更新2条", [k(C), per(1, "month", 2)]),
    ("机构概况有变动即更新；如无变动，每年至少更新一次", [k(C), per(1, "year")]),
    (
        "在收到留言后5个工作日内答复，每月公开答复情况",
        [aft(5, "workday", "received"), per(1, "month")],
    ),
    (
        "年度报告每年1月31日前发布，月度数据每月15日前发布",
        [ann("01-31"), per(1, "month", by_day=15)],
    ),
    # nothing to go on
    ("按上级要求执行", []),
    ("根据工作需要发布", []),
    ("参照财政局发布的时间", []),
    ("按照年度工作计划推进", []),
    ("严格执行三审制度", []),
    ("", []),
    ("——", []),
    ("详见附件", []),
    # Found by review: ordinals are not counts, seasons and penalties are not rules,
    # an effective date is not a deadline, lists shared by 各 are left to the office.
    ("每周前2个工作日内报送上周信息", []),
    ("每季度第2个月报送", []),
    ("每月5个工作日内报送上月数据", [per(1, "month")]),
    ("每年上半年、下半年各更新一次", [per(6, "month")]),
    ("每年3月、9月各更新一次", []),
    ("每年6月25日、12月25日前报送", [ann("06-25"), ann("12-25")]),
    ("自2024年1月1日起，每月更新", [per(1, "month")]),
    ("（2019年5月15日起施行）及时公开", [k(P)]),
    ("两周内未更新的栏目予以通报", []),
    ("首页信息6个月内未更新的，扣5分", []),
    ("两会期间每天更新", []),
    ("每季度结束后10日内报送", [per(3, "month")]),
    ("一年更新一次（次年1月底前）", [ann("01-31")]),
    ("每年更新一次，于3月底前完成", [ann("03-31")]),
    ("每隔一天更新一次", []),
    # Written for the parser's rebuild: limits, events, cycles and refusals.
    (
        "应当自该政府信息形成或者变更之日起20个工作日内及时公开",
        [aft(20, "workday", "occurred")],  # 及时 qualifies the limit: no prompt
    ),
    ("行政处罚决定应当自作出之日起7个工作日内公开", [aft(7, "workday", "decided")]),
    ("重要会议信息原则上当天发布，最迟不超过次日", [aft(0, "day"), aft(1, "day")]),
    (
        "信息发布时限：一般信息在2个工作日内发布，重要信息当天发布",
        [aft(2, "workday"), aft(0, "day")],
    ),
    (
        "对网民留言一般在5个工作日内答复，情况复杂的，最长不超过15个工作日",
        [aft(5, "workday"), aft(15, "workday")],
    ),
    ("动态要闻类栏目更新周期不超过2周", [per(2, "week")]),
    ("通知公告类栏目更新周期不超过1个月", [per(1, "month", rolling=True)]),
    ("第一时间转载上级信息", [k(P)]),
    ("工作日每天更新", []),  # the contract has no working-day period
    # a week inside the month keeps the month (the corpus guide's decision 9)
    ("每月第一周报送", [per(1, "month")]),
    ("能够当场答复的，应当当场予以答复", []),
    ("各单位要按时报送信息，每月不少于5条", [per(1, "month", 5)]),  # no scope: a unit's duty
    ("领导分工调整后3个工作日内更新", [aft(3, "workday", "occurred")]),
    ("栏目更新间隔不得超过半个月", [per(15, "day")]),
    ("首页动态信息更新不得超过3天", [per(3, "day")]),
    ("重要信息当天发布，一般信息次日发布", [aft(0, "day"), aft(1, "day")]),
    ("于11月20日前上传2016年工作总结", []),  # a one-off of a year it names elsewhere
    ("3月31日前", [ann("03-31")]),  # a table's date column: once a year
    ("申请人可以自知道该行为之日起60日内提出行政复议申请", []),  # the applicant's time
    ("原则上3个工作日内办结，情况复杂的可适当延长", [aft(3, "workday")]),
    ("每半年开展一次检查", []),
    ("会议每月召开一次", []),
]
