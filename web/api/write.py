"""The API's writes: a draft made on behalf of a drafter (into 三审, never past it), and a
publication made outside sanshen (外部发布). Both need a read + write key and accept an
`Idempotency-Key` header: the same key again gets the first answer, nothing twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from web import db_session
from web.api import column_scope, guard, in_scope, require_write
from web.api import schemas as s
from web.api.problems import ApiRefusal, problem
from web.helpers import run_as
from workflow.enums import ItemKind
from workflow.models import ApiKey, Column, ExternalPublication, Item, User
from workflow.outcome import Outcome
from workflow.services import api as api_services
from workflow.services import create_item

bp = Blueprint("api_write", __name__, description="Writes: drafts and external publications")
guard(bp)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_MAX = 100
IDEMPOTENCY_DOC = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": IDEMPOTENCY_MAX},
    "description": "A key of the client's choosing: the same key again gets the first "
    "answer (kept a day), and nothing is written twice.",
}


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )


def _idempotency_key() -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    raw = raw.strip()
    if not raw or len(raw) > IDEMPOTENCY_MAX or not raw.isascii() or not raw.isprintable():
        raise ApiRefusal(400, _("Idempotency-Key 须为1至100个可打印的 ASCII 字符。"))
    return raw


def _once(
    api_key: ApiKey,
    actor: User | None,
    service: Callable[..., Outcome[Any]],
    answer: Callable[[Any], tuple[int, dict[str, Any]]],
    args: dict[str, Any],
    **kwargs: Any,
) -> Response:
    idem = _idempotency_key()
    fingerprint = hashlib.sha256(
        (request.path + "\n" + json.dumps(args, sort_keys=True, default=str)).encode()
    ).hexdigest()
    if idem is not None:
        earlier = api_services.remembered(db_session(), api_key.id, idem)
        if earlier is not None:
            return _replayed(earlier.fingerprint, fingerprint, earlier.status, earlier.body)
    try:
        outcome = run_as(
            actor,
            api_services.idempotent,
            key_id=api_key.id,
            idempotency_key=idem,
            fingerprint=fingerprint,
            service=service,
            answer=answer,
            **kwargs,
        )
    except IntegrityError:  # a twin with the same key committed first
        earlier = api_services.remembered(db_session(), api_key.id, idem) if idem else None
        if earlier is None:
            raise
        return _replayed(earlier.fingerprint, fingerprint, earlier.status, earlier.body)
    status, body = outcome.value
    return _json(status, body)


def _replayed(stored: str, fingerprint: str, status: int, body: dict[str, Any]) -> Response:
    if stored != fingerprint:
        return problem(422, _("此 Idempotency-Key 已用于另一个不同的请求，请换一个新的键。"))
    response = _json(status, body)
    response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/drafts")
@bp.arguments(s.DraftIn)
@bp.response(201, s.DraftOut)
@bp.doc(parameters=[IDEMPOTENCY_DOC])
def create_draft(args: dict[str, Any]) -> Response:
    """Create a draft in a column on behalf of a drafter.

    The draft is made with that user's permissions (their unit, the column's designated
    drafters) and stops there: it goes through 初审, 审核 and 审发 in sanshen like any
    other. Needs a read + write key whose units and columns include it."""
    from web.sanitize import BodyRefused, clean_body

    key = require_write()
    session = db_session()
    user = session.scalar(select(User).where(User.login == args["user"]))
    column = session.get(Column, args["column_id"])
    if user is None or not user.active:
        raise ApiRefusal(422, _("找不到该用户，或该用户已停用。"))
    if column is None or not in_scope(key, column.id, user.unit_id):
        raise ApiRefusal(404)
    if args["kind"] not in {k.value for k in ItemKind}:
        raise ApiRefusal(422, _("信息类别无效。"))
    try:
        body = clean_body(args["body"], strict=True)
    except BodyRefused as exc:
        raise ApiRefusal(
            422, _("正文中有无法保存的内容（如脚本），请删除后重试：%(text)s", text=str(exc))
        ) from exc

    def answer(item: Item) -> tuple[int, dict[str, Any]]:
        return 201, {
            "item_id": item.id,
            "state": str(item.state),
            "title": item.title,
            "web_url": url_for("review.item", item_id=item.id, _external=True),
        }

    return _once(
        key,
        user,
        create_item,
        answer,
        args,
        column_id=column.id,
        kind=args["kind"],
        title=args["title"],
        body=body,
        part_id=args.get("part_id"),
    )


@bp.post("/external-publications")
@bp.arguments(s.ExternalIn)
@bp.response(201, s.ExternalOut)
@bp.doc(parameters=[IDEMPOTENCY_DOC])
def record_external(args: dict[str, Any]) -> Response:
    """Report an item the portal published without sanshen (a 转载, an urgent notice).

    It counts for the column's deadlines and portal health and is shown as 外部发布 —
    never as reviewed. Needs a read + write key whose units and columns include it."""
    key = require_write()
    column = db_session().get(Column, args["column_id"])
    columns = column_scope(key)
    if column is None or (columns is not None and column.id not in columns):
        raise ApiRefusal(404)
    unit_id = args.get("unit_id")

    def answer(p: ExternalPublication) -> tuple[int, dict[str, Any]]:
        return 201, {
            "id": p.id,
            "column_id": p.column_id,
            "unit_id": p.unit_id,
            "url": p.url,
            "title": p.title,
            "published_at": p.published_at.isoformat(),
            "published_by": p.published_by,
            "label": "外部发布",
        }

    return _once(
        key,
        None,
        api_services.record_external,
        answer,
        args,
        key=key,
        column_id=args["column_id"],
        unit_id=unit_id,
        url=args["url"],
        title=args["title"],
        published_at=args["published_at"],
        published_by=args["published_by"],
    )
