import numpy as np

from content.beatgen import render_beat, spec_for


def test_same_seed_renders_identical_audio():
    a = render_beat(seed=7, bpm=140, key="A", scale="minor", seconds=4, sample_rate=22050)
    b = render_beat(seed=7, bpm=140, key="A", scale="minor", seconds=4, sample_rate=22050)
    assert a.shape == (4 * 22050, 2)
    assert np.array_equal(a, b)


def test_siblings_share_progression_but_sound_different():
    prog = (0, 5, 2, 6)
    a = render_beat(seed=1, bpm=140, key="A", scale="minor", seconds=4, progression=prog)
    b = render_beat(seed=2, bpm=140, key="A", scale="minor", seconds=4, progression=prog)
    correlation = np.corrcoef(a[:, 0], b[:, 0])[0, 1]
    assert abs(correlation) < 0.5


def test_peak_is_normalised_below_full_scale():
    x = render_beat(seed=3, bpm=95, key="C", scale="major", seconds=3)
    assert 0.8 < float(np.abs(x).max()) <= 0.9


def test_fast_tempos_default_to_half_time_trap():
    assert spec_for(seed=1, bpm=140, key="C", scale="minor").style == "trap"
