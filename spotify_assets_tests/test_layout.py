"""The package's floors (docs/architecture.md, What may import what): every import of the project
points down, the plain-Python parts never import Dagster, and no module outgrows ~300 lines
without saying why at its top."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "spotify_assets"

# What each part may import from the project (itself included), from the ground floor up.
# `endpoints` (the rule of where credentials may go) is on the ground floor, next to settings.
PLAIN = {
    "spotify_assets.settings": set(),
    "spotify_assets.endpoints": set(),
    "spotify_assets.lake": {"spotify_assets.lake"},
    "spotify_assets.trends": {"spotify_assets.lake", "spotify_assets.trends"},
    "spotify_assets.catalog": {"spotify_assets.lake", "spotify_assets.catalog"},
    "spotify_assets.spotify": {"spotify_assets.endpoints", "spotify_assets.lake", "spotify_assets.spotify"},
    "spotify_assets.charts": {"spotify_assets.lake", "spotify_assets.charts"},
    "spotify_assets.star": {"spotify_assets.lake", "spotify_assets.star"},
    "spotify_assets.warehouse": {"spotify_assets.lake", "spotify_assets.warehouse"},
}
ALLOWED = {
    **PLAIN,
    "spotify_assets.defs": {*PLAIN, "spotify_assets.defs"},
    "spotify_assets.definitions": {*PLAIN, "spotify_assets.defs"},
    "spotify_assets.cli": {*PLAIN, "spotify_assets.defs", "spotify_assets.definitions", "spotify_assets.cli"},
}
LONG = 300


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _part(module: str, parts) -> str | None:
    """The longest part that `module` is, or is inside of."""
    matches = [p for p in parts if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else None


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function (TYPE_CHECKING included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from spotify_assets.spotify import fields` imports the module spotify_assets.spotify.fields
            names |= {f"{node.module}.{alias.name}" for alias in node.names if node.module.startswith("spotify_assets")}
    return names


def test_every_module_belongs_to_a_part():
    unplaced = [m for m in _modules() if m != "spotify_assets" and _part(m, ALLOWED) is None]
    assert not unplaced, f"modules outside every part of docs/architecture.md: {unplaced}"


def test_every_import_points_down():
    modules = _modules()
    wrong = []
    for module, path in sorted(modules.items()):
        part = _part(module, ALLOWED)
        if part is None:
            continue
        for imported in _imports(path):
            if not imported.startswith("spotify_assets") or imported not in modules:
                continue
            target = _part(imported, ALLOWED)
            if target is not None and target not in ALLOWED[part]:
                wrong.append(f"{module} ({part}) imports {imported} ({target})")
    assert not wrong, "imports against the floors of docs/architecture.md:\n" + "\n".join(wrong)


def test_plain_parts_name_no_dagster():
    named = [
        f"{module} imports {imported}"
        for module, path in sorted(_modules().items())
        if _part(module, PLAIN)
        for imported in _imports(path)
        if imported.split(".")[0] == "dagster" or imported.startswith("dagster_")
    ]
    assert not named, named


def test_plain_parts_load_no_dagster_even_indirectly():
    plain = sorted(m for m in _modules() if _part(m, PLAIN) and not m.endswith("__main__"))
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in plain)
        + "print(sorted(m for m in sys.modules if m == 'dagster' or m.startswith('dagster.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"importing the plain parts loads Dagster: {loaded[:300]}"


def test_long_modules_say_why():
    silent = []
    for module, path in _modules().items():
        text = path.read_text()
        if text.count("\n") > LONG:
            docstring = ast.get_docstring(ast.parse(text)) or ""
            if "on purpose" not in docstring:
                silent.append(f"{module}: {text.count(chr(10))} lines")
    assert not silent, f"over {LONG} lines without a reason ('... on purpose: why') at the top: {silent}"
