"""Services beyond the role matrix: separation of duties, required input, optimistic
locking, revisions of published items, and the events each action returns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import errors, services
from workflow.accounts import create_user
from workflow.enums import ItemKind, Role, State
from workflow.events import ItemApproved, ItemPublished, ItemReturned, ItemSubmitted
from workflow.models import AuditEvent, Item, Revision

from .factories import World, audit_count, item_in_state, new_item, person, unique
from .services import act


def stored(session: Session, item_id: int) -> tuple[str, int | None, int, str]:
    """What the database holds, read with Core (bypassing any object in the session)."""
    table = Item.__table__
    row = session.execute(
        select(
            table.c.state, table.c.live_revision_no, table.c.current_revision_no, table.c.title
        ).where(table.c.id == item_id)
    ).one()
    return (row.state, row.live_revision_no, row.current_revision_no, row.title)


def state_of(session: Session, item_id: int) -> tuple[str, int, int]:
    session.expire_all()
    item = session.get(Item, item_id)
    assert item is not None
    return item.state, item.version, audit_count(session, item_id)


def test_drafter_who_is_also_deputy_head_cannot_review_own_item(
    session: Session, w: World, now: datetime
) -> None:
    both = person(session, w, [Role.DRAFTER, Role.DEPUTY_HEAD], now, "兼任")
    item = new_item(session, w, now, drafter=both)
    act(session, "submit", item, by=both, now=now)
    before = state_of(session, item.id)
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "approve", item, by=both, now=now, confidentiality_checked=True)
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "reject", item, by=both, now=now, comment="x")
    assert state_of(session, item.id) == before


def test_submitter_colleague_cannot_review_what_they_submitted(
    session: Session, w: World, now: datetime
) -> None:
    colleague = person(session, w, [Role.DRAFTER, Role.DEPUTY_HEAD], now, "同事")
    item = new_item(session, w, now)  # drafted by w.drafter
    act(session, "submit", item, by=colleague, now=now)
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "approve", item, by=colleague, now=now, confidentiality_checked=True)


def test_nobody_acts_on_two_stages_of_one_round(session: Session, w: World, now: datetime) -> None:
    dual = person(session, w, [Role.DEPUTY_HEAD, Role.HEAD], now, "双职")
    item = new_item(session, w, now)
    act(session, "submit", item, by=w.drafter, now=now)
    act(session, "approve", item, by=dual, now=now, confidentiality_checked=True)
    before = state_of(session, item.id)
    with pytest.raises(errors.SeparationOfDuties, match="初审"):
        act(session, "approve", item, by=dual, now=now)
    assert state_of(session, item.id) == before
    # The ordinary head can; then the dual user cannot publish either (not an editor).
    act(session, "approve", item, by=w.user(Role.HEAD), now=now)
    assert item.state == State.OFFICE_REVIEW


def test_separation_holds_for_the_revision_across_rounds(
    session: Session, w: World, now: datetime
) -> None:
    dual = person(session, w, [Role.DEPUTY_HEAD, Role.HEAD], now, "双职")
    item = new_item(session, w, now)
    act(session, "submit", item, by=w.drafter, now=now)
    act(session, "approve", item, by=dual, now=now, confidentiality_checked=True)
    act(session, "reject", item, by=w.user(Role.HEAD), now=now, comment="标题有误")
    # Resubmitted unchanged: the same revision, so the dual user stays at 初审 only.
    act(session, "resubmit", item, by=w.drafter, now=now)
    act(
        session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now, confidentiality_checked=True
    )
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "approve", item, by=dual, now=now)
    # Returned and edited: a new revision, on which the dual user has not acted yet.
    act(session, "reject", item, by=w.user(Role.HEAD), now=now, comment="再改一次")
    act(session, "edit", item, by=w.drafter, now=now, title="改后的标题")
    act(session, "resubmit", item, by=w.drafter, now=now)
    act(
        session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now, confidentiality_checked=True
    )
    act(session, "approve", item, by=dual, now=now)
    assert item.state == State.OFFICE_REVIEW and item.current_revision_no == 2


def test_a_colleagues_edit_does_not_launder_authorship(
    session: Session, w: World, now: datetime
) -> None:
    author = person(session, w, [Role.DRAFTER, Role.DEPUTY_HEAD], now, "作者兼分管")
    item = new_item(session, w, now, drafter=author)
    # A colleague edits and submits; the original author still may not review it.
    act(session, "edit", item, by=w.drafter, now=now, title="同事改过的标题")
    act(session, "submit", item, by=w.drafter, now=now)
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "approve", item, by=author, now=now, confidentiality_checked=True)


def test_every_content_change_bumps_the_version_and_is_audited(
    session: Session, w: World, now: datetime, tmp_path: Path
) -> None:
    from workflow.storage import BlobStore

    item = new_item(session, w, now)
    before = state_of(session, item.id)
    act(session, "edit", item, by=w.drafter, now=now, title=item.title, body="<p>只改正文</p>")
    act(
        session,
        services.add_attachment,
        item,
        by=w.drafter,
        now=now,
        store=BlobStore(tmp_path),
        data=b"%PDF-1.4 x",
        filename="a.pdf",
        attachment_type="main",
    )
    att_id = item.revisions[0].attachments[0].id
    act(session, services.remove_attachment, item, by=w.drafter, now=now, attachment_id=att_id)
    after = state_of(session, item.id)  # read back from the database
    assert after[1:] == (before[1] + 3, before[2] + 3)  # same `now` every time


def test_designated_drafters_only(session: Session, w: World, now: datetime) -> None:
    designated = person(session, w, [Role.DRAFTER], now, "指定报送员")
    w.column.assignments[0].drafters.append(designated)
    with pytest.raises(errors.NotDesignated):
        new_item(session, w, now)
    new_item(session, w, now, drafter=designated)


@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_reject_needs_a_comment(
    session: Session, w: World, now: datetime, comment: str | None
) -> None:
    item = item_in_state(session, w, State.HEAD_REVIEW, now)
    before = state_of(session, item.id)
    with pytest.raises(errors.CommentRequired):
        act(session, "reject", item, by=w.user(Role.HEAD), now=now, comment=comment)
    assert state_of(session, item.id) == before


def test_initial_review_needs_confidentiality_check(
    session: Session, w: World, now: datetime
) -> None:
    item = item_in_state(session, w, State.INITIAL_REVIEW, now)
    before = state_of(session, item.id)
    with pytest.raises(errors.ConfidentialityCheckRequired):
        act(session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now)
    assert state_of(session, item.id) == before
    act(
        session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now, confidentiality_checked=True
    )
    row = (
        session.execute(
            select(AuditEvent).where(AuditEvent.item_id == item.id).order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert row is not None and row.confidentiality_checked is True


def test_retract_needs_a_reason(session: Session, w: World, now: datetime) -> None:
    item = item_in_state(session, w, State.PUBLISHED, now)
    assert w.office_editor is not None
    with pytest.raises(errors.CommentRequired):
        act(session, "retract", item, by=w.office_editor, now=now, comment=" ")
    act(session, "retract", item, by=w.office_editor, now=now, comment="内容过期")
    assert item.state == State.RETRACTED and item.live_revision_no is None


def test_stale_version_is_refused_and_changes_nothing(
    session: Session, w: World, now: datetime
) -> None:
    item = item_in_state(session, w, State.INITIAL_REVIEW, now)
    before = state_of(session, item.id)
    with pytest.raises(errors.StaleVersion):
        services.approve(
            session,
            actor=w.user(Role.DEPUTY_HEAD),
            item_id=item.id,
            expected_version=item.version - 1,
            now=now,
            confidentiality_checked=True,
        )
    assert state_of(session, item.id) == before


def test_inactive_user_is_refused(session: Session, w: World, now: datetime) -> None:
    item = item_in_state(session, w, State.INITIAL_REVIEW, now)
    deputy = w.user(Role.DEPUTY_HEAD)
    deputy.active = False
    with pytest.raises(errors.InactiveUser):
        act(session, "approve", item, by=deputy, now=now, confidentiality_checked=True)


def test_naive_now_is_rejected(session: Session, w: World, now: datetime) -> None:
    with pytest.raises(ValueError, match="aware"):
        new_item(session, w, now.replace(tzinfo=None))


def test_events_describe_the_path(session: Session, w: World, now: datetime) -> None:
    item = new_item(session, w, now)
    ev = act(session, "submit", item, by=w.drafter, now=now).events
    assert isinstance(ev[0], ItemSubmitted) and ev[0].to_state == State.INITIAL_REVIEW
    ev = act(
        session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now, confidentiality_checked=True
    ).events
    assert isinstance(ev[0], ItemApproved) and ev[0].from_state == State.INITIAL_REVIEW
    ev = act(session, "approve", item, by=w.user(Role.HEAD), now=now).events
    assert w.office_editor is not None
    ev = act(session, "reject", item, by=w.office_editor, now=now, comment="请核对日期").events
    returned = ev[0]
    assert isinstance(returned, ItemReturned)
    # Everyone who approved this round hears of the return, and the drafter.
    assert set(returned.approver_ids) == {w.user(Role.DEPUTY_HEAD).id, w.user(Role.HEAD).id}
    assert returned.drafter_id == w.drafter.id and returned.comment == "请核对日期"


def test_returned_item_is_edited_in_a_new_revision(
    session: Session, w: World, now: datetime
) -> None:
    item = item_in_state(session, w, State.RETURNED, now)
    act(session, "edit", item, by=w.drafter, now=now, title="修改后的标题")
    revs = (
        session.execute(
            select(Revision).where(Revision.item_id == item.id).order_by(Revision.number)
        )
        .scalars()
        .all()
    )
    assert [(r.number, r.frozen) for r in revs] == [(1, True), (2, False)]
    assert revs[0].title != "修改后的标题" and revs[1].title == "修改后的标题"
    act(session, "resubmit", item, by=w.drafter, now=now)
    assert item.state == State.INITIAL_REVIEW and item.current_revision_no == 2


def test_submitted_revision_cannot_be_edited(session: Session, w: World, now: datetime) -> None:
    item = item_in_state(session, w, State.HEAD_REVIEW, now)
    with pytest.raises(errors.InvalidTransition):
        act(session, "edit", item, by=w.drafter, now=now, title="偷改")


def test_revision_of_published_item_keeps_live_revision(
    session: Session, w: World, now: datetime
) -> None:
    item = item_in_state(session, w, State.PUBLISHED, now)
    act(session, "revise", item, by=w.drafter, now=now)
    assert (item.state, item.live_revision_no, item.current_revision_no) == ("draft", 1, 2)
    act(session, "edit", item, by=w.drafter, now=now, title="更正版")
    act(session, "submit", item, by=w.drafter, now=now)
    assert item.live_revision_no == 1  # still the public one while in review
    act(
        session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now, confidentiality_checked=True
    )
    act(session, "approve", item, by=w.user(Role.HEAD), now=now)
    assert w.office_editor is not None
    ev = act(session, "approve", item, by=w.office_editor, now=now).events
    assert isinstance(ev[0], ItemPublished)
    assert (item.state, item.live_revision_no, item.title) == ("published", 2, "更正版")
    assert stored(session, item.id) == ("published", 2, 2, "更正版")


def test_withdrawing_a_revision_restores_the_published_item(
    session: Session, w: World, now: datetime
) -> None:
    item = item_in_state(session, w, State.PUBLISHED, now)
    original_title = item.title
    act(session, "revise", item, by=w.drafter, now=now)
    act(session, "edit", item, by=w.drafter, now=now, title="作废的修改")
    act(session, "withdraw", item, by=w.drafter, now=now)
    assert (item.state, item.live_revision_no, item.current_revision_no) == ("published", 1, 1)
    assert item.title == original_title
    # …and so does the database (not only the object the service updated).
    assert stored(session, item.id) == ("published", 1, 1, original_title)


def test_create_needs_unit_responsible_for_column(
    session: Session, w: World, now: datetime
) -> None:
    other = create_user(
        session, login=unique("d"), name="外单位", unit=w.office, roles=[Role.DRAFTER], now=now
    )
    with pytest.raises(errors.WrongUnit):
        new_item(session, w, now, drafter=other)
    with pytest.raises(errors.RoleRequired):
        new_item(session, w, now, drafter=w.user(Role.HEAD))


def test_title_is_required(session: Session, w: World, now: datetime) -> None:
    with pytest.raises(errors.ValidationFailed):
        services.create_item(
            session,
            actor=w.drafter,
            column_id=w.column.id,
            kind=ItemKind.ARTICLE,
            title="  ",
            now=now,
        )


def test_a_request_key_makes_creation_idempotent_per_drafter(
    session: Session, w: World, now: datetime
) -> None:
    def create(drafter: object, key: str | None) -> tuple[Item, list[object]]:
        created = services.create_item(
            session,
            actor=drafter,  # type: ignore[arg-type]
            column_id=w.column.id,
            kind=ItemKind.ARTICLE,
            title="一次提交",
            now=now,
            request_key=key,
        )
        return created.value, list(created.events)

    first, events = create(w.drafter, "k1")
    assert len(events) == 1
    again, events = create(w.drafter, "k1")
    assert (again.id, events) == (first.id, [])
    assert audit_count(session, first.id) == 1  # the repeat wrote nothing
    # Another key, no key, or another drafter with the same key: new items.
    other = create_user(
        session, login=unique("d"), name="同事", unit=w.unit_a, roles=[Role.DRAFTER], now=now
    )
    ids = {first.id, create(w.drafter, "k2")[0].id, create(w.drafter, None)[0].id}
    ids.add(create(other, "k1")[0].id)
    assert len(ids) == 4
    with pytest.raises(ValueError, match="1 to 64"):
        create(w.drafter, "x" * 65)
