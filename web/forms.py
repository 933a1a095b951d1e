"""Flask-WTF forms (each carries its CSRF token). Labels are in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from web import labels
from web.form_checks import SafeForm
from workflow.enums import AttachmentType

ATTACHMENT_SLOTS = 3
BODY_MAX_CHARS = 1_000_000  # refused with the text kept; MAX_FORM_MEMORY_SIZE is above it


class LoginForm(SafeForm):
    login = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码"))])
    submit = SubmitField(_l("登录"))


class LanguageForm(SafeForm):
    locale = SelectField(_l("界面语言"), choices=[("zh_CN", "中文"), ("en", "English")])
    submit = SubmitField(_l("切换"))


def _attachment_choices() -> list[tuple[str, str]]:
    return [(t.value, str(labels.ATTACHMENT_TYPES[t])) for t in AttachmentType]


class ItemForm(SafeForm):
    version = HiddenField()
    # One per new-item form: a second POST of the same form opens the item already made.
    nonce = HiddenField()
    title = StringField(
        _l("标题"),
        validators=[
            DataRequired(_l("请填写标题")),
            Length(max=500, message=_l("标题不能超过500字")),
        ],
    )
    kind = SelectField(_l("信息类别"), validators=[InputRequired()])
    # Shown only when the column has several parts (栏目分类), each judged on its own.
    part_id = SelectField(
        _l("所属分类"),
        coerce=int,
        choices=[],
        description=_l("本栏目分为多个分类，各分类分别按各自的时限要求考核。"),
    )
    body = TextAreaField(
        _l("正文"),
        validators=[
            Length(
                max=BODY_MAX_CHARS,
                message=_l("正文过长：不能超过%(max)d字。请删减，或把长篇材料作为附件上传。"),
            )
        ],
        description=_l(
            "可直接输入文字（空行分段），或从 Word、WPS 粘贴：段落、标题、加粗、列表、表格和链接"
            "都会保留，粘贴的图片作为附件上传；脚本等不安全内容会被自动删除。"
        ),
    )
    # A .docx whose body (tables kept) fills 正文 on save, after any typed text.
    body_file = FileField(
        _l("从 Word 文件导入"),
        description=_l(
            "可选。选择 .docx 文件后保存，文件中的文字、表格和列表会接在上面正文之后；"
            "其中的图片作为附件上传。旧版 .doc 请先另存为 .docx。"
        ),
    )
    # Images pasted into the editor (web/static/editor.js puts them here).
    pasted_images = MultipleFileField(_l("粘贴的图片"))
    event_date = DateField(
        _l("事件日期"),
        validators=[Optional()],
        description=_l("如收到申请、作出决定或发生事件之日；据此按栏目时限计算应发布日期。"),
    )
    file_1 = FileField(_l("附件1"))
    type_1 = SelectField(_l("附件1的类型"), choices=_attachment_choices, default="other")
    file_2 = FileField(_l("附件2"))
    type_2 = SelectField(_l("附件2的类型"), choices=_attachment_choices, default="other")
    file_3 = FileField(_l("附件3"))
    type_3 = SelectField(_l("附件3的类型"), choices=_attachment_choices, default="other")
    save = SubmitField(_l("保存草稿"))
    save_submit = SubmitField(_l("保存并提交初审"))


class VersionForm(SafeForm):
    """Submit, resubmit, revise: the version the user saw, nothing else."""

    version = IntegerField(validators=[InputRequired(_l("页面已过期，请刷新后重新操作。"))])


COMMENT_MAX = 2000


class CommentForm(VersionForm):
    comment = TextAreaField(
        _l("意见"), validators=[Length(max=COMMENT_MAX, message=_l("意见不能超过2000字"))]
    )


class ApproveForm(CommentForm):
    confidentiality = BooleanField(_l("已完成保密审查，稿件不涉及国家秘密、工作秘密和敏感信息"))


class ScheduleForm(VersionForm):
    publish_at = DateTimeLocalField(
        _l("发布时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请选择发布时间"))]
    )


class RemoveAttachmentForm(VersionForm):
    attachment_id = IntegerField(validators=[InputRequired()])


class UnitForm(SafeForm):
    name = StringField(
        _l("单位名称"), validators=[DataRequired(_l("请填写单位名称")), Length(max=100)]
    )
    kind = SelectField(_l("类型"), choices=[])
    aliases = StringField(_l("别名（用顿号或逗号分隔）"), validators=[Length(max=500)])
    is_office = BooleanField(_l("区政府办（其编辑负责审发）"))


class UserForm(SafeForm):
    login = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名")), Length(max=64)])
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), Length(max=100)])
    unit_id = SelectField(_l("所属单位"), coerce=int, choices=[])
    roles = SelectMultipleField(_l("角色"), choices=[])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("手机号码"), validators=[Optional(), Length(max=32)])
    password = PasswordField(
        _l("初始密码（至少8位）"), validators=[Optional(), Length(min=8, message=_l("密码至少8位"))]
    )


class UserEditForm(SafeForm):
    roles = SelectMultipleField(_l("角色"), choices=[])
    active = BooleanField(_l("启用"))
    password = PasswordField(
        _l("重设密码（留空则不改）"),
        validators=[Optional(), Length(min=8, message=_l("密码至少8位"))],
    )


class ColumnForm(SafeForm):
    name = StringField(
        _l("栏目名称"), validators=[DataRequired(_l("请填写栏目名称")), Length(max=200)]
    )
    parent_id = SelectField(_l("上级栏目"), coerce=int, choices=[])
    content = TextAreaField(_l("保障内容"))
    time_requirement = TextAreaField(
        _l("时限要求"), description=_l("按原文填写，如“每月25日前报送”；保存后自动解析为规则。")
    )
    content_type = SelectField(_l("栏目性质"), choices=[])
    allows_statement = BooleanField(_l("无内容时可发布说明性信息"))
    retired = BooleanField(_l("已停用"))


class AssignmentForm(SafeForm):
    unit_id = SelectField(_l("责任单位"), coerce=int, choices=[])
    role = SelectField(_l("责任方式"), choices=[("lead", _l("牵头")), ("cooperating", _l("配合"))])
    responsible_since = DateField(
        _l("责任起始日期"),
        validators=[Optional()],
        description=_l("自该日起开始考核；不填则为今天。早于该日开始的周期不计入逾期和考核。"),
    )


class SinceForm(SafeForm):
    responsible_since = DateField(_l("责任起始日期"), validators=[DataRequired(_l("请选择日期"))])


class PartForm(SafeForm):
    name = StringField(
        _l("分类名称"), validators=[DataRequired(_l("请填写分类名称")), Length(max=100)]
    )


class DrafterForm(SafeForm):
    user_ids = SelectMultipleField(_l("指定信息报送员"), coerce=int, choices=[])


class HolidayForm(SafeForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    is_workday = SelectField(
        _l("当天"), choices=[("0", _l("放假（休息日）")), ("1", _l("上班（调休工作日）"))]
    )
    note = StringField(_l("备注"), validators=[Length(max=200)])


class DeleteForm(SafeForm):
    pass


class SecondFactorForm(SafeForm):
    code = StringField(
        _l("验证码或恢复码"), validators=[DataRequired(_l("请输入验证码")), Length(max=64)]
    )
    submit = SubmitField(_l("验证"))


class PasswordChangeForm(SafeForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请输入新密码")), Length(max=200)]
    )
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码"))])
    submit = SubmitField(_l("修改密码"))


class TwoFactorEnableForm(SafeForm):
    code = StringField(_l("验证码"), validators=[DataRequired(_l("请输入验证码")), Length(max=16)])
    submit = SubmitField(_l("启用两步验证"))


class TwoFactorDisableForm(SafeForm):
    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    submit = SubmitField(_l("停用两步验证"))


class NudgeForm(SafeForm):
    """催办: nothing but the CSRF token."""


class DelegationForm(SafeForm):
    """委托: who stands in for whom, at which stages, from which day to which (inclusive)."""

    delegator_id = SelectField(_l("委托人"), coerce=int, choices=[])
    delegate_id = SelectField(
        _l("受托人（代为审核）"),
        coerce=int,
        choices=[],
        validators=[InputRequired(_l("请选择受托人"))],
    )
    stages = SelectMultipleField(
        _l("委托环节"), choices=[], validators=[DataRequired(_l("请至少选择一个环节"))]
    )
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期"))])
    ends_on = DateField(_l("结束日期（含当天）"), validators=[InputRequired(_l("请填写结束日期"))])
    reason = StringField(_l("事由（如出差、休假）"), validators=[Length(max=200)])
    submit = SubmitField(_l("确认委托"))


class EndDelegationForm(SafeForm):
    """End a delegation early: nothing but the CSRF token."""


class ApiKeyForm(SafeForm):
    name = StringField(
        _l("名称（对接的系统）"), validators=[DataRequired(_l("请填写名称")), Length(max=100)]
    )
    scope = SelectField(_l("权限范围"), choices=list(labels.API_SCOPES.items()))
    units = SelectMultipleField(_l("限定单位（不选则不限）"), coerce=int, choices=[])
    columns = SelectMultipleField(_l("限定栏目及其下级（不选则不限）"), coerce=int, choices=[])
    expires = DateField(_l("有效期至（不填则长期有效）"), validators=[Optional()])


class WebhookForm(SafeForm):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称")), Length(max=100)])
    url = StringField(
        _l("推送地址（http 或 https）"),
        validators=[DataRequired(_l("请填写推送地址")), Length(max=1000)],
    )
    events = SelectMultipleField(
        _l("推送的事件"),
        choices=list(labels.WEBHOOK_EVENTS.items()),
        validators=[DataRequired(_l("请至少选择一个事件"))],
    )
