"""The house rules of docs/architecture.md that a linter does not check: module and function
sizes, and no import hidden behind an ImportError guard. (The layers themselves are checked by
import-linter in `make lint`.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "accounts", "api", "bilan", "suivi", "dashboard", "portal", "config"]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
#: A longer function says why in its docstring, on a line that starts with this.
LONG_REASON = "Long because"


def python_files(*roots: str) -> list[Path]:
    return sorted(
        path
        for root in roots
        for path in (ROOT / root).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_no_module_over_600_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in python_files(*APPS, "tests", "bench")
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def long_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        if length > MAX_FUNCTION_LINES and LONG_REASON not in (ast.get_docstring(node) or ""):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_over_60_lines_without_a_reason():
    assert [f for path in python_files(*APPS, "bench") for f in long_functions(path)] == []


@pytest.mark.parametrize("app", APPS)
def test_no_import_behind_an_importerror_guard(app):
    guarded = []
    for path in python_files(app):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                if names & {"ImportError", "ModuleNotFoundError"}:
                    guarded.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert guarded == []
