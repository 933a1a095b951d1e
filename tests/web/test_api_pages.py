"""Issue 18, the pages around the API: the Atom feeds (well-formed Atom with what RFC 4287
requires, live revisions only), and the administrators' pages for keys and webhooks
(secret shown once, revocation, refusals in words, deliveries and replay)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from lxml import etree
from sqlalchemy import select

from workflow.models import ApiKey, WebhookDelivery, WebhookSubscription
from workflow.services import webhooks as hooks

from .api_support import auth, publish, retract, session_of
from .support import Portal, login, page_token

ATOM = "{http://www.w3.org/2005/Atom}"


def _atom(app: Flask, path: str) -> etree._Element:
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    for entry in root.iter(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "content"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    return root


def _titles(root: etree._Element) -> list[str]:
    return [e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry")]


def test_atom_feeds_carry_live_publications_only(app: Flask, portal: Portal) -> None:
    now = datetime.now(UTC)
    kept = publish(app, portal, "供暖通知 <与> “引号” & 符号", now=now)
    gone = publish(app, portal, "将被撤下的信息", now=now)
    retract(app, portal, gone, now)
    whole = _atom(app, "/feeds/portal.atom")
    titles = _titles(whole)
    assert "供暖通知 <与> “引号” & 符号" in titles
    assert "将被撤下的信息" not in titles
    column = _atom(app, f"/feeds/columns/{portal.column.id}.atom")
    assert "供暖通知 <与> “引号” & 符号" in _titles(column)
    entry = next(
        e for e in column.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id", "").endswith(f":{kept}")
    )
    assert "<p>正文</p>" in (entry.findtext(f"{ATOM}content") or "")
    assert app.test_client().get("/feeds/columns/2147483647.atom").status_code == 404


def test_an_admin_issues_a_key_shown_once_and_revokes_it(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    _html, token = page_token(client, "/admin/api-keys")
    response = client.post(
        "/admin/api-keys",
        data={"csrf_token": token, "name": "区门户网站CMS", "scope": "read", "expires": ""},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    match = re.search(r'id="new-secret" readonly value="(ss_[^"]+)"', page)
    assert match, "the secret is shown on the answer"
    secret = match.group(1)
    listing = client.get("/admin/api-keys").get_data(as_text=True)
    assert secret not in listing and secret[:10] in listing  # only the prefix, afterwards
    assert app.test_client().get("/api/v1/columns", headers=auth(secret)).status_code == 200
    with session_of(app) as session:
        key = session.scalars(select(ApiKey).where(ApiKey.prefix == secret[:10])).one()
    _html, token = page_token(client, "/admin/api-keys")
    client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert app.test_client().get("/api/v1/columns", headers=auth(secret)).status_code == 401
    log = client.get("/admin/log").get_data(as_text=True)
    assert "发放接口密钥" in log and "作废接口密钥" in log


def test_a_key_form_without_a_name_is_refused_with_words(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    _html, token = page_token(client, "/admin/api-keys")
    response = client.post(
        "/admin/api-keys", data={"csrf_token": token, "name": "", "scope": "read"}
    )
    assert response.status_code == 422
    assert "请填写名称" in response.get_data(as_text=True)


def test_only_admins_reach_the_api_pages(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    assert client.get("/admin/api-keys").status_code == 403
    assert client.get("/admin/webhooks").status_code == 403


def test_an_admin_subscribes_a_webhook_and_replays_a_delivery(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    _html, token = page_token(client, "/admin/webhooks")
    bad = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "name": "CMS",
            "url": "ftp://cms.example/hook",
            "events": ["item.published"],
        },
    )
    assert bad.status_code == 422
    assert "推送地址无效，请填写完整的网址" in bad.get_data(as_text=True)
    good = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "name": "区门户CMS",
            "url": "http://127.0.0.1:9/hook",
            "events": ["item.published", "item.retracted"],
        },
    )
    assert good.status_code == 200
    assert re.search(r'value="whsec_[A-Za-z0-9+/=]+"', good.get_data(as_text=True))
    with session_of(app) as session:
        sub = session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.name == "区门户CMS")
        ).one()
        ids = hooks.fan_out(
            session,
            {
                "type": "ItemRetracted",
                "item_id": 2147483647,
                "revision_no": 1,
                "column_id": portal.column.id,
                "unit_id": 1,
                "at": "2026-11-23T02:00:00+00:00",
            },
            datetime.now(UTC),
        )
        session.commit()
    (delivery_id,) = ids
    page = client.get(f"/admin/webhooks/{sub.id}").get_data(as_text=True)
    assert "信息撤稿" in page and "尚未尝试" in page
    _html, token = page_token(client, f"/admin/webhooks/{sub.id}")
    replayed = client.post(
        f"/admin/webhooks/deliveries/{delivery_id}/replay", data={"csrf_token": token}
    )
    assert replayed.status_code == 302
    with session_of(app) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None and delivery.status == "pending"
    paused = client.post(f"/admin/webhooks/{sub.id}/pause", data={"csrf_token": token})
    assert paused.status_code == 302
    with session_of(app) as session:
        found = session.get(WebhookSubscription, sub.id)
        assert found is not None and not found.active
    # Deleting asks first (it takes the delivery log with it), then removes both.
    listing, token = page_token(client, "/admin/webhooks")
    assert "推送记录一并删除，不能恢复" in listing and "确认删除" in listing
    gone = client.post(f"/admin/webhooks/{sub.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 302
    with session_of(app) as session:
        assert session.get(WebhookSubscription, sub.id) is None
        assert session.get(WebhookDelivery, delivery_id) is None
