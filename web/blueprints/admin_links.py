"""Admin: which columns a publication in a column owes one in (ColumnLink: 政策文件 →
政策解读 within 3 working days, seed 000).

The page's part is the partial web/templates/admin/_column_links.html, included in the
column page: it reads its data through `column_links(column)` (a template function every
page has). Adding and removing are the services workflow.services.columns.add_link /
remove_link run by `web.helpers.run`, each in one transaction with its entry in the
administrators' log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask import request as http_request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web import db_session
from web.forms import DeleteForm
from web.helpers import as_id, require_role, run
from workflow.enums import Role
from workflow.errors import ValidationFailed
from workflow.importer.report import describe
from workflow.models import Column, ColumnLink
from workflow.services import columns as column_settings

bp = Blueprint("admin_links", __name__, url_prefix="/admin/columns")


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


@dataclass
class Linked:
    id: int
    path: str
    retired: bool = False
    rule: str | None = None  # the target's publication rule in words (None: it has none)


@dataclass
class ColumnLinks:
    targets: list[Linked] = field(default_factory=list)  # publishing here owes one there
    sources: list[Linked] = field(default_factory=list)  # publishing there owes one here
    # Columns that may be added as targets: those with a publication rule first.
    choices: list[Linked] = field(default_factory=list)


def _rule_text(rules: list[dict[str, Any]] | None) -> str | None:
    rule = column_settings.publication_rule(rules)
    return describe([dict(rule)])[0] if rule is not None else None


def column_links(column: Column) -> ColumnLinks:
    """What the partial shows for `column`."""
    session = db_session()
    out = ColumnLinks()
    targets = session.execute(
        select(Column)
        .join(ColumnLink, ColumnLink.target_id == Column.id)
        .where(ColumnLink.source_id == column.id)
        .order_by(Column.path)
    ).scalars()
    for target in targets:
        out.targets.append(
            Linked(target.id, target.path, target.retired_at is not None, _rule_text(target.rules))
        )
    sources = session.execute(
        select(Column)
        .join(ColumnLink, ColumnLink.source_id == Column.id)
        .where(ColumnLink.target_id == column.id)
        .order_by(Column.path)
    ).scalars()
    out.sources = [Linked(s.id, s.path, s.retired_at is not None) for s in sources]
    taken = {t.id for t in out.targets} | {column.id}
    rows = session.execute(
        select(Column.id, Column.path, Column.rules)
        .where(Column.retired_at.is_(None))
        .order_by(Column.path)
    ).all()
    choices = [Linked(cid, path, False, _rule_text(rules)) for cid, path, rules in rows]
    out.choices = sorted(
        (c for c in choices if c.id not in taken), key=lambda c: (c.rule is None, c.path)
    )
    return out


@bp.app_context_processor
def _template_functions() -> dict[str, Any]:
    return {"column_links": column_links}


def _column(column_id: int) -> Column:
    column = db_session().get(Column, column_id)
    if column is None:
        abort(404)
    return column


def _back(column_id: int) -> Response:
    return redirect(url_for("admin.column", column_id=column_id) + "#column-links")


@bp.post("/<int:column_id>/links")
def add(column_id: int) -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    session = db_session()
    source = _column(column_id)
    target_id = as_id(http_request.form.get("target_id"))
    target = session.get(Column, target_id) if target_id is not None else None
    if target is None:
        flash(_("请选择要关联的栏目。"), "error")
        return _back(column_id)
    try:
        added = run(column_settings.add_link, source=source, target=target).value
    except ValidationFailed:
        flash(
            _("不能关联本栏目自身，也不能形成循环关联（发布甲须发乙、发布乙又须发甲）。"),
            "error",
        )
        return _back(column_id)
    if not added:
        flash(_("已经关联：%(path)s", path=target.path), "ok")
        return _back(column_id)
    flash(_("已添加关联栏目：%(path)s", path=target.path), "ok")
    if column_settings.publication_rule(target.rules) is None:
        flash(
            _(
                "注意：%(path)s 没有“发布后…内发布”的时限规则，关联信息将按及时发布计算期限；"
                "请在该栏目的时限要求中写明（如“应于文件公开后3个工作日内公布”）。",
                path=target.path,
            ),
            "warn",
        )
    return _back(column_id)


@bp.post("/<int:column_id>/links/<int:target_id>/remove")
def remove(column_id: int, target_id: int) -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    source, target = _column(column_id), _column(target_id)
    if run(column_settings.remove_link, source=source, target=target).value:
        flash(_("已移除关联栏目：%(path)s", path=target.path), "ok")
    else:
        flash(_("没有这项关联。"), "error")
    return _back(column_id)
