"""Chinese names of the domain's codes (translated into English by the catalog)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from workflow.enums import Action, AttachmentType, ContentType, ItemKind, Role, State, UnitKind
from workflow.stages import STAGE_LABELS

STATES = {
    State.DRAFT: _l("草稿"),
    State.INITIAL_REVIEW: _l("待初审"),
    State.HEAD_REVIEW: _l("待审核"),
    State.OFFICE_REVIEW: _l("待审发"),
    State.PUBLISHED: _l("已发布"),
    State.RETURNED: _l("已退回"),
    State.WITHDRAWN: _l("已撤销"),
    State.RETRACTED: _l("已撤稿"),
}
ACTIONS = {
    Action.CREATE: _l("创建"),
    Action.EDIT: _l("修改"),
    Action.SUBMIT: _l("提交"),
    Action.APPROVE: _l("通过"),
    Action.REJECT: _l("退回"),
    Action.RESUBMIT: _l("重新提交"),
    Action.WITHDRAW: _l("撤销"),
    Action.RETRACT: _l("撤稿"),
    Action.REVISE: _l("修订"),
    Action.RECALL: _l("撤回"),
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
GUIDE_ELEMENTS = {  # the eight elements of a 办事指南 (workflow.prerequisites)
    "item_name": _l("事项名称"),
    "legal_basis": _l("设定依据"),
    "conditions": _l("申请条件"),
    "materials": _l("办理材料"),
    "location": _l("办理地点"),
    "hours": _l("办理时间"),
    "phone": _l("联系电话"),
    "procedure": _l("办理流程"),
}
# The names live in workflow/stages.py (marked there for the catalog with N_).
STAGES = {state: _l(name) for state, name in STAGE_LABELS.items()}

# The administrators' log (workflow.admin_log): what each action code means…
ADMIN_ACTIONS = {
    "unit.create": _l("添加单位"),
    "unit.activate": _l("启用单位"),
    "unit.deactivate": _l("停用单位"),
    "unit.alias": _l("修改单位别名"),
    "user.create": _l("添加用户"),
    "user.update": _l("修改用户"),
    "user.roles": _l("修改用户角色"),
    "user.password_reset": _l("重设密码"),
    "user.activate": _l("启用用户"),
    "user.deactivate": _l("停用用户"),
    "user.password_change": _l("本人修改密码"),
    "user.2fa_enable": _l("启用两步验证"),
    "user.2fa_disable": _l("停用两步验证"),
    "user.2fa_codes": _l("重新生成恢复码"),
    "column.create": _l("添加栏目"),
    "column.update": _l("修改栏目"),
    "column.retire": _l("停用栏目"),
    "assignment.add": _l("添加责任单位"),
    "assignment.remove": _l("移除责任单位"),
    "assignment.drafters": _l("指定信息报送员"),
    "assignment.since": _l("修改责任起始日期"),
    "column.rules": _l("修改时限规则"),
    "column.rules_confirm": _l("确认时限规则"),
    "column.part_add": _l("添加栏目分类"),
    "column.part_rename": _l("栏目分类改名"),
    "column.part_retire": _l("停用栏目分类"),
    "column.part_restore": _l("恢复栏目分类"),
    "column.link_add": _l("添加关联栏目"),
    "column.link_remove": _l("移除关联栏目"),
    "holiday.set": _l("设置节假日或调休"),
    "holiday.remove": _l("删除节假日或调休"),
    "holiday.upload": _l("导入节假日文件"),
    "import.apply": _l("导入责任分解表"),
    "leaders.import": _l("导入分管领导表"),
    "item.nudge": _l("催办"),
    "delegation.create": _l("设定委托"),
    "delegation.end": _l("结束委托"),
    "api_key.create": _l("发放接口密钥"),
    "api_key.revoke": _l("作废接口密钥"),
    "webhook.create": _l("添加推送订阅"),
    "webhook.pause": _l("暂停推送订阅"),
    "webhook.resume": _l("恢复推送订阅"),
    "webhook.delete": _l("删除推送订阅"),
    "webhook.replay": _l("重新推送"),
    "wordlist.create": _l("新建词库"),
    "wordlist.add": _l("添加词条"),
    "wordlist.edit": _l("修改词条"),
    "wordlist.delete": _l("删除词条"),
    "wordlist.import": _l("导入词库"),
    "finding.verified": _l("检查问题已核实"),
    "finding.overridden": _l("严重问题核准放行"),
}
# …what its targets are…
ADMIN_TARGETS = {
    "unit": _l("单位"),
    "user": _l("用户"),
    "column": _l("栏目"),
    "holiday": _l("节假日与调休"),
    "calendar": _l("节假日文件"),
    "import": _l("责任分解表"),
    "leaders": _l("分管领导表"),
    "item": _l("稿件"),
    "delegation": _l("委托"),
    "api_key": _l("接口密钥"),
    "webhook": _l("推送订阅"),
    "word_list": _l("错敏词库"),
    "finding": _l("内容检查问题"),
}
# …and the fields in its changes.
ADMIN_FIELDS = {
    "name": _l("名称"),
    "kind": _l("类型"),
    "aliases": _l("别名"),
    "alias": _l("别名"),
    "is_office": _l("区政府办"),
    "active": _l("启用"),
    "login": _l("用户名"),
    "unit": _l("单位"),
    "roles": _l("角色"),
    "email": _l("邮箱"),
    "mobile": _l("手机"),
    "password": _l("密码"),
    "two_factor": _l("两步验证"),
    "recovery_codes": _l("恢复码"),
    "path": _l("栏目路径"),
    "content": _l("保障内容"),
    "time_requirement": _l("时限要求"),
    "link": _l("关联栏目"),
    "content_type": _l("内容类别"),
    "allows_statement": _l("可报说明性信息"),
    "retired_at": _l("停用时间"),
    "role": _l("责任方式"),
    "rules": _l("时限规则"),
    "delegator": _l("委托人"),
    "delegate": _l("受托人"),
    "stages": _l("委托环节"),
    "starts_on": _l("开始日期"),
    "ends_on": _l("结束日期"),
    "ended_at": _l("结束时间"),
    "stage": _l("环节"),
    "recipients": _l("催办对象"),
    "confirmed": _l("规则已确认"),
    "part": _l("栏目分类"),
    "responsible_since": _l("责任起始日期"),
    "drafters": _l("指定信息报送员"),
    "is_workday": _l("是否上班"),
    "note": _l("备注"),
    "file": _l("文件"),
    "sha256": _l("SHA-256"),
    "days": _l("天数"),
    "years": _l("年份"),
    "partial": _l("单日调整"),
    "root": _l("导入位置"),
    "retire_missing": _l("停用文件未列出的栏目"),
    "rules_confirmed": _l("时限规则已确认"),
    "links_added": _l("新增关联栏目"),
    "aliases_added": _l("登记别名"),
    "columns_added": _l("新增栏目"),
    "columns_changed": _l("变更栏目"),
    "columns_retired": _l("停用栏目"),
    "units_added": _l("新增单位"),
    "assignments_added": _l("新增责任单位"),
    "assignments_removed": _l("移除责任单位"),
    "leaders": _l("分管领导人数"),
    "units": _l("单位数"),
    "scope": _l("权限范围"),
    "unit_ids": _l("限定单位"),
    "column_ids": _l("限定栏目"),
    "expires_at": _l("有效期至"),
    "revoked": _l("已作废"),
    "url": _l("推送地址"),
    "events": _l("事件"),
    "failures": _l("连续失败次数"),
    "delivery": _l("推送记录"),
    "event": _l("事件"),
    "term": _l("词语"),
    "category": _l("类别"),
    "severity": _l("严重程度"),
    "suggestion": _l("建议改为"),
    "status": _l("状态"),
    "reason": _l("理由"),
    "item_id": _l("稿件编号"),
    "added": _l("新增"),
    "changed": _l("修改"),
    "removed": _l("删除"),
}
# The API keys' scopes (workflow.models.api.SCOPES).
API_SCOPES = {"read": _l("只读"), "write": _l("读取与写入")}
# The webhook events (workflow.services.webhooks.EVENT_TYPES).
WEBHOOK_EVENTS = {
    "item.published": _l("信息发布"),
    "item.revised": _l("信息修订后重新发布"),
    "item.retracted": _l("信息撤稿"),
    "item.returned": _l("信息被退回"),
    "column.overdue": _l("栏目逾期"),
}
# A webhook delivery's status.
WEBHOOK_STATUSES = {"pending": _l("待推送"), "delivered": _l("已送达"), "failed": _l("推送失败")}
ASSIGNMENT_ROLES = {"lead": _l("牵头"), "cooperating": _l("配合")}


def label(table: Mapping[Any, object], code: str | None) -> str:
    # Any key: the tables are keyed by str codes or by StrEnum members, and a member
    # hashes and compares as its code, so a plain str finds it.
    if code is None:
        return ""
    return str(table.get(code, code))


# The login log's results (workflow.services.logins.RESULTS).
LOGIN_RESULTS = {
    "success": _l("登录成功"),
    "failure": _l("密码错误或用户不存在"),
    "throttled": _l("失败过多，暂缓受理"),
    "second_factor_failure": _l("两步验证码错误"),
    "logout": _l("退出登录"),
}


# --------------------------------------------------------------- 依申请公开 (issue 19)
DISCLOSURE_STATES = {
    "received": _l("已登记，待转办"),
    "handling": _l("办理中"),
    "correction": _l("待申请人补正"),
    "consulting": _l("征求第三方意见"),
    "reply_drafted": _l("答复书待审核"),
    "reply_approved": _l("答复书已审核，待发出"),
    "answered": _l("已答复"),
}
DISCLOSURE_ACTIONS = {
    "register": _l("登记申请"),
    "route": _l("转办"),
    "ask_correction": _l("告知补正"),
    "correction_received": _l("收到补正"),
    "close_uncorrected": _l("逾期未补正，不再处理"),
    "consult": _l("征求第三方意见"),
    "consult_end": _l("第三方意见已回复"),
    "extend": _l("延长答复期限"),
    "assist": _l("请求协办"),
    "assist_opinion": _l("提交协办意见"),
    "draft_reply": _l("拟写答复书"),
    "approve_reply": _l("审核通过答复书"),
    "return_reply": _l("退回答复书"),
    "answer": _l("发出答复"),
}
APPLICANT_TYPES = {
    "person": _l("自然人"),
    "business": _l("商业企业"),
    "research": _l("科研机构"),
    "charity": _l("社会公益组织"),
    "legal": _l("法律服务机构"),
    "other_org": _l("其他法人或组织"),
}
REQUEST_CHANNELS = {
    "online": _l("网上申请"),
    "letter": _l("信函"),
    "in_person": _l("当面申请"),
    "email": _l("电子邮件"),
    "fax": _l("传真"),
    "other": _l("其他"),
}
DISCLOSURE_OUTCOMES = {
    "disclose": _l("予以公开"),
    "partial": _l("部分公开"),
    "withhold_secret": _l("不予公开：属于国家秘密"),
    "withhold_law": _l("不予公开：其他法律行政法规禁止公开"),
    "withhold_safety": _l("不予公开：危及“三安全一稳定”"),
    "withhold_third_party": _l("不予公开：保护第三方合法权益"),
    "withhold_internal": _l("不予公开：属于三类内部事务信息"),
    "withhold_process": _l("不予公开：属于四类过程性信息"),
    "withhold_case_file": _l("不予公开：属于行政执法案卷"),
    "withhold_query": _l("不予公开：属于行政查询事项"),
    "unable_not_held": _l("无法提供：本机关不掌握相关政府信息"),
    "unable_must_create": _l("无法提供：没有现成信息需要另行制作"),
    "unable_unclear": _l("无法提供：补正后申请内容仍不明确"),
    "refuse_petition": _l("不予处理：信访举报投诉类申请"),
    "refuse_repeat": _l("不予处理：重复申请"),
    "refuse_publication": _l("不予处理：要求提供公开出版物"),
    "refuse_excessive": _l("不予处理：无正当理由大量反复申请"),
    "refuse_confirm": _l("不予处理：要求行政机关确认或重新出具已获取信息"),
    "other_uncorrected": _l("其他处理：逾期不补正，不再处理"),
    "other_unpaid": _l("其他处理：逾期未缴纳费用，不再处理"),
    "other": _l("其他处理：其他"),
}
DISCLOSURE_FIELDS = {
    "received_on": _l("收到日期"),
    "channel": _l("申请方式"),
    "applicant_type": _l("申请人类型"),
    "applicant_name": _l("申请人"),
    "content": _l("申请内容"),
    "info_requested": _l("所需政府信息"),
    "reason": _l("理由"),
    "note": _l("说明"),
    "opinion": _l("协办意见"),
    "reply": _l("答复书"),
    "comment": _l("意见"),
    "outcome": _l("处理结果"),
    "year": _l("年度"),
    "report": _l("报告"),
}
ADMIN_ACTIONS["report.figures"] = _l("填报年度报告数据")
ADMIN_TARGETS["report_figures"] = _l("年度报告数据")
ADMIN_ACTIONS["report.schedule"] = _l("设置定期报送")
ADMIN_TARGETS["report_schedule"] = _l("定期报送")
REPORT_KINDS = {
    "assessment": _l("政务公开栏目月度考核表"),
    "submissions": _l("政务公开信息报送情况表"),
}
ADMIN_FIELDS["recipients"] = _l("收件邮箱")
ADMIN_FIELDS["day_of_month"] = _l("每月发送日")
# Content checks (workflow.checks).
CHECK_CATEGORIES = {
    "serious_error": _l("严重错误"),
    "sensitive": _l("敏感词"),
    "banned": _l("禁用词"),
    "nonstandard": _l("不规范用语"),
    "typo": _l("易错词"),
    "name": _l("名称职务"),
    "link": _l("链接"),
    "attachment": _l("附件"),
}
CHECK_SEVERITIES = {"serious": _l("严重"), "normal": _l("一般"), "hint": _l("提示")}
CHECK_STATUSES = {
    "open": _l("待处理"),
    "fixed": _l("已修改"),
    "verified": _l("已核实"),
    "overridden": _l("已核准放行"),
}
# What a finding's `suggestion` code means for links, files and names.
CHECK_NOTES = {
    "hidden:no_text": _l("暗链：链接没有可见文字"),
    "hidden:blank_image": _l("暗链：链接在空白或1像素图片上"),
    "hidden:invisible": _l("暗链：链接被设为不可见"),
    "dead:timeout": _l("死链：访问超时"),
    "dead:connection": _l("死链：无法连接"),
    "dead:redirects": _l("死链：跳转次数过多"),
    "dead:error": _l("死链：访问出错"),
    "dead:private": _l("错链：指向内网地址，公众无法访问"),
    "empty": _l("附件为空"),
    "corrupt": _l("附件无法打开（文件损坏或格式不符）"),
    "bad_type": _l("附件类型不允许"),
    "too_large": _l("附件过大，未能检查"),
    "no_form": _l("办事指南提到申请表，但未上传表格"),
    "retired_unit": _l("该单位已停用（更名或撤销），请使用现名称"),
}


def check_note(code: str) -> str:
    """A finding's suggestion in words: the right form, or what is wrong."""
    if code in CHECK_NOTES:
        return str(CHECK_NOTES[code])
    kind, _sep, rest = code.partition(":")
    if kind == "dead" and rest.startswith("http:"):
        return str(_l("死链：返回状态 %(status)s", status=rest[5:]))
    if kind == "offsite":
        return str(_l("跳转到站外网站：%(host)s", host=rest))
    return code
