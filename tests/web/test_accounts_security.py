"""Issue 15, findings 5 and 8, and the 等保 level-3 account rules: sessions that end
(logout, password change, role change, deactivation, idle timeout), throttling per
(login, address) with growing delays that cannot lock out anyone else, strong passwords
and a forced change, TOTP two-factor login with single-use recovery codes, the login log
and its retention."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from workflow.errors import ValidationFailed
from workflow.models import LoginEvent
from workflow.services import logins

from .support import PASSWORD, Portal, csrf_token, login, page_token

STRONG = "Str0ng-horse-battery"
START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="module")
def shared_clock() -> Clock:
    # One clock for the module, only ever moving forward (as the counters expect).
    return Clock()


@pytest.fixture
def clock(app: Flask, shared_clock: Clock) -> Iterator[Clock]:
    c = shared_clock
    c.advance(hours=1)  # past every wait and idle session of the tests before
    app.config["SANSHEN_CLOCK"] = c
    try:
        yield c
    finally:
        app.config.pop("SANSHEN_CLOCK", None)


def _attempt(
    app: Flask, login_name: str, password: str, address: str, client: FlaskClient | None = None
) -> int:
    client = client or app.test_client()
    r = client.post(
        "/login",
        data={"login": login_name, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )
    return r.status_code


def _copy(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of the client's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _post(client: FlaskClient, path: str, data: dict[str, object], page: str | None = None) -> int:
    _, token = page_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token}).status_code


# -- sessions that end ------------------------------------------------------------------


def test_a_copied_cookie_dies_with_logout(app: Flask, portal: Portal, clock: Clock) -> None:
    client = login(app, portal.logins["head"])
    thief = _copy(client, app)
    assert thief.get("/inbox").status_code == 200
    _, token = page_token(client, "/inbox")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/inbox").status_code == 302  # to the login page


def test_a_copied_cookie_dies_with_a_password_change(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    client = login(app, portal.logins["deputy2"])
    thief = _copy(client, app)
    assert thief.get("/inbox").status_code == 200
    data = {"current": PASSWORD, "new": STRONG, "confirm": STRONG}
    assert _post(client, "/account/password", data) == 302
    assert thief.get("/inbox").status_code == 302
    assert client.get("/inbox").status_code == 200  # the changer carries on
    login(app, portal.logins["deputy2"], STRONG)


def test_a_copied_cookie_dies_with_a_role_change_or_deactivation(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    admin = login(app, portal.logins["admin"])
    victim = portal.ids["other_deputy"]
    client = login(app, portal.logins["other_deputy"])
    assert client.get("/inbox").status_code == 200
    page = f"/admin/users/{victim}"
    assert _post(admin, page, {"roles": ["deputy_head", "drafter"], "active": "y"}) == 302
    assert client.get("/inbox").status_code == 302
    client = login(app, portal.logins["other_deputy"])
    assert _post(admin, page, {"roles": ["deputy_head"], "active": ""}) == 302
    assert client.get("/inbox").status_code == 302
    assert _attempt(app, portal.logins["other_deputy"], PASSWORD, "10.9.9.9") == 401
    assert _post(admin, page, {"roles": ["deputy_head"], "active": "y"}) == 302


def test_idle_timeout_ends_a_session(app: Flask, portal: Portal, clock: Clock) -> None:
    client = login(app, portal.logins["head"])
    # Requests keep it alive past the idle limit in total…
    for _ in range(3):
        clock.advance(minutes=20)
        assert client.get("/inbox").status_code == 200
    # …but 31 idle minutes end it (the default is 30).
    clock.advance(minutes=31)
    assert client.get("/inbox").status_code == 302
    # and 8 hours end any session however busy.
    client = login(app, portal.logins["head"])
    for _ in range(17):
        clock.advance(minutes=29)
        client.get("/inbox")
    assert client.get("/inbox").status_code == 302


# -- throttling ---------------------------------------------------------------------------


def test_failures_from_one_address_never_block_the_account_elsewhere(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    victim = portal.logins["drafter2"]
    statuses = []
    for _ in range(12):
        statuses.append(_attempt(app, victim, "wrong-guess", "10.0.0.1"))
        clock.advance(seconds=0.5)
    assert 429 in statuses  # the attacker's address waits…
    # …the owner, from the office, is never kept out.
    assert _attempt(app, victim, PASSWORD, "10.0.0.2") == 302


def test_the_delay_grows_and_a_success_clears_it(app: Flask, portal: Portal, clock: Clock) -> None:
    who = portal.logins["drafter"]
    address = "10.0.1.1"
    # Three free failures, then waits of 1, 2, 4, 8 … seconds (up to 15 minutes).
    assert [_attempt(app, who, "wrong-guess", address) for _ in range(3)] == [401] * 3
    assert _attempt(app, who, PASSWORD, address) == 429  # refused unheard, even if right
    waits = []
    for _ in range(4):
        wait = 0
        while _attempt(app, who, "wrong-guess", address) == 429:
            clock.advance(seconds=1)
            wait += 1
        waits.append(wait)
    assert waits == [1, 2, 4, 8]
    for _ in range(20):
        clock.advance(seconds=16)
        if _attempt(app, who, PASSWORD, address) == 302:
            break
    else:
        pytest.fail("the right password never got through")
    # Cleared: the next mistake is free again (the address, 8 failures of its own here,
    # is only slowed: at most a minute).
    assert _attempt(app, who, "wrong-guess", address) == 401
    clock.advance(seconds=61)
    assert _attempt(app, who, PASSWORD, address) == 302


def test_one_address_trying_many_logins_is_slowed_not_locked(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    address = "10.0.2.2"
    assert [_attempt(app, f"ghost{i}", "x" * 9, address) for i in range(8)] == [401] * 8
    assert _attempt(app, "ghost-last", "x" * 9, address) == 429
    clock.advance(seconds=2)
    assert _attempt(app, portal.logins["head"], PASSWORD, address) == 302
    # never longer than a minute, however many failures
    for i in range(5):
        clock.advance(seconds=61)
        assert _attempt(app, f"ghost-more{i}", "x" * 9, address) == 401


# -- passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak", ["short1A", "alllowercase", "lower-and-symbols", "ALLUPPER123", "12345678"]
)
def test_weak_passwords_are_refused(app: Flask, portal: Portal, weak: str) -> None:
    admin = login(app, portal.logins["admin"])
    page = f"/admin/users/{portal.ids['drafter2']}"
    status = _post(admin, page, {"roles": ["drafter"], "active": "y", "password": weak})
    assert status == 422
    client = login(app, portal.logins["deputy"])
    data = {"current": PASSWORD, "new": weak, "confirm": weak}
    assert _post(client, "/account/password", data) == 422


def test_a_password_set_by_an_admin_must_be_changed_at_first_login(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    admin = login(app, portal.logins["admin"])
    uid = portal.ids["drafter2"]
    data = {"roles": ["drafter"], "active": "y", "password": "Temp-pass-123"}
    assert _post(admin, f"/admin/users/{uid}", data) == 302
    client = app.test_client()
    r = client.post(
        "/login",
        data={
            "login": portal.logins["drafter2"],
            "password": "Temp-pass-123",
            "csrf_token": csrf_token(client),
        },
    )
    assert r.status_code == 302
    # Every page sends them to change it first.
    r = client.get("/columns")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
    html = client.get("/account/password").get_data(as_text=True)
    assert "请先修改密码" in html
    bad = {"current": "Temp-pass-123", "new": STRONG, "confirm": STRONG + "x"}
    assert _post(client, "/account/password", bad) == 422
    same = {"current": "Temp-pass-123", "new": "Temp-pass-123", "confirm": "Temp-pass-123"}
    assert _post(client, "/account/password", same) == 422
    wrong = {"current": "not-it-at-all", "new": STRONG, "confirm": STRONG}
    assert _post(client, "/account/password", wrong) == 422
    good = {"current": "Temp-pass-123", "new": PASSWORD + "A1", "confirm": PASSWORD + "A1"}
    assert _post(client, "/account/password", good) == 302
    assert client.get("/columns").status_code == 200


def test_demo_style_passwords_are_not_forced(app: Flask, portal: Portal) -> None:
    # Users made by the demo (and the tests' portal) log in straight to their pages.
    client = login(app, portal.logins["drafter"])
    assert client.get("/columns").status_code == 200


# -- two-factor ---------------------------------------------------------------------------


def _enrol(app: Flask, client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    html = client.get("/account/2fa").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', html)
    assert secret, html[:2000]
    totp = pyotp.TOTP(secret.group(1))
    _, token = page_token(client, "/account/2fa")
    r = client.post("/account/2fa", data={"code": "000000", "csrf_token": token})
    assert r.status_code == 422 or totp.now() == "000000"
    r = client.post("/account/2fa", data={"code": totp.at(clock.now), "csrf_token": token})
    assert r.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", r.get_data(as_text=True))
    assert len(codes) == 10
    return secret.group(1), codes


def _password_step(app: Flask, login_name: str) -> FlaskClient:
    client = app.test_client()
    r = client.post(
        "/login",
        data={"login": login_name, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/2fa")
    return client


def _code_step(client: FlaskClient, code: str) -> int:
    _, token = page_token(client, "/login/2fa")
    return client.post("/login/2fa", data={"code": code, "csrf_token": token}).status_code


def test_totp_login_and_single_use_recovery_codes(app: Flask, portal: Portal, clock: Clock) -> None:
    who = portal.logins["deputy"]
    secret, codes = _enrol(app, login(app, who), clock)
    totp = pyotp.TOTP(secret)
    clock.advance(seconds=60)
    client = _password_step(app, who)
    assert client.get("/inbox").status_code == 302  # not logged in yet
    assert _code_step(client, "12345") == 401
    assert _code_step(client, totp.at(clock.now)) == 302
    assert client.get("/inbox").status_code == 200
    # The same code again (a replay) is refused.
    client = _password_step(app, who)
    assert _code_step(client, totp.at(clock.now)) == 401
    # A recovery code works once.
    clock.advance(seconds=30)
    client = _password_step(app, who)
    assert _code_step(client, codes[0].upper()) == 302
    client = _password_step(app, who)
    assert _code_step(client, codes[0]) == 401
    # New codes: the old ones stop working.
    clock.advance(seconds=30)
    client = _password_step(app, who)
    assert _code_step(client, totp.at(clock.now)) == 302
    html, token = page_token(client, "/account/2fa")
    assert "未使用的恢复码：9 个" in html
    r = client.post("/account/2fa/codes", data={"password": "wrong", "csrf_token": token})
    assert r.status_code == 422
    r = client.post("/account/2fa/codes", data={"password": PASSWORD, "csrf_token": token})
    fresh = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", r.get_data(as_text=True))
    assert len(fresh) == 10
    client = _password_step(app, who)
    assert _code_step(client, codes[1]) == 401
    assert _code_step(client, fresh[0]) == 302
    # A pending second step lapses after 5 minutes.
    client = _password_step(app, who)
    clock.advance(minutes=6)
    assert client.get("/login/2fa").status_code == 302
    # Disabled with the password, login is one step again.
    clock.advance(seconds=30)
    client = _password_step(app, who)
    assert _code_step(client, totp.at(clock.now)) == 302
    _, token = page_token(client, "/account/2fa")
    r = client.post("/account/2fa/disable", data={"password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    login(app, who)
    # A lost phone: an administrator resets it on the command line.
    _enrol(app, login(app, who), clock)
    clock.advance(seconds=30)
    _password_step(app, who)
    result = app.test_cli_runner().invoke(args=["logins", "reset-2fa", who])
    assert result.exit_code == 0 and "reset" in result.output
    login(app, who)


def test_two_factor_required_for_admins_and_office_editors(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    app.config["REQUIRE_2FA"] = True
    try:
        client = login(app, portal.logins["editor"])
        r = client.get("/inbox")
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/2fa")
        assert "须使用两步验证" in client.get("/account/2fa").get_data(as_text=True)
        # A drafter is not asked.
        assert login(app, portal.logins["drafter"]).get("/columns").status_code == 200
        _enrol(app, client, clock)
        assert client.get("/inbox").status_code == 200
        _, token = page_token(client, "/account/2fa")
        r = client.post("/account/2fa/disable", data={"password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302  # refused with a message: the role requires it
        assert "两步验证已启用" in client.get("/account/2fa").get_data(as_text=True)
    finally:
        app.config["REQUIRE_2FA"] = False


# -- the login log ------------------------------------------------------------------------


def test_admins_read_the_login_log(app: Flask, portal: Portal, clock: Clock) -> None:
    who = portal.logins["head"]
    assert _attempt(app, who, "wrong-guess", "192.0.2.44") == 401
    login(app, who)
    admin = login(app, portal.logins["admin"])
    html = admin.get(f"/admin/logins?login={who}&result=failure").get_data(as_text=True)
    assert "192.0.2.44" in html and "密码错误或用户不存在" in html
    html = admin.get(f"/admin/logins?login={who}&result=success").get_data(as_text=True)
    assert "192.0.2.44" not in html and "登录成功" in html
    assert admin.get("/admin/logins?from=2026-12-07&to=2026-12-07&page=2").status_code == 200
    # Not for anyone else.
    r = login(app, portal.logins["head"]).get("/admin/logins")
    assert r.status_code == 403, (r.status_code, r.headers.get("Location"))


def test_the_login_log_is_kept_at_least_180_days(app: Flask, portal: Portal) -> None:
    from workflow import runner

    session = app.extensions["sanshen.sessions"]()
    try:
        with pytest.raises(ValidationFailed):
            runner.run(session, logins.purge, actor=None, now=START, days=179)
        old = START - timedelta(days=181)
        runner.run(session, logins.login_refused, actor=None, now=old, login="ancient", address="x")
        runner.run(
            session,
            logins.login_refused,
            actor=None,
            now=START - timedelta(days=179),
            login="recent",
            address="x",
        )
        assert runner.run(session, logins.purge, actor=None, now=START).value >= 1
        kept = set(session.execute(select(LoginEvent.login)).scalars())
        assert "recent" in kept and "ancient" not in kept
    finally:
        session.close()
    runner_cli = app.test_cli_runner()
    result = runner_cli.invoke(args=["logins", "purge", "--days", "30"])
    assert result.exit_code != 0
    result = runner_cli.invoke(args=["logins", "purge"])
    assert result.exit_code == 0 and "removed" in result.output


# -- hostile input ------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "x" * 5000,
    "'; DROP TABLE users; --",
    "\x00\x01",
    "<script>alert(1)</script>",
    "①②③④⑤⑥",
    "١٢٣٤٥٦",
    "\ud7ff" * 3,
]


def test_no_500_on_these_forms_with_hostile_input(app: Flask, portal: Portal, clock: Clock) -> None:
    for value in HOSTILE:
        clock.advance(minutes=20)  # past any wait: every attempt is heard
        client = app.test_client()
        token = csrf_token(client)
        r = client.post("/login", data={"login": value, "password": value, "csrf_token": token})
        assert r.status_code < 500, value
        r = client.post("/login/2fa", data={"code": value, "csrf_token": token})
        assert r.status_code < 500
    client = login(app, portal.logins["head"])
    for value in HOSTILE:
        for path, fields in (
            ("/account/password", ("current", "new", "confirm")),
            ("/account/2fa", ("code",)),
            ("/account/2fa/disable", ("password",)),
            ("/account/2fa/codes", ("password",)),
        ):
            _, token = page_token(client, "/account/password")
            r = client.post(path, data={**dict.fromkeys(fields, value), "csrf_token": token})
            assert r.status_code < 500, (path, value)
    admin = login(app, portal.logins["admin"])
    for value in HOSTILE:
        r = admin.get(
            "/admin/logins",
            query_string={
                "login": value,
                "result": value,
                "from": value,
                "to": value,
                "page": value,
            },
        )
        assert r.status_code < 500, value
    # A forged cookie naming no session opens nothing.
    forged = app.test_client()
    with forged.session_transaction() as cookie:
        cookie["_user_id"] = f"{portal.ids['head']}:made-up"
        cookie["_fresh"] = True
    assert forged.get("/inbox").status_code == 302


def test_a_login_that_grows_when_lower_cased_is_counted_not_a_500(
    app: Flask, portal: Portal, clock: Clock
) -> None:
    # "İ".lower() is two characters: the key must still fit the 64-character column.
    assert _attempt(app, "İ" * 64, "wrong-password-1", "203.0.113.9") == 401


@pytest.mark.parametrize("target", ["/\\evil.example", "/%5Cevil.example", "/ /evil.example"])
def test_next_never_leads_off_site(app: Flask, portal: Portal, target: str) -> None:
    client = app.test_client()
    r = client.post(
        "/login?next=" + target,
        data={
            "login": portal.logins["head"],
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert r.status_code == 302
    assert "evil.example" not in r.headers["Location"]
