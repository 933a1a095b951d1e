"""Who holds each waiting item (`workflow.holding.who_holds`), next to one hand-written
query listing each item's stage reviewers, in the same run.

    python -m bench.holding [--url URL] [--units 50] [--items 5000] [--runs 5]

Sets up `--units` units (two deputy heads, a head and a drafter each) and the office
(three editors), `--items` items waiting at the three stages (a third each, review facts
naming the 初审 reviewer of items past it), and a delegation of 审核 by the head of every
fifth unit. Then, alternately and `--runs` times each, on items already loaded (as the
inbox and the lists have them):

- *library*: `who_holds` — two statements (reviewers, delegations), then roles, units,
  separation of duties and delegates in Python, and working days waited;
- *baseline*: one SELECT joining the items to the users holding their stage's role in
  their unit (or the office), rows fetched: no separation, no delegation, no working days.

Prints one JSON line: medians in seconds, `ratio` = library / baseline (goal ≤ 3) and the
statements the library issued (2 whatever the count).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, event, or_, select
from sqlalchemy.orm import Session

from bench.transitions import database, log
from workflow import migrate
from workflow.accounts import create_unit
from workflow.calendar import WorkCalendar
from workflow.db import make_engine, make_session_factory
from workflow.enums import ContentType, ItemKind, Role, State, UnitKind
from workflow.holding import who_holds
from workflow.models import Column, Delegation, Item, Unit, User, UserRole

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # a Wednesday
STAGES = (State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW)


def _user(session: Session, unit: Unit, login: str, role: Role) -> User:
    user = User(login=login, name=login, unit=unit, active=True, created_at=NOW)
    user.role_rows.append(UserRole(role=role))
    session.add(user)
    return user


def fill(session: Session, units: int, items: int) -> None:
    office = create_unit(session, "基准区政府办", UnitKind.ZONE, is_office=True)
    for i in range(3):
        _user(session, office, f"editor{i}", Role.OFFICE_EDITOR)
    column = Column(
        name="基准栏目",
        path="基准栏目",
        level=1,
        content_type=ContentType.OTHER,
        prerequisites={},
        rules=[],
        tags=[],
    )
    session.add(column)
    people = []
    for u in range(units):
        unit = create_unit(session, f"基准单位{u}")
        drafter = _user(session, unit, f"d{u}", Role.DRAFTER)
        deputy = _user(session, unit, f"dep{u}", Role.DEPUTY_HEAD)
        second = _user(session, unit, f"dep2_{u}", Role.DEPUTY_HEAD)
        head = _user(session, unit, f"head{u}", Role.HEAD)
        people.append((unit, drafter, deputy, second, head))
    session.flush()
    for u, (_unit, _d, _dep, second, head) in enumerate(people):
        if u % 5 == 0:
            session.add(
                Delegation(
                    delegator_id=head.id,
                    delegate_id=second.id,
                    stages="head_review",
                    starts_on=date(2026, 11, 24),
                    ends_on=date(2026, 11, 27),
                    created_by_id=head.id,
                    created_at=NOW,
                )
            )
    rows = []
    for n in range(items):
        unit, drafter, deputy, _second, _head = people[n % units]
        state = STAGES[n % 3]
        stages = {} if state == State.INITIAL_REVIEW else {"initial_review": [deputy.id]}
        since = NOW - timedelta(days=n % 9)
        rows.append(
            {
                "column_id": column.id,
                "unit_id": unit.id,
                "drafter_id": drafter.id,
                "kind": ItemKind.ARTICLE.value,
                "title": f"稿件{n}",
                "state": state.value,
                "version": 3,
                "current_revision_no": 1,
                "audit_seq": 2,
                "content_digest": "",
                "created_at": since,
                "updated_at": since,
                "state_since": since,
                "review_facts": {
                    "authors": [drafter.id],
                    "revision": 1,
                    "stages": stages,
                    "approvers": [deputy.id] if stages else [],
                },
            }
        )
    session.execute(Item.__table__.insert(), rows)  # type: ignore[attr-defined]
    session.commit()


def baseline(session: Session) -> int:
    """The stage's reviewers of every waiting item, by SQL alone."""
    role = case(
        (Item.state == State.INITIAL_REVIEW.value, Role.DEPUTY_HEAD.value),
        (Item.state == State.HEAD_REVIEW.value, Role.HEAD.value),
        else_=Role.OFFICE_EDITOR.value,
    )
    stmt = (
        select(Item.id, Item.state, User.id, User.name)
        .join(UserRole, UserRole.role == role)
        .join(User, User.id == UserRole.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            Item.state.in_([s.value for s in STAGES]),
            User.active.is_(True),
            or_(
                and_(Item.state != State.OFFICE_REVIEW.value, User.unit_id == Item.unit_id),
                and_(Item.state == State.OFFICE_REVIEW.value, Unit.is_office.is_(True)),
            ),
        )
    )
    return len(session.execute(stmt).all())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.holding", description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with database(args.url) as target:
        migrate.upgrade(target.url)
        engine = make_engine(target.url)
        sessions = make_session_factory(engine)
        with sessions() as session:
            log(f"filling {args.units} units, {args.items} waiting items")
            fill(session, args.units, args.items)
            waiting = list(session.scalars(select(Item).where(Item.state.in_(list(STAGES)))))
            calendar = WorkCalendar()
            statements: list[str] = []
            lib, base = [], []
            for run in range(args.runs):
                for side in ("baseline", "library") if run % 2 == 0 else ("library", "baseline"):
                    start = time.perf_counter()
                    if side == "library":
                        listen = lambda *a: statements.append(a[2])  # noqa: E731
                        event.listen(engine, "before_cursor_execute", listen)
                        held = who_holds(session, waiting, NOW, calendar)
                        event.remove(engine, "before_cursor_execute", listen)
                        lib.append(time.perf_counter() - start)
                        assert len(held) == len(waiting)
                    else:
                        found = baseline(session)
                        base.append(time.perf_counter() - start)
                        assert found > 0
        engine.dispose()
        library_s, baseline_s = statistics.median(lib), statistics.median(base)
        result = {
            "bench": "holding",
            "database": target.backend,
            "items": len(waiting),
            "library_s": round(library_s, 4),
            "baseline_s": round(baseline_s, 4),
            "ratio": round(library_s / baseline_s, 2),
            "goal_ratio": 3,
            "statements_per_call": len(statements) // args.runs,
            "note": target.note,
        }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
