"""Marks in place (web/checkmarks.py): inside text only, split across tags, escaped, and
never nested when findings overlap."""

from __future__ import annotations

from web.checkmarks import mark
from workflow.checks.htmltext import text_of
from workflow.models import Finding


def finding(fid: int, term: str, start: int, category: str = "typo") -> Finding:
    return Finding(
        id=fid,
        term=term,
        start=start,
        end=start + len(term),
        category=category,
        severity="normal",
        status="open",
        source="body",
    )


def test_a_span_across_a_tag_is_marked_in_each_text_piece() -> None:
    html = "<p>今年按<strong>装</strong>路灯</p>"
    at = text_of(html).index("按装")
    out = str(mark(html, [finding(1, "按装", at)]))
    assert out.count("<mark ") == 2
    assert "按</mark><strong><mark" in out and "装</mark></strong>" in out


def test_text_stays_escaped_and_tags_untouched() -> None:
    html = '<p>&lt;script&gt;按装&amp;<a href="https://x.example/?a=1&amp;b=2">链接</a></p>'
    at = text_of(html).index("按装")
    out = str(mark(html, [finding(1, "按装", at)]))
    assert "&lt;script&gt;" in out and "<script>" not in out
    assert '<a href="https://x.example/?a=1&amp;b=2">' in out
    assert ">按装</mark>&amp;" in out


def test_overlapping_findings_are_not_nested_and_a_moved_term_is_found() -> None:
    html = "<p>中华人民共合国家</p>"
    text = text_of(html)
    first = finding(1, "中华人民共合国", text.index("中华"), "serious_error")
    partial = finding(2, "合国家", text.index("合国家"))
    moved = finding(3, "共合国", 0)  # its offset no longer holds it: found by its term
    out = str(mark(html, [first, partial, moved]))
    assert out.count("<mark ") == 1 and 'data-finding="1"' in out
    assert "<mark" not in out.split("</mark>", 1)[1]


def test_a_finding_whose_offset_moved_is_marked_at_its_term() -> None:
    out = str(mark("<p>前言。今年按装路灯</p>", [finding(7, "按装", 0)]))
    assert '<mark class="finding cat-typo sev-normal st-open" data-finding="7"' in out
    assert ">按装</mark>路灯" in out
