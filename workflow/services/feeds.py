"""Calendar feed tokens as services (`workflow.runner.run`): issued and revoked by their
owners or the office (the callers check who may), and the last use noted when a
calendar program fetches a feed. The secret is returned once and stored as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from workflow.errors import NotAllowed
from workflow.models import FeedToken, User
from workflow.outcome import Outcome, done
from workflow.reporting.feeds import issue_feed_token, resolve_feed_token, revoke_feed_token


def issue_feed(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    created_by: User | None = None,
    user_id: int | None = None,
    unit_id: int | None = None,
    label: str = "",
) -> Outcome[tuple[FeedToken, str]]:
    """A feed for one user or one unit: (the row, the secret). `created_by`: who issues
    it (default: the actor; a command names the administrator)."""
    issuer = created_by or actor
    if issuer is None:
        raise NotAllowed("a calendar feed is issued by someone")
    return done(
        issue_feed_token(
            session, created_by=issuer, now=now, user_id=user_id, unit_id=unit_id, label=label
        )
    )


def revoke_feed(
    session: Session, *, actor: User | None, now: datetime, token_id: int
) -> Outcome[FeedToken]:
    return done(revoke_feed_token(session, token_id, now))


def use_feed(
    session: Session, *, actor: User | None, now: datetime, secret: str
) -> Outcome[FeedToken | None]:
    """The live token of this secret (None if unknown or revoked), its last use noted."""
    return done(resolve_feed_token(session, secret, now))
