"""Publish prerequisites configured on a column.

`Column.prerequisites` is a JSON object with these optional keys:

- "required_attachments": {item kind: [attachment types]} — e.g. a normative document
  (规范性文件) is not published without its 解读 and 起草说明 (seed 002);
- "service_guide_elements": true — a 办事指南 must carry all eight elements (seed 000);
- "forbidden_kinds": [item kinds] — kinds the column refuses.

A column of content type "policy" always refuses news items
("政策性栏目不得用新闻信息代替", seed 002).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from workflow.enums import AttachmentType, ContentType, ItemKind
from workflow.errors import KindNotAllowed, PrerequisiteMissing, SeriousFindings

# 办事指南八要素 (seed 000): field key → Chinese label.
SERVICE_GUIDE_ELEMENTS: Final[dict[str, str]] = {
    "item_name": "事项名称",
    "legal_basis": "设定依据",
    "conditions": "申请条件",
    "materials": "办理材料",
    "location": "办理地点",
    "hours": "办理时间",
    "phone": "联系电话",
    "procedure": "办理流程",
}

ATTACHMENT_LABELS: Final[dict[str, str]] = {
    AttachmentType.MAIN: "正文",
    AttachmentType.INTERPRETATION: "解读",
    AttachmentType.DRAFTING_NOTE: "起草说明",
    AttachmentType.OTHER: "附件",
}

# What every column asks of a normative document (规范性文件).
NORMATIVE_DEFAULT: Final = {
    ItemKind.NORMATIVE.value: [
        AttachmentType.INTERPRETATION.value,
        AttachmentType.DRAFTING_NOTE.value,
    ]
}


@dataclass(frozen=True)
class Prerequisites:
    required_attachments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    service_guide_elements: bool = False
    forbidden_kinds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, content_type: str, raw: Mapping[str, Any] | None) -> Prerequisites:
        raw = raw or {}
        forbidden = set(raw.get("forbidden_kinds", ()))
        if content_type == ContentType.POLICY:
            forbidden.add(ItemKind.NEWS.value)
        # A normative document always needs its 解读 and 起草说明 (seed 002: the rule
        # belongs to the document kind); columns may require more.
        merged: dict[str, list[str]] = {k: list(v) for k, v in NORMATIVE_DEFAULT.items()}
        for kind, types in (raw.get("required_attachments") or {}).items():
            merged.setdefault(str(kind), []).extend(str(t) for t in types)
        required = {kind: tuple(dict.fromkeys(types)) for kind, types in merged.items()}
        return cls(
            required_attachments=required,
            service_guide_elements=bool(raw.get("service_guide_elements", False)),
            forbidden_kinds=frozenset(forbidden),
        )

    def needs_content(self, kind: str) -> bool:
        """Whether checking an item of `kind` needs its revision's fields or attachments."""
        return bool(self.required_attachments.get(kind)) or (
            self.service_guide_elements and kind == ItemKind.SERVICE_GUIDE
        )

    def check_kind(self, kind: str) -> None:
        if kind in self.forbidden_kinds:
            raise KindNotAllowed(f"this column does not accept items of kind {kind}", [kind])

    def check_content(
        self, kind: str, fields: Mapping[str, Any], attachment_types: Iterable[str]
    ) -> None:
        """Raise PrerequisiteMissing listing everything missing (not just the first)."""
        self.check_kind(kind)
        missing: list[str] = []
        present = set(attachment_types)
        for needed in self.required_attachments.get(kind, ()):
            if needed not in present:
                missing.append(f"attachment:{needed}")
        if self.service_guide_elements and kind == ItemKind.SERVICE_GUIDE:
            for key in SERVICE_GUIDE_ELEMENTS:
                value = fields.get(key)
                if not (isinstance(value, str) and value.strip()):
                    missing.append(f"field:{key}")
        if missing:
            raise PrerequisiteMissing(
                "publish prerequisites missing: " + ", ".join(missing), missing
            )


def check_findings(serious_terms: Iterable[str]) -> None:
    """A revision with serious content-check findings still open (workflow.checks) is
    neither submitted nor approved until each is fixed or overridden by the office."""
    terms = list(dict.fromkeys(serious_terms))
    if terms:
        raise SeriousFindings(
            "serious check findings open: " + ", ".join(terms), [f"finding:{t}" for t in terms]
        )


def describe_missing(missing: Iterable[str]) -> list[str]:
    """Chinese labels for the entries of PrerequisiteMissing.missing."""
    labels = []
    for entry in missing:
        kind, _, key = entry.partition(":")
        if kind == "attachment":
            labels.append(f"附件：{ATTACHMENT_LABELS.get(key, key)}")
        elif kind == "field":
            labels.append(f"要素：{SERVICE_GUIDE_ELEMENTS.get(key, key)}")
        elif kind == "finding":
            labels.append(f"严重问题：{key}")
        else:
            labels.append(entry)
    return labels
