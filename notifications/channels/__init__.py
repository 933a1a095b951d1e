"""Channels behind one interface: email (SMTP), SMS (Aliyun, Tencent), group robots
(WeCom, DingTalk) and the in-app inbox. `build_channels(settings)` gives the configured
ones by name."""

from __future__ import annotations

from config import NotifyConfig
from notifications.channels.base import Channel, Contact, DeliveryError, Handover
from notifications.channels.email import EmailChannel
from notifications.channels.inapp import InAppChannel
from notifications.channels.robots import DingTalkRobot, WeComRobot
from notifications.channels.sms import AliyunSms, TencentSms

EMAIL, SMS, INAPP, WECOM, DINGTALK = "email", "sms", "inapp", "wecom", "dingtalk"


def build_channels(settings: NotifyConfig) -> dict[str, Channel]:
    channels: dict[str, Channel] = {INAPP: InAppChannel()}
    if settings.SMTP_HOST:
        channels[EMAIL] = EmailChannel(settings)
    if settings.SMS_PROVIDER == "aliyun":
        channels[SMS] = AliyunSms(settings)
    elif settings.SMS_PROVIDER == "tencent":
        channels[SMS] = TencentSms(settings)
    if settings.WECOM_WEBHOOK_URL:
        channels[WECOM] = WeComRobot(settings.WECOM_WEBHOOK_URL)
    if settings.DINGTALK_WEBHOOK_URL:
        channels[DINGTALK] = DingTalkRobot(settings.DINGTALK_WEBHOOK_URL, settings.DINGTALK_SECRET)
    return channels


__all__ = [
    "DINGTALK",
    "EMAIL",
    "INAPP",
    "SMS",
    "WECOM",
    "Channel",
    "Contact",
    "DeliveryError",
    "Handover",
    "build_channels",
]
