"""Splitting normalised 时限要求 text: numbered items (1. 2、 (3) ④ 一、), sentences
(。; ! ? and line breaks) and clauses (, : and parentheses).

A numbered item matters for scopes: its head ("2.信息公开年报，一年更新一次") names the
part of the column the item's rules apply to, across the item's sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# An item number at the start of the text or of a sentence: 1. 1、 1) (1) (一) ① 一、
# 第一, 第十二条, never the first of a list of numbers (3、6、9、12月) or a decimal (1.5).
_NUMBER = (
    r"(?:\(\d{1,2}\)|\([一二三四五六七八九十]{1,3}\)|\d{1,2}[.、)](?!\d)|[一二三四五六七八九十]{1,3}、"
    r"|第[一二三四五六七八九十]{1,3}[,、]|第\d{1,3}条)"
)
_ITEM_NUMBER = re.compile(rf"(?:^|(?<=[。;!?\n:]))(?:{_NUMBER})")
# A line break inside a sentence is a wrap (更\n新, 10个工作日\n内); before a number it
# starts an item.
_WRAP = re.compile(rf"\r?\n(?!{_NUMBER})")
_SENTENCE_END = re.compile(r"[。;!?\n\r]+")
# (Two patterns: a character class alone is searched fast, an alternation with ^ is tried
# at every position.)
_SENTENCE_MARK = re.compile(r"[。;!?\n\r]")
_LEADING_NUMBER = re.compile(r"\(|\d{1,2}[.、)]|[一二三四五六七八九十第]")
_CLAUSE_BREAK = re.compile(r"[,:()\[\]【】]")
# An item's title: "3.及时更新:根据…" (the words before its colon are a heading).
_TITLE = re.compile(r"^[^,:;。]{1,12}:")
_EDGE = "、.·-~ "


@dataclass
class Sentence:
    clauses: list[str]
    titled: bool = False  # the first clause is the item's title

    @property
    def text(self) -> str:
        return ",".join(self.clauses)


@dataclass
class Item:
    """A numbered item (numbered=True) or the text outside numbering."""

    numbered: bool
    sentences: list[Sentence] = field(default_factory=list)


# A short aside with no time in it is dropped, not a clause break: "表格(附后)报至…".
_ASIDE = re.compile(r"\(([^()\d]{1,8})\)(?=[\u4e00-\u9fff])")
_TIME_WORD = re.compile(r"[每年月周季天日旬内前]")


def _clauses(text: str) -> list[str]:
    if "(" in text:
        text = _ASIDE.sub(lambda m: m.group() if _TIME_WORD.search(m.group(1)) else "", text)
    clauses = [c.strip(_EDGE) for c in _CLAUSE_BREAK.split(text)]
    return [c for c in clauses if c]


def split(text: str) -> list[Item]:
    """Items → sentences → clauses, empty parts dropped."""
    if not _SENTENCE_MARK.search(text) and not _LEADING_NUMBER.match(text):  # most cells
        clauses = _clauses(text)
        return [Item(False, [Sentence(clauses)])] if clauses else []
    if "\n" in text:
        text = _WRAP.sub("", text)
    numbers = [(m.start(), m.end()) for m in _ITEM_NUMBER.finditer(text)]
    chunks = [(False, text[: numbers[0][0]] if numbers else text)]
    for i, (_, end) in enumerate(numbers):
        following = numbers[i + 1][0] if i + 1 < len(numbers) else len(text)
        chunks.append((True, text[end:following]))
    items: list[Item] = []
    for numbered, chunk in chunks:
        item = Item(numbered)
        for raw in _SENTENCE_END.split(chunk):
            clauses = _clauses(raw)
            if clauses:
                titled = numbered and not item.sentences and bool(_TITLE.match(raw.lstrip(_EDGE)))
                item.sentences.append(Sentence(clauses, titled))
        if item.sentences:
            items.append(item)
    return items
