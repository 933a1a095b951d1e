"""Who hears of what, and on which channels: role holders per unit, designated drafters,
the office, supervisors, supervising leaders, per-user channel preferences."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.channels import DINGTALK, EMAIL, INAPP, SMS, WECOM, Contact
from workflow.enums import Role
from workflow.models import (
    ChannelPreference,
    Delivery,
    Leader,
    UnitLeader,
    User,
    UserRole,
    assignment_drafters,
)


@dataclass
class Directory:
    """Active users by role, loaded once per scan (one query each)."""

    by_unit_role: dict[tuple[int, str], list[int]]
    by_role: dict[str, list[int]]
    designated: dict[int, list[int]]  # assignment id → designated drafters
    leader_of_unit: dict[int, int]

    @classmethod
    def load(cls, session: Session) -> Directory:
        by_unit_role: dict[tuple[int, str], list[int]] = defaultdict(list)
        by_role: dict[str, list[int]] = defaultdict(list)
        rows = session.execute(
            select(User.id, User.unit_id, UserRole.role)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True))
            .order_by(User.id)
        )
        for user_id, unit_id, role in rows:
            by_unit_role[(unit_id, role)].append(user_id)
            by_role[role].append(user_id)
        designated: dict[int, list[int]] = defaultdict(list)
        for assignment_id, user_id in session.execute(
            select(assignment_drafters.c.assignment_id, assignment_drafters.c.user_id)
            .join(User, User.id == assignment_drafters.c.user_id)
            .where(User.active.is_(True))
        ):
            designated[assignment_id].append(user_id)
        leaders = {
            u: lid for u, lid in session.execute(select(UnitLeader.unit_id, UnitLeader.leader_id))
        }
        return cls(by_unit_role, by_role, designated, leaders)

    def unit(self, unit_id: int, role: Role) -> list[int]:
        return self.by_unit_role.get((unit_id, role.value), [])

    def role(self, role: Role) -> list[int]:
        return self.by_role.get(role.value, [])

    def drafters_for(self, assignment_id: int | None, unit_id: int) -> list[int]:
        """The designated 信息报送员, or every drafter of the unit when none is named."""
        named = self.designated.get(assignment_id, []) if assignment_id else []
        return named or self.unit(unit_id, Role.DRAFTER)


def preferences(session: Session, user_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    ids = sorted(set(user_ids))
    out: dict[int, dict[str, bool]] = defaultdict(dict)
    for start in range(0, len(ids), 500):
        for user_id, channel, enabled in session.execute(
            select(
                ChannelPreference.user_id, ChannelPreference.channel, ChannelPreference.enabled
            ).where(ChannelPreference.user_id.in_(ids[start : start + 500]))
        ):
            out[user_id][channel] = bool(enabled)
    return out


def set_preference(session: Session, user_id: int, channel: str, enabled: bool) -> None:
    """A user turns a channel on or off (in-app cannot be turned off: it is the record)."""
    if channel not in (EMAIL, SMS):
        raise ValueError(f"channel {channel!r} cannot be chosen (email or sms)")
    row = session.get(ChannelPreference, (user_id, channel))
    if row is None:
        session.add(ChannelPreference(user_id=user_id, channel=channel, enabled=enabled))
    else:
        row.enabled = enabled
    session.flush()


def user_channels(
    prefs: dict[str, bool],
    *,
    has_email: bool,
    has_mobile: bool,
    urgent: bool,
    available: set[str],
) -> list[str]:
    """In-app always; email unless turned off; SMS for urgent messages (due today,
    overdue, escalations) unless turned off, or for every reminder if turned on."""
    out = [INAPP]
    if EMAIL in available and has_email and prefs.get(EMAIL, True):
        out.append(EMAIL)
    if SMS in available and has_mobile and prefs.get(SMS, urgent):
        out.append(SMS)
    return out


def robot_channels(available: set[str]) -> list[str]:
    return [c for c in (WECOM, DINGTALK) if c in available]


def contacts_for(session: Session, deliveries: Iterable[Delivery]) -> dict[int, Contact]:
    """`contact_for` for a batch: two queries whatever its size."""
    deliveries = list(deliveries)
    wanted: dict[str, set[int]] = {"user": set(), "leader": set()}
    for d in deliveries:
        kind, _, ident = d.recipient.partition(":")
        if kind in wanted and ident.isdigit():
            wanted[kind].add(int(ident))
    users = (
        {
            row.id: Contact(name=row.name, email=row.email, mobile=row.mobile, user_id=row.id)
            for row in session.execute(
                select(User.id, User.name, User.email, User.mobile).where(
                    User.id.in_(wanted["user"])
                )
            )
        }
        if wanted["user"]
        else {}
    )
    leaders = (
        {
            leader.id: Contact(
                name=f"{leader.name}{leader.title}",
                email=leader.email,
                mobile=leader.mobile,
                user_id=leader.user_id,
            )
            for leader in session.execute(
                select(Leader).where(Leader.id.in_(wanted["leader"]))
            ).scalars()
        }
        if wanted["leader"]
        else {}
    )
    out = {}
    for d in deliveries:
        kind, _, ident = d.recipient.partition(":")
        table = users if kind == "user" else leaders if kind == "leader" else None
        found = table.get(int(ident)) if table is not None and ident.isdigit() else None
        out[d.id] = found or _mailbox(kind, ident) or Contact(name=ident or d.recipient)
    return out


def _mailbox(kind: str, ident: str) -> Contact | None:
    """A mailbox named by the office (a scheduled report's recipient, "mailbox:<addr>")."""
    return Contact(name=ident, email=ident) if kind == "mailbox" and "@" in ident else None


def contact_for(session: Session, delivery: Delivery) -> Contact:
    kind, _, ident = delivery.recipient.partition(":")
    if kind == "user":
        row = session.execute(
            select(User.name, User.email, User.mobile).where(User.id == int(ident))
        ).first()
        if row is None:
            return Contact(name=delivery.recipient)
        return Contact(name=row.name, email=row.email, mobile=row.mobile, user_id=int(ident))
    if kind == "leader":
        leader = session.get(Leader, int(ident))
        if leader is None:
            return Contact(name=delivery.recipient)
        return Contact(
            name=f"{leader.name}{leader.title}",
            email=leader.email,
            mobile=leader.mobile,
            user_id=leader.user_id,
        )
    return _mailbox(kind, ident) or Contact(name=ident or delivery.recipient)
