"""Defects a review of the importer found, each reproduced with a table built here: the
report and apply must agree, and a file never silently overwrites or retires what it
does not mention."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.importer import apply_import, plan_import
from workflow.models import Column, Obligation

from .importer_fixtures import SeedCell, SeedTable, build_docx

TASK_HEADER = ["序号", "工作要点", "责任单位", "完成时限"]
# Dates the deadline parser reads, and text no parser reads as a date.
DUE = ("2026年6月30日前", "2026年9月30日前", "2026年12月31日前")
UNREADABLE = "视工作进展而定"


def table(title: str, header: list[str], rows: list[list[str]], merge: bool = False) -> SeedTable:
    return SeedTable(
        title,
        [SeedCell(h) for h in header],
        [[SeedCell(c) for c in r] for r in rows],
        merge_blanks=merge,
    )


def tasks_docx(rows: list[list[str]], title: str = "2026年重点工作任务清单") -> bytes:
    return build_docx([table(title, TASK_HEADER, rows)])


def obligations(session: Session) -> dict[str, bool]:
    """description → still open."""
    return {
        o.description: o.is_open for o in session.execute(select(Obligation)).scalars().all()
    }


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def column(session: Session, path: str) -> Column:
    return session.execute(select(Column).where(Column.path == path)).scalar_one()


# --- 1: the report's cancelled tasks are the ones apply cancels ------------------------


def test_task_rows_whose_dates_became_unreadable_keep_their_tasks_and_units(
    session: Session, now: datetime
) -> None:
    first = [
        ["1", "完成网站改版", "区政府办", DUE[0]],
        ["2", "开展第三方测评", "区政府办、区大数据中心", DUE[1]],
    ]
    apply_import(session, "任务.docx", tasks_docx(first), now=now)
    assert obligations(session) == {"完成网站改版": True, "开展第三方测评": True}

    later = now + timedelta(days=1)
    unreadable = [[n, task, units, UNREADABLE] for n, task, units, _ in first]
    data = tasks_docx(unreadable)
    report = plan_import(session, "任务.docx", data, now=later)
    assert report.obligations_cancelled == []
    assert report.assignments_removed == []
    assert "取消" not in report.to_text() or "取消 0" in report.to_text()
    apply_import(session, "任务.docx", data, now=later)
    session.expire_all()
    assert obligations(session) == {"完成网站改版": True, "开展第三方测评": True}
    tasks = column(session, "2026年重点工作任务清单")
    assert sorted(a.unit.name for a in tasks.assignments) == ["区大数据中心", "区政府办"]


def test_cancelled_tasks_in_the_report_are_exactly_those_apply_cancels(
    session: Session, now: datetime
) -> None:
    first = [
        ["1", "完成网站改版", "区政府办", DUE[0]],
        ["2", "开展第三方测评", "区政府办", DUE[1]],
        ["3", "清理失效文件", "区政府办", DUE[2]],
    ]
    apply_import(session, "任务.docx", tasks_docx(first), now=now)
    # Row 3 dropped; row 2's date no longer readable (still in the file: kept).
    second = [first[0], ["2", "开展第三方测评", "区政府办", UNREADABLE]]
    data = tasks_docx(second)
    later = now + timedelta(days=1)
    report = plan_import(session, "任务.docx", data, now=later)
    assert [c["description"] for c in report.obligations_cancelled] == ["清理失效文件"]
    apply_import(session, "任务.docx", data, now=later)
    session.expire_all()
    assert obligations(session) == {
        "完成网站改版": True,
        "开展第三方测评": True,
        "清理失效文件": False,
    }
    assert not plan_import(session, "任务.docx", data, now=later).obligations_cancelled
