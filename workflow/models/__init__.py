"""SQLAlchemy 2.0 typed models of sanshen."""

from workflow.models.admin import AdminEvent
from workflow.models.api import (
    ApiCall,
    ApiIdempotency,
    ApiKey,
    ExternalPublication,
    ItemChange,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.models.audit import AuditEvent
from workflow.models.base import Base, UTCDateTime
from workflow.models.calendar import CalendarYear, HolidayOverride
from workflow.models.checks import BlobCheck, Finding, LinkCheck, WordEntry, WordList
from workflow.models.columns import (
    Column,
    ColumnAssignment,
    ColumnLink,
    ColumnPart,
    assignment_drafters,
)
from workflow.models.delegation import Delegation, Nudge
from workflow.models.disclosure import (
    DisclosureAssist,
    DisclosureEvent,
    DisclosureRequest,
    ReportFigures,
    ReportSchedule,
)
from workflow.models.feeds import FeedToken
from workflow.models.items import Attachment, Blob, Item, Obligation, Revision
from workflow.models.notifications import (
    ChannelPreference,
    Delivery,
    InboxMessage,
    Leader,
    UnitLeader,
)
from workflow.models.org import Unit, UnitAlias, User, UserRole
from workflow.models.outbox import OutboxEvent
from workflow.models.scheduling import ScheduledPublication
from workflow.models.scores import (
    ScoreMonth,
    ScoreReviewDuration,
    ScoreReviewFlow,
    ScoreReviewItem,
    ScoreRuleCase,
)
from workflow.models.security import LoginEvent, LoginFailure, RecoveryCode, UserSession
from workflow.models.status import DeadlineStatus, DeadlineStatusDirty, ItemStateCount

__all__ = [
    "AdminEvent",
    "ApiCall",
    "ApiIdempotency",
    "ApiKey",
    "Attachment",
    "AuditEvent",
    "Base",
    "Blob",
    "BlobCheck",
    "CalendarYear",
    "ChannelPreference",
    "Column",
    "ColumnAssignment",
    "ColumnLink",
    "ColumnPart",
    "DeadlineStatus",
    "DeadlineStatusDirty",
    "Delegation",
    "Delivery",
    "DisclosureAssist",
    "DisclosureEvent",
    "DisclosureRequest",
    "ExternalPublication",
    "FeedToken",
    "Finding",
    "HolidayOverride",
    "InboxMessage",
    "Item",
    "ItemChange",
    "ItemStateCount",
    "Leader",
    "LinkCheck",
    "LoginEvent",
    "LoginFailure",
    "Nudge",
    "Obligation",
    "OutboxEvent",
    "RecoveryCode",
    "ReportFigures",
    "ReportSchedule",
    "Revision",
    "ScheduledPublication",
    "ScoreMonth",
    "ScoreReviewDuration",
    "ScoreReviewFlow",
    "ScoreReviewItem",
    "ScoreRuleCase",
    "UTCDateTime",
    "Unit",
    "UnitAlias",
    "UnitLeader",
    "User",
    "UserRole",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WordEntry",
    "WordList",
    "assignment_drafters",
]
