"""The cover template spec: a versioned JSON document of palettes and layers, and its validator.

Version 1::

    {"version": 1,
     "palettes": [{"name": "ember", "colors": {"bg": "#120a0f", "ink": "#ffffff", ...}}, ...],
     "layers": [{"type": "background", "fill": {"kind": "linear", "stops": ["bg", "bg2"],
                                                 "angle": 135}},
                {"type": "circles", "color": "accent", "count": 6, ...},
                {"type": "text", "content": "title", "font": "bebas-neue", "box": [...], ...}]}

Geometry is in fractions of the canvas (0..1), so one spec renders at any size. Circles
without fixed ``items`` and waves without a fixed ``phase`` move with the seed (each track
gets its own arrangement); everything else is the same for every track of a palette. Colours are
palette roles (``"accent"``) or ``#rrggbb``; every role a layer names must exist in every
palette, since the palette is chosen per track. JSON Schema (draft 2020-12, checked with the
``jsonschema`` library) covers shapes and ranges; ``validate_spec`` adds the rules a schema
cannot say (references, box corners in order, min below max) and reports every problem with
its dotted path (``layers.3.box``).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from coverart.render.fonts import FONT_NAMES

SPEC_VERSION = 1
MAX_LAYERS = 24
MAX_PALETTES = 12
BLEND_MODES = (
    "normal",
    "multiply",
    "screen",
    "overlay",
    "soft_light",
    "hard_light",
    "add",
    "darken",
    "lighten",
    "difference",
)
TEXT_CONTENTS = ("title", "artist", "genre", "mood", "text")
MAX_FREE_TEXT = 60

_ROLE = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,23}$"}
_HEX = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
_COLOR = {"anyOf": [_ROLE, _HEX]}
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}
_POINT = {"type": "array", "prefixItems": [_FRACTION, _FRACTION], "minItems": 2, "maxItems": 2}
_BOX = {"type": "array", "items": _FRACTION, "minItems": 4, "maxItems": 4}
_COMMON = {
    "type": {"type": "string"},
    "opacity": _FRACTION,
    "blend": {"enum": list(BLEND_MODES)},
}


def _layer(required: list[str], **properties) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", *required],
        "additionalProperties": False,
        "properties": {**_COMMON, **properties},
    }


_STOPS = {"type": "array", "items": _COLOR, "minItems": 2, "maxItems": 6}

LAYER_SCHEMAS: dict[str, dict[str, Any]] = {
    "background": _layer(
        ["fill"],
        fill={
            "type": "object",
            "required": ["kind"],
            "additionalProperties": False,
            "properties": {
                "kind": {"enum": ["solid", "linear", "radial"]},
                "color": _COLOR,
                "stops": _STOPS,
                "angle": {"type": "number", "minimum": 0, "maximum": 360},
                "center": _POINT,
                "radius": {"type": "number", "exclusiveMinimum": 0, "maximum": 2},
            },
        },
    ),
    "grain": _layer(
        ["amount"],
        amount={"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
        seed={"type": "integer", "minimum": 0, "maximum": 2**31},
    ),
    "circles": _layer(
        ["color"],
        color=_COLOR,
        count={"type": "integer", "minimum": 1, "maximum": 40},
        radius={
            "type": "array",
            "items": {"type": "number", "minimum": 0.002, "maximum": 1},
            "minItems": 2,
            "maxItems": 2,
        },
        items={
            "type": "array",
            "maxItems": 40,
            "items": {
                "type": "array",
                "items": {"type": "number", "minimum": -0.5, "maximum": 1.5},
                "minItems": 3,
                "maxItems": 3,
            },
        },
        area=_BOX,
        style={"enum": ["fill", "ring"]},
        stroke={"type": "number", "exclusiveMinimum": 0, "maximum": 0.1},
    ),
    "rings": _layer(
        ["color"],
        color=_COLOR,
        center=_POINT,
        count={"type": "integer", "minimum": 1, "maximum": 60},
        start={"type": "number", "minimum": 0, "maximum": 1.5},
        gap={"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
        stroke={"type": "number", "exclusiveMinimum": 0, "maximum": 0.1},
    ),
    "stripes": _layer(
        ["color"],
        color=_COLOR,
        angle={"type": "number", "minimum": 0, "maximum": 180},
        width={"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
        gap={"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
        area=_BOX,
    ),
    "grid": _layer(
        ["color"],
        color=_COLOR,
        spacing={"type": "number", "minimum": 0.01, "maximum": 0.5},
        stroke={"type": "number", "exclusiveMinimum": 0, "maximum": 0.05},
        dots={"type": "boolean"},
        area=_BOX,
    ),
    "waves": _layer(
        ["color"],
        color=_COLOR,
        count={"type": "integer", "minimum": 1, "maximum": 40},
        amplitude={"type": "number", "minimum": 0, "maximum": 0.3},
        wavelength={"type": "number", "minimum": 0.02, "maximum": 2},
        stroke={"type": "number", "exclusiveMinimum": 0, "maximum": 0.05},
        area=_BOX,
        phase={"type": "number", "minimum": 0, "maximum": 6.3},
    ),
    "rect": _layer(
        ["color", "box"],
        color=_COLOR,
        box=_BOX,
        radius={"type": "number", "minimum": 0, "maximum": 0.5},
    ),
    "image": _layer(
        [],
        slot={"const": "user"},
        box=_BOX,
        grayscale={"type": "boolean"},
    ),
    "text": _layer(
        ["content", "font", "box"],
        content={"enum": list(TEXT_CONTENTS)},
        text={"type": "string", "minLength": 1, "maxLength": MAX_FREE_TEXT},
        font={"enum": list(FONT_NAMES)},
        size={"type": "number", "minimum": 0.01, "maximum": 0.4},
        min_size={"type": "number", "minimum": 0.01, "maximum": 0.4},
        color={"anyOf": [_COLOR, {"const": "auto"}]},
        align={"enum": ["left", "center", "right"]},
        valign={"enum": ["top", "middle", "bottom"]},
        box=_BOX,
        letter_spacing={"type": "number", "minimum": -0.1, "maximum": 0.6},
        line_height={"type": "number", "minimum": 0.7, "maximum": 2},
        max_lines={"type": "integer", "minimum": 1, "maximum": 6},
        transform={"enum": ["none", "upper", "lower"]},
    ),
}

SPEC_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://beatpass.local/schemas/cover-template-spec/v1.json",
    "title": "Cover template spec, version 1",
    "type": "object",
    "required": ["version", "palettes", "layers"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": SPEC_VERSION},
        "palettes": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_PALETTES,
            "items": {
                "type": "object",
                "required": ["name", "colors"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,31}$"},
                    "colors": {
                        "type": "object",
                        "required": ["bg", "ink"],
                        "propertyNames": _ROLE,
                        "additionalProperties": _HEX,
                        "maxProperties": 12,
                    },
                },
            },
        },
        "layers": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_LAYERS,
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": list(LAYER_SCHEMAS)}},
            },
        },
    },
}

_TOP = Draft202012Validator(SPEC_SCHEMA)
_LAYERS = {name: Draft202012Validator(schema) for name, schema in LAYER_SCHEMAS.items()}


class SpecError(ValueError):
    """An invalid spec; ``errors`` maps dotted paths to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{path}: {m}" for path, ms in errors.items() for m in ms))
        self.errors = errors


def _path(prefix: tuple, error) -> str:
    parts = [*prefix, *error.absolute_path]
    return ".".join(str(p) for p in parts) or "spec"


def _schema_errors(validator, instance, prefix: tuple = ()) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        out.setdefault(_path(prefix, error), []).append(_message(error))
    return out


def _message(error) -> str:
    if error.validator == "const" and list(error.absolute_path) == ["version"]:
        return f"Unsupported spec version {error.instance!r}; this server reads {SPEC_VERSION}."
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "Unknown key(s)")
    if error.validator == "anyOf":
        return f"{error.instance!r} is neither a palette role nor a #rrggbb colour."
    return error.message


def validate_spec(spec: Any) -> None:
    """Raise :class:`SpecError` listing every problem; return None for a valid spec."""
    errors = _schema_errors(_TOP, spec)
    if errors:
        raise SpecError(errors)
    for index, layer in enumerate(spec["layers"]):
        errors.update(_schema_errors(_LAYERS[layer["type"]], layer, ("layers", index)))
    if errors:
        raise SpecError(errors)
    errors = _semantic_errors(spec)
    if errors:
        raise SpecError(errors)


def _semantic_errors(spec: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    names = [p["name"] for p in spec["palettes"]]
    if len(set(names)) != len(names):
        add("palettes", "Palette names must be unique.")
    shared_roles = set.intersection(*(set(p["colors"]) for p in spec["palettes"]))

    def check_color(path: str, value: str) -> None:
        if value.startswith("#") or value == "auto":
            return
        if value not in shared_roles:
            add(path, f"Colour role {value!r} is not defined in every palette.")

    def check_box(path: str, box: list[float]) -> None:
        if not (box[0] < box[2] and box[1] < box[3]):
            add(path, "A box is [left, top, right, bottom] with left < right and top < bottom.")

    titles = images = 0
    for index, layer in enumerate(spec["layers"]):
        base = f"layers.{index}"
        kind = layer["type"]
        for key in ("color",):
            if key in layer:
                check_color(f"{base}.{key}", layer[key])
        for key in ("box", "area"):
            if key in layer:
                check_box(f"{base}.{key}", layer[key])
        if kind == "background":
            fill = layer["fill"]
            need = {"solid": ("color",), "linear": ("stops",), "radial": ("stops",)}[fill["kind"]]
            for key in need:
                if key not in fill:
                    add(f"{base}.fill.{key}", f"A {fill['kind']} fill needs {key!r}.")
            if "color" in fill:
                check_color(f"{base}.fill.color", fill["color"])
            for stop, value in enumerate(fill.get("stops", [])):
                check_color(f"{base}.fill.stops.{stop}", value)
        elif kind == "circles":
            radius = layer.get("radius")
            if radius and radius[0] > radius[1]:
                add(f"{base}.radius", "The minimum radius is larger than the maximum.")
        elif kind == "text":
            titles += layer["content"] == "title"
            if layer["content"] == "text" and "text" not in layer:
                add(f"{base}.text", "A free-text block needs its 'text'.")
            if layer["content"] != "text" and "text" in layer:
                add(f"{base}.text", "Only free-text blocks (content 'text') take 'text'.")
            if layer.get("min_size", 0) > layer.get("size", 1):
                add(f"{base}.min_size", "min_size is larger than size.")
            if layer.get("blend", "normal") != "normal":
                add(f"{base}.blend", "Text is always drawn normally (its contrast is checked).")
        elif kind == "image":
            images += 1
    if titles == 0:
        add("layers", "A template needs a text block with content 'title'.")
    if images > 1:
        add("layers", "At most one image layer.")
    return errors


def palette_names(spec: dict[str, Any]) -> list[str]:
    return [p["name"] for p in spec.get("palettes", [])]
