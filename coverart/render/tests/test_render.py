"""The renderer: deterministic, varied by seed, text fitted inside its box in every script,
readable (WCAG contrast measured here, independently of the renderer), derivatives."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageChops

from coverart import presets
from coverart.render import CoverInputs, TextTrace, clean_text, render_cover
from coverart.render import fonts as fontlib
from coverart.render.output import DOWNSCALE, cover_files, derivatives, encode, square_picture
from coverart.render.text import TextStyle, layout

PRESETS = {p["slug"]: p for p in presets.load()}
LONG_TITLE = ("Midnight " * 30)[:200]
SAMPLES = [
    ("Midnight Run", "Nova Vance"),
    (LONG_TITLE, "A Very Long Artist Name Featuring Somebody Else Entirely"),
    ("Café Déjà Vu — Señorita", "Zoë Ångström"),
    ("Ночной город", "Дмитрий"),
    ("東京の夜に", "ノヴァ"),
]


def render(slug: str, title="Midnight Run", artist="Nova Vance", seed="track:1", **kwargs):
    trace: list[TextTrace] = []
    inputs = CoverInputs(title=title, artist=artist, seed=seed, **kwargs)
    return render_cover(PRESETS[slug]["spec"], inputs, trace=trace), trace


def png(image: Image.Image) -> bytes:
    return encode(image, "png")


# --- determinism and variety ------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["trap-neon-night", "lofi-rainy-window", "photo-frame"])
def test_same_inputs_give_byte_identical_png(slug):
    first, _ = render(slug)
    second, _ = render(slug)

    assert first.size == (1000, 1000)
    assert png(first) == png(second)


def test_a_cold_render_equals_a_cached_one():
    from coverart.render import core

    warm, _ = render("trap-smoke")
    core._static_prefix.cache_clear()
    core._static_mask.cache_clear()
    core._gradient.cache_clear()
    cold, _ = render("trap-smoke")

    assert png(cold) == png(warm)


def test_different_tracks_get_different_covers_of_one_template():
    covers = {png(render("trap-neon-night", seed=f"track:{n}")[0]) for n in range(6)}

    assert len(covers) == 6


def test_the_seed_picks_the_palette_and_an_explicit_palette_wins():
    spec = PRESETS["trap-neon-night"]["spec"]
    chosen = {
        render_cover(spec, CoverInputs(title="x", seed=f"s{n}")).getpixel((5, 5)) for n in range(12)
    }
    cyan_a = render("trap-neon-night", seed="a", palette="cyan")[0]
    cyan_b = render("trap-neon-night", seed="b", palette=1)[0]

    assert len(chosen) > 1  # several palettes in use across tracks
    assert cyan_a.getpixel((5, 5)) == cyan_b.getpixel((5, 5))


def test_unknown_palette_is_an_error():
    with pytest.raises(ValueError, match="Unknown palette"):
        render("trap-neon-night", palette="sepia")


# --- text -------------------------------------------------------------------------------------


def test_a_200_character_title_stays_inside_its_box():
    box = (100, 600, 900, 860)
    style = TextStyle(font="bebas-neue", max_px=200, min_px=45, box=box, max_lines=3)

    block = layout(LONG_TITLE, style)

    assert block.truncated  # 200 characters cannot fit at the minimum size: cut with "…"
    assert block.lines[-1].pieces[-1].text.endswith("…")
    assert len(block.lines) <= 3
    left, top, right, bottom = block.bbox
    assert box[0] <= left < right <= box[2]
    assert box[1] <= top < bottom <= box[3]


@pytest.mark.parametrize("slug", sorted(PRESETS))
def test_no_ink_outside_the_text_boxes(slug):
    """Drawn pixels, not layout maths: the cover with text minus the cover without text may
    differ only inside the text boxes (and a scrim's soft edge around them)."""
    spec = PRESETS[slug]["spec"]
    title, artist = SAMPLES[1]
    trace: list[TextTrace] = []
    with_text = render_cover(spec, CoverInputs(title=title, artist=artist, seed="t"), trace=trace)
    bare = render_cover(spec, CoverInputs(title="", artist="", seed="t"))

    difference = ImageChops.difference(with_text, bare).convert("L")
    for block in trace:
        left, top, right, bottom = block.box
        if block.scrim:  # the scrim is feathered past the text by a fraction of its height
            reach = (bottom - top) // 2 + 8
            left, top, right, bottom = left - reach, top - reach, right + reach, bottom + reach
        difference.paste(0, (max(left, 0), max(top, 0), min(right, 1000), min(bottom, 1000)))
    assert difference.getbbox() is None, slug


@pytest.mark.parametrize(
    ("text", "expected_font"),
    [("Ночной город", "bebas-neue"), ("東京の夜に", "mplus"), ("Zoë Ångström", "bebas-neue")],
)
def test_non_latin_text_falls_back_to_a_font_with_the_glyphs(text, expected_font):
    chain = fontlib.fallback_chain("bebas-neue")
    runs = fontlib.runs(text, chain)

    assert "".join(run for _, run in runs) == text
    assert {font for font, run in runs if run.strip()} == {expected_font}


def test_latin_fonts_without_cyrillic_fall_back_to_inter():
    runs = fontlib.runs("Мир", fontlib.fallback_chain("league-spartan"))

    assert runs == [("inter-bold", "Мир")]


@pytest.mark.parametrize(("title", "artist"), SAMPLES[2:], ids=["accented", "cyrillic", "japanese"])
def test_every_script_is_drawn_in_full(title, artist):
    _, trace = render("trap-neon-night", title=title, artist=artist)

    title_block = next(block for block in trace if block.content == "title")
    assert "".join(title_block.lines).replace(" ", "") == title.upper().replace(" ", "")
    assert not title_block.truncated


def test_characters_no_font_has_are_dropped_not_drawn_as_boxes():
    runs = fontlib.runs("Run 🚀 now", fontlib.fallback_chain("inter-bold"))

    assert "".join(r for _, r in runs) == "Run  now"


def test_text_input_is_cleaned_and_capped():
    assert clean_text("  a\x00b\u200bc\n\td  ", 10) == "abc d"
    assert len(clean_text("x" * 500, 200)) == 200


def test_inputs_that_look_like_paths_or_urls_are_only_text():
    _, trace = render("minimal-type", title="/etc/passwd", artist="https://example.com/x.png")

    assert [b.lines for b in trace if b.content in ("title", "artist")] == [
        ["/etc/passwd"],
        ["https://example.com/x.png"],
    ]


# --- contrast ---------------------------------------------------------------------------------


def _linear(channel: np.ndarray) -> np.ndarray:
    c = channel / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _luminance(rgb) -> np.ndarray:
    a = np.asarray(rgb, dtype=np.float64)
    return 0.2126 * _linear(a[..., 0]) + 0.7152 * _linear(a[..., 1]) + 0.0722 * _linear(a[..., 2])


def wcag(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


@pytest.mark.parametrize("slug", sorted(PRESETS))
def test_all_text_reaches_wcag_aa_against_its_local_background(slug):
    """4.5:1 against the 95th (light text) or 5th (dark text) percentile of the background
    around the text, i.e. against nearly its worst pixels, in every palette (with the short,
    the long and the accented title in turn)."""
    spec = PRESETS[slug]["spec"]
    for palette in range(len(spec["palettes"])):
        index = palette % 3
        title, artist = SAMPLES[index]
        trace: list[TextTrace] = []
        image = render_cover(
            spec,
            CoverInputs(title=title, artist=artist, genre="trap", seed=str(index), palette=palette),
            trace=trace,
        )
        for block in trace:
            text_lum = float(_luminance(np.array(block.color)))
            background = _luminance(block.background).ravel()
            light_text = text_lum > float(np.median(background))
            worst = np.percentile(background, 95 if light_text else 5)
            ratio = wcag(text_lum, float(worst))
            assert ratio >= 4.5, (slug, palette, block.content, round(ratio, 2))
            # ...and the text really is drawn in that colour.
            region = np.asarray(image.crop(block.bbox)).reshape(-1, 3)
            assert (region == np.array(block.color)).all(axis=1).any(), (slug, block.content)


# --- output -----------------------------------------------------------------------------------


def test_cover_files_are_a_master_and_three_sizes_in_two_formats():
    image, _ = render("house-deep-rings")

    files = cover_files(image)

    assert sorted(files) == sorted(
        ["1000.jpg", "600.jpg", "600.webp", "300.jpg", "300.webp", "64.jpg", "64.webp"]
    )
    for name, data in files.items():
        size = int(name.split(".")[0])
        with Image.open(io.BytesIO(data)) as decoded:
            assert decoded.size == (size, size)
            assert decoded.format == ("JPEG" if name.endswith("jpg") else "WEBP")
    assert derivatives(image).keys() <= files.keys()


@pytest.mark.parametrize("side", [1000, 997, 1500])
def test_derivatives_made_on_two_threads_are_the_single_thread_resizes(side):
    # Noise: every pixel differs from its neighbours, so a band seam or a shifted weight shows.
    rng = np.random.default_rng(side)
    master = Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8), "RGB")

    files = derivatives(master)

    expected_600 = master.resize((600, 600), DOWNSCALE)
    expected_300 = expected_600.reduce(2)
    expected_64 = expected_300.resize((64, 64), DOWNSCALE)
    for size, expected in ((600, expected_600), (300, expected_300), (64, expected_64)):
        assert files[f"{size}.webp"] == encode(expected, "webp"), size
        assert files[f"{size}.jpg"] == encode(expected, "jpeg"), size
    assert list(files) == [f"{s}.{e}" for s in (600, 300, 64) for e in ("jpg", "webp")]
    assert derivatives(master) == files


def test_no_image_object_is_saved_on_two_threads(monkeypatch):
    # Pillow's save() writes its options onto the Image object (encoderinfo): a JPEG saved
    # while another thread saves the same object as WebP can be written at the WebP's quality.
    import threading

    from coverart.render import output

    saved_by: dict[int, set[str]] = {}
    keep = []  # the objects stay alive, so their ids are not reused
    real = output.encode

    def recording(image, fmt):
        keep.append(image)
        saved_by.setdefault(id(image), set()).add(threading.current_thread().name)
        return real(image, fmt)

    monkeypatch.setattr(output, "encode", recording)
    derivatives(Image.new("RGB", (1000, 1000), (40, 80, 120)))

    assert any(name.startswith("coverart-encode") for names in saved_by.values() for name in names)
    assert all(len(names) == 1 for names in saved_by.values()), saved_by


def _derivative_names_in_child(master, queue):
    queue.put(sorted(derivatives(master)))


def test_derivatives_work_in_a_process_forked_after_the_parent_used_its_threads():
    # A Celery prefork worker: the parent's pool threads do not survive the fork.
    import multiprocessing

    master = Image.new("RGB", (1000, 1000), (40, 80, 120))
    derivatives(master)  # the parent's pool now has threads
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_derivative_names_in_child, args=(master, queue))
    child.start()
    try:
        names = queue.get(timeout=60)
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
    assert len(names) == 6


def test_a_panorama_is_centre_cropped_to_a_square():
    panorama = Image.new("RGB", (1800, 600), (255, 0, 0))
    panorama.paste((0, 200, 0), (600, 0, 1200, 600))  # the centre third is green

    square = square_picture(panorama)

    assert square.size == (1000, 1000)
    assert square.getpixel((10, 500)) == (0, 200, 0)
    assert square.getpixel((990, 500)) == (0, 200, 0)


def test_a_transparent_picture_is_flattened_on_black():
    picture = Image.new("RGBA", (600, 600), (255, 255, 255, 0))

    assert square_picture(picture).getpixel((500, 500)) == (0, 0, 0)


def test_the_user_picture_fills_the_image_layer():
    picture = Image.new("RGB", (800, 800), (10, 200, 30))

    with_photo, _ = render("photo-frame", image=picture)
    without, _ = render("photo-frame")

    assert with_photo.getpixel((500, 300)) == (10, 200, 30)
    assert without.getpixel((500, 300)) != (10, 200, 30)
