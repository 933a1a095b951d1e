"""Chinese names of the domain's codes (translated into English by the catalog)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.enums import Action, AttachmentType, ContentType, ItemKind, Role, State, UnitKind

STATES = {
    State.DRAFT: _l("草稿"),
    State.INITIAL_REVIEW: _l("待初审"),
    State.HEAD_REVIEW: _l("待审核"),
    State.OFFICE_REVIEW: _l("待审发"),
    State.PUBLISHED: _l("已发布"),
    State.RETURNED: _l("已退回"),
    State.WITHDRAWN: _l("已撤回"),
    State.RETRACTED: _l("已撤稿"),
}
ACTIONS = {
    Action.CREATE: _l("创建"),
    Action.EDIT: _l("修改"),
    Action.SUBMIT: _l("提交"),
    Action.APPROVE: _l("通过"),
    Action.REJECT: _l("退回"),
    Action.RESUBMIT: _l("重新提交"),
    Action.WITHDRAW: _l("撤回"),
    Action.RETRACT: _l("撤稿"),
    Action.REVISE: _l("修订"),
}
ROLES = {
    Role.DRAFTER: _l("信息报送员"),
    Role.DEPUTY_HEAD: _l("分管负责人（初审）"),
    Role.HEAD: _l("主要负责人（审核）"),
    Role.OFFICE_EDITOR: _l("区政府办编辑（审发）"),
    Role.SUPERVISOR: _l("督查"),
    Role.ADMIN: _l("系统管理员"),
}
KINDS = {
    ItemKind.ARTICLE: _l("一般信息"),
    ItemKind.NEWS: _l("动态要闻"),
    ItemKind.POLICY: _l("政策文件"),
    ItemKind.NORMATIVE: _l("规范性文件"),
    ItemKind.INTERPRETATION: _l("政策解读"),
    ItemKind.SERVICE_GUIDE: _l("办事指南"),
    ItemKind.REPLY: _l("答复"),
    ItemKind.STATEMENT: _l("说明性信息（本期无可发布内容）"),
}
ATTACHMENT_TYPES = {
    AttachmentType.MAIN: _l("正文"),
    AttachmentType.INTERPRETATION: _l("解读"),
    AttachmentType.DRAFTING_NOTE: _l("起草说明"),
    AttachmentType.OTHER: _l("附件"),
}
CONTENT_TYPES = {
    ContentType.POLICY: _l("政策类"),
    ContentType.NEWS: _l("动态类"),
    ContentType.SERVICE: _l("服务类"),
    ContentType.INTERACTION: _l("互动类"),
    ContentType.OTHER: _l("其他"),
}
UNIT_KINDS = {
    UnitKind.DEPARTMENT: _l("部门"),
    UnitKind.STREET: _l("街道"),
    UnitKind.ZONE: _l("园区/其他"),
}
DEADLINE_STATUS = {
    "ok": _l("正常"),
    "due_soon": _l("即将到期"),
    "provisional": _l("日期待定（按周一至周五推算）"),
    "overdue": _l("已逾期"),
}
STAGES = {
    State.INITIAL_REVIEW: _l("初审"),
    State.HEAD_REVIEW: _l("审核"),
    State.OFFICE_REVIEW: _l("审发"),
}


def label(table: dict[str, object], code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))
