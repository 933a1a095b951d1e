"""Every page in real Chromium, as every role of the test portal: no Content Security
Policy violation and no other console error on any page a person can reach (the app's
GET routes with ids filled in from the portal, then every link found on the pages). Then
screenshots at a desktop's and a phone's width of the item page, the item form, the admin
column tree and the scoreboard (to SANSHEN_SCREENSHOTS): no page scrolls sideways on a
phone, and the scoreboard of 40 units with lapses stays short (it was 12,552 px tall for
a district's portal; with this portal the old page measured 10,230 px at 1280 wide and
25,568 px at 390, the new one 2,638 and 5,232)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from workflow import services
from workflow.accounts import create_unit, create_user
from workflow.deadlines.parser import parse
from workflow.enums import Role, UnitKind
from workflow.models import Column, Delivery, InboxMessage, Unit
from workflow.services import columns as column_settings

from ..factories import make_column
from ..services import act
from .browser import User, require_chromium
from .support import PASSWORD, Portal, user_of

require_chromium()

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ROLES = ["drafter", "deputy", "head", "other_deputy", "editor", "admin", "supervisor"]
# Once in English too (the language is kept on the user: one nobody else here uses).
IN_ENGLISH = "head"
# What a browser downloads rather than shows, and what is no page: files, the API's JSON
# (its readable page, /api/v1/docs, is one), feeds, the icon.
SKIP = re.compile(
    r"^/static/|^/attachments/|^/feeds/.+\.(ics|atom)$|^/healthz|^/favicon\.ico$"
    r"|^/api/v\d+/(?!docs$)|\.(xlsx|docx|pdf|csv|ics|json)$"
)
PAGES_PER_ROLE = 120
# What Chromium logs for a page answered 403 or 404 (the page itself is checked).
PAGE_STATUS = "Failed to load resource: the server responded with a status of"
SCOREBOARD_UNITS = 40
SCOREBOARD_MAX_HEIGHT = 4000  # px at 1280 wide; the old page of this portal was ~10,000


@dataclass
class Site:
    items: dict[str, int] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site(app: Flask, portal: Portal) -> Site:
    """Items at each stage (draft, at 初审, returned with an opinion, published), a column
    tree three levels deep, a supervisor, and 40 units each missing six monthly columns
    (the scoreboard's worst case in small)."""
    out = Site()
    now = datetime.now(UTC)
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            _items(session, portal, now, out)
            _tree(session, portal, now, out)
            _lapsing_units(session)
            _unread(session, portal.ids["deputy"], now)
            office = session.get(Unit, user_of(session, portal, "editor").unit_id)
            assert office is not None
            supervisor = create_user(
                session,
                login=f"supervisor_{uuid.uuid4().hex[:6]}",
                name="周督查",
                unit=office,
                roles=[Role.SUPERVISOR],
                now=now,
                password=PASSWORD,
            )
            portal.logins["supervisor"] = supervisor.login
            portal.ids["supervisor"] = supervisor.id
            session.commit()
        finally:
            session.close()
    return out


def _items(session: Session, portal: Portal, now: datetime, out: Site) -> None:
    drafter, deputy, head, editor = (
        user_of(session, portal, key) for key in ("drafter", "deputy", "head", "editor")
    )

    def new(title: str) -> Any:
        return services.create_item(
            session,
            actor=drafter,
            column_id=portal.column.id,
            kind="article",
            title=title,
            body="<p>各中小学、幼儿园：</p><p>为切实做好2026年秋季学期招生工作，现将有关事项通知如下。</p>",
            now=now,
        ).value

    out.items["draft"] = new("关于做好寒假安全工作的通知（草稿）").id
    waiting = new("关于2026年秋季学期招生工作的通知")
    act(session, "submit", waiting, by=drafter, now=now)
    out.items["waiting"] = waiting.id
    returned = new("区教育局2026年预算公开说明")
    act(session, "submit", returned, by=drafter, now=now)
    act(session, "approve", returned, by=deputy, now=now, confidentiality_checked=True)
    opinion = "请补充预算表附件，并核对第三段数字。"
    act(session, "reject", returned, by=head, now=now, comment=opinion)
    out.items["returned"] = returned.id
    published = new("区教育局关于公布学区划分的公告")
    act(session, "submit", published, by=drafter, now=now)
    act(session, "approve", published, by=deputy, now=now, confidentiality_checked=True)
    act(session, "approve", published, by=head, now=now)
    act(session, "approve", published, by=editor, now=now)
    out.items["published"] = published.id
    session.flush()


def _tree(session: Session, portal: Portal, now: datetime, out: Site) -> None:
    """Six roots of three children of three: 78 columns, as an office's tree looks."""
    admin = user_of(session, portal, "admin")
    roots = ["机构职能", "政策文件", "规划计划", "财政信息", "重点领域", "政务动态"]
    for r, root in enumerate(roots):
        root_id = column_settings.create_column(
            session, actor=admin, now=now, name=root, time_requirement="每季度至少更新1条"
        ).value.id
        for c in range(3):
            child = column_settings.create_column(
                session,
                actor=admin,
                now=now,
                name=f"{root}第{c + 1}类",
                parent_id=root_id,
                time_requirement="信息形成或变更之日起20个工作日内",
            ).value.id
            out.columns[f"{r}.{c}"] = child
            for g in range(3):
                column_settings.create_column(
                    session,
                    actor=admin,
                    now=now,
                    name=f"{root}第{c + 1}类第{g + 1}项" + ("部门预算公开" if g == 2 else ""),
                    parent_id=child,
                )
    session.flush()


def _unread(session: Session, user_id: int, now: datetime) -> None:
    delivery = Delivery(
        subject="test:badge",
        threshold="submitted",
        recipient=f"user:{user_id}",
        channel="inapp",
        period=now.isoformat(),
        kind="event",
        user_id=user_id,
        title="稿件待初审：关于2026年秋季学期招生工作的通知",
        status="sent",
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    session.add(
        InboxMessage(user_id=user_id, delivery_id=delivery.id, title=delivery.title, created_at=now)
    )


def _lapsing_units(session: Session) -> None:
    suffix = uuid.uuid4().hex[:4]
    for u in range(SCOREBOARD_UNITS):
        unit = create_unit(session, f"区第{u + 1}街道{suffix}", UnitKind.STREET)
        for c in range(6):
            column: Column = make_column(session, [unit], name=f"街道{u + 1}栏目{c + 1}{suffix}")
            column.rules = parse("每月25日前报送")
            column.rules_confirmed_at = datetime(2020, 1, 1, tzinfo=UTC)
    session.flush()


# ------------------------------------------------------------------------ every page


def _seeds(app: Flask, portal: Portal, site: Site) -> list[str]:
    """Each GET route of the app with its ids filled in from the portal."""
    values: dict[str, list[Any]] = {
        "column_id": [portal.column.id, *list(site.columns.values())[:2]],
        "item_id": list(site.items.values()),
        "user_id": [portal.ids["drafter"]],
    }
    out: list[str] = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or SKIP.search(rule.rule):
                continue
            if not rule.arguments:
                out.append(rule.rule)
                continue
            if not rule.arguments <= values.keys():
                continue
            (name,) = rule.arguments
            for value in values[name]:
                out.append(rule.build({name: value}, append_unknown=False)[1])
    # Pages a search or a choice leads to.
    out += ["/admin/columns?q=预算", "/office/scoreboard?period=2026年11月", "/messages/?page=2"]
    return sorted(out)


def _shape(path: str) -> str:
    """Pages alike for this test: ids and query values aside (page 2 of a list, another
    sort order)."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def _visit_all(
    user: User, seeds: list[str], follow: bool = True
) -> tuple[list[str], list[str], list[str]]:
    """(CSP violations, other console errors, pages shown with their status): every
    seed, then (if `follow`) each kind of page (see _shape) among the same-site links."""
    base = user.base
    queue: list[tuple[str, bool]] = [(path, True) for path in seeds]
    seen: set[str] = set()
    refused: set[str] = set()  # kinds of page this role is refused: one refusal page is enough
    violations: list[str] = []
    errors: list[str] = []
    shown: list[str] = []
    while queue and len(shown) < PAGES_PER_ROLE:
        path, seed = queue.pop(0)
        key = path if seed else _shape(path)
        if key in seen or _shape(path) in refused or SKIP.search(urlsplit(path).path):
            continue
        seen |= {key, _shape(path)}
        user.console.clear()
        try:
            response = user.page.goto(base + path)
        except Exception as exc:  # a link that downloads a file is no page
            if "Download is starting" in str(exc):
                continue
            raise
        user.page.wait_for_load_state()
        status = response.status if response is not None else 0
        shown.append(f"{status} {path}")
        for text in user.console:
            if "Content Security Policy" in text:
                violations.append(f"{path}: {text}")
            elif not text.startswith(f"{PAGE_STATUS} {status}"):
                errors.append(f"{path} ({status}): {text}")
        if status in (403, 404):
            refused.add(_shape(path))
        if status != 200 or not follow:
            continue
        hrefs = user.page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))"
        )
        for href in hrefs:
            target = urlsplit(urljoin(base + path, href))
            if f"{target.scheme}://{target.netloc}" == base:
                queue.append((target.path + (f"?{target.query}" if target.query else ""), False))
    return violations, errors, shown


@pytest.mark.parametrize("role", [*ROLES, f"{IN_ENGLISH}:en"])
def test_no_csp_violation_on_any_page(
    app: Flask, portal: Portal, site: Site, server: str, browser: Any, role: str
) -> None:
    key, _, language = role.partition(":")
    user = User(browser, server, portal.logins[key], viewport=DESKTOP)
    if language == "en":
        user.page.locator("#locale").select_option("en")
        user.page.get_by_role("button", name="切换语言").click()
        user.page.wait_for_load_state()
        assert user.page.locator("html").get_attribute("lang") == "en"
    try:
        # In English the seeds (every page kind) suffice: the links lead to the same pages
        # the Chinese crawl of this role already followed.
        violations, errors, shown = _visit_all(
            user, _seeds(app, portal, site), follow=language != "en"
        )
    finally:
        user.close()
    print(f"{role}: {len(shown)} pages", *shown, sep="\n  ")  # shown with -s
    assert sum(1 for s in shown if s.startswith("200 ")) >= 10, shown  # the role's pages
    assert violations == []
    assert errors == []


# ----------------------------------------------------------------------- screenshots


def _fits(user: User) -> bool:
    return bool(user.page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def _height(user: User) -> int:
    return int(user.page.evaluate("document.scrollingElement.scrollHeight"))


def _shoot(user: User, shots: Path, name: str, width: str) -> None:
    user.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


@pytest.fixture(scope="module")
def people(
    portal: Portal, site: Site, server: str, browser: Any
) -> Iterator[dict[tuple[str, str], User]]:
    out = {
        (role, width): User(browser, server, portal.logins[role], viewport=size)
        for role in ("drafter", "deputy", "admin", "supervisor")
        for width, size in (("desktop", DESKTOP), ("phone", PHONE))
    }
    yield out
    for user in out.values():
        user.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots_fit_the_width(
    portal: Portal,
    site: Site,
    people: dict[tuple[str, str], User],
    shots: Path,
    width: str,
) -> None:
    pages = [
        ("deputy", f"/items/{site.items['waiting']}", "item-page"),
        ("drafter", f"/items/{site.items['returned']}", "item-page-returned"),
        ("drafter", f"/columns/{portal.column.id}/new", "item-form"),
        ("drafter", f"/items/{site.items['returned']}/edit", "item-form-returned"),
        ("admin", "/admin/columns", "admin-column-tree"),
        ("admin", "/admin/columns?q=预算", "admin-column-tree-search"),
        ("supervisor", "/office/scoreboard", "scoreboard"),
        ("deputy", "/messages/", "messages"),
    ]
    for role, path, name in pages:
        user = people[(role, width)]
        response = user.go(path)
        assert response is not None and response.status == 200, path
        _shoot(user, shots, name, width)
        if width == "phone":
            assert _fits(user), f"{path} scrolls sideways at 390 px"
        assert user.csp_violations() == [], path


def test_the_scoreboard_is_short(people: dict[tuple[str, str], User], shots: Path) -> None:
    user = people[("supervisor", "desktop")]
    user.go("/office/scoreboard")
    page = user.page
    assert page.locator("#ranking tbody tr[data-unit]").count() == 25  # a page of units
    assert _height(user) < SCOREBOARD_MAX_HEIGHT, _height(user)
    # A unit's lapses are folded; opening one shows five and a link to them all.
    lapse = page.locator("details.unit-lapse").first
    assert not lapse.locator("li").first.is_visible()
    lapse.locator("summary").click()
    assert lapse.locator("li.missed-col").count() == 5
    lapse.get_by_role("link", name="另有 1 个栏目").click()
    page.wait_for_load_state()
    assert "/office/scoreboard/columns?" in page.url
    assert page.locator("tr.missed-col").count() == 6
    assert page.get_by_role("link", name="下载考核表（Excel）").is_visible()
    _shoot(user, shots, "scoreboard-unit-columns", "desktop")
    # The pager leads to the other 15 units.
    user.go("/office/scoreboard")
    page.get_by_role("navigation", name="排名分页").get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    assert page.locator("#ranking tbody tr[data-unit]").count() >= 15
    phone = people[("supervisor", "phone")]
    phone.go("/office/scoreboard")
    assert _fits(phone)


def _rgb(css: str) -> str:
    """ "rgb(164, 22, 26)" → "a4161a"."""
    channels = [int(c) for c in re.findall(r"\d+", css)[:3]]
    return "".join(f"{c:02x}" for c in channels)


def test_the_unread_badge_is_readable_as_drawn(people: dict[tuple[str, str], User]) -> None:
    from .test_issue16_fixes import contrast

    user = people[("deputy", "desktop")]
    user.go("/inbox")
    badge = user.page.locator("header.top .badge")
    assert badge.inner_text().strip() == "1"
    colour, background = badge.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert contrast(_rgb(colour), _rgb(background)) >= 4.5, (colour, background)


def test_the_column_tree_filters_and_folds_in_the_page(
    people: dict[tuple[str, str], User],
) -> None:
    user = people[("admin", "desktop")]
    user.go("/admin/columns")
    page = user.page
    nodes = page.locator("li.tree-node")
    total = nodes.count()
    assert total > 78
    # Deeper levels are folded: a grandchild is hidden until its parent opens.
    grandchild = page.locator("li.tree-node.level-3").first
    assert not grandchild.is_visible()
    page.locator("li.tree-node.level-2 > details > summary").first.click()
    assert grandchild.is_visible()
    # Typing filters without a request: matches and their ancestors stay.
    page.get_by_label("搜索栏目").fill("部门预算")
    visible = page.locator("li.tree-node:visible")
    assert 0 < visible.count() < total
    assert page.locator("li.tree-node.hit").count() == 18
    assert "相符的栏目 18 个" in page.locator("#tree-count").inner_text()
    page.get_by_label("搜索栏目").fill("")
    assert page.locator("li.tree-node.hit").count() == 0
    assert not grandchild.is_visible()  # the folding as it was
    assert user.csp_violations() == []
