"""The demo's mail server handler (`make run`): prints each mail decoded — recipient,
Chinese subject, text part — instead of delivering it.

    python -m aiosmtpd -n -l 127.0.0.1:8025 -c notifications.devmail.PrintingHandler
"""

from __future__ import annotations

import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


class PrintingHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        text = ""
        if isinstance(msg, EmailMessage):
            body = msg.get_body(("plain",))
            text = body.get_content() if isinstance(body, EmailMessage) else ""
        print(
            f"\n--- mail to {msg['To']}\n    Subject: {msg['Subject']}\n"
            + "".join(f"    {line}\n" for line in text.strip().splitlines()),
            flush=True,
            file=sys.stdout,
        )
        return "250 Message accepted for delivery"
