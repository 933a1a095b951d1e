"""What an import found and would change (dry run) or changed (apply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflow.importer.tables import Attention

_ROLE = {"lead": "牵头", "cooperating": "配合"}


def _link(link: dict[str, Any]) -> str:
    return f"{'/'.join(link['source'])} → {'/'.join(link['target'])}"


def _section(title: str, rows: list[str]) -> list[str]:
    """A titled list of rows; nothing when there are none."""
    return [title, *rows] if rows else []


def describe(rules: list[dict[str, Any]]) -> list[str]:
    """Each rule in the office's words ("每月25日前至少发布1条"); a hand-entered rule off
    the contract is said to be unrecognised, never shown as JSON."""
    from workflow.deadlines.describe import describe as words

    return [words(rule) for rule in rules]


@dataclass
class ColumnEntry:
    path: tuple[str, ...]
    # added, changed, unchanged, retired, reinstated; missing: not in the file, kept
    status: str
    table: str | None = None
    row: int | None = None
    lead: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    expanded: list[str] = field(default_factory=list)  # the units group words stand for

    @property
    def display(self) -> str:
        return "/".join(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "status": self.status,
            "table": self.table,
            "row": self.row,
            "lead": self.lead,
            "cooperating": self.cooperating,
            "groups": self.groups,
            "expanded": self.expanded,
            "changes": self.changes,
        }


@dataclass
class ImportReport:
    filename: str
    applied: bool = False
    tables: list[dict[str, Any]] = field(default_factory=list)
    columns: list[ColumnEntry] = field(default_factory=list)
    units_added: list[dict[str, Any]] = field(default_factory=list)
    units_used: list[str] = field(default_factory=list)
    # Near-duplicate names taken as one unit (the other name its alias) unless refused.
    unit_proposals: list[dict[str, Any]] = field(default_factory=list)
    # Names recorded as aliases of units already in the database.
    aliases_added: list[dict[str, str]] = field(default_factory=list)
    assignments_total: int = 0
    assignments_added: list[dict[str, str]] = field(default_factory=list)
    assignments_removed: list[dict[str, str]] = field(default_factory=list)
    # Assignments the file does not name, kept (not removed without retire_missing).
    assignments_kept: list[dict[str, str]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    # Links (ColumnLink) written, removed, kept (the file no longer names them) and
    # proposed (政策文件 → 政策解读; written when the office accepts): {source, target}.
    links_added: list[dict[str, Any]] = field(default_factory=list)
    links_removed: list[dict[str, Any]] = field(default_factory=list)
    links_kept: list[dict[str, Any]] = field(default_factory=list)
    link_proposals: list[dict[str, Any]] = field(default_factory=list)
    obligations_total: int = 0
    obligations_added: list[dict[str, Any]] = field(default_factory=list)
    obligations_cancelled: list[dict[str, Any]] = field(default_factory=list)
    needs_attention: list[Attention] = field(default_factory=list)

    def _paths(self, *statuses: str) -> list[str]:
        return [c.display for c in self.columns if c.status in statuses]

    @property
    def added(self) -> list[str]:
        return self._paths("added")

    @property
    def changed(self) -> list[str]:
        return self._paths("changed", "reinstated")

    @property
    def retired(self) -> list[str]:
        return self._paths("retired")

    @property
    def missing(self) -> list[str]:
        return self._paths("missing")

    @property
    def has_changes(self) -> bool:
        return bool(
            self.added
            or self.changed
            or self.retired
            or self.units_added
            or self.aliases_added
            or self.assignments_added
            or self.assignments_removed
            or self.obligations_added
            or self.obligations_cancelled
            or self.links_added
            or self.links_removed
        )

    def to_dict(self) -> dict[str, Any]:
        with_rules = [r for r in self.rules if r["rules"]]
        return {
            "file": self.filename,
            "applied": self.applied,
            "tables": self.tables,
            "columns": {
                "total": sum(c.status not in ("retired", "missing") for c in self.columns),
                "added": len(self.added),
                "changed": len(self.changed),
                "retired": len(self.retired),
                "unchanged": len(self._paths("unchanged")),
                "missing": len(self.missing),
                "items": [c.to_dict() for c in self.columns],
            },
            "units": {
                "total": len(self.units_used),
                "added": self.units_added,
                "used": self.units_used,
                "proposals": self.unit_proposals,
                "aliases_added": self.aliases_added,
            },
            "assignments": {
                "total": self.assignments_total,
                "added": self.assignments_added,
                "removed": self.assignments_removed,
                "kept": self.assignments_kept,
            },
            "rules": {
                "with_rules": len(with_rules),
                "without_rules": [r["path"] for r in self.rules if not r["rules"]],
                "pending": sum(r.get("status") == "待确认" for r in with_rules),
                "items": [{**r, "described": describe(r["rules"])} for r in self.rules],
            },
            "links": {
                "added": self.links_added,
                "removed": self.links_removed,
                "kept": self.links_kept,
                "proposals": self.link_proposals,
            },
            "obligations": {
                "total": self.obligations_total,
                "added": self.obligations_added,
                "cancelled": self.obligations_cancelled,
            },
            "needs_attention": [a.to_dict() for a in self.needs_attention],
            "added": self.added,
            "changed": self.changed,
            "retired": self.retired,
        }

    def to_text(self) -> str:
        """The summary the command prints (Chinese, like the tables it reads)."""
        d = self.to_dict()
        lines = self._summary_lines(d)
        for section in (
            self._column_lines(),
            self._assignment_lines(),
            self._cancelled_lines(),
            self._link_lines(),
            self._unit_lines(),
            self._pending_lines(d),
            self._attention_lines(),
        ):
            lines += section
        if not self.has_changes:
            lines.append("与数据库相比没有变化。")
        return "\n".join(lines)

    def _summary_lines(self, d: dict[str, Any]) -> list[str]:
        cols, units, asg = d["columns"], d["units"], d["assignments"]
        lines = [
            f"文件：{self.filename}（{'已导入' if self.applied else '试运行，未写入'}）",
            "表格："
            + "；".join(f"{t['table']} {t['title'] or ''} {t['rows']}行" for t in self.tables),
            f"栏目：共 {cols['total']} 个，新增 {cols['added']}，变更 {cols['changed']}，"
            f"停用 {cols['retired']}，不变 {cols['unchanged']}",
            f"单位：共 {units['total']} 个，新增 {len(units['added'])}",
            f"责任分工：共 {asg['total']} 条，新增 {len(asg['added'])}，删除 {len(asg['removed'])}",
            f"时限规则：{d['rules']['with_rules']} 个栏目解析出规则，"
            f"{len(d['rules']['without_rules'])} 个需人工录入，{d['rules']['pending']} 个待确认",
        ]
        if self.obligations_total or self.obligations_added or self.obligations_cancelled:
            lines.append(
                f"一次性任务：共 {self.obligations_total} 项，新增 {len(self.obligations_added)}，"
                f"取消 {len(self.obligations_cancelled)}"
            )
        return lines

    def _column_lines(self) -> list[str]:
        lines: list[str] = []
        for title, paths in (("新增栏目", self.added), ("变更栏目", self.changed)):
            if paths:
                lines.append(f"{title}：")
                lines += [f"  + {p}" for p in paths] if title == "新增栏目" else []
        for c in self.columns:
            if c.status in ("changed", "reinstated"):
                lines.append(f"  ~ {c.display}（{'，'.join(c.changes)}）")
        lines += _section("停用栏目（保留历史，不删除）：", [f"  - {p}" for p in self.retired])
        missing = self.missing
        lines += _section(
            f"文件中没有、保持不变的栏目 {len(missing)} 个"
            "（若确已撤销，请用 --retire-missing 停用）：",
            [f"  = {p}" for p in missing],
        )
        return lines

    def _assignment_lines(self) -> list[str]:
        kept = [f"  = {a['path']}：{a['unit']}" for a in self.assignments_kept]
        removed = [
            f"  - {a['path']}：{a['unit']}（{_ROLE.get(a['role'], a['role'])}）"
            for a in self.assignments_removed
        ]
        return _section(
            f"文件中没有、保留的责任分工 {len(kept)} 条"
            "（若确已取消，请用 --retire-missing 删除）：",
            kept,
        ) + _section("删除的责任分工：", removed)

    def _cancelled_lines(self) -> list[str]:
        return _section(
            "取消的一次性任务：",
            [
                f"  - {o['column']}：{o['unit']}「{o['description']}」（原定 {o['due']}）"
                for o in self.obligations_cancelled
            ],
        )

    def _link_lines(self) -> list[str]:
        lines: list[str] = []
        for title, links in (
            ("新增关联（发布前者后，须在后者发布关联信息）", self.links_added),
            ("删除的关联", self.links_removed),
            ("文件中没有、保留的关联（若确已取消，请用 --retire-missing 删除）", self.links_kept),
        ):
            lines += _section(f"{title}：", [f"  {_link(x)}" for x in links])
        untaken = [x for x in self.link_proposals if not x["taken"]]
        return lines + _section(
            "建议的关联（未建立；确认后请加 --accept-links 导入）：",
            [f"  {_link(x)}" for x in untaken],
        )

    def _unit_lines(self) -> list[str]:
        lines: list[str] = []
        if self.units_added:
            lines.append("新增单位：" + "、".join(u["name"] for u in self.units_added))
        proposals = [
            f"  {p['name']} → {p['unit']}（{p['reason']}；"
            f"{'合并' if p['taken'] else '不合并，分开建立'}）"
            for p in self.unit_proposals
        ]
        lines += _section(
            "相近的单位名称（默认按同一单位处理，前者登记为后者的别名；"
            "不是同一单位的，请加 --keep-separate 名称 重新导入）：",
            proposals,
        )
        if self.aliases_added:
            lines.append(
                "登记别名：" + "、".join(f"{a['alias']} → {a['unit']}" for a in self.aliases_added)
            )
        return lines

    def _pending_lines(self, d: dict[str, Any]) -> list[str]:
        pending = [r for r in d["rules"]["items"] if r["rules"] and r["status"] == "待确认"]
        return _section(
            f"待确认的时限规则（{len(pending)} 个栏目；确认前只提醒、不督办、不计入考核；"
            "核对无误后可加 --confirm-rules 导入）：",
            [f"  {r['path']}：{'；'.join(r['described'])}" for r in pending],
        )

    def _attention_lines(self) -> list[str]:
        lines = []
        for a in self.needs_attention:
            where = f"{a.table}" + (f"第{a.row}行" if a.row is not None else "")
            lines.append(f"  {where}：{a.reason}")
        return _section(f"需要人工处理（{len(self.needs_attention)} 处）：", lines)
