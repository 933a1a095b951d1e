"""Splitting normalised 时限要求 text: numbered items (1. 2、 (3) ④ 一、), sentences
(。; ! ? and line breaks) and clauses (, : and parentheses).

A numbered item matters for scopes: its head ("2.信息公开年报，一年更新一次") names the
part of the column the item's rules apply to, across the item's sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# An item number at the start of the text or of a sentence: 1. 1、 1) (1) ① 一、 第一,
# never the first of a list of numbers (3、6、9、12月) or a decimal (1.5).
_ITEM_NUMBER = re.compile(
    r"(?:^|(?<=[。;!?\n]))"
    r"(?:\(\d{1,2}\)|\d{1,2}[.、)](?!\d)|[一二三四五六七八九十]{1,2}、|第[一二三四五六七八九十]{1,2}[,、])"
)
_SENTENCE_END = re.compile(r"[。;!?\n\r]+")
_SENTENCE_OR_NUMBER = re.compile(r"[。;!?\n\r]|^(?:\(\d|\d{1,2}[.、)]|[一二三四五六七八九十第])")
_CLAUSE_BREAK = re.compile(r"[,:()\[\]【】]")
_EDGE = "、.·-~\"“”‘’'《》 "


@dataclass
class Sentence:
    clauses: list[str]

    @property
    def text(self) -> str:
        return ",".join(self.clauses)


@dataclass
class Item:
    """A numbered item (numbered=True) or the text outside numbering."""

    numbered: bool
    sentences: list[Sentence] = field(default_factory=list)


def split(text: str) -> list[Item]:
    """Items → sentences → clauses, empty parts dropped."""
    if not _SENTENCE_OR_NUMBER.search(text):  # one sentence (most cells): no numbering
        clauses = [c.strip(_EDGE) for c in _CLAUSE_BREAK.split(text)]
        clauses = [c for c in clauses if c]
        return [Item(False, [Sentence(clauses)])] if clauses else []
    numbers = [(m.start(), m.end()) for m in _ITEM_NUMBER.finditer(text)]
    chunks = [(False, text[: numbers[0][0]] if numbers else text)]
    for i, (_, end) in enumerate(numbers):
        following = numbers[i + 1][0] if i + 1 < len(numbers) else len(text)
        chunks.append((True, text[end:following]))
    items: list[Item] = []
    for numbered, chunk in chunks:
        item = Item(numbered)
        for raw in _SENTENCE_END.split(chunk):
            clauses = [c.strip(_EDGE) for c in _CLAUSE_BREAK.split(raw)]
            clauses = [c for c in clauses if c]
            if clauses:
                item.sentences.append(Sentence(clauses))
        if item.sentences:
            items.append(item)
    return items
