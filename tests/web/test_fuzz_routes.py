"""Every route of the app with hostile values — in the path, the query string and the
form — as an administrator, a drafter and nobody: no answer is a 500 (or above).

Bounded: each route × HOSTILE values × the methods it takes × three users, on SQLite
and on PostgreSQL (where a NUL byte or an id beyond INTEGER reached the driver)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from workflow import runner, services
from workflow.models import User

from .support import Portal, csrf_token, login

HOSTILE = [
    "0",
    "-1",
    "2147483648",
    "99999999999999999999",
    "9999-12",
    "9999-12-31",
    "a\x00b",
    "标题\r\nBcc: x@example.com",
    "'\"<script>alert(1)</script>",
    "①²٣",
    "%",
    "x" * 3000,
]
# Every name a form or a query of the app reads (a superset does no harm).
FIELDS = [
    "actor", "action", "after", "aliases", "attachment_id", "before", "body", "column",
    "comment", "confidentiality", "content", "content_type", "day", "email", "event_date",
    "every", "field_contact", "field_phone", "from", "id", "is_office", "is_workday", "kind",
    "label", "locale", "login", "mobile", "name", "next", "nonce", "note", "order", "page",
    "parent_id", "part_id", "password", "period", "publish_at", "q", "recipient",
    "responsible_since", "retired", "role", "roles", "sms", "sort", "stage", "status",
    "target_id", "target_type", "time_requirement", "title", "to", "type_1", "unit",
    "unit_id", "upage", "user_ids", "version", "year",
]  # fmt: skip
# The register's and the annual reports' forms (issue 19).
FIELDS += [
    "applicant_name", "applicant_type", "channel", "info_requested", "received_on", "reason",
    "reviewer_id", "workdays", "due_on", "opinion", "outcome", "text", "scope",
    "active.licensing.0", "appeals.review.total", "requests.carried_in.person", "text.overview",
    "visits.total", "site.name", "recipients", "day_of_month", "schedule_id",
]  # fmt: skip
SKIP = {"auth.logout", "static"}  # logging out would end the fuzzing client's session


def _rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in SKIP), key=lambda r: r.rule
    )


def _substitute(path: str, name: str, raw: str) -> str:
    start = path.index("<")
    while start != -1:
        end = path.index(">", start)
        if path[start + 1 : end].split(":")[-1] == name:
            return path[:start] + quote(raw, safe="") + path[end + 1 :]
        start = path.find("<", end)
    return path


@pytest.fixture(scope="module")
def draft_id(app: Flask, portal: Portal) -> int:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            drafter = session.get(User, portal.ids["drafter"])
            outcome = runner.run(
                session,
                services.create_item,
                actor=drafter,
                now=datetime.now(UTC),
                column_id=portal.column.id,
                kind="article",
                title="模糊测试稿件",
            )
            return int(outcome.value.id)
        finally:
            session.close()


@pytest.fixture(scope="module")
def clients(app: Flask, portal: Portal) -> Iterator[dict[str, tuple[FlaskClient, str]]]:
    found = {}
    for key in ("admin", "drafter"):
        client = login(app, portal.logins[key])
        found[key] = (client, csrf_token(client, "/messages/"))
    anonymous = app.test_client()
    found["anonymous"] = (anonymous, csrf_token(anonymous))
    yield found


def _requests(rule: Rule, value: str, real_ids: dict[str, int]) -> Iterator[tuple[str, str, bool]]:
    """(method, path, real?) for one rule and one value: the value in the path's ids,
    and, for routes with an id, a real id with the value in the query and form."""
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    hostile = _substitute_all(rule, value, {})
    real = _substitute_all(rule, value, real_ids)
    for method in methods:
        yield method, hostile, False
        if real != hostile:
            yield method, real, True


def _substitute_all(rule: Rule, value: str, real_ids: dict[str, int]) -> str:
    path = rule.rule
    for name in rule.arguments:
        raw = str(real_ids[name]) if name in real_ids else value
        path = _substitute(path, name, raw)
    return path


def test_no_route_answers_500_to_hostile_input(
    app: Flask,
    portal: Portal,
    draft_id: int,
    clients: dict[str, tuple[FlaskClient, str]],
) -> None:
    real_ids = {
        "item_id": draft_id,
        "column_id": portal.column.id,
        "user_id": portal.ids["drafter2"],
    }
    failures: list[str] = []
    count = 0
    for rule in _rules(app):
        for value in HOSTILE:
            query = {name: value for name in FIELDS}
            for method, path, real in _requests(rule, value, real_ids):
                for who, (client, token) in clients.items():
                    if real and who == "anonymous":
                        continue  # a login page, whatever the id
                    form: dict[str, Any] = {**query, "csrf_token": token}
                    count += 1
                    where = f"{who} {method} {path[:80]} {value[:30]!r}"
                    try:
                        if method == "GET":
                            response = client.get(path, query_string=query)
                        else:
                            response = client.open(path, method=method, data=form)
                    except Exception as exc:  # TESTING propagates what would be a 500
                        failures.append(f"{where}: {type(exc).__name__}: {str(exc)[:120]}")
                        continue
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
    assert not failures, f"{len(failures)} of {count} requests answered ≥ 500:\n" + "\n".join(
        failures[:40]
    )
