"""SQLAlchemy 2.0 typed models of sanshen."""

from workflow.models.audit import AuditEvent
from workflow.models.base import Base, UTCDateTime
from workflow.models.calendar import CalendarYear, HolidayOverride
from workflow.models.columns import Column, ColumnAssignment, ColumnLink, assignment_drafters
from workflow.models.feeds import FeedToken
from workflow.models.items import Attachment, Blob, Item, Obligation, Revision
from workflow.models.org import Unit, UnitAlias, User, UserRole
from workflow.models.scheduling import ScheduledPublication

__all__ = [
    "Attachment",
    "AuditEvent",
    "Base",
    "Blob",
    "CalendarYear",
    "Column",
    "ColumnAssignment",
    "ColumnLink",
    "FeedToken",
    "HolidayOverride",
    "Item",
    "Obligation",
    "Revision",
    "ScheduledPublication",
    "UTCDateTime",
    "Unit",
    "UnitAlias",
    "User",
    "UserRole",
    "assignment_drafters",
]
