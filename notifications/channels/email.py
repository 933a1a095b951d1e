"""Email over SMTP (plain, SSL or STARTTLS), text + HTML parts, Chinese subjects and
names encoded by the standard library's email policy (RFC 2047 encoded words).

The connection is kept per process and reused (a worker sends many mails); a broken one
is reopened. DATA is the point of no return: MAIL and RCPT come first, so a refusal
there is known to have delivered nothing.
"""

from __future__ import annotations

import contextlib
import html
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr

from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.channels.base import Contact, DeliveryError, Handover, HandoverRefused
from workflow.models import Delivery


def _address(name: str, addr: str) -> Address:
    local, _, domain = addr.rpartition("@")
    if not local or not domain:
        raise DeliveryError(f"invalid email address {addr!r}", retryable=False)
    return Address(display_name=name, username=local, domain=domain)


def build_message(delivery: Delivery, contact: Contact, sender: str) -> EmailMessage:
    """The mail for one delivery: a text part and an HTML alternative."""
    if not contact.email:
        raise DeliveryError(f"{contact.name} has no email address", retryable=False)
    from_name, from_addr = parseaddr(sender)
    msg = EmailMessage()
    # One line: a title stored with a line break (before titles were checked) would
    # make the header invalid and the mail fail on every retry.
    msg["Subject"] = " ".join(delivery.title.split())
    msg["From"] = _address(from_name, from_addr)
    msg["To"] = _address(contact.name, contact.email)
    msg["Date"] = formatdate(localtime=False)
    # Stable per delivery: a mail server or client that sees a repeat can tell.
    msg["Message-ID"] = make_msgid(idstring=f"sanshen-{delivery.id}", domain="sanshen.local")
    msg["X-Sanshen-Delivery"] = str(delivery.id)
    text = delivery.body + (f"\n\n{delivery.link}" if delivery.link else "")
    msg.set_content(text)
    body_html = "".join(f"<p>{html.escape(line)}</p>" for line in delivery.body.splitlines())
    link_html = (
        f'<p><a href="{html.escape(delivery.link)}">{html.escape(delivery.link)}</a></p>'
        if delivery.link
        else ""
    )
    msg.add_alternative(
        f"<html><body><h3>{html.escape(delivery.title)}</h3>{body_html}{link_html}"
        "<p style='color:#888'>三审系统自动发送，请勿回复。</p></body></html>",
        subtype="html",
    )
    return msg


class EmailChannel:
    name = "email"

    def __init__(self, settings: NotifyConfig) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _tls(self) -> ssl.SSLContext:
        """Certificate and host name always checked; SMTP_CA_FILE adds an internal CA."""
        return ssl.create_default_context(cafile=self.settings.SMTP_CA_FILE or None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.SMTP_SSL:
            smtp = smtplib.SMTP_SSL(
                s.SMTP_HOST,
                s.SMTP_PORT,
                timeout=s.SMTP_TIMEOUT,
                context=self._tls(),
            )
        else:
            smtp = smtplib.SMTP(s.SMTP_HOST, s.SMTP_PORT, timeout=s.SMTP_TIMEOUT)
            if s.SMTP_STARTTLS:
                smtp.starttls(context=self._tls())
                smtp.ehlo()  # again, over TLS (RFC 3207)
        if s.SMTP_USER:
            smtp.login(s.SMTP_USER, s.SMTP_PASSWORD)
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _envelope(self, sender: str, rcpt: str) -> smtplib.SMTP:
        """MAIL FROM and RCPT TO on a live connection (reopened once if it broke)."""
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                smtp = self._smtp
                smtp.ehlo_or_helo_if_needed()
                code, resp = smtp.mail(sender)
                if code != 250:
                    smtp.rset()
                    raise DeliveryError(f"MAIL FROM refused: {code} {resp!r}")
                code, resp = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    smtp.rset()
                    permanent = 500 <= code < 600
                    raise DeliveryError(
                        f"RCPT TO refused: {code} {resp!r}", retryable=not permanent
                    )
                return smtp
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._smtp = None
                if attempt == 2:
                    raise DeliveryError(f"SMTP connection failed: {exc}") from exc
            except smtplib.SMTPException as exc:
                self.close()
                raise DeliveryError(f"SMTP error: {exc}") from exc
        raise AssertionError("unreachable")

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        msg = build_message(delivery, contact, self.settings.SMTP_FROM)
        from notifications import report_mail  # it imports the channels' package

        attached = report_mail.attachment(session, delivery)
        if attached is not None:  # a scheduled report (notifications.report_mail)
            data, filename = attached
            msg.add_attachment(
                data,
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename=filename,
            )
        sender = parseaddr(self.settings.SMTP_FROM)[1]
        assert contact.email is not None
        smtp = self._envelope(sender, contact.email)
        if not handover():
            smtp.rset()
            raise HandoverRefused()
        try:
            code, resp = smtp.data(msg.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPResponseException as exc:
            # The server answered "no" to the message: nothing was delivered.
            smtp.rset()
            raise DeliveryError(f"DATA refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            raise DeliveryError(
                f"connection lost during DATA, outcome unknown: {exc}", retryable=False
            ) from exc
        if code != 250:
            raise DeliveryError(f"DATA refused: {code} {resp!r}")
        return str(msg["Message-ID"])
