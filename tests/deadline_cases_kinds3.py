"""Wordings written for the kinds of failure the third collection (dev3.jsonl) showed,
one group per kind, with the rules docs/deadline-corpus.md gives them. None of them is
a corpus phrase: each fix is tested as a rule of the grammar on variants other
districts' texts would use, and most groups hold a wording that must stay without a
rule (abstaining is never wrong; a wrong deadline is)."""

from __future__ import annotations

from typing import Any

from .deadline_cases import C, P, aft, ann, k, per

KINDS3: list[tuple[str, list[dict[str, Any]]]] = [
    # word boundaries: 即日 only before the service's verb; a numeral after 单 is one
    ("年度报告即日常工作报告,应在收到通知之日起10日内报送", [aft(10, "day", "received")]),
    ("即日起实施", []),
    ("材料核对无误的即日办结", [aft(0, "day")]),
    ("承办单位应于收到交办单三日内回复", [aft(3, "day", "received")]),
    # units: 自然日 are calendar days; 一月内 is a month (一月 of a year is January)
    ("群众来信在10个自然日内答复", [aft(10, "day")]),
    ("整改事项应在30个自然天内完成", [aft(30, "day")]),
    ("名单调整的,应在一月内报送备案", [aft(1, "month", "occurred")]),
    ("2025年一月内完成", []),
    # a document's publication right before the limit is its event, not a scope; a
    # measure word written twice (信息形成個20個) is a slip
    ("政策解读:相关政策文件印发5个工作日内", [aft(5, "workday", "published")]),
    ("配套规章发布10日内公开解读材料", [aft(10, "day", "published")]),
    ("统计数据形成个15个工作日内公开", [aft(15, "workday", "occurred")]),
    # a recommendation, a limit with another way out and the excess over a limit give
    # no rule (decision 17); the noun 建议 is no wish
    ("建议各单位于每月10日前报送", []),
    ("建议相关单位在2025年6月30日前完成上传", []),
    ("人大代表建议在3个月内办复", [aft(3, "month")]),
    (
        "一般信息2个工作日内发布,重要信息1个工作日内发布或按领导要求确定",
        [aft(2, "workday", scope="一般信息")],
    ),
    ("答复期限为5个工作日或者依有关规定另行确定", []),
    ("超过答复期限3个工作日仍未答复的,予以通报", []),
    # …but a missed answer's penalty states the answer's limit (decision 17)
    ("咨询类留言3个工作日内无答复的,扣1分", [aft(3, "workday")]),
    ("投诉类5日内未办结的,予以通报", [aft(5, "day")]),
    # kinds of publication listed are no requirement; a condition clause (必要时, 当发生…)
    # holds the rest of its sentence (decision 7), a change does not
    ("信息公开方式分为主动公开、及时公开、依申请公开等", []),
    ("公开形式包括定期公开、随时公开等", []),
    ("必要时,每天发布疫情信息并及时更新", []),
    ("当出现重大舆情时,应每天报送一次,并及时发布权威信息", []),
    ("当信息发生变化时,及时更新", [k(C)]),
    # in step with a document (随X公开, decision 17); with something else, or beside a
    # period, unsure
    ("随招标公告一并公开", [aft(0, "day", "published")]),
    ("解读材料随政策文件同步发布", [aft(0, "day", "published")]),
    ("随同年度报告一起上网", [aft(0, "day", "published")]),
    ("随时报送", [k(P)]),
    ("随工作进展公开", []),
    ("每季度随同财务报表公开", []),
    # 每年 with a day on which it is published is that annual day; a date that times an
    # internal check is none (decision 6)
    ("每年6月30日均在门户网站公开", [ann("06-30")]),
    ("每年3月31日向社会公布上年度决算", [ann("03-31")]),
    ("每年6月30日起执行新标准", []),
    ("每年12月底前,对各单位网站开展全面检查", []),
    ("每年11月底前,公开检查结果", [ann("11-30")]),
    # a period whose days are listed beside it, or whose count may vary, is no quota
    ("每周更新3次(周一、周三、周五)", []),
    ("每周发布5条(周一至周五),有重要信息随时发布", [k(P)]),
    ("每月报送2条,数量可视情况调整", []),
    ("每月10日前报送(节假日顺延)", [per(1, "month", by_day=10)]),
    # the changes stated, then "并及时更新": their update (on_change); another object's
    # prompt report stays prompt; checking the changes each period is no quota
    ("定期与各科室确认办事指南变动情况,并及时在网站上更新", [k(C)]),
    ("每季度与各单位核对办事指南变动情况,并及时更新", [k(C)]),
    ("关注市场价格变化情况,对出现的异常情况第一时间上报", [k(P)]),
    # a bare period with 公布 (decision 15), and one the grammar cannot read beside
    # another rule (abstain); "X的时间要及时" is prompt (decision 17); the rest of the
    # parts (其他栏目) keeps its own prompt beside the column's (decision 16)
    (
        "政策法规半年公布一次,低保情况每月公开一次",
        [per(6, "month", scope="政策法规"), per(1, "month", scope="低保情况")],
    ),
    ("工作动态季度公布一次", [per(3, "month")]),
    ("每月更新一次,财务收支半年度公布一次", [per(1, "month"), per(6, "month")]),
    ("动态信息每月更新,财务信息季度集中公布一次", []),
    ("公开的时间要及时", [k(P)]),
    ("报送的时间应及时", [k(P)]),
    ("及时更新,其他栏目随时发布", [k(P), k(P, "其他栏目")]),
    ("每月更新工作动态,其他栏目可视情况随时更新", [per(1, "month"), k(P, "其他栏目")]),
    # a clause that is only the time (收到…的当日, N日内) with the verb in the next: the
    # limit, and no prompt beside it (decision 1); a limit on what one is able to do
    # (能当天答复的当天答复) is none, its complement (不能…的) a limit
    ("应在收到来信的当日,及时答复", [aft(0, "day", "received")]),
    ("收到申请后5个工作日内,及时予以答复", [aft(5, "workday", "received")]),
    ("承办部门应在答复诉求人的当天,将工单反馈至工作机构", [aft(0, "day")]),
    ("在会议召开的当天,组织学习", []),
    ("能当场办结的当场办结,不能当场办结的5个工作日内办结", [aft(5, "workday")]),
    ("简单问题能当日答复的当日答复,其他问题3日内答复", [aft(3, "day", scope="其他问题")]),
    # the subject before 在 of a clause without a rule (hours) is the topic of the
    # clauses after it: two prompts for two parts (decision 16)
    (
        "对较大以上的灾情,应立即上报,一般灾情在核实后及时上报",
        [k(P, "较大以上的灾情"), k(P, "一般灾情")],
    ),
    (
        "对涉及群众切身利益的舆情,应及时回应,重大舆情在24小时内报告,核实后及时发布",
        [k(P, "涉及群众切身利益的舆情"), k(P, "重大舆情")],
    ),
    # a class of cases whose time "may be extended" with a cap: the cap is its limit
    # (decision 8); a need to extend is an extension
    (
        "一般问题5个工作日内办结,情况复杂的,时限可适当延长,但最长不超过30个工作日",
        [aft(5, "workday"), aft(30, "workday")],
    ),
    ("5个工作日内答复,确需延长的,期限可以延长,但最长不超过10个工作日", [aft(5, "workday")]),
    # what cannot be done within a time (3个月内难以办结的) is a class, not a limit;
    # 及时给X通报 is prompt
    (
        "应在2个月内办复,1个月内难以办结的,要及时给督查室报告原因",
        [aft(2, "month"), k(P)],
    ),
    # an approval that is a required step (应经…批准，并在…内) does not make the limit an
    # extension; a step with its own time between the event and the limit (及时注销)
    # leaves the limit's start unknown
    ("新建网站应经主管领导批准,并在5个工作日内报备", [aft(5, "workday")]),
    ("账号关闭的,报领导批准后进行公告,及时注销账号,并在5个工作日内报备", []),
    ("收到申请后进行登记,并在10日内答复", [aft(10, "day", "received")]),
    ("收到申请后进行登记,及时通知申请人,并在10日内答复", []),
    # prompt: steps before the publishing verb (审核发布, 收集整理并报送), 的 for 地, 网上,
    # a quoted 第一时间, a clause that is only 第一时间 before the verb; 重大活动 as what
    # is published is no season
    ("重要信息应做到随时审核发布", [k(P)]),
    ("及时收集整理并报送区政府办", [k(P)]),
    ("及时收集并发布本单位重大活动、工作动态信息", [k(P)]),
    ("如遇重大活动,每日报送", []),
    ("要及时、准确、全面的报送各类信息", [k(P)]),
    ("经领导审批同意后,应及时进行网上公开", [k(P)]),
    ("发现问题要在“第一时间”内上报", [k(P)]),
    ("重大突发事件发生第一时间,应通过门户网站发布权威信息", [k(P)]),
    ("事件发生第一时间,组织人员赶赴现场", []),
    # events: what is approved between 批复 and 之日; 成文 and 完成后 occur (decision 17);
    # the gap between two events' times is a limit after the second; A与B同步: either
    # may be the document
    ("财政部门批复部门预算之日起20个工作日内公开", [aft(20, "workday", "decided")]),
    ("监测工作完成后5个工作日内公开监测结果", [aft(5, "workday", "occurred")]),
    ("文件成文之日起10个工作日内公开", [aft(10, "workday", "occurred")]),
    ("解读发布时间与文件印发时间间隔不超过3个工作日", [aft(3, "workday", "published")]),
    ("答复时间与收到申请时间间隔不超过15日", [aft(15, "day", "received")]),
    ("更新时间与上次更新时间间隔不超过10个工作日", []),
    ("政策文件与解读材料同步发布", [aft(0, "day", "published")]),
    ("信息与工作进度同步公开", []),
    # a report each period: 周报制度, 月度通报制度 (decision 17), 为月报, 频率:季报; not for a
    # class of incidents (对重大突发事件…), not another 制度, not the word 月报 alone
    ("实行政务信息周报制度", [per(1, "week")]),
    ("建立舆情月度通报制度", [per(1, "month")]),
    ("本报表为月报", [per(1, "month")]),
    ("更新频率:季报", [per(3, "month")]),
    ("对重大突发事件,实行日报制度", []),
    ("实行首问负责制度", []),
    ("月报编辑部负责审核", []),
    # 每月N日前 with 将…, then the verb; an assessment's 超过N未更新 is a longest gap
    # (decision 17; "N内未更新的" stays a penalty, deadline_cases.MORE)
    ("每月5日前要将上月工作动态汇总后报送区政府办", [per(1, "month", by_day=5)]),
    ("通知公告栏目超过3个月未更新,扣2分", [per(3, "month", rolling=True)]),
    ("政务微博超过7天未更新的,予以通报", [per(7, "day", rolling=True)]),
    ("两周内未更新的栏目予以通报", []),
    # 当日 then the party it is done with (与申请人确认, 向来信人答复)
    ("工作机构应当于收到申请的当日与申请人确认", [aft(0, "day", "received")]),
    ("应在接到投诉的当天向投诉人告知受理情况", [aft(0, "day", "received")]),
    ("当日与各单位座谈", []),
]
