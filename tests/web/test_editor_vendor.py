"""The vendored editor (web/static/vendor/tiptap/) is what its build recipe made: the
shipped files match SHA256SUMS, the licences of what is bundled are shipped with it, and
the pinned versions are the ones docs/web.md names."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "tiptap"


def test_the_shipped_files_match_their_checksums() -> None:
    lines = (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split(maxsplit=1)) for line in lines if line.strip())
    assert set(listed) == {"tiptap.min.js", "LICENSES.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_build_recipe_is_pinned_and_shipped() -> None:
    recipe = VENDOR / "bundle"
    for name in ("package.json", "package-lock.json", "build.sh", "entry.js", "licences.js"):
        assert (recipe / name).is_file(), name
    package = json.loads((recipe / "package.json").read_text(encoding="utf-8"))
    versions = {**package["dependencies"], **package["devDependencies"]}
    # Exact versions only: a rebuild makes the same file.
    assert all(v[0].isdigit() for v in versions.values()), versions
    lock = json.loads((recipe / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/@tiptap/core"]["version"] == versions["@tiptap/core"]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    assert f"Tiptap {versions['@tiptap/core']}" in docs


def test_every_bundled_package_is_mit_licensed() -> None:
    licences = (VENDOR / "LICENSES.txt").read_text(encoding="utf-8")
    headers = [line for line in licences.splitlines() if line.startswith(("@", "prosemirror"))]
    assert any(h.startswith("@tiptap/core ") for h in headers)
    assert any(h.startswith("prosemirror-tables ") for h in headers)
    assert all(h.endswith("(MIT)") for h in headers), headers
