"""Wordings written for the kinds of failure the second development third (dev2.jsonl)
showed, one group per kind, with the rules docs/deadline-corpus.md gives them. None of
them is a corpus phrase: they are the variants other districts' tables would use, so
each fix is tested as a rule of the grammar, not as a lookup."""

from __future__ import annotations

from typing import Any

from .deadline_cases import C, P, aft, ann, k, per

KINDS: list[tuple[str, list[dict[str, Any]]]] = [
    # events the vocabulary names (the guide's decision 2)
    ("部门预算经财政部门批准后15日内公开", [aft(15, "day", "decided")]),
    ("专项规划经市政府核准之日起20个工作日内公开", [aft(20, "workday", "decided")]),
    ("受理投诉举报后5个工作日内答复", [aft(5, "workday", "accepted")]),
    ("自受理群众来信之日起15日内办结", [aft(15, "day", "accepted")]),
    ("实施方案下发后10个工作日内公开", [aft(10, "workday", "published")]),
    ("通知下达之日起7日内报送", [aft(7, "day", "published")]),
    ("条例颁布后一个月内发布解读", [aft(1, "month", "published")]),
    ("主题活动举办后3个工作日内发布信息", [aft(3, "workday", "occurred")]),
    ("政府常务会议召开之日起5个工作日内公开会议内容", [aft(5, "workday", "occurred")]),
    ("会议信息与会议同步发布", [aft(0, "day", "occurred")]),
    ("解读材料的发布要与政策文件同步", [aft(0, "day", "published")]),
    ("于收文日起10日内答复", [aft(10, "day", "received")]),
    ("分派后3个工作日内回复", [aft(3, "workday")]),  # 分派 names no contract event
    ("收到申请并受理后5日内答复", [aft(5, "day", "accepted")]),  # the event nearest the limit
    ("作出决定并公开后5日内报送", [aft(5, "day", "published")]),
    # a trigger the vocabulary does not know: no rule rather than a borrowed event
    ("审核通过后5个工作日内公开", []),
    ("收到申请后登记,办结后3个工作日内公开结果", []),
    ("与工作进度同步公开", []),
    # a second limit for another class of cases, and extensions that are none (decision 8)
    (
        "一般事项5个工作日内办结;复杂事项延长到15个工作日",
        [aft(5, "workday", scope="一般事项"), aft(15, "workday", scope="复杂事项")],
    ),
    (
        "简单问题当日答复,疑难问题可延长至5个工作日",
        [aft(0, "day", scope="简单问题"), aft(5, "workday", scope="疑难问题")],
    ),
    ("一般15日内办结，情况复杂的，可延长至30日", [aft(15, "day"), aft(30, "day")]),
    ("5个工作日内答复，可延长到10个工作日", [aft(5, "workday")]),  # no class: an extension
    ("受理后10日内办结,经局长批准可延长至20日", [aft(10, "day", "accepted")]),
    ("经区政府同意,特殊事项可在30日内办结", []),  # a limit that needs approval
    # press conferences and interviews are held and published; self-checks and internal
    # meetings publish nothing (decision 6)
    ("区政府新闻发布会每季度举行一次", [per(3, "month", scope="区政府新闻发布会")]),
    ("在线访谈每月举办一次", [per(1, "month", scope="在线访谈")]),
    ("政务公开新闻发布会,每两个月召开一次", [per(2, "month", scope="政务公开新闻发布会")]),
    ("每年至少召开两次新闻发布会", [per(1, "year", 2)]),
    ("每月公开一次会议纪要", [per(1, "month")]),
    ("每月对网站链接开展一次检查", []),
    ("每季度召开一次信息工作例会", []),
    ("各单位每周至少开展一次自查", []),
    # alternatives give no rule (decision 7); a changed count is the new count
    ("每月或每季度报送一次", []),
    ("按周或按月更新", []),
    ("每周发布信息由两条增加到四条", [per(1, "week", 4)]),
    # a position inside the period keeps the period (decision 9)
    ("每月第二周报送上月工作动态", [per(1, "month")]),
    ("每月第一个星期一前发布", [per(1, "month")]),
    ("每季度第一周前报送", [per(3, "month")]),
    ("每季的次月15日前报送上季度数据", [per(3, "month")]),
    ("每季度的次月5日之前上报", [per(3, "month")]),
    ("每月后5个工作日内公开上月数据", [per(1, "month")]),
    ("每月第2至3周报送", []),  # a range
    # the period, or a limit after each change (或)
    (
        "人事信息每月第一周或人员调整后3个工作日内更新",
        [per(1, "month", scope="人事信息"), aft(3, "workday", "occurred", scope="人事信息")],
    ),
    # 按X, then where, then the verb
    ("按季度在门户网站公开财政资金使用情况", [per(3, "month")]),
    ("按月向社会公布空气质量监测结果", [per(1, "month")]),
    ("按年度计划公开", []),
    # prompt: the publishing verbs of decision 5, a list of verbs that ends with one
    ("发生重大情况要第一时间向区政府办报告", [k(P)]),
    ("突发事件处置中要及时续报进展", [k(P)]),
    ("对网民关切要及时作出回应", [k(P)]),
    ("及时给予答复", [k(P)]),
    ("及时收集、整理、发布本单位动态信息", [k(P)]),
    ("及时收集、整理本单位信息", []),
    ("及时安排专人处理", []),
    # on_change: a change, then reporting it for the record
    ("联络员如有变动,应及时报区政府办备案", [k(C)]),
    ("领导分工进行调整的,须报区政务公开办备案", [k(C)]),
    ("机构职能发生变更后及时更新", [k(C)]),
    ("人员变动情况及时报送", [k(C)]),
    # a change described, not a condition of the update: no on_change
    ("按调整后的标准公开", []),
    ("结构调整的相关信息要公开", []),
    # caps: 不超 as 不超过, a trigger between the cap and the number
    ("动态栏目更新间隔不超5天", [per(5, "day", scope="动态栏目")]),
    ("办理时间不超30天", [aft(30, "day")]),
    ("答复时间不超过收到申请后的15个工作日", [aft(15, "workday", "received")]),
    ("最长不超过审核后的10日", []),  # 审核 is no event the guide names
    # 即日: the same day, whatever the service; not a start, not before a time of day
    ("即日回复", [aft(0, "day")]),
    ("於即日辦理登記", [aft(0, "day")]),
    ("本办法自即日起施行", []),
    ("即日", [aft(0, "day")]),  # a pledge's time cell
    ("于即日处理上午10时前收到的申请", []),
    # a yearly date, then what is sent (将…报送/提交)
    ("每年十二月将年度工作总结报送区政府办", [ann("12-31")]),
    ("每年6月底前将半年工作情况提交区政务公开办", [ann("06-30")]),
    # a date a rule takes effect, N days after (后) an event: no deadline
    ("自发布之日起30日后施行", []),
    (
        "处理时间为5个工作日,5个工作日后仍未收到答复的,可来电查询",
        [aft(5, "workday")],
    ),
    # a notice's one-off request without a year (decision 3); a standing date is annual
    ("请各镇街于12月10日前报送年度工作总结", []),
    ("请将工作台账电子版在10月15日前发送至邮箱", []),
    ("各镇街应于12月10日前报送年度工作总结", [ann("12-10")]),
    # a date without a year in a notice's sentence, neither standing nor a one-off
    ("各单位于6月30日前将材料报送至区政务公开办", []),
    ("每月更新；各单位于6月30日前将材料报送至区政务公开办", []),
    ("6月30日前报送", [ann("06-30")]),  # a table's cell
    # what the grammar cannot read makes the whole phrase give none, not a partial answer
    ("每月更新,隔天报送工作动态", []),
    ("月均更新不少于10条", []),
    ("每月更新，每周前2个工作日内报送上周信息", []),
    ("每月更新,投诉件3个工作日反馈", []),  # a limit with a verb the grammar does not read
    ("动态信息每周更新,领导活动信息经审核后3日内发布", []),  # 审核后: no event we know
    ("每月更新一次并在5个工作日内答复留言", []),  # a period and a limit in one clause
    # every other week or month is a two-week or two-month window
    ("隔周更新一次", [per(2, "week")]),
    ("政务简报隔月发布", [per(2, "month")]),
    # a number of days straight before the verb is a limit; after it, a duration
    ("收到申请后5个工作日公开", [aft(5, "workday", "received")]),
    ("领导活动信息会后1日内发布", [aft(1, "day", "occurred")]),
    ("信息生成后7日内公开", [aft(7, "day", "occurred")]),
    ("公开7个工作日", []),
    ("于3月公布上年度报告", []),  # a month, not three months
    ("于15日公开", []),  # a day of the month, not fifteen days
    ("3月内完成", []),  # March, or three months?
    ("两个月内报送", [aft(2, "month")]),
    # period words without 每: 半月更新一次 (as 半年更新一次, decision 15), N…一报, 逐月
    ("半月更新一次", [per(15, "day")]),
    ("至少半个月更新一次", [per(15, "day")]),
    ("每月一报", [per(1, "month")]),
    ("一月一报", [per(1, "month")]),
    ("十日一报", [per(10, "day")]),
    ("一周一更", [per(1, "week")]),
    ("逐月更新", [per(1, "month")]),
    ("逐季公开财政资金使用情况", [per(3, "month")]),
    ("逐一更新", []),
    # a bare period word after a frequency title
    ("更新频率：季度", [per(3, "month")]),
    ("更新周期：半年", [per(6, "month")]),
    ("更新频率：不定期", []),
    # traditional characters, Taiwan and Hong Kong units, the day after an event
    ("於收到申請後5個上班日內回覆", [aft(5, "workday", "received")]),
    ("10個日曆天內答覆", [aft(10, "day")]),
    ("3個營業日內完成", [aft(3, "workday")]),
    ("自受理之翌日起算七日內", [aft(7, "day", "accepted")]),
    ("于登记次日起3日内回复", []),  # 登记 names no event the guide knows
    ("每週至少更新壹次", [per(1, "week")]),
    ("年度報告於每年三月底前公佈", [ann("03-31", scope="年度報告")]),
    # text broken by line breaks and spaces
    ("收到申请之日起\n15个工作日内答复", [aft(15, "workday", "received")]),
    ("每 季 度 至 少 更 新\n一 次", [per(3, "month")]),
    # prompt without 及时: 即有即报, 随有随报, 有即发布
    ("政务动态即有即报", [k(P)]),
    ("随有随报", [k(P)]),
    ("有即发布，无则不发", [k(P)]),
    ("所有即时信息", []),
    # vague duty words name no part: 定期公开 is no scope
    ("定期公开，每季度至少一次", [per(3, "month")]),
    # a limit whose event an earlier sentence may name: no rule rather than a guess
    ("收到申请后登记。能当场答复的当场答复;不能当场答复的,15个工作日内答复", []),
    ("政策文件印发后3个工作日内公开。解读材料同步发布", []),
    (
        "1.收到申请后15个工作日内答复;2.其他信息5个工作日内公开",
        [aft(15, "workday", "received"), aft(5, "workday", scope="其他信息")],
    ),
    # equal limits for two named parts are two rules (decision 16); a list of month ends
    (
        "部门预算在财政部门批复后20日内公开，部门决算在批复后20日内公开",
        [aft(20, "day", "decided", scope="部门预算"), aft(20, "day", "decided", scope="部门决算")],
    ),
    ("重大决策作出后5个工作日内公开", [aft(5, "workday", "decided")]),
    ("每年3月底、9月底前各报送一次", []),
    ("各镇街每月报送信息不少于10条,其中图片信息不少于2条", []),  # a quota without period
    ("此次评估材料请于9月15日前提交", []),  # a one-off
    # a period under a condition or in a season is not year-round (decision 7)
    ("遇有重大事件时,每天更新", []),
    ("如遇重大活动，每日报送", []),
    ("必要时每天报送", []),
    ("敏感时期每日报送舆情", []),
    ("待遇信息每月公开", [per(1, "month")]),
    ("发生突发事件时,2个工作日内发布", [aft(2, "workday", "occurred")]),
    # the longest gap is a rolling window (decision 10); a gap in working days is none
    ("原则上不超过一个月更新一次", [per(1, "month", rolling=True)]),
    ("最长不超过半年更新一次", [per(6, "month", rolling=True)]),
    ("两次更新间隔不超过15天", [per(15, "day")]),
    ("更新间隔不超过10个工作日", []),
    ("一个月更新一次", [per(1, "month")]),
    # a range of limits: which one binds? (a range of counts takes its lower bound)
    ("2-3个工作日内答复", []),
    ("3至5个工作日内答复", []),
    ("每月报送1-2条", [per(1, "month")]),
    # scopes: the subject without its modal (必须), the part and not where it is (网站中),
    # never "all" (所有栏目) nor the object of 对 in the rule's own clause (decision 12)
    (
        "主网站动态信息必须每天更新,子网站动态信息每周至少更新一次",
        [per(1, "day", scope="主网站动态信息"), per(1, "week", scope="子网站动态信息")],
    ),
    ("各部门门户网站中工作动态栏目每周至少更新2次", [per(1, "week", 2, scope="工作动态栏目")]),
    ("本单位所有栏目信息及时更新", [k(P)]),
    ("专题栏目，对过期信息要及时更新", [k(P, "专题栏目")]),
    # a party's own time is no deadline of the office; an unknown trigger in the sentence
    ("信访人不服的，可以自收到书面答复之日起30日内请求上一级行政机关复查", []),
    ("申请人可以在收到通知之日起15日内申请复核", []),
    ("当事人应当自收到决定书之日起15日内缴纳罚款", []),
    ("申请人提交申请后，行政机关应当在15个工作日内答复", []),
    ("收到申请人的申请后15日内答复", [aft(15, "day", "received")]),
    # a volume per period (月更新量)
    ("月更新量不少于10条", [per(1, "month", 10)]),
    ("年发布量不少于50条", [per(1, "year", 50)]),
    ("本月更新量不少于10条", []),
    # a period that opens the sentence is the time of its verb in a later clause
    ("每月区政府办汇总各单位信息,在门户网站公布", [per(1, "month")]),
    ("每季度末区政府办统计各单位报送情况,并在全区通报", [per(3, "month")]),
    ("在每日开放时间内,即时答复网民提问", [k(P)]),  # a span, not a period
    ("每年年初召开工作会议,部署全年工作并公布计划", []),  # a meeting
    # a frequency whose verb we do not know; 同步 after another clause's limit
    ("内容变化的应在5个工作日内更新，未变化的每季度确认一次", []),
    ("财政预决算信息在批复后20日内公开，三公经费同步公开", []),
    ("每月召开2次例会", []),  # a meeting: no rule, and nothing unread
]
