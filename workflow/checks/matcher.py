"""The multi-pattern matcher: one Aho–Corasick automaton over every term of the word
lists and the official names, built once per list version and reused.

The automaton is ahocorasick-rs (Rust, with character offsets for str): pyahocorasick
was measured first and was only ~12× faster than a loop of str.find over a 10,000-entry
list of Chinese terms (its trie nodes search their children one by one, and a Chinese
list gives the root thousands), below the 20× asked; ahocorasick-rs is ~150× (see
bench/RESULTS.md, `bench.checks`).

Overlapping terms: every match is reported except one lying wholly inside a longer match
of the same text (a list holding both 中华人民共合国 and 共合国 reports the longer one
once); matches that only overlap partly are both reported, each with its position.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import ahocorasick_rs


@dataclass(frozen=True, slots=True)
class Pattern:
    """What a term means when found: its category, severity, the right form and a note."""

    term: str
    category: str
    severity: str
    suggestion: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int  # exclusive
    pattern: Pattern


class Matcher:
    """Finds every pattern in a text in one pass, whatever the number of patterns."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self._patterns: list[Pattern] = []
        seen: set[str] = set()
        for pattern in patterns:
            # The first list to name a term wins (lists are given in a fixed order).
            if pattern.term and pattern.term not in seen:
                seen.add(pattern.term)
                self._patterns.append(pattern)
        self.size = len(self._patterns)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                [p.term for p in self._patterns], matchkind=ahocorasick_rs.MatchKind.Standard
            )
            if self._patterns
            else None
        )

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        """Every occurrence (pattern index, start, end), overlapping ones included."""
        if self._automaton is None or not text:
            return []
        return self._automaton.find_matches_as_indexes(text, overlapping=True)

    def find(self, text: str) -> list[Match]:
        """Matches in text order, contained shorter matches dropped."""
        patterns = self._patterns
        found = [Match(start, end, patterns[i]) for i, start, end in self.occurrences(text)]
        if len(found) < 2:
            return found
        # Longest first at each start; drop a match lying inside one already kept.
        found.sort(key=lambda m: (m.start, -m.end))
        kept: list[Match] = []
        reach = -1
        for match in found:
            if match.end <= reach:
                continue  # wholly inside an earlier, longer (or equal-start) match
            kept.append(match)
            reach = max(reach, match.end)
        return kept


class MatcherCache:
    """Automata by key (the lists' ids and versions and the names' fingerprint): a list
    changed gets a new key, so a stale automaton is never used; a few are kept."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Matcher] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, patterns: Iterable[Pattern] | None = None) -> Matcher | None:
        with self._lock:
            matcher = self._items.get(key)
            if matcher is not None:
                self._items.move_to_end(key)
                return matcher
        if patterns is None:
            return None
        matcher = Matcher(patterns)
        with self._lock:
            self._items[key] = matcher
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return matcher

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = MatcherCache()
