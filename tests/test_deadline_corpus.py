"""The parser on real phrases from other governments' documents (docs/deadline-corpus.md):
no wrong rule and at least 95% exact on the development third. The held-out third is
never read here: it measures generalisation (`python -m tests.deadline_corpus.measure`)."""

from __future__ import annotations

from .deadline_corpus.measure import DEFAULT, judge, load

# Phrases whose label we read differently under the guide (listed in the report that
# introduced this test); at most 3, each with why.
KNOWN_DISAGREEMENTS: dict[str, str] = {}

ENTRIES = load(DEFAULT)


def test_no_wrong_rule_and_95_percent_exact_on_dev() -> None:
    outcomes = [judge(entry) for entry in ENTRIES]
    wrong = [o for o in outcomes if o.verdict == "wrong" and o.id not in KNOWN_DISAGREEMENTS]
    assert [(o.id, o.text, o.got) for o in wrong] == []
    exact = sum(o.verdict == "exact" for o in outcomes)
    assert exact >= 0.95 * len(outcomes), f"{exact} of {len(outcomes)} exact"


def test_known_disagreements_stay_few() -> None:
    assert len(KNOWN_DISAGREEMENTS) <= 3
