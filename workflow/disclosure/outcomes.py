"""The outcomes of a request and the applicant types: the rows and columns of table 三
of the annual report format (国办公开办函〔2021〕30号, docs/annual-report.md). The Chinese
texts are the template's own, which the report reproduces whatever the interface
language; the pages translate the codes through web/labels.py."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ApplicantType(StrEnum):
    PERSON = "person"  # 自然人
    BUSINESS = "business"  # 商业企业
    RESEARCH = "research"  # 科研机构
    CHARITY = "charity"  # 社会公益组织
    LEGAL = "legal"  # 法律服务机构
    OTHER_ORG = "other_org"  # 其他


class Channel(StrEnum):
    ONLINE = "online"  # 网上申请（政府服务平台）
    LETTER = "letter"  # 信函
    IN_PERSON = "in_person"  # 当面
    EMAIL = "email"
    FAX = "fax"
    OTHER = "other"


APPLICANT_COLUMNS: Final[tuple[tuple[ApplicantType, str], ...]] = (
    (ApplicantType.PERSON, "自然人"),
    (ApplicantType.BUSINESS, "商业企业"),
    (ApplicantType.RESEARCH, "科研机构"),
    (ApplicantType.CHARITY, "社会公益组织"),
    (ApplicantType.LEGAL, "法律服务机构"),
    (ApplicantType.OTHER_ORG, "其他"),
)

# The groups of 三、本年度办理结果, each with its rows: (group label, [(code, row label)]).
# A group with one row and no label of its own is the row itself ((一), (二)).
RESULT_GROUPS: Final[tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = (
    ("", (("disclose", "（一）予以公开"),)),
    ("", (("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),)),
    (
        "（三）不予公开",
        (
            ("withhold_secret", "1.属于国家秘密"),
            ("withhold_law", "2.其他法律行政法规禁止公开"),
            ("withhold_safety", "3.危及“三安全一稳定”"),
            ("withhold_third_party", "4.保护第三方合法权益"),
            ("withhold_internal", "5.属于三类内部事务信息"),
            ("withhold_process", "6.属于四类过程性信息"),
            ("withhold_case_file", "7.属于行政执法案卷"),
            ("withhold_query", "8.属于行政查询事项"),
        ),
    ),
    (
        "（四）无法提供",
        (
            ("unable_not_held", "1.本机关不掌握相关政府信息"),
            ("unable_must_create", "2.没有现成信息需要另行制作"),
            ("unable_unclear", "3.补正后申请内容仍不明确"),
        ),
    ),
    (
        "（五）不予处理",
        (
            ("refuse_petition", "1.信访举报投诉类申请"),
            ("refuse_repeat", "2.重复申请"),
            ("refuse_publication", "3.要求提供公开出版物"),
            ("refuse_excessive", "4.无正当理由大量反复申请"),
            ("refuse_confirm", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
    (
        "（六）其他处理",
        (
            (
                "other_uncorrected",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            ),
            (
                "other_unpaid",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            ),
            ("other", "3.其他"),
        ),
    ),
)

OUTCOMES: Final[tuple[str, ...]] = tuple(code for _g, rows in RESULT_GROUPS for code, _l in rows)
OUTCOME_ROW: Final[dict[str, str]] = {
    code: (f"{group}{label}" if group else label)
    for group, rows in RESULT_GROUPS
    for code, label in rows
}


def group_of(outcome: str) -> str:
    """disclose, partial, withhold, unable, refuse or other."""
    return outcome.split("_", 1)[0]
