"""Tables → rows the planner understands: headers recognised by meaning, "same as above"
blanks filled the way the offices mean them, column names split and cleaned.

Filling (agreed with the hand-converted demo data, workflow/demo_data/columns.json):
- level cells fill only above the deepest non-blank level cell of a row (a blank 三级栏目
  means "no third level");
- a merged cell (Word vMerge, an Excel merged range) repeats the cell above;
- a plain blank unit, 时限要求 or 保障内容 cell repeats the row above only under the
  same parent, with a note for the office to check (a CSV knows no merges);
- 保障内容 never fills into a 一级栏目 row.
Task lists (序号/工作要点/责任单位/完成时限) fill only merged cells: each row is its own task.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from workflow.importer.readers import Cell, RawRow, RawTable

SEQ, LEVEL, CONTENT, UNITS, COOPERATING, REQUIREMENT, TASK, RULES, LINKS = (
    "seq",
    "level",
    "content",
    "units",
    "cooperating",
    "requirement",
    "task",
    "rules",
    "links",
)
HEADER_SCAN_ROWS = 10
MAX_NAME = 100  # a column's name; longer text in a 栏目 cell is content put in the wrong place
_DEFAULT_SHEET = re.compile(r"(?:Sheet|表|工作表)\s*\d*", re.I)  # names that say nothing


@dataclass(frozen=True)
class Attention:
    table: str
    row: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "reason": self.reason}


@dataclass
class ColumnRow:
    table: str
    row: int
    path: tuple[str, ...]
    # None: the table has no such column (the column's current value stays as it is).
    content: str | None
    units: str | None
    cooperating: str
    requirement: str | None
    rules: list[dict[str, Any]] | None = None  # from a 规则 column (our own export)
    # 关联栏目 / 解读栏目: the columns a publication here owes one in (None: no such column)
    links: str | None = None


@dataclass
class TaskRow:
    table: str
    row: int
    task: str
    units: str
    deadline: str


@dataclass
class ReadTable:
    label: str
    title: str
    kind: str  # "columns" or "tasks"
    columns: list[ColumnRow] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    rows: int = 0


def classify_header(text: str) -> str | None:
    """What a header cell means, by its words rather than its position."""
    h = re.sub(r"[\s（）()：:*＊]", "", text)
    if not h or len(h) > 12:
        return None
    if h in ("序号", "编号", "序") or h.startswith("序号"):
        return SEQ
    if "规则" in h:
        return RULES
    if ("关联" in h and "单位" not in h and "部门" not in h) or ("解读" in h and "栏目" in h):
        return LINKS  # 关联栏目, 解读栏目
    if any(w in h for w in ("配合", "协办", "协助", "协同")) and (
        "单位" in h or "部门" in h or len(h) <= 2
    ):
        return COOPERATING
    if any(w in h for w in ("单位", "部门", "责任人", "责任科室")):
        return UNITS
    if any(w in h for w in ("工作要点", "工作任务", "任务")):
        return TASK
    if "内容" in h:  # before 要求: "公开内容及要求", "内容要求" describe the content
        return CONTENT
    if any(w in h for w in ("时限", "要求", "频次", "频率", "期限", "周期", "时间")):
        return REQUIREMENT
    if "栏目" in h or h in ("类别", "分类", "板块", "类型"):
        return LEVEL
    return None


def _header_map(row: RawRow) -> dict[int, str] | None:
    fields: dict[int, str] = {}
    last: str | None = None
    for i, cell in enumerate(row.cells):
        kind = last if cell.spanned else classify_header(cell.text)
        last = kind
        if kind is not None:
            fields[i] = kind
    kinds = set(fields.values())
    if (LEVEL in kinds or TASK in kinds) and kinds & {UNITS, REQUIREMENT, CONTENT}:
        return fields
    return None


def _header_notes(
    label: str, row: RawRow, fields: dict[int, str], relative: bool
) -> list[Attention]:
    """Every header cell not read: unrecognised, or a second column of the same meaning."""
    notes: list[Attention] = []
    number = None if relative else row.number  # Word rows count from the header
    first: dict[str, str] = {}
    for i, cell in enumerate(row.cells):
        if cell.spanned or not cell.text:
            continue
        name = cell.text.replace("\n", "")
        kind = fields.get(i)
        if kind is None:
            notes.append(Attention(label, number, f"表头「{name}」未能识别，该列未导入"))
        elif kind != LEVEL and kind in first:
            notes.append(
                Attention(
                    label,
                    number,
                    f"表头「{name}」与「{first[kind]}」含义相同，只导入了「{first[kind]}」列",
                )
            )
        else:
            first.setdefault(kind, name)
    return notes


def read_table(raw: RawTable, attention: list[Attention]) -> ReadTable | None:
    """The table's rows, or None (with a note) when no header is recognised."""
    for index, row in enumerate(raw.rows[:HEADER_SCAN_ROWS]):
        fields = _header_map(row)
        if fields is None:
            continue
        attention.extend(_header_notes(raw.label, row, fields, raw.relative_rows))
        title = "" if _DEFAULT_SHEET.fullmatch(raw.title) else raw.title
        above = [c.text for r in raw.rows[:index] for c in r.cells if c.text and not c.spanned]
        if above:
            title = above[0]
        body = raw.rows[index + 1 :]
        if raw.relative_rows:  # Word: the header is row 0
            body = [RawRow(n, r.cells) for n, r in enumerate(body, start=1)]
        kinds = set(fields.values())
        if LEVEL not in kinds:
            table = ReadTable(raw.label, title, "tasks", rows=len(body))
            _read_tasks(raw.label, fields, body, table, attention)
        else:
            table = ReadTable(raw.label, title, "columns", rows=len(body))
            _read_columns(raw.label, fields, body, table, attention)
            for kind, name in (
                (CONTENT, "保障内容"),
                (UNITS, "责任单位"),
                (REQUIREMENT, "时限要求"),
            ):
                if kind not in kinds:
                    attention.append(
                        Attention(
                            raw.label,
                            None,
                            f"表中没有「{name}」列：已有栏目的{name}保持不变，新栏目请人工录入",
                        )
                    )
        return table
    return None


# A cell that says "none" explicitly; unlike a blank it does not mean "same as above".
EMPTY_MARKS = frozenset({"—", "－", "-", "／", "/", "无", "（无）", "(无)"})


def _text(cells: list[Cell], index: int | None) -> str:
    if index is None or index >= len(cells) or cells[index].spanned:
        return ""
    return cells[index].text


def _marked(text: str) -> bool:
    return text in EMPTY_MARKS


def _value(cells: list[Cell], index: int | None, previous: str) -> str:
    """The cell's text; a blank repeats `previous`, a "—" is explicitly empty."""
    text = _text(cells, index)
    if _marked(text):
        return ""
    return text or previous


def _filled(
    cells: list[Cell],
    index: int | None,
    previous: str,
    guess: bool,
    name: str,
    guessed: list[str],
) -> str:
    """The cell's text; a merged cell repeats `previous`; a plain blank repeats it only
    when `guess` (noted in `guessed`); a "—" is explicitly empty."""
    if index is None or index >= len(cells):
        return ""
    text = _text(cells, index)
    if _marked(text):
        return ""
    if text or not previous:
        return text
    if cells[index].merged:
        return previous
    if guess:
        guessed.append(name)
        return previous
    return ""


def _first(fields: dict[int, str], kind: str) -> int | None:
    return next((i for i, k in sorted(fields.items()) if k == kind), None)


def _is_header_again(cells: list[Cell], fields: dict[int, str]) -> bool:
    """Word repeats the header row after a page break."""
    named = [(i, c.text) for i, c in enumerate(cells) if c.text and not c.spanned]
    return bool(named) and all(fields.get(i) == classify_header(t) for i, t in named)


def _read_columns(
    label: str,
    fields: dict[int, str],
    body: list[RawRow],
    table: ReadTable,
    attention: list[Attention],
) -> None:
    level_cols = [i for i, k in sorted(fields.items()) if k == LEVEL]
    content_col, units_col = _first(fields, CONTENT), _first(fields, UNITS)
    coop_col, req_col = _first(fields, COOPERATING), _first(fields, REQUIREMENT)
    rules_col, links_col = _first(fields, RULES), _first(fields, LINKS)
    prev_links = ""
    prev_levels: dict[int, str] = {}
    prev_path: tuple[str, ...] = ()
    prev_content = prev_units = prev_coop = prev_req = ""
    seen: set[tuple[str, ...]] = set()
    for row in body:
        cells = row.cells
        if not any(c.text for c in cells) or _is_header_again(cells, fields):
            continue
        named = _row_names(
            label, row, level_cols, content_col, prev_levels, prev_path, seen, attention
        )
        if named is None:
            continue
        names, leaf_names, filled = named
        if filled:
            prev_levels = filled
        first_path = (*names, leaf_names[0])
        # A plain blank (not a merged cell) repeats the row above only under the same
        # parent, and says so; a merged cell repeats it by the table's own layout.
        same_parent = prev_path[:-1] == first_path[:-1]
        guessed: list[str] = []
        units = _filled(cells, units_col, prev_units, same_parent, "责任单位", guessed)
        coop = ""
        if coop_col is not None:
            own_units = _text(cells, units_col)
            previous = "" if own_units else prev_coop
            coop = _filled(cells, coop_col, previous, same_parent, "配合单位", guessed)
        requirement = _filled(cells, req_col, prev_req, same_parent, "时限要求", guessed)
        siblings = len(first_path) > 1 and same_parent  # 保障内容: never into a 一级栏目 row
        content = _filled(
            cells, content_col, prev_content if siblings else "", siblings, "保障内容", guessed
        )
        if guessed:
            attention.append(
                Attention(
                    label,
                    row.number,
                    f"{'、'.join(guessed)}为空（不是合并单元格），已按上一行填写，请核对",
                )
            )
        rules = _rules_cell(label, row.number, _text(cells, rules_col), attention)
        # A link belongs to its row: only a merged cell repeats the one above.
        links = _filled(cells, links_col, prev_links, False, "关联栏目", guessed)
        prev_links = links
        for leaf in leaf_names:
            path = (*names, leaf)
            seen.add(path)
            table.columns.append(
                ColumnRow(
                    label,
                    row.number,
                    path,
                    content if content_col is not None else None,
                    units if units_col is not None else None,
                    coop,
                    requirement if req_col is not None else None,
                    rules,
                    links if links_col is not None else None,
                )
            )
        prev_path, prev_content, prev_units, prev_coop, prev_req = (
            (*names, leaf_names[-1]),
            content,
            units,
            coop,
            requirement,
        )


def _row_names(
    label: str,
    row: RawRow,
    level_cols: list[int],
    content_col: int | None,
    prev_levels: dict[int, str],
    prev_path: tuple[str, ...],
    seen: set[tuple[str, ...]],
    attention: list[Attention],
) -> tuple[list[str], list[str], dict[int, str]] | None:
    """The row's parent names, its leaf names (one cell may name several) and its level
    cells filled from the rows above; None when the row gives no column (noted)."""
    levels, deepest = _levels(row.cells, level_cols)
    filled: dict[int, str] = {}
    if deepest < 0:
        name = _name_from_content(label, row, level_cols, content_col, prev_path, seen, attention)
        if not name:
            return None
        names, leaf_names = list(prev_path[:-1]), [name]
    else:
        for depth in range(deepest + 1):
            if depth not in levels:
                continue
            text = levels[depth] or prev_levels.get(depth, "")
            if text:
                filled[depth] = text
        leaf_names = split_names(filled[deepest])
        names = [join_name(filled[d]) for d in sorted(filled) if d != deepest]
    too_long = [n for n in (*filled.values(), *leaf_names) if len(join_name(n)) > MAX_NAME]
    if too_long:
        attention.append(
            Attention(
                label,
                row.number,
                f"栏目名称超过 {MAX_NAME} 字（「{join_name(too_long[0])[:20]}…」），"
                "可能是内容写进了栏目列，该行未导入",
            )
        )
        return None
    if len(leaf_names) > 1:
        attention.append(
            Attention(
                label,
                row.number,
                f"一格中有多个栏目名称，已拆分为：{'、'.join(leaf_names)}，请核对",
            )
        )
    return names, leaf_names, filled


def _levels(cells: list[Cell], level_cols: list[int]) -> tuple[dict[int, str], int]:
    """The text of each level's cell (not those a merged cell to the left covers), and
    the deepest level with a name (-1: none)."""
    levels: dict[int, str] = {}
    deepest = -1
    for depth, col in enumerate(level_cols):
        if col < len(cells) and cells[col].spanned:
            continue  # covered by the merged cell to its left
        text = _text(cells, col)
        levels[depth] = text
        if text:
            deepest = depth
    return levels, deepest


def _name_from_content(
    label: str,
    row: RawRow,
    level_cols: list[int],
    content_col: int | None,
    prev_path: tuple[str, ...],
    seen: set[tuple[str, ...]],
    attention: list[Attention],
) -> str:
    """The name of a row without one of its own, or "" (noted)."""
    # No name of its own (seed 002: "环境保护政策解读；…" under 市生态环境局): a
    # plain blank is a row the office wrote, named from its content next to the
    # row above; a merged name cell continues the column above (not read).
    cells = row.cells
    own = _text(cells, content_col)
    merged = any(col < len(cells) and cells[col].merged for col in level_cols)
    name = name_from_content(own) if own and not merged else ""
    if not name:
        attention.append(Attention(label, row.number, "没有栏目名称，该行未导入"))
        return ""
    if (*prev_path[:-1], name) in seen:
        name = f"{name}（第{row.number}行）"
    attention.append(
        Attention(label, row.number, f"栏目名称为空，已按保障内容暂定为“{name}”，请核对")
    )
    return name


def _rules_cell(
    label: str, row: int, text: str, attention: list[Attention]
) -> list[dict[str, Any]] | None:
    if not text:
        return None
    from workflow.deadlines.rules import validate

    try:
        rules = json.loads(text)
    except ValueError:
        rules = None
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        attention.append(
            Attention(label, row, "规则列不是有效的 JSON 规则列表，已按时限要求重新解析")
        )
        return None
    problems = [p for r in rules for p in validate(r)]
    if problems:
        attention.append(
            Attention(label, row, f"规则列有误（{'；'.join(problems)}），已按时限要求重新解析")
        )
        return None
    return rules


def _read_tasks(
    label: str,
    fields: dict[int, str],
    body: list[RawRow],
    table: ReadTable,
    attention: list[Attention],
) -> None:
    task_col, units_col = _first(fields, TASK), _first(fields, UNITS)
    req_col = _first(fields, REQUIREMENT)
    units = deadline = ""
    unused: list[str] = []
    for row in body:
        cells = row.cells
        if not any(c.text for c in cells) or _is_header_again(cells, fields):
            continue
        task = _text(cells, task_col)
        if not task:
            attention.append(Attention(label, row.number, "没有工作要点，该行未导入"))
            continue
        # A unit or date merged over several tasks belongs to each; a plain blank is none.
        units = _filled(cells, units_col, units, False, "责任单位", unused)
        deadline = _filled(cells, req_col, deadline, False, "完成时限", unused)
        table.tasks.append(TaskRow(label, row.number, task, units, deadline))


_LIST_MARKS = re.compile(r"[、，,;；/]")


def split_names(text: str) -> list[str]:
    """A cell naming several columns on separate lines ("区长信箱\\n部门信箱\\n网上信访")
    gives several names; a name merely wrapped over lines ("专项规划\\n和区域规划",
    "出\\n入\\n境", "涉农补贴\\n/扶贫攻坚") stays one."""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    if len(parts) > 1 and all(
        len(p) >= 2 and not _LIST_MARKS.search(p) and not p.startswith(("和", "及", "与"))
        for p in parts
    ):
        return [join_name(p) for p in parts]
    return [join_name(text)]


_CLAUSE = re.compile(r"[；;。！!？?：:\n]")
_PHRASE = re.compile(r"[，,、]")
_LEADING_NUMBER = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*)+")
NAME_FROM_CONTENT = 20  # at most this many characters


def name_from_content(content: str) -> str:
    """A short, clean name for a row whose 栏目 cell is empty, from its 保障内容: the
    first clause ("环境保护政策解读；环境质量…" → 环境保护政策解读), else its first phrase,
    at most 20 characters; "" when the content gives nothing usable."""
    text = _LEADING_NUMBER.sub("", content.strip())
    clause = next((c.strip() for c in _CLAUSE.split(text) if len(c.strip()) >= 2), "")
    phrase = next((p.strip() for p in _PHRASE.split(clause) if len(p.strip()) >= 2), "")
    if len(clause) > NAME_FROM_CONTENT or len(phrase) >= 4:
        clause = phrase[:NAME_FROM_CONTENT]
    name = re.sub(r"\s+", " ", clause).strip()
    for left, right in ("“”", "《》", '""'):
        if len(name) > 2 and name[0] == left and name[-1] == right:
            name = name[1:-1]
    return name.removesuffix("等") if len(name) > 2 else name


def join_name(text: str) -> str:
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    return re.sub(r"\s+", " ", "".join(parts)).strip()


_NUMBERING = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+[.、．])\s*"
)
_SUFFIX = re.compile(
    r"(?:各?栏目)?(?:内容)?(?:保障|责任分解|责任分工|职责分工|分工|责任)?(?:一览)?表$"
)


def section_name(title: str) -> str:
    """（二）政务公开各栏目保障表 → 政务公开."""
    name = _NUMBERING.sub("", title.strip())
    name = _SUFFIX.sub("", name).strip()
    return join_name(name)


# Titles that name the whole document or nothing at all, never a part of the tree:
# "某区政府网站栏目保障责任分解表", "附件1", "Sheet1", "栏目保障".
_NOT_A_SECTION = re.compile(
    r"^(?:附件|附表)\s*\d*$|^(?:Sheet|表|工作表)\s*\d*$|^(?:栏目|内容|保障|责任|分工|分解|一览)*$"
    r"|网站|门户|政府网",
    re.I,
)


def table_section(title: str) -> str:
    """The column a table's rows go under, from its title ("（二）政务公开各栏目保障表" →
    政务公开), or "" when the title names the whole document or nothing (a generic
    sheet name, a document title): the same whatever the number of tables in the file."""
    name = section_name(title)
    if not name or _NOT_A_SECTION.search(name):
        return ""
    return name
