"""Content checks (workflow.checks): the matcher and the recheck of live items.

    python -m bench.checks [--entries 10000] [--chars 20000] [--items 10000] [--rounds 7]
                           [--url URL] [--no-db]

1. One 20,000-character item against a 10,000-entry list: `Matcher.find` (ahocorasick-rs)
   next to the plain loop — `str.find` of every term over the text, every occurrence —
   in the same run on the same text (median of `--rounds`), and the whole check of the
   item (`findings.check`: body HTML to text, match, findings). Goal: ≥ 20× faster than
   the loop, under 20 ms.
2. 10,000 published items rechecked after a list change (`services.checks.recheck` in
   batches of 500 through the runner, as `notifications.content_checks.recheck_live`
   does, links aside): the first run after adding the list (finds everything), and a
   run after one more entry (new automaton, findings carried). Baseline: reading the same
   10,000 revisions' text in one query. Database as bench.transitions (`--url`, else a
   fresh PostgreSQL database, else a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.transitions import database, log
from workflow import migrate
from workflow.accounts import create_unit, create_user
from workflow.checks.findings import AttachedFile, Context, check
from workflow.checks.matcher import Matcher, Pattern
from workflow.checks.revisions import BATCH
from workflow.db import make_engine, make_session_factory
from workflow.enums import ItemKind, Role, State, UnitKind
from workflow.models import Column, Item, Revision
from workflow.runner import run
from workflow.services import checks

POOL = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]  # common ideographs


def terms(n: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(POOL) for _ in range(rng.randint(2, 6))))
    return sorted(out)


def text(chars: int, words: list[str], rng: random.Random) -> str:
    parts: list[str] = []
    size = 0
    while size < chars:
        piece = words[rng.randrange(len(words))] if rng.random() < 0.02 else rng.choice(POOL)
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:chars]


def loop_find(body: str, words: list[str]) -> int:
    found = 0
    for term in words:
        at = body.find(term)
        while at >= 0:
            found += 1
            at = body.find(term, at + 1)
    return found


def timed(fn: object, rounds: int) -> tuple[float, object, float]:
    """(median CPU ms, the last result, median wall ms): the CPU time of this process is
    what to compare on a shared machine (other processes' load inflates the wall time)."""
    cpu, wall = [], []
    result: object = None
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()  # type: ignore[operator]
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(cpu) * 1000, result, statistics.median(wall) * 1000


def matcher_part(entries: int, chars: int, rounds: int) -> dict[str, object]:
    rng = random.Random(17)
    words = terms(entries, rng)
    body = text(chars, words, rng)
    start = time.perf_counter()
    matcher = Matcher(Pattern(w, "typo", "normal", "") for w in words)
    build_ms = (time.perf_counter() - start) * 1000
    raw = len(matcher.occurrences(body))
    matcher_ms, kept, matcher_wall = timed(lambda: matcher.find(body), rounds)
    loop_ms, looped, loop_wall = timed(lambda: loop_find(body, words), max(3, rounds // 2))
    assert raw == looped, (raw, looped)  # both see every occurrence
    html = "".join(f"<p>{body[i : i + 200]}</p>" for i in range(0, len(body), 200))
    ctx = Context.build(matcher, [])
    files: list[AttachedFile] = []
    check_ms, result, check_wall = timed(
        lambda: check(ctx, kind=ItemKind.ARTICLE, title="标题", body=html, fields={}, files=files),
        rounds,
    )
    return {
        "entries": entries,
        "chars": len(body),
        "occurrences": raw,
        "reported": len(kept),  # type: ignore[arg-type]
        "build_ms": round(build_ms, 1),
        "matcher_cpu_ms": round(matcher_ms, 2),
        "matcher_wall_ms": round(matcher_wall, 2),
        "str_find_loop_cpu_ms": round(loop_ms, 1),
        "str_find_loop_wall_ms": round(loop_wall, 1),
        "speedup": round(loop_ms / matcher_ms, 1),
        "goal_speedup": 20,
        "check_item_cpu_ms": round(check_ms, 2),
        "check_item_wall_ms": round(check_wall, 2),
        "goal_ms": 20,
        "findings": len(result.found),  # type: ignore[attr-defined]
    }


def fill(session: Session, items: int, words: list[str], rng: random.Random) -> None:
    now = datetime.now(UTC) - timedelta(days=30)
    unit = create_unit(session, "区测试局", UnitKind.DEPARTMENT)
    user = create_user(
        session, login="bench_drafter", name="报送员", unit=unit, roles=[Role.DRAFTER], now=now
    )
    column = Column(name="测试栏目", path="测试栏目", level=1, rules=[], tags=[])
    session.add(column)
    session.flush()
    for start in range(0, items, 1000):
        rows = [
            {
                "column_id": column.id,
                "unit_id": unit.id,
                "drafter_id": user.id,
                "kind": ItemKind.ARTICLE.value,
                "title": f"信息{i}",
                "state": State.PUBLISHED.value,
                "version": 1,
                "current_revision_no": 1,
                "live_revision_no": 1,
                "audit_seq": 0,
                "content_digest": "",
                "review_facts": {},
                "created_at": now,
                "updated_at": now,
                "state_since": now,
                "published_at": now,
                "first_published_at": now,
                "due_provisional": False,
            }
            for i in range(start, min(items, start + 1000))
        ]
        ids = session.scalars(insert(Item).returning(Item.id), rows).all()
        session.execute(
            insert(Revision),
            [
                {
                    "item_id": item_id,
                    "number": 1,
                    "title": f"信息{item_id}",
                    "body": "".join(f"<p>{text(100, words, rng)}</p>" for _ in range(5)),
                    "fields": {},
                    "created_by_id": user.id,
                    "created_at": now,
                    "submitted_at": now,
                }
                for item_id in ids
            ],
        )
    session.commit()


def recheck_all(session: Session, now: datetime) -> tuple[float, int]:
    start = time.perf_counter()
    after, new = 0, 0
    while targets := checks.recheck_targets(session, after, BATCH):
        outcome = run(session, checks.recheck, actor=None, now=now, targets=targets)
        new += outcome.value.new
        after = max(t.item_id for t in targets)
        session.expunge_all()
    return time.perf_counter() - start, new


def database_part(url: str | None, items: int, entries: int) -> dict[str, object]:
    rng = random.Random(23)
    words = terms(entries, rng)
    with database(url) as target:
        migrate.upgrade(target.url)
        engine = make_engine(target.url)
        factory = make_session_factory(engine)
        with factory() as session:
            log(f"filling {items} published items")
            fill(session, items, words[:2000], rng)
            made = run(session, checks.create_list, actor=None, now=datetime.now(UTC), name="词库")
            rows = [checks.EntryInput(w, "typo", "normal") for w in words]
            run(
                session,
                checks.import_entries,
                actor=None,
                now=datetime.now(UTC),
                list_id=made.value.id,
                entries=rows,
            )
            start = time.perf_counter()
            read = session.execute(
                select(Revision.title, Revision.body)
                .join(Item, Item.id == Revision.item_id)
                .where(Revision.number == Item.live_revision_no)
            ).all()
            baseline = time.perf_counter() - start
            log("recheck after the list was added")
            first, found = recheck_all(session, datetime.now(UTC))
            run(
                session,
                checks.save_entry,
                actor=None,
                now=datetime.now(UTC),
                list_id=made.value.id,
                entry=checks.EntryInput("一丁", "typo", "normal"),
            )
            log("recheck after one more entry")
            second, found2 = recheck_all(session, datetime.now(UTC))
        engine.dispose()
    return {
        "backend": target.backend,
        "note": target.note,
        "items": len(read),
        "list_entries": entries,
        "baseline_read_s": round(baseline, 3),
        "recheck_first_s": round(first, 2),
        "findings_first": found,
        "recheck_after_change_s": round(second, 2),
        "findings_new_after_change": found2,
        "items_per_s": round(len(read) / second),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.checks", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--url")
    parser.add_argument("--no-db", action="store_true", help="only the matcher part")
    args = parser.parse_args()
    result: dict[str, object] = {
        "bench": "checks",
        "matcher": matcher_part(args.entries, args.chars, args.rounds),
    }
    if not args.no_db:
        result["recheck"] = database_part(args.url, args.items, args.entries)
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
