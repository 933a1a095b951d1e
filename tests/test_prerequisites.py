"""Publish prerequisites configured on the column (seeds 000 and 002)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from workflow import errors, services
from workflow.enums import AttachmentType, ContentType, ItemKind, Role, State
from workflow.models import Item
from workflow.prerequisites import NORMATIVE_DEFAULT, SERVICE_GUIDE_ELEMENTS, describe_missing
from workflow.storage import BlobStore

from .factories import World, item_in_state, make_column, new_item
from .services import act

GUIDE = {
    "item_name": "教师资格认定",
    "legal_basis": "《教师资格条例》",
    "conditions": "具有相应学历",
    "materials": "身份证、学历证书",
    "location": "区政务服务中心2楼",
    "hours": "工作日9:00-17:00",
    "phone": "0519-12345678",
    "procedure": "网上申请—现场确认—审核—发证",
}


def attach(
    session: Session,
    store: BlobStore,
    w: World,
    item_id: int,
    kind: str,
    now: datetime,
    data: bytes = b"%PDF-1.4 test",
) -> None:
    item = session.get(Item, item_id)
    assert item is not None
    services.add_attachment(
        session,
        actor=w.drafter,
        item_id=item_id,
        expected_version=item.version,
        store=store,
        data=data,
        filename=f"{kind}.pdf",
        attachment_type=kind,
        now=now,
        media_type="application/pdf",
    )


def test_normative_document_needs_interpretation_and_drafting_note(
    session: Session, w: World, now: datetime, blob_root: Path
) -> None:
    store = BlobStore(blob_root)
    column = make_column(
        session,
        [w.unit_a],
        content_type=ContentType.POLICY,
        prerequisites={"required_attachments": NORMATIVE_DEFAULT},
    )
    item = new_item(session, w, now, kind=ItemKind.NORMATIVE, column=column)
    with pytest.raises(errors.PrerequisiteMissing) as info:
        act(session, "submit", item, by=w.drafter, now=now)
    assert set(info.value.missing) == {"attachment:interpretation", "attachment:drafting_note"}
    assert describe_missing(info.value.missing) == ["附件：解读", "附件：起草说明"]
    assert item.state == State.DRAFT
    attach(session, store, w, item.id, AttachmentType.INTERPRETATION, now)
    with pytest.raises(errors.PrerequisiteMissing) as info:
        act(session, "submit", item, by=w.drafter, now=now)
    assert info.value.missing == ("attachment:drafting_note",)
    attach(session, store, w, item.id, AttachmentType.DRAFTING_NOTE, now, data=b"%PDF-1.4 note")
    act(session, "submit", item, by=w.drafter, now=now)
    assert item.state == State.INITIAL_REVIEW


def test_prerequisites_are_checked_again_at_publication(
    session: Session, w: World, now: datetime
) -> None:
    column = make_column(session, [w.unit_a])
    item = new_item(session, w, now, kind=ItemKind.SERVICE_GUIDE, column=column)
    for actor, kw in (
        (w.drafter, {}),
        (w.user(Role.DEPUTY_HEAD), {"confidentiality_checked": True}),
        (w.user(Role.HEAD), {}),
    ):
        act(session, "submit" if actor is w.drafter else "approve", item, by=actor, now=now, **kw)
    # The office tightens the column while the item is in review: 审发 must refuse.
    column.prerequisites = {"service_guide_elements": True}
    session.flush()  # the office's change is saved (committed, in real use)
    assert w.office_editor is not None
    with pytest.raises(errors.PrerequisiteMissing):
        act(session, "approve", item, by=w.office_editor, now=now)
    assert item.state == State.OFFICE_REVIEW and item.live_revision_no is None


def test_normative_rule_holds_in_every_column(session: Session, w: World, now: datetime) -> None:
    column = make_column(session, [w.unit_a])  # no prerequisites configured at all
    item = new_item(session, w, now, kind=ItemKind.NORMATIVE, column=column)
    with pytest.raises(errors.PrerequisiteMissing) as info:
        act(session, "submit", item, by=w.drafter, now=now)
    assert set(info.value.missing) == {"attachment:interpretation", "attachment:drafting_note"}


def test_retired_column_blocks_publication(session: Session, w: World, now: datetime) -> None:
    item = item_in_state(session, w, State.OFFICE_REVIEW, now)
    w.column.retired_at = now
    session.flush()
    assert w.office_editor is not None
    with pytest.raises(errors.ValidationFailed, match="retired"):
        act(session, "approve", item, by=w.office_editor, now=now)


def test_service_guide_needs_all_eight_elements(session: Session, w: World, now: datetime) -> None:
    column = make_column(
        session,
        [w.unit_a],
        content_type=ContentType.SERVICE,
        prerequisites={"service_guide_elements": True},
    )
    partial = {k: v for k, v in GUIDE.items() if k not in ("phone", "hours")}
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=column.id,
        kind=ItemKind.SERVICE_GUIDE,
        title="教师资格认定办事指南",
        fields=partial,
        now=now,
    ).value
    with pytest.raises(errors.PrerequisiteMissing) as info:
        act(session, "submit", item, by=w.drafter, now=now)
    assert set(describe_missing(info.value.missing)) == {"要素：联系电话", "要素：办理时间"}
    act(
        session,
        "edit",
        item,
        by=w.drafter,
        now=now,
        title=item.title,
        fields={**GUIDE, "phone": "  "},
    )
    with pytest.raises(errors.PrerequisiteMissing):
        act(session, "submit", item, by=w.drafter, now=now)
    act(session, "edit", item, by=w.drafter, now=now, title=item.title, fields=GUIDE)
    act(session, "submit", item, by=w.drafter, now=now)
    assert item.state == State.INITIAL_REVIEW
    assert len(SERVICE_GUIDE_ELEMENTS) == 8


def test_policy_column_refuses_news(session: Session, w: World, now: datetime) -> None:
    column = make_column(session, [w.unit_a], content_type=ContentType.POLICY)
    with pytest.raises(errors.KindNotAllowed):
        new_item(session, w, now, kind=ItemKind.NEWS, column=column)
    new_item(session, w, now, kind=ItemKind.POLICY, column=column)


def test_attachments_are_stored_once_by_hash(
    session: Session, w: World, now: datetime, blob_root: Path
) -> None:
    store = BlobStore(blob_root)
    item = new_item(session, w, now)
    attach(session, store, w, item.id, AttachmentType.MAIN, now, data=b"%PDF-1.4 same")
    attach(session, store, w, item.id, AttachmentType.OTHER, now, data=b"%PDF-1.4 same")
    files = [p for p in blob_root.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == b"%PDF-1.4 same"
    rev = item.revisions[-1]
    assert [a.type for a in rev.attachments] == ["main", "other"]
    assert rev.attachments[0].blob_sha256 == rev.attachments[1].blob_sha256


def test_attachment_removed_from_working_revision_only(
    session: Session, w: World, now: datetime, blob_root: Path
) -> None:
    store = BlobStore(blob_root)
    item = new_item(session, w, now)
    attach(session, store, w, item.id, AttachmentType.MAIN, now)
    first_att = item.revisions[0].attachments[0]
    act(session, "submit", item, by=w.drafter, now=now)
    act(session, "reject", item, by=w.user(Role.DEPUTY_HEAD), now=now, comment="换附件")
    act(
        session, services.remove_attachment, item, by=w.drafter, now=now, attachment_id=first_att.id
    )
    assert [len(r.attachments) for r in item.revisions] == [1, 0]
