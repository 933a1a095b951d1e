"""Calendar feed tokens: a secret in an iCalendar subscription URL, per user or unit.

Only the SHA-256 of the secret is stored (the secret is 256 random bits, so a plain
hash is enough; a slow password hash would add nothing); revoking keeps the row, so the
admin sees which feeds existed and when they were last read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class FeedToken(Base):
    __tablename__ = "feed_tokens"
    __table_args__ = (
        # A feed belongs to exactly one user or one unit.
        CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def active(self) -> bool:
        return self.revoked_at is None
