"""The channel interface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from workflow.models import Delivery

# Called just before the point of no return; False means "do not send" (the claim was
# lost). See notifications.ledger for why.
Handover = Callable[[], bool]


class DeliveryError(Exception):
    """A send failed. `retryable`: nothing was delivered, try again later; otherwise the
    row is failed at once (a permanent refusal, or an outcome we cannot know)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class HandoverRefused(DeliveryError):
    def __init__(self) -> None:
        super().__init__("claim lost before sending; another attempt owns the row", retryable=False)


@dataclass(frozen=True)
class Contact:
    """Where a recipient is reached."""

    name: str
    email: str | None = None
    mobile: str | None = None
    user_id: int | None = None


class Channel(Protocol):
    name: str

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        """Deliver; return the provider's reference. Raise DeliveryError on failure."""
        ...
