"""The word lists (错敏词库, 易错词表) for the office's editors and the administrators:
see a list, add, change and delete entries, import and export it as .xlsx, load the
starter lists, and read the list's change log. Every change is a service of
workflow.services.checks (logged in the administrators' log); a change makes the
worker recheck published items."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from web import db_session
from web.check_forms import EntryForm, ListImportForm, NewListForm
from web.errors import workflow_message
from web.forms import DeleteForm
from web.helpers import actor, run
from workflow.checks import listfile
from workflow.errors import ValidationFailed
from workflow.models import AdminEvent, User, WordEntry, WordList
from workflow.services import checks
from workflow.services.checks import EntryInput

bp = Blueprint("wordlists", __name__, url_prefix="/wordlists")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE = listfile.MAX_BYTES


@bp.before_request
@login_required
def _editors_only() -> None:
    if not checks.may_edit_lists(actor()):
        abort(403)


def _list(list_id: int) -> WordList:
    word_list = db_session().get(WordList, list_id)
    if word_list is None:
        abort(404)
    return word_list


@bp.get("/")
def index() -> str:
    session = db_session()
    rows = session.execute(
        select(WordList, func.count(WordEntry.id))
        .outerjoin(WordEntry, WordEntry.list_id == WordList.id)
        .group_by(WordList.id)
        .order_by(WordList.id)
    ).all()
    return render_template(
        "checks/wordlists.html", rows=rows, new_form=NewListForm(formdata=None), form=DeleteForm()
    )


@bp.post("/")
def create() -> Any:
    form = NewListForm()
    if form.validate():
        try:
            made = run(checks.create_list, name=form.name.data or "")
        except ValidationFailed as exc:
            flash(workflow_message(exc), "error")
            return redirect(url_for("wordlists.index"))
        return redirect(url_for("wordlists.show", list_id=made.value.id))
    flash("；".join(str(e) for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("wordlists.index"))


@bp.post("/starter")
def starter() -> Response:
    if not DeleteForm().validate():
        abort(400)
    done = run(checks.load_starter)
    flash(_("已载入起始词库，新增 %(n)s 条。", n=sum(s.added for s in done.value)), "ok")
    return redirect(url_for("wordlists.index"))


def _render(word_list: WordList, status: int = 200, **forms: Any) -> tuple[str, int]:
    session = db_session()
    entries = session.scalars(
        select(WordEntry).where(WordEntry.list_id == word_list.id).order_by(WordEntry.term)
    ).all()
    log = session.execute(
        select(AdminEvent, User.name)
        .outerjoin(User, User.id == AdminEvent.actor_id)
        .where(AdminEvent.target_type == "word_list", AdminEvent.target_id == str(word_list.id))
        .order_by(AdminEvent.at.desc(), AdminEvent.id.desc())
        .limit(50)
    ).all()
    context = {
        "word_list": word_list,
        "entries": entries,
        "log": log,
        "entry_form": EntryForm(formdata=None),
        "import_form": ListImportForm(formdata=None),
        "delete_form": DeleteForm(formdata=None),
        **forms,
    }
    return render_template("checks/wordlist.html", **context), status


@bp.get("/<int:list_id>")
def show(list_id: int) -> tuple[str, int]:
    return _render(_list(list_id))


def _entry(form: EntryForm) -> EntryInput:
    return EntryInput(
        form.term.data or "",
        form.category.data or "",
        form.severity.data or "",
        form.suggestion.data or "",
        form.note.data or "",
    )


@bp.post("/<int:list_id>/entries")
def add(list_id: int) -> Any:
    return _save(list_id, None)


@bp.post("/<int:list_id>/entries/<int:entry_id>")
def edit(list_id: int, entry_id: int) -> Any:
    return _save(list_id, entry_id)


def _save(list_id: int, entry_id: int | None) -> Any:
    word_list = _list(list_id)
    form = EntryForm()
    if not form.validate():
        message = "；".join(str(e) for errs in form.errors.values() for e in errs)
        flash(message or _("请按提示修改后重新提交。"), "error")
        return _render(word_list, 422, entry_form=form)
    try:
        run(checks.save_entry, list_id=list_id, entry=_entry(form), entry_id=entry_id)
    except ValidationFailed as exc:
        db_session().expire_all()
        flash(_("未保存：%(why)s", why=workflow_message(exc)), "error")
        return _render(_list(list_id), 422, entry_form=form)
    flash(_("已保存词条：%(term)s", term=(form.term.data or "").strip()), "ok")
    return redirect(url_for("wordlists.show", list_id=list_id))


@bp.post("/<int:list_id>/entries/<int:entry_id>/delete")
def delete(list_id: int, entry_id: int) -> Response:
    _list(list_id)
    if not DeleteForm().validate():
        abort(400)
    try:
        run(checks.delete_entry, list_id=list_id, entry_id=entry_id)
    except ValidationFailed:
        abort(404)
    flash(_("已删除词条。"), "ok")
    return redirect(url_for("wordlists.show", list_id=list_id))


@bp.get("/<int:list_id>/export.xlsx")
def export(list_id: int) -> Response:
    word_list = _list(list_id)
    entries = db_session().scalars(
        select(WordEntry).where(WordEntry.list_id == list_id).order_by(WordEntry.term)
    )
    data = listfile.export(list(entries))
    return send_file(
        BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{word_list.name}.xlsx"
    )


@bp.post("/<int:list_id>/import")
def import_file(list_id: int) -> Any:
    word_list = _list(list_id)
    form = ListImportForm()
    upload = form.file.data
    if not form.validate() or upload is None:
        flash(_("请选择 .xlsx 格式的词库文件。"), "error")
        return _render(word_list, 422, import_form=form)
    data = upload.read(MAX_FILE + 1)
    try:
        rows = listfile.read(data, upload.filename or "")
    except listfile.ListFileError as exc:
        flash(str(exc), "error")  # names the file and the rows, in Chinese
        return _render(word_list, 422, import_form=form)
    done = run(
        checks.import_entries,
        list_id=list_id,
        entries=[EntryInput(*row) for row in rows],
        replace=bool(form.replace.data),
    )
    s = done.value
    flash(
        _(
            "已导入：新增 %(a)s 条，修改 %(c)s 条，删除 %(r)s 条。",
            a=s.added,
            c=s.changed,
            r=s.removed,
        ),
        "ok",
    )
    return redirect(url_for("wordlists.show", list_id=list_id))
