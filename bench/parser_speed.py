"""Parse time per distinct test phrase: the working tree's parser against the parser at
a git revision, in one process, uncached.

    python -m bench.parser_speed [--rev REV] [--rounds 7]

The phrases are every distinct text of the parser's test case modules and of the
development corpus files (dev.jsonl, dev2.jsonl, dev3.jsonl: every file the corpus
holds, now that none is held out). The parser
at REV (default: the commit before the parser2 work) is loaded from git objects into a
private package, so both run on the same interpreter, caches and machine load; rounds
alternate which goes first. Prints one JSON line: the microseconds per phrase of each
in its fastest round (the least disturbed by a loaded machine) and their ratio
(working tree / REV; below 1 is faster), and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "521aca1"
MODULES = ("normalise", "rules", "clauses", "parts", "parser")
CORPUS = ("dev.jsonl", "dev2.jsonl", "dev3.jsonl")


def phrases() -> list[str]:
    from tests import (
        deadline_cases,
        deadline_cases_general,
        deadline_cases_issue,
        deadline_cases_kinds,
        deadline_cases_kinds3,
        deadline_cases_seeds,
    )

    texts: list[str] = []
    for module, names in (
        (deadline_cases, ("SEED", "MORE")),
        (deadline_cases_general, ("GENERAL",)),
        (deadline_cases_issue, ("ISSUE",)),
        (deadline_cases_seeds, ("SEEDS",)),
    ):
        for name in names:
            texts += [text for text, _ in getattr(module, name)]
    texts += [text for text, _ in deadline_cases_kinds.KINDS + deadline_cases_kinds3.KINDS3]
    for name in CORPUS:
        with (ROOT / "tests" / "deadline_corpus" / name).open(encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return sorted({t for t in texts if isinstance(t, str)})


def parser_at(rev: str) -> Callable[[str], Any]:
    """The uncached parser of workflow/deadlines at `rev`, as a private package
    (`parse_uncached`, named `_parse` before it was public)."""
    package = f"_parser_at_{rev}"
    pkg = types.ModuleType(package)
    pkg.__path__ = []
    sys.modules[package] = pkg
    for name in MODULES:
        source = subprocess.run(
            ["git", "show", f"{rev}:workflow/deadlines/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.replace("workflow.deadlines", package)
        spec = importlib.util.spec_from_loader(f"{package}.{name}", loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        setattr(pkg, name, module)
        exec(compile(source, f"{rev}:{name}.py", "exec"), module.__dict__)
    module = sys.modules[f"{package}.parser"]
    return getattr(module, "parse_uncached", None) or module._parse  # type: ignore[no-any-return]


def per_phrase(parse: Callable[[str], Any], texts: Sequence[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        parse(text)
    return (time.perf_counter() - start) / len(texts) * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--rev", default=BASE)
    args.add_argument("--rounds", type=int, default=31)
    options = args.parse_args(argv)
    from workflow.deadlines.parser import parse_uncached as current

    old = parser_at(options.rev)
    texts = phrases()
    for parse in (old, current):  # warm up: compiled patterns, OpenCC
        per_phrase(parse, texts)
    times: dict[str, list[float]] = {"rev": [], "tree": []}
    for i in range(options.rounds):
        order = (("rev", old), ("tree", current)) if i % 2 else (("tree", current), ("rev", old))
        for name, parse in order:
            times[name].append(per_phrase(parse, texts))
    rev, tree = min(times["rev"]), min(times["tree"])
    median = statistics.median(times["tree"]) / statistics.median(times["rev"])
    print(
        json.dumps(
            {
                "phrases": len(texts),
                "rev": options.rev,
                "rev_us_per_phrase": round(rev, 1),
                "tree_us_per_phrase": round(tree, 1),
                "ratio": round(tree / rev, 3),  # of the fastest rounds: the least noise
                "median_ratio": round(median, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
