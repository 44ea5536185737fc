"""The duplicate check of ``POST /tracks`` on real music played 3 % faster or slower.

A real composition (OpenMSX, rendered by fluidsynth at test time: ``bench/_realcorpus.py``)
is uploaded as a track; a copy of it sped up (pitch and tempo, a resampled copy) or
time-stretched (tempo only) by 3 % is then refused with 409, as a re-encode is. The tools come
from ``make test-system-deps``; without them this fails saying what to install.
"""

from __future__ import annotations

import io

import pytest

from bench._realcorpus import RATE, Renders, speed_exact, stereo_excerpt, tempo, write_wav
from content.catalog.models import Track
from content.fingerprints.tests.helpers import audio_entry, create_track

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def original_audio(tmp_path_factory):
    renders = Renders(tmp_path_factory.mktemp("real-music"))
    return stereo_excerpt(renders.openmsx("linns_basket"), 30.0)


def _wav(audio) -> bytes:
    buffer = io.BytesIO()
    write_wav(buffer, audio)
    return buffer.getvalue()


@pytest.mark.parametrize(("change", "factor"), [("speed", 1.03), ("tempo", 0.97)])
def test_a_real_beat_three_percent_faster_or_slower_is_refused_as_a_duplicate(
    original_audio, producer, producer_client, django_capture_on_commit_callbacks, change, factor
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create_track(
            producer_client, audio_entry(producer, _wav(original_audio)), name="Linn's Basket"
        )
    assert response.status_code == 201, response.json()
    original = response.json()["track"]["id"]
    copy = (
        speed_exact(original_audio, factor)
        if change == "speed"
        else tempo(original_audio, factor, rate=RATE)
    )

    response = create_track(
        producer_client, audio_entry(producer, _wav(copy)), name=f"Basket at {factor}"
    )

    assert response.status_code == 409, response.json()
    [duplicate] = response.json()["duplicates"]
    assert duplicate["track"]["id"] == original
    assert duplicate["similarity"] >= 90
    assert not Track.objects.filter(name=f"Basket at {factor}").exists()
