"""The dependency arrows of docs/ARCHITECTURE.md, checked on the source (ast)."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "assistant"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_library_never_imports_gradio():
    for path in PKG.rglob("*.py"):
        if (PKG / "web") in path.parents:  # the web app: the one package that may
            continue
        assert not any(n.split(".")[0] == "gradio" for n in _imports(path)), path


def test_library_never_imports_the_web_app():
    for path in PKG.rglob("*.py"):
        if (PKG / "web") in path.parents:
            continue
        assert not any(n.startswith("assistant.web") for n in _imports(path)), path


def test_only_segment_and_models_import_rembg():
    for path in PKG.rglob("*.py"):
        if path.name in ("segment.py", "models.py"):
            continue
        assert not any(n.split(".")[0] == "rembg" for n in _imports(path)), path


def test_stages_do_not_import_each_other_or_the_front_ends():
    forbidden = ("assistant.pipeline", "assistant.batch", "assistant.cli", "assistant.segment", "rembg", "gradio")
    for path in (PKG / "stages").glob("*.py"):
        imports = _imports(path)
        for name in imports:
            assert not name.startswith(forbidden), (path.name, name)
            if name.startswith("assistant.stages."):
                assert name.split(".")[2] == path.stem, (path.name, name)


def test_nothing_below_the_cli_prints_or_exits():
    for path in PKG.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py") or path.name.startswith("cli_"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit", "quit"), (path, node.lineno)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert not (node.value.id == "sys" and node.attr == "exit"), (path, node.lineno)
