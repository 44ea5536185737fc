"""Mapping raw votes to a 0–100 confidence through the measured null distribution.

Raw evidence is the number of hash hits sharing the best time offset (±1 frame). On unrelated
(beat, song) pairs that number is small and its upper tail decays about geometrically: measured
by ``bench/recon_quality.py`` (which prints the fitted values) as the null's 99.9th percentile
``null_p999`` and the e-folding width ``null_tail`` of the tail above it. A score then says how far
past the null a pair is, in tail widths:

    excess = (votes - null_p999) / null_tail       (how many e-folds rarer than 1-in-1000)
    confidence = 100 * (1 - 0.5 ** ((excess + 4) / 3)), clipped to 0..100, rounded

so the null's 99.9th percentile maps to 60, the 80 storage threshold sits 3 e-folds further
(≈ 1 unrelated pair in 20,000 by the tail model) and the 90 display threshold 6 e-folds further
(≈ 1 in 400,000); a real copy of a 20 s excerpt carries tens to hundreds of votes and lands at
99–100. Conservative on purpose: a scan compares one beat with every reference recording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    null_p999: float
    null_tail: float

    def confidence(self, votes: int) -> int:
        excess = (votes - self.null_p999) / self.null_tail
        value = 100.0 * (1.0 - 0.5 ** ((excess + 4.0) / 3.0))
        return int(np.clip(round(value), 0, 100))

    def min_votes(self, confidence: int) -> int:
        """The fewest votes that score at least ``confidence`` (0 for a confidence of 0)."""
        if confidence <= 0:
            return 0
        votes = 0
        while self.confidence(votes) < confidence:
            if votes > 1_000_000:
                raise ValueError(f"No vote count reaches confidence {confidence}.")
            votes += 1
        return votes

    @classmethod
    def fit(cls, null_votes: np.ndarray) -> Calibration:
        """Fit from votes measured on unrelated pairs (zeros included)."""
        votes = np.asarray(null_votes, dtype=float)
        p999 = float(np.quantile(votes, 0.999))
        p99 = float(np.quantile(votes, 0.99))
        # Geometric tail: P(X > x) drops by 10x between p99 and p999 ⇒ e-fold = Δ / ln 10.
        tail = max((p999 - p99) / np.log(10.0), 1.0)
        return cls(null_p999=max(p999, 1.0), null_tail=tail)


# Matcher landmark-v2 (triplets): fitted on the separate calibration corpus of
# bench/recon_quality.py (``--seed-base 500000 --beats 40 --unrelated 115``, espeak-ng speech:
# 9,280 unrelated pairs, null votes median 1, p99 4, p99.9 7, max 13, fit (7, 1.3)). The tail
# beyond p99.9 is heavier than geometric (unrelated songs sharing drum hits: on the measured
# corpus 5 of 20,680 unrelated pairs reached 16 votes, 2 reached 18), so the tail is shipped at
# 2.0, not 1.3: 80 needs 13 votes and 90 needs 19, which none of those reached, while true
# 20–30 s excerpts under 0 dB of speech carry ≥ 22 on the calibration corpus. A false placement
# notifies a producer; a missed one is found at the next rescan of a louder copy, or never:
# precision first. Refit when the matcher's parameters change.
# (landmark-v1, pairs, had (18, 4): its null was wider, median 5, p99.9 14, max 20.)
DEFAULT_CALIBRATION = Calibration(null_p999=7.0, null_tail=2.0)

# The verification stage's z (recon/matching/verify.py), same mapping: 80 needs z >= 8.5, 90
# needs z >= 10. Set precision first, above every unrelated pair measured: the generated
# calibration corpus (recon_quality.py --seed-base 500000: 9,280 pairs) fits (1.2, 1.0), its
# null z never above 3.4, because generated beats seldom share a rhythm; real grooves do
# (bench/recon_real.py, 34,094 unrelated pairs: p99.9 4.8, max 9.4 for two grooves at one tempo
# sharing a drum figure), and that fit would put 90 at z 7.2. z is in standard deviations of the
# chance model, so the mapping does not move with the excerpt's length; a true 20-30 s copy
# under 0 dB of speech scores z 20-40, one whose triplets the voice broke still 10+.
DEFAULT_VERIFICATION = Calibration(null_p999=7.0, null_tail=0.5)
