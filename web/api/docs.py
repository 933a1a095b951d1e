"""A readable page of the API's OpenAPI document, rendered on the server: no script and
nothing from the internet, so the strict CSP holds (Swagger UI and Redoc load from a
CDN by default and run inline code)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

bp = Blueprint("api_reference", __name__)

# What each operation is for, in the reader's language (the document's own texts, from
# the views' docstrings, are English for developers and stay below it).
PURPOSES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/columns"): _l("栏目树及各栏目的责任单位"),
    ("GET", "/api/v1/items"): _l("已发布的信息（分页）"),
    ("GET", "/api/v1/items/{item_id}"): _l("一条已发布信息的现行版本：标题、正文、字段与附件"),
    ("GET", "/api/v1/items/{item_id}/attachments/{attachment_id}"): _l(
        "下载现行版本的附件（可按 SHA-256 校验）"
    ),
    ("GET", "/api/v1/changes"): _l("按游标同步发布、修订与撤稿，不漏不重"),
    ("GET", "/api/v1/deadlines"): _l("各栏目、各责任单位的时限状态"),
    ("POST", "/api/v1/drafts"): _l("以信息报送员的名义提交草稿，进入“三审”"),
    ("POST", "/api/v1/external-publications"): _l("报告门户网站直接发布的信息（外部发布）"),
}

METHODS = ("get", "post", "put", "patch", "delete")


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """(method, path, summary, description, parameters, body, answers) per operation."""
    out = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "purpose": PURPOSES.get((method.upper(), path), ""),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [*item.get("parameters", []), *op.get("parameters", [])],
                    "body": _ref_name(body.get("schema", {})),
                    "responses": sorted(op.get("responses", {}).items()),
                    "tag": ", ".join(op.get("tags", [])),
                }
            )
    return out


def _ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else ""


@bp.get("/api/v1/docs")
def page() -> str:
    spec = current_app.extensions["sanshen.api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api/docs.html",
        info=spec.get("info", {}),
        operations=operations(spec),
        schemas=sorted(schemas.items()),
    )
