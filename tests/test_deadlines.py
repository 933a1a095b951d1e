"""The 时限要求 parser against the contract's examples, further wordings, and any text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.deadlines import dedupe, key, parse, validate
from workflow.deadlines.__main__ import main
from workflow.deadlines.parser import cn_to_int, parse_strict

from .deadline_cases import MORE, SEED
from .deadline_cases_general import GENERAL
from .deadline_cases_issue import ISSUE
from .deadline_cases_kinds import KINDS
from .deadline_cases_kinds3 import KINDS3
from .deadline_cases_seeds import SEEDS


def keys(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(key(r) for r in rules)


@pytest.mark.parametrize(("text", "want"), SEED, ids=[t for t, _ in SEED])
def test_contract_examples(text: str, want: list[dict[str, Any]]) -> None:
    got = parse(text)
    assert keys(got) == keys(want)
    for rule in want:  # where the contract names a scope, it is found too
        if "scope" in rule:
            assert [r.get("scope") for r in got if key(r) == key(rule)] == [rule["scope"]]


@pytest.mark.parametrize(("text", "want"), MORE, ids=[t or "<empty>" for t, _ in MORE])
def test_further_wordings(text: str, want: list[dict[str, Any]]) -> None:
    assert keys(parse(text)) == keys(want)


def scoped(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((*key(r), r.get("scope") or "") for r in rules)


@pytest.mark.parametrize(("text", "want"), ISSUE, ids=[t for t, _ in ISSUE])
def test_failure_shapes_of_the_issue(text: str, want: list[dict[str, Any]]) -> None:
    """Each shape of failure seen on other districts' phrases, scopes included."""
    assert scoped(parse_strict(text)) == scoped(want)


@pytest.mark.parametrize(("text", "want"), SEEDS, ids=[t[:40] for t, _ in SEEDS])
def test_every_requirement_cell_of_the_seeds(text: str, want: list[dict[str, Any]]) -> None:
    """Every distinct 时限要求/报送要求/工作要求 cell of the seeds: rules and scopes."""
    assert scoped(parse_strict(text)) == scoped(want)


@pytest.mark.parametrize(("text", "want"), KINDS + KINDS3, ids=[t[:40] for t, _ in KINDS + KINDS3])
def test_kinds_of_wording_beyond_the_corpus(text: str, want: list[dict[str, Any]]) -> None:
    """Variants of each kind of wording the second development third (KINDS) and the
    third collection (KINDS3) showed, scopes included where the case names one."""
    got = parse_strict(text)
    if any("scope" in rule for rule in want):
        assert scoped(got) == scoped(want)
    else:
        assert keys(got) == keys(want)


def test_every_rule_is_valid_and_carries_its_source() -> None:
    for text, _ in SEED + MORE + GENERAL + ISSUE + SEEDS + KINDS + KINDS3:
        for rule in parse(text):
            assert validate(rule) == [], (text, rule)
            assert rule["source"]


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("一", 1),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("两", 2),
        ("六十", 60),
        ("九十九", 99),
        ("一百二十", 120),
    ],
)
def test_chinese_numerals(text: str, n: int) -> None:
    assert cn_to_int(text) == n


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_gives_valid_rules_and_json(text: str) -> None:
    rules = parse_strict(text)  # no safety net: an exception fails the test
    assert all(validate(r) == [] for r in rules)
    json.loads(json.dumps({"text": text, "rules": rules}, ensure_ascii=False))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "每",
                "月",
                "年",
                "周",
                "日",
                "前",
                "内",
                "个",
                "工作日",
                "至少",
                "更新",
                "发布",
                "一",
                "两",
                "十",
                "5",
                "12",
                "31",
                "，",
                "。",
                "；",
                "(",
                "）",
                "如有变动",
                "及时",
                "收到",
                "之日起",
                "2026年",
                "底",
                "次",
                "条",
                "同步",
                "半年",
                "季度",
            ]
        ),
        max_size=40,
    )
)
def test_clause_soup_never_breaks(parts: list[str]) -> None:
    for rule in parse_strict("".join(parts)):
        assert validate(rule) == []


@pytest.mark.parametrize(
    "text",
    [
        "1" * 20_000,
        "1个月内" * 3_000,
        "及时" + "将" * 20_000,
        "每" * 20_000,
        "的" * 20_000,
        "、" * 20_000,
        "(1)" * 7_000,
        "如有变动" * 5_000,
        "年" * 20_000,
    ],
    ids=lambda t: f"{t[:4]}x{len(t)}",
)
def test_regex_pathological_input_is_parsed(text: str) -> None:
    # How long it takes is measured by `python -m bench.parser_worst` (the old parser
    # took 14 s on the digits): a test only checks that it finishes with a list.
    assert isinstance(parse_strict(text), list)


def test_a_long_run_of_topic_clauses_does_not_recurse() -> None:
    got = parse_strict("动态信息，" * 3_900 + "每月更新")  # ~20 KB: thousands of topics
    assert scoped(got) == [("periodic", 1, "month", 1, None, False, "动态信息")]


def test_very_long_and_binary_looking_input() -> None:
    assert isinstance(parse_strict("每月更新一次，" * 15_000), list)  # ~100 KB
    assert parse_strict("\x00\x01\ufffd\ud7ff" * 1000) == []
    assert parse_strict("") == []


def test_command_line_one_phrase(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["每月月底前集中报送一次"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["text"] == "每月月底前集中报送一次"
    assert [key(r) for r in out["rules"]] == [
        key({"kind": "periodic", "every": 1, "unit": "month"})
    ]


def test_command_line_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phrases = [text for text, _ in SEED]
    source = tmp_path / "phrases.txt"
    source.write_text("\n".join(phrases) + "\n", encoding="utf-8")
    assert main(["--file", str(source)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["text"] for line in lines] == phrases
    # every row of the contract's examples table, as the command prints it
    assert [keys(json.loads(line)["rules"]) for line in lines] == [keys(w) for _, w in SEED]


@pytest.mark.parametrize("argv", [[], ["a", "--file", "x"], ["--file", "/nonexistent/f.txt"]])
def test_command_line_refuses_unreadable_input(argv: list[str]) -> None:
    assert main(argv) == 2


def test_module_prints_utf8_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workflow.deadlines", "在收到申请之日起15个工作日内予以答复"],
        capture_output=True,
        check=True,
    )
    assert "收到" in out.stdout.decode("utf-8")  # ensure_ascii=False
    assert json.loads(out.stdout)["rules"][0]["event"] == "received"


@pytest.mark.parametrize(("text", "want"), GENERAL, ids=[t for t, _ in GENERAL])
def test_common_short_wordings(text: str, want: list[dict[str, Any]]) -> None:
    got = parse_strict(text)
    assert keys(got) == keys(want)
    for rule in want:
        if "scope" in rule:
            assert [r.get("scope") for r in got if key(r) == key(rule)] == [rule["scope"]]


# Property checks: the grammar of frequency phrases, in any numeral form, with any of the
# suffixes and verbs tables use, gives the period's rule and nothing else.
_FREQUENCIES = [
    ("每周", (1, "week")),
    ("每星期", (1, "week")),
    ("每礼拜", (1, "week")),
    ("每月", (1, "month")),
    ("每个月", (1, "month")),
    ("每季度", (3, "month")),
    ("每季", (3, "month")),
    ("每半年", (6, "month")),
    ("每年", (1, "year")),
    ("每旬", (10, "day")),
    ("每半月", (15, "day")),
    ("每天", (1, "day")),
]
_SUFFIXES = ["", "前", "之前", "以前", "内", "以内", "之内", "结束后5个工作日内"]
_ACTIONS = ["", "更新", "至少更新一次", "集中报送一次", "发布", "定期更新"]
_DIGITS = {"1": "一", "2": "两", "3": "三", "5": "五", "10": "十", "20": "二十"}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_FREQUENCIES),
    st.sampled_from(_SUFFIXES),
    st.sampled_from(_ACTIONS),
    st.sampled_from(["", "动态信息类", "其他栏目"]),
)
def test_frequency_grammar(
    frequency: tuple[str, tuple[int, str]], suffix: str, action: str, scope: str
) -> None:
    word, (every, unit) = frequency
    got = parse_strict(scope + word + suffix + action)
    assert keys(got) == [key({"kind": "periodic", "every": every, "unit": unit})]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(_DIGITS)),
    st.sampled_from(
        [
            "每{}个月更新一次",
            "每{}周至少更新1条",
            "每月{}日前报送",
            "每月{}号前更新",
            "{}个工作日内答复",
            "每周至少更新{}条",
            "每年{}月底前",
        ]
    ),
    st.sampled_from(["digits", "hanzi", "full-width"]),
)
def test_numeral_forms_give_the_same_rules(number: str, template: str, form: str) -> None:
    written = {
        "digits": number,
        "hanzi": _DIGITS[number],
        "full-width": number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    }[form]
    assert keys(parse_strict(template.format(written))) == keys(
        parse_strict(template.format(number))
    )


# rules.py: rolling and scope in validation, sameness and dedupe.


def test_validate_accepts_rolling_and_scope_and_refuses_bad_ones() -> None:
    rolling = {"kind": "periodic", "every": 3, "unit": "month", "rolling": True}
    assert validate(rolling) == []
    assert validate({**rolling, "scope": "动态信息类"}) == []
    assert validate({"kind": "prompt", "scope": "重要信息"}) == []
    assert validate({**rolling, "rolling": "yes"}) != []
    assert validate({"kind": "after_event", "within": 5, "unit": "day", "rolling": True}) != []
    assert validate({"kind": "prompt", "scope": ""}) != []
    assert validate({"kind": "prompt", "scope": "  "}) != []
    assert validate({"kind": "prompt", "scope": "类" * 101}) != []
    assert validate({"kind": "prompt", "scope": 3}) != []


@pytest.mark.parametrize(
    ("every", "unit", "calendar"),
    [
        (1, "week", True),
        (7, "day", True),
        (1, "month", True),
        (2, "month", True),
        (3, "month", True),
        (4, "month", True),
        (6, "month", True),
        (12, "month", True),
        (1, "year", True),
        (2, "week", False),
        (50, "day", False),
        (5, "month", False),
        (2, "year", False),
        (1, "day", False),
    ],
)
def test_rollingness_is_part_of_a_periodic_rules_identity(
    every: int, unit: str, calendar: bool
) -> None:
    plain = {"kind": "periodic", "every": every, "unit": unit}
    flagged = {**plain, "rolling": True}
    # a calendar-able period is rolling only with the flag; any other always is
    assert (key(plain) != key(flagged)) is calendar
    assert key({**plain, "rolling": False}) == key(plain)
    assert key({**flagged, "scope": "其他类", "source": "…"}) == key(flagged)


def test_a_week_is_seven_days_and_a_year_twelve_months_rolling_or_not() -> None:
    week = {"kind": "periodic", "every": 1, "unit": "week", "rolling": True}
    assert key(week) == key({"kind": "periodic", "every": 7, "unit": "day", "rolling": True})
    year = {"kind": "periodic", "every": 1, "unit": "year"}
    assert key(year) == key({"kind": "periodic", "every": 12, "unit": "month"})


def test_dedupe_keeps_rules_that_differ_only_by_scope_and_drops_repeats() -> None:
    a = {"kind": "periodic", "every": 5, "unit": "month", "scope": "政策法规", "source": "x"}
    b = {**a, "scope": "计划总结", "source": "y"}
    again = {**a, "source": "z"}
    unscoped = {"kind": "periodic", "every": 5, "unit": "month"}
    assert dedupe([a, b, again, unscoped, dict(unscoped)]) == [a, b, unscoped]


def test_parse_results_are_copies() -> None:
    first = parse("每月更新")
    first[0]["every"] = 99
    assert parse("每月更新")[0]["every"] == 1
