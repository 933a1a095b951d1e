"""Official names checked against sanshen's own data: a leader named with a title that is
not (any longer) theirs, from the leaders table (`Leader.title`), and a unit named by a
name it no longer has (an inactive unit; renames the office records as list entries of
the 名称职务 category are matched like any term).

A leader's name found in the text is looked at with the few characters around it: the
longest title word right before it (区长张三) or right after it (张三副区长) must be one
of the parts of the current title (区委常委、常务副区长 has two), or a shorter form of
one that does not drop a 副 (副区长 for 常务副区长, never 区长 for 副区长).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

# Titles a text may put next to a leader's name (besides every title in the table).
COMMON_TITLES: Final = (
    "区委书记", "区委副书记", "区长", "副区长", "常务副区长", "区委常委",
    "区人大常委会主任", "区人大常委会副主任", "区政协主席", "区政协副主席",
    "县委书记", "县长", "副县长", "市长", "副市长", "书记", "副书记", "主任", "副主任",
    "局长", "副局长", "部长", "副部长", "主席", "副主席", "镇长", "副镇长", "街道办事处主任",
)  # fmt: skip
_PARTS: Final = re.compile(r"[、，,；;/\s]+")
WINDOW: Final = 12


@dataclass(frozen=True, slots=True)
class LeaderFact:
    name: str
    title: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p in _PARTS.split(self.title) if p)


def known_titles(leaders: Iterable[LeaderFact]) -> tuple[str, ...]:
    """Every title word, longest first (the longest that fits wins)."""
    words = set(COMMON_TITLES)
    for leader in leaders:
        words.update(leader.parts)
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def title_fits(leader: LeaderFact, said: str) -> bool:
    for part in leader.parts:
        if part == said:
            return True
        if part.endswith(said) and part[-len(said) - 1] != "副":
            return True
    return False


def title_near(text: str, start: int, end: int, titles: tuple[str, ...]) -> str | None:
    """The title word right before text[start:end] or right after it, if any."""
    before = text[max(0, start - WINDOW) : start]
    after = text[end : end + WINDOW]
    for word in titles:
        if before.endswith(word) or after.startswith(word):
            return word
    return None
