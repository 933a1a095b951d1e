"""Log in and out, choose the interface language, and the home page that sends each
user to their own work."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response

from web import db_session
from web.auth import Account
from web.blueprints.review import has_inbox
from web.forms import LanguageForm, LoginForm, SecondFactorForm
from web.helpers import now, run, run_as
from web.limits import client_address, policy
from workflow import security
from workflow.accounts import hash_password, password_needs_rehash, verify_password
from workflow.enums import Role
from workflow.models import User
from workflow.services import logins
from workflow.services import users as user_settings

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# Verified when the login does not exist, so both paths take the same time.
_DUMMY_HASH = hash_password("no-such-user-password")
# A password checked for an account with two-factor login waits this long for the code.
PENDING = "second_factor_pending"
SECOND_FACTOR_SECONDS = 300


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\\evil.example" as "//evil.example": no backslash, space or control.
    if any(c == "\\" or c.isspace() or not c.isprintable() for c in target):
        return None
    return target


def _refused(wait: int) -> tuple[str, int]:
    message = _("登录失败次数过多，请在 %(seconds)s 秒后再试。", seconds=wait)
    return render_template("auth/login.html", form=LoginForm(), error=message), 429


def _begin(user: User, target: str | None) -> Response:
    """The password (and second factor) are right: a new server-side session."""
    locale = session.get("locale")
    sid = security.new_session_id()
    run_as(
        user,
        logins.start_session,
        user=user,
        id_hash=security.session_hash(sid),
        address=client_address(),
        login=user.login,
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
    )
    # A fresh session at login: nothing of the anonymous one (its CSRF token included)
    # carries over, so a planted session id is worthless.
    session.clear()
    login_user(Account(user, sid))
    session.permanent = True
    if user.locale is None and locale:
        session["locale"] = locale
    generate_csrf()
    log.info("login %s", user.login)
    return redirect(target or url_for("auth.home"))


def _check_password(login_name: str, password: str) -> User | None:
    dbs = db_session()
    user = dbs.execute(select(User).where(User.login == login_name)).scalar_one_or_none()
    # One real hash check whatever the account: a missing user or one without a
    # password must not answer faster (that would tell which logins exist).
    real = user is not None and bool(user.password_hash)
    probe = user if real and user is not None else User(password_hash=_DUMMY_HASH)
    ok = verify_password(probe, password) and real
    if not (ok and user is not None and user.active):
        return None
    if password_needs_rehash(user):
        run_as(user, user_settings.rehash_password, user=user, password=password)
    return user


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        # Both fields are required: the validated form has them.
        assert form.login.data is not None and form.password.data is not None
        login_name = security.printable(form.login.data)
        address = client_address()
        # Counted per (login, address): failures elsewhere never delay this person here.
        wait = run_as(
            None, logins.claim_attempt, login=login_name, address=address, policy=policy()
        ).value
        if wait:
            return _refused(wait)
        user = _check_password(login_name, form.password.data)
        target = _safe_next(request.args.get("next"))
        if user is not None and user.totp_secret:
            locale = session.get("locale")
            session.clear()
            session[PENDING] = {"user": user.id, "at": now().timestamp(), "next": target}
            if locale:
                session["locale"] = locale
            return redirect(url_for("auth.second_factor"))
        if user is not None:
            return _begin(user, target)
        run_as(
            None,
            logins.login_failed,
            login=login_name,
            user=None,
            address=address,
            policy=policy(),
        )
        log.info("failed login for %r", login_name)
        return render_template("auth/login.html", form=form, error=_("用户名或密码错误")), 401
    return render_template("auth/login.html", form=form)


def _pending_user() -> tuple[User, str | None] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        started = float(pending.get("at", 0))
        uid = int(pending.get("user", 0))
    except (TypeError, ValueError):
        return None
    if now().timestamp() - started > SECOND_FACTOR_SECONDS:
        return None
    user = db_session().get(User, uid)
    if user is None or not user.active or not user.totp_secret:
        return None
    return user, _safe_next(pending.get("next"))


@bp.route("/login/2fa", methods=["GET", "POST"])
def second_factor() -> Response | tuple[str, int] | str:
    """The second step of a login with two-factor: a TOTP code or a recovery code."""
    found = _pending_user()
    if found is None:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    user, target = found
    form = SecondFactorForm()
    if form.validate_on_submit():
        assert form.code.data is not None
        address = client_address()
        wait = run_as(
            None, logins.claim_attempt, login=user.login, address=address, policy=policy()
        ).value
        if wait:
            message = _("登录失败次数过多，请在 %(seconds)s 秒后再试。", seconds=wait)
            return render_template("auth/second_factor.html", form=form, error=message), 429
        if run_as(user, logins.second_factor, user=user, code=form.code.data).value:
            return _begin(user, target)
        run_as(
            None,
            logins.login_failed,
            login=user.login,
            user=user,
            address=address,
            result=logins.SECOND_FACTOR_FAILURE,
            policy=policy(),
        )
        error = _("验证码错误或已使用")
        return render_template("auth/second_factor.html", form=form, error=error), 401
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    account = current_user._get_current_object()
    if account.sid:
        run(
            logins.end_session,
            id_hash=security.session_hash(account.sid),
            address=client_address(),
        )
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
            run(user_settings.set_locale, user=current_user.user, locale=chosen)
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
