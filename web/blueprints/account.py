"""The user's own account: change the password (forced after an administrator set it)
and two-factor login (TOTP with recovery codes). A guard sends a user who must change
the password, or must enrol in two-factor login (REQUIRE_2FA), there before anything
else."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from web import db_session
from web.auth import Account
from web.forms import PasswordChangeForm, TwoFactorDisableForm, TwoFactorEnableForm
from web.helpers import actor, run
from web.limits import client_address
from workflow import security
from workflow.accounts import verify_password
from workflow.models import RecoveryCode
from workflow.services import users as user_settings

bp = Blueprint("account", __name__, url_prefix="/account")

# Where a user who must first change the password or enrol may still go.
OPEN_ENDPOINTS = {
    "account.password",
    "account.two_factor",
    "auth.logout",
    "auth.language",
    "static",
}
ENROL = "totp_enrolment_secret"


def two_factor_required() -> bool:
    return bool(current_app.config.get("REQUIRE_2FA")) and security.needs_two_factor(actor())


@bp.before_app_request
def _first_things_first() -> Response | None:
    if not current_user.is_authenticated or request.endpoint in OPEN_ENDPOINTS:
        return None
    user = actor()
    if user.must_change_password:
        return redirect(url_for("account.password"))
    if not user.totp_secret and two_factor_required():
        return redirect(url_for("account.two_factor"))
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | tuple[str, int] | str:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("account/password.html", form=form), status
    assert form.current.data is not None and form.new.data is not None
    if form.new.data != form.confirm.data:
        form.confirm.errors = [_("两次输入的新密码不一致")]
        return render_template("account/password.html", form=form), 422
    sid = security.new_session_id()
    try:
        run(
            user_settings.change_password,
            user=actor(),
            current=form.current.data,
            new=form.new.data,
            id_hash=security.session_hash(sid),
            address=client_address(),
        )
    except user_settings.WrongPassword:
        form.current.errors = [_("当前密码错误")]
        return render_template("account/password.html", form=form), 422
    except user_settings.SamePassword:
        form.new.errors = [_("新密码不能与当前密码相同")]
        return render_template("account/password.html", form=form), 422
    except security.WeakPassword:
        form.new.errors = [_("密码至少8位，并包含小写字母、大写字母、数字、其他字符中的至少三种。")]
        return render_template("account/password.html", form=form), 422
    # Every session of the old password ended (this one too): carry on in a new one.
    login_user(Account(actor(), sid))
    session.permanent = True
    flash(_("密码已修改。"), "ok")
    return redirect(url_for("auth.home"))


@bp.route("/2fa", methods=["GET", "POST"])
@login_required
def two_factor() -> Response | tuple[str, int] | str:
    user = actor()
    if user.totp_secret:
        return _enrolled_page(TwoFactorDisableForm())
    secret = session.get(ENROL)
    if not isinstance(secret, str) or len(secret) != 32:
        # Kept in the (signed) session until confirmed: it is the user's own secret.
        secret = session[ENROL] = security.new_totp_secret()
    form = TwoFactorEnableForm()
    status = 200
    if form.validate_on_submit():
        assert form.code.data is not None
        try:
            codes = run(
                user_settings.enable_two_factor, user=user, secret=secret, code=form.code.data
            ).value
        except user_settings.WrongCode:
            form.code.errors = [_("验证码错误，请核对手机时间后重试")]
            status = 422
        else:
            session.pop(ENROL, None)
            return render_template("account/recovery_codes.html", codes=codes)
    elif form.is_submitted():
        status = 422
    return render_template(
        "account/enrol.html",
        form=form,
        secret=secret,
        uri=security.totp_uri(secret, user.login),
        required=two_factor_required(),
    ), status


def _enrolled_page(form: TwoFactorDisableForm) -> str:
    left = db_session().execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == actor().id, RecoveryCode.used_at.is_(None))
    )
    return render_template(
        "account/two_factor.html", form=form, codes_form=TwoFactorDisableForm(), left=left.scalar()
    )


@bp.post("/2fa/codes")
@login_required
def recovery_codes() -> Response | tuple[str, int] | str:
    """Ten new recovery codes, after the password (the old ones stop working)."""
    form = TwoFactorDisableForm()
    user = actor()
    if not user.totp_secret:
        return redirect(url_for("account.two_factor"))
    if not form.validate_on_submit() or not verify_password(user, form.password.data or ""):
        flash(_("当前密码错误"), "error")
        return _enrolled_page(form), 422
    codes = run(user_settings.new_recovery_codes, user=user).value
    return render_template("account/recovery_codes.html", codes=codes)


@bp.post("/2fa/disable")
@login_required
def two_factor_disable() -> Response | tuple[str, int]:
    form = TwoFactorDisableForm()
    user = actor()
    if two_factor_required():
        flash(_("您的角色必须使用两步验证，不能停用。"), "error")
        return redirect(url_for("account.two_factor"))
    if not form.validate_on_submit() or not verify_password(user, form.password.data or ""):
        flash(_("当前密码错误"), "error")
        return _enrolled_page(form), 422
    run(user_settings.disable_two_factor, user=user)
    flash(_("两步验证已停用。"), "ok")
    return redirect(url_for("account.two_factor"))
