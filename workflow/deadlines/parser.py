"""From 时限要求 text to deadline rules (deadline-rules.md). Rule-based and conservative:
a clause it does not understand gives no rule — a wrong deadline is worse than none.

The text is normalised (full-width forms, spaces, Chinese numerals before a unit), split
into sentences (。；) and clauses (，、parentheses, numbering), and each clause is matched
against the rule kinds; the sentence supplies context such as the event ("文件公开后").
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from workflow.deadlines.rules import Rule, after_event, dedupe, periodic

MAX_CHARS = 20_000  # longer text is cut: real 时限要求 cells are a few hundred characters

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百]+"
    r"(?=个|天|日|号|周|星期|礼拜|月|年|次|条|季|旬|工作日|项|件|篇|到|至|或)"
)

# Period words → (every, unit)
_PERIODS: dict[str, tuple[int, str]] = {
    "半年": (6, "month"),
    "半月": (15, "day"),
    "半个月": (15, "day"),
    "双周": (2, "week"),
    "双月": (2, "month"),
    "年度": (1, "year"),
    "季度": (3, "month"),
    "季": (3, "month"),
    "旬": (10, "day"),
    "天": (1, "day"),
    "日": (1, "day"),
    "周": (1, "week"),
    "星期": (1, "week"),
    "礼拜": (1, "week"),
    "月": (1, "month"),
    "年": (1, "year"),
}
_PERIOD_WORD = "半年|半个月|半月|双周|双月|季度|季|旬|天|日|周|星期|礼拜|个月|月|年度|年"
_WITHIN_UNITS = {
    "工作日": "workday",
    "日": "day",
    "天": "day",
    "周": "week",
    "星期": "week",
    "个月": "month",
    "月": "month",
}
_VERB = "更新|发布|报送|公开|上传|维护|解读|访谈|发|有|审核|公示|答复|回复"

_EVERY = re.compile(rf"每(?P<n>\d+)?个?(?P<p>{_PERIOD_WORD})")
_BY_DAY = re.compile(
    r"(?:每个?月|次月)的?(?P<d>\d{1,2})(?:日|号)"
    r"(?=前|之前|以前|止|内|以内|之内|$|集中|定期|统一|按时|准时|完成|[更发报公上维审解])"
)
_DATE_IN_YEAR = re.compile(
    r"(?P<y>(?:19|20)\d{2})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})(?:日|号)|(?P<end>底|末))?"
    r"|(?P<yend>底|末))"
)
_ANNUAL = re.compile(
    r"(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})(?:日|号)|(?P<end>底|末))(?:前|之前|以前|止)"
)
_WITHIN = re.compile(
    r"(?P<every>每)?(?P<n>\d+)(?P<u>个工作日|工作日|个月|月|日|天|周|星期)(?:以内|之内|内)"
)
_SYNC = re.compile(r"同步(?:报送|发布|更新|公开|上传)")
_N_TIMES = re.compile(
    r"(?<![\d年月])(?P<n>\d+)(?:个)?(?P<p>年|月|周|天)(?:至少)?(?:更新|发布|报送|公开)?(?P<k>\d+)次"
)
_YEARLY = re.compile(r"(?:全年|年内|年度内)")
_MIN = re.compile(
    r"(?:至少|不少于|不低于|最少)?[^\d前第]{0,8}?(?P<k>\d+)(?:到\d+|至\d+|-\d+)?"
    r"(?:条|次|篇|件|项|期)"
)
_ON_CHANGE = re.compile(
    r"(?P<neg>没有|如无|无|若无|未)?(?:变化|变动|变更|调整)(?:情况)?[^，,。]{0,10}?"
    r"(?:及时|即时|即|随时|立即)?[^，,。]{0,6}?(?:更新|更改|报送|发布|修改|公开|调整)"
)
_PROMPT = re.compile(
    r"(?:及时|即时|实时|第(?:1|一)时间|随时)(?:、?(?:规范|全面|准确|主动))*地?"
    r"(?:更新|发布|公开|报送|上传|更改|公示)|(?:更新|发布)及时"
)
_PLAN = re.compile(r"按(?:照)?[^，,。]*计划|统计周期")
# Seasonal or conditional duties (两会期间每天更新, 汛期每日更新): not year-round rules.
_SEASONAL = re.compile(
    r"期间|汛期|节假日|特殊时期|重大活动|每隔|前\d|第\d(?!季度|个月\d{1,2}[日号])"
)
# A list of dates or months shared by 各 (每年3月、9月各更新一次): left to the office.
_MONTH_LIST = re.compile(r"\d+月(?:\d+日)?、\d+月")
# Lists and ranges of weekdays or days (每周一、三、五, 每月10日至15日): how many items
# and by when is the office's call.
_DAY_LIST = re.compile(
    r"(?:周|星期|礼拜)[一二三四五六日天1-7](?:、|至|到|和|及|-|—|~)"
    r"|\d+[日号](?:、|至|到|和|-|—|~)\d+[日号]"
)
# A date a rule takes effect from is not a deadline: 自2024年1月1日起, 2019年5月15日起施行.
_FROM_DATE = re.compile(r"^(?:起|开始|施行|实施|执行|生效)")
# "两周内未更新的栏目予以通报": a penalty clause, not a time limit.
_PENALTY = re.compile(r"^[^，,]{0,6}?(?:未|没有|无)")
_SCOPE_STOP = re.compile(
    r"有|按|根据|确保|在|于|如|需|请|计划|没|将|并|要|对|由|及时|即时|经|以|自|起|之日|后|原则"
    r"|建议|周期|频率|频次|时限|为|到|截至|截止|最迟|不超过|不得|不晚于"
)
_EVENTS = (
    (re.compile(r"收到|接到|收悉"), "received"),
    (re.compile(r"受理"), "accepted"),
    (re.compile(r"(?:作出|做出)[^，,]*决定|决定(?:之日|后|作出|做出)"), "decided"),
    (re.compile(r"(?:公开|发布|印发|出台)(?:后|之日)"), "published"),
    (re.compile(r"发生(?:后|之日)?"), "occurred"),
)


# What may follow 每 + period word and still be the period's rule (每周五前, 每月底,
# 每季度末前, 每季度结束后10个工作日内): a position inside or after the period that the
# contract cannot express; the calendar period itself is then the rule (docs/deadlines.md).
_AFTER_END = r"结束后(?:\d+个?(?:工作日|日|天|周|星期|月))?(?:以内|之内|内)?"
_POSITION = {
    "week": r"(?:(?:周|星期|礼拜)?[一二三四五六日天1-7]|周?末)",
    "month": r"(?:月?(?:底|末|初)|上旬|中旬(?!前)|下旬(?!前))",
    "quarter": r"(?:(?:季度?)?(?:末|底|初)|第1个月\d{1,2}[日号]|首月\d{1,2}[日号])",
    "half": r"(?:末|底)",
    "year": r"(?:年?初)",
}
_SUFFIX = rf"(?:{_AFTER_END}|前(?!后)|之前|以前|以内|之内|内)?"
_FILLER = r"(?:集中|定期|统一|均|都|应|须|需|需要|要|必须|应当|原则上)*"
_COUNT = (
    r"(?:至少|最少|不少于|不低于|不得少于)?(?:更新|发布|报送|公开)?"
    r"\d+(?:到\d+|至\d+|-\d+)?(?:条|次|篇|件|项|期)(?:及?以上)?(?:信息|内容|稿件|动态)?$"
)
_TAILS = {
    kind: re.compile(rf"(?:{position})?{_SUFFIX}{_FILLER}(?:$|{_COUNT}|{_VERB}|完成)")
    for kind, position in _POSITION.items()
}
# Without 每: a period's end (月底前, 季度末, 次月底前) or the period after it ends.
_BARE_END = re.compile(
    r"(?<![\d本今当上下该每个第])(?P<p>季度|季|月份|月)(?:末|底)(?:前|之前|以前)?"
    r"(?=$|[更发报公上维审解完集定])"
)
_BARE_AFTER = re.compile(r"(?<![\d本今当上下该每个第])(?P<p>季度|月度|半年度?|年度)" + _AFTER_END)
_BARE_WORD = {
    "季度": (3, "month"), "季": (3, "month"), "月份": (1, "month"), "月": (1, "month"),
    "月度": (1, "month"), "半年": (6, "month"), "半年度": (6, "month"), "年度": (1, "year"),
}  # fmt: skip
# 季度更新, 月度报送 (年度更新 is handled with the yearly words).
_BARE_PERIOD_VERB = re.compile(
    r"(?<![\d上下本今当该次每第])(?P<p>季度|月度)(?:更新|发布|报送|公开)"
)
_VERB_START = re.compile(rf"^(?:{_FILLER})(?:{_VERB}|完成)")
# Once a year by a date, without a year: 年底前, 上半年, 一季度(末), 每年6月.
_YEAR_END = re.compile(
    r"(?:(?<=每年)|(?<![\d年半]))(?:每年)?(?:年底|年末)(?P<pre>前(?!后)|之前|以前|止)?"
)
_HALF = re.compile(r"(?<![\d年、])(?:每年)?的?(?P<h>上|下)半年(?P<x>末|底|内|前)?")
_QUARTER = re.compile(r"(?<![\d每前])(?:每年)?的?第?(?P<q>[1-4])季度(?P<x>末|底|内|前)?")
_MONTH_OF_YEAR = re.compile(r"每年的?(?P<m>\d{1,2})月份?(?P<x>内)?(?![\d底末、至到])")
_YEAR_START = re.compile(r"(?:每年)?(?:年初)(?=[更发报公上维审解完集定])|每年年初$")
_ONCE_PART = re.compile(
    r"(?P<y>(?:19|20)\d{2})年度?(?:(?P<h>上|下)半年|第?(?P<q>[1-4])季度)(?:末|底)?"
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\[bookmark:[^\]]*\]", "", text)
    text = re.sub(r"[ \t\u3000\u00a0]+", "", text)
    return _CN_NUMBER.sub(lambda m: str(cn_to_int(m.group())), text)


def cn_to_int(text: str) -> int:
    """一…九十九, 两, 百 (十五 → 15, 二十 → 20, 六十 → 60, 一百二十 → 120)."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _sentences(text: str) -> list[list[str]]:
    """Sentences (。；; and line breaks), each a list of clauses (，, parentheses)."""
    out = []
    for sentence in re.split(r"[。;;\n\r!?！？]+", text):
        clauses = []
        for part in re.split(r"[,，:：]|\(|\)|（|）", sentence):
            part = re.sub(r"^(?:\(?\d{1,2}[.、)]|[①-⑩])+", "", part).strip("、.·- ")
            if part:
                clauses.append(part)
        if clauses:
            out.append(clauses)
    return out


def _scope(prefix: str) -> str | None:
    prefix = re.sub(r"(?:至少|均|都|应|应当|需要|各|全年)$", "", prefix.strip("、的 "))
    if not 1 <= len(prefix) <= 12 or _SCOPE_STOP.search(prefix):
        return None
    if not re.fullmatch(r"[\u4e00-\u9fff/、]+", prefix):
        return None
    return prefix


def _with_scope(rule: Rule, clause: str, start: int) -> Rule:
    scope = _scope(clause[:start])
    if scope:
        rule["scope"] = scope
    rule["source"] = clause
    return rule


def _min_items(rest: str) -> int:
    match = _MIN.match(rest)
    if match and int(match.group("k")) >= 1:
        return int(match.group("k"))
    return 1


def _has_verb_after(clause: str, end: int) -> bool:
    tail = clause[end : end + 14]
    verb = re.search(_VERB, tail)
    if not verb:
        return False
    after = tail[verb.end() : verb.end() + 1]
    return after != "的"  # "每年发布的计划" describes a plan, not a requirement


def _month_end(month: int, year: int = 2025) -> int:
    return calendar.monthrange(year, month)[1]


_PERIOD_KIND = {
    "周": "week", "星期": "week", "礼拜": "week",
    "月": "month", "个月": "month",
    "季度": "quarter", "季": "quarter",
    "半年": "half", "年": "year", "年度": "year",
}  # fmt: skip
# A date named without its year (今年年底前, 本月底前) is a one-off of an unknown year.
_NOT_RECURRING = re.compile(r"(?:\d|[本今当该次明去上下同前近]年?|截至|截止)$")


def _ends_or_acts(rest: str) -> bool:
    """Nothing follows, or a publishing verb does (年底前 / 上半年完成, not 年底突击)."""
    return rest == "" or bool(_VERB_START.match(rest))


def _every_accepted(clause: str, m: re.Match[str]) -> bool:
    """每 + period word states a requirement: a verb follows, or only a position in the
    period, a deadline word, 结束后…内 and a count do (每周五前, 每季度末, 每月不少于2条)."""
    if clause[m.end() : m.end() + 1] == "的":
        return False
    kind = _PERIOD_KIND.get(m.group("p"), "year") if not m.group("n") else "year"
    tail = clause[m.end() :]
    return _has_verb_after(clause, m.end()) or bool(_TAILS[kind].match(tail))


def _dekad_day(tail: str) -> int | None:
    """每月上旬 → by the 10th, 每月中旬 → by the 20th (下旬 ends with the month)."""
    if tail.startswith("上旬"):
        return 10
    if tail.startswith("中旬") and not tail.startswith("中旬前"):
        return 20
    return None


# A clause that only states the condition ("内容如有变动，应及时更新"): the next clause's
# "及时更新" then means "update on change", not "publish promptly".
_CHANGE_CONDITION = re.compile(r"(?:如|若|一旦)?有?(?:变化|变动|变更|调整)(?:时|后|的)?$")


def _yearly_dates(
    clause: str, free: Callable[[tuple[int, int]], bool], taken: list[tuple[int, int]]
) -> list[Rule]:
    """Once a year by a date named without a year: 年底前 → 12-31, 上半年 → 06-30,
    下半年 → 12-31, 一季度(末) → 03-31, 每年6月 → 06-30."""
    found: list[tuple[re.Match[str], str]] = []
    for m in _YEAR_END.finditer(clause):
        if m.group("pre") or _ends_or_acts(clause[m.end() :]):
            found.append((m, "12-31"))
    for m in _HALF.finditer(clause):
        if m.group("x") != "前" and (m.group("x") or _ends_or_acts(clause[m.end() :])):
            found.append((m, "06-30" if m.group("h") == "上" else "12-31"))
    for m in _QUARTER.finditer(clause):
        before = clause[: m.start()]
        ordinal = "第" in m.group() or "每年" in m.group() or re.search(r"(?:^|于|在)$", before)
        stated = m.group("x") or _ends_or_acts(clause[m.end() :])
        if ordinal and m.group("x") != "前" and stated:
            month = int(m.group("q")) * 3
            found.append((m, f"{month:02d}-{_month_end(month):02d}"))
    for m in _MONTH_OF_YEAR.finditer(clause):
        month = int(m.group("m"))
        if 1 <= month <= 12 and (m.group("x") or _ends_or_acts(clause[m.end() :])):
            found.append((m, f"{month:02d}-{_month_end(month):02d}"))
    rules: list[Rule] = []
    for m, by in found:
        if not free(m.span()) or _NOT_RECURRING.search(clause[: m.start()]):
            continue
        rules.append(_with_scope({"kind": "annual", "by": by}, clause, m.start()))
        taken.append(m.span())
    return rules


def _clause_rules(clause: str, sentence: str) -> list[Rule]:
    if _PLAN.search(clause) and not _EVERY.search(clause.split("计划")[-1]):
        return []
    if "统计周期" in clause:  # the statistics' cycle, not a publishing deadline
        return []
    if _SEASONAL.search(clause):
        return []
    if re.search(r"上(?:半年)?、下半年各", clause):
        return [_with_scope(periodic(6, "month"), clause, 0)]
    listed = re.search(r"(\d{1,2})月(\d{1,2})日、(\d{1,2})月(\d{1,2})日(?:前|之前|以前)", clause)
    if listed and not _DATE_IN_YEAR.search(clause):  # 每年6月25日、12月25日前: both dates
        pairs = [
            (int(listed.group(1)), int(listed.group(2))),
            (int(listed.group(3)), int(listed.group(4))),
        ]
        if all(1 <= mo <= 12 and 1 <= d <= _month_end(mo, 2024) for mo, d in pairs):
            return [
                _with_scope({"kind": "annual", "by": f"{mo:02d}-{d:02d}"}, clause, 0)
                for mo, d in pairs
            ]
        return []
    if _MONTH_LIST.search(clause) or _DAY_LIST.search(clause):
        return []
    rules: list[Rule] = []
    taken: list[tuple[int, int]] = []  # spans already turned into a rule

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for m in _DATE_IN_YEAR.finditer(clause):
        year = int(m.group("y"))
        if m.group("yend"):
            by = f"{year}-12-31"
        elif m.group("m"):
            month = int(m.group("m"))
            if not 1 <= month <= 12:
                continue
            day = (
                int(m.group("d"))
                if m.group("d")
                else _month_end(month, year)
                if m.group("end")
                else None
            )
            if day is None or not 1 <= day <= _month_end(month, year):
                continue
            by = f"{year}-{month:02d}-{day:02d}"
        else:
            continue
        rest = clause[m.end() :]
        if _FROM_DATE.search(rest):
            taken.append(m.span())  # an effective date, not a deadline
            continue
        rules.append(_with_scope({"kind": "once", "by": by}, clause, m.start()))
        taken.append(m.span())
    for m in _ONCE_PART.finditer(clause):
        if not free(m.span()) or _FROM_DATE.search(clause[m.end() :]):
            continue
        year = int(m.group("y"))
        if m.group("h"):
            by = f"{year}-06-30" if m.group("h") == "上" else f"{year}-12-31"
        else:
            month = int(m.group("q")) * 3
            by = f"{year}-{month:02d}-{_month_end(month, year):02d}"
        rules.append(_with_scope({"kind": "once", "by": by}, clause, m.start()))
        taken.append(m.span())
    for m in _BY_DAY.finditer(clause):
        day = int(m.group("d"))
        if 1 <= day <= 31:
            rules.append(_with_scope(periodic(1, "month", by_day=day), clause, m.start()))
            taken.append(m.span())
    for m in _ANNUAL.finditer(clause):
        if not free(m.span()) or clause[max(0, m.start() - 2) : m.start()].endswith("每"):
            continue
        month = int(m.group("m"))
        if not 1 <= month <= 12:
            continue
        day = int(m.group("d")) if m.group("d") else _month_end(month)
        if not 1 <= day <= _month_end(month, 2024):
            continue
        before = clause[max(0, m.start() - 2) : m.start()]
        start = m.start() - 2 if before in ("每年", "次年") else m.start()
        rules.append(_with_scope({"kind": "annual", "by": f"{month:02d}-{day:02d}"}, clause, start))
        taken.append((start, m.end()))
    rules += _yearly_dates(clause, free, taken)
    if any(r["kind"] == "annual" for r in rules):
        return rules  # "每年1月31日前更新": the date says it all
    for m in _EVERY.finditer(clause):
        if not free(m.span()) or not _every_accepted(clause, m):
            continue
        word = m.group("p")
        base, unit = _PERIODS[word if word == "半个月" else word.removeprefix("个")]
        n = int(m.group("n")) if m.group("n") else 1
        if n < 1:
            continue
        tail = clause[m.end() :]
        by_day = _dekad_day(tail) if (n * base, unit) == (1, "month") else None
        rule = periodic(n * base, unit, _min_items(tail), by_day=by_day)
        rules.append(_with_scope(rule, clause, m.start()))
        taken.append(m.span())
    for pattern in (_BARE_END, _BARE_AFTER, _BARE_PERIOD_VERB):
        for m in pattern.finditer(clause):
            if free(m.span()) and not any(r["kind"] == "periodic" for r in rules):
                every, unit = _BARE_WORD[m.group("p")]
                rules.append(_with_scope(periodic(every, unit), clause, m.start()))
                taken.append(m.span())
    for m in _N_TIMES.finditer(clause):
        if free(m.span()):
            base, unit = _PERIODS[m.group("p")]
            rule = periodic(int(m.group("n")) * base, unit, max(1, int(m.group("k"))))
            rules.append(_with_scope(rule, clause, m.start()))
            taken.append(m.span())
    by_word = re.search(r"按(周|星期|旬|半年|年度|年)(?:报送|更新|发布|公开)", clause)
    if re.search(r"按季(?:度)?(?:报送|更新|发布)", clause):
        rules.append(_with_scope(periodic(3, "month"), clause, 0))
    elif by_word and not any(r["kind"] == "periodic" for r in rules):
        rules.append(_with_scope(periodic(*_PERIODS[by_word.group(1)]), clause, 0))
    elif re.search(r"按月(?:报送|更新|发布)", clause) and not any(
        r["kind"] == "periodic" for r in rules
    ):
        rules.append(_with_scope(periodic(1, "month"), clause, 0))
    yearly = _YEARLY.search(clause)
    if (
        yearly
        and free(yearly.span())
        and re.search(r"\d+(?:到\d+|至\d+)?(?:次|条|篇)", clause)
        and not any(r["kind"] == "periodic" for r in rules)  # 全年每月至少…: the month
    ):
        rest = clause[yearly.end() :]
        rules.append(_with_scope(periodic(1, "year", _min_items(rest)), clause, yearly.start()))
        taken.append(yearly.span())
    elif re.search(r"年度(?:更新|发布|公开)", clause) and not any(
        r["kind"] == "periodic" for r in rules
    ):
        rules.append(_with_scope(periodic(1, "year"), clause, 0))
    year_start = _YEAR_START.search(clause)
    if (
        year_start
        and free(year_start.span())
        and not _NOT_RECURRING.search(clause[: year_start.start()])
        and not any(r["kind"] == "periodic" for r in rules)
    ):
        rules.append(_with_scope(periodic(1, "year"), clause, year_start.start()))
    has_period = any(r["kind"] == "periodic" for r in rules)
    for m in _WITHIN.finditer(clause):
        if m.group("every") or not free(m.span()):
            continue
        if _PENALTY.search(clause[m.end() :]):
            taken.append(m.span())
            continue
        if has_period or clause[: m.start()].endswith("结束后"):
            # "每季度结束后10日内报送": the period is the rule; "上年度结束后3个月内"
            # counts from a period we could not name: no event limit either.
            continue
        n, unit = int(m.group("n")), _WITHIN_UNITS[m.group("u").removeprefix("个")]
        subject = clause[: m.start()]
        if re.search(r"栏目|类$", subject) and unit != "workday":
            # "新闻动态类栏目两周内更新": a column kept fresh, not an answer to an event.
            rule = periodic(n, unit if unit != "day" or n % 7 else "day")
            rules.append(_with_scope(rule, clause, m.start()))
        else:
            rule = after_event(n, unit, _event(sentence, clause))
            rules.append(_with_scope(rule, clause, m.start()))
        taken.append(m.span())
    sync = _SYNC.search(clause)
    if sync and free(sync.span()):
        rules.append(_with_scope(after_event(0, "day", _event(sentence, clause)), clause, 0))
    change = _ON_CHANGE.search(clause)
    if change and not change.group("neg"):
        rules.append({"kind": "on_change", "source": clause})
    elif _PROMPT.search(clause) and not (change and change.group("neg")):
        rules.append({"kind": "prompt", "source": clause})
    return rules


def _is_yearly(rule: Rule) -> bool:
    return rule["kind"] == "periodic" and (
        (rule["unit"], rule["every"]) in (("year", 1), ("month", 12))
    )


def _event(sentence: str, clause: str) -> str | None:
    for text in (clause, sentence):
        for pattern, name in _EVENTS:
            if pattern.search(text):
                return name
    return None


def parse(text: str) -> list[Rule]:
    """The rules a 时限要求 text states; [] when it states none we understand. Never raises:
    a bug met on odd input gives no rule rather than a crash (tests call parse_strict)."""
    try:
        return parse_strict(text)
    except Exception:
        return []


def parse_strict(text: str) -> list[Rule]:
    """`parse` without the safety net, so tests see any exception."""
    if not isinstance(text, str):
        return []
    normalised = normalise(text[:MAX_CHARS])
    rules: list[Rule] = []
    for clauses in _sentences(normalised):
        sentence = "，".join(clauses)
        condition = False
        start = len(rules)
        for clause in clauses:
            found = _clause_rules(clause, sentence)
            if condition:
                found = [{**r, "kind": "on_change"} if r["kind"] == "prompt" else r for r in found]
            rules.extend(found)
            condition = bool(_CHANGE_CONDITION.search(clause)) and not re.search(
                r"没有|如无|若无|无变", clause
            )
        sentence_rules = rules[start:]
        if any(r["kind"] == "annual" for r in sentence_rules):
            # "一年更新一次（次年1月底前）": the yearly date is the rule.
            rules[start:] = [r for r in sentence_rules if not _is_yearly(r)]
    return dedupe(rules)


def parse_with_text(text: str) -> dict[str, Any]:
    return {"text": text, "rules": parse(text)}
