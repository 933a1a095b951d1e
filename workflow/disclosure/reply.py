"""The 答复书 (reply to the applicant) drafted from a template: the unit edits the text,
its reviewers approve it, the office sends it. The reply is a Chinese legal document
whatever the interface language."""

from __future__ import annotations

from datetime import date

from workflow.disclosure.outcomes import OUTCOME_ROW, group_of

_FINDINGS: dict[str, str] = {
    "disclose": "您申请的政府信息属于公开范围，现予以公开，详见附件。",
    "partial": (
        "您申请的政府信息中含有不应当公开的内容，但能够作区分处理，现向您提供可以公开的部分，"
        "不予公开的部分及理由说明如下：（请填写）。"
    ),
    "withhold": "经审查，您申请的政府信息不予公开，理由是：{reason}，依据：（请填写条款）。",
    "unable": "经检索，本机关无法提供您申请的政府信息，理由是：{reason}。",
    "refuse": "经审查，您的申请本机关不予处理，理由是：{reason}。",
    "other": "您的申请按以下方式处理：{reason}。",
}


def _long(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def draft(
    *,
    applicant: str,
    received_on: date,
    info_requested: str,
    outcome: str,
    unit_name: str,
    today: date,
) -> str:
    """The reply's first draft for `outcome` (a code of workflow.disclosure.outcomes)."""
    reason = OUTCOME_ROW[outcome].split(".", 1)[-1]
    finding = _FINDINGS[group_of(outcome)].format(reason=reason)
    return (
        f"{applicant}：\n"
        f"本机关于{_long(received_on)}收到您提出的政府信息公开申请，"
        f"您申请公开的政府信息为：{info_requested}。\n"
        f"根据《中华人民共和国政府信息公开条例》的规定，现答复如下：\n"
        f"{finding}\n"
        "如对本答复不服，可以自收到本答复之日起60日内依法申请行政复议，"
        "或者自收到本答复之日起6个月内依法向人民法院提起行政诉讼。\n"
        f"{unit_name}\n{_long(today)}"
    )
