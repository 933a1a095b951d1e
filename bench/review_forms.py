"""Making a batch of 信息发布审核表 (issue 16): the .docx and the PDF of N forms, next to
the plainest files of the same text made in the same run.

    python -m bench.review_forms [--forms 300] [--rounds 3]

The forms are built in memory (the facts' query is a fixed four statements, counted by
tests/test_review_form.py): full forms of three signed stages, two attachments and long
titles. For each format, the fastest of `--rounds`:

- *docx*: `workflow.reporting.review_form_docx.render` (merged cells, fonts set per run,
  widths, a page break per form; the forms' XML written as text) against
  *docx_baseline*: python-docx's object API writing the same cells' text as one plain
  4-column table per form, nothing merged or styled — the obvious way;
- *pdf*: `workflow.reporting.review_form_pdf.render` (platypus tables with spans; text
  that fits a cell drawn as a string, longer text as wrapping CJK paragraphs) against
  *pdf_baseline*: reportlab's canvas drawing the same lines of text, one page per form,
  in the same CID font — no layout at all.

Prints one JSON line: seconds, bytes and ratio per format, and the peak RSS. The web
serves at most 300 forms a download (`web.blueprints.review_forms.BATCH_LIMIT`): the
goal is that batch within 10 s each way on one core.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from workflow.reporting import review_form_docx, review_form_pdf
from workflow.reporting.common import DEFAULTS
from workflow.reporting.review_form import (
    ReviewForm,
    Signoff,
    facts_rows,
    footer_rows,
    opinion_text,
    signature_text,
)

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def forms(n: int) -> list[ReviewForm]:
    out = []
    for i in range(n):
        at = NOW - timedelta(days=30) + timedelta(hours=i)
        stages = (
            Signoff(
                "initial_review",
                "初审意见",
                "部门分管负责人",
                "李建国",
                "保密审查通过，同意报送。",
                at,
            ),
            Signoff(
                "head_review", "审核意见", "单位主要负责人", "张卫东", "", at + timedelta(hours=1)
            ),
            Signoff(
                "office_review", "审发意见", "区政府办", "郑爽", "同意发布", at + timedelta(hours=2)
            ),
        )
        out.append(
            ReviewForm(
                item_id=1000 + i,
                revision_no=1 + i % 3,
                title=f"关于做好2026年寒假期间中小学生安全教育工作的通知（第{i}号）",
                unit=f"区教育局{i % 40}",
                column="政府信息公开/法定主动公开内容/通知公告",
                kind="一般信息",
                drafter="王晓燕",
                submitted_at=at - timedelta(hours=1),
                attachments=("正文：寒假安全通知.docx", "附件：附件1-安全责任书.pdf"),
                signoffs=stages,
                confidentiality_checked=True,
                published_at=at + timedelta(hours=2),
                content_digest=f"{i:064x}",
                digest_matches=True,
                live=True,
            )
        )
    return out


def _lines(form: ReviewForm) -> list[tuple[str, str, str, str]]:
    settings = DEFAULTS
    rows = facts_rows(form, settings)
    for s in form.signoffs:
        rows.append((s.label, opinion_text(s), "", signature_text(s, settings)))
    return rows + footer_rows(form, settings)


def docx_baseline(batch: Sequence[ReviewForm]) -> bytes:
    doc = Document()
    for form in batch:
        rows = _lines(form)
        table = doc.add_table(rows=len(rows), cols=4)
        for row, values in zip(table.rows, rows, strict=True):
            for cell, text in zip(row.cells, values, strict=True):
                cell.text = text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def pdf_baseline(batch: Sequence[ReviewForm]) -> bytes:
    review_form_pdf.register_font()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4)
    for form in batch:
        y = 780.0
        canvas.setFont(review_form_pdf.FONT, 11)
        for values in _lines(form):
            for text in values:
                canvas.drawString(70, y, text[:40])
                y -= 14
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _fastest(make: Callable[[], bytes], rounds: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        data = make()
        best, size = min(best, time.perf_counter() - start), len(data)
    return best, size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.review_forms", description=__doc__)
    parser.add_argument("--forms", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    batch = forms(args.forms)
    result: dict[str, object] = {"benchmark": "review_forms", "forms": args.forms}
    cases = {
        "docx": lambda: review_form_docx.render(batch, NOW),
        "docx_baseline": lambda: docx_baseline(batch),
        "pdf": lambda: review_form_pdf.render(batch, NOW),
        "pdf_baseline": lambda: pdf_baseline(batch),
    }
    for name, make in cases.items():
        seconds, size = _fastest(make, args.rounds)
        result[f"{name}_s"] = round(seconds, 3)
        result[f"{name}_bytes"] = size
    for fmt in ("docx", "pdf"):
        result[f"{fmt}_ratio"] = round(
            float(result[f"{fmt}_s"]) / max(float(result[f"{fmt}_baseline_s"]), 1e-9),
            2,  # type: ignore[arg-type]
        )
    result["goal_s"] = 10
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
