"""Packaging mockup templates: TOML files in ``presets/mockups/``, checked, with their geometry.

A template is data: a kind of package (``pouch``, ``sachet``, ``box``, ``bag``, ``jar``,
``bottle``, ``cup``), its body colour and material, its proportions, a camera angle and
where the label sits. Loading one validates every key (an unknown key, a missing key or
an out-of-range value is an ``AssistantError`` naming the file, the key and the value) and
builds its geometry once: outlines, the label's forward map and the per-pixel inverse maps
the renderer (``render.py``) samples.

Coordinates. Geometry is built in *model* units (screen-aligned, x right, y down). The
template then fits the object into a *normalised scene*: the unit square, object centred
and its longer side ``camera.fill`` of the square. ``MockupTemplate.label_corners`` are the
label's corners (top-left, top-right, bottom-right, bottom-left) in that normalised scene.
An output of ``W`` x ``H`` pixels shows the scene as the centred ``min(W, H)`` square, so a
corner ``(nx, ny)`` lands at ``(nx * s + (W - s) / 2 - 0.5, ny * s + (H - s) / 2 - 0.5)``
pixels, ``s = min(W, H)``, pixel centres at integers (OpenCV's convention). A label whose
aspect ratio is not ``label_aspect`` is fitted inside that area ("contain"), centred.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.mockup.geometry import Body, Camera, Closure, Geometry, LabelArea, FlatGeometry, MeshGeometry
from assistant.mockup.geometry_round import RoundGeometry
from assistant.presets import COLOUR_RE, check_keys, check_title, read_toml


MOCKUPS_DIR = Path(__file__).resolve().parents[2] / "presets" / "mockups"
KINDS = ("pouch", "sachet", "box", "bag", "jar", "bottle", "cup")
ROUND_KINDS = ("jar", "bottle", "cup")
FLAT_KINDS = ("box", "bag")
MESH_KINDS = ("pouch", "sachet")
FINISHES = ("glossy", "matte")
_MATERIALS = {
    "pouch": ("glossy", "matte", "kraft", "metal"), "sachet": ("glossy", "matte", "metal"),
    "box": ("glossy", "matte", "kraft"), "bag": ("kraft", "matte"),
    "jar": ("glossy", "matte", "clear"), "bottle": ("glossy", "matte", "clear"),
    "cup": ("glossy", "matte", "clear"),
}
_CLOSURE_MATERIALS = ("glossy", "matte", "metal", "clear")
_NAME = re.compile(r"^[a-z0-9-]+$")


# --------------------------------------------------------------------------- schema

@dataclass(frozen=True)
class _Key:
    """One TOML key: its type, bounds or choices, and whether a template must give it."""

    type: str  # float | int | bool | text | colour | choice
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = True


def _f(lo: float, hi: float) -> _Key:
    return _Key("float", lo, hi)


def _schema(kind: str) -> dict[str, dict[str, _Key]]:
    """Every section and key a template of ``kind`` may (and must) have."""
    body = {"colour": _Key("colour"), "material": _Key("choice", choices=_MATERIALS[kind])}
    if kind in ROUND_KINDS:  # only see-through bodies show contents
        body |= {"contents": _Key("colour", required=False), "fill": _Key("float", 0.05, 1.0, required=False)}
    camera = {"elevation": _f(0.0, 40.0), "fill": _f(0.4, 0.95)}
    label = {"top": _f(0.0, 1.0), "bottom": _f(0.0, 1.0), "finish": _Key("choice", choices=FINISHES)}
    if kind in ROUND_KINDS:
        label["span"] = _f(20.0, 170.0)
    else:
        label["width"] = _f(0.1, 1.0)
    if kind in FLAT_KINDS:
        camera |= {"yaw": _f(5.0, 60.0), "distance": _f(2.0, 50.0)}
    if kind in MESH_KINDS:
        camera["tilt"] = _f(-30.0, 30.0)
    shape = {
        "pouch": {"width": _f(0.4, 1.5), "seal": _f(0.02, 0.2), "zip": _f(0.03, 0.3), "bulge": _f(0.0, 0.3),
                  "gusset": _f(0.0, 0.4), "pinch": _f(0.0, 0.1), "notch": _Key("bool")},
        "sachet": {"width": _f(0.3, 2.5), "seal": _f(0.03, 0.25), "teeth": _Key("int", 0, 200),
                   "bulge": _f(0.0, 0.3), "pinch": _f(0.0, 0.1)},
        "box": {"width": _f(0.2, 3.0), "depth": _f(0.1, 3.0)},
        "bag": {"width": _f(0.3, 2.0), "depth": _f(0.1, 1.5), "taper": _f(0.05, 0.5), "fold": _f(0.0, 0.3),
                "teeth": _Key("int", 0, 200)},
        "jar": {"radius": _f(0.2, 1.5), "bottom": _f(0.0, 0.3), "shoulder": _f(0.0, 0.3), "neck": _f(0.5, 1.0)},
        "bottle": {"radius": _f(0.1, 0.8), "bottom": _f(0.0, 0.3), "shoulder": _f(0.05, 1.0), "neck": _f(0.1, 0.8),
                   "neck_height": _f(0.02, 1.0)},
        "cup": {"bottom_radius": _f(0.1, 1.0), "top_radius": _f(0.1, 1.2), "rim": _f(0.0, 0.06)},
    }[kind]
    sections = {"body": body, "shape": shape, "camera": camera, "label": label}
    if kind in ROUND_KINDS:
        closure = {"colour": _Key("colour"), "material": _Key("choice", choices=_CLOSURE_MATERIALS),
                   "height": _f(0.0, 0.6), "radius": _f(0.3, 1.5), "ribs": _Key("int", 0, 200)}
        if kind == "cup":
            closure["style"] = _Key("choice", choices=("sip", "seal"))
        sections["closure"] = closure
    return sections


def _check(path: Path, where: str, key: _Key, value: Any) -> Any:
    name = path.name
    ok = {
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "text": isinstance(value, str) and bool(value.strip()),
        "colour": isinstance(value, str),
        "choice": isinstance(value, str),
    }[key.type]
    if not ok:
        expected = {"colour": "#RRGGBB", "choice": " | ".join(key.choices)}.get(key.type, key.type)
        raise AssistantError("mockup_bad_value", file=name, key=where, value=repr(value), expected=expected)
    if key.lo is not None and not key.lo <= value <= key.hi:
        raise AssistantError("mockup_out_of_range", file=name, key=where, value=value, lo=key.lo, hi=key.hi)
    if key.type == "choice" and value not in key.choices:
        raise AssistantError("mockup_bad_choice", file=name, key=where, value=value, choices=", ".join(key.choices))
    auto = value == "auto" and where == "body.colour"  # only the body may take the label's colour
    if key.type == "colour" and not auto and not COLOUR_RE.match(value):
        raise AssistantError("mockup_bad_value", file=name, key=where, value=repr(value), expected="#RRGGBB")
    return float(value) if key.type == "float" else value


def _keys(path: Path, prefix: str, table: Any, allowed: dict[str, Any], required: set[str]) -> None:
    if not isinstance(table, dict):
        raise AssistantError("mockup_bad_value", file=path.name, key=prefix.rstrip(".") or "(file)",
                             value=repr(table), expected="table")
    check_keys(path, prefix, table, allowed, required, area="mockup")


@dataclass(frozen=True, eq=False)
class MockupTemplate:
    """One packaging template, validated, with its geometry built."""

    name: str
    title: dict[str, str]
    kind: str
    body: Body
    shape: dict[str, Any]
    camera: Camera
    label: LabelArea
    closure: Closure | None
    label_corners: tuple[tuple[float, float], ...]  # normalised scene, TL, TR, BR, BL
    label_aspect: float  # label area width / height on the surface
    path: Path
    geometry: Geometry = field(repr=False)

    @property
    def is_round(self) -> bool:
        """Jars, bottles and cups: the label wraps a body of revolution."""
        return self.kind in ROUND_KINDS


# --------------------------------------------------------------------------- loading

def _build(path: Path, data: dict) -> MockupTemplate:
    name = path.name
    _keys(path, "", data, {"kind": 1, "title": 1, "body": 1, "shape": 1, "camera": 1, "label": 1, "closure": 1},
          {"kind", "title", "body", "shape", "camera", "label"})
    kind = data["kind"]
    if kind not in KINDS:
        raise AssistantError("mockup_bad_choice", file=name, key="kind", value=kind, choices=", ".join(KINDS))
    schema = _schema(kind)
    title = check_title(path, data["title"], area="mockup")
    if "closure" in data and "closure" not in schema:
        raise AssistantError("mockup_unknown_key", file=name, key="closure",
                             allowed=", ".join(sorted(["kind", "title", *schema])))
    if "closure" in schema and "closure" not in data:
        raise AssistantError("mockup_missing_key", file=name, key="closure")
    values: dict[str, dict[str, Any]] = {}
    for section, keys in schema.items():
        table = data[section]
        _keys(path, f"{section}.", table, keys, {k for k, spec in keys.items() if spec.required})
        values[section] = {k: _check(path, f"{section}.{k}", keys[k], v) for k, v in table.items()}

    body_v, label_v = values["body"], values["label"]
    clear = body_v["material"] == "clear"
    for key in ("contents", "fill"):
        if clear and key not in body_v:
            raise AssistantError("mockup_missing_key", file=name, key=f"body.{key}")
        if not clear and key in body_v:
            raise AssistantError("mockup_bad_value", file=name, key=f"body.{key}", value=repr(body_v[key]),
                                 expected="nothing unless body.material = clear")
    body = Body(**body_v)
    camera = Camera(**values["camera"])
    label = LabelArea(**label_v)
    closure = Closure(**values["closure"]) if "closure" in values else None
    shape = values["shape"]

    # Cross-checks: a label only on a surface paper can follow, a zip below its seal.
    lo, hi = 0.0, 1.0
    if kind == "jar":
        lo, hi = shape["shoulder"], 1.0 - shape["bottom"] * shape["radius"]
    elif kind == "bottle":
        hi = 1.0 - shape["bottom"] * shape["radius"]
    elif kind == "cup":
        lo, hi = shape["rim"], 1.0 - 0.03 * shape["bottom_radius"]
    elif kind == "pouch":
        if shape["zip"] <= shape["seal"]:
            raise AssistantError("mockup_out_of_range", file=name, key="shape.zip", value=shape["zip"],
                                 lo=shape["seal"], hi=0.3)
        lo = shape["zip"] + 0.02
    elif kind == "sachet":
        lo, hi = shape["seal"], 1.0 - shape["seal"]
    elif kind == "bag":
        lo = shape["taper"] + 0.02
    if kind == "cup" and closure is not None and closure.style == "sip" and closure.height <= 0:
        raise AssistantError("mockup_out_of_range", file=name, key="closure.height", value=closure.height,
                             lo=0.01, hi=0.6)
    for key in ("top", "bottom"):
        value = label_v[key]
        if not lo - 1e-9 <= value <= hi + 1e-9:
            raise AssistantError("mockup_out_of_range", file=name, key=f"label.{key}", value=value,
                                 lo=round(lo, 4), hi=round(hi, 4))
    if label.bottom - label.top < 0.05:
        raise AssistantError("mockup_out_of_range", file=name, key="label.bottom", value=label.bottom,
                             lo=round(label.top + 0.05, 4), hi=round(hi, 4))

    if kind in ROUND_KINDS:
        geometry: Geometry = RoundGeometry(kind, shape, closure, camera, label, body)  # type: ignore[arg-type]
    elif kind in FLAT_KINDS:
        geometry = FlatGeometry(kind, shape, camera, label)
    else:
        geometry = MeshGeometry(kind, shape, camera, label)

    # Fit: the object's outline centred in the unit square, its longer side `fill` of it.
    pts = np.concatenate([p.outline for p in geometry.parts])
    lo_xy, hi_xy = pts.min(0), pts.max(0)
    scale = camera.fill / float(max(hi_xy - lo_xy))
    centre = (lo_xy + hi_xy) / 2
    geometry.fit = (scale, float(centre[0]), float(centre[1]))
    cx, cy = geometry.label_xy(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    corners = tuple((float((a - centre[0]) * scale + 0.5), float((b - centre[1]) * scale + 0.5))
                    for a, b in zip(cx, cy))
    lw, lh = geometry.label_size
    return MockupTemplate(
        name=path.stem, title=title, kind=kind, body=body, shape=dict(shape), camera=camera,
        label=label, closure=closure, label_corners=corners, label_aspect=lw / lh, path=path, geometry=geometry,
    )


def parse_template(path: Path) -> MockupTemplate:
    """Read, validate and build one template file."""
    return _build(path, read_toml(path, "mockup_syntax"))


@functools.cache
def _cached(path: Path, mtime: float) -> MockupTemplate:
    return parse_template(path)


def list_templates(directory: Path = MOCKUPS_DIR) -> list[str]:
    """Names of every template, sorted."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_template(name: str, directory: Path = MOCKUPS_DIR) -> MockupTemplate:
    """The template called ``name``; an unknown name is an ``AssistantError`` listing the known ones."""
    name = str(name).strip().lower()
    path = directory / f"{name}.toml"
    if not _NAME.match(name) or not path.is_file():
        raise AssistantError("mockup_unknown", name=name, known=", ".join(list_templates(directory)))
    return _cached(path, path.stat().st_mtime)


def check_templates(directory: Path = MOCKUPS_DIR) -> list[MockupTemplate]:
    """Load every template afresh, raising on the first invalid one."""
    return [parse_template(p) for p in sorted(directory.glob("*.toml"))]
