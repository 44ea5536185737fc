"""Spectral-peak landmarks (constellation triplets) with offset-consistency voting.

Why this works for a beat under a vocal: a released song keeps most of the beat's strong
time-frequency peaks wherever the voice is not louder in that band and instant. Peaks are picked
per frequency band (not per frame), so a loud voice in the mids cannot crowd out the kick, bass
and hats; a hash covers an anchor peak and two of its following peaks (f1, f2 - f1, t2 - t1,
f3 - f1, t3 - t1), which survives a time shift, and a true copy shows up as many hash hits
sharing one time offset, while chance hits scatter over offsets.

Why triplets (``landmark-v2``) rather than pairs (``landmark-v1``, 22 bits): a pair says too
little to be selective, so every looked-up hash returned a posting list that grew with the
catalog (342 rows per hash at 10k indexed songs). A triplet carries 35 bits, folded onto int32:
a scan reads ~35× fewer rows and its cost is its index probes, which do not grow with the
catalog. The price is robustness (three peaks must survive the voice instead of two), paid back
by a null distribution that shrinks more than the true votes (see calibration.py).

The two sides are extracted at different densities. A reference song (indexed by the million) is
sparse; the scanned beat (the query, few of them) is dense: more peaks per band, and every pair of
its anchor's first ``query_fan_out`` targets. Under a voice the song keeps only some of the beat's
peaks, and not always the beat's own strongest ones (the voice changes which peaks stand out
locally), so a song triplet matches only if the beat side holds it too: the denser query holds it
far more often, for no extra index bytes (bench/recon_quality.py; README "Audio Recon").

The vote finds candidates; with the recordings' stored peaks (``score(..., peaks=...)``) its best
ones are then verified peak by peak at the voted offset (``recon.matching.verify``), which needs
one peak to survive where a hash needs three: on real grooves under 0 dB of speech, recall at
>= 90 rose from 80 % to 90 % with no unrelated pair reaching 90 (bench/recon_real.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import gcd

import numpy as np
from scipy import fft as sp_fft
from scipy import ndimage, signal

from recon.matching import verify
from recon.matching.base import Candidate, Hits, Landmarks
from recon.matching.calibration import DEFAULT_CALIBRATION, DEFAULT_VERIFICATION, Calibration


def triplet_hash(
    f1: np.ndarray, df2: np.ndarray, dt2: np.ndarray, df3: np.ndarray, dt3: np.ndarray
) -> np.ndarray:
    """int32 hash of a peak triplet: the anchor's bin ``f1`` (9 bits), each target's bin
    offset (+64: 7 bits) and frame offset (6 bits), packed into 35 bits and folded onto the
    whole int32 range by a multiplicative (Fibonacci) hash: near-uniform values, so the hash
    partitions hold equal shares and a posting list is as short as the 32 bits allow."""
    packed = (
        (f1.astype(np.uint64) << np.uint64(26))
        | ((df2 + 64).astype(np.uint64) << np.uint64(19))
        | (dt2.astype(np.uint64) << np.uint64(13))
        | ((df3 + 64).astype(np.uint64) << np.uint64(6))
        | dt3.astype(np.uint64)
    )
    return (
        ((packed * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)).astype(np.uint32).view(np.int32)
    )


def dense_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ``ids`` ascending, each id's number in them): ``np.unique(ids,
    return_inverse=True)``, through a table indexed by id when the ids are small (a scan's
    recording ids: no sort of its hundreds of thousands of hits)."""
    ids = np.asarray(ids, dtype=np.int64)
    if not len(ids):
        return ids, np.empty(0, np.int64)
    top = int(ids.max()) + 1
    if int(ids.min()) < 0 or top > max(1 << 20, 4 * len(ids)):
        distinct, inverse = np.unique(ids, return_inverse=True)
        return distinct, inverse.reshape(-1)
    seen = np.zeros(top, bool)
    seen[ids] = True
    number = np.cumsum(seen, dtype=np.int64) - 1
    return np.flatnonzero(seen), number[ids]


def _maximum_filter(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``ndimage.maximum_filter(values, size, mode="nearest")`` (identical values) as running
    maxima along one axis then the other, each by doubling (``_running_max``): ~7× faster on a
    spectrogram."""
    (rows, cols), (pr, pc) = size, (size[0] // 2, size[1] // 2)
    padded = np.pad(values, ((pr, rows - 1 - pr), (pc, cols - 1 - pc)), mode="edge")
    return _running_max(_running_max(padded, cols, axis=1), rows, axis=0)


def _running_max(values: np.ndarray, width: int, *, axis: int) -> np.ndarray:
    """out[i] = max(values[i : i + width]) along ``axis`` (``width - 1`` shorter): the maxima
    of spans 2, 4, 8 ... each from two of the previous, then one more step to ``width``
    (log2(width) + 1 passes instead of ``width - 1``; 4 passes instead of 8 for 9 bins)."""

    def span(start: int, stop: int) -> tuple[slice, ...]:
        return (slice(None),) * axis + (slice(start, stop),)

    n = values.shape[axis] - width + 1
    out, reach = values, 1
    while reach * 2 <= width:
        length = out.shape[axis] - reach
        out = np.maximum(out[span(0, length)], out[span(reach, reach + length)])
        reach *= 2
    if reach < width:
        return np.maximum(out[span(0, n)], out[span(width - reach, width - reach + n)])
    return out[span(0, n)]


# Frequency bands (in bins of the 1024-point STFT at 11025 Hz, ~10.8 Hz each) in which peaks
# are picked separately: sub/bass, low-mid, mid, presence, air.
BAND_EDGES = (2, 24, 60, 140, 280, 512)


@dataclass
class LandmarkMatcher:
    # Stored with every indexed recording and scanned track: rows of another matcher are never
    # compared with this one's (see recon.services); change it whenever the hashes change.
    name: str = "landmark-v2"
    sample_rate: int = 11025
    n_fft: int = 1024
    hop: int = 256
    # Peaks kept per band per second (bands: BAND_EDGES). Most go to the sub/bass and air bands:
    # a voice fills the mids (its harmonics and formants, ~100 Hz–4 kHz), where a song keeps
    # almost none of the beat's peaks, while the kick/808 and the hats survive it.
    peaks_per_band_per_second: tuple[float, ...] = (16.0, 2.0, 1.0, 1.0, 16.0)
    neighbourhood: tuple[int, int] = (9, 5)  # (bins, frames) of the local-maximum test
    # Each anchor's first ``fan_out`` targets; a hash covers the anchor and two of them, i < j
    # ≤ i + ``gap`` (the reference side: the rows of the index).
    fan_out: int = 4
    gap: int = 3
    # the query side (``landmarks(..., query=True)``: the scanned beats) is denser: every pair
    # of its first ``query_fan_out`` targets, so it holds the reference side's triplets although
    # its extra peaks shift their target ranks. 6 targets (15 triplets an anchor) rather than
    # 7 (21): 29 % fewer index probes a scan; the votes it costs weak copies the verification
    # wins back (bench/recon_real.py at 0 dB: 91 % at >= 90 vs 90 % with 7; generated 100 % both)
    query_peaks_per_band_per_second: tuple[float, ...] = (24.0, 8.0, 4.0, 4.0, 24.0)
    query_fan_out: int = 6
    # Bands (indices into BAND_EDGES' bands) whose peaks anchor the query's triplets; the other
    # bands' peaks are still targets. Measured on bench/recon_quality.py's corpus (22 beats, their
    # songs at -6 and 0 dB): anchors in the low-mid, mid and presence bands made 38 % of a
    # beat's distinct query hashes and 0.1 % of the true votes (a voice masks them in the song),
    # so each is an index probe of a scan spent for nothing.
    query_anchor_bands: tuple[int, ...] = (0, 4)
    max_dt: int = 48  # frames (~1.1 s)
    max_df: int = 63  # bins
    # votes within ±tolerance frames of the best offset count together (hop jitter)
    tolerance: int = 1
    # occurrences of one hash in the query used in the vote (the earliest): a looped beat
    # repeats every hash once per loop, and each repetition multiplies the vote's work; any
    # ``max_occurrences`` consecutive repetitions align with an excerpt up to that many loops
    # long (8 four-bar loops at 90 BPM: 85 s)
    max_occurrences: int = 8
    # (hit, query occurrence) pairs counted by one sort of the vote (a block of recordings)
    vote_block_pairs: int = 1 << 22
    calibration: Calibration = field(default_factory=lambda: DEFAULT_CALIBRATION)
    # The verification stage (``score(..., peaks=...)``): every recording whose votes alone
    # score ``verify_all_from`` (the storage threshold) and, of the others holding at least
    # ``verify_min_votes`` votes, the ``verify_limit`` with the most, are verified peak by peak;
    # ``verification`` maps their z to a confidence. Without the first rule a catalog large
    # enough to fill the quota would let its unverified vote matches back in: on real grooves,
    # a quota of 2 candidates of 344 songs (the share 200 is of ~34k) gave 7 false matches at 90.
    verify_min_votes: int = 6
    verify_limit: int = 200
    verify_all_from: int = 80
    verification: Calibration = field(default_factory=lambda: DEFAULT_VERIFICATION)

    @property
    def frames_per_second(self) -> float:
        return self.sample_rate / self.hop

    # --- extraction -----------------------------------------------------------------------

    def resample(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim == 2:
            samples = samples.mean(axis=1)
        if sample_rate == self.sample_rate:
            return samples
        g = gcd(int(sample_rate), self.sample_rate)
        return signal.resample_poly(samples, self.sample_rate // g, int(sample_rate) // g).astype(
            np.float32
        )

    def peaks(
        self, samples: np.ndarray, *, per_second: float | tuple[float, ...] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(times, bins) of the selected spectral peaks (``per_second``: per band, or one rate
        for all; default the reference density), sorted by time."""
        if len(samples) < self.n_fft:
            return np.empty(0, np.int32), np.empty(0, np.int32)
        # The STFT (Hann window, scaled like scipy.signal.stft: the same values) by one real
        # FFT of a strided view of the frames; float32 in, complex64 out. The windowed frames
        # are laid out (samples, frames) and transformed along axis 0, so the spectrum comes
        # out (bins, frames) with no transposed copy (the same values; 35 vs 56 ms for 3 min).
        window = signal.get_window("hann", self.n_fft).astype(np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(
            np.asarray(samples, dtype=np.float32), self.n_fft
        )[:: self.hop]
        spec = sp_fft.rfft(frames.T * (window / window.sum())[:, None], axis=0)
        # in place where it can be (each temporary is 16 MB for 3 min: its page faults count)
        log_mag = np.abs(spec[: BAND_EDGES[-1]])
        del spec
        log_mag += np.float32(1e-6)
        np.log(log_mag, out=log_mag)
        local_max = _maximum_filter(log_mag, self.neighbourhood)
        # Prominence over the local mean: a peak must stand out from its surroundings, which
        # makes the choice independent of overall loudness and mastering.
        prominence = ndimage.uniform_filter(log_mag, size=(31, 31), mode="nearest")
        np.subtract(log_mag, prominence, out=prominence)
        is_peak = (log_mag == local_max) & (prominence > 0.5)
        n_frames = log_mag.shape[1]
        window = max(1, int(round(self.frames_per_second)))
        rate = per_second or self.peaks_per_band_per_second
        rates = rate if isinstance(rate, tuple) else (rate,) * (len(BAND_EDGES) - 1)
        # Keep the strongest peaks of each band in each one-second window (``rates`` of them):
        # every band's windows ranked by one sort.
        f, t = np.nonzero(is_peak[BAND_EDGES[0] : BAND_EDGES[-1]])
        if not len(t):
            return np.empty(0, np.int32), np.empty(0, np.int32)
        f = f + BAND_EDGES[0]
        band = np.searchsorted(BAND_EDGES, f, side="right") - 1
        strength = prominence[f, t]
        n_windows = n_frames // window + 1
        group = band * n_windows + t // window
        order = np.lexsort((-strength, group))
        g_sorted = group[order]
        starts = np.searchsorted(g_sorted, np.arange((len(BAND_EDGES) - 1) * n_windows))
        rank = np.arange(len(order)) - starts[g_sorted]
        per_window = np.array([max(1, int(round(r))) for r in rates])
        keep = order[rank < per_window[band[order]]]
        times, bins = t[keep].astype(np.int32), f[keep].astype(np.int32)
        order = np.lexsort((bins, times))
        return times[order], bins[order]

    def landmarks(self, samples: np.ndarray, sample_rate: int, *, query: bool = False) -> Landmarks:
        """The hashes of a recording to index (``query=False``: a reference song) or to scan
        with (``query=True``: a beat, denser, see the module docstring)."""
        mono = self.resample(samples, sample_rate)
        duration = len(mono) / self.sample_rate
        per_second = (
            self.query_peaks_per_band_per_second if query else self.peaks_per_band_per_second
        )
        times, bins = self.peaks(mono, per_second=per_second)
        return self.landmarks_of_peaks(times, bins, duration, query=query)

    def landmarks_of_peaks(
        self, times: np.ndarray, bins: np.ndarray, duration: float, *, query: bool = False
    ) -> Landmarks:
        """The hashes of peaks (``times``, ``bins``: sorted by time, then bin)."""
        anchors = None
        if query:
            fan_out, gap = self.query_fan_out, self.query_fan_out
            band = np.searchsorted(BAND_EDGES, bins, side="right") - 1
            anchors = np.isin(band, self.query_anchor_bands)
        else:
            fan_out, gap = self.fan_out, self.gap
        hashes, anchor_times = self._triplets(
            times, bins, fan_out=fan_out, gap=gap, anchors=anchors
        )
        return Landmarks(
            hashes,
            anchor_times,
            self.frames_per_second,
            duration,
            peaks=verify.pack(times, bins),
            dense=query,
        )

    def landmarks_of_packed(
        self, packed: np.ndarray, duration: float, *, query: bool = False
    ) -> Landmarks:
        """The landmarks of stored packed peaks (``Landmarks.peaks``, see ``verify.pack``):
        what ``landmarks`` returned for the audio they were picked from, without its decode and
        peak picking (a rescan: 5 ms instead of ~270 for a 3-min beat)."""
        times, bins = verify.unpack(packed)
        return self.landmarks_of_peaks(times, bins, duration, query=query)

    def _targets(self, times: np.ndarray, bins: np.ndarray, fan_out: int) -> np.ndarray:
        """(n, fan_out) indices of each peak's first ``fan_out`` following peaks in its target
        zone (1..max_dt frames later, within ±max_df bins), -1 where it has fewer."""
        n = len(times)
        targets = np.full((n, fan_out), -1, np.int64)
        taken = np.zeros(n, np.int64)
        # Vectorised over anchors: the k-th peak after each anchor, k = 1..search.
        for k in range(1, min(fan_out * 6, n - 1) + 1):
            a = np.arange(n - k)
            dt = times[a + k] - times[a]
            df = bins[a + k] - bins[a]
            ok = (dt >= 1) & (dt <= self.max_dt) & (np.abs(df) <= self.max_df)
            a = a[ok & (taken[a] < fan_out)]
            targets[a, taken[a]] = a + k
            taken[a] += 1
        return targets

    def _triplets(
        self,
        times: np.ndarray,
        bins: np.ndarray,
        *,
        fan_out: int,
        gap: int,
        anchors: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hashes of (anchor, target i, target j) for i < j ≤ i + ``gap`` among the anchor's
        first ``fan_out`` targets, with the anchor's time; ``anchors`` (a mask over the peaks):
        only those peaks anchor a triplet (all are targets)."""
        if len(times) < 3:
            return np.empty(0, np.int32), np.empty(0, np.int32)
        targets = self._targets(times, bins, fan_out)
        if anchors is not None:
            targets[~anchors] = -1
        times, bins = times.astype(np.int64), bins.astype(np.int64)
        out_h, out_t = [], []
        for i in range(fan_out):
            for j in range(i + 1, min(fan_out, i + gap + 1)):
                a = np.nonzero((targets[:, i] >= 0) & (targets[:, j] >= 0))[0]
                b, c = targets[a, i], targets[a, j]
                out_h.append(
                    triplet_hash(
                        bins[a],
                        bins[b] - bins[a],
                        times[b] - times[a],
                        bins[c] - bins[a],
                        times[c] - times[a],
                    )
                )
                out_t.append(times[a])
        hashes, anchor_times = np.concatenate(out_h), np.concatenate(out_t).astype(np.int32)
        order = np.argsort(anchor_times, kind="stable")
        return hashes[order], anchor_times[order]

    # --- scoring --------------------------------------------------------------------------

    def score(
        self,
        query: Landmarks,
        hits: Hits,
        *,
        minimum: int = 0,
        peaks: Callable[[list[int]], dict[int, np.ndarray]] | None = None,
    ) -> list[Candidate]:
        """Vote; then, with ``peaks`` (the stored peaks of recordings by id), verify the
        recordings ``to_verify`` picks peak by peak at their voted offset
        (``recon.matching.verify``): their confidence is the verification's (``verification``
        calibration); the others' (and any without stored peaks) their votes' (``calibration``)."""
        verifying = peaks is not None and query.peaks is not None
        min_votes = self.calibration.min_votes(minimum)
        if verifying:
            min_votes = min(min_votes, self.verify_min_votes)
        votes = self.votes(query, hits, min_votes=min_votes)
        verified: dict[int, float] = {}
        if verifying and votes:
            ranked = self.to_verify(votes)
            if ranked:
                verified = self.verify(query, {rec: votes[rec][1] for rec in ranked}, peaks(ranked))
        out = []
        for rec, (count, offset) in votes.items():
            z = verified.get(int(rec))
            confidence = (
                self.verification.confidence(z)
                if z is not None
                else self.calibration.confidence(count)
            )
            if confidence >= minimum:
                out.append(
                    Candidate(int(rec), int(count), offset / self.frames_per_second, confidence)
                )
        out.sort(key=lambda c: (-c.confidence, -c.votes, c.recording_id))
        return out

    def to_verify(self, votes: dict[int, tuple[int, int]]) -> list[int]:
        """The recordings of a vote that the verification stage looks at (most votes first,
        then lowest id): every one whose votes alone would score ``verify_all_from`` (so a
        stored match is always the verification's verdict when the recording has peaks), then
        the ``verify_limit`` best of the others holding at least ``verify_min_votes``."""
        strong = self.calibration.min_votes(self.verify_all_from)
        ranked = sorted(
            (rec for rec, (count, _) in votes.items() if count >= self.verify_min_votes),
            key=lambda rec: (-votes[rec][0], rec),
        )
        n_strong = sum(1 for rec in ranked if votes[rec][0] >= strong)
        return ranked[: n_strong + self.verify_limit]

    def verify(
        self, query: Landmarks, offsets: dict[int, int], stored: dict[int, np.ndarray]
    ) -> dict[int, float]:
        """recording id → the verification's z of ``query`` against its ``stored`` peaks at
        its voted offset (frames, ``offsets``); recordings without stored peaks are left out.
        The beat is the dense side whichever way the scan runs: a scanned beat against
        reference recordings, or a new recording against the beats' stored peaks."""
        if query.dense:
            beat = verify.coverage(query.peaks)
            return {
                int(rec): verify.z_score(beat, stored[rec], offset)
                for rec, offset in offsets.items()
                if rec in stored
            }
        return {
            int(rec): verify.z_score(verify.coverage(stored[rec]), query.peaks, -offset)
            for rec, offset in offsets.items()
            if rec in stored
        }

    def votes(
        self, query: Landmarks, hits: Hits, *, min_votes: int = 0
    ) -> dict[int, tuple[int, int]]:
        """recording id → (votes at its best offset, that offset in frames), for the recordings
        whose best offset holds at least ``min_votes`` (0: every recording with a hit)."""
        if not len(query) or not len(hits.hashes):
            return {}
        # A repetitive beat repeats its hashes; cap the occurrences used per hash so a loop
        # cannot make the hit × query product explode (see ``max_occurrences``).
        q_order = np.argsort(query.hashes, kind="stable")
        q_hash = query.hashes[q_order]
        q_time = query.times[q_order]
        # Per distinct query hash: where its occurrences start and how many; each hit finds
        # its hash among the distinct ones (one search in a short array).
        distinct, first, occurrences = np.unique(q_hash, return_index=True, return_counts=True)
        pos = np.minimum(np.searchsorted(distinct, hits.hashes), len(distinct) - 1)
        present = distinct[pos] == hits.hashes
        lo = first[pos]
        counts = np.where(present, np.minimum(occurrences[pos], self.max_occurrences), 0)
        if not present.any():
            return {}
        lo, counts = lo[present], counts[present]
        ref_t = hits.times[present]
        # The recordings numbered 0.. in id order (``rec_ids`` maps a number back to its id).
        rec_ids, rec_idx = dense_ids(hits.recording_ids[present])
        # Sparse histogram of (recording, offset): a true copy puts its hits in one offset
        # (±jitter). Triplet hits are few and scattered (a few hundred thousand over 10k songs ×
        # ~15 000 offsets), so the (recording, offset) keys of every (hit, occurrence) pair are
        # counted by one sort; a dense per-recording histogram would clear and scan ~15 000
        # cells per recording. More than ``vote_block_pairs`` pairs are counted in blocks of
        # whole recordings (the hits grouped by recording first: one stable sort).
        tol = self.tolerance
        low = int(ref_t.min()) - int(q_time.max())
        width = int(ref_t.max()) - int(q_time.min()) - low + 1 + 2 * tol  # per recording
        if int(counts.sum()) > self.vote_block_pairs:
            by_rec = np.argsort(rec_idx, kind="stable")
            rec_idx, lo, counts, ref_t = rec_idx[by_rec], lo[by_rec], counts[by_rec], ref_t[by_rec]
            blocks = self._blocks(rec_idx, counts)
        else:
            blocks = [(0, len(rec_idx))]
        out: dict[int, tuple[int, int]] = {}
        for a, b in blocks:
            c = counts[a:b]
            row = np.repeat(np.arange(b - a), c)
            within = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
            diffs = ref_t[a:b][row].astype(np.int64) - q_time[lo[a:b][row] + within]
            first_rec = int(rec_idx[a:b].min())
            rec_of_pair = rec_idx[a:b][row] - first_rec
            offset_of_pair = diffs - low + tol
            if min_votes > 1:
                n_recs = int(rec_idx[a:b].max()) - first_rec + 1
                reach = self._may_reach(rec_of_pair, offset_of_pair, min_votes, n_recs, width)
                rec_of_pair, offset_of_pair = rec_of_pair[reach], offset_of_pair[reach]
                if not len(rec_of_pair):
                    continue
            keys = (rec_of_pair + first_rec).astype(np.int64) * width + offset_of_pair
            keys, hist = np.unique(keys, return_counts=True)
            # Add the counts within ±tolerance (the keys' neighbours, if present); only offsets
            # that hold hits are candidates. The 2·tol margin keeps neighbours in one recording.
            smoothed = hist.copy()
            for d in (*range(-tol, 0), *range(1, tol + 1)):
                at = np.searchsorted(keys, keys + d)
                found = at < len(keys)
                found[found] = keys[at[found]] == keys[found] + d
                smoothed[found] += hist[at[found]]
            # The best offset per recording (the earliest among equals).
            rec_of = keys // width
            starts = np.flatnonzero(np.concatenate(([True], rec_of[1:] != rec_of[:-1])))
            best_value = np.maximum.reduceat(smoothed, starts)
            is_best = smoothed == np.repeat(best_value, np.diff(np.append(starts, len(keys))))
            first_best = np.flatnonzero(is_best)
            group = np.searchsorted(starts, first_best, "right") - 1
            keep = np.concatenate(([True], group[1:] != group[:-1]))
            first_best, group = first_best[keep], group[keep]
            offsets = keys[first_best] % width - tol + low
            for g, value, offset in zip(
                group.tolist(), best_value.tolist(), offsets.tolist(), strict=True
            ):
                if value >= min_votes:
                    out[int(rec_ids[rec_of[starts[g]]])] = (int(value), int(offset))
        return out

    def _blocks(self, rec_idx: np.ndarray, counts: np.ndarray) -> list[tuple[int, int]]:
        """(start, end) of consecutive hits (grouped by recording, ``counts`` pairs each)
        holding at most ``vote_block_pairs`` pairs, or one recording's hits if it has more."""
        pairs_before = np.concatenate(([0], np.cumsum(counts)))
        blocks, a = [], 0
        while a < len(rec_idx):
            # hits a..b: up to the pair budget, then to the end of the last one's recording
            budget = pairs_before[a] + self.vote_block_pairs
            b = max(int(np.searchsorted(pairs_before, budget, "right")) - 1, a + 1)
            b = int(np.searchsorted(rec_idx, rec_idx[b - 1], "right"))
            blocks.append((a, b))
            a = b
        return blocks

    # ``_may_reach``: offsets are grouped by 2**COARSE_SHIFT frames (64: 1.5 s); a block of
    # recordings holding more groups than COARSE_MAX_CELLS is voted without the pre-filter
    COARSE_SHIFT = 6
    COARSE_MAX_CELLS = 1 << 25

    def _may_reach(
        self,
        recording: np.ndarray,
        offset: np.ndarray,
        min_votes: int,
        n_recordings: int,
        width: int,
    ) -> np.ndarray:
        """Mask of the (hit, occurrence) pairs (``recording`` numbered 0..``n_recordings`` - 1,
        ``offset`` in 0..``width`` - 1) that can belong to an offset holding ``min_votes``
        (± ``tolerance``): a cheap count per group of 64 offsets (``np.bincount``) keeps only
        the groups that, with a neighbour, reach ``min_votes``. Every offset that holds
        ``min_votes`` keeps all the pairs of its ±tolerance window (they lie in two adjacent
        groups whose sum is at least its count), so the exact count that follows gives the same
        best offsets and votes for every recording that reaches ``min_votes``; the others (the
        vast majority: one scan meets every indexed song sharing a drum hit) are dropped before
        its sort. Needs ``2 * tolerance + 1 <= 2 ** COARSE_SHIFT``."""
        per_rec = (width >> self.COARSE_SHIFT) + 2
        cells = n_recordings * per_rec
        if cells > self.COARSE_MAX_CELLS:
            return np.ones(len(offset), bool)
        coarse = recording.astype(np.int64) * per_rec + (offset >> self.COARSE_SHIFT)
        counts = np.bincount(coarse, minlength=cells)
        if min_votes <= 127:
            # capped at min_votes in one byte a cell: the steps below then touch 1/8 of the
            # bytes (the counts of a 10k-recording scan: 19.5 MB as int64)
            counts = np.minimum(counts, min_votes, out=counts).astype(np.uint8)
        pair = counts[:-1] + counts[1:]  # group k with group k + 1
        reach = pair >= min_votes
        keep = counts >= min_votes
        keep[:-1] |= reach
        keep[1:] |= reach
        return keep[coarse]
