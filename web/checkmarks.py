"""Findings marked in place on the item page.

The body is cleaned by nh3 as always (web.sanitize), then cut into tags and text with
the same function the checks used for their offsets (workflow.checks.htmltext); each
finding's span is wrapped in <mark class="finding cat-…"> inside the *text* pieces only,
every piece escaped again — so marking can neither break a tag nor let text become
markup. A span the cleaned text no longer holds at its offset (a body cleaned again
differently) is found by its term instead, or left unmarked (still listed below).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from web.labels import CHECK_CATEGORIES, label
from web.sanitize import clean_body
from workflow.checks.htmltext import segments, text_of
from workflow.enums import Role
from workflow.models import Finding, Item, Revision, User
from workflow.services.checks import is_office_editor

SHOWN = ("open", "verified", "overridden")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    finding: Finding


def _holds(text: str, f: Finding) -> bool:
    """The text at the finding's offsets is its term (a link: its anchor's text)."""
    piece = text[f.start : f.end]
    if f.category == "link":
        return bool(piece) and piece.strip() == (f.excerpt or "").strip()
    return piece == f.term


def _spans(text: str, found: Iterable[Finding]) -> list[Span]:
    """Where to mark: findings at their offsets first, then those whose text moved (at
    the first free occurrence of their term); an overlapping one is not marked (marks
    cannot nest) but stays listed."""
    shown = [f for f in found if f.start is not None and f.end is not None and f.status in SHOWN]
    held = [f for f in shown if _holds(text, f)]
    moved = [f for f in shown if not _holds(text, f) and f.category != "link"]
    spans: list[Span] = []

    def free(start: int, end: int) -> bool:
        return not any(start < s.end and s.start < end for s in spans)

    for f in sorted(held, key=lambda f: (f.start or 0, -(f.end or 0), f.id)):
        start, end = f.start or 0, f.end or 0
        if free(start, end):
            spans.append(Span(start, end, f))
    for f in sorted(moved, key=lambda f: f.id):
        at = text.find(f.term)
        while at >= 0 and not free(at, at + len(f.term)):
            at = text.find(f.term, at + 1)
        if at >= 0 and f.term:
            spans.append(Span(at, at + len(f.term), f))
    return sorted(spans, key=lambda s: s.start)


def _open_tag(f: Finding) -> str:
    title = f"{label(CHECK_CATEGORIES, f.category)}：{f.term}"
    return (
        f'<mark class="finding cat-{escape(f.category)} sev-{escape(f.severity)} '
        f'st-{escape(f.status)}" data-finding="{f.id}" title="{escape(title)}">'
    )


def _mark_text(piece: str, offset: int, spans: Sequence[Span]) -> str:
    out: list[str] = []
    pos = 0
    end_of_piece = offset + len(piece)
    for span in spans:
        if span.end <= offset or span.start >= end_of_piece:
            continue
        a = max(span.start, offset) - offset
        b = min(span.end, end_of_piece) - offset
        out.append(str(escape(piece[pos:a])))
        out.append(_open_tag(span.finding) + str(escape(piece[a:b])) + "</mark>")
        pos = b
    out.append(str(escape(piece[pos:])))
    return "".join(out)


def mark(markup: str, found: Iterable[Finding]) -> Markup:
    """Clean HTML with the findings' spans marked."""
    spans = _spans(text_of(markup), found)
    if not spans:
        return Markup(markup)
    out = []
    for seg in segments(markup):
        if seg.is_tag or not any(
            s.start < seg.start + len(seg.text) and s.end > seg.start for s in spans
        ):
            out.append(seg.raw)
        else:
            out.append(_mark_text(seg.text, seg.start, spans))
    return Markup("".join(out))


def marked_body(body: str, found: Iterable[Finding]) -> Markup:
    return mark(clean_body(body), [f for f in found if f.source == "body"])


def marked_title(title: str, found: Iterable[Finding]) -> Markup:
    return mark(str(escape(title)), [f for f in found if f.source == "title"])


def revision_findings(session: Session, item_id: int, revision_no: int) -> list[Finding]:
    """The findings of one revision for its page: open ones first, serious first."""
    order = {"open": 0, "verified": 1, "overridden": 2, "fixed": 3}
    rank = {"serious": 0, "normal": 1, "hint": 2}
    rows = session.scalars(
        select(Finding).where(Finding.item_id == item_id, Finding.revision_no == revision_no)
    )
    return sorted(rows, key=lambda f: (order.get(f.status, 9), rank.get(f.severity, 9), f.id))


def page_context(session: Session, item: Item, rev: Revision, user: User) -> dict[str, Any]:
    """What the item page's findings need: the marked title and body, the findings of
    the shown revision and who may decide on them."""
    found = revision_findings(session, item.id, rev.number)
    drafter = user.active and user.has_role(Role.DRAFTER) and user.unit_id == item.unit_id
    return {
        "findings": found,
        "marked_title": marked_title(rev.title, found),
        "marked_body": marked_body(rev.body or "", found),
        "may_verify_findings": drafter,
        "may_override_findings": is_office_editor(user),
    }
