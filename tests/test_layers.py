"""Imports go one way: ``treadwatch`` (the composition root) → ``server`` (web apps) →
``edge`` (camera, pose, gait, recording, fleet). Read from the source (every import
statement, also those inside functions), not from what happens to be imported at run
time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_packages(package: str) -> dict[str, set[str]]:
    """For each module file under ``package``: the top-level packages it imports."""
    out: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and _is_dynamic_import(node):
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value.split(".")[0])
        out[str(path.relative_to(REPO))] = names
    return out


def _is_dynamic_import(node: ast.Call) -> bool:
    """``importlib.import_module("x.y")`` and ``__import__("x")``."""
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr == "import_module") or (
        isinstance(f, ast.Name) and f.id == "__import__"
    )


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("edge", {"server", "treadwatch"}), ("server", {"treadwatch"})],
)
def test_imports_are_one_directional(package: str, forbidden: set[str]) -> None:
    found = imported_packages(package)
    assert len(found) > 10  # the walk saw the package's modules
    wrong = {path: sorted(names & forbidden) for path, names in found.items() if names & forbidden}
    assert wrong == {}


def test_the_walk_sees_imports_inside_functions() -> None:
    # The composition root imports the web app inside a function: the walk must see it.
    assert "server" in imported_packages("treadwatch")["treadwatch/compose.py"]


def test_the_command_line_loads_without_the_web_stack() -> None:
    """``analyze``, ``bench`` and the other offline commands run where only the analysis
    wheels are installed (the emulated Pi root): building the parser must not import the
    web apps, FastAPI, Starlette or uvicorn (``serve`` and ``hub`` load them when they run)."""
    import subprocess
    import sys

    code = (
        "import sys, treadwatch.cli; treadwatch.cli.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    loaded = set(ast.literal_eval(out))
    assert "edge" in loaded and "treadwatch" in loaded
    assert not loaded & {"server", "fastapi", "starlette", "uvicorn"}
