"""Reminder mail throughput through RQ, next to a plain smtplib loop, in the same run.

    python -m bench.reminders [--url URL] [--reminders 10000] [--workers 2] [--runs 3]

Sets up a portal whose columns are due in 3 working days with `--reminders` designated
drafters in all, runs the real scan (one ledger row per reminder mail), and starts a
local aiosmtpd that counts what it receives. Then, alternately and `--runs` times each:

- *rq*: one `deliver` job per ledger row enqueued, `--workers` worker processes
  (`rq worker --burst --worker-class notifications.worker.NotifySimpleWorker`) claim,
  send and mark each row; timed from the workers' start until the queue is empty;
- *baseline*: a plain loop over the same rows — build the same message, send it with
  `smtplib` over one connection — no ledger, no queue.

Prints one JSON line: medians in messages per second, their ratio (goal ≥ 0.5) and each
worker's peak resident memory (VmHWM, goal < 150 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from rq import Queue
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bench.transitions import database, log
from config import load_config
from notifications.channels import Contact
from notifications.channels.email import build_message
from notifications.jobs import enqueue_deliveries
from notifications.redis_conn import connect
from notifications.runtime import QUEUE
from notifications.scan import scan
from workflow import migrate
from workflow.accounts import create_unit
from workflow.db import make_engine, make_session_factory
from workflow.enums import AssignmentRole, ItemKind, Role, State
from workflow.models import Column, ColumnAssignment, Delivery, Item, User, UserRole

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday; the columns are due Thursday 26th
PER_COLUMN = 100
SENDER = "三审系统 <noreply@bench.local>"


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def fill(session: Session, reminders: int) -> None:
    unit = create_unit(session, "基准测试局")
    columns = (reminders + PER_COLUMN - 1) // PER_COLUMN
    users = [
        User(
            login=f"bench{i}",
            name=f"信息员{i}",
            email=f"bench{i}@bench.local",
            unit_id=unit.id,
            active=True,
            created_at=NOW,
            role_rows=[UserRole(role=Role.DRAFTER.value)],
        )
        for i in range(reminders)
    ]
    session.add_all(users)
    session.flush()
    last_month = NOW - timedelta(days=30)
    for c in range(columns):
        column = Column(
            name=f"栏目{c}",
            path=f"栏目{c}",
            level=1,
            rules=[{"kind": "periodic", "every": 1, "unit": "month", "min_items": 1, "by_day": 26}],
            tags=[],
            prerequisites={},
        )
        assignment = ColumnAssignment(
            unit_id=unit.id, role=AssignmentRole.LEAD, responsible_since=date(2020, 1, 1)
        )
        assignment.drafters = users[c * PER_COLUMN : (c + 1) * PER_COLUMN]
        column.assignments.append(assignment)
        session.add(column)
        session.flush()
        session.add(
            Item(
                column_id=column.id,
                unit_id=unit.id,
                drafter_id=users[0].id,
                kind=ItemKind.ARTICLE,
                title="上月信息",
                state=State.PUBLISHED,
                version=1,
                current_revision_no=1,
                live_revision_no=1,
                first_published_at=last_month,
                published_at=last_month,
                audit_seq=0,
                content_digest="",
                review_facts={},
                created_at=last_month,
                updated_at=last_month,
                state_since=last_month,
            )
        )
    session.flush()


def reset(session: Session) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.channel == "email")
        .values(
            status="pending",
            attempts=0,
            claimed_at=None,
            claim_token=None,
            sent_at=None,
            enqueued_at=None,
            provider_ref=None,
        )
    )
    session.commit()


def baseline(session: Session, port: int) -> float:
    """The same messages, built the same way, one smtplib connection, no bookkeeping."""
    rows = session.execute(
        select(Delivery, User.name, User.email)
        .join(User, User.id == Delivery.user_id)
        .where(Delivery.channel == "email")
        .order_by(Delivery.id)
    ).all()
    start = time.perf_counter()
    sender = parseaddr(SENDER)[1]
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for delivery, name, email in rows:
            msg = build_message(delivery, Contact(name=name, email=email), SENDER)
            smtp.sendmail(sender, [email], msg.as_bytes(policy=SMTP_POLICY))
    return len(rows) / (time.perf_counter() - start)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def through_rq(
    env: dict[str, str], redis_url: str, queue: Queue, ids: list[int], workers: int, cfg: Any
) -> tuple[float, float, list[float]]:
    t0 = time.perf_counter()
    enqueue_deliveries(queue, ids, cfg)
    enqueue_s = time.perf_counter() - t0
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rq.cli",
                "worker",
                "--burst",
                "--quiet",
                "--url",
                redis_url,
                "--worker-class",
                "notifications.worker.NotifySimpleWorker",
                QUEUE,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(workers)
    ]
    peaks = [0] * workers
    while any(p.poll() is None for p in procs):
        for i, p in enumerate(procs):
            if p.poll() is None:
                peaks[i] = max(peaks[i], _hwm_kib(p.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    for p in procs:
        if p.returncode != 0:
            err = p.stderr.read().decode() if p.stderr else ""
            raise RuntimeError(f"worker failed ({p.returncode}): {err[-2000:]}")
    return len(ids) / elapsed, enqueue_s, [k / 1024 for k in peaks]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh PostgreSQL database)")
    parser.add_argument("--reminders", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    counter = Counter()
    port = _free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    tmp = tempfile.TemporaryDirectory(prefix="sanshen_bench_redis_")
    redis_client, embedded = connect(os.environ.get("BENCH_REDIS_URL"), Path(tmp.name))
    redis_url = os.environ.get("BENCH_REDIS_URL") or (embedded.url if embedded else "")
    try:
        with database(args.url) as target:
            migrate.upgrade(target.url)
            env = {
                **os.environ,
                "SANSHEN_ENV": "testing",
                "DATABASE_URL": target.url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "SMTP_FROM": SENDER,
                "NOTIFY_DIGEST_THRESHOLD": "0",
            }
            config = load_config(env)
            engine = make_engine(target.url)
            with make_session_factory(engine)() as session:
                t0 = time.perf_counter()
                fill(session, args.reminders)
                session.commit()
                log(f"filled {args.reminders} drafters in {time.perf_counter() - t0:.1f}s")
                t0 = time.perf_counter()
                result = scan(session, NOW, config, {"email"})
                session.commit()
                scan_s = time.perf_counter() - t0
                log(f"scan: {result.new_rows} reminder mails in {scan_s:.1f}s")
                # In-app copies are made too (always on); the mails are what is measured.
                session.execute(
                    update(Delivery).where(Delivery.channel != "email").values(status="sent")
                )
                ids = list(
                    session.execute(
                        select(Delivery.id).where(Delivery.channel == "email").order_by(Delivery.id)
                    ).scalars()
                )
                session.commit()
                queue = Queue(QUEUE, connection=redis_client)
                rq_rates, base_rates, enqueue_times, peaks = [], [], [], []
                for run in range(args.runs):
                    reset(session)
                    before = counter.count
                    rate, enqueue_s, worker_peaks = through_rq(
                        env, redis_url, queue, ids, args.workers, config.NOTIFY
                    )
                    assert counter.count - before == len(ids), "every reminder arrives once"
                    rq_rates.append(rate)
                    enqueue_times.append(enqueue_s)
                    peaks.append(worker_peaks)
                    before = counter.count
                    base_rates.append(baseline(session, port))
                    assert counter.count - before == len(ids)
                    log(
                        f"run {run + 1}: rq {rate:.0f}/s, baseline {base_rates[-1]:.0f}/s, "
                        f"worker peaks {', '.join(f'{p:.0f}' for p in worker_peaks)} MB"
                    )
            engine.dispose()
    finally:
        controller.stop()
        if embedded is not None:
            embedded.shutdown()
        tmp.cleanup()
    rq_median = statistics.median(rq_rates)
    base_median = statistics.median(base_rates)
    print(
        json.dumps(
            {
                "bench": "reminders",
                "database": target.backend,
                "reminders": len(ids),
                "workers": args.workers,
                "runs": args.runs,
                "scan_s": round(scan_s, 2),
                "enqueue_s_median": round(statistics.median(enqueue_times), 2),
                "rq_msgs_per_s_median": round(rq_median, 1),
                "baseline_msgs_per_s_median": round(base_median, 1),
                "ratio": round(rq_median / base_median, 3),
                "goal_ratio": 0.5,
                "worker_peak_rss_mb": [
                    round(max(p[i] for p in peaks), 1) for i in range(args.workers)
                ],
                "goal_worker_rss_mb": 150,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
