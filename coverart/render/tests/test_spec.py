"""Template spec validation: every shipped preset is valid; bad specs are refused with the path
of each problem."""

from __future__ import annotations

import copy

import pytest

from coverart import presets
from coverart.render import SpecError, validate_spec

GOOD = {
    "version": 1,
    "palettes": [
        {"name": "night", "colors": {"bg": "#101010", "ink": "#ffffff", "accent": "#ff0066"}},
        {"name": "day", "colors": {"bg": "#f0f0f0", "ink": "#111111", "accent": "#0066ff"}},
    ],
    "layers": [
        {"type": "background", "fill": {"kind": "linear", "stops": ["bg", "accent"]}},
        {"type": "circles", "color": "accent", "count": 3, "opacity": 0.5, "blend": "screen"},
        {"type": "text", "content": "title", "font": "bebas-neue", "box": [0.1, 0.6, 0.9, 0.9]},
    ],
}


def errors_of(spec) -> dict[str, list[str]]:
    with pytest.raises(SpecError) as caught:
        validate_spec(spec)
    return caught.value.errors


def with_change(change) -> dict:
    spec = copy.deepcopy(GOOD)
    change(spec)
    return spec


def test_a_good_spec_passes():
    assert validate_spec(GOOD) is None


@pytest.mark.parametrize("preset", presets.load(), ids=lambda p: p["slug"])
def test_every_shipped_preset_is_valid(preset):
    assert validate_spec(preset["spec"]) is None


def test_shipped_presets_cover_the_demo_and_common_genres_and_every_mood():
    loaded = presets.load()
    genres = {g for p in loaded for g in p["genres"]}
    moods = {m for p in loaded for m in p["moods"]}

    assert len(loaded) >= 24
    assert {
        "trap", "drill", "boom-bap", "lo-fi", "r-n-b", "afrobeats", "house", "pop", "hip-hop",
    } <= genres  # fmt: skip
    assert moods == {"dark", "chill", "energetic", "melancholic", "uplifting"}
    assert len({p["slug"] for p in loaded}) == len(loaded)


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (lambda s: s.update(version=2), "version", "Unsupported spec version 2"),
        (lambda s: s["layers"][1].update(count=500), "layers.1.count", "maximum"),
        (lambda s: s["layers"][2].update(box=[0.9, 0.6, 0.1, 0.9]), "layers.2.box", "left < right"),
        (lambda s: s["layers"][1].update(color="gold"), "layers.1.color", "'gold'"),
        (lambda s: s["layers"][2].update(font="comic-sans"), "layers.2.font", "is not one of"),
        (lambda s: s["layers"][1].update(blend="glow"), "layers.1.blend", "is not one of"),
        (lambda s: s["layers"][1].update(colour="accent"), "layers.1", "Unknown key"),
        (lambda s: s["layers"].append({"type": "laser"}), "layers.3.type", "is not one of"),
        (lambda s: s["palettes"][0]["colors"].update(bg="red"), "palettes.0.colors.bg", "match"),
        (lambda s: s["palettes"][1].update(name="night"), "palettes", "unique"),
        (lambda s: s["layers"].pop(2), "layers", "content 'title'"),
        (
            lambda s: s["layers"][2].update(content="text"),
            "layers.2.text",
            "needs its 'text'",
        ),
        (lambda s: s["layers"][2].update(min_size=0.3, size=0.1), "layers.2.min_size", "larger"),
        (lambda s: s["layers"][2].update(blend="screen"), "layers.2.blend", "always drawn"),
        (lambda s: s.update(layers=[]), "layers", "should be non-empty"),
    ],
)
def test_bad_specs_are_refused_with_the_path_of_the_problem(change, path, fragment):
    errors = errors_of(with_change(change))

    assert path in errors, errors
    assert any(fragment in message for message in errors[path]), errors[path]


def test_a_role_missing_from_one_palette_is_refused():
    spec = with_change(lambda s: s["palettes"][1]["colors"].pop("accent"))

    assert "not defined in every palette" in errors_of(spec)["layers.0.fill.stops.1"][0]


@pytest.mark.parametrize("value", [None, [], "spec", 3, {"version": 1}])
def test_non_objects_and_empty_specs_are_refused(value):
    assert errors_of(value)


def test_every_problem_is_reported_at_once():
    def break_two(spec):
        spec["layers"][1]["count"] = 0
        spec["layers"][2]["size"] = 9

    assert {"layers.1.count", "layers.2.size"} <= set(errors_of(with_change(break_two)))
