"""Issue 16's small fixes, through the app: the admin column tree (indented by CSS
classes, folding, searched with ?q= keeping ancestors), the unread badge's contrast,
查看 marking a message read, messages' time of day, new units named on the import
preview and mapped to existing ones, the period box's spellings, the compact
scoreboard and its page of a unit's lapses, the favicon."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts import create_unit
from workflow.models import Column, ColumnAssignment, Delivery, InboxMessage, Unit, UnitAlias
from workflow.reporting.common import PeriodError, parse_period
from workflow.services import columns as column_settings

from .support import Portal, login, page_token, user_of

ROOT = Path(__file__).resolve().parents[2]
# 2026-12-03 09:41 in Beijing.
SENT = datetime(2026, 12, 3, 1, 41, tzinfo=UTC)


@contextmanager
def db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            yield session
        finally:
            session.close()


# ----------------------------------------------------------------------------- tree


@pytest.fixture(scope="module")
def tree(app: Flask, portal: Portal) -> dict[str, int]:
    """A branch three levels deep under the portal's column, and a second root."""
    ids: dict[str, int] = {}
    with db(app) as session:
        admin = user_of(session, portal, "admin")
        now = datetime.now(UTC)

        def add(name: str, parent: int | None) -> int:
            column = column_settings.create_column(
                session, actor=admin, now=now, name=name, parent_id=parent
            ).value
            session.flush()
            return column.id

        ids["policy"] = add("政策文件", portal.column.id)
        ids["interpretation"] = add("政策解读", ids["policy"])
        ids["budget"] = add("部门预算公开", ids["interpretation"])
        ids["other_root"] = add("人事信息", None)
        ids["appointments"] = add("任免信息", ids["other_root"])
        session.commit()
    return ids


def _node(html: str, column_id: int) -> str:
    match = re.search(rf'<li class="([^"]*)" data-column="{column_id}"', html)
    assert match, f"column {column_id} not in the tree"
    return match.group(1)


def test_the_column_tree_is_indented_by_classes_and_folds(
    app: Flask, portal: Portal, tree: dict[str, int]
) -> None:
    admin = login(app, portal.logins["admin"])
    html = admin.get("/admin/columns").get_data(as_text=True)
    assert "style=" not in html  # the CSP refuses inline styles: none at all
    assert "level-1" in _node(html, portal.column.id)
    assert "level-2" in _node(html, tree["policy"])
    assert "level-4" in _node(html, tree["budget"])
    # Nested: the budget column sits inside the policy column's folded subtree.
    policy = html.split(f'data-column="{tree["policy"]}"', 1)[1]
    assert "<details" in policy.split("</li>", 1)[0]
    between = policy.split(f'data-column="{tree["budget"]}"', 1)[0]
    # 政策解读 opened and not closed, then the budget column's own <li: nested in both.
    assert between.count("<li") - between.count("</li>") == 2
    # Top level open, deeper levels folded until opened.
    assert re.search(rf'data-column="{portal.column.id}"[^>]*>\s*<details open', html)
    assert re.search(rf'data-column="{tree["policy"]}"[^>]*>\s*<details data-open="no"', html)
    assert '<script src="/static/tree-filter.js"' in html
    assert admin.get("/static/tree-filter.js").status_code == 200


def test_the_column_tree_search_keeps_ancestors(
    app: Flask, portal: Portal, tree: dict[str, int]
) -> None:
    admin = login(app, portal.logins["admin"])
    html = admin.get("/admin/columns?q=预算").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'data-column="(\d+)"', html)}
    assert shown == {portal.column.id, tree["policy"], tree["interpretation"], tree["budget"]}
    assert "hit" in _node(html, tree["budget"]).split()
    assert "hit" not in _node(html, tree["policy"]).split()
    assert "与“预算”相符的栏目 1 个" in html and 'value="预算"' in html
    # Found columns are shown unfolded.
    assert re.search(rf'data-column="{tree["policy"]}"[^>]*>\s*<details open', html)
    nothing = admin.get("/admin/columns?q=不存在的栏目").get_data(as_text=True)
    assert "没有与“不存在的栏目”相符的栏目" in nothing and "data-column=" not in nothing
    # Case and surrounding spaces do not matter; a long query is cut, never an error.
    assert admin.get("/admin/columns?q=%20%20任免%20").status_code == 200
    assert admin.get("/admin/columns?q=" + "栏" * 5000).status_code == 200


# ---------------------------------------------------------------------------- badge


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_unread_badge_is_readable() -> None:
    css = (ROOT / "web/static/style.css").read_text(encoding="utf-8")
    rule = re.search(r"header\.top \.badge \{([^}]*)\}", css)
    assert rule, "no rule for the badge on the top bar"
    background = re.search(r"background: #([0-9a-f]{3,6})", rule.group(1))
    colour = re.search(r"(?<!-)color: #([0-9a-f]{3,6})", rule.group(1))
    assert background and colour

    def full(c: str) -> str:
        return "".join(ch * 2 for ch in c) if len(c) == 3 else c

    ratio = contrast(full(background.group(1)), full(colour.group(1)))
    assert ratio >= 4.5, ratio  # WCAG AA for normal text; #a4161a on white is 7.75:1
    assert contrast("ffffff", "eaeef2") < 4.5  # what it was


# ------------------------------------------------------------------------- messages


def _message(app: Flask, user_id: int, title: str, link: str) -> int:
    with db(app) as session:
        delivery = Delivery(
            subject=f"test:{title}",
            threshold="submitted",
            recipient=f"user:{user_id}",
            channel="inapp",
            period=SENT.isoformat(),
            kind="event",
            user_id=user_id,
            title=title,
            link=link,
            status="sent",
            created_at=SENT,
        )
        session.add(delivery)
        session.flush()
        message = InboxMessage(
            user_id=user_id,
            delivery_id=delivery.id,
            title=title,
            body="",
            link=link,
            created_at=SENT,
        )
        session.add(message)
        session.commit()
        return message.id


def _read_at(app: Flask, message_id: int) -> datetime | None:
    with db(app) as session:
        message = session.get(InboxMessage, message_id)
        assert message is not None
        return message.read_at


def test_opening_a_message_marks_it_read_and_its_time_is_shown(app: Flask, portal: Portal) -> None:
    mine = _message(
        app, portal.ids["head"], "稿件待审发：查看测试", "http://portal.example/items/7"
    )
    theirs = _message(app, portal.ids["deputy"], "别人的消息", "http://portal.example/items/8")
    head = login(app, portal.logins["head"])
    html, token = page_token(head, "/messages/")
    # Date and the local time of day (Beijing: 09:41), not the date alone.
    assert "2026年12月3日星期四 09:41" in html
    assert f'action="/messages/{mine}/open"' in html
    assert head.post(f"/messages/{mine}/open").status_code == 400  # no CSRF token
    assert _read_at(app, mine) is None
    response = head.post(f"/messages/{mine}/open", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/items/7"  # on this host, whatever BASE_URL
    assert _read_at(app, mine) is not None
    # Another user's message: not found, and left unread.
    assert head.post(f"/messages/{theirs}/open", data={"csrf_token": token}).status_code == 404
    assert _read_at(app, theirs) is None
    assert head.post("/messages/999999999/open", data={"csrf_token": token}).status_code == 404
    page = head.get("/messages/").get_data(as_text=True)
    row = page.split("稿件待审发：查看测试", 1)[1].split("</tr>", 1)[0]
    assert "已读" in row


def test_opening_a_message_never_leaves_the_host(app: Flask, portal: Portal) -> None:
    """No stored link, however odd, sends the browser to another host: browsers read
    "/\\evil" as "//evil", so the Location must have no backslash (Werkzeug quotes it as
    %5C) and no "//" start; an ordinary link keeps its path, query and fragment."""
    links = [
        "http://portal.example/\\evil.example/x",
        "/\\/evil.example",
        "https://portal.example//evil.example/x",
        "https:///evil.example",
        "javascript:alert(1)",
        "/items/9\x01\t",
    ]
    head = login(app, portal.logins["head"])
    _html, token = page_token(head, "/messages/")
    for link in links:
        message = _message(app, portal.ids["head"], f"跳转测试 {link!r}", link)
        response = head.post(f"/messages/{message}/open", data={"csrf_token": token})
        assert response.status_code == 302, link
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), (link, location)
        assert "\\" not in location and location.isprintable(), (link, location)
    kept = _message(app, portal.ids["head"], "跳转测试", "http://portal.example/items/9?a=1#t")
    response = head.post(f"/messages/{kept}/open", data={"csrf_token": token})
    assert response.headers["Location"] == "/items/9?a=1#t"


# --------------------------------------------------------------------------- import


def test_the_import_preview_names_new_units_and_maps_them(app: Flask, portal: Portal) -> None:
    with db(app) as session:
        create_unit(session, "区市场监督管理局")
        session.commit()
    admin = login(app, portal.logins["admin"])
    rows = "栏目,责任单位,时限要求\n双随机抽查,区市场监督管理局,—\n行政处罚,区市场监督管里局,—\n"
    _, token = page_token(admin, "/admin/import/")
    response = admin.post(
        "/admin/import/",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(rows.encode()), "保障表.csv"),
            "root": "市场监管",
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    # The typo is named, not only counted, and the most alike unit is offered first.
    assert re.search(r"新增 1：<strong[^>]*>区市场监督管里局</strong>", html)
    assert 'name="new_unit" value="区市场监督管里局"' in html
    options = re.findall(r'<option value="([^"]*)">', html.split('name="map_to"', 1)[1])
    assert options[:2] == ["", "区市场监督管理局"]
    sha = re.search(r'name="sha" value="([0-9a-f]{64})"', html)
    assert sha
    _, token = page_token(admin, "/admin/import/")
    done = admin.post(
        "/admin/import/apply",
        data={
            "csrf_token": token,
            "sha": sha.group(1),
            "new_unit": "区市场监督管里局",
            "map_to": "区市场监督管理局",
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    with db(app) as session:
        assert session.scalar(select(Unit).where(Unit.name == "区市场监督管里局")) is None
        unit = session.scalar(select(Unit).where(Unit.name == "区市场监督管理局"))
        assert unit is not None
        aliases = set(session.scalars(select(UnitAlias.alias).where(UnitAlias.unit_id == unit.id)))
        assert "区市场监督管里局" in aliases
        column = session.scalar(select(Column).where(Column.path == "市场监管/行政处罚"))
        assert column is not None
        assigned = set(
            session.scalars(
                select(ColumnAssignment.unit_id).where(ColumnAssignment.column_id == column.id)
            )
        )
        assert assigned == {unit.id}


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("2026年11月", "2026-11"),
        ("2026年11月份", "2026-11"),
        ("２０２６年１１月", "2026-11"),
        ("2026 年 11 月", "2026-11"),
        ("2026-11", "2026-11"),
        ("2026/11", "2026-11"),
        ("2026.11", "2026-11"),
        ("202611", "2026-11"),
        ("2026-1", "2026-01"),
        ("2026-Q4", "2026-Q4"),
        ("2026q4", "2026-Q4"),
        ("2026年第4季度", "2026-Q4"),
        ("2026年四季度", "2026-Q4"),
        ("2026", "2026"),
        ("2026年", "2026"),
        ("2026年度", "2026"),
    ],
)
def test_periods_as_offices_write_them(typed: str, label: str) -> None:
    assert parse_period(typed).label == label


@pytest.mark.parametrize("typed", ["11月", "2026年13月", "20261", "2026年第5季度", "一月", ""])
def test_periods_it_cannot_read(typed: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(typed)


def test_the_period_box_takes_chinese_months(app: Flask, portal: Portal) -> None:
    editor = login(app, portal.logins["editor"])
    page = editor.get("/office/scoreboard?period=2026年11月")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "单位考核 · 2026年11月" in html
    assert 'inputmode="numeric"' not in html  # a phone's number pad has no 年 or Q
    bad = editor.get("/office/scoreboard?period=11月")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "无法识别的期间“11月”" in text and "2026年11月" in text


# ----------------------------------------------------------------------- scoreboard


def test_the_scoreboard_summary_and_a_units_lapses_page(app: Flask, portal: Portal) -> None:
    editor = login(app, portal.logins["editor"])
    html = editor.get("/office/scoreboard?period=2026-11").get_data(as_text=True)
    assert html.index('id="score-summary"') < html.index('id="ranking"')
    # Bad or unknown units and periods: a page saying so, never a 500.
    assert editor.get("/office/scoreboard/columns?period=2026-11").status_code == 404
    assert editor.get("/office/scoreboard/columns?period=2026-11&unit=x").status_code == 404
    assert editor.get("/office/scoreboard/columns?period=2026-13&unit=1").status_code == 422
    drafter = login(app, portal.logins["drafter"])
    assert drafter.get("/office/scoreboard/columns?period=2026-11&unit=1").status_code == 403


# -------------------------------------------------------------------------- favicon


def test_every_page_links_a_favicon(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', html)
    assert match
    icon = client.get(match.group(1))
    assert icon.status_code == 200 and icon.get_data().startswith(b"<svg")
    old_address = client.get("/favicon.ico")
    assert old_address.status_code == 301 and old_address.headers["Location"] == match.group(1)
