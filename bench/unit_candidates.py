"""The import preview's offer of existing units for each new unit name
(`workflow.importer.resolve.unit_candidates`), against comparing every new name with
every unit in full (what a first version did), in one process on an in-memory SQLite.

    python -m bench.unit_candidates [--units 400] [--names 200] [--rounds 3]

Builds `--units` active units with district-like names and `--names` new names, half of
them one-character typos of a unit, half unrelated. Prints one JSON line: seconds of
`unit_candidates` and of the baseline (every name against every unit with
`difflib.SequenceMatcher`, ranked alike), fastest round each, their ratio, and how
often each put the typo's own unit first (the offer must stay as good).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from difflib import SequenceMatcher

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from workflow.enums import UnitKind
from workflow.importer.resolve import unit_candidates
from workflow.importer.units import split_level
from workflow.models import Base, Unit

STEMS = (
    "财政发展改革教育体育卫生健康人力资源社会保障民政司法审计统计"
    "商务科技农业农村水利交通住建城管应急市场监管文旅退役军人"
)
ENDINGS = ("局", "委", "办", "中心", "街道")


def _names(rng: random.Random, n: int) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        stem = "".join(rng.choice(STEMS) for _ in range(rng.randint(2, 6)))
        out.add(f"区{stem}{rng.choice(ENDINGS)}")
    return sorted(out)


def _typo(rng: random.Random, name: str) -> str:
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + rng.choice("盲里佳迳") + name[i + 1 :]


def _baseline(units: list[str], names: list[str], limit: int = 8) -> dict[str, list[str]]:
    out = {}
    for name in names:
        bare = split_level(name)[1]
        scored = [(-SequenceMatcher(None, bare, split_level(u)[1]).ratio(), u) for u in units]
        out[name] = [u for ratio, u in sorted(scored)[:limit] if ratio < -0.3]
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.unit_candidates")
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--names", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    rng = random.Random(16)
    units = _names(rng, args.units)
    typos = {_typo(rng, u): u for u in rng.sample(units, args.names // 2)}
    new = [*typos, *_names(random.Random(61), args.names - len(typos))]
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Unit(name=u, kind=UnitKind.DEPARTMENT) for u in units)
        session.flush()
        best = {"library": float("inf"), "baseline": float("inf")}
        offers: dict[str, dict[str, list[str]]] = {}
        for _ in range(args.rounds):
            for side in ("baseline", "library") if _ % 2 else ("library", "baseline"):
                start = time.perf_counter()
                if side == "library":
                    offers[side] = unit_candidates(session, new)
                else:
                    offers[side] = _baseline(units, new)
                best[side] = min(best[side], time.perf_counter() - start)
    first = {
        side: sum(1 for t, u in typos.items() if offers[side].get(t, [None])[:1] == [u])
        for side in offers
    }
    print(
        json.dumps(
            {
                "bench": "unit_candidates",
                "units": len(units),
                "names": len(new),
                "library_s": round(best["library"], 4),
                "baseline_s": round(best["baseline"], 4),
                "ratio": round(best["library"] / best["baseline"], 3),
                "typo_unit_first": {side: f"{n}/{len(typos)}" for side, n in first.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
