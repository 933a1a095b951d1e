"""How long importing a large responsibility table takes, next to merely reading it.

    python -m bench.importer [--url URL] [--rows 3000] [--runs 5]

Writes an .xlsx of `--rows` columns in three levels (merged 一级/二级 cells, as offices
lay them out), 200 units named in lists such as "区X局牵头、区Y局配合", and 时限要求
phrases from the seeds. On a fresh database (see bench.transitions.database), alternately
and `--runs` times each:

- *dry run*: `plan_import` of a file none of whose columns exist yet (read, recognise,
  split, resolve units, parse every 时限要求, diff);
- *re-import*: `plan_import` of the same file once it has been applied (the diff against
  existing columns and assignments, what an office does with each new version);
- *baseline*: `openpyxl.load_workbook` and every cell's value — reading the file, the
  floor any importer pays.

The first apply (one transaction, every column, unit and assignment written through the
ORM) is timed once, before the runs. Prints one JSON line: medians in seconds, the ratios to
the baseline (goal ≤ 3) and the peak RSS (goal < 300 MB).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import openpyxl
from sqlalchemy.orm import Session

from bench.transitions import database, log
from workflow import migrate
from workflow.db import make_engine
from workflow.importer import apply_import, plan_import

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PHRASES = [
    "每月月底前集中报送一次",
    "及时更新(新闻动态类栏目两周内更新）",
    "在收到申请之日起15个工作日内予以答复",
    "每季度集中更新一次",
    "信息更新及时，动态信息类每七天至少更新1条，其他类每月至少更新1条。",
    "部门/乡镇每年 1 月 31 日前更新，市本级 2 月 20 日前更新",
    "按照各类数据统计周期报送",
]


def table(rows: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["一级栏目", "二级栏目", "三级栏目", "保障内容", "保障单位", "时限要求"])
    for n in range(rows):
        first, second = n // 300, n // 30
        lead, coop = f"区单位{n % 200}局", f"区单位{(n * 7 + 3) % 200}局"
        units = f"{lead}牵头、{coop}配合" if n % 3 else f"{lead}、{coop}"
        sheet.append(
            [
                f"专题{first}" if n % 300 == 0 else None,
                f"分类{second}" if n % 30 == 0 else None,
                f"栏目{n}",
                f"公开第{n}项信息",
                units,
                PHRASES[n % len(PHRASES)],
            ]
        )
        if n % 30 == 0 and n:
            start = sheet.max_row - 30
            sheet.merge_cells(start_row=start, start_column=2, end_row=start + 29, end_column=2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baseline(data: bytes) -> int:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return sum(1 for s in workbook.worksheets for r in s.iter_rows() for c in r if c.value)


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importer", description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    data = table(args.rows)
    log(f"table of {args.rows} rows, {len(data) / 1024:.0f} KB")
    with database(args.url) as target:
        migrate.upgrade(target.url)
        engine = make_engine(target.url)
        with Session(engine) as session:
            first_apply = timed(lambda: apply_import(session, "表.xlsx", data, now=NOW))
            session.commit()
        dry: list[float] = []
        base: list[float] = []
        again: list[float] = []
        for run in range(args.runs):  # alternating, so machine noise hits all three
            base.append(timed(lambda: baseline(data)))
            with Session(engine) as session:
                # Under a new root nothing matches: every row is new, as on a fresh database.
                dry.append(
                    timed(lambda: plan_import(session, "表.xlsx", data, now=NOW, root="新网站"))
                )
            with Session(engine) as session:
                report = plan_import(session, "表.xlsx", data, now=NOW)
                assert not report.has_changes, "re-importing the same file must change nothing"
                again.append(timed(lambda: plan_import(session, "表.xlsx", data, now=NOW)))
            log(
                f"run {run + 1}: baseline {base[-1]:.2f}s, dry run {dry[-1]:.2f}s,"
                f" re-import {again[-1]:.2f}s"
            )
        engine.dispose()
    med = {k: statistics.median(v) for k, v in (("dry", dry), ("again", again), ("base", base))}
    line = {
        "bench": "importer",
        "backend": target.backend,
        "rows": args.rows,
        "dry_run_s": round(med["dry"], 3),
        "reimport_s": round(med["again"], 3),
        "first_apply_s": round(first_apply, 3),
        "baseline_s": round(med["base"], 3),
        "dry_run_ratio": round(med["dry"] / med["base"], 2),
        "reimport_ratio": round(med["again"] / med["base"], 2),
        "goal_ratio": 3,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "goal_rss_mb": 300,
    }
    if target.note:
        line["note"] = target.note
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
