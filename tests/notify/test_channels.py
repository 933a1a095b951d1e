"""Each channel against a real counterpart: aiosmtpd for mail, the official SMS SDKs
against a loopback fake gateway (pytest-httpserver), robot webhooks on the same server,
the in-app inbox in the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from email.message import EmailMessage

import pytest
import redis
from pytest_httpserver import HTTPServer
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug import Request, Response

from notifications import inbox, ledger
from notifications.jobs import deliver, enqueue_deliveries
from notifications.ledger import Draft
from notifications.runtime import QUEUE
from workflow.models import Delivery

from ..conftest import NOW, burst
from ..factories import World
from .conftest import SmtpSink, configure


def record_drafts(engine: Engine, *drafts: Draft) -> list[int]:
    with Session(engine) as s:
        ids = ledger.record(s, drafts, NOW)
        s.commit()
    return ids


def delivery_row(engine: Engine, row_id: int) -> Delivery:
    with Session(engine, expire_on_commit=False) as s:
        row = s.get(Delivery, row_id)
        assert row is not None
        return row


def make_draft(recipient: str, channel: str, user_id: int | None, **kw: object) -> Draft:
    base: dict[str, object] = {
        "subject": "rule:1:0",
        "threshold": "3wd",
        "recipient": recipient,
        "channel": channel,
        "period": "2026-11-26",
        "kind": "reminder",
        "title": "【到期提醒】栏目“政策解读”3个工作日后（11月26日）到期",
        "body": "栏目“政策解读”本期应发布1条，已发布0条。\n请及时报送 <审核>。",
        "user_id": user_id,
        "link": "http://sanshen.test/columns/1",
        "params": {"subject": "栏目政策解读", "when": "11月26日"},
    }
    base.update(kw)
    return Draft(**base)  # type: ignore[arg-type]


def _burst(redis_client: redis.Redis) -> None:
    burst(redis_client)


# --------------------------------------------------------------------------- email


def test_email_encodes_chinese_subject_and_names_with_text_and_html_parts(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port = smtp
    drafter = world.drafter
    drafter.name, drafter.email = "张晓明", "zhangxm@edu.test"
    session.commit()
    configure(engine, database_url, port)
    [row_id] = record_drafts(engine, make_draft(f"user:{drafter.id}", "email", drafter.id))

    assert deliver(row_id) == "sent"
    assert deliver(row_id) == "skipped"  # a second run of the same job sends nothing
    assert len(sink.messages) == 1
    raw = sink.messages[0].content
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in headers.lower()  # RFC 2047 encoded words, not raw 8-bit
    assert all(b < 0x80 for b in headers)
    msg = sink.messages[0].message
    assert msg["Subject"] == "【到期提醒】栏目“政策解读”3个工作日后（11月26日）到期"
    assert msg["To"].addresses[0].display_name == "张晓明"
    assert msg["To"].addresses[0].addr_spec == "zhangxm@edu.test"
    assert msg["From"].addresses[0].display_name == "三审系统"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    page = msg.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(page, EmailMessage)
    assert "请及时报送 <审核>" in text.get_content()
    assert "请及时报送 &lt;审核&gt;" in page.get_content()
    assert "http://sanshen.test/columns/1" in page.get_content()
    row = delivery_row(engine, row_id)
    assert row.status == ledger.SENT and row.provider_ref == msg["Message-ID"]


def test_refused_mail_is_retried_with_backoff_then_listed_as_failed(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    engine: Engine,
    database_url: str,
    redis_client: redis.Redis,
) -> None:
    session, world = committed
    sink, port = smtp
    world.drafter.email = "d@edu.test"
    session.commit()
    config = configure(engine, database_url, port, NOTIFY_MAX_ATTEMPTS="3")
    sink.refuse_data = 5  # every attempt answered 451
    [row_id] = record_drafts(
        engine, make_draft(f"user:{world.drafter.id}", "email", world.drafter.id)
    )
    enqueue_deliveries(Queue(QUEUE, connection=redis_client), [row_id], config.NOTIFY)
    _burst(redis_client)  # RQ Retry re-enqueues at once (interval 0 in tests)
    row = delivery_row(engine, row_id)
    assert row.status == ledger.FAILED and row.attempts == 3
    assert "451" in (row.last_error or "")
    assert sink.messages == []
    with Session(engine) as s:
        assert [d.id for d in ledger.failed_deliveries(s)] == [row_id]
        assert ledger.sent_log(s) == []
        # The office sends it again once the server is fixed.
        assert ledger.retry_failed(s, row_id, NOW)
        s.commit()
    sink.refuse_data = 0
    assert deliver(row_id) == "sent"
    assert len(sink.messages) == 1


def test_backoff_grows_with_attempts() -> None:
    from config import NotifyConfig

    cfg = NotifyConfig(RETRY_INTERVALS=(60, 300, 1800))
    assert [ledger.backoff(cfg, n) for n in (1, 2, 3, 4)] == [60, 300, 1800, 1800]


# --------------------------------------------------------------------------- SMS


def _aliyun_env(httpserver: HTTPServer) -> dict[str, str]:
    return {
        "SMS_PROVIDER": "aliyun",
        "ALIYUN_SMS_ENDPOINT": f"127.0.0.1:{httpserver.port}",
        "ALIYUN_SMS_PROTOCOL": "http",
        "ALIYUN_ACCESS_KEY_ID": "LTAI-test",
        "ALIYUN_ACCESS_KEY_SECRET": "secret-test",
        "ALIYUN_SMS_SIGN": "某区政务公开",
        "ALIYUN_SMS_TEMPLATE_REMINDER": "SMS_100001",
        "ALIYUN_SMS_TEMPLATE_ESCALATION": "SMS_100002",
    }


def test_aliyun_sms_request_is_well_formed_and_error_code_is_recorded_and_retried(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    redis_client: redis.Redis,
    httpserver: HTTPServer,
) -> None:
    session, world = committed
    world.drafter.mobile = "13800138000"
    session.commit()
    seen: list[Request] = []
    answers = [
        {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控", "RequestId": "r1"},
        {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r2"},
    ]

    def gateway(request: Request) -> Response:
        seen.append(request)
        return Response(json.dumps(answers[len(seen) - 1]), content_type="application/json")

    httpserver.expect_request("/", method="POST").respond_with_handler(gateway)
    config = configure(engine, database_url, None, **_aliyun_env(httpserver))
    [row_id] = record_drafts(
        engine, make_draft(f"user:{world.drafter.id}", "sms", world.drafter.id)
    )
    enqueue_deliveries(Queue(QUEUE, connection=redis_client), [row_id], config.NOTIFY)
    _burst(redis_client)

    assert len(seen) == 2
    for request in seen:
        assert request.headers["x-acs-action"] == "SendSms"
        assert request.headers["x-acs-version"] == "2017-05-25"
        assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI-test")
        assert request.args["PhoneNumbers"] == "13800138000"
        assert request.args["SignName"] == "某区政务公开"
        assert request.args["TemplateCode"] == "SMS_100001"
        assert json.loads(request.args["TemplateParam"]) == {
            "subject": "栏目政策解读",
            "when": "11月26日",
        }
        assert request.args["OutId"] == str(row_id)
    row = delivery_row(engine, row_id)
    assert row.status == ledger.SENT and row.attempts == 2
    assert row.provider_ref == "900619746936498440^0"
    assert "isv.BUSINESS_LIMIT_CONTROL" in (row.last_error or "")


def _tencent_env(httpserver: HTTPServer) -> dict[str, str]:
    return {
        "SMS_PROVIDER": "tencent",
        "TENCENT_SMS_ENDPOINT": f"127.0.0.1:{httpserver.port}",
        "TENCENT_SMS_PROTOCOL": "http",
        "TENCENT_SECRET_ID": "AKID-test",
        "TENCENT_SECRET_KEY": "key-test",
        "TENCENT_SMS_APP_ID": "1400006666",
        "TENCENT_SMS_SIGN": "某区政务公开",
        "TENCENT_SMS_TEMPLATE_REMINDER": "449739",
        "TENCENT_SMS_TEMPLATE_ESCALATION": "449740",
    }


def test_tencent_sms_request_is_well_formed_and_error_code_is_recorded_and_retried(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    redis_client: redis.Redis,
    httpserver: HTTPServer,
) -> None:
    session, world = committed
    world.drafter.mobile = "13800138000"
    session.commit()
    seen: list[tuple[Request, dict[str, object]]] = []
    status_fail = {"Code": "LimitExceeded.PhoneNumberThirtySecondLimit", "Message": "30秒内"}
    status_ok = {"Code": "Ok", "Message": "send success", "SerialNo": "2028:f825e6b16e"}

    def gateway(request: Request) -> Response:
        seen.append((request, json.loads(request.get_data())))
        base = {"PhoneNumber": "+8613800138000", "Fee": 1, "SessionContext": "", "IsoCode": "CN"}
        status = status_fail if len(seen) == 1 else status_ok
        body = {"Response": {"SendStatusSet": [{**base, **status}], "RequestId": "x"}}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/", method="POST").respond_with_handler(gateway)
    config = configure(engine, database_url, None, **_tencent_env(httpserver))
    [row_id] = record_drafts(
        engine, make_draft(f"user:{world.drafter.id}", "sms", world.drafter.id, escalation=True)
    )
    enqueue_deliveries(Queue(QUEUE, connection=redis_client), [row_id], config.NOTIFY)
    _burst(redis_client)

    assert len(seen) == 2
    for request, body in seen:
        assert request.headers["X-TC-Action"] == "SendSms"
        assert request.headers["X-TC-Version"] == "2021-01-11"
        assert request.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID-test/")
        assert body["SmsSdkAppId"] == "1400006666"
        assert body["SignName"] == "某区政务公开"
        assert body["TemplateId"] == "449740"  # the escalation template
        assert body["TemplateParamSet"] == ["栏目政策解读", "11月26日"]
        assert body["PhoneNumberSet"] == ["+8613800138000"]
    row = delivery_row(engine, row_id)
    assert row.status == ledger.SENT and row.attempts == 2 and row.provider_ref == "2028:f825e6b16e"
    assert "LimitExceeded.PhoneNumberThirtySecondLimit" in (row.last_error or "")


def test_sms_permanent_error_fails_at_once(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    httpserver: HTTPServer,
) -> None:
    session, world = committed
    world.drafter.mobile = "123"
    session.commit()
    httpserver.expect_request("/", method="POST").respond_with_json(
        {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r"}
    )
    configure(engine, database_url, None, **_aliyun_env(httpserver))
    [row_id] = record_drafts(
        engine, make_draft(f"user:{world.drafter.id}", "sms", world.drafter.id)
    )
    assert deliver(row_id) == "failed"
    row = delivery_row(engine, row_id)
    assert row.status == ledger.FAILED and "MOBILE_NUMBER_ILLEGAL" in (row.last_error or "")


# --------------------------------------------------------------------------- robots


def test_wecom_and_signed_dingtalk_robots(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    httpserver: HTTPServer,
) -> None:
    posts: list[Request] = []

    def robot(request: Request) -> Response:
        posts.append(request)
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_handler(robot)
    httpserver.expect_request("/robot/send").respond_with_handler(robot)
    configure(
        engine,
        database_url,
        None,
        WECOM_WEBHOOK_URL=httpserver.url_for("/cgi-bin/webhook/send?key=k1"),
        DINGTALK_WEBHOOK_URL=httpserver.url_for("/robot/send?access_token=t1"),
        DINGTALK_SECRET="SEC-test",
    )
    ids = record_drafts(
        engine,
        make_draft("robot:wecom", "wecom", None, kind="escalation"),
        make_draft("robot:dingtalk", "dingtalk", None, kind="escalation"),
    )
    assert [deliver(i) for i in ids] == ["sent", "sent"]
    wecom, ding = posts
    assert wecom.args["key"] == "k1"
    assert json.loads(wecom.get_data())["msgtype"] == "markdown"
    assert "政策解读" in json.loads(wecom.get_data())["markdown"]["content"]
    timestamp, sign = ding.args["timestamp"], ding.args["sign"]
    expected = base64.b64encode(
        hmac.new(b"SEC-test", f"{timestamp}\nSEC-test".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected and ding.args["access_token"] == "t1"
    assert json.loads(ding.get_data())["markdown"]["title"].startswith("【到期提醒】")


def test_robot_error_code_is_retried(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/hook").respond_with_json({"errcode": 45009, "errmsg": "freq"})
    configure(engine, database_url, None, WECOM_WEBHOOK_URL=httpserver.url_for("/hook"))
    [row_id] = record_drafts(engine, make_draft("robot:wecom", "wecom", None))
    try:
        deliver(row_id)
    except RuntimeError as exc:
        assert "45009" in str(exc)
    else:
        raise AssertionError("a robot error must raise for RQ to retry")
    row = delivery_row(engine, row_id)
    assert row.status == ledger.PENDING and row.attempts == 1 and "45009" in (row.last_error or "")


# --------------------------------------------------------------------------- in-app


def test_inbox_unread_and_mark_read(
    committed: tuple[Session, World], engine: Engine, database_url: str
) -> None:
    _, world = committed
    configure(engine, database_url, None)
    me, other = world.drafter.id, world.user("drafter", "b").id
    ids = record_drafts(
        engine,
        make_draft(f"user:{me}", "inapp", me),
        make_draft(f"user:{me}", "inapp", me, threshold="1wd"),
        make_draft(f"user:{other}", "inapp", other),
    )
    assert [deliver(i) for i in ids] == ["sent"] * 3
    assert deliver(ids[0]) == "skipped"
    with Session(engine) as s:
        mine = inbox.unread(s, me)
        assert len(mine) == 2 and inbox.unread_count(s, me) == 2
        assert inbox.mark_read(s, me, NOW + timedelta(hours=1), [mine[0].id, 999999]) == 1
        # Someone else's message id changes nothing.
        assert inbox.mark_read(s, me, NOW, [inbox.unread(s, other)[0].id]) == 0
        s.commit()
        assert inbox.unread_count(s, me) == 1 and inbox.unread_count(s, other) == 1
        assert len(inbox.messages(s, me)) == 2
        assert {d.channel for d in ledger.sent_log(s, user_id=me)} == {"inapp"}


class _Broken:
    """Fault injection: a channel with a bug, before or after the hand-over."""

    name = "email"

    def __init__(self, after_handover: bool) -> None:
        self.after_handover = after_handover

    def send(self, session: Session, delivery: Delivery, contact: object, handover: object) -> None:
        if self.after_handover:
            assert callable(handover) and handover()
        raise KeyError("bug")


def test_unexpected_errors_are_recorded_and_end_in_the_failed_list(
    committed: tuple[Session, World], engine: Engine, database_url: str
) -> None:
    from notifications import runtime

    _, world = committed
    configure(engine, database_url, None, NOTIFY_MAX_ATTEMPTS="2")
    before, after = record_drafts(
        engine,
        make_draft(f"user:{world.drafter.id}", "email", world.drafter.id),
        make_draft(f"user:{world.drafter.id}", "email", world.drafter.id, threshold="1wd"),
    )
    runtime.get().channels["email"] = _Broken(after_handover=False)  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="KeyError"):  # SendFailed: RQ retries it
        deliver(before)
    row = delivery_row(engine, before)
    assert row.status == ledger.PENDING and "KeyError" in (row.last_error or "")
    runtime.get().channels["email"] = _Broken(after_handover=True)  # type: ignore[assignment]
    assert deliver(after) == "failed"  # handed over: never sent again
    assert delivery_row(engine, after).status == ledger.FAILED


def test_stale_claims_are_sent_again_until_the_attempt_limit(
    committed: tuple[Session, World], engine: Engine, database_url: str
) -> None:
    _, world = committed
    config = configure(engine, database_url, None, NOTIFY_MAX_ATTEMPTS="2")
    [row_id] = record_drafts(
        engine, make_draft(f"user:{world.drafter.id}", "inapp", world.drafter.id)
    )
    with Session(engine) as s:
        for expected in (ledger.PENDING, ledger.FAILED):
            assert ledger.claim(s, row_id, NOW) is not None  # …and the worker dies
            ledger.recover(s, NOW + timedelta(hours=1), config.NOTIFY)
            s.commit()
            assert delivery_row(engine, row_id).status == expected
