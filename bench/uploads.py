"""Memory and time of an import's dry run on hostile-looking and normal uploads, next to
merely reading the same file.

    python -m bench.uploads [--quick]

Builds in a temporary folder:

- *docx_bomb*: a .docx (~150 KB) whose document.xml inflates to ~95 MB of tiny runs in
  one table cell (issue 15: such a file ran 6 minutes and grew the web process to
  2.3 GB);
- *xlsx_bomb*: an .xlsx (~300 KB) of ~6.2 million tiny cells (issue 15: 59 s, 3.4 GB);
- *docx_dense*, *xlsx_dense*: the same just under the 20 MB part cap (19 MB of runs;
  1.2 million cells), so what the streaming readers hold and how long they take show;
- *table*: a normal responsibility table of 3,000 rows (bench.importer's).

For each, in a fresh process each (so the peak RSS is that case's own):

- *dry run*: `plan_import` on a migrated SQLite database, with the default limits: the
  bombs must be refused with a message naming the file, the table read in full;
- *baseline*: a plain read of the same file: every zip part inflated (`zipfile`), and for
  the table also openpyxl's read-only iteration of every cell.

Prints one JSON line: per case the file's size, what it inflates to, the dry run's and
the baseline's seconds and peak RSS (goal: every upload up to 50 MB under 300 MB and
answered within 30 s), and the dry run's outcome.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.importer import table
from bench.transitions import log

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MB = 1024 * 1024


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member.filename, source.read(member))
        target.writestr(name, content)
    return out.getvalue()


def docx_bomb(inflated: int) -> bytes:
    import docx

    plain = io.BytesIO()
    docx.Document().save(plain)
    run = "<w:r><w:t>x</w:t></w:r>"
    head = f"<w:document {W}><w:body><w:tbl><w:tr><w:tc><w:p>"
    tail = "</w:p></w:tc></w:tr></w:tbl></w:body></w:document>"
    body = head + run * ((inflated - len(head) - len(tail)) // len(run)) + tail
    return _replace_part(plain.getvalue(), "word/document.xml", body.encode())


def xlsx_bomb(cells: int) -> bytes:
    import openpyxl

    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    width = 100
    row = "<row>" + "<c><v>1</v></c>" * width + "</row>"
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{row * (cells // width)}</sheetData></worksheet>"
    )
    return _replace_part(plain.getvalue(), "xl/worksheets/sheet1.xml", sheet.encode())


# --- one case, in its own process ------------------------------------------------------


def _dry_run(path: Path, url: str) -> str:
    from sqlalchemy.orm import Session

    from workflow.db import make_engine
    from workflow.importer import ImportFileError, plan_import

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            report = plan_import(session, path.name, path.read_bytes(), now=NOW)
            return f"read: {len(report.added)} columns to add"
    except ImportFileError as exc:
        return f"refused: {exc}"
    finally:
        engine.dispose()


def _baseline(path: Path) -> str:
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        inflated = sum(len(archive.read(m)) for m in archive.infolist())
    if path.name.startswith("table"):
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        cells = sum(1 for s in workbook.worksheets for r in s.iter_rows() for c in r if c.value)
        workbook.close()
        return f"{inflated / MB:.1f} MB inflated, {cells} cells read by openpyxl"
    return f"{inflated / MB:.1f} MB inflated"


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec,
    so a child would report the larger of its parent's size and its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _one(mode: str, path: Path, url: str) -> None:
    start = time.perf_counter()
    outcome = _dry_run(path, url) if mode == "dry_run" else _baseline(path)
    print(
        json.dumps(
            {
                "s": round(time.perf_counter() - start, 2),
                "rss_mb": _peak_rss_mb(),
                "outcome": outcome,
            },
            ensure_ascii=False,
        )
    )


def _measure(mode: str, path: Path, url: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.uploads", "--one", mode, str(path), url],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        timeout=900,
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --- the run ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.uploads", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="bombs a tenth the size")
    parser.add_argument("--one", nargs=3, metavar=("MODE", "PATH", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        _one(args.one[0], Path(args.one[1]), args.one[2])
        return 0
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory(prefix="sanshen-uploads-") as folder:
        from workflow import migrate

        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        files = {
            "docx_bomb": ("bomb.docx", docx_bomb(95 * MB // scale)),
            "xlsx_bomb": ("bomb.xlsx", xlsx_bomb(6_200_000 // scale)),
            # Just under the 20 MB part cap: what the streaming readers themselves hold.
            "docx_dense": ("dense.docx", docx_bomb(19 * MB // scale)),
            "xlsx_dense": ("dense.xlsx", xlsx_bomb(1_200_000 // scale)),
            "table": ("table.xlsx", table(3000 // scale)),
        }
        line: dict[str, object] = {"bench": "uploads", "quick": args.quick}
        for case, (name, data) in files.items():
            path = Path(folder) / name
            path.write_bytes(data)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                declared = sum(m.file_size for m in archive.infolist())
            dry, base = _measure("dry_run", path, url), _measure("baseline", path, url)
            log(f"{case}: dry run {dry}, baseline {base}")
            line[case] = {
                "file_kb": round(len(data) / 1024),
                "inflated_mb": round(declared / MB, 1),
                "dry_run_s": dry["s"],
                "dry_run_rss_mb": dry["rss_mb"],
                "baseline_s": base["s"],
                "baseline_rss_mb": base["rss_mb"],
                "outcome": dry["outcome"],
            }
        line |= {"goal_rss_mb": 300, "goal_s": 30}
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
