"""Log in and out, choose the interface language, and the home page that sends each
user to their own work."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response

from web import db_session
from web.auth import Account
from web.blueprints.review import has_inbox
from web.forms import LanguageForm, LoginForm
from web.limits import account_key, address_key, failed, limiter, per_account, per_address
from workflow.accounts import hash_password, password_needs_rehash, verify_password
from workflow.db import begin_write
from workflow.enums import Role
from workflow.models import User

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# Verified when the login does not exist, so both paths take the same time.
_DUMMY_HASH = hash_password("no-such-user-password")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(per_account, key_func=account_key, methods=["POST"], deduct_when=failed)
@limiter.limit(per_address, key_func=address_key, methods=["POST"], deduct_when=failed)
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        # Both fields are required: the validated form has them.
        assert form.login.data is not None and form.password.data is not None
        dbs = db_session()
        user = dbs.execute(
            select(User).where(User.login == form.login.data.strip())
        ).scalar_one_or_none()
        # One real hash check whatever the account: a missing user or one without a
        # password must not answer faster (that would tell which logins exist).
        real = user is not None and bool(user.password_hash)
        probe = user if real and user is not None else User(password_hash=_DUMMY_HASH)
        ok = verify_password(probe, form.password.data) and real
        ok = ok and user is not None and user.active
        if ok and user is not None:
            if password_needs_rehash(user):
                begin_write(dbs)
                user.password_hash = hash_password(form.password.data)
                dbs.commit()
            target = _safe_next(request.args.get("next"))
            locale = session.get("locale")
            # A fresh session at login: nothing of the anonymous one (its CSRF token
            # included) carries over, so a planted session id is worthless.
            session.clear()
            login_user(Account(user))
            session.permanent = True
            if user.locale is None and locale:
                session["locale"] = locale
            generate_csrf()
            log.info("login %s", user.login)
            return redirect(target or url_for("auth.home"))
        log.info("failed login for %r", form.login.data)
        return render_template("auth/login.html", form=form, error=_("用户名或密码错误")), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        chosen = form.locale.data
        session["locale"] = chosen
        if current_user.is_authenticated:
            begin_write(db_session())
            current_user.user.locale = chosen
            db_session().commit()
        refresh()
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.home"))


@bp.get("/")
@login_required
def home() -> Response | str:
    """Each user starts where their work is."""
    user = current_user.user
    if has_inbox(user):
        return redirect(url_for("review.inbox"))
    if user.has_role(Role.DRAFTER):
        return redirect(url_for("drafting.my_columns"))
    if user.has_role(Role.ADMIN):
        return redirect(url_for("admin.index"))
    if user.has_role(Role.SUPERVISOR):
        return redirect(url_for("main.index"))
    # No page is theirs (e.g. an office editor outside 区政府办): say so, not 403.
    return render_template(
        "errors/error.html",
        status=200,
        title=_("暂无待办工作"),
        message=_(
            "您的账户目前没有可处理的工作：审发须由区政府办的编辑进行。"
            "如需调整角色或所属单位，请联系管理员。"
        ),
        typed=[],
    )
