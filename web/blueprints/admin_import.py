"""Admin: upload a responsibility table (栏目保障责任分解表), see the dry run, then apply.

The uploaded file waits in the instance folder under its SHA-256 between preview and
apply, so the admin confirms exactly what was previewed without uploading it again; the
apply step plans again against the database as it is then, in one transaction."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as http_session
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from web import db_session
from web.forms import DeleteForm
from web.helpers import now, require_role, run, today
from workflow.audit import snapshot_session
from workflow.enums import Role
from workflow.importer import MAX_BYTES, ImportFileError, plan_import
from workflow.importer.limits import deadline
from workflow.importer.resolve import unit_candidates
from workflow.services.imports import apply_table

bp = Blueprint("admin_import", __name__, url_prefix="/admin/import")

SUFFIXES = (".docx", ".xlsx", ".csv")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


STASH_HOURS = 24  # a previewed upload not applied by then is removed


def _stash_dir() -> Path:
    folder = Path(current_app.config["SANSHEN"].INSTANCE_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune_stash(folder: Path) -> None:
    """Previews that were never applied would otherwise stay in the instance folder."""
    cutoff = time.time() - STASH_HOURS * 3600
    for path in folder.iterdir():
        with contextlib.suppress(OSError):  # another request may remove it first
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _stashed(sha: str) -> tuple[str, bytes] | None:
    """The previewed upload, if this browser session previewed it."""
    pending = http_session.get("pending_import") or {}
    if not _SHA.match(sha) or pending.get("sha") != sha:
        return None
    path = _stash_dir() / sha
    if not path.exists():
        return None
    return str(pending["name"]), path.read_bytes()


def _render(**context: Any) -> str:
    return render_template("admin/import.html", form=DeleteForm(), **context)


@bp.get("/")
def upload_form() -> str:
    return _render()


def _preview(
    name: str, data: bytes, sha: str, root: str | None, retire: bool, **context: Any
) -> tuple[str, int]:
    """The dry run of the stashed file and the apply form (with its choices)."""
    # Reading a large file takes seconds: end the request's transaction (on SQLite it
    # holds the write lock) and plan on a read-only snapshot, opened only once the file
    # is read, so other requests and jobs can write meanwhile.
    db_session().rollback()
    config = current_app.config["SANSHEN"]
    try:
        with snapshot_session(current_app.extensions["sanshen.engine"]) as session:
            # The importer refuses a file over its limits with a message naming it.
            report = plan_import(
                session,
                name,
                data,
                now=now(),
                root=root,
                retire_missing=retire,
                limits=config.IMPORT_LIMITS,
                # An answer within half a minute: reading has its own, shorter budget.
                progress=deadline(name, config.IMPORT_LIMITS.seconds + 5),
            )
            # Each new unit may be a typo or another name of one already there: the
            # apply form offers the most alike to map it to.
            added = [u["name"] for u in report.units_added if not u.get("is_office")]
            candidates = unit_candidates(session, added)
    except ImportFileError as exc:
        flash(str(exc), "error")
        return _render(root=root, retire=retire), 422
    status = 422 if context.get("since_error") else 200
    context.setdefault("since", today().isoformat())
    return _render(
        report=report.to_dict(),
        text=report.to_text(),
        sha=sha,
        root=root,
        retire=retire,
        link_value=_link_value,
        candidates=candidates,
        **context,
    ), status


def _link_value(link: dict[str, Any]) -> str:
    return json.dumps([link["source"], link["target"]], ensure_ascii=False)


def _accepted_links(values: list[str]) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The proposed links the admin ticked (values as _link_value wrote them)."""
    out = set()
    for value in values:
        with contextlib.suppress(ValueError, TypeError):
            source, target = json.loads(value)
            if all(
                isinstance(p, list) and all(isinstance(n, str) for n in p) for p in (source, target)
            ):
                out.add((tuple(source), tuple(target)))
    return out


def mapped_units(new: list[str], targets: list[str]) -> dict[str, str]:
    """The new units the admin mapped to a unit already there (new name → its name),
    from the preview's pairs of fields; an empty choice creates the unit."""
    return {name: target for name, target in zip(new, targets, strict=False) if name and target}


def _since(value: str) -> date | None:
    """The 责任起始日期 typed: a day from 2000 to the end of next year, else None."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(today().year + 1, 12, 31) else None


@bp.post("/")
def preview() -> Any:
    if not DeleteForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    root = (request.form.get("root") or "").strip() or None
    retire = request.form.get("retire_missing") == "on"
    if upload is None or not upload.filename:
        flash(_("请选择要导入的文件（.docx、.xlsx 或 .csv）。"), "error")
        return _render(root=root, retire=retire), 400
    name = Path(upload.filename).name
    data = upload.read(MAX_BYTES + 1)
    sha = hashlib.sha256(data).hexdigest()
    page, status = _preview(name, data, sha, root, retire)
    if status != 200:
        return page, status
    folder = _stash_dir()
    _prune_stash(folder)
    (folder / sha).write_bytes(data)
    http_session["pending_import"] = {"sha": sha, "name": name, "root": root, "retire": retire}
    return page


@bp.post("/apply")
def apply() -> Response | tuple[str, int]:
    if not DeleteForm().validate_on_submit():
        abort(400)
    sha = request.form.get("sha", "")
    stashed = _stashed(sha)
    if stashed is None:
        flash(_("没有找到待导入的文件，请重新上传并预览。"), "error")
        return redirect(url_for("admin_import.upload_form"))
    name, data = stashed
    pending = http_session.get("pending_import") or {}
    root, retire = pending.get("root"), bool(pending.get("retire"))
    typed = (request.form.get("responsible_since") or "").strip()
    since = _since(typed) if typed else today()  # left empty: the import's day
    if since is None:
        message = _("责任起始日期无效：请填写 2000 年至明年年底之间的日期（如 2026-01-01）。")
        return _preview(name, data, sha, root, retire, since=typed, since_error=message)
    # Unit proposals are taken unless unticked; proposed links only when ticked.
    keep_separate = set(request.form.getlist("proposed")) - set(request.form.getlist("merge"))
    map_units = mapped_units(request.form.getlist("new_unit"), request.form.getlist("map_to"))
    accept_links = _accepted_links(request.form.getlist("link"))
    confirm = request.form.get("confirm_rules") == "on"
    # The file is read before the import's first query takes the write lock (SQLite):
    # end the request's own transaction first.
    db_session().rollback()
    try:
        report = run(
            apply_table,
            filename=name,
            data=data,
            root=root,
            retire_missing=retire,
            responsible_since=since,
            confirm_rules=confirm,
            keep_separate=keep_separate,
            map_units=map_units,
            accept_links=accept_links,
            limits=current_app.config["SANSHEN"].IMPORT_LIMITS,
        ).value
    except ImportFileError as exc:
        flash(str(exc), "error")
        return _render(root=root, retire=retire), 422
    http_session.pop("pending_import", None)
    (_stash_dir() / sha).unlink(missing_ok=True)
    summary = report.to_dict()
    flash(
        _(
            "已导入 %(name)s：新增栏目 %(added)s 个，变更 %(changed)s 个，停用 %(retired)s 个。",
            name=name,
            added=summary["columns"]["added"],
            changed=summary["columns"]["changed"],
            retired=summary["columns"]["retired"],
        ),
        "ok",
    )
    if confirm:
        flash(_("时限规则已确认，自 %(since)s 起计算期限。", since=since.isoformat()), "ok")
    elif summary["rules"]["pending"]:
        flash(
            _(
                "%(n)s 个栏目的时限规则待确认：确认前只提醒、不督办、不计入考核。",
                n=summary["rules"]["pending"],
            ),
            "warn",
        )
    return redirect(url_for("admin_import.upload_form"))
