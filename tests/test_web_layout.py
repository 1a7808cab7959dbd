"""The web app's shape (issue 15): app.py an entry point only, tabs and functions that fit
on a screen, Gradio kept to the UI layer. Checked on the source (ast).

``python tests/test_web_layout.py`` prints the longest functions of the web package.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEB = REPO / "assistant" / "web"
MAX_FUNCTION_LINES = 80
MAX_TAB_LINES = 500
MAX_APP_LINES = 150
NO_GRADIO = ("services.py", "render.py", "config.py")  # the web package's parts without Gradio


def function_lengths(paths) -> list[tuple[int, str]]:
    """(lines, "file:function") for every function and method, decorators included, longest first."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                found.append((node.end_lineno - start + 1, f"{path.relative_to(REPO)}:{node.name}"))
    return sorted(found, reverse=True)


def _web_files() -> list[Path]:
    return [REPO / "app.py", *sorted(WEB.rglob("*.py"))]


def test_app_py_is_an_entry_point():
    assert len((REPO / "app.py").read_text().splitlines()) < MAX_APP_LINES


def test_no_tab_module_over_the_limit():
    for path in (WEB / "tabs").glob("*.py"):
        assert len(path.read_text().splitlines()) <= MAX_TAB_LINES, path.name


def test_no_function_in_the_web_app_over_the_limit():
    too_long = [(n, name) for n, name in function_lengths(_web_files()) if n > MAX_FUNCTION_LINES]
    assert too_long == []


def test_services_and_rendering_do_not_import_gradio():
    for name in NO_GRADIO:
        tree = ast.parse((WEB / name).read_text())
        for node in ast.walk(tree):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                       [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(m.split(".")[0] in ("gradio", "gradio_client", "starlette") for m in modules), name


def test_handlers_do_not_return_positional_tuples_of_updates():
    """A handler that returns several updates returns {component: update}, never a list by position."""
    for path in _web_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Return) and isinstance(node.value, (ast.List, ast.Tuple)):
                calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)
                         and getattr(n.func, "attr", getattr(n.func, "id", "")) == "update"]
                assert not calls, (path.name, node.lineno)


if __name__ == "__main__":
    for lines, name in function_lengths(_web_files())[:15]:
        print(f"{lines:4d}  {name}")
