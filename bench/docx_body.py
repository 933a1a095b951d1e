"""Time and memory of 正文从 Word 导入 (`workflow.docx_body.docx_body`: the bounded read,
then mammoth) next to a plain python-docx read of the same file.

    python -m bench.docx_body [--quick]

Builds in a temporary folder:

- *notice*: a long, ordinary notice: 300 paragraphs under 10 headings, a 200 × 5 table
  and 5 pictures (what an office pastes as one body at most);
- *dense*: bench.uploads' docx of tiny runs, just under the body's cap of Word elements
  (`workflow.docx_body.MAX_ELEMENTS`): what mammoth itself takes at the most complex
  file the limits let through;
- *bomb*: the same inflating to ~95 MB, which must be refused with a message naming
  the file before mammoth sees it.

For each, in a fresh process each (so the peak RSS is that case's own): *import*
(`docx_body` with the default limits) and *baseline* (python-docx opens the file and
reads the text of every paragraph and table cell; for the bomb, every zip part
inflated, as bench.uploads does). Prints one JSON line: per case the
file's size, the seconds and peak RSS of both, and the import's outcome; goals: every
file answered within 30 s and under 300 MB.
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
import zlib
from collections.abc import Sequence
from pathlib import Path

from bench.transitions import log
from bench.uploads import docx_bomb

MB = 1024 * 1024


def _png(size: int) -> bytes:
    import struct

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def notice(paragraphs: int, rows: int, pictures: int) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("关于做好2026年冬季安全生产工作的通知", level=1)
    for i in range(paragraphs):
        if i % max(1, paragraphs // 10) == 0:
            document.add_heading(f"第{i // max(1, paragraphs // 10) + 1}部分", level=2)
        para = document.add_paragraph("各街道、各部门：为切实做好冬季安全生产工作，")
        para.add_run("请认真落实属地责任").bold = True
        para.add_run(f"，及时排查隐患，第{i + 1}项工作按期报送。")
    table = document.add_table(rows=rows, cols=5)
    for r in range(rows):
        for c, text in enumerate(("城关街道", "张三", "0714-3188000", "12月10日", "已完成")):
            table.cell(r, c).text = f"{text}{r}"
    for _ in range(pictures):
        document.add_picture(io.BytesIO(_png(64)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- one case, in its own process ------------------------------------------------------
def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss would carry the parent's over exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _import(path: Path) -> str:
    from workflow.docx_body import docx_body
    from workflow.importer.errors import ImportFileError

    try:
        body = docx_body(path.name, path.read_bytes(), max_bytes=50 * MB)
    except ImportFileError as exc:
        return f"refused: {exc}"
    return f"read: {len(body.html)} characters of HTML, {len(body.images)} pictures"


def _baseline(path: Path) -> str:
    if path.name.startswith("bomb"):  # python-docx would take minutes: inflate only
        with zipfile.ZipFile(path) as archive:
            inflated = sum(len(archive.read(m)) for m in archive.infolist())
        return f"{inflated / MB:.1f} MB inflated"
    import docx

    document = docx.Document(str(path))
    chars = sum(len(p.text) for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            chars += sum(len(cell.text) for cell in row.cells)
    return f"{chars} characters read by python-docx"


def _one(mode: str, path: Path) -> None:
    start = time.perf_counter()
    outcome = _import(path) if mode == "import" else _baseline(path)
    result = {"s": round(time.perf_counter() - start, 2), "rss_mb": peak_rss_mb()}
    print(json.dumps(result | {"outcome": outcome}, ensure_ascii=False))


def _measure(mode: str, path: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.docx_body", "--one", mode, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        timeout=900,
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --- the run ---------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.docx_body", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="files a tenth the size")
    parser.add_argument("--one", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        _one(args.one[0], Path(args.one[1]))
        return 0
    from workflow.docx_body import MAX_ELEMENTS, PARSED

    scale = 10 if args.quick else 1
    with zipfile.ZipFile(io.BytesIO(docx_bomb(0))) as empty:
        base = sum(empty.read(n).count(b"<w:") for n in PARSED if n in empty.namelist())
    run = len("<w:r><w:t>x</w:t></w:r>")  # two elements
    files = {
        "notice": notice(300 // scale, 200 // scale, 5),
        "dense": docx_bomb((MAX_ELEMENTS * 95 // 100 - base) // 2 * run // scale),
        "bomb": docx_bomb(95 * MB // scale),
    }
    line: dict[str, object] = {"bench": "docx_body", "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="sanshen-docx-body-") as folder:
        for case, data in files.items():
            path = Path(folder) / f"{case}.docx"
            path.write_bytes(data)
            done, base = _measure("import", path), _measure("baseline", path)
            log(f"{case}: import {done}, baseline {base}")
            line[case] = {
                "file_kb": round(len(data) / 1024),
                "import_s": done["s"],
                "import_rss_mb": done["rss_mb"],
                "baseline_s": base["s"],
                "baseline_rss_mb": base["rss_mb"],
                "outcome": done["outcome"],
            }
    line |= {"goal_rss_mb": 300, "goal_s": 30}
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
