"""Webhook deliveries through RQ, next to a plain httpx loop, in the same run.

    python -m bench.api_webhooks [--url URL] [--deliveries 1000] [--workers 2] [--runs 3]

Starts a local HTTP receiver that counts what it is sent and answers 200, subscribes it,
and records `--deliveries` pending deliveries (an item.published body each). Then,
alternately and `--runs` times each:

- *rq*: one `deliver_webhook` job per delivery enqueued, `--workers` worker processes
  (`rq worker --burst --worker-class notifications.worker.NotifySimpleWorker`) read the
  row, sign it (standardwebhooks), POST it with httpx and record the attempt through the
  runner (attempt row, delivery delivered); timed from the workers' start until the
  queue is empty, every delivery checked delivered;
- *baseline*: one httpx client in one loop signing and POSTing the same bodies: no queue,
  no database.

Prints one JSON line: medians in deliveries per second and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from rq import Queue
from sqlalchemy import delete, func, insert, select, update

from bench.transitions import database, log
from notifications.redis_conn import connect
from notifications.webhooks import deliver_webhook, signed_request
from workflow import migrate
from workflow.db import make_engine, make_session_factory
from workflow.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from workflow.services.webhooks import new_secret

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "sanshen_bench_hooks"


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


def receiver(counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real endpoint would
        disable_nagle_algorithm = True  # headers and body apart: no delayed-ACK wait

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with counter.lock:
                counter.count += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def body(i: int) -> dict[str, Any]:
    return {
        "type": "item.published",
        "timestamp": "2026-11-23T02:00:00+00:00",
        "data": {
            "item_id": i,
            "revision": 1,
            "title": f"关于第{i}批政府信息公开的通知",
            "column_id": 1,
            "column_path": "政府信息公开/通知公告",
            "unit_id": 1,
            "unit_name": "区教育局",
            "at": "2026-11-23T02:00:00+00:00",
        },
    }


def through_rq(
    env: dict[str, str], redis_url: str, queue: Queue, ids: list[int], workers: int
) -> float:
    queue.enqueue_many([Queue.prepare_data(deliver_webhook, args=(i,), result_ttl=0) for i in ids])
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
    for p in procs:
        p.wait()
        if p.returncode != 0:
            err = p.stderr.read().decode() if p.stderr else ""
            raise RuntimeError(f"worker failed ({p.returncode}): {err[-2000:]}")
    return len(ids) / (time.perf_counter() - start)


def baseline(url: str, secret: str, bodies: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    with httpx.Client(timeout=10) as client:
        for message_id, raw in bodies:
            headers = signed_request(message_id, secret, raw, datetime.now(UTC))
            response = client.post(url, content=raw, headers=headers)
            assert response.status_code == 200
    return len(bodies) / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh PostgreSQL database)")
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    counter = Counter()
    server = receiver(counter)
    hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    tmp = tempfile.TemporaryDirectory(prefix="sanshen_bench_redis_")
    redis_client, embedded = connect(os.environ.get("BENCH_REDIS_URL"), Path(tmp.name))
    redis_url = os.environ.get("BENCH_REDIS_URL") or (embedded.url if embedded else "")
    rq_rates: list[float] = []
    base_rates: list[float] = []
    try:
        with database(args.url) as target:
            migrate.upgrade(target.url)
            env = {**os.environ, "SANSHEN_ENV": "testing", "DATABASE_URL": target.url}
            engine = make_engine(target.url)
            now = datetime.now(UTC)
            secret = new_secret()
            with make_session_factory(engine)() as session:
                sub = WebhookSubscription(
                    name="bench", url=hook_url, events=["item.published"], secret=secret,
                    active=True, pause_reason="", consecutive_failures=0, created_at=now,
                )  # fmt: skip
                session.add(sub)
                session.flush()
                rows = [
                    {
                        "subscription_id": sub.id,
                        "message_id": f"msg_{uuid.uuid4().hex}",
                        "event_type": "item.published",
                        "payload": body(i),
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for i in range(args.deliveries)
                ]
                session.execute(insert(WebhookDelivery), rows)
                session.commit()
                ids = list(session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id)))
                bodies = [
                    (r["message_id"], json.dumps(r["payload"], ensure_ascii=False).encode())
                    for r in rows
                ]
                queue = Queue(QUEUE, connection=redis_client)
                for run in range(args.runs):
                    session.execute(delete(WebhookAttempt))
                    session.execute(
                        update(WebhookDelivery).values(
                            status="pending", attempts=0, delivered_at=None
                        )
                    )
                    session.commit()
                    before = counter.count
                    rq_rates.append(through_rq(env, redis_url, queue, ids, args.workers))
                    delivered = session.scalar(
                        select(func.count()).where(WebhookDelivery.status == "delivered")
                    )
                    assert delivered == len(ids), f"{delivered} of {len(ids)} delivered"
                    assert counter.count - before == len(ids)
                    before = counter.count
                    base_rates.append(baseline(hook_url, secret, bodies))
                    assert counter.count - before == len(ids)
                    log(f"run {run + 1}: rq {rq_rates[-1]:.0f}/s, httpx {base_rates[-1]:.0f}/s")
            engine.dispose()
    finally:
        server.shutdown()
        if embedded is not None:
            embedded.shutdown()
        tmp.cleanup()
    rq_median, base_median = statistics.median(rq_rates), statistics.median(base_rates)
    print(
        json.dumps(
            {
                "bench": "api_webhooks",
                "database": target.backend,
                "deliveries": args.deliveries,
                "workers": args.workers,
                "runs": args.runs,
                "rq_per_s_median": round(rq_median, 1),
                "httpx_loop_per_s_median": round(base_median, 1),
                "ratio": round(rq_median / base_median, 3),
                "rq_runs": [round(r, 1) for r in rq_rates],
                "httpx_runs": [round(r, 1) for r in base_rates],
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
