"""Issue 14: every write of the web layer (views, commands, the demo launcher) is a
workflow service run through the runner (`web.helpers.run`, `web.cli_support.run`,
`workflow.runner.run`). This scans web/**/*.py for what would write behind the services'
back: a session's commit, add, add_all, delete, flush or merge; an INSERT, UPDATE or
DELETE statement; a model built by hand (`Column(...)`, `Unit(...)`, …); an attribute
set on a loaded row (`user.active = False`, which the next service's commit would
write unlogged). Read-only `session.execute(select(...))` is fine, and so is a
rollback."""

from __future__ import annotations

import ast
from pathlib import Path

from workflow.models import Base

ROOT = Path(__file__).resolve().parents[1]
WRITES = {"commit", "add", "add_all", "delete", "flush", "merge", "bulk_save_objects"}
DML = {"insert", "update", "delete"}
MODELS = {mapper.class_.__name__ for mapper in Base.registry.mappers}

# Attributes set on what is not a row: WTForms fields (their data, errors, choices) and
# objects rooted at these names.
FORM_ATTRIBUTES = {"data", "errors", "choices"}
NOT_ROWS = {
    "g": "Flask's request globals",
    "self": "a class's own state (web.auth.Account, parsers, view helpers)",
    "app": "the Flask app being set up",
    "login_manager": "Flask-Login's settings",
    "session": "the signed cookie session (session.permanent), never a database one",
    "out": "a page's data class (admin_links.ColumnLinks)",
    "storage": "an uploaded file (werkzeug FileStorage)",
}

# (file, what is called) → why it is not a write. Keep each entry explained.
ALLOWED: dict[tuple[str, str], str] = {
    # A transient User never added to a session: the login page verifies a dummy hash
    # for unknown logins so both paths take the same time.
    ("web/blueprints/auth.py", "User"): "timing probe, never persisted",
    # Python sets, not sessions: the log page gathers ids to look up.
    ("web/blueprints/admin_log.py", "wanted[e.target_type].add"): "a set",
    ("web/blueprints/admin_log.py", "actor_ids.add"): "a set",
    # The import page collects the links the admin ticked.
    ("web/blueprints/admin_import.py", "out.add"): "a set",
}


def writes_in(source: str, path: str) -> list[str]:
    """The writes in one module's source, as "path:line what"."""
    tree = ast.parse(source)
    dml_names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in DML
    }
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = ast.unparse(func)
        write = (
            (isinstance(func, ast.Attribute) and func.attr in WRITES)
            or (isinstance(func, ast.Name) and func.id in MODELS | dml_names)
            or (isinstance(func, ast.Attribute) and func.attr in MODELS)
            or _dml_text(node)
        )
        if write and (path, called) not in ALLOWED:
            found.append((node.lineno, node.col_offset, f"{path}:{node.lineno} {called}(…)"))
    for target in _attribute_targets(tree):
        if target.attr in FORM_ATTRIBUTES or _root(target) in NOT_ROWS:
            continue
        hit = f"{path}:{target.lineno} {ast.unparse(target)} = …"
        found.append((target.lineno, target.col_offset, hit))
    return [hit for *_, hit in sorted(found)]


def _attribute_targets(tree: ast.AST) -> list[ast.Attribute]:
    targets: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets += node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets.append(node.target)
    flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
    return [e for e in flat if isinstance(e, ast.Attribute)]


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _dml_text(call: ast.Call) -> bool:
    """text("UPDATE …") and the like."""
    if ast.unparse(call.func) not in ("text", "sqlalchemy.text", "sa.text") or not call.args:
        return False
    first = call.args[0]
    return (
        isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and first.value.strip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    )


def test_no_writes_are_left_in_web() -> None:
    found = [
        hit
        for path in sorted((ROOT / "web").rglob("*.py"))
        for hit in writes_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "write through a workflow service (web.helpers.run): " + "; ".join(found)


def test_the_scan_sees_a_commit_in_a_view() -> None:
    view = (
        "from sqlalchemy import select, update as sa_update\n"
        "from web import db_session\n"
        "from workflow.models import Column, Item\n"
        "def view():\n"
        "    rows = db_session().execute(select(Column)).scalars()\n"  # a read: fine
        "    db_session().commit()\n"
        "    session = db_session()\n"
        "    session.add(Column(name='x'))\n"
        "    session.execute(sa_update(Item).values(title='t'))\n"
        "    session.execute(text('DELETE FROM items'))\n"
        "    session.delete(rows[0])\n"
        "    session.flush()\n"
        "    user = db_session().get(User, 1)\n"
        "    user.active, form.name.errors = False, ['x']\n"  # a row's field; a form's
    )
    found = writes_in(view, "web/blueprints/crafted.py")
    assert found == [
        "web/blueprints/crafted.py:6 db_session().commit(…)",
        "web/blueprints/crafted.py:8 session.add(…)",
        "web/blueprints/crafted.py:8 Column(…)",
        "web/blueprints/crafted.py:9 sa_update(…)",
        "web/blueprints/crafted.py:10 text(…)",
        "web/blueprints/crafted.py:11 session.delete(…)",
        "web/blueprints/crafted.py:12 session.flush(…)",
        "web/blueprints/crafted.py:14 user.active = …",
    ]
    # What the allow-list names is allowed only in its own file.
    assert writes_in("def f(out):\n    out.add(1)\n", "web/blueprints/other.py") != []
