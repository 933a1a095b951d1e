"""The parts of one clause, each recognised on its own (parser.py combines them):

- periods: 每/按/一…一/N…N次/全年…, 周/星期/礼拜/旬/半月/月/季/半年/年, with the position
  or due day inside the period (每月25日前, 季末月25日前, 每月上旬) and the count after it;
- rolling windows: a limit on staleness (至迟三个月内须有新内容, 更新间隔不超过一个月);
- counts: N条/次/篇/件/项/期, 以上/不少于/至少/不低于, a range's lower bound, "2条/周";
- limits: N个工作日/日/天/周/个月 内, 不超过/最长/最迟 N…, 时限为 N…, 当日/当天, 同步;
- events: 收到 / 受理 / 作出…决定 / 公开…后 / 发生, 结束后, 变更之日起;
- dates: once (2016年12月底) and annual (每年1月31日前, 次年3月份前, 年底前, 上半年…);
- prompt (及时/即时/实时/随时/第一时间 + a publishing verb) and on_change;
- scope: the subject in front of a rule when it names a part of the column.

Every pattern is linear: bounded repeats only, no nested quantifiers.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

# ----------------------------------------------------------------------------- words

PERIOD_WORD = "半年度|半年|半个月|半月|双周|双月|季度|季|旬|天|日|周|星期|礼拜|个月|月|年度|年"
PERIODS: dict[str, tuple[int, str]] = {
    "月度": (1, "month"), "半年度": (6, "month"), "半年": (6, "month"),
    "半个月": (15, "day"), "半月": (15, "day"),
    "双周": (2, "week"), "双月": (2, "month"), "年度": (1, "year"), "季度": (3, "month"),
    "季": (3, "month"), "旬": (10, "day"), "天": (1, "day"), "日": (1, "day"),
    "周": (1, "week"), "星期": (1, "week"), "礼拜": (1, "week"), "个月": (1, "month"),
    "月": (1, "month"), "年": (1, "year"),
}  # fmt: skip
# Words for "publish" in a period's clause (每季度通报一次, 每月访谈一个单位, 每月变动一次).
VERB = (
    "更新|发布|报送|公开|公布|上传|上网|推送|维护|解读|访谈|通报|总结|变动|审核|公示|答复|回复"
    "|刊发|编发|公告|上报|报至|报给|提报|提交|备案|报告|发|有"
)
# Publishing verbs after 及时/即时… (docs/deadline-corpus.md, decision 5): not 查看, 处理,
# 告知, 整改, 反馈, 提供, 安排…
PUBLISH = (
    "更新|发布|公开|公布|上网|推送|报送|上传|公示|维护|更改|回复|答复|回应|刊发|挂网|转载|转发|刊登"
    "|刊载|播发|播报|上报|上载|公告|报至|报给|通报|报告|续报"
)
# 工作天 (Hong Kong), 上班日, 营业日 (Taiwan) are working days; 历日/日历日/日历天 calendar days.
_LIMIT_UNITS = {
    "工作日": "workday", "个工作日": "workday", "工作天": "workday", "个工作天": "workday",
    "上班日": "workday", "个上班日": "workday", "营业日": "workday", "个营业日": "workday",
    "日": "day", "天": "day", "历日": "day", "个历日": "day", "日历日": "day", "个日历日": "day",
    "日历天": "day", "个日历天": "day", "自然日": "day", "个自然日": "day", "自然天": "day",
    "个自然天": "day",
    "个周": "week", "周": "week", "星期": "week", "个星期": "week", "个月": "month", "月": "month",
}  # fmt: skip
_LIMIT_UNIT = (
    "个工作日|工作日|个工作天|工作天|个上班日|上班日|个营业日|营业日|个日历日|日历日|个日历天|日历天"
    "|个自然日|自然日|个自然天|自然天"
    "|个历日|历日|个星期|星期|个月|个周|月|日|天|周"
)


def month_end(month: int, year: int = 2025) -> int:
    return calendar.monthrange(year, month)[1]


# ----------------------------------------------------------------------------- parts


@dataclass(slots=True)
class Period:
    every: int
    unit: str
    start: int  # the clause position the rule's subject ends at (its scope's end)
    end: int
    min_items: int = 1
    by_day: int | None = None
    rolling: bool = False
    subject: str | None = None  # 按季报送的…: the period's words name the part too


@dataclass(slots=True)
class Limit:
    within: int
    unit: str
    start: int
    end: int
    capped: bool = False  # 不超过/最长/不得超过 N…: may be a bare clause (inherits its kind)
    extended: bool = False  # 延长至 N…: the limit of a class of cases the text must name
    via: str = ""  # the trigger inside the limit's words (不超过收到后的30日)


@dataclass(slots=True)
class DatePart:
    kind: str  # annual | once
    by: str
    start: int
    end: int


def _clear(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    """The span a..b overlaps none of `spans`."""
    return all(b <= x or a >= y for x, y in spans)


def _apart(a: int, b: int, found: Sequence[Period | Limit]) -> bool:
    """The span a..b overlaps none of the parts found."""
    return all(b <= p.start or a >= p.end for p in found)


# ----------------------------------------------------------------------------- counts

_COUNT = re.compile(
    r"(?P<k>\d{1,4})(?:(?:到|至|-|~|或)\d{1,4})?个?(?P<u>条|次|篇|件|项|期|家|场)(?:及?以上)?"
)


def count_in(tail: str) -> int | None:
    """The count stated in the words after a period (至少更新2条, 报送稿件10篇以上, 1到2次:
    the lower bound); None when there is none. An ordinal (第2次) or a count before 前 is
    not one."""
    for m in _COUNT.finditer(tail[:24]):
        before = tail[max(0, m.start() - 1) : m.start()]
        if before in ("第", "前", "每"):
            continue
        changed = _NEW_COUNT.match(tail, m.end()) if "到" in tail or "为" in tail else None
        k = int(changed.group("k") if changed else m.group("k"))
        return k if k >= 1 else None
    return None


# ----------------------------------------------------------------------------- periods

_EVERY = re.compile(rf"[每逐](?P<n>\d{{1,3}})?个?(?P<p>{PERIOD_WORD})")  # 逐月: month by month
_AFTER_END = (
    r"(?:结束后(?:\d{1,3}个?(?:工作日|日|天|周|星期|月))?|后\d{1,3}个?(?:工作日|日|天))"
    r"(?:以内|之内|内)?"
)
# A week inside a month or a quarter (每月第一周, 每月第一个星期三, 每季度第二周前).
_WEEK_IN = r"的?第\d个?(?:周|星期|礼拜)[一二三四五六日天1-7]?(?:上午|下午)?"
_CLOCK = r"(?:(?:上午|下午|中午|晚上)?\d{1,2}(?:点|时)(?:\d{1,2}分)?)?"
_POSITION = {
    "week": rf"(?:(?:周|星期|礼拜)?[一二三四五六日天1-7]{_CLOCK}|周?末)",
    "month": rf"(?:月?(?:底|末|初)|上旬|中旬(?!前)|下旬(?!前)|{_WEEK_IN})",
    # a day in the quarter's first month or in the month after it (decision 9)
    "quarter": (
        r"(?:的?(?:季度?)?(?:末|底|初)|的?(?:第1个月|首个?月|次月)的?\d{1,2}[日号](?:为|是)?"
        rf"|的?(?:第1个月|首个?月)|{_WEEK_IN})"
    ),
    "half": r"(?:末|底)",
    "year": r"(?:年?初)",
}
_SUFFIX = rf"(?:{_AFTER_END}|前(?!后)|之前|以前|以内|之内|内)?"
_FILLER = r"(?:集中|定期|统一|均|都|应|须|需|需要|要|必须|应当|原则上|至少|最少)*"
_COUNT_TAIL = (
    r"(?:至少|最少|不少于|不低于|不得少于)?(?:更新|发布|报送|公开)?"
    r"\d{1,4}(?:(?:到|至|-)\d{1,4})?(?:条|次|篇|件|项|期)(?:及?以上)?(?:信息|内容|稿件|动态)?$"
)
_HEADS = {kind: re.compile(rf"(?:{position})?{_SUFFIX}") for kind, position in _POSITION.items()}
_TAILS = {
    kind: re.compile(rf"(?:{position})?{_SUFFIX}{_FILLER}(?:$|{_COUNT_TAIL}|(?:{VERB})|完成)")
    for kind, position in _POSITION.items()
}
_PERIOD_KIND = {
    "周": "week", "星期": "week", "礼拜": "week", "月": "month", "个月": "month",
    "季度": "quarter", "季": "quarter", "半年": "half", "半年度": "half", "月度": "month",
    "年": "year", "年度": "year",
}  # fmt: skip
_DAY_OF_MONTH = re.compile(
    r"^的?(?P<d>\d{1,2})[日号]"
    r"(?=前|之前|以前|止|内|以内|之内|$|集中|定期|统一|按时|准时|完成|[更发报公上维审解]|向|通过|对外)"
)
_DAY_OF_LAST_MONTH = re.compile(
    r"^的?(?:末月|最后1个月|最后一个月|最末1个月|末)的?(?P<d>\d{1,2})[日号](?:前|之前|以前|止)"
)
_NEXT_MONTH_DAY = re.compile(
    r"次月的?(?P<d>\d{1,2})[日号]"
    r"(?=前|之前|以前|止|内|以内|之内|$|集中|定期|统一|按时|准时|完成|[更发报公上维审解])"
)


def _period_of(word: str, n: int) -> tuple[int, str]:
    base, unit = PERIODS[word]
    return n * base, unit


_QUOTA = re.compile(
    r"(?:至少|不少于|不低于|最少|不得少于)[^,;]{0,12}?\d{1,4}(?:条|次|篇|件|期|家|场)"
)
_VERB_SEARCH = re.compile(rf"(?:{VERB})(?!的)")
_PUBLISH_SEARCH = re.compile(rf"(?:{PUBLISH})(?!的)")


# Activities that publish nothing (the guide's decision 6): self-checks, link checks,
# internal meetings. Press conferences and online interviews do publish.
INTERNAL = re.compile(
    r"(?:自查|检查|巡查|排查|抽查|督查|核查|核对|核实|检视|检核|巡检|例会|会议|培训|学习|研判|调度|座谈|考核"
    r"|监测)(?![室处科组局站中]|办(?![事理结]))"  # not an office: 督查室, 督查办
)
_CHECK_RESULT = re.compile(r"结果|报告|通报|情况(?:报告|通报)")


def checks(text: str) -> bool:
    """The words are an internal activity (检查任务完成情况), not the publication of its
    result (公开检查结果)."""
    if not _INTERNAL_CHAR.search(text):
        return False
    m = INTERNAL.search(text)
    return m is not None and not _CHECK_RESULT.match(text, m.end())


PUBLIC_EVENT = re.compile(r"发布会|记者会|吹风会|访谈|新闻发布")
_INTERNAL_CHAR = re.compile(r"[查会训习研调座核测检]")


def _public(text: str) -> bool:
    return ("会" in text or "访" in text or "新闻" in text) and PUBLIC_EVENT.search(
        text
    ) is not None


_HELD = re.compile(r"^[^,;]{0,12}?(?:举行|召开|举办|开展|组织)")
# 从每周两次增加到五次: the new count
_NEW_COUNT = re.compile(
    r"(?:增加|提高|提升|增|减少|减|调整|改)(?:为|到|至)(?P<k>\d{1,4})个?(?:条|次|篇|件|项|期|场)"
)


_ONE_EACH = re.compile(r"[一1](?:报|更|次|期)(?![\u4e00-\u9fff])|[一1](?:报|更)(?:新|送)?")


def _position_kind(m: re.Match[str]) -> str:
    """The kind of period (_POSITION) whose positions may follow 每 + its word (每月底,
    每周五); after a number (每2月) a year's."""
    return _PERIOD_KIND.get(m.group("p"), "year") if not m.group("n") else "year"


def _every_accepted(
    clause: str,
    m: re.Match[str],
    named: Callable[[], str] | None = None,
    later: Callable[[], bool] | None = None,
) -> bool:
    """每 + period word states a requirement: a verb follows, or only a position in the
    period, a deadline word, 结束后…内 and a count do (每周五前, 每季度末, 每月不少于2条).
    Not an activity that publishes nothing (每周…开展一次全面自查); a press conference or
    an interview, named in the clause or by its topic (`named`), is held (每月举行一次).
    `later`: a later clause of the sentence publishes; a period that opens the clause is
    then the time of that verb."""
    rest = clause[m.end() :]
    kind = _position_kind(m)
    if _TAILS[kind].match(rest) or _DAY_OF_LAST_MONTH.match(rest):
        return True  # (no activity word can come first: they are no verbs of VERB)
    public = _public(clause) or (named is not None and _public(named()))
    internal = INTERNAL.search(rest[:30]) if not public and _INTERNAL_CHAR.search(rest) else None
    if internal and not _PUBLISH_SEARCH.search(rest[: internal.start()]):
        return False
    if public and _HELD.match(rest):
        return True
    day = _DAY_OF_MONTH.match(rest) if m.group("p") in ("月", "个月") and not m.group("n") else None
    if day:
        after = rest[day.end() :].lstrip("前之以止内")
        # (每月10日前要将上一个月的工作情况书面报送…: 将 and its object, then the verb)
        return after == "" or bool(_PUBLISH_SEARCH.search(after[:16]) or _VERB_START.match(after))
    if rest[:1].isdigit() or rest.startswith("一"):
        count = _COUNT.match(rest)
        if count and _NEW_COUNT.match(rest, count.end()):  # 每周两次增加到五次
            return True
        if _ONE_EACH.match(rest):  # 每月一报, 每周一更
            return True
    if _QUOTA.search(rest[:20]):  # 每年的在线访谈活动不少于3次, 每年度组织不少于6家…
        return True
    head = _HEADS[kind].match(rest)
    if rest.startswith("的") and not (head and head.end() > 1):
        return False  # 每年的工作要点 (but 每季的首月15日…)
    if _VERB_SEARCH.search(rest[:40]):  # not 每年发布的计划
        return True
    # 每年年初区政府办公室…编制…，在…上公布: the time of the sentence's verb (not a span:
    # 在每日开放时间内，…即时答复)
    return (
        later is not None
        and _LEADING.match(clause, 0, m.start()) is not None
        and not _SPAN.search(rest)
        and later()
    )


_LEADING = re.compile(r"(?:应当|应|须|要|于|在)?$")
_SPAN = re.compile(r"^[^,]{0,4}?(?:时间|期间|时段)|[内中时]$")


def publishes(text: str) -> bool:
    return _PUBLISH_SEARCH.search(text) is not None


def _every(
    clause: str,
    named: Callable[[], str] | None = None,
    later: Callable[[], bool] | None = None,
) -> list[Period]:
    found = []
    for m in _EVERY.finditer(clause):
        if not _every_accepted(clause, m, named, later):
            continue
        n = int(m.group("n")) if m.group("n") else 1
        if n < 1:
            continue
        every, unit = _period_of(m.group("p"), n)
        rest = clause[m.end() :]
        end = m.end()
        by_day: int | None = None
        if (every, unit) == (1, "month"):
            day = _DAY_OF_MONTH.match(rest)
            if day:
                by_day, end = int(day.group("d")), end + day.end()
            elif rest.startswith("上旬"):
                by_day = 10
            elif rest.startswith("中旬") and not rest.startswith("中旬前"):
                by_day = 20
        elif unit == "month" and every > 1:
            day = _DAY_OF_LAST_MONTH.match(rest)
            if day:
                by_day, end = int(day.group("d")), end + day.end()
        if by_day is not None and not 1 <= by_day <= 31:
            continue
        if end == m.end():  # the position and deadline words belong to the period
            kind = _position_kind(m)
            head = _HEADS[kind].match(rest)
            end += head.end() if head else 0
        found.append(Period(every, unit, m.start(), end, by_day=by_day))
        also = _ALSO.match(rest)
        if also:  # 每季度和半年度发布: both periods
            every, unit = _period_of(also.group("p"), 1)
            found.append(Period(every, unit, m.end() + also.start(), m.end() + also.end()))
    return found


_ALSO = re.compile(
    r"(?:和|及|以及|、)每?(?P<p>半年度|半年|季度|年度|月度|周)(?=[更发报公上维审解通])"
)


# 一年一次, 一月两次, 两年一次, 一年更新一次, 一季一更新 (normalised: 1年1次, 1季一更新)
_N_TIMES = re.compile(
    r"(?P<n>\d(?<![\d年月第每]\d)\d?)个?(?P<p>半年|季度|季|月|周|星期|天|日|年)"
    rf"(?:至少|最少|不少于)?(?:{VERB})?"
    # 一月一报, 十日一报, 一周一更
    rf"(?:(?P<k>\d{{1,3}})(?:(?:到|至|-)\d{{1,3}})?(?:次|条|篇|期)|一(?=更新|发布|报送|公开|更换|报|更))"
)
_N_TIMES_WORD = re.compile(r"\d(?:个)?(?:半年|季|月|周|星期|天|年)|\d日一")
_EVERY_OTHER = re.compile(r"(?<!每)隔(?P<p>周|月)(?=[更发报公上维1一周星礼]|$)")
_VOLUME = re.compile(
    r"(?<![\d每上下本今当该次])(?P<p>季度|季|月|周|年)度?(?:更新|发布|报送|信息)量"
    r"(?:不少于|至少|不低于|不得少于|达到)?(?P<k>\d{1,4})(?:条|篇|次)"
)
_SLASH = re.compile(r"(?P<k>\d{1,3})(?:条|次|篇|期|件)/(?P<p>周|星期|月|季度|季|半年|年|天|日)")
_BY = re.compile(
    r"(?<!已)(?<!已经)按(?P<p>周|星期|旬|半年|月|季度|季|年度|年)(?:度)?(?:进行)?"
    # 按月在行政执法信息公示平台公告…, 按季度通报
    r"(?:(?:在|向|通过|于|对外|对社会)[^,;。]{0,20}?)?"
    r"(?:报送|更新|发布|公开|上报|维护|公告|公示|通报|公布|报告)"
)
_YEARLY = re.compile(r"(?<![上下本今当该次每前])(?:全年|年内|年度内)")
_YEARLY_WORD = re.compile(r"(?<![\d上下本今当该次每前])年度(?:更新|发布|公开|报送)")
_BARE_PERIOD_VERB = re.compile(
    r"(?<![\d上下本今当该次每第前近])(?P<p>季度|月度|半年度|半年|半个月|半月)(?:至少|要|应|须)?(?:进行)?"
    r"(?:更新|发布|报送|公开|公布|上报|通报)"
)
_BARE_END = re.compile(
    r"(?<![\d本今当上下该每个第])(?P<p>季度|季|月份|月)(?:末|底)(?:前|之前|以前)?"
    r"(?=$|[更发报公上维审解完集定])"
)
_BARE_AFTER = re.compile(r"(?<![\d本今当上下该每个第])(?P<p>季度|月度|半年度?|年度)" + _AFTER_END)
_BARE_WORD = {
    "季度": (3, "month"), "季": (3, "month"), "月份": (1, "month"), "月": (1, "month"),
    "月度": (1, "month"), "半年": (6, "month"), "半年度": (6, "month"), "年度": (1, "year"),
    "半月": (15, "day"), "半个月": (15, "day"),
}  # fmt: skip
# 更新频率：月 / 频次:季度: a bare period word after a frequency title.
FREQUENCY_TITLE = re.compile(r"(?:频率|频次|周期)$")
BARE_FREQUENCY = re.compile(
    r"(?:按|每)?(?P<p>季度|季|月度|月|半年度|半年|年度|年|周|旬)(?:1次|一次|报)?"  # 频率:月报
)
# 实行…周报制度, 月度排名通报制度 (decision 17), 本报表为周报: a report each period.
_SYSTEM = re.compile(
    r"(?:(?:实行|实施|建立|执行|落实|推行)[^,;。]{0,30}?(?<![\d当本今次每上下])|为)"
    r"[“\"「]?(?P<p>日|周|旬|月|季|季度|年)度?(?:[^,;。]{0,4}?(?:通报|报告|报送)|报)[”\"」]?"
    r"(?:制度|(?=,|$))"
)
_YEAR_START = re.compile(r"(?:每年)?年初(?=[更发报公上维审解完集定])|每年年初$")
_NOT_RECURRING = re.compile(r"(?:\d|[本今当该次明去上下同前近]年?|截至|截止)$")

_PERIODISH = re.compile(r"[每按周星礼旬月季年天日/内超隔期]")
_HALVES = re.compile(r"(?:每年)?上(?:半年)?、下半年各")
_QUARTER_MONTHS = re.compile(
    r"(?<![\d、])(?P<m>\d{1,2}(?:、\d{1,2}){3})月(?:份)?(?:的?(?P<d>\d{1,2})[日号])?"
)


def _quarter_months(clause: str) -> Period | None:
    """1、4、7、10月8日前 / 3、6、9、12月25日前: a quarter (by_day in its last month)."""
    m = _QUARTER_MONTHS.search(clause) if "、" in clause else None
    if not m:
        return None
    months = [int(x) for x in m.group("m").split("、")]
    if [b - a for a, b in itertools.pairwise(months)] != [3, 3, 3] or months[0] > 3:
        return None
    day = int(m.group("d")) if m.group("d") else None
    by_day = day if months[0] == 3 and day and 1 <= day <= 31 else None
    return Period(3, "month", m.start(), m.end(), by_day=by_day)


# A limit on staleness: the longest the column may go without new content.
_STALE_UNIT = "半个月|半月|季度|季|半年|个月|月|个星期|星期|周|天|日|年"
_STALE = (
    # 至迟三个月内须有新内容, 最长2个月内至少更新一次, 三个月内至少更新一次
    re.compile(
        rf"(?<![每\d半个上下本今第作])(?:至迟|最迟|最长)?(?:(?P<n>\d{{1,3}})个?)?(?P<p>{_STALE_UNIT})"
        r"(?:以内|之内|内)"
        r"(?:须|必须|应|应当|要|需|需要|均)?(?:有新内容|有新信息|有更新|有信息更新|有内容更新"
        r"|至少更新|至少发布|至少有1次更新|更新1次|有1次更新)"
    ),
    # 更新间隔不超过一个月, 间隔时间最长不得超过两周, 更新周期不超过2周
    re.compile(
        r"(?:(?:更新)?(?:时间)?(?:间隔|周期)(?:时间)?(?:最长)?(?:不得|不能|不应|不可|不)?"
        r"|更新(?:时间)?(?:不得|不能|不应|不可))(?:超过|超出|超|大于|多于|长于)"
        rf"(?P<n>\d{{1,3}})?个?(?P<p>{_STALE_UNIT})"
    ),
    # 不得超过一季度未更新; an assessment's 超过1年未更新(,扣10分) (decision 17)
    re.compile(
        rf"(?:不得|不能|不应|不可|不允许)?超过(?P<n>\d{{1,3}})?个?(?P<p>{_STALE_UNIT})"
        r"(?:未|没有|不)(?:更新|发布)"
    ),
)
# A bare cap on a period-like span (即时发布，不得超过一季度): see parser._bare_caps.
BARE_STALE = re.compile(
    r"^(?:但|且|原则上|最长|最迟|最多|应|须)*(?:不得|不能|不应|不可|最长不|最多不|不)?超过"
    r"(?P<n>\d{1,3})?个?(?P<p>季度|季|半年|年)$"
)
# A clause that is only a cap: "最长不超过三个月", "原则上最多不得超过6个月".
BARE_CAP = re.compile(
    r"^(?:但|且|原则上|一般|最多|最长|最迟|应|须|不得|不能|不应|不可|不|为)*(?:超过)?"
    r"\d{1,3}(?:个工作日|工作日|个星期|星期|个月|月|日|天|周)(?:以内|之内|内)?$"
)
# A condition (遇有重大事件时, 必要时, 特殊情况下): a period after it is not year-round
# (the guide's decision 7); limits and prompt publishing after it still hold.
PERIOD_CONDITION = re.compile(
    r"(?:如遇|遇有|遇到|若遇|如发生|一旦发生|(?<![待机境际礼])遇(?=重大|突发|特殊|紧急))"
    r"[^,;。]{1,20}?(?:时|的|,|$)|必要时|特殊情况(?:下|时)"
    # 对性质复杂且处置时间长的事件，…要实行“日报”制度: a class of incidents
    r"|(?:^|,)对[^,;。]{2,30}?事件(?=,|$)"
)
# A season (两会期间) or an extension (如需延长答复期限的): the sentence's later limits are
# no year-round rule / no second limit.
STOP = re.compile(r"期间$|延长(?![至到])")
# 时限可适当延长, 办理期限可以延长: only an extension, without a length.
EXTENDED_ONLY = re.compile(
    r"^(?:其)?(?:办理|答复|处理)?(?:时限|期限|时间)?(?:可|可以|可予|得予|可适当|可以适当)(?:予以)?延长$"
)
# A condition clause the rest of the sentence holds under, not year-round: 必要时,…;
# 当发生重大疫情…时,… (a regime while it lasts; the guide's decision 7). A change is not
# one (当信息发生变化时，及时更新: on_change).
CONDITION_CLAUSE = re.compile(r"^(?:确有|如有|若有)?必要时$|^当(?:发生|出现|遇|遭遇|面临|处于)")
# A limit that needs an approval (经…批准/同意, 签请…核准) is an extension, not a limit of
# its own: 经省政府办公厅同意…,至迟不超过6个月办理完毕. (批准后, 批复之日 are events.)
# (新开设的账号应经领导批准，并在10个工作日内备案: a required step, then the limit.)
APPROVAL = re.compile(
    r"(?<![应须要当])(?:经|报经|报请|签请|呈请)[^,;。]{0,24}?(?:批准|同意|核准|审批|批复|准许)"
    r"(?!后|之后|之日|通过)"
)


def bare_period(word: str) -> tuple[int, str]:
    """A period word alone (月, 季度, 半年…) as (every, unit)."""
    return _BARE_WORD.get(word) or PERIODS[word]


def stale_period(n: str | None, word: str) -> tuple[int, str]:
    word = {"个星期": "星期", "日": "天"}.get(word, word)
    return _period_of(word, int(n) if n else 1)


_Free = Callable[[int, int], bool]  # is a span free of the periods found?


def periods(
    clause: str,
    free: list[tuple[int, int]],
    named: Callable[[], str] | None = None,
    later: Callable[[], bool] | None = None,
) -> list[Period]:
    """Every period the clause states, in order, with its count and due day. `named`:
    the clause's topic, which may name what is held (市政府新闻办新闻发布会，每两周举行一次)."""
    found: list[Period] = []
    if not _PERIODISH.search(clause):
        return found

    def is_free(a: int, b: int) -> bool:
        return _clear(a, b, free) and _apart(a, b, found)

    halves = _HALVES.search(clause) if "下半年" in clause else None
    if halves:  # 每年上半年、下半年各更新一次
        return [Period(6, "month", halves.start(), halves.end())]
    quarterly = _quarter_months(clause)
    if quarterly:
        return [quarterly]
    if "每" in clause or "逐" in clause:
        for p in _every(clause, named, later):
            if is_free(p.start, p.end):
                found.append(p)
    for cue, form in _FORMS:  # each adds what it finds at once: the next match must be free of it
        if cue in clause:
            form(clause, is_free, found)
    if not found:
        fallback = _last_resort(clause, is_free)
        if not fallback:
            return found
        found.append(fallback)
    found.sort(key=lambda p: p.start)
    _complete(clause, found)
    return found


def _stale(clause: str, is_free: _Free, found: list[Period]) -> None:
    """Limits on staleness (三个月内须有新内容, 更新间隔不超过一个月): rolling periods."""
    cues = (
        "内" in clause and ("新" in clause or "发布" in clause),  # …内须有新内容/至少发布
        # (not the gap between two events' times: 答复时间与收到申请时间间隔不超过15日)
        ("间隔" in clause or "周期" in clause or "超过" in clause) and not GAP_AFTER.search(clause),
        "超过" in clause,
    )
    for pattern, cue in zip(_STALE, cues, strict=True):
        for m in pattern.finditer(clause) if cue else ():
            every, unit = stale_period(m.group("n"), m.group("p"))
            if every >= 1 and is_free(m.start(), m.end()):
                found.append(Period(every, unit, m.start(), m.end(), rolling=True))


def _next_month_days(clause: str, is_free: _Free, found: list[Period]) -> None:
    """次月10日前: monthly, by that day."""
    for m in _NEXT_MONTH_DAY.finditer(clause):
        day = int(m.group("d"))
        if 1 <= day <= 31 and is_free(m.start(), m.end()):
            found.append(Period(1, "month", m.start(), m.end(), by_day=day))


def _n_times(clause: str, is_free: _Free, found: list[Period]) -> None:
    """一年一次, 两年一次, 一月两次: N periods, K times."""
    for m in _N_TIMES.finditer(clause) if _N_TIMES_WORD.search(clause) else ():
        n = int(m.group("n"))
        if n >= 1 and is_free(m.start(), m.end()):
            every, unit = _period_of(m.group("p"), n)
            k = int(m.group("k")) if m.group("k") else 1
            found.append(Period(every, unit, m.start(), m.end(), min_items=max(1, k)))


def _every_other(clause: str, is_free: _Free, found: list[Period]) -> None:
    """隔周更新一次, (暂定隔周周三上午): every two weeks or months."""
    for m in _EVERY_OTHER.finditer(clause):
        if is_free(m.start(), m.end()):
            found.append(Period(2, "week" if m.group("p") == "周" else "month", *m.span()))


def _slashed(clause: str, is_free: _Free, found: list[Period]) -> None:
    """2条/周."""
    _with_count(_SLASH, clause, is_free, found)


def _volume(clause: str, is_free: _Free, found: list[Period]) -> None:
    """月更新量不少于10条."""
    _with_count(_VOLUME, clause, is_free, found)


def _with_count(pattern: re.Pattern[str], clause: str, is_free: _Free, found: list[Period]) -> None:
    """A period word with its count in one match."""
    for m in pattern.finditer(clause):
        if is_free(m.start(), m.end()):
            every, unit = _period_of(m.group("p"), 1)
            found.append(Period(every, unit, m.start(), m.end(), min_items=max(1, int(m["k"]))))


# The forms tried in turn, each with a word it needs (a test cheaper than a call).
_FORMS: tuple[tuple[str, Callable[[str, _Free, list[Period]], None]], ...] = (
    ("", _stale),  # (its cues are its own)
    ("次月", _next_month_days),
    ("", _n_times),
    ("隔", _every_other),
    ("/", _slashed),
    ("量", _volume),
)


def _last_resort(clause: str, is_free: _Free) -> Period | None:
    """When no other form gave a period: the first of 按月报送, a bare period word
    (季度末前, 月度结束后, 半年度更新), a report system (实行周报制度), a yearly count
    or marker (全年不少于10条, 年度更新)."""
    if "按" in clause:
        by = _by_period(clause, is_free)
        if by:
            return by
    if "月" in clause or "季" in clause or "年" in clause:
        bare = _bare_period(clause, is_free)
        if bare:
            return bare
    if "制度" in clause or clause.endswith("报"):
        system = _SYSTEM.search(clause)
        if system and is_free(*system.span()):
            every, unit = _period_of(system.group("p"), 1)
            return Period(every, unit, system.start(), system.end())
    return _yearly_period(clause, is_free) if "年" in clause else None


def _by_period(clause: str, is_free: _Free) -> Period | None:
    for m in _BY.finditer(clause):
        if clause[max(0, m.start() - 1) : m.start()] == "、":
            return None  # 按月、按季报送: either, by the unit's choice
        if is_free(m.start(), m.end()):
            every, unit = _period_of(m.group("p"), 1)
            subject = m.group() if clause[m.end() : m.end() + 1] == "的" else None
            return Period(every, unit, m.start(), m.end(), subject=subject)
    return None


def _bare_period(clause: str, is_free: _Free) -> Period | None:
    for pattern, cue in (
        (_BARE_END, "末" in clause or "底" in clause),
        (_BARE_AFTER, "结束" in clause),
        (_BARE_PERIOD_VERB, "度" in clause or "半" in clause),
    ):
        bare = pattern.search(clause) if cue else None
        if bare and is_free(bare.start(), bare.end()):
            every, unit = _BARE_WORD[bare.group("p")]
            return Period(every, unit, bare.start(), bare.end())
    return None


def _yearly_period(clause: str, is_free: _Free) -> Period | None:
    yearly = _YEARLY.search(clause) if "年内" in clause or "全年" in clause else None
    if yearly and _COUNT.search(clause, yearly.end()) and is_free(*yearly.span()):
        return Period(1, "year", yearly.start(), yearly.end())
    marker = _YEARLY_WORD.search(clause) if "年度" in clause else None
    marker = marker or (_YEAR_START.search(clause) if "年初" in clause else None)
    if marker and not _NOT_RECURRING.search(clause[: marker.start()]):
        return Period(1, "year", marker.start(), marker.end())
    return None


def _complete(clause: str, found: list[Period]) -> None:
    """The count said after each period (before the next), and whether a cap in front
    makes it a longest gap."""
    for i, p in enumerate(found):
        if p.min_items == 1:
            following = found[i + 1].start if i + 1 < len(found) else len(clause)
            p.min_items = count_in(clause[p.end : following]) or 1
        if "超" in clause or "最" in clause:
            p.rolling = p.rolling or bool(_CAPPED.search(clause, max(0, p.start - 6), p.start))


# 不超过一个月更新一次, 最长不超过半年更新一次: a longest gap (the guide's decision 10)
_CAPPED = re.compile(r"(?:不超过|不得超过|不能超过|不应超过|不超|最长|最迟|最多)$")


# ----------------------------------------------------------------------------- limits

# (A look-behind goes after the first digit: a pattern that starts with a character
# class is only tried where one is, one that starts with a look-behind everywhere.)
_WITHIN = re.compile(rf"(?P<n>\d(?<![\d每]\d)\d{{0,2}})(?P<u>{_LIMIT_UNIT})(?:以内|之内|内)")
_CAP = re.compile(
    r"(?:最长不超过|最长不得超过|最迟不超过|最多不超过|不得超过|不能超过|不应超过|不超过|不晚于"
    r"|不会超过|不超出|不超"
    r"|最长为|最长|最迟|最多)"
    # 不会超过要求后的51个历日: the trigger between the cap and the number
    r"(?P<via>[^,;。\d]{1,12}?(?:后|之日起?|日起)的?)?"
    rf"(?P<n>\d{{1,3}})(?P<u>{_LIMIT_UNIT})(?:以内|之内|内)?"
)
_TERM = re.compile(
    r"(?:时限|期限|处理时间|办理时间|答复时间|回复时间|审批时间|具体时间|所需时间|预定时间)"
    rf"(?:一般)?(?:为|是|:|会是)?(?P<n>\d{{1,3}})(?P<u>{_LIMIT_UNIT})(?:以内|之内|内)?"
)
# 自决定做出起7个工作日, 接获要求起计的21个历日: counted from the event, 内 or not
_FROM = re.compile(rf"起(?:计|算|计算)?的?(?P<n>\d{{1,3}})(?P<u>{_LIMIT_UNIT})(?:以内|之内|内)?")
# a cell that is only a duration: 25个工作天, 15个工作日
_ONLY = re.compile(r"^(?P<n>\d{1,3})(?P<u>个工作日|工作日|个工作天|工作天|天|个历日|历日)$")
# 延长至/到2个工作日: the limit for a harder case (not 经批准可延长15个工作日)
_EXTENDED_TO = re.compile(rf"延长[至到](?P<n>\d{{1,3}})(?P<u>{_LIMIT_UNIT})")
# N…办结/答复, N个工作日公开: not a bare 月 or 日 (3月公布, 于15日公开 name a month, a day)
_DIRECT = re.compile(
    rf"(?P<n>\d(?<![\d每月]\d)\d{{0,2}})(?P<u>(?!月|日(?!办结|答复|回复))(?:{_LIMIT_UNIT}))"
    r"(?=办结|答复|回复|办理完毕|处理完毕|予以(?:答复|回复|公开|发布)|公开|发布|上网|公布|报送)"
)
_NEXT_DAY = re.compile(
    r"(?:最迟|最晚|不超过|不得超过|不晚于)次日|次日(?:内|前)?(?=办结|发布|上网|公开|答复|回复|更新|报送"
    r"|公布|推送|上传|公示)"
)
_SAME_DAY = re.compile(
    r"(?:当日|当天)(?:内)?(?:予以|进行|即|及时|完成)?"
    r"(?=办结|发布|上网|公开|答复|回复|更新|报送|公布|推送|办理|上传|公示|回应"
    r"|(?:与|向)[^,;。]{1,8}?(?:确认|答复|回复|告知))"  # 于收到申请的当日与申请人确认
    # 于即日安排查阅, 即日回复: the same day, whatever the service (not 即日起, 即日生效, nor
    # the 即 of "即日常…": a verb of the service must follow)
    r"|即(?<![自从]即)日(?:内)?(?=[办答回发公上更报处安予完受作给提核审批签送告通受])"
)
# A time of day (下午一时前, 5点前): the same-day answer is for what comes before it.
_CLOCK_TIME = re.compile(r"[\d一二三四五六七八九十](?:时|点)(?!间|候|期|段|效)|小时")
# 随X公开 (along with X), not 随时, 随即, 随后, 随着, 随意, 随机, 随有随报
_ALONG = r"随(?<![跟伴追尾]随)同?(?![时即后着意机有])"
_SYNC = re.compile(
    r"(?:与[^,;。]{1,20}?同[步时]|同步)(?:进行)?(?:公开)?(?:报送|发布|更新|公开|上传|上网|推送|公布|公示)"
    rf"|{_ALONG}[^,;。]{{1,20}}?(?:一并|一起|同时|同步)?(?:公开|发布|公布|上网|报送)"
    # 信息的采集发布要与会议(活动)同步: the verb before
    r"|(?<=报送|发布|更新|公开|上网|公布)[^,;。]{0,6}?与[^,;。]{1,20}?同步(?:进行)?(?=$|,)"
)
_PERIOD_END_BEFORE = re.compile(r"(?:年度|季度|月度?|半年度?|周|年|季)结束后$")
_EXTENSION = re.compile(r"延长|延期")
_CAP_WORD = re.compile(r"超|最长|最迟|最多|不晚于")
_TERM_WORD = re.compile(r"时限|期限|时间")
_DIRECT_WORD = re.compile(r"办结|答复|回复|完毕|公开|发布|上网|公布|报送")
_DAY_WORD = re.compile(r"当[日天]|次日|即日")
_ANY_DIGIT = re.compile(r"\d")


_SAME_DAY_CELLS = frozenset(("即日", "即日内", "当日", "当日内", "当天", "当天内", "当日办结"))
_LATER = ("后", "以后", "之后", "起施行", "起生效", "施行", "生效")


def limits(clause: str, free: list[tuple[int, int]]) -> list[Limit]:
    """Time limits counted from an event ("within N units"), in order."""
    if not _ANY_DIGIT.search(clause) and not _DAY_WORD.search(clause):
        return []
    if "延" in clause and _EXTENSION.search(clause):
        return _extended_to(clause)  # 经批准可延长15个工作日: an extension is not a second limit
    if clause in _SAME_DAY_CELLS:  # a cell that is only "即日" (a service pledge's time)
        return [Limit(0, "day", 0, len(clause))]
    found: list[Limit] = []
    for m, capped in _counted(clause):
        _take(clause, m, capped, free, found)
    if "次日" in clause:
        _next_day(clause, found)
    if "当" in clause or "即日" in clause:
        _same_day(clause, found)
    found.sort(key=lambda f: f.start)
    return found


def _extended_to(clause: str) -> list[Limit]:
    """延长至2个工作日: the limit of a class of cases; none for an extension by N days."""
    extended = _EXTENDED_TO.search(clause)
    if not extended:
        return []
    unit = _LIMIT_UNITS[extended.group("u")]
    return [Limit(int(extended.group("n")), unit, *extended.span(), capped=True, extended=True)]


def _counted(clause: str) -> Iterator[tuple[re.Match[str], bool]]:
    """The matches of N units and whether each is capped, in the order they are taken:
    不超过…, 时限为…, 起…N日, a cell that is only N units, N…内, N…办结."""
    if _CAP_WORD.search(clause):
        for m in _CAP.finditer(clause):
            yield m, True
    if _TERM_WORD.search(clause):
        for m in _TERM.finditer(clause):
            yield m, True
    if "起" in clause:
        for m in _FROM.finditer(clause):
            yield m, False
    only = _ONLY.match(clause)
    if only:
        yield only, False
    if "内" in clause:
        for m in _WITHIN.finditer(clause):
            yield m, False
    if _DIRECT_WORD.search(clause):
        for m in _DIRECT.finditer(clause):
            yield m, False


def _take(
    clause: str, m: re.Match[str], capped: bool, free: list[tuple[int, int]], found: list[Limit]
) -> None:
    """Add the limit `m` states unless its span is taken or it counts from no event."""
    a, b = m.span()
    if not _clear(a, b, free) or not _apart(a, b, found):
        return
    if _PERIOD_END_BEFORE.search(clause[max(0, a - 8) : a]):
        return  # 上年度结束后3个月内: counts from a period, not an event
    if not clause.endswith(("内", "前"), a, b) and clause.startswith(_LATER, b):
        return  # 自公布之日起30日后施行, 3天后若仍未收到: after N days, not within
    if m.group("u") == "月":
        raise Unsure(clause)  # 3月内, 不超过3月: March, or three months?
    unit = _LIMIT_UNITS[m.group("u")]
    via = (m.group("via") or "") if capped and "via" in m.re.groupindex else ""
    found.append(Limit(int(m.group("n")), unit, a, b, capped, via=via))


def _next_day(clause: str, found: list[Limit]) -> None:
    """最迟次日, 次日办结: one day, capped."""
    for m in _NEXT_DAY.finditer(clause):
        if _apart(m.start(), m.end(), found):
            found.append(Limit(1, "day", m.start(), m.end(), capped=True))


def _same_day(clause: str, found: list[Limit]) -> None:
    """当日答复, 即日安排: the same day (not before a time of day: 下午一时前)."""
    same = list(_SAME_DAY.finditer(clause))
    for m in same if same and not _CLOCK_TIME.search(clause) else ():
        if clause[max(0, m.start() - 1) : m.start()] == "能":
            continue  # (不)能当天答复的: a condition on being able to
        if _apart(m.start(), m.end(), found):
            found.append(Limit(0, "day", m.start(), m.end()))


# 文件发布时间与成文时间间隔不超过20个工作日: a limit after the second time's event.
GAP_AFTER = re.compile(r"与(?P<x>[^,;。与]{1,10}?)(?:时间|日期)(?:的|之)?(?:相)?间隔")
# 咨询投诉类2日内无回应的: an answer's limit, not the freshness of a column
ANSWER = re.compile(r"^[^,]{0,4}?(?:回应|答复|回复|办结|办理|处理)")
# 能当天答复的(当天答复), 不能当天答复的: a limit on what one is able to do, not a limit.
ABLE = re.compile(r"(?<!不)能[^,;。]{0,12}?的$")
# 应在收到转办件工单的当日，…答复: the day of something, whose verb the next clause has.
SAME_DAY_WHEN = re.compile(r"(?:在|于)[^,;。]{1,30}?的(?:当日|当天)$")
DUTY = re.compile(rf"{PUBLISH}|办结|办理|处理|反馈|受理|确认|审核|完成")


def sync(clause: str) -> re.Match[str] | None:
    return _SYNC.search(clause)


# 两周内未更新的栏目予以通报: a penalty, not a limit.
# (But 咨询投诉类2日内无回应的，扣1分: a missed answer's penalty states the answer's limit,
# decision 17.)
PENALTY = re.compile(r"^[^,]{0,6}?(?:未|没有|无)(?!回应|答复|回复|办结)")
# 通知申请人于七日内补正: the applicant's deadline, not the office's.
APPLICANT = re.compile(
    r"^[^,]{0,4}?(?:补正|补齐|补充材料|缴纳|缴费|领取|提出(?:异议|[^,]{0,6}?申请)|申请复议|提起"
    r"|申请(?:复核|复查|行政复议)|请求[^,]{0,16}?(?:复查|复核|复议)|申诉|起诉)"
)
# 信访人…可以自收到书面答复之日起30日内请求复查, 当事人应当自收到决定书之日起15日内缴纳:
# a party's own time, not the office's.
PARTY = re.compile(
    r"^(?:如|若|凡)?(?:申请人|信访人|当事人|投诉人|举报人|相对人|行政相对人|纳税人|利害关系人"
    r"|复议申请人|申诉人|报名人|投标人)"
)
# …unless the limit's own clause names the office (申请人提交申请后，行政机关应当在…内答复).
OFFICE = re.compile(r"机关|单位|部门|政府|机构|承办|本处|本局|本署|本府|我们|我局|办公室|委员会")

# ----------------------------------------------------------------------------- events

_AFTER = r"(?:后|之后|以后|之日|当日|当天|之?[翌次](?:工作)?日)"
_EVENTS = (
    (re.compile(r"(?:收到|接到|收悉|接收|接获|收齐|收文)(?<!未..)(?<!没有..)"), "received"),
    (
        re.compile(rf"受理[\u4e00-\u9fff]{{0,6}}?(?:[^,;]{{0,10}}?的(?=\d)|{_AFTER})|立案"),
        "accepted",
    ),
    (
        re.compile(
            r"(?:作出|做出)[^,;]{0,12}?决[定策]|决[定策][^,;]{0,10}?(?:作出|做出)|决定(?:之日|后)"
            # 批复部门预算、决算之日起: the approved thing between the verb and the day
            rf"|(?:批复|批准|核准)(?:通过)?(?:[^,;的]{{1,12}}?)?{_AFTER}|确定[^,;]{{0,10}}?后"
        ),
        "decided",
    ),
    (
        re.compile(
            rf"(?:公开|发布|印发|出台|公布|签发|发出|下发|下达|颁布|发文){_AFTER}"
            r"|(?:发布|印发|出台)[^,;]{0,12}?时(?!限|间)"
            # 关联规范性文件公开3个工作日内: a document's publication right before the limit
            r"|(?:公开|发布|印发|出台|公布|下发|颁布)"
            r"(?<=文件..|政策..|规定..|办法..|意见..|方案..|通知..|公告..|条例..|规章..)(?=,|$)"
        ),
        "published",
    ),
    (
        re.compile(
            r"发生(?:后|之后|之日)?|结束(?:后|之后|之日|当天|当日)|会后|会议后|活动后"
            r"|(?:成文|完(?<!未完)成)(?:后|之后|之日)"  # 成文, 监测工作完成后 (decision 17)
            rf"|(?:召开|举行|举办|开展)(?:完毕|结束)?{_AFTER}"
            r"|(?:形成|生成|产生|取得|获取|作成|变更|变化|变动|更改|调整)(?:[^,;]{0,8}?(?:后|之日)|的)"
            r"|(?:签订|签署)[^,;]{0,8}?(?:后|之日)"
            r"|(?:形成|产生|变更)(?=,|$)"
        ),
        "occurred",
    ),
)
# 与政策文件同步发布 (published), 与会议(活动)同步 (occurred): what the rule keeps in step with.
_IN_STEP = re.compile(
    r"与(?P<x>[^,;。]{1,20}?)同[步时]"
    # 随采购公告、采购文件公开, 随同部门预决算一并公开 (decision 17)
    rf"|{_ALONG}(?P<y>[^,;。]{{1,20}}?)(?:一并|一起|同时|同步)?(?=公开|发布|公布|上网|报送)"
)
_DOCUMENT = re.compile(
    r"文件|政策|文本|规定|办法|意见|方案|通知|公告|决定|条例|规章|报告|预算|决算"
)
_HAPPENING = re.compile(r"会议|活动|会$|访谈|事件")
# The words before 后/之日起 that name no contract event (the guide's decision 2).
NO_EVENT = re.compile(r"分派|呈阅|办妥|反馈|确认付款|要求")
# A limit counted from something: "…X后5日内", "…X之日起", "X日起计" (not 然后, 最后, 此后…).
_TRIGGER = re.compile(
    r"[\u4e00-\u9fff)》”](?<![然最此今随其先落背午前])(?:之后|以后|后|之日|日起|[翌次]日)[^,;]{0,7}$"
)


class Unsure(Exception):
    """The text states a time requirement this grammar cannot read safely: the whole
    phrase gives no rule (a wrong deadline is worse than none)."""


def own_event(subject: str) -> tuple[str | None, bool]:
    """The event a limit's own words name (the clause before the limit) and whether they
    name a trigger at all. A trigger that is neither a contract event nor one the guide
    reads as none (分派, 呈阅, 反馈…) makes the phrase unsure: borrowing another clause's
    event, or giving none, could both be wrong."""
    named = _nearest_event(subject)
    if named:
        return named, True
    if "后" not in subject and "日" not in subject:
        return None, False
    if not _TRIGGER.search(subject):
        return None, False
    if NO_EVENT.search(subject):
        return None, True
    raise Unsure(subject)


_DOCUMENTS = ("文件", "政策", "规定", "办法", "意见", "方案", "通知", "公告", "条例", "规章")
_ISSUED = ("公开", "发布", "印发", "出台", "公布", "下发", "颁布")
# The words an event may end with right before a limit, without 后/之日
_EVENT_ENDINGS = (
    *(d + v for d in _DOCUMENTS for v in _ISSUED),
    "形成", "产生", "变更", "发生", "收到", "接到", "收悉", "收齐", "接获", "立案",
)  # fmt: skip


def event_at_end(text: str) -> bool:
    """The text ends with an event's words (关联规范性文件公开, 信息形成): the trigger of a
    limit that follows, not a part of the column. (部门决算在批复后: the subject before
    在 names the part; the caller looks there.)"""
    return text.endswith(_EVENT_ENDINGS)


def event(*texts: str) -> str | None:
    """The triggering event the first text names (the clause, then its sentence)."""
    for text in texts:
        for pattern, name in _EVENTS:
            if pattern.search(text):
                return name
        if "同" in text or "随" in text:
            step = _IN_STEP.search(text)
            if step:
                return _step_event(text, step)
    return None


_AFTER_CLAUSE = re.compile(r"(?<![然最此今随其先落背午前])(?:之后|以后|后)$")


def unknown_trigger(sentence: str) -> bool:
    """A clause of the sentence is a trigger the vocabulary does not know
    (申请人提交申请后，…15个工作日内答复): a limit without its own event may count
    from it."""
    return "后" in sentence and any(
        _AFTER_CLAUSE.search(clause) and not event(clause) and not NO_EVENT.search(clause)
        for clause in sentence.split(",")
    )


def _nearest_event(text: str) -> str | None:
    """The event named last (nearest the limit): 收到申请并受理后 → accepted."""
    best: tuple[int, str] | None = None
    for pattern, name in _EVENTS:
        m = pattern.search(text)
        if m and (best is None or m.end() > best[0]):
            best = (m.end(), name)
    if best:
        return best[1]
    step = _IN_STEP.search(text) if "同" in text or "随" in text else None
    return _step_event(text, step) if step else None


def _step_event(text: str, step: re.Match[str]) -> str | None:
    """The event of "与X同步" or "随X公开"; for "A与B同步发布" either may be the document
    (政策措施文件与解读材料同步发布)."""
    named = in_step(step.group("x") or step.group("y"))
    if named is None and step.group("x"):
        named = in_step(text[max(0, step.start() - 10) : step.start()].rsplit(",", 1)[-1])
    return named


def in_step(what: str) -> str | None:
    """The event of "与X同步": a document's publication or a meeting's taking place."""
    if _DOCUMENT.search(what):
        return "published"
    if _HAPPENING.search(what):
        return "occurred"
    return None


def names_event(text: str) -> bool:
    return event(text) is not None


# ----------------------------------------------------------------------------- dates

_DATE_IN_YEAR = re.compile(
    r"(?P<y>(?:19|20)\d{2})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})(?:日|号)|(?P<end>底|末)"
    r"|份?(?P<before>前|之前|以前))?|年?(?P<yend>底|末))"
)
_ONCE_PART = re.compile(
    r"(?P<y>(?:19|20)\d{2})年度?(?:(?P<h>上|下)半年|第?(?P<q>[1-4])季度)(?:末|底)?"
)
_ANNUAL = re.compile(
    r"(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})(?:日|号)|(?P<end>底|末))(?:前|之前|以前|止)"
)
# 每年6月30日均在…公开: on that day every year (by it, under the contract)
_ANNUAL_ON = re.compile(
    r"每年的?(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号](?!前|之前|以前|止|起|至|到|、|左右|前后|[\d~-])"
)
_BEFORE_MONTH = re.compile(r"(?P<m>\d{1,2})月份?(?:前|之前|以前)(?!后)")
_FROM_DATE = re.compile(r"^(?:起|开始|施行|实施|执行|生效)")
_YEAR_END = re.compile(
    r"(?:(?<=每年)|(?<![\d年半]))(?:每年)?(?:年底|年末)(?P<pre>前(?!后)|之前|以前|止)?"
)
_HALF = re.compile(r"(?<![\d年、])(?:每年)?的?(?P<h>上|下)半年(?P<x>末|底|内|前)?")
_QUARTER = re.compile(r"(?<![\d每前])(?:每年)?的?第?(?P<q>[1-4])季度(?P<x>末|底|内|前)?")
_MONTH_OF_YEAR = re.compile(r"每年的?(?P<m>\d{1,2})月份?(?P<x>内)?(?![\d底末、至到前])")
_LISTED = re.compile(r"(\d{1,2})月(\d{1,2})日、(\d{1,2})月(\d{1,2})日(?:前|之前|以前)")
_VERB_START = re.compile(
    rf"^{_FILLER}(?:{VERB}|完成|(?:将|把)[^,;。]{{1,40}}?(?:{PUBLISH}|提报|提交))"
)


_ON_DAY_ACT = re.compile(rf"{_FILLER}(?:(?:在|于|通过|向)[^,;。]{{0,40}}?)?(?:{PUBLISH})")


def _ends_or_acts(rest: str) -> bool:
    """Nothing follows, or a publishing verb does (年底前 / 上半年完成, not 年底突击), or
    another time does (每年的12月或更改内容后一周内)."""
    return rest == "" or rest.startswith("或") or bool(_VERB_START.match(rest))


_A_YEAR = re.compile(r"(?:19|20)\d{2}年")
YEARLY_CUE = re.compile(r"每年|次年|翌年|每1年|每个年度|每年度|逐年")
# Things published once a year: their dates recur even without 每年.
YEARLY_THING = re.compile(r"年度|年报|总结|全年|上年|上一年|年终|年初|年底|年末|上半年|下半年")
# A sentence about a one-off task: a named year, this year, a campaign's words.
ONE_OFF = re.compile(
    r"(?:19|20)\d{2}年|今年|本年|明年|年内|一次性|到位|整改|自查|抽查|督查|改版|迁移|关停|建成|试点|启动"
    # a notice's request (请将…于11月4日前报…), materials sent once, this time
    r"|请(?:各|将|把|于|在|务必|按时|认真)|电子版|纸质版|本次|此次|届时"
)
_THIS_YEAR = re.compile(r"(?:本|今|当|该|明|去|同)年度?$")


@dataclass(slots=True)
class _Dated:
    """The dates a clause states so far, and the spans they and its effective dates take."""

    found: list[DatePart] = field(default_factory=list)
    taken: list[tuple[int, int]] = field(default_factory=list)

    def free(self, a: int, b: int) -> bool:
        return _clear(a, b, self.taken)

    def add(self, kind: str, by: str, a: int, b: int) -> None:
        self.found.append(DatePart(kind, by, a, b))
        self.taken.append((a, b))


def dates(clause: str, yearly: bool = True) -> tuple[list[DatePart], list[tuple[int, int]]]:
    """Dated one-offs (once) and yearly dates (annual), and the spans of effective dates
    (自2024年1月1日起), which are no deadline but no period either. `yearly`: the
    sentence says the date recurs (每年, 次年); without it a month and day (于11月20日前)
    is a one-off of an unknown year and gives no rule."""
    dated = _Dated()
    if "年" not in clause and "月" not in clause and "季" not in clause:
        return dated.found, dated.taken
    listed = _LISTED.search(clause) if yearly else None
    if listed and not _DATE_IN_YEAR.search(clause):  # 每年6月25日、12月25日前: both dates
        _listed(listed, dated)
        return dated.found, dated.taken
    if _A_YEAR.search(clause):
        _in_a_year(clause, dated)
        _part_of_a_year(clause, dated)
    if yearly and "月" in clause:
        _month_day(clause, dated)
    if "每年" in clause and ("日" in clause or "号" in clause):
        _on_the_day(clause, dated)
    if yearly and "月" in clause:
        _before_month(clause, dated)
    for kind_match, by in _yearly_dates(clause):
        if dated.free(*kind_match.span()) and not _NOT_RECURRING.search(
            clause[: kind_match.start()]
        ):
            dated.add("annual", by, *kind_match.span())
    return dated.found, dated.taken


def _listed(listed: re.Match[str], dated: _Dated) -> None:
    """每年6月25日、12月25日前: both dates, or none when one is no day."""
    pairs = [(int(listed.group(i)), int(listed.group(i + 1))) for i in (1, 3)]
    if all(1 <= mo <= 12 and 1 <= d <= month_end(mo, 2024) for mo, d in pairs):
        for mo, d in pairs:
            dated.add("annual", f"{mo:02d}-{d:02d}", listed.start(), listed.end())


def _in_a_year(clause: str, dated: _Dated) -> None:
    """2016年12月31日, 2016年12月底, 2009年12月前, 2016年底: once; 2024年1月1日起: an
    effective date, whose span no other part takes."""
    for m in _DATE_IN_YEAR.finditer(clause):
        if _FROM_DATE.search(clause[m.end() :]):
            dated.taken.append(m.span())
            continue
        by = _once_by(m)
        if by:
            dated.add("once", by, *m.span())


def _once_by(m: re.Match[str]) -> str | None:
    """The day a _DATE_IN_YEAR match is due by; None when it names no valid day."""
    year = int(m.group("y"))
    if m.group("yend"):
        return f"{year}-12-31"
    if not m.group("m"):
        return None
    month = int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    if m.group("before"):  # 2009年12月前: by the end of November
        y, mo = (year, month - 1) if month > 1 else (year - 1, 12)
        return f"{y}-{mo:02d}-{month_end(mo, y):02d}"
    if m.group("d"):
        day = int(m.group("d"))
    elif m.group("end"):
        day = month_end(month, year)
    else:
        return None
    return f"{year}-{month:02d}-{day:02d}" if 1 <= day <= month_end(month, year) else None


def _part_of_a_year(clause: str, dated: _Dated) -> None:
    """2016年上半年, 2016年第3季度(末): once, by the end of that half or quarter."""
    for m in _ONCE_PART.finditer(clause):
        if not dated.free(*m.span()) or _FROM_DATE.search(clause[m.end() :]):
            continue
        year = int(m.group("y"))
        if m.group("h"):
            by = f"{year}-06-30" if m.group("h") == "上" else f"{year}-12-31"
        else:
            month = int(m.group("q")) * 3
            by = f"{year}-{month:02d}-{month_end(month, year):02d}"
        dated.add("once", by, *m.span())


def _month_day(clause: str, dated: _Dated) -> None:
    """1月31日前, 3月底前: annual (a table's cell or a sentence whose dates recur)."""
    for m in _ANNUAL.finditer(clause):
        if not dated.free(*m.span()) or clause[max(0, m.start() - 2) : m.start()].endswith("每"):
            continue
        if clause[max(0, m.start() - 1) : m.start()] in ("至", "、"):
            continue  # 1月1日起至12月31日止: a span; 1、4、7、10月8日: a list
        if _THIS_YEAR.search(clause[max(0, m.start() - 3) : m.start()]):
            continue  # 当年9月底以前: a date of one year
        month = int(m.group("m"))
        if not 1 <= month <= 12:
            continue
        day = int(m.group("d")) if m.group("d") else month_end(month)
        if 1 <= day <= month_end(month, 2024):
            dated.add("annual", f"{month:02d}-{day:02d}", _annual_start(clause, m), m.end())


def _on_the_day(clause: str, dated: _Dated) -> None:
    """每年6月30日均在…网站上公开: by that day every year."""
    for m in _ANNUAL_ON.finditer(clause):
        month, day = int(m.group("m")), int(m.group("d"))
        valid = 1 <= month <= 12 and 1 <= day <= month_end(month, 2024)
        if valid and dated.free(*m.span()) and _ON_DAY_ACT.match(clause, m.end()):
            dated.add("annual", f"{month:02d}-{day:02d}", *m.span())


def _before_month(clause: str, dated: _Dated) -> None:
    """次年3月份前: annual, by the end of February."""
    for m in _BEFORE_MONTH.finditer(clause):
        month = int(m.group("m"))
        if not dated.free(*m.span()) or not 1 <= month <= 12:
            continue
        prefix = clause[: m.start()]
        if _NOT_RECURRING.search(prefix) and not prefix.endswith(("次年", "每年")):
            continue
        if re.search(r"[、,]$", prefix):
            continue
        previous = month - 1 or 12
        by = f"{previous:02d}-{month_end(previous):02d}"
        dated.add("annual", by, _annual_start(clause, m), m.end())


def _annual_start(clause: str, m: re.Match[str]) -> int:
    """Where a yearly date starts: at 每年/次年 right before it."""
    before = clause[max(0, m.start() - 2) : m.start()]
    return m.start() - 2 if before in ("每年", "次年") else m.start()


def _yearly_dates(clause: str) -> list[tuple[re.Match[str], str]]:
    """Once a year by a date named without a year: 年底前 → 12-31, 上半年 → 06-30,
    下半年 → 12-31, 一季度(末) → 03-31, 每年6月 → 06-30."""
    found: list[tuple[re.Match[str], str]] = []
    if "年" not in clause and "季度" not in clause:
        return found
    for m in _YEAR_END.finditer(clause) if "年底" in clause or "年末" in clause else ():
        rest = clause[m.end() :]
        every = m.group().startswith("每年") or clause[: m.start()].endswith("每年")
        if m.group("pre") or _ends_or_acts(rest) or (every and _VERB_SEARCH.search(rest[:40])):
            found.append((m, "12-31"))
    for m in _HALF.finditer(clause) if "半年" in clause else ():
        if m.group("x") != "前" and (m.group("x") or _ends_or_acts(clause[m.end() :])):
            found.append((m, "06-30" if m.group("h") == "上" else "12-31"))
    for m in _QUARTER.finditer(clause) if "季度" in clause else ():
        before = clause[: m.start()]
        ordinal = "第" in m.group() or "每年" in m.group() or re.search(r"(?:^|于|在)$", before)
        stated = m.group("x") or _ends_or_acts(clause[m.end() :])
        if ordinal and m.group("x") != "前" and stated:
            month = int(m.group("q")) * 3
            found.append((m, f"{month:02d}-{month_end(month):02d}"))
    for m in _MONTH_OF_YEAR.finditer(clause) if "每年" in clause else ():
        month = int(m.group("m"))
        if 1 <= month <= 12 and (m.group("x") or _ends_or_acts(clause[m.end() :])):
            found.append((m, f"{month:02d}-{month_end(month):02d}"))
    return found


# ----------------------------------------------------------------------------- prompt, change

# Steps before publishing: 审核发布, 收集整理并报送, 分析和评价上报
_STEP = "审核|审定|审批|整理|收集|汇总|采集|编辑|制作|撰写|梳理|核实|分析|评价|研判"
_STEPS = rf"(?:(?:{_STEP})(?:并|和|、)?){{1,3}}"
PROMPT = re.compile(
    r"(?:(?:及时|即时|实时|随时|立即)(?<!不..)|第1时间|第一时间)[”\"」]?内?"  # “第一时间”内上报
    # 及时、准确、全面的报送 (的 for 地)
    r"(?:[、]?(?:规范|全面|准确|主动|完整|依法|有效|集中|据实|客观|真实|权威|如实|动态))*[地的]?"
    r"(?:予以|进行|作出|做出|给予)?(?:网上|在网上)?"
    # 及时收集、整理、审核、发布信息: a list of verbs that ends with publishing; 随时审核发布,
    # 及时收集整理并报送: steps before it
    rf"(?:(?:[\u4e00-\u9fff]{{2}}[、和及或]){{0,4}}(?:{_STEPS})?(?:{PUBLISH})"
    rf"|(?:将|把|通过|在|向|于|对|以|给|做好)[^,;。]{{1,40}}?(?:{PUBLISH}))"
    r"|(?:更新|发布|公开|报送|回复|答复)(?:的时间|时间)?(?:要|应|须|应当)?及时(?!性)"
    r"|(?:即有即|随有随|有则即|有即)(?:报|发|传|更新|公开|上网|推送)"  # 即有即报
)
# "以利即时公布", "尽可能即时回复": a purpose or a wish, not a requirement.
NOT_REQUIRED = re.compile(r"以利|以便|便于|尽可能|尽量|力争|争取")
# 分为常年公开、及时公开、限时公开等: kinds of publication listed, not a requirement.
CATEGORY_LIST = re.compile(r"(?:分为|分成|包括|分别为|分有)[^,;。]{0,30}、$")
# 及时形成反馈结果，并发布…: a preparation, then the publication in the next clause.
PROMPT_PREPARE = re.compile(r"(?<!不)(?:及时|即时|第一时间)(?:形成|整理|汇总|收集|制作|编制|撰写)")
# 突发事件发生第一时间，应向社会发布简要信息: the time, then the publication.
PROMPT_NEXT = re.compile(
    rf"^(?:应|要|须|应当|即|立即)?(?:(?:在|向|通过|于)[^,;。]{{1,16}}?)?(?:{PUBLISH})"
)
PROMPT_THEN = re.compile(rf"^(?:并|并且|再|然后)(?:{PUBLISH})")
CHANGE = re.compile(
    r"(?P<neg>没有|如无|若无|无|未|不)?(?P<cond>如有|若有|如|若|有|发生|一旦|凡|已)?(?:发生)?"
    r"(?:变化|变动|变更|调整|异动)(?!之日|为)(?:情况)?"
    r"(?P<when>时|后(?!的)|的)?[^,;。]{0,10}?(?P<prompt>及时|即时|即|随时|立即|同步)?[^,;。]{0,6}?"
    r"(?:更新|更改|报送|发布|修改|公开|调整|维护|备案)"
    r"|(?P<direct>(?:及时|即时|随时)(?:更新|更改|修改)(?:变动|变化|变更)(?:信息|内容|情况))"
)


_PROMPT_IN_CHANGE = re.compile(r"及时|即时|随时|立即|同步|即(?=更|报|发|修|公|调|维)")


def change(clause: str) -> re.Match[str] | None:
    """An update on change: the change is a condition (如有变化, 发生变动的, 变化时/后) or
    the update is prompt (变动情况及时报送) — not a description (按调整后的标准公开,
    结构调整的相关信息要公开)."""
    for m in CHANGE.finditer(clause):
        if m.group("neg") or m.group("cond") or m.group("direct"):
            return m
        if m.group("prompt") or _PROMPT_IN_CHANGE.search(m.group()):
            return m
        if m.group("when") in ("时", "后"):
            return m
    return None


# A clause that only states the condition ("内容如有变动，应及时更新"): the next clause's
# "及时更新" then means "update on change", not "publish promptly".
CHANGE_CONDITION = re.compile(r"(?:如|若|一旦|如果)?有?(?:变化|变动|变更|调整|异动)(?:时|后|的)?$")
# 确定…信息变动情况，并及时在网站上更新: the changes, then their update (not
# 关注价格变化情况，对出现的异常情况在第一时间上报: another object's prompt report).
CHANGES_STATED = re.compile(r"(?:变化|变动|变更|调整|异动)情况$")
CHANGES_UPDATED = re.compile(r"^(?:并|并且)?(?:及时|即时|随时|立即)")
# After such a condition: 应随时通知资讯室更新, 应及时注销或变更账号信息.
CHANGE_THEN = re.compile(
    rf"(?:及时|即时|随时|立即|即)[^,;。]{{0,12}}?(?:{PUBLISH}|变更|修改|更改|调整|备案)"
    r"|^(?:须|应|应当|要|需|需要|必须)报[^,;。]{0,16}?备案"  # 须报省政府新闻办公室备案
)
NEGATED_CHANGE = re.compile(r"没有|如无|若无|无变|未变")
# Where a change condition starts (机构类信息如有变化…): its subject is the scope.
CHANGE_SUBJECT = re.compile(r"(?:如果|如|若|一旦|有|发生)(?:有)?(?:变化|变动|变更|调整|异动)")
CHANGE_START = re.compile(r"^(?:如|若|一旦|如果)?(?:有|没有|无)(?:变化|变动|变更|调整)")

# ----------------------------------------------------------------------------- rejections

_MONTH_LIST = re.compile(r"(?<!\d)\d{1,2}月(?:\d{1,2}日|底|末|份|中旬|上旬|下旬)?、\d{1,2}月")
_PLAN = re.compile(r"按(?:照)?[^,;。]{0,20}?计划")
REJECT = re.compile(
    r"(?:统计|公开|数据)周期|期间(?=[,每内要应须])|期间$|汛期|节假日|时期|左右|前后"
    r"|前\d|工作日每|每个?工作日|不定期|尽量|尽可能|力争|无法|难以"
    # 每月10日至15日 (the look-behind after the first digit: a pattern that starts with one
    # is tried at every position, one that starts with a character class is not)
    r"|\d(?<!\d\d)\d?[日号](?:、|至|到|和|-|~)\d{1,2}[日号]"
)
# Each tried only when its key word is in the clause (a cheap test):
# a season (重大活动期间, 遇重大活动), not what is published (发布重大活动、新闻报道信息);
_BIG_EVENT = re.compile(r"重大活动(?!、|[^,;。]{0,4}?(?:信息|新闻|报道|动态))")
# a recommendation to someone (建议相关企业在3月5日前上传…; decision 17); not the noun
# (代表建议), nor a table's own minimum (如无变动，也建议每年至少更新一次: the seeds);
_ADVICE = re.compile(
    r"(?<![代表人众员者见的和、])建议(?:各|相关|有关|贵|你|您|企业|单位|部门|尽快|尽早|提前|将|把)"
)
# the excess over a limit (超过办理时限5个工作日…的): a sanction's condition.
_EXCESS = re.compile(r"超(?:过|出)?[^,;。]{0,6}?(?:时限|期限)\d")
# Each tried only when its first word is in the clause (a cheap test).
_ORDINAL = re.compile(  # ordinals: 每季度第2个月, 第2至3周
    r"第\d{1,2}(?!季度|个月的?\d{1,2}[日号])个?(?:月|天|工作日|旬|次)|第\d{1,2}(?:至|到|-|~|、|或)\d"
)
_WEEKDAY_LIST = re.compile(r"(?:周|星期|礼拜)[一二三四五六日天1-7](?:、|至|到|和|及|-|~)")


def days_listed(clause: str) -> bool:
    """A short aside that lists or ranges days (周一至周五, 10日至15日): the days of the
    period before it (decision 7: lists and ranges of days give no rule)."""
    return len(clause) <= 12 and (
        _WEEKDAY_LIST.match(clause) is not None or _DAY_RANGE.match(clause) is not None
    )


_DAY_RANGE = re.compile(r"\d{1,2}[日号](?:、|至|到|和|-|~)\d{1,2}[日号]")


# 条数可根据实际适当增减, 频次可视情况调整: the count or frequency is not binding.
ADJUSTABLE = re.compile(
    r"(?:条数|次数|数量|篇数|频次|频率|更新量)[^,;。]{0,10}?(?:可|可以)[^,;。]{0,10}?(?:增减|调整|变动)"
)
# alternatives: 每月或每季度, 每个工作日或每周, 按月或按季
_ALTERNATIVE = re.compile(
    r"(?:周|星期|月|季度?|年度?|旬|天|日)或(?:每|按)?\d{0,2}个?(?:周|星期|月|季|年|旬|天|日|半)"
)


# a limit with another way out: 1日内审核完毕或依具体时限要求确定 (decision 17)
_OR_OTHERWISE = re.compile(
    rf"\d{{1,3}}(?:{_LIMIT_UNIT})[^,;。]{{0,12}}?或者?(?:依|按|根据|视|由|另行|以|在|经)"
)


# Time requirements this grammar cannot read and the guide gives no "no rule" for: the
# whole phrase gives none (a rule from another clause would be a missed second rule).
UNSURE = re.compile(
    r"每隔|隔(?:天|日|年)|隔(?:周|月)(?![更发报公上维1一周星礼]|$)"
    r"|[日周月季年]均(?:更新|发布|报送|公开|不少于|至少|\d)"
    r"|每(?:周|星期|月|季度?|年)的?前\d"  # 每周前2个工作日: the first days of a period
    # a range of limits (2-3个工作日内, 3至5天): which one binds?
    r"|\d(?:-|~|至|到)\d{1,3}个?(?:工作日|工作天|天|日内|日以内|周|星期|个月)"
)
# A clause that gave no rule but reads like a requirement: a number of days and a duty
# (咨询类3个工作日办结…), a period and a publishing verb.
_UNREAD = re.compile(
    rf"\d{{1,3}}(?:{_LIMIT_UNIT})(?:以内|之内|内)?(?:予以|进行|完成)?"
    r"(?:办结|答复|回复|公开|发布|报送|更新|上网|公布|完成|处理|反馈|办理)"
    rf"|每\d{{0,2}}个?(?:{PERIOD_WORD})[^,;。]{{0,10}}?(?:更新|发布|报送|公开|公布)"
    # 半年公布一次, 季度公开一次: a period without 每, a verb and a count
    r"|(?:半年|季度|月度|年度)(?<![上下本今当该次]..)[^,;。]{0,4}?(?:更新|发布|报送|公开|公布)(?:1|一)次"
)
# …unless a word says why: a duration (公示7个工作日), a penalty (未更新), before an event.
_EXPLAINED = re.compile(
    r"公示|公告期|征求意见|有效期|保存|保留|持续|不少于|不得少于|至少|未|没有|提前|前\d|届满|逾期|超期"
)


def says_more(between: str) -> bool:
    """Words between a period and a limit that complete the period (每月更新一次并…):
    the limit is then another requirement, not the period's deadline."""
    return count_in(between) is not None or _PUBLISH_SEARCH.search(between) is not None


# A count that needs a period from elsewhere (每月报送10条，其中图片信息不少于2条).
_LOOSE_QUOTA = re.compile(r"(?:不少于|至少|不低于|不得少于|最少)\d{1,4}(?:条|篇|次|期|件)")


_RANGE_CUE = re.compile(r"\d[-~至到]\d")


def unsure(clause: str) -> bool:
    """The clause states a time requirement we cannot read (UNSURE)."""
    cue = "隔" in clause or "均" in clause or "前" in clause
    if not cue and ("至" in clause or "到" in clause or "-" in clause or "~" in clause):
        cue = _RANGE_CUE.search(clause) is not None
    return cue and UNSURE.search(clause) is not None


# A frequency with a count (未变化的每季度确认一次): a period whose verb we do not know.
_FREQUENCY_COUNT = re.compile(
    rf"每\d{{0,2}}个?(?:{PERIOD_WORD})[^,;。]{{0,10}}?\d{{1,3}}(?:次|条|篇|期)"
)


def unread(clause: str) -> bool:
    """A clause that gave no rule yet states a limit, a period or a quota we could not
    read."""
    if not _ANY_DIGIT.search(clause):
        return "每" in clause and _UNREAD.search(clause) is not None and not rejected(clause)
    if _LOOSE_QUOTA.search(clause) and not _PERIODISH.search(clause):
        return True
    if "每" in clause and _FREQUENCY_COUNT.search(clause) and not INTERNAL.search(clause):
        return not rejected(clause)
    return (
        _UNREAD.search(clause) is not None
        and not _EXPLAINED.search(clause)
        and not rejected(clause)
    )


def rejected(clause: str) -> bool:
    """Clauses that must give no rule: plans, statistics cycles, seasons, lists and
    ranges of days, vague positions (左右, 前后), ordinals."""
    if REJECT.search(clause):
        return True
    if "重大活动" in clause and _BIG_EVENT.search(clause):
        return True
    if "建议" in clause and _ADVICE.search(clause):
        return True
    if "限" in clause and "超" in clause and _EXCESS.search(clause):
        return True
    if "第" in clause and _ORDINAL.search(clause):
        return True
    if ("周" in clause or "星期" in clause or "礼拜" in clause) and _WEEKDAY_LIST.search(clause):
        return True  # 每周一、三、五
    if "或" in clause and (_ALTERNATIVE.search(clause) or _OR_OTHERWISE.search(clause)):
        return True
    if "、" in clause and _MONTH_LIST.search(clause) and not _LISTED.search(clause):
        return True  # 每年3月、9月各更新一次: a list of months
    plan = _PLAN.search(clause) if "计划" in clause else None
    return plan is not None and not _EVERY.search(clause[plan.end() :])


# ----------------------------------------------------------------------------- scope

# A scope names a kind of content or a sub-column: it ends with such a noun. (Suffixes
# are tested with str.endswith: a "…$" pattern would be tried at every position.)
_NOUN_END = (
    "类", "栏目", "栏", "信息", "内容", "事项", "专栏", "板块", "版块", "专题", "年报", "报告",
    "报表", "文件", "数据", "动态", "公告", "通知", "资料", "目录", "指南", "概况", "法规", "规划",
    "计划", "实录", "名录", "清单", "查询", "工作", "其他", "其它", "本级", "总结", "要闻", "新闻",
    "政策", "解读", "简报", "公报", "预算", "决算", "图片", "视频", "公开", "问题", "留言", "诉求",
    "村务", "政务", "财务", "欠税", "情况", "简介", "分工", "范围", "发布会", "记者会", "访谈",
    "事件", "灾情", "舆情", "疫情", "案件",
)  # fmt: skip
_FUNCTION = re.compile(
    r"根据|按照|依照|参照|依据|确保|保证|要求|及时|即时|实时|随时|之日|如有|如无|若有|没有|原则"
    r"|建议(?!意见|类|批评|提案|、)"
    r"|请|必须|应当|需要|负责|组织|落实|做好|加强|严格|不得|不超过|截至|截止|每\d|每[月年周季天日旬]"
    r"|发现|发出|近日|提出|开展|实行|实施|印发|通过|定期|适时|所有|全部|一切|\d"
    r"|关注|建立|执行|推行"
)
_UNIT_START = (
    "各单位", "各部门", "各地", "各级", "各镇", "各乡", "各街", "各村", "各区", "各县", "各市",
    "该", "我",
)  # fmt: skip
_UNIT_END = (
    "办", "局", "委", "厅", "处", "科", "室", "中心", "政府", "街道", "办事处", "单位", "部门",
    "乡镇", "镇街", "镇", "街", "乡", "村", "公司", "后", "起", "时",
)  # fmt: skip
_GENERIC = frozenset(
    (
        "信息", "内容", "栏目", "本栏目", "该栏目", "各栏目", "所有栏目", "网站", "页面", "数据",
        "计划", "工作", "文件", "其他信息内容", "公开", "政务", "信息公开",
    )
)  # fmt: skip
_BY_SCOPE = re.compile(r"按(?:月|季|季度|年|年度|周|半年)(?:报送|更新|发布|公开)")
_RELATIVE = re.compile(r"(?:有|含有|涉及)[\u4e00-\u9fff、/]{1,20}的(?:栏目|信息|内容|事项|类)")
_LEAD = (
    "原则上", "其中", "另外", "此外", "同时", "对于", "对", "且", "并且", "并", "而", "凡属", "凡",
    "以及", "属于", "如属", "如系",
)  # fmt: skip
_MODAL_TRAIL: tuple[str, ...] = tuple(
    sorted(  # longest first: _strip_trail takes the first that ends the text
        (
            "请于", "应于", "须于", "需于", "要于", "于", "在", "应当", "应", "须", "需要",
            "需", "要", "必须", "均", "都", "至少", "最少", "原则上", "全年", "的", "一般",
            "可", "以", "是否达到", "是否", "可视情况", "视情况",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip

_VERB_TRAIL = ("办理", "办结", "答复", "回复", "更新", "发布", "报送", "公开", "上网", "解读")
_SCOPE_CHARS = re.compile(r"[\u4e00-\u9fff/、“”「」《》\"]{2,40}")
# A title, not a part: "4)办理时限。", "更新要求:".
_TITLE_END = (
    "时限",
    "期限",
    "时间",
    "要求",
    "频率",
    "频次",
    "标准",
    "方式",
    "制度",
    "机制",
    "规定",
)
# 各乡镇要情、动态类信息: the unit in front is not part of the scope.
_UNIT_LEAD = re.compile(
    r"^各(?:乡镇|镇街|街道|部门|单位|地|级|村|区|县|市|科室|处室)(?:、各?(?:乡镇|街道|部门|单位|村))*"
)
_PREDICATE = re.compile(r"要(?![情闻点务])|应|须|需|必须|按时|按照|及时|于|在|将|把|对")
_QUOTES = '“”「」《》"'


_WHERE = re.compile(r"^[^,;。]{0,16}?(?:网站|门户|网页|页面|平台|系统)中")
_WHEN = ("中", "时", "期间", "之际", "以来", "以后", "之后", "后", "前")


def _strip_trail(text: str, words: tuple[str, ...]) -> str:
    """`text` without the trailing words (`words` sorted longest first: 必须, not 须)."""
    while text.endswith(words):
        text = text[: -next(len(w) for w in words if text.endswith(w))]
    return text.strip("、/")


# A purpose (为进一步深化政府信息公开): no part.
_PURPOSE = (
    "为了", "为进一步", "为加强", "为保证", "为确保", "为做好", "为规范", "为推进", "为深化",
)  # fmt: skip


def _noun_phrase(text: str, lenient: bool) -> bool:
    if not _SCOPE_CHARS.fullmatch(text) or text in _GENERIC:
        return False
    if "/" not in text:  # (a list of levels, 部门/乡镇, names parts whatever its words end with)
        if text.startswith(_UNIT_START) or text.endswith(_UNIT_END) or text.endswith(_TITLE_END):
            return False
        # a list names parts when one of them is a kind of content (通知公告、政策法规、资料下载);
        # a numbered item's head (lenient) whatever its last word
        if not lenient and not any(
            part.strip(_QUOTES).endswith(_NOUN_END) for part in text.split("、")
        ):
            return False
    # (the costlier test last)
    return _FUNCTION.search(text) is None and not text.startswith(_PURPOSE)


def _without_lead(prefix: str) -> str:
    """The subject without its list marks and a leading word (其中, 对于…)."""
    text = prefix.strip("、/ ")
    if text.startswith(_LEAD):
        text = text[len(next(w for w in _LEAD if text.startswith(w))) :]
    return text


def names_unit(prefix: str) -> bool:
    """The subject is a unit or a kind of unit (各村, 承担2项以上的单位), not a part."""
    text = _without_lead(prefix)
    text = _strip_trail(text, _MODAL_TRAIL)
    return bool(text) and (text.startswith(_UNIT_START) or text.endswith(_UNIT_END[:-3]))


def scope(prefix: str, lenient: bool = False) -> str | None:
    """The part of the column a subject names ("动态信息类", "按季报送", "部门/乡镇"), or
    None for units (各镇街, 区政府办), generic words and anything that is not a noun
    phrase ending in a kind of content. `lenient`: a numbered item's head, which names a
    part whatever its last word ("(一)企业或单位欠税的")."""
    if not 2 <= len(prefix) <= 50:
        return None  # no noun phrase: scopes are short
    text = _without_lead(prefix)
    unit = _UNIT_LEAD.match(text) if text.startswith("各") else None
    if unit and len(text) - unit.end() >= 2:
        text = text[unit.end() :]
        if _PREDICATE.match(text):
            return None  # 各单位要按时报送信息: what the unit must do, not a part
    text = _strip_trail(text, _MODAL_TRAIL)
    where = _WHERE.search(text) if "中" in text else None
    if where and len(text) - where.end() >= 2:
        text = text[where.end() :]  # 各单位门户网站中企业概况等静态栏目: the part, not where
    if (text.startswith("按") and _BY_SCOPE.fullmatch(text)) or (
        "的" in text and _RELATIVE.fullmatch(text)
    ):
        return text
    if text.endswith(_WHEN) or text.startswith(("发生", "遇", "如遇", "出现")):
        return None  # 应急处置过程中, 发生重大情况: a time or condition, not a part
    if _noun_phrase(text, lenient):
        return text  # 人事任免、信息公开
    text = _strip_trail(_strip_trail(text, _VERB_TRAIL), _MODAL_TRAIL)
    return text if _noun_phrase(text, lenient) else None
