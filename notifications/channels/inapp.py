"""The in-app inbox: the message row is added to the session that marks the delivery
sent, so both commit together (exactly once)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from notifications.channels.base import Contact, DeliveryError, Handover
from workflow.models import Delivery, InboxMessage


class InAppChannel:
    name = "inapp"

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        if contact.user_id is None:
            raise DeliveryError(f"{contact.name} has no login for the inbox", retryable=False)
        session.add(
            InboxMessage(
                user_id=contact.user_id,
                delivery_id=delivery.id,
                title=delivery.title,
                body=delivery.body,
                link=delivery.link,
                created_at=delivery.created_at,
            )
        )
        return None
