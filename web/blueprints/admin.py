"""Administration: units, users and roles, the column tree, assignments and designated
drafters, holiday overrides."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from web.helpers import require_role
from workflow.enums import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(Role.ADMIN)


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")
