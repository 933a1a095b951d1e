"""bench.load's quick variant runs end to end on SQLite: real servers (the demo's
werkzeug for the app and the baseline), real clients, one JSON line. No timing checks:
speed belongs in the benchmark's own output."""

from __future__ import annotations

import json

import pytest

from bench import load


def test_quick_sqlite_run_prints_the_json_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "SANSHEN_ENV"):
        monkeypatch.delenv(name, raising=False)
    argv = ["--sqlite", "--clients", "2", "--seconds", "2", "--waiting", "20", "--warmup", "0.5"]
    argv += ["--baseline-seconds", "1"]
    assert load.main(argv) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    result = json.loads(lines[0])

    assert result["bench"] == "load"
    assert result["backend"] == "sqlite"
    assert result["clients"] == 2
    assert result["goal_p95_ms"] == 300
    assert set(result["pages"]) == {"inbox", "item", "approve", "reject", "dashboard"}
    for page in result["pages"].values():
        assert {"count", "errors"} <= set(page)
    # Two clients are an office editor and a deputy head: every page kind is asked for.
    assert result["pages"]["inbox"]["count"] > 0
    assert result["pages"]["item"]["count"] > 0
    assert result["pages"]["dashboard"]["count"] > 0
    assert result["pages"]["inbox"]["p95_ms"] >= result["pages"]["inbox"]["p50_ms"]
    assert result["login"]["count"] == 4  # the form, then the POST, per client
    assert result["requests"] == sum(p["count"] for p in result["pages"].values())
    assert result["baseline"]["count"] > 0
    assert result["baseline"]["errors"] == 0
    assert isinstance(result["errors"], int)  # SQLite under concurrency: measured, not judged
    assert set(result["waiting_after"]) == {"initial_review", "head_review", "office_review"}
    assert {"min", "mean", "max"} <= set(result["loadavg_1m"])
