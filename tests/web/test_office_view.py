"""The office's pages against the reporting fixture's hand-computed values (see
tests/reporting_portal.py and tests/test_reporting_{dashboard,scoreboard}.py): the
dashboard, the scoreboard and its downloads, the column page, cramming, calendar
feeds, and who may see them."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from docx import Document
from flask import Flask
from icalendar import Calendar
from openpyxl import load_workbook

from web.blueprints import office_view
from workflow import services
from workflow.accounts import create_user, set_password
from workflow.enums import Role, State
from workflow.models import FeedToken, Item

from ..factories import World, build_world
from ..reporting_portal import NOW, Portal, october_portal
from .support import PASSWORD, login, page_token


@dataclass
class Office:
    world: World
    portal: Portal
    supervisor: str
    editor: str
    drafter: str
    drafter_id: int


@pytest.fixture(scope="module")
def office(app: Flask) -> Office:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            portal = october_portal(session, world)
            supervisor = world.user(Role.SUPERVISOR, "office")
            editor = world.office_editor
            assert editor is not None
            for user in (supervisor, editor, world.drafter):
                set_password(user, PASSWORD)
            session.commit()
            return Office(
                world, portal, supervisor.login, editor.login, world.drafter.login, world.drafter.id
            )
        finally:
            session.close()


def _rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*data-[a-z]+=\"[^\"]+\"[^>]*>.*?</tr>", body, re.S)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_dashboard_counts_stuck_items_and_late_units(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    html = client.get("/office/").get_data(as_text=True)
    w, p = office.world, office.portal
    # Z waits at 审发 since 10-21 (23 working days); B's request at 初审 since 10-10 (31).
    stuck = [_text(r) for r in _rows(html, "stuck-table")]
    assert len(stuck) == 2
    assert w.unit_b.name in stuck[0] and "31" in stuck[0] and "依申请公开" in stuck[0]
    assert w.unit_a.name in stuck[1] and "23" in stuck[1]
    assert "超时滞留的稿件（2）" in html
    late = {r: _text(r) for r in _rows(html, "late-table")}
    by_unit = {
        uid: next(t for r, t in late.items() if f'data-unit="{uid}"' in r)
        for uid in (w.unit_a.id, w.unit_b.id, p.unit_c.id)
    }
    # B overdue 政策解读 since 10-13 and 依申请公开 since 10-16; C 月报 since 10-27;
    # A's 月报 due soon on 11-25.
    assert "政策解读" in by_unit[w.unit_b.id] and "2026年10月13日" in by_unit[w.unit_b.id]
    assert "2026年10月16日" in by_unit[w.unit_b.id]
    assert "月报" in by_unit[p.unit_c.id] and "2026年10月27日" in by_unit[p.unit_c.id]
    assert "2026年11月25日" in by_unit[w.unit_a.id]


def test_dashboard_filters_sorts_and_pages(app: Flask, office: Office) -> None:
    client = login(app, office.editor)
    w = office.world
    html = client.get(f"/office/?unit={w.unit_b.id}").get_data(as_text=True)
    counts = dict(re.findall(r'data-state="(\w+)">(\d+)<', html))
    # B's items: 月报 (published), 依申请公开 at 初审, a withdrawn one.
    assert counts[State.PUBLISHED] == "1"
    assert counts[State.INITIAL_REVIEW] == "1"
    assert counts[State.WITHDRAWN] == "1"
    assert sum(int(v) for v in counts.values()) == 3
    stuck = [_text(r) for r in _rows(html, "stuck-table")]
    assert len(stuck) == 1 and "31" in stuck[0]
    assert [f'data-unit="{w.unit_b.id}"' in r for r in _rows(html, "late-table")] == [True]
    # One stage; sorted by stage ascending; a page past the end is empty.
    only_office = client.get("/office/?stage=office_review").get_data(as_text=True)
    assert [("23" in _text(r)) for r in _rows(only_office, "stuck-table")] == [True]
    by_stage = client.get("/office/?sort=stage&order=asc").get_data(as_text=True)
    order = [
        next(s for s in ("initial_review", "office_review") if f"state-{s}" in r)
        for r in _rows(by_stage, "stuck-table")
    ]
    assert order == ["initial_review", "office_review"]
    column = office.portal.columns["依申请公开"]
    by_column = client.get(f"/office/?column={column.id}").get_data(as_text=True)
    assert len(_rows(by_column, "stuck-table")) == 1
    assert "没有超时滞留的稿件" in client.get("/office/?page=9").get_data(as_text=True)
    # Bad filter values are ignored, not an error.
    assert client.get("/office/?unit=x&stage=drop&sort=evil").status_code == 200


def test_dashboard_pages_the_late_units_worst_first(
    app: Flask, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login(app, office.supervisor)

    def units_of(html: str) -> list[str]:
        return [re.findall(r'data-unit="(\d+)"', r)[0] for r in _rows(html, "late-table")]

    everyone = units_of(client.get("/office/").get_data(as_text=True))
    assert len(everyone) >= 3  # B, C, A and whoever else keeps a column
    monkeypatch.setattr(office_view, "UNITS_PAGE", 2)
    first = client.get("/office/").get_data(as_text=True)
    pages = (len(everyone) + 1) // 2
    assert units_of(first) == everyone[:2]
    pager = first.split('id="late-pager"', 1)[1].split("</nav>", 1)[0]
    assert f"第 1 / {pages} 页" in pager and "上一页" not in pager
    assert f"共 {len(everyone)} 个单位" in first
    more = re.findall(r'href="([^"]+)">更多单位<', pager)[0].replace("&amp;", "&")
    assert "upage=2" in more and more.endswith("#late")
    # Following "more" pages through every unit once, in the same order.
    seen = units_of(first)
    while more:
        html = client.get(more).get_data(as_text=True)
        seen += units_of(html)
        found = re.findall(r'href="([^"]+)">更多单位<', html)
        more = found[0].replace("&amp;", "&") if found else ""
    assert seen == everyone
    # The stuck items' page and the units' page are kept when the other one changes.
    both = client.get("/office/?page=2&upage=2").get_data(as_text=True)
    back = re.findall(r'href="([^"]+)">上一页<', both.split('id="late-pager"', 1)[1])[0]
    assert "page=2" in back and "upage" not in back  # back to the first page of units
    # A unit's link (here one on the second page) leaves both pages: the unit alone.
    row = _rows(both, "late-table")[0]
    unit_link = re.findall(r'href="([^"]+)"', row)[0].replace("&amp;", "&")
    assert f"unit={everyone[2]}" in unit_link and "page" not in unit_link


def test_recompute_provisional_is_a_csrf_protected_post(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    assert client.post("/office/provisional/recompute").status_code == 400  # no token
    _html, token = page_token(client, "/office/")
    response = client.post("/office/provisional/recompute", data={"csrf_token": token})
    assert response.status_code == 302
    assert "重新计算暂定截止日期" in client.get("/office/").get_data(as_text=True)


def test_scoreboard_ranking_medians_and_charts(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    html = client.get("/office/scoreboard?period=2026-10").get_data(as_text=True)
    w, p = office.world, office.portal
    rows = _rows(html, "ranking")
    # Ranking: A (75%), then C and B at 0% — C has fewer missed.
    ids = [int(re.search(r'data-unit="(\d+)"', r)[1]) for r in rows]  # type: ignore[index]
    assert ids[:3] == [w.unit_a.id, p.unit_c.id, w.unit_b.id]

    def cells(row: str) -> dict[str, str]:
        return {k: _text(v) for k, v in re.findall(r'class="([\w-]+)">(.*?)</td>', row, re.S)}

    a, c, b = (cells(r) for r in rows[:3])
    assert (a["on-time"], a["late"], a["missed"], a["rate"]) == ("3", "1", "0", "75%")
    assert (b["on-time"], b["late"], b["missed"], b["rate"]) == ("0", "1", "2", "0%")
    assert (c["on-time"], c["late"], c["missed"]) == ("0", "0", "1")
    # Stage medians in working days across National Day; one of three returned.
    assert a["median-initial_review"].startswith("1 ")
    assert a["median-head_review"].startswith("2 ")
    assert a["median-office_review"].startswith("1 ")
    assert a["returned-share"] == "33% (1/3)"
    assert html.count("<svg") == 2
    assert "2026年10月" in html


def test_scoreboard_refuses_a_bad_period_clearly(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    response = client.get("/office/scoreboard?period=2026-13")
    assert response.status_code == 422
    assert "无法识别的期间“2026-13”" in response.get_data(as_text=True)
    assert client.get("/office/scoreboard/assessment.xlsx?period=2026-13").status_code == 404


def _filename(response: object) -> str:
    header = response.headers["Content-Disposition"]  # type: ignore[attr-defined]
    assert header.startswith("attachment;")
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    assert match, header
    return unquote(match.group(1))


def test_downloads_open_and_hold_the_rows(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    w, p = office.world, office.portal
    xlsx = client.get("/office/scoreboard/assessment.xlsx?period=2026-10")
    assert xlsx.status_code == 200
    assert _filename(xlsx) == "2026年10月政务公开考核.xlsx"
    book = load_workbook(io.BytesIO(xlsx.data))
    ranking = book.worksheets[0]
    rows = [tuple(row) for row in ranking.iter_rows(values_only=True)]
    by_name = {r[1]: r for r in rows if r and r[1] in (w.unit_a.name, w.unit_b.name, p.unit_c.name)}
    assert by_name[w.unit_a.name][0] == 1 and by_name[w.unit_a.name][2:5] == (3, 1, 0)
    assert by_name[w.unit_b.name][0] == 3 and by_name[w.unit_b.name][2:5] == (0, 1, 2)

    docx = client.get("/office/scoreboard/bulletin.docx?period=2026-10")
    assert _filename(docx) == "2026年10月政务公开工作通报.docx"
    text = "\n".join(par.text for par in Document(io.BytesIO(docx.data)).paragraphs)
    text += "\n".join(
        cell.text
        for table in Document(io.BytesIO(docx.data)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert w.unit_b.name in text and "政策解读" in text

    subs = client.get("/office/scoreboard/submissions.xlsx?period=2026-10")
    assert _filename(subs) == "2026年10月信息报送情况.xlsx"
    sheets = load_workbook(io.BytesIO(subs.data)).worksheets
    cells = {str(v) for s in sheets for row in s.iter_rows(values_only=True) for v in row}
    assert "审核时长" in cells  # the three items walked through review in October
    assert w.unit_a.name in cells


def test_column_page_rules_history_and_next_due(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    column = office.portal.columns["月报"]
    html = client.get(f"/office/columns/{column.id}").get_data(as_text=True)
    assert "每月25日前至少发布1条" in html
    assert "2026-10" in html and "2026-09" in html
    # The next due date of the column: November's, 11-25.
    assert "2026年11月25日" in _text(html.split('id="next-due"')[1].split("</dd>")[0])
    # The dashboard links to it.
    assert f"/office/columns/{column.id}" in client.get("/office/").get_data(as_text=True)
    # A drafter of a unit keeping the column may read it; not another column's.
    drafter = login(app, office.drafter)
    assert drafter.get(f"/office/columns/{column.id}").status_code == 200
    assert drafter.get("/office/columns/999999").status_code == 404


def test_cramming_page(app: Flask, office: Office) -> None:
    client = login(app, office.supervisor)
    html = client.get("/office/cramming?year=2026").get_data(as_text=True)
    assert "没有年底突击发布的情况" in html  # nothing published in December 2026 yet
    assert "全年首发不少于 4 条、其中超过 50% 在12月发布" in html


def test_drafters_get_403_and_links_follow_roles(app: Flask, office: Office) -> None:
    drafter = login(app, office.drafter)
    for path in (
        "/office/",
        "/office/scoreboard",
        "/office/scoreboard/assessment.xlsx?period=2026-10",
        "/office/scoreboard/bulletin.docx?period=2026-10",
        "/office/scoreboard/submissions.xlsx?period=2026-10",
        "/office/cramming",
        "/office/health",
    ):
        assert drafter.get(path).status_code == 403, path
    assert drafter.post("/office/provisional/recompute").status_code in (400, 403)
    home = drafter.get("/feeds").get_data(as_text=True)
    assert "/office/" not in home.split("<main>")[0]
    assert "/feeds" in home.split("<main>")[0]
    supervisor = login(app, office.supervisor)
    nav = supervisor.get("/feeds").get_data(as_text=True).split("<main>")[0]
    assert "/office/" in nav and "/office/scoreboard" in nav
    # Not logged in: to the login page.
    assert app.test_client().get("/office/").status_code == 302


def test_calendar_feed_issue_fetch_and_revoke(app: Flask, office: Office) -> None:
    client = login(app, office.drafter)
    _html, token = page_token(client, "/feeds")
    html = client.post("/feeds", data={"csrf_token": token, "label": "手机"}).get_data(as_text=True)
    match = re.search(r'value="(http://[^"]+/feeds/([^"/]+)\.ics)"', html)
    assert match, html[:2000]
    path = match.group(1).split("localhost", 1)[1]
    public = app.test_client()  # no login: the secret is the credential
    response = public.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    events = {(str(e.get("SUMMARY")), e.decoded("DTSTART")) for e in calendar.walk("VEVENT")}
    # Unit A's 月报 is due 11-25; the drafter's own request draft is due 11-30.
    assert any("月报" in s and d.isoformat() == "2026-11-25" for s, d in events), events
    assert any("依申请公开" in s and d.isoformat() == "2026-11-30" for s, d in events), events
    # Unknown and revoked secrets: 404.
    assert public.get("/feeds/not-a-real-secret.ics").status_code == 404
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            feed = session.query(FeedToken).filter_by(user_id=office.drafter_id).one()
            feed_id = feed.id
            assert feed.last_used_at is not None
        finally:
            session.close()
    _html, token = page_token(client, "/feeds")
    assert client.post(f"/feeds/{feed_id}/revoke", data={"csrf_token": token}).status_code == 302
    assert public.get(path).status_code == 404


def test_unit_feeds_are_the_office_editors(app: Flask, office: Office) -> None:
    drafter = login(app, office.drafter)
    _html, token = page_token(drafter, "/feeds")
    unit = office.world.unit_b.id
    data = {"csrf_token": token, "unit": str(unit)}
    assert drafter.post("/feeds", data=data).status_code == 403
    editor = login(app, office.editor)
    html, token = page_token(editor, "/feeds")
    assert 'id="unit"' in html
    html = editor.post("/feeds", data={**data, "csrf_token": token}).get_data(as_text=True)
    match = re.search(r'/feeds/([^"/]+)\.ics"', html)
    assert match
    response = app.test_client().get(f"/feeds/{match.group(1)}.ics")
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert events, "unit B owes 月报 on 11-25"
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            assert session.query(Item).count() > 0
        finally:
            session.close()


def test_failed_deliveries_are_listed_and_can_be_sent_again(app: Flask, office: Office) -> None:
    from workflow.models import Delivery

    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        row = Delivery(
            subject="rule:1:0",
            threshold="1wd",
            recipient=f"user:{office.drafter_id}",
            channel="sms",
            period="2026-10-25",
            kind="reminder",
            user_id=office.drafter_id,
            title="【到期提醒】教育信息 1个工作日后到期",
            status="failed",
            created_at=NOW,
            attempts=4,
            last_error="isv.MOBILE_NUMBER_ILLEGAL",
            failed_at=NOW,
        )
        session.add(row)
        session.commit()
        delivery_id = row.id
        session.close()
    client = login(app, office.supervisor)
    html, token = page_token(client, "/office/")
    section = _text(html.split('id="deliveries"', 1)[1])
    assert "发送失败 1 条" in section
    assert "【到期提醒】教育信息 1个工作日后到期" in section
    assert "isv.MOBILE_NUMBER_ILLEGAL" in section and "短信" in section
    retry = f"/office/deliveries/{delivery_id}/retry"
    assert client.post(retry).status_code == 400  # no CSRF token
    assert client.post(retry, data={"csrf_token": token}).status_code == 302
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        again = session.get(Delivery, delivery_id)
        assert again is not None and again.status == "pending" and again.attempts == 0
        session.delete(again)
        session.commit()
        session.close()
    client.post(retry, data={"csrf_token": token})
    assert "已不在发送失败列表中" in client.get("/office/").get_data(as_text=True)


def test_dashboard_says_how_fresh_its_deadline_figures_are(app: Flask, office: Office) -> None:
    from notifications.status_job import report_settings
    from workflow.reporting.status import refresh_status

    client = login(app, office.supervisor)
    assert "截止日期状态为实时计算" in client.get("/office/").get_data(as_text=True)
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        refresh_status(session, NOW, report_settings(app.config["SANSHEN"]))
        session.commit()
        session.close()
    html = _text(client.get("/office/").get_data(as_text=True))
    assert "截止日期状态汇总于" in html and "其后有变动的 0 个栏目已实时重算" in html


def test_scoreboard_reads_the_summary_the_job_writes(app: Flask, office: Office) -> None:
    from sqlalchemy import delete

    from notifications.status_job import report_settings
    from workflow.models import ScoreMonth
    from workflow.reporting.status import refresh_status

    client = login(app, office.supervisor)
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        session.execute(delete(ScoreMonth))  # as before any refresh (the data is shared)
        session.commit()
        session.close()
    live = client.get("/office/scoreboard?period=2026-10").get_data(as_text=True)
    assert "考核数据为实时计算" in live
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        # The job's settings are the pages' settings: the summary is used.
        refresh_status(session, NOW, report_settings(app.config["SANSHEN"]))
        session.commit()
        session.close()
    stored = client.get("/office/scoreboard?period=2026-10").get_data(as_text=True)
    assert "考核数据汇总于" in _text(stored)

    def ranking(html: str) -> str:
        return html[html.index('id="ranking"') : html.index("</table>", html.index('id="ranking"'))]

    assert ranking(stored) == ranking(live)


def test_stuck_items_name_a_delegate_in_the_readers_language(app: Flask, office: Office) -> None:
    """B's request waits at 初审; its deputy head delegated 初审 to 李四: the office sees
    "李四（代 …）", and in English "李四 (for …)" (the words come from the web layer)."""
    w = office.world
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            deputy = w.user(Role.DEPUTY_HEAD, "b")
            deputy = session.merge(deputy)
            stand_in = create_user(
                session,
                login="lisi_stand_in",
                name="李四",
                unit=deputy.unit,
                roles=[Role.HEAD],  # a leader who does not hold 初审 of its own
                now=NOW,
                password=PASSWORD,
            )
            session.flush()
            made = services.create_delegation(
                session,
                actor=deputy,
                now=NOW,
                delegator_id=deputy.id,
                delegate_id=stand_in.id,
                stages=["initial_review"],
                starts_on=NOW.date(),
                ends_on=NOW.date(),
            ).value
            session.commit()
            deputy_name, delegation_id = deputy.name, made.id
        finally:
            session.close()
    try:
        client = login(app, office.supervisor)
        stuck = " ".join(
            _text(r) for r in _rows(client.get("/office/").get_data(as_text=True), "stuck-table")
        )
        assert f"李四（代 {deputy_name}）" in stuck
        _, token = page_token(client, "/office/")
        client.post("/language", data={"csrf_token": token, "locale": "en"})
        html = client.get("/office/").get_data(as_text=True)
        stuck = " ".join(_text(r) for r in _rows(html, "stuck-table"))
        assert f"李四 (for {deputy_name})" in stuck and "（代" not in stuck
        client.post("/language", data={"csrf_token": token, "locale": "zh_CN"})
    finally:
        with app.app_context():
            session = app.extensions["sanshen.sessions"]()
            try:
                actor = session.merge(w.user(Role.DEPUTY_HEAD, "b"))
                services.end_delegation(session, actor=actor, now=NOW, delegation_id=delegation_id)
                session.commit()
            finally:
                session.close()
