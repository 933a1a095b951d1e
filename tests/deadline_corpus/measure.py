"""Measure the parser on corpus files:
`python -m tests.deadline_corpus.measure [--from KIND] [FILE…]`
(default: dev.jsonl beside this module). `--from table` measures only the entries marked
`"from": "table"` (table cells; dev4.jsonl marks them).

Per file: how many phrases are exact, abstained and wrong, with percentages, and the
scope agreement, as docs/deadline-corpus.md defines them:
- exact: the parser's rules equal the label as a multiset under rules.key (everything
  but scope and source; a week is 7 days, a year 12 months; rollingness counts);
- abstain: the parser gives [] and the label does not;
- wrong: everything else (a rule too many or missing, a field different, any rule for a
  phrase labelled []);
- scope agreement: of the exact phrases whose label carries scopes, those whose rules
  carry the same scopes (as a multiset of rule and scope).
Then the wrong and the abstained phrases, one per line.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.deadlines import key, parse

HERE = Path(__file__).parent
DEFAULT = HERE / "dev.jsonl"

Rule = dict[str, Any]


@dataclass
class Outcome:
    id: str
    text: str
    want: list[Rule]
    got: list[Rule]
    verdict: str  # exact | abstain | wrong
    scopes_agree: bool | None = None  # None: the label carries no scope (or not exact)


@dataclass
class Report:
    path: Path
    outcomes: list[Outcome] = field(default_factory=list)
    subset: str | None = None  # only the entries whose "from" is this

    def count(self, verdict: str) -> int:
        return sum(o.verdict == verdict for o in self.outcomes)

    @property
    def scoped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.scopes_agree is not None]


def _keys(rules: list[Rule]) -> Counter[tuple[Any, ...]]:
    return Counter(key(r) for r in rules)


def _scoped(rules: list[Rule]) -> Counter[tuple[Any, ...]]:
    return Counter((*key(r), r.get("scope") or None) for r in rules)


def judge(entry: dict[str, Any]) -> Outcome:
    want: list[Rule] = entry["rules"]
    got = parse(entry["text"])
    if _keys(got) == _keys(want):
        verdict = "exact"
    elif not got:
        verdict = "abstain"
    else:
        verdict = "wrong"
    agree = None
    if verdict == "exact" and any(r.get("scope") for r in want):
        agree = _scoped(got) == _scoped(want)
    return Outcome(str(entry.get("id", "")), entry["text"], want, got, verdict, agree)


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def measure(path: Path, only: str | None = None) -> Report:
    entries = [e for e in load(path) if only is None or e.get("from") == only]
    return Report(path, [judge(entry) for entry in entries], only)


def _brief(rules: list[Rule]) -> str:
    return json.dumps([{k: v for k, v in r.items() if k != "source"} for r in rules],
                      ensure_ascii=False)  # fmt: skip


def render(report: Report) -> str:
    n = len(report.outcomes) or 1
    subset = f" (from {report.subset})" if report.subset else ""
    lines = [f"{report.path.name}{subset}: {len(report.outcomes)} phrases"]
    for verdict in ("exact", "abstain", "wrong"):
        k = report.count(verdict)
        lines.append(f"  {verdict:8} {k:4}  {100 * k / n:5.1f}%")
    scoped = report.scoped
    agree = sum(bool(o.scopes_agree) for o in scoped)
    share = f"{100 * agree / len(scoped):5.1f}%" if scoped else "    -"
    lines.append(f"  scopes   {agree:4} of {len(scoped)} exact phrases with scopes  {share}")
    for verdict in ("wrong", "abstain"):
        for o in report.outcomes:
            if o.verdict == verdict:
                lines.append(f"  {verdict.upper()} {o.id} {o.text!r}")
                lines.append(f"      want {_brief(o.want)}")
                lines.append(f"      got  {_brief(o.got)}")
    for o in scoped:
        if not o.scopes_agree:
            lines.append(f"  SCOPE {o.id} {o.text!r}")
            lines.append(f"      want {_brief(o.want)}")
            lines.append(f"      got  {_brief(o.got)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    only = None
    if "--from" in args:
        at = args.index("--from")
        only = args[at + 1]
        del args[at : at + 2]
    paths = [Path(a) for a in args] or [DEFAULT]
    for path in paths:
        print(render(measure(path, only)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
