"""Refusals of the API as RFC 9457 problem details (application/problem+json), with a
title and detail in the caller's language: Chinese, or English when Accept-Language
prefers it (web.setup.select_locale)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, json, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from workflow.errors import NotAllowed, NotFound, StaleVersion, WorkflowError

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://sanshen.invalid/problems/"
MEDIA_TYPE = "application/problem+json"

TITLES: dict[int, Any] = {
    400: _l("请求无效"),
    401: _l("需要有效的接口密钥"),
    403: _l("接口密钥无权执行此操作"),
    404: _l("找不到该资源"),
    405: _l("不支持该请求方法"),
    409: _l("资源已变动"),
    413: _l("请求内容过大"),
    415: _l("请求须为 JSON"),
    422: _l("请求内容未通过检查"),
    429: _l("请求过于频繁"),
    500: _l("系统出错"),
    503: _l("系统暂时无法使用"),
}
DETAILS: dict[int, Any] = {
    400: _l("请检查请求的参数与格式。"),
    401: _l("请在 Authorization 请求头中以 Bearer 方式提供有效的接口密钥。"),
    403: _l("此接口密钥的权限范围不包括该操作或该单位、栏目。"),
    404: _l("找不到该资源，或它不在此接口密钥的范围之内。"),
    405: _l("请查阅接口文档中该地址支持的请求方法。"),
    409: _l("资源已被他人修改，请重新读取后再试。"),
    413: _l("请求内容超过大小限制。"),
    415: _l("请以 Content-Type: application/json 发送 JSON 请求体。"),
    422: _l("请按提示修改后重新提交。"),
    429: _l("此接口密钥的请求次数超过限制，请稍后再试。"),
    500: _l("系统暂时出错，请稍后重试。"),
    503: _l("数据库暂时无法连接，此次请求没有保存任何内容，请稍后重试。"),
}
CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "rate-limited",
    500: "server-error",
    503: "unavailable",
}


def problem(
    status: int, detail: str | None = None, errors: dict[str, Any] | None = None
) -> Response:
    """A problem+json response; `errors`: the refused fields and why (in words)."""
    known = status if status in TITLES else (500 if status >= 500 else 400)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + CODES[known],
        "title": str(TITLES[known]),
        "status": status,
        "detail": detail or str(DETAILS[known]),
        "instance": request.path[:200],
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Content-Language"] = "en" if str(get_locale()) == "en" else "zh-CN"
    return response


def _field_errors(exc: HTTPException) -> dict[str, Any] | None:
    """webargs' messages (a 422 of flask-smorest) as {location: {field: [words]}}."""
    data = getattr(exc, "data", None)
    messages = data.get("messages") if isinstance(data, dict) else None
    return messages if isinstance(messages, dict) else None


def from_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    errors = _field_errors(exc)
    detail = getattr(exc, "api_detail", None)
    if errors and status == 422:
        detail = _("请求中有字段未通过检查，见 errors。")
    return problem(status, detail, errors)


def from_workflow(exc: WorkflowError, message: str) -> Response:
    """A refusal of the workflow library, in the sentence the pages use."""
    if isinstance(exc, NotFound):
        return problem(404)
    if isinstance(exc, StaleVersion):
        return problem(409, message)
    if isinstance(exc, NotAllowed):
        return problem(403, message)
    return problem(exc.http_status if exc.http_status in TITLES else 422, message)


class ApiRefusal(HTTPException):
    """Raised by API views: the status and a sentence for `detail`."""

    def __init__(self, status: int, detail: str | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.api_detail = detail


def is_api_request() -> bool:
    return request.path.startswith("/api/")
