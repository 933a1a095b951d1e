"""A resubmission after a 退回 does not read like the first submission (issue 16): the
reviewers and the drafter are told it was revised and resubmitted, with its revision;
resubmitted unchanged says so; a published item's revision is named as one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.events import event_reminders
from workflow.enums import Role
from workflow.events import ItemSubmitted
from workflow.outbox import payload

from ..conftest import NOW
from ..factories import World, new_item, tick
from ..services import act


def _messages(session: Session, events: list[Any]) -> list[tuple[tuple[int, ...], str, str]]:
    (submitted,) = [e for e in events if isinstance(e, ItemSubmitted)]
    return [
        (r.users, r.title, r.body)
        for r in event_reminders(session, payload(submitted), NotifyConfig())
    ]


def test_first_submission_and_resubmission_read_differently(
    session: Session, world: World
) -> None:
    drafter, deputy = world.drafter, world.user(Role.DEPUTY_HEAD)
    item = new_item(session, world, NOW)
    first = _messages(session, act(session, "submit", item, by=drafter, now=tick(NOW)).events)
    title = "关于开展2026年秋季学期招生工作的通知"
    assert first[0][1:] == (f"【待初审】《{title}》", f"信息《{title}》已提交初审，请及时审核。")
    assert deputy.id in first[0][0]
    act(session, "reject", item, by=deputy, now=tick(NOW, 2), comment="请补充数据来源")
    act(session, "edit", item, by=drafter, now=tick(NOW, 3), title=title, body="<p>已补充</p>")
    again = _messages(
        session, act(session, "resubmit", item, by=drafter, now=tick(NOW, 4)).events
    )
    # The drafter resubmitted: only the reviewers hear (nobody is told of their own act).
    (reviewers,) = again
    assert deputy.id in reviewers[0] and drafter.id not in reviewers[0]
    assert reviewers[1] == f"【待初审】《{title}》（退回后修改重报）"
    assert reviewers[2] == f"信息《{title}》已按退回意见修改并重新提交初审（第2版），请及时审核。"
    assert first[0][2] != reviewers[2]


def test_resubmitted_unchanged_says_so(session: Session, world: World) -> None:
    drafter, deputy = world.drafter, world.user(Role.DEPUTY_HEAD)
    item = new_item(session, world, NOW)
    act(session, "submit", item, by=drafter, now=tick(NOW))
    act(session, "reject", item, by=deputy, now=tick(NOW, 2), comment="请确认日期")
    again = _messages(
        session, act(session, "resubmit", item, by=drafter, now=tick(NOW, 3)).events
    )
    assert "退回后未经修改重新提交初审（第1版）" in again[0][2]


def test_a_revision_of_a_published_item_is_named(session: Session, world: World) -> None:
    assert world.office_editor is not None
    drafter = world.drafter
    item = new_item(session, world, NOW)
    act(session, "submit", item, by=drafter, now=tick(NOW))
    act(session, "approve", item, by=world.user(Role.DEPUTY_HEAD), now=tick(NOW, 2),
        confidentiality_checked=True)
    act(session, "approve", item, by=world.user(Role.HEAD), now=tick(NOW, 3))
    act(session, "approve", item, by=world.office_editor, now=tick(NOW, 4))
    act(session, "revise", item, by=drafter, now=tick(NOW, 5))
    words = _messages(session, act(session, "submit", item, by=drafter, now=tick(NOW, 6)).events)
    assert words[0][1].endswith("（修订稿第2版）")
    assert "的修订稿（第2版）已提交初审" in words[0][2]
