"""Every distinct 时限要求 / 报送要求 / 工作要求 cell of the seeds (/work/shared/seeds,
copied to tests/fixtures/seeds): 000 (时限要求), 002 (报送要求) and 003 (工作要求); seed
001 has no such column and 004 only 完成时限 dates. Blank cells are merged cells (the
cell above) and are not repeated. The rules, scopes included, were read from the text
by hand under docs/deadline-corpus.md, not copied from the parser's output.

Also the notice sentence of seed 002 that states its three reporting rhythms.
"""

from __future__ import annotations

from typing import Any

from .deadline_cases import C, P, aft, ann, k, per

_AGAIN = "如无变化就将已发布的信息进行审核后重新发布。"  # a negated condition: no rule
_POLICIES = "即时发布政策、办事指南、表格下载等信息。"

SEEDS: list[tuple[str, list[dict[str, Any]]]] = [
    # ---- seed 000: 时限要求
    ("及时更新(新闻动态类栏目两周内更新）", [k(P), per(2, "week", scope="新闻动态类栏目")]),
    ("及时更新", [k(P)]),
    ("在收到申请之日起15个工作日内予以答复", [aft(15, "workday", "received")]),
    ("每年12月30日前更新", [ann("12-30")]),
    ("即时发布", [k(P)]),
    ("应于文件公开后3个工作日内公布", [aft(3, "workday", "published")]),
    ("按照要求该公示的信息，七天内发布", [aft(7, "day")]),
    ("即时发布。关于黑名单信息可以转发上级部门的信息，注明出处。", [k(P)]),
    ("每两周内更新", [per(2, "week")]),
    ("即时更新，如无重大突发事件，发布说明性信息。", [k(P)]),
    # a limit on staleness: a rolling quarter (docs/deadline-corpus.md)
    ("即时发布，不得超过一季度", [k(P), per(3, "month", rolling=True)]),
    ("即时发布，全年至少更新一到两次", [k(P), per(1, "year")]),
    ("即时发布。全年至少更新一到两次", [k(P), per(1, "year")]),
    # the second clause goes on about 学校类信息 (no change: every half year)
    (
        "学校类信息有变化及时更改，没有变化每半年发布一次审核信息，其他栏目即时发布",
        [k(C, "学校类信息"), per(6, "month", scope="学校类信息"), k(P, "其他栏目")],
    ),
    (
        "卫生服务中心信息及时更新，有变化及时更改，没有变化每半年发布一次审核信息。"
        "政策措施、服务收费等栏目即时发布",
        [
            k(P, "卫生服务中心信息"),
            k(C, "卫生服务中心信息"),
            per(6, "month", scope="卫生服务中心信息"),
            k(P, "政策措施、服务收费等栏目"),
        ],
    ),
    (
        "即时发布，医院的介绍类信息每半年更新一次。动态类栏目每两周更新一次。",
        [k(P), per(6, "month", scope="医院的介绍类信息"), per(2, "week", scope="动态类栏目")],
    ),
    (
        "如有变化及时更新，办事指南要素齐全，含有申请表的需上传表格，办理时间需明确工作时间",
        [k(C)],
    ),
    ("如有变化及时更新", [k(C)]),
    ("即时发布。如无失信企业，应在统计信用公示平台栏目中发布说明。", [k(P)]),
    ("自受理申请之日起六十日内作出行政复议决定", [aft(60, "day", "accepted")]),
    ("年度更新", [per(1, "year")]),
    (
        "机构类信息如有变化及时更新，即时发布政策、办事指南、表格下载等信息。"
        "如无变化就将已发布的信息审核后重新发布",
        [k(C, "机构类信息"), k(P)],
    ),
    ("学校机构类信息如有变化及时更新。" + _POLICIES + _AGAIN, [k(C, "学校机构类信息"), k(P)]),
    # "及时更新变动信息": update what changed
    (
        "疾病中心名录、药店、药品、医疗器械、职业病鉴定机构查询及时更新变动信息。"
        + _POLICIES
        + _AGAIN,
        [k(C, "疾病中心名录、药店、药品、医疗器械、职业病鉴定机构查询"), k(P)],
    ),
    ("即时发布政策、办事指南、表格下载等信息，" + _AGAIN, [k(P)]),
    ("即时发布，" + _AGAIN, [k(P)]),
    ("及时更新场所基本信息。" + _POLICIES + _AGAIN, [k(P)]),
    ("及时更新场所基本信息。" + _AGAIN, [k(P)]),
    ("及时更新基本信息，" + _POLICIES + _AGAIN, [k(P)]),
    (
        "即时发布招录供求信息，机构类信息如有变化，及时更新。" + _POLICIES + _AGAIN,
        [k(P), k(C, "机构类信息")],
    ),
    (_POLICIES + _AGAIN, [k(P)]),
    (_POLICIES + "，" + _AGAIN, [k(P)]),
    ("机构类信息如有变化需及时更新，" + _POLICIES + _AGAIN, [k(C, "机构类信息"), k(P)]),
    (
        "老年福利院等机构类信息如有变化及时更新。" + _POLICIES + _AGAIN,
        [k(C, "老年福利院等机构类信息"), k(P)],
    ),
    ("按照访谈计划，由区信息办组织，每月访谈一个单位。", [per(1, "month")]),
    ("5个工作日以内予以回复", [aft(5, "workday")]),
    ("各单位按照每年发布的计划安排落实发布工作", []),
    ("及时回复", [k(P)]),
    ("及时发布", [k(P)]),
    # 计划 may be the verb ("plan to"): no scope; the transcripts are a part of the column
    (
        "计划每年发布一次。发布会实录两周内更新。",
        [per(1, "year"), aft(2, "week", scope="发布会实录")],
    ),
    ("每年更新", [per(1, "year")]),
    # ---- seed 002: 报送要求
    # "同步" with no event named: prompt (the guide); 未报送的…不予上网 is no deadline
    (
        "每月月底前集中报送一次，除明确不宜公开的，其他规范性文件应公开尽公开，解读文件同步报送，"
        "文件起草说明未报送的文件不予上网。",
        [per(1, "month"), k(P, "解读文件")],
    ),
    ("每月月底前集中报送一次", [per(1, "month")]),
    ("每季度报送一次", [per(3, "month")]),
    ("每季度集中更新一次", [per(3, "month")]),
    ("每季度集中报送一次", [per(3, "month")]),
    ("每年集中报送一次", [per(1, "year")]),
    ("每年集中更新一次", [per(1, "year")]),
    ("实时更新", [k(P)]),
    ("根据领导变动情况及时报送", [k(C)]),
    ("正式文件发布后，同步报送", [aft(0, "day", "published")]),
    ("根据现实情况同步报送", [k(P)]),
    ("根据项目进程同步报送", [k(P)]),
    ("其他内容按照各类数据公开周期报送", []),
    ("按照各类数据公开周期报送", []),
    ("按照各类数据统计周期报送", []),
    ("按照政府信息公开和预算公开要求，及时将有关分配情况向社会公开，接受社会监督", [k(P)]),
    # 及时报送 states promptness; "根据工作需要" alone would give nothing
    ("根据工作需要及时报送", [k(P)]),
    (
        "部门/乡镇每年 1 月 31 日前更新，市本级 2 月 20 日前更新",
        [ann("01-31", "部门/乡镇"), ann("02-20", "市本级")],
    ),
    # seed 002's notice: 按年…次年3月份前 is before March, i.e. by the end of February
    (
        "按月报送的请于每月 25 日前报送，按季报送的请于 3、6、9、12 月报送信息，"
        "按年报送的请于次年 3 月份前报送",
        [
            per(1, "month", by_day=25, scope="按月报送"),
            per(3, "month", scope="按季报送"),
            ann("02-28", "按年报送"),
        ],
    ),
    # ---- seed 003: 工作要求
    (
        "1.每年至少更新一次；\n2.根据实际情况和变动情况及时将更新内容报送至区政府办。",
        [per(1, "year"), k(C)],
    ),
    (
        "1.每周至少更新内容1条；\n2.严格加强信息发布审查；\n3.杜绝严重错别字、虚假或伪造内容以及"
        "反动、暴力等内容；\n4.杜绝错链、死链、暗链。",
        [per(1, "week")],
    ),
    (
        "政声传递自动抓取，政府网站工作报表每年定期更新。",
        [per(1, "year", scope="政府网站工作报表")],
    ),
    # seven numbered items, each item's head the scope of its rules; item 7's head is no
    # part of the column ("部门根据实际增设专栏"), its clauses name their own
    (
        "1.信息公开指南和机构概况，有变动即更新；如无变动，也建议每年至少更新一次；\n"
        "2.信息公开年报，一年更新一次（次年1月底前）；\n3.政策法规，每5个月更新一次；\n"
        "4.计划总结、规划计划，每5个月更新一次；\n5.业务工作，每50天至少更新一次；\n"
        "6.其他，每50天至少更新一次。\n"
        "7.部门根据实际增设专栏，动态信息类每1周至少更新一次，其他类每5个月至少更新一次。",
        [
            k(C, "信息公开指南和机构概况"),
            per(1, "year", scope="信息公开指南和机构概况"),
            ann("01-31", "信息公开年报"),
            per(5, "month", scope="政策法规"),
            per(5, "month", scope="计划总结、规划计划"),
            per(50, "day", scope="业务工作"),
            per(50, "day", scope="其他"),
            per(1, "week", scope="动态信息类"),
            per(5, "month", scope="其他类"),
        ],
    ),
    ("及时、规范公开本级政府行政事业性收费的依据、标准。", [k(P)]),
    ("集中公开本地区十四五规划及历史规划信息。", []),
    ("集中公开专项规划及区域规划信息。", []),
    ("每月公开经济运行主要指标统计信息。", [per(1, "month")]),
    ("链接到“江苏政务服务网－钟楼旗舰店”；链接如有变动请及时告知政府办。", []),
    ("链接到“双公示”平台，链接如有变动请及时告知政府办。", []),
    (
        "及时公开本单位年度预算、决算，发布时间参照财政局发布的时间或者省预决算平台上的发布时间。",
        [k(P)],
    ),
    (
        "1.及时公开相关领域基层政务公开标准目录、政策文件、服务指南、监督检查等信息。\n"
        "2.有月报类信息的栏目，需每月更新；其他栏目至少每50天至少更新一次。\n"
        "3.根据国家、省政务公开评估指标要求调整完善栏目内容。",
        [k(P), per(1, "month", scope="有月报类信息的栏目"), per(50, "day", scope="其他栏目")],
    ),
    # 及时处理 is not publishing; 法定时限 names no time
    (
        "1.及时处理线上、线下收到的政府信息公开申请，在法定时限内依法依规对居民提出的申请进行答复；\n"
        "2.积极协助办理区政府收到的政府信息公开申请，提供清晰、准确、全面的协办意见。",
        [],
    ),
    (
        "1.网站无空栏目、要素齐全；\n2.所有政务服务事项办事指南内容准确、表格和附件下载链接可用。",
        [],
    ),
    (
        "1.及时查看部门信箱，确保网民问题在5个工作日内得到有效答复，避免出现推诿、敷衍等现象；\n"
        "2.每月有信件、留言等信息；如确实没有，需在栏目显著位置注明“X月X日—X月X日无信件、留言信息”。",
        [aft(5, "workday"), per(1, "month")],
    ),
    # item 2: after the consultation, promptly form the feedback and publish it
    (
        "1.根据年度目标任务数，结合本单位重点工作，积极谋划栏目制作计划，认真准备栏目素材内容，"
        "经区政府办审核后，发布到相对应栏目。原则上不允许年底突击完成任务。\n"
        "2.意见征集、民意调查结束后，及时形成反馈结果，并发布到相对应栏目并做好双向关联。",
        [k(P)],
    ),
    # 及时报区政府办 reports a link change to the office: not publishing
    (
        "1.平台可用，链接如有变动须及时报区政府办；\n2.动态类信息每周至少更新一条，"
        "内设每个栏目更新及时，符合规范要求；\n3.杜绝严重错别字、虚假或伪造内容以及反动、暴力等内容。",
        [per(1, "week", scope="动态类信息"), k(P, "内设每个栏目")],
    ),
    (
        "信息更新及时，动态信息类每七天至少更新1条，其他类每月至少更新1条。",
        [k(P), per(7, "day", scope="动态信息类"), per(1, "month", scope="其他类")],
    ),
]
