"""Error pages in the user's language that say what happened and what to do next."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from workflow.attachments import AttachmentRefused
from workflow.errors import (
    CommentRequired,
    ConfidentialityCheckRequired,
    DelegationRefused,
    InvalidTransition,
    KindNotAllowed,
    NotAllowed,
    NotDesignated,
    NotFound,
    NudgeRefused,
    PrerequisiteMissing,
    RecallRefused,
    SeparationOfDuties,
    SeriousFindings,
    StaleVersion,
    ValidationFailed,
    WorkflowError,
    WrongUnit,
)

log = logging.getLogger(__name__)

STALE_MESSAGE = _l("此稿件已被他人处理，请刷新后查看")

PAGES: dict[int | str, tuple[Any, Any]] = {
    400: (_l("请求无效"), _l("表单已过期或缺少安全令牌。请返回上一页，刷新后重新提交。")),
    403: (_l("没有权限"), _l("您的账户没有执行此操作的权限。如需权限，请联系本单位管理员。")),
    404: (_l("页面不存在"), _l("找不到该页面或稿件，或它不属于您的单位。请从首页重新进入。")),
    405: (_l("操作方式不正确"), _l("请通过页面上的按钮操作。")),
    409: (_l("稿件已变动"), STALE_MESSAGE),
    413: (
        _l("文件过大"),
        _l(
            "提交的内容（附件与正文合计）超过大小限制，服务器未接收，此次输入的内容未能保存。"
            "请压缩文件或拆分后分别上传。"
        ),
    ),
    # A 413 within the request cap: one text field beyond MAX_FORM_MEMORY_SIZE.
    "413-text": (
        _l("正文过长"),
        _l(
            "提交的正文过长，服务器无法接收，此次输入的内容未能保存。"
            "请删减正文，或把长篇材料作为附件上传。"
        ),
    ),
    422: (_l("内容未通过检查"), _l("请按提示修改后重新提交。")),
    429: (_l("尝试次数过多"), _l("登录失败次数过多，请15分钟后再试，或联系管理员重置密码。")),
    # The database (or its network) is down: nothing of this request was saved.
    503: (
        _l("系统暂时无法使用"),
        _l(
            "数据库暂时无法连接，此次操作没有保存，也没有发出任何通知。"
            "请复制下方您输入的内容，稍后重新提交；如持续出现请联系管理员。"
        ),
    ),
    500: (
        _l("系统出错"),
        _l("系统暂时出错，您的操作可能未完成。请稍后重试；如仍有问题请联系管理员。"),
    ),
}


class InputRefused(BadRequest):
    """A query or form value outside its range: a 400 page saying which one and why."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)
        self.message = message


def _missing_label(entry: str) -> str:
    """'attachment:interpretation' → 解读附件, 'field:phone' → 联系电话."""
    from web.labels import ATTACHMENT_TYPES, GUIDE_ELEMENTS, label

    kind, _sep, code = entry.partition(":")
    if kind == "attachment":
        return _("%(type)s附件", type=label(ATTACHMENT_TYPES, code))
    if kind == "field":
        return label(GUIDE_ELEMENTS, code)
    return entry


# Refusals that read the same whatever their details, in the order they are tried.
_FIXED_REFUSALS: tuple[tuple[type[WorkflowError], Any], ...] = (
    (
        SeparationOfDuties,
        _l("按“三审”分离原则，您不能审核本人起草或已在其他环节审核过的稿件。"),
    ),
    (NotDesignated, _l("该栏目已指定信息报送员，请由指定的报送员起草。")),
    (WrongUnit, _l("此操作须由稿件所属单位（或区政府办）的相应人员进行。")),
    (NotAllowed, _l("您的账户没有执行此操作的权限。")),
    (CommentRequired, _l("请填写意见，说明原因或需要修改的内容。")),
    (ConfidentialityCheckRequired, _l("初审通过前须确认已完成保密审查。")),
    (KindNotAllowed, _l("该栏目不接受此类信息（政策性栏目不得用新闻信息代替）。")),
)


def workflow_message(exc: WorkflowError) -> str:
    """The user's-language sentence for a refusal of the workflow library."""
    if isinstance(exc, StaleVersion):
        return str(STALE_MESSAGE)
    if isinstance(exc, InvalidTransition):
        return _("此稿件当前状态不允许该操作，可能已被他人处理，请刷新后查看。")
    if isinstance(exc, RecallRefused | DelegationRefused | NudgeRefused):
        reason = getattr(exc, "reason", "")
        return str(_REFUSALS.get((exc.code, reason), _REFUSALS[(exc.code, "")]))
    for kind, sentence in _FIXED_REFUSALS:
        if isinstance(exc, kind):
            return str(sentence)
    if isinstance(exc, SeriousFindings):
        terms = "、".join(f"“{m.partition(':')[2]}”" for m in exc.missing)
        return _(
            "内容检查发现严重问题尚未处理：%(terms)s。请修改，或由区政府办核准放行。",
            terms=terms,
        )
    if isinstance(exc, PrerequisiteMissing):
        missing = "、".join(_missing_label(m) for m in exc.missing)
        return _("栏目发布要求未满足，缺少：%(missing)s", missing=missing)
    if isinstance(exc, NotFound):
        return _("找不到该稿件或附件。")
    if isinstance(exc, AttachmentRefused):
        return str(exc)  # names the file, in Chinese (like the holiday file's refusals)
    if isinstance(exc, ValidationFailed):
        return _validation_message(str(exc))
    # The library's messages are English for developers: log them, never show them.
    log.warning("unmapped workflow error %s: %s", exc.code, exc)
    return _("操作未完成，请刷新页面后重试；如仍有问题请联系管理员。")


# Why a recall (撤回) or a delegation (委托) was refused, by the error's reason.
_REFUSALS: dict[tuple[str, str], Any] = {
    ("recall_refused", ""): _l("此稿件现在不能撤回。"),
    ("recall_refused", "acted"): _l("审核人已处理（或下一环节已处理），不能撤回。"),
    ("recall_refused", "not_yours"): _l("只有作出通过意见的审核人本人才能撤回。"),
    ("recall_refused", "scheduled"): _l(
        "区政府办已设定定时发布，不能撤回；如需修改请联系区政府办。"
    ),
    ("nudge_refused", ""): _l("现在不能催办此稿件。"),
    ("delegation_refused", ""): _l("无法设定此委托。"),
    ("delegation_refused", "self"): _l("不能委托给本人。"),
    ("delegation_refused", "delegator"): _l("委托人账户已停用。"),
    ("delegation_refused", "delegate"): _l(
        "受托人须为本单位在用的其他审核人员（分管负责人、主要负责人或区政府办编辑）；"
        "如需委托其他人员，请联系系统管理员。"
    ),
    ("delegation_refused", "stages"): _l("委托环节：请选择委托人本人负责的审核环节。"),
    ("delegation_refused", "dates"): _l("结束日期不能早于开始日期。"),
    ("delegation_refused", "past"): _l("开始日期不能早于今天。"),
    ("delegation_refused", "too_long"): _l("委托期限最长92天。"),
    ("delegation_refused", "overlap"): _l("委托人在这段时间的相同环节已有委托，请先结束原委托。"),
    ("delegation_refused", "chain"): _l(
        "不能转委托：受托人在这段时间本人也委托了他人，或委托人正在代他人审核。"
    ),
    ("delegation_refused", "ended"): _l("该委托已结束。"),
}

# The workflow library's ValidationFailed texts (English, for logs) → the user's sentence.
_VALIDATION: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"a password needs at least 8 characters of 3 kinds .*"),
        _l("密码至少8位，并包含小写字母、大写字母、数字、其他字符中的至少三种。"),
    ),
    (re.compile(r"a password needs at least (?P<n>.+) characters"), _l("密码至少需要%(n)s位。")),
    (
        re.compile(r"the login log is kept at least (?P<n>.+) days"),
        _l("登录日志至少保存%(n)s天。"),
    ),
    (re.compile(r"a unit needs a name"), _l("请填写单位名称。")),
    (re.compile(r"unit (?P<name>.+) already exists"), _l("单位“%(name)s”已存在。")),
    (
        re.compile(r"alias (?P<alias>.+) already names another unit"),
        _l("别名“%(alias)s”已用于其他单位。"),
    ),
    (re.compile(r"an alias needs a name"), _l("请填写别名。")),
    (
        re.compile(r"(?P<alias>.+) already names unit (?P<unit>.+)"),
        _l("别名“%(alias)s”已用于单位“%(unit)s”。"),
    ),
    (
        re.compile(r"a calendar feed belongs to exactly one user or one unit"),
        _l("日历订阅须属于一个用户或一个单位。"),
    ),
    (re.compile(r"a user needs a login"), _l("请填写用户名。")),
    (re.compile(r"login (?P<login>.+) is taken"), _l("用户名“%(login)s”已被使用，请换一个。")),
    (
        re.compile(r"obligation .+ is not an open one of this column"),
        _l("所选的报送任务已不是本栏目待完成的任务，请刷新后重新选择。"),
    ),
    (
        re.compile(r"column (?P<path>.+) is retired"),
        _l("栏目“%(path)s”已停用，不能再起草或提交信息。如有疑问请联系管理员。"),
    ),
    (re.compile(r"the attachment needs a file name"), _l("附件缺少文件名，请重新选择文件。")),
    (re.compile(r"a title is required"), _l("请填写标题。")),
    (
        re.compile(r"the title contains a line break or control character"),
        _l("标题须为一行文字，不能含换行符或控制字符。"),
    ),
    (
        re.compile(r"the date .+ is out of range"),
        _l("日期超出可计算的范围，请检查所填日期。"),
    ),
    (re.compile(r"a part needs a name"), _l("请填写分类名称。")),
    (re.compile(r"a column needs a name"), _l("请填写栏目名称")),
    (
        re.compile(r"a column name is longer than (?P<n>.+) characters"),
        _l("栏目名称不能超过%(n)s字。"),
    ),
    (
        re.compile(r"another column under the same parent is named .+"),
        _l("同一上级栏目下已有同名栏目"),
    ),
    (
        re.compile(r"(?P<path>.+) cannot move under itself"),
        _l("栏目“%(path)s”不能移到其自身或其下级栏目之下。"),
    ),
    (re.compile(r".+ already answers for .+"), _l("该单位已是本栏目的责任单位。")),
    (
        re.compile(r"not an active drafter of (?P<unit>.+): .+"),
        _l("所选人员不是“%(unit)s”在岗的信息报送员，请刷新后重新选择。"),
    ),
    (re.compile(r"a user needs at least one role"), _l("请至少选择一个角色")),
    (
        re.compile(r"a part name is longer than (?P<n>.+) characters"),
        _l("分类名称不能超过%(n)s字。"),
    ),
    (
        re.compile(r"the column already has a part named (?P<name>.+)"),
        _l("本栏目已有名为“%(name)s”的分类。"),
    ),
    (
        re.compile(r"the responsible-since day (?P<day>.+) is out of range"),
        _l("责任起始日期 %(day)s 不在有效范围内（2000年至明年）。"),
    ),
    (re.compile(r"invalid rule: .+"), _l("时限规则填写不完整或有误，请检查后重新保存。")),
    (
        re.compile(r"linking (?P<source>.+) to (?P<target>.+) would close a circle"),
        _l("不能将“%(source)s”关联到“%(target)s”：栏目不能关联自身，也不能形成循环关联。"),
    ),
    (
        re.compile(r"the part (?P<name>.+) does not belong to this column"),
        _l("所选分类“%(name)s”不属于本栏目，请刷新后重新选择。"),
    ),
    (re.compile(r"this column needs a part"), _l("本栏目分为多个分类，请选择信息所属的分类。")),
    (
        re.compile(r"the part (?P<name>.+) is named by a rule"),
        _l("分类“%(name)s”仍有时限规则适用：请先在规则中改为其他分类或整个栏目，再停用。"),
    ),
    (
        re.compile(r"the title is longer than (?P<n>.+) characters"),
        _l("标题不能超过%(n)s字。"),
    ),
    (
        re.compile(r"the publication time must be in the future"),
        _l("发布时间须晚于当前时间，请重新选择。"),
    ),
    (
        re.compile(r"this item is already scheduled; cancel that first"),
        _l("此稿件已设定定时发布；如需更改，请先取消原定时。"),
    ),
    (re.compile(r"an API key needs a name"), _l("请填写接口密钥的名称。")),
    (
        re.compile(r"an API key name is longer than (?P<n>.+) characters"),
        _l("接口密钥的名称不能超过%(n)s字。"),
    ),
    (re.compile(r"unknown API scope .*"), _l("请选择接口密钥的权限范围。")),
    (re.compile(r"the expiry must be in the future"), _l("有效期须晚于今天。")),
    (
        re.compile(r"a webhook needs a name of at most 100 characters"),
        _l("请填写推送订阅的名称（不超过100字）。"),
    ),
    (
        re.compile(r"the webhook url must be an http or https address"),
        _l("推送地址无效，请填写完整的网址（可从浏览器地址栏复制）。"),
    ),
    (re.compile(r"choose the webhook's events"), _l("请至少选择一个推送的事件。")),
    (
        re.compile(r"the url must be an http or https address"),
        _l("外部发布的网页地址无效，请填写完整的网址（可从浏览器地址栏复制）。"),
    ),
    (re.compile(r"the publication needs a title"), _l("请填写标题。")),
    (
        re.compile(r"the title is not one line of at most (?P<n>.+) characters"),
        _l("标题须为一行文字，且不超过%(n)s字。"),
    ),
    (
        re.compile(r"the publication time is in the future"),
        _l("发布时间不能晚于当前时间。"),
    ),
    (
        re.compile(r"the column has several responsible units: name one"),
        _l("该栏目有多个责任单位，请指明是哪个单位发布的。"),
    ),
    (
        re.compile(r"the unit is not responsible for the column"),
        _l("所指单位不是该栏目的责任单位。"),
    ),
    # Content checks (workflow.services.checks).
    (re.compile(r"a reason is required"), _l("请填写理由。")),
    (re.compile(r"the reason is longer than (?P<n>.+) characters"), _l("理由不能超过%(n)s字。")),
    (
        re.compile(r"only an open finding can be marked checked"),
        _l("该问题已处理，不能再标记为已核实。"),
    ),
    (re.compile(r"only a serious finding is overridden"), _l("只有严重问题需要核准放行。")),
    (re.compile(r"this finding is no longer open"), _l("该问题已处理，请刷新页面。")),
    (re.compile(r"a term is required"), _l("请填写词语")),
    (re.compile(r"the term is longer than (?P<n>.+) characters"), _l("词语不能超过%(n)s字。")),
    (re.compile(r"unknown category .+"), _l("请从列表中选择类别。")),
    (re.compile(r"unknown severity .+"), _l("请从列表中选择严重程度。")),
    (re.compile(r"a list needs a name"), _l("请填写名称")),
    (re.compile(r"a list named (?P<name>.+) exists"), _l("已有名为“%(name)s”的词库。")),
    (re.compile(r"the list already has (?P<term>.+)"), _l("词库中已有“%(term)s”")),
]


def _validation_message(detail: str) -> str:
    for pattern, text in _VALIDATION:
        match = pattern.fullmatch(detail)
        if match:
            return str(text) % match.groupdict() if match.groupdict() else str(text)
    log.warning("unmapped validation message: %s", detail)
    return _("提交的内容未通过检查，请检查后重新提交；如仍有问题请联系管理员。")


TYPED_FIELDS = {
    "title": _l("标题"),
    "body": _l("正文"),
    "comment": _l("意见"),
    "note": _l("备注"),
    "content": _l("保障内容"),
    "time_requirement": _l("时限要求"),
}


def _too_large_page() -> tuple[Any, Any]:
    """The whole request over the cap (files, mostly), or one text field over the
    form-memory limit."""
    length = request.content_length or 0
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    return PAGES[413] if cap and length > cap else PAGES["413-text"]


def _typed_fields() -> dict[str, Any]:
    """The text fields worth showing back: the common ones and the eight 办事指南 elements."""
    from web.labels import GUIDE_ELEMENTS

    return {**TYPED_FIELDS, **{f"field_{key}": name for key, name in GUIDE_ELEMENTS.items()}}


def _typed() -> list[tuple[str, str, str]]:
    """What the user typed into the refused form; nothing when the form cannot be read
    (a 413: the request was refused before or while it was parsed)."""
    try:
        form = request.form
    except Exception:  # RequestEntityTooLarge again, or a broken body: nothing to show
        return []
    fields = _typed_fields()
    return [(k, str(name), form[k]) for k, name in fields.items() if form.get(k, "").strip()]


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    title, text = _too_large_page() if status == 413 else PAGES.get(status, PAGES[500])
    # Whatever the user typed into a refused form is shown back to copy, never lost.
    typed = _typed() if request.method == "POST" and (status < 500 or status == 503) else []
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title,
            message=message or str(text),
            typed=typed,
        ),
        status,
    )


def _outage_page(exc: Exception) -> tuple[str, int]:
    """The database is unreachable: a 503 that says nothing was saved, with the typed
    text, rendered without touching the database again (the user shows as logged out,
    which keeps the page's navigation from querying)."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
    g._login_user = AnonymousUserMixin()  # flask-login's per-request user
    return render_error(503)


def register(app: Flask) -> None:
    from web.api import problems

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc: DBAPIError) -> Any:
        if problems.is_api_request():
            log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
            return problems.problem(503)
        return _outage_page(exc)

    @app.errorhandler(InputRefused)
    def _refused(exc: InputRefused) -> Any:
        if problems.is_api_request():
            return problems.problem(400, exc.message)
        return render_error(400, exc.message)

    @app.errorhandler(WorkflowError)
    def _workflow(exc: WorkflowError) -> Any:
        if problems.is_api_request():
            return problems.from_workflow(exc, workflow_message(exc))
        return render_error(exc.http_status, workflow_message(exc))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int]:
        log.info("CSRF refused on %s: %s", request.path, exc.description)
        return render_error(400)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if problems.is_api_request():
            return problems.from_http(exc)
        status = exc.code or 500
        return render_error(status if status in PAGES else 500 if status >= 500 else 400)

    @app.errorhandler(500)
    def _internal(_exc: Exception) -> Any:
        if problems.is_api_request():
            return problems.problem(500)
        return render_error(500)
