"""Workflow events → messages: submitted / approved / returned / published tell the next
actor and the drafter (a return also tells everyone who already approved)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.recipients import Directory
from notifications.reminders import Reminder
from workflow.enums import Role, State
from workflow.models import Item
from workflow.permissions import STAGES

EVENT = "event"


def event_reminders(session: Session, event: dict[str, Any], cfg: NotifyConfig) -> list[Reminder]:
    item = session.get(Item, int(event["item_id"]))
    if item is None:
        return []
    directory = Directory.load(session)
    kind, actor = event["type"], int(event["actor_id"])
    to_state = event.get("to_state") or ""
    title = item.title
    link = f"{cfg.BASE_URL.rstrip('/')}/items/{item.id}"
    key = (f"item:{item.id}:r{event['revision_no']}", f"{kind}:{to_state}", str(event["at"]))
    drafter = int(event.get("drafter_id") or item.drafter_id)

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
        holders = (
            directory.unit(item.unit_id, stage.role)
            if stage.own_unit
            else directory.role(Role.OFFICE_EDITOR)
        )
        out.append(
            message(
                [h for h in holders if h != drafter],
                f"【待{stage.label}】《{title}》",
                f"信息《{title}》已提交{stage.label}，请及时审核。",
            )
        )
        done = "已提交" if kind == "ItemSubmitted" else "已通过上一环节审核"
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
    elif kind == "ItemPublished":
        out.append(
            message(
                [drafter],
                f"【已发布】《{title}》已审发上网",
                f"您报送的信息《{title}》已通过三审并发布。",
            )
        )
    return [r for r in out if r.users]


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
