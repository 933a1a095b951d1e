"""The vocabulary of the domain as string enums (stored as plain strings in the database)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    INITIAL_REVIEW = "initial_review"  # 初审 by the unit's deputy head
    HEAD_REVIEW = "head_review"  # 审核 by the unit's head (一把手)
    OFFICE_REVIEW = "office_review"  # 审发 by the district office
    PUBLISHED = "published"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    RETRACTED = "retracted"


class Action(StrEnum):
    CREATE = "create"  # only ever the first audit row of an item
    EDIT = "edit"  # content of the working revision changed (no state change)
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    RETRACT = "retract"
    REVISE = "revise"
    # 撤回: the drafter takes a submission back before 初审 acts; a reviewer takes their
    # approval back before the next stage acts.
    RECALL = "recall"


class Role(StrEnum):
    DRAFTER = "drafter"  # 信息报送员
    DEPUTY_HEAD = "deputy_head"  # 分管负责人
    HEAD = "head"  # 一把手
    OFFICE_EDITOR = "office_editor"  # 区政府办
    SUPERVISOR = "supervisor"  # 政务公开办 / 督查室
    ADMIN = "admin"


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    STREET = "street"
    ZONE = "zone"


class ContentType(StrEnum):
    POLICY = "policy"
    NEWS = "news"
    SERVICE = "service"
    INTERACTION = "interaction"
    OTHER = "other"


class ItemKind(StrEnum):
    ARTICLE = "article"  # 一般信息
    NEWS = "news"  # 动态/要闻
    POLICY = "policy"  # 政策文件
    NORMATIVE = "normative"  # 规范性文件
    INTERPRETATION = "interpretation"  # 政策解读
    SERVICE_GUIDE = "service_guide"  # 办事指南
    REPLY = "reply"  # 答复 (letters, disclosure requests)
    STATEMENT = "statement"  # 说明性信息: "nothing to publish this period"


class AttachmentType(StrEnum):
    MAIN = "main"  # 正文
    INTERPRETATION = "interpretation"  # 解读
    DRAFTING_NOTE = "drafting_note"  # 起草说明
    OTHER = "other"  # 附件


class AssignmentRole(StrEnum):
    LEAD = "lead"  # 牵头
    COOPERATING = "cooperating"  # 配合


REVIEW_STATES: tuple[State, ...] = (State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW)
