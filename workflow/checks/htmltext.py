"""An item body's text with offsets, and its links.

`segments` cuts (already cleaned) HTML into tags and text; the text of the body is the
text segments unescaped, one "\\n" standing for every block boundary so that no match
spans two paragraphs. The checks find terms at offsets of that text; the item page cuts
the same HTML with the same function and wraps those offsets in <mark> inside the text
segments only — so marking never touches a tag and every piece of text is escaped again.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Final

_TAG: Final = re.compile(r"<!--.*?-->|<[^<>]*>", re.DOTALL)
_NAME: Final = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")
_ATTR: Final = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
BREAKS: Final = frozenset(
    {
        "p", "br", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3",
        "h4", "h5", "h6", "blockquote", "hr", "section", "article", "dd", "dt",
    }
)  # fmt: skip
# What leaves no visible trace: whitespace, zero-width characters, the BOM.
_INVISIBLE: Final = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00a0\u3000]+")


@dataclass(frozen=True, slots=True)
class Segment:
    raw: str  # as in the HTML
    text: str  # what it adds to the text ("" for most tags, "\n" for a block boundary)
    start: int  # offset of `text` in the whole text
    is_tag: bool


def segments(markup: str) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    offset = 0

    def add(raw: str, text: str, is_tag: bool) -> None:
        nonlocal offset
        out.append(Segment(raw, text, offset, is_tag))
        offset += len(text)

    for match in _TAG.finditer(markup or ""):
        if match.start() > pos:
            raw = markup[pos : match.start()]
            add(raw, html.unescape(raw), False)
        tag = match.group(0)
        name = _NAME.match(tag)
        breaks = name is not None and name.group(2).lower() in BREAKS
        add(tag, "\n" if breaks else "", True)
        pos = match.end()
    if pos < len(markup or ""):
        raw = markup[pos:]
        add(raw, html.unescape(raw), False)
    return out


def text_of(markup: str) -> str:
    return "".join(s.text for s in segments(markup))


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str  # the visible text of the anchor
    hidden: str = ""  # why it cannot be seen: "no_text" | "blank_image" | "invisible"
    # where the anchor's text lies in the text of the HTML (text_of), for the marks
    start: int | None = None
    end: int | None = None


def _attrs(tag: str) -> dict[str, str]:
    return {
        k.lower(): html.unescape(v.strip("\"'")) for k, v in _ATTR.findall(tag[1:].rstrip("/>"))
    }


def _blank_image(attrs: dict[str, str]) -> bool:
    """An image nobody sees: no source, or drawn at most 1×1 pixel."""
    src = attrs.get("src", "").strip()
    if not src:
        return True
    sizes = [attrs.get("width", ""), attrs.get("height", "")]
    tiny = [s.strip().rstrip("px").isdigit() and int(s.strip().rstrip("px")) <= 1 for s in sizes]
    return any(tiny)


def _invisible_style(attrs: dict[str, str]) -> bool:
    style = attrs.get("style", "").replace(" ", "").lower()
    return any(
        rule in style for rule in ("display:none", "visibility:hidden", "font-size:0", "opacity:0")
    )


def links(markup: str, cut: list[Segment] | None = None) -> list[Link]:
    """The <a href> of some HTML with their visible text and, for a hidden link (暗链),
    why it is hidden. `cut`: the HTML's segments, when the caller has them already."""
    found: list[Link] = []
    current: dict[str, str] | None = None
    text: list[str] = []
    images: list[bool] = []
    at = 0  # where the open anchor's text starts
    offset = 0
    for seg in segments(markup) if cut is None else cut:
        offset = seg.start + len(seg.text)
        if not seg.is_tag:
            if current is not None:
                text.append(seg.text)
            continue
        name = _NAME.match(seg.raw)
        if name is None:
            continue
        closing, tag = name.group(1) == "/", name.group(2).lower()
        if tag == "a" and not closing:
            current, text, images, at = _attrs(seg.raw), [], [], offset
        elif tag == "img" and current is not None:
            images.append(_blank_image(_attrs(seg.raw)))
        elif tag == "a" and closing and current is not None:
            found.append(_link(current, "".join(text), images, at))
            current = None
    if current is not None:
        found.append(_link(current, "".join(text), images, at))
    return [link for link in found if link.url]


def _link(attrs: dict[str, str], text: str, images: list[bool], at: int) -> Link:
    url = attrs.get("href", "").strip()
    visible = _INVISIBLE.sub("", text)
    hidden = ""
    if _invisible_style(attrs):
        hidden = "invisible"
    elif not visible and images and all(images):
        hidden = "blank_image"
    elif not visible and not images:
        hidden = "no_text"
    lead = len(text) - len(text.lstrip())
    shown = text.strip()
    span = (at + lead, at + lead + len(shown)) if shown else (None, None)
    return Link(url, shown, hidden, *span)
