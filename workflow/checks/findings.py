"""What one revision's check finds: pure functions over the revision's parts and the
facts loaded for the check (`Context`), so the benchmark and the tests call them alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from workflow.attachments import extension
from workflow.checks import (
    ATTACHMENT,
    HINT,
    LINK,
    NAME,
    NORMAL,
    SERIOUS,
)
from workflow.checks import files as file_facts
from workflow.checks.htmltext import Link, links, segments
from workflow.checks.matcher import Matcher, Pattern
from workflow.checks.names import LeaderFact, known_titles, title_fits, title_near
from workflow.enums import ItemKind

LEADER: Final = "__leader__"  # the matcher's category for a leader's name (never shown)
EXCERPT: Final = 12  # characters either side of a match
FORM_WORDS: Final = ("申请表", "申请书", "登记表")
FORM_EXTENSIONS: Final = frozenset({"doc", "docx", "wps", "xls", "xlsx", "et", "pdf", "ofd"})

# Link results (LinkCheck.result) and the hidden reasons, as finding terms.
DEAD, OFFSITE, OK = "dead", "offsite", "ok"


@dataclass(frozen=True)
class Context:
    """What a check needs besides the revision: built once per batch."""

    matcher: Matcher
    leaders: Mapping[str, LeaderFact]
    titles: tuple[str, ...]
    # url → (result, detail) of a fresh link check
    link_results: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        matcher: Matcher,
        leaders: Iterable[LeaderFact],
        link_results: Mapping[str, tuple[str, str]] | None = None,
    ) -> Context:
        table = {leader.name: leader for leader in leaders}
        return cls(matcher, table, known_titles(table.values()), link_results or {})


@dataclass(frozen=True, slots=True)
class Found:
    source: str
    category: str
    severity: str
    term: str
    suggestion: str = ""
    excerpt: str = ""
    start: int | None = None
    end: int | None = None

    def base_key(self) -> str:
        return f"{self.source}|{self.category}|{self.term}|{self.excerpt}"


@dataclass(frozen=True)
class AttachedFile:
    filename: str
    facts: file_facts.FileFacts | None  # None: not read yet


@dataclass
class Result:
    found: list[Found]
    pending_urls: list[str]  # links to check (no fresh result in the cache)


def keyed(found: Sequence[Found]) -> list[tuple[str, Found]]:
    """A stable key per finding: where, what and the text around it, numbered when the
    same excerpt holds the same term more than once."""
    seen: dict[str, int] = {}
    out = []
    for f in found:
        base = f.base_key()
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append((hashlib.sha256(f"{base}|{n}".encode()).hexdigest(), f))
    return out


def _excerpt(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - EXCERPT) : end + EXCERPT].split())[:300]


def match_text(ctx: Context, source: str, text: str) -> list[Found]:
    out = []
    for m in ctx.matcher.find(text):
        p = m.pattern
        if p.category == LEADER:
            leader = ctx.leaders.get(p.term)
            said = title_near(text, m.start, m.end, ctx.titles)
            if leader is None or said is None or title_fits(leader, said):
                continue
            out.append(
                Found(
                    source,
                    NAME,
                    NORMAL,
                    f"{said}{p.term}" if text[: m.start].endswith(said) else f"{p.term}{said}",
                    f"{p.term}现任{leader.title}" if leader.title else "",
                    _excerpt(text, m.start, m.end),
                    m.start,
                    m.end,
                )
            )
            continue
        out.append(
            Found(
                source,
                p.category,
                p.severity,
                p.term,
                p.suggestion,
                _excerpt(text, m.start, m.end),
                m.start,
                m.end,
            )
        )
    return out


def link_findings(
    ctx: Context, source: str, found_links: Iterable[Link], pending: list[str]
) -> list[Found]:
    out = []
    for link in found_links:
        url = link.url

        def found(severity: str, note: str, link: Link = link) -> Found:
            term = link.url[:2000]
            return Found(source, LINK, severity, term, note, link.text[:300], link.start, link.end)

        if link.hidden:
            out.append(found(SERIOUS, f"hidden:{link.hidden}"))
            continue
        if not url.lower().startswith(("http://", "https://")):
            continue  # mailto:, anchors: nothing to fetch
        result = ctx.link_results.get(url)
        if result is None:
            pending.append(url)
        elif result[0] == DEAD:
            out.append(found(SERIOUS, f"dead:{result[1]}"))
        elif result[0] == OFFSITE:
            out.append(found(NORMAL, f"offsite:{result[1]}"))
    return out


def attachment_findings(
    ctx: Context, files: Sequence[AttachedFile], pending: list[str]
) -> list[Found]:
    out: list[Found] = []
    for f in files:
        source = f"attachment:{f.filename}"[:300]
        if f.facts is None:
            continue
        if f.facts.problem is not None:
            # Reported and marked, not blocking: the office decides whether a file that
            # does not open holds up a publication (many offices attach scans, .wps…).
            out.append(Found(source, ATTACHMENT, NORMAL, f.filename, f.facts.problem))
            continue
        out.extend(match_text(ctx, source, f.facts.text))
        file_links = [
            Link(url, text, "" if text.strip() else "no_text") for url, text in f.facts.links
        ]
        out.extend(link_findings(ctx, source, file_links, pending))
    return out


def _guide_without_form(
    kind: str, texts: Iterable[str], files: Sequence[AttachedFile]
) -> Found | None:
    """A 办事指南 that names a 申请表 but carries no form (seed 003: 含有申请表的需上传表格)."""
    if kind != ItemKind.SERVICE_GUIDE:
        return None
    word = next((w for t in texts for w in FORM_WORDS if w in t), None)
    if word is None:
        return None
    if any(extension(f.filename) in FORM_EXTENSIONS or "表" in f.filename for f in files):
        return None
    return Found("attachment", ATTACHMENT, NORMAL, word, "no_form")


def check(
    ctx: Context,
    *,
    kind: str,
    title: str,
    body: str,
    fields: Mapping[str, Any],
    files: Sequence[AttachedFile],
) -> Result:
    """Every finding of one revision, in reading order: title, body, fields, files."""
    pending: list[str] = []
    found = match_text(ctx, "title", title)
    cut = segments(body)  # once: the text and the links come from the same cut
    body_text = "".join(seg.text for seg in cut)
    found += match_text(ctx, "body", body_text)
    found += link_findings(ctx, "body", links(body, cut), pending)
    field_texts = []
    for key, value in sorted((fields or {}).items()):
        if isinstance(value, str) and value:
            field_texts.append(value)
            found += match_text(ctx, f"field:{key}", value)
    found += attachment_findings(ctx, files, pending)
    guide = _guide_without_form(kind, [body_text, *field_texts], files)
    if guide is not None:
        found.append(guide)
    return Result(found, sorted(set(pending)))


def patterns_of(rows: Iterable[tuple[str, str, str, str, str]]) -> list[Pattern]:
    """(term, category, severity, suggestion, note) rows as matcher patterns."""
    return [Pattern(t, c, s, g or "", n or "") for t, c, s, g, n in rows]


def leader_patterns(leaders: Iterable[LeaderFact]) -> list[Pattern]:
    return [Pattern(leader.name, LEADER, HINT) for leader in leaders if len(leader.name) >= 2]
