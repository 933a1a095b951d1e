"""Files the office sends on: the monthly assessment (月考核) as .xlsx laid out for
printing, a 通报 draft as .docx, and seed 002's submission spreadsheet ("将所上传信息以
表格形式同步报送") as .xlsx. Each function returns the file's bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import spreadsheet
from workflow.enums import Action
from workflow.models import AuditEvent, Column, Item, Unit, User
from workflow.reporting.common import (
    DEFAULTS,
    STAGE_NAMES,
    STATE_NAMES,
    Period,
    ReportSettings,
    local_date,
    local_midnight,
)
from workflow.reporting.cramming import cramming
from workflow.reporting.dashboard import unit_deadlines
from workflow.reporting.scoreboard import Scoreboard, scoreboard

BODY_FONT, HEAD_FONT = "宋体", "黑体"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _days(value: float | None) -> str | float:
    return "—" if value is None else value


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _sheet(
    wb: Workbook,
    title: str,
    heading: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[int],
    empty: str = "无",
) -> Worksheet:
    """A printable sheet: a merged title row, a bold header row repeated on every page,
    thin borders, A4 landscape fitted to one page wide, page numbers in the footer."""
    ws: Worksheet = wb.create_sheet(title)  # typed Any: it may make other kinds of sheet
    spreadsheet.append(ws, [heading])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(name=HEAD_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    spreadsheet.append(ws, headers)
    for cell in ws[2]:
        cell.font = Font(name=HEAD_FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    # Titles, unit and column names are user text: guarded against formula injection.
    for row in rows or [[empty, *[""] * (len(headers) - 1)]]:
        spreadsheet.append(ws, row)
    for line in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in line:
            cell.font = Font(name=BODY_FONT, size=11)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = _BORDER
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    # A new sheet has both (openpyxl types them as optional).
    assert ws.sheet_properties.pageSetUpPr is not None and ws.oddFooter is not None
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return ws


def _workbook() -> Workbook:
    wb = Workbook()
    if wb.active is not None:  # every sheet is made by _sheet
        wb.remove(wb.active)
    return wb


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- assessment

ASSESSMENT_HEADERS = [
    "排名",
    "单位",
    "按时完成",
    "逾期完成",
    "未完成",
    "按时率",
    "初审用时中位数（工作日）",
    "审核用时中位数（工作日）",
    "审发用时中位数（工作日）",
    "审核信息数",
    "退回信息数",
    "退回率",
]


def assessment_xlsx(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    board: Scoreboard | None = None,
) -> bytes:
    """The monthly (or quarterly, yearly) assessment: ranking, late and missed columns,
    what is overdue today, and — for a period ending in December — year-end cramming."""
    board = board or scoreboard(session, period, now, settings)
    wb = _workbook()
    ranking = [
        [
            s.rank if s.rank else "—",
            s.unit_name,
            s.on_time,
            s.late,
            s.missed,
            _percent(s.on_time_rate),
            *(_days(s.stage_medians.get(stage)) for stage in STAGE_NAMES),
            s.reviewed,
            s.returned,
            _percent(s.returned_share),
        ]
        for s in board.units
    ]
    _sheet(
        wb,
        "考核排名",
        f"{period.title}政务公开栏目信息报送考核排名",
        ASSESSMENT_HEADERS,
        ranking,
        [6, 22, 10, 10, 10, 10, 14, 14, 14, 10, 10, 10],
    )
    late_rows: list[list[Any]] = []
    for s in board.units:
        for path, due in s.missed_columns:
            late_rows.append([s.unit_name, path, _cn(due), "未完成"])
        for path, due in s.late_columns:
            late_rows.append([s.unit_name, path, _cn(due), "逾期完成"])
    late_rows = [[i, *r] for i, r in enumerate(late_rows, 1)]
    _sheet(
        wb,
        "逾期明细",
        f"{period.title}逾期及未完成栏目明细",
        ["序号", "单位", "栏目", "截止日期", "情况"],
        late_rows,
        [6, 22, 50, 16, 12],
    )
    today = local_date(now, settings.tz)
    overdue_rows: list[list[Any]] = []
    for u in unit_deadlines(session, now, settings):
        for d in u.overdue:
            overdue_rows.append(
                [
                    u.unit_name,
                    d.column_path,
                    _cn(d.overdue_since) if d.overdue_since else "",
                    _cn(d.due) if d.due else "—",
                    "已确认" if d.confirmed else "待确认（不计入考核）",
                ]
            )
    _sheet(
        wb,
        "当前逾期",
        f"截至{_cn(today)}仍处于逾期状态的栏目",
        ["序号", "单位", "栏目", "逾期起始日", "下次截止日", "时限规则"],
        [[i, *r] for i, r in enumerate(overdue_rows, 1)],
        [6, 22, 50, 16, 16, 18],
    )
    if period.end.month == 12:
        flags = cramming(session, period.end.year, settings)
        _sheet(
            wb,
            "年底突击",
            f"{period.end.year}年12月集中发布比例超过{settings.cram_share * 100:.0f}%的栏目",
            ["序号", "单位", "栏目", "全年发布", "12月发布", "12月占比"],
            [
                [i, f.unit_name, f.column_path, f.year_items, f.december_items, _percent(f.share)]
                for i, f in enumerate(flags, 1)
            ],
            [6, 22, 50, 10, 10, 10],
        )
    return _save(wb)


# --------------------------------------------------------------------------- bulletin


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.rPr.rFonts.set(qn("w:eastAsia"), name)  # Chinese text takes this font


def bulletin_docx(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    board: Scoreboard | None = None,
    issuer: str = "区政府办公室",
) -> bytes:
    """A 通报 draft for the period, naming the units that were late or missed and their
    columns, for the office to edit and sign."""
    board = board or scoreboard(session, period, now, settings)
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(f"关于{period.title}政务公开栏目信息报送情况的通报"), "方正小标宋简体", 22)
    draft = doc.add_paragraph()
    draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(draft.add_run("（征求意见稿）"), "楷体", 16)

    def para(text: str, bold: bool = False, font: str = "仿宋") -> None:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), font, 16, bold)

    para("各单位：")
    judged = sum(s.judged for s in board.units)
    on_time = sum(s.on_time for s in board.units)
    late_units = [s for s in board.units if s.late or s.missed]
    rate = _percent(on_time / judged) if judged else "—"
    para(
        f"根据政务公开栏目保障责任分工和报送时限要求，现将{period.title}"
        f"（{_cn(period.start)}至{_cn(period.end)}）各单位栏目信息报送情况通报如下。"
    )
    para("一、总体情况", font="黑体")
    judged_units = sum(1 for s in board.units if s.judged)  # nothing judged: not assessed
    para(
        f"本期共考核{judged_units}个单位的{judged}项报送任务，按时完成{on_time}项，"
        f"按时完成率{rate}；{len(late_units)}个单位存在逾期或未完成情况。"
    )
    good = [s.unit_name for s in board.units if s.judged and not s.late and not s.missed]
    para("二、按时完成的单位", font="黑体")
    para(("、".join(good) + "按时完成了本期全部报送任务，予以通报表扬。") if good else "无。")
    para("三、存在逾期或未完成情况的单位", font="黑体")
    if not late_units:
        para("无。")
    for i, s in enumerate(late_units, 1):
        parts = [f"{p}（截止{_cn(d)}，未完成）" for p, d in s.missed_columns]
        parts += [f"{p}（截止{_cn(d)}，逾期完成）" for p, d in s.late_columns]
        para(f"{i}. {s.unit_name}：{'；'.join(parts)}。")
    if late_units:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("单位", "逾期完成", "未完成", "按时率"), strict=True
        ):
            cell.text = text
        for s in late_units:
            cells = table.add_row().cells
            for cell, text in zip(
                cells,
                (s.unit_name, str(s.late), str(s.missed), _percent(s.on_time_rate)),
                strict=True,
            ):
                cell.text = text
    para("四、有关要求", font="黑体")
    para(
        "请上述单位高度重视，对照栏目保障责任分工，指定信息报送员，严格落实“三审”制度，"
        "于收到本通报后5个工作日内完成整改并将整改情况报区政府办。"
        "报送情况将纳入年度政务公开绩效考核，对履行职责不力的单位将提请督查、约谈。"
    )
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(sign.add_run(issuer), "仿宋", 16)
    day = doc.add_paragraph()
    day.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(day.add_run(_cn(local_date(now, settings.tz))), "仿宋", 16)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    unit_name: str
    column_path: str
    title: str
    submitted_by: str
    submitted_at: datetime
    state: str
    published_at: datetime | None


def submissions(
    session: Session,
    start: date,
    end: date,
    settings: ReportSettings = DEFAULTS,
    unit_id: int | None = None,
) -> list[Submission]:
    """Items submitted (each revision's first submission) from `start` to `end`
    inclusive, by unit and column."""
    tz = settings.tz
    stmt = (
        select(
            Unit.name,
            Column.path,
            Item.title,
            User.name,
            AuditEvent.at,
            Item.state,
            Item.first_published_at,
        )
        .select_from(AuditEvent)
        .join(Item, Item.id == AuditEvent.item_id)
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .join(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.action == Action.SUBMIT.value,
            AuditEvent.at >= local_midnight(start, tz),
            AuditEvent.at < local_midnight(end + timedelta(days=1), tz),
        )
        .order_by(Unit.name, Column.path, AuditEvent.at, Item.id)
    )
    if unit_id is not None:
        stmt = stmt.where(Item.unit_id == unit_id)
    return [Submission(*row) for row in session.execute(stmt)]


def submissions_xlsx(
    session: Session,
    start: date,
    end: date,
    settings: ReportSettings = DEFAULTS,
    unit_id: int | None = None,
) -> bytes:
    """Seed 002's spreadsheet: a summary per unit and column, then every item."""
    tz = settings.tz
    rows = submissions(session, start, end, settings, unit_id)
    span = f"{_cn(start)}至{_cn(end)}"
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[(r.unit_name, r.column_path)] = counts.get((r.unit_name, r.column_path), 0) + 1
    wb = _workbook()
    _sheet(
        wb,
        "汇总",
        f"政府门户网站信息报送汇总（{span}）",
        ["序号", "报送单位", "栏目", "报送条数"],
        [[i, u, c, n] for i, ((u, c), n) in enumerate(counts.items(), 1)],
        [6, 22, 50, 10],
    )

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    _sheet(
        wb,
        "报送明细",
        f"政府门户网站信息报送明细（{span}）",
        ["序号", "报送单位", "栏目", "信息标题", "报送人", "报送时间", "当前状态", "发布时间"],
        [
            [
                i,
                r.unit_name,
                r.column_path,
                r.title,
                r.submitted_by,
                when(r.submitted_at),
                STATE_NAMES.get(r.state, r.state),
                when(r.published_at),
            ]
            for i, r in enumerate(rows, 1)
        ],
        [6, 18, 36, 44, 10, 17, 10, 17],
    )
    return _save(wb)
