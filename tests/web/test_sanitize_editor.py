"""What the body cleaner (web/sanitize.py) keeps of the editor's and Word's HTML: tables,
headings, lists, marks and links survive; styles, classes, pictures, scripts, frames,
event handlers and unsafe links do not, and no text is lost on the way."""

from __future__ import annotations

import pytest

from web.sanitize import BodyRefused, clean_body

# What the Tiptap editor (web/static/editor.js) hands over: its own HTML, as getHTML().
EDITOR = (
    "<h2>关于寒假安全的通知</h2><p><strong>各中小学：</strong>请<em>务必</em>"
    '<a href="https://jyj.example.gov.cn/a">阅读全文</a>。</p>'
    "<ul><li><p>防火</p></li><li><p>防溺水</p><ol><li><p>江河</p></li></ol></li></ul>"
    '<table><tbody><tr><th><p>学段</p></th><th colspan="2"><p>时间</p></th></tr>'
    '<tr><td rowspan="2"><p>小学</p></td><td><p>1月20日</p></td><td><p>2月25日</p></td></tr>'
    "</tbody></table><h3>二、要求</h3><h4>（一）</h4><blockquote><p>引文</p></blockquote>"
)


def test_the_editors_structure_survives_unchanged() -> None:
    cleaned = clean_body(EDITOR, strict=True)
    for kept in (
        "<h2>关于寒假安全的通知</h2>",
        "<strong>各中小学：</strong>",
        "<em>务必</em>",
        '<a href="https://jyj.example.gov.cn/a" rel="noopener noreferrer">阅读全文</a>',
        "<ul><li><p>防火</p></li>",
        "<ol><li><p>江河</p></li></ol>",
        '<th colspan="2"><p>时间</p></th>',
        '<td rowspan="2"><p>小学</p></td>',
        "<table><tbody>",
        "<h3>二、要求</h3>",
        "<h4>（一）</h4>",
        "<blockquote><p>引文</p></blockquote>",
    ):
        assert kept in cleaned, (kept, cleaned)


@pytest.mark.parametrize(
    ("raw", "gone", "text"),
    [
        ('<p class="MsoNormal" style="text-indent:21pt">正文</p>', ("class", "style"), "正文"),
        (
            '<table style="min-width:50px"><colgroup><col style="min-width:25px"></colgroup>'
            "<tbody><tr><td><p>格</p></td></tr></tbody></table>",
            ("style", "colgroup", "<col"),
            "格",
        ),
        (
            '<td colwidth="120" align="center" data-x="1"><p>格</p></td>',
            ("colwidth", "align", "data-"),
            "格",
        ),
        ('<p>图<img src="data:image/png;base64,AAAA" alt="">后</p>', ("<img", "data:"), "图后"),
        ('<p><a href="javascript:alert(1)">链</a></p>', ("javascript",), "链"),
        ('<p><a href="data:text/html,x" target="_blank">链</a></p>', ("data:", "target"), "链"),
        ('<p onclick="alert(1)">点</p>', ("onclick",), "点"),
        ('<p>前</p><iframe src="https://x"></iframe><p>后</p>', ("iframe",), "前后"),
        ("<h1>大标题</h1>", ("<h1",), "大标题"),
        (
            '<p><span lang="EN-US" style="font-family:Symbol">·</span>项</p>',
            ("<span lang", "font-family"),
            "·项",
        ),
        ("<p>甲<o:p></o:p></p>", ("o:p",), "甲"),
    ],
)
def test_everything_else_goes_and_the_text_stays(
    raw: str, gone: tuple[str, ...], text: str
) -> None:
    cleaned = clean_body(raw, strict=True)
    for word in gone:
        assert word not in cleaned, (word, cleaned)
    assert "".join(c for c in cleaned if "\u4e00" <= c <= "\u9fff" or c == "·") == text


def test_scripts_and_styles_go_with_their_content() -> None:
    cleaned = clean_body("<p>文</p><script>alert(1)</script><style>p{color:red}</style>")
    assert cleaned == "<p>文</p>"


def test_a_strict_save_refuses_to_lose_text() -> None:
    # Text inside an element the cleaner removes with its content is refused on save.
    with pytest.raises(BodyRefused):
        clean_body("<p>前</p><template>会丢的字</template>", strict=True)
