"""Item bodies: rich text (a small HTML subset) cleaned with nh3. The format is never
guessed from the content: only well-formed tags of real HTML elements are markup; every
other "<" is text (家庭年收入<M元, a<b). Text outside block elements — typed plain text,
or text added below a saved body — becomes paragraphs (blank line) and line breaks, so
the form works without a JavaScript editor."""

from __future__ import annotations

import html
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
# Element names that count as markup (removed or kept by nh3); any other "<" is text.
ELEMENTS = TAGS | {
    "html", "head", "body", "title", "meta", "link", "base", "script", "style", "noscript",
    "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
    "select", "option", "textarea", "label", "img", "svg", "math", "video", "audio",
    "source", "canvas", "template", "h1", "h5", "h6", "pre", "code", "tfoot", "caption",
    "colgroup", "col", "dl", "dt", "dd", "font", "center", "strike", "small", "big", "mark",
    "abbr", "cite", "q", "del", "ins", "section", "article", "header", "footer", "nav",
    "aside", "main", "figure", "figcaption", "xml",
}  # fmt: skip
BLOCKS = frozenset(
    {
        "p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "pre", "dl", "dt",
        "dd", "section", "article", "header", "footer", "nav", "aside", "main", "figure",
        "hr", "html", "body", "head",
    }
)  # fmt: skip
VOID = frozenset({"br", "hr", "img", "meta", "link", "base", "input", "col", "source", "embed"})
OPAQUE = frozenset({"script", "style"})  # removed with their content
_ATTR = r"""(?:\s+[a-zA-Z_:][-\w:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*"""
_MARKUP = re.compile(
    r"<!--.*?-->|<![a-zA-Z\[][^<>]*>"
    rf"|<(/?)([a-zA-Z][a-zA-Z0-9]*(?::[a-zA-Z][-\w]*)?){_ATTR}\s*/?>",
    re.DOTALL,
)


class BodyRefused(ValueError):
    """Cleaning would remove text, not only markup: the body is not saved."""

    def __init__(self, lost: str) -> None:
        super().__init__(lost)
        self.lost = lost


def _is_markup(match: re.Match[str]) -> bool:
    name = match.group(2)
    return name is None or name.lower() in ELEMENTS or ":" in name  # Word's <o:p>


def _paragraphs(loose: str) -> str:
    """Text typed outside block elements: blank lines part paragraphs, newlines break."""
    out = []
    for para in re.split(r"\n[ \t\u3000]*\n", loose):
        lines = [line.strip() for line in para.split("\n")]
        text = "<br>".join(line for line in lines if line)
        if text:
            out.append(f"<p>{text}</p>")
    return "".join(out)


def _structure(raw: str) -> tuple[str, str]:
    """(HTML with loose text in paragraphs and stray "<" escaped, the text it shows)."""
    out: list[str] = []
    loose: list[str] = []
    shown: list[str] = []
    depth = 0  # open block elements
    opaque: str | None = None
    pos = 0

    def text(chunk: str) -> None:
        escaped = str(escape(html.unescape(chunk))) if "<" in chunk or ">" in chunk else chunk
        if opaque is None:
            shown.append(chunk)
        (loose if depth == 0 and opaque is None else out).append(escaped)

    def flush() -> None:
        if loose:
            out.append(_paragraphs("".join(loose)))
            loose.clear()

    for match in _MARKUP.finditer(raw):
        if not _is_markup(match):
            continue
        text(raw[pos : match.start()])
        pos = match.end()
        tag = match.group(0)
        name = (match.group(2) or "").lower()
        closing = match.group(1) == "/"
        if opaque is not None:
            if closing and name == opaque:
                opaque = None
            out.append(tag)
            continue
        if name in OPAQUE and not closing:
            flush()
            opaque = name
            out.append(tag)
        elif name in BLOCKS:
            if depth == 0:
                flush()
            out.append(tag)
            if name not in VOID and not tag.endswith("/>"):
                depth = max(0, depth - 1) if closing else depth + 1
        else:
            (loose if depth == 0 else out).append(tag)
    text(raw[pos:])
    flush()
    return "".join(out), "".join(shown)


def _visible(markup: str) -> str:
    """The text of some HTML without any whitespace, for comparing before and after."""
    stripped = nh3.clean(markup, tags=set())
    return "".join(html.unescape(stripped).split())


def clean_body(raw: str, strict: bool = False) -> str:
    """Safe HTML for an item body. Scripts, styles, event handlers and javascript: links
    are removed with their content. With `strict` (a save), raises BodyRefused when
    cleaning would drop any text beyond markup, so nothing typed is lost silently."""
    raw = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not raw:
        return ""
    structured, shown = _structure(raw)
    cleaned = nh3.clean(
        structured,
        tags=set(TAGS),
        # "*": no attribute on every element (nh3 would keep lang and title anywhere).
        attributes={"*": set(), **{k: set(v) for k, v in ATTRIBUTES.items()}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()
    if strict:
        before = "".join(html.unescape(shown).split())
        after = _visible(cleaned)
        if before != after:
            pairs = enumerate(zip(before, after, strict=False))
            at = next((i for i, (x, y) in pairs if x != y), len(after))
            raise BodyRefused(before[at : at + 20])
    return cleaned


def render_body(html_body: str) -> Markup:
    """Cleaned again at display: bodies written by other paths are safe too."""
    return Markup(clean_body(html_body))


def body_text_lines(html_body: str) -> list[str]:
    """The body as lines of text, for the revision diff."""
    text = re.sub(r"(?i)<br\s*/?>|</(p|li|h[2-4]|tr|div|blockquote)>", "\n", html_body or "")
    text = nh3.clean(text, tags=set())
    text = (
        text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    return [line.strip() for line in text.splitlines() if line.strip()]
