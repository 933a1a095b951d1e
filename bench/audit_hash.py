"""Cost per audit row of the chain's hash: SHA-256 against SM3 (AUDIT_HASH=sm3).

    python -m bench.audit_hash [--rows 2000] [--rounds 5]

`--rows` typical audit rows (an approval with a Chinese comment, ~360 bytes of canonical
JSON) are hashed with `workflow.audit.compute_hash` under each algorithm (what a
transition and `flask audit verify` pay per row), and the same bytes with SHA-256 and
with each SM3 implementation on its own: OpenSSL's (used when this Python has it) and gmssl's pure
Python (the fallback). Rounds alternate the order; the fastest round of each is
reported (the least disturbed by a loaded machine), in microseconds per row, with the
estimated hashing time of verifying a million rows. No database. One JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from workflow import hashes
from workflow.audit import compute_hash


def _rows(n: int) -> list[dict[str, Any]]:
    start = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    return [
        {
            "item_id": 100_000 + i,
            "seq": 3,
            "revision_no": 2,
            "from_state": "head_review",
            "to_state": "office_review",
            "action": "approve",
            "actor_id": 40 + i % 300,
            "comment": "同意。请办公室审发，注意核对数据来源和发布时间。" if i % 3 else None,
            "confidentiality_checked": True,
            "content_digest": f"{i:064x}",
            "at": start + timedelta(seconds=i),
            "prev_hash": f"{i * 7919:064x}",
        }
        for i in range(n)
    ]


def _canonical(row: dict[str, Any]) -> bytes:
    """Roughly the bytes compute_hash hashes (same keys and sizes), for the raw timings."""
    text = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    return text.encode("utf-8")


def _per_row_us(fn: Callable[[], None], n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) / n * 1e6


def run(n: int, rounds: int) -> dict[str, Any]:
    rows = _rows(n)
    texts = [_canonical(r) for r in rows]

    def each(fn: Callable[..., str], items: Sequence[Any], **kw: Any) -> Callable[[], None]:
        def go() -> None:
            for item in items:
                fn(**item, **kw) if kw else fn(item)

        return go

    cases: dict[str, Callable[[], None]] = {
        "sha256_row": each(compute_hash, rows, hash_alg="sha256"),
        "sha256_raw": each(hashes.sha256_hex, texts),
        "sm3_row": each(compute_hash, rows, hash_alg="sm3"),
        "sm3_gmssl": each(hashes.sm3_gmssl, texts),
    }
    if hashes.SM3_IMPLEMENTATION == "openssl":
        cases["sm3_openssl"] = each(hashes.sm3_openssl, texts)
    best: dict[str, float] = {}
    order = list(cases)
    for r in range(rounds):
        for name in order if r % 2 == 0 else reversed(order):
            us = _per_row_us(cases[name], n)
            best[name] = min(best.get(name, us), us)
        done = ", ".join(f"{k} {v:.1f}" for k, v in best.items())
        print(f"round {r + 1}/{rounds}: {done} µs/row", file=sys.stderr, flush=True)
    return {
        "benchmark": "audit_hash",
        "rows": n,
        "bytes_per_row": round(sum(map(len, texts)) / n),
        "sm3_implementation": hashes.SM3_IMPLEMENTATION,
        "us_per_row": {k: round(v, 2) for k, v in best.items()},
        "sm3_vs_sha256": round(best["sm3_row"] / best["sha256_row"], 2),
        "verify_1m_rows_hashing_s": {
            "sha256": round(best["sha256_row"], 1),
            "sm3": round(best["sm3_row"], 1),
            "sm3_gmssl": round(best["sm3_gmssl"], 1),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit_hash",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rows, args.rounds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
