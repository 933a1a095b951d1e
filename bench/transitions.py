"""Throughput of the 三审 transitions: workflow.services against a hand-written baseline.

    python -m bench.transitions [--url URL] [--items 20000] [--rounds 4] [--audit-hash sm3]

Each item goes submit → approve (初审, 保密审查 confirmed) → approve (审核) → approve (审发),
one transaction per transition, as one web request each would. The library side runs
workflow.services through workflow.runner (as the web views do) with the version the
caller saw; the baseline does per transition one
raw `UPDATE items … WHERE id = … AND version = …` (rowcount checked) and one
`INSERT INTO audit_events` with a Python-computed hash (sha256, or --audit-hash's)
chained to the previous hash, then commits. The two run alternately in rounds on
separate sets of drafts so machine noise hits both; the medians of the per-round
throughputs are reported.

Without --url the database is BENCH_DATABASE_URL, else a fresh PostgreSQL database
`sanshen_bench_<pid>` on postgresql+psycopg://postgres@127.0.0.1:5432/ (dropped at the
end), else — PostgreSQL unreachable — a temporary SQLite file.
One JSON line goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.generate import DraftRef, insert_drafts
from workflow import hashes, migrate, review_facts, runner, services
from workflow.accounts import create_unit, create_user
from workflow.audit import compute_hash, verify_chains
from workflow.db import make_engine, make_session_factory
from workflow.enums import Action, AssignmentRole, ContentType, Role, State, UnitKind
from workflow.models import Column, ColumnAssignment, Item, Unit, User

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
RESET_EVERY = 500  # items between session.expunge_all() in the library run
GOAL_RATIO = 0.5
GOAL_RSS_MB = 200


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _now() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------------- database


@dataclass(frozen=True)
class Target:
    url: str
    backend: str
    note: str | None = None


@contextmanager
def database(url: str | None) -> Iterator[Target]:
    """The database to run on; a database created here is removed afterwards."""
    url = url or os.environ.get("BENCH_DATABASE_URL")
    if url:
        yield Target(url, "postgresql" if url.startswith("postgresql") else "sqlite")
        return
    import psycopg

    name = f"sanshen_bench_{os.getpid()}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        note = f"PostgreSQL unreachable ({reason}); fell back to a temporary SQLite file"
        log(note)
        with tempfile.TemporaryDirectory(prefix="sanshen_bench_") as tmp:
            yield Target(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", note)
        return
    log(f"created database {name}")
    try:
        yield Target(PG_SERVER + name, "postgresql")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.errors.SyntaxError:  # before PostgreSQL 13
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        log(f"dropped database {name}")


# ----------------------------------------------------------------------- setup


@dataclass(frozen=True)
class Actors:
    drafter: int
    deputy: int
    head: int
    editor: int


def setup(factory: sessionmaker[Session], n: int) -> tuple[Actors, list[DraftRef]]:
    """One unit with its three roles, the office's editor, one column; 2n drafts."""
    now = _now()
    tag = f"{os.getpid()}_{int(time.time())}"  # a reused database may hold earlier runs
    with factory() as session:
        unit = create_unit(session, f"区教育局_bench_{tag}", UnitKind.DEPARTMENT)
        office = create_unit(session, f"区政府办_bench_{tag}", UnitKind.ZONE, is_office=True)

        def user(login: str, of: Unit, role: Role) -> int:
            return create_user(
                session, login=f"{login}_{tag}", name=login, unit=of, roles=[role], now=now
            ).id

        actors = Actors(
            drafter=user("drafter", unit, Role.DRAFTER),
            deputy=user("deputy", unit, Role.DEPUTY_HEAD),
            head=user("head", unit, Role.HEAD),
            editor=user("editor", office, Role.OFFICE_EDITOR),
        )
        name = f"基准栏目_{tag}"
        column = Column(
            name=name,
            path=name,
            level=1,
            content_type=ContentType.OTHER.value,
            prerequisites={},
            rules=[],
            tags=[],
        )
        column.assignments.append(
            ColumnAssignment(
                unit=unit, role=AssignmentRole.LEAD.value, responsible_since=date(2020, 1, 1)
            )
        )
        session.add(column)
        session.flush()
        refs = insert_drafts(
            session.connection(),
            n=2 * n,
            column_id=column.id,
            unit_id=unit.id,
            drafter_id=actors.drafter,
            now=now,
        )
        session.commit()
    return actors, refs


# ----------------------------------------------------------------------- the library


def _users(session: Session, actors: Actors) -> tuple[User, User, User, User]:
    def get(user_id: int) -> User:
        user = session.get(User, user_id)
        assert user is not None
        return user

    return get(actors.drafter), get(actors.deputy), get(actors.head), get(actors.editor)


def run_library(
    engine: Engine, refs: Sequence[DraftRef], actors: Actors, alg: str = hashes.DEFAULT
) -> None:
    """One long-lived session on one held connection (as the baseline holds its
    connection), a commit after every transition (the runner's). The caller's
    `expected_version` is the version it last saw: the draft's, plus one per transition.
    Each service call loads its item, as a fresh web request would; the bench itself
    issues no query."""
    info = {hashes.SESSION_KEY: alg}  # what make_session_factory(…, AUDIT_HASH) sets
    with (
        engine.connect() as conn,
        Session(bind=conn, expire_on_commit=False, info=info) as session,
    ):
        drafter, deputy, head, editor = _users(session, actors)
        for i, ref in enumerate(refs):
            if i and i % RESET_EVERY == 0:
                session.expunge_all()
                drafter, deputy, head, editor = _users(session, actors)
            item_id, version = ref.item_id, ref.version
            steps: list[tuple[Any, User, dict[str, Any]]] = [
                (services.submit, drafter, {}),
                (services.approve, deputy, {"confidentiality_checked": True}),
                (services.approve, head, {}),
                (services.approve, editor, {}),
            ]
            for n, (service, actor, extra) in enumerate(steps):
                runner.run(
                    session,
                    service,
                    actor=actor,
                    now=_now(),
                    item_id=item_id,
                    expected_version=version + n,
                    **extra,
                )


# ----------------------------------------------------------------------- the baseline

_UPDATE = {
    "submit": "UPDATE items SET state = :to_state, version = version + 1, updated_at = :at, "
    "state_since = :at, audit_seq = :seq, audit_head = :hash, "
    "review_facts = :facts "
    "WHERE id = :id AND version = :version",
    "approve": "UPDATE items SET state = :to_state, version = version + 1, updated_at = :at, "
    "state_since = :at, audit_seq = :seq, audit_head = :hash, review_facts = :facts "
    "WHERE id = :id AND version = :version",
    "publish": "UPDATE items SET state = :to_state, version = version + 1, updated_at = :at, "
    "state_since = :at, audit_seq = :seq, audit_head = :hash, "
    "review_facts = :facts, "
    "live_revision_no = current_revision_no, published_at = :at, "
    "first_published_at = COALESCE(first_published_at, :at) "
    "WHERE id = :id AND version = :version",
}
_AUDIT_COLUMNS = (
    "item_id",
    "seq",
    "revision_no",
    "from_state",
    "to_state",
    "action",
    "actor_id",
    "comment",
    "confidentiality_checked",
    "at",
    "prev_hash",
    "hash",
    "content_digest",
    "hash_alg",
)
_INSERT = (
    f"INSERT INTO audit_events ({', '.join(_AUDIT_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _AUDIT_COLUMNS)})"
)
# (update kind, action, from, to, actor attribute, 保密审查)
_PATH = (
    ("submit", Action.SUBMIT, State.DRAFT, State.INITIAL_REVIEW, "drafter", False),
    ("approve", Action.APPROVE, State.INITIAL_REVIEW, State.HEAD_REVIEW, "deputy", True),
    ("approve", Action.APPROVE, State.HEAD_REVIEW, State.OFFICE_REVIEW, "head", False),
    ("publish", Action.APPROVE, State.OFFICE_REVIEW, State.PUBLISHED, "editor", False),
)


def run_baseline(
    engine: Engine, refs: Sequence[DraftRef], actors: Actors, alg: str = hashes.DEFAULT
) -> None:
    """Raw DB-API (psycopg or sqlite3) on one connection, one transaction per transition."""
    sqlite = engine.dialect.name == "sqlite"

    def sql(statement: str) -> str:
        return statement if sqlite else re.sub(r":(\w+)", r"%(\1)s", statement)

    def stamp(at: datetime) -> Any:  # what the UTCDateTime column type would bind
        return at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else at

    updates = {kind: sql(statement) for kind, statement in _UPDATE.items()}
    insert = sql(_INSERT)
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        for ref in refs:
            version, seq, head = ref.version, ref.audit_seq, ref.audit_head
            facts = ref.review_facts
            for kind, action, from_state, to_state, who, checked in _PATH:
                at = _now()
                seq += 1
                actor_id = getattr(actors, who)
                row: dict[str, Any] = {
                    "item_id": ref.item_id,
                    "seq": seq,
                    "revision_no": 1,
                    "from_state": from_state.value,
                    "to_state": to_state.value,
                    "action": action.value,
                    "actor_id": actor_id,
                    "comment": None,
                    "confidentiality_checked": checked,
                    "at": at,
                    "prev_hash": head,
                    "hash_alg": alg,
                }
                row["content_digest"] = ref.content_digest
                digest = compute_hash(**row)
                # The same separation-of-duties facts the library keeps on the item.
                facts = review_facts.advance(
                    facts,
                    action=action,
                    actor_id=actor_id,
                    from_state=from_state.value,
                    revision_no=1,
                )
                params = {
                    **row,
                    "hash": digest,
                    "at": stamp(at),
                    "id": ref.item_id,
                    "version": version,
                    "facts": json.dumps(facts),
                }
                if sqlite:
                    cur.execute("BEGIN IMMEDIATE")
                cur.execute(updates[kind], params)
                if cur.rowcount != 1:
                    conn.rollback()
                    raise RuntimeError(f"baseline: item {ref.item_id} is not at version {version}")
                cur.execute(insert, params)
                conn.commit()
                version, head = version + 1, digest
        cur.close()
    finally:
        conn.close()


# ----------------------------------------------------------------------- the run


def _chunks(refs: Sequence[DraftRef], rounds: int) -> list[Sequence[DraftRef]]:
    size, extra = divmod(len(refs), rounds)
    out, start = [], 0
    for r in range(rounds):
        end = start + size + (1 if r < extra else 0)
        out.append(refs[start:end])
        start = end
    return out


def _timed(fn: Callable[[Sequence[DraftRef]], None], refs: Sequence[DraftRef]) -> float:
    """Transitions per second of `fn` over `refs` (four transitions per item)."""
    t0 = time.perf_counter()
    fn(refs)
    return 4 * len(refs) / (time.perf_counter() - t0)


def run(target: Target, n: int, rounds: int, alg: str = hashes.DEFAULT) -> dict[str, Any]:
    log(f"migrating {target.backend} database…")
    migrate.upgrade(target.url)
    engine = make_engine(target.url)
    try:
        factory = make_session_factory(engine)
        log(f"creating {2 * n} drafts…")
        actors, refs = setup(factory, n)
        library: list[float] = []
        baseline: list[float] = []
        sides: dict[
            str, tuple[Callable[[Sequence[DraftRef]], None], list[Sequence[DraftRef]], list[float]]
        ] = {
            "library": (
                lambda chunk: run_library(engine, chunk, actors, alg),
                _chunks(refs[:n], rounds),
                library,
            ),
            "baseline": (
                lambda chunk: run_baseline(engine, chunk, actors, alg),
                _chunks(refs[n:], rounds),
                baseline,
            ),
        }
        for r in range(rounds):
            for side in ("baseline", "library") if r % 2 == 0 else ("library", "baseline"):
                fn, chunks, out = sides[side]
                out.append(_timed(fn, chunks[r]))
            log(
                f"round {r + 1}/{rounds}: library {library[-1]:.0f} tps, "
                f"baseline {baseline[-1]:.0f} tps"
            )
        log("verifying…")
        _verify(factory, refs)
    finally:
        engine.dispose()
    library_tps = statistics.median(library)
    baseline_tps = statistics.median(baseline)
    result: dict[str, Any] = {
        "benchmark": "transitions",
        "backend": target.backend,
        "items": n,
        "transitions": 4 * n,
        "audit_hash": alg,
        "library_tps": round(library_tps, 1),
        "baseline_tps": round(baseline_tps, 1),
        "ratio": round(library_tps / baseline_tps, 3),
        "library_rounds": [round(x, 1) for x in library],
        "baseline_rounds": [round(x, 1) for x in baseline],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "goal_ratio": GOAL_RATIO,
        "goal_rss_mb": GOAL_RSS_MB,
    }
    if target.note:
        result["note"] = target.note
    return result


def _verify(factory: sessionmaker[Session], refs: Sequence[DraftRef]) -> None:
    ids = [r.item_id for r in refs]
    with factory() as session:
        published = 0
        for i in range(0, len(ids), 5000):
            published += session.execute(
                select(func.count())
                .select_from(Item)
                .where(Item.id.in_(ids[i : i + 5000]), Item.state == State.PUBLISHED)
            ).scalar_one()
        if published != len(ids):
            raise SystemExit(f"FAILED: {len(ids) - published} of {len(ids)} items not published")
        breaks = list(verify_chains(session))
        if breaks:
            for b in breaks[:10]:
                log(f"chain break: {b.describe()}")
            raise SystemExit(f"FAILED: {len(breaks)} broken audit chains")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.transitions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url",
        help="database URL (default: BENCH_DATABASE_URL, else a "
        "fresh PostgreSQL database, else SQLite)",
    )
    parser.add_argument("--items", type=int, default=20_000, help="items per side (N)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--audit-hash",
        choices=hashes.ALGORITHMS,
        default=hashes.DEFAULT,
        help="the audit chain's hash on both sides (AUDIT_HASH)",
    )
    args = parser.parse_args(argv)
    if args.items < 1 or not 1 <= args.rounds <= args.items:
        parser.error("need --items >= 1 and 1 <= --rounds <= --items")
    with database(args.url) as target:
        result = run(target, args.items, args.rounds, args.audit_hash)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
