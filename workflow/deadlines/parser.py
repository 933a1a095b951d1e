"""From 时限要求 text to deadline rules (deadline-rules.md). Rule-based and conservative:
a clause it does not understand gives no rule — a wrong deadline is worse than none.

normalise.py gives the text one spelling, clauses.py splits it into numbered items,
sentences and clauses, parts.py recognises each clause's parts (periods, counts, due
days, limits, events, dates, prompt, change, scope) and this module combines them into
rules: per clause, then per sentence (a condition clause, a topic clause, a bare cap, a
date that replaces a yearly period) and per numbered item (its head is the scope).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from workflow.deadlines import parts
from workflow.deadlines.clauses import Item, Sentence, split
from workflow.deadlines.normalise import (
    MAX_CHARS,
    as_written,
    cn_to_int,
    has_traditional,
    normalise,
    written_map,
)
from workflow.deadlines.rules import Rule, after_event, calendar_period, dedupe, key, periodic

__all__ = ["MAX_CHARS", "cn_to_int", "normalise", "parse", "parse_strict", "parse_with_text"]


@dataclass(slots=True)
class _Found:
    rule: Rule
    start: int  # where the rule's words start in the clause: its subject ends there
    end: int
    scope: str | None = None
    extended: bool = False  # 复杂事项可延长至…: needs the class of cases it is for
    borrowed: bool = False  # 同步 with the event of another clause


def _periodic(p: parts.Period) -> Rule:
    rule = periodic(p.every, p.unit, p.min_items, by_day=p.by_day)
    if p.rolling and calendar_period(p.every, p.unit):
        rule["rolling"] = True  # elsewhere a rolling window anyway: no flag needed
    return rule


_COLUMN_SUBJECT = re.compile(r"(?:栏目|类)$")
# Cheap tests before the longer patterns. Every rule needs one of these characters.
_TIMEISH = re.compile(r"[\d每年月季周天日旬按内超隔/当同变调时星礼起即异随逐]")
_PROMPT_WORD = re.compile(r"及时|即时|实时|随时|立即|时间|有即|有则即|随有随")


def _changes(clause: str) -> bool:
    """The clause speaks of a change (变, 调整, 异动): substring tests, cheaper than a
    pattern on every clause."""
    return "变" in clause or "调整" in clause or "异动" in clause


def _prompt_word(clause: str) -> bool:
    cue = "时" in clause or "即" in clause or "随" in clause
    return cue and _PROMPT_WORD.search(clause) is not None


# A clause is a few dozen characters; one of hundreds without a comma is no requirement
# we can read (and would cost time on hostile input).
MAX_CLAUSE = 400
_SHORT = 16  # a sentence this short is a table's cell, not a notice
# 均为工作日, (不含例假日), 扣除国定例假日: the days counted are working days.
_WORKDAYS = re.compile(r"(?:均为|均指|均按|为)工作日|(?:扣除|不含|不计|不包括)[^,;。]{0,8}?假日")
# 将原每周二、五上报的…改为每日上报: only the new rule counts.
_CHANGED_TO = re.compile(r"(?:改为|调整为|变更为)")
_DUTY = re.compile(r"定期|更新|公开|发布|公布|报送")
_SUBJECT_END = re.compile(r"根据|按照|依照|参照|及时|即时|定期|每|应|须|要|需|原则上")


@dataclass(slots=True)
class _Topic:
    """A clause that may name the part the next clauses are about ("有月报类信息的栏目，
    需每月更新"), read only when a rule needs it; else the topic before it."""

    clause: str
    lenient: bool
    previous: _Topic | str | None
    _value: str | None = None
    _read: bool = False

    def value(self) -> str | None:
        """Its scope, else the topic before it (a loop: a sentence may hold hundreds)."""
        chain: list[_Topic] = []
        node: _Topic | str | None = self
        while isinstance(node, _Topic) and not node._read:
            chain.append(node)
            found = parts.scope(node.clause, lenient=node.lenient)
            if not found and ("在" in node.clause or "于" in node.clause):
                found = _subject_at(node.clause)
            if found:
                node = found
                break
            node = node.previous
        result = node._value if isinstance(node, _Topic) else node
        for topic in chain:
            topic._value, topic._read = result, True
        return self._value


def _value(topic: _Topic | str | None) -> str | None:
    return topic.value() if isinstance(topic, _Topic) else topic


@dataclass(slots=True)
class _Context:
    """What a clause may borrow from its sentence: the event it names, the topic."""

    sentence: str
    current: _Topic | str | None = None  # the topic, read when needed
    before: list[Sentence] | None = None  # the item's earlier sentences
    clauses: list[str] | None = None
    _event: tuple[str | None, bool] | None = None
    _yearly: bool | None = None

    @property
    def topic(self) -> str | None:
        return _value(self.current)

    def topic_of(self) -> str:
        return _value(self.current) or ""

    @property
    def yearly(self) -> bool:
        """The sentence's dates recur (每年, 次年, or nothing says it is a one-off)."""
        if self._yearly is None:
            text = self.sentence
            self._yearly = bool(parts.YEARLY_CUE.search(text)) or not parts.ONE_OFF.search(text)
        return self._yearly

    @property
    def standing(self) -> bool:
        """The sentence says its dates recur: 每年/次年, a yearly thing (年度报告, 总结), or it
        is a table's short cell (3月31日前). Else a date without a year may be a notice's
        one-off: no rule rather than a guess (the guide's decision 3)."""
        text = self.sentence
        return (
            len(text) <= _SHORT
            or parts.YEARLY_CUE.search(text) is not None
            or parts.YEARLY_THING.search(text) is not None
        )

    def later(self, clause: str) -> bool:
        """A clause after this one publishes (…，在门户网站上公布)."""
        if "每" not in clause:
            return False
        at = self.sentence.find(clause)
        return at >= 0 and parts.publishes(self.sentence[at + len(clause) :])

    def next_clause(self, clause: str) -> str:
        """The clause after this one in the sentence ("" when none)."""
        at = self.sentence.find(clause)
        if at < 0:
            return ""
        return self.sentence[at + len(clause) + 1 :].split(",", 1)[0]

    def far(self, clause: str) -> bool:
        """A step with its own time stands between the clause that names the sentence's
        event and this one (…批准后进行公告，及时注销账号，并在5个工作日内备案): the
        limit may count from that step, not from the event."""
        clauses = self.clauses or []
        if clause not in clauses:
            return False
        i = clauses.index(clause)
        j = next((k for k, c in enumerate(clauses[:i]) if parts.names_event(c)), i)
        return any(_prompt_word(c) for c in clauses[j + 1 : i])

    def earlier(self) -> bool:
        """An earlier sentence of the item names an event."""
        return bool(self.before) and any(parts.names_event(s.text) for s in self.before or ())

    def event(self) -> tuple[str | None, bool]:
        """(the event the sentence names, whether it names one)."""
        if self._event is None:
            named = parts.event(self.sentence)
            self._event = (named, named is not None)
        return self._event


def _limit_rule(clause: str, limit: parts.Limit, context: _Context) -> Rule | None:
    """A time limit's rule: after_event with its event, or a period for a column kept
    fresh ("新闻动态类栏目两周内更新"); None for a penalty or an applicant's deadline."""
    rest = clause[limit.end : limit.end + 8]
    if not limit.capped and parts.PENALTY.match(rest):
        return None  # 两周内未更新的栏目予以通报
    subject = clause[: limit.start]
    if subject.endswith("个") and clause[limit.start : limit.start + 1].isdigit():
        subject = subject[:-1]  # 信息形成個20個工作日內: a slip, the measure word twice
    if parts.APPLICANT.match(rest) or _party(subject, context.sentence):
        return None  # 通知申请人于七日内补正
    if "能" in subject and parts.ABLE.search(subject):
        return None  # 能当天答复的当天答复: only when one can (decision: a condition)
    if "间隔" in subject or "周期" in subject:
        between = parts.GAP_AFTER.search(subject)
        named = parts.event(between.group("x") + "后") if between else None
        if named is None:
            raise parts.Unsure(clause)  # 更新间隔不超过10个工作日: a gap in working days
        return after_event(limit.within, limit.unit, named)  # 发布时间与成文时间间隔…
    column = _COLUMN_SUBJECT.search(subject) or (
        not subject and _COLUMN_SUBJECT.search(context.topic or "")
    )
    if column and limit.unit != "workday" and limit.within >= 1 and not parts.ANSWER.match(rest):
        rule = periodic(limit.within, limit.unit)
        if calendar_period(limit.within, limit.unit):
            rule["rolling"] = True
        return rule
    named, own = parts.own_event(subject + limit.via)
    if not own:
        named = context.event()[0]
        if named is None and (context.earlier() or parts.unknown_trigger(context.sentence)):
            raise parts.Unsure(clause)  # 收到申请后…。15个工作日内答复: the same event?
        if named is not None and context.far(clause):
            raise parts.Unsure(clause)  # 批准后进行公告，及时注销，并在5日内备案: from what?
    return after_event(limit.within, limit.unit, named)


def _party(subject: str, sentence: str) -> bool:
    """The limit is a party's own time (申请人…可以自收到…之日起15日内申请复核)."""
    if "人" in subject[:12] and parts.PARTY.match(subject):
        return True
    return (
        "人" in sentence[:12]
        and parts.PARTY.match(sentence) is not None
        and not parts.OFFICE.search(subject)
    )


def _clause_rules(clause: str, context: _Context) -> list[_Found]:
    """The rules one clause states, each with the span its words take."""
    if len(clause) > MAX_CLAUSE or not _TIMEISH.search(clause):
        return []
    changed_to = _CHANGED_TO.search(clause) if "为" in clause else None
    offset = changed_to.end() if changed_to else 0
    if offset:
        clause = clause[offset:]  # spans below are in the new part
    if parts.unsure(clause):
        raise parts.Unsure(clause)
    if parts.rejected(clause):
        return []
    found: list[_Found] = []
    spans: list[tuple[int, int]] = []
    annual = False
    if "年" in clause or "月" in clause or "季" in clause:
        date_parts, spans = parts.dates(clause, context.yearly)
        dated_only = bool(date_parts) and date_parts[-1].end == len(clause)
        if dated_only and parts.checks(context.next_clause(clause)):
            return []  # 每年11月底前，对照任务分解表全面检查…: an internal check
        for d in date_parts:
            if d.kind == "annual" and not context.standing:
                raise parts.Unsure(clause)  # 于6月30日前将材料报送…: once, or every year?
            found.append(_Found({"kind": d.kind, "by": d.by}, d.start, d.end))
            spans.append((d.start, d.end))
            annual = annual or d.kind == "annual"
    if annual:
        periods: list[parts.Period] = []  # 每年1月31日前更新: the date is the rule
    elif "每" in clause or "逐" in clause:  # what 每X may need from its sentence
        periods = parts.periods(clause, spans, context.topic_of, lambda: context.later(clause))
    else:
        periods = parts.periods(clause, spans)
    for p in periods:
        spans.append((p.start, p.end))
    limits = parts.limits(clause, spans)
    if (
        not limits
        and "当" in clause
        and clause.endswith(("当日", "当天"))
        and parts.SAME_DAY_WHEN.search(clause)
        and parts.DUTY.search(context.next_clause(clause))
    ):  # 应在收到转办件工单的当日，…答复: the day's verb is in the next clause
        limits = [parts.Limit(0, "day", len(clause) - 2, len(clause))]
    either = False  # 每季度第二周前或更改内容后一周内: the period, and a limit after each change
    if periods and limits:
        between = clause[periods[-1].end : limits[0].start]
        if parts.event(between):
            either = between.startswith("或") and periods[-1].end <= limits[0].start
            if not either:
                periods = []  # 每月数据发布后5个工作日内更新: the event's words, not a period
        elif parts.says_more(between):
            raise parts.Unsure(clause)  # 每月更新一次并在5个工作日内答复: two requirements?
    for p in periods:
        found.append(_Found(_periodic(p), p.start, p.end, p.subject))
    timed = False  # an after_event or prompt rule: no prompt besides
    if not periods or either:  # 每月5个工作日内报送: the period is the rule, not the days
        for limit in limits:
            rule = _limit_rule(clause, limit, context)
            if rule is not None:
                found.append(_Found(rule, limit.start, limit.end, extended=limit.extended))
                timed = timed or rule["kind"] == "after_event"
    events = timed
    same = parts.sync(clause) if "同" in clause or "随" in clause else None
    if same and not any(f.start <= same.start() < f.end for f in found):
        near = clause[max(0, same.start() - 10) : same.end()]  # (A与B同步: A too)
        if ("与" in same.group() or "随" in same.group()) and not parts.event(near):
            raise parts.Unsure(clause)  # 与X同步: in step with something we cannot name
        if periods:
            raise parts.Unsure(clause)  # 每年都随同预决算公开: the period, or in step?
        borrowed = False
        if parts.names_event(clause) or context.event()[1]:
            rule = after_event(0, "day", parts.event(clause) or context.event()[0])
            events = True
            borrowed = not parts.names_event(clause)
        elif context.earlier():
            raise parts.Unsure(clause)  # 文件印发后…。解读材料同步发布: in step with it?
        else:
            rule = {"kind": "prompt"}  # 根据现实情况同步报送: no event to be in step with
        found.append(_Found(rule, same.start(), same.end(), borrowed=borrowed))
        timed = True
    change = parts.change(clause) if _changes(clause) else None
    if change and not change.group("neg") and not events:
        changed = parts.CHANGE_SUBJECT.search(clause)
        start = changed.start() if changed else change.start()
        found.append(_Found({"kind": "on_change"}, start, change.end()))
    elif not timed and not (change and change.group("neg")) and _prompt_word(clause):
        prompt = parts.PROMPT.search(clause)  # not beside a limit: "20个工作日内及时公开"
        if (
            prompt
            and not parts.NOT_REQUIRED.search(clause[max(0, prompt.start() - 4) : prompt.start()])
            and not parts.CATEGORY_LIST.search(clause, 0, prompt.start())
        ):
            found.append(_Found({"kind": "prompt"}, prompt.start(), prompt.end()))
    if len(found) > 1:
        found.sort(key=lambda f: f.start)
    if offset:
        for f in found:
            f.start, f.end = f.start + offset, f.end + offset
    return found


def _is_yearly(rule: Rule) -> bool:
    return rule["kind"] == "periodic" and (rule["unit"], rule["every"]) in (
        ("year", 1),
        ("month", 12),
    )


def _bare_cap(clause: str, found: list[_Found], previous: str, rules: list[Rule]) -> None:
    """A clause that is only a cap ("最长不超过三个月", "不得超过一季度") takes its kind from
    the clause before: after a limit it is a second limit; after a duty to publish with no
    event (一般村务定期公开, 即时发布) it bounds the gap between two publications."""
    if rules and rules[-1]["kind"] == "after_event":
        return
    if not found:
        bare = parts.BARE_STALE.match(clause) if "超过" in clause else None
        if bare:
            every, unit = parts.stale_period(bare.group("n"), bare.group("p"))
            rule = periodic(every, unit)
            if calendar_period(every, unit):
                rule["rolling"] = True
            found.append(_Found(rule, 0, len(clause)))
        return
    only = found[0].rule
    if len(found) != 1 or only["kind"] != "after_event" or "event" in only:
        return
    if not parts.BARE_CAP.match(clause) or only["unit"] in ("workday", "day", "week"):
        return
    if _DUTY.search(previous) and not parts.event(previous):
        found[0].rule = periodic(only["within"], only["unit"])
        if calendar_period(only["within"], only["unit"]):
            found[0].rule["rolling"] = True


def _sentence_rules(
    sentence: Sentence,
    head: _Topic | str | None,
    first: bool = False,
    before: list[Sentence] | None = None,
    pending: list[str] | None = None,
) -> tuple[list[Rule], _Topic | str | None]:
    """Combine the clauses of one sentence. `head`: the scope of a numbered item;
    `first`: the item's first sentence, whose first clause may be that head. Returns the
    rules and the head."""
    rules: list[Rule] = []
    text = sentence.text
    context = _Context(text, head, before, sentence.clauses)
    condition = False  # the previous clause only stated a change ("内容如有变动")
    carried: str | None = None  # the subject a following change clause continues
    stopped = False  # a season (两会期间) or an extension (如需延长…) ends the rules
    approved = False  # an approval (经…同意) makes the limits from there on extensions
    conditions = "遇" in text or "必要时" in text or "特殊情况" in text or "事件" in text
    quotas: list[Rule] = []  # periods required of a kind of unit
    clauses = sentence.clauses
    timing = False  # the clause before was only a limit: its verb is in this clause
    for i, clause in enumerate(clauses):
        found = [] if stopped or (sentence.titled and i == 0) else _clause_rules(clause, context)
        if timing:  # 收到申请后5个工作日内，及时予以答复: the limit's verb (decision 1)
            found = [f for f in found if f.rule["kind"] != "prompt"]
        timing = bool(found) and any(
            f.rule["kind"] == "after_event" and f.end >= len(clause) - 1 for f in found
        )
        if not approved and ("经" in clause or "请" in clause):
            approved = parts.APPROVAL.search(clause) is not None
        if approved and found:
            found = [f for f in found if f.rule["kind"] != "after_event"]
        if found and conditions and any(f.rule["kind"] == "periodic" for f in found):
            found = [f for f in found if not _conditional(f, clause, clauses, i)]
        qualified = (
            bool(found)
            and i + 1 < len(clauses)
            and len(clauses[i + 1]) <= 12
            and parts.days_listed(clauses[i + 1])
        )
        if qualified:  # 每周发布5次(周一至周五): the days are listed (decision 7)
            found = [f for f in found if f.rule["kind"] != "periodic"]
        if not found and i and ("频" in clauses[i - 1] or "周期" in clauses[i - 1]):
            word = parts.BARE_FREQUENCY.fullmatch(clause)
            if word and parts.FREQUENCY_TITLE.search(clauses[i - 1]):  # 更新频率：季度
                found = [_Found(periodic(*parts.bare_period(word.group("p"))), 0, len(clause))]
        if not stopped and ("超过" in clause or (found and found[0].rule["kind"] == "after_event")):
            _bare_cap(clause, found, clauses[i - 1] if i else "", rules)
        if (
            not found
            and not stopped
            and i + 1 < len(clauses)
            and _prompt_word(clause)
            and parts.PROMPT_PREPARE.search(clause)
            and parts.PROMPT_THEN.match(clauses[i + 1])
        ):
            found = [_Found({"kind": "prompt"}, 0, len(clause))]  # 及时形成…，并发布
        if (
            not found
            and "时间" in clause
            and not stopped
            and i + 1 < len(clauses)
            and clause.endswith(("第一时间", "第1时间"))
            and parts.PROMPT_NEXT.match(clauses[i + 1])
        ):
            found = [_Found({"kind": "prompt"}, 0, len(clause))]  # 事件发生第一时间，应向社会发布
        if not found and not stopped and condition and parts.CHANGE_THEN.search(clause):
            found = [_Found({"kind": "on_change"}, 0, len(clause))]  # …调整的，须报…备案
        if condition:
            for f in found:
                if f.rule["kind"] == "prompt":
                    f.rule = {"kind": "on_change"}
        changes = _changes(clause)
        own: str | None = None
        last_end = 0
        if found and found[0].extended and not _names_class(clause[: found[0].start], clauses, i):
            found = []  # 可延长至30日 for no class of cases: an extension, not a limit
        for f in found:
            if f.rule["kind"] == "periodic" and parts.names_unit(clause[last_end : f.start]):
                quotas.append(f.rule)  # 承担2项以上的单位每月不少于报送1篇
            subject = _scope_of(clause[last_end : f.start]) if f.start > last_end else None
            f.scope = subject or f.scope or own
            own = f.scope
            last_end = max(last_end, f.end)
        # "学校类信息有变化…，没有变化每半年…" / "机构类信息如有变化，及时更新": the
        # clause goes on about the subject of the change before it; a bare cap about
        # the subject before it ("其他栏目根据实际情况更新，原则上最多不得超过6个月")
        continues = condition or (changes and bool(parts.CHANGE_START.match(clause)))
        bare = (
            i > 0
            and len(found) == 1
            and found[0].rule["kind"] in ("periodic", "after_event")
            and bool(parts.BARE_CAP.match(clause))
        )
        if (
            found
            and any(f.borrowed for f in found)
            and any(r["kind"] == "after_event" and r["within"] for r in rules)
        ):
            raise parts.Unsure(clause)  # 批复后20日内公开，三公经费同步公开: in step with what?
        for f in found:
            if f.scope is None:
                if continues and carried:
                    f.scope = carried
                elif bare:
                    f.scope = _subject(clauses[i - 1]) or context.topic
                else:
                    f.scope = context.topic
            if f.scope:
                f.rule["scope"] = f.scope
            f.rule["source"] = clause
            rules.append(f.rule)
        if not found and not stopped and not approved and not qualified and pending is not None:
            pending.append(clause)  # may state a limit or a period we could not read
        stated = changes and bool(
            parts.CHANGE_CONDITION.search(clause)
            or (
                parts.CHANGES_STATED.search(clause)
                and i + 1 < len(clauses)
                and parts.CHANGES_UPDATED.match(clauses[i + 1])
            )
        )
        if not found and not stated and (i + 1 < len(clauses) or first):  # a topic
            # "有月报类信息的栏目，需每月更新", "2.信息公开年报，一年更新一次"
            context.current = _Topic(clause, first and i == 0, context.current)
            if first and i == 0:
                head = context.current
        condition = stated and not parts.NEGATED_CHANGE.search(clause)
        if condition:
            changed = parts.CHANGE_SUBJECT.search(clause)
            carried = parts.scope(clause[: changed.start()]) if changed else None
        elif found:
            carried = found[-1].scope
        if not found and ("期间" in clause or "延长" in clause) and parts.STOP.search(clause):
            # 情况复杂的，时限可适当延长，但最长不超过60个工作日: the cap after it is the
            # limit of that class of cases (decision 8); else an extension ends the rules
            stopped = not _class_extended(clauses, i)
        if not found and ("必要" in clause or clause.startswith("当")) and not changes:
            stopped = stopped or parts.CONDITION_CLAUSE.search(clause) is not None
    if "增减" in text or "调整" in text or "变动" in text:
        adjustable = parts.ADJUSTABLE.search(text)
        if adjustable:  # 条数可根据实际适当增减: the count is no requirement
            rules = [r for r in rules if r["kind"] != "periodic"]
    if len({key(r) for r in quotas}) > 1:  # quotas that differ by unit: no column rule
        rules = [r for r in rules if not any(r is q for q in quotas)]
    annual_scopes = {r.get("scope") for r in rules if r["kind"] == "annual"}
    if annual_scopes:  # "一年更新一次（次年1月底前）": the yearly date is the rule
        rules = [
            r
            for r in rules
            if not (_is_yearly(r) and (r.get("scope") in annual_scopes or None in annual_scopes))
        ]
    days = any(r["kind"] == "after_event" and r["unit"] == "day" for r in rules)
    if days and _WORKDAYS.search(text):  # (均为工作日, 须扣除例假日)
        for r in rules:
            if r["kind"] == "after_event" and r["unit"] == "day" and r["within"]:
                r["unit"] = "workday"
    return rules, head


def _class_extended(clauses: list[str], i: int) -> bool:
    """Clause i only extends the time of the class of cases the clause before names
    (情况复杂的), and a cap follows (但最长不超过60个工作日)."""
    if i == 0 or i + 1 >= len(clauses) or not parts.EXTENDED_ONLY.match(clauses[i]):
        return False
    named = clauses[i - 1]
    return (
        len(named) >= 3
        and named.endswith("的")
        and "延" not in named
        and parts.BARE_CAP.match(clauses[i + 1]) is not None
    )


_MAY = re.compile(r"(?:可以|可|应当|应|最多|最长|适当|一般|原则上)+$")


def _names_class(subject: str, clauses: list[str], i: int) -> bool:
    """A class of cases in front of 延长至: a part (复杂事项) or a 的-phrase (情况复杂的),
    in the clause or as the clause before it."""
    subject = _MAY.sub("", subject)
    if len(subject) >= 2:
        return subject.endswith("的") or parts.scope(subject) is not None
    return i > 0 and len(clauses[i - 1]) >= 3 and clauses[i - 1].endswith("的")


def _conditional(f: _Found, clause: str, clauses: list[str], i: int) -> bool:
    """A period after a condition in its sentence (遇有重大事件时，每天更新)."""
    if f.rule["kind"] != "periodic":
        return False
    before = ",".join([*clauses[:i], clause[: f.start]])
    return bool(before) and parts.PERIOD_CONDITION.search(before) is not None


_AT = re.compile(r"在|于")


def _scope_of(words: str) -> str | None:
    """The part the words in front of a rule name: all of them (动态信息类), or the
    subject before 在/于 (部门决算在批复后20日内公开 → 部门决算); never the object of
    对 in the rule's own clause (对已经过期的信息要及时更新: the topic's part)."""
    if words.startswith("对") and not words.startswith("对外"):
        return None
    found = parts.scope(words)
    if found is None and ("在" in words or "于" in words):
        at = _AT.search(words)
        if at and at.start() >= 2:
            found = parts.scope(words[: at.start()])
    elif found is not None and parts.event_at_end(words):
        return None  # 关联规范性文件公开3个工作日内: the trigger, not a part
    return found


def _subject_at(clause: str) -> str | None:
    """The subject before 在/于 of a clause without a rule (重大灾情在灾害发生后1小时内
    报送…): the part the clauses after it go on about."""
    at = _AT.search(clause)
    return parts.scope(clause[: at.start()]) if at and at.start() >= 2 else None


def _subject(clause: str) -> str | None:
    """The subject at the head of a clause ("其他栏目根据实际情况更新" → 其他栏目)."""
    m = _SUBJECT_END.search(clause)
    return parts.scope(clause[: m.start()]) if m and m.start() >= 2 else None


def _item_rules(item: Item, pending: list[str] | None = None) -> list[Rule]:
    """A numbered item's head (its first clause, when that names a part and states no
    rule) is the scope of the item's rules, across its sentences."""
    rules: list[Rule] = []
    head: _Topic | str | None = None
    for i, sentence in enumerate(item.sentences):
        found, head = _sentence_rules(
            sentence, head, item.numbered and i == 0, item.sentences[:i], pending
        )
        rules += found
    return rules


def parse(text: str) -> list[Rule]:
    """The rules a 时限要求 text states; [] when it states none we understand. Never raises:
    a bug met on odd input gives no rule rather than a crash (tests call parse_strict)."""
    try:
        return parse_strict(text)
    except Exception:
        return []


def parse_strict(text: str) -> list[Rule]:
    """`parse` without the safety net, so tests see any exception. Tables repeat their
    phrases (the seeds' 158 requirement cells hold 77 texts): results are cached, and
    each call gets its own copies."""
    if not isinstance(text, str):
        return []
    return [dict(rule) for rule in _parse_cached(text)]


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[Rule, ...]:
    return tuple(parse_uncached(text))


def parse_uncached(text: str) -> list[Rule]:
    """`parse` without its cache or copies (bench/parser_speed times this)."""
    rules: list[Rule] = []
    unread: list[str] = []  # clauses without a rule: read again only if others gave one
    try:
        for item in split(normalise(text)):
            rules += _item_rules(item, unread)
    except parts.Unsure:
        return []  # a time requirement we cannot read: none rather than a wrong one
    if rules and any(parts.unread(clause) for clause in unread):
        return []  # 每月更新，投诉件3个工作日反馈: a second requirement we cannot read
    if len(rules) < 2 and not (rules and "scope" in rules[0]):
        return rules
    # A rule for the whole column covers the same rule for a part of it.
    # (Not a part named as the rest, 其他栏目…: it stands beside the other parts' rules,
    # decision 16.)
    whole = {key(r) for r in rules if "scope" not in r}
    rules = [r for r in rules if "scope" not in r or key(r) not in whole or _rest(r["scope"])]
    if any("scope" in r for r in rules) and has_traditional(text):  # as written: 財務收支情況
        mapping = written_map(text)
        for r in rules:
            if "scope" in r:
                r["scope"] = as_written(r["scope"], text, mapping)
    return dedupe(rules)


def _rest(scope: str) -> bool:
    return scope.startswith(("其他", "其它"))


def parse_with_text(text: str) -> dict[str, Any]:
    return {"text": text, "rules": parse(text)}
