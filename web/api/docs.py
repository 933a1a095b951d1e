"""A readable page of the API's OpenAPI document, rendered on the server: no script and
nothing from the internet, so the strict CSP holds (Swagger UI and Redoc load from a
CDN by default and run inline code)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_reference", __name__)

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
