"""Item bodies: rich text (a small HTML subset) cleaned with nh3; plain text becomes
paragraphs, so the form works without a JavaScript editor."""

from __future__ import annotations

import re

import nh3
from markupsafe import Markup, escape

TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
        "h2", "h3", "h4", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a",
        "span", "div", "hr",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_TAG = re.compile(r"<[a-zA-Z/!]")


def clean_body(raw: str) -> str:
    """Safe HTML for an item body. Scripts, styles, event handlers and javascript: links
    are removed with their content; plain text is split into paragraphs."""
    raw = (raw or "").replace("\r\n", "\n").strip()
    if not raw:
        return ""
    if not _TAG.search(raw):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
        raw = "".join(
            f"<p>{'<br>'.join(str(escape(line)) for line in p.splitlines())}</p>"
            for p in paragraphs
        )
    return nh3.clean(
        raw,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def render_body(html: str) -> Markup:
    """Cleaned again at display: bodies written by other paths are safe too."""
    return Markup(clean_body(html))


def body_text_lines(html: str) -> list[str]:
    """The body as lines of text, for the revision diff."""
    text = re.sub(r"(?i)<br\s*/?>|</(p|li|h[2-4]|tr|div|blockquote)>", "\n", html or "")
    text = nh3.clean(text, tags=set())
    text = (
        text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    return [line.strip() for line in text.splitlines() if line.strip()]
