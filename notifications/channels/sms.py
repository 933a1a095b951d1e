"""SMS through the providers' official SDKs: Aliyun dysmsapi (SendSms) and Tencent Cloud
SMS (2021-01-11 SendSms). Endpoint, keys, sign and template codes come from config;
Chinese SMS must use approved templates, so a delivery carries template parameters
(`params`: subject, when) rather than free text.

A provider error code (e.g. isv.BUSINESS_LIMIT_CONTROL, LimitExceeded…) is recorded on
the row and retried with backoff; a network error before any answer is retried too, as
the gateway had not accepted the request when the connection failed.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.channels.base import Contact, DeliveryError, Handover, HandoverRefused
from workflow.models import Delivery

# Codes that will not change by waiting: do not retry them.
_PERMANENT_ALIYUN = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
}
_PERMANENT_TENCENT = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.TemplateIncorrectOrUnapproved",
}


def _template_params(delivery: Delivery) -> dict[str, str]:
    params = delivery.params or {}
    return {
        "subject": str(params.get("subject") or delivery.title)[:35],
        "when": str(params.get("when") or ""),
    }


def _mobile(contact: Contact) -> str:
    if not contact.mobile:
        raise DeliveryError(f"{contact.name} has no mobile number", retryable=False)
    return contact.mobile


class AliyunSms:
    name = "sms"

    def __init__(self, settings: NotifyConfig) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        self.settings = settings
        self.client = Client(
            Config(
                access_key_id=settings.ALIYUN_ACCESS_KEY_ID,
                access_key_secret=settings.ALIYUN_ACCESS_KEY_SECRET,
                endpoint=settings.ALIYUN_SMS_ENDPOINT,
                protocol=settings.ALIYUN_SMS_PROTOCOL,
            )
        )

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        from alibabacloud_dysmsapi20170525 import models

        s = self.settings
        template = (
            s.ALIYUN_SMS_TEMPLATE_ESCALATION
            if delivery.escalation
            else s.ALIYUN_SMS_TEMPLATE_REMINDER
        ) or s.ALIYUN_SMS_TEMPLATE_REMINDER
        request = models.SendSmsRequest(
            phone_numbers=_mobile(contact).removeprefix("+86"),
            sign_name=s.ALIYUN_SMS_SIGN,
            template_code=template,
            template_param=json.dumps(_template_params(delivery), ensure_ascii=False),
            out_id=str(delivery.id),
        )
        if not handover():
            raise HandoverRefused()
        try:
            response = self.client.send_sms(request)
        except Exception as exc:  # the SDK raises its own and transport errors
            code = getattr(exc, "code", None) or type(exc).__name__
            raise DeliveryError(
                f"aliyun {code}: {exc}", retryable=code not in _PERMANENT_ALIYUN
            ) from exc
        body = response.body
        if body is None or body.code != "OK":
            code = body.code if body else "no body"
            message = body.message if body else ""
            raise DeliveryError(
                f"aliyun {code}: {message}", retryable=code not in _PERMANENT_ALIYUN
            )
        return str(body.biz_id)


class TencentSms:
    name = "sms"

    def __init__(self, settings: NotifyConfig) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        self.settings = settings
        http = HttpProfile(endpoint=settings.TENCENT_SMS_ENDPOINT)
        http.scheme = settings.TENCENT_SMS_PROTOCOL
        self.client = sms_client.SmsClient(
            credential.Credential(settings.TENCENT_SECRET_ID, settings.TENCENT_SECRET_KEY),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    def send(
        self, session: Session, delivery: Delivery, contact: Contact, handover: Handover
    ) -> str | None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        s = self.settings
        mobile = _mobile(contact)
        request = models.SendSmsRequest()
        request.SmsSdkAppId = s.TENCENT_SMS_APP_ID
        request.SignName = s.TENCENT_SMS_SIGN
        request.TemplateId = (
            s.TENCENT_SMS_TEMPLATE_ESCALATION
            if delivery.escalation
            else s.TENCENT_SMS_TEMPLATE_REMINDER
        ) or s.TENCENT_SMS_TEMPLATE_REMINDER
        params = _template_params(delivery)
        request.TemplateParamSet = [params["subject"], params["when"]]
        request.PhoneNumberSet = [mobile if mobile.startswith("+") else f"+86{mobile}"]
        request.SessionContext = str(delivery.id)
        if not handover():
            raise HandoverRefused()
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "TencentCloudSDKException"
            raise DeliveryError(
                f"tencent {code}: {exc.get_message()}", retryable=code not in _PERMANENT_TENCENT
            ) from exc
        status = (response.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            code = status.Code if status else "no status"
            message = status.Message if status else ""
            raise DeliveryError(
                f"tencent {code}: {message}", retryable=code not in _PERMANENT_TENCENT
            )
        return str(status.SerialNo)
