"""Reports mailed on a schedule (issue 19): the office sets the monthly 考核 workbook and
seed 002's submission spreadsheet to go to the leading group's mailbox on a day of the
month; the job records one ledger row per mailbox and month (a second run, or a run the
day after, records nothing), and the mail carries the workbook, built when it is sent,
to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from notifications import ledger
from notifications.jobs import deliver
from notifications.ledger import Draft
from notifications.report_mail import due_drafts, run_report_mail
from workflow.models import Delivery, User
from workflow.services.disclosure import DisclosureRefused
from workflow.services.report_schedules import save_schedule

from ..factories import World
from .conftest import SmtpSink, configure


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC)


def office(world: World) -> User:
    assert world.office_editor is not None
    return world.office_editor


def test_recipients_are_checked_naming_the_wrong_one(session: Session, world: World) -> None:
    with pytest.raises(DisclosureRefused) as refused:
        save_schedule(
            session,
            actor=office(world),
            now=at("2026-12-01"),
            kind="submissions",
            recipients="dy_zwgk@huangshi.gov.cn\n领导小组邮箱",
            day_of_month=25,
        )
    assert refused.value.reason == "mailbox" and refused.value.params == {"value": "领导小组邮箱"}
    with pytest.raises(DisclosureRefused):
        save_schedule(
            session,
            actor=office(world),
            now=at("2026-12-01"),
            kind="submissions",
            recipients="dy_zwgk@huangshi.gov.cn",
            day_of_month=31,  # not every month has it
        )


def test_due_on_the_day_once_per_month(session: Session, world: World) -> None:
    schedule = save_schedule(
        session,
        actor=office(world),
        now=at("2026-12-01"),
        kind="submissions",
        recipients="dy_zwgk@huangshi.gov.cn, zwgk-leader@district.test",
        day_of_month=5,
    ).value

    def due(day: str) -> list[Draft]:
        found = due_drafts(session, at(day), "Asia/Shanghai")
        return [d for d in found if d.subject == f"report:{schedule.id}"]

    assert due("2026-12-04") == []
    drafts = due("2026-12-05")
    assert {d.recipient for d in drafts} == {
        "mailbox:dy_zwgk@huangshi.gov.cn",
        "mailbox:zwgk-leader@district.test",
    }
    assert {d.period for d in drafts} == {"2026-11"}
    assert drafts[0].title == "【定期报送】2026年11月政务公开信息报送情况表"
    first = ledger.record(session, drafts, at("2026-12-05"))
    assert len(first) == 2
    again = ledger.record(session, due("2026-12-06"), at("2026-12-06"))
    assert again == []  # the same month's mail is never recorded twice


def test_the_mail_carries_the_workbook(
    committed: tuple[Session, World], smtp: tuple[SmtpSink, int], engine: Engine, database_url: str
) -> None:
    session, world = committed
    sink, port = smtp
    schedule = save_schedule(
        session,
        actor=office(world),
        now=at("2026-12-01"),
        kind="assessment",
        recipients="dy_zwgk@huangshi.gov.cn",
        day_of_month=3,
    ).value
    session.commit()
    configure(engine, database_url, port)
    assert run_report_mail(at("2026-12-03").isoformat()) == 1
    assert run_report_mail(at("2026-12-03").isoformat()) == 0  # safe to run twice
    with Session(engine) as s:
        row_id = s.execute(
            select(Delivery.id).where(Delivery.subject == f"report:{schedule.id}")
        ).scalar_one()
    assert deliver(row_id) == "sent"
    [received] = sink.to("dy_zwgk@huangshi.gov.cn")
    message = received.message
    assert message["Subject"] == "【定期报送】2026年11月政务公开栏目月度考核表"
    [part] = [p for p in message.iter_attachments()]
    assert part.get_filename() == "2026年11月政务公开栏目月度考核表.xlsx"
    workbook = load_workbook(io.BytesIO(part.get_content()))
    first = workbook[workbook.sheetnames[0]]
    assert "2026年11月" in str(first["A1"].value)  # the month before, as the sheet says
    schedule.active = False  # committed: leave no schedule behind for other tests
    session.commit()
