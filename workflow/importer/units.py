"""Unit cells → lead units, cooperating units and group words.

"区发改委牵头、相关部门及时发布", "由法制办和编办牵头，各相关单位配合发布信息",
"区委办、政府办、\\n区委宣传部", "区食品药品\\n监督管理局" (one name wrapped over two lines).
A plain list makes every unit it names responsible (all lead, 牵头): an office that
means some units only to help says so ("X牵头、Y配合", "X（牵头）、Y", "Y（配合）",
"Y协办"). Group words (各部门, 各街道…) stand for every unit of that kind and are
always flagged for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.enums import UnitKind

# Group words that stand for every unit of one kind (as the demo data expands them).
GROUP_KINDS: dict[str, str] = {
    "各部门": UnitKind.DEPARTMENT,
    "区政府各部门": UnitKind.DEPARTMENT,
    "区政府组成部门": UnitKind.DEPARTMENT,
    "政府组成部门": UnitKind.DEPARTMENT,
    "各职能部门": UnitKind.DEPARTMENT,
    "各街道": UnitKind.STREET,
    "各街道办事处": UnitKind.STREET,
    "街道办事处": UnitKind.STREET,
    "各乡镇": UnitKind.STREET,
    "各乡镇(街道)": UnitKind.STREET,
    "各乡镇(街道办)": UnitKind.STREET,
    "各镇街": UnitKind.STREET,
}
# Group words naming no fixed set of units (各相关单位…): flagged for manual entry.
_VAGUE_GROUP = re.compile(r"^(?:各|其他|其它|相关|有关|涉及|有)\S*(?:单位|部门)$|^各\S{0,4}$")

_SUFFIXES = (
    "局", "办", "委", "部", "中心", "院", "会", "处", "室", "所", "街道", "镇", "乡", "区",
    "园", "队", "站", "厅", "组", "社", "馆", "团", "联", "行", "司", "科", "志", "政府",
    "人大", "政协", "公司", "集团",
)  # fmt: skip
_TRAILING = re.compile(
    r"(?:等有关部门|等相关部门|等)?(?:按职责分工)?(?:分别)?"
    r"(?:配合发布信息|配合发布|配合落实|配合|及时发布|发布信息|发布|负责|落实)*$"
)
# "区财政局协办" (but 政协办 is a unit: only after a whole unit name)
_HELPING_TAIL = re.compile(r"(?<=[局委办部心院会处室所站队团联])(?:协办|协助|协同)(?:落实|发布)?$")
_LEAD = re.compile(
    r"^(?:由)?(?P<lead>.+?)(?<![（(])(?:牵头|主办|负责)(?:落实)?[，,、；;\s]*(?P<rest>.*)$", re.S
)
_SEPARATORS = re.compile(r"([、，,;；/／\n]|\s+)")
_AND = re.compile(r"[和及与]")
_ROLE_MARK = re.compile(r"^(?P<name>.+?)[（(](?P<mark>牵头|主责|负责|主办|配合|协办|协助)[）)]$")
_HELPING = ("配合", "协办", "协助")
_LAST_HELPS = re.compile(
    r"(?<=[局委办部心院会处室所站队团联位])(?:配合|协办|协助)(?:落实|发布信息|发布)?$"
)


@dataclass
class UnitCell:
    leads: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)  # (word, role)
    unknown: list[str] = field(default_factory=list)


def normalise_group(word: str) -> str:
    return word.replace("（", "(").replace("）", ")")


def looks_like_unit(name: str) -> bool:
    bare = re.sub(r"[（(][^）)]*[）)]$", "", name)
    return 2 <= len(name) <= 30 and bare.endswith(_SUFFIXES)


def is_group(word: str) -> bool:
    return normalise_group(word) in GROUP_KINDS or bool(_VAGUE_GROUP.match(word))


def group_kind(word: str) -> str | None:
    return GROUP_KINDS.get(normalise_group(word))


def parse_unit_cell(text: str, known: frozenset[str] = frozenset()) -> UnitCell:
    """`known`: names the database already has (accepted even without a unit suffix)."""
    text = text.replace("\u3000", " ").strip()
    cell = UnitCell()
    # "区发改局、区财政局配合": the last unit helps the ones before it.
    helper = _LAST_HELPS.search(text)
    if helper and not _LEAD.match(text) and len(_tokens(text[: helper.start()])) > 1:
        text = text[: helper.start()] + "（配合）"
    # "区卫健委、区医保局按职责分工负责": the trailing words say how, not who.
    text = _strip_how(text).strip().removeprefix("由")
    if not text:
        return cell
    match = _LEAD.match(text)
    if match and match.group("lead").strip():
        _add(cell, _tokens(match.group("lead")), known, role="lead")
        rest = _strip_how(match.group("rest").strip())
        _add(cell, _tokens(rest), known, role="cooperating")
    else:
        tokens = _tokens(_strip_how(text))
        marked = [_ROLE_MARK.match(t) for t in tokens]
        if any(m and m.group("mark") not in _HELPING for m in marked):
            # "区财政局、区发改局（牵头）": the marked unit leads, the others cooperate.
            _add(cell, tokens, known, role="cooperating")
        else:
            # A plain list: every unit it names is responsible ("科技局、文体局"), but
            # for one marked "（配合）".
            _add(cell, tokens, known, role="lead")
    return cell


def _add(cell: UnitCell, tokens: list[str], known: frozenset[str], *, role: str) -> None:
    for token in tokens:
        own_role = role
        marked = _ROLE_MARK.match(token)  # 区发改局（牵头）, 区财政局(配合)
        if marked:
            token = marked.group("name")
            own_role = "cooperating" if marked.group("mark") in _HELPING else "lead"
        if token in known:
            pass
        elif is_group(token):
            cell.groups.append((normalise_group(token), own_role))
            continue
        if token in known or looks_like_unit(token):
            if own_role == "cooperating":
                _append(cell.cooperating, token)
            else:
                _append(cell.leads, token)
        else:
            cell.unknown.append(token)


def _strip_how(text: str) -> str:
    """Drop the trailing words saying how a unit takes part (按职责分工负责, 配合, 协办)."""
    text = _TRAILING.sub("", text)
    while _HELPING_TAIL.search(text):  # "…协办" then perhaps "…配合" before it
        text = _TRAILING.sub("", _HELPING_TAIL.sub("", text))
    return text


def _append(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _tokens(text: str) -> list[str]:
    """Split on list marks, line breaks and spaces; re-join a name wrapped over lines."""
    pieces = _SEPARATORS.split(text)
    tokens: list[str] = []
    joinable = False  # the previous token ended at a line break or space
    for i, piece in enumerate(pieces):
        if i % 2 == 1:  # a separator
            joinable = piece == "\n" or piece.isspace()
            continue
        piece = _strip_how(piece.strip().strip("。.")).strip()
        if not piece:
            continue
        if tokens and joinable and not looks_like_unit(tokens[-1]) and not is_group(tokens[-1]):
            tokens[-1] += piece
        else:
            tokens.append(piece)
    out: list[str] = []
    for token in tokens:
        parts = [p for p in _AND.split(token) if p]
        if len(parts) > 1 and all(looks_like_unit(p) or is_group(p) for p in parts):
            out.extend(parts)
        else:
            out.append(token)
    return out


def guess_kind(name: str) -> str:
    if name.endswith(("街道", "街道办事处", "镇", "乡")):
        return UnitKind.STREET
    bare = re.sub(r"[（(][^）)]*[）)]$", "", name)
    if bare.endswith(("开发区", "经开区", "园区", "园", "管委会")):
        return UnitKind.ZONE
    return UnitKind.DEPARTMENT


# --------------------------------------------------------------------------- names

# The district (county, city) government's own office: THE office unit (Unit.is_office),
# whatever the table calls it. 区委办 / 区委办公室 is the Party committee's office: not it.
_OFFICE = re.compile(
    r"^(?:[^\s委]{0,8}?[区市县])?(?:人民)?政府办(?:公室|公厅)?$|^[区市县]府办(?:公室)?$"
)
LEVEL_PREFIXES = "区市县"
# Names whose first character is a word of their own, not the level: 市场监管局, 市容局,
# 市政局 (but 市政府…, 市政协… are the city's), 区域…
_NOT_A_LEVEL = ("市场", "市容", "市政", "市民", "区域", "县域")
_LEVEL_AFTER_ALL = ("市政府", "市政协")
# Endings spelled long or short: 委 / 委员会, 办 / 办公室.
_ENDINGS = (("委员会", "委"), ("办公室", "办"))
_RENAMED = frozenset({"委", "局"})  # 发改委 → 发改局: the same body renamed


def is_office_name(name: str) -> bool:
    """区政府办, 区人民政府办公室, 政府办, 区府办, 市政府办公室… (never 区委办)."""
    return bool(_OFFICE.match(name))


def split_level(name: str) -> tuple[str, str]:
    """("区", "财政局") for 区财政局; ("", "市场监管局") for 市场监管局."""
    if (
        len(name) > 2
        and name[0] in LEVEL_PREFIXES
        and (not name.startswith(_NOT_A_LEVEL) or name.startswith(_LEVEL_AFTER_ALL))
    ):
        return name[0], name[1:]
    return "", name


def home_level(names: list[str]) -> str:
    """The level most of a table's prefixed names carry (区 for a district's table, 市 for
    a city's): its bare names (财政局) are taken to be at that level."""
    counts: dict[str, int] = {}
    for name in names:
        level = split_level(name)[0]
        if level:
            counts[level] = counts.get(level, 0) + 1
    return max(LEVEL_PREFIXES, key=lambda p: (counts.get(p, 0), p == "区"))


def name_key(bare: str) -> tuple[str, str] | None:
    """(stem, ending class) of a bare name that may be compared at all: ("食药监", "局"),
    ("委", "办") for 委办公室; None for what does not look like a unit, or carries digits
    or brackets (单位1局 / 单位10局, 高新园（邹区镇）)."""
    if not looks_like_unit(bare) or any(ch.isascii() or ch in "（）" for ch in bare):
        return None
    for long, short in _ENDINGS:
        if bare.endswith(long):
            return bare[: -len(long)], short
    return bare[:-1], bare[-1:]


def near_duplicate(a: str, b: str) -> str | None:
    """Why two bare names (no level prefix) may name the same unit, or None:
    "简称" (区食药监局 / 区食品药品监督管理局: the short form's characters in order inside
    the long one, same first character, same ending), "更名" (发改委 / 发改局), "写法不同"
    (委办 / 委办公室). Conservative: 发改局 / 财政局, 教育局 / 体育局 never."""
    key_a, key_b = name_key(a), name_key(b)
    if a == b or key_a is None or key_b is None:
        return None
    return near_keys(key_a, key_b)


def near_keys(a: tuple[str, str], b: tuple[str, str]) -> str | None:
    """near_duplicate on two names' keys (see name_key)."""
    (stem_a, end_a), (stem_b, end_b) = a, b
    if stem_a == stem_b and stem_a:
        if end_a == end_b:
            return "写法不同"
        return "更名" if {end_a, end_b} == _RENAMED else None
    if end_a != end_b or len(stem_a) < 2 or len(stem_b) < 2:
        return None
    short, long = sorted((stem_a, stem_b), key=len)
    if len(short) == len(long) or short[0] != long[0]:
        return None
    rest = iter(long)
    return "简称" if all(ch in rest for ch in short) else None
