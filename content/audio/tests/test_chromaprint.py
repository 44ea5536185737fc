"""fpcalc wrapper: fingerprints of generated audio; fpcalc exit codes handled on purpose."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from content import testing
from content.audio import chromaprint
from content.beatgen import render_beat


@pytest.fixture(scope="module")
def beat_wav(tmp_path_factory):
    beat = render_beat(seed=7, bpm=140, key="A", scale="minor", seconds=20, sample_rate=22050)
    return testing.write(tmp_path_factory.mktemp("fp") / "beat.wav", testing.wav_bytes(beat, 22050))


def fake_fpcalc(tmp_path, *, stdout: str, stderr: str, code: int) -> str:
    script = tmp_path / "fpcalc"
    script.write_text(
        f"#!/bin/sh\ncat <<'OUT'\n{stdout}\nOUT\necho {json.dumps(stderr)} >&2\nexit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_fingerprint_of_a_generated_beat_has_about_eight_items_per_second(beat_wav):
    result = chromaprint.compute(beat_wav)

    assert isinstance(result, chromaprint.Fingerprint)
    assert result.duration == pytest.approx(20, abs=0.1)
    assert result.items.dtype == np.int32
    assert 140 <= result.items.size <= 165
    assert len(result.sha256) == 64
    assert result.sha256 == chromaprint.fingerprint_sha256(result.items.tolist())


def test_exit_code_3_with_a_fingerprint_and_a_decoding_error_is_accepted(tmp_path, beat_wav):
    items = list(range(1000, 1000 + 160))
    fpcalc = fake_fpcalc(
        tmp_path,
        stdout=json.dumps({"duration": 20.0, "fingerprint": items}),
        stderr="ERROR: Error decoding audio frame (End of file)",
        code=3,
    )

    result = chromaprint.compute(beat_wav, fpcalc=fpcalc)

    assert isinstance(result, chromaprint.Fingerprint)
    assert result.items.tolist() == items


def test_exit_code_3_without_a_fingerprint_is_an_error(tmp_path, beat_wav):
    fpcalc = fake_fpcalc(
        tmp_path, stdout="", stderr="ERROR: Error decoding audio frame (Invalid data)", code=3
    )

    with pytest.raises(chromaprint.FingerprintError, match="Error decoding audio frame"):
        chromaprint.compute(beat_wav, fpcalc=fpcalc)


def test_exit_code_3_for_another_reason_is_an_error_even_with_output(tmp_path, beat_wav):
    fpcalc = fake_fpcalc(
        tmp_path,
        stdout=json.dumps({"duration": 20.0, "fingerprint": [1, 2, 3]}),
        stderr="ERROR: Could not open the input file",
        code=3,
    )

    with pytest.raises(chromaprint.FingerprintError, match="Could not open"):
        chromaprint.compute(beat_wav, fpcalc=fpcalc)


def test_other_exit_codes_are_errors(tmp_path, beat_wav):
    fpcalc = fake_fpcalc(tmp_path, stdout="", stderr="ERROR: boom", code=1)

    with pytest.raises(chromaprint.FingerprintError, match="boom"):
        chromaprint.compute(beat_wav, fpcalc=fpcalc)


def test_missing_fpcalc_is_a_clear_error(beat_wav):
    with pytest.raises(chromaprint.FingerprintError, match="not installed"):
        chromaprint.compute(beat_wav, fpcalc="/nonexistent/fpcalc")


def test_a_hanging_fpcalc_times_out(tmp_path, beat_wav):
    script = tmp_path / "slow"
    script.write_text("#!/bin/sh\nsleep 5\n")
    script.chmod(0o755)

    with pytest.raises(chromaprint.FingerprintError, match="timed out"):
        chromaprint.compute(beat_wav, fpcalc=str(script), timeout=0.5)


def test_silence_is_insufficient_audio_not_a_fingerprint(tmp_path):
    path = testing.write(tmp_path / "silence.wav", testing.wav_bytes(np.zeros(44100 * 20)))

    result = chromaprint.compute(path)

    assert isinstance(result, chromaprint.InsufficientAudio)
    assert result.code == "insufficient_audio"
    assert "silent" in result.reason


def test_a_short_clip_is_insufficient_audio(tmp_path):
    beat = render_beat(seed=1, bpm=90, key="C", scale="major", seconds=4)
    path = testing.write(tmp_path / "short.wav", testing.wav_bytes(beat))

    result = chromaprint.compute(path)

    assert isinstance(result, chromaprint.InsufficientAudio)
    assert "too short" in result.reason


def test_a_45_ms_clip_is_insufficient_audio(tmp_path):
    path = testing.write(tmp_path / "blip.wav", testing.wav_bytes(testing.tone(0.045)))

    result = chromaprint.compute(path)

    assert isinstance(result, chromaprint.InsufficientAudio)


def test_a_steady_tone_is_fingerprinted_repetition_is_no_reason_to_refuse(tmp_path):
    path = testing.write(tmp_path / "tone.wav", testing.wav_bytes(testing.tone(30)))

    result = chromaprint.compute(path)

    assert isinstance(result, chromaprint.Fingerprint)


def test_fpcalc_and_the_in_process_fingerprint_agree_within_two_bits(beat_wav):
    from content.audio import digest

    theirs, ours = chromaprint.compute(beat_wav).items, digest.digest_file(beat_wav).items

    assert ours.size == theirs.size
    close = np.bitwise_count(theirs.view(np.uint32) ^ ours.view(np.uint32)) <= 2
    assert close.mean() >= 0.99


def test_random_bytes_never_produce_a_fingerprint(tmp_path):
    path = testing.write(tmp_path / "noise.mp3", os.urandom(64 * 1024))

    try:
        result = chromaprint.compute(path)
    except chromaprint.FingerprintError:
        return
    assert isinstance(result, chromaprint.InsufficientAudio)
