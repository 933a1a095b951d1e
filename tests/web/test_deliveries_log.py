"""The office's message log: every ledger row, filtered and paged, newest first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask

from workflow.models import Delivery

from .support import Portal, login

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, 20 November


def _add(app: Flask, portal: Portal, rows: list[dict[str, object]]) -> list[int]:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        made = []
        for n, values in enumerate(rows):
            user = values.pop("user", "drafter")
            made.append(
                Delivery(
                    subject=f"log-test:{n}:{T0.timestamp()}",
                    threshold="3wd",
                    recipient=f"user:{portal.ids[str(user)]}",
                    user_id=portal.ids[str(user)],
                    period="2026-11-25",
                    body="",
                    **{
                        "kind": "reminder",
                        "channel": "email",
                        "status": "sent",
                        "created_at": T0,
                        **values,
                    },
                )
            )
        session.add_all(made)
        session.commit()
        ids = [d.id for d in made]
        session.close()
        return ids


def _remove(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        for d in session.query(Delivery).filter(Delivery.id.in_(ids)):
            session.delete(d)
        session.commit()
        session.close()


def _titles(html: str) -> list[str]:
    table = html.split('id="deliveries"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-label="内容">([^<]*)<', table)


def test_the_log_finds_a_persons_messages_by_name_channel_status_and_day(
    app: Flask, portal: Portal
) -> None:
    ids = _add(
        app,
        portal,
        [
            {"title": "甲·邮件已发", "sent_at": T0 + timedelta(minutes=1)},
            {"title": "甲·短信失败", "channel": "sms", "status": "failed",
             "last_error": "isv.MOBILE_NUMBER_ILLEGAL", "failed_at": T0, "attempts": 4},
            {"title": "甲·短信等早上", "channel": "sms", "status": "pending",
             "not_before": T0 + timedelta(hours=10)},
            {"title": "乙·前一天", "user": "deputy", "created_at": T0 - timedelta(days=1)},
        ],
    )  # fmt: skip
    try:
        client = login(app, portal.logins["editor"])
        html = client.get("/office/deliveries/").get_data(as_text=True)
        # Newest first (by id): every message, whatever its state.
        assert _titles(html)[:4] == ["乙·前一天", "甲·短信等早上", "甲·短信失败", "甲·邮件已发"]
        assert "isv.MOBILE_NUMBER_ILLEGAL" in html and "等待至" in html and "发送于" in html
        by_name = client.get("/office/deliveries/?q=王晓燕").get_data(as_text=True)
        assert set(_titles(by_name)) >= {"甲·邮件已发", "甲·短信失败", "甲·短信等早上"}
        assert "乙·前一天" not in _titles(by_name)
        sms_failed = client.get("/office/deliveries/?channel=sms&status=failed")
        assert _titles(sms_failed.get_data(as_text=True)) == ["甲·短信失败"]
        day_before = client.get("/office/deliveries/?from=2026-11-19&to=2026-11-19")
        assert _titles(day_before.get_data(as_text=True)) == ["乙·前一天"]
        # A bad filter value is ignored, not an error.
        assert client.get("/office/deliveries/?status=nonsense&from=x").status_code == 200
    finally:
        _remove(app, ids)


def test_the_log_pages_by_the_last_id_shown(app: Flask, portal: Portal) -> None:
    ids = _add(app, portal, [{"title": f"分页{n:02d}", "kind": "digest"} for n in range(55)])
    try:
        client = login(app, portal.logins["editor"])
        first = client.get("/office/deliveries/?kind=digest").get_data(as_text=True)
        assert _titles(first) == [f"分页{n:02d}" for n in range(54, 4, -1)]
        older = re.search(r'href="([^"]+)" rel="next"', first)
        assert older, "no link to the older page"
        second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert _titles(second) == [f"分页{n:02d}" for n in range(4, -1, -1)]
        assert 'rel="next"' not in second and "回到最新" in second
    finally:
        _remove(app, ids)


def test_only_the_office_sees_the_log(app: Flask, portal: Portal) -> None:
    dashboard = login(app, portal.logins["editor"]).get("/office/").get_data(as_text=True)
    assert 'href="/office/deliveries/"' in dashboard  # from the failed list and the menu
    assert login(app, portal.logins["drafter"]).get("/office/deliveries/").status_code == 403


def test_odd_query_strings_are_no_filter_not_an_error(app: Flask, portal: Portal) -> None:
    """Review: ids beyond INTEGER, non-ASCII digits and far-off years used to 500."""
    ids = _add(
        app,
        portal,
        [
            {"title": "已领取", "status": "claimed"},
            {"title": "交付中", "status": "sending"},
            {"title": "已送达"},
        ],
    )
    try:
        client = login(app, portal.logins["editor"])
        for query in (
            "before=99999999999999999999",
            "before=%C2%B2",  # ²
            "from=0001-01-01",
            "to=9999-12-31",
            "from=1899-12-31&to=2026-13-01",
        ):
            r = client.get(f"/office/deliveries/?{query}")
            assert r.status_code == 200, query
            assert {"已领取", "交付中", "已送达"} <= set(_titles(r.get_data(as_text=True)))
        # Both worker-held states read 发送中 and are filtered together.
        sending = client.get("/office/deliveries/?status=sending").get_data(as_text=True)
        assert set(_titles(sending)) == {"已领取", "交付中"}
        for path in ("/office/?unit=99999999999999999999", "/office/?column=%E2%91%A0"):
            assert client.get(path).status_code == 200, path
    finally:
        _remove(app, ids)
