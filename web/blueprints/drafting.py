"""The drafter's pages: my columns, a column's items, new and edit forms, and the
drafting actions (submit, resubmit, withdraw, revise)."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Any, NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import Row, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from web import db_session
from web.blueprints.review import form_refused, render_item
from web.errors import workflow_message
from web.forms import ATTACHMENT_SLOTS, CommentForm, ItemForm, RemoveAttachmentForm, VersionForm
from web.helpers import actor, now, require_role, run, visible_item
from web.holding_view import holdings
from web.itempage import history, last_return, may_edit
from web.labels import GUIDE_ELEMENTS, STATES
from web.sanitize import BodyRefused, clean_body
from workflow import services
from workflow.attachments import ALLOWED_EXTENSIONS, AttachmentRefused, check_attachment
from workflow.deadlines.describe import describe
from workflow.deadlines.evaluate import Settings, evaluate
from workflow.deadlines.scopes import part_scopes
from workflow.docx_body import MAX_BYTES as DOCX_MAX_BYTES
from workflow.docx_body import docx_body
from workflow.enums import Action, AttachmentType, ItemKind, Role, State
from workflow.errors import (
    NotDesignated,
    SeriousFindings,
    StaleVersion,
    ValidationFailed,
    WorkflowError,
)
from workflow.importer.errors import ImportFileError
from workflow.models import AuditEvent, Column, ColumnAssignment, Item
from workflow.outcome import Outcome
from workflow.prerequisites import Prerequisites
from workflow.storage import BlobStore

bp = Blueprint("drafting", __name__)

OPEN_STATES = (State.DRAFT, State.RETURNED, *(s for s in State if s.endswith("review")))


class UploadRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _store() -> BlobStore:
    return BlobStore(current_app.config["SANSHEN"].ATTACHMENT_DIR)


def _settings() -> Settings:
    cfg = current_app.config["SANSHEN"]
    return Settings(stale_after_months=cfg.STALE_AFTER_MONTHS, timezone=cfg.TIMEZONE)


@bp.get("/columns")
@login_required
def my_columns() -> str:
    """My unit's columns with their next due date and status, and my open items."""
    require_role(Role.DRAFTER)
    user = actor()
    session = db_session()
    statuses = {
        s.assignment_id: s for s in evaluate(session, now(), _settings(), unit_id=user.unit_id)
    }
    assignments = session.execute(
        select(ColumnAssignment, Column)
        .join(Column, Column.id == ColumnAssignment.column_id)
        .where(ColumnAssignment.unit_id == user.unit_id, Column.retired_at.is_(None))
        .order_by(Column.path)
    ).all()
    rows = []
    for assignment, column in assignments:
        designated = [u.id for u in assignment.drafters]
        rows.append(
            {
                "column": column,
                "assignment": assignment,
                "status": statuses.get(assignment.id),
                "may_draft": not designated or user.id in designated,
            }
        )
    items = session.execute(
        select(Item, Column.path)
        .join(Column, Column.id == Item.column_id)
        .where(Item.unit_id == user.unit_id, Item.state.in_([s.value for s in OPEN_STATES]))
        .order_by(Item.state_since.desc())
    ).all()
    order = {State.RETURNED: 0, State.DRAFT: 1}
    items = sorted(items, key=lambda r: order.get(State(r[0].state), 2))
    return render_template(
        "drafting/columns.html",
        rows=rows,
        items=items,
        comments=_return_comments(items),
        state_names={s.value: str(STATES[s]) for s in State},
        held=holdings([item for item, _path in items]),
    )


def _return_comments(items: Sequence[Row[Item, str]]) -> dict[int, str]:
    """The reviewer's comment on each returned item (its latest reject), in one query."""
    returned = [item.id for item, _path in items if item.state == State.RETURNED]
    if not returned:
        return {}
    latest = (
        select(AuditEvent.item_id, func.max(AuditEvent.seq).label("seq"))
        .where(AuditEvent.item_id.in_(returned), AuditEvent.action == Action.REJECT)
        .group_by(AuditEvent.item_id)
        .subquery()
    )
    rows = db_session().execute(
        select(AuditEvent.item_id, AuditEvent.comment).join(
            latest,
            (latest.c.item_id == AuditEvent.item_id) & (latest.c.seq == AuditEvent.seq),
        )
    )
    return {item_id: comment or "" for item_id, comment in rows}


def _my_column(column_id: int) -> tuple[Column, ColumnAssignment]:
    user = actor()
    session = db_session()
    row = session.execute(
        select(Column, ColumnAssignment)
        .join(ColumnAssignment, ColumnAssignment.column_id == Column.id)
        .where(Column.id == column_id, ColumnAssignment.unit_id == user.unit_id)
    ).first()
    if row is None:
        abort(404)
    return row[0], row[1]


@bp.get("/columns/<int:column_id>")
@login_required
def column(column_id: int) -> str:
    column, assignment = _my_column(column_id)
    session = db_session()
    user = actor()
    status = next(
        (
            s
            for s in evaluate(session, now(), _settings(), unit_id=user.unit_id)
            if s.assignment_id == assignment.id
        ),
        None,
    )
    items = (
        session.execute(
            select(Item)
            .where(Item.column_id == column.id, Item.unit_id == user.unit_id)
            .order_by(Item.updated_at.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    designated = assignment.drafters
    return render_template(
        "drafting/column.html",
        column=column,
        assignment=assignment,
        status=status,
        items=items,
        designated=designated,
        held=holdings(items),
        may_draft=user.has_role(Role.DRAFTER)
        and (not designated or user.id in {u.id for u in designated}),
    )


def _kind_choices(column: Column) -> list[tuple[str, str]]:
    from web.labels import KINDS

    prereq = Prerequisites.of(column.content_type, column.prerequisites)
    choices = []
    for kind in ItemKind:
        if kind == ItemKind.STATEMENT and not column.allows_statement:
            continue
        try:
            prereq.check_kind(kind)
        except WorkflowError:
            continue
        choices.append((kind.value, str(KINDS[kind])))
    return choices


def _set_parts(form: ItemForm, column: Column, current: int | None = None) -> None:
    """The part choice, when the column has several live parts (with one, it is taken
    without asking; with none, there is nothing to choose)."""
    live = [p for p in column.parts if p.retired_at is None]
    if len(live) < 2 or not part_scopes(column.rules or []):
        del form.part_id
        return
    rules = column.rules or []
    choices: list[tuple[int, str]] = [(0, str(_("——请选择——")))]
    for part in live:
        said = [
            describe({k: v for k, v in r.items() if k != "scope"}, _locale())
            for r in rules
            if r.get("scope") == part.name
        ]
        label = part.name + (f"（{'；'.join(said)}）" if said else "")
        choices.append((part.id, label))
    form.part_id.choices = choices
    if not form.is_submitted():
        form.part_id.data = current or 0


def _locale() -> str:
    return "en" if str(get_locale() or "").startswith("en") else "zh"


def _chosen_part(form: ItemForm) -> int | None:
    field = getattr(form, "part_id", None)
    return (field.data or None) if field is not None else None


def _has_event_rule(column: Column) -> bool:
    return any(r.get("kind") in ("after_event", "prompt") for r in (column.rules or []))


class Upload(NamedTuple):
    filename: str
    data: bytes
    kind: str  # the attachment type


def _limit_mb(limit: int) -> str:
    return f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def _read_upload(storage: FileStorage, limit: int) -> tuple[str, bytes]:
    """The file's plain name and content; refuses a disallowed type, an oversize or an
    empty file and content that is not what its extension says, before anything is
    written."""
    name = PurePath((storage.filename or "").replace("\\", "/")).name
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRefused(
            _(
                "不允许上传此类文件：%(name)s。允许的类型：%(types)s",
                name=name,
                types="、".join(sorted(ALLOWED_EXTENSIONS)),
            ),
            422,
        )
    data = storage.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(
            _(
                "文件过大：%(name)s 超过 %(mb)s MB 的上限。请压缩或拆分后上传。",
                name=name,
                mb=_limit_mb(limit),
            ),
            413,
        )
    if not data:
        raise UploadRefused(_("文件是空的：%(name)s", name=name), 422)
    try:  # the service checks again; here nothing is written yet
        check_attachment(name, data)
    except AttachmentRefused as exc:
        raise UploadRefused(str(exc), 422) from exc
    return name, data


def _uploads(form: ItemForm) -> list[Upload]:
    """The chosen files with their types, and the images pasted into the editor (as
    type "other"); refuses any bad one before anything is written."""
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    out = []
    for i in range(1, ATTACHMENT_SLOTS + 1):
        storage: FileStorage | None = getattr(form, f"file_{i}").data
        if storage is None or not storage.filename:
            continue
        name, data = _read_upload(storage, limit)
        out.append(Upload(name, data, getattr(form, f"type_{i}").data))
    for storage in form.pasted_images.data or []:
        if isinstance(storage, FileStorage) and storage.filename:
            name, data = _read_upload(storage, limit)
            out.append(Upload(name, data, AttachmentType.OTHER.value))
    return out


class Imported(NamedTuple):
    """What a Word file given as 正文 brought: its body, its pictures, those dropped."""

    html: str
    images: list[Upload]
    dropped: int


def _imported(form: ItemForm) -> Imported | None:
    storage: FileStorage | None = form.body_file.data
    if storage is None or not storage.filename:
        return None
    name = PurePath(storage.filename.replace("\\", "/")).name
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    most = min(DOCX_MAX_BYTES, limit)
    data = storage.read(most + 1)
    try:
        body = docx_body(name, data, max_bytes=most, max_image_bytes=limit)
    except ImportFileError as exc:
        raise UploadRefused(
            _("未能从 Word 文件导入正文：%(reason)s。已填写的内容均已保留。", reason=str(exc)),
            422,
        ) from exc
    images = [Upload(i.filename, i.data, AttachmentType.OTHER.value) for i in body.images]
    return Imported(body.html, images, body.dropped_images)


def _clean_body(form: ItemForm, imported: Imported | None = None) -> str:
    """The body as safe HTML (a Word file's body after the typed one), or a refusal
    naming the text that cleaning would drop."""
    raw = form.body.data or ""
    if imported is not None:
        raw = f"{raw}\n{imported.html}" if raw.strip() else imported.html
    try:
        return clean_body(raw, strict=True)
    except BodyRefused as exc:
        raise UploadRefused(
            _(
                "正文中“%(text)s”附近的文字无法按网页格式保存，保存后会丢失。"
                "请检查这一处的尖括号等符号（可改用全角“＜＞”），或删去不需要的网页代码后重新保存。",
                text=exc.lost,
            ),
            422,
        ) from exc


def _attach(item: Item, uploads: list[Upload]) -> None:
    for upload in uploads:
        media = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        run(
            services.add_attachment,
            item_id=item.id,
            expected_version=item.version,
            store=_store(),
            data=upload.data,
            filename=upload.filename,
            attachment_type=upload.kind,
            media_type=media,
        )


def _say_imported(imported: Imported | None) -> None:
    if imported is None:
        return
    if imported.images:
        flash(
            _(
                "已从 Word 文件导入正文；其中的 %(n)d 张图片已作为附件上传。",
                n=len(imported.images),
            ),
            "ok",
        )
    else:
        flash(_("已从 Word 文件导入正文。"), "ok")
    if imported.dropped:
        flash(
            _(
                "Word 文件中另有 %(n)d 张图片未能导入（格式不支持或数量过多），"
                "请另存为 JPG 或 PNG 后作为附件上传。",
                n=imported.dropped,
            ),
            "warn",
        )


def _guide_fields(kind: str, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The structured fields: the eight 办事指南 elements for a service guide."""
    fields = dict(current or {})
    if kind == ItemKind.SERVICE_GUIDE:
        for key in GUIDE_ELEMENTS:
            fields[key] = (request.form.get(f"field_{key}") or "").strip()
    return fields


def _current(item: Item) -> Any:
    return next(r for r in item.revisions if r.number == item.current_revision_no)


def _render_form(
    form: ItemForm,
    column: Column,
    item: Item | None,
    error: str | None = None,
    status: int = 200,
    conflict: Any = None,
) -> tuple[str, int]:
    rev = _current(item) if item is not None else None
    if request.method == "POST":
        guide = {k: request.form.get(f"field_{k}", "") for k in GUIDE_ELEMENTS}
    else:
        guide = {k: (rev.fields or {}).get(k, "") if rev else "" for k in GUIDE_ELEMENTS}
    if item is not None:
        show_guide = item.kind == ItemKind.SERVICE_GUIDE
    else:
        show_guide = any(c[0] == ItemKind.SERVICE_GUIDE for c in _kind_choices(column))
    returned = None
    if item is not None and item.state == State.RETURNED:
        returned = last_return(history(db_session(), item.id))
    return (
        render_template(
            "drafting/item_form.html",
            show_guide=show_guide,
            guide_required=Prerequisites.of(
                column.content_type, column.prerequisites
            ).service_guide_elements,
            returned=returned,
            guide=guide,
            guide_labels=GUIDE_ELEMENTS,
            form=form,
            column=column,
            item=item,
            error=error,
            event_rule=_has_event_rule(column),
            rev=rev,
            conflict=conflict,
            remove_form=RemoveAttachmentForm(),
        ),
        status,
    )


@bp.route("/columns/<int:column_id>/new", methods=["GET", "POST"])
@login_required
def new_item(column_id: int) -> Any:
    require_role(Role.DRAFTER)
    column, assignment = _my_column(column_id)
    if assignment.drafters and actor().id not in {u.id for u in assignment.drafters}:
        raise NotDesignated("the column has designated drafters")
    form = ItemForm()
    form.kind.choices = _kind_choices(column)
    _set_parts(form, column)
    if form.is_submitted() and not form.validate():
        return _render_form(form, column, None, _("请按提示修改后重新提交。"), 422)
    if not form.is_submitted():
        wanted = request.args.get("kind")
        if wanted in {c for c, _l in form.kind.choices}:
            form.kind.data = wanted
        form.nonce.data = secrets.token_urlsafe(16)
        return _render_form(form, column, None)
    # The form's one-time token: a second post of it (a double click, a resend, two
    # racing requests) gets the item the first one made (a tampered token: no guard).
    key = form.nonce.data if form.nonce.data and len(form.nonce.data) <= 64 else None
    try:
        uploads = _uploads(form)
        imported = _imported(form)
        created = run(
            services.create_item,
            column_id=column.id,
            kind=form.kind.data,
            title=form.title.data,
            body=_clean_body(form, imported),
            fields=_guide_fields(form.kind.data),
            event_date=form.event_date.data,
            prompt_window=current_app.config["SANSHEN"].PROMPT_WINDOW_WORKDAYS,
            request_key=key,
            part_id=_chosen_part(form),
        )
    except UploadRefused as exc:
        return _render_form(form, column, None, str(exc), exc.status)
    except (ValidationFailed, WorkflowError) as exc:
        return _render_form(form, column, None, workflow_message(exc), exc.http_status)
    if not created.events:
        flash(_("此稿件已经保存过，未重复创建。"), "ok")
        return redirect(url_for("review.item", item_id=created.value.id))
    return _after_save(form, created.value, uploads, imported)


def _after_save(
    form: ItemForm, item: Item, uploads: list[Upload], imported: Imported | None = None
) -> Any:
    try:
        _attach(item, uploads + (imported.images if imported else []))
        _say_imported(imported)
        if form.save_submit.data:
            fresh = db_session().get(Item, item.id, populate_existing=True)
            assert fresh is not None
            action = services.resubmit if fresh.state == State.RETURNED else services.submit
            run(action, item_id=fresh.id, expected_version=fresh.version)
            flash(_("已提交初审。"), "ok")
        else:
            flash(_("草稿已保存。"), "ok")
    except WorkflowError as exc:
        # The text is saved; say what stopped the rest and stay on the edit page.
        flash(workflow_message(exc), "error")
        return redirect(url_for("drafting.edit_item", item_id=item.id))
    return redirect(url_for("review.item", item_id=item.id))


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int) -> Any:
    item = visible_item(item_id)
    if not may_edit(item, actor()):
        abort(403)
    column = item.column
    form = ItemForm()
    del form.kind  # the kind is fixed once created
    del form.nonce  # only new-item forms can be posted twice into two items
    _set_parts(form, column, item.part_id)
    if not form.is_submitted():
        rev = next(r for r in item.revisions if r.number == item.current_revision_no)
        form.title.data, form.body.data = rev.title, rev.body
        form.event_date.data = item.event_date
        form.version.data = str(item.version)
        return _render_form(form, column, item)
    if not form.validate():
        return _render_form(form, column, item, _("请按提示修改后重新提交。"), 422)
    try:
        uploads = _uploads(form)
        imported = _imported(form)
        version = int(form.version.data or 0)
        run(
            services.update_draft,
            item_id=item.id,
            expected_version=version,
            title=form.title.data,
            body=_clean_body(form, imported),
            fields=_guide_fields(item.kind, _current(item).fields),
            event_date=form.event_date.data,
            prompt_window=current_app.config["SANSHEN"].PROMPT_WINDOW_WORKDAYS,
            part_id=_chosen_part(form),
            store=_store(),  # files not read yet are read for the content checks
        )
    except UploadRefused as exc:
        return _render_form(form, column, item, str(exc), exc.status)
    except StaleVersion as exc:
        # Someone saved in between: show their revision next to the typed text and take
        # its version, so a deliberate second save replaces it (instead of 409 forever).
        db_session().expire_all()
        item = visible_item(item_id)
        form.version.data = str(item.version)
        return _render_form(
            form, column, item, workflow_message(exc), exc.http_status, conflict=_current(item)
        )
    except WorkflowError as exc:
        db_session().expire_all()
        return _render_form(form, column, item, workflow_message(exc), exc.http_status)
    fresh = db_session().get(Item, item.id, populate_existing=True)
    assert fresh is not None
    return _after_save(form, fresh, uploads, imported)


@bp.post("/items/<int:item_id>/attachments/remove")
@login_required
def remove_attachment(item_id: int) -> Response:
    visible_item(item_id)
    form = RemoveAttachmentForm()
    if not form.validate():
        abort(400)
    run(
        services.remove_attachment,
        item_id=item_id,
        expected_version=form.version.data,
        attachment_id=form.attachment_id.data,
    )
    flash(_("附件已删除。"), "ok")
    return redirect(url_for("drafting.edit_item", item_id=item_id))


def _drafting_action(
    item_id: int, service: Callable[..., Outcome[Any]], message: str, comment: bool = False
) -> Any:
    item = visible_item(item_id)
    form = CommentForm() if comment else VersionForm()
    if not form.validate():
        return form_refused(item, form, **({"withdraw_form": form} if comment else {}))
    kwargs: dict[str, Any] = {"item_id": item_id, "expected_version": form.version.data}
    if isinstance(form, CommentForm):  # exactly when `comment`
        kwargs["comment"] = form.comment.data
    try:
        run(service, **kwargs)
    except SeriousFindings as exc:  # the content checks' serious findings, named
        db_session().expire_all()
        return render_item(item, workflow_message(exc), exc.http_status)
    flash(message, "ok")
    return redirect(url_for("review.item", item_id=item_id))


@bp.post("/items/<int:item_id>/submit")
@login_required
def submit(item_id: int) -> Any:
    return _drafting_action(item_id, services.submit, _("已提交初审。"))


@bp.post("/items/<int:item_id>/resubmit")
@login_required
def resubmit(item_id: int) -> Any:
    return _drafting_action(item_id, services.resubmit, _("已重新提交，稿件将重新经过三审。"))


@bp.post("/items/<int:item_id>/withdraw")
@login_required
def withdraw(item_id: int) -> Any:
    return _drafting_action(item_id, services.withdraw, _("稿件已撤销。"), comment=True)


@bp.post("/items/<int:item_id>/revise")
@login_required
def revise(item_id: int) -> Any:
    done = _drafting_action(
        item_id, services.revise, _("已创建新版本；原已发布版本在新版本审发前保持在线。")
    )
    if isinstance(done, tuple):  # refused: the item page with the message
        return done
    return redirect(url_for("drafting.edit_item", item_id=item_id))
