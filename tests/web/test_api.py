"""Issue 18: the portal API — keys (scopes, limits, expiry, revocation), problem+json
refusals in Chinese and English, the reads, the cursor feed under concurrent change,
idempotent writes, external publications and the deadlines, the call log, the rate
limit, and the OpenAPI document against the routes."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate
from sqlalchemy import func, select

from workflow import runner
from workflow.deadlines.parser import parse
from workflow.models import ApiCall, ExternalPublication, Item, Unit
from workflow.services import api as api_services
from workflow.storage import BlobStore

from ..factories import make_column
from .api_support import auth, make_key, publish, retract, revise, run, session_of, user
from .support import Portal

PROBLEM = "application/problem+json"


def get(app: Flask, path: str, secret: str | None, **kwargs: Any) -> Any:
    headers = auth(secret) if secret else {}
    headers.update(kwargs.pop("headers", {}))
    return app.test_client().get(path, headers=headers, **kwargs)


def post(app: Flask, path: str, secret: str, body: Any, **headers: str) -> Any:
    return app.test_client().post(path, json=body, headers=auth(secret, **headers))


# Keys and refusals


def test_no_key_is_a_401_problem_in_chinese_or_english(app: Flask, portal: Portal) -> None:
    response = get(app, "/api/v1/columns", None)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "需要有效的接口密钥"
    assert body["type"].endswith("/unauthorized") and body["instance"] == "/api/v1/columns"
    english = get(app, "/api/v1/columns", None, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.get_json()["title"] == "A valid API key is required"
    assert english.headers["Content-Language"] == "en"
    wrong = get(app, "/api/v1/columns", "ss_not-a-key")
    assert wrong.status_code == 401


def test_read_key_reads_and_may_not_write(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "read")
    assert get(app, "/api/v1/columns", secret).status_code == 200
    refused = post(
        app,
        "/api/v1/drafts",
        secret,
        {"column_id": portal.column.id, "user": portal.logins["drafter"], "title": "草稿"},
    )
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    assert refused.get_json()["detail"] == "此接口密钥只能读取，不能写入。"


def test_expired_and_revoked_keys_are_refused(app: Flask, portal: Portal) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    expired = make_key(app, portal, "read", now=start, expires_at=start + timedelta(days=1))
    response = get(app, "/api/v1/columns", expired)
    assert response.status_code == 401
    assert "过期" in response.get_json()["detail"]
    secret = make_key(app, portal, "read", expires_at=datetime.now(UTC) + timedelta(days=30))
    assert get(app, "/api/v1/columns", secret).status_code == 200
    with session_of(app) as session:
        key = api_services.find_key(session, secret)
        assert key is not None
        key_id = key.id
        assert key.prefix == secret[:10] and key.secret_hash != secret  # stored hashed
        assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    run(app, api_services.revoke_key, "admin", portal, key_id=key_id)
    revoked = get(app, "/api/v1/columns", secret)
    assert revoked.status_code == 401 and "作废" in revoked.get_json()["detail"]


def test_a_key_limited_to_a_unit_sees_only_its_items(app: Flask, portal: Portal) -> None:
    item_id = publish(app, portal, "教育局的通知")
    with session_of(app) as session:
        other = user(session, portal, "other_deputy").unit_id
        mine = user(session, portal, "drafter").unit_id
    outsider = make_key(app, portal, "read", unit_ids=[other])
    insider = make_key(app, portal, "read", unit_ids=[mine])
    assert get(app, f"/api/v1/items/{item_id}", outsider).status_code == 404
    assert get(app, f"/api/v1/items/{item_id}", insider).status_code == 200
    ids = [i["id"] for i in get(app, "/api/v1/items?limit=500", outsider).get_json()["items"]]
    assert item_id not in ids


def test_a_key_limited_to_a_column_subtree(app: Flask, portal: Portal) -> None:
    with session_of(app) as session:
        unit = session.get(Unit, user(session, portal, "drafter").unit_id)
        assert unit is not None
        other_column = make_column(session, [unit]).id
        session.commit()
    inside = publish(app, portal, "栏目内", column_id=portal.column.id)
    outside = publish(app, portal, "栏目外", column_id=other_column)
    secret = make_key(app, portal, "read", column_ids=[portal.column.id])
    tree = get(app, "/api/v1/columns", secret).get_json()["columns"]
    assert [c["id"] for c in tree] == [portal.column.id]
    assert get(app, f"/api/v1/items/{inside}", secret).status_code == 200
    assert get(app, f"/api/v1/items/{outside}", secret).status_code == 404


# Reads


def test_published_item_shows_its_live_revision_and_attachments(app: Flask, portal: Portal) -> None:
    from workflow import services

    now = datetime.now(UTC)
    store = BlobStore(app.config["SANSHEN"].ATTACHMENT_DIR)
    item = run(
        app, services.create_item, "drafter", portal, column_id=portal.column.id,
        kind="article", title="招生公告", body="<p>今年招生<b>计划</b></p>",
    )  # fmt: skip
    data = "招生简章：今年招收新生三百名。\n".encode() * 10
    run(
        app, services.add_attachment, "drafter", portal, item_id=item.id,
        expected_version=item.version, store=store, data=data, filename="简章.txt",
        attachment_type="other", media_type="text/plain",
    )  # fmt: skip
    with session_of(app) as session:
        version = session.get(Item, item.id).version  # type: ignore[union-attr]
    from .api_support import push_through

    push_through(app, portal, item.id, version, now)
    # A new revision in review stays invisible: the API shows the live one.
    run(
        app, services.revise, "drafter", portal, item_id=item.id,
        expected_version=version + 4,
    )  # fmt: skip
    secret = make_key(app, portal, "read")
    body = get(app, f"/api/v1/items/{item.id}", secret).get_json()
    assert body["title"] == "招生公告" and body["revision"] == 1
    assert "<b>计划</b>" in body["body_html"]
    assert body["column_path"] == portal.column.path
    (attachment,) = body["attachments"]
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
    assert attachment["size"] == len(data) and attachment["filename"] == "简章.txt"
    download = get(app, attachment["download_url"].replace("http://localhost", ""), secret)
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == attachment["sha256"]
    unpublished = run(
        app, services.create_item, "drafter", portal, column_id=portal.column.id,
        kind="article", title="未发布", body="",
    )  # fmt: skip
    assert get(app, f"/api/v1/items/{unpublished.id}", secret).status_code == 404


def _drain(app: Flask, secret: str, cursor: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    page = get(app, f"/api/v1/changes?cursor={cursor}&limit={limit}", secret).get_json()
    return page["changes"], page["next_cursor"]


def test_the_cursor_never_skips_or_repeats_while_items_change(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "read")
    start = get(app, "/api/v1/changes?limit=500", secret).get_json()
    while start["has_more"]:
        start = get(app, f"/api/v1/changes?cursor={start['next_cursor']}", secret).get_json()
    cursor = start["next_cursor"]
    now = datetime.now(UTC)
    first = [publish(app, portal, f"第{i}条", now=now) for i in range(5)]
    seen: list[dict[str, Any]] = []
    page, cursor = _drain(app, secret, cursor, 2)
    seen += page
    # Between pages: more publications, a revision gone live, a retraction.
    later = [publish(app, portal, f"新增{i}", now=now) for i in range(3)]
    revise(app, portal, first[0], "第0条（修订）", now)
    retract(app, portal, first[1], now)
    during = False
    while True:
        page, cursor = _drain(app, secret, cursor, 2)
        if not page:
            break
        seen += page
        if len(seen) >= 6 and not during:
            publish(app, portal, "翻页时发布", now=now)
            during = True
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(set(seqs)), "a change repeated or out of order"
    kinds = [(c["item_id"], c["kind"]) for c in seen]
    expected = [(i, "published") for i in first + later]
    expected += [(first[0], "revised"), (first[1], "retracted")]
    assert [k for k in kinds if k in expected] == expected
    assert len(kinds) == len(expected) + 1  # and the one published while paging
    retracted = next(c for c in seen if c["kind"] == "retracted")
    assert retracted["url"] is None
    assert get(app, f"/api/v1/items/{first[1]}", secret).status_code == 404
    assert get(app, f"/api/v1/items/{first[0]}", secret).get_json()["title"] == "第0条（修订）"


def test_changes_refuse_a_bad_cursor_with_the_field_named(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "read")
    response = get(app, "/api/v1/changes?cursor=abc&limit=0", secret)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    errors = response.get_json()["errors"]["query"]
    assert set(errors) == {"cursor", "limit"}


# Writes


def test_a_draft_on_behalf_of_a_drafter_stops_at_draft(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "write")
    body = {
        "column_id": portal.column.id,
        "user": portal.logins["drafter"],
        "title": "政务新媒体稿件",
        "body": "<p>内容</p>",
    }
    first = post(app, "/api/v1/drafts", secret, body, **{"Idempotency-Key": "new-1"})
    assert first.status_code == 201, first.get_data(as_text=True)
    again = post(app, "/api/v1/drafts", secret, body, **{"Idempotency-Key": "new-1"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    item_id = first.get_json()["item_id"]
    with session_of(app) as session:
        item = session.get(Item, item_id)
        assert item is not None and item.state == "draft"
        assert item.drafter_id == portal.ids["drafter"]
        count = session.scalar(select(func.count()).where(Item.title == "政务新媒体稿件"))
        assert count == 1
    reused = post(
        app, "/api/v1/drafts", secret, {**body, "title": "另一篇"}, **{"Idempotency-Key": "new-1"}
    )
    assert reused.status_code == 422 and "Idempotency-Key" in reused.get_json()["detail"]
    # Someone who is no drafter cannot be named: the drafting service refuses.
    refused = post(app, "/api/v1/drafts", secret, {**body, "user": portal.logins["head"]})
    assert refused.status_code == 403 and refused.mimetype == PROBLEM


def test_a_draft_body_is_cleaned_and_unknown_fields_refused(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "write")
    body = {"column_id": portal.column.id, "user": portal.logins["drafter"], "title": "x"}
    script = post(app, "/api/v1/drafts", secret, {**body, "body": "<script>x()</script>正文"})
    assert script.status_code == 201  # cleaned as the drafting form cleans it
    with session_of(app) as session:
        item = session.get(Item, script.get_json()["item_id"])
        assert item is not None and "script" not in item.revisions[0].body
        assert "正文" in item.revisions[0].body
    unknown = post(app, "/api/v1/drafts", secret, {**body, "state": "published"})
    assert unknown.status_code == 422
    assert "state" in unknown.get_json()["errors"]["json"]


def _overdue_column(app: Flask, portal: Portal) -> int:
    with session_of(app) as session:
        unit = session.get(Unit, user(session, portal, "drafter").unit_id)
        assert unit is not None
        column = make_column(session, [unit])
        column.rules = parse("每月至少更新1条")
        column.rules_confirmed_at = datetime(2026, 1, 1, tzinfo=UTC)
        session.commit()
        return column.id


def test_an_external_publication_turns_an_overdue_column_ok(app: Flask, portal: Portal) -> None:
    clock = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    app.config["SANSHEN_CLOCK"] = lambda: clock
    try:
        column_id = _overdue_column(app, portal)
        secret = make_key(app, portal, "write", now=clock)

        def status() -> str:
            found = get(app, f"/api/v1/deadlines?column_id={column_id}", secret).get_json()
            (row,) = found["deadlines"]
            return str(row["status"])

        assert status() == "overdue"
        report = {
            "column_id": column_id,
            "url": "https://www.example.gov.cn/zwgk/2026/11/t1.html",
            "title": "转载：市政府关于冬季供暖的通知",
            "published_at": "2026-11-20T09:00:00+08:00",
            "published_by": "网站编辑部 郑爽",
        }
        answer = post(app, "/api/v1/external-publications", secret, report)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        assert answer.get_json()["label"] == "外部发布"
        assert status() == "ok"
        with session_of(app) as session:
            row = session.get(ExternalPublication, answer.get_json()["id"])
            assert row is not None and row.published_by == "网站编辑部 郑爽"
            # Never an Item: nothing in the 三审 states, nothing "reviewed".
            assert session.scalar(select(func.count()).where(Item.column_id == column_id)) == 0
        bad = post(app, "/api/v1/external-publications", secret, {**report, "url": "javascript:x"})
        assert bad.status_code == 422 and bad.mimetype == PROBLEM
        assert bad.get_json()["title"] == "请求内容未通过检查"
    finally:
        app.config.pop("SANSHEN_CLOCK", None)


# The log, the limit, the document


def test_every_call_is_logged_and_purged_after_the_retention(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "read")
    get(app, "/api/v1/columns", secret)
    get(app, "/api/v1/items/2147483647", secret)
    with session_of(app) as session:
        key = api_services.find_key(session, secret)
        assert key is not None and key.last_used_at is not None
        calls = session.execute(
            select(ApiCall.route, ApiCall.status).where(ApiCall.key_id == key.id)
        ).all()
    assert sorted(calls) == [("/api/v1/columns", 200), ("/api/v1/items/<int:item_id>", 404)]
    purged = run(
        app, api_services.purge_calls, None, portal,
        now=datetime.now(UTC) + timedelta(days=91), keep_days=90,
    )  # fmt: skip
    assert purged >= 2


def test_calls_beyond_the_rate_limit_get_429(app: Flask, portal: Portal) -> None:
    config = app.config["SANSHEN"]
    app.config["SANSHEN"] = dataclasses.replace(
        config, API=dataclasses.replace(config.API, RATE_LIMIT="3/minute")
    )
    try:
        secret = make_key(app, portal, "read")
        other = make_key(app, portal, "read")
        codes = [get(app, "/api/v1/columns", secret).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = get(app, "/api/v1/columns", secret)
        assert refused.mimetype == PROBLEM and refused.get_json()["title"] == "请求过于频繁"
        assert get(app, "/api/v1/columns", other).status_code == 200  # per key
    finally:
        app.config["SANSHEN"] = config


def test_the_openapi_document_validates_and_matches_the_routes(app: Flask) -> None:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    documented = {
        (path, method.upper())
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(
            ("api-docs.", "api_reference.")
        ):
            continue
        path = rule.rule.replace("<int:", "{").replace(">", "}")
        routed |= {(path, m) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    assert documented == routed
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_documentation_page_lists_every_operation(app: Flask) -> None:
    html = app.test_client().get("/api/v1/docs").get_data(as_text=True)
    for operation in ("GET /api/v1/changes", "POST /api/v1/drafts", "GET /api/v1/deadlines"):
        assert operation in html
    assert "按游标同步发布、修订与撤稿，不漏不重" in html
    assert "<script" not in html
    # Every operation says what it is for in words, not only in the English docstring.
    from web.api.docs import PURPOSES, operations

    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {(op["method"], op["path"]) for op in operations(spec)} == set(PURPOSES)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/items/abc"])
def test_unknown_api_paths_are_problems_too(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_key_names_are_checked(app: Flask, portal: Portal) -> None:
    with session_of(app) as session:
        admin = user(session, portal, "admin")
        with pytest.raises(Exception, match="needs a name"):
            runner.run(
                session, api_services.create_key, actor=admin, now=datetime.now(UTC),
                name=" ", scope="read",
            )  # fmt: skip


def test_the_purge_command_keeps_the_retention(app: Flask, portal: Portal) -> None:
    secret = make_key(app, portal, "read")
    get(app, "/api/v1/columns", secret)
    result = app.test_cli_runner().invoke(args=["api", "purge-calls", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "older than 1 days" in result.output
    with session_of(app) as session:
        key = api_services.find_key(session, secret)
        assert key is not None
        # The call just made is within the day: kept.
        assert session.scalar(select(func.count()).where(ApiCall.key_id == key.id)) == 1
