"""The parser on real phrases from other governments' documents (docs/deadline-corpus.md):
no wrong rule and at least 95% exact on every development file: dev.jsonl, dev2.jsonl
(the first held-out third) and dev3.jsonl (the second, fresh collection), each measured
once while held out and then joined to development. No held-out file remains
(`python -m tests.deadline_corpus.measure FILE…` lists every phrase not exact)."""

from __future__ import annotations

import pytest

from .deadline_corpus.measure import HERE, judge, load

# Phrases whose label we read differently under the guide (listed in the report that
# introduced this test); at most 2, each with why.
KNOWN_DISAGREEMENTS: dict[str, str] = {}

DEVELOPMENT = ("dev.jsonl", "dev2.jsonl", "dev3.jsonl")


@pytest.mark.parametrize("name", DEVELOPMENT)
def test_no_wrong_rule_and_95_percent_exact(name: str) -> None:
    outcomes = [judge(entry) for entry in load(HERE / name)]
    wrong = [o for o in outcomes if o.verdict == "wrong" and o.id not in KNOWN_DISAGREEMENTS]
    assert [(o.id, o.text, o.got) for o in wrong] == []
    exact = sum(o.verdict == "exact" for o in outcomes)
    assert exact >= 0.95 * len(outcomes), f"{exact} of {len(outcomes)} exact"


def test_known_disagreements_stay_few() -> None:
    assert len(KNOWN_DISAGREEMENTS) <= 2
