"""Run every benchmark: `python -m bench` (default sizes) or `python -m bench --quick`.

Each benchmark runs in its own process (so peak RSS is its own); their JSON lines are
printed to stdout in order, their progress goes to stderr. Exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # `-m bench.…` runs from the project root

FULL: list[list[str]] = [
    ["bench.generate", "--bench"],
    ["bench.transitions", "--items", "20000"],
    ["bench.deadlines", "--assignments", "20000", "--items", "1000000"],
    ["bench.importer", "--rows", "3000"],
    ["bench.uploads"],
    ["bench.docx_body"],
    ["bench.web", "--waiting", "300", "--requests", "30"],
    ["bench.reminders", "--reminders", "10000", "--workers", "2"],
    ["bench.dashboard", "--assignments", "20000", "--items", "1000000"],
    ["bench.audit_hash"],
    ["bench.parser_worst"],
    ["bench.review_forms"],
    ["bench.unit_candidates"],
    ["bench.holding", "--units", "50", "--items", "5000"],
    ["bench.annual_report", "--requests", "20000"],
    ["bench.api_changes", "--items", "1000000"],
    ["bench.api_webhooks", "--deliveries", "1000"],
    ["bench.checks"],
    ["bench.load", "--clients", "50", "--seconds", "60"],
    ["bench.load", "--sqlite", "--clients", "20", "--seconds", "60"],
]
QUICK: list[list[str]] = [
    ["bench.generate", "--bench", "--units", "5", "--columns", "20", "--items", "200"],
    ["bench.transitions", "--items", "200"],
    ["bench.deadlines", "--assignments", "200", "--items", "10000", "--runs", "2"],
    ["bench.importer", "--rows", "100", "--runs", "2"],
    ["bench.uploads", "--quick"],
    ["bench.docx_body", "--quick"],
    ["bench.web", "--waiting", "20", "--requests", "3"],
    ["bench.reminders", "--reminders", "200", "--runs", "1"],
    ["bench.dashboard", "--quick"],
    ["bench.audit_hash", "--rows", "20", "--rounds", "2"],
    ["bench.parser_worst", "--rounds", "1"],
    ["bench.review_forms", "--forms", "10", "--rounds", "1"],
    ["bench.unit_candidates", "--units", "20", "--names", "10", "--rounds", "1"],
    ["bench.holding", "--units", "5", "--items", "200", "--runs", "2"],
    ["bench.annual_report", "--requests", "300", "--runs", "2"],
    ["bench.api_changes", "--items", "5000", "--requests", "3"],
    ["bench.api_webhooks", "--deliveries", "50", "--runs", "1"],
    ["bench.checks", "--entries", "1000", "--items", "200", "--rounds", "3"],
    ["bench.load", "--clients", "4", "--seconds", "5", "--waiting", "20"],
    ["bench.load", "--sqlite", "--clients", "2", "--seconds", "3", "--waiting", "20"],
]

# Benchmarks that take no --url (no database, or their own).
NO_DATABASE = (
    "bench.generate",
    "bench.web",
    "bench.audit_hash",
    "bench.uploads",
    "bench.docx_body",
    "bench.parser_worst",
    "bench.review_forms",
    "bench.unit_candidates",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--url", help="database URL passed to bench.transitions")
    args = parser.parse_args(argv)
    failed = 0
    for module, *rest in QUICK if args.quick else FULL:
        takes_url = module not in NO_DATABASE and "--sqlite" not in rest
        extra = ["--url", args.url] if args.url and takes_url else []
        proc = subprocess.run(
            [sys.executable, "-m", module, *rest, *extra],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
            cwd=ROOT,
        )
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        for line in lines:
            print(line, flush=True)
        if proc.returncode != 0 or not lines:
            print(f"bench: {module} failed (exit {proc.returncode})", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
