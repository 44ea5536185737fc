"""Transcode a lossless (or any decodable) file to MP3 or PCM WAV with PyAV, streaming: memory
stays constant whatever the duration. Pure: paths in, a file out, no Django.

MP3 is LAME at a constant bitrate (320 kbps by default), mono or stereo. Above 160 kbps only
MPEG-1 rates (32, 44.1, 48 kHz) carry the bitrate (MPEG-2's 16-24 kHz stop at 160 kbps), so a
320 kbps MP3 of a 22.05 kHz source is resampled to 44.1 kHz rather than quietly capped at
160 kbps; 88.2 kHz goes to 44.1, 96 and 192 kHz to 48. Lower bitrates keep the source rate when
LAME supports it (else the nearest supported rate not above it). FFmpeg's MP3 muxer writes a
Xing/LAME header with the encoder delay and padding, so decoders trim them and the duration
matches the source. WAV is 16-bit PCM, or 24-bit when the source has more than 16 bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LAME_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


class TranscodeError(ValueError):
    pass


@dataclass(frozen=True)
class TranscodeResult:
    frames: int
    sample_rate: int
    channels: int

    @property
    def duration_seconds(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


MPEG1_RATES = (32000, 44100, 48000)
MPEG2_MAX_BITRATE = 160_000


def _lame_rate(rate: int, bitrate: int = 320_000) -> int:
    """The MP3's sample rate for a source at ``rate``: the source's own when LAME can encode it
    at ``bitrate``, else the closest one that can."""
    if bitrate > MPEG2_MAX_BITRATE:
        if rate in MPEG1_RATES:
            return rate
        if rate > MPEG1_RATES[-1]:
            return 48000 if rate % 48000 == 0 else 44100
        return 44100
    supported = [r for r in LAME_RATES if r <= rate]
    return supported[-1] if supported else LAME_RATES[0]


def transcode(
    source: str | Path, target: str | Path, *, fmt: str, mp3_bitrate: int = 320_000
) -> TranscodeResult:
    """Write ``source`` to ``target`` as ``fmt`` (``mp3`` or ``wav``)."""
    import av

    if fmt not in ("mp3", "wav"):
        raise TranscodeError(f"Unsupported format {fmt!r}.")
    try:
        container = av.open(str(source), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise TranscodeError(f"Cannot open audio: {exc}") from exc
    with container:
        if not container.streams.audio:
            raise TranscodeError("The file has no audio stream.")
        in_stream = container.streams.audio[0]
        in_ctx = in_stream.codec_context
        channels = 2 if (in_ctx.channels or 1) >= 2 else 1
        layout = "stereo" if channels == 2 else "mono"
        if fmt == "mp3":
            rate = _lame_rate(in_ctx.sample_rate, mp3_bitrate)
            codec, sample_format, container_format = "libmp3lame", "fltp", "mp3"
        else:
            rate = in_ctx.sample_rate
            deep = (in_ctx.format.bits if in_ctx.format else 16) > 16 or (
                getattr(in_ctx, "bits_per_raw_sample", 0) or 0
            ) > 16
            codec, sample_format = ("pcm_s24le", "s32") if deep else ("pcm_s16le", "s16")
            container_format = "wav"
        resampler = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
        frames = 0
        try:
            with av.open(str(target), mode="w", format=container_format) as out:
                out_stream = out.add_stream(codec, rate=rate)
                out_stream.layout = layout
                out_stream.format = sample_format
                if fmt == "mp3":
                    out_stream.bit_rate = mp3_bitrate

                def write(frame_list) -> None:
                    nonlocal frames
                    for frame in frame_list:
                        frame.pts = frames  # time base 1/rate: monotonic for the muxer
                        frames += frame.samples
                        for packet in out_stream.encode(frame):
                            out.mux(packet)

                for packet in container.demux(in_stream):
                    for frame in packet.decode():
                        frame.pts = None
                        write(resampler.resample(frame))
                write(resampler.resample(None))
                for packet in out_stream.encode(None):
                    out.mux(packet)
        except av.error.FFmpegError as exc:
            raise TranscodeError(f"Transcoding failed: {exc}") from exc
    return TranscodeResult(frames=frames, sample_rate=rate, channels=channels)
