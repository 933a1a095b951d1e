"""Group robots: WeCom (企业微信) and DingTalk (钉钉) webhooks. DingTalk robots with
"加签" get `timestamp` and `sign` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))
in the query string, as DingTalk documents."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from sqlalchemy.orm import Session

from notifications.channels.base import Contact, DeliveryError, Handover, HandoverRefused
from workflow.models import Delivery


def _post_json(url: str, payload: dict[str, Any], handover: Handover) -> dict[str, Any]:
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    if not handover():
        raise HandoverRefused()
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"robot HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(f"robot unreachable: {exc}") from exc


# The most a markdown message's text may hold (UTF-8 bytes): WeCom documents 4096 for
# `markdown.content`; DingTalk's custom robots take up to 20000. Longer lists are cut
# by the message's author (notifications.escalation_text: "等N个单位"); `_markdown`
# only guards the limit.
MARKDOWN_LIMITS = {"wecom": 4096, "dingtalk": 20000}


def markdown_text(title: str, body: str, link: str) -> str:
    more = f"\n\n[查看]({link})" if link else ""
    return f"### {title}\n\n{body}{more}"


def fit_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(limit - len("…".encode()), 0)].decode(errors="ignore") + "…"


def _markdown(delivery: Delivery, limit: int) -> str:
    return fit_bytes(markdown_text(delivery.title, delivery.body, delivery.link), limit)


class WeComRobot:
    name = "wecom"
    limit = MARKDOWN_LIMITS["wecom"]

    def __init__(self, url: str) -> None:
        self.url = url

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        answer = _post_json(
            self.url,
            {"msgtype": "markdown", "markdown": {"content": _markdown(delivery, self.limit)}},
            handover,
        )
        if answer.get("errcode", 0) != 0:
            raise DeliveryError(f"wecom {answer.get('errcode')}: {answer.get('errmsg')}")
        return None


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobot:
    name = "dingtalk"
    limit = MARKDOWN_LIMITS["dingtalk"]

    def __init__(self, url: str, secret: str = "") -> None:
        self.url, self.secret = url, secret

    def signed_url(self, timestamp_ms: int | None = None) -> str:
        if not self.secret:
            return self.url
        ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
        query = urllib.parse.urlencode({"timestamp": ts, "sign": dingtalk_sign(self.secret, ts)})
        return f"{self.url}{'&' if '?' in self.url else '?'}{query}"

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": delivery.title, "text": _markdown(delivery, self.limit)},
        }
        answer = _post_json(self.signed_url(), payload, handover)
        if answer.get("errcode", 0) != 0:
            raise DeliveryError(f"dingtalk {answer.get('errcode')}: {answer.get('errmsg')}")
        return None
