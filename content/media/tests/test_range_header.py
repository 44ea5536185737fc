"""Range headers built to hurt: absurdly long numbers are a clean 416 or a whole-file answer,
never a 500 (Python refuses to parse more than 4300 digits)."""

import pytest

from content.media.services.downloads import RangeNotSatisfiable, parse_range
from content.tests.audio_helpers import stored_entry, tone_wav
from content.tests.factories import TrackFactory

DATA = tone_wav(1.0)
HUGE = "9" * 5000


@pytest.mark.parametrize(
    "header", [f"bytes={HUGE}-", f"bytes={HUGE}-{HUGE}", "bytes=1" + "0" * 19 + "-"]
)
def test_a_start_beyond_any_file_is_unsatisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"bytes=10-{HUGE}", (10, 999)),
        (f"bytes=-{HUGE}", (0, 999)),
        ("bytes=" + "0" * 5000 + "5-9", (5, 9)),  # leading zeros are only zeros
    ],
)
def test_long_ends_and_suffixes_mean_to_the_end(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.django_db
def test_download_with_a_thousands_of_digits_start_is_416(
    producer, producer_artist, producer_client
):
    track = TrackFactory(file=stored_entry(producer, DATA), artists=[producer_artist])

    response = producer_client.get(
        f"/api/v1/tracks/{track.pk}/download", HTTP_RANGE=f"bytes={HUGE}-"
    )

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"
