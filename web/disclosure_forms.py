"""The forms of the 依申请公开 register and of the annual reports' pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from web.form_checks import SafeForm
from web.forms import VersionForm

TEXT = 5000


class RegisterForm(SafeForm):
    received_on = DateField(_l("收到日期"), validators=[InputRequired(_l("请填写收到日期"))])
    channel = SelectField(_l("申请方式"), validators=[InputRequired()])
    applicant_type = SelectField(_l("申请人类型"), validators=[InputRequired()])
    applicant_name = StringField(
        _l("申请人"),
        validators=[DataRequired(_l("请填写申请人")), Length(max=200, message=_l("不能超过200字"))],
    )
    content = TextAreaField(
        _l("申请内容"),
        validators=[
            DataRequired(_l("请填写申请内容")),
            Length(max=TEXT, message=_l("不能超过5000字")),
        ],
    )
    info_requested = TextAreaField(
        _l("所需政府信息"),
        validators=[
            DataRequired(_l("请填写所需政府信息")),
            Length(max=TEXT, message=_l("不能超过5000字")),
        ],
    )


class NoteForm(VersionForm):
    note = TextAreaField(_l("说明"), validators=[Length(max=TEXT, message=_l("不能超过5000字"))])


class RouteForm(VersionForm):
    unit_id = SelectField(_l("承办单位"), coerce=int, validators=[InputRequired()])
    reviewer_id = SelectField(_l("答复书审核人"), coerce=int, validators=[Optional()])
    reason = TextAreaField(
        _l("转办理由"),
        validators=[
            DataRequired(_l("请填写转办理由")),
            Length(max=TEXT, message=_l("不能超过5000字")),
        ],
    )


class CorrectionForm(NoteForm):
    received_on = DateField(
        _l("收到补正日期"), validators=[InputRequired(_l("请填写收到补正的日期"))]
    )


class ExtendForm(VersionForm):
    workdays = IntegerField(
        _l("延长工作日数"),
        validators=[
            InputRequired(_l("请填写延长的工作日数")),
            NumberRange(1, 20, message=_l("延长期限为1至20个工作日")),
        ],
    )
    reason = TextAreaField(
        _l("延期理由"),
        validators=[
            DataRequired(_l("请填写延期理由")),
            Length(max=TEXT, message=_l("不能超过5000字")),
        ],
    )


class AssistForm(VersionForm):
    unit_id = SelectField(_l("协办单位"), coerce=int, validators=[InputRequired()])
    due_on = DateField(_l("意见反馈期限"), validators=[InputRequired(_l("请填写意见反馈期限"))])


class OpinionForm(VersionForm):
    opinion = TextAreaField(
        _l("协办意见"),
        validators=[
            DataRequired(_l("请填写协办意见")),
            Length(max=TEXT, message=_l("不能超过5000字")),
        ],
    )


class ReplyForm(VersionForm):
    outcome = SelectField(_l("处理结果"), validators=[InputRequired()])
    text = TextAreaField(
        _l("答复书（留空则按模板生成）"),
        validators=[Length(max=TEXT, message=_l("不能超过5000字"))],
    )


class FiguresForm(SafeForm):
    """The CSRF token of the figures' form; its many fields are read by name and checked
    by the service (workflow.services.report_figures)."""


class ReportScheduleForm(SafeForm):
    kind = SelectField(_l("报表"), validators=[InputRequired()])
    recipients = TextAreaField(
        _l("收件邮箱（每行一个）"),
        validators=[
            DataRequired(_l("请填写收件邮箱")),
            Length(max=2000, message=_l("不能超过2000字")),
        ],
    )
    day_of_month = IntegerField(
        _l("每月发送日"),
        validators=[
            InputRequired(_l("请填写每月发送日")),
            NumberRange(1, 28, message=_l("每月发送日为1至28日")),
        ],
    )


class ScheduleSwitchForm(SafeForm):
    schedule_id = IntegerField(validators=[InputRequired()])
