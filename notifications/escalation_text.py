"""The words of a 督办 message: plain Chinese, people's words only (unit names, column
paths as the office sees them, item titles — never ids or codes).

- mail and in-app: every unit with its overdue columns, 新增 apart from 仍逾期, since
  when each is overdue, and the items stuck at a review stage;
- SMS: one summary line (approved templates take parameters: `subject`, `when`; the
  link to the office's dashboard belongs in the template's own text, as providers
  refuse links in variables);
- group robots: a compact markdown list cut to the platform's size limit, ending with
  "等N个单位…未列出" when it had to be cut.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from notifications.channels import SMS
from notifications.channels.robots import MARKDOWN_LIMITS, markdown_text
from notifications.reminders import COLUMN_LAPSE, Lapse

NOTE = "注：“仍逾期”“仍滞留”为此前已督办、至今未办结的事项，每个工作日至多重复提醒一次。"
SMS_SUBJECT = 35  # the longest template parameter the channels pass on
_TAIL_RESERVE = 120  # bytes kept for the "等N个单位…未列出" line of a cut robot message


@dataclass(frozen=True)
class Entry:
    """One lapse in one message: `new` (新增) or told before (仍逾期 / 仍滞留)."""

    lapse: Lapse
    unit: str
    new: bool

    @property
    def column(self) -> bool:
        return self.lapse.kind == COLUMN_LAPSE


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    params: dict[str, Any] = field(default_factory=dict)


def short_day(day: date, today: date | None = None) -> str:
    """ "11月1日"; with the year when it is not this year's ("2025年12月1日")."""
    if today is not None and day.year != today.year:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.month}月{day.day}日"


@dataclass
class _Summary:
    units: list[tuple[str, list[Entry]]]  # (unit name, its columns), the new first
    items: list[Entry]

    @property
    def columns(self) -> int:
        return sum(len(cols) for _, cols in self.units)

    def new(self, column: bool) -> int:
        found = (e for _, cols in self.units for e in cols) if column else iter(self.items)
        return sum(1 for e in found if e.new)


def _summary(entries: Sequence[Entry]) -> _Summary:
    per_unit: dict[int, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.column:
            per_unit[e.lapse.unit_id].append(e)
    for cols in per_unit.values():
        cols.sort(key=lambda e: (not e.new, e.lapse.since, e.lapse.what))
    # Units with something new first (a cut robot message keeps the news), then in the
    # order the office set them up.
    order = sorted(per_unit, key=lambda u: (not any(e.new for e in per_unit[u]), u))
    items = sorted(
        (e for e in entries if not e.column),
        key=lambda e: (not e.new, -e.lapse.waited, e.lapse.what),
    )
    return _Summary([(per_unit[u][0].unit, per_unit[u]) for u in order], items)


def headline(s: _Summary, leader: bool) -> str:
    """ "12个单位的27个栏目逾期（新增5个）", "您分管的2个单位的3个栏目仍逾期"…"""
    new = s.new(True) + s.new(False)
    still = "" if new else "仍"
    parts = []
    if s.units:
        who = "您分管的" if leader else ""
        parts.append(f"{who}{len(s.units)}个单位的{s.columns}个栏目{still}逾期")
    if s.items:
        parts.append(f"{len(s.items)}条信息{still}在审核环节滞留")
    head = "、".join(parts)
    if new:
        head += f"（新增{new}{'项' if s.units and s.items else '个' if s.units else '条'}）"
    return head


def sms_line(s: _Summary, leader: bool) -> str:
    """The SMS template's `subject` (at most 35 characters): "12个单位27个栏目逾期，新增5项"."""
    parts = []
    if s.units:
        parts.append(f"{'您分管的' if leader else ''}{len(s.units)}个单位{s.columns}个栏目逾期")
    if s.items:
        parts.append(f"{len(s.items)}条信息审核滞留")
    line = "、".join(parts)
    new = s.new(True) + s.new(False)
    with_new = f"{line}，新增{new}项" if new else line
    return with_new if len(with_new) <= SMS_SUBJECT else line[:SMS_SUBJECT]


def render(
    entries: Sequence[Entry], today: date, channel: str, link: str = "", leader: bool = False
) -> Text:
    """The message for one recipient and channel (`link`: the office's dashboard, which
    the channels add after the body)."""
    s = _summary(entries)
    head = headline(s, leader)
    title = f"【督办】{head}"
    if channel == SMS:
        short = sms_line(s, leader)
        return Text(
            title,
            f"{short}，{short_day(today)}，请登录三审系统查看。",
            {"subject": short, "when": f"截至{short_day(today)}"},
        )
    if channel in MARKDOWN_LIMITS:
        return Text(title, _markdown(s, today, title, link, MARKDOWN_LIMITS[channel]))
    return Text(title, _plain(s, today, leader))


def _split(new: int, total: int, word: str, unit: str) -> str:
    """How many are new and how many were told before: "新增2个、仍逾期3个"."""
    if new == total:
        return f"新增{new}{unit}"
    if new == 0:
        return f"{word}{total}{unit}"
    return f"新增{new}{unit}、{word}{total - new}{unit}"


def _intro(s: _Summary, today: date, leader: bool) -> str:
    parts = []
    if s.units:
        who = "您分管的" if leader else ""
        split = _split(s.new(True), s.columns, "仍逾期", "个")
        parts.append(f"{who}{len(s.units)}个单位的{s.columns}个栏目逾期未更新（{split}）")
    if s.items:
        split = _split(s.new(False), len(s.items), "仍滞留", "条")
        parts.append(f"{len(s.items)}条信息在审核环节滞留超过时限（{split}）")
    return f"截至{short_day(today)}，" + "；".join(parts) + "。请督促落实。"


def _column_line(e: Entry, today: date, markdown: bool) -> str:
    mark = "【新增】" if e.new else "【仍逾期】"
    since = short_day(e.lapse.since, today)
    if markdown:
        return f"- {mark}{e.lapse.what}，{since}起"
    return f"· {mark}{e.lapse.what}：自{since}起逾期"


def _item_line(e: Entry, markdown: bool) -> str:
    mark = "【新增】" if e.new else "【仍滞留】"
    lapse = e.lapse
    text = f"{mark}{e.unit}《{lapse.what}》在{lapse.stage}环节已滞留{lapse.waited}个工作日"
    return f"- {text}" if markdown else f"· {text}"


def _plain(s: _Summary, today: date, leader: bool) -> str:
    blocks = [_intro(s, today, leader)]
    if s.items:
        lines = [f"审核环节滞留（{len(s.items)}条）"]
        lines += [_item_line(e, False) for e in s.items]
        blocks.append("\n".join(lines))
    for unit, cols in s.units:
        lines = [f"{unit}（{len(cols)}个栏目）"]
        lines += [_column_line(e, today, False) for e in cols]
        blocks.append("\n".join(lines))
    blocks.append(NOTE)
    return "\n\n".join(blocks)


def _markdown(s: _Summary, today: date, title: str, link: str, limit: int) -> str:
    """Compact, cut to `limit` bytes of the whole message text (title and link too):
    whole lines only, the news first, and a last line saying what was left out."""
    budget = limit - len(markdown_text(title, "", link).encode()) - _TAIL_RESERVE
    counts = []
    if s.units:
        counts.append("逾期栏目" + _split(s.new(True), s.columns, "仍逾期", "个"))
    if s.items:
        counts.append("滞留信息" + _split(s.new(False), len(s.items), "仍滞留", "条"))
    out = [f"截至{short_day(today)}，" + "，".join(counts) + "。"]
    used = len(out[0].encode())
    blocks: list[tuple[str, list[str], bool]] = []
    if s.items:
        lines = [_item_line(e, True) for e in s.items]
        blocks.append((f"**审核环节滞留**（{len(s.items)}条）", lines, False))
    for unit, cols in s.units:
        lines = [_column_line(e, today, True) for e in cols]
        blocks.append((f"**{unit}**（{len(cols)}个）", lines, True))
    left_units = left_cols = left_items = 0
    for n, (header, lines, is_unit) in enumerate(blocks):
        first = f"\n\n{header}\n{lines[0]}"
        if used + len(first.encode()) > budget:
            for _, lines2, unit2 in blocks[n:]:
                left_units += int(unit2)
                if unit2:
                    left_cols += len(lines2)
                else:
                    left_items += len(lines2)
            break
        out.append(first)
        used += len(first.encode())
        for i, line in enumerate(lines[1:], start=1):
            size = len(f"\n{line}".encode())
            if used + size > budget:
                if is_unit:
                    left_cols += len(lines) - i
                else:
                    left_items += len(lines) - i
                break
            out.append(f"\n{line}")
            used += size
    if left_units or left_cols or left_items:
        out.append("\n\n" + _left_out(left_units, left_cols, left_items))
    return "".join(out)


def _left_out(units: int, columns: int, items: int) -> str:
    parts = []
    if columns:
        parts.append(f"等{units}个单位的{columns}个栏目" if units else f"等{columns}个栏目")
    if items:
        parts.append(f"{items}条滞留信息")
    return "……" + "及".join(parts) + "未列出，详见系统。"
