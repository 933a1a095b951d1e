"""Rule scopes and the parts of a column they make (docs/deadlines.md, "Parts of a
column"): two or more distinct scopes are parts of the column, each judged on its own
items; a single scope names the kind of the column itself and judges it whole."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def scope_of(rule: Mapping[str, Any]) -> str | None:
    """A rule's scope as parts are named: trimmed, None when empty."""
    scope = rule.get("scope")
    if isinstance(scope, str) and scope.strip():
        return scope.strip()
    return None


def scopes_of(rules: Iterable[Mapping[str, Any]]) -> list[str]:
    """The distinct scopes the rules name, in order."""
    out: dict[str, None] = {}
    for rule in rules:
        scope = scope_of(rule)
        if scope is not None:
            out.setdefault(scope, None)
    return list(out)


def part_scopes(rules: Iterable[Mapping[str, Any]]) -> list[str]:
    """The scopes that make parts of a column: two or more distinct ones."""
    scopes = scopes_of(rules)
    return scopes if len(scopes) >= 2 else []
