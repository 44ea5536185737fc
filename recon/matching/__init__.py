"""Audio Recon matching: find a (partial, time-shifted) copy of a beat inside a released song.

Pure numpy/scipy, no Django. ``Matcher`` is the interface the services use; ``LandmarkMatcher``
(spectral-peak constellation triplets with offset-consistency voting, after Wang 2003, whose
best candidates are then verified peak by peak: ``verify``) is the implementation. Another
algorithm can replace it by providing the same operations.
"""

from recon.matching.base import Candidate, Hits, Landmarks, Matcher
from recon.matching.calibration import Calibration
from recon.matching.common import common_threshold, without_common
from recon.matching.index import MemoryIndex
from recon.matching.landmarks import LandmarkMatcher

__all__ = [
    "Calibration",
    "Candidate",
    "Hits",
    "LandmarkMatcher",
    "Landmarks",
    "Matcher",
    "MemoryIndex",
    "common_threshold",
    "without_common",
]


def default_matcher() -> LandmarkMatcher:
    return LandmarkMatcher()
