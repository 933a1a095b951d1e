"""The failure shapes met on real phrases from other districts' tables (issue 13), one
or more wordings per shape, with the rules docs/deadline-corpus.md gives them."""

from __future__ import annotations

from typing import Any

from .deadline_cases import C, P, aft, ann, k, per

ISSUE: list[tuple[str, list[dict[str, Any]]]] = [
    # a limit on staleness is a rolling window
    ("至迟三个月内须有新内容", [per(3, "month", rolling=True)]),
    ("更新间隔不超过一个月", [per(1, "month", rolling=True)]),
    ("不得超过一季度未更新", [per(3, "month", rolling=True)]),
    ("即时发布，不得超过一季度", [k(P), per(3, "month", rolling=True)]),
    ("新闻动态类栏目一周内更新", [per(1, "week", rolling=True, scope="新闻动态类栏目")]),
    ("两个月内至少更新一次", [per(2, "month", rolling=True)]),
    # a quota per calendar year, not a gap
    ("随时更新，每年至少要有一次更新", [k(P), per(1, "year")]),
    # a count in a sentence with a subject before the period
    ("各镇街每季度向区政府办报送稿件10篇以上", [per(3, "month", 10)]),
    ("各部门每月向区政府办报送信息不少于3条", [per(1, "month", 3)]),
    # lists of three or more clauses
    (
        "要闻类每天更新，公告类每周至少一次，概况类每年至少一次",
        [
            per(1, "day", scope="要闻类"),
            per(1, "week", scope="公告类"),
            per(1, "year", scope="概况类"),
        ],
    ),
    ("每季度通报一次工作情况，每半年总结一次工作", [per(3, "month"), per(6, "month")]),
    (
        "工作动态每周更新，通知公告每月更新，规划计划每年更新一次，人事信息及时更新",
        [
            per(1, "week", scope="工作动态"),
            per(1, "month", scope="通知公告"),
            per(1, "year", scope="规划计划"),
            k(P, "人事信息"),
        ],
    ),
    # a second limit in the same sentence
    ("5个工作日内告知，最长不超过30日", [aft(5, "workday"), aft(30, "day")]),
    ("原则上每半月更新，重要信息随时发布", [per(15, "day"), k(P, "重要信息")]),
    # the change is the event: no on_change
    ("自信息发生变更之日起10个工作日内更新", [aft(10, "workday", "occurred")]),
    # clear wordings that gave nothing
    ("当日办结", [aft(0, "day")]),
    ("一般事项办理不超过7天", [aft(7, "day", scope="一般事项")]),
    ("活动结束后2个工作日内上网", [aft(2, "workday", "occurred")]),
    ("答复时限为10个工作日", [aft(10, "workday")]),
    ("一季一更新", [per(3, "month")]),
    ("每月变动一次", [per(1, "month")]),
    ("2条/周", [per(1, "week", 2)]),
    ("及时公布", [k(P)]),
    ("及时上网", [k(P)]),
    ("第一时间推送", [k(P)]),
    ("及时回复", [k(P)]),
    # traditional characters and full-width digits
    ("10個工作日內", [aft(10, "workday")]),
    ("自收到申請之日起１５個工作日內予以答覆", [aft(15, "workday", "received")]),
    ("每週至少發佈２條", [per(1, "week", 2)]),
    ("內容如有變動，應及時更新", [k(C)]),
    ("每季度末月２５日前報送", [per(3, "month", by_day=25)]),
    ("二〇二六年底前完成", [{"kind": "once", "by": "2026-12-31"}]),
    # the seeds' own phrases
    ("按年报送的请于次年3月份前报送", [ann("02-28", "按年报送")]),
    ("根据现实情况同步报送", [k(P)]),
    ("每季度末月25日前报送", [per(3, "month", by_day=25)]),
    ("每季度最后一个月20日前报送", [per(3, "month", by_day=20)]),
    ("每季度第一个月10日前报送", [per(3, "month")]),
    # an extension is not a second limit
    ("收到申请后15个工作日内答复，经批准可延长15个工作日", [aft(15, "workday", "received")]),
]
