"""The dependency arrows of docs/ARCHITECTURE.md, checked on the source (ast).

Layers, top to bottom; a module may import its own layer's modules (where the rules below
allow it) and any layer under it, never one above:

    front ends      app.py, assistant.cli, assistant.web, assistant.__main__
    public API      assistant (the package's __init__)
    features        assistant.batch, .readiness, .mockup, .promo, .label
    pipeline        assistant.pipeline
    steps           assistant.stages.*, assistant.models.*  (a stage imports no other stage and
                    no model; models import no stage)
    base            assistant.imaging.*, .photo, .presets, .errors, .i18n, .settings
                    (imaging imports nothing of the assistant but imaging)
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PKG = REPO / "assistant"

FRONT, API, FEATURE, PIPELINE, STEP, BASE = 5, 4, 3, 2, 1, 0
FEATURES = ("batch", "readiness", "mockup", "promo", "label")
BASE_MODULES = ("imaging", "photo", "presets", "errors", "i18n", "settings")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _assistant_modules(path: Path) -> set[str]:
    """The assistant modules ``path`` imports (``from assistant import x`` resolved to the
    submodule ``assistant.x`` when there is one, else to ``assistant`` itself)."""
    found = set()
    for name in _imports(path):
        if name.split(".")[0] != "assistant":
            continue
        parts = name.split(".")
        while len(parts) > 1 and not _is_module(".".join(parts)):
            parts.pop()
        found.add(".".join(parts))
    # "from assistant.x import y" adds both assistant.x and assistant.x.y: keep the deepest module
    return {m for m in found if not any(o != m and o.startswith(m + ".") and _imported_as_parent(m, o)
                                        for o in found)}


def _imported_as_parent(parent: str, child: str) -> bool:
    return parent == "assistant" or child.count(".") == parent.count(".") + 1


def _layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "assistant" or module == "assistant.__main__" or parts[1:2] in (["cli"], ["web"]):
        return FRONT
    if len(parts) == 1:
        return API
    if parts[1] in FEATURES:
        return FEATURE
    if parts[1] == "pipeline":
        return PIPELINE
    if parts[1] in ("stages", "models"):
        return STEP
    assert parts[1] in BASE_MODULES, f"{module}: not in any layer of docs/ARCHITECTURE.md"
    return BASE


def _sources() -> list[Path]:
    return sorted(PKG.rglob("*.py")) + [REPO / "app.py"]


def _stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "stages" else None


def test_every_import_points_down_the_layers():
    for path in _sources():
        me = _module_name(path)
        for other in _assistant_modules(path):
            assert _layer(other) <= _layer(me), f"{me} imports {other}, a layer above it"


def test_stages_import_no_other_stage_and_no_model():
    for path in (PKG / "stages").rglob("*.py"):
        me = _module_name(path)
        for other in _assistant_modules(path):
            assert not other.startswith("assistant.models"), (me, other)
            if _stage_of(other):
                assert _stage_of(other) == _stage_of(me), f"stage {me} imports stage {other}"


def test_models_import_no_stage_and_imaging_nothing_of_the_assistant():
    for path in (PKG / "models").rglob("*.py"):
        assert not any(m.startswith("assistant.stages") for m in _assistant_modules(path)), path
    for path in (PKG / "imaging").rglob("*.py"):
        assert all(m.startswith("assistant.imaging") for m in _assistant_modules(path)), path


def test_library_never_imports_gradio():
    for path in PKG.rglob("*.py"):
        if "web" in path.relative_to(PKG).parts[:1]:
            continue  # the web package is the Gradio front end
        assert not any(n.split(".")[0] == "gradio" for n in _imports(path)), path


def test_library_never_imports_the_web_app():
    for path in PKG.rglob("*.py"):
        if (PKG / "web") in path.parents:
            continue
        assert not any(n.startswith("assistant.web") for n in _imports(path)), path


def test_only_segment_and_models_import_rembg():
    for path in _sources():
        if path.parent.name == "models":
            continue
        assert not any(n.split(".")[0] == "rembg" for n in _imports(path)), path


def test_stages_do_not_import_each_other_or_the_front_ends():
    forbidden = ("assistant.pipeline", "assistant.batch", "assistant.cli", "assistant.models", "rembg", "gradio")
    for path in (PKG / "stages").rglob("*.py"):
        imports = _imports(path)
        for name in imports:
            assert not name.startswith(forbidden), (path.name, name)


def test_nothing_below_the_cli_prints_or_exits():
    """The CLI and app.py may print and exit; the library, the web package included, raises."""
    for path in PKG.rglob("*.py"):
        if path.name == "__main__.py" or path.parent.name == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit", "quit"), (path, node.lineno)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert not (node.value.id == "sys" and node.attr == "exit"), (path, node.lineno)
                assert not (node.value.id == "os" and node.attr == "_exit"), (path, node.lineno)


def test_the_layer_test_sees_a_broken_arrow(tmp_path):
    """The checker itself: a stage importing the pipeline is a layer above it."""
    assert _layer("assistant.pipeline") > _layer("assistant.stages.cutout")
    assert _layer("assistant.batch.engines") > _layer("assistant.pipeline")
    assert _layer("assistant.cli.process") > _layer("assistant")
    assert _layer("assistant.imaging.masks") < _layer("assistant.stages.framing")
