"""The annual report of 国办公开办函〔2021〕30号 (docs/annual-report.md): the tables' rows
and columns as in the template, a year whose figures reconcile and one whose do not
(the error names the row), the .docx and .xlsx files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.factories import World, unique
from tests.test_reporting_queries import count_statements
from workflow.accounts import create_unit
from workflow.disclosure.states import RequestState
from workflow.enums import UnitKind
from workflow.models import DisclosureRequest, Unit, User
from workflow.reporting import annual_docs, annual_report
from workflow.services.disclosure import DisclosureRefused
from workflow.services.report_figures import save_figures

NOW = datetime(2027, 1, 10, 2, tzinfo=UTC)

# Transcribed from the 2021 format (国办公开办函〔2021〕30号, table 三), top to bottom.
TEMPLATE_ROWS_2021 = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
    "（七）总计",
    "四、结转下年度继续办理",
]
TEMPLATE_GROUPS_2021 = ["（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]
TEMPLATE_COLUMNS_2021 = [
    "自然人",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "总计",
]
TEMPLATE_ACTIVE_2021 = [
    ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]),
    ("规章", None),
    ("行政规范性文件", None),
    ("第二十条第（五）项", ["信息内容", "本年处理决定数量"]),
    ("行政许可", None),
    ("第二十条第（六）项", ["信息内容", "本年处理决定数量"]),
    ("行政处罚", None),
    ("行政强制", None),
    ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"]),
    ("行政事业性收费", None),
]
TEMPLATE_APPEALS_2021 = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def request(
    session: Session,
    unit: Unit,
    by: User,
    received: date,
    applicant: str,
    outcome: str | None = None,
    answered: date | None = None,
) -> DisclosureRequest:
    row = DisclosureRequest(
        # 登记编号 holds 40 characters; a counter keeps it short whatever the ids grow to.
        reference=unique(f"T-{received:%Y%m%d}-"),
        received_on=received,
        channel="online",
        applicant_type=applicant,
        applicant_name="申请人",
        content="申请内容",
        info_requested="所需信息",
        unit_id=unit.id,
        state=RequestState.ANSWERED if answered else RequestState.HANDLING,
        outcome=outcome,
        clock_start=received,
        paused_workdays=0,
        extension_workdays=0,
        due_on=received,
        due_provisional=False,
        answered_on=answered,
        registered_by_id=by.id,
        created_at=NOW,
        updated_at=NOW,
        version=1,
        history_seq=0,
    )
    session.add(row)
    return row


@pytest.fixture
def year_2026(session: Session, w: World) -> str:
    """Unit A's register: 3 new in 2026, 1 carried in from 2025, 1 closed in 2025."""
    by = w.office_editor
    assert by is not None
    a = w.unit_a
    request(session, a, by, date(2026, 3, 2), "person", "disclose", date(2026, 3, 20))
    request(session, a, by, date(2026, 5, 6), "business", "withhold_secret", date(2026, 6, 1))
    request(session, a, by, date(2026, 12, 21), "person")  # still open at the year's end
    request(session, a, by, date(2025, 12, 22), "legal", "partial", date(2026, 1, 9))
    request(session, a, by, date(2025, 4, 1), "person", "disclose", date(2025, 4, 20))
    request(session, w.unit_b, by, date(2026, 4, 1), "research", "refuse_repeat", date(2026, 4, 3))
    session.flush()
    return str(a.id)


def test_a_year_whose_figures_reconcile(session: Session, year_2026: str) -> None:
    report = annual_report.build(session, 2026, year_2026)
    v = report.values
    assert (v["requests.new.person"], v["requests.new.business"]) == (2, 1)
    assert v["requests.new.total"] == 3
    assert v["requests.carried_in.legal"] == 1
    assert v["requests.disclose.person"] == 1
    assert v["requests.withhold_secret.business"] == 1
    assert v["requests.partial.legal"] == 1
    assert v["requests.total.total"] == 3
    assert v["requests.carried_out.person"] == 1
    assert v["requests.refuse_repeat.research"] == 0  # unit B's
    assert report.problems == []
    assert report.reconciles
    # The whole government counts unit B's too, and still reconciles.
    everyone = annual_report.build(session, 2026)
    assert everyone.values["requests.refuse_repeat.research"] == 1
    assert everyone.reconciles


def test_a_year_whose_figures_do_not_reconcile_names_the_row(
    session: Session, w: World, year_2026: str
) -> None:
    head = w.user("head", "office")
    save_figures(
        session,
        actor=head,
        now=NOW,
        report="annual",
        scope=year_2026,
        year=2026,
        values={
            # two requests from before sanshen carried in, their results not entered
            "requests.carried_in.person": "2",
            "appeals.review.upheld": "1",
            "appeals.review.total": "3",
        },
    )
    report = annual_report.build(session, 2026, year_2026)
    assert not report.reconciles
    messages = [annual_report.describe(p) for p in report.problems]
    rows = {(p.row, p.column, p.rule) for p in report.problems}
    assert ("四、结转下年度继续办理", "自然人", "balance") in rows
    assert ("行政复议", "总计", "appeal_total") in rows
    assert any("“自然人”列：一、本年新收 + 二、上年结转 = 4" in m for m in messages), messages
    assert any("“行政复议”行：总计为 3，各列之和为 1" in m for m in messages), messages
    # The 总计 column of 二、上年结转 was summed: that row itself holds.
    assert report.values["requests.carried_in.total"] == 3


def test_a_hand_entered_total_that_is_not_the_sum_is_named(
    session: Session, year_2026: str
) -> None:
    values = annual_report.build(session, 2026, year_2026).values
    values["requests.new.total"] = 4
    problems = annual_report.check(values)
    assert [(p.row, p.column, p.rule) for p in problems] == [
        ("一、本年新收政府信息公开申请数量", "总计", "row_total"),
        ("四、结转下年度继续办理", "总计", "balance"),  # 4 + 1 ≠ 3 + 1 in that column
    ]


def test_what_is_missing_before_the_deadline(session: Session, w: World, year_2026: str) -> None:
    report = annual_report.build(session, 2026, year_2026)
    labels = [annual_report.key_label(k) for k in report.missing]
    assert "行政许可·本年处理决定数量" in labels
    assert "行政复议·结果维持" in labels
    assert "一、总体情况" in labels
    assert "行政规范性文件·本年制发件数" not in labels  # sanshen counts it
    assert annual_report.due_date(2026, year_2026) == date(2027, 1, 31)
    assert annual_report.due_date(2026, "all") == date(2027, 3, 31)


def test_bad_figures_are_refused_naming_the_field(session: Session, w: World) -> None:
    head = w.user("head", "office")
    for value in ("-1", "many"):
        with pytest.raises(DisclosureRefused) as refused:
            save_figures(
                session,
                actor=head,
                now=NOW,
                report="annual",
                scope="all",
                year=2026,
                values={"active.licensing.0": value},
            )
        assert refused.value.params["field"] == "active.licensing.0"


def test_the_docx_has_the_template_rows_and_columns(session: Session, year_2026: str) -> None:
    report = annual_report.build(session, 2026, year_2026)
    doc = Document(io.BytesIO(annual_docs.annual_docx(report)))
    text = "\n".join(p.text for p in doc.paragraphs)
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert heading in text
    active, requests, appeals = doc.tables
    # 主动公开: the four 第二十条 sections with their columns.
    seen = []
    for row in active.rows:
        cells = [c.text for c in row.cells]
        seen.append(cells)
    firsts = [cells[0] for cells in seen]
    assert [f for f in firsts if f != "信息内容"] == [t for t, _c in TEMPLATE_ACTIVE_2021]
    headers = [dict.fromkeys(cells) for cells in seen if cells[0] == "信息内容"]
    assert [list(h) for h in headers] == [c for _t, c in TEMPLATE_ACTIVE_2021 if c]
    # 收到和处理: the row labels (the last label cell of each row) and the columns.
    labels = [row.cells[2].text for row in requests.rows[3:]]
    assert labels == TEMPLATE_ROWS_2021
    groups = [row.cells[1].text for row in requests.rows[3:]]
    for group in TEMPLATE_GROUPS_2021:
        assert group in groups
    assert requests.rows[5].cells[0].text == "三、本年度办理结果"
    columns = [requests.rows[2].cells[i].text for i in range(3, 10)]
    assert columns == TEMPLATE_COLUMNS_2021
    assert requests.rows[1].cells[5].text == "法人或其他组织"
    assert "第一项加第二项之和，等于第三项加第四项之和" in requests.rows[0].cells[0].text
    new_row = [c.text for c in requests.rows[3].cells[3:]]
    assert new_row == ["2", "1", "0", "0", "0", "0", "3"]
    # 复议/诉讼: 15 columns in three groups of five.
    assert appeals.rows[0].cells[0].text == "行政复议"
    assert appeals.rows[0].cells[5].text == "行政诉讼"
    assert appeals.rows[1].cells[5].text == "未经复议直接起诉"
    assert appeals.rows[1].cells[10].text == "复议后起诉"
    assert [c.text for c in appeals.rows[2].cells[5:10]] == TEMPLATE_APPEALS_2021
    assert [appeals.rows[1].cells[i].text for i in range(5)] == TEMPLATE_APPEALS_2021


def test_the_xlsx_holds_the_three_tables(session: Session, year_2026: str) -> None:
    report = annual_report.build(session, 2026, year_2026)
    wb = load_workbook(io.BytesIO(annual_docs.annual_xlsx(report)))
    assert wb.sheetnames == ["主动公开", "收到和处理申请", "复议诉讼"]
    rows = list(wb["收到和处理申请"].iter_rows(values_only=True))
    assert list(rows[1][3:]) == TEMPLATE_COLUMNS_2021
    new = next(r for r in rows if r[0] == "一、本年新收政府信息公开申请数量")
    assert list(new[3:]) == [2, 1, 0, 0, 0, 0, 3]
    assert [r[2] or r[1] for r in rows[2:]] == [None, None, *TEMPLATE_ROWS_2021[2:-1], None]


def test_the_units_overview_puts_the_failing_first(
    session: Session, w: World, year_2026: str
) -> None:
    save_figures(
        session,
        actor=w.user("head", "office"),
        now=NOW,
        report="annual",
        scope=year_2026,
        year=2026,
        values={"appeals.review.upheld": "1", "appeals.review.total": "3"},
    )
    overview = annual_report.unit_overview(session, 2026)
    mine = next(s for s in overview if s.unit_id == w.unit_a.id)
    assert mine.problems == 1 and mine.missing > 0
    assert overview[0].problems >= 1  # the units with failed checks come first
    other = next(s for s in overview if s.unit_id == w.unit_b.id)
    assert other.problems == 0


def test_the_overview_runs_a_fixed_number_of_statements(
    session: Session, w: World, year_2026: str
) -> None:
    def counted() -> int:
        session.expire_all()
        return count_statements(session, lambda: annual_report.unit_overview(session, 2026))

    few = counted()
    for i in range(12):
        create_unit(session, f"街道办{i}{unique('')}", UnitKind.STREET)
    session.flush()
    assert counted() == few == 4
    assert count_statements(session, lambda: annual_report.build(session, 2026, year_2026)) <= 5
