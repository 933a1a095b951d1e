"""The parser on pathological input (long runs that once made its patterns backtrack):
the slowest of those against ordinary text of the same length, in one process.

    python -m bench.parser_worst [--rounds 3]

Prints one JSON line: seconds for each pathological text (fastest round), the baseline
(ordinary phrases joined to the same length) and the worst ratio. The goal is a worst
case within 2 s (the parser before 2026-11 took 14 s on 20,000 digits); tests only check
that these inputs parse (tests/test_deadlines.py).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from workflow.deadlines.parser import parse_strict

PATHOLOGICAL = {
    "digits": "1" * 20_000,
    "months": "1个月内" * 3_000,
    "jiang": "及时" + "将" * 20_000,
    "mei": "每" * 20_000,
    "de": "的" * 20_000,
    "dun": "、" * 20_000,
    "numbered": "(1)" * 7_000,
    "changes": "如有变动" * 5_000,
    "nian": "年" * 20_000,
    "topics": "动态信息，" * 3_900 + "每月更新",
}
ORDINARY = "每月25日前更新，"  # a real clause, repeated to the same length


def _fastest(text: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        parse_strict(text)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.parser_worst")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    times = {name: round(_fastest(t, args.rounds), 4) for name, t in PATHOLOGICAL.items()}
    length = max(len(t) for t in PATHOLOGICAL.values())
    baseline = _fastest((ORDINARY * (length // len(ORDINARY) + 1))[:length], args.rounds)
    worst = max(times.values())
    print(
        json.dumps(
            {
                "bench": "parser_worst",
                "seconds": times,
                "baseline_s": round(baseline, 4),
                "worst_s": worst,
                "worst_ratio": round(worst / baseline, 2) if baseline else None,
                "goal_worst_s": 2.0,
            }
        )
    )


if __name__ == "__main__":
    main()
