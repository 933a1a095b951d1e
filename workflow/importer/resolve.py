"""Unit names as a table writes them → one unit each.

In order: the database's names and aliases (also the same name with or without the
table's level prefix: 财政局 is 区财政局 in a district's table, 市财政局 in a city's);
the government office under any of its names (区政府办, 区人民政府办公室, 政府办…) is THE
office unit (Unit.is_office), created once if the database has none; a new name that
looks like a short or long form (or a 委↔局 rename) of a unit already there, or of
another new name of the file, is a *proposal*: taken by default (one unit, the other
name its alias), refused by the office with `keep_separate`. Everything else is a new
unit, once, under its prefixed spelling when the file uses one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import UnitKind
from workflow.importer.units import (
    guess_kind,
    home_level,
    is_office_name,
    name_key,
    near_keys,
)
from workflow.importer.units import split_level as _split
from workflow.models import Unit, UnitAlias

_OFFICE_KEY = ("office", "")
REASONS = {"简称": "简称与全称", "更名": "委、局更名", "写法不同": "写法不同"}


@dataclass
class Proposal:
    """`name` (and its other spellings in the file) may be `unit`."""

    name: str
    spellings: list[str]
    unit: str
    existing: bool  # `unit` is already in the database (else: new from this file)
    reason: str
    taken: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spellings": self.spellings,
            "unit": self.unit,
            "existing": self.existing,
            "reason": REASONS.get(self.reason, self.reason),
            "taken": self.taken,
        }


@dataclass
class _Target:
    key: tuple[str, str]  # (stem, ending class), see units.name_key
    unit: str  # the unit's (canonical) name
    existing: bool


class _Targets:
    """Names to compare a new name with, found by what a match must share: the level,
    and the stem's first character and the ending (简称, 写法不同) or the whole stem (更名)."""

    def __init__(self) -> None:
        self.by_start: dict[tuple[str, str, str], list[_Target]] = {}
        self.by_stem: dict[tuple[str, str], list[_Target]] = {}

    def add(self, level: str, bare: str, unit: str, existing: bool) -> None:
        key = name_key(bare)
        if key is None:
            return
        target = _Target(key, unit, existing)
        stem, end = key
        self.by_start.setdefault((level, stem[:1], end), []).append(target)
        self.by_stem.setdefault((level, stem), []).append(target)

    def near(self, level: str, bare: str) -> dict[str, tuple[bool, str]]:
        """unit → (existing, why) for each unit `bare` looks like."""
        key = name_key(bare)
        if key is None:
            return {}
        stem, end = key
        found: dict[str, tuple[bool, str]] = {}
        for bucket in (
            self.by_start.get((level, stem[:1], end), ()),
            self.by_stem.get((level, stem), ()),
        ):
            for target in bucket:
                why = near_keys(key, target.key)
                if why is not None:
                    found.setdefault(target.unit, (target.existing, why))
        return found


@dataclass
class UnitResolver:
    session: Session
    raw_names: list[str]
    keep_separate: Collection[str] = ()
    # New names the office mapped on the preview to a unit already in the database (name
    # as the preview shows it → that unit's name): recorded as the unit's aliases.
    map_units: dict[str, str] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    new: dict[str, dict[str, Any]] = field(default_factory=dict)  # canonical → spec
    resolved: dict[str, str] = field(default_factory=dict)  # as written → canonical
    proposals: list[Proposal] = field(default_factory=list)
    # New names recorded as aliases of units already in the database (office, proposals).
    aliases_added: list[dict[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (name as written, reason)

    def __post_init__(self) -> None:
        session = self.session
        self.units = {u.name: u for u in session.execute(select(Unit).order_by(Unit.id)).scalars()}
        alias_rows = session.execute(select(UnitAlias.alias, UnitAlias.unit_id)).all()
        self.aliases = {alias: unit_id for alias, unit_id in alias_rows}
        self.by_id = {u.id: u for u in self.units.values()}
        names = list(dict.fromkeys(self.raw_names))
        self.home = home_level(names)
        office = self._office()
        pending: dict[tuple[str, str], list[str]] = {}
        for raw in names:
            unit = self._lookup(raw)
            if unit is not None:
                self.resolved[raw] = unit.name
            elif is_office_name(raw) and office is not None:
                self.resolved[raw] = office.name
                self.aliases_added.append({"alias": raw, "unit": office.name})
            elif is_office_name(raw):
                pending.setdefault(_OFFICE_KEY, []).append(raw)
            else:
                pending.setdefault(self._key(raw), []).append(raw)
        self._new_units(pending)
        self.kinds = {u.name: u.kind for u in self.units.values()} | {
            n: v["kind"] for n, v in self.new.items()
        }

    # ------------------------------------------------------------------ look-ups

    def _key(self, name: str) -> tuple[str, str]:
        level, bare = _split(name)
        return (level or self.home, bare)

    def _lookup(self, name: str) -> Unit | None:
        level, bare = _split(name)
        candidates = [name]
        if level in ("", self.home):
            candidates += [bare, self.home + bare]
        for candidate in candidates:
            if candidate in self.units:
                return self.units[candidate]
            if candidate in self.aliases:
                return self.by_id.get(self.aliases[candidate])
        return None

    def _office(self) -> Unit | None:
        """The database's office unit; else a unit named (or aliased) as one, listed
        because it is not marked as the office."""
        for unit in self.units.values():
            if unit.is_office:
                return unit
        named = {u.id for u in self.units.values() if is_office_name(u.name)}
        named |= {uid for alias, uid in self.aliases.items() if is_office_name(alias)}
        if not named:
            return None
        unit = self.by_id[min(named)]
        if any(is_office_name(n) and self._lookup(n) is None for n in self.raw_names):
            self.notes.append(
                (
                    next(n for n in self.raw_names if is_office_name(n)),
                    f"单位「{unit.name}」是区政府办，但未标记为审发单位（区政府办）；"
                    "表中区政府办的各种写法已按它导入，请在单位管理中核对",
                )
            )
        return unit

    # ------------------------------------------------------------------ new names

    def _new_units(self, pending: dict[tuple[str, str], list[str]]) -> None:
        office = pending.pop(_OFFICE_KEY, None)
        if office is not None:  # the first of its names, the others its aliases
            self._create(office[0], office, is_office=True)
        targets = _Targets()

        def add_target(name: str, unit: str, existing: bool) -> None:
            level, bare = self._key(name)
            targets.add(level, bare, unit, existing)

        if pending:
            for unit in self.units.values():
                if not unit.is_office:
                    add_target(unit.name, unit.name, True)
            for alias, unit_id in self.aliases.items():
                owner = self.by_id.get(unit_id)
                if owner is not None and not owner.is_office:
                    add_target(alias, owner.name, True)
        refused = set(self.keep_separate)
        for (level, bare), spellings in pending.items():
            canonical = next((s for s in spellings if _split(s)[0]), spellings[0])
            if self._take_mapped(canonical, spellings, add_target):
                continue
            # 区财政局 and 市财政局 are two bodies: only names of one level compare.
            matches = targets.near(level, bare)
            if len(matches) == 1:
                ((target_unit, (existing, why)),) = matches.items()
                taken = not (refused & {canonical, *spellings})
                self.proposals.append(
                    Proposal(canonical, list(spellings), target_unit, existing, why, taken)
                )
                if taken:
                    for spelling in spellings:
                        self.resolved[spelling] = target_unit
                        if existing:
                            self.aliases_added.append({"alias": spelling, "unit": target_unit})
                        else:
                            self.new[target_unit]["aliases"].append(spelling)
                        add_target(spelling, target_unit, existing)
                    continue
            elif len(matches) > 1:
                self.notes.append(
                    (
                        canonical,
                        f"新单位「{canonical}」与{'、'.join(f'「{m}」' for m in matches)}"
                        "都相近，未合并；若是其中之一，请登记别名（flask units alias）后再导入",
                    )
                )
            self._create(canonical, spellings)
            add_target(canonical, canonical, False)

    def _take_mapped(
        self, canonical: str, spellings: list[str], add_target: Callable[[str, str, bool], None]
    ) -> bool:
        """A new name the office mapped to a unit of the database: its spellings become
        that unit's aliases (True), else nothing (False)."""
        targets = [t for t in (self.map_units.get(n) for n in (canonical, *spellings)) if t]
        unit = next((self.units[t] for t in targets if t in self.units), None)
        if unit is None:
            if targets:  # the chosen unit is gone (or never was): say so, create it
                self.notes.append(
                    (
                        canonical,
                        f"「{canonical}」指定为已有单位「{targets[0]}」，但没有这个单位，"
                        "已按新单位导入",
                    )
                )
            return False
        for spelling in spellings:
            self.resolved[spelling] = unit.name
            self.aliases_added.append({"alias": spelling, "unit": unit.name})
            add_target(spelling, unit.name, True)
        return True

    def _create(self, canonical: str, spellings: list[str], *, is_office: bool = False) -> None:
        self.new[canonical] = {
            "name": canonical,
            "kind": str(UnitKind.DEPARTMENT if is_office else guess_kind(canonical)),
            "aliases": [s for s in spellings if s != canonical],
            "is_office": is_office,
        }
        for spelling in spellings:
            self.resolved[spelling] = canonical

    # ------------------------------------------------------------------ queries

    def of_kind(self, kind: str) -> list[str]:
        """The units a group word (各部门, 各街道) stands for: every active unit of its
        kind but the office, which the groups address (as in the demo data)."""
        active = {n for n, u in self.units.items() if u.active and not u.is_office}
        active |= {n for n, spec in self.new.items() if not spec["is_office"]}

        def order(name: str) -> tuple[int, str]:
            unit = self.units.get(name)
            return (unit.id if unit is not None else 1 << 30, name)

        return sorted((n for n, k in self.kinds.items() if k == kind and n in active), key=order)

    def unit(self, name: str) -> Unit | None:
        return self.units.get(name)


def unit_candidates(
    session: Session, names: Collection[str], limit: int = 8
) -> dict[str, list[str]]:
    """For each new unit name, the database's active units it most resembles (a typo,
    another spelling), best first: what the preview offers to map it to instead of
    creating it. Near-duplicates (简称, 更名, 写法不同) come first, then by `difflib`'s
    similarity of the names without their level prefix, among the units sharing the
    most characters with it (a cheap count first: 200 new names against 400 units
    compared in full took seconds)."""
    units = [
        (unit, _split(unit)[1])
        for unit in session.execute(
            select(Unit.name).where(Unit.active.is_(True), Unit.is_office.is_(False))
        ).scalars()
    ]
    shapes = [(unit, bare, frozenset(bare), name_key(bare)) for unit, bare in units]
    out: dict[str, list[str]] = {}
    for name in names:
        bare = _split(name)[1]
        chars, key = frozenset(bare), name_key(bare)
        shared = sorted(shapes, key=lambda s: -len(chars & s[2]))[: max(limit * 3, 24)]
        scored = []
        for unit, other, _chars, other_key in shared:
            near = key is not None and other_key is not None and near_keys(key, other_key)
            ratio = SequenceMatcher(None, bare, other).ratio()
            if near or ratio > 0.3:
                scored.append((0 if near else 1, -ratio, unit))
        out[name] = [unit for *_rank, unit in sorted(scored)[:limit]]
    return out
