"""Workflow events → messages: submitted / approved / returned / published tell the next
actor and the drafter (a return also tells everyone who already approved); a recall (撤回)
tells who no longer needs to act, a nudge (催办) each current reviewer once, a new
delegation (委托) the delegate. Delegates of the next actors hear what those do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.recipients import Directory
from notifications.reminders import Reminder
from workflow import delegation
from workflow.deadlines.due import load_calendar
from workflow.enums import Action, Role, State
from workflow.holding import who_holds
from workflow.models import AuditEvent, Item, User
from workflow.permissions import STAGES

EVENT = "event"


def submission_words(
    session: Session, item_id: int, title: str, stage: str, event: dict[str, Any]
) -> tuple[str, str, str]:
    """How a submission reads (issue 16: a resubmission after a 退回 must not read like
    the first): (the subject's note, the reviewers' sentence, what the drafter is told
    was done)."""
    number = int(event.get("revision_no") or 0)
    if event.get("action") == Action.RESUBMIT:
        returned_rev = session.execute(
            select(AuditEvent.revision_no)
            .where(AuditEvent.item_id == item_id, AuditEvent.action == Action.REJECT.value)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).scalar()
        if returned_rev is not None and returned_rev == number:
            return (
                "（退回后重新提交）",
                f"信息《{title}》退回后未经修改重新提交{stage}（第{number}版），请及时审核。",
                f"已重新提交（未修改，第{number}版）",
            )
        return (
            "（退回后修改重报）",
            f"信息《{title}》已按退回意见修改并重新提交{stage}（第{number}版），请及时审核。",
            f"已修改并重新提交（第{number}版）",
        )
    if number > 1:
        return (
            f"（修订稿第{number}版）",
            f"已发布信息《{title}》的修订稿（第{number}版）已提交{stage}，请及时审核。",
            f"的修订稿（第{number}版）已提交",
        )
    return "", f"信息《{title}》已提交{stage}，请及时审核。", "已提交"


def delegates_for(session: Session, now: datetime, holders: list[int], stage: State) -> list[int]:
    """The delegates standing in at `now` for any of `holders` at `stage` (委托)."""
    wanted = set(holders)
    return [
        d.delegate_id
        for d in delegation.active(session, now)
        if d.delegator_id in wanted and stage in delegation.stages_of(d)
    ]


def _arrived_for(
    session: Session, item: Item, to_state: str, at: datetime, directory: Directory
) -> list[int]:
    """Who hears an item arrived at `to_state`: while it still waits there, exactly who
    can act on it (`who_holds`: delegates in, those separation of duties bars out, as the
    item page says); once it has moved on, the stage's people and their delegates."""
    if item.state == to_state:
        held = who_holds(session, [item], at, load_calendar(session)).get(item.id)
        if held is not None:
            return [h.user_id for h in held.holders]
    stage = STAGES[State(to_state)]
    holders = (
        directory.unit(item.unit_id, stage.role)
        if stage.own_unit
        else directory.role(Role.OFFICE_EDITOR)
    )
    return holders + delegates_for(session, at, holders, State(to_state))


def _name(session: Session, user_id: int) -> str:
    return session.execute(select(User.name).where(User.id == user_id)).scalar_one_or_none() or ""


def _delegation_made(session: Session, event: dict[str, Any], cfg: NotifyConfig) -> list[Reminder]:
    stages = "、".join(STAGES[State(s)].label for s in event.get("stages") or ())
    who = _name(session, int(event["delegator_id"]))
    when = f"{event['starts_on']} 至 {event['ends_on']}"
    return [
        Reminder(
            f"delegation:{event['delegation_id']}",
            "DelegationMade",
            str(event["at"]),
            EVENT,
            f"【委托】{who}委托您代为审核（{stages}）",
            f"{who}委托您于{when}代为{stages}。"
            f"期间待其审核的稿件也由您处理，处理记录写明“代 {who}”。",
            (int(event["delegate_id"]),),
            f"{cfg.BASE_URL.rstrip('/')}/inbox",
            {"subject": f"{who}委托"[:30], "when": when},
        )
    ]


def event_reminders(session: Session, event: dict[str, Any], cfg: NotifyConfig) -> list[Reminder]:
    if event["type"] == "DelegationMade":
        return _delegation_made(session, event, cfg)
    item = session.get(Item, int(event["item_id"]))
    if item is None:
        return []
    directory = Directory.load(session)
    kind, actor = event["type"], int(event["actor_id"])
    to_state = event.get("to_state") or ""
    title = item.title
    link = f"{cfg.BASE_URL.rstrip('/')}/items/{item.id}"
    key = (
        f"item:{item.id}:r{event.get('revision_no', item.current_revision_no)}",
        f"{kind}:{to_state}" if kind != "ItemNudged" else f"{kind}:{event['nudge_id']}",
        str(event["at"]),
    )
    drafter = int(event.get("drafter_id") or item.drafter_id)
    at = datetime.fromisoformat(str(event["at"]))

    def message(users: list[int], subject: str, body: str) -> Reminder:
        ids = tuple(u for u in dict.fromkeys(users) if u != actor)
        return Reminder(
            key[0],
            key[1],
            key[2],
            EVENT,
            subject,
            body,
            ids,
            link,
            {"subject": f"《{title}》"[:30], "when": ""},
        )

    out: list[Reminder] = []
    if kind in ("ItemSubmitted", "ItemApproved") and to_state in STAGES:
        stage = STAGES[State(to_state)]
        holders = _arrived_for(session, item, to_state, at, directory)
        if kind == "ItemSubmitted":
            note, sentence, done = submission_words(session, item.id, title, stage.label, event)
        else:
            note, done = "", "已通过上一环节审核"
            sentence = f"信息《{title}》已提交{stage.label}，请及时审核。"
        out.append(
            message(
                [h for h in holders if h != drafter],
                f"【待{stage.label}】《{title}》{note}",
                sentence,
            )
        )
        out.append(
            message(
                [drafter],
                f"【进度】《{title}》{done}，进入{stage.label}",
                f"您报送的信息《{title}》{done}，现进入{stage.label}环节。",
            )
        )
    elif kind == "ItemReturned":
        comment = event.get("comment") or ""
        approvers = [int(a) for a in event.get("approver_ids") or ()]
        out.append(
            message(
                [drafter, *approvers],
                f"【退回】《{title}》被退回修改",
                f"信息《{title}》被退回修改。退回意见：{comment}",
            )
        )
    elif kind == "ItemRecalled":
        out.extend(_recalled(event, title, drafter, message))
    elif kind == "ItemNudged":
        waits_at = STAGES[State(event["stage"])].label
        who = _name(session, actor)
        out.append(
            message(
                [int(u) for u in event.get("reviewer_ids") or ()],
                f"【催办】《{title}》待您{waits_at}",
                f"{who}催办：信息《{title}》正在{waits_at}环节等待您处理，请及时审核。",
            )
        )
    elif kind == "ItemPublished":
        out.append(
            message(
                [drafter],
                f"【已发布】《{title}》已审发上网",
                f"您报送的信息《{title}》已通过三审并发布。",
            )
        )
    return [r for r in out if r.users]


def _recalled(event: dict[str, Any], title: str, drafter: int, message: Any) -> list[Reminder]:
    """Who had been asked to act hears it no longer waits for them; after a reviewer's
    recall, the drafter hears where the item is now."""
    told = [int(u) for u in event.get("told") or ()]
    out = [
        message(
            told,
            f"【撤回】《{title}》已撤回，无需处理",
            f"信息《{title}》已被撤回，暂不需要您处理。",
        )
    ]
    to_state = event.get("to_state") or ""
    if to_state in STAGES:
        stage = STAGES[State(to_state)].label
        out.append(
            message(
                [drafter],
                f"【进度】《{title}》审核人撤回通过，回到{stage}",
                f"您报送的信息《{title}》的上一环节审核人撤回了通过意见，稿件回到{stage}环节。",
            )
        )
    return out


def webhook_paused(session: Session, event: dict[str, Any], cfg: NotifyConfig) -> list[Reminder]:
    """A webhook endpoint was paused after failing again and again: the administrators
    hear of it (they resume it from the webhooks page once the receiver is fixed)."""
    directory = Directory.load(session)
    admins = tuple(directory.role(Role.ADMIN))
    if not admins:
        return []
    name, failures = event.get("name") or "", event.get("failures")
    link = f"{cfg.BASE_URL.rstrip('/')}/admin/webhooks"
    return [
        Reminder(
            f"webhook:{event['subscription_id']}",
            "paused",
            str(event["at"]),
            EVENT,
            f"【接口推送暂停】“{name}”连续{failures}次推送失败",
            f"推送地址“{name}”（{event.get('url')}）连续{failures}次推送失败，已暂停推送。"
            "接收方修复后，请在“推送订阅”页面恢复，暂停期间的事件届时补发。",
            admins,
            link,
            {"subject": f"“{name}”"[:30], "when": ""},
        )
    ]
